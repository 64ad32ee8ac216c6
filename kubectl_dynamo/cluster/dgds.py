"""Live DynamoGraphDeployments and everything the operator made for them.

A DGD is read in the version the server prefers (v1beta1 on new clusters, v1alpha1 before); both
read into the same dgd.model.Graph. Child objects are listed per kind in the namespace and kept
when their name is the DGD's or starts with "<dgd>-" (Grove and the DCD controller name every
child that way, reference/dynamo-operator.md §1.5); pods by the operator's label; events by the
objects they are about. Independent lists run in parallel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_dynamo.cluster.client import Cluster, Forbidden, NotFound, Resource
from kubectl_dynamo.dgd.model import GROUP, KIND, LABEL_DGD_NAME

DGD_PLURAL = "dynamographdeployments"

# (group, version, plural, kind) of the child kinds describe shows, in pathway order
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


@dataclass
class LiveDGD:
    obj: dict
    children: list[dict] = field(default_factory=list)  # each with apiVersion/kind set
    pods: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    forbidden: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return (self.obj.get("metadata") or {}).get("name", "")


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
    from kubectl_dynamo.errors import ClusterError

    res = dgd_resource(cluster)
    if res is None:
        raise ClusterError('the server doesn\'t have a resource type "dynamographdeployments": install the Dynamo platform (CRDs and operator)')
    return res


def get_dgd(cluster: Cluster, namespace: str, name: str) -> dict:
    res = require_dgd_resource(cluster)
    try:
        return cluster.get(res.path(namespace, name), what=f"dynamographdeployments.nvidia.com/{name}")
    except NotFound:
        from kubectl_dynamo.errors import ClusterError

        raise NotFound(f'dynamographdeployments.nvidia.com "{name}" not found in namespace "{namespace}"') from None
    except ClusterError:
        raise


def list_dgds(cluster: Cluster, namespace: str | None) -> list[dict]:
    res = require_dgd_resource(cluster)
    path = res.path(namespace) if namespace else f"/apis/{GROUP}/{res.version}/{DGD_PLURAL}"
    return cluster.list(path, what="dynamographdeployments.nvidia.com")


def _owned(name: str, dgd: str) -> bool:
    return name == dgd or name.startswith(dgd + "-")


def read_live(cluster: Cluster, namespace: str, name: str, *, with_events: bool = True) -> LiveDGD:
    obj = get_dgd(cluster, namespace, name)
    live = LiveDGD(obj)
    disc = cluster.discovery()
    calls = []

    def lister(group: str, version: str, plural: str, kind: str):
        def call() -> list[dict]:
            path = f"/apis/{group}/{version}/namespaces/{namespace}/{plural}"
            try:
                items = cluster.list(path, what=f"{plural}.{group}")
            except NotFound:
                return []
            except Forbidden as exc:
                live.forbidden[f"{plural}.{group}"] = exc.message
                return []
            out = []
            for it in items:
                if _owned((it.get("metadata") or {}).get("name", ""), name):
                    it.setdefault("apiVersion", f"{group}/{version}")
                    it.setdefault("kind", kind)
                    out.append(it)
            return out
        return call

    for group, version, plural, kind in CHILD_KINDS:
        served = group == GROUP or disc.has_group(group)
        if served and (version in disc.groups.get(group, [version]) or not disc.complete):
            calls.append(lister(group, version, plural, kind))

    def pods() -> list[dict]:
        try:
            return cluster.list(f"/api/v1/namespaces/{namespace}/pods", label_selector=f"{LABEL_DGD_NAME}={name}", what="pods")
        except Forbidden as exc:
            live.forbidden["pods"] = exc.message
            return []

    def events() -> list[dict]:
        try:
            return cluster.list(f"/api/v1/namespaces/{namespace}/events", what="events")
        except Forbidden as exc:
            live.forbidden["events"] = exc.message
            return []

    results = cluster.parallel(*calls, pods, *( [events] if with_events else []))
    n_children = len(calls)
    for chunk in results[:n_children]:
        live.children.extend(chunk)
    live.pods = results[n_children]
    if with_events:
        names = {name} | {(c.get("metadata") or {}).get("name") for c in live.children} | {
            (p.get("metadata") or {}).get("name") for p in live.pods}
        live.events = [e for e in results[n_children + 1] if (e.get("involvedObject") or {}).get("name") in names]
    return live
