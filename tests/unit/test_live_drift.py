"""Drift between a DGD's status, its children and its pods (state/drift.py), over plain dicts: each
finding from one disagreement, and none when the objects agree."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from kubectl_dynamo.state import drift as d

from .builders import dgd, frontend, vllm_worker

NOW = dt.datetime(2026, 1, 1, 1, 0, 0, tzinfo=dt.timezone.utc)
NAME = "llm"


def obj(kind: str, name: str, api_version: str = "grove.io/v1alpha1", *, spec: dict | None = None,
        status: dict | None = None, generation: int = 1) -> dict:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "generation": generation},
            "spec": spec or {}, "status": {"observedGeneration": generation, **(status or {})}}


def pod(name: str, svc: str, node: str | None, *, ready: bool = True, labels: dict | None = None) -> dict:
    spec: dict[str, Any] = {"containers": [{"name": "main"}]}
    if node:
        spec["nodeName"] = node
    return {"metadata": {"name": name, "labels": {"nvidia.com/dynamo-graph-deployment-name": NAME,
                                                  "nvidia.com/dynamo-component": svc, **(labels or {})}},
            "spec": spec, "status": {"phase": "Running" if node else "Pending",
                                     "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def grove_pod(svc: str, role: str, replica: int, node: str | None, index: int = 0, **kw: Any) -> dict:
    clique = f"{NAME}-0-{svc}-{replica}-{svc}-{role}"
    labels = {"grove.io/podclique": clique, "grove.io/podcliquescalinggroup": f"{NAME}-0-{svc}",
              "grove.io/podcliquescalinggroup-replica-index": str(replica), "grove.io/podclique-pod-index": str(index)}
    return pod(f"{clique}-{index}", svc, node, labels=labels, **kw)


def grove_scene() -> dict[str, Any]:
    """Frontend (PodClique) + decode (2 replicas × 2 nodes, PCSG), everything ready and agreeing."""
    doc = dgd({"Frontend": frontend(), "decode": vllm_worker(tp=8, nodes=2, gpu="4", replicas=2)}, name=NAME)
    doc["metadata"]["generation"] = 3
    doc["status"] = {"observedGeneration": 3, "state": "successful",
                     "conditions": [{"type": "Ready", "status": "True", "reason": "all_resources_are_ready"}],
                     "services": {"Frontend": {"componentKind": "PodClique", "componentNames": [f"{NAME}-0-frontend"],
                                               "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1},
                                  "decode": {"componentKind": "PodCliqueScalingGroup", "componentNames": [f"{NAME}-0-decode"],
                                             "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2}}}
    children = [
        obj("PodCliqueSet", NAME, spec={"replicas": 1}, status={"availableReplicas": 1}),
        obj("PodClique", f"{NAME}-0-frontend", spec={"replicas": 1},
            status={"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1}),
        obj("PodCliqueScalingGroup", f"{NAME}-0-decode", spec={"replicas": 2},
            status={"replicas": 2, "availableReplicas": 2, "updatedReplicas": 2}),
    ]
    pods = [pod(f"{NAME}-0-frontend-x", "Frontend", "cpu-0", labels={"grove.io/podclique": f"{NAME}-0-frontend"})]
    for r, nodes in ((0, ("g0", "g1")), (1, ("g2", "g3"))):
        pods.append(grove_pod("decode", "ldr", r, nodes[0]))
        pods.append(grove_pod("decode", "wkr", r, nodes[1]))
    return {"dgd": doc, "children": children, "pods": pods}


def codes(scene: dict, now: dt.datetime | None = NOW, pods: bool = True) -> list[str]:
    return [x.code for x in d.read_drift(scene["dgd"], scene["children"], scene["pods"] if pods else None, now)]


def child(scene: dict, name: str) -> dict:
    return next(c for c in scene["children"] if c["metadata"]["name"] == name)


def test_no_drift_when_everything_agrees():
    assert d.read_drift(**grove_scene(), now=NOW) == []


def test_dgd_updated_replicas_behind_the_pcsg_is_issue_10527():
    scene = grove_scene()
    scene["dgd"]["status"]["services"]["decode"]["updatedReplicas"] = 1
    (found,) = d.read_drift(**scene, now=NOW)
    assert (found.code, found.service, found.claimed, found.observed) == (d.UPDATED_REPLICAS, "decode", 1, 2)
    assert found.right == f"PodCliqueScalingGroup/{NAME}-0-decode"
    assert found.claimed_by == f"DynamoGraphDeployment/{NAME} status.services.decode.updatedReplicas"
    assert "#10527" in found.message


def test_dgd_ready_count_against_the_workload_and_the_ready_condition():
    scene = grove_scene()
    child(scene, f"{NAME}-0-decode")["status"]["availableReplicas"] = 1
    scene["pods"][-1]["status"]["conditions"][0]["status"] = "False"  # replica 1's worker is not ready
    found = {x.code: x for x in d.read_drift(**scene, now=NOW)}
    assert set(found) == {d.READY_REPLICAS, d.READY_CONDITION}
    assert (found[d.READY_REPLICAS].claimed, found[d.READY_REPLICAS].observed) == (2, 1)
    assert found[d.READY_REPLICAS].field == "availableReplicas"
    cond = found[d.READY_CONDITION]
    assert (cond.claimed, cond.observed, cond.service) == (2, 1, "decode")
    assert cond.message.startswith("the DGD says Ready, but decode has 1 of 2 replicas ready")


def test_workload_object_against_its_pods():
    scene = grove_scene()
    scene["pods"][1]["status"]["conditions"][0]["status"] = "False"  # replica 0's leader not ready
    found = {x.code: x for x in d.read_drift(**scene, now=NOW)}
    assert set(found) == {d.POD_READY, d.READY_CONDITION}
    pr = found[d.POD_READY]
    assert (pr.claimed, pr.observed, pr.right) == (2, 1, "the pods")
    assert pr.message == f"PodCliqueScalingGroup/{NAME}-0-decode says 2 ready, its pods show 1"
    # without pods nothing is judged from them
    assert codes(scene, pods=False) == []


def test_not_ready_after_the_children_recovered():
    scene = grove_scene()
    scene["dgd"]["status"]["conditions"][0].update(status="False", reason="some_resources_are_not_ready")
    (found,) = d.read_drift(**scene, now=NOW)
    assert found.code == d.NOT_READY_AFTER_RECOVERY and (found.claimed, found.observed) == (0, 2)
    assert "(some_resources_are_not_ready)" in found.message
    # not when a service really is short
    child(scene, f"{NAME}-0-decode")["status"].update(availableReplicas=1)
    scene["dgd"]["status"]["services"]["decode"]["availableReplicas"] = 1
    scene["pods"][-1]["status"]["conditions"][0]["status"] = "False"
    assert codes(scene) == []


def test_generation_not_observed_on_the_dgd_and_a_child():
    scene = grove_scene()
    scene["dgd"]["metadata"]["generation"] = 4
    child(scene, f"{NAME}-0-frontend")["metadata"]["generation"] = 2
    found = d.read_drift(**scene, now=NOW)
    assert [(x.code, x.claimed, x.observed) for x in found] == [(d.GENERATION, 3, 4), (d.GENERATION, 1, 2)]
    assert found[0].message.startswith(f"DynamoGraphDeployment/{NAME}: the Dynamo operator has not observed generation 4")
    assert "the PodClique controller" in found[1].message


def test_generation_lag_keeps_a_not_ready_dgd_from_being_called_stale():
    scene = grove_scene()
    scene["dgd"]["status"]["conditions"][0]["status"] = "False"
    scene["dgd"]["metadata"]["generation"] = 4
    assert codes(scene) == [d.GENERATION]


def test_ranks_packed_on_fewer_nodes_than_node_count():
    scene = grove_scene()
    scene["pods"][3]["spec"]["nodeName"] = "g0"  # replica 1's leader lands with replica 0's leader
    scene["pods"][4]["spec"]["nodeName"] = "g2"  # replica 1's worker with... nobody: still 2 nodes
    assert codes(scene) == []
    scene["pods"][4]["spec"]["nodeName"] = "g0"
    (found,) = d.read_drift(**scene, now=NOW)
    assert (found.code, found.claimed, found.observed) == (d.GANG_NODES, 1, 2)
    assert "2 ranks are bound to 1 node (g0) but nodeCount is 2" in found.message
    # a rank not bound yet is pending, not drift
    del scene["pods"][4]["spec"]["nodeName"]
    assert codes(scene) == []


def test_grove_update_that_does_not_progress():
    scene = grove_scene()
    pcsg = child(scene, f"{NAME}-0-decode")
    pcsg["status"].update(updatedReplicas=1, updateProgress={"updateStartedAt": "2026-01-01T00:45:00Z"})
    scene["dgd"]["status"]["services"]["decode"]["updatedReplicas"] = 1
    (found,) = d.read_drift(**scene, now=NOW)
    assert (found.code, found.claimed, found.observed) == (d.ROLLOUT_STALLED, 1, 2)
    assert "started 15m ago and has updated 1 of 2 replicas" in found.message
    assert codes(scene, now=NOW - dt.timedelta(minutes=10)) == []  # 5 minutes in: still progressing
    assert codes(scene, now=None) == []  # no clock, no time-based reading
    pcsg["status"]["updateProgress"]["updateEndedAt"] = "2026-01-01T00:50:00Z"
    assert codes(scene) == []


def lws_scene() -> dict[str, Any]:
    """The component path: decode (2 replicas × 2 nodes) as one LeaderWorkerSet per replica."""
    doc = dgd({"decode": vllm_worker(tp=8, nodes=2, gpu="4", replicas=2)}, name=NAME)
    doc["status"] = {"conditions": [{"type": "Ready", "status": "True"}],
                     "services": {"decode": {"componentKind": "LeaderWorkerSet", "replicas": 2, "updatedReplicas": 2,
                                             "readyReplicas": 2}}}
    children = [obj("LeaderWorkerSet", f"{NAME}-decode-1a2b3c4d-{i}", "leaderworkerset.x-k8s.io/v1",
                    spec={"replicas": 1, "leaderWorkerTemplate": {"size": 2}},
                    status={"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1}) for i in (0, 1)]
    pods = []
    for i in (0, 1):
        for w in (0, 1):
            pods.append(pod(f"{NAME}-decode-1a2b3c4d-{i}-{w}", "decode", f"n{i}{w}", labels={
                "leaderworkerset.sigs.k8s.io/name": f"{NAME}-decode-1a2b3c4d-{i}",
                "leaderworkerset.sigs.k8s.io/group-index": "0", "leaderworkerset.sigs.k8s.io/worker-index": str(w),
                "role": "leader" if w == 0 else "worker"}))
    return {"dgd": doc, "children": children, "pods": pods}


def test_lws_path_agrees_then_a_worker_fails():
    scene = lws_scene()
    assert codes(scene) == []
    scene["pods"][3]["status"]["conditions"][0]["status"] = "False"
    found = {x.code: x for x in d.read_drift(**scene, now=NOW)}
    assert set(found) == {d.POD_READY, d.READY_CONDITION}
    assert (found[d.POD_READY].claimed, found[d.POD_READY].observed) == (1, 0)
    assert found[d.READY_CONDITION].observed == 1


def test_lws_update_in_progress_too_long():
    scene = lws_scene()
    lws = scene["children"][1]
    lws["status"]["updatedReplicas"] = 0
    lws["status"]["conditions"] = [{"type": "UpdateInProgress", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}]
    scene["dgd"]["status"]["services"]["decode"]["updatedReplicas"] = 1
    found = d.read_drift(**scene, now=NOW)
    assert [x.code for x in found] == [d.ROLLOUT_STALLED]
    assert "started 1h00m ago and has updated 0 of 1 replicas" in found[0].message


def test_deployment_progress_deadline_exceeded():
    doc = dgd({"Frontend": frontend()}, name=NAME)
    doc["status"] = {"services": {"Frontend": {"componentKind": "Deployment", "readyReplicas": 1, "updatedReplicas": 0}}}
    dep = obj("Deployment", f"{NAME}-frontend", "apps/v1", spec={"replicas": 1}, status={
        "readyReplicas": 1, "updatedReplicas": 0, "conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
             "message": 'ReplicaSet "llm-frontend-5d4b9c7f6" has timed out progressing.'}]})
    found = d.read_drift(doc, [dep], [], NOW)
    assert [(x.code, x.claimed, x.observed) for x in found] == [(d.ROLLOUT_STALLED, 0, 1)]
    assert "has timed out progressing" in found[0].message


def test_dgd_rolling_update_failed_or_stuck():
    scene = grove_scene()
    scene["dgd"]["status"]["rollingUpdate"] = {"phase": "Failed", "updatedServices": ["Frontend"]}
    (found,) = d.read_drift(**scene, now=NOW)
    assert (found.code, found.claimed, found.observed) == (d.ROLLOUT_STALLED, 1, 2)
    scene["dgd"]["status"]["rollingUpdate"] = {"phase": "InProgress", "startTime": "2026-01-01T00:55:00Z"}
    assert codes(scene) == []
    scene["dgd"]["status"]["rollingUpdate"]["startTime"] = "2026-01-01T00:30:00Z"
    assert codes(scene) == [d.ROLLOUT_STALLED]


def test_children_found_by_the_operators_names_without_component_names():
    scene = grove_scene()
    for entry in scene["dgd"]["status"]["services"].values():
        del entry["componentNames"]
    assert codes(scene) == []
    scene["dgd"]["status"]["services"]["decode"]["availableReplicas"] = 0
    assert codes(scene) == [d.READY_REPLICAS]
    # another DGD's children never count: llm-disagg's PCSG is not llm's
    other = copy.deepcopy(child(scene, f"{NAME}-0-decode"))
    other["metadata"]["name"] = f"{NAME}-disagg-0-decode"
    other["status"]["availableReplicas"] = 0
    scene["children"].append(other)
    assert codes(scene) == [d.READY_REPLICAS]


def test_v1beta1_components_are_read_too():
    scene = grove_scene()
    scene["dgd"]["status"]["components"] = scene["dgd"]["status"].pop("services")
    scene["dgd"]["status"]["components"]["decode"]["updatedReplicas"] = 0
    (found,) = d.read_drift(**scene, now=NOW)
    assert found.claimed_by.endswith("status.components.decode.updatedReplicas")


@pytest.mark.parametrize("code", d.CODES)
def test_codes_are_stable_upper_snake(code):
    assert code.startswith("DRIFT_") and code == code.upper()


def test_drift_as_a_finding_and_json():
    scene = grove_scene()
    scene["dgd"]["status"]["services"]["decode"]["updatedReplicas"] = 1
    (found,) = d.read_drift(**scene, now=NOW)
    f = found.finding()
    assert (f.severity, f.code, f.service) == ("warning", d.UPDATED_REPLICAS, "decode")
    assert f.hint == f"believe PodCliqueScalingGroup/{NAME}-0-decode"
    assert found.to_dict()["claimed"] == {"value": 1, "by": found.claimed_by}
    assert found.to_dict()["observed"]["value"] == 2


# --- in describe ---------------------------------------------------------------------------------


def test_describe_reports_drift_as_findings_and_in_detail():
    import io

    from kubectl_dynamo.report.describe_text import render_description
    from kubectl_dynamo.state.describe import describe

    scene = grove_scene()
    scene["dgd"]["status"]["services"]["decode"]["updatedReplicas"] = 1
    desc = describe(scene["dgd"], children=scene["children"], pods=scene["pods"], now=NOW)
    assert [f.code for f in desc.findings if f.code.startswith("DRIFT_")] == [d.UPDATED_REPLICAS]
    data = desc.to_dict()
    assert [x["code"] for x in data["drift"]] == [d.UPDATED_REPLICAS]
    assert data["drift"][0]["claimed"]["value"] == 1 and data["drift"][0]["observed"]["value"] == 2
    out = io.StringIO()
    render_description(desc, out, NOW)
    text = out.getvalue()
    assert "warning   DRIFT_UPDATED_REPLICAS   decode: the DGD's status says 1 updated" in text
    assert f"hint: believe PodCliqueScalingGroup/{NAME}-0-decode" in text


def test_describe_judges_nothing_from_pods_it_may_not_list():
    from kubectl_dynamo.state.describe import describe

    scene = grove_scene()
    scene["pods"][1]["status"]["conditions"][0]["status"] = "False"
    seen = describe(scene["dgd"], children=scene["children"], pods=scene["pods"], now=NOW)
    assert {x.code for x in seen.drift} == {d.POD_READY, d.READY_CONDITION}
    blind = describe(scene["dgd"], children=scene["children"], pods=[], now=NOW,
                     forbidden={"pods": "forbidden: cannot list pods"})
    assert blind.drift == []


def test_get_wide_drift_column():
    from kubectl_dynamo.state.live_dgd import children_of
    from kubectl_dynamo.state.summary import summarize

    scene = grove_scene()
    for o in [scene["dgd"], *scene["children"]]:
        o["metadata"]["namespace"] = "team-a"
    assert summarize(scene["dgd"], scene["pods"]).drift_text == "-"  # plain get reads no children
    elsewhere = copy.deepcopy(scene["children"])
    for o in elsewhere:
        o["metadata"]["namespace"] = "team-b"
        o["status"]["updatedReplicas"] = 0
    found = children_of(scene["dgd"], elsewhere + scene["children"])
    assert found == scene["children"]  # same names in another namespace are not its children
    scene["dgd"]["status"]["services"]["decode"]["updatedReplicas"] = 1
    s = summarize(scene["dgd"], scene["pods"], children=found, now=NOW)
    assert s.drift_text == "UPDATED_REPLICAS=1≠2"
