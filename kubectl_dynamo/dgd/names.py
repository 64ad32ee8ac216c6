"""Names of the objects the operator creates for a DGD, and Grove's 45-character budget.

Sources (operator <= 1.1): internal/dynamo/graph.go (GenerateGrovePodCliqueSet,
expandRolesForService), GetDCDResourceName, reconcileLeaderWorkerSetResources, and the validating
webhook's maxCombinedResourceNameLength (reference/dynamo-operator.md §1.5, §5.3). Newer operators
shorten the PodCliqueSet name instead of rejecting it (PCSNameForDGD, operator-newest.md §1); the
DisaggregatedSet name is the DGD name cut to 31 characters with a hash (its selection code).
"""

from __future__ import annotations

import hashlib

from kubectl_dynamo.dgd import gates
from kubectl_dynamo.dgd.model import ANN_WORKER_HASH, Graph, Service

GROVE_NAME_BUDGET = 45  # maxCombinedResourceNameLength
PCS_NAME_FLOOR = 8  # minPCSNameLength: the shortened PodCliqueSet name is never shorter
PODCLIQUE_NAME_LIMIT = 57  # grove#810: longer PodClique names keep their pods gated
LEADER_SUFFIX = "ldr"  # consts.GroveRoleSuffixLeader
WORKER_SUFFIX = "wkr"  # consts.GroveRoleSuffixWorker
HASH_PLACEHOLDER = "<hash8>"
DS_NAME_LIMIT = 31  # maxDisaggregatedSetNameLength


def grove_budget_used(dgd_name: str, svc: Service) -> int:
    """len(dgd)+len(svc)+len(svc+"-ldr") for multinode services, len(dgd)+len(svc) otherwise.
    The budget leaves room for Grove's own separators and indexes in pod names."""
    return len(dgd_name) + component_budget(svc)


def component_budget(svc: Service) -> int:
    """What one component adds to the PodCliqueSet name: its PodClique (single-node), or its
    PodCliqueScalingGroup plus the longest role clique (<name>-ldr) when multinode."""
    n = len(svc.name)
    if svc.is_multinode:
        n += len(svc.name) + 1 + len(LEADER_SUFFIX)
    return n


def fnv1a_32(data: bytes) -> int:
    """FNV-1a, 32 bits (Go's hash/fnv New32a)."""
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def pcs_budget(services: list[Service]) -> int:
    """Characters left for the PodCliqueSet name by the most demanding component, never below 8."""
    widest = max((component_budget(s) for s in services), default=0)
    return max(GROVE_NAME_BUDGET - widest, PCS_NAME_FLOOR)


def shortened_pcs_name(dgd_name: str, services: list[Service]) -> str:
    """PCSNameForDGD: the DGD name when it fits the budget, else its first (budget - 5) characters,
    a hyphen and the low 16 bits of its FNV-1a hash as 4 hex digits."""
    budget = pcs_budget(services)
    if len(dgd_name) <= budget:
        return dgd_name
    return f"{dgd_name[:budget - 5]}-{fnv1a_32(dgd_name.encode()) & 0xFFFF:04x}"


def pod_clique_set(graph: Graph, rules: gates.RuleSet | None = None) -> str:
    """The PodCliqueSet name: the DGD name at 1.1, shortened when too long from #8563 on."""
    if rules is None or not rules.has(gates.PCS_NAME_TRUNCATION):
        return graph.name
    return shortened_pcs_name(graph.name, graph.services)


def grove_service_object(graph: Graph, svc: Service, pcs: str | None = None) -> str:
    """PodClique (single-node) or PodCliqueScalingGroup (multinode): <pcs>-0-<lower svc>."""
    return f"{pcs or graph.name}-0-{svc.name.lower()}"


def grove_role_cliques(graph: Graph, svc: Service, replica: int, pcs: str | None = None) -> tuple[str, str]:
    """The leader and worker PodCliques of PCSG replica `replica`."""
    s = svc.name.lower()
    base = f"{pcs or graph.name}-0-{s}-{replica}-{s}"
    return f"{base}-{LEADER_SUFFIX}", f"{base}-{WORKER_SUFFIX}"


def longest_podclique(graph: Graph, svc: Service, pcs: str) -> str:
    """The longest PodClique name of a service (its last replica's worker clique when multinode)."""
    if not svc.is_multinode:
        return grove_service_object(graph, svc, pcs)
    return grove_role_cliques(graph, svc, max(svc.effective_replicas - 1, 0), pcs)[1]


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


def disaggregated_set(graph: Graph) -> str:
    """disaggregatedSetName: the lower-cased DGD name, cut to 31 characters with an 8-hex sha256
    suffix when longer (truncateDNSLabelWithHash)."""
    name = graph.name.lower()
    if len(name) <= DS_NAME_LIMIT:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return name[:DS_NAME_LIMIT - 9].rstrip("-") + "-" + digest


def suggest_short_name(dgd_name: str, svc: Service) -> str:
    """A DGD name that fits the budget with this service name (for the NAME_BUDGET hint)."""
    room = GROVE_NAME_BUDGET - (grove_budget_used("", svc))
    if room <= 0:
        return ""
    return dgd_name[:room].rstrip("-")
