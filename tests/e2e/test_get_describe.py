"""`kubectl dynamo get` and `describe` against a real API server.

No operator, Grove, LWS controller, scheduler or kubelet runs, so each test builds what they would
have made: the DGD with its status, the child objects under the names the operator and Grove give
them (reference/dynamo-operator.md §1.5) with their status, pods bound to fake GPU nodes or left
Pending with scheduling gates, and the scheduler's events. The builders are plain functions so a
shell session can set up the same scene (see `build_grove_scene`).
"""

from __future__ import annotations

import copy
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from kubernetes.client import ApiException

from kubectl_dynamo.cli.main import run

from . import kube

pytestmark = pytest.mark.e2e

GROVE_GATE = "grove.io/podgang-pending-creation"
DGD_LABEL = "nvidia.com/dynamo-graph-deployment-name"
COMPONENT_LABEL = "nvidia.com/dynamo-component"
NOW = "2026-01-01T00:00:00Z"
PLURALS = {"DynamoGraphDeployment": "dynamographdeployments", "PodCliqueSet": "podcliquesets",
           "PodCliqueScalingGroup": "podcliquescalinggroups", "PodClique": "podcliques", "PodGang": "podgangs",
           "DynamoComponentDeployment": "dynamocomponentdeployments", "LeaderWorkerSet": "leaderworkersets",
           "PodGroup": "podgroups"}
FAILED_SCHEDULING = ("0/5 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
                     "4 Insufficient nvidia.com/gpu. preemption: 0/5 nodes are available: 5 No preemption victims found.")


# --- running the CLI ------------------------------------------------------------------------------


class Result:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.exit_code, self.stdout, self.stderr = code, stdout, stderr

    def rows(self) -> list[list[str]]:
        """The table split on kubectl's 3-space column gaps (cells never hold 3 spaces)."""
        return [re.split(r"\s{3,}", line.strip()) for line in self.stdout.splitlines() if line.strip()]


class _Entry:
    name = "kubectl-dynamo"

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> None:
        sys.exit(run(list(args or ())))


def cli(*args: str) -> Result:
    """`kubectl dynamo ARGS` in-process against $KUBECONFIG (the kubeconfig_env fixture)."""
    res = CliRunner().invoke(_Entry(), list(args), env={"NO_COLOR": "1"}, catch_exceptions=False)  # type: ignore[arg-type]
    return Result(res.exit_code, res.stdout, res.stderr)


# --- building the scene -----------------------------------------------------------------------------


def put(cluster: kube.Cluster, ns: str, obj: dict) -> dict:
    """Create an object and give it its status, through /status where the CRD has that subresource."""
    body = copy.deepcopy(obj)
    status = body.pop("status", None)
    created = cluster.apply(body, namespace=ns)
    if status:
        group_version = body["apiVersion"]
        path = f"/apis/{group_version}/namespaces/{ns}/{PLURALS[body['kind']]}/{body['metadata']['name']}"
        try:
            created = cluster.request("PATCH", path + "/status", {"status": status},
                                      content_type="application/merge-patch+json")
        except ApiException as e:  # no status subresource (Volcano PodGroup): status is a plain field
            if e.status != 404:
                raise
            created = cluster.request("PATCH", path, {"status": status}, content_type="application/merge-patch+json")
    return created


def grove_pod(cluster: kube.Cluster, ns: str, dgd: str, svc: str, clique: str, gang: str, name: str, *,
              gpus: int, node: str | None = None, index: int = 0, **kw: Any) -> None:
    labels = {DGD_LABEL: dgd, COMPONENT_LABEL: svc, "grove.io/podclique": clique, "grove.io/podgang": gang,
              "grove.io/podclique-pod-index": str(index), "kai.scheduler/queue": "dynamo",
              "app.kubernetes.io/part-of": dgd}
    cluster.create_pod(ns, name, labels=labels, gpus=gpus, node=node, phase="Running" if node else "Pending",
                       scheduler_name="kai-scheduler", **kw)


def vllm_worker(sub: str, replicas: int, nodes: int, gpus: int, tp: int) -> dict:
    return {"componentType": "worker", "subComponentType": sub, "replicas": replicas,
            "multinode": {"nodeCount": nodes}, "resources": {"limits": {"gpu": str(gpus)}},
            "extraPodSpec": {"mainContainer": {"image": "nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.9.0",
                                               "command": ["python3", "-m", "dynamo.vllm"],
                                               "args": ["--model", "Qwen/Qwen3-235B", "--tensor-parallel-size", str(tp)]}}}


POD_SPEC = {"schedulerName": "kai-scheduler", "containers": [{"name": "main", "image": "registry.invalid/e2e/worker:latest"}]}


