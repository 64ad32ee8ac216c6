"""The upstream example DGDs in ../shared/examples/dynamo (reference §6): every one validates with no
error and explains on both orchestrators; GPU totals and TP match values computed here, in the
test, straight from the YAML; and the reference's test vectors hold.

They are the 1.1 line's examples (image tags like `my-tag`, which the 1.5+ runtime-version check
rejects), so they are checked against the 1.1 rules; the 1.6.1 templates are test_examples_161.py."""

from __future__ import annotations

import posixpath
import shlex
from pathlib import Path

import pytest
import yaml

from kubectl_dynamo.dgd import capabilities, model, plan, rules

from . import crd_schema
from .builders import DGD_CRD, EXAMPLES, load_yaml_documents

ASSUMPTIONS = ["grove,kai", "lws,volcano"]
LINE = "1.1.0"  # the operator line these examples were written for
WORKER_TYPES = ("worker", "prefill", "decode")


def _files() -> list:
    if not EXAMPLES.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{EXAMPLES} is absent"), id="examples folder absent")]
    return [pytest.param(p, id=p.name) for p in sorted(EXAMPLES.glob("*.y*ml"))]


FILES = _files()


def _example(name: str) -> list[dict]:
    path = EXAMPLES / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return load_yaml_documents(path)


def _dgds(docs: list[dict]) -> list[dict]:
    return [d for d in docs if model.is_dgd(d)]


def _explain(doc: dict, docs: list[dict], assume: str = "grove,kai", creating: bool = True):
    return plan.explain(model.read_graph(doc), capabilities.assumed(assume, LINE), model.configmaps_by_name(docs), creating)


def _svc(explanation, name: str):
    return next(s for s in explanation.services if s.name == name)


# --- independent readings of the YAML ------------------------------------------------------------------

def _expected_shape(svc: dict) -> tuple[int, int, int]:
    nodes = int((svc.get("multinode") or {}).get("nodeCount", 1))
    gpu = int(((svc.get("resources") or {}).get("limits") or {}).get("gpu") or 0)
    replicas = int(svc.get("replicas", 1))
    return nodes, gpu, nodes * gpu * replicas


def _tokens(svc: dict) -> list[str]:
    main = (svc.get("extraPodSpec") or {}).get("mainContainer") or {}
    out: list[str] = []
    for part in (main.get("command") or []) + (main.get("args") or []):
        out += shlex.split(part)
    return out


def _after(tokens: list[str], *flags: str) -> str | None:
    for i, tok in enumerate(tokens):
        if tok in flags and i + 1 < len(tokens):
            return tokens[i + 1]
    return None


def _expected_tp(doc: dict, svc: dict, docs: list[dict]) -> int:
    toks = _tokens(svc)
    backend = doc["spec"].get("backendFramework") or next(
        (t.split(".", 1)[1] for t in toks if t.startswith("dynamo.")), None)
    if backend == "vllm":
        return int(_after(toks, "--tensor-parallel-size") or 1)
    if backend == "sglang":
        return int(_after(toks, "--tp", "--tp-size", "--tensor-parallel-size") or 1)
    assert backend == "trtllm", backend
    path = _after(toks, "--extra-engine-args")
    pod = svc["extraPodSpec"]
    mount = next(m for m in pod["mainContainer"]["volumeMounts"] if path.startswith(m["mountPath"].rstrip("/") + "/"))
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    key = posixpath.relpath(path, mount["mountPath"])
    cm = next(d for d in docs if d.get("kind") == "ConfigMap" and d["metadata"]["name"] == volume["configMap"]["name"])
    return int(yaml.safe_load(cm["data"][key]).get("tensor_parallel_size", 1))


# --- every example --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", FILES)
def test_every_example_has_a_dgd_that_validates_without_error(path: Path):
    docs = load_yaml_documents(path)
    dgds = _dgds(docs)
    assert dgds, f"{path.name} holds no DynamoGraphDeployment"
    cms = model.configmaps_by_name(docs)
    for doc in dgds:
        found = rules.validate(model.read_graph(doc, path.name), cms, LINE)
        assert [f for f in found if f.severity == "error"] == []
        # none of the examples is ambiguous about its parallelism once its ConfigMaps are read
        assert "PARALLELISM_UNKNOWN" not in [f.code for f in found]


@pytest.mark.parametrize("assume", ASSUMPTIONS, ids=["explained on grove with kai", "explained on lws with volcano"])
@pytest.mark.parametrize("path", FILES)
def test_every_example_explains_without_error(path: Path, assume: str):
    docs = load_yaml_documents(path)
    for doc in _dgds(docs):
        e = _explain(doc, docs, assume)
        assert e.pathway == ("grove" if assume.startswith("grove") else "component")
        assert [f.to_dict() for f in e.findings if f.severity == "error"] == []
        for s in e.services:
            assert s.workload is not None and s.objects


@pytest.mark.parametrize("path", FILES)
def test_gpu_totals_and_tp_match_the_yaml(path: Path):
    docs = load_yaml_documents(path)
    for doc in _dgds(docs):
        e = _explain(doc, docs)
        total = 0
        for name, svc in doc["spec"]["services"].items():
            nodes, gpu, expected_total = _expected_shape(svc)
            plan_ = _svc(e, name)
            assert (plan_.node_count, plan_.gpus_per_node, plan_.total_gpus) == (nodes, gpu, expected_total), name
            total += expected_total
            if svc.get("componentType") in WORKER_TYPES:
                assert plan_.parallelism is not None, name
                assert plan_.parallelism.tp == _expected_tp(doc, svc, docs), name
        assert e.total_gpus == total


