"""cli.main.handle(): every failure becomes one `error:` line and the exit code of its type."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import click
import pytest

from kubectl_dynamo import errors
from kubectl_dynamo.cli.main import handle


def _handle(exc: BaseException, verbosity: int = 0) -> tuple[int, str]:
    err = io.StringIO()
    code = handle(exc, verbosity=verbosity, color="never", stderr=err)
    return code, err.getvalue()


@pytest.mark.parametrize(
    "exc, code",
    [
        (errors.InputError("file x is not YAML"), 2),
        (errors.ClusterError("cannot reach the cluster"), 3),
        (errors.WaitTimeout("timed out waiting for llm to become ready"), 4),
        (errors.DynamoError("something expected"), 1),
        (errors.NotFound.of("dynamographdeployments.nvidia.com", "llm", "team-a"), 1),
        (errors.Forbidden("forbidden: cannot list nodes"), 3),
        (errors.ApplyRefused(["x.yaml: ConfigMap has no metadata.name (server-side apply needs one)"]), 1),
    ],
    ids=["input error is 2", "cluster error is 3", "wait timeout is 4", "a plain DynamoError is 1",
         "a missing object is an answer: 1, as kubectl get", "forbidden is a cluster that cannot be used: 3",
         "a refused apply is 1"],
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


def test_not_found_names_the_object_as_kubectl_does():
    exc = errors.NotFound.of("dynamographdeployments.nvidia.com", "llm", "team-a")
    assert _handle(exc) == (1, 'error: dynamographdeployments.nvidia.com "llm" not found in namespace "team-a"\n')
    assert (exc.resource, exc.name, exc.namespace) == ("dynamographdeployments.nvidia.com", "llm", "team-a")


def test_a_refused_apply_lists_every_problem_then_the_hint():
    exc = errors.ApplyRefused(["a.yaml: one", "b.yaml: two"], hint="hint: fix them")
    assert _handle(exc) == (1, "error: nothing applied: 2 problems\n  a.yaml: one\n  b.yaml: two\nhint: fix them\n")
