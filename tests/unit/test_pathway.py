"""Orchestrator selection: the operator's per-DGD pathway decision (reference §1.3, §1.4, §1.7) and
how the operator resolves its own capabilities at start-up (§1.2)."""

from __future__ import annotations

import pytest

from kubectl_dynamo.dgd import capabilities, pathway, versions
from kubectl_dynamo.dgd.capabilities import Detected, OrchestratorConfig

from .builders import caps, dgd, findings, frontend, graph, vllm_worker

GROVE_ANN = "nvidia.com/enable-grove"
PROVIDER_ANN = "nvidia.com/workload-provider"


def _doc(multinode: bool, annotations: dict[str, str] | None = None) -> dict:
    worker = vllm_worker(tp=8, nodes=2, gpu="4") if multinode else vllm_worker(tp=4, gpu="4")
    return dgd({"Frontend": frontend(), "worker": worker}, annotations=annotations)


def _caps(grove_enabled: bool, lws_enabled: bool):
    # LWSEnabled in auto mode is LWS && Volcano (operator >= 0.6.1)
    return caps(grove=grove_enabled, lws=lws_enabled, volcano=lws_enabled)


def _decide(doc: dict, c) -> pathway.PathwayDecision:
    return pathway.decide(graph(doc), c)


# --- §1.4 decision table -----------------------------------------------------------------------

DECISION_TABLE = [
    # GroveEnabled, enable-grove annotation, multinode, LWSEnabled -> result
    pytest.param(True, None, False, False, "grove", id="grove enabled and no annotation: a single-node graph becomes a PodCliqueSet"),
    pytest.param(True, None, True, False, "grove", id="grove enabled and no annotation: a multinode graph becomes a PodCliqueSet"),
    pytest.param(True, None, True, True, "grove", id="grove enabled wins over lws for a multinode graph"),
    pytest.param(True, "true", True, False, "grove", id="grove enabled and annotation true: grove"),
    pytest.param(True, "yes", False, True, "grove", id="grove enabled and an annotation other than false: grove"),
    pytest.param(True, "", True, False, "grove", id="grove enabled and an empty annotation: grove"),
    pytest.param(True, "false", False, False, "component", id="grove enabled but the dgd opts out and is single-node: deployments"),
    pytest.param(True, "false", False, True, "component", id="grove enabled, opt-out, single-node, lws enabled: deployments"),
    pytest.param(True, "false", True, True, "component", id="grove enabled, opt-out, multinode, lws enabled: lws plus volcano"),
    pytest.param(True, "false", True, False, "failed", id="grove enabled, opt-out, multinode, no lws: no multinode orchestrator"),
    pytest.param(False, None, False, False, "component", id="grove disabled and single-node: deployments"),
    pytest.param(False, "true", False, True, "component", id="grove disabled ignores the annotation: single-node deployments"),
    pytest.param(False, None, True, True, "component", id="grove disabled, multinode, lws enabled: lws plus volcano"),
    pytest.param(False, "false", True, True, "component", id="grove disabled, opt-out annotation ignored, multinode with lws: lws"),
    pytest.param(False, None, True, False, "failed", id="grove disabled, multinode, no lws: no multinode orchestrator"),
    pytest.param(False, "true", True, False, "failed", id="grove disabled, annotation true cannot help a multinode graph without lws"),
]


@pytest.mark.parametrize(("grove_enabled", "annotation", "multinode", "lws_enabled", "expected"), DECISION_TABLE)
def test_decision_table(grove_enabled, annotation, multinode, lws_enabled, expected):
    annotations = None if annotation is None else {GROVE_ANN: annotation}
    decision = _decide(_doc(multinode, annotations), _caps(grove_enabled, lws_enabled))
    assert decision.pathway == expected
    if expected == "failed":
        assert decision.failure == "failed to reconcile Dynamo components deployments: no multinode orchestrator available"
    else:
        assert decision.failure is None
    last = decision.trace[-1]
    assert last.step == "pathway"
    assert last.outcome.startswith(expected)


