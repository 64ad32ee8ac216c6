"""Operator lines 1.0 ... 1.6: each behaviour change of operator-newest.md and compatibility.md §4,
checked on both sides of the release that introduced it, and the 1.1 facts of operator-newest.md
§7 that the mirror used to miss."""

from __future__ import annotations

import pytest

from kubectl_dynamo.dgd import capabilities, launch, model, names, rules
from kubectl_dynamo.dgd.capabilities import Detected, OrchestratorConfig

from .builders import (
    caps,
    codes,
    component_v1beta1,
    dgd,
    dgd_v1beta1,
    explain,
    frontend,
    graph,
    service_plan,
    sglang_worker,
    trtllm_worker,
    vllm_worker,
)

GROVE_ANN = "nvidia.com/enable-grove"
DS_ANN = "nvidia.com/enable-disaggregatedset"
EXECUTOR = "nvidia.com/vllm-distributed-executor-backend"


def _long(name: str = "a-very-long-deployment-name-for-the-grove-path", svc: str = "decodeworker") -> dict:
    return dgd({"Frontend": frontend(), svc: vllm_worker(8, nodes=2, gpu="4", component_type="decode")}, name=name)


# --- §1 PodCliqueSet names are shortened, not rejected ----------------------------------------------

@pytest.mark.parametrize(
    ("version", "pcs", "rejected"),
    [
        pytest.param("1.1.0", "a-very-long-deployment-name-for-the-grove-path", True, id="1.1 keeps the name and rejects it"),
        pytest.param("1.2.0", None, False, id="1.2 shortens the PodCliqueSet name and accepts it"),
        pytest.param("1.6.0", None, False, id="1.6 shortens it the same way"),
    ],
)
def test_long_dgd_name_on_both_sides_of_the_truncation(version, pcs, rejected):
    doc = _long()
    e = explain(doc, caps(grove=True, version=version))
    expected = pcs or names.shortened_pcs_name(graph(doc).name, graph(doc).services)
    assert e.objects[0].to_dict() == {"kind": "PodCliqueSet", "name": expected}
    assert ("NAME_BUDGET" in codes(e.findings)) is rejected
    if not rejected:
        # every Grove object name is built on the shortened name
        worker = next(s for s in e.services if s.name == "decodeworker")
        assert all(o.name.startswith(expected + "-0-decodeworker") for o in worker.objects)
        step = next(t for t in e.trace if t.step == "PodCliqueSet name")
        assert "boundary uncertain" in step.outcome


@pytest.mark.parametrize(
    ("dgd_name", "svc", "expected"),
    [
        # budget = 45 - (12 + 16) = 17: first 12 characters, a hyphen, 4 hex digits of FNV-1a
        pytest.param("a-very-long-deployment-name", "decodeworker", "a-very-long--{h}", id="cut at budget-5 and hashed"),
        pytest.param("short", "decodeworker", "short", id="a name within the budget is kept"),
        pytest.param("x" * 17, "decodeworker", "x" * 17, id="exactly the budget is kept"),
        pytest.param("x" * 18, "decodeworker", "x" * 12 + "-{h}", id="one over the budget is shortened"),
        pytest.param("n" * 30, "w" * 20, "nnn-{h}", id="the PCS-name budget never goes below 8 characters"),
    ],
)
def test_pcs_name_for_dgd(dgd_name, svc, expected):
    g = graph(dgd({svc: vllm_worker(8, nodes=2, gpu="4")}, name=dgd_name))
    got = names.shortened_pcs_name(dgd_name, g.services)
    h = f"{names.fnv1a_32(dgd_name.encode()) & 0xFFFF:04x}"
    assert got == expected.format(h=h)
    assert len(got) <= max(names.pcs_budget(g.services), 8)


def test_the_webhook_still_rejects_a_component_that_alone_overflows():
    doc = dgd({"a" * 20: vllm_worker(8, nodes=2, gpu="4")}, name="abcdefghij")
    found = [f for f in rules.validate(graph(doc), {}, "1.6.0") if f.code == "NAME_BUDGET"]
    assert found and "shortened to" in found[0].message and "8 + 44 = 52" in found[0].message


# --- §2 the name check needs Grove ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("version", "checked"),
    [pytest.param("1.1.0", True, id="1.1 checks the budget whatever is installed"),
     pytest.param("1.2.0", False, id="newer operators check only on the Grove pathway")],
)
def test_name_check_without_grove(version, checked):
    e = explain(dgd(name="d" * 30), caps(lws=True, volcano=True, version=version))
    assert e.pathway == "component"
    assert ("NAME_BUDGET" in codes(e.findings)) is checked


