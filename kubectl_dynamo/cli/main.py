"""The `kubectl dynamo` root command.

Subcommands are registered lazily: `COMMANDS` maps a name to the module and function that build it,
plus the one-line summary the root help shows, so `kubectl dynamo --help` imports no command module
and no command imports another's dependencies (offline commands never import `kubernetes`).
Adding a command is one line in `COMMANDS`.

How a command plugs in (see validate_cmd.py for a complete one):

    # kubectl_dynamo/cli/get_cmd.py
    @options.command("get", short_help="List DynamoGraphDeployments", epilog=EXAMPLES)
    @options.all_namespaces_option()
    @options.output_option("table", "wide", "json", "yaml", "name", default="table")
    def get(all_namespaces: bool, output: str) -> int:
        out, err = options.streams()
        opts = GetOptions(..., globals=options.get_globals(), out=out, err=err)
        opts.complete(); opts.validate()
        return opts.run()          # 0, or 1 for findings; raise UsageError/ClusterError/...

    # here
    "get": ("kubectl_dynamo.cli.get_cmd:get", "List DynamoGraphDeployments"),

`options.command` attaches the global options (--kubeconfig, --context, -n, --request-timeout,
-v, --color), which are also accepted before the subcommand; `options.get_globals()` returns
them (`.cluster()`, the one way a command gets its connected cluster, `.log(level, msg)` for -v
diagnostics, `.color` for report/output.printer_for). Never print errors: raise (kubectl_dynamo.errors), and `run()` below
prints them once through `handle()`, the one place an exception becomes an exit code (kubectl's
CheckErr, pipx's `cli()`).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import click

from kubectl_dynamo import __version__
from kubectl_dynamo.cli.options import Connect, GlobalOptions, add_global_params, format_split_options
from kubectl_dynamo.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    TRACEBACK_VERBOSITY,
    DynamoError,
    PipeClosed,
)

PROG_NAME = "kubectl dynamo"
COMPLETE_VAR = "_KUBECTL_DYNAMO_COMPLETE"  # not derived from PROG_NAME: it has a space

# name -> ("module:function returning a click.Command", summary shown by the root help)
COMMANDS: dict[str, tuple[str, str]] = {
    "doctor": ("kubectl_dynamo.cli.doctor_cmd:doctor", "Check that the cluster is ready for multinode Dynamo"),
    "init": ("kubectl_dynamo.cli.init_cmd:init", "Scaffold a multinode DynamoGraphDeployment"),
    "validate": ("kubectl_dynamo.cli.validate_cmd:validate", "Check DynamoGraphDeployment manifests offline"),
    "explain": ("kubectl_dynamo.cli.explain_cmd:explain", "Show what the operator will create for a DGD, and why"),
    "apply": ("kubectl_dynamo.cli.apply_cmd:apply", "Check, then server-side apply manifests (optionally --wait)"),
    "get": ("kubectl_dynamo.cli.get_cmd:get", "List DynamoGraphDeployments with GPU and TP columns"),
    "describe": ("kubectl_dynamo.cli.describe_cmd:describe", "Show one DGD in depth, and why it is pending"),
    "logs": ("kubectl_dynamo.cli.logs_cmd:logs", "Print the logs of a DGD's pods, named by service, role and rank"),
    "version": ("kubectl_dynamo.cli.version_cmd:version", "Print the client (and server) version"),
    "completion": ("kubectl_dynamo.cli.completion_cmd:completion", "Print a shell completion script (bash, zsh, fish)"),
}

EPILOG = """\b
Examples:
  # Scaffold a vLLM deployment spanning 2 nodes with 8 GPUs each, and check it
  kubectl dynamo init my-llm --nodes 2 --gpus 8 --model Qwen/Qwen3-32B > my-llm.yaml
  kubectl dynamo validate -f my-llm.yaml

\b
  # See which orchestrator, scheduler and launch flags it gets on a Grove + KAI cluster
  kubectl dynamo explain -f my-llm.yaml --assume grove,kai

\b
  # Print the client version as JSON
  kubectl dynamo version --client -o json

Use "kubectl dynamo <command> -h" for more information about a command."""


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, from a name -> "module:function" map."""

    def __init__(self, *args: Any, lazy_commands: dict[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        super().add_command(add_global_params(cmd), name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Registry order (the SPEC's order: the workflow), then any added eagerly."""
        return [*self.lazy_commands, *(n for n in self.commands if n not in self.lazy_commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in self.lazy_commands:
            return None
        target = self.lazy_commands[cmd_name][0]
        module_name, _, attr = target.partition(":")
        cmd = getattr(importlib.import_module(module_name), attr)
        if not isinstance(cmd, click.Command):
            raise TypeError(f"{target} is not a click command")
        add_global_params(cmd)
        self.commands[cmd_name] = cmd
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands from the registry's summaries, without importing them."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy_commands:
                rows.append((name, self.lazy_commands[name][1]))
            else:
                rows.append((name, self.commands[name].get_short_help_str()))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        format_split_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)


@click.group(
    "kubectl-dynamo",
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    invoke_without_command=True,
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Check, explain and deploy multinode NVIDIA Dynamo graphs (DynamoGraphDeployments).

    Catches what keeps a multinode DGD Pending before you apply it: orchestrator and scheduler
    availability, nodeCount × GPUs against tensor/pipeline parallelism, name budgets and free GPUs.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


add_global_params(cli)


def run(argv: Sequence[str] | None = None, *, connect: Connect | None = None) -> int:
    """Run the CLI on `argv` (default: sys.argv[1:]) and return the exit code; every error is
    printed here, once, by handle(). `connect` replaces how the commands connect to a cluster
    (GlobalOptions.cluster), for tests."""
    from kubectl_dynamo.report.color import decide
    from kubectl_dynamo.report.terminal import guard_streams

    opts = GlobalOptions(connect=connect)
    with guard_streams(lambda stream: decide(opts.color, stream)):  # no control character reaches the terminal
        return _run(argv, opts)


def _run(argv: Sequence[str] | None, opts: GlobalOptions) -> int:
    try:
        rv = cli.main(
            args=list(argv) if argv is not None else None,
            # a click *_source script must complete `kubectl-dynamo`, never kubectl itself
            prog_name="kubectl-dynamo" if os.environ.get(COMPLETE_VAR, "").endswith("_source") else PROG_NAME,
            complete_var=COMPLETE_VAR,
            standalone_mode=False,
            obj=opts,
        )
        code = rv if isinstance(rv, int) else 0
        sys.stdout.flush()
        return code
    except BaseException as exc:  # noqa: BLE001 - the one place errors become exit codes
        if isinstance(exc, SystemExit):
            raise
        return handle(exc, verbosity=opts.verbosity, color=opts.color)


# --- errors at the edge ------------------------------------------------------------------------


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


def main() -> None:
    """Console-script entry point (`kubectl-dynamo`, `python -m kubectl_dynamo`)."""
    sys.exit(run())


__all__ = ["COMMANDS", "LazyGroup", "cli", "handle", "main", "run", "__version__"]
