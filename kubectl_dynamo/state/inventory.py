"""GPU and network inventory from Node objects and the GPU requests of pods on them.

Pure functions over plain dicts (as the API returns them), so they are unit-tested with data.
Resource and label names: NVIDIA device plugin / GPU feature discovery / NFD / Network Operator
(reference/orchestrators.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_dynamo.state.quantity import whole

GPU = "nvidia.com/gpu"
MIG_PREFIX = "nvidia.com/mig-"
SHARED_SUFFIX = ".shared"
# the device plugin's common taint; the ExtendedResourceToleration admission plugin (and most GPU
# pods) tolerate it, so it does not make a node unschedulable for GPU work
GPU_TAINT_KEY = "nvidia.com/gpu"
RDMA_LABELS = (
    "feature.node.kubernetes.io/rdma.capable",
    "feature.node.kubernetes.io/rdma.available",
    "feature.node.kubernetes.io/custom-rdma.capable",
    "feature.node.kubernetes.io/pci-15b3.present",
)
SRIOV_RESOURCES = ("nvidia.com/mlnxnics", "nvidia.com/hostdev", "nvidia.com/sriovlegacy")
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
EFA = "vpc.amazonaws.com/efa"
CLIQUE_LABEL = "nvidia.com/gpu.clique"


@dataclass
class NodeGPUs:
    name: str
    product: str | None
    allocatable: int
    requested: int
    ready: bool
    cordoned: bool
    taints: list[str] = field(default_factory=list)  # key=value:Effect of NoSchedule/NoExecute taints
    mig: dict[str, int] = field(default_factory=dict)  # MIG / shared GPU resources allocatable
    rdma: dict[str, int] = field(default_factory=dict)  # rdma/*, EFA and SR-IOV resources allocatable
    network_labels: list[str] = field(default_factory=list)
    clique: str | None = None  # NVLink domain (GB200 MNNVL)
    memory_mib: int | None = None

    @property
    def free(self) -> int:
        return max(0, self.allocatable - self.requested)

    @property
    def blocking_taints(self) -> list[str]:
        """NoSchedule/NoExecute taints a GPU pod does not tolerate by default (the cordon taint is
        reported as `cordoned` instead)."""
        return [t for t in self.taints
                if not t.startswith((GPU_TAINT_KEY + "=", GPU_TAINT_KEY + ":", UNSCHEDULABLE_TAINT + ":"))]

    @property
    def schedulable(self) -> bool:
        return self.ready and not self.cordoned and not self.blocking_taints

    @property
    def state(self) -> str:
        """Why the node takes (or does not take) new GPU pods, in a word or two."""
        reasons = (["not ready"] if not self.ready else []) + (["cordoned"] if self.cordoned else []) + (
            [f"tainted {', '.join(self.blocking_taints)}"] if self.blocking_taints else [])
        return "; ".join(reasons) if reasons else "schedulable"

    @property
    def fabric(self) -> str | None:
        """`rdma` (InfiniBand/RoCE), `efa`, `sriov` or None (TCP only), reference §6.3."""
        if any(k.startswith("rdma/") for k in self.rdma) or self.network_labels:
            return "rdma"
        if EFA in self.rdma:
            return "efa"
        if self.rdma:
            return "sriov"
        return None

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "product": self.product,
            "allocatable": self.allocatable,
            "requested": self.requested,
            "free": self.free,
            "schedulable": self.schedulable,
            "state": self.state,
            "ready": self.ready,
            "cordoned": self.cordoned,
            "taints": list(self.taints),
            "mig": dict(self.mig),
            "rdma": dict(self.rdma),
            "networkLabels": list(self.network_labels),
            "fabric": self.fabric,
            "clique": self.clique,
            "memoryMiB": self.memory_mib,
        }


@dataclass
class Inventory:
    nodes: list[NodeGPUs]
    requests_known: bool = True  # False when pods could not be listed: free counts are upper bounds

    @property
    def total(self) -> int:
        return sum(n.allocatable for n in self.nodes)

    @property
    def free(self) -> int:
        return sum(n.free for n in self.nodes if n.schedulable)

    def free_per_schedulable_node(self) -> list[int]:
        return [n.free for n in self.nodes if n.schedulable and n.free > 0]

    def largest_fit(self) -> tuple[int, int]:
        """The largest nodes × gpusPerNode shape that fits on free GPUs now (most GPUs in all;
        on a tie, more GPUs per node, since fewer nodes means less cross-node traffic)."""
        return largest_fit(self.free_per_schedulable_node())

    def to_dict(self) -> dict:
        nodes, gpus = self.largest_fit()
        return {
            "nodes": [n.to_dict() for n in self.nodes],
            "total": self.total,
            "free": self.free,
            "largestFit": {"nodes": nodes, "gpusPerNode": gpus},
            "requestsKnown": self.requests_known,
        }


def largest_fit(free: list[int]) -> tuple[int, int]:
    """(nodes, gpusPerNode) maximising nodes × gpusPerNode over nodes with that many free GPUs."""
    best = (0, 0)
    for g in sorted(set(f for f in free if f > 0), reverse=True):
        count = sum(1 for f in free if f >= g)
        if count * g > best[0] * best[1]:
            best = (count, g)
    return best


def pod_gpus(pod: dict) -> int:
    """The nvidia.com/gpu a pod asks the scheduler for: per container its request (limits stand in
    when only they are set, as the API server defaults requests to limits for extended resources),
    summed over the containers, or the largest init container when that is more (the scheduler's
    effective request). Only nvidia.com/gpu: it is what nodes' allocatable counts, so requested,
    free and describe's placement compare like with like. get, describe and doctor all use this."""
    spec = pod.get("spec") or {}

    def one(c: dict) -> int:
        res = (c or {}).get("resources") or {}
        req = (res.get("requests") or {}).get(GPU)
        return whole(req if req is not None else (res.get("limits") or {}).get(GPU))

    main = sum(one(c) for c in spec.get("containers") or [])
    init = max([one(c) for c in spec.get("initContainers") or []] or [0])
    return max(main, init)


