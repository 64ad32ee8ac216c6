"""Container logs of a DGD's pods through the API server's `pods/log` endpoint, many at once.

`read_all` reads whole logs (at most `max_requests` at a time) for the merged view and
`--out-dir`; `follow` keeps one request open per stream and hands over lines as they arrive, from
any stream, until every stream has ended. Streams are always read with `timestamps=true` (the
merge needs them; state/log_lines strips them again unless asked for). Each stream's failure is
kept with it (a 400 from the kubelet names a container that is not running, a 403 says pods/log
is not allowed), so one bad pod never hides the others.

The streaming GET goes through the connection's transport (cluster/transport.Transport.stream):
connecting and the answer's head are bounded by `--request-timeout`, and so is each wait for more
of a whole log; a followed stream may stay silent for as long as the container says nothing
(kubectl logs -f has no read timeout either).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from kubectl_dynamo.cluster.client import Cluster, api_error
from kubectl_dynamo.errors import ClusterError
from kubectl_dynamo.state.log_lines import LineBuffer, LogLine, parse_lines
from kubectl_dynamo.state.log_streams import LogStream


@dataclass(frozen=True)
class LogOptions:
    """The query of every stream (kubectl's PodLogOptions that `logs` exposes)."""

    tail: int | None = None  # None: all lines
    since_seconds: int | None = None
    since_time: str | None = None  # RFC 3339
    follow: bool = False

    def query(self, stream: LogStream) -> dict[str, Any]:
        q: dict[str, Any] = {"container": stream.container, "timestamps": "true"}
        if stream.previous:
            q["previous"] = "true"
        if self.tail is not None:
            q["tailLines"] = self.tail
        if self.since_seconds is not None:
            q["sinceSeconds"] = self.since_seconds
        if self.since_time is not None:
            q["sinceTime"] = self.since_time
        if self.follow:
            q["follow"] = "true"
        return q


@dataclass
class Outcome:
    """One stream read to its end: its lines, or why it could not be read."""

    stream: LogStream
    lines: list[LogLine]
    error: ClusterError | None = None


@dataclass(frozen=True)
class Ended:
    """A followed stream is over (the container stopped), or failed with `error`."""

    stream: LogStream
    error: ClusterError | None = None


# (cluster, path, query, follow) -> the body's text in chunks; raises ClusterError
Opener = Callable[[Cluster, str, dict[str, Any], bool], Iterator[str]]


def log_path(namespace: str, pod: str) -> str:
    return f"/api/v1/namespaces/{quote(namespace, safe='')}/pods/{quote(pod, safe='')}/log"


def open_log(cluster: Cluster, path: str, query: dict[str, Any], follow: bool) -> Iterator[str]:
    """The body of one `pods/log` request as text chunks (split anywhere, UTF-8 decoded
    incrementally); a non-2xx answer raises the ClusterError family with the server's message."""
    import codecs

    from kubectl_dynamo.cluster.client import transport_error
    from kubectl_dynamo.cluster.transport import Response, TransportError

    timeout = cluster.conn.timeout
    what = f'pods "{unquote(path.rsplit("/", 2)[-2])}"'
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    try:
        body = cluster.conn.transport.stream(path, params=list(query.items()), headers={"Accept": "*/*"},
                                             timeout=timeout, idle=None if follow else timeout)
        if isinstance(body, Response):
            raise api_error(body, what)
        for chunk in body:
            text = decoder.decode(chunk)
            if text:
                yield text
    except TransportError as exc:
        raise transport_error(exc, cluster.conn, f"GET {path}") from exc
    rest = decoder.decode(b"", final=True)
    if rest:
        yield rest


def read_all(cluster: Cluster, namespace: str, streams: Iterable[LogStream], options: LogOptions,
             max_requests: int = 5, opener: Opener = open_log) -> list[Outcome]:
    """Every stream read to its end, at most ``max_requests`` at a time, in the order given."""
    streams = list(streams)

    def one(stream: LogStream) -> Outcome:
        try:
            body = "".join(opener(cluster, log_path(namespace, stream.pod), options.query(stream), False))
        except ClusterError as exc:
            return Outcome(stream, [], exc)
        return Outcome(stream, parse_lines(stream, body))

    if not streams:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(max_requests, len(streams)))) as pool:
        return list(pool.map(one, streams))


def follow(cluster: Cluster, namespace: str, streams: Iterable[LogStream], options: LogOptions,
           opener: Opener = open_log) -> Iterator[LogLine | Ended]:
    """Lines of every stream as they arrive (a stream's own lines in order), then an Ended per
    stream; the generator ends when every stream has. One daemon thread per stream, so Ctrl-C
    ends the command at once."""
    streams = list(streams)
    inbox: queue.Queue[LogLine | Ended] = queue.Queue(maxsize=10_000)

    def pump(stream: LogStream) -> None:
        buf = LineBuffer(stream)
        try:
            for chunk in opener(cluster, log_path(namespace, stream.pod), options.query(stream), True):
                for line in buf.feed(chunk):
                    inbox.put(line)
            for line in buf.flush():
                inbox.put(line)
        except ClusterError as exc:
            for line in buf.flush():
                inbox.put(line)
            inbox.put(Ended(stream, exc))
            return
        inbox.put(Ended(stream))

    for stream in streams:
        threading.Thread(target=pump, args=(stream,), daemon=True, name=f"logs {stream.pod}/{stream.container}").start()
    running = len(streams)
    while running:
        item = inbox.get()
        if isinstance(item, Ended):
            running -= 1
        yield item
