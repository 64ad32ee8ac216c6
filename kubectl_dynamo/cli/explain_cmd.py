"""`kubectl dynamo explain (NAME | -f FILE)`: the decision the operator will make for a DGD.

Capabilities come from `--assume` (offline) or from the cluster; the DGD from `-f` or, by NAME,
from the cluster (in -n's namespace). The two cluster hooks below, `capabilities_from_cluster` and
`live_graphs`, are where cluster/ plugs in; they share one connection.
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
    from kubectl_dynamo.cluster.client import Cluster
    from kubectl_dynamo.dgd.capabilities import Capabilities
    from kubectl_dynamo.dgd.model import Graph

FORMATS = ("table", "json", "yaml")
COMMAND_PATH = "kubectl dynamo explain"

# (globals, --operator-version) -> Capabilities of the current cluster; raises ClusterError
CapabilitiesSource = Callable[[GlobalOptions, "str | None"], "Capabilities"]
# (globals, NAME) -> (the live DGD, ConfigMaps by name in its namespace); raises ClusterError
GraphSource = Callable[[GlobalOptions, str], "tuple[Graph, dict[str, dict[str, str]]]"]


def _cluster(globals_: GlobalOptions) -> Cluster:
    """One connection (and one discovery) for both hooks of an invocation, kept on the
    invocation's GlobalOptions so that another invocation never sees it."""
    from kubectl_dynamo.cluster.session import open_cluster

    cluster = getattr(globals_, "_explain_cluster", None)
    if cluster is None:
        cluster = open_cluster(globals_.connection_options())
        globals_._explain_cluster = cluster  # type: ignore[attr-defined]
    return cluster


def capabilities_from_cluster(globals_: GlobalOptions, operator_version: str | None) -> Capabilities:
    """Capabilities as the operator on the current cluster resolves them: discovery, operator
    configuration, version from the operator (or --operator-version), KAI queues, restart-needed
    and the free GPUs of schedulable nodes."""
    from kubectl_dynamo.cluster.session import live_capabilities

    cluster = _cluster(globals_)
    caps, facts = live_capabilities(cluster, operator_version=operator_version)
    for what, message in facts.forbidden.items():
        globals_.log(2, f"explain: cannot read {what} ({message}); the findings that need it are skipped")
    return caps


def live_graphs(globals_: GlobalOptions, name: str) -> tuple[Graph, dict[str, dict[str, str]]]:
    """The live DGD NAME in the namespace, and the ConfigMaps its volumes reference (TRT-LLM
    engine settings), name -> data; a ConfigMap that is missing or forbidden is left out."""
    from kubectl_dynamo.cluster import dgds
    from kubectl_dynamo.cluster.client import Forbidden, NotFound
    from kubectl_dynamo.dgd import model

    cluster = _cluster(globals_)
    namespace = cluster.conn.namespace
    graph = model.read_graph(dgds.get_dgd(cluster, namespace, name), "cluster")
    names = sorted({str(v["configMap"]["name"]) for svc in graph.services for v in svc.volumes
                    if isinstance(v, dict) and isinstance(v.get("configMap"), dict) and v["configMap"].get("name")})

    def read(cm: str) -> tuple[str, dict[str, str] | None]:
        try:
            obj = cluster.get(f"/api/v1/namespaces/{namespace}/configmaps/{cm}", what=f"configmaps/{cm}")
        except (NotFound, Forbidden) as exc:
            globals_.log(2, f"explain: configmaps/{cm}: {exc.message}")
            return cm, None
        return cm, {str(k): str(v) for k, v in (obj.get("data") or {}).items()}

    found = cluster.parallel(*[lambda cm=cm: read(cm) for cm in names]) if names else []
    return graph, {cm: data for cm, data in found if data is not None}


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
    _claims: dict = field(default_factory=dict, repr=False)

    def complete(self) -> None:
        """Resolve the printer and where capabilities and the DGD come from."""
        from kubectl_dynamo.report import explain_text, output, printers

        options.check_output(self.output, FORMATS)
        self.printer = output.printer_for(self.output, self.out, self.globals.color,
                                          {"table": explain_text.render_explanations},
                                          lambda exps: printers.one_or_list([e.to_dict() for e in exps]))
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
        graphs, configmaps = self._graphs()  # input errors and a missing NAME before the survey
        caps = self.capabilities_source(self.globals, self.operator_version)
        # a live DGD's annotations are final; a file's are stamped by the webhook on create
        explanations = [plan.explain(g, caps, configmaps, creating=not self.name, claims=self._claims) for g in graphs]
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
        self._claims = model.gpu_claims_by_name([d.obj for d in docs])  # DRA GPUs from the same input
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
  # Also check the Grove and KAI-Scheduler versions against the operator line
  kubectl dynamo explain -f my-llm.yaml --assume grove@v0.1.0-alpha.13,kai@v0.17.0 --operator-version 1.5.0
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
    help="Explain offline, as if these were installed (operator configuration on auto-detect): a comma-separated "
    "subset of grove, kai, lws, volcano, volcano-scheduler, disaggregatedset, or none; grove, kai, lws, volcano and "
    "kubernetes take a version (grove@v0.1.0-alpha.13,kai@v0.17.0).",
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
