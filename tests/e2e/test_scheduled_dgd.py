"""DGDs whose pods the real kube-scheduler places and kwok runs (the scheduling plane).

No Dynamo operator or Grove runs, so the DGD, its PodCliqueScalingGroup/PodCliques and their status
are written as they would write them (test_get_describe.put), and the pods are submitted as Grove
creates them once their PodGang exists (gate lifted, `schedulerName` left to the default: Grove's
default-scheduler backend). Where they land, whether they fit, the FailedScheduling events and the
pods' Running status are the scheduler's and kwok's own.
"""

from __future__ import annotations

import datetime
import re

import pytest

from . import kube
from .scenarios import run
from .test_get_describe import COMPONENT_LABEL, DGD_LABEL, PLURALS, pclq, put, vllm_worker

pytestmark = pytest.mark.e2e

NODE_GPUS = 4


def gpu_nodes(c: kube.Cluster, count: int = 2, gpus: int = NODE_GPUS, prefix: str = "kw-h100") -> list[str]:
    names = [f"{prefix}-{i}" for i in range(count)]
    for n in names:
        c.create_gpu_node(n, gpus=gpus)
    return names


def vllm_gang(c: kube.Cluster, ns: str, name: str, *, nodes: int = 2, gpus: int = NODE_GPUS, tp: int = 8) -> list[str]:
    """A vLLM DGD with one multinode decode worker (nodes × gpus) on the Grove path, its PCSG and
    PodCliques as Grove reports them before the pods run, and its leader and worker pods submitted
    for the scheduler; returns the pod names, leader first."""
    svc = "decode"
    put(c, ns, {
        "apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment", "metadata": {"name": name},
        "spec": {"backendFramework": "vllm", "services": {svc: vllm_worker(svc, 1, nodes, gpus, tp)}},
        "status": {"state": "pending", "conditions": [{
            "type": "Ready", "status": "False", "reason": "some_resources_are_not_ready",
            "lastTransitionTime": "2026-01-01T00:00:00Z",
            "message": f"Resources not ready: pcsg/{name}-0-{svc}: desired=1, available=0"}],
            "services": {svc: {"componentKind": "PodCliqueScalingGroup", "componentName": f"{name}-0-{svc}",
                               "componentNames": [f"{name}-0-{svc}"],
                               "replicas": 1, "availableReplicas": 0, "updatedReplicas": 1}}},
    })
    put(c, ns, {"apiVersion": "grove.io/v1alpha1", "kind": "PodCliqueScalingGroup", "metadata": {"name": f"{name}-0-{svc}"},
                "spec": {"replicas": 1, "minAvailable": 1, "cliqueNames": [f"{svc}-ldr", f"{svc}-wkr"]},
                "status": {"replicas": 1, "availableReplicas": 0, "scheduledReplicas": 0, "updatedReplicas": 1}})
    put(c, ns, pclq(f"{name}-0-{svc}-0-{svc}-ldr", 1, 0, scheduledReplicas=0))
    put(c, ns, pclq(f"{name}-0-{svc}-0-{svc}-wkr", nodes - 1, 0, scheduledReplicas=0))
    pods = []
    for role, index in [("ldr", 0)] + [("wkr", i) for i in range(nodes - 1)]:
        clique = f"{name}-0-{svc}-0-{svc}-{role}"
        pod = f"{clique}-{'abcde'[index]}{role[0]}x7k"
        c.submit_pod(ns, pod, gpus=gpus, labels={
            DGD_LABEL: name, COMPONENT_LABEL: svc, "grove.io/podclique": clique, "grove.io/podgang": f"{name}-0",
            "grove.io/podcliquescalinggroup": f"{name}-0-{svc}", "grove.io/podcliquescalinggroup-replica-index": "0",
            "grove.io/podclique-pod-index": str(index), "app.kubernetes.io/part-of": name})
        pods.append(pod)
    return pods


@pytest.fixture
def dgd_crds(crd_source, scheduling_cluster):
    """The DGD and Grove CRDs of each source (project, upstream) on the scheduling plane."""
    return scheduling_cluster.install_crd_sets(crd_source, sets=["dynamo", "grove"])


