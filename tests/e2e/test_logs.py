"""`kubectl dynamo logs` against the scheduling plane: a 2-node × 4-GPU vLLM DGD whose leader and
worker pods kube-scheduler placed and kwok runs; their logs come through the API server's real
`pods/log` endpoint (kwok serving the files the tests write), followed, after a restart, and into
--out-dir."""

from __future__ import annotations

import datetime
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from . import kube
from .scenarios import run
from .test_scheduled_dgd import gpu_nodes, vllm_gang

pytestmark = pytest.mark.e2e

T0 = datetime.datetime(2026, 5, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
SEC = datetime.timedelta(seconds=1)


@pytest.fixture
def gang(crd_source, scheduling_cluster, scheduling_namespace):
    """The running DGD `llm` (leader on one node, worker on the other) with a few lines each,
    interleaved in time: leader t0, t2; worker t1, t3."""
    c, ns = scheduling_cluster, scheduling_namespace
    c.install_crd_sets(crd_source, sets=["dynamo", "grove"])
    gpu_nodes(c)
    leader, worker = vllm_gang(c, ns, "llm")
    c.wait_for_pods(ns, [leader, worker])
    c.write_log(ns, leader, "main", [(T0, "INFO starting vLLM engine, rank 0 of 2"),
                                     (T0 + 2 * SEC, "NCCL INFO Channel 00/02 : 0[0] -> 1[0] via NET/IB")])
    c.write_log(ns, worker, "main", [(T0 + SEC, "INFO joining leader at $(LWS_LEADER_ADDRESS)"),
                                     (T0 + 3 * SEC, "NCCL WARN Call to connect returned Connection refused")])
    return c, ns, leader, worker


def test_every_rank_merged_in_time_order_with_its_prefix(gang):
    c, ns, leader, worker = gang
    res = run(c, "logs", "llm", "-n", ns)
    assert (res.exit_code, res.stderr) == (0, "")
    assert res.stdout.splitlines() == [
        "[decode/leader-0] INFO starting vLLM engine, rank 0 of 2",
        "[decode/worker-1] INFO joining leader at $(LWS_LEADER_ADDRESS)",
        "[decode/leader-0] NCCL INFO Channel 00/02 : 0[0] -> 1[0] via NET/IB",
        "[decode/worker-1] NCCL WARN Call to connect returned Connection refused",
    ]


def test_role_rank_tail_timestamps_and_since_time(gang):
    c, ns, leader, worker = gang
    assert run(c, "logs", "llm", "-n", ns, "--role", "worker").stdout.splitlines() == [
        "[decode/worker-1] INFO joining leader at $(LWS_LEADER_ADDRESS)",
        "[decode/worker-1] NCCL WARN Call to connect returned Connection refused"]
    assert run(c, "logs", "llm", "-n", ns, "--rank", "0", "--tail", "1").stdout == (
        "[decode/leader-0] NCCL INFO Channel 00/02 : 0[0] -> 1[0] via NET/IB\n")
    stamped = run(c, "logs", "llm", "-n", ns, "--rank", "1", "--timestamps").stdout.splitlines()
    assert stamped[0] == "[decode/worker-1] 2026-05-01T12:00:01.000000000Z INFO joining leader at $(LWS_LEADER_ADDRESS)"
    since = run(c, "logs", "llm", "-n", ns, "--since-time", "2026-05-01T12:00:02Z").stdout.splitlines()
    assert [line.split("] ", 1)[0] for line in since] == ["[decode/leader-0", "[decode/worker-1"]
    none = run(c, "logs", "llm", "-n", ns, "--role", "worker", "--rank", "5")
    assert (none.exit_code, none.stdout) == (1, "")
    assert none.stderr == ('error: none of the 2 pods of dynamographdeployment "llm" match --role worker --rank 5\n')


def test_json_lines(gang):
    c, ns, leader, worker = gang
    res = run(c, "logs", "llm", "-n", ns, "-o", "json")
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(r["pod"], r["role"], r["rank"]) for r in rows] == [(leader, "leader", 0), (worker, "worker", 1)] * 2
    assert rows[3] == {"pod": worker, "service": "decode", "role": "worker", "rank": 1, "container": "main",
                       "previous": False, "timestamp": "2026-05-01T12:00:03.000000000Z",
                       "text": "NCCL WARN Call to connect returned Connection refused"}


