"""`init`: scaffold() output is right the first time (SPEC "init"): no validate finding, TP × PP =
nodes × gpus, contradictions refused with the rule, the Grove name budget, orchestrator and queue
annotations, and the real CRD's OpenAPI schema."""

from __future__ import annotations

import copy
import itertools

import pytest

from kubectl_dynamo.dgd import capabilities, model, parallelism, plan, rules
from kubectl_dynamo.dgd.backend import choose_backend
from kubectl_dynamo.dgd.scaffold import ScaffoldError, ScaffoldOptions, scaffold

from . import crd_schema
from .builders import DGD_CRD, V1ALPHA1, V1BETA1

BACKENDS = ("vllm", "sglang", "trtllm")
MODES = ("agg", "disagg")
APIS = (V1ALPHA1, V1BETA1)
GROVE_ANN = "nvidia.com/enable-grove"
KAI_ANN = "nvidia.com/kai-scheduler-queue"

needs_crd = pytest.mark.skipif(not DGD_CRD.is_file(), reason=f"{DGD_CRD} is absent")


def _split(docs: list[dict]) -> tuple[dict, dict]:
    dgds = [d for d in docs if model.is_dgd(d)]
    assert len(dgds) == 1 and docs[-1] is dgds[0], "the DGD comes last, after its ConfigMaps"
    return dgds[0], model.configmaps_by_name(docs)


def _workers(graph: model.Graph) -> list[model.Service]:
    return [s for s in graph.services if s.is_worker]


def _readings(docs: list[dict]):
    doc, cms = _split(docs)
    g = model.read_graph(doc)
    return g, cms, [(s, parallelism.read_parallelism(choose_backend(g, s).backend, s, cms)) for s in _workers(g)]


# --- every backend × mode × api-version -------------------------------------------------------------

COMBOS = [pytest.param(b, m, a, id=f"{b} {m} {a.split('/')[1]}") for b, m, a in itertools.product(BACKENDS, MODES, APIS)]
SHAPES = [
    pytest.param(1, 1, None, id="1 node x 1 gpu"),
    pytest.param(1, 8, None, id="1 node x 8 gpus"),
    pytest.param(2, 4, None, id="2 nodes x 4 gpus"),
    pytest.param(2, 8, 2, id="2 nodes x 8 gpus with pp 2"),
    pytest.param(4, 8, None, id="4 nodes x 8 gpus"),
    pytest.param(3, 2, 3, id="3 nodes x 2 gpus with pp 3"),
]


@pytest.mark.parametrize(("nodes", "gpus", "pp"), SHAPES)
@pytest.mark.parametrize(("backend", "mode", "api"), COMBOS)
def test_scaffold_has_no_finding_and_tp_times_pp_fills_the_gpus(backend, mode, api, nodes, gpus, pp):
    docs = scaffold(ScaffoldOptions(nodes=nodes, gpus=gpus, pp=pp, backend=backend, mode=mode, api_version=api))
    g, cms, readings = _readings(docs)
    assert g.api_version == api
    assert rules.validate(g, cms) == []
    assert len(readings) == (1 if mode == "agg" else 2)
    for svc, reading in readings:
        assert svc.node_count == nodes and svc.gpus_per_node == gpus
        assert reading.value.tp * reading.value.pp == nodes * gpus
        assert reading.value.pp == (pp or 1)


@pytest.mark.parametrize(("backend", "mode", "api"), COMBOS)
@pytest.mark.parametrize("assume", ["grove,kai", "lws,volcano"], ids=["explained on grove", "explained on lws"])
def test_multinode_scaffold_explains_cleanly_and_spreads_the_engine(backend, mode, api, assume):
    orchestrator = "lws" if assume.startswith("lws") else "auto"
    docs = scaffold(ScaffoldOptions(nodes=2, gpus=4, backend=backend, mode=mode, api_version=api, orchestrator=orchestrator))
    doc, cms = _split(docs)
    e = plan.explain(model.read_graph(doc), capabilities.assumed(assume, None), cms)
    assert e.findings == []
    expected_mode = {"vllm": "mp", "sglang": "sglang-dist", "trtllm": "mpirun"}[backend]
    assert {s.launch.mode for s in e.services if s.backend} == {expected_mode}