def test_no_budget_check_before_1_0():
    assert "NAME_BUDGET" not in codes(rules.validate(graph(dgd(name="d" * 30)), {}, "0.9.0"))
    assert "NAME_BUDGET" in codes(rules.validate(graph(dgd(name="d" * 30)), {}, "1.0.0"))


# --- §4 the DisaggregatedSet pathway ----------------------------------------------------------------

def _ds(**kw) -> dict:
    prefill = vllm_worker(8, nodes=2, gpu="4", component_type="prefill", **kw)
    decode = vllm_worker(8, nodes=2, gpu="4", component_type="decode")
    return dgd({"Frontend": frontend(), "prefill": prefill, "decode": decode}, annotations={DS_ANN: "true"})


def _ds_caps(version: str = "1.5.0", *, api: bool = True, lws: bool = True, volcano: bool = True):
    return caps(lws=lws, volcano=volcano, disaggregated_set=api, version=version)


@pytest.mark.parametrize(
    ("version", "provider"),
    [pytest.param("1.4.2", "component", id="1.4 ignores the annotation"),
     pytest.param("1.5.0", "disaggregatedset", id="1.5 runs the DisaggregatedSet program")],
)
def test_disaggregated_set_on_both_sides_of_1_5(version, provider):
    e = explain(_ds(), _ds_caps(version))
    assert e.workload_provider == provider
    kinds = [o.kind for o in e.objects]
    assert ("DisaggregatedSet" in kinds) is (provider == "disaggregatedset")
    if provider == "disaggregatedset":
        assert {s.name: [o.name for o in s.objects] for s in e.services if s.name != "Frontend"} == {
            "prefill": ["demo/prefill"], "decode": ["demo/decode"]}
        assert "boundary uncertain" in next(t.outcome for t in e.trace if t.step == f"annotation {DS_ANN}")


@pytest.mark.parametrize(
    ("doc", "c", "reason"),
    [
        pytest.param(_ds(), _ds_caps(api=False), "prerequisites are unavailable", id="no DisaggregatedSet API"),
        pytest.param(_ds(scalingAdapter={"enabled": True}), _ds_caps(), "uses scalingAdapter", id="a scaling adapter"),
        pytest.param(_ds(replicas=0), _ds_caps(), "zero for all selected roles or positive", id="mixed zero and positive replicas"),
        pytest.param(dgd({"decode": vllm_worker(8, nodes=2, gpu="4", component_type="decode")}, annotations={DS_ANN: "true"}),
                     _ds_caps(), "at least two eligible", id="only one multinode worker role"),
    ],
)
def test_disaggregated_set_preconditions_fall_back_to_the_component_pathway(doc, c, reason):
    e = explain(doc, c)
    assert e.workload_provider == "component" and e.pathway == "component"
    found = [f for f in e.findings if f.code == "DISAGGREGATED_SET_UNAVAILABLE"]
    assert found and reason in found[0].message
    assert any(o.kind == "LeaderWorkerSet" for s in e.services for o in s.objects)


def test_disaggregated_set_fallback_without_lws_and_volcano_fails():
    e = explain(_ds(), _ds_caps(api=False, volcano=False))
    assert e.pathway == "failed" and "NO_MULTINODE_ORCHESTRATOR" in codes(e.findings)


def test_disaggregated_set_needs_no_volcano():
    e = explain(_ds(), _ds_caps(volcano=False))
    assert e.workload_provider == "disaggregatedset" and e.pathway == "component"


def test_disaggregated_set_api_detection_in_capabilities():
    c = capabilities.resolve(Detected(lws=True, disaggregated_set=True), None, "1.5.0")
    assert c.disaggregated_set and c.to_dict()["disaggregatedSet"] is True
    assert not capabilities.resolve(Detected(lws=True, disaggregated_set=True), None, "1.4.0").disaggregated_set
    assert capabilities.assumed("disaggregatedset", None).disaggregated_set


def test_disaggregated_set_name_is_cut_to_31_characters_with_a_hash():
    g = graph(dgd(name="a" * 40))
    name = names.disaggregated_set(g)
    assert len(name) == 31 and name.startswith("a" * 22 + "-")
    assert names.disaggregated_set(graph(dgd(name="short"))) == "short"


# --- §5 GPU count: limits, then requests, then DRA claims --------------------------------------------

