"""`kubectl dynamo version [--client]`: the plugin's version, and the cluster's (server and Dynamo
operator, read in one parallel round trip by `server_versions`). As with kubectl, an unusable
cluster still prints the client version first, then the error (exit 3)."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass, field
from typing import TextIO

import click

from kubectl_dynamo import __version__
from kubectl_dynamo.cli import options
from kubectl_dynamo.cli.options import GlobalOptions
from kubectl_dynamo.contracts.version import ServerVersions, VersionResult
from kubectl_dynamo.errors import ClusterError
from kubectl_dynamo.report.output import Printer

FORMATS = ("text", "json", "yaml")
_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}  # Go's names, as kubectl prints them


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


def server_versions(globals_: GlobalOptions) -> ServerVersions:
    """The server's /version, and the Dynamo operator's version (--operator-version arg or image
    tag) with where it runs, in one parallel round trip. Raises ClusterError when the cluster
    cannot be used; a user who may not list Deployments gets the server version and
    `operator_error` saying why."""
    from kubectl_dynamo.cluster import reads
    from kubectl_dynamo.errors import Forbidden
    from kubectl_dynamo.state.controllers import DYNAMO, find_controllers

    cluster = globals_.cluster()

    def deployments() -> list[dict] | Forbidden:
        try:
            return reads.deployments(cluster)
        except Forbidden as exc:
            return exc

    info, deps = cluster.parallel(lambda: reads.server_version(cluster), deployments)
    if isinstance(deps, Forbidden):
        return ServerVersions(info, None, f"cannot find the Dynamo operator: {deps.message}")
    ops = find_controllers(deps).get(DYNAMO) or []
    op = next((c for c in ops if c.available), ops[0] if ops else None)
    if op is None:
        return ServerVersions(info)
    return ServerVersions(info, {"version": op.version, "namespace": op.namespace, "deployment": op.name,
                                 "image": op.image, "available": op.available})


@dataclass
class VersionOptions:
    client_only: bool
    output: str
    globals: GlobalOptions
    out: TextIO
    err: TextIO
    printer: Printer | None = field(default=None, repr=False)

    def complete(self) -> None:
        from kubectl_dynamo.report import output, version_text

        self.printer = output.printer_for(self.output or "text", self.out, self.globals.color,
                                          {"text": version_text.render_version}, VersionResult.to_dict)

    def validate(self) -> None:
        """No flag combination to judge."""

    def run(self) -> int:
        assert self.printer is not None
        result = VersionResult(client=client_version())
        if not self.client_only:
            try:
                result.server = server_versions(self.globals)
            except ClusterError:
                self.printer(result, self.out)  # like kubectl: the client version, then the error
                raise
            if result.server.operator_error:
                self.err.write(f"warning: {result.server.operator_error}\n")
        self.printer(result, self.out)
        return 0


@options.command(
    "version",
    short_help="Print the client (and server) version",
    epilog="""\b
Examples:
  # Print the plugin version only (no cluster needed)
  kubectl dynamo version --client
\b
  # The client, the cluster and the Dynamo operator, as JSON
  kubectl dynamo version -o json""",
)
@click.option("--client", "client_only", is_flag=True, help="If true, shows client version only (no server required).")
@options.output_option(*FORMATS, default="text")
def version(client_only: bool, output: str) -> int:
    """Print the client and server version information."""
    out, err = options.streams()
    opts = VersionOptions(client_only=client_only, output=output, globals=options.get_globals(), out=out, err=err)
    opts.complete()
    opts.validate()
    return opts.run()
