"""Small named reads the commands share, so that no REST path is spelled outside cluster/: the
server's version, all Deployments, namespace names, ConfigMaps and Nodes by name.

Reads of several named objects run in parallel; a named object that is gone or may not be read is
left out and said why, never read as present.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kubectl_dynamo.cluster.client import METADATA_LIST_ACCEPT, Cluster
from kubectl_dynamo.errors import Forbidden, NotFound


def server_version(cluster: Cluster) -> dict:
    """The server's /version document (gitVersion, major, minor, platform, ...)."""
    return cluster.get("/version", what="server version")


def deployments(cluster: Cluster) -> list[dict]:
    """Every Deployment in every namespace (controllers live wherever their chart put them)."""
    return cluster.list("/apis/apps/v1/deployments", what="deployments")


def namespace_names(cluster: Cluster) -> list[str]:
    """Namespace names, from metadata only (PartialObjectMetadataList)."""
    items = cluster.list("/api/v1/namespaces", accept=METADATA_LIST_ACCEPT, what="namespaces")
    return [(i.get("metadata") or {}).get("name", "") for i in items]


def configmaps(cluster: Cluster, namespace: str, names: Iterable[str]) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The named ConfigMaps of one namespace as (name -> data, name -> why it is not there) for
    those that are missing or forbidden."""
    wanted = sorted(set(names))

    def one(cm: str) -> Callable[[], tuple[str, dict[str, str] | None, str]]:
        def call() -> tuple[str, dict[str, str] | None, str]:
            try:
                obj = cluster.get(f"/api/v1/namespaces/{namespace}/configmaps/{cm}", what=f"configmaps/{cm}")
            except (NotFound, Forbidden) as exc:
                return cm, None, exc.message
            return cm, {str(k): str(v) for k, v in (obj.get("data") or {}).items()}, ""
        return call

    found: dict[str, dict[str, str]] = {}
    missing: dict[str, str] = {}
    for cm, data, why in cluster.parallel(*(one(n) for n in wanted)) if wanted else []:
        if data is None:
            missing[cm] = why
        else:
            found[cm] = data
    return found, missing


def nodes(cluster: Cluster, names: Iterable[str]) -> dict[str, dict]:
    """The named nodes; a node that is gone or may not be read is left out."""
    wanted = sorted(names)

    def one(node: str) -> Callable[[], dict | None]:
        def call() -> dict | None:
            try:
                return cluster.get(f"/api/v1/nodes/{node}", what=f"nodes/{node}")
            except (NotFound, Forbidden):
                return None
        return call

    if not wanted:
        return {}
    found: list[dict | None] = cluster.parallel(*(one(n) for n in wanted))
    return {n: obj for n, obj in zip(wanted, found, strict=True) if obj}
