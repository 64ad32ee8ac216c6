"""The version-compatibility rules R1-R14 (reference/compatibility.md §5) on both sides of each
bound, the version ordering they stand on, and --assume with versions."""

from __future__ import annotations

import pytest

from kubectl_dynamo.dgd import capabilities, compat
from kubectl_dynamo.dgd.compat import FAIL, PASS, SKIP, WARN, CompatFacts, ComponentVersions

from .builders import caps, codes, dgd, explain, vllm_worker

ALL = {"grove": True, "kai": True, "lws": True, "volcano": True}


def F(operator=None, grove=None, kai=None, lws=None, volcano=None, kubernetes=None, **kw) -> CompatFacts:
    kw.setdefault("installed", dict(ALL))
    return CompatFacts(versions=ComponentVersions(operator, grove, kai, lws, volcano, kubernetes), **kw)


def a(n) -> str:
    return f"v0.1.0-alpha.{n}"


# --- ordering -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("low", "high"),
    [
        pytest.param(a("12-rc1"), a("12-rc2"), id="rc1 < rc2"),
        pytest.param(a("12-rc2"), a(12), id="a release candidate precedes its alpha"),
        pytest.param(a(12), a(13), id="alpha.12 < alpha.13"),
        pytest.param(a(9), a(10), id="numeric, not lexical: alpha.9 < alpha.10"),
        pytest.param(a(14), "v0.1.0", id="an alpha precedes the release"),
        pytest.param("v0.13.0-rc1", "v0.13.0", id="KAI rc precedes its release"),
        pytest.param("v0.13.4", "v0.14.1", id="plain semver"),
        pytest.param("v1.34.2", "v1.36.0+k3s1", id="build metadata does not order"),
    ],
)
def test_version_keys(low, high):
    assert compat.key(low) < compat.key(high)
    assert compat.below(low, high) and compat.at_least(high, low)


def test_unreadable_versions_are_unknown_not_old():
    assert compat.key("latest") is None and compat.below("latest", "v0.17.0") is None
    assert compat.kube_minor("v1.34.2-eks-113cf36") == (1, 34)


# --- R1 ... R14: each on both sides -----------------------------------------------------------------