def test_disagg_roles_can_be_sized_separately():
    docs = scaffold(ScaffoldOptions(mode="disagg", nodes=2, gpus=8, prefill_nodes=1, prefill_gpus=4))
    _, _, readings = _readings(docs)
    shapes = {s.name: (s.node_count, s.gpus_per_node, r.value.tp) for s, r in readings}
    assert shapes == {"prefill": (1, 4, 4), "decode": (2, 8, 16)}


@pytest.mark.parametrize(
    ("tp", "pp", "expected"),
    [
        pytest.param(None, None, (8, 1), id="tp defaults to nodes x gpus"),
        pytest.param(4, None, (4, 2), id="tp 4 on 2 x 4 makes pp 2"),
        pytest.param(None, 4, (2, 4), id="pp 4 on 2 x 4 makes tp 2"),
        pytest.param(2, 4, (2, 4), id="tp 2 and pp 4 on 2 x 4 agree"),
    ],
)
def test_tp_and_pp_resolution(tp, pp, expected):
    _, _, readings = _readings(scaffold(ScaffoldOptions(nodes=2, gpus=4, tp=tp, pp=pp)))
    (_, reading), = readings
    assert (reading.value.tp, reading.value.pp) == expected


# --- contradictions -------------------------------------------------------------------------------------

CONTRADICTIONS = [
    pytest.param(dict(nodes=2, gpus=4, tp=3), ["--tp 3", "2 × 4 = 8", "TP × PP must equal nodes × gpus"], id="tp 3 on 2 x 4 gpus"),
    pytest.param(dict(nodes=2, gpus=4, tp=4, pp=4), ["--tp 4 × --pp 4 = 16", "2 × 4 = 8", "TP × PP must equal nodes × gpus"],
                 id="tp x pp 16 on 8 gpus"),
    pytest.param(dict(nodes=2, gpus=4, tp=2, pp=2), ["= 4 but", "TP × PP must equal nodes × gpus"], id="tp x pp 4 on 8 gpus"),
    pytest.param(dict(nodes=2, gpus=4, pp=3), ["--pp 3 does not divide", "TP = nodes × gpus / pp"], id="pp 3 does not divide 8"),
    pytest.param(dict(nodes=2, gpus=4, tp=0), ["--tp must be at least 1"], id="tp 0"),
    pytest.param(dict(nodes=2, gpus=4, pp=0), ["--pp must be at least 1"], id="pp 0"),
    pytest.param(dict(mode="disagg", nodes=2, gpus=4, tp=8, prefill_gpus=2), ["for prefill", "TP × PP must equal"],
                 id="a disagg role whose gpus contradict the shared tp names the role"),
    pytest.param(dict(nodes=0), ["--nodes must be at least 1"], id="zero nodes"),
    pytest.param(dict(gpus=0), ["--gpus must be at least 1"], id="zero gpus"),
    pytest.param(dict(replicas=-1), ["--replicas must be 0 or more"], id="negative replicas"),
    pytest.param(dict(backend="onnx"), ["--backend 'onnx'"], id="unknown backend"),
    pytest.param(dict(mode="split"), ["--mode 'split'"], id="unknown mode"),
    pytest.param(dict(orchestrator="volcano"), ["--orchestrator 'volcano'"], id="unknown orchestrator"),
    pytest.param(dict(api_version="nvidia.com/v2"), ["--api-version"], id="unknown api version"),
    pytest.param(dict(prefill_nodes=2), ["need --mode disagg"], id="prefill sizing without disagg"),
    pytest.param(dict(queue="team-a", orchestrator="lws"), ["--queue", "--orchestrator lws"], id="a kai queue with lws is refused"),
    pytest.param(dict(queue="  "), ["--queue must not be empty"], id="a blank queue"),
]


@pytest.mark.parametrize(("options", "needles"), CONTRADICTIONS)
def test_contradictions_raise_with_the_rule(options, needles):
    with pytest.raises(ScaffoldError) as err:
        scaffold(ScaffoldOptions(**options))
    for needle in needles:
        assert needle in str(err.value)


# --- name budget ----------------------------------------------------------------------------------------

