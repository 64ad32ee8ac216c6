"""The per-DGD orchestrator decision (dynamographdeployment_controller.go isGrovePathway /
reconcileResources at 1.1; the workload provider and DisaggregatedSet program of newer operators:
reference/dynamo-operator.md §1.3, §1.4, §1.7, operator-newest.md §3, §4)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_dynamo.contracts.explanation import PATHWAY_COMPONENT, PATHWAY_FAILED, PATHWAY_GROVE, TraceStep
from kubectl_dynamo.dgd import gates
from kubectl_dynamo.dgd.capabilities import Capabilities
from kubectl_dynamo.dgd.findings import INFO, WARNING, Finding
from kubectl_dynamo.dgd.model import (
    ANN_ENABLE_DISAGGREGATED_SET,
    ANN_ENABLE_GROVE,
    ANN_WORKLOAD_PROVIDER,
    Graph,
    Service,
)
from kubectl_dynamo.dgd.names import pod_clique_set

NO_ORCHESTRATOR = "no multinode orchestrator available"
PROVIDER_GROVE = "grove"
PROVIDER_COMPONENT = "component"
PROVIDER_DISAGGREGATED_SET = "disaggregatedset"
MAX_DS_ROLES = 10  # maxDisaggregatedSetRoles


@dataclass
class PathwayDecision:
    pathway: str
    trace: list[TraceStep]
    failure: str | None = None  # the operator's Ready message when pathway == failed
    provider: str | None = None  # the workload program that runs the DGD (None: failed before one ran)
    findings: list[Finding] = field(default_factory=list)
    ds_roles: dict[str, str] = field(default_factory=dict)  # DisaggregatedSet: component -> role


def grove_opt_out(graph: Graph) -> bool:
    """Only the value "false", case-insensitive, opts out; any other value means "use Grove". The
    operator lower-cases the value without trimming it, so " false " does not opt out."""
    return graph.annotations.get(ANN_ENABLE_GROVE, "").lower() == "false"


def wants_disaggregated_set(graph: Graph) -> bool:
    return graph.annotations.get(ANN_ENABLE_DISAGGREGATED_SET, "").lower() == "true"


def decide(graph: Graph, caps: Capabilities, creating: bool = True) -> PathwayDecision:
    """`creating`: the DGD is a file about to be created, so the defaulting webhook will write its
    workload provider; False for a live DGD, whose stored provider is the truth."""
    rules = caps.rules
    trace: list[TraceStep] = []
    add = trace.append
    add(TraceStep("Grove enabled in the operator", ("yes" if caps.grove else "no") + f": {caps.reasons.get('grove', '')}".rstrip(": ")))
    add(TraceStep("LWS enabled in the operator", ("yes" if caps.lws else "no") + f": {caps.reasons.get('lws', '')}".rstrip(": ")))
    ann = graph.annotations.get(ANN_ENABLE_GROVE)
    if ann is None:
        add(TraceStep(f"annotation {ANN_ENABLE_GROVE}", "unset: Grove is used whenever the operator has it enabled"))
    elif grove_opt_out(graph):
        add(TraceStep(f"annotation {ANN_ENABLE_GROVE}", f'"{ann}": this DGD opts out of Grove'))
    else:
        add(TraceStep(f"annotation {ANN_ENABLE_GROVE}", f'"{ann}": not "false", so it does not opt out'))
    multinode = [s for s in graph.services if s.is_multinode]
    if multinode:
        add(TraceStep("multinode services", ", ".join(f"{s.name} ({s.node_count} nodes)" for s in multinode)))
    else:
        add(TraceStep("multinode services", "none: every service fits on one node"))

    decision = PathwayDecision(PATHWAY_COMPONENT, trace)
    # providerFromCurrentIntent / defaultWorkloadProvider
    intent = PROVIDER_GROVE if caps.grove and not grove_opt_out(graph) else PROVIDER_COMPONENT
    stored = graph.annotations.get(ANN_WORKLOAD_PROVIDER)
    step = f"annotation {ANN_WORKLOAD_PROVIDER}"
    if not rules.has(gates.WORKLOAD_PROVIDER):
        if stored is not None:
            add(TraceStep(step, f"{stored!r}: ignored ({rules.why(gates.WORKLOAD_PROVIDER)})"))
        provider = intent
    elif creating:
        # defaultWorkloadProvider: on CREATE the webhook derives it from the routing intent and
        # replaces whatever the manifest says (operator-newest.md §3)
        if stored is not None and stored != intent:
            # the finding is rules.WORKLOAD_PROVIDER_IGNORED
            add(TraceStep(step, f"{stored!r} in the file is replaced at create by {intent!r}"))
        else:
            add(TraceStep(step, f"{intent}: written by the webhook at create ({'Grove enabled and not opted out' if intent == PROVIDER_GROVE else 'Grove not enabled or opted out'})"))
        provider = intent
    elif stored is None:
        # a DGD created before 1.5: the controller adopts the provider from the current intent
        add(TraceStep(step, f"unset (created before {gates.WORKLOAD_PROVIDER.since}): adopted from the current intent: {intent}"))
        provider = intent
    else:
        provider = stored  # authoritative and immutable; matched case-sensitively
        add(TraceStep(step, f"{stored!r}: stored at create, authoritative (later edits to {ANN_ENABLE_GROVE} do not switch it)"))
    decision.provider = provider

    if provider == PROVIDER_GROVE:
        if not caps.grove:
            # no fallback to the component provider when Grove is unavailable (1.5, #12942)
            add(TraceStep("pathway", "failed: the stored provider is grove but Grove is not enabled: selected_workload_provider_unavailable"))
            return _failed(decision, "selected workload provider \"grove\" is unavailable")
        if wants_disaggregated_set(graph) and rules.has(gates.DISAGGREGATED_SET):
            add(TraceStep(f"annotation {ANN_ENABLE_DISAGGREGATED_SET}", f'"true", but ignored on the Grove pathway: also set {ANN_ENABLE_GROVE}: "false"'))
            decision.findings.append(Finding(INFO, "DISAGGREGATED_SET_IGNORED",
                                             f"{ANN_ENABLE_DISAGGREGATED_SET} is ignored because the DGD goes through Grove", None,
                                             f'set {ANN_ENABLE_GROVE}: "false" as well to use the DisaggregatedSet pathway'))
        pcs = pod_clique_set(graph, rules)
        add(TraceStep("pathway", f"grove: the whole graph becomes one PodCliqueSet {pcs!r}"
                      + ("" if multinode else " (single-node services go through Grove too)")))
        decision.pathway = PATHWAY_GROVE
        return decision
    if provider == PROVIDER_DISAGGREGATED_SET and rules.has(gates.DISAGGREGATED_SET):
        # a stored disaggregatedset provider runs the DisaggregatedSet program or fails: no fallback
        reason = ds_reason(graph, caps)
        if reason is None:
            decision.ds_roles = ds_role_names(graph)
            add(TraceStep("pathway", "DisaggregatedSet program (stored provider): a DisaggregatedSet for the multinode "
                          "worker roles; single-node services get Deployments"))
            return decision
        if not caps.disaggregated_set:
            add(TraceStep("pathway", f"failed: {reason}: selected_workload_provider_unavailable"))
            return _failed(decision, f"selected workload provider {provider!r} is unavailable because DisaggregatedSet "
                                     "prerequisites are unavailable")
        add(TraceStep("pathway", f"failed: {reason}: disaggregated_set_intent_unsupported"))
        return _failed(decision, reason)
    if provider != PROVIDER_COMPONENT:
        add(TraceStep("pathway", f"failed: {provider!r} is not a workload provider this operator runs "
                      "(matched case-sensitively): unsupported_workload_provider"))
        return _failed(decision, f"unsupported workload provider {provider!r}")

    if wants_disaggregated_set(graph):
        ds = _disaggregated_set(graph, caps, decision)
        if ds:
            return decision
    if multinode and not caps.lws:
        why = "Grove is not enabled" if not caps.grove else "the DGD opts out of Grove"
        add(TraceStep("pathway", f"failed: {why} and LWS+Volcano is not enabled: \"{NO_ORCHESTRATOR}\""))
        return _failed(decision, f"failed to reconcile Dynamo components deployments: {NO_ORCHESTRATOR}")
    detail = "DynamoComponentDeployment per service: Deployment for single-node"
    if multinode:
        detail += ", LeaderWorkerSet + Volcano PodGroup per replica for multinode"
    add(TraceStep("pathway", f"component: {detail}"))
    return decision


def _failed(decision: PathwayDecision, failure: str) -> PathwayDecision:
    decision.pathway = PATHWAY_FAILED
    decision.failure = failure
    return decision


def ds_eligible(svc: Service) -> bool:
    """isDisaggregatedSetEligibleComponent: multinode worker-type components."""
    return svc.is_multinode and svc.is_worker


def ds_reason(graph: Graph, caps: Capabilities) -> str | None:
    """Why the DisaggregatedSet pathway cannot run this DGD (the operator's own wording), or None.
    (dgd_disaggregatedset_selection.go disaggregatedSetEligibilityReason)"""
    eligible = [s for s in graph.services if ds_eligible(s)]
    if not caps.disaggregated_set:
        return "DisaggregatedSet prerequisites are unavailable (the disaggregatedset.x-k8s.io/v1 API is not served)"
    for s in eligible:
        if s.scaling_adapter:
            return f"component {s.name!r} uses scalingAdapter, but DisaggregatedSet does not support scale subresource integration"
    if not eligible:
        return "no eligible multinode worker roles found"
    if len(eligible) > MAX_DS_ROLES:
        return f"DisaggregatedSet supports at most {MAX_DS_ROLES} roles"
    zero = [s for s in eligible if s.effective_replicas == 0]
    if zero and len(zero) != len(eligible):
        return "DisaggregatedSet requires replicas to be zero for all selected roles or positive for all selected roles"
    if len(eligible) < 2:
        return "DisaggregatedSet requires at least two eligible multinode worker roles"
    if not caps.lws:
        for s in graph.services:
            if s.is_multinode and not ds_eligible(s):
                return f"multinode component {s.name!r} is not eligible for DisaggregatedSet and requires LeaderWorkerSet support"
    return None


def ds_role_names(graph: Graph) -> dict[str, str]:
    """disaggregatedSetRoleName: prefill/decode by type, else the component name; repeats get -2, -3."""
    used: set[str] = set()
    out: dict[str, str] = {}
    for s in graph.services:
        if not ds_eligible(s):
            continue
        role = (s.component_type or "").lower()
        if role not in ("prefill", "decode") or role in used:
            role = s.name.lower()
        base, i = role, 2
        while role in used:
            role, i = f"{base}-{i}", i + 1
        used.add(role)
        out[s.name] = role
    return out


def _disaggregated_set(graph: Graph, caps: Capabilities, decision: PathwayDecision) -> bool:
    rules = caps.rules
    step = f"annotation {ANN_ENABLE_DISAGGREGATED_SET}"
    if not rules.has(gates.DISAGGREGATED_SET):
        decision.trace.append(TraceStep(step, f'"true": ignored ({rules.why(gates.DISAGGREGATED_SET)})'))
        return False
    reason = ds_reason(graph, caps)
    if reason is None:
        decision.ds_roles = ds_role_names(graph)
        roles = ", ".join(f"{svc} as role {role}" for svc, role in decision.ds_roles.items())
        decision.trace.append(TraceStep(step, f'"true": DisaggregatedSet pathway selected ({roles}); '
                                        + rules.why(gates.DISAGGREGATED_SET)))
        decision.trace.append(TraceStep("pathway", "component program with a DisaggregatedSet for the multinode worker "
                                        "roles (LWS makes a LeaderWorkerSet per role); single-node services get Deployments"))
        decision.provider = PROVIDER_DISAGGREGATED_SET
        return True
    # docs/kubernetes/lws.md and compatibility.md R13: falls back to the component program
    decision.trace.append(TraceStep(step, f'"true", but {reason}: falls back to the component pathway '
                                    "(the newest operator code fails the DGD instead: which releases do is uncertain)"))
    decision.findings.append(Finding(WARNING, "DISAGGREGATED_SET_UNAVAILABLE", f"DisaggregatedSet cannot run this DGD: {reason}",
                                     None, "the component pathway (LeaderWorkerSet + Volcano) is used instead; "
                                     "install LWS >= v0.9.0 or fix the roles to get a DisaggregatedSet"))
    return False