# --- the reference's test vectors ----------------------------------------------------------------------

def test_vllm_example_tp2_over_two_one_gpu_nodes_launches_mp_when_created_on_1_1():
    docs = _example("vllm-disagg-multinode.yaml")
    doc = _dgds(docs)[0]
    e = _explain(doc, docs)
    for name in ("prefill", "decode"):
        s = _svc(e, name)
        assert (s.parallelism.tp, s.node_count, s.gpus_per_node, s.gpus_per_replica) == (2, 2, 1, 2)
        assert s.backend == "vllm"  # from the command: this example has no backendFramework
        assert s.launch.mode == "mp"
        assert s.launch.leader_args[-2:] == ["--node-rank", "0"]
    assert {"kind": "ConfigMap", "name": "vllm-disagg-wait-leader-script"} in [o.to_dict() for o in e.objects]


def test_vllm_example_live_without_origin_launches_ray():
    docs = _example("vllm-disagg-multinode.yaml")
    e = _explain(_dgds(docs)[0], docs, creating=False)
    assert {s.launch.mode for s in e.services if s.backend} == {"ray"}


def test_deepseek_vllm_recipe_takes_the_dp_path_with_8_local_ranks_and_keeps_its_dp_size():
    docs = _example("recipe-deepseek-r1-vllm-disagg-hopper-16gpu.yaml")
    e = _explain(_dgds(docs)[0], docs)
    for name in ("prefill", "decode"):
        s = _svc(e, name)
        assert (s.parallelism.tp, s.parallelism.dp) == (1, 16)
        assert (s.node_count, s.gpus_per_node, s.total_gpus) == (2, 8, 16)
        assert s.launch.mode == "dp-hybrid-lb"
        args = s.launch.leader_args
        assert args[args.index("--data-parallel-size-local") + 1] == "8"
        assert "--data-parallel-size" not in args + s.launch.worker_args  # T = 16 is already present


@pytest.mark.parametrize(
    ("name", "tps"),
    [
        pytest.param("sglang-disagg-multinode.yaml", {"prefill": 8, "decode": 8}, id="sglang example tp-size 8 on 2 x 4"),
        pytest.param("recipe-deepseek-r1-sglang-disagg-16gpu.yaml", {"prefill": 16, "decode": 16}, id="sglang recipe tp 16 on 2 x 8"),
    ],
)
def test_sglang_examples_get_sglang_dist_flags(name, tps):
    docs = _example(name)
    for assume in ASSUMPTIONS:
        e = _explain(_dgds(docs)[0], docs, assume)
        for svc_name, tp in tps.items():
            s = _svc(e, svc_name)
            assert s.parallelism.tp == tp
            assert s.launch.mode == "sglang-dist"
            assert s.launch.leader_args[:1] == ["--dist-init-addr"]
            assert s.launch.leader_args[-4:] == ["--nnodes", "2", "--node-rank", "0"]


def test_trtllm_example_runs_mpirun_n_8_with_tp_8_from_its_configmap():
    docs = _example("trtllm-disagg-multinode.yaml")
    e = _explain(_dgds(docs)[0], docs)
    for name in ("prefill", "decode"):
        s = _svc(e, name)
        assert s.parallelism.tp == 8
        assert s.parallelism_source == f"configmap nvidia-config key {name}.yaml"
        assert s.launch.mode == "mpirun"
        assert s.launch.leader_args[s.launch.leader_args.index("-n") + 1] == "8"


def test_gb200_recipe_decode_is_tp_32_over_8_nodes_of_4():
    docs = _example("recipe-deepseek-r1-trtllm-disagg-wide-ep-gb200.yaml")
    e = _explain(_dgds(docs)[0], docs)
    decode = _svc(e, "decode")
    assert decode.parallelism.tp == 32 == decode.node_count * decode.gpus_per_node
    assert decode.launch.leader_args[decode.launch.leader_args.index("-n") + 1] == "32"
    prefill = _svc(e, "prefill")
    assert (prefill.parallelism.tp, prefill.node_count, prefill.launch.mode) == (4, 1, "none")


def test_gb200_recipe_without_its_configmaps_cannot_tell_tp():
    docs = _example("recipe-deepseek-r1-trtllm-disagg-wide-ep-gb200.yaml")
    found = rules.validate(model.read_graph(_dgds(docs)[0]), {}, LINE)
    assert {f.service for f in found if f.code == "PARALLELISM_UNKNOWN"} == {"prefill", "decode"}


@pytest.mark.parametrize("path", FILES)
def test_every_example_dgd_passes_the_closed_crd_schema(path: Path):
    """Upstream's own manifests pass the schema helper test_scaffold relies on, closed to unknown
    fields; so a scaffold failure there is the scaffold's fault, not the helper's."""
    if not DGD_CRD.is_file():
        pytest.skip(f"{DGD_CRD} is absent")
    for doc in _dgds(load_yaml_documents(path)):
        assert crd_schema.errors(doc) == []