CASES = [
    # R1 operator image vs chart
    pytest.param(compat.r1_operator_image, F("1.3.1", operator_chart_version="1.4.0"), FAIL, id="R1 image older than chart: fail"),
    pytest.param(compat.r1_operator_image, F("1.4.0", operator_chart_version="1.4.0"), PASS, id="R1 image matches chart: pass"),
    pytest.param(compat.r1_operator_image, F("1.4.1", operator_chart_version="1.4.0"), WARN, id="R1 image newer than chart: warn"),
    pytest.param(compat.r1_operator_image, F("1.4.0"), SKIP, id="R1 no --operator-version: skip"),
    # R2 ClusterTopology operator with a renamed Grove API
    pytest.param(compat.r2_topology_api_renamed, F("1.3.1", a(9), topology_dgds=["tas"]), FAIL, id="R2 1.3 + alpha.9 + topology DGD: fail"),
    pytest.param(compat.r2_topology_api_renamed, F("1.3.1", a(9), topology_dgds=[]), WARN, id="R2 1.3 + alpha.9, no topology DGD: warn"),
    pytest.param(compat.r2_topology_api_renamed, F("1.3.1", a(8), topology_dgds=["tas"]), PASS, id="R2 1.3 + alpha.8: pass"),
    pytest.param(compat.r2_topology_api_renamed, F("1.4.0", a(9), topology_dgds=["tas"]), PASS, id="R2 1.4 reads the Binding: pass"),
    pytest.param(compat.r2_topology_api_renamed, F("1.2.1", grove_topology_api="ClusterTopologyBinding", topology_dgds=["tas"]),
                 FAIL, id="R2 the CRD set alone decides when the version is unknown"),
    # R3 Binding operator with an old Grove
    pytest.param(compat.r3_topology_binding_missing, F("1.4.0", a(8)), FAIL, id="R3 1.4 + alpha.8: fail"),
    pytest.param(compat.r3_topology_binding_missing, F("1.4.0", a(9)), PASS, id="R3 1.4 + alpha.9: pass"),
    pytest.param(compat.r3_topology_binding_missing, F("1.3.1", a(8)), PASS, id="R3 1.3 is not affected"),
    # R4 Grove floor per line
    pytest.param(compat.r4_grove_floor, F("1.0.2", a(5)), WARN, id="R4 1.0 below alpha.6: warn"),
    pytest.param(compat.r4_grove_floor, F("1.0.2", a(6)), PASS, id="R4 1.0 at alpha.6: pass"),
    pytest.param(compat.r4_grove_floor, F("1.1.1", a(7)), WARN, id="R4 1.1 below alpha.8: warn"),
    pytest.param(compat.r4_grove_floor, F("1.3.0", a(8)), PASS, id="R4 1.3 at alpha.8: pass"),
    pytest.param(compat.r4_grove_floor, F("1.4.2", a(8)), FAIL, id="R4 1.4 below alpha.9: fail"),
    pytest.param(compat.r4_grove_floor, F("1.4.2", a(11)), WARN, id="R4 1.4 below alpha.12-rc1: warn"),
    pytest.param(compat.r4_grove_floor, F("1.4.2", a("12-rc1")), PASS, id="R4 1.4 at alpha.12-rc1: pass"),
    pytest.param(compat.r4_grove_floor, F("1.5.0", a(12)), FAIL, id="R4 1.5 below alpha.13: fail"),
    pytest.param(compat.r4_grove_floor, F("1.5.0", a(13)), PASS, id="R4 1.5 at alpha.13: pass"),
    pytest.param(compat.r4_grove_floor, F("1.6.0", a(13)), FAIL, id="R4 1.6 below alpha.14: fail"),
    pytest.param(compat.r4_grove_floor, F("1.6.0", a(14)), PASS, id="R4 1.6 at alpha.14: pass"),
    pytest.param(compat.r4_grove_floor, F("1.7.0", a(13)), FAIL, id="R4 a newer operator uses the newest row"),
    pytest.param(compat.r4_grove_floor, F("1.6.0", a(13), installed={}), SKIP, id="R4 Grove not installed: skip"),
    # R5 KAI floor per line
    pytest.param(compat.r5_kai_floor, F("1.0.1", kai="v0.13.0-rc1"), WARN, id="R5 1.0 below v0.13.0: warn"),
    pytest.param(compat.r5_kai_floor, F("1.0.1", kai="v0.13.0"), PASS, id="R5 1.0 at v0.13.0: pass"),
    pytest.param(compat.r5_kai_floor, F("1.4.2", kai="v0.13.3"), WARN, id="R5 1.4 below v0.13.4: warn"),
    pytest.param(compat.r5_kai_floor, F("1.4.2", kai="v0.13.4"), PASS, id="R5 1.4 at v0.13.4: pass"),
    pytest.param(compat.r5_kai_floor, F("1.5.0", kai="v0.16.3"), FAIL, id="R5 1.5 below v0.17.0: fail"),
    pytest.param(compat.r5_kai_floor, F("1.6.0", kai="v0.17.0"), PASS, id="R5 1.6 at v0.17.0: pass"),
    # R6 Grove's KAI backend needs KAI >= v0.15.0
    pytest.param(compat.r6_grove_kai_backend, F(grove=a(12), kai="v0.14.1"), FAIL, id="R6 alpha.12 + KAI 0.14: fail"),
    pytest.param(compat.r6_grove_kai_backend, F(grove=a(12), kai="v0.15.0"), PASS, id="R6 alpha.12 + KAI 0.15: pass"),
    pytest.param(compat.r6_grove_kai_backend, F(grove=a("12-rc1"), kai="v0.13.4"), PASS, id="R6 alpha.12-rc1 has no KAI backend"),
    pytest.param(compat.r6_grove_kai_backend, F(grove=a("12-rc2"), kai="v0.13.4"), FAIL, id="R6 alpha.12-rc2 has it"),
    pytest.param(compat.r6_grove_kai_backend, F(kai="v0.13.4", grove_kai_backend=True), FAIL, id="R6 runtime evidence decides"),
    # R7 stale-gang eviction
    pytest.param(compat.r7_kai_staleness, F(grove=a(13), kai_staleness="30s", kai_staleness_known=True), WARN,
                 id="R7 kai profile on (alpha.13 default) and eviction on: warn"),
    pytest.param(compat.r7_kai_staleness, F(grove=a(13), kai_staleness="-1", kai_staleness_known=True), PASS, id="R7 -1: pass"),
    pytest.param(compat.r7_kai_staleness, F(grove=a(13), kai_staleness="-1s", kai_staleness_known=True), PASS, id="R7 -1s: pass"),
    pytest.param(compat.r7_kai_staleness, F(grove=a(12), kai_staleness=None, kai_staleness_known=True), PASS,
                 id="R7 alpha.12 without the kai profile: pass"),
    pytest.param(compat.r7_kai_staleness, F(grove=a(12), grove_profiles=["kai-scheduler"], kai_staleness_known=True), WARN,
                 id="R7 profile read as active and no setting: warn"),
    # R8 scale from zero on alpha.12
    pytest.param(compat.r8_grove_scale_from_zero, F(grove=a(12), scaled_dgds=["x"]), WARN, id="R8 alpha.12 + scaled DGD: warn"),
    pytest.param(compat.r8_grove_scale_from_zero, F(grove=a(12), scaled_dgds=[]), PASS, id="R8 alpha.12, nothing scaled: pass"),
    pytest.param(compat.r8_grove_scale_from_zero, F(grove=a(13), scaled_dgds=["x"]), PASS, id="R8 alpha.13 has the fix: pass"),
    pytest.param(compat.r8_grove_scale_from_zero, F(grove=a("12-rc1"), scaled_dgds=["x"]), PASS, id="R8 rc1 predates it"),
    # R9 Volcano on Grove
    pytest.param(compat.r9_volcano_on_grove, F(grove=a(14), volcano_scheduler=True, kai_enabled=True), FAIL, id="R9 KAI and Volcano: fail"),
    pytest.param(compat.r9_volcano_on_grove, F(grove=a(9), volcano_scheduler=True), FAIL, id="R9 Grove before alpha.10: fail"),
    pytest.param(compat.r9_volcano_on_grove, F(grove=a(11), volcano_scheduler=True, grove_profiles=["kai-scheduler"]), FAIL,
                 id="R9 volcano profile missing: fail"),
    pytest.param(compat.r9_volcano_on_grove, F(grove=a(11), volcano_scheduler=True, grove_profiles=["volcano"]), PASS,
                 id="R9 volcano profile on: pass"),
    pytest.param(compat.r9_volcano_on_grove, F(grove=a(9)), PASS, id="R9 not enabled: pass"),
    # R10 KAI binder on Kubernetes 1.36 with DRA
    pytest.param(compat.r10_kai_dra_binding, F(kai="v0.14.0", kubernetes="v1.36.0", dra_in_use=True), FAIL, id="R10 1.36 + DRA + KAI 0.14.0"),
    pytest.param(compat.r10_kai_dra_binding, F(kai="v0.14.1", kubernetes="v1.36.0", dra_in_use=True), PASS, id="R10 KAI 0.14.1: pass"),
    pytest.param(compat.r10_kai_dra_binding, F(kai="v0.14.0", kubernetes="v1.35.3", dra_in_use=True), PASS, id="R10 Kubernetes 1.35"),
    pytest.param(compat.r10_kai_dra_binding, F(kai="v0.14.0", kubernetes="v1.36.0", dra_in_use=False), PASS, id="R10 no DRA"),
    # R11 Kubernetes floors
    pytest.param(compat.r11_kubernetes, F("1.3.0", kubernetes="v1.29.9"), FAIL, id="R11 1.3 on Kubernetes 1.29: fail"),
    pytest.param(compat.r11_kubernetes, F("1.3.0", kubernetes="v1.30.0"), PASS, id="R11 1.3 on Kubernetes 1.30: pass"),
    pytest.param(compat.r11_kubernetes, F("1.2.1", kubernetes="v1.29.9"), PASS, id="R11 1.2 has no 1.30 floor"),
    pytest.param(compat.r11_kubernetes, F("1.5.0", kubernetes="v1.33.1", dra_features=["gms"]), FAIL, id="R11 GMS below 1.34: fail"),
    pytest.param(compat.r11_kubernetes, F("1.5.0", kubernetes="v1.34.0", dra_features=["gms"]), PASS, id="R11 GMS on 1.34: pass"),
    # R12 driver for CUDA 13 images
    pytest.param(compat.r12_driver, F("1.3.0", driver_versions={"gpu-1": 575}), FAIL, id="R12 1.3 + driver 575: fail"),
    pytest.param(compat.r12_driver, F("1.3.0", driver_versions={"gpu-1": 580}), PASS, id="R12 1.3 + driver 580: pass"),
    pytest.param(compat.r12_driver, F("1.2.1", driver_versions={"gpu-1": 575}), PASS, id="R12 1.2 still ships CUDA 12"),
    # R13 DisaggregatedSet
    pytest.param(compat.r13_disaggregated_set, F(lws="v0.8.0", ds_dgds=["ds"], ds_api=True), WARN, id="R13 LWS 0.8: warn"),
    pytest.param(compat.r13_disaggregated_set, F(lws="v0.9.0", ds_dgds=["ds"], ds_api=True), PASS, id="R13 LWS 0.9: pass"),
    pytest.param(compat.r13_disaggregated_set, F(lws="v0.9.0", ds_dgds=["ds"], ds_api=False), WARN, id="R13 API not served: warn"),
    pytest.param(compat.r13_disaggregated_set, F(ds_dgds=[]), PASS, id="R13 nobody asks: pass"),
    # R14 PodClique names
    pytest.param(compat.r14_podclique_names, F(long_podcliques=[("x", "y" * 58)]), WARN, id="R14 a 58-character clique: warn"),
    pytest.param(compat.r14_podclique_names, F(long_podcliques=[]), PASS, id="R14 none over 57: pass"),
    pytest.param(compat.r14_podclique_names, F(), SKIP, id="R14 DGDs not read: skip"),
]


