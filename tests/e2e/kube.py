"""Helpers for e2e tests against a real kube-apiserver + etcd, and on the scheduling plane also the
real kube-scheduler and kwok (no kubelet or controllers).

The fixtures in ``tests/e2e/conftest.py`` hand tests a :class:`Cluster`. On the plain control plane
everything a controller, scheduler or kubelet would normally do (binding pods, reporting
pod/Deployment status, GPU capacity of nodes, scheduler events) is done here by writing the objects
and their status directly, which the API server accepts from an admin.

On the scheduling plane (``scheduling_cluster`` fixture, ``Cluster.scheduling`` True) only the
controllers' part is played here: :meth:`Cluster.submit_pod` creates a pod as a workload controller
would, kube-scheduler binds it (or reports ``FailedScheduling``), kwok runs it on nodes made by
:meth:`Cluster.create_gpu_node` and serves the container logs that :meth:`Cluster.write_log` writes;
:meth:`Cluster.restart_containers` has kwok report a container restart.

Conventions:

* Objects are created through the official ``kubernetes`` client as the admin user
  (``O=system:masters``); the second user, ``dynamo-viewer``, has no permissions until a test calls
  :meth:`Cluster.make_restricted_user`.
* Cluster-scoped objects created through these helpers (nodes, ClusterRoles, cluster-scoped objects
  given to :meth:`Cluster.apply`) are deleted at the end of the test by the ``cluster`` fixture;
  namespaced ones go with the test's namespace.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import importlib.util
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
PROJECT_CRDS = E2E_DIR / "crds"
UPSTREAM_CRDS = REPO_ROOT.parent / "shared" / "crds"  # may be absent: callers must skip
FIELD_MANAGER = "kubectl-dynamo-e2e"
HASH_ANNOTATION = "e2e.kubectl-dynamo.io/content-sha256"
TEST_LABEL = "e2e.kubectl-dynamo.io/test"
VIEWER_USER = "dynamo-viewer"
CRD_SOURCES = ("project", "upstream")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the upstream CRDs are megabytes


def load_controlplane():
    """``scripts/controlplane.py`` as a module (scripts/ is not a package)."""
    name = "kubectl_dynamo_controlplane"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / "controlplane.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def load_operator():
    """``scripts/operator.py`` (the real Dynamo operator as a test component) as a module."""
    load_controlplane()  # it shares this module (and its error classes)
    name = "kubectl_dynamo_operator"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / "operator.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


# ================================================================================================
# CRD files
# ================================================================================================


def crd_sets(source: str = "project") -> dict[str, Path]:
    """CRD sets of a source, as {set name: directory}.

    ``project``: the hand-written test CRDs in ``tests/e2e/crds/<set>/`` (dynamo, grove, lws,
    kai-scheduler, volcano). ``upstream``: the real CRDs in ``../shared/crds/<set>/`` next to the repo;
    ``{}`` when that folder does not exist (callers skip). ``legacy/`` subfolders are not part of a set.
    """
    if source not in CRD_SOURCES:
        raise ValueError(f"unknown CRD source {source!r}; expected one of {CRD_SOURCES}")
    root = PROJECT_CRDS if source == "project" else UPSTREAM_CRDS
    if not root.is_dir():
        return {}
    return {d.name: d for d in sorted(root.iterdir()) if d.is_dir() and crd_files(d)}


def crd_files(path: str | os.PathLike) -> list[Path]:
    """YAML/JSON files of a directory (not recursive), or the file itself."""
    p = Path(path)
    if p.is_file():
        return [p]
    return sorted(f for f in p.iterdir() if f.is_file() and f.suffix in (".yaml", ".yml", ".json"))


_parsed: dict[tuple[str, float], list[dict]] = {}


def load_crds(*paths: str | os.PathLike) -> list[dict]:
    """Every CustomResourceDefinition document in the given files/directories (multi-doc YAML ok)."""
    out = []
    for path in paths:
        for f in crd_files(path):
            key = (str(f), f.stat().st_mtime)
            if key not in _parsed:
                _parsed[key] = [d for d in _parse_yaml_cached(f) if d.get("kind") == "CustomResourceDefinition"]
            out.extend(_parsed[key])
    return out


def _parse_yaml_cached(f: Path) -> list[dict]:
    """YAML documents of a file; large files are cached as JSON by content hash (parsing the
    upstream CRDs' megabytes of YAML takes seconds even with libyaml, JSON a fraction of that)."""
    raw = f.read_bytes()
    cache = None
    if len(raw) > 64 * 1024:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        cache = Path(base) / "kubectl-dynamo" / "e2e-yaml-json" / f"{hashlib.sha256(raw).hexdigest()}.json"
        try:
            return json.loads(cache.read_bytes())
        except (OSError, ValueError):
            pass
    docs = [d for d in yaml.load_all(raw, Loader=_Loader) if d]
    if cache:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(docs))
            tmp.replace(cache)
        except OSError:
            pass
    return docs


def _digest(doc: dict) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@dataclass
class CrdInstall:
    """Result of installing CRDs: the source and the names (``<plural>.<group>``) now served."""

    source: str
    names: list[str] = field(default_factory=list)
    sets: dict[str, Path] = field(default_factory=dict)


# ================================================================================================
# The cluster
# ================================================================================================


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _gpu_family(product: str) -> str | None:
    p = product.upper()
    for pat, fam in ((r"GB?[23]00|B[12]00", "blackwell"), (r"H[12]00|H20|GH200", "hopper"),
                     (r"L40|L4\b|RTX-?40", "ada-lovelace"), (r"A[0-9]+", "ampere"), (r"V100", "volta"),
                     (r"T4", "turing")):
        if re.search(pat, p):
            return fam
    return None