# --- the enable-grove annotation value -----------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "opts_out"),
    [
        pytest.param("false", True, id="lower-case false opts out"),
        pytest.param("FALSE", True, id="upper-case FALSE opts out because matching is case-insensitive"),
        pytest.param("False", True, id="title-case False opts out"),
        pytest.param("true", False, id="true does not opt out"),
        pytest.param("0", False, id="zero does not opt out: only the word false counts"),
        pytest.param("no", False, id="no does not opt out"),
        pytest.param("disabled", False, id="disabled does not opt out"),
        pytest.param("", False, id="an empty value does not opt out"),
        pytest.param(
            " false ", False, id="a padded false does not opt out because the operator lowers but never trims",
        ),
        pytest.param(
            "false\n", False, id="false with a trailing newline does not opt out",
        ),
    ],
)
def test_enable_grove_annotation_value(value, opts_out):
    doc = _doc(True, {GROVE_ANN: value})
    assert pathway.grove_opt_out(graph(doc)) is opts_out
    decision = _decide(doc, _caps(True, True))
    assert decision.pathway == ("component" if opts_out else "grove")


def test_padded_false_on_a_grove_cluster_without_lws_still_gets_grove():
    """The operator reads " false " as "not false": Grove, not the failed component path."""
    decision = _decide(_doc(True, {GROVE_ANN: " false "}), _caps(True, False))
    assert decision.pathway == "grove"


def test_a_padded_false_is_flagged_as_a_bad_annotation():
    found = [f for f in findings(_doc(True, {GROVE_ANN: " false "})) if f.code == "BAD_ANNOTATION"]
    assert [(f.severity, f.service) for f in found] == [("warning", None)]


@pytest.mark.parametrize(
    "where",
    [
        pytest.param("spec.annotations", id="spec annotations are not consulted for the opt-out"),
        pytest.param("service annotations", id="service annotations are not consulted for the opt-out"),
        pytest.param("labels", id="a label with the same key is not consulted for the opt-out"),
    ],
)
def test_opt_out_is_read_from_metadata_annotations_only(where):
    doc = _doc(True)
    if where == "spec.annotations":
        doc["spec"]["annotations"] = {GROVE_ANN: "false"}
    elif where == "service annotations":
        doc["spec"]["services"]["worker"]["annotations"] = {GROVE_ANN: "false"}
    else:
        doc["metadata"]["labels"] = {GROVE_ANN: "false"}
    assert _decide(doc, _caps(True, False)).pathway == "grove"


def test_single_node_graph_goes_through_grove_when_grove_is_enabled():
    decision = _decide(_doc(False), _caps(True, True))
    assert decision.pathway == "grove"
    assert "single-node" in decision.trace[-1].outcome


def test_a_graph_of_frontends_only_never_fails_without_orchestrators():
    doc = dgd({"Frontend": frontend()})
    assert _decide(doc, _caps(False, False)).pathway == "component"


def test_trace_names_each_input_of_the_decision():
    decision = _decide(_doc(True, {GROVE_ANN: "false"}), _caps(True, False))
    steps = [t.step for t in decision.trace]
    assert steps[:4] == ["Grove enabled in the operator", "LWS enabled in the operator",
                         f"annotation {GROVE_ANN}", "multinode services"]
    assert "worker (2 nodes)" in decision.trace[3].outcome


# --- workload-provider (1.5: written by the webhook at create, authoritative afterwards) --------------

def _newer_caps(grove_enabled: bool, lws_enabled: bool, version: str = "1.5.0"):
    # the durable provider annotation exists from the 1.5 line (#12942, #13273)
    return caps(grove=grove_enabled, lws=lws_enabled, volcano=lws_enabled, version=version)


def _live(doc: dict, c) -> pathway.PathwayDecision:
    """A live DGD: its stored annotations are final."""
    return pathway.decide(graph(doc), c, creating=False)


