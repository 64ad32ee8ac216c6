"""Lines of many log streams as one: split off the kubelet's timestamp, merge by it, and the two
ways a line is shown (`[prefix] text` like `kubectl logs --prefix`, or one JSON object).

The streams are always read with `timestamps=true`, so that lines of different pods can be put in
time order; the timestamp is shown only with `--timestamps` (then, as kubectl does, in front of the
text, after the prefix). The kubelet writes RFC 3339 with nanoseconds
(`2026-05-01T12:00:00.123456789Z`); fewer fraction digits or an offset are read too. A line without
a readable timestamp keeps the time of the line before it in its stream.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kubectl_dynamo.state.log_streams import LogStream

_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$")
_DAYS_BEFORE_MONTH = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)


@dataclass(frozen=True)
class LogLine:
    stream: LogStream
    timestamp: str | None  # as the kubelet wrote it
    text: str

    def to_dict(self) -> dict:
        """`-o json`: one object per line."""
        s = self.stream
        return {"pod": s.pod, "service": s.service, "role": s.role, "rank": s.rank, "container": s.container,
                "previous": s.previous, "timestamp": self.timestamp, "text": self.text}


def timestamp_key(ts: str | None) -> int | None:
    """Nanoseconds since the epoch of an RFC 3339 timestamp, exact to the nanosecond (no float);
    None when it cannot be read."""
    m = _RFC3339.match(ts or "")
    if not m:
        return None
    year, month, day, hh, mm, ss = (int(g) for g in m.groups()[:6])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    leap = month > 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    y = year - 1
    days = y * 365 + y // 4 - y // 100 + y // 400 - 719162 + _DAYS_BEFORE_MONTH[month - 1] + leap + day - 1
    seconds = days * 86400 + hh * 3600 + mm * 60 + ss
    zone = m.group(8)
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return seconds * 10**9 + int((m.group(7) or "0").ljust(9, "0"))


def split_timestamp(raw: str) -> tuple[str | None, str]:
    """(timestamp, text) of one line read with timestamps=true; (None, raw) when it has none."""
    head, sep, rest = raw.partition(" ")
    if timestamp_key(head) is None:
        return None, raw
    return head, rest if sep else ""


def parse_lines(stream: LogStream, body: str) -> list[LogLine]:
    """A whole response body (timestamps=true) as lines; a last line without newline is kept."""
    if not body:
        return []
    parts = body.split("\n")
    if parts[-1] == "":
        parts.pop()
    return [LogLine(stream, *split_timestamp(p)) for p in parts]


class LineBuffer:
    """Turns the chunks of a followed stream into whole lines (a chunk may end mid-line)."""

    def __init__(self, stream: LogStream) -> None:
        self.stream = stream
        self._rest = ""

    def feed(self, chunk: str) -> list[LogLine]:
        text = self._rest + chunk
        *whole, self._rest = text.split("\n")
        return [LogLine(self.stream, *split_timestamp(w)) for w in whole]

    def flush(self) -> list[LogLine]:
        """What is left when the stream ends (a last line without newline)."""
        rest, self._rest = self._rest, ""
        return [LogLine(self.stream, *split_timestamp(rest))] if rest else []


def _keyed(index: int, lines: Iterable[LogLine]) -> Iterator[tuple[int, int, int, LogLine]]:
    last = -(1 << 62)
    for n, line in enumerate(lines):
        key = timestamp_key(line.timestamp)
        last = key if key is not None and key >= last else last
        yield last, index, n, line


def merge(streams: Iterable[Iterable[LogLine]]) -> list[LogLine]:
    """Lines of several streams, each already in time order, in time order; equal times keep the
    streams' order (as given: describe's pod order), then each stream's own order."""
    return [item[3] for item in heapq.merge(*(_keyed(i, lines) for i, lines in enumerate(streams)))]


def render_text(line: LogLine, *, prefix: bool = True, timestamps: bool = False) -> str:
    """`[decode/leader-0] text`, with `--timestamps` `[decode/leader-0] 2026-…Z text` (no newline)."""
    text = f"{line.timestamp} {line.text}" if timestamps and line.timestamp else line.text
    return f"[{line.stream.prefix}] {text}" if prefix else text