@pytest.mark.parametrize(("rule", "facts", "status"), CASES)
def test_rule_on_both_sides_of_its_bound(rule, facts, status):
    result = rule(facts)
    assert result.status == status, result
    assert result.summary and result.id.startswith("compat.")
    if status in (FAIL, WARN):
        assert result.detail and result.hint, "a problem names the symptom and the versions to move to"


def test_every_rule_has_cases_and_a_distinct_id():
    covered = {p.values[0] for p in CASES}
    assert covered == set(compat.RULES)
    results = compat.check_all(CompatFacts())
    assert [r.rule for r in results] == [f"R{i}" for i in range(1, 15)]
    assert len({r.id for r in results}) == 14
    assert all(r.status in (SKIP, PASS) for r in results), "nothing known: nothing claimed"


def test_symptoms_quote_the_upstream_error_text():
    r2 = compat.r2_topology_api_renamed(F("1.2.1", a(11), topology_dgds=["x"]))
    assert 'no matches for kind "ClusterTopology" in version "grove.io/v1alpha1"' in r2.detail
    r1 = compat.r1_operator_image(F("1.3.1", operator_chart_version="1.4.0"))
    assert "flag provided but not defined: -operator-image" in r1.detail
    r9 = compat.r9_volcano_on_grove(F(grove=a(14), volcano_scheduler=True, kai_enabled=True))
    assert "mutually exclusive" in r9.detail


