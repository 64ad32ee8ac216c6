"""`kubectl dynamo explain NAME` and `explain -f FILE` without --assume, against a real API server.

One control plane of its own, built up test by test (the tests run in order): LeaderWorkerSet
without Volcano (no multinode orchestrator), then Grove + KAI-Scheduler installed after the operator
started (restart needed, queue missing), then the operator restarted and the queue created, GPU
capacity, a live TRT-LLM DGD with its engine ConfigMap, --operator-version, a narrow user.
"""

from __future__ import annotations

import copy
import datetime
import json

import pytest

from . import scenarios
from .scenarios import run

pytestmark = pytest.mark.e2e

NS = "llm"
DGD = {"group": "nvidia.com", "version": "v1alpha1", "plural": "dynamographdeployments"}


def vllm_dgd(name: str, nodes: int = 2, gpu: int = 8) -> dict:
    return {
        "apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment", "metadata": {"name": name},
        "spec": {"backendFramework": "vllm", "services": {
            "Frontend": {"componentType": "frontend", "replicas": 1, "extraPodSpec": {"mainContainer": {
                "image": "nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.1.0", "command": ["python3", "-m", "dynamo.frontend"]}}},
            "worker": {"componentType": "worker", "replicas": 1, "multinode": {"nodeCount": nodes},
                       "resources": {"limits": {"gpu": str(gpu)}},
                       "extraPodSpec": {"mainContainer": {
                           "image": "nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.1.0",
                           "command": ["python3", "-m", "dynamo.vllm"],
                           "args": ["--model", "Qwen/Qwen3-32B", "--tensor-parallel-size", str(nodes * gpu)]}}}}},
    }


TRT_ENGINE = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "trt-engine"},
              "data": {"engine.yaml": "tensor_parallel_size: 8\npipeline_parallel_size: 1\n"}}
TRT_DGD = {
    "apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment", "metadata": {"name": "trt"},
    "spec": {"backendFramework": "trtllm", "services": {"worker": {
        "componentType": "worker", "multinode": {"nodeCount": 2}, "resources": {"limits": {"gpu": "4"}},
        "extraPodSpec": {"volumes": [{"name": "engine", "configMap": {"name": "trt-engine"}}], "mainContainer": {
            "image": "example.com/dynamo/tensorrtllm-runtime:1.1.0", "command": ["python3", "-m", "dynamo.trtllm"],
            "args": ["--model-path", "example/model-8b", "--extra-engine-args", "/engine/engine.yaml"],
            "volumeMounts": [{"name": "engine", "mountPath": "/engine"}]}}}}},
}


@pytest.fixture(scope="module")
def live():
    with scenarios.fresh_cluster() as c:
        c.install_crd_sets("project", sets=["dynamo", "lws"])
        scenarios.install_controller(c, "lws")
        scenarios.install_operator(c, started=scenarios.crd_created(c, "leaderworkersets.leaderworkerset.x-k8s.io"))
        scenarios.ensure_namespace(c, NS)
        c.custom.create_namespaced_custom_object(**DGD, namespace=NS, body=vllm_dgd("llm"))
        yield c


def codes(exp: dict) -> set[str]:
    return {f["code"] for f in exp["findings"]}


def worker(exp: dict) -> dict:
    return next(s for s in exp["services"] if s["name"] == "worker")


def test_lws_without_volcano_fails_the_pathway(live, tmp_path):
    res = run(live, "explain", "llm", "-n", NS, "-o", "json")
    assert res.exit_code == 1 and res.stderr == ""
    exp = res.json()
    assert (exp["kind"], exp["name"], exp["namespace"], exp["pathway"]) == ("Explanation", "llm", NS, "failed")
    assert "NO_MULTINODE_ORCHESTRATOR" in codes(exp)
    caps = exp["capabilities"]
    assert (caps["source"], caps["grove"], caps["lws"], caps["volcano"], caps["operatorVersion"]) == (
        "cluster", False, False, False, "1.1.0")
    text = run(live, "explain", "llm", "-n", NS)
    assert text.exit_code == 1
    assert "Pathway:        failed" in text.stdout and "NO_MULTINODE_ORCHESTRATOR" in text.stdout
    # the same from a file, without --assume: capabilities from the cluster
    manifest = tmp_path / "llm.yaml"
    manifest.write_text(json.dumps(vllm_dgd("llm")))
    from_file = run(live, "explain", "-f", str(manifest), "-o", "json")
    assert from_file.exit_code == 1
    assert from_file.json()["pathway"] == "failed" and from_file.json()["capabilities"]["source"] == "cluster"