BUDGET = [
    # name length, options -> fits; the longest service decides
    pytest.param(29, dict(nodes=2), True, id="agg multinode: 29 + worker 6 + worker-ldr 10 is exactly 45"),
    pytest.param(30, dict(nodes=2), False, id="agg multinode: 30 characters is one too many"),
    pytest.param(27, dict(nodes=2, mode="disagg"), True, id="disagg multinode: 27 + prefill 7 + prefill-ldr 11 is exactly 45"),
    pytest.param(28, dict(nodes=2, mode="disagg"), False, id="disagg multinode: 28 characters is one too many"),
    pytest.param(37, dict(nodes=1), True, id="single-node: 37 + Frontend 8 is exactly 45"),
    pytest.param(38, dict(nodes=1), False, id="single-node: 38 + Frontend 8 is 46"),
]


@pytest.mark.parametrize(("length", "options", "fits"), BUDGET)
def test_name_budget_matches_the_webhook_rule(length, options, fits):
    """init keeps names inside the 1.0/1.1 webhook's budget, so its output is accepted by every
    mirrored line (newer ones would shorten the PodCliqueSet name instead of refusing it)."""
    name = "n" * length
    if fits:
        doc, cms = _split(scaffold(ScaffoldOptions(name=name, gpus=4, **options)))
        assert "NAME_BUDGET" not in [f.code for f in rules.validate(model.read_graph(doc), cms, "1.1.0")]
    else:
        with pytest.raises(ScaffoldError, match="45-character budget") as err:
            scaffold(ScaffoldOptions(name=name, gpus=4, **options))
        assert f"at most {length - 1} characters" in str(err.value)
        # the same graph written for LWS is accepted, and the 1.1 webhook rule agrees it is over budget on Grove
        doc, cms = _split(scaffold(ScaffoldOptions(name=name, gpus=4, orchestrator="lws", **options)))
        assert rules.validate(model.read_graph(doc), cms) == []
        del doc["metadata"]["annotations"][GROVE_ANN]
        assert "NAME_BUDGET" in [f.code for f in rules.validate(model.read_graph(doc), cms, "1.1.0")]
        # the 1.6 operator shortens the PodCliqueSet name instead
        found = [f.code for f in rules.validate(model.read_graph(doc), cms, "1.6.0")]
        assert "NAME_BUDGET" not in found and "PCS_NAME_SHORTENED" in found


def test_a_long_name_is_fine_with_orchestrator_lws():
    docs = scaffold(ScaffoldOptions(name="a-rather-long-deployment-name-for-lws", nodes=2, gpus=4, orchestrator="lws"))
    doc, cms = _split(docs)
    assert rules.validate(model.read_graph(doc), cms) == []


# --- annotations ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("orchestrator", "queue", "annotations"),
    [
        pytest.param("auto", None, None, id="auto writes no annotation"),
        pytest.param("lws", None, {GROVE_ANN: "false"}, id="lws writes enable-grove false"),
        pytest.param("grove", None, {GROVE_ANN: "true"}, id="grove writes enable-grove true"),
        pytest.param("auto", " team-a ", {KAI_ANN: "team-a"}, id="queue writes the trimmed kai queue annotation"),
        pytest.param("grove", "team-a", {GROVE_ANN: "true", KAI_ANN: "team-a"}, id="grove with a queue writes both"),
    ],
)
@pytest.mark.parametrize("api", APIS, ids=["v1alpha1", "v1beta1"])
def test_orchestrator_and_queue_annotations(orchestrator, queue, annotations, api):
    doc, _ = _split(scaffold(ScaffoldOptions(nodes=2, gpus=4, orchestrator=orchestrator, queue=queue, api_version=api)))
    assert doc["metadata"].get("annotations") == annotations


def test_lws_scaffold_takes_the_component_path_even_where_grove_is_installed():
    doc, cms = _split(scaffold(ScaffoldOptions(nodes=2, gpus=4, orchestrator="lws")))
    e = plan.explain(model.read_graph(doc), capabilities.assumed("grove,kai,lws,volcano", None), cms)
    assert e.pathway == "component"
    worker = next(s for s in e.services if s.name == "worker")
    assert (worker.workload, worker.scheduler.name, worker.scheduler.min_member) == ("LeaderWorkerSet", "volcano", 2)


def test_queue_reaches_the_scheduler_plan():
    doc, cms = _split(scaffold(ScaffoldOptions(nodes=2, gpus=4, queue="team-a")))
    e = plan.explain(model.read_graph(doc), capabilities.assumed("grove,kai", None), cms)
    assert {(s.scheduler.name, s.scheduler.queue) for s in e.services} == {("kai-scheduler", "team-a")}


