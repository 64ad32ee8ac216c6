"""Live DynamoGraphDeployments and everything the operator made for them.

A DGD is read in the version the server prefers (v1beta1 on new clusters, v1alpha1 before); both
read into the same dgd.model.Graph. Child objects are listed per kind in the namespace and kept
when they belong to this DGD (state/live_dgd.owned_children). Pods come by the operator's label,
events by the objects they are about, the nodes of the pods and the engine ConfigMaps by name.
Independent reads run in parallel; a kind the user may not list is recorded in `forbidden` rather
than failing describe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kubectl_dynamo.cluster import reads
from kubectl_dynamo.cluster.client import Cluster, Resource, resource_path
from kubectl_dynamo.dgd.configmaps import configmap_names
from kubectl_dynamo.dgd.model import GROUP, KIND, LABEL_DGD_NAME, Graph, read_graph
from kubectl_dynamo.errors import ClusterError, Forbidden, NotFound
from kubectl_dynamo.state.live_dgd import LiveDGD, owned_children

DGD_PLURAL = "dynamographdeployments"
DGD_RESOURCE = f"{DGD_PLURAL}.{GROUP}"

# (group, preferred version, plural, kind) of the child kinds describe shows, in pathway order
CHILD_KINDS = [
    ("grove.io", "v1alpha1", "podcliquesets", "PodCliqueSet"),
    ("grove.io", "v1alpha1", "podcliquescalinggroups", "PodCliqueScalingGroup"),
    ("grove.io", "v1alpha1", "podcliques", "PodClique"),
    ("scheduler.grove.io", "v1alpha1", "podgangs", "PodGang"),
    ("nvidia.com", "v1alpha1", "dynamocomponentdeployments", "DynamoComponentDeployment"),
    ("leaderworkerset.x-k8s.io", "v1", "leaderworkersets", "LeaderWorkerSet"),
    ("scheduling.volcano.sh", "v1beta1", "podgroups", "PodGroup"),
    ("scheduling.run.ai", "v2alpha2", "podgroups", "PodGroup"),
    ("apps", "v1", "deployments", "Deployment"),
]


def dgd_version(cluster: Cluster) -> str | None:
    """The served DGD version the server prefers; None when the CRD is not installed."""
    disc = cluster.discovery()
    served = disc.groups.get(GROUP) or []
    if disc.complete:
        with_dgd = [v for v in served if (f"{GROUP}/{v}", KIND) in disc.resources]
        return with_dgd[0] if with_dgd else None
    return served[0] if served else None


def dgd_resource(cluster: Cluster) -> Resource | None:
    v = dgd_version(cluster)
    return Resource(GROUP, v, KIND, DGD_PLURAL, True) if v else None


def require_dgd_resource(cluster: Cluster) -> Resource:
    res = dgd_resource(cluster)
    if res is None:
        raise ClusterError('the server doesn\'t have a resource type "dynamographdeployments": install the Dynamo platform (CRDs and operator)')
    return res


def _with_type(obj: dict, res: Resource) -> dict:
    """List items carry no apiVersion/kind (kubectl fills them in too)."""
    obj.setdefault("apiVersion", res.api_version)
    obj.setdefault("kind", res.kind)
    return obj


def get_dgd(cluster: Cluster, namespace: str, name: str) -> dict:
    res = require_dgd_resource(cluster)
    try:
        return _with_type(cluster.get(resource_path(res, namespace, name), what=f"{DGD_RESOURCE}/{name}"), res)
    except NotFound:
        raise NotFound.of(DGD_RESOURCE, name, namespace) from None


def list_dgds(cluster: Cluster, namespace: str | None, label_selector: str | None = None) -> list[dict]:
    """DGDs of one namespace, or of all when `namespace` is None, each with apiVersion/kind set."""
    res = require_dgd_resource(cluster)
    try:
        items = cluster.list(resource_path(res, namespace), label_selector=label_selector, what=DGD_RESOURCE)
    except NotFound as exc:
        # discovery serves the resource but its collection answers 404 (a broken aggregated API or
        # proxy): the cluster cannot be used for this, which is not the same as "no DGDs" (issue 10)
        raise ClusterError(f"{DGD_RESOURCE}: not found (404), although discovery serves "
                           f"{res.group}/{res.version}") from exc
    return [_with_type(it, res) for it in items]


def list_dgd_pods(cluster: Cluster, namespace: str | None) -> list[dict]:
    """Every pod that belongs to some DGD (has the operator's DGD label), for `get -o wide`;
    empty when pods may not be listed (the columns then fall back to the DGD's annotations)."""
    path = f"/api/v1/namespaces/{namespace}/pods" if namespace else "/api/v1/pods"
    try:
        return cluster.list(path, label_selector=LABEL_DGD_NAME, what="pods")
    except Forbidden:
        return []


def _safe_list(cluster: Cluster, forbidden: dict[str, str], key: str, path: str, **kw: Any) -> list[dict]:
    """A list that treats "not served" as empty and "forbidden" as a note (in ``forbidden``), never
    as absence of the objects in a silent way."""
    try:
        return cluster.list(path, what=key, **kw)
    except NotFound:
        return []
    except Forbidden as exc:
        forbidden[key] = exc.message
        return []


def _child_listers(cluster: Cluster, namespace: str | None, forbidden: dict[str, str]) -> list[Callable[[], list[dict]]]:
    """One list call per served child kind (CHILD_KINDS), in one namespace or all (None)."""

    def lister(group: str, version: str, plural: str, kind: str) -> Callable[[], list[dict]]:
        res = Resource(group, version, kind, plural, True)
        return lambda: [_with_type(it, res) for it in
                        _safe_list(cluster, forbidden, f"{plural}.{group}", resource_path(res, namespace))]

    calls = []
    for group, version, plural, kind in CHILD_KINDS:
        served = cluster.discovery().served_version(group, kind, version)
        if served:
            calls.append(lister(group, served, plural, kind))
    return calls


def list_children(cluster: Cluster, namespace: str | None) -> tuple[list[dict], dict[str, str]]:
    """Every object of the child kinds in one namespace or all (None), for `get -o wide`'s drift,
    and what could not be listed ("<plural>.<group>" -> the server's message)."""
    forbidden: dict[str, str] = {}
    calls = _child_listers(cluster, namespace, forbidden)
    return [it for chunk in (cluster.parallel(*calls) if calls else []) for it in chunk], forbidden


def read_live(cluster: Cluster, namespace: str, name: str, *, with_events: bool = True) -> LiveDGD:
    """The DGD NAME with its children, pods, events, the pods' nodes and the engine ConfigMaps its
    services reference. Raises NotFound (exit 1, kubectl's wording) when the DGD does not exist."""
    obj = get_dgd(cluster, namespace, name)
    live = LiveDGD(obj)
    graph = read_graph(obj, "cluster")
    calls: list[Callable[[], Any]] = list(_child_listers(cluster, namespace, live.forbidden))
    calls.append(lambda: _safe_list(cluster, live.forbidden, "pods", f"/api/v1/namespaces/{namespace}/pods",
                                    label_selector=f"{LABEL_DGD_NAME}={name}"))
    if with_events:
        calls.append(lambda: _safe_list(cluster, live.forbidden, "events", f"/api/v1/namespaces/{namespace}/events"))
    calls.append(lambda: engine_configmaps(cluster, namespace, [graph]))

    results: list[Any] = cluster.parallel(*calls)
    n = len(calls) - (3 if with_events else 2)
    candidates = [it for chunk in results[:n] for it in chunk]
    live.children = owned_children(graph, (obj.get("metadata") or {}).get("uid"), candidates)
    live.pods = results[n]
    live.configmaps = results[-1]
    if with_events:
        about = {(KIND, name)} | {(c.get("kind"), (c.get("metadata") or {}).get("name")) for c in live.children}
        about |= {("Pod", (p.get("metadata") or {}).get("name")) for p in live.pods}
        live.events = [e for e in results[n + 1]
                       if ((e.get("involvedObject") or {}).get("kind"), (e.get("involvedObject") or {}).get("name")) in about]
    live.nodes = reads.nodes(cluster, {str(node) for p in live.pods if (node := (p.get("spec") or {}).get("nodeName"))})
    return live


def engine_configmaps(cluster: Cluster, namespace: str, graphs: Iterable[Graph]) -> dict[str, dict[str, str]]:
    """The engine ConfigMaps the given DGDs of one namespace need (dgd/configmaps), name -> data; a
    missing or forbidden one is left out: parallelism then reads as unknown, and validate says which."""
    found, _ = reads.configmaps(cluster, namespace, {n for g in graphs for n in configmap_names(g)})
    return found
