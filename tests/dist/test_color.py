"""Colour end to end, in real processes: none on a pipe, forced by --color always, off with
NO_COLOR (non-empty) or TERM=dumb on a terminal, and never inside -o json. A pseudo-terminal
stands in for the user's terminal."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from kubectl_dynamo.report.color import decide

from .conftest import clean_env

ESC = "\x1b["


@pytest.fixture(scope="module")
def failing_dgd(tmp_path_factory) -> Path:
    """A multinode DGD that `explain --assume none` fails (an error finding: coloured red)."""
    path = tmp_path_factory.mktemp("color") / "dgd.yaml"
    proc = subprocess.run([sys.executable, "-m", "kubectl_dynamo", "init", "llm", "--nodes", "2", "--gpus", "4"],
                          capture_output=True, text=True, env=clean_env(), check=True)
    path.write_text(proc.stdout)
    return path


def piped(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kubectl_dynamo", *args], capture_output=True, text=True,
                          env=clean_env(**env))


def on_terminal(*args: str, **env: str) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal; (exit code, everything it wrote)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "kubectl_dynamo", *args], stdin=subprocess.DEVNULL,
                            stdout=follower, stderr=follower, env=clean_env(**{"TERM": "xterm-256color", **env}))
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            proc.kill()
            raise AssertionError("no output on the terminal for 30s")
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return proc.wait(timeout=30), b"".join(chunks).decode()


def test_a_pipe_gets_no_escape_codes(failing_dgd):
    proc = piped("explain", "-f", str(failing_dgd), "--assume", "none")
    assert proc.returncode == 1
    assert "NO_MULTINODE_ORCHESTRATOR" in proc.stdout
    assert ESC not in proc.stdout and ESC not in proc.stderr


def test_a_usage_error_on_a_pipe_has_no_escape_codes():
    proc = piped("validate", "--bogus")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: unknown flag: --bogus")


def test_color_always_forces_escape_codes_on_a_pipe(failing_dgd):
    proc = piped("explain", "-f", str(failing_dgd), "--assume", "none", "--color", "always")
    assert proc.returncode == 1
    assert f"{ESC}31m" in proc.stdout  # the error finding in red
    err = piped("--color", "always", "validate", "--bogus")
    assert err.stderr.startswith(f"{ESC}1m{ESC}31merror:{ESC}0m unknown flag: --bogus")


def test_color_always_beats_no_color(failing_dgd):
    proc = piped("explain", "-f", str(failing_dgd), "--assume", "none", "--color", "always", NO_COLOR="1")
    assert ESC in proc.stdout


def test_json_output_stays_plain_even_with_color_always(failing_dgd):
    proc = piped("explain", "-f", str(failing_dgd), "--assume", "none", "-o", "json", "--color", "always")
    assert ESC not in proc.stdout
    assert json.loads(proc.stdout)["kind"] == "Explanation"


def test_a_terminal_gets_colour_by_default(failing_dgd):
    code, text = on_terminal("explain", "-f", str(failing_dgd), "--assume", "none")
    assert code == 1
    assert f"{ESC}31m" in text


@pytest.mark.parametrize(
    "args, env",
    [([], {"NO_COLOR": "1"}), (["--color", "never"], {}), ([], {"TERM": "dumb"}), (["--color", "auto"], {"NO_COLOR": "yes"})],
    ids=["NO_COLOR disables auto", "--color never", "TERM=dumb", "NO_COLOR with an explicit --color auto"],
)
def test_a_terminal_without_colour(failing_dgd, args, env):
    code, text = on_terminal("explain", "-f", str(failing_dgd), "--assume", "none", *args, **env)
    assert code == 1
    assert "NO_MULTINODE_ORCHESTRATOR" in text
    assert ESC not in text


def test_an_empty_no_color_does_not_disable(failing_dgd):
    """no-color.org: only a NO_COLOR that is present *and not empty* disables colour."""
    code, text = on_terminal("explain", "-f", str(failing_dgd), "--assume", "none", NO_COLOR="")
    assert ESC in text


def test_the_error_prefix_is_coloured_on_a_terminal_only_when_allowed():
    _, coloured = on_terminal("validate", "--bogus")
    _, plain = on_terminal("validate", "--bogus", NO_COLOR="1")
    assert f"{ESC}31merror:" in coloured
    assert plain.startswith("error: unknown flag: --bogus")


class _Tty:
    def __init__(self, isatty: bool) -> None:
        self._isatty = isatty

    def isatty(self) -> bool:
        return self._isatty


class _Closed:
    def isatty(self) -> bool:
        raise ValueError("I/O operation on closed file")


@pytest.mark.parametrize(
    "mode, tty, environ, expected",
    [
        ("auto", True, {}, True),
        ("auto", False, {}, False),
        ("auto", True, {"NO_COLOR": "1"}, False),
        ("auto", True, {"NO_COLOR": ""}, True),
        ("auto", True, {"TERM": "dumb"}, False),
        (None, True, {}, True),
        ("always", False, {"NO_COLOR": "1", "TERM": "dumb"}, True),
        ("never", True, {}, False),
    ],
    ids=["auto on a terminal", "auto on a pipe", "NO_COLOR", "empty NO_COLOR", "TERM=dumb", "no mode is auto",
         "always wins over everything", "never on a terminal"],
)
def test_decide(mode, tty, environ, expected):
    assert decide(mode, _Tty(tty), environ) is expected


def test_decide_on_a_closed_stream_is_no_colour():
    assert decide("auto", _Closed(), {}) is False