# --- --assume with versions -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "versions"),
    [
        pytest.param("grove@v0.1.0-alpha.13,kai@v0.17.0", {"grove": a(13), "kai": "v0.17.0"}, id="grove and kai versions"),
        pytest.param("lws@v0.9.0,disaggregatedset", {"lws": "v0.9.0"}, id="lws version with the DisaggregatedSet API"),
        pytest.param("grove,kubernetes@1.34.2", {"kubernetes": "1.34.2"}, id="a Kubernetes version"),
        pytest.param(" Grove @ v0.1.0-alpha.12 ", {"grove": a(12)}, id="spaces and case around the @"),
    ],
)
def test_assume_takes_versions(value, versions):
    c = capabilities.assumed(value, None)
    got = {k: v for k, v in c.component_versions.to_dict().items() if v and k != "operator"}
    assert got == versions
    assert c.component_versions.operator == c.mirrored_version


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("grove@latest", "is not a version", id="a tag that is not a version"),
        pytest.param("none@1.0.0", "takes no version", id="none takes no version"),
        pytest.param("kubernetes", "needs a version", id="kubernetes without a version"),
        pytest.param("grove@v0.1.0-alpha.12,grove@v0.1.0-alpha.13", "two versions", id="two versions of one component"),
        pytest.param("grovy@v0.1.0", "unknown capability 'grovy'", id="a misspelt component"),
    ],
)
def test_assume_version_errors(value, message):
    with pytest.raises(ValueError, match=message):
        capabilities.assumed(value, None)


def test_offline_explain_reports_the_skews_of_assumed_versions():
    e = explain(dgd({"worker": vllm_worker(8, nodes=2, gpu="4")}), capabilities.assumed("grove@v0.1.0-alpha.12,kai@v0.14.1", "1.5.0"))
    skews = [f.message for f in e.findings if f.code == "VERSION_SKEW"]
    assert any(m.startswith("R4 ") for m in skews) and any(m.startswith("R5 ") for m in skews)
    assert any(m.startswith("R6 ") for m in skews)  # alpha.12 runs its KAI backend, KAI 0.14 ignores skip-podgrouper
    fine = explain(dgd({"worker": vllm_worker(8, nodes=2, gpu="4")}), capabilities.assumed("grove@v0.1.0-alpha.13,kai@v0.17.0", "1.5.0"))
    assert "VERSION_SKEW" not in codes(fine.findings)


def test_a_topology_constraint_meets_a_renamed_grove_api():
    doc = dgd(topologyConstraint={"topologyProfile": "rack", "packDomain": "rack"})
    bad = explain(doc, capabilities.assumed("grove@v0.1.0-alpha.11", "1.3.0"))
    assert any(f.message.startswith("R2 ") and f.severity == "error" for f in bad.findings)
    assert not any(f.message.startswith("R2 ") for f in explain(dgd(), capabilities.assumed("grove@v0.1.0-alpha.11", "1.3.0")).findings)


def test_skews_are_not_guessed_without_versions():
    assert "VERSION_SKEW" not in codes(explain(dgd(), caps(grove=True, kai=True, version="1.6.0")).findings)