@pytest.mark.parametrize(
    ("version", "mode"),
    [pytest.param("1.3.1", "none", id="1.3 reads limits only: a requests-only vLLM worker gets nothing"),
     pytest.param("1.4.0", "mp", id="1.4 falls back to requests and launches mp")],
)
def test_requests_only_vllm_gpus_on_both_sides(version, mode):
    doc = dgd({"worker": vllm_worker(8, nodes=2, gpu=None, gpu_request="4")})
    p = service_plan(doc, caps(grove=True, version=version))
    assert p.launch.mode == mode
    assert ("GPU_REQUESTS_ONLY" in codes(rules.validate(graph(doc), {}, version))) is (mode == "none")


def _dra_doc() -> dict:
    w = vllm_worker(8, nodes=2, gpu=None)
    w["resources"] = {"claims": [{"name": "gpus"}]}
    w["extraPodSpec"]["resourceClaims"] = [{"name": "gpus", "resourceClaimTemplateName": "four-gpus"}]
    return dgd({"worker": w})


CLAIM_TEMPLATE = {"apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaimTemplate", "metadata": {"name": "four-gpus"},
                  "spec": {"spec": {"devices": {"requests": [{"name": "gpu", "exactly": {"deviceClassName": "gpu.nvidia.com",
                                                                                          "count": 4}}]}}}}


@pytest.mark.parametrize(
    ("version", "mode"),
    [pytest.param("1.3.1", "none", id="1.3 counts DRA-only GPUs as 0"),
     pytest.param("1.4.0", "mp", id="1.4 reads the GPU count from the claim template")],
)
def test_dra_gpus_on_both_sides(version, mode):
    claims = model.gpu_claims_by_name([CLAIM_TEMPLATE])
    assert claims == {("ResourceClaimTemplate", "four-gpus"): 4}
    p = service_plan(_dra_doc(), caps(grove=True, version=version), claims=claims)
    assert (p.gpus_per_node, p.total_gpus) == (4, 8)
    assert p.launch.mode == mode


# --- §6 minAvailable and the v1beta1 component types -------------------------------------------------

def _beta(min_available=None, replicas=2, ctype="decode", annotations=None) -> dict:
    comp = component_v1beta1("decode", ctype, nodes=2, gpu="4", command=["python3", "-m", "dynamo.vllm"],
                             args=["--tensor-parallel-size", "8"], replicas=replicas)
    if min_available is not None:
        comp["minAvailable"] = min_available
    return dgd_v1beta1([component_v1beta1("Frontend", "frontend", gpu=None), comp], annotations=annotations)


@pytest.mark.parametrize(
    ("doc", "c", "message"),
    [
        pytest.param(_beta(3), caps(grove=True, version="1.3.0"), "replicas must be 0 or greater", id="above replicas"),
        pytest.param(_beta(0), caps(grove=True, version="1.3.0"), "must be greater than 0", id="zero"),
        pytest.param(_beta(1), caps(lws=True, volcano=True, version="1.3.0"), "only for Grove-backed", id="not on Grove"),
    ],
)
def test_min_available_admission(doc, c, message):
    found = [f for f in explain(doc, c).findings if f.code == "MIN_AVAILABLE"]
    assert [f.severity for f in found] == ["error"] and message in found[0].message


def test_min_available_with_zero_replicas_and_on_grove_is_accepted():
    assert "MIN_AVAILABLE" not in codes(explain(_beta(3, replicas=0), caps(grove=True, version="1.3.0")).findings)
    e = explain(_beta(2), caps(grove=True, version="1.3.0"))
    assert "MIN_AVAILABLE" not in codes(e.findings)
    assert "becomes the PodCliqueScalingGroup's minAvailable" in next(t.outcome for t in e.trace if t.step == "minAvailable of decode")


def test_v1beta1_has_no_default_component_type():
    assert "UNKNOWN_COMPONENT_TYPE" in codes(rules.validate(graph(_beta(ctype="default")), {}, "1.6.0"))
    assert "UNKNOWN_COMPONENT_TYPE" not in codes(rules.validate(graph(_beta(ctype="epp")), {}, "1.6.0"))


# --- §8 seen in the newest code ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("version", "tp"),
    [pytest.param("1.4.2", 8, id="up to 1.4 the first numeric occurrence wins"),
     pytest.param("1.5.0", 16, id="from 1.5 the last occurrence wins")],
)
def test_repeated_tp_flag_on_both_sides(version, tp):
    doc = dgd({"worker": vllm_worker(nodes=2, gpu="8", args=["--tensor-parallel-size", "8", "--tensor-parallel-size", "16"])})
    p = service_plan(doc, caps(grove=True, version=version))
    # TP 8 fits on 8 GPUs (nothing injected); TP 16 spans both nodes (mp)
    assert p.launch.mode == ("none" if tp == 8 else "mp")


