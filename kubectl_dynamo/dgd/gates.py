"""Every operator behaviour change the plugin mirrors, gated at the release that introduced it.

One row per change: the first release that behaves the new way, the upstream pull request(s) or
document it comes from, and how sure the reference is of the boundary
(reference/compatibility.md §0 markers and §4.1 timeline, operator-newest.md, dynamo-operator.md
version map). Where the reference marks a boundary uncertain the row takes its recommendation, and
`RuleSet.why()` says in the explain trace that the boundary is uncertain.

A rule set per release line (1.0 ... 1.6) is simply `RuleSet("<line>.0")`: each rule asks
`rules.has(gates.X)` instead of comparing version constants of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_dynamo.dgd import versions

KNOWN = "known"  # stated by the cited source (K)
INFERRED = "inferred"  # derived from merge dates or the chart version on main (I)
CONFLICT = "conflict"  # sources disagree; the reference's recommendation is taken (C)
UNPINNED = "unpinned"  # seen in the newest code, no release named; the line of that code is taken


@dataclass(frozen=True)
class Gate:
    key: str
    since: str  # the first release that behaves the new way
    change: str
    source: str
    certainty: str = KNOWN
    note: str = ""  # why the boundary is uncertain and what the reference recommends
    settled: str | None = None  # from this release on the new behaviour is sure ("1.4.x may or may not")

    @property
    def uncertain(self) -> bool:
        return self.certainty != KNOWN

    def to_dict(self) -> dict:
        return {"key": self.key, "since": self.since, "change": self.change, "source": self.source,
                "certainty": self.certainty, "note": self.note or None, "settled": self.settled}


_APPROX = "release approximate: the chart version on main when it merged (dynamo-operator.md version map)"

GROVE_SUPPORT = Gate("GROVE_SUPPORT", "0.4.0", "Grove auto-detected at operator start", "#2012, #2190", INFERRED, _APPROX)
KAI_SUPPORT = Gate("KAI_SUPPORT", "0.5.0", "KAI-Scheduler injection, default queue 'dynamo'", "#2748", INFERRED, _APPROX)
VLLM_DATA_PARALLEL = Gate("VLLM_DATA_PARALLEL", "0.6.0", "vLLM --data-parallel-hybrid-lb launch; before it every multinode vLLM was Ray",
                          "#3595", INFERRED, _APPROX)
LWS_NEEDS_VOLCANO = Gate("LWS_NEEDS_VOLCANO", "0.6.1", "LWSEnabled = LWS && Volcano API groups", "#3956", INFERRED, _APPROX)
CONFIG_OVERRIDES = Gate("CONFIG_OVERRIDES", "1.0.0", "orchestrators.{grove,lws,kaiScheduler}.enabled in OperatorConfiguration",
                        "#6464")
NAME_BUDGET_WEBHOOK = Gate("NAME_BUDGET_WEBHOOK", "1.0.0", "the webhook rejects names over Grove's 45-character budget", "#5449",
                           INFERRED, "merged around 2026-02-12, after 0.9.0 shipped (compatibility.md §4.1)")
ORIGIN_VERSION_STAMP = Gate("ORIGIN_VERSION_STAMP", "1.0.0", "the webhook stamps nvidia.com/dynamo-operator-origin-version at create",
                            "#6121")
VLLM_MP_ORIGIN = Gate("VLLM_MP_ORIGIN", "1.0.0", "mp launch for DGDs whose origin version is >= 1.0.0", "#6191")
GANG_MIN_AVAILABLE_FIX = Gate("GANG_MIN_AVAILABLE_FIX", "1.1.0", "worker clique minAvailable = nodeCount-1 (#7811)", "#7905")
WAIT_FOR_LEADER_INIT = Gate("WAIT_FOR_LEADER_INIT", "1.1.0", "wait-for-leader-mp init container and <dgd>-wait-leader-script ConfigMap",
                            "#7954")
TOPOLOGY_CONSTRAINT = Gate("TOPOLOGY_CONSTRAINT", "1.1.0", "topologyConstraint; the webhook reads Grove's topology object on create",
                           "#6375", INFERRED, "merged 2026-03-21, after the 1.0.0 branch")
PCS_NAME_TRUNCATION = Gate("PCS_NAME_TRUNCATION", "1.2.0", "PodCliqueSet name shortened with an FNV-1a hash instead of rejected",
                           "#8563", INFERRED, "probably 1.2.0 (PR of 2026-04-22), not verified (compatibility.md §4.3)")
NAME_CHECK_GROVE_ONLY = Gate("NAME_CHECK_GROVE_ONLY", "1.2.0", "the name-length check runs only on the Grove pathway (isGrovePathway)",
                             "operator-newest.md §2", UNPINNED,
                             "seen beside the PCS-name truncation in the newer webhooks; taken with it at 1.2.0")
V1BETA1_SERVED = Gate("V1BETA1_SERVED", "1.2.0", "DGD served at nvidia.com/v1beta1 (storage still v1alpha1)", "#9235, #9262")
MIN_AVAILABLE = Gate("MIN_AVAILABLE", "1.3.0", "v1beta1 admission webhook; component minAvailable (Grove only); priorityClassName",
                     "#10217, #10532")
GROVE_TOPOLOGY_BINDING = Gate("GROVE_TOPOLOGY_BINDING", "1.4.0", "the operator expects Grove's ClusterTopologyBinding API (Grove >= alpha.9)",
                              "DEPR v1.4.0", CONFLICT,
                              "1.3.x pins are contested (alpha.8 vs alpha.11); recommended: 1.3.x as ClusterTopology-API")
VOLCANO_ON_GROVE = Gate("VOLCANO_ON_GROVE", "1.4.0", "Volcano scheduler on Grove: orchestrators.volcanoScheduler.enabled, "
                        "annotation nvidia.com/volcano-queue", "#8225", CONFLICT,
                        "the 1.3.0 notes also list Volcano support (#11348); recommended: >= 1.4.0")
KAI_VOLCANO_EXCLUSIVE = Gate("KAI_VOLCANO_EXCLUSIVE", "1.4.0", "the operator refuses to start with both KAI-Scheduler and Volcano enabled",
                             "#8225", CONFLICT, "arrived with Volcano on Grove; recommended: >= 1.4.0")
RUNTIME_VERSION_ADMISSION = Gate("RUNTIME_VERSION_ADMISSION", "1.4.0", "main image required; its tag must be semver unless "
                                 "runtimeVersionOverride is set", "#10494, #12427", CONFLICT,
                                 "chart notes say v1.4.0, the ledger v1.5.0: 1.4.x may or may not enforce it", settled="1.5.0")
GPU_FROM_REQUESTS = Gate("GPU_FROM_REQUESTS", "1.4.0", "vLLM per-node GPUs read from limits, then requests", "#12164 (code at daf44c6)",
                         INFERRED, "present in July 2026 code; no release note names it")
GPU_FROM_DRA = Gate("GPU_FROM_DRA", "1.4.0", "per-node GPUs also read from DRA ResourceClaims (ResolveContainerGPUs); "
                    "TRT-LLM reads limits first too", "#12166", INFERRED, "merged after the 1.3.0 GA; >= 1.4.0 likely")
V1BETA1_STORAGE = Gate("V1BETA1_STORAGE", "1.5.0", "v1beta1 is the storage version; the profiler writes v1beta1", "#11904, #12432")
WORKLOAD_PROVIDER = Gate("WORKLOAD_PROVIDER", "1.5.0", "nvidia.com/workload-provider written by the webhook at create "
                         "(grove or component); authoritative and immutable; matched case-sensitively", "#12942, #13273")
DISAGGREGATED_SET = Gate("DISAGGREGATED_SET", "1.5.0", "DisaggregatedSet pathway (nvidia.com/enable-disaggregatedset)",
                         "#10209, #10218, #11645", INFERRED, "first release uncertain; >= 1.5 likely (compatibility.md §4.1)")
NORMALISED_VLLM_FLAGS = Gate("NORMALISED_VLLM_FLAGS", "1.5.0", "vLLM flags normalised: --flag=v, -tp, underscores, Command+Args, "
                             "last occurrence wins", "operator-newest.md §8", UNPINNED,
                             "listed with the workload provider and DisaggregatedSet as later than 1.4")
VLLM_MP_INIT_WITH_FLAG = Gate("VLLM_MP_INIT_WITH_FLAG", "1.5.0", "wait-for-leader-mp init only when --distributed-executor-backend mp "
                              "is on the command line", "shouldInjectVLLMMpWaitLeaderInit", UNPINNED,
                              "newest code; taken with the flag normalisation")
BACKEND_PER_GRAPH = Gate("BACKEND_PER_GRAPH", "1.5.0", "workers with different backends and no spec.backendFramework are an error",
                         "backendFrameworkForGeneratedDCDs", UNPINNED, "newest (v1beta1) code")
COHERENT_UPDATES = Gate("COHERENT_UPDATES", "1.6.0", "disaggregated Grove graphs default to Coherent PCS updates "
                        "(nvidia.com/grove-update-strategy overrides); needs Grove alpha.14", "README-160 v1.6.0")
RANK_ALIASES = Gate("RANK_ALIASES", "1.6.0", "DYNAMO_RANK and DYNAMO_LEADER_ADDRESS for new multinode DGDs", "README-160 v1.6.0")
SIDECAR_MULTINODE = Gate("SIDECAR_MULTINODE", "1.6.0", "init container 'runtime' means sidecar mode; multinode components in "
                         "sidecar mode are rejected", "README-160 v1.6.0")

GATES: tuple[Gate, ...] = (
    GROVE_SUPPORT, KAI_SUPPORT, VLLM_DATA_PARALLEL, LWS_NEEDS_VOLCANO, CONFIG_OVERRIDES, NAME_BUDGET_WEBHOOK,
    ORIGIN_VERSION_STAMP, VLLM_MP_ORIGIN, GANG_MIN_AVAILABLE_FIX, WAIT_FOR_LEADER_INIT, TOPOLOGY_CONSTRAINT,
    PCS_NAME_TRUNCATION, NAME_CHECK_GROVE_ONLY, V1BETA1_SERVED, MIN_AVAILABLE, GROVE_TOPOLOGY_BINDING, VOLCANO_ON_GROVE,
    KAI_VOLCANO_EXCLUSIVE, RUNTIME_VERSION_ADMISSION, GPU_FROM_REQUESTS, GPU_FROM_DRA, V1BETA1_STORAGE, WORKLOAD_PROVIDER,
    DISAGGREGATED_SET, NORMALISED_VLLM_FLAGS, VLLM_MP_INIT_WITH_FLAG, BACKEND_PER_GRAPH, COHERENT_UPDATES, RANK_ALIASES,
    SIDECAR_MULTINODE,
)


def on(version: str | None, gate: Gate) -> bool:
    """True when operator `version` behaves the new way (an unknown version: the newest line)."""
    return versions.at_least(version, versions.core(gate.since))


@dataclass(frozen=True)
class RuleSet:
    """The rules of one operator version. `RuleSet("1.5.0")` is the 1.5 line's rule set."""

    version: str

    @property
    def line(self) -> str:
        return versions.line_of(self.version)

    @property
    def newer_than_mirrored(self) -> bool:
        return versions.newer_than_mirrored(self.version)

    def has(self, gate: Gate) -> bool:
        return on(self.version, gate)

    def maybe(self, gate: Gate) -> bool:
        """True in the window where the reference cannot say whether this line enforces the gate
        (after `since`, before `settled`)."""
        return self.has(gate) and gate.settled is not None and not on(self.version, _settled(gate))

    def why(self, gate: Gate) -> str:
        """A trace clause: which side of the gate this version is on, and the boundary's certainty."""
        side = ">=" if self.has(gate) else "<"
        text = f"operator {self.version} {side} {gate.since} ({gate.source})"
        if gate.uncertain:
            text += f"; boundary uncertain: {gate.note}" if gate.note else "; boundary uncertain"
        return text

    def uncertain_here(self, gate: Gate) -> bool:
        """True when this version sits on the line of an uncertain boundary or the line before it,
        where a wrong boundary would change the prediction."""
        if not gate.uncertain:
            return False
        since = versions.core(gate.since)
        mine = versions.core(self.version) if versions.is_semver(self.version) else versions.core(versions.NEWEST_KNOWN)
        return (since[0], since[1] - 1) <= (mine[0], mine[1]) <= (since[0], since[1])


def _settled(gate: Gate) -> Gate:
    assert gate.settled is not None
    return Gate(gate.key, gate.settled, gate.change, gate.source)


def for_line(line: str) -> RuleSet:
    """The rule set of a release line ("1.4" -> RuleSet("1.4.0"))."""
    if line not in versions.LINES:
        raise ValueError(f"unknown release line {line!r} (mirrored: {', '.join(versions.LINES)})")
    return RuleSet(f"{line}.0")


def changes_in(line: str) -> list[Gate]:
    """The gates first on at `line` (what a user upgrading to it gets)."""
    return [g for g in GATES if versions.line_of(g.since) == line]
