"""The DGD templates of the ai-dynamo 1.6.1 package (../shared/examples/dynamo-1.6.1: v1beta1,
containers in podTemplate, GPUs as nvidia.com/gpu), as shipped and made multinode the way the
package's profiler does it (multinode.nodeCount plus the backend's TP flag): each validates and
explains under the default line (1.6) with GPU totals and TP computed here straight from the YAML."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from kubectl_dynamo.dgd import capabilities, model, plan, rules, versions

from .builders import SHARED, load_yaml_documents

EXAMPLES_161 = SHARED / "examples" / "dynamo-1.6.1"
WORKERS = ("worker", "prefill", "decode")
NODES, GPUS = 2, 4  # the multinode variant: 2 nodes x 4 GPUs per replica, TP 8
# the flag each backend's profiler modifier writes for TP (set_config_tp_size; TRT-LLM: _trtllm_flags)
TP_FLAG = {"vllm": "--tensor-parallel-size", "sglang": "--tp", "trtllm": "--trtllm.tensor_parallel_size"}
TP_ALIASES = {"vllm": ("--tensor-parallel-size", "-tp"), "sglang": ("--tp", "--tp-size", "--tensor-parallel-size"),
              "trtllm": ("--trtllm.tensor_parallel_size", "--tensor-parallel-size")}


def _files() -> list:
    if not EXAMPLES_161.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{EXAMPLES_161} is absent"), id="1.6.1 templates absent")]
    return [pytest.param(p, id=p.name) for p in sorted(EXAMPLES_161.glob("*.yaml"))]


FILES = _files()


def _doc(path: Path) -> dict:
    docs = [d for d in load_yaml_documents(path) if model.is_dgd(d)]
    assert len(docs) == 1, path.name
    return docs[0]


def _main(comp: dict) -> dict:
    return next(c for c in comp["podTemplate"]["spec"]["containers"] if c["name"] == "main")


def _backend(comp: dict) -> str | None:
    line = " ".join(_main(comp).get("command", []) + _main(comp).get("args", []))
    found = [b for b in ("vllm", "sglang", "trtllm") if f"dynamo.{b}" in line]
    return found[0] if found else None


def _tp(comp: dict) -> int | None:
    """TP as written, or None for TRT-LLM whose engine file lives inside the image."""
    backend = _backend(comp)
    args = _main(comp).get("args", [])
    for i, a in enumerate(args):
        if a in TP_ALIASES.get(backend, ()) and i + 1 < len(args):
            return int(args[i + 1])
    return None if backend == "trtllm" else 1


def _gpus(comp: dict) -> int:
    limits = (_main(comp).get("resources") or {}).get("limits") or {}
    return int(limits.get("nvidia.com/gpu", 0))


def _made_multinode(doc: dict) -> dict:
    """set_multinode_config: multinode.nodeCount on each engine component, its GPUs per node, and
    the backend's TP flag replaced (or added) with nodes x GPUs."""
    doc = copy.deepcopy(doc)
    for comp in doc["spec"]["components"]:
        backend = _backend(comp)
        if comp.get("type") not in WORKERS or backend is None:
            continue
        comp["multinode"] = {"nodeCount": NODES}
        main = _main(comp)
        main.setdefault("resources", {}).setdefault("limits", {})["nvidia.com/gpu"] = str(GPUS)
        args = [a for a in main.get("args", [])]
        for alias in TP_ALIASES[backend]:
            while alias in args:
                i = args.index(alias)
                del args[i:i + 2]
        main["args"] = args + [TP_FLAG[backend], str(NODES * GPUS)]
    return doc


def _explain(doc: dict, assume: str):
    return plan.explain(model.read_graph(doc, "1.6.1"), capabilities.assumed(assume, None), {})


def test_the_default_line_is_the_release_of_these_templates():
    assert versions.NEWEST_KNOWN == "1.6.1" and versions.NEWEST_LINE == "1.6"


@pytest.mark.parametrize("multinode", [False, True], ids=["as shipped", "made multinode"])
@pytest.mark.parametrize("path", FILES)
def test_every_template_validates_under_the_default_line(path, multinode):
    doc = _doc(path)
    if multinode:
        doc = _made_multinode(doc)
    found = rules.validate(model.read_graph(doc, path.name), {})
    assert [f.to_dict() for f in found if f.severity != "info"] == []
    # only TRT-LLM's TP is unknown offline: its engine file is inside the image
    unknown = {f.service for f in found if f.code == "PARALLELISM_UNKNOWN"}
    expected_unknown = {c["name"] for c in doc["spec"]["components"] if _backend(c) == "trtllm" and _tp(c) is None}
    assert unknown == expected_unknown


@pytest.mark.parametrize("assume", ["grove,kai", "lws,volcano"], ids=["on grove with kai", "on lws with volcano"])
@pytest.mark.parametrize("multinode", [False, True], ids=["as shipped", "made multinode"])
@pytest.mark.parametrize("path", FILES)
def test_every_template_explains_with_the_right_gpus_and_tp(path, multinode, assume):
    doc = _doc(path)
    if multinode:
        doc = _made_multinode(doc)
    e = _explain(doc, assume)
    assert [f.to_dict() for f in e.findings if f.severity == "error"] == []
    assert e.pathway == ("grove" if assume.startswith("grove") else "component")
    total = 0
    for comp in doc["spec"]["components"]:
        s = next(p for p in e.services if p.name == comp["name"])
        nodes = (comp.get("multinode") or {}).get("nodeCount", 1)
        want = nodes * _gpus(comp) * comp.get("replicas", 1)
        assert (s.node_count, s.gpus_per_node, s.total_gpus) == (nodes, _gpus(comp), want), comp["name"]
        total += want
        if comp.get("type") in WORKERS and _backend(comp):
            tp = _tp(comp)
            assert (s.parallelism.tp if s.parallelism else None) == tp, comp["name"]
            if multinode:
                assert tp in (NODES * GPUS, None)
                assert s.launch.mode in ("mp", "sglang-dist", "mpirun"), (comp["name"], s.launch.reason)
    assert e.total_gpus == total


@pytest.mark.parametrize("path", FILES)
def test_made_multinode_the_worker_pods_form_one_engine(path):
    doc = _made_multinode(_doc(path))
    e = _explain(doc, "grove,kai")
    for s in e.services:
        if s.node_count > 1 and s.backend:
            assert s.workload == "PodCliqueScalingGroup"
            assert [o.kind for o in s.objects] == ["PodCliqueScalingGroup", "PodClique", "PodClique"]
            assert s.scheduler.min_member == NODES


def test_the_mocker_template_has_no_engine_to_launch():
    path = EXAMPLES_161 / "mocker-disagg.yaml"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    e = _explain(_doc(path), "grove")
    assert {s.backend for s in e.services} == {None} and e.total_gpus == 0