def test_previous_after_a_restart_and_out_dir_keeps_both(gang, tmp_path):
    c, ns, leader, worker = gang
    none = run(c, "logs", "llm", "-n", ns, "--previous")
    assert none.exit_code == 1 and none.stdout == ""
    assert f"[decode/worker-1] {worker}: NoPreviousInstance: container main has not restarted" in none.stderr
    # the worker crashes on NCCL; its kubelet (kwok) restarts it, the new instance logs afresh
    c.write_log(ns, worker, "main", [(T0 + 4 * SEC, "NCCL WARN Call to connect returned Connection refused"),
                                     (T0 + 5 * SEC, "RuntimeError: NCCL error: unhandled system error")], previous=True)
    c.restart_containers(ns, worker, 1)
    c.write_log(ns, worker, "main", [(T0 + 9 * SEC, "INFO joining leader again")])
    res = run(c, "logs", "llm", "-n", ns, "--previous")
    assert res.exit_code == 0
    assert res.stdout.splitlines() == ["[decode/worker-1] NCCL WARN Call to connect returned Connection refused",
                                       "[decode/worker-1] RuntimeError: NCCL error: unhandled system error"]
    assert f"{leader}: NoPreviousInstance" in res.stderr  # the leader never restarted: said once, not an error
    out = tmp_path / "crash"
    saved = run(c, "logs", "llm", "-n", ns, "--out-dir", str(out))
    assert saved.exit_code == 0, saved.stderr
    assert sorted(os.listdir(out)) == sorted([f"{leader}_main.log", f"{worker}_main.log", f"{worker}_main.previous.log"])
    assert (out / f"{worker}_main.previous.log").read_text().splitlines()[-1] == "RuntimeError: NCCL error: unhandled system error"
    assert (out / f"{worker}_main.log").read_text() == "INFO joining leader again\n"
    assert (out / f"{leader}_main.log").read_text().count("\n") == 2
    assert f"[decode/worker-1] {out / (worker + '_main.previous.log')}: 2 lines (previous instance)" in saved.stdout


def test_follow_prints_lines_as_they_arrive(gang):
    c, ns, leader, worker = gang
    proc = subprocess.Popen([sys.executable, "-m", "kubectl_dynamo", "logs", "llm", "-n", ns, "-f",
                             "--kubeconfig", c.kubeconfig], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "NO_COLOR": "1"}, cwd=str(kube.REPO_ROOT))
    seen: list[str] = []
    arrived: queue.Queue[str | None] = queue.Queue()

    def reader() -> None:  # each line as the process writes it (a pipe: it flushes per line)
        for raw in proc.stdout:
            arrived.put(raw.decode().rstrip("\n"))
        arrived.put(None)

    threading.Thread(target=reader, daemon=True).start()

    def until(text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in seen):
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} never arrived; got {seen}"
            try:
                line = arrived.get(timeout=left)
            except queue.Empty:
                continue
            assert line is not None, f"the stream ended; stderr: {proc.stderr.read().decode()}"
            seen.append(line)

    try:
        until("NCCL WARN Call to connect returned Connection refused")  # the lines so far, each stream's
        until("NCCL INFO Channel 00/02")                                   # in order, streams as they come
        assert sorted(seen) == sorted(run(c, "logs", "llm", "-n", ns).stdout.splitlines())
        c.write_log(ns, worker, "main", [(T0 + 10 * SEC, "NCCL INFO retrying connection")], append=True)
        until("[decode/worker-1] NCCL INFO retrying connection")
        c.write_log(ns, leader, "main", [(T0 + 11 * SEC, "INFO engine ready")], append=True)
        until("[decode/leader-0] INFO engine ready")
        assert proc.poll() is None  # still following
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    err = proc.stderr.read().decode()
    assert code == 130 and "Traceback" not in err