def pclq(name: str, replicas: int, ready: int, **status: Any) -> dict:
    """A PodClique with the fields the upstream CRD requires (roleName, podSpec, the status counts)."""
    role = name.rsplit("-", 1)[-1] if name.endswith(("-ldr", "-wkr")) else "main"
    return {"apiVersion": "grove.io/v1alpha1", "kind": "PodClique", "metadata": {"name": name},
            "spec": {"roleName": role, "replicas": replicas, "minAvailable": replicas, "podSpec": POD_SPEC},
            "status": {"replicas": replicas, "readyReplicas": ready, "updatedReplicas": replicas, "scheduledReplicas": ready,
                       "scheduleGatedReplicas": 0, **status}}


def build_grove_scene(cluster: kube.Cluster, ns: str, name: str = "llm-disagg") -> None:
    """A disaggregated vLLM DGD on Grove + KAI, scaled to 2 replicas per worker on 4 GPU nodes:
    replica 0 of decode and prefill runs (base PodGang `<dgd>-0`); prefill replica 1's gang was
    created but does not fit (FailedScheduling); decode replica 1 waits for its PodGang (gated)."""
    for node in ("gpu-a", "gpu-b", "gpu-c", "gpu-d"):
        if not _exists(cluster, node):
            cluster.create_gpu_node(node, gpus=8)
    if not _exists(cluster, "cpu-0"):
        cluster.create_gpu_node("cpu-0", gpus=0)
    put(cluster, ns, {
        "apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment",
        "metadata": {"name": name, "annotations": {"nvidia.com/kai-scheduler-queue": "dynamo"}},
        "spec": {"backendFramework": "vllm", "services": {
            "Frontend": {"componentType": "frontend", "replicas": 1},
            "decode": vllm_worker("decode", 2, 2, 8, 16),
            "prefill": vllm_worker("prefill", 2, 2, 8, 16)}},
        "status": {"state": "pending", "conditions": [{
            "type": "Ready", "status": "False", "reason": "some_resources_are_not_ready", "lastTransitionTime": NOW,
            "message": f"Resources not ready: pcsg/{name}-0-decode: desired=2, available=1; "
                       f"pcsg/{name}-0-prefill: desired=2, available=1"}],
            "services": {
                "Frontend": {"componentKind": "PodClique", "componentName": f"{name}-0-frontend",
                             "componentNames": [f"{name}-0-frontend"],
                             "replicas": 1, "readyReplicas": 1, "updatedReplicas": 1},
                "decode": {"componentKind": "PodCliqueScalingGroup", "componentName": f"{name}-0-decode",
                           "componentNames": [f"{name}-0-decode"],
                           "replicas": 2, "availableReplicas": 1, "updatedReplicas": 2},
                "prefill": {"componentKind": "PodCliqueScalingGroup", "componentName": f"{name}-0-prefill",
                            "componentNames": [f"{name}-0-prefill"],
                            "replicas": 2, "availableReplicas": 1, "updatedReplicas": 2}}},
    })
    base, scaled = f"{name}-0", f"{name}-0-prefill-0"
    put(cluster, ns, {"apiVersion": "grove.io/v1alpha1", "kind": "PodCliqueSet", "metadata": {"name": name},
                      "spec": {"replicas": 1, "template": {"cliques": [
                          {"name": "frontend", "spec": {"roleName": "frontend", "replicas": 1, "podSpec": POD_SPEC}}]}},
                      "status": {"replicas": 1, "availableReplicas": 0, "updatedReplicas": 1, "podGangStatuses": [
                          {"name": base, "phase": "Running"}, {"name": scaled, "phase": "Pending"}]}})
    for svc in ("decode", "prefill"):
        put(cluster, ns, {"apiVersion": "grove.io/v1alpha1", "kind": "PodCliqueScalingGroup",
                          "metadata": {"name": f"{name}-0-{svc}"},
                          "spec": {"replicas": 2, "minAvailable": 1, "cliqueNames": [f"{svc}-ldr", f"{svc}-wkr"]},
                          "status": {"replicas": 2, "availableReplicas": 1, "scheduledReplicas": 1, "updatedReplicas": 2}})
    put(cluster, ns, pclq(f"{name}-0-frontend", 1, 1, scheduledReplicas=1))
    for svc in ("decode", "prefill"):
        for role in ("ldr", "wkr"):
            put(cluster, ns, pclq(f"{name}-0-{svc}-0-{svc}-{role}", 1, 1, scheduledReplicas=1))
    for role in ("ldr", "wkr"):
        put(cluster, ns, pclq(f"{name}-0-decode-1-decode-{role}", 1, 0, scheduledReplicas=0, scheduleGatedReplicas=1))
        put(cluster, ns, pclq(f"{name}-0-prefill-1-prefill-{role}", 1, 0, scheduledReplicas=0, conditions=[
            {"type": "PodCliqueScheduled", "status": "False", "reason": "InsufficientScheduledPods",
             "message": "scheduled 0 of minAvailable 1", "lastTransitionTime": NOW}]))
    put(cluster, ns, {"apiVersion": "scheduler.grove.io/v1alpha1", "kind": "PodGang", "metadata": {"name": base},
                      "spec": {"podgroups": [{"name": f"{name}-0-frontend", "minReplicas": 1, "podReferences": [
                          {"name": f"{name}-0-frontend-5xk2q", "namespace": ns}]}]}, "status": {"phase": "Running"}})
    put(cluster, ns, {"apiVersion": "scheduler.grove.io/v1alpha1", "kind": "PodGang", "metadata": {"name": scaled},
                      "spec": {"podgroups": [
                          {"name": f"{name}-0-prefill-1-prefill-{role}", "minReplicas": 1, "podReferences": [
                              {"name": f"{name}-0-prefill-1-prefill-{role}-{rand}", "namespace": ns}]}
                          for role, rand in (("ldr", "zz8vb"), ("wkr", "c4n6w"))]},
                      "status": {"phase": "Pending", "conditions": [
                          {"type": "Initialized", "status": "True", "reason": "PodGangPodsCreated",
                           "message": "all pods of the gang are created", "lastTransitionTime": NOW}]}})
    grove_pod(cluster, ns, name, "Frontend", f"{name}-0-frontend", base, f"{name}-0-frontend-5xk2q", gpus=0, node="cpu-0")
    for svc, ldr, wkr in (("decode", "gpu-a", "gpu-b"), ("prefill", "gpu-c", "gpu-d")):
        for role, node, rand in (("ldr", ldr, "h7d2m"), ("wkr", wkr, "p9q4t")):
            grove_pod(cluster, ns, name, svc, f"{name}-0-{svc}-0-{svc}-{role}", base,
                      f"{name}-0-{svc}-0-{svc}-{role}-{rand}", gpus=8, node=node)
    for role, rand in (("ldr", "zz8vb"), ("wkr", "c4n6w")):
        pod = f"{name}-0-prefill-1-prefill-{role}-{rand}"
        grove_pod(cluster, ns, name, "prefill", f"{name}-0-prefill-1-prefill-{role}", scaled, pod, gpus=8,
                  unschedulable_message=FAILED_SCHEDULING)
        cluster.create_event(ns, "Pod", pod, message=FAILED_SCHEDULING, component="kai-scheduler", count=3, age_seconds=30)
        grove_pod(cluster, ns, name, "decode", f"{name}-0-decode-1-decode-{role}", f"{name}-0-decode-0",
                  f"{name}-0-decode-1-decode-{role}-{rand}", gpus=8, scheduling_gates=[GROVE_GATE])
    cluster.create_event(ns, "PodGang", scaled, reason="PodGangCreated", type="Normal", component="grove-operator",
                         message=f"created PodGang {scaled}", api_version="scheduler.grove.io/v1alpha1", age_seconds=90)


