"""Pods of a DGD: role and rank, a kubectl-like STATUS, GPUs requested, and the placement view.

Roles and ranks (reference/dynamo-operator.md §4.3): Grove names leader pods `…-<svc>-ldr-<rand>`
and worker pods `…-<svc>-wkr-<rand>`; a worker's node rank is its PodClique pod index + 1 (label
`grove.io/podclique-pod-index`). LWS labels pods `role: leader|worker` and
`leaderworkerset.sigs.k8s.io/worker-index` (the leader is 0). Everything else is `main`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kubectl_dynamo.dgd.model import LABEL_COMPONENT, as_int
from kubectl_dynamo.state.common import meta, spec, status
from kubectl_dynamo.state.inventory import GPU, pod_gpus
from kubectl_dynamo.state.quantity import whole

GROVE_POD_INDEX = "grove.io/podclique-pod-index"
GROVE_PODCLIQUE = "grove.io/podclique"
GROVE_PCSG = "grove.io/podcliquescalinggroup"
GROVE_PCSG_INDEX = "grove.io/podcliquescalinggroup-replica-index"
LWS_NAME = "leaderworkerset.sigs.k8s.io/name"
LWS_GROUP_INDEX = "leaderworkerset.sigs.k8s.io/group-index"
LWS_WORKER_INDEX = "leaderworkerset.sigs.k8s.io/worker-index"
_GROVE_ROLE = re.compile(r"-(ldr|wkr)(?:-|$)")


@dataclass
class PodRow:
    name: str
    service: str | None
    role: str  # leader | worker | main
    rank: int | None
    node: str | None
    status: str  # kubectl's STATUS column, e.g. Running, SchedulingGated, ContainerCreating
    phase: str
    ready: str  # "1/1"
    restarts: int
    gpus: int
    gates: list[str] = field(default_factory=list)
    group: str | None = None  # the multinode instance (PCSG replica, LWS group) the pod is a rank of

    def to_dict(self) -> dict:
        return {"name": self.name, "service": self.service, "role": self.role, "rank": self.rank, "node": self.node,
                "status": self.status, "phase": self.phase, "ready": self.ready, "restarts": self.restarts,
                "gpus": self.gpus, "schedulingGates": list(self.gates)}


@dataclass
class NodePlacement:
    """One node and the DGD's pods on it; `node` None collects the pods not scheduled yet."""

    node: str | None
    pods: list[str]
    gpus: int  # requested by these pods
    allocatable: int | None = None  # the node's nvidia.com/gpu, when the node could be read

    def to_dict(self) -> dict:
        return {"node": self.node, "pods": list(self.pods), "gpus": self.gpus, "allocatable": self.allocatable}


def role_and_rank(pod: dict) -> tuple[str, int | None]:
    labels = meta(pod).get("labels") or {}
    lws_role = labels.get("role")
    if lws_role in ("leader", "worker") or LWS_WORKER_INDEX in labels:
        idx = as_int(labels.get(LWS_WORKER_INDEX))
        role = lws_role if lws_role in ("leader", "worker") else ("leader" if idx == 0 else "worker")
        return role, (0 if role == "leader" and idx is None else idx)
    m = _GROVE_ROLE.search(str(labels.get(GROVE_PODCLIQUE) or "")) or _GROVE_ROLE.search(str(meta(pod).get("name", "")))
    if m:
        if m.group(1) == "ldr":
            return "leader", 0
        idx = as_int(labels.get(GROVE_POD_INDEX))
        return "worker", (idx + 1 if idx is not None else None)
    return "main", None


def multinode_group(pod: dict) -> str | None:
    """Which multinode instance the pod is a rank of: LWS name + group index, Grove PCSG + replica
    index, else the Grove clique name without its -ldr/-wkr suffix."""
    labels = meta(pod).get("labels") or {}
    if labels.get(LWS_NAME):
        return f"{labels[LWS_NAME]}/{labels.get(LWS_GROUP_INDEX, '0')}"
    if labels.get(GROVE_PCSG):
        return f"{labels[GROVE_PCSG]}/{labels.get(GROVE_PCSG_INDEX, '0')}"
    for text in (str(labels.get(GROVE_PODCLIQUE) or ""), str(meta(pod).get("name", ""))):
        m = _GROVE_ROLE.search(text)
        if m:
            return text[: m.start()]
    return None


