"""`kubectl_complete-dynamo`: answers kubectl's plugin-completion protocol.

kubectl >= 1.26 completes `kubectl dynamo describe d<TAB>` by running
`kubectl_complete-dynamo describe d` from PATH: the words after the plugin name, the last one being
the word under the cursor ("" for a fresh word). The answer is one candidate per line, optionally
followed by a TAB and a description (zsh and fish show it), then a last line `:<directive>`, a
cobra ShellCompDirective (reference/kubectl-plugins.md §4.5).

Candidates come from the click command objects themselves (the same resolution click's own
completion uses), so they cannot drift from the CLI: subcommands with their summaries (from the
COMMANDS registry, without importing any command module), flags of the command being typed, and the
values of its Choice-like options (-o, --color, --backend, --assume, ...). Only the command being
typed is imported, and fixed words never import `kubernetes`.

Words that live in the cluster (DynamoGraphDeployment names for explain, describe and get;
namespaces for -n) and in the kubeconfig (contexts for --context) are looked up in a daemon thread
with one deadline for the whole lookup, the client import included, so a slow or absent cluster
never hangs the shell: on any failure or timeout the answer is just the directive. The deadline is
2 s; KUBECTL_DYNAMO_COMPLETE_TIMEOUT (seconds) changes it, e.g. for a cluster behind a slow VPN.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import click

# cobra's ShellCompDirective bits (spf13/cobra completions.go)
DIRECTIVE_DEFAULT = 0  # the shell may also complete file names
DIRECTIVE_ERROR = 1
DIRECTIVE_NO_SPACE = 2
DIRECTIVE_NO_FILE_COMP = 4
DIRECTIVE_FILTER_FILE_EXT = 8
DIRECTIVE_FILTER_DIRS = 16

LOOKUP_DEADLINE = 2.0  # seconds from start-up to the answer, `import kubernetes` and the lookup included
TIMEOUT_ENV = "KUBECTL_DYNAMO_COMPLETE_TIMEOUT"
_IMPORTED = time.monotonic()  # close to process start: main() counts the deadline from here
DGD_NAME_COMMANDS = ("explain", "describe", "get")  # commands whose first argument is a DGD name


@dataclass(frozen=True)
class Candidate:
    value: str
    help: str | None = None

    def line(self) -> str:
        return f"{self.value}\t{self.help}" if self.help else self.value


@dataclass
class Answer:
    candidates: list[Candidate]
    directive: int = DIRECTIVE_NO_FILE_COMP

    def write(self, out: TextIO) -> None:
        for c in self.candidates:
            out.write(c.line() + "\n")
        out.write(f":{self.directive}\n")


class Lookup:
    """Runs one slow lookup in a daemon thread and gives up at the deadline. `pending` tells the
    entry point that a thread may still be blocked in a socket, so it must not wait for it."""

    pending = False

    @classmethod
    def run(cls, fn: Callable[[], list[str]], until: float) -> list[str] | None:
        """fn()'s result, or None when it failed or was still running at time.monotonic() `until`."""
        box: dict[str, list[str]] = {}

        def target() -> None:
            with contextlib.suppress(Exception):  # any failure means "no candidates"
                box["value"] = fn()

        thread = threading.Thread(target=target, name="kubectl-dynamo-completion", daemon=True)
        thread.start()
        thread.join(max(0.0, until - time.monotonic()))
        if thread.is_alive():
            cls.pending = True
            return None
        return box.get("value")


# --- lookups (each runs inside Lookup.run) -----------------------------------------------------


def _within(globals_: Any, deadline: float) -> Any:
    """The invocation's GlobalOptions with --request-timeout cut to the lookup's deadline."""
    timeout = globals_.request_timeout
    globals_.request_timeout = min(timeout, deadline) if timeout else deadline
    return globals_


def namespaces(globals_: Any, deadline: float = LOOKUP_DEADLINE) -> list[str]:
    """Namespace names of the current (or --context) cluster."""
    from kubectl_dynamo.cluster import reads

    return sorted(reads.namespace_names(_within(globals_, deadline).cluster()))


def dgd_names(globals_: Any, deadline: float = LOOKUP_DEADLINE) -> list[str]:
    """DynamoGraphDeployment names in the -n namespace, else the context's."""
    from kubectl_dynamo.cluster.dgds import list_dgds

    cluster = _within(globals_, deadline).cluster()
    return sorted((d.get("metadata") or {}).get("name", "") for d in list_dgds(cluster, cluster.conn.namespace))


def contexts(globals_: Any, deadline: float = LOOKUP_DEADLINE) -> list[str]:
    """Context names from the kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config); no network."""
    from kubectl_dynamo.cluster.connection import list_contexts

    return list_contexts(globals_.kubeconfig)


# --- resolution ----------------------------------------------------------------------------------


