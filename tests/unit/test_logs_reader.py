"""cluster/logs.py's orchestration with a fake opener (no network): the query of each stream, whole
reads at most N at a time, and follow handing over lines as they arrive with each stream's end."""

from __future__ import annotations

import threading
import time

from kubectl_dynamo.cluster.logs import Ended, LogOptions, follow, log_path, read_all
from kubectl_dynamo.errors import ClusterError, Forbidden
from kubectl_dynamo.state.log_streams import LogStream

LDR = LogStream("llm-ldr", "main", "decode", "leader", 0, None)
WKR = LogStream("llm-wkr", "main", "decode", "worker", 1, None)
PREV = LogStream("llm-wkr", "main", "decode", "worker", 1, None, previous=True)


def test_query_of_a_stream():
    assert LogOptions().query(LDR) == {"container": "main", "timestamps": "true"}
    q = LogOptions(tail=10, since_seconds=300, follow=True).query(PREV)
    assert q == {"container": "main", "timestamps": "true", "previous": "true", "tailLines": 10, "sinceSeconds": 300,
                 "follow": "true"}
    assert LogOptions(since_time="2026-01-02T15:04:05Z").query(LDR)["sinceTime"] == "2026-01-02T15:04:05Z"
    assert log_path("team a", "p/1") == "/api/v1/namespaces/team%20a/pods/p%2F1/log"


def test_read_all_keeps_order_errors_and_the_concurrency_limit():
    busy = {"now": 0, "max": 0}
    lock = threading.Lock()

    def opener(cluster, path, query, follow_):
        with lock:
            busy["now"] += 1
            busy["max"] = max(busy["max"], busy["now"])
        time.sleep(0.05)
        with lock:
            busy["now"] -= 1
        if "llm-wkr" in path and query.get("previous"):
            raise ClusterError('pods "llm-wkr": previous terminated container "main" not found')
        pod = path.split("/")[-2]
        yield f"2026-05-01T12:00:00Z {pod} a\n2026-05-01T12:00:01Z {pod} "
        yield "b\n"

    streams = [LDR, WKR, PREV] * 3
    got = read_all(None, "ns", streams, LogOptions(), max_requests=2, opener=opener)  # type: ignore[arg-type]
    assert [o.stream for o in got] == streams
    assert busy["max"] == 2
    assert [x.text for x in got[0].lines] == ["llm-ldr a", "llm-ldr b"]
    assert got[2].lines == [] and "not found" in got[2].error.message


def test_follow_hands_over_lines_as_they_arrive_and_each_streams_end():
    gate = threading.Event()

    def opener(cluster, path, query, follow_):
        assert follow_ and query["follow"] == "true"
        if "llm-ldr" in path:
            yield "2026-05-01T12:00:00Z leader up\n2026-05-01T12:00:0"
            gate.wait(5)  # the leader says more only after the worker spoke
            yield "2Z leader again\n"
            return
        yield "2026-05-01T12:00:01Z worker up\n"
        gate.set()
        raise Forbidden("forbidden: pods/log")

    items = list(follow(None, "ns", [LDR, WKR], LogOptions(follow=True), opener=opener))  # type: ignore[arg-type]
    lines = [(x.stream.pod, x.text) for x in items if not isinstance(x, Ended)]
    assert lines.index(("llm-ldr", "leader up")) < lines.index(("llm-ldr", "leader again"))
    assert lines.index(("llm-wkr", "worker up")) < lines.index(("llm-ldr", "leader again"))
    ends = {x.stream.pod: x.error for x in items if isinstance(x, Ended)}
    assert ends["llm-ldr"] is None and isinstance(ends["llm-wkr"], Forbidden)
    assert isinstance(items[-1], Ended)


def test_follow_of_nothing_ends_at_once():
    assert list(follow(None, "ns", [], LogOptions(follow=True), opener=lambda *a: iter(()))) == []  # type: ignore[arg-type]
