"""From kubeconfig flags to an API client: the only place that loads credentials.

Order (kubectl's): --kubeconfig, else KUBECONFIG (several files merged), else ~/.kube/config, else
in-cluster service account. The kubeconfig is never written (no persister), so refreshed OIDC
tokens stay in memory. Before the client reads the chosen user, credentials.py runs its exec
plugin (with --request-timeout, refusing bad output) and moves every `*-data` field of the user
and cluster into in-memory files, so no key is ever written to disk. `kubernetes` is imported here,
lazily, and nowhere offline.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from kubectl_dynamo.errors import ClusterError

SA_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
# Cluster.parallel runs up to 8 reads per level and doctor nests two levels (survey + access
# reviews); the client's default pool (5 × CPUs) would discard connections, warning on stderr.
POOL_SIZE = 32


@dataclass
class ConnectionOptions:
    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    request_timeout: float = 30.0  # seconds; 0 = none


@dataclass
class Connection:
    api: Any  # kubernetes.client.ApiClient (its Configuration: TLS and credentials)
    context: str | None  # None in-cluster
    namespace: str  # --namespace, else the context's, else "default"
    host: str
    timeout: float | None  # per request, seconds
    user: str | None = None
    transport: Any = None  # transport.Transport: every request goes through it

    def __post_init__(self) -> None:
        if self.transport is None:
            from kubectl_dynamo.cluster.transport import Transport

            self.transport = Transport(self.api.configuration, POOL_SIZE)


def _kubeconfig_paths(explicit: str | None) -> str | None:
    """The kubeconfig the client should merge, or None when there is none (then in-cluster)."""
    if explicit:
        if not os.path.exists(os.path.expanduser(explicit)):
            raise ClusterError(f"stat {explicit}: no such file or directory (--kubeconfig)")
        return os.path.expanduser(explicit)
    env = os.environ.get("KUBECONFIG", "")
    existing = [p for p in env.split(os.pathsep) if p and os.path.exists(os.path.expanduser(p))]
    if existing:
        return os.pathsep.join(os.path.expanduser(p) for p in existing)
    default = os.path.expanduser("~/.kube/config")
    return default if os.path.exists(default) else None


def connect(opts: ConnectionOptions) -> Connection:
    """Resolve one context and build its client. Raises ClusterError (exit 3) with one line."""
    from kubernetes import client
    from kubernetes.config import ConfigException, incluster_config, kube_config

    timeout = opts.request_timeout or None
    path = _kubeconfig_paths(opts.kubeconfig)
    if path is None:
        if not os.environ.get("KUBERNETES_SERVICE_HOST"):
            raise ClusterError("no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running inside a cluster")
        if opts.context:
            raise ClusterError(f"--context {opts.context} cannot be used in-cluster: there is no kubeconfig")
        cfg = client.Configuration()
        try:
            incluster_config.load_incluster_config(client_configuration=cfg)
        except ConfigException as exc:
            raise ClusterError(f"in-cluster configuration: {exc}") from exc
        namespace = opts.namespace
        if not namespace and os.path.exists(SA_NAMESPACE_FILE):
            with open(SA_NAMESPACE_FILE) as f:
                namespace = f.read().strip()
        cfg.connection_pool_maxsize = max(cfg.connection_pool_maxsize or 0, POOL_SIZE)
        return Connection(client.ApiClient(cfg), None, namespace or "default", cfg.host, timeout)

    try:
        merged = kube_config.KubeConfigMerger(path)
        if merged.config is None:
            raise ConfigException("Invalid kube-config file. No configuration found.")
        listing = kube_config.KubeConfigLoader(config_dict=merged.config, config_base_path=None)
        contexts, active = listing.list_contexts(), listing.current_context
    except ConfigException as exc:
        raise ClusterError(f"invalid kubeconfig: {exc}") from exc
    except Exception as exc:  # unreadable YAML and the like
        raise ClusterError(f"cannot read kubeconfig {path}: {exc}") from exc
    if opts.context:
        ctx = next((c for c in contexts or [] if c.get("name") == opts.context), None)
        if ctx is None:
            raise ClusterError(f'context "{opts.context}" does not exist (--context); see kubectl config get-contexts')
    else:
        ctx = active
        if not ctx:
            raise ClusterError('no context is currently set, use "--context" or "kubectl config use-context <context>"')
    cfg = client.Configuration()
    _credentials_in_memory(merged.config, ctx, timeout)
    try:
        kube_config.KubeConfigLoader(config_dict=merged.config, active_context=ctx["name"],
                                     config_base_path=None).load_and_set(cfg)
    except ConfigException as exc:
        raise ClusterError(f"context {ctx['name']}: {exc}") from exc
    except Exception as exc:  # unreadable certificate files and the like
        raise ClusterError(f"context {ctx['name']}: cannot load credentials: {type(exc).__name__}") from exc
    namespace = opts.namespace or (ctx.get("context") or {}).get("namespace") or "default"
    cfg.connection_pool_maxsize = max(cfg.connection_pool_maxsize or 0, POOL_SIZE)
    return Connection(client.ApiClient(cfg), ctx["name"], namespace, cfg.host, timeout,
                      user=(ctx.get("context") or {}).get("user"))


def _entry(config: Any, section: str, name: Any) -> tuple[dict | None, str]:
    """The raw dict of a named cluster or user in the merged kubeconfig, and its file's folder."""
    for node in config.value.get(section) or []:
        value = getattr(node, "value", node)
        if isinstance(value, dict) and value.get("name") == name:
            path = getattr(node, "path", None)
            return value, os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
    return None, os.getcwd()


def _credentials_in_memory(config: Any, ctx: dict, timeout: float | None) -> None:
    """Run the context's exec plugin ourselves and move key material out of the client's reach
    of temporary files: edits the merged kubeconfig in memory (it is never written)."""
    from kubectl_dynamo.cluster import credentials

    context = ctx.get("context") or {}
    cluster, _ = _entry(config, "clusters", context.get("cluster"))
    user, base_dir = _entry(config, "users", context.get("user"))
    if isinstance(cluster, dict) and isinstance(cluster.get("cluster"), dict):
        credentials.keep_data_in_memory(cluster["cluster"], "certificate-authority")
    if not (isinstance(user, dict) and isinstance(user.get("user"), dict)):
        return
    u = user["user"]
    if u.get("exec") and not any(u.get(k) for k in ("token", "tokenFile", "auth-provider")):
        credentials.resolve_exec(u, base_dir, (cluster or {}).get("cluster"), timeout)
    for field in ("client-certificate", "client-key"):
        credentials.keep_data_in_memory(u, field)


def list_contexts(kubeconfig: str | None = None) -> list[str]:
    """Context names of every kubeconfig file, first file first (kubectl's merge order), for
    shell completion; empty when there is none. Read with PyYAML: importing the kubernetes client
    for this would cost ~0.5 s per <TAB>."""
    try:
        path = _kubeconfig_paths(kubeconfig)
    except ClusterError:
        return []
    if path is None:
        return []
    import yaml

    names: list[str] = []
    for file in path.split(os.pathsep):
        try:
            with open(file) as f:
                doc = yaml.safe_load(f) or {}
        except (OSError, yaml.YAMLError):
            continue
        for ctx in (doc.get("contexts") or []) if isinstance(doc, dict) else []:
            name = ctx.get("name") if isinstance(ctx, dict) else None
            if name and name not in names:
                names.append(str(name))
    return names
