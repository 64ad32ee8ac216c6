"""The version skews that touch one DGD (explain): the compatibility rules of dgd/compat.py, fed
with this DGD's own facts (topology constraint, scaling, DisaggregatedSet request) and asked only
where the DGD's pathway uses the component concerned."""

from __future__ import annotations

import dataclasses

from kubectl_dynamo.contracts.explanation import PATHWAY_COMPONENT, PATHWAY_GROVE
from kubectl_dynamo.dgd import compat
from kubectl_dynamo.dgd.capabilities import Capabilities
from kubectl_dynamo.dgd.findings import ERROR, WARNING, Finding
from kubectl_dynamo.dgd.model import Graph
from kubectl_dynamo.dgd.pathway import wants_disaggregated_set


def uses_topology(graph: Graph) -> bool:
    return graph.topology_constraint is not None or any(s.topology_constraint for s in graph.services)


def scaled(graph: Graph) -> bool:
    """A scaling adapter or a component at 0 replicas (compatibility.md §2.5)."""
    return any(s.scaling_adapter or s.effective_replicas == 0 for s in graph.services)


def facts_for(graph: Graph, caps: Capabilities) -> compat.CompatFacts:
    base = caps.compat or compat.CompatFacts()
    d = caps.detected
    installed = dict(base.installed) or {"grove": d.grove, "kai": d.kai, "lws": d.lws, "volcano": d.volcano}
    versions = dataclasses.replace(caps.component_versions)
    if caps.compat is None:  # offline: the line mirrored (a live cluster says what it runs, or nothing)
        versions.operator = versions.operator or caps.mirrored_version
    return dataclasses.replace(
        base, versions=versions, installed=installed, kai_enabled=caps.kai_scheduler, volcano_scheduler=caps.volcano_scheduler,
        topology_dgds=[graph.name] if uses_topology(graph) else [],
        scaled_dgds=[graph.name] if scaled(graph) else [],
        ds_dgds=[graph.name] if wants_disaggregated_set(graph) else [],
        ds_api=d.disaggregated_set if caps.source == "cluster" or d.disaggregated_set else base.ds_api,
    )


def skews(graph: Graph, caps: Capabilities, pathway: str) -> list[Finding]:
    """Findings for the rules that fail or warn for this DGD; unknown versions give none."""
    f = facts_for(graph, caps)
    grove = pathway == PATHWAY_GROVE
    rules = []
    if grove and uses_topology(graph):
        rules += [compat.r2_topology_api_renamed, compat.r3_topology_binding_missing]
    if grove:
        rules += [compat.r4_grove_floor, compat.r8_grove_scale_from_zero, compat.r9_volcano_on_grove]
    if grove and caps.kai_scheduler:
        rules += [compat.r5_kai_floor, compat.r6_grove_kai_backend, compat.r7_kai_staleness]
    if pathway == PATHWAY_COMPONENT and wants_disaggregated_set(graph):
        rules.append(compat.r13_disaggregated_set)
    out: list[Finding] = []
    for rule in rules:
        result = rule(f)
        if result.status in (compat.FAIL, compat.WARN):
            severity = ERROR if result.status == compat.FAIL else WARNING
            message = f"{result.rule} {result.summary}" + (f": {result.detail}" if result.detail else "")
            out.append(Finding(severity, "VERSION_SKEW", message, None, result.hint))
    return out