@pytest.mark.parametrize("version", ["1.1.0", "1.4.2"], ids=["1.1", "1.4 (the line before the provider)"])
def test_operators_before_1_5_ignore_the_workload_provider_annotation(version):
    decision = _live(_doc(True, {PROVIDER_ANN: "component"}), _newer_caps(True, True, version))
    assert decision.pathway == "grove"
    step = next(t for t in decision.trace if t.step == f"annotation {PROVIDER_ANN}")
    assert "ignored" in step.outcome and "< 1.5.0" in step.outcome


PROVIDER_CASES = [
    pytest.param("grove", None, True, True, "grove", id="provider grove with grove enabled: grove"),
    pytest.param("grove", "false", True, False, "grove", id="provider grove wins over a later enable-grove false"),
    pytest.param("grove", None, False, True, "failed", id="provider grove without grove enabled: selected provider unavailable"),
    pytest.param("component", None, True, True, "component", id="provider component wins over grove being enabled"),
    pytest.param("component", None, True, False, "failed", id="provider component, multinode, no lws: no multinode orchestrator"),
    pytest.param("Component", None, False, True, "failed", id="provider value is matched case-sensitively: Component is unsupported"),
    pytest.param("disaggregatedset", None, False, True, "failed",
                 id="provider disaggregatedset without the DisaggregatedSet API: selected provider unavailable"),
    pytest.param("lws", None, True, True, "failed", id="an unknown provider is unsupported"),
]


@pytest.mark.parametrize(("provider", "enable_grove", "grove_enabled", "lws_enabled", "expected"), PROVIDER_CASES)
def test_stored_workload_provider_of_a_live_dgd(provider, enable_grove, grove_enabled, lws_enabled, expected):
    annotations = {PROVIDER_ANN: provider}
    if enable_grove is not None:
        annotations[GROVE_ANN] = enable_grove
    decision = _live(_doc(True, annotations), _newer_caps(grove_enabled, lws_enabled))
    assert decision.pathway == expected
    assert any(t.step == f"annotation {PROVIDER_ANN}" for t in decision.trace)
    if expected == "failed":
        assert decision.failure


def test_unsupported_provider_names_the_reason():
    decision = _live(_doc(True, {PROVIDER_ANN: "lws"}), _newer_caps(True, True))
    assert "unsupported_workload_provider" in decision.trace[-1].outcome
    decision = _live(_doc(True, {PROVIDER_ANN: "grove"}), _newer_caps(False, True))
    assert "selected_workload_provider_unavailable" in decision.trace[-1].outcome


@pytest.mark.parametrize(
    ("grove_enabled", "enable_grove", "written"),
    [
        pytest.param(True, None, "grove", id="grove enabled, no opt-out: the webhook writes grove"),
        pytest.param(True, "false", "component", id="grove enabled, opted out: the webhook writes component"),
        pytest.param(False, None, "component", id="grove not enabled: the webhook writes component"),
    ],
)
def test_a_files_provider_is_replaced_at_create(grove_enabled, enable_grove, written):
    annotations = {PROVIDER_ANN: "lws"}
    if enable_grove is not None:
        annotations[GROVE_ANN] = enable_grove
    decision = pathway.decide(graph(_doc(True, annotations)), _newer_caps(grove_enabled, True), creating=True)
    assert decision.provider == written
    assert decision.pathway == ("grove" if written == "grove" else "component")
    step = next(t for t in decision.trace if t.step == f"annotation {PROVIDER_ANN}")
    assert f"replaced at create by '{written}'" in step.outcome