@pytest.mark.parametrize(
    ("version", "enabled", "problem"),
    [pytest.param("1.3.1", False, False, id="1.3 has no Volcano on Grove: the setting is unknown"),
     pytest.param("1.4.0", True, True, id="1.4 refuses KAI and Volcano together")],
)
def test_kai_and_volcano_scheduler_together(version, enabled, problem):
    c = capabilities.resolve(Detected(grove=True, kai=True, volcano=True), OrchestratorConfig(volcano_scheduler=True), version)
    assert c.volcano_scheduler is enabled
    assert any("mutually exclusive" in p for p in c.problems) is problem


def test_volcano_on_grove_uses_the_volcano_queue_annotation():
    c = capabilities.resolve(Detected(grove=True, volcano=True), OrchestratorConfig(volcano_scheduler=True), "1.4.0")
    doc = dgd(annotations={"nvidia.com/volcano-queue": "team-a"})
    e = explain(doc, c)
    worker = next(s for s in e.services if s.name == "worker")
    assert (worker.scheduler.name, worker.scheduler.queue) == ("volcano", "team-a")
    assert "scheduling.grove.io/volcano-queue" in next(t.outcome for t in e.trace if t.step == "Volcano scheduler on Grove")
    assert capabilities.assumed("grove,volcano-scheduler", "1.4.0").volcano_scheduler


def test_volcano_scheduler_needs_the_volcano_api():
    c = capabilities.resolve(Detected(grove=True), OrchestratorConfig(volcano_scheduler=True), "1.5.0")
    assert not c.volcano_scheduler and any("scheduling.volcano.sh is not served" in p for p in c.problems)


@pytest.mark.parametrize(
    ("version", "coherent"),
    [pytest.param("1.5.1", False, id="1.5 has no Coherent default"),
     pytest.param("1.6.0", True, id="1.6 defaults disaggregated Grove graphs to Coherent")],
)
def test_coherent_update_strategy(version, coherent):
    doc = dgd({"prefill": vllm_worker(8, nodes=2, gpu="4", component_type="prefill"),
               "decode": vllm_worker(8, nodes=2, gpu="4", component_type="decode")})
    steps = {t.step: t.outcome for t in explain(doc, caps(grove=True, version=version)).trace}
    assert ("PodCliqueSet update strategy" in steps) is coherent


@pytest.mark.parametrize(
    ("version", "aliases"),
    [pytest.param("1.5.1", False, id="1.5 has no rank aliases"), pytest.param("1.6.0", True, id="1.6 adds DYNAMO_RANK")],
)
def test_rank_aliases(version, aliases):
    p = service_plan(dgd(), caps(grove=True, version=version))
    assert any("DYNAMO_RANK" in x for x in p.launch.extras) is aliases


def test_rank_aliases_need_a_1_6_origin_on_a_live_dgd():
    doc = dgd(annotations={"nvidia.com/dynamo-operator-origin-version": "1.5.0"})
    p = service_plan(doc, caps(grove=True, version="1.6.0"), creating=False)
    assert not any("DYNAMO_RANK" in x for x in p.launch.extras)


@pytest.mark.parametrize(
    ("version", "init"),
    [pytest.param("1.4.2", True, id="up to 1.4 mp adds the wait-for-leader init even in the DP branch"),
     pytest.param("1.5.0", False, id="from 1.5 only when --distributed-executor-backend mp is on the command line")],
)
def test_wait_for_leader_init_in_the_dp_branch(version, init):
    doc = dgd({"worker": vllm_worker(2, dp=4, nodes=2, gpu="4")})
    p = service_plan(doc, caps(grove=True, version=version))
    assert p.launch.mode == "dp-hybrid-lb"
    assert any("wait-for-leader-mp" in x for x in p.launch.extras) is init