def test_unscheduled_pods_are_named_once_with_the_schedulers_reason(crd_source, scheduling_cluster,
                                                                   scheduling_namespace):
    c, ns = scheduling_cluster, scheduling_namespace
    c.install_crd_sets(crd_source, sets=["dynamo", "grove"])
    gpu_nodes(c)
    pods = vllm_gang(c, ns, "too-big", gpus=8, tp=16)
    c.wait_for_pods(ns, pods, "unschedulable")
    res = run(c, "logs", "too-big", "-n", ns)
    assert (res.exit_code, res.stdout) == (1, "")
    lines = res.stderr.splitlines()
    assert len(lines) == 2 and [line.split(" ", 1)[0] for line in lines] == ["[decode/leader-0]", "[decode/worker-1]"]
    for line, pod in zip(lines, pods, strict=True):
        assert f"{pod}: " in line and "0/2 nodes are available: 2 Insufficient nvidia.com/gpu." in line


def test_prefixes_coloured_by_rank_only_when_asked_or_on_a_terminal(gang):
    c, ns, leader, worker = gang
    plain = run(c, "logs", "llm", "-n", ns)
    assert "\033[" not in plain.stdout  # not a terminal (and NO_COLOR): never
    coloured = run(c, "logs", "llm", "-n", ns, "--color", "always").stdout.splitlines()
    assert coloured[0] == "\033[36m[decode/leader-0]\033[0m INFO starting vLLM engine, rank 0 of 2"
    assert coloured[1].startswith("\033[32m[decode/worker-1]\033[0m ")


def test_gated_pods_are_named_with_grove_s_gate(crd_source, scheduling_cluster, scheduling_namespace):
    """Grove creates a gang's pods gated until their PodGang exists: the scheduler leaves them
    alone, and logs says so once per pod instead of an error per request."""
    c, ns = scheduling_cluster, scheduling_namespace
    c.install_crd_sets(crd_source, sets=["dynamo", "grove"])
    gpu_nodes(c)
    leader, worker = vllm_gang(c, ns, "llm")
    c.wait_for_pods(ns, [leader, worker])
    c.write_log(ns, leader, "main", [(T0, "INFO rank 0 up")])
    c.write_log(ns, worker, "main", [(T0 + SEC, "INFO rank 1 up")])
    c.submit_pod(ns, "llm-0-decode-1-decode-ldr-bgate", gpus=4, scheduling_gates=["grove.io/podgang-pending-creation"],
                 labels={"nvidia.com/dynamo-graph-deployment-name": "llm", "nvidia.com/dynamo-component": "decode",
                         "grove.io/podclique": "llm-0-decode-1-decode-ldr", "grove.io/podgang": "llm-0-decode-1",
                         "grove.io/podcliquescalinggroup": "llm-0-decode",
                         "grove.io/podcliquescalinggroup-replica-index": "1"})
    res = run(c, "logs", "llm", "-n", ns)
    assert res.exit_code == 0
    assert res.stdout.splitlines() == ["[decode[0]/leader-0] INFO rank 0 up", "[decode[0]/worker-1] INFO rank 1 up"]
    (line,) = res.stderr.splitlines()
    assert line.startswith("[decode[1]/leader-0] llm-0-decode-1-decode-ldr-bgate: SchedulingGated: Grove holds the pod "
                           "with gate grove.io/podgang-pending-creation until PodGang llm-0-decode-1 exists")
    assert "does not exist yet: Grove has not created it" in line