def complete(words: Sequence[str], deadline: float = LOOKUP_DEADLINE, started: float | None = None) -> Answer:
    """The answer for kubectl's words after `dynamo` (the last one is being completed); a lookup
    gives up `deadline` seconds after `started` (time.monotonic(), default now)."""
    from click.shell_completion import _resolve_context, _resolve_incomplete

    from kubectl_dynamo.cli.main import PROG_NAME, cli
    from kubectl_dynamo.cli.options import GlobalOptions

    args, incomplete = list(words[:-1]), (words[-1] if words else "")
    globals_ = GlobalOptions()
    # click's private resolution is what its own completion runs; using it keeps this adapter
    # in step with how click parses (tests/dist pin the behaviour).
    ctx = _resolve_context(cli, {"obj": globals_}, PROG_NAME, args)
    obj, incomplete = _resolve_incomplete(ctx, args, incomplete)
    globals_ = ctx.find_object(GlobalOptions) or globals_

    if isinstance(obj, click.Group) and not _is_option(incomplete):
        if ctx._protected_args or ctx.args:  # a word that is no subcommand: nothing follows it
            return Answer([])
        return Answer(_subcommands(obj, ctx, incomplete))
    if isinstance(obj, click.Command):
        return Answer(_items(obj.shell_complete(ctx, incomplete)))
    until = (time.monotonic() if started is None else started) + deadline
    return _param_answer(obj, ctx, incomplete, globals_, until)


def _is_option(word: str) -> bool:
    return bool(word) and not word[0].isalnum()


def _subcommands(group: click.Group, ctx: click.Context, incomplete: str) -> list[Candidate]:
    """Subcommand names with their summaries; a LazyGroup's come from its registry, unimported."""
    lazy: dict[str, tuple[str, str]] = getattr(group, "lazy_commands", {})
    out = []
    for name in group.list_commands(ctx):
        if not name.startswith(incomplete):
            continue
        if name in lazy and name not in group.commands:
            out.append(Candidate(name, lazy[name][1]))
            continue
        cmd = group.get_command(ctx, name)
        if cmd is not None and not cmd.hidden:
            out.append(Candidate(name, cmd.get_short_help_str(limit=80)))
    return out


def _param_answer(param: click.Parameter, ctx: click.Context, incomplete: str, globals_: Any,
                  until: float) -> Answer:
    lookup = _cluster_lookup(param, ctx)
    if lookup is not None:
        timeout = max(0.1, until - time.monotonic())
        found = Lookup.run(lambda: lookup(globals_, timeout), until)
        return Answer([Candidate(w) for w in found or [] if w and w.startswith(incomplete)])
    if param.name == "global_kubeconfig":
        return Answer([], DIRECTIVE_DEFAULT)
    items = param.shell_complete(ctx, incomplete)
    if any(i.type == "dir" for i in items):
        return Answer([], DIRECTIVE_FILTER_DIRS)
    if any(i.type == "file" for i in items):
        return Answer([], DIRECTIVE_DEFAULT)
    return Answer(_items(items))


def _cluster_lookup(param: click.Parameter, ctx: click.Context) -> Callable[[Any, float], list[str]] | None:
    if param.name == "global_namespace":
        return namespaces
    if param.name == "global_context":
        return contexts
    if (
        isinstance(param, click.Argument)
        and ctx.command.name in DGD_NAME_COMMANDS
        and not ctx.params.get("filenames")  # `explain -f FILE` takes no NAME
    ):
        return dgd_names
    return None


def _items(items: Sequence[Any]) -> list[Candidate]:
    return [Candidate(i.value, _one_line(i.help)) for i in items if i.type == "plain"]


def _one_line(text: str | None) -> str | None:
    """cobra shows one line per description; click help may wrap or carry a [default: ...]."""
    if not text:
        return None
    return " ".join(text.split())


def run(argv: Sequence[str], out: TextIO | None = None, deadline: float = LOOKUP_DEADLINE,
        started: float | None = None) -> int:
    """Answer for `argv` on `out`; exit 0 whatever happens, with just the directive on failure."""
    out = out if out is not None else sys.stdout
    try:
        answer = complete(argv, deadline, started)
    except Exception:  # noqa: BLE001 - a broken completion must never spill a traceback into the shell
        answer = Answer([])
    answer.write(out)
    out.flush()
    return 0


def deadline_from_env(environ: Any = None) -> float:
    """$KUBECTL_DYNAMO_COMPLETE_TIMEOUT in seconds when it is a positive number, else the default."""
    raw = (os.environ if environ is None else environ).get(TIMEOUT_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return LOOKUP_DEADLINE
    return min(value, 300.0) if value > 0 else LOOKUP_DEADLINE  # NaN and inf are no deadline to wait for


def main() -> None:
    """Console-script entry point (`kubectl_complete-dynamo`)."""
    code = run(sys.argv[1:], deadline=deadline_from_env(), started=_IMPORTED)
    if Lookup.pending:
        # a lookup thread is still blocked in the network or an auth plugin: leave without it
        os._exit(code)
    sys.exit(code)


__all__ = ["Answer", "Candidate", "complete", "main", "run"]