def test_a_dgd_that_fits_is_placed_one_rank_per_node_and_runs(scheduling_cluster, scheduling_namespace, dgd_crds):
    c, ns = scheduling_cluster, scheduling_namespace
    nodes = gpu_nodes(c)
    pods = vllm_gang(c, ns, "llm")
    placed = c.wait_for_pods(ns, pods)
    assert sorted(p["spec"]["nodeName"] for p in placed) == nodes  # 4 GPUs each: only one rank per node fits
    desc = run(c, "describe", "llm", "-n", ns, "-o", "json").json()
    assert [(p["role"], p["rank"], p["status"]) for p in desc["pods"]] == [("leader", 0, "Running"), ("worker", 1, "Running")]
    assert desc["pending"] == []
    assert {p["node"]: p["gpus"] for p in desc["placement"]} == dict.fromkeys(nodes, NODE_GPUS)
    assert all(p["allocatable"] == NODE_GPUS for p in desc["placement"])


def test_a_dgd_needing_more_gpus_than_a_node_has_stays_pending_and_describe_says_why(
        scheduling_cluster, scheduling_namespace, dgd_crds):
    c, ns = scheduling_cluster, scheduling_namespace
    gpu_nodes(c)
    pods = vllm_gang(c, ns, "too-big", gpus=8, tp=16)  # 2 × 8 GPUs on nodes of 4
    stuck = c.wait_for_pods(ns, pods, "unschedulable")
    messages = {next(x for x in p["status"]["conditions"] if x["type"] == "PodScheduled")["message"] for p in stuck}
    (scheduler_says,) = messages  # both ranks: the same words
    assert scheduler_says.startswith("0/2 nodes are available: 2 Insufficient nvidia.com/gpu.")
    c._wait(lambda: all(any(e["reason"] == "FailedScheduling" for e in c.request(
        "GET", f"/api/v1/namespaces/{ns}/events", query={"fieldSelector": f"involvedObject.name={p}"})["items"])
        for p in pods), 20, "the scheduler's FailedScheduling events")

    desc = run(c, "describe", "too-big", "-n", ns, "-o", "json").json()
    assert [p["status"] for p in desc["pods"]] == ["Pending", "Pending"]
    (reason,) = [r for r in desc["pending"] if "Insufficient nvidia.com/gpu" in r["message"]]
    assert reason["message"] == scheduler_says  # the scheduler's own words, not ours
    assert set(reason["reason"].split(", ")) == {"FailedScheduling", "Unschedulable"}  # its event and its condition
    assert sorted(reason["objects"]) == sorted(f"Pod/{p}" for p in pods)
    events = [e for e in desc["events"] if e["reason"] == "FailedScheduling"]
    assert {e["object"]["name"] for e in events} == set(pods) and all(e["type"] == "Warning" for e in events)
    # nothing was placed: all 16 GPUs wait
    assert desc["placement"] == [{"node": None, "pods": pods, "gpus": 16, "allocatable": None}]

    text = run(c, "describe", "too-big", "-n", ns)
    assert text.exit_code == 0
    why = text.stdout[text.stdout.index("Why Pending:"):].split("\nFindings")[0]
    assert "FailedScheduling" in why and scheduler_says in why


# --- drift: each finding from a real disagreement, none when the objects agree --------------------


def patch_status(c: kube.Cluster, ns: str, kind: str, name: str, status: dict) -> None:
    group_version = "nvidia.com/v1alpha1" if kind == "DynamoGraphDeployment" else "grove.io/v1alpha1"
    c.request("PATCH", f"/apis/{group_version}/namespaces/{ns}/{PLURALS[kind]}/{name}/status", {"status": status},
              content_type="application/merge-patch+json")


