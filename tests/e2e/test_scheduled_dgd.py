"""DGDs whose pods the real kube-scheduler places and kwok runs (the scheduling plane).

No Dynamo operator or Grove runs, so the DGD, its PodCliqueScalingGroup/PodCliques and their status
are written as they would write them (test_get_describe.put), and the pods are submitted as Grove
creates them once their PodGang exists (gate lifted, `schedulerName` left to the default: Grove's
default-scheduler backend). Where they land, whether they fit, the FailedScheduling events and the
pods' Running status are the scheduler's and kwok's own.
"""

from __future__ import annotations

import pytest

from . import kube
from .scenarios import run
from .test_get_describe import COMPONENT_LABEL, DGD_LABEL, pclq, put, vllm_worker

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
            "services": {svc: {"componentKind": "PodCliqueScalingGroup", "componentNames": [f"{name}-0-{svc}"],
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
def dgd_crds(scheduling_cluster):
    return scheduling_cluster.install_crd_sets("project", sets=["dynamo", "grove"])


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