def test_grove_and_kai_installed_after_the_operator_need_a_restart_and_the_queue(live):
    live.install_crd_sets("project", sets=["grove", "kai-scheduler"])
    scenarios.install_controller(live, "grove")
    scenarios.install_controller(live, "kai")
    res = run(live, "explain", "llm", "-n", NS, "-o", "json")
    assert res.exit_code == 1
    exp = res.json()
    assert exp["pathway"] == "grove"
    assert {"OPERATOR_RESTART_NEEDED", "QUEUE_MISSING"} <= codes(exp)
    assert {"grove.io", "scheduling.run.ai"} <= set(exp["capabilities"]["restartNeeded"])
    sched = worker(exp)["scheduler"]
    assert (sched["name"], sched["queue"], sched["queueExists"]) == ("kai-scheduler", "dynamo", False)
    missing = next(f for f in exp["findings"] if f["code"] == "QUEUE_MISSING")
    assert missing["severity"] == "error" and "queue 'dynamo' not found in cluster" in missing["message"]


def test_after_the_restart_with_the_queue_the_dgd_is_fine(live):
    scenarios.set_operator_started(live, datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1))
    scenarios.kai_queue(live, "dynamo")
    live.create_gpu_node("gpu-0")
    live.create_gpu_node("gpu-1")
    res = run(live, "explain", "llm", "-n", NS, "-o", "json")
    assert res.exit_code == 0, res.stdout
    exp = res.json()
    assert not {"OPERATOR_RESTART_NEEDED", "QUEUE_MISSING", "INSUFFICIENT_GPUS"} & codes(exp)
    assert worker(exp)["scheduler"]["queueExists"] is True
    assert exp["capabilities"]["restartNeeded"] == []
    # a live DGD is explained as it is: no origin-version stamp (it predates operator 1.0) -> Ray,
    # while the same manifest from a file gets the stamp on create -> mp
    assert worker(exp)["launch"]["mode"] == "ray"


def test_a_dgd_larger_than_the_free_gpus_is_reported(live, tmp_path):
    live.create_pod(NS, "busy", gpus=4, node="gpu-1", phase="Running")
    manifest = tmp_path / "big.yaml"
    manifest.write_text(json.dumps(vllm_dgd("big", nodes=2, gpu=8)))
    res = run(live, "explain", "-f", str(manifest), "-o", "json")
    assert res.exit_code == 0
    exp = res.json()
    assert worker(exp)["launch"]["mode"] == "mp"
    short = next(f for f in exp["findings"] if f["code"] == "INSUFFICIENT_GPUS")
    assert (short["severity"], short["service"]) == ("warning", "worker")
    assert short["message"].startswith("1 of 2 pod(s) needing 8 GPU(s) each do not fit")
    manifest.write_text(json.dumps(vllm_dgd("fits", nodes=2, gpu=4)))
    assert "INSUFFICIENT_GPUS" not in codes(run(live, "explain", "-f", str(manifest), "-o", "json").json())


def test_a_live_trtllm_dgd_reads_its_engine_configmap(live):
    live.core.create_namespaced_config_map(NS, copy.deepcopy(TRT_ENGINE))
    live.custom.create_namespaced_custom_object(**DGD, namespace=NS, body=copy.deepcopy(TRT_DGD))
    exp = run(live, "explain", "trt", "-n", NS, "-o", "json").json()
    w = worker(exp)
    assert w["parallelism"] == {"tp": 8, "pp": 1, "dp": 1}
    assert w["launch"]["mode"] == "mpirun"
    assert "TP_MISMATCH" not in codes(exp)


def test_operator_version_overrides_the_version_read_from_the_operator(live):
    exp = run(live, "explain", "llm", "-n", NS, "--operator-version", "0.9.0", "-o", "json").json()
    assert exp["capabilities"]["operatorVersion"] == "0.9.0"
    assert exp["capabilities"]["source"] == "cluster"
    assert exp["trace"][0]["outcome"].startswith("0.9.0 (from --operator-version; older than the oldest mirrored line")
    text = run(live, "explain", "llm", "-n", NS, "--operator-version", "0.9.0").stdout
    assert "0.9.0 rules (from --operator-version)" in text


def test_a_missing_dgd_is_one_clear_error(live):
    res = run(live, "explain", "nope", "-n", NS)
    assert res.exit_code == 1 and res.stdout == ""  # like kubectl get: a missing object is 1, not 3
    assert res.stderr.startswith("error: ") and "nope" in res.stderr and "not found" in res.stderr
    assert len(res.stderr.splitlines()) == 1


def test_a_narrow_user_can_explain_what_they_may_read(live):
    live.make_restricted_user(namespace=NS)  # get/list/watch DGDs in NS, nothing else
    res = run(live, "explain", "llm", "-n", NS, "-o", "json", viewer=True)
    assert res.exit_code in (0, 1) and res.stderr == ""
    exp = res.json()
    assert exp["pathway"] == "grove"  # discovery is open to every authenticated user
    assert worker(exp)["scheduler"]["queueExists"] is None  # queues cannot be listed: not checked
    assert exp["capabilities"]["operatorVersion"] is None  # the operator cannot be found
