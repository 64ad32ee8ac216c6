"""`kubectl dynamo version [--client]`: the plugin's version, and the cluster's (server and Dynamo
operator) once the cluster layer provides them through `server_versions`."""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import click

from kubectl_dynamo import __version__
from kubectl_dynamo.cli import options
from kubectl_dynamo.cli.options import GlobalOptions

FORMATS = ("text", "json", "yaml")
_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}  # Go's names, as kubectl prints them

# (GlobalOptions) -> {"serverVersion": {...}, "operatorVersion": {...}}; raises ClusterError.
ServerVersions = Callable[[GlobalOptions], dict[str, Any]]


def client_version() -> dict[str, str]:
    """kubectl's clientVersion shape, with Python in place of Go."""
    parts = __version__.split(".")
    return {
        "major": parts[0],
        "minor": parts[1] if len(parts) > 1 else "0",
        "gitVersion": f"v{__version__}",
        "pythonVersion": platform.python_version(),
        "platform": f"{sys.platform}/{_ARCH.get(platform.machine().lower(), platform.machine().lower() or 'unknown')}",
    }


def server_versions(globals_: GlobalOptions) -> dict[str, Any] | None:
    """Cluster part of `version`; None until cluster/ provides it. The cluster layer replaces this
    body (server gitVersion from /version, operator version from its image tag) and raises
    ClusterError when the cluster cannot be used."""
    return None


@dataclass
class VersionResult:
    client: dict[str, str]
    server: dict[str, Any] | None = None  # {"serverVersion": ..., "operatorVersion": ...}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"clientVersion": self.client}
        data.update(self.server or {})
        return data


@dataclass
class VersionOptions:
    client_only: bool
    output: str
    globals: GlobalOptions
    server_source: ServerVersions | None = None
    printer: Callable[[VersionResult, TextIO], None] | None = field(default=None, repr=False)

    def complete(self) -> None:
        from kubectl_dynamo.report import output, printers

        fmt = self.output or "text"
        options.check_output(fmt, FORMATS)
        self.printer = output.select_printer(
            fmt, {"text": print_text, **printers.data_printers(VersionResult.to_dict)}
        )
        if self.server_source is None and not self.client_only:
            self.server_source = server_versions

    def validate(self) -> None:
        """No flag combination to judge."""

    def run(self, out: TextIO, err: TextIO) -> int:
        result = VersionResult(client=client_version())
        if not self.client_only and self.server_source is not None:
            result.server = self.server_source(self.globals)
            if result.server is None:
                err.write("warning: the server and operator versions need a cluster; this build has no "
                          "cluster support yet (use --client to print only the client version)\n")
        assert self.printer is not None
        self.printer(result, out)
        return 0


def print_text(result: VersionResult, out: TextIO) -> None:
    out.write(f"Client Version: {result.client['gitVersion']}\n")
    server = result.server or {}
    if "serverVersion" in server:
        out.write(f"Server Version: {server['serverVersion'].get('gitVersion', 'unknown')}\n")
    if "operatorVersion" in server:
        out.write(f"Dynamo Operator Version: {server['operatorVersion'].get('version') or 'unknown'}\n")


@options.command(
    "version",
    short_help="Print the client (and server) version",
    epilog="""\b
Examples:
  # Print the plugin version only (no cluster needed)
  kubectl dynamo version --client
\b
  # As JSON
  kubectl dynamo version --client -o json""",
)
@click.option("--client", "client_only", is_flag=True, help="If true, shows client version only (no server required).")
@options.output_option(*FORMATS, default="text")
def version(client_only: bool, output: str) -> int:
    """Print the client and server version information."""
    opts = VersionOptions(client_only=client_only, output=output, globals=options.get_globals())
    opts.complete()
    opts.validate()
    return opts.run(*options.streams())