def test_namespace_is_written_on_every_document():
    docs = scaffold(ScaffoldOptions(nodes=2, gpus=4, backend="trtllm", mode="disagg", namespace="llm"))
    assert len(docs) == 3
    assert {d["metadata"].get("namespace") for d in docs} == {"llm"}


def test_scaffold_returns_fresh_plain_data():
    a = scaffold(ScaffoldOptions(nodes=2, gpus=4, api_version=V1ALPHA1))
    b = scaffold(ScaffoldOptions(nodes=2, gpus=4, api_version=V1ALPHA1))
    assert a == b
    a[-1]["spec"]["services"]["worker"]["replicas"] = 9
    assert b[-1]["spec"]["services"]["worker"]["replicas"] == 1


def test_v1beta1_scaffold_uses_components_and_pod_templates():
    doc, _ = _split(scaffold(ScaffoldOptions(nodes=2, gpus=4, mode="disagg", api_version=V1BETA1)))
    comps = doc["spec"]["components"]
    assert [(c["name"], c["type"]) for c in comps] == [("Frontend", "frontend"), ("prefill", "prefill"), ("decode", "decode")]
    main = comps[1]["podTemplate"]["spec"]["containers"][0]
    assert main["name"] == "main"
    assert main["resources"]["limits"] == {"nvidia.com/gpu": "4"}
    assert comps[1]["multinode"] == {"nodeCount": 2}


# --- the real CRD's OpenAPI schema ----------------------------------------------------------------------

SCHEMA_CASES = [
    pytest.param(ScaffoldOptions(nodes=n, gpus=g, backend=b, mode=m, orchestrator=o, queue=q, api_version=V1ALPHA1),
                 id=f"{b} {m} {n}x{g} {o}" + (" with queue" if q else ""))
    for b, m, (n, g), (o, q) in itertools.product(BACKENDS, MODES, [(1, 1), (2, 4)],
                                                   [("auto", None), ("lws", None), ("grove", "team-a")])
]


@needs_crd
@pytest.mark.parametrize("options", SCHEMA_CASES)
def test_v1alpha1_scaffold_passes_the_crd_schema(options):
    doc, _ = _split(scaffold(options))
    assert crd_schema.errors(doc) == []


def _broken(path: tuple, value) -> dict:
    doc, _ = _split(scaffold(ScaffoldOptions(nodes=2, gpus=4, api_version=V1ALPHA1)))
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


@needs_crd
@pytest.mark.parametrize(
    ("path", "value", "needle"),
    [
        pytest.param(("spec", "services", "worker", "multinode", "nodeCount"), 1, "minimum", id="nodeCount 1 is below the minimum of 2"),
        pytest.param(("spec", "backendFramework"), "pytorch", "is not one of", id="backendFramework outside the enum"),
        pytest.param(("spec", "services", "worker", "resources", "limits", "gpu"), 4, "is not of type 'string'", id="gpu as an integer"),
        pytest.param(("spec", "services", "worker", "replicas"), "1", "is not of type 'integer'", id="replicas as a string"),
        pytest.param(("spec", "services", "worker", "multinode"), {}, "'nodeCount' is a required property", id="multinode without nodeCount"),
        pytest.param(("spec", "pvcs"), [{"create": False}], "'name' is a required property", id="a pvc without a name"),
    ],
)
def test_a_broken_dgd_fails_the_crd_schema(path, value, needle):
    found = crd_schema.errors(_broken(path, value), closed=False)
    assert any(needle in e for e in found), found


@needs_crd
def test_a_field_the_api_server_would_prune_fails_the_closed_schema():
    doc = _broken(("spec", "services", "worker", "nodeCount"), 2)  # misplaced: belongs under multinode
    assert crd_schema.errors(doc, closed=False) == []
    assert any("nodeCount" in e for e in crd_schema.errors(doc))


@needs_crd
def test_v1beta1_scaffold_passes_the_crd_schema():
    if "v1beta1" not in crd_schema.served_versions():
        pytest.skip("../shared/crds/dynamo holds only the v1alpha1 DynamoGraphDeployment CRD: there is no v1beta1 DGD "
                    "schema to check the v1beta1 scaffold against (reference §6)")
    for backend, mode in itertools.product(BACKENDS, MODES):
        doc, _ = _split(scaffold(ScaffoldOptions(nodes=2, gpus=4, backend=backend, mode=mode, api_version=V1BETA1)))
        assert crd_schema.errors(doc, "v1beta1") == []
