"""`logs`' pure parts: which streams (state/log_streams.py), named how, and their lines merged
(state/log_lines.py). Pods are plain dicts as the API returns them."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from kubectl_dynamo.state.log_lines import (
    LineBuffer,
    LogLine,
    merge,
    parse_lines,
    render_text,
    split_timestamp,
    timestamp_key,
)
from kubectl_dynamo.state.log_streams import LogStream, default_container, out_dir_streams, select_streams
from kubectl_dynamo.state.pending import PendingReason


def pod(name: str, svc: str, *, labels: dict | None = None, node: str | None = "n0", containers: tuple = ("main",),
        init: tuple = (), restarts: int = 0, waiting: str | None = None, gates: tuple = (),
        annotations: dict | None = None) -> dict:
    spec: dict[str, Any] = {"containers": [{"name": c} for c in containers]}
    if init:
        spec["initContainers"] = [{"name": c} for c in init]
    if node:
        spec["nodeName"] = node
    if gates:
        spec["schedulingGates"] = [{"name": g} for g in gates]
    statuses = []
    if node:
        for c in containers:
            st: dict[str, Any] = {"name": c, "restartCount": restarts,
                                  "state": {"waiting": {"reason": waiting}} if waiting else {"running": {}}}
            if restarts:
                st["lastState"] = {"terminated": {"exitCode": 1}}
            statuses.append(st)
    inits = [{"name": c, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
             for c in init] if node else []
    return {"metadata": {"name": name, "labels": {"nvidia.com/dynamo-component": svc, **(labels or {})},
                         "annotations": annotations or {}},
            "spec": spec, "status": {"phase": "Running" if node else "Pending", "containerStatuses": statuses,
                                     "initContainerStatuses": inits}}


def grove(name: str, svc: str, role: str, index: int = 0, replica: int = 0, **kw: Any) -> dict:
    """A Grove pod of a multinode service: clique <dgd>-0-<svc>-<replica>-<svc>-ldr|wkr."""
    clique = f"llm-0-{svc}-{replica}-{svc}-{role}"
    labels = {"grove.io/podclique": clique, "grove.io/podcliquescalinggroup": f"llm-0-{svc}",
              "grove.io/podcliquescalinggroup-replica-index": str(replica), "grove.io/podclique-pod-index": str(index)}
    return pod(name, svc, labels=labels, **kw)


def lws(name: str, svc: str, worker_index: int, group: int = 0, **kw: Any) -> dict:
    labels = {"leaderworkerset.sigs.k8s.io/name": f"llm-{svc}-0", "leaderworkerset.sigs.k8s.io/group-index": str(group),
              "leaderworkerset.sigs.k8s.io/worker-index": str(worker_index),
              "role": "leader" if worker_index == 0 else "worker"}
    return pod(name, svc, labels=labels, **kw)


GANG = [grove("llm-0-decode-0-decode-wkr-b", "decode", "wkr", index=0),
        grove("llm-0-decode-0-decode-ldr-a", "decode", "ldr"),
        pod("llm-0-frontend-x", "Frontend")]


def prefixes(sel) -> list[str]:
    return [s.prefix for s in sel.streams]


# --- naming and selection --------------------------------------------------------------------------


def test_every_pod_named_by_service_role_and_rank_leader_first():
    sel = select_streams(GANG)
    assert prefixes(sel) == ["Frontend/main", "decode/leader-0", "decode/worker-1"]
    assert [s.pod for s in sel.streams] == ["llm-0-frontend-x", "llm-0-decode-0-decode-ldr-a", "llm-0-decode-0-decode-wkr-b"]
    assert {s.container for s in sel.streams} == {"main"}
    assert sel.silent == [] and sel.matched_pods == 3


def test_lws_pods_get_their_worker_index_as_rank():
    sel = select_streams([lws("w-1", "decode", 1), lws("w-0", "decode", 0), lws("w-2", "decode", 2)])
    assert prefixes(sel) == ["decode/leader-0", "decode/worker-1", "decode/worker-2"]


def test_several_instances_of_a_service_are_told_apart():
    pods = [grove(f"d{r}-{role}", "decode", role, replica=r) for r in (1, 0) for role in ("wkr", "ldr")]
    pods += [pod("fe-b", "Frontend"), pod("fe-a", "Frontend")]
    sel = select_streams(pods)
    assert prefixes(sel) == ["Frontend[0]/main", "Frontend[1]/main", "decode[0]/leader-0", "decode[0]/worker-1",
                             "decode[1]/leader-0", "decode[1]/worker-1"]
    assert [s.pod for s in sel.streams][:2] == ["fe-a", "fe-b"]


@pytest.mark.parametrize(("kw", "want"), [
    ({"role": "leader"}, ["decode/leader-0"]),
    ({"role": "worker"}, ["decode/worker-1"]),
    ({"rank": 1}, ["decode/worker-1"]),
    ({"rank": 0}, ["decode/leader-0"]),
    ({"service": "decode"}, ["decode/leader-0", "decode/worker-1"]),
    ({"service": "frontend"}, ["Frontend/main"]),  # as the user typed it, case aside
    ({"role": "main"}, ["Frontend/main"]),
    ({"service": "decode", "rank": 3}, []),
])
def test_service_role_and_rank_filters(kw, want):
    assert prefixes(select_streams(GANG, **kw)) == want


def test_container_choice_follows_kubectl():
    p = pod("p", "decode", containers=("sidecar", "main"), init=("setup",),
            annotations={"kubectl.kubernetes.io/default-container": "main"})
    assert default_container(p) == "main"
    assert default_container(pod("q", "decode", containers=("first", "second"))) == "first"
    sel = select_streams([p], all_containers=True)
    assert [s.container for s in sel.streams] == ["setup", "sidecar", "main"]
    assert prefixes(sel) == ["decode/main/setup", "decode/main/sidecar", "decode/main/main"]
    sel = select_streams([p], container="sidecar")
    assert [(s.container, s.prefix) for s in sel.streams] == [("sidecar", "decode/main")]


def test_a_missing_container_is_reported_not_streamed():
    sel = select_streams(GANG, container="sidecar")
    assert sel.streams == [] and sel.matched_pods == 3
    assert sorted(sel.missing_container) == sorted(p["metadata"]["name"] for p in GANG)
    assert sel.containers_seen == ["main"]


def test_unscheduled_and_gated_pods_are_silent_with_describes_reason():
    pods = [grove("ldr", "decode", "ldr", node=None),
            grove("wkr", "decode", "wkr", node=None, gates=("grove.io/podgang-pending-creation",)),
            pod("fe", "Frontend", waiting="ContainerCreating")]
    pending = [PendingReason("event", "FailedScheduling", "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
                             ["Pod/ldr"])]
    sel = select_streams(pods, pending=pending)
    assert sel.streams == []
    lines = [s.line() for s in sel.silent]
    assert lines == [
        "[Frontend/main] fe: ContainerCreating: container main is waiting to start",
        "[decode/leader-0] ldr: FailedScheduling: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
        "[decode/worker-1] wkr: SchedulingGated: held by scheduling gates grove.io/podgang-pending-creation",
    ]


def test_previous_only_for_containers_that_restarted():
    pods = [grove("ldr", "decode", "ldr", restarts=2), grove("wkr", "decode", "wkr")]
    sel = select_streams(pods, previous=True)
    assert [(s.pod, s.previous) for s in sel.streams] == [("ldr", True)]
    assert [(s.pod, s.reason) for s in sel.silent] == [("wkr", "NoPreviousInstance")]


def test_a_crash_looping_container_still_has_a_log():
    sel = select_streams([pod("p", "decode", restarts=3, waiting="CrashLoopBackOff")])
    assert [s.pod for s in sel.streams] == ["p"] and sel.silent == []


def test_out_dir_adds_the_previous_instance_of_restarted_containers():
    pods = [grove("ldr", "decode", "ldr", restarts=1), grove("wkr", "decode", "wkr")]
    files = [s.file_name() for s in out_dir_streams(pods, select_streams(pods))]
    assert files == ["ldr_main.log", "ldr_main.previous.log", "wkr_main.log"]
    odd = LogStream("a/b c", "x:y", "s", "main", None, None)
    assert odd.file_name() == "a_b_c_x_y.log"


def test_colour_follows_the_rank():
    sel = select_streams(GANG)
    assert [s.colour_key for s in sel.streams] == [0, 0, 1]


# --- lines -------------------------------------------------------------------------------------------


S1 = LogStream("ldr", "main", "decode", "leader", 0, None)
S2 = LogStream("wkr", "main", "decode", "worker", 1, None)


@pytest.mark.parametrize("ts", ["2026-05-01T12:00:00.123456789Z", "2026-05-01T12:00:00.1Z", "2026-05-01T12:00:00Z",
                                "2026-05-01T14:00:00.5+02:00", "2024-02-29T23:59:59.999999999Z", "1999-12-31T00:00:00Z"])
def test_timestamp_key_is_exact_nanoseconds(ts):
    m = ts.split(".")
    frac = m[1].rstrip("Z").split("+")[0] if len(m) > 1 else "0"
    base = dt.datetime.fromisoformat((m[0] + ("+02:00" if "+02:00" in ts else "+00:00")).replace("Z", ""))
    want = int(base.timestamp()) * 10**9 + int(frac.ljust(9, "0"))
    assert timestamp_key(ts) == want


@pytest.mark.parametrize("ts", ["", "yesterday", "2026-13-01T00:00:00Z", "2026-05-01 12:00:00Z", None])
def test_timestamp_key_rejects_what_is_not_rfc3339(ts):
    assert timestamp_key(ts) is None


def test_split_timestamp():
    assert split_timestamp("2026-05-01T12:00:00.000000001Z NCCL INFO ring 0") == ("2026-05-01T12:00:00.000000001Z",
                                                                               "NCCL INFO ring 0")
    assert split_timestamp("2026-05-01T12:00:00Z") == ("2026-05-01T12:00:00Z", "")
    assert split_timestamp("no stamp here") == (None, "no stamp here")


def test_parse_lines_keeps_a_last_line_without_newline():
    body = "2026-05-01T12:00:00Z a\n2026-05-01T12:00:01Z b"
    assert [(x.timestamp, x.text) for x in parse_lines(S1, body)] == [("2026-05-01T12:00:00Z", "a"),
                                                                     ("2026-05-01T12:00:01Z", "b")]
    assert parse_lines(S1, "") == []


def test_line_buffer_joins_chunks_split_mid_line():
    buf = LineBuffer(S1)
    assert buf.feed("2026-05-01T12:00:00Z hel") == []
    got = buf.feed("lo\n2026-05-01T12:00:01Z wor")
    assert [x.text for x in got] == ["hello"]
    assert [x.text for x in buf.feed("ld\n")] == ["world"]
    assert buf.feed("2026-05-01T12:00:02Z tail") == [] and [x.text for x in buf.flush()] == ["tail"]
    assert buf.flush() == []


def _lines(stream: LogStream, stamps: list[tuple[str, str]]) -> list[LogLine]:
    return [LogLine(stream, t, x) for t, x in stamps]


def test_merge_orders_by_time_across_streams_and_keeps_ties_in_stream_order():
    a = _lines(S1, [("2026-05-01T12:00:00Z", "a1"), ("2026-05-01T12:00:02Z", "a2"), ("2026-05-01T12:00:02Z", "a3")])
    b = _lines(S2, [("2026-05-01T12:00:01Z", "b1"), ("2026-05-01T12:00:02Z", "b2")])
    assert [x.text for x in merge([a, b])] == ["a1", "b1", "a2", "a3", "b2"]


def test_merge_lines_without_a_timestamp_stay_after_their_predecessor():
    a = _lines(S1, [("2026-05-01T12:00:00Z", "a1"), (None, "a1 continued"), ("2026-05-01T12:00:05Z", "a2")])
    b = _lines(S2, [("2026-05-01T12:00:03Z", "b1")])
    assert [x.text for x in merge([a, b])] == ["a1", "a1 continued", "b1", "a2"]


def test_merge_of_random_streams_is_sorted_and_loses_nothing():
    rnd = random.Random(7)
    streams = []
    for i in range(5):
        stamps = sorted(rnd.randrange(10**9) for _ in range(50))
        s = LogStream(f"p{i}", "main", "d", "worker", i, None)
        streams.append([LogLine(s, f"2026-05-01T12:00:00.{n:09d}Z", f"{i}-{n}") for n in stamps])
    merged = merge(streams)
    keys = [timestamp_key(x.timestamp) for x in merged]
    assert keys == sorted(keys) and len(merged) == 250


def test_render_text_and_json():
    line = LogLine(S2, "2026-05-01T12:00:01.000000000Z", "NCCL WARN timeout")
    assert render_text(line) == "[decode/worker-1] NCCL WARN timeout"
    assert render_text(line, timestamps=True) == "[decode/worker-1] 2026-05-01T12:00:01.000000000Z NCCL WARN timeout"
    assert render_text(line, prefix=False) == "NCCL WARN timeout"
    assert line.to_dict() == {"pod": "wkr", "service": "decode", "role": "worker", "rank": 1, "container": "main",
                              "previous": False, "timestamp": "2026-05-01T12:00:01.000000000Z",
                              "text": "NCCL WARN timeout"}


def test_line_printer_colours_the_prefix_by_rank_and_writes_json_lines():
    import io
    import json

    from kubectl_dynamo.report.color import Palette
    from kubectl_dynamo.report.logs_text import LinePrinter, file_text

    out = io.StringIO()
    p = LinePrinter(out, palette=Palette(True))
    p.write(LogLine(S1, "2026-05-01T12:00:00Z", "a"))
    p.write(LogLine(S2, "2026-05-01T12:00:01Z", "b"))
    assert out.getvalue() == "\033[36m[decode/leader-0]\033[0m a\n\033[32m[decode/worker-1]\033[0m b\n"
    out = io.StringIO()
    LinePrinter(out, timestamps=True).write(LogLine(S2, "2026-05-01T12:00:01Z", "b"))
    assert out.getvalue() == "[decode/worker-1] 2026-05-01T12:00:01Z b\n"
    out = io.StringIO()
    LinePrinter(out, fmt="json", palette=Palette(True)).write(LogLine(S2, None, "b"))
    assert json.loads(out.getvalue())["text"] == "b" and "\033" not in out.getvalue()
    assert file_text([LogLine(S1, "2026-05-01T12:00:00Z", "a")], timestamps=False) == "a\n"


def test_every_rank_colour_passes_the_terminal_guard():
    import io

    from kubectl_dynamo.report.color import SERIES, Palette
    from kubectl_dynamo.report.terminal import SafeStream

    out = io.StringIO()
    guarded = SafeStream(out, lambda: True)
    for i in range(len(SERIES)):
        guarded.write(Palette(True).series(i, f"[r{i}]") + "\n")
    assert "^[" not in out.getvalue() and out.getvalue().count("\033[0m") == len(SERIES)