@pytest.mark.parametrize(
    ("version", "creating", "code"),
    [
        pytest.param("1.5.0", True, "WORKLOAD_PROVIDER_IGNORED", id="1.5 file: the value is reported as ignored"),
        pytest.param("1.4.0", True, "ANNOTATION_IGNORED", id="1.4 file: the operator does not read it at all"),
        pytest.param("1.5.0", False, None, id="1.5 live DGD with a valid stored value: no finding"),
    ],
)
def test_provider_findings_on_both_sides_of_1_5(version, creating, code):
    from kubectl_dynamo.dgd import rules

    found = rules.validate(graph(_doc(True, {PROVIDER_ANN: "grove"})), {}, version, creating=creating)
    provider_codes = [f.code for f in found if PROVIDER_ANN in f.message]
    assert provider_codes == ([code] if code else [])


def test_a_legacy_live_dgd_without_a_provider_is_adopted_from_its_intent():
    decision = _live(_doc(True, {GROVE_ANN: "false"}), _newer_caps(True, True))
    assert decision.provider == "component" and decision.pathway == "component"
    assert "adopted from the current intent" in next(t.outcome for t in decision.trace if t.step == f"annotation {PROVIDER_ANN}")


# --- capabilities.resolve (§1.2) ------------------------------------------------------------------

RESOLVE_GROVE = [
    pytest.param(None, False, False, False, id="grove config unset and api missing: disabled"),
    pytest.param(None, True, True, False, id="grove config unset and api served: auto-detected"),
    pytest.param(False, True, False, False, id="grove config false forces it off although the api is served"),
    pytest.param(False, False, False, False, id="grove config false with the api missing: off"),
    pytest.param(True, True, True, False, id="grove config true with the api served: on"),
    pytest.param(True, False, False, True, id="grove config true with the api missing: the operator exits"),
]


@pytest.mark.parametrize(("configured", "detected", "enabled", "problem"), RESOLVE_GROVE)
def test_resolve_grove(configured, detected, enabled, problem):
    c = capabilities.resolve(Detected(grove=detected), OrchestratorConfig(grove=configured), "1.1.0")
    assert c.grove is enabled
    assert bool(c.problems) is problem
    if problem:
        assert "grove.io" in c.problems[0] and "exits" in c.problems[0]


RESOLVE_KAI = [
    pytest.param(None, True, True, False, id="kai config unset and api served: auto-detected"),
    pytest.param(None, False, False, False, id="kai config unset and api missing: disabled"),
    pytest.param(False, True, False, False, id="kai config false (the default helm values) forces it off"),
    pytest.param(True, False, False, True, id="kai config true with scheduling.run.ai missing: the operator exits"),
]


@pytest.mark.parametrize(("configured", "detected", "enabled", "problem"), RESOLVE_KAI)
def test_resolve_kai_scheduler(configured, detected, enabled, problem):
    c = capabilities.resolve(Detected(kai=detected), OrchestratorConfig(kai_scheduler=configured), "1.1.0")
    assert c.kai_scheduler is enabled
    assert bool(c.problems) is problem
    if problem:
        assert "scheduling.run.ai" in c.problems[0]


RESOLVE_LWS = [
    pytest.param(None, True, True, "1.1.0", True, False, id="lws and volcano served, config unset: lws enabled"),
    pytest.param(None, True, False, "1.1.0", False, False, id="lws served without volcano, config unset: lws not enabled"),
    pytest.param(None, False, True, "1.1.0", False, False, id="volcano alone does not enable lws"),
    pytest.param(True, True, False, "1.1.0", False, True, id="lws config true without volcano: the operator exits"),
    pytest.param(True, False, True, "1.1.0", False, True, id="lws config true without the lws api: the operator exits"),
    pytest.param(True, True, True, "1.1.0", True, False, id="lws config true with both apis: enabled"),
    pytest.param(False, True, True, "1.1.0", False, False, id="lws config false forces it off"),
    pytest.param(None, True, False, "0.6.0", True, False, id="operator older than 0.6.1 enables lws without volcano"),
    pytest.param(None, True, False, "0.6.1", False, False, id="operator 0.6.1 needs volcano next to lws"),
]