@pytest.mark.parametrize(
    ("version", "severity"),
    [pytest.param("1.3.1", None, id="1.3 has no runtime-version check"),
     pytest.param("1.4.2", "warning", id="1.4 may or may not enforce it"),
     pytest.param("1.5.0", "error", id="1.5 rejects a non-semver tag")],
)
def test_runtime_version_admission(version, severity):
    doc = dgd({"worker": vllm_worker(8, nodes=2, gpu="4", image="my-registry/vllm-runtime:my-tag")})
    found = [f.severity for f in rules.validate(graph(doc), {}, version) if f.code == "RUNTIME_VERSION"]
    assert found == ([severity] if severity else [])
    # a live DGD is ratcheted: nothing on update
    assert "RUNTIME_VERSION" not in codes(rules.validate(graph(doc), {}, version, creating=False))


@pytest.mark.parametrize(
    ("image", "ok"),
    [pytest.param("nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.6.1", True, id="a release tag"),
     pytest.param("registry:5000/vllm:v1.5", True, id="v1.5 with a registry port"),
     pytest.param("vllm@sha256:abc", False, id="a digest has no tag"),
     pytest.param("vllm", False, id="no tag at all"),
     pytest.param("vllm:latest", False, id="latest is not a version")],
)
def test_runtime_version_reads_the_tag(image, ok):
    doc = dgd({"worker": vllm_worker(8, nodes=2, gpu="4", image=image)})
    assert ("RUNTIME_VERSION" not in codes(rules.validate(graph(doc), {}, "1.5.0"))) is ok


def test_multiple_backends_in_one_command_and_backend_framework():
    args = ["--model", "m", "&&", "python3", "-m", "dynamo.sglang"]
    doc = dgd({"worker": vllm_worker(8, nodes=2, gpu="4", extra_args=args)})
    assert [f.severity for f in rules.validate(graph(doc), {}, "1.1.0") if f.code == "MULTIPLE_BACKENDS"] == ["error"]
    doc["spec"]["backendFramework"] = "vllm"
    assert [f.severity for f in rules.validate(graph(doc), {}, "1.1.0") if f.code == "MULTIPLE_BACKENDS"] == ["info"]


def test_workers_with_different_backends_only_matter_on_the_component_pathway():
    doc = dgd({"a": vllm_worker(4, gpu="4"), "b": sglang_worker(args=["--tp", "4"], gpu="4")})
    assert "MULTIPLE_BACKENDS" not in codes(explain(doc, caps(grove=True, version="1.5.0")).findings)
    assert "MULTIPLE_BACKENDS" in codes(explain(doc, caps(lws=True, volcano=True, version="1.5.0")).findings)


@pytest.mark.parametrize(
    ("version", "warned"),
    [pytest.param("1.6.2", False, id="a 1.6 patch is mirrored"), pytest.param("1.7.0", True, id="1.7 is newer than the mirror")],
)
def test_an_operator_newer_than_the_newest_line_is_said_to_be(version, warned):
    e = explain(dgd(), caps(grove=True, version=version))
    found = [f for f in e.findings if f.code == "OPERATOR_NEWER_THAN_MIRROR"]
    assert bool(found) is warned
    if warned:
        assert version in found[0].message and "1.6" in found[0].message
        assert "newer than the newest mirrored line 1.6" in e.trace[0].outcome


# --- §7 1.1 facts -----------------------------------------------------------------------------------

def test_trtllm_mpirun_forwards_the_operator_env_and_the_fixed_list_sorted():
    env = [{"name": "MY_VAR", "value": "1"}, {"name": "HF_TOKEN", "value": "x"}]
    doc = dgd({"worker": trtllm_worker(args=["--trtllm.tensor_parallel_size", "8"], nodes=2, gpu="4", env=env)},
              backend="trtllm", envs=[{"name": "GRAPH_VAR", "value": "1"}])
    p = service_plan(doc, caps(grove=True))
    forwarded = [p.launch.leader_args[i + 1] for i, a in enumerate(p.launch.leader_args) if a == "-x"]
    assert forwarded == sorted(set(forwarded))
    assert set(launch.MPI_COMMON_ENV) <= set(forwarded) and len(launch.MPI_COMMON_ENV) == 19
    assert {"MY_VAR", "GRAPH_VAR", "DYN_NAMESPACE", "POD_UID", "DYN_SYSTEM_PORT", "DYN_DISCOVERY_BACKEND",
            "OMPI_MCA_orte_keep_fqdn_hostnames"} <= set(forwarded)
    assert "DYN_NAMESPACE_WORKER_SUFFIX" not in forwarded  # Grove pods carry no worker-hash label
    lws = service_plan(doc, caps(lws=True, volcano=True))
    assert "DYN_NAMESPACE_WORKER_SUFFIX" in lws.launch.leader_args


