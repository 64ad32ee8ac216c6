"""The scheduling plane itself: the real kube-scheduler places pods on kwok's fake GPU nodes, kwok runs
them and serves their logs through the API server's real ``pods/log`` endpoint, and doctor's GPU
inventory agrees with what the scheduler actually places."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from kubernetes import client, config
from kubernetes.client import ApiException

from . import kube
from .scenarios import run

pytestmark = pytest.mark.e2e


def _events(c, ns: str, pod: str) -> list[dict]:
    return c.request("GET", f"/api/v1/namespaces/{ns}/events",
                     query={"fieldSelector": f"involvedObject.name={pod}"})["items"]


def test_plane_runs_the_pinned_scheduler_and_kwok(scheduling_cluster):
    cp = scheduling_cluster.cp
    assert cp.scheduling and set(cp.pids) == {"etcd", "kube-apiserver", "kube-scheduler", "kwok"}
    assert cp.kwok_version == "0.8.0"
    assert scheduling_cluster.request("GET", "/version")["gitVersion"] == f"v{cp.kubernetes_version}"
    # kwok's Logs/ClusterLogs CRDs are installed and served
    served = {r["name"] for r in scheduling_cluster.request("GET", "/apis/kwok.x-k8s.io/v1alpha1")["resources"]}
    assert {"logs", "clusterlogs"} <= served


def test_kwok_initializes_its_nodes_with_a_kubelet_endpoint(scheduling_cluster):
    node = scheduling_cluster.create_gpu_node("kw-h100-0", gpus=4)
    conds = {c.type: c.status for c in node.status.conditions}
    assert conds["Ready"] == "True"
    assert [(a.type, a.address) for a in node.status.addresses] == [("InternalIP", "127.0.0.1")]
    assert f"https://127.0.0.1:{node.status.daemon_endpoints.kubelet_endpoint.port}" == scheduling_cluster.cp.kwok_server
    assert node.status.allocatable["nvidia.com/gpu"] == "4"


def test_scheduler_places_by_gpu_capacity_and_reports_what_does_not_fit(scheduling_cluster, scheduling_namespace):
    c, ns = scheduling_cluster, scheduling_namespace
    c.create_gpu_node("kw-gpu-a", gpus=4)
    c.create_gpu_node("kw-gpu-b", gpus=2)
    c.submit_pod(ns, "four", gpus=4)
    c.submit_pod(ns, "two", gpus=2)
    placed = {p["metadata"]["name"]: p["spec"]["nodeName"] for p in c.wait_for_pods(ns, ["four", "two"])}
    assert placed == {"four": "kw-gpu-a", "two": "kw-gpu-b"}  # the only nodes with room for each
    c.submit_pod(ns, "one-more", gpus=1)
    stuck = c.wait_for_pods(ns, ["one-more"], "unschedulable")[0]
    cond = next(x for x in stuck["status"]["conditions"] if x["type"] == "PodScheduled")
    assert cond["message"].startswith("0/2 nodes are available: 2 Insufficient nvidia.com/gpu.")
    events = c._wait(lambda: [e for e in _events(c, ns, "one-more") if e["reason"] == "FailedScheduling"], 20,
                     "the scheduler's FailedScheduling event")
    assert events[0]["reportingComponent"] == "default-scheduler" and events[0]["type"] == "Warning"
    assert events[0]["message"] == cond["message"]
    # a finished pod frees its GPUs: the scheduler then places the waiting one
    c.request("DELETE", f"/api/v1/namespaces/{ns}/pods/two")
    assert c.wait_for_pods(ns, ["one-more"])[0]["spec"]["nodeName"] == "kw-gpu-b"


def test_scheduler_keeps_off_cordoned_and_tainted_nodes(scheduling_cluster, scheduling_namespace):
    c, ns = scheduling_cluster, scheduling_namespace
    c.create_gpu_node("kw-cordoned", gpus=8, unschedulable=True)
    c.create_gpu_node("kw-tainted", gpus=8, taints=[{"key": "dedicated", "value": "training", "effect": "NoSchedule"}])
    c.submit_pod(ns, "worker", gpus=8)
    msg = next(x for x in c.wait_for_pods(ns, ["worker"], "unschedulable")[0]["status"]["conditions"]
               if x["type"] == "PodScheduled")["message"]
    assert "1 node(s) were unschedulable" in msg and "1 node(s) had untolerated taint(s)" in msg
    c.submit_pod(ns, "tolerating", gpus=8,
                 tolerations=[{"key": "dedicated", "operator": "Equal", "value": "training", "effect": "NoSchedule"}])
    assert c.wait_for_pods(ns, ["tolerating"])[0]["spec"]["nodeName"] == "kw-tainted"


def test_logs_come_through_the_api_server_with_tail_timestamps_previous_and_follow(scheduling_cluster,
                                                                                   scheduling_namespace):
    c, ns = scheduling_cluster, scheduling_namespace
    c.create_gpu_node("kw-log-0", gpus=1)
    c.submit_pod(ns, "engine", gpus=1, containers=("main", "sidecar"))
    c.wait_for_pods(ns, ["engine"])
    t0 = datetime.datetime(2026, 5, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
    sec = datetime.timedelta(seconds=1)
    c.write_log(ns, "engine", "main", [(t0, "loading weights"), (t0 + sec, "NCCL INFO ring 0"), (t0 + 2 * sec, "ready")])
    c.write_log(ns, "engine", "sidecar", ["sidecar up"])
    assert c.pod_log(ns, "engine", "main") == "loading weights\nNCCL INFO ring 0\nready\n"
    assert c.pod_log(ns, "engine", "sidecar") == "sidecar up\n"
    assert c.pod_log(ns, "engine", "main", tailLines=1) == "ready\n"
    assert c.pod_log(ns, "engine", "main", timestamps=True).splitlines()[0] == \
        "2026-05-01T12:00:00.000000000Z loading weights"
    assert c.pod_log(ns, "engine", "main", sinceTime="2026-05-01T12:00:01Z") == "NCCL INFO ring 0\nready\n"

    # a crash: kwok reports the restart, the previous instance's log is served with previous=true
    c.write_log(ns, "engine", "main", ["NCCL WARN Call to connect returned Connection refused"], previous=True)
    pod = c.restart_containers(ns, "engine", 1)
    main = next(s for s in pod["status"]["containerStatuses"] if s["name"] == "main")
    assert main["restartCount"] == 1 and main["lastState"]["terminated"]["exitCode"] == 1
    assert c.pod_log(ns, "engine", "main", previous=True) == "NCCL WARN Call to connect returned Connection refused\n"

    # follow: lines appended while the request is open arrive on it
    url = c.api_client.configuration.host + f"/api/v1/namespaces/{ns}/pods/engine/log?container=main&follow=true"
    resp = c.api_client.rest_client.pool_manager.request("GET", url, preload_content=False, timeout=30)
    got: list[str] = []

    def read():
        for chunk in resp.stream(64, decode_content=False):
            got.append(chunk.decode())
            if "step 2" in "".join(got):
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    c._wait(lambda: "ready\n" in "".join(got), 10, "the existing lines on the follow stream")
    c.write_log(ns, "engine", "main", ["step 1", "step 2"], append=True)
    reader.join(10)
    resp.release_conn()
    assert "".join(got).endswith("ready\nstep 1\nstep 2\n")


def test_an_unscheduled_pod_has_no_log_to_serve(scheduling_cluster, scheduling_namespace):
    c, ns = scheduling_cluster, scheduling_namespace
    c.submit_pod(ns, "nowhere", gpus=1)
    c.wait_for_pods(ns, ["nowhere"], "unschedulable")
    # the API server's own answer when there is no node to ask: 204 No Content, no error at all
    # (so `logs` has to say itself why a pod has nothing to show)
    assert c.pod_log(ns, "nowhere", "main") == ""
    with pytest.raises(ApiException) as err:
        c.pod_log(ns, "nowhere", "no-such-container")
    assert err.value.status == 400


def test_doctor_largest_fit_is_what_the_scheduler_places(scheduling_cluster, scheduling_namespace):
    """doctor's "largest multinode shape that fits now" against the real scheduler: that shape, one
    rank per node, is all placed; one more GPU per rank, or one more rank, is not."""
    c, ns = scheduling_cluster, scheduling_namespace
    for name in ("kw-fit-0", "kw-fit-1", "kw-fit-2"):
        c.create_gpu_node(name, gpus=8)
    c.create_gpu_node("kw-fit-cordoned", gpus=8, unschedulable=True)
    c.create_gpu_node("kw-fit-tainted", gpus=8, taints=[{"key": "dedicated", "value": "x", "effect": "NoSchedule"}])
    # something already runs: 3 GPUs on one node, 2 on another (placed by the scheduler, not by us)
    c.submit_pod(ns, "busy-3", gpus=3, node_selector={"kubernetes.io/hostname": "kw-fit-0"})
    c.submit_pod(ns, "busy-2", gpus=2, node_selector={"kubernetes.io/hostname": "kw-fit-2"})
    c.wait_for_pods(ns, ["busy-3", "busy-2"])
    gpus = run(c, "doctor", "-o", "json").json()["gpus"]
    free = {n["name"]: (n["free"], n["schedulable"]) for n in gpus["nodes"]}
    assert free == {"kw-fit-0": (5, True), "kw-fit-1": (8, True), "kw-fit-2": (6, True),
                    "kw-fit-cordoned": (8, False), "kw-fit-tainted": (8, False)}
    fit = gpus["largestFit"]
    assert fit == {"nodes": 3, "gpusPerNode": 5}

    def gang(tag: str, ranks: int, per_rank: int) -> list[str]:
        names = [f"{tag}-{i}" for i in range(ranks)]
        for n in names:
            c.submit_pod(ns, n, labels={"gang": tag}, gpus=per_rank, one_per_node="gang")
        return names

    def unplaced(names: list[str]) -> list[str]:
        time.sleep(2)  # the scheduler's first attempt at each pod is done well within this
        return [n for n in names if not (c.get_pod(ns, n).get("spec") or {}).get("nodeName")]

    def delete(names: list[str]) -> None:
        for n in names:
            c.request("DELETE", f"/api/v1/namespaces/{ns}/pods/{n}")
        c._wait(lambda: not [p for p in c.request("GET", f"/api/v1/namespaces/{ns}/pods")["items"]
                             if p["metadata"]["name"] in names], 20, "the gang's pods to go")

    fits = gang("fits", fit["nodes"], fit["gpusPerNode"])
    placed = c.wait_for_pods(ns, fits)
    assert sorted(p["spec"]["nodeName"] for p in placed) == ["kw-fit-0", "kw-fit-1", "kw-fit-2"]
    delete(fits)
    wider = gang("wider", fit["nodes"], fit["gpusPerNode"] + 1)
    assert len(unplaced(wider)) == 1  # kw-fit-0 has only 5 free
    delete(wider)
    more = gang("more", fit["nodes"] + 1, fit["gpusPerNode"])
    assert len(unplaced(more)) == 1  # the cordoned and the tainted node take no rank


def test_controlplane_script_starts_and_stops_the_scheduling_plane(scheduling_cluster, tmp_path):
    script = str(kube.REPO_ROOT / "scripts" / "controlplane.py")
    state = tmp_path / "cp"
    out = subprocess.run([sys.executable, script, "start", "--scheduling", "--dir", str(state), "--no-build"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    try:
        assert "kube-scheduler and kwok https://127.0.0.1:" in out.stderr
        saved = json.loads((state / "controlplane.json").read_text())
        assert saved["scheduling"] is True and set(saved["pids"]) == {"etcd", "kube-apiserver", "kube-scheduler", "kwok"}
        api = config.new_client_from_config(config_file=out.stdout.strip())
        assert client.CoreV1Api(api).read_namespace("default").metadata.name == "default"
    finally:
        stopped = subprocess.run([sys.executable, script, "stop", "--dir", str(state)], capture_output=True, text=True)
    assert stopped.returncode == 0, stopped.stderr
    assert not state.exists()
    for pid in saved["pids"].values():
        cmdline = Path(f"/proc/{pid}/cmdline")
        assert not cmdline.exists() or str(state) not in cmdline.read_text(errors="replace")
