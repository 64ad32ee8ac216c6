"""Typed errors and the one place that turns them into an exit code.

Commands raise these (or let click raise its usage errors); only `handle()` at the entry point
prints them, as one `error: ...` line on stderr. Findings are not errors: a command that ran and
found problems returns exit code 1 from its `run()`.

Exit codes (SPEC "Exit codes"): 0 ok, 1 findings, 2 usage or unusable input, 3 cluster unusable,
4 `apply --wait` timed out. Ctrl-C is 130 and a closed stdout pipe is 141, as a shell reports a
process killed by SIGINT/SIGPIPE.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

from kubectl_dynamo.errors import (  # noqa: F401  (re-exported: commands import them from here)
    EXIT_BROKEN_PIPE,
    EXIT_CLUSTER,
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_WAIT_TIMEOUT,
    TRACEBACK_VERBOSITY,
    ClusterError,
    DynamoError,
    InputError,
    PipeClosed,
    UsageError,
    WaitTimeout,
)


def _click_lines(exc: BaseException) -> tuple[list[str], int]:
    """A click usage error in kubectl's words: `error: <message>` plus the "See ... -h" line."""
    import click

    if isinstance(exc, click.UsageError):
        path = exc.ctx.command_path if exc.ctx is not None else "kubectl dynamo"
        return [_usage_message(exc, path), f"See '{path} -h' for help and examples."], EXIT_USAGE
    if isinstance(exc, click.ClickException):
        return [_kubectl_case(exc.format_message())], exc.exit_code
    raise TypeError(exc)  # pragma: no cover - only called for click exceptions


def _usage_message(exc: Any, path: str) -> str:
    """kubectl says `unknown flag: --foo` and `unknown command "foo" for "kubectl"`."""
    import click

    maybe = getattr(exc, "possibilities", None)
    suffix = f" (did you mean {' or '.join(maybe)}?)" if maybe else ""
    if isinstance(exc, click.NoSuchOption):
        return f"unknown flag: {exc.option_name}{suffix}"
    command = getattr(exc, "command_name", None)
    if command is None and exc.message.startswith("No such command "):
        command = exc.message[len("No such command "):].rstrip(".").strip("'\"")
    if command is not None:
        return f'unknown command "{command}" for "{path}"{suffix}'
    return _kubectl_case(exc.format_message())


def _kubectl_case(message: str) -> str:
    """click's "Missing argument 'NAME'." as a kubectl-style message: lower-case, no period."""
    message = message.strip()
    if message and message[0].isupper() and not message[:2].isupper():
        message = message[0].lower() + message[1:]
    return message.rstrip(".")


def handle(exc: BaseException, *, verbosity: int = 0, color: str = "auto", stderr: TextIO | None = None) -> int:
    """Print `exc` as kubectl would and return the process exit code.

    Expected errors are one `error: ...` line (usage errors add the "See ... -h" line); the traceback
    follows only at -v=6 and above. Unexpected exceptions are bugs: one line saying so, traceback at
    -v=6, exit 1.
    """
    import click

    err = stderr if stderr is not None else sys.stderr
    if isinstance(exc, (PipeClosed, BrokenPipeError)):
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    if isinstance(exc, (KeyboardInterrupt, click.Abort)):
        _write(err, ["interrupted"], color)
        return EXIT_INTERRUPTED
    if isinstance(exc, DynamoError):
        lines, code = exc.lines(), exc.exit_code
    elif isinstance(exc, click.ClickException):
        lines, code = _click_lines(exc)
    else:
        lines = [
            f"unexpected {type(exc).__name__}: {exc}",
            "this is a bug in kubectl-dynamo; rerun with -v=6 for the traceback and report it",
        ]
        code = 1
    if verbosity >= TRACEBACK_VERBOSITY:
        import traceback

        err.write("".join(traceback.format_exception(exc)))
    _write(err, lines, color)
    return code


def _write(err: TextIO, lines: list[str], color: str) -> None:
    from kubectl_dynamo.report.color import palette_for

    prefix = palette_for(err, color).error("error:")
    try:
        err.write(f"{prefix} {lines[0]}\n")
        for line in lines[1:]:
            err.write(f"{line}\n")
        err.flush()
    except (OSError, ValueError):  # stderr itself is gone: nothing left to tell
        pass


def _silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush cannot fail again
    (the recipe from the Python docs on SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