@pytest.mark.parametrize(
    ("annotations", "extra"),
    [pytest.param({"nvidia.com/dynamo-discovery-backend": "etcd"}, set(), id="etcd discovery drops DYN_DISCOVERY_BACKEND"),
     pytest.param({"nvidia.com/dynamo-kube-discovery-mode": "container"}, {"CONTAINER_NAME", "DYN_KUBE_DISCOVERY_MODE"},
                  id="container discovery mode adds two names")],
)
def test_trtllm_mpirun_env_follows_discovery_annotations(annotations, extra):
    doc = dgd({"worker": trtllm_worker(args=[], nodes=2, gpu="4")}, backend="trtllm", annotations=annotations)
    env = set(launch.trtllm_mpi_env(graph(doc), graph(doc).service("worker"), "grove"))
    assert extra <= env
    assert ("DYN_DISCOVERY_BACKEND" in env) is ("etcd" not in annotations.values())


@pytest.mark.parametrize(
    ("backend_worker", "pathway_caps"),
    [pytest.param(sglang_worker(args=["--tp", "8"], nodes=2, gpu="4"), caps(), id="sglang and no orchestrator"),
     pytest.param(vllm_worker(8, nodes=2, gpu="4"), caps(grove=True, lws=False, version="1.1.0"), id="vllm on grove")],
)
def test_wait_leader_configmap_and_ssh_secret_for_every_multinode_dgd(backend_worker, pathway_caps):
    e = explain(dgd({"worker": backend_worker}), pathway_caps)
    kinds = {(o.kind, o.name) for o in e.objects}
    assert {("ConfigMap", "demo-wait-leader-script"), ("Secret", "mpi-run-ssh-secret")} <= kinds


def test_a_single_node_dgd_gets_neither():
    e = explain(dgd({"worker": vllm_worker(4, gpu="4")}), caps(grove=True))
    assert not {o.kind for o in e.objects} & {"ConfigMap", "Secret"}


@pytest.mark.parametrize(
    ("value", "valid", "mode"),
    [pytest.param("MP", True, "mp", id="MP in any letter case is mp"),
     pytest.param("Ray", True, "ray", id="Ray is ray"),
     pytest.param("mp ", False, "mp", id="'mp ' is rejected and the operator falls through to the origin version"),
     pytest.param(" ray", False, "mp", id="' ray' is not ray either")],
)
def test_executor_backend_annotation_is_lower_cased_but_not_trimmed(value, valid, mode):
    doc = dgd(annotations={EXECUTOR: value})
    assert ("BAD_ANNOTATION" not in codes(rules.validate(graph(doc), {}, "1.1.0"))) is valid
    assert service_plan(doc, caps(grove=True)).launch.mode == mode


@pytest.mark.parametrize(
    ("args", "tp"),
    [pytest.param(["--tensor-parallel-size", "auto", "--tensor-parallel-size", "8"], 8, id="a non-numeric first value is skipped"),
     pytest.param(["--tensor-parallel-size", "8", "--tensor-parallel-size", "2"], 8, id="a numeric first value wins"),
     pytest.param(["--tensor-parallel-size", "x"], 1, id="no numeric value: 1"),
     pytest.param(["--tensor-parallel-size", "+8"], 8, id="ParseInt accepts a sign")],
)
def test_get_flag_value_skips_non_numbers(args, tp):
    from kubectl_dynamo.dgd import parallelism

    svc = graph(dgd({"worker": vllm_worker(nodes=2, gpu="4", args=args)})).service("worker")
    assert parallelism.read_vllm(svc).strict.tp == tp


@pytest.mark.parametrize(
    ("version", "image", "override"),
    [pytest.param("1.6.1", "registry.example/vllm:custom", "1.6.1", id="1.6: a custom tag gets the release as override"),
     pytest.param("1.6.1", "registry.example/vllm:1.6.0", None, id="1.6: a version tag needs none"),
     pytest.param("1.3.1", "registry.example/vllm:custom", None, id="1.3 reads no runtime version")],
)
def test_init_sets_runtime_version_override_for_an_image_without_a_version_tag(version, image, override):
    from kubectl_dynamo.dgd.scaffold import ScaffoldOptions, scaffold

    docs = scaffold(ScaffoldOptions(nodes=2, gpus=4, image=image, operator_version=version))
    doc = docs[-1]
    comps = doc["spec"].get("components") or list(doc["spec"]["services"].values())
    assert {c.get("runtimeVersionOverride") for c in comps} == {override}
    assert "RUNTIME_VERSION" not in codes(rules.validate(graph(doc), {}, version))
