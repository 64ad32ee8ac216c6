"""`kubectl dynamo explain (NAME | -f FILE)`: the decision the operator will make for a DGD.

Capabilities come from `--assume` (offline: no cluster is asked) or from the cluster; the DGD from
`-f` or, by NAME, from the cluster (in -n's namespace). Both cluster reads share the invocation's
one connection (GlobalOptions.cluster). Exit 1 when any finding is an error (e.g. pathway
"failed"); the explanation is printed in full.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

import click

from kubectl_dynamo.cli import options
from kubectl_dynamo.cli.options import GlobalOptions
from kubectl_dynamo.errors import EXIT_FINDINGS, EXIT_OK, InputError, UsageError
from kubectl_dynamo.report.output import Printer

if TYPE_CHECKING:
    from kubectl_dynamo.dgd.capabilities import Capabilities
    from kubectl_dynamo.dgd.model import Graph
    from kubectl_dynamo.inputs import Document

FORMATS = ("table", "json", "yaml")
COMMAND_PATH = "kubectl dynamo explain"


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
    printer: Printer | None = field(default=None, repr=False)
    _claims: dict = field(default_factory=dict, repr=False)

    def complete(self) -> None:
        """Resolve the printer."""
        from kubectl_dynamo.report import explain_text, output, printers

        self.printer = output.printer_for(self.output, self.out, self.globals.color,
                                          {"table": explain_text.render_explanations},
                                          lambda exps: printers.one_or_list([e.to_dict() for e in exps]))

    def validate(self) -> None:
        if self.name and self.filenames:
            raise UsageError("specify a DynamoGraphDeployment NAME or -f FILE, not both")
        if not self.name and not self.filenames:
            raise UsageError("a DynamoGraphDeployment NAME or -f FILE is required")
        options.check_operator_version(self.operator_version, COMMAND_PATH)

    def run(self) -> int:
        from kubectl_dynamo.dgd import model, plan

        assert self.printer is not None
        from kubectl_dynamo.dgd import wellformed

        graphs, configmaps = self._graphs()  # input errors and a missing NAME before the survey
        caps = self._capabilities()
        # a live DGD's annotations are final; a file's are stamped by the webhook on create
        explanations = [plan.explain(g, caps, configmaps, creating=not self.name, claims=self._claims) if isinstance(g, model.Graph)
                        else wellformed.unread_explanation(g.obj, g.source, caps, wellformed.check(g.obj)) for g in graphs]
        self.printer(explanations, self.out)
        has_errors = any(f.severity == "error" for e in explanations for f in e.findings)
        return EXIT_FINDINGS if has_errors else EXIT_OK

    def _graphs(self) -> tuple[list[Graph | Document], dict[str, dict[str, str]]]:
        """The DGDs to explain: Graphs, and the Documents of those that cannot be read."""
        from kubectl_dynamo import inputs
        from kubectl_dynamo.dgd import model, wellformed

        if self.name:
            graph, configmaps = self._live_graph(self.name)
            return [graph], configmaps
        docs = inputs.read_documents(self.filenames, self.recursive, self.stdin)
        configmaps = inputs.configmaps(docs)
        graphs = [wellformed.read(d.obj, d.source)[0] or d for d in docs if wellformed.is_dgd_kind(d.obj)]
        if not graphs:
            raise InputError(f"no DynamoGraphDeployment in {', '.join(self.filenames)}")
        self._claims = model.gpu_claims_by_name([d.obj for d in docs])  # DRA GPUs from the same input
        return graphs, configmaps

    def _capabilities(self) -> Capabilities:
        """`--assume`'s, else the cluster's as its operator resolves them: discovery, operator
        configuration, version from the operator (or --operator-version), KAI queues,
        restart-needed and the free GPUs of schedulable nodes."""
        from kubectl_dynamo.dgd import capabilities

        if self.assume:
            try:
                return capabilities.assumed(self.assume, self.operator_version)
            except ValueError as e:
                raise UsageError(str(e), command_path=COMMAND_PATH) from None
        from kubectl_dynamo.cluster.session import live_capabilities

        caps, facts = live_capabilities(self.globals.cluster(), operator_version=self.operator_version)
        for what, message in facts.forbidden.items():
            self.globals.log(2, f"explain: cannot read {what} ({message}); the findings that need it are skipped")
        return caps

    def _live_graph(self, name: str) -> tuple[Graph | Document, dict[str, dict[str, str]]]:
        """The live DGD NAME in the namespace, and its engine ConfigMaps (TRT-LLM settings),
        name -> data; a ConfigMap that is missing or forbidden is left out. A live DGD with a field
        of the wrong type (a CRD without a full schema lets it through) comes back as its
        Document, explained by its findings rather than read."""
        from kubectl_dynamo.cluster import dgds, reads
        from kubectl_dynamo.dgd import wellformed
        from kubectl_dynamo.dgd.configmaps import configmap_names
        from kubectl_dynamo.inputs import Document

        cluster = self.globals.cluster()
        namespace = cluster.conn.namespace
        obj = dgds.get_dgd(cluster, namespace, name)
        graph, _ = wellformed.read(obj, "cluster")
        if graph is None:
            return Document(obj=obj, source="cluster"), {}
        found, missing = reads.configmaps(cluster, namespace, configmap_names(graph))
        for cm, why in missing.items():
            self.globals.log(2, f"explain: configmaps/{cm}: {why}")
        return graph, found


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
