"""Running a command over one hostile input, with the bounds the issue asks for: an answer (no hang),
bounded memory, and the output judged (exit code, no traceback, no raw control character)."""

from __future__ import annotations

import signal
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass

from kubectl_dynamo.report.terminal import UNSAFE
from tests.cli.conftest import Result, cli

# A liveness bound, not a speed target: every corpus input is answered in milliseconds; the bound
# only turns a hang (the cubic backend regex took minutes, an alias bomb never ended) into a failure
# instead of a stuck test run.
HANG_SECONDS = 60
MEMORY_BYTES = 256 * 1024 * 1024  # Python allocations while one input is read and judged


class Hang(Exception):
    pass


@contextmanager
def bounded(seconds: int = HANG_SECONDS):
    def alarm(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@dataclass
class Answer:
    result: Result
    peak: int

    @property
    def output(self) -> str:
        return self.result.stdout + self.result.stderr


def answer(args: list[str], text: str, trace_memory: bool = False) -> Answer:
    """`kubectl dynamo ARGS` with `text` on stdin, in-process, bounded in time (and memory, traced)."""
    if trace_memory:
        tracemalloc.start()
    try:
        with bounded():
            res = cli(*args, input=text)
        peak = tracemalloc.get_traced_memory()[1] if trace_memory else 0
    finally:
        if trace_memory:
            tracemalloc.stop()
    return Answer(res, peak)


def problems(ans: Answer, says: tuple[str, ...], allowed: tuple[int, ...]) -> list[str]:
    """What is wrong with an answer, as sentences (empty when it is right)."""
    out = ans.output
    found = []
    if ans.result.exit_code not in allowed:
        found.append(f"exit {ans.result.exit_code}, expected one of {allowed}")
    if "error: unexpected " in out or "Traceback" in out:
        found.append("a Python exception reached the user")
    missing = [s for s in says if s.lower() not in out.lower()]
    if missing:
        found.append(f"the output does not name {missing}")
    if UNSAFE.search(out):
        found.append(f"a raw control character was printed: {UNSAFE.search(out).group()!r}")
    # one line, plus kubectl's "See '... -h' for help and examples." after a usage error
    lines = [line for line in ans.result.stderr.strip().splitlines() if not line.startswith("See '")]
    if ans.result.exit_code in (2, 3) and len(lines) != 1:
        found.append(f"an unusable input should be one line on stderr, got {ans.result.stderr!r}")
    if ans.peak > MEMORY_BYTES:
        found.append(f"peaked at {ans.peak / 2**20:.0f} MiB")
    return found