def pod_status_text(pod: dict) -> str:
    """kubectl get pods' STATUS, shortened: Terminating, SchedulingGated, a waiting/terminated
    container reason (CrashLoopBackOff, ContainerCreating, Error), else the phase."""
    st = status(pod)
    if meta(pod).get("deletionTimestamp"):
        return "Terminating"
    if spec(pod).get("schedulingGates") and not spec(pod).get("nodeName"):
        return "SchedulingGated"
    reason = st.get("reason")
    for cs in st.get("containerStatuses") or []:
        state = (cs or {}).get("state") or {}
        for key in ("waiting", "terminated"):
            if (state.get(key) or {}).get("reason"):
                reason = state[key]["reason"]
    return str(reason or st.get("phase") or "Pending")


def pod_row(pod: dict) -> PodRow:
    st = status(pod)
    containers = spec(pod).get("containers") or []
    statuses = st.get("containerStatuses") or []
    ready = sum(1 for cs in statuses if (cs or {}).get("ready"))
    role, rank = role_and_rank(pod)
    return PodRow(
        name=str(meta(pod).get("name", "")),
        service=(meta(pod).get("labels") or {}).get(LABEL_COMPONENT),
        role=role,
        rank=rank,
        node=spec(pod).get("nodeName") or None,
        status=pod_status_text(pod),
        phase=str(st.get("phase") or "Pending"),
        ready=f"{ready}/{len(containers)}",
        restarts=sum(as_int((cs or {}).get("restartCount")) or 0 for cs in statuses),
        gpus=pod_gpus(pod),
        gates=[str(g.get("name")) for g in spec(pod).get("schedulingGates") or [] if isinstance(g, dict)],
        group=multinode_group(pod) if role != "main" else None,
    )


def pod_rows(pods: Iterable[dict]) -> list[PodRow]:
    """By service, then multinode instance, leader before workers by rank, then name."""
    rows = [pod_row(p) for p in pods]
    order = {"leader": 0, "worker": 1, "main": 2}
    return sorted(rows, key=lambda r: (r.service or "", r.group or "", order[r.role],
                                       r.rank if r.rank is not None else 1 << 30, r.name))


def node_gpus(node: dict | None) -> int | None:
    """The node's allocatable nvidia.com/gpu; None when the node could not be read."""
    value = (status(node).get("allocatable") or {}).get(GPU) if node else None
    return None if value is None else whole(value)


def placement(rows: Iterable[PodRow], nodes: dict[str, dict] | None = None) -> list[NodePlacement]:
    """Nodes in name order with the pods on each, then the unscheduled pods (node None)."""
    by_node: dict[str | None, NodePlacement] = {}
    for row in rows:
        entry = by_node.setdefault(row.node, NodePlacement(row.node, [], 0, node_gpus((nodes or {}).get(row.node or ""))))
        entry.pods.append(row.name)
        entry.gpus += row.gpus
    return sorted(by_node.values(), key=lambda p: (p.node is None, p.node or ""))


def shared_nodes(rows: Iterable[PodRow]) -> list[str]:
    """Notes for multinode ranks of one service packed onto one node (issue #4975: nothing keeps a
    leader and its workers apart when nodeCount exceeds the nodes that fit)."""
    seen: dict[tuple[str, str], list[PodRow]] = {}
    for row in rows:
        if row.node and row.role in ("leader", "worker"):
            seen.setdefault((row.group or row.service or "", row.node), []).append(row)
    notes = []
    for (_, node), same in sorted(seen.items()):
        if len(same) > 1:
            svc = same[0].service or "one service"
            notes.append(f"{len(same)} ranks of one {svc} instance share node {node} "
                         f"({', '.join(sorted(r.name for r in same))}): the engine expects one node per rank")
    return notes
