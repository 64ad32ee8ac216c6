"""dgd/configmaps: the one answer to "which ConfigMaps does this DGD need read" for explain, get
and describe (TRT-LLM engine settings named by --extra-engine-args through a volume mount)."""

from __future__ import annotations

import dataclasses

import pytest

from kubectl_dynamo.dgd.configmaps import EngineConfigMap, configmap_names, engine_configmaps
from kubectl_dynamo.dgd.model import read_graph

from .builders import dgd, engine_volume, frontend, trtllm_worker, vllm_worker


def _trt(configmap: str, path: str = "/engine/engine.yaml", **volume: object) -> dict:
    return trtllm_worker(args=["--extra-engine-args", path], **engine_volume(configmap, "/engine", **volume))


def test_the_configmap_is_named_by_the_volume_not_by_the_file_path():
    graph = read_graph(dgd({"Frontend": frontend(), "worker": _trt("trt-engine")}))
    assert engine_configmaps(graph) == (EngineConfigMap(name="trt-engine", key="engine.yaml", service="worker",
                                                        path="/engine/engine.yaml"),)
    assert configmap_names(graph) == ["trt-engine"]


def test_an_engine_configmap_cannot_be_indexed_like_a_tuple():
    (cm,) = engine_configmaps(read_graph(dgd({"worker": _trt("trt-engine")})))
    with pytest.raises(TypeError):
        cm[0]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cm.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("services, names", [
    ({"worker": vllm_worker()}, []),
    ({"worker": trtllm_worker()}, []),
    ({"worker": trtllm_worker(args=["--extra-engine-args", "/tmp/engine.yaml"])}, []),
    ({"prefill": _trt("shared"), "decode": _trt("shared")}, ["shared"]),
    ({"prefill": _trt("b-engine"), "decode": _trt("a-engine")}, ["a-engine", "b-engine"]),
    ({"worker": _trt("remapped", "/engine/e.yaml", items=[{"key": "config", "path": "e.yaml"}])}, ["remapped"]),
], ids=["vLLM needs none", "TRT-LLM without an engine file needs none", "an engine file not mounted from a ConfigMap",
        "two services sharing one ConfigMap read it once", "sorted by name", "items remap a key to the path"])
def test_configmap_names(services, names):
    assert configmap_names(read_graph(dgd(services))) == names


def test_items_give_the_key_the_engine_file_is():
    graph = read_graph(dgd({"worker": _trt("remapped", "/engine/e.yaml", items=[{"key": "config", "path": "e.yaml"}])}))
    assert [(cm.name, cm.key) for cm in engine_configmaps(graph)] == [("remapped", "config")]
