"""Names of the objects the operator creates for a DGD, and Grove's 45-character budget.

Sources (operator <= 1.1): internal/dynamo/graph.go (GenerateGrovePodCliqueSet,
expandRolesForService), GetDCDResourceName, reconcileLeaderWorkerSetResources, and the validating
webhook's maxCombinedResourceNameLength (reference/dynamo-operator.md §1.5, §5.3).
"""

from __future__ import annotations

from kubectl_dynamo.dgd.model import ANN_WORKER_HASH, Graph, Service

GROVE_NAME_BUDGET = 45  # maxCombinedResourceNameLength
LEADER_SUFFIX = "ldr"  # consts.GroveRoleSuffixLeader
WORKER_SUFFIX = "wkr"  # consts.GroveRoleSuffixWorker
HASH_PLACEHOLDER = "<hash8>"


def grove_budget_used(dgd_name: str, svc: Service) -> int:
    """len(dgd)+len(svc)+len(svc+"-ldr") for multinode services, len(dgd)+len(svc) otherwise.
    The budget leaves room for Grove's own separators and indexes in pod names."""
    n = len(dgd_name) + len(svc.name)
    if svc.is_multinode:
        n += len(svc.name) + 1 + len(LEADER_SUFFIX)
    return n


def pod_clique_set(graph: Graph) -> str:
    return graph.name


def grove_service_object(graph: Graph, svc: Service) -> str:
    """PodClique (single-node) or PodCliqueScalingGroup (multinode): <dgd>-0-<lower svc>."""
    return f"{graph.name}-0-{svc.name.lower()}"


def grove_role_cliques(graph: Graph, svc: Service, replica: int) -> tuple[str, str]:
    """The leader and worker PodCliques of PCSG replica `replica`."""
    s = svc.name.lower()
    base = f"{graph.name}-0-{s}-{replica}-{s}"
    return f"{base}-{LEADER_SUFFIX}", f"{base}-{WORKER_SUFFIX}"


def dcd_name(graph: Graph, svc: Service) -> str:
    """GetDCDResourceName: <dgd>-<lower svc>, plus -<8 hex worker hash> for worker-type services.
    The hash (first 8 hex of a sha256 over the worker specs) is read from the live DGD's
    nvidia.com/current-worker-hash annotation; offline it is shown as a placeholder."""
    base = f"{graph.name}-{svc.name.lower()}"
    if not svc.is_worker:
        return base
    h = graph.annotations.get(ANN_WORKER_HASH, "").strip()
    return f"{base}-{h[:8] if h else HASH_PLACEHOLDER}"


def lws_instance(dcd: str, replica: int) -> str:
    """One LeaderWorkerSet (and one Volcano PodGroup of the same name) per replica."""
    return f"{dcd}-{replica}"


def wait_leader_configmap(graph: Graph) -> str:
    return f"{graph.name}-wait-leader-script"


def suggest_short_name(dgd_name: str, svc: Service) -> str:
    """A DGD name that fits the budget with this service name (for the NAME_BUDGET hint)."""
    room = GROVE_NAME_BUDGET - (grove_budget_used("", svc))
    if room <= 0:
        return ""
    return dgd_name[:room].rstrip("-")
