"""doctor's version-compatibility checks: each rule of reference/compatibility.md §5 (R1-R14,
dgd/compat.py) as its own check in the "compatibility" section, plus whether the DisaggregatedSet
API is there for operators that can use it. Pure: the facts come from state/compat_facts.py."""

from __future__ import annotations

from kubectl_dynamo.contracts.doctor import FAIL, PASS, SKIP, WARN, DoctorCheck
from kubectl_dynamo.dgd import compat, gates
from kubectl_dynamo.dgd.capabilities import GROUP_DISAGGREGATED_SET, Capabilities

SECTION = "compatibility"
_STATUS = {compat.PASS: PASS, compat.WARN: WARN, compat.FAIL: FAIL, compat.SKIP: SKIP}


def check_compat(caps: Capabilities) -> list[DoctorCheck]:
    """One check per rule; the rule's symptom is the detail and its versions the hint."""
    facts = caps.compat or compat.CompatFacts()
    out = []
    for result in compat.check_all(facts):
        summary = f"{result.rule}: {result.summary}"
        out.append(DoctorCheck(result.id, SECTION, _STATUS[result.status], summary, result.detail,
                               result.hint if result.status in (compat.FAIL, compat.WARN) else None))
    out.append(check_disaggregated_set(caps))
    return out


def check_disaggregated_set(caps: Capabilities) -> DoctorCheck:
    """The DisaggregatedSet pathway's API (operator 1.5+, first release uncertain)."""
    cid = "orchestrator.disaggregatedset"
    rules = caps.rules
    if not rules.has(gates.DISAGGREGATED_SET):
        return DoctorCheck(cid, "orchestrator", SKIP, f"DisaggregatedSet pathway: not in operator {rules.version}",
                           rules.why(gates.DISAGGREGATED_SET))
    if caps.disaggregated_set:
        lws = (caps.compat.versions.lws if caps.compat else None) or "version unknown"
        return DoctorCheck(cid, "orchestrator", PASS, f"DisaggregatedSet API {GROUP_DISAGGREGATED_SET}/v1 served (LWS {lws}): "
                           'DGDs annotated nvidia.com/enable-disaggregatedset: "true" can use it',
                           rules.why(gates.DISAGGREGATED_SET))
    return DoctorCheck(cid, "orchestrator", SKIP, f"DisaggregatedSet API {GROUP_DISAGGREGATED_SET} not served",
                       "DGDs that ask for it fall back to LeaderWorkerSet + Volcano (see compat.disaggregatedset)")
