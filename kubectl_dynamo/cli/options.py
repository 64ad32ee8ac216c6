"""Flags shared by every command: kubectl's global options, click ParamTypes (durations, `--assume`,
`-o`), and the command class that lists the global options in their own help section.

Global options are accepted before and after the subcommand, as kubectl accepts them
(`kubectl dynamo -n ns validate ...` and `kubectl dynamo validate -n ns ...`): the same click options
are attached to the root group and to every command, and each one's callback stores the value in
the one `GlobalOptions` object of the invocation (`ctx.obj`), the later occurrence winning.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from kubectl_dynamo.errors import PipeClosed, UsageError

if TYPE_CHECKING:
    from kubectl_dynamo.cluster.client import Cluster
    from kubectl_dynamo.cluster.connection import ConnectionOptions

DEFAULT_REQUEST_TIMEOUT = 30.0  # seconds; kubectl's default is 0 (none), the plugin's SPEC says 30s


# ConnectionOptions -> a connected Cluster (cluster/session.open_cluster); tests pass their own
Connect = Callable[["ConnectionOptions"], "Cluster"]


@dataclass
class GlobalOptions:
    """kubectl's global options as given on the command line; None means "not given" so that the
    cluster layer can apply kubeconfig semantics (KUBECONFIG, the context's namespace).

    It is also the one seam through which every command gets its cluster (kubectl's Factory,
    KubeRay's `Run(ctx, client)`): `cluster()` connects on first use, once per invocation, with
    `connect` (cli.main.run(connect=...) swaps it in tests)."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT  # seconds; 0 means no timeout
    verbosity: int = 0
    color: str = "auto"  # auto | always | never
    connect: Connect | None = field(default=None, repr=False)
    _cluster: Cluster | None = field(default=None, repr=False)

    @property
    def namespace_given(self) -> bool:
        return self.namespace is not None

    def cluster(self) -> Cluster:
        """The invocation's Cluster: the kubeconfig, context and namespace resolved once (no request
        is made yet). Raises ClusterError (exit 3) when they cannot be. Offline commands never call
        it, so they never load cluster/ or the kubernetes client."""
        if self._cluster is None:
            if self.connect is None:
                from kubectl_dynamo.cluster.session import open_cluster

                self.connect = open_cluster
            self._cluster = self.connect(self.connection_options())
        return self._cluster

    def connection_options(self) -> ConnectionOptions:
        """The cluster layer's ConnectionOptions for these flags (imported lazily: offline
        commands never load cluster/)."""
        from kubectl_dynamo.cluster.connection import ConnectionOptions

        return ConnectionOptions(
            kubeconfig=self.kubeconfig,
            context=self.context,
            namespace=self.namespace,
            request_timeout=self.request_timeout,
        )

    def log(self, level: int, message: str) -> None:
        """A diagnostic line on stderr when -v >= level (kubectl: 2 steps, 4 requests, 6 URLs and
        timings, 8 bodies). Never pass a token or key."""
        if self.verbosity >= level:
            sys.stderr.write(f"I{level} {message}\n")


def get_globals(ctx: click.Context | None = None) -> GlobalOptions:
    """The GlobalOptions of the current invocation (created when a command runs on its own)."""
    ctx = ctx or click.get_current_context()
    return ctx.ensure_object(GlobalOptions)


def streams() -> tuple[TextIO, TextIO]:
    """(stdout, stderr) as they are now (CliRunner swaps them), for a command's run()."""
    return sys.stdout, sys.stderr


# --- ParamTypes --------------------------------------------------------------------------------

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """kubectl duration syntax in seconds: Go durations (`30s`, `1m30s`, `1.5h`, `250ms`), or a bare
    integer meaning seconds, as `--request-timeout` accepts; `0` means no timeout."""
    value = text.strip()
    if re.fullmatch(r"\d+", value):
        return float(value)
    if not value or _DURATION_PART.sub("", value) != "":
        raise ValueError(f"{text!r} is not a duration (use a number with a unit: 30s, 2m, 1h30m; 0 for none)")
    return sum(float(num) * _UNIT_SECONDS[unit] for num, unit in _DURATION_PART.findall(value))


class Duration(click.ParamType):
    """A kubectl duration (`30s`, `5m`, `1h30m`, `0`), converted to seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        try:
            return parse_duration(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)


class Verbosity(click.ParamType):
    """`-v 6`, `-v=6` (click hands short options "=6"), `--v=6`, `-v6`."""

    name = "level"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).lstrip("=")
        if not (text.isascii() and text.isdigit()) or len(text) > 9:  # "²".isdigit() is True
            self.fail(f"log level must be a non-negative integer, not {value!r}", param, ctx)
        return int(text)


class Int32(click.ParamType):
    """A whole number as kubectl's flag parser (pflag, strconv) reads one: ASCII digits with an
    optional sign and nothing else (click's INT takes "٤", " 4" and "1_000" as numbers), within int32,
    the type of every size field of the CRD."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            n = value
        else:
            text = str(value)
            if not re.fullmatch(r"[-+]?[0-9]{1,20}", text):
                raise click.UsageError(f'invalid argument "{_shown(text)}" for "{_flag(param)}" flag: '
                                       "not a whole number (ASCII digits)", ctx)
            n = int(text)
        if not -(2**31) <= n <= 2**31 - 1:
            raise click.UsageError(f'invalid argument "{_shown(str(value))}" for "{_flag(param)}" flag: '
                                   "value out of range (int32: at most 2147483647)", ctx)
        return n


def _flag(param: click.Parameter | None) -> str:
    opts = getattr(param, "opts", None) or ["value"]
    return max(opts, key=len)


def _shown(text: str) -> str:
    return text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text[:40]


class AssumeList(click.ParamType):
    """`--assume grove,kai`: checked by the same parser explain uses, so errors read the same."""

    name = "list"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from kubectl_dynamo.dgd import capabilities

        try:
            capabilities.assumed(str(value), None)
        except ValueError as e:
            # the message already names --assume; click's "Invalid value for ..." would repeat it
            raise click.UsageError(str(e), ctx) from None
        return str(value)

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        from kubectl_dynamo.dgd.capabilities import ASSUME_WORDS

        head, _, last = incomplete.rpartition(",")
        prefix = f"{head}," if head else ""
        taken = {w.partition("@")[0].strip().lower() for w in head.split(",")} if head else set()
        # no word twice, "none" only on its own, and not "kubernetes", which is only valid with @VERSION
        words = [w for w in ASSUME_WORDS if w not in taken and not (head and w == "none") and w != "kubernetes"]
        return [CompletionItem(prefix + w) for w in words if w.startswith(last)]


class OutputFormat(click.ParamType):
    """`-o`: any string passes here so the command can answer with kubectl's "allowed formats"
    message; the choices are offered to shell completion."""

    name = "format"

    def __init__(self, choices: Sequence[str]) -> None:
        self.choices = tuple(choices)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        return str(value).strip()

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(c) for c in self.choices if c.startswith(incomplete)]


F = TypeVar("F", bound=Callable[..., Any])


def output_option(*formats: str, default: str) -> Callable[[F], F]:
    """`-o/--output` with the command's formats in help and completion."""
    return click.option(
        "-o",
        "--output",
        "output",
        type=OutputFormat(formats),
        default=default,
        show_default=True,
        callback=lambda ctx, param, value: value or default,  # kubectl reads -o '' as the default
        help=f"Output format. One of: ({', '.join(formats)}).",
    )


def filename_option(help_text: str) -> Callable[[F], F]:
    """Repeatable `-f/--filename FILE|DIR|-` as in kubectl."""
    return click.option(
        "-f",
        "--filename",
        "filenames",
        multiple=True,
        type=click.Path(allow_dash=True),
        help=help_text,
    )


def recursive_option() -> Callable[[F], F]:
    return click.option(
        "-R",
        "--recursive",
        is_flag=True,
        default=False,
        help="Process the directories given with -f recursively.",
    )


def all_namespaces_option() -> Callable[[F], F]:
    """`-A/--all-namespaces` for listing commands, as kubectl has it."""
    return click.option(
        "-A",
        "--all-namespaces",
        is_flag=True,
        default=False,
        help="If present, list across all namespaces. Namespace in current context is ignored even if -n is given.",
    )


def operator_version_option() -> Callable[[F], F]:
    return click.option(
        "--operator-version",
        metavar="VERSION",
        default=None,
        help="Mirror the rules of this Dynamo operator version (default: the newest the plugin knows).",
    )


def check_operator_version(value: str | None, command_path: str) -> None:
    from kubectl_dynamo.dgd import versions

    if value is not None and not versions.is_semver(value):
        raise UsageError(
            f"--operator-version {value!r} is not a version like 1.1.0 or v0.9.1", command_path=command_path
        )


# --- global options ----------------------------------------------------------------------------


def _store(attr: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value is not None:
            setattr(get_globals(ctx), attr, value)

    return callback


def _global_params() -> list[click.Option]:
    """Fresh Option objects (click binds an Option to one command)."""
    specs: list[tuple[list[str], dict[str, Any]]] = [
        (["--kubeconfig"], dict(metavar="PATH", help="Path to the kubeconfig file to use for CLI requests.")),
        (["--context"], dict(metavar="NAME", help="The name of the kubeconfig context to use.")),
        (["-n", "--namespace"], dict(metavar="NS", help="If present, the namespace scope for this CLI request.")),
        (
            ["--request-timeout"],
            dict(
                type=Duration(),
                metavar="DURATION",
                help="How long to wait for a single server request (e.g. 1s, 2m, 3h; 0 means no timeout). [default: 30s]",
            ),
        ),
        (
            ["-v", "--v"],
            dict(type=Verbosity(), metavar="N", help="Log level for diagnostics on stderr; 6 and above add tracebacks."),
        ),
        (
            ["--color"],
            dict(
                type=click.Choice(("auto", "always", "never")),
                help="Colour output: auto (terminal and no NO_COLOR), always or never. [default: auto]",
            ),
        ),
    ]
    params = []
    for decls, attrs in specs:
        name = decls[-1].lstrip("-").replace("-", "_")
        if name == "v":
            name = "verbosity"
        opt = click.Option(
            [f"global_{name}", *decls], default=None, expose_value=False, callback=_store(name), **attrs
        )
        opt.is_global = True  # type: ignore[attr-defined]
        params.append(opt)
    return params


def add_global_params(cmd: click.Command) -> click.Command:
    """Attach the global options to `cmd` (idempotent)."""
    if not any(getattr(p, "is_global", False) for p in cmd.params):
        cmd.params.extend(_global_params())
    return cmd


def format_split_options(cmd: click.Command, ctx: click.Context, formatter: click.HelpFormatter) -> None:
    """A command's own options, then the global ones in a section of their own (the root group's
    help and every command's use it)."""
    own: list[tuple[str, str]] = []
    glob: list[tuple[str, str]] = []
    for param in cmd.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is not None:
            (glob if getattr(param, "is_global", False) else own).append(record)
    if own:
        with formatter.section("Options"):
            formatter.write_dl(own)
    if glob:
        with formatter.section("Global Options"):
            formatter.write_dl(glob)


class DynamoCommand(click.Command):
    """A command with the global options, listed in a help section of their own, that tags usage
    errors raised from its body with its command path (for the "See ... -h" line)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_global_params(self)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        format_split_options(self, ctx, formatter)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as e:
            if e.command_path is None:
                e.command_path = ctx.command_path
            raise
        except BrokenPipeError as e:
            raise PipeClosed() from e


def command(name: str, **attrs: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """`@options.command("validate", short_help=...)`: a DynamoCommand with kubectl's -h."""
    attrs.setdefault("cls", DynamoCommand)
    attrs.setdefault("context_settings", {}).setdefault("help_option_names", ["-h", "--help"])
    return click.command(name, **attrs)