def running_gang(c: kube.Cluster, ns: str, name: str = "llm", **kw) -> list[str]:
    """vllm_gang placed and running, and the status Grove and the operator then report: PCSG and
    PodCliques ready, the DGD Ready with availableReplicas 1 (generation observed)."""
    pods = vllm_gang(c, ns, name, **kw)
    c.wait_for_pods(ns, pods)
    svc = "decode"
    patch_status(c, ns, "PodCliqueScalingGroup", f"{name}-0-{svc}",
                 {"availableReplicas": 1, "scheduledReplicas": 1, "updatedReplicas": 1})
    for role in ("ldr", "wkr"):
        patch_status(c, ns, "PodClique", f"{name}-0-{svc}-0-{svc}-{role}",
                     {"readyReplicas": 1, "scheduledReplicas": 1, "updatedReplicas": 1})
    generation = c.request("GET", f"/apis/nvidia.com/v1alpha1/namespaces/{ns}/dynamographdeployments/{name}")[
        "metadata"]["generation"]
    patch_status(c, ns, "DynamoGraphDeployment", name, {
        "observedGeneration": generation, "state": "successful",
        "conditions": [{"type": "Ready", "status": "True", "reason": "all_resources_are_ready",
                        "message": "All resources are ready", "lastTransitionTime": "2026-01-01T00:00:00Z"}],
        "services": {svc: {"availableReplicas": 1, "updatedReplicas": 1}}})
    return pods


def drift(c: kube.Cluster, ns: str, name: str = "llm") -> list[dict]:
    res = run(c, "describe", name, "-n", ns, "-o", "json")
    assert res.exit_code == 0, res.stderr
    data = res.json()
    assert [f["code"] for f in data["findings"] if f["code"].startswith("DRIFT_")] == [d["code"] for d in data["drift"]]
    return data["drift"]


def wide_drift(c: kube.Cluster, ns: str, name: str = "llm") -> str:
    res = run(c, "get", "-n", ns, "-o", "wide")
    assert res.exit_code == 0, res.stderr
    header, *rows = [re.split(r"\s{3,}", line.strip()) for line in res.stdout.splitlines()]
    return next(dict(zip(header, r, strict=True)) for r in rows if r[0] == name)["DRIFT"]


def test_no_drift_when_the_dgd_its_children_and_pods_agree(scheduling_cluster, scheduling_namespace, dgd_crds):
    c, ns = scheduling_cluster, scheduling_namespace
    gpu_nodes(c)
    running_gang(c, ns)
    assert drift(c, ns) == []
    assert wide_drift(c, ns) == "-"


def test_dgd_status_behind_its_children_after_they_recovered(scheduling_cluster, scheduling_namespace, dgd_crds):
    """ai-dynamo/dynamo#10527: the DGD stays Ready=False with stale counts while the PCSG and its
    running pods are healthy."""
    c, ns = scheduling_cluster, scheduling_namespace
    gpu_nodes(c)
    running_gang(c, ns)
    patch_status(c, ns, "DynamoGraphDeployment", "llm", {
        "state": "pending", "conditions": [{"type": "Ready", "status": "False", "reason": "some_resources_are_not_ready",
                                            "message": "Resources not ready: pcsg/llm-0-decode: desired=1, available=0",
                                            "lastTransitionTime": "2026-01-01T00:00:00Z"}],
        "services": {"decode": {"availableReplicas": 0, "updatedReplicas": 0}}})
    found = {d["code"]: d for d in drift(c, ns)}
    assert set(found) == {"DRIFT_READY_REPLICAS", "DRIFT_UPDATED_REPLICAS", "DRIFT_NOT_READY_AFTER_RECOVERY"}
    ready = found["DRIFT_READY_REPLICAS"]
    assert (ready["claimed"]["value"], ready["observed"]["value"], ready["right"]) == (
        0, 1, "PodCliqueScalingGroup/llm-0-decode")
    assert (found["DRIFT_UPDATED_REPLICAS"]["claimed"]["value"], found["DRIFT_UPDATED_REPLICAS"]["observed"]["value"]) == (0, 1)
    assert wide_drift(c, ns) == "READY_REPLICAS=0≠1,UPDATED_REPLICAS=0≠1,NOT_READY_AFTER_RECOVERY=0≠1"


