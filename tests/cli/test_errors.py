"""errors.handle(): every failure becomes one `error:` line and one exit code."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import click
import pytest

from kubectl_dynamo.cli import errors


def _handle(exc: BaseException, verbosity: int = 0) -> tuple[int, str]:
    err = io.StringIO()
    code = errors.handle(exc, verbosity=verbosity, color="never", stderr=err)
    return code, err.getvalue()


@pytest.mark.parametrize(
    "exc, code",
    [
        (errors.InputError("file x is not YAML"), 2),
        (errors.ClusterError("cannot reach the cluster"), 3),
        (errors.WaitTimeout("timed out waiting for llm to become ready"), 4),
        (errors.DynamoError("something expected"), 1),
        (errors.DynamoError("custom code", exit_code=5), 5),
    ],
    ids=["input error is 2", "cluster error is 3", "wait timeout is 4", "a plain DynamoError is 1", "an explicit code wins"],
)
def test_typed_errors_map_to_their_exit_code_as_one_line(exc, code):
    got, text = _handle(exc)
    assert got == code
    assert text == f"error: {exc.message}\n"


def test_usage_error_adds_the_see_help_line():
    code, text = _handle(errors.UsageError("--nodes must be at least 1", command_path="kubectl dynamo init"))
    assert code == 2
    assert text == "error: --nodes must be at least 1\nSee 'kubectl dynamo init -h' for help and examples.\n"


def test_click_usage_error_is_exit_2():
    ctx = click.Context(click.Command("validate"), info_name="kubectl dynamo validate")
    code, text = _handle(click.UsageError("Missing option '-f'.", ctx))
    assert code == 2
    assert text.splitlines() == ["error: missing option '-f'", "See 'kubectl dynamo validate -h' for help and examples."]


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), click.Abort()], ids=["ctrl-c", "click abort"])
def test_interrupt_is_130(exc):
    assert _handle(exc)[0] == 130


def test_unexpected_exception_is_a_bug_line_without_traceback_below_v6():
    code, text = _handle(RuntimeError("boom"))
    assert code == 1
    assert text.splitlines()[0] == "error: unexpected RuntimeError: boom"
    assert "report it" in text and "Traceback" not in text


def test_traceback_at_v6():
    try:
        raise errors.ClusterError("forbidden: cannot list nodes")
    except errors.ClusterError as e:
        code, text = _handle(e, verbosity=6)
    assert code == 3
    assert text.startswith("Traceback") and text.endswith("error: forbidden: cannot list nodes\n")


def test_a_closed_stdout_pipe_exits_quietly_with_141():
    """The reader goes away before the plugin writes: no traceback, no message."""
    r, w = os.pipe()
    os.close(r)
    proc = subprocess.run(
        [sys.executable, "-m", "kubectl_dynamo", "init", "x", "--nodes", "2", "--gpus", "8"],
        stdout=w, stderr=subprocess.PIPE, text=True, timeout=60,
    )
    os.close(w)
    assert proc.returncode == errors.EXIT_BROKEN_PIPE
    assert proc.stderr == ""
