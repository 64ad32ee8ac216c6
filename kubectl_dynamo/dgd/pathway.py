"""The per-DGD orchestrator decision (dynamographdeployment_controller.go isGrovePathway /
reconcileResources; reference/dynamo-operator.md §1.3, §1.4, §1.7)."""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_dynamo.contracts.explanation import PATHWAY_COMPONENT, PATHWAY_FAILED, PATHWAY_GROVE, TraceStep
from kubectl_dynamo.dgd import versions
from kubectl_dynamo.dgd.capabilities import Capabilities
from kubectl_dynamo.dgd.model import ANN_ENABLE_GROVE, ANN_WORKLOAD_PROVIDER, Graph

NO_ORCHESTRATOR = "no multinode orchestrator available"


@dataclass
class PathwayDecision:
    pathway: str
    trace: list[TraceStep]
    failure: str | None = None  # the operator's Ready message when pathway == failed


def grove_opt_out(graph: Graph) -> bool:
    """Only the value "false", case-insensitive, opts out; any other value means "use Grove". The
    operator lower-cases the value without trimming it, so " false " does not opt out."""
    return graph.annotations.get(ANN_ENABLE_GROVE, "").lower() == "false"


def decide(graph: Graph, caps: Capabilities) -> PathwayDecision:
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

    provider = graph.annotations.get(ANN_WORKLOAD_PROVIDER, "").strip().lower()
    if provider and versions.at_least(caps.mirrored_version, versions.WORKLOAD_PROVIDER):
        # newer operators stamp a durable provider at create; later edits to enable-grove do not switch it
        return _from_provider(provider, graph, caps, trace)

    if caps.grove and not grove_opt_out(graph):
        add(TraceStep("pathway", f"grove: the whole graph becomes one PodCliqueSet {graph.name!r}"
                      + ("" if multinode else " (single-node services go through Grove too)")))
        return PathwayDecision(PATHWAY_GROVE, trace)
    if multinode and not caps.lws:
        why = "Grove is not enabled" if not caps.grove else "the DGD opts out of Grove"
        add(TraceStep("pathway", f"failed: {why} and LWS+Volcano is not enabled: \"{NO_ORCHESTRATOR}\""))
        return PathwayDecision(PATHWAY_FAILED, trace, f"failed to reconcile Dynamo components deployments: {NO_ORCHESTRATOR}")
    detail = "DynamoComponentDeployment per service: Deployment for single-node"
    if multinode:
        detail += ", LeaderWorkerSet + Volcano PodGroup per replica for multinode"
    add(TraceStep("pathway", f"component: {detail}"))
    return PathwayDecision(PATHWAY_COMPONENT, trace)


def _from_provider(provider: str, graph: Graph, caps: Capabilities, trace: list[TraceStep]) -> PathwayDecision:
    step = f"annotation {ANN_WORKLOAD_PROVIDER}"
    if provider == "grove":
        if caps.grove:
            trace.append(TraceStep(step, "grove (stamped at create; wins over nvidia.com/enable-grove)"))
            trace.append(TraceStep("pathway", f"grove: one PodCliqueSet {graph.name!r}"))
            return PathwayDecision(PATHWAY_GROVE, trace)
        trace.append(TraceStep(step, "grove, but Grove is not enabled: selected_workload_provider_unavailable"))
        return PathwayDecision(PATHWAY_FAILED, trace, "selected workload provider grove is unavailable")
    if provider in ("component", "disaggregatedset"):
        if graph.has_multinode and not caps.lws and provider == "component":
            trace.append(TraceStep(step, f"{provider}, but LWS+Volcano is not enabled"))
            return PathwayDecision(PATHWAY_FAILED, trace, f"failed to reconcile Dynamo components deployments: {NO_ORCHESTRATOR}")
        trace.append(TraceStep(step, f"{provider} (stamped at create)"))
        trace.append(TraceStep("pathway", "component: DynamoComponentDeployment per service"))
        return PathwayDecision(PATHWAY_COMPONENT, trace)
    trace.append(TraceStep(step, f"{provider!r}: unsupported_workload_provider"))
    return PathwayDecision(PATHWAY_FAILED, trace, f"unsupported workload provider {provider!r}")