def build_lws_scene(cluster: kube.Cluster, ns: str, name: str = "llm-lws") -> None:
    """The same model on the component path (Grove opted out): a Deployment for the frontend, one
    LeaderWorkerSet + Volcano PodGroup `<dcd>-0` for the decode worker, whose gang does not fit."""
    worker_hash = "1a2b3c4d9e8f7a6b"
    dcd = f"{name}-decode-{worker_hash[:8]}"
    put(cluster, ns, {
        "apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment",
        "metadata": {"name": name, "annotations": {"nvidia.com/enable-grove": "false",
                                                   "nvidia.com/current-worker-hash": worker_hash}},
        "spec": {"backendFramework": "vllm", "services": {
            "Frontend": {"componentType": "frontend", "replicas": 1},
            "decode": vllm_worker("decode", 1, 2, 4, 8)}},
        "status": {"state": "pending", "conditions": [{
            "type": "Ready", "status": "False", "reason": "some_resources_are_not_ready", "lastTransitionTime": NOW,
            "message": f"Resources not ready: {dcd}: LeaderWorkerSet not ready"}],
            "services": {"Frontend": {"componentKind": "Deployment", "componentName": f"{name}-frontend", "replicas": 1,
                                      "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1},
                         "decode": {"componentKind": "LeaderWorkerSet", "componentName": f"{dcd}-0",
                                    "componentNames": [f"{dcd}-0"], "replicas": 1, "updatedReplicas": 1, "readyReplicas": 0}}},
    })
    cluster.create_operator_deployment(ns, f"{name}-frontend", "nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.9.0",
                                       {DGD_LABEL: name, COMPONENT_LABEL: "Frontend"})
    put(cluster, ns, {"apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoComponentDeployment", "metadata": {"name": dcd},
                      "spec": {"backendFramework": "vllm"},
                      "status": {"conditions": [{"type": "Available", "status": "False", "reason": "LeaderWorkerSetNotReady",
                                                 "message": "0/1 LeaderWorkerSets ready", "lastTransitionTime": NOW}]}})
    put(cluster, ns, {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "metadata": {"name": f"{dcd}-0"},
                      "spec": {"replicas": 1, "startupPolicy": "LeaderCreated", "leaderWorkerTemplate": {
                          "size": 2, "workerTemplate": {"spec": {**POD_SPEC, "schedulerName": "volcano"}}}},
                      "status": {"replicas": 1, "readyReplicas": 0, "conditions": [
                          {"type": "Progressing", "status": "True", "reason": "GroupsProgressing",
                           "message": "Replicas are progressing", "lastTransitionTime": NOW}]}})
    unfit = ("2/2 tasks in gang unschedulable: pod group is not ready, 2 Pending, 2 minAvailable; "
             "Pending: 2 Unschedulable. Origin reason is decode: 0/5 nodes are available: 5 Insufficient nvidia.com/gpu.")
    put(cluster, ns, {"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup", "metadata": {"name": f"{dcd}-0",
                      "labels": {"instance-id": "0"}}, "spec": {"minMember": 2},
                      "status": {"phase": "Inqueue", "running": 0, "conditions": [
                          {"type": "Unschedulable", "status": "True", "reason": "NotEnoughResources", "message": unfit,
                           "transitionID": "1", "lastTransitionTime": NOW}]}})
    for idx, pod in ((0, f"{dcd}-0"), (1, f"{dcd}-0-1")):
        labels = {DGD_LABEL: name, COMPONENT_LABEL: "decode", "role": "leader" if idx == 0 else "worker",
                  "instance-id": "0", "leaderworkerset.sigs.k8s.io/name": f"{dcd}-0",
                  "leaderworkerset.sigs.k8s.io/group-index": "0", "leaderworkerset.sigs.k8s.io/worker-index": str(idx)}
        cluster.create_pod(ns, pod, labels=labels, gpus=4, scheduler_name="volcano",
                           annotations={"scheduling.k8s.io/group-name": f"{dcd}-0"},
                           unschedulable_message="0/5 nodes are available: 5 Insufficient nvidia.com/gpu.")
    cluster.create_event(ns, "PodGroup", f"{dcd}-0", reason="Unschedulable", component="volcano", message=unfit,
                         api_version="scheduling.volcano.sh/v1beta1", count=12)


def build_agg(cluster: kube.Cluster, ns: str, name: str = "agg-small", api_version: str = "nvidia.com/v1alpha1") -> None:
    """A single-node aggregated SGLang DGD that is up (state successful)."""
    if api_version.endswith("v1beta1"):
        spec = {"backendFramework": "sglang", "components": [
            {"name": "Frontend", "type": "frontend", "replicas": 1},
            {"name": "worker", "type": "worker", "replicas": 2, "podTemplate": {"spec": {"containers": [{
                "name": "main", "image": "nvcr.io/nvidia/ai-dynamo/sglang-runtime:0.9.0",
                "command": ["python3", "-m", "dynamo.sglang"], "args": ["--tp", "2"],
                "resources": {"limits": {"nvidia.com/gpu": "2"}}}]}}}]}
        services = "components"
    else:
        spec = {"backendFramework": "sglang", "services": {
            "Frontend": {"componentType": "frontend", "replicas": 1},
            "worker": {"componentType": "worker", "replicas": 2, "resources": {"limits": {"gpu": "2"}},
                       "extraPodSpec": {"mainContainer": {"command": ["python3", "-m", "dynamo.sglang"], "args": ["--tp", "2"]}}}}}
        services = "services"
    put(cluster, ns, {"apiVersion": api_version, "kind": "DynamoGraphDeployment", "metadata": {"name": name}, "spec": spec,
                      "status": {"state": "successful", "conditions": [
                          {"type": "Ready", "status": "True", "reason": "all_resources_are_ready",
                           "message": "All resources are ready", "lastTransitionTime": NOW}],
                          services: {"Frontend": {"componentKind": "PodClique", "componentName": f"{name}-0-frontend",
                                                  "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1},
                                     "worker": {"componentKind": "PodClique", "componentName": f"{name}-0-worker",
                                                "replicas": 2, "updatedReplicas": 2, "readyReplicas": 2}}}})


def _exists(cluster: kube.Cluster, node: str) -> bool:
    try:
        cluster.core.read_node(node)
        return True
    except ApiException:
        return False


def by_name(result: Result, column: str = "NAME") -> dict[str, dict[str, str]]:
    header, *body = result.rows()
    return {row[header.index(column)]: dict(zip(header, row, strict=True)) for row in body}


# --- get -------------------------------------------------------------------------------------------


def test_get_lists_dgds_with_gpu_and_tp_columns(cluster, crds, namespace, kubeconfig_env):
    build_grove_scene(cluster, namespace)
    build_agg(cluster, namespace)
    res = cli("get", "-n", namespace)
    assert (res.exit_code, res.stderr) == (0, "")
    rows = by_name(res)
    assert list(rows) == ["agg-small", "llm-disagg"]
    disagg = rows["llm-disagg"]
    assert {k: disagg[k] for k in ("STATE", "READY", "SERVICES", "NODES", "GPUS", "ORCHESTRATOR")} == {
        "STATE": "pending", "READY": "1/3", "SERVICES": "3", "NODES": "8", "GPUS": "64", "ORCHESTRATOR": "grove"}
    assert re.fullmatch(r"\d+s", disagg["AGE"])
    assert (rows["agg-small"]["STATE"], rows["agg-small"]["READY"], rows["agg-small"]["GPUS"]) == ("successful", "2/2", "4")

    wide = by_name(cli("get", "-n", namespace, "-o", "wide"))
    assert (wide["llm-disagg"]["BACKEND"], wide["llm-disagg"]["SCHEDULER/QUEUE"], wide["llm-disagg"]["TP"]) == (
        "vllm", "kai-scheduler/dynamo", "decode=16,prefill=16")
    assert (wide["agg-small"]["BACKEND"], wide["agg-small"]["TP"]) == ("sglang", "worker=2")

    one = by_name(cli("get", "llm-disagg", "-n", namespace))
    assert list(one) == ["llm-disagg"]


def test_get_all_namespaces_adds_the_namespace_column(cluster, project_crds, namespace, kubeconfig_env):
    other = cluster.create_namespace()
    try:
        build_grove_scene(cluster, namespace)
        build_lws_scene(cluster, other)
        res = cli("get", "-A", "-o", "wide")
        assert res.exit_code == 0, res.stderr
        header, *body = res.rows()
        assert header[:2] == ["NAMESPACE", "NAME"] and header[-3:] == ["BACKEND", "SCHEDULER/QUEUE", "TP"]
        rows = {(r[0], r[1]): dict(zip(header, r, strict=True)) for r in body}
        assert {(namespace, "llm-disagg"), (other, "llm-lws")} <= set(rows)
        lws = rows[(other, "llm-lws")]
        assert (lws["ORCHESTRATOR"], lws["NODES"], lws["GPUS"], lws["READY"]) == ("lws", "2", "8", "1/2")
        assert (lws["SCHEDULER/QUEUE"], lws["TP"]) == ("volcano", "decode=8")
    finally:
        cluster.delete_namespace(other)


def test_get_prints_objects_as_json_yaml_and_names(cluster, project_crds, namespace, kubeconfig_env):
    build_agg(cluster, namespace)
    build_agg(cluster, namespace, name="agg-two")
    listed = json.loads(cli("get", "-n", namespace, "-o", "json").stdout)
    assert (listed["kind"], listed["apiVersion"]) == ("List", "v1")
    assert [(i["kind"], i["apiVersion"], i["metadata"]["name"]) for i in listed["items"]] == [
        ("DynamoGraphDeployment", "nvidia.com/v1alpha1", "agg-small"),
        ("DynamoGraphDeployment", "nvidia.com/v1alpha1", "agg-two")]
    single = yaml.safe_load(cli("get", "agg-two", "-n", namespace, "-o", "yaml").stdout)
    assert (single["kind"], single["metadata"]["name"], single["status"]["state"]) == (
        "DynamoGraphDeployment", "agg-two", "successful")
    assert cli("get", "-n", namespace, "-o", "name").stdout == (
        "dynamographdeployment.nvidia.com/agg-small\ndynamographdeployment.nvidia.com/agg-two\n")


def test_get_in_an_empty_namespace_says_so_on_stderr(cluster, project_crds, namespace, kubeconfig_env):
    res = cli("get", "-n", namespace)
    assert (res.exit_code, res.stdout, res.stderr) == (0, "", f"No resources found in {namespace} namespace.\n")
    as_json = cli("get", "-n", namespace, "-o", "json")
    assert (as_json.exit_code, json.loads(as_json.stdout)["items"], as_json.stderr) == (0, [], "")


@pytest.mark.parametrize("command", ["get", "describe"])
def test_a_missing_dgd_is_one_line_and_exit_1(cluster, project_crds, namespace, kubeconfig_env, command):
    res = cli(command, "nope", "-n", namespace)
    assert (res.exit_code, res.stdout) == (1, "")
    assert res.stderr == f'error: dynamographdeployments.nvidia.com "nope" not found in namespace "{namespace}"\n'


# --- describe --------------------------------------------------------------------------------------


def test_describe_a_grove_dgd_with_gated_and_unschedulable_pods(cluster, crds, namespace, kubeconfig_env):
    build_grove_scene(cluster, namespace)
    res = cli("describe", "llm-disagg", "-n", namespace)
    assert (res.exit_code, res.stderr) == (0, "")
    text = res.stdout
    for line in ("Name:          llm-disagg", f"Namespace:     {namespace}", "State:         pending",
                 "Ready:         False (some_resources_are_not_ready)", "Orchestrator:  grove (status componentKind)",
                 "Scheduler:     kai-scheduler, queue dynamo (pods)", "GPUs:          64 on 8 nodes"):
        assert line in text, line
    sections = _sections(text)
    services = {r[0]: r for r in _table(sections["Services"])}
    assert services["decode"][1:] == ["decode", "1/2", "2×8", "2×16=32", "16/1/1", "vllm", "PodCliqueScalingGroup"]
    objects = {(r[0], r[1]): r[2] for r in _table(sections["Objects"])}
    assert objects[("PodCliqueScalingGroup", "llm-disagg-0-decode")].startswith("available 1/2")
    assert objects[("PodClique", "llm-disagg-0-decode-1-decode-ldr")] == "ready 0/1, scheduled 0, gated 1, minAvailable 1"
    assert objects[("PodGang", "llm-disagg-0-prefill-0")].startswith("phase Pending")
    pods = {r[0]: r for r in _table(sections["Pods"])}
    assert pods["llm-disagg-0-decode-0-decode-wkr-p9q4t"][1:] == ["decode", "worker", "1", "gpu-b", "Running", "1/1", "0", "8"]
    assert pods["llm-disagg-0-decode-1-decode-ldr-zz8vb"][1:6] == ["decode", "leader", "0", "<none>", "SchedulingGated"]
    assert pods["llm-disagg-0-prefill-1-prefill-wkr-c4n6w"][5] == "Pending"
    placement = {r[0]: r for r in _table(sections["Placement"])}
    assert placement["gpu-a"][1:] == ["8/8", "llm-disagg-0-decode-0-decode-ldr-h7d2m"]
    assert placement["<not scheduled>"][1] == "32"
    pending = sections["Why Pending"]
    assert f"gate {GROVE_GATE} until PodGang llm-disagg-0-decode-0 exists" in pending
    assert "PodGang llm-disagg-0-decode-0 does not exist yet" in pending
    assert "FailedScheduling" in pending and FAILED_SCHEDULING in pending
    events = sections["Events"]
    assert "Warning   FailedScheduling" in events and "(x3 over" in events and "PodGangCreated" in events

    data = json.loads(cli("describe", "llm-disagg", "-n", namespace, "-o", "json").stdout)
    assert data["kind"] == "Description" and data["orchestrator"]["name"] == "grove"
    gated = [p for p in data["pods"] if p["schedulingGates"]]
    assert {p["name"] for p in gated} == {"llm-disagg-0-decode-1-decode-ldr-zz8vb", "llm-disagg-0-decode-1-decode-wkr-c4n6w"}
    assert any(r["source"] == "gate" for r in data["pending"])


def test_describe_an_lws_dgd_with_its_volcano_podgroup(cluster, crds, namespace, kubeconfig_env):
    build_lws_scene(cluster, namespace)
    res = cli("describe", "llm-lws", "-n", namespace)
    assert (res.exit_code, res.stderr) == (0, "")
    assert "Orchestrator:  lws (status componentKind)" in res.stdout
    assert "Scheduler:     volcano" in res.stdout  # upstream's PodGroup CRD defaults spec.queue: "volcano, queue default"
    sections = _sections(res.stdout)
    objects = {(r[0], r[1]): r[2] for r in _table(sections["Objects"])}
    dcd = "llm-lws-decode-1a2b3c4d"
    assert objects[("PodGroup (volcano)", f"{dcd}-0")].startswith("phase Inqueue, running 0/2")
    assert objects[("LeaderWorkerSet", f"{dcd}-0")] == "ready 0/1, size 2"
    assert objects[("DynamoComponentDeployment", dcd)] == "Available=False"
    assert objects[("Deployment", "llm-lws-frontend")] == "ready 1/1"
    pods = {r[0]: r for r in _table(sections["Pods"])}
    assert pods[f"{dcd}-0"][2:4] == ["leader", "0"] and pods[f"{dcd}-0-1"][2:4] == ["worker", "1"]
    assert "NotEnoughResources" in sections["Why Pending"] and "2/2 tasks in gang unschedulable" in sections["Why Pending"]


def test_describe_claims_only_its_own_children(cluster, project_crds, namespace, kubeconfig_env):
    build_grove_scene(cluster, namespace)
    put(cluster, namespace, {"apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment", "metadata": {"name": "llm"},
                             "spec": {"services": {"decode": vllm_worker("decode", 1, 2, 8, 16)}}})
    data = json.loads(cli("describe", "llm", "-n", namespace, "-o", "json").stdout)
    assert (data["objects"], data["pods"], data["events"]) == ([], [], [])


def test_describe_shows_the_findings_of_the_live_spec(cluster, project_crds, namespace, kubeconfig_env):
    put(cluster, namespace, {"apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment", "metadata": {"name": "off"},
                             "spec": {"services": {"decode": vllm_worker("decode", 1, 2, 8, 8)}}})
    res = cli("describe", "off", "-n", namespace)
    assert res.exit_code == 0 and "TP_MISMATCH" in _sections(res.stdout)["Findings"]
    assert by_name(cli("get", "-n", namespace, "-o", "wide"))["off"]["TP"] == "decode=8"


def test_describe_with_read_access_to_dgds_only_notes_what_it_could_not_list(cluster, project_crds, namespace):
    build_agg(cluster, namespace)
    cluster.make_restricted_user(namespace=namespace)
    res = _cli_as_viewer(cluster, "describe", "agg-small", "-n", namespace)
    assert res.exit_code == 0, res.stderr
    assert "Note:          cannot list pods: forbidden" in res.stdout
    assert "Note:          cannot list podcliquesets.grove.io: forbidden" in res.stdout


# --- v1beta1 ----------------------------------------------------------------------------------------


@pytest.fixture
def v1beta1_dgds(cluster, project_crds, tmp_path):
    """The project DGD CRD serving v1beta1 as well (v1alpha1 stays the storage version, conversion
    None: the schema is preserve-unknown-fields), restored afterwards. Upstream's CRDs at the
    pinned commit serve only v1alpha1, so the preferred-version path needs this stand-in."""
    source = kube.PROJECT_CRDS / "dynamo" / "nvidia.com_dynamographdeployments.yaml"
    crd = yaml.safe_load(source.read_text())
    loose = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    crd["spec"]["versions"].append({
        "name": "v1beta1", "served": True, "storage": False, "subresources": {"status": {}},
        "schema": {"openAPIV3Schema": {"type": "object", "properties": {
            "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
            "spec": loose, "status": loose}}}})
    variant = Path(tmp_path) / "dgd-v1beta1.yaml"
    variant.write_text(yaml.safe_dump(crd))
    cluster.install_crds(variant)
    try:
        yield
    finally:
        cluster.install_crd_sets("project", sets=["dynamo"])
        deadline = time.monotonic() + 60
        while _serves_v1beta1_dgds(cluster):
            assert time.monotonic() < deadline, "dynamographdeployments still served in nvidia.com/v1beta1"
            time.sleep(0.1)


def _serves_v1beta1_dgds(cluster: kube.Cluster) -> bool:
    """Whether discovery still lists DGDs in v1beta1 (the group may serve v1beta1 for other kinds:
    the upstream DynamoGraphDeploymentRequest)."""
    try:
        resources = cluster.request("GET", "/apis/nvidia.com/v1beta1")["resources"]
    except ApiException as e:
        if e.status == 404:
            return False
        raise
    return any(r["name"] == "dynamographdeployments" for r in resources)


def test_get_and_describe_read_v1beta1_dgds(cluster, v1beta1_dgds, namespace, kubeconfig_env):
    build_agg(cluster, namespace, name="beta", api_version="nvidia.com/v1beta1")
    wide = by_name(cli("get", "-n", namespace, "-o", "wide"))
    assert {k: wide["beta"][k] for k in ("STATE", "READY", "NODES", "GPUS", "BACKEND", "TP")} == {
        "STATE": "successful", "READY": "2/2", "NODES": "2", "GPUS": "4", "BACKEND": "sglang", "TP": "worker=2"}
    as_json = json.loads(cli("get", "beta", "-n", namespace, "-o", "json").stdout)
    assert as_json["apiVersion"] == "nvidia.com/v1beta1" and as_json["spec"]["components"][1]["name"] == "worker"
    res = cli("describe", "beta", "-n", namespace)
    assert "API Version:   nvidia.com/v1beta1" in res.stdout
    services = {r[0]: r for r in _table(_sections(res.stdout)["Services"])}
    assert services["worker"][1:6] == ["worker", "2/2", "1×2", "2×2=4", "2/1/1"]


# --- helpers for reading describe's text -----------------------------------------------------------


def _sections(text: str) -> dict[str, str]:
    """Top-level `Title:` sections of describe's output, each with its indented lines."""
    out: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if not line.startswith(" "):
            title, _, rest = line.partition(":")
            current = title
            out[current] = rest.strip() + "\n"
        elif current:
            out[current] += line + "\n"
    return out


def _table(section: str) -> list[list[str]]:
    """The rows of an indented table in a section (the header dropped)."""
    lines = [line.strip() for line in section.splitlines()[1:] if line.strip()]
    return [re.split(r"\s{3,}", line) for line in lines[1:]]


def _cli_as_viewer(cluster: kube.Cluster, *args: str) -> Result:
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "kubectl_dynamo", "--kubeconfig", cluster.viewer_kubeconfig, *args],
                          capture_output=True, text=True, timeout=120, env={**cluster.env(viewer=True), "NO_COLOR": "1"},
                          cwd=kube.REPO_ROOT)
    return Result(proc.returncode, proc.stdout, proc.stderr)