@pytest.mark.parametrize(("configured", "lws", "volcano", "version", "enabled", "problem"), RESOLVE_LWS)
def test_resolve_lws(configured, lws, volcano, version, enabled, problem):
    c = capabilities.resolve(Detected(lws=lws, volcano=volcano), OrchestratorConfig(lws=configured), version)
    assert c.lws is enabled
    assert c.volcano is volcano
    assert bool(c.problems) is problem


def test_lws_without_volcano_explains_why():
    c = capabilities.resolve(Detected(lws=True), None, "1.1.0")
    assert "scheduling.volcano.sh" in c.reasons["lws"]


@pytest.mark.parametrize(
    ("config", "detected", "expect_grove", "expect_kai"),
    [
        pytest.param(OrchestratorConfig(grove=False, kai_scheduler=False), Detected(grove=True, kai=True), True, True,
                     id="operator before 1.0 ignores a config that disables grove and kai"),
        pytest.param(OrchestratorConfig(grove=True, kai_scheduler=True), Detected(), False, False,
                     id="operator before 1.0 ignores a config that forces grove and kai on"),
    ],
)
def test_operator_before_1_0_has_no_config_overrides(config, detected, expect_grove, expect_kai):
    c = capabilities.resolve(detected, config, "0.9.1")
    assert (c.grove, c.kai_scheduler) == (expect_grove, expect_kai)
    assert c.problems == []


@pytest.mark.parametrize(
    ("version", "grove", "kai"),
    [
        pytest.param("0.3.2", False, False, id="operator 0.3 predates grove and kai"),
        pytest.param("0.4.0", True, False, id="operator 0.4.0 detects grove but predates kai"),
        pytest.param("0.5.0", True, True, id="operator 0.5.0 detects grove and kai"),
    ],
)
def test_old_operators_predate_grove_and_kai(version, grove, kai):
    c = capabilities.resolve(Detected(grove=True, kai=True), None, version)
    assert (c.grove, c.kai_scheduler) == (grove, kai)


def test_resolve_without_a_version_mirrors_the_newest_known_line():
    c = capabilities.resolve(Detected(grove=True), None, None)
    assert c.operator_version == versions.NEWEST_KNOWN
    assert c.mirrored_version == versions.NEWEST_KNOWN


# --- parse_assume / assumed -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("grove,kai", Detected(grove=True, kai=True), id="grove and kai"),
        pytest.param("lws,volcano", Detected(lws=True, volcano=True), id="lws and volcano"),
        pytest.param("none", Detected(), id="none means nothing installed"),
        pytest.param(" Grove , KAI ", Detected(grove=True, kai=True), id="words are trimmed and case-insensitive"),
        pytest.param("grove,grove", Detected(grove=True), id="a repeated word is harmless"),
        pytest.param("grove,kai,lws,volcano", Detected(True, True, True, True), id="all four"),
    ],
)
def test_parse_assume(value, expected):
    assert capabilities.parse_assume(value) == expected


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        pytest.param("", "comma-separated", id="an empty list is refused"),
        pytest.param(" , ,", "comma-separated", id="a list of blanks is refused"),
        pytest.param("grove,bogus", "'bogus'", id="an unknown word is named in the error"),
        pytest.param("kai-scheduler", "'kai-scheduler'", id="the long kai name is not an assume word"),
        pytest.param("none,grove", "'none' cannot be combined", id="none cannot be combined with a capability"),
    ],
)
def test_parse_assume_errors(value, needle):
    with pytest.raises(ValueError, match="--assume") as err:
        capabilities.parse_assume(value)
    assert needle in str(err.value)


def test_assumed_capabilities_resolve_like_auto_detect():
    c = capabilities.assumed("lws", None)
    assert c.source == "assumed"
    assert c.lws is False  # LWS alone is not enough on the newest line
    assert c.version_assumed is True
    assert c.operator_version == versions.NEWEST_KNOWN
    c = capabilities.assumed("grove,kai", "0.9.0")
    assert (c.grove, c.kai_scheduler, c.lws) == (True, True, False)
    assert c.version_assumed is False
    assert c.operator_version == "0.9.0"