def test_a_rank_gone_while_the_pcsg_and_the_dgd_still_say_ready(scheduling_cluster, scheduling_namespace, dgd_crds):
    c, ns = scheduling_cluster, scheduling_namespace
    gpu_nodes(c)
    pods = running_gang(c, ns)
    c.request("DELETE", f"/api/v1/namespaces/{ns}/pods/{pods[1]}")  # the worker rank's pod is gone (kwok removes it)
    c._wait(lambda: pods[1] not in {p["metadata"]["name"] for p in c.request("GET", f"/api/v1/namespaces/{ns}/pods")["items"]},
            20, "the worker pod to go")
    found = {d["code"]: d for d in drift(c, ns)}
    assert set(found) == {"DRIFT_POD_READY", "DRIFT_READY_CONDITION"}
    pods_say = found["DRIFT_POD_READY"]
    assert (pods_say["claimed"]["value"], pods_say["observed"]["value"], pods_say["right"]) == (1, 0, "the pods")
    assert found["DRIFT_READY_CONDITION"]["observed"]["value"] == 0


def test_both_ranks_packed_on_one_node_by_the_scheduler(scheduling_cluster, scheduling_namespace, dgd_crds):
    """ai-dynamo/dynamo#4975: nodeCount 2, one node with room for both ranks, no anti-affinity:
    kube-scheduler puts both on it."""
    c, ns = scheduling_cluster, scheduling_namespace
    (node,) = gpu_nodes(c, count=1, gpus=8)
    pods = running_gang(c, ns)
    assert {c.get_pod(ns, p)["spec"]["nodeName"] for p in pods} == {node}
    (found,) = drift(c, ns)
    assert (found["code"], found["claimed"]["value"], found["observed"]["value"]) == ("DRIFT_GANG_NODES", 1, 2)
    assert node in found["message"]


def test_a_spec_change_the_operator_has_not_observed(scheduling_cluster, scheduling_namespace, dgd_crds):
    c, ns = scheduling_cluster, scheduling_namespace
    gpu_nodes(c)
    running_gang(c, ns)
    path = f"/apis/nvidia.com/v1alpha1/namespaces/{ns}/dynamographdeployments/llm"
    before = c.request("GET", path)["metadata"]["generation"]
    c.request("PATCH", path, {"metadata": {"labels": {"team": "a"}}}, content_type="application/merge-patch+json")
    assert c.request("GET", path)["metadata"]["generation"] == before  # metadata is not the spec
    assert drift(c, ns) == []
    c.request("PATCH", path, {"spec": {"services": {"decode": {"envs": [{"name": "NCCL_DEBUG", "value": "INFO"}]}}}},
              content_type="application/merge-patch+json")
    (found,) = drift(c, ns)
    assert (found["code"], found["claimed"]["value"], found["observed"]["value"]) == (
        "DRIFT_GENERATION_NOT_OBSERVED", before, before + 1)


def test_a_grove_update_that_does_not_progress(scheduling_cluster, scheduling_namespace, dgd_crds):
    c, ns = scheduling_cluster, scheduling_namespace
    gpu_nodes(c)
    running_gang(c, ns)
    started = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    patch_status(c, ns, "PodCliqueScalingGroup", "llm-0-decode",
                 {"updatedReplicas": 0, "updateProgress": {"updateStartedAt": started, "podCliqueSetGenerationHash": "5f7d9c"}})
    patch_status(c, ns, "DynamoGraphDeployment", "llm", {"services": {"decode": {"updatedReplicas": 0}}})
    (found,) = drift(c, ns)
    assert (found["code"], found["claimed"]["value"], found["observed"]["value"]) == ("DRIFT_ROLLOUT_STALLED", 0, 1)
    assert "started 20m ago" in found["message"]
    patch_status(c, ns, "PodCliqueScalingGroup", "llm-0-decode",
                 {"updatedReplicas": 1, "updateProgress": {"updateEndedAt": started}})
    patch_status(c, ns, "DynamoGraphDeployment", "llm", {"services": {"decode": {"updatedReplicas": 1}}})
    assert drift(c, ns) == []