# --- TRT-LLM: TP from the engine ConfigMap -----------------------------------------------------------


def build_trtllm(cluster: kube.Cluster, ns: str, name: str = "trt", engine: str = "trt-engine") -> None:
    """A 2 × 4-GPU TRT-LLM worker whose TP 8 lives in a ConfigMap mounted at /engine and named by
    --extra-engine-args /engine/engine.yaml (the file path is not the ConfigMap's name)."""
    cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": engine},
                   "data": {"engine.yaml": "tensor_parallel_size: 8\npipeline_parallel_size: 1\n"}}, namespace=ns)
    put(cluster, ns, {
        "apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment", "metadata": {"name": name},
        "spec": {"backendFramework": "trtllm", "services": {"worker": {
            "componentType": "worker", "multinode": {"nodeCount": 2}, "resources": {"limits": {"gpu": "4"}},
            "extraPodSpec": {
                "volumes": [{"name": "engine", "configMap": {"name": engine}}],
                "mainContainer": {"image": "nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime:1.1.0",
                                  "command": ["python3", "-m", "dynamo.trtllm"],
                                  "args": ["--model-path", "example/model-8b", "--extra-engine-args", "/engine/engine.yaml"],
                                  "volumeMounts": [{"name": "engine", "mountPath": "/engine"}]}}}}}})