def pod_holds_resources(pod: dict) -> bool:
    """Bound pods hold their requests until they end (the scheduler's NodeInfo accounting)."""
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def is_network_resource(name: str) -> bool:
    """rdma/* (any name: they are configurable), EFA, and SR-IOV/host-device NICs, which the
    Network Operator publishes as nvidia.com/<name>: any nvidia.com/* that is not a GPU, a shared
    GPU or a MIG device (reference/orchestrators.md §6.3)."""
    if name.startswith("rdma/") or name == EFA or name in SRIOV_RESOURCES:
        return True
    if name.startswith("nvidia.com/"):
        return not (name == GPU or name.startswith((GPU + ".", MIG_PREFIX)) or name.endswith(SHARED_SUFFIX))
    return False


def node_inventory(node: dict, requested: int) -> NodeGPUs:
    """One node's GPUs, network and schedulability; `requested` = GPUs its pods hold."""
    meta = node.get("metadata") or {}
    labels = meta.get("labels") or {}
    status = node.get("status") or {}
    alloc = status.get("allocatable") or {}
    spec = node.get("spec") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    taints = []
    for t in spec.get("taints") or []:
        if t.get("effect") in ("NoSchedule", "NoExecute"):
            kv = t.get("key", "") + (f"={t['value']}" if t.get("value") else "")
            taints.append(f"{kv}:{t.get('effect')}")
    mig = {k: whole(v) for k, v in alloc.items() if (k.startswith(MIG_PREFIX) or k.endswith(SHARED_SUFFIX)) and whole(v) > 0}
    rdma = {k: whole(v) for k, v in alloc.items() if is_network_resource(k) and whole(v) > 0}
    network = [k for k in RDMA_LABELS if labels.get(k) == "true"]
    mem = labels.get("nvidia.com/gpu.memory")
    return NodeGPUs(
        name=meta.get("name", ""),
        product=labels.get("nvidia.com/gpu.product"),
        allocatable=whole(alloc.get(GPU)),
        requested=requested,
        ready=ready,
        cordoned=bool(spec.get("unschedulable")),
        taints=taints,
        mig=mig,
        rdma=rdma,
        network_labels=network,
        clique=labels.get(CLIQUE_LABEL),
        memory_mib=int(mem) if mem and mem.isdigit() else None,
    )


def build_inventory(nodes: list[dict], pods: list[dict] | None) -> Inventory:
    """GPU nodes only (allocatable GPUs, MIG or shared GPUs, or a GPU product label); `pods` None
    means they could not be read, so nothing counts as requested."""
    requested: dict[str, int] = {}
    for pod in pods or []:
        node = (pod.get("spec") or {}).get("nodeName")
        if node and pod_holds_resources(pod):
            requested[node] = requested.get(node, 0) + pod_gpus(pod)
    out = []
    for node in nodes:
        inv = node_inventory(node, requested.get((node.get("metadata") or {}).get("name", ""), 0))
        if inv.allocatable or inv.mig or inv.product:
            out.append(inv)
    out.sort(key=lambda n: n.name)
    return Inventory(out, requests_known=pods is not None)
