"""`describe`'s reading of live objects (state/pods.py, objects.py, pending.py, describe.py), the child
ownership rule of cluster/dgds.py (pure), and the rendered view against golden files in
tests/unit/golden (UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from kubectl_dynamo.dgd.model import read_graph
from kubectl_dynamo.report.describe_text import render_description
from kubectl_dynamo.state import pods as livepods
from kubectl_dynamo.state.describe import describe, event_rows
from kubectl_dynamo.state.live_dgd import owned_children
from kubectl_dynamo.state.objects import object_status
from kubectl_dynamo.state.pending import GROVE_GATE, pending_reasons
from tests import golden

from .builders import dgd, frontend, vllm_worker

GOLDEN = Path(__file__).parent / "golden"
NOW = dt.datetime(2026, 1, 1, 1, 0, 0, tzinfo=dt.timezone.utc)
T0 = "2026-01-01T00:00:00Z"
NAME = "llm"


def assert_golden(name: str, actual: str) -> None:
    """Compare with GOLDEN/NAME (UPDATE_GOLDEN=1 rewrites it)."""
    golden.assert_golden(GOLDEN / name, actual)


def obj(kind: str, name: str, api_version: str = "grove.io/v1alpha1", *, spec: dict | None = None,
        status: dict | None = None, **meta: Any) -> dict:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, **meta}, "spec": spec or {},
            "status": status or {}}


def pod(name: str, *, svc: str = "decode", node: str | None = None, gpus: int = 8, labels: dict | None = None,
        gates: list[str] | None = None, phase: str = "Running", ready: bool = True, conditions: list | None = None,
        scheduler: str = "kai-scheduler", restarts: int = 0) -> dict:
    spec: dict[str, Any] = {"schedulerName": scheduler, "containers": [
        {"name": "main", "resources": {"limits": {"nvidia.com/gpu": str(gpus)}} if gpus else {}}]}
    if node:
        spec["nodeName"] = node
    if gates:
        spec["schedulingGates"] = [{"name": g} for g in gates]
    status: dict[str, Any] = {"phase": phase if node else "Pending", "conditions": conditions or []}
    if node:
        status["containerStatuses"] = [{"name": "main", "ready": ready, "restartCount": restarts,
                                        "state": {"running": {}} if phase == "Running" else {"waiting": {"reason": phase}}}]
    all_labels = {"nvidia.com/dynamo-graph-deployment-name": NAME, "nvidia.com/dynamo-component": svc, **(labels or {})}
    return {"metadata": {"name": name, "labels": all_labels}, "spec": spec, "status": status}


def event(kind: str, name: str, reason: str, message: str, *, type: str = "Warning", count: int = 1,
          first: str = T0, last: str | None = None) -> dict:
    return {"involvedObject": {"kind": kind, "name": name}, "reason": reason, "message": message, "type": type,
            "count": count, "firstTimestamp": first, "lastTimestamp": last or first}


UNFIT = "0/4 nodes are available: 4 Insufficient nvidia.com/gpu."


def grove_scene() -> dict[str, Any]:
    """decode: 2 replicas of 2 nodes × 8 GPUs at TP 16 on Grove + KAI; replica 0 runs, replica 1 is
    gated waiting for its PodGang; prefill (1 replica) cannot be placed."""
    doc = dgd({"Frontend": frontend(), "decode": vllm_worker(tp=16, nodes=2, gpu="8", replicas=2, sub_component_type="decode"),
               "prefill": vllm_worker(tp=8, nodes=2, gpu="8", sub_component_type="prefill")}, name=NAME, backend="vllm",
              namespace="inference")
    doc["metadata"].update({"uid": "uid-dgd", "creationTimestamp": T0})
    doc["status"] = {"state": "pending", "conditions": [
        {"type": "Ready", "status": "False", "reason": "some_resources_are_not_ready",
         "message": f"Resources not ready: pcsg/{NAME}-0-decode: desired=2, available=1"}],
        "services": {"Frontend": {"componentKind": "PodClique", "readyReplicas": 1},
                     "decode": {"componentKind": "PodCliqueScalingGroup", "availableReplicas": 1},
                     "prefill": {"componentKind": "PodCliqueScalingGroup", "availableReplicas": 0}}}
    children = [
        obj("PodCliqueSet", NAME, spec={"replicas": 1}, status={"availableReplicas": 0, "podGangStatuses": [
            {"name": f"{NAME}-0", "phase": "Pending"}]}),
        obj("PodCliqueScalingGroup", f"{NAME}-0-decode", spec={"replicas": 2, "minAvailable": 1},
            status={"availableReplicas": 1, "scheduledReplicas": 1}),
        obj("PodCliqueScalingGroup", f"{NAME}-0-prefill", spec={"replicas": 1, "minAvailable": 1},
            status={"availableReplicas": 0, "scheduledReplicas": 0, "conditions": [
                {"type": "MinAvailableBreached", "status": "True", "reason": "InsufficientAvailablePodCliqueScalingGroupReplicas",
                 "message": "available 0 < minAvailable 1"}]}),
        obj("PodClique", f"{NAME}-0-frontend", spec={"replicas": 1}, status={"readyReplicas": 1}),
        obj("PodClique", f"{NAME}-0-decode-1-decode-ldr", spec={"replicas": 1, "minAvailable": 1},
            status={"readyReplicas": 0, "scheduleGatedReplicas": 1}),
        obj("PodGang", f"{NAME}-0", "scheduler.grove.io/v1alpha1", status={"phase": "Pending", "conditions": [
            {"type": "Initialized", "status": "True", "reason": "PodGangPodsCreated"}]}),
        obj("PodGroup", f"{NAME}-0", "scheduling.run.ai/v2alpha2", spec={"minMember": 3, "queue": "dynamo"},
            status={"schedulingConditions": [{"type": "UnschedulableOnNodePool", "nodePool": "default", "message": UNFIT,
                                              "reasons": [{"reason": "OverLimit"}]}]}),
    ]
    grove = {"kai.scheduler/queue": "dynamo"}
    pods = [
        pod(f"{NAME}-0-frontend-abcde", svc="Frontend", node="cpu-0", gpus=0, labels=grove),
        pod(f"{NAME}-0-decode-0-decode-ldr-aaaaa", node="gpu-a", labels=grove),
        pod(f"{NAME}-0-decode-0-decode-wkr-bbbbb", node="gpu-b", restarts=2,
            labels={**grove, "grove.io/podclique-pod-index": "0"}),
        pod(f"{NAME}-0-decode-1-decode-ldr-ccccc", gates=[GROVE_GATE], labels={**grove, "grove.io/podgang": f"{NAME}-0-decode-0"}),
        pod(f"{NAME}-0-decode-1-decode-wkr-ddddd", gates=[GROVE_GATE],
            labels={**grove, "grove.io/podgang": f"{NAME}-0-decode-0", "grove.io/podclique-pod-index": "0"}),
        pod(f"{NAME}-0-prefill-0-prefill-ldr-eeeee", svc="prefill", labels=grove, conditions=[
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": UNFIT}]),
    ]
    events = [
        event("Pod", f"{NAME}-0-prefill-0-prefill-ldr-eeeee", "FailedScheduling", UNFIT, count=4,
              first="2026-01-01T00:50:00Z", last="2026-01-01T00:59:30Z"),
        event("Pod", f"{NAME}-0-decode-0-decode-ldr-aaaaa", "FailedScheduling", "old news: 0/2 nodes are available",
              first="2026-01-01T00:01:00Z"),
        event("Pod", f"{NAME}-0-decode-0-decode-ldr-aaaaa", "Scheduled", "Successfully assigned to gpu-a", type="Normal",
              first="2026-01-01T00:02:00Z"),
    ]
    gpu_node = {"status": {"allocatable": {"nvidia.com/gpu": "8"}}}
    nodes = {"gpu-a": gpu_node, "gpu-b": gpu_node}
    return {"obj": doc, "children": children, "pods": pods, "events": events, "nodes": nodes}


# --- pods ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "labels", "expected"), [
    pytest.param("llm-0-decode-0-decode-ldr-x7k2p", {}, ("leader", 0), id="Grove leader by name"),
    pytest.param("llm-0-decode-0-decode-wkr-x7k2p", {"grove.io/podclique-pod-index": "2"}, ("worker", 3),
                 id="Grove worker: rank is pod index + 1"),
    pytest.param("llm-0-decode-0-decode-wkr-x7k2p", {}, ("worker", None), id="Grove worker without the index label"),
    pytest.param("p", {"grove.io/podclique": "llm-0-decode-0-decode-ldr"}, ("leader", 0), id="Grove role from the clique label"),
    pytest.param("d-0", {"role": "leader", "leaderworkerset.sigs.k8s.io/worker-index": "0"}, ("leader", 0), id="LWS leader"),
    pytest.param("d-0-3", {"role": "worker", "leaderworkerset.sigs.k8s.io/worker-index": "3"}, ("worker", 3), id="LWS worker"),
    pytest.param("d-0-1", {"leaderworkerset.sigs.k8s.io/worker-index": "1"}, ("worker", 1), id="LWS index without role"),
    pytest.param("llm-0-frontend-x", {}, ("main", None), id="single-node pods are main"),
])
def test_role_and_rank(name, labels, expected):
    assert livepods.role_and_rank({"metadata": {"name": name, "labels": labels}}) == expected


@pytest.mark.parametrize(("p", "text"), [
    pytest.param(pod("a", gates=["x"]), "SchedulingGated", id="gated"),
    pytest.param(pod("a", node="n", phase="CrashLoopBackOff"), "CrashLoopBackOff", id="a waiting container's reason"),
    pytest.param({**pod("a", node="n"), "metadata": {"name": "a", "deletionTimestamp": T0}}, "Terminating", id="deleting"),
    pytest.param(pod("a"), "Pending", id="unscheduled"),
    pytest.param(pod("a", node="n"), "Running", id="running"),
])
def test_pod_status_reads_like_kubectl_get_pods(p, text):
    assert livepods.pod_status_text(p) == text


def test_pod_gpus_count_containers_and_the_largest_init_container():
    p = {"spec": {"containers": [{"resources": {"limits": {"nvidia.com/gpu": "4"}}},
                                 {"resources": {"requests": {"nvidia.com/gpu": "2"}}}],
                  "initContainers": [{"resources": {"limits": {"nvidia.com/gpu": "8"}}}]}}
    assert livepods.pod_row({"metadata": {"name": "p"}, **p}).gpus == 8
    assert livepods.pod_row({"metadata": {"name": "p"}, "spec": {"containers": [{}]}}).gpus == 0


def test_placement_lists_nodes_then_unscheduled_pods_and_notes_shared_nodes():
    rows = livepods.pod_rows([pod("llm-0-decode-0-decode-ldr-a", node="n1"), pod("llm-0-decode-0-decode-wkr-b", node="n1"),
                              pod("llm-0-decode-1-decode-ldr-c", node="n2"), pod("x-pending")])
    placed = livepods.placement(rows, {"n1": {"status": {"allocatable": {"nvidia.com/gpu": "8"}}}})
    assert [(p.node, p.gpus, p.allocatable, len(p.pods)) for p in placed] == [("n1", 16, 8, 2), ("n2", 8, None, 1),
                                                                            (None, 8, None, 1)]
    notes = livepods.shared_nodes(rows)
    assert len(notes) == 1 and "share node n1" in notes[0]


# --- objects -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("o", "text", "healthy"), [
    pytest.param(obj("PodClique", "c", spec={"replicas": 2, "minAvailable": 2},
                     status={"readyReplicas": 1, "scheduledReplicas": 2, "scheduleGatedReplicas": 1}),
                 "ready 1/2, scheduled 2, gated 1, minAvailable 2", False, id="PodClique"),
    pytest.param(obj("PodCliqueScalingGroup", "g", spec={"replicas": 1}, status={"availableReplicas": 1}),
                 "available 1/1", True, id="PCSG available"),
    pytest.param(obj("PodGang", "g", "scheduler.grove.io/v1alpha1", status={"phase": "Running"}), "phase Running", True,
                 id="PodGang running"),
    pytest.param(obj("PodGang", "g", "scheduler.grove.io/v1alpha1"), "phase <none>", None, id="PodGang without status"),
    pytest.param(obj("PodGroup", "g", "scheduling.volcano.sh/v1beta1", spec={"minMember": 2},
                     status={"phase": "Inqueue", "running": 0}), "phase Inqueue, running 0/2", False, id="Volcano PodGroup"),
    pytest.param(obj("PodGroup", "g", "scheduling.run.ai/v2alpha2", spec={"minMember": 2}), "minMember 2", None,
                 id="KAI PodGroup without conditions"),
    pytest.param(obj("LeaderWorkerSet", "l", "leaderworkerset.x-k8s.io/v1", spec={"replicas": 1, "leaderWorkerTemplate": {"size": 2}},
                     status={"readyReplicas": 1}), "ready 1/1, size 2", True, id="LWS"),
    pytest.param(obj("Deployment", "d", "apps/v1", spec={"replicas": 1}), "ready 0/1", False, id="Deployment"),
    pytest.param(obj("DynamoComponentDeployment", "d", "nvidia.com/v1alpha1"), "no status yet", None, id="DCD without status"),
])
def test_object_status_per_kind(o, text, healthy):
    s = object_status(o)
    assert (s.status, s.healthy) == (text, healthy)


def test_troubled_conditions_become_problems_and_healthy_ones_do_not():
    o = obj("PodClique", "c", spec={"replicas": 1}, status={"readyReplicas": 1, "conditions": [
        {"type": "MinAvailableBreached", "status": "False", "reason": "SufficientReadyPods"},
        {"type": "PodCliqueScheduled", "status": "False", "reason": "InsufficientScheduledPods", "message": "0 of 1"}]})
    assert object_status(o).problems == [("InsufficientScheduledPods", "0 of 1")]


# --- ownership (cluster/dgds.py, pure) -------------------------------------------------------------------


def test_children_are_claimed_by_exact_names_not_by_prefix():
    graph = read_graph(dgd({"Frontend": frontend(), "decode": vllm_worker(tp=16, nodes=2, gpu="8")}, name="llm"))
    names = ["llm", "llm-0", "llm-0-decode", "llm-0-decode-1-decode-wkr", "llm-0-frontend", "llm-0-decode-0",
             "llm-frontend", "llm-decode-1a2b3c4d", "llm-decode-1a2b3c4d-0",
             "llm-disagg", "llm-disagg-0-decode", "llm-0-other", "llm-decode-zzz", "llmx"]
    kept = owned_children(graph, "uid-llm", [obj("X", n) for n in names])
    assert [k["metadata"]["name"] for k in kept] == names[:9]


def test_children_are_also_claimed_through_owner_references_but_never_from_another_dgd():
    graph = read_graph(dgd(name="llm"))
    owned = obj("PodCliqueSet", "renamed", uid="u1", ownerReferences=[{"kind": "DynamoGraphDeployment", "uid": "uid-llm"}])
    grandchild = obj("PodClique", "renamed-child", uid="u2", ownerReferences=[{"kind": "PodCliqueSet", "uid": "u1"}])
    foreign = obj("PodCliqueSet", "llm", ownerReferences=[{"kind": "DynamoGraphDeployment", "name": "llm", "uid": "uid-old"}])
    kept = owned_children(graph, "uid-llm", [grandchild, foreign, owned])
    assert [k["metadata"]["name"] for k in kept] == ["renamed", "renamed-child"]


# --- why pending -------------------------------------------------------------------------------------


def test_grove_gate_is_explained_against_its_podgang():
    gated = pod("p", gates=[GROVE_GATE], labels={"grove.io/podgang": "llm-0"})
    missing = pending_reasons([gated], [], [])
    assert "PodGang llm-0 does not exist yet" in missing[0].message
    assert missing[0].objects == ["Pod/p"]
    initialized = obj("PodGang", "llm-0", "scheduler.grove.io/v1alpha1", status={"conditions": [{"type": "Initialized", "status": "True"}]})
    stuck = pending_reasons([gated], [initialized], [])
    assert "Initialized but the gate is still there" in stuck[0].message and "14278" in stuck[0].message
    creating = obj("PodGang", "llm-0", "scheduler.grove.io/v1alpha1", status={"conditions": [
        {"type": "Initialized", "status": "False", "reason": "PodGangPodsCreationPending"}]})
    assert "not initialized yet (PodGangPodsCreationPending)" in pending_reasons([gated], [creating], [])[0].message


def test_other_gates_are_named():
    reasons = pending_reasons([pod("p", gates=["example.com/hold"])], [], [])
    assert reasons[0].reason == "SchedulingGated" and "example.com/hold" in reasons[0].message


def test_the_schedulers_condition_and_event_with_the_same_words_are_one_reason():
    p = pod("p", conditions=[{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": UNFIT}])
    reasons = pending_reasons([p], [], [event("Pod", "p", "FailedScheduling", UNFIT)])
    assert [(r.reason, r.message, r.objects) for r in reasons] == [("FailedScheduling, Unschedulable", UNFIT, ["Pod/p"])]


def test_events_about_pods_that_are_bound_by_now_are_history():
    assert pending_reasons([pod("p", node="n")], [], [event("Pod", "p", "FailedScheduling", UNFIT)]) == []


def test_a_pod_nobody_reported_on_says_so():
    reasons = pending_reasons([pod("p", scheduler="kai-scheduler")], [], [])
    assert reasons[0].reason == "NotScheduledYet" and "schedulerName kai-scheduler" in reasons[0].message


def test_gang_conditions_are_reasons():
    vg = obj("PodGroup", "g", "scheduling.volcano.sh/v1beta1", spec={"minMember": 2}, status={"phase": "Inqueue", "conditions": [
        {"type": "Unschedulable", "status": "True", "reason": "NotEnoughResources", "message": "2/2 tasks in gang unschedulable"}]})
    kai = obj("PodGroup", "k", "scheduling.run.ai/v2alpha2", status={"schedulingConditions": [
        {"type": "UnschedulableOnNodePool", "message": "queue missing", "reasons": [{"reason": "QueueDoesNotExist"}]}]})
    reasons = pending_reasons([], [vg, kai], [], [object_status(vg), object_status(kai)])
    assert [(r.reason, r.objects) for r in reasons] == [("NotEnoughResources", ["PodGroup/g"]), ("QueueDoesNotExist", ["PodGroup/k"])]


# --- the whole description ---------------------------------------------------------------------------


def test_events_are_oldest_first_with_kubectl_ages():
    rows = event_rows(grove_scene()["events"])
    assert [e.reason for e in rows] == ["FailedScheduling", "Scheduled", "FailedScheduling"]
    assert rows[-1].age(NOW) == "30s (x4 over 10m)"


def test_description_of_a_grove_dgd():
    d = describe(**grove_scene())
    assert (d.state, d.orchestrator, d.scheduler, d.queue, d.total_gpus, d.gpu_nodes) == (
        "pending", "grove", "kai-scheduler", "dynamo", 48, 6)
    assert [(s.name, s.ready, s.desired, s.parallelism.tp if s.parallelism else None) for s in d.services] == [
        ("Frontend", 1, 1, None), ("decode", 1, 2, 16), ("prefill", 0, 1, 8)]
    assert [(p.role, p.rank) for p in d.pods if p.service == "decode"] == [("leader", 0), ("worker", 1), ("leader", 0), ("worker", 1)]
    reasons = {r.reason for r in d.pending}
    assert {"SchedulingGated", "FailedScheduling, Unschedulable", "InsufficientAvailablePodCliqueScalingGroupReplicas",
            "OverLimit", "PodGangPending"} <= reasons
    assert not any("old news" in r.message for r in d.pending)
    assert [f.code for f in d.findings] == ["TP_MISMATCH", "NOT_MULTINODE_ENGINE"]  # prefill: TP 8 on 2 × 8 GPUs


def test_description_json_shape():
    data = json.loads(json.dumps(describe(**grove_scene()).to_dict()))
    assert data["kind"] == "Description"
    assert set(data) >= {"apiVersion", "name", "namespace", "state", "ready", "orchestrator", "scheduler", "services",
                         "objects", "pods", "placement", "pending", "events", "findings", "notes"}
    assert data["services"][1]["parallelism"] == {"tp": 16, "pp": 1, "dp": 1}
    assert data["events"][-1]["lastTimestamp"] == "2026-01-01T00:59:30Z"


def test_description_of_a_dgd_without_anything_around_it():
    d = describe(dgd(name="bare"), forbidden={"pods": "forbidden: cannot list pods"})
    assert (d.state, d.orchestrator, d.pods, d.pending) == (None, None, [], [])
    assert d.notes == ["cannot list pods: forbidden: cannot list pods"]
    out = io.StringIO()
    render_description(d, out, NOW)
    assert out.getvalue().splitlines()[-7:] == [
        "Objects:       <none>", "Pods:          <none>", "Placement:     <none>", "Why Pending:   <none>",
        "Findings:      <none>", "Note:          cannot list pods: forbidden: cannot list pods", "Events:        <none>"]


def test_describe_text_golden():
    out = io.StringIO()
    render_description(describe(**grove_scene()), out, NOW)
    assert_golden("describe-grove.txt", out.getvalue())
