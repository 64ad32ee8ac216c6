"""`kubectl dynamo logs` output: one line per log line, `[service/role-rank] text` (the prefix
coloured by rank when stdout is a terminal), or with `-o json` one JSON object per line (JSON
Lines: `jq -c` and `grep` work on it as it streams); and the lines logs writes to stderr about the
pods it could not read."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from kubectl_dynamo.report.color import PLAIN, Palette
from kubectl_dynamo.state.log_lines import LogLine, render_text
from kubectl_dynamo.state.log_streams import Silent


@dataclass
class LinePrinter:
    out: TextIO
    fmt: str = "text"  # text | json
    timestamps: bool = False
    palette: Palette = PLAIN

    def write(self, line: LogLine) -> None:
        if self.fmt == "json":
            self.out.write(json.dumps(line.to_dict(), ensure_ascii=False) + "\n")
            return
        text = render_text(line, prefix=False, timestamps=self.timestamps)
        prefix = self.palette.series(line.stream.colour_key, f"[{line.stream.prefix}]")
        self.out.write(f"{prefix} {text}\n")

    def write_all(self, lines: Iterable[LogLine]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.out.flush()


def silent_lines(silent: Iterable[Silent]) -> list[str]:
    """Each pod with nothing to read, once, as describe would explain it."""
    return [s.line() + "\n" for s in silent]


def file_text(lines: Iterable[LogLine], timestamps: bool) -> str:
    """What `--out-dir` writes for one stream: the lines as kubectl logs prints them, no prefix."""
    return "".join(render_text(x, prefix=False, timestamps=timestamps) + "\n" for x in lines)