def test_get_wide_describe_and_explain_read_trtllm_tp_from_the_engine_configmap(cluster, project_crds, namespace, kubeconfig_env):
    build_trtllm(cluster, namespace)
    wide = cli("get", "-n", namespace, "-o", "wide")
    assert (wide.exit_code, wide.stderr) == (0, "")
    row = by_name(wide)["trt"]
    assert (row["BACKEND"], row["GPUS"], row["TP"]) == ("trtllm", "8", "worker=8")

    described = cli("describe", "trt", "-n", namespace)
    assert (described.exit_code, described.stderr) == (0, "")
    services = described.stdout.split("Services:\n", 1)[1].split("\n")
    assert re.split(r"\s{3,}", services[1].strip()) == ["worker", "worker", "?/1", "2×4", "8", "8/1/1", "trtllm", "-"]
    as_json = json.loads(cli("describe", "trt", "-n", namespace, "-o", "json").stdout)
    assert as_json["services"][0]["parallelism"] == {"tp": 8, "pp": 1, "dp": 1}
    assert [f["code"] for f in as_json["findings"]] == []  # validate finds TP 8 = 2 × 4 on the live spec too

    # explain NAME reads the same ConfigMap through the same dgd/configmaps function
    explained = json.loads(cli("explain", "trt", "-n", namespace, "-o", "json").stdout)
    assert (explained["services"][0]["parallelism"], explained["services"][0]["parallelismSource"]) == (
        {"tp": 8, "pp": 1, "dp": 1}, "configmap trt-engine key engine.yaml")
