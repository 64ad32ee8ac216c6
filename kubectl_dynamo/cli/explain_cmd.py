"""`kubectl dynamo explain (NAME | -f FILE)`: the decision the operator will make for a DGD.

Capabilities come from `--assume` (offline) or from the cluster; the DGD from `-f` or, by NAME,
from the cluster. The two cluster hooks below, `capabilities_from_cluster` and `live_graphs`, are
where cluster/ plugs in; until then they refuse with a usage error naming the offline form.
Exit 1 when any finding is an error (e.g. pathway "failed"); the explanation is printed in full.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

import click

from kubectl_dynamo.cli import options
from kubectl_dynamo.cli.errors import EXIT_FINDINGS, EXIT_OK, InputError, UsageError
from kubectl_dynamo.cli.options import GlobalOptions
from kubectl_dynamo.report.output import Printer

if TYPE_CHECKING:
    from kubectl_dynamo.dgd.capabilities import Capabilities
    from kubectl_dynamo.dgd.model import Graph

FORMATS = ("table", "json", "yaml")
COMMAND_PATH = "kubectl dynamo explain"

# (globals, --operator-version) -> Capabilities of the current cluster; raises ClusterError
CapabilitiesSource = Callable[[GlobalOptions, "str | None"], "Capabilities"]
# (globals, NAME) -> (the live DGD, ConfigMaps by name in its namespace); raises ClusterError
GraphSource = Callable[[GlobalOptions, str], "tuple[Graph, dict[str, dict[str, str]]]"]


def capabilities_from_cluster(globals_: GlobalOptions, operator_version: str | None) -> Capabilities:
    """Capabilities as the operator on the current cluster resolves them (cluster/ fills this in:
    discovery, operator configuration, version from the image tag, KAI queues, free GPUs)."""
    raise UsageError(
        "explain without --assume needs a cluster: pass --assume grove,kai (or lws,volcano, or none) "
        "to explain offline (cluster support lands with cluster/)",
        command_path=COMMAND_PATH,
    )


def live_graphs(globals_: GlobalOptions, name: str) -> tuple[Graph, dict[str, dict[str, str]]]:
    """The live DGD NAME and its namespace's ConfigMaps (cluster/ fills this in)."""
    raise UsageError(
        f"explain {name} reads the DynamoGraphDeployment from a cluster: use -f FILE --assume grove,kai "
        "to explain a manifest offline (cluster support lands with cluster/)",
        command_path=COMMAND_PATH,
    )


@dataclass
class ExplainOptions:
    name: str | None
    filenames: list[str]
    recursive: bool
    assume: str | None
    operator_version: str | None
    output: str
    globals: GlobalOptions
    out: TextIO
    err: TextIO
    stdin: TextIO | None = None
    capabilities_source: CapabilitiesSource | None = None
    graph_source: GraphSource | None = None
    printer: Printer | None = field(default=None, repr=False)

    def complete(self) -> None:
        """Resolve the printer and where capabilities and the DGD come from."""
        from kubectl_dynamo.report import explain_text, output, printers
        from kubectl_dynamo.report.color import palette_for

        options.check_output(self.output, FORMATS)
        palette = palette_for(self.out, self.globals.color)
        self.printer = output.select_printer(
            self.output,
            {
                "table": lambda exps, out: explain_text.render_explanations(exps, out, palette),
                **printers.data_printers(lambda exps: printers.one_or_list([e.to_dict() for e in exps])),
            },
        )
        if self.capabilities_source is None:
            self.capabilities_source = _assumed_source(self.assume) if self.assume else capabilities_from_cluster
        if self.graph_source is None:
            self.graph_source = live_graphs

    def validate(self) -> None:
        if self.name and self.filenames:
            raise UsageError("specify a DynamoGraphDeployment NAME or -f FILE, not both")
        if not self.name and not self.filenames:
            raise UsageError("a DynamoGraphDeployment NAME or -f FILE is required")
        options.check_operator_version(self.operator_version, COMMAND_PATH)

    def run(self) -> int:
        from kubectl_dynamo.dgd import plan

        assert self.capabilities_source is not None and self.printer is not None
        caps = self.capabilities_source(self.globals, self.operator_version)
        graphs, configmaps = self._graphs()
        explanations = [plan.explain(g, caps, configmaps) for g in graphs]
        self.printer(explanations, self.out)
        has_errors = any(f.severity == "error" for e in explanations for f in e.findings)
        return EXIT_FINDINGS if has_errors else EXIT_OK

    def _graphs(self) -> tuple[list[Graph], dict[str, dict[str, str]]]:
        from kubectl_dynamo import inputs
        from kubectl_dynamo.dgd import model

        if self.name:
            assert self.graph_source is not None
            graph, configmaps = self.graph_source(self.globals, self.name)
            return [graph], configmaps
        docs = inputs.read_documents(self.filenames, self.recursive, self.stdin)
        graphs = [model.read_graph(d.obj, d.source) for d in docs if model.is_dgd(d.obj)]
        if not graphs:
            raise InputError(f"no DynamoGraphDeployment in {', '.join(self.filenames)}")
        return graphs, model.configmaps_by_name([d.obj for d in docs])


def _assumed_source(assume: str) -> CapabilitiesSource:
    def source(globals_: GlobalOptions, operator_version: str | None) -> Capabilities:
        from kubectl_dynamo.dgd import capabilities

        try:
            return capabilities.assumed(assume, operator_version)
        except ValueError as e:
            raise UsageError(str(e), command_path=COMMAND_PATH) from None

    return source


@options.command(
    "explain",
    short_help="Show what the operator will create for a DGD, and why",
    epilog="""\b
Examples:
  # Offline: what a Grove + KAI-Scheduler cluster makes of a manifest
  kubectl dynamo explain -f my-llm.yaml --assume grove,kai
\b
  # The same on a cluster with LeaderWorkerSet and Volcano, mirroring operator 0.9.0
  kubectl dynamo explain -f my-llm.yaml --assume lws,volcano --operator-version 0.9.0
\b
  # As JSON, from stdin
  kubectl dynamo init --nodes 2 --gpus 8 | kubectl dynamo explain -f - --assume grove -o json""",
)
@click.argument("name", required=False)
@options.filename_option("File, directory or - for stdin holding the DGD (and its ConfigMaps); repeatable.")
@options.recursive_option()
@click.option(
    "--assume",
    type=options.AssumeList(),
    metavar="LIST",
    help="Explain offline, as if these were installed (operator configuration on auto-detect): "
    "a comma-separated subset of grove, kai, lws, volcano, or none.",
)
@options.operator_version_option()
@options.output_option(*FORMATS, default="table")
def explain(
    name: str | None,
    filenames: tuple[str, ...],
    recursive: bool,
    assume: str | None,
    operator_version: str | None,
    output: str,
) -> int:
    """Show which orchestrator, scheduler and launch mode a DynamoGraphDeployment gets, and why.

    Prints the operator's decision as an ordered trace, then per service the GPU shape,
    parallelism, workload kind, object names, scheduler and queue, the flags injected into leader
    and workers, and every finding (validate's and the capability-aware ones).
    """
    out, err = options.streams()
    opts = ExplainOptions(
        name, list(filenames), recursive, assume, operator_version, output, options.get_globals(), out, err
    )
    opts.complete()
    opts.validate()
    return opts.run()