class Cluster:
    """A started control plane plus admin/viewer clients and the fake-cluster helpers.

    Attributes: ``kubeconfig`` (admin; contexts ``e2e-admin`` (current) and ``e2e-viewer``),
    ``viewer_kubeconfig`` (only the ``dynamo-viewer`` user), ``server`` (https URL),
    ``api_client`` / ``viewer_api_client`` (``kubernetes.client.ApiClient``), and the admin API
    objects ``core``, ``apps``, ``rbac``, ``ext`` (apiextensions), ``custom`` (CustomObjectsApi).
    """

    def __init__(self, cp):
        from kubernetes import client, config

        self.cp = cp
        self.kubeconfig: str = cp.kubeconfig
        self.viewer_kubeconfig: str = cp.viewer_kubeconfig
        self.server: str = cp.server
        self.api_client = config.new_client_from_config(config_file=cp.kubeconfig, context="e2e-admin")
        self.viewer_api_client = config.new_client_from_config(config_file=cp.viewer_kubeconfig)
        self.core = client.CoreV1Api(self.api_client)
        self.apps = client.AppsV1Api(self.api_client)
        self.rbac = client.RbacAuthorizationV1Api(self.api_client)
        self.ext = client.ApiextensionsV1Api(self.api_client)
        self.custom = client.CustomObjectsApi(self.api_client)
        self._cleanups: list[tuple[str, Callable[[], Any]]] = []
        self._verified_crds: dict[str, str] = {}  # name -> digest known to be established + served
        self._resources: dict[str, dict] | None = None  # discovery cache, see resources()
        self._ip = 0
        self.scheduling: bool = bool(getattr(cp, "scheduling", False))  # kube-scheduler + kwok running
        self._logs: dict[tuple[str, str], dict[str, dict[str, str]]] = {}  # (ns, pod) -> container -> files

    # --- plumbing ------------------------------------------------------------------------------

    def env(self, viewer: bool = False) -> dict[str, str]:
        """A copy of ``os.environ`` with ``KUBECONFIG`` pointing at this cluster (for subprocesses)."""
        return {**os.environ, "KUBECONFIG": self.viewer_kubeconfig if viewer else self.kubeconfig}

    def viewer(self, api_class):
        """An API object of the given class as ``dynamo-viewer``, e.g. ``cluster.viewer(CustomObjectsApi)``."""
        return api_class(self.viewer_api_client)

    def request(self, method: str, path: str, body: Any = None, *, query: dict | None = None,
                content_type: str | None = None, accept: str = "application/json", viewer: bool = False) -> Any:
        """A raw API call (e.g. ``cluster.request("GET", "/apis/nvidia.com/v1alpha1")``), JSON-decoded.

        Raises ``kubernetes.client.ApiException`` on HTTP errors (``.status`` is the code).
        """
        from kubernetes.client import ApiException

        api = self.viewer_api_client if viewer else self.api_client
        headers = {"Accept": accept, "User-Agent": "kubectl-dynamo-e2e"}
        if body is not None:
            headers["Content-Type"] = content_type or "application/json"
            body = json.dumps(body).encode()
        url = api.configuration.host + path + (f"?{urlencode(query)}" if query else "")
        # straight through the client's urllib3 pool (its TLS setup), which is the same in every
        # kubernetes client version, unlike ApiClient.call_api
        resp = api.rest_client.pool_manager.request(method, url, body=body, headers=headers, timeout=60)
        if not 200 <= resp.status <= 299:
            raise ApiException(http_resp=resp)
        return json.loads(resp.data) if resp.data else None

    def add_cleanup(self, what: str, fn: Callable[[], Any]) -> None:
        """Run ``fn`` at the end of the current test (the ``cluster`` fixture does; last in, first out)."""
        self._cleanups.append((what, fn))

    def run_cleanups(self) -> list[str]:
        """Run and clear the registered cleanups; returns the failures (404s are fine)."""
        from kubernetes.client import ApiException

        errors = []
        while self._cleanups:
            what, fn = self._cleanups.pop()
            try:
                fn()
            except ApiException as e:
                if e.status != 404:
                    errors.append(f"{what}: {e.status} {e.reason}")
        return errors

    def resources(self, refresh: bool = False) -> dict[str, dict]:
        """Discovery: {"<plural>.<group>" (core: "<plural>"): {group_version, kind, namespaced, verbs, plural}},
        each resource at its highest-priority served version, subresources excluded. Cached;
        refreshed after CRD installs."""
        if self._resources is not None and not refresh:
            return self._resources
        # every version of every group, in the server's priority order (preferred first): a group can
        # hold resources that only exist in a non-preferred version (nvidia.com: DGDR is v1beta1, DGD v1alpha1)
        gvs = ["v1"] + [v["groupVersion"] for g in self.request("GET", "/apis")["groups"] for v in g["versions"]]

        def fetch(gv):
            path = "/api/v1" if gv == "v1" else f"/apis/{gv}"
            try:
                return gv, self.request("GET", path)["resources"]
            except Exception:  # an unavailable aggregated API must not break the others
                return gv, []

        out: dict[str, dict] = {}
        with ThreadPoolExecutor(8) as pool:
            for gv, resources in pool.map(fetch, gvs):
                group = gv.rpartition("/")[0]
                for r in resources:
                    if "/" in r["name"]:
                        continue
                    key = f"{r['name']}.{group}" if group else r["name"]
                    if key in out:  # already seen in a higher-priority version
                        continue
                    out[key] = {"group_version": gv, "kind": r["kind"], "namespaced": r["namespaced"],
                                "verbs": r.get("verbs", []), "plural": r["name"]}
        self._resources = out
        return out

    def _resource_for(self, api_version: str, kind: str) -> dict:
        group = api_version.rpartition("/")[0]
        for refresh in (False, True):
            for info in self.resources(refresh=refresh).values():
                if info["kind"] == kind and info["group_version"].rpartition("/")[0] == group:
                    return {**info, "group_version": api_version}
        raise LookupError(f"{api_version} {kind} is not served by the API server")

    @staticmethod
    def _path(group_version: str, plural: str, namespace: str | None = None, name: str | None = None) -> str:
        base = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
        if namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{plural}"
        return f"{base}/{name}" if name else base

    # --- CRDs ----------------------------------------------------------------------------------

    def install_crds(self, *paths: str | os.PathLike, timeout: float = 120.0) -> list[str]:
        """Install (server-side apply) every CRD in the given files/dirs; wait until usable.

        Usable means: conditions ``Established`` and ``NamesAccepted`` are True and every served
        version lists the plural in discovery (``/apis/<group>/<version>``), as envtest waits.
        Idempotent and cheap when repeated: a CRD whose content hash (annotation
        ``e2e.kubectl-dynamo.io/content-sha256``) matches is not sent again. Server-side apply keeps
        the large upstream CRDs clear of the 256 KiB last-applied annotation limit.
        Returns the CRD names (``<plural>.<group>``).
        """
        docs = load_crds(*paths)
        if not docs:
            raise FileNotFoundError(f"no CustomResourceDefinition found in {[str(p) for p in paths]}")
        meta = self.request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                            accept="application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")
        have = {i["metadata"]["name"]: (i["metadata"].get("annotations") or {}).get(HASH_ANNOTATION)
                for i in meta.get("items") or []}
        pending: dict[str, tuple[dict, str]] = {}
        for doc in docs:
            name, digest = doc["metadata"]["name"], _digest(doc)
            if have.get(name) != digest:
                body = copy.deepcopy(doc)
                body["metadata"].setdefault("annotations", {})[HASH_ANNOTATION] = digest
                body["metadata"].pop("creationTimestamp", None)
                body.pop("status", None)
                self.request("PATCH", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}", body,
                             query={"fieldManager": FIELD_MANAGER, "force": "true"},
                             content_type="application/apply-patch+yaml")
                self._verified_crds.pop(name, None)
            if self._verified_crds.get(name) != digest:
                pending[name] = (doc, digest)
        if pending:
            self._wait_for_crds(pending, timeout)
            self._resources = None
        return [d["metadata"]["name"] for d in docs]

    def _wait_for_crds(self, pending: dict[str, tuple[dict, str]], timeout: float) -> None:
        from kubernetes.client import ApiException

        deadline = time.monotonic() + timeout
        not_established = dict(pending)
        why: dict[str, str] = {}
        while True:
            for name in list(not_established):
                obj = self.request("GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")
                conds = {c["type"]: c for c in (obj.get("status") or {}).get("conditions") or []}
                ok = all(conds.get(t, {}).get("status") == "True" for t in ("Established", "NamesAccepted"))
                why[name] = "; ".join(f"{t}={c.get('status')} {c.get('message', '')}" for t, c in conds.items())
                if ok:
                    del not_established[name]
            if not not_established:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"CRDs not established after {timeout:.0f}s: "
                                   + ", ".join(f"{n} ({why.get(n)})" for n in not_established))
            time.sleep(0.1)
        # discovery: every served version lists the plural
        want: dict[str, set[str]] = {}
        for doc, _ in pending.values():
            spec = doc["spec"]
            for v in spec["versions"]:
                if v.get("served", True):
                    want.setdefault(f"{spec['group']}/{v['name']}", set()).add(spec["names"]["plural"])
        while want:
            for gv in list(want):
                try:
                    served = {r["name"] for r in self.request("GET", f"/apis/{gv}")["resources"]}
                except ApiException as e:
                    if e.status != 404:
                        raise
                    served = set()
                want[gv] -= served
                if not want[gv]:
                    del want[gv]
            if not want:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"CRDs not in discovery after {timeout:.0f}s: {want}")
            time.sleep(0.1)
        for name, (_, digest) in pending.items():
            self._verified_crds[name] = digest

    def install_crd_sets(self, source: str = "project", sets: Iterable[str] | None = None,
                         timeout: float = 180.0) -> CrdInstall:
        """Install CRD sets of a source (see :func:`crd_sets`); ``sets`` limits them by name.

        Project and upstream CRDs share names and versions, so installing one source replaces the
        other's definitions in place. Raises FileNotFoundError when the source has no CRDs.
        """
        available = crd_sets(source)
        chosen = {k: v for k, v in available.items() if sets is None or k in set(sets)}
        if not chosen:
            raise FileNotFoundError(f"no {source} CRD sets found (looked in "
                                    f"{PROJECT_CRDS if source == 'project' else UPSTREAM_CRDS})")
        names = self.install_crds(*chosen.values(), timeout=timeout)
        return CrdInstall(source=source, names=names, sets=chosen)

    def uninstall_crds(self, *names_or_paths: str | os.PathLike, timeout: float = 180.0) -> list[str]:
        """Delete CRDs (by name ``<plural>.<group>``, or every CRD in the given files/dirs) and wait
        until they are gone, objects included (apiextensions' own finalizer does that; no
        controller-manager needed). For tests of a cluster *without* an orchestrator; the CRD
        fixtures reinstall what they need. Returns the names deleted."""
        from kubernetes.client import ApiException

        names = []
        for item in names_or_paths:
            if isinstance(item, str) and not os.path.exists(item):
                names.append(item)
            else:
                names.extend(d["metadata"]["name"] for d in load_crds(item))
        deleted = []
        for name in names:
            self._verified_crds.pop(name, None)
            try:
                self.request("DELETE", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")
                deleted.append(name)
            except ApiException as e:
                if e.status != 404:
                    raise
        deadline = time.monotonic() + timeout
        for name in deleted:
            while True:
                try:
                    self.request("GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}",
                                 accept="application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1")
                except ApiException as e:
                    if e.status == 404:
                        break
                    raise
                if time.monotonic() > deadline:
                    raise TimeoutError(f"CRD {name} still present after {timeout:.0f}s")
                time.sleep(0.1)
        # and gone from discovery, which is updated asynchronously
        plurals: dict[str, set[str]] = {}
        for name in deleted:
            plural, group = name.split(".", 1)
            plurals.setdefault(group, set()).add(plural)
        while plurals:
            groups = {g["name"]: g for g in self.request("GET", "/apis")["groups"]}
            for group in list(plurals):
                served = set()
                for v in groups.get(group, {}).get("versions", []):
                    try:
                        served |= {r["name"] for r in self.request("GET", f"/apis/{v['groupVersion']}")["resources"]}
                    except ApiException as e:
                        if e.status != 404:
                            raise
                if not served & plurals[group]:
                    del plurals[group]
            if plurals and time.monotonic() > deadline:
                raise TimeoutError(f"still in discovery after {timeout:.0f}s: {plurals}")
            if plurals:
                time.sleep(0.1)
        self._resources = None
        return deleted

    def uninstall_crd_sets(self, sets: Iterable[str], timeout: float = 60.0) -> list[str]:
        """Remove whole CRD sets (e.g. ``["grove"]``): every CRD on the server in an API group that
        the set uses in either source (project or upstream), so the cluster really lacks them."""
        groups = set()
        for source in CRD_SOURCES:
            for name, path in crd_sets(source).items():
                if name in set(sets):
                    groups |= {d["spec"]["group"] for d in load_crds(path)}
        return self.uninstall_api_groups(*groups, timeout=timeout)

    def uninstall_api_groups(self, *groups: str, timeout: float = 60.0) -> list[str]:
        """Delete every CRD of the given API groups (e.g. ``"grove.io"``); see :meth:`uninstall_crds`."""
        meta = self.request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                            accept="application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")
        names = [i["metadata"]["name"] for i in meta.get("items") or []
                 if i["metadata"]["name"].split(".", 1)[1] in set(groups)]
        return self.uninstall_crds(*names, timeout=timeout) if names else []

    # --- generic objects -------------------------------------------------------------------------

    def apply(self, obj: dict | str, namespace: str | None = None) -> dict:
        """Server-side apply one object (dict or YAML text) of any served kind; returns it as a dict.

        ``namespace`` is used for namespaced kinds lacking ``metadata.namespace``. Cluster-scoped
        objects are deleted at the end of the test.
        """
        if isinstance(obj, str):
            obj = yaml.load(obj, Loader=_Loader)
        info = self._resource_for(obj["apiVersion"], obj["kind"])
        name = obj["metadata"]["name"]
        ns = None
        if info["namespaced"]:
            ns = obj["metadata"].get("namespace") or namespace
            if not ns:
                raise ValueError(f"{obj['kind']}/{name} is namespaced: give a namespace")
        path = self._path(info["group_version"], info["plural"], ns, name)
        out = self.request("PATCH", path, obj, query={"fieldManager": FIELD_MANAGER, "force": "true"},
                           content_type="application/apply-patch+yaml")
        if not ns:
            self.add_cleanup(f"{obj['kind']}/{name}", lambda: self.request("DELETE", path))
        return out

    # --- namespaces ------------------------------------------------------------------------------

    def create_namespace(self, prefix: str = "e2e", labels: dict[str, str] | None = None) -> str:
        """Create a uniquely named namespace (``<prefix>-<8 hex>``); returns its name."""
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.core.create_namespace({"metadata": {"name": name, "labels": {TEST_LABEL: "true", **(labels or {})}}})
        return name

    def delete_namespace(self, name: str) -> None:
        """Delete a namespace and everything in it, right away.

        Without kube-controller-manager nothing empties or finalizes a deleted namespace, and its
        pods would keep counting against nodes in later tests. So this does the namespace
        controller's job: mark it Terminating, delete every namespaced collection (pods with grace
        period 0, since no kubelet confirms), clear the ``kubernetes`` finalizer, delete again.
        """
        from kubernetes.client import ApiException

        targets = [i for i in self.resources().values() if i["namespaced"] and "deletecollection" in i["verbs"]]
        try:
            # 1st DELETE: phase Terminating, so the NamespaceLifecycle admission refuses new objects
            self.request("DELETE", f"/api/v1/namespaces/{name}")
        except ApiException as e:
            if e.status == 404:
                return
            raise

        def wipe(info):
            query = {"propagationPolicy": "Background"}
            if info["plural"] == "pods":
                query["gracePeriodSeconds"] = "0"
            try:
                self.request("DELETE", self._path(info["group_version"], info["plural"], name), query=query)
            except ApiException as e:
                if e.status not in (404, 405):
                    raise

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(wipe, targets))
        try:
            ns = self.request("GET", f"/api/v1/namespaces/{name}")
            ns["spec"]["finalizers"] = []
            self.request("PUT", f"/api/v1/namespaces/{name}/finalize", ns)
            # 2nd DELETE: a terminating namespace without finalizers is removed for good
            self.request("DELETE", f"/api/v1/namespaces/{name}")
        except ApiException as e:
            if e.status != 404:
                raise

    # --- nodes -----------------------------------------------------------------------------------

    def _next_ip(self) -> str:
        self._ip += 1
        return f"10.{(self._ip >> 16) & 255}.{(self._ip >> 8) & 255}.{self._ip & 255}"

    def create_gpu_node(self, name: str, gpus: int = 8, product: str = "NVIDIA-H100-80GB-HBM3",
                        rdma: dict[str, str] | None = None, taints: Iterable[dict] = (),
                        unschedulable: bool = False, labels: dict[str, str] | None = None,
                        mig: dict[str, str] | None = None, *, cpu: str = "192", memory: str = "2Ti",
                        pods: str = "110", gpu_memory_mib: int | None = None, ready: bool = True,
                        extra_resources: dict[str, str] | None = None, annotations: dict[str, str] | None = None):
        """Create a Node that looks like a GPU worker with NVIDIA GPU feature discovery; returns V1Node.

        * capacity = allocatable: ``cpu``, ``memory``, ``pods``, ``nvidia.com/gpu: gpus``, plus ``rdma``
          (e.g. ``{"rdma/ib": "8"}``), ``mig`` (e.g. ``{"nvidia.com/mig-1g.10gb": "7"}``) and
          ``extra_resources``;
        * labels ``nvidia.com/gpu.present``, ``.product``, ``.count``, ``.memory`` (MiB, from the
          product name unless ``gpu_memory_mib``), ``.family`` when known, ``nvidia.com/mig.capable``
          (and ``mig.strategy=mixed`` plus ``<mig resource>.count`` labels with ``mig``), then
          ``labels`` on top; ``gpus=0`` without ``mig`` gives a CPU node without GPU labels;
        * condition ``Ready`` (``ready``); ``unschedulable=True`` also adds the
          ``node.kubernetes.io/unschedulable:NoSchedule`` taint the node controller would add.

        Deleted at the end of the test.
        """
        lbls = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
        if gpus or mig:
            mem = gpu_memory_mib
            if mem is None:
                m = re.search(r"(\d+)\s*GB", product, re.IGNORECASE)
                mem = int(m.group(1)) * 1024 if m else 0
            lbls.update({
                "nvidia.com/gpu.present": "true",
                "nvidia.com/gpu.product": product,
                "nvidia.com/gpu.count": str(gpus),
                "nvidia.com/gpu.memory": str(mem),
                "nvidia.com/gpu.replicas": "1",
                "nvidia.com/mig.capable": "true" if mig else "false",
            })
            if fam := _gpu_family(product):
                lbls["nvidia.com/gpu.family"] = fam
            if mig:
                lbls["nvidia.com/mig.strategy"] = "mixed"
                for res, n in mig.items():
                    lbls[f"{res}.count"] = str(n)
        lbls.update(labels or {})
        resources = {"cpu": cpu, "memory": memory, "pods": pods, "ephemeral-storage": "1Ti",
                     "nvidia.com/gpu": str(gpus), **(rdma or {}), **(mig or {}), **(extra_resources or {})}
        taint_list = [dict(t) for t in taints]
        if unschedulable and not any(t.get("key") == "node.kubernetes.io/unschedulable" for t in taint_list):
            taint_list.append({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": _now()})
        now = _now()

        def cond(t, status, reason, message):
            return {"type": t, "status": status, "reason": reason, "message": message,
                    "lastHeartbeatTime": now, "lastTransitionTime": now}

        body = {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": lbls, "annotations": annotations or {}},
            "spec": {"unschedulable": unschedulable, "taints": taint_list or None},
            "status": {  # Nodes accept status on create (a later change needs nodes/status)
                "capacity": resources, "allocatable": resources,
                "conditions": [
                    cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    cond("Ready", "True", "KubeletReady", "kubelet is posting ready status") if ready
                    else cond("Ready", "False", "KubeletNotReady", "container runtime network not ready"),
                ],
                "addresses": [{"type": "InternalIP", "address": self._next_ip()}, {"type": "Hostname", "address": name}],
                "nodeInfo": {"machineID": uuid.uuid4().hex, "systemUUID": str(uuid.uuid4()), "bootID": str(uuid.uuid4()),
                             "kernelVersion": "6.8.0-e2e", "osImage": "Ubuntu 24.04 LTS",
                             "containerRuntimeVersion": "containerd://2.1.0", "kubeletVersion": f"v{self.cp.kubernetes_version}",
                             "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"},
            },
        }
        kwok = self.scheduling and ready
        if kwok:
            # kwok's node-initialize stage fills in conditions, InternalIP 127.0.0.1 and the kubelet
            # port (its own server) for nodes not Ready yet; a node made NotReady here stays unmanaged
            key, value = load_controlplane().KWOK_NODE_ANNOTATION
            body["metadata"]["annotations"][key] = value
            del body["status"]["conditions"], body["status"]["addresses"]
        node = self.core.create_node(body)
        self.add_cleanup(f"node/{name}", lambda: self.core.delete_node(name, grace_period_seconds=0))
        if kwok:
            node = self._wait(lambda: self._kwok_node_ready(name), timeout=30, what=f"kwok to initialize node {name}")
        return node

    def _kwok_node_ready(self, name: str):
        node = self.core.read_node(name)
        ready = any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])
        return node if ready and node.status.daemon_endpoints.kubelet_endpoint.port else None

    @staticmethod
    def _wait(probe: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
        """Poll ``probe`` until it returns something truthy (returned); TimeoutError naming ``what``."""
        deadline = time.monotonic() + timeout
        while True:
            got = probe()
            if got:
                return got
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout:.0f}s for {what}")
            time.sleep(interval)

    # --- pods ------------------------------------------------------------------------------------

    def create_pod(self, ns: str, name: str, labels: dict[str, str] | None = None, gpus: int = 0,
                   node: str | None = None, phase: str = "Pending", scheduling_gates: Iterable[str] = (),
                   ready: bool | None = None, *, image: str = "registry.invalid/e2e/worker:latest",
                   resources: dict | None = None, annotations: dict[str, str] | None = None,
                   unschedulable_message: str | None = None, scheduler_name: str | None = None,
                   owner: dict | None = None):
        """Create a pod and play scheduler + kubelet for it; returns the V1Pod read back.

        * ``gpus`` -> ``resources.limits["nvidia.com/gpu"]`` (or pass ``resources`` for the container);
        * ``node`` -> bound through the ``pods/binding`` subresource, like kube-scheduler (the API server
          sets ``spec.nodeName`` and ``PodScheduled=True``);
        * ``phase`` ``Pending`` | ``Running`` | ``Succeeded`` | ``Failed`` -> status patched like a
          kubelet would (``Running`` needs ``node``; ``ready`` defaults to True when Running);
        * ``scheduling_gates`` -> ``spec.schedulingGates`` (cannot be combined with ``node``);
        * ``unschedulable_message`` -> an unbound Pending pod gets ``PodScheduled=False``,
          reason ``Unschedulable``, as the scheduler reports (pair it with :meth:`create_event`);
        * ``owner`` -> one ownerReference (dict with apiVersion, kind, name, uid).
        """
        gates = list(scheduling_gates)
        if gates and node:
            raise ValueError("a pod with scheduling gates cannot be bound to a node")
        if phase not in ("Pending", "Running", "Succeeded", "Failed"):
            raise ValueError(f"unknown pod phase {phase!r}")
        if phase != "Pending" and not node:
            raise ValueError(f"a {phase} pod must be bound: give node=")
        res = resources if resources is not None else (
            {"limits": {"nvidia.com/gpu": str(gpus)}, "requests": {"nvidia.com/gpu": str(gpus)}} if gpus else {})
        meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": labels or {}, "annotations": annotations or {}}
        if owner:
            meta["ownerReferences"] = [{"controller": True, "blockOwnerDeletion": False, **owner}]
        spec: dict[str, Any] = {"containers": [{"name": "main", "image": image, "resources": res}],
                                "terminationGracePeriodSeconds": 0}
        if gates:
            spec["schedulingGates"] = [{"name": g} for g in gates]
        if scheduler_name:
            spec["schedulerName"] = scheduler_name
        self.core.create_namespaced_pod(ns, {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec})
        if node:
            # the generated client cannot decode the Binding response: take it raw
            self.core.create_namespaced_pod_binding(
                name, ns, {"metadata": {"name": name}, "target": {"apiVersion": "v1", "kind": "Node", "name": node}},
                _preload_content=False)
        status = self._pod_status(phase, node, ready, unschedulable_message, image)
        if status:
            self.core.patch_namespaced_pod_status(name, ns, {"status": status})
        return self.core.read_namespaced_pod(name, ns)

    # --- pods on the scheduling plane -------------------------------------------------------------

    def submit_pod(self, ns: str, name: str, labels: dict[str, str] | None = None, gpus: int = 0, *,
                   containers: Iterable[str] = ("main",), image: str = "registry.invalid/e2e/worker:latest",
                   annotations: dict[str, str] | None = None, owner: dict | None = None,
                   one_per_node: str | None = None, node_selector: dict[str, str] | None = None,
                   tolerations: Iterable[dict] = (), scheduling_gates: Iterable[str] = (),
                   scheduler_name: str | None = None) -> dict:
        """Create a pod the way a workload controller would (no node, no status) for kube-scheduler
        and kwok to place and run; returns it as a dict.

        * ``gpus`` -> ``nvidia.com/gpu`` limits and requests of the first container;
        * ``one_per_node`` -> required pod anti-affinity on ``kubernetes.io/hostname`` against pods
          with the same value of that label (one rank per node, as multinode engines need);
        * ``scheduler_name`` None leaves the API server's default (``default-scheduler``).
        """
        if not self.scheduling:
            raise RuntimeError("submit_pod needs the scheduling plane (the scheduling_cluster fixture)")
        labels = dict(labels or {})
        spec: dict[str, Any] = {"terminationGracePeriodSeconds": 0, "containers": []}
        for i, cname in enumerate(containers):
            res = {"limits": {"nvidia.com/gpu": str(gpus)}, "requests": {"nvidia.com/gpu": str(gpus)}} if gpus and i == 0 else {}
            spec["containers"].append({"name": cname, "image": image, "resources": res})
        if one_per_node:
            spec["affinity"] = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {one_per_node: labels[one_per_node]}},
                 "topologyKey": "kubernetes.io/hostname"}]}}
        if node_selector:
            spec["nodeSelector"] = dict(node_selector)
        if tolerations:
            spec["tolerations"] = [dict(t) for t in tolerations]
        if gates := list(scheduling_gates):
            spec["schedulingGates"] = [{"name": g} for g in gates]
        if scheduler_name:
            spec["schedulerName"] = scheduler_name
        meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": labels, "annotations": dict(annotations or {})}
        if owner:
            meta["ownerReferences"] = [{"controller": True, "blockOwnerDeletion": False, **owner}]
        return self.request("POST", f"/api/v1/namespaces/{ns}/pods",
                            {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec})

    def get_pod(self, ns: str, name: str) -> dict:
        return self.request("GET", f"/api/v1/namespaces/{ns}/pods/{name}")

    def wait_for_pods(self, ns: str, names: Iterable[str], state: str = "running", timeout: float = 60.0) -> list[dict]:
        """Wait until every named pod is ``running`` (bound by the scheduler, Running and Ready by
        kwok) or ``unschedulable`` (the scheduler's ``PodScheduled=False``, reason Unschedulable);
        returns the pods as dicts."""
        names = list(names)

        def matches(pod: dict) -> bool:
            st = pod.get("status") or {}
            conds = {c.get("type"): c for c in st.get("conditions") or []}
            if state == "running":
                return bool((pod.get("spec") or {}).get("nodeName")) and st.get("phase") == "Running" and \
                    (conds.get("Ready") or {}).get("status") == "True"
            if state == "unschedulable":
                sched = conds.get("PodScheduled") or {}
                return sched.get("status") == "False" and sched.get("reason") == "Unschedulable"
            raise ValueError(f"unknown pod state {state!r}")

        def probe():
            pods = [self.get_pod(ns, n) for n in names]
            return pods if all(matches(p) for p in pods) else None

        return self._wait(probe, timeout, f"pods {names} in {ns} to be {state}", interval=0.2)

    def restart_containers(self, ns: str, name: str, restarts: int = 1, timeout: float = 30.0) -> dict:
        """Have kwok report that every container of the pod restarted (``restartCount`` = ``restarts``,
        ``lastState.terminated`` exit 1), as a kubelet does after a crash; returns the pod."""
        cpm = load_controlplane()
        self.request("PATCH", f"/api/v1/namespaces/{ns}/pods/{name}",
                     {"metadata": {"annotations": {cpm.RESTART_ANNOTATION: str(restarts)}}},
                     content_type="application/merge-patch+json")

        def probe():
            pod = self.get_pod(ns, name)
            statuses = (pod.get("status") or {}).get("containerStatuses") or []
            return pod if statuses and all(c.get("restartCount") == restarts for c in statuses) else None

        return self._wait(probe, timeout, f"kwok to restart the containers of {ns}/{name}")

    # --- container logs served by kwok ------------------------------------------------------------

    def log_file(self, ns: str, pod: str, container: str, previous: bool = False) -> Path:
        """Where the log of a container (or of its previous instance) is kept for kwok to serve."""
        if not self.scheduling:
            raise RuntimeError("container logs need the scheduling plane (the scheduling_cluster fixture)")
        return Path(self.cp.pod_logs_dir) / f"{ns}_{pod}_{container}{'.previous' if previous else ''}.log"

    def write_log(self, ns: str, pod: str, container: str, lines: Iterable[str | tuple[datetime.datetime, str]], *,
                  previous: bool = False, append: bool = False, stream: str = "stdout",
                  start: datetime.datetime | None = None) -> None:
        """Write (or ``append``) container log lines in the CRI format the kubelet's files have
        (``<RFC 3339 nano> stdout F <text>``) and point kwok's ``Logs`` object for the pod at them.

        A line is a text (stamped ``start`` + 1 ms per line, ``start`` defaulting to now) or a
        (timestamp, text) pair. The first write for a pod waits until kwok serves it through the
        API server's ``pods/log``.
        """
        path = self.log_file(ns, pod, container, previous)
        t0 = start or datetime.datetime.now(datetime.timezone.utc)
        out = []
        for i, line in enumerate(lines):
            when, text = line if isinstance(line, tuple) else (t0 + datetime.timedelta(milliseconds=i), line)
            stamp = when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"
            out.append(f"{stamp} {stream} F {text}\n")
        with open(path, "a" if append else "w") as fh:
            fh.write("".join(out))
            fh.flush()
        files = self._logs.setdefault((ns, pod), {})
        entry = files.setdefault(container, {})
        key = "previousLogsFile" if previous else "logsFile"
        if entry.get(key) == str(path):
            return
        entry[key] = str(path)
        entry.setdefault("logsFile", str(self.log_file(ns, pod, container)))
        self.log_file(ns, pod, container).touch()
        self.apply({"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Logs", "metadata": {"name": pod, "namespace": ns},
                    "spec": {"logs": [{"containers": [c], **files[c]} for c in sorted(files)]}})
        self._wait(lambda: self._kwok_serves(ns, pod, container, previous), 30,
                   f"kwok to serve the {'previous ' if previous else ''}log of {ns}/{pod}/{container}")

    def _kwok_serves(self, ns: str, pod: str, container: str, previous: bool) -> bool:
        """kwok has the Logs object (it answers 200 for this container), or the pod is not on a node."""
        from kubernetes.client import ApiException

        if not (self.get_pod(ns, pod).get("spec") or {}).get("nodeName"):
            return True  # nothing serves an unscheduled pod's logs; the API server answers 400 itself
        try:
            self.pod_log(ns, pod, container, previous=previous)
            return True
        except ApiException:
            return False

    def pod_log(self, ns: str, pod: str, container: str, **query: Any) -> str:
        """The API server's ``pods/log`` for one container (e.g. ``previous=True``, ``tailLines=2``)."""
        from kubernetes.client import ApiException

        q = {"container": container, **{k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()}}
        url = self.api_client.configuration.host + f"/api/v1/namespaces/{ns}/pods/{pod}/log?{urlencode(q)}"
        resp = self.api_client.rest_client.pool_manager.request("GET", url, timeout=30)
        if resp.status not in (200, 204):  # 204: the pod is on no node, so nothing is asked
            raise ApiException(http_resp=resp)
        return resp.data.decode()

    def _pod_status(self, phase, node, ready, unschedulable_message, image) -> dict:
        now = _now()
        if not node:
            if unschedulable_message:
                return {"conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                        "message": unschedulable_message, "lastTransitionTime": now}]}
            return {}
        if ready is None:
            ready = phase == "Running"
        r = "True" if ready else "False"
        host_ip = self._node_ip(node)
        pod_ip = f"10.244.{(self._ip >> 8) & 255}.{self._ip & 255}"
        self._ip += 1
        if phase == "Pending":
            state = {"waiting": {"reason": "ContainerCreating"}}
        elif phase == "Running":
            state = {"running": {"startedAt": now}}
        else:
            code = 0 if phase == "Succeeded" else 1
            state = {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error",
                                    "startedAt": now, "finishedAt": now}}
        cond = [
            {"type": "PodReadyToStartContainers", "status": "False" if phase == "Pending" else "True", "lastTransitionTime": now},
            {"type": "Initialized", "status": "True", "lastTransitionTime": now},
            {"type": "Ready", "status": r, "lastTransitionTime": now},
            {"type": "ContainersReady", "status": r, "lastTransitionTime": now},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
        ]
        status = {"phase": phase, "conditions": cond, "hostIP": host_ip, "hostIPs": [{"ip": host_ip}], "startTime": now,
                  "containerStatuses": [{"name": "main", "image": image, "imageID": "", "ready": bool(ready),
                                         "started": phase == "Running", "restartCount": 0, "state": state}]}
        if phase != "Pending":
            status.update({"podIP": pod_ip, "podIPs": [{"ip": pod_ip}]})
        return status

    def _node_ip(self, node: str) -> str:
        from kubernetes.client import ApiException

        try:
            for a in self.core.read_node(node).status.addresses or []:
                if a.type == "InternalIP":
                    return a.address
        except ApiException:
            pass
        return "10.0.0.2"

    # --- workloads, events, RBAC -----------------------------------------------------------------

    def create_operator_deployment(self, ns: str, name: str = "dynamo-platform-dynamo-operator-controller-manager",
                                   image: str = "nvcr.io/nvidia/ai-dynamo/kubernetes-operator:1.1.0",
                                   labels: dict[str, str] | None = None, available: bool = True, *,
                                   args: list[str] | None = None, container_name: str = "manager",
                                   replicas: int = 1, volumes: list[dict] | None = None):
        """Create an apps/v1 Deployment (e.g. the Dynamo operator) and report its status as the
        deployment controller would: ``Available=True`` with all replicas ready, or
        ``Available=False`` (``MinimumReplicasUnavailable``) with none. Returns the V1Deployment."""
        lbls = labels or {"app.kubernetes.io/name": "dynamo-operator", "control-plane": "controller-manager"}
        body = {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": dict(lbls)},
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(lbls)},
                     "template": {"metadata": {"labels": dict(lbls)},
                                  "spec": {"containers": [{"name": container_name, "image": image,
                                                           "args": args or ["--config=/etc/dynamo-operator/config.yaml"]}],
                                           **({"volumes": volumes} if volumes else {})}}},
        }
        dep = self.apps.create_namespaced_deployment(ns, body)
        now = _now()
        n = replicas if available else 0
        status = {
            "observedGeneration": dep.metadata.generation, "replicas": replicas, "updatedReplicas": replicas,
            "readyReplicas": n, "availableReplicas": n, "unavailableReplicas": replicas - n,
            "conditions": [
                {"type": "Available", "status": "True" if available else "False",
                 "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                 "message": "Deployment has minimum availability." if available
                 else "Deployment does not have minimum availability.",
                 "lastUpdateTime": now, "lastTransitionTime": now},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                 "message": f'ReplicaSet "{name}-5d4b9c7f6" has successfully progressed.',
                 "lastUpdateTime": now, "lastTransitionTime": now},
            ],
        }
        for k in [k for k, v in status.items() if v == 0]:
            del status[k]  # the controller omits zero counts
        return self.apps.patch_namespaced_deployment_status(name, ns, {"status": status})

    def create_event(self, ns: str, kind: str, name: str, reason: str = "FailedScheduling",
                     message: str = "0/1 nodes are available: 1 Insufficient nvidia.com/gpu. preemption: 0/1 nodes "
                                    "are available: 1 No preemption victims found for incoming pod.",
                     type: str = "Warning", *, component: str = "default-scheduler", count: int = 1,
                     uid: str | None = None, api_version: str = "v1", age_seconds: int = 0):
        """Create a core/v1 Event about ``<kind>/<name>`` in ``ns`` (default: the scheduler's
        FailedScheduling for a pod that does not fit); ``age_seconds`` backdates it. Returns V1Event."""
        when = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=age_seconds)
                ).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{name}.{uuid.uuid4().hex[:16]}", "namespace": ns},
            "involvedObject": {"apiVersion": api_version, "kind": kind, "name": name, "namespace": ns,
                               **({"uid": uid} if uid else {})},
            "reason": reason, "message": message, "type": type, "count": count,
            "firstTimestamp": when, "lastTimestamp": when,
            "source": {"component": component}, "reportingComponent": component, "reportingInstance": component,
        }
        return self.core.create_namespaced_event(ns, body)

    def make_restricted_user(self, rules: list[dict] | None = None, namespace: str | None = None,
                             user: str = VIEWER_USER, name: str | None = None) -> str:
        """Grant ``user`` (default ``dynamo-viewer``) exactly ``rules``; returns the role name.

        With ``namespace``: a Role + RoleBinding there (gone with the namespace); without: a
        ClusterRole + ClusterRoleBinding (deleted at the end of the test). Default rules: read
        DynamoGraphDeployments. Waits until a SubjectAccessReview confirms the first rule took effect.
        """
        rules = rules or [{"apiGroups": ["nvidia.com"], "resources": ["dynamographdeployments"],
                           "verbs": ["get", "list", "watch"]}]
        name = name or f"e2e-{user}-{uuid.uuid4().hex[:6]}"
        subject = [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": user}]
        if namespace:
            self.rbac.create_namespaced_role(namespace, {"metadata": {"name": name}, "rules": rules})
            self.rbac.create_namespaced_role_binding(namespace, {
                "metadata": {"name": name}, "subjects": subject,
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name}})
        else:
            self.rbac.create_cluster_role({"metadata": {"name": name}, "rules": rules})
            self.add_cleanup(f"clusterrole/{name}", lambda: self.rbac.delete_cluster_role(name))
            self.rbac.create_cluster_role_binding({
                "metadata": {"name": name}, "subjects": subject,
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name}})
            self.add_cleanup(f"clusterrolebinding/{name}", lambda: self.rbac.delete_cluster_role_binding(name))
        r = rules[0]
        attrs = {"group": r.get("apiGroups", [""])[0], "resource": r.get("resources", [""])[0],
                 "verb": r.get("verbs", ["get"])[0]}
        if namespace:
            attrs["namespace"] = namespace
        self.wait_for_access(user, attrs)
        return name

    def wait_for_access(self, user: str, resource_attributes: dict, allowed: bool = True, timeout: float = 10.0) -> None:
        """Poll SubjectAccessReview until ``user`` is (or is not) allowed (RBAC caches catch up in ms)."""
        deadline = time.monotonic() + timeout
        while True:
            review = self.request("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
                "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": {"user": user, "resourceAttributes": resource_attributes}})
            if bool(review["status"].get("allowed")) == allowed:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{user} still {'denied' if allowed else 'allowed'} {resource_attributes}")
            time.sleep(0.05)
