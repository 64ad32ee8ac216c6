"""`kubectl dynamo get [NAME] [-A]`: DynamoGraphDeployments with GPU/TP summary columns.

Behaves like `kubectl get`: an empty list says "No resources found in <ns> namespace." on stderr
and exits 0; a NAME that does not exist is one NotFound line and exit 1 (a missing object is an
answer, not an unusable cluster); `-o json|yaml` print the objects as the server returns them (one
object for NAME, else a `List`), `-o name` prints `dynamographdeployment.nvidia.com/<name>`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import click

from kubectl_dynamo.cli import options
from kubectl_dynamo.cli.options import GlobalOptions
from kubectl_dynamo.errors import EXIT_OK, UsageError
from kubectl_dynamo.report.output import Printer

if TYPE_CHECKING:
    from kubectl_dynamo.cluster.client import Cluster
    from kubectl_dynamo.report.color import Palette
    from kubectl_dynamo.state.summary import Summary

FORMATS = ("table", "wide", "json", "yaml", "name")
COMMAND_PATH = "kubectl dynamo get"

@dataclass
class GetResult:
    """What `get` read: the DGD objects as the server returns them, and (for the table) one
    Summary per object."""

    objs: list[dict]
    single: bool  # `get NAME`: -o json|yaml print the object itself, not a List
    summaries: list[Summary] = field(default_factory=list)


@dataclass
class GetOptions:
    name: str | None
    all_namespaces: bool
    selector: str | None
    no_headers: bool
    output: str
    globals: GlobalOptions
    out: TextIO
    err: TextIO
    now: dt.datetime | None = None
    printer: Printer | None = field(default=None, repr=False)

    def complete(self) -> None:
        """Resolve the printer (its colour decided once) and the clock ages are measured against."""
        from kubectl_dynamo.report import get_text, output

        now = self.now = self.now or dt.datetime.now(dt.timezone.utc)

        def table(result: GetResult, out: TextIO, palette: Palette, wide: bool = False) -> None:
            get_text.render_table(result.summaries, out, now, wide=wide, all_namespaces=self.all_namespaces,
                                  no_headers=self.no_headers, palette=palette)

        self.printer = output.printer_for(
            self.output, self.out, self.globals.color,
            {"table": table, "wide": lambda result, out, palette: table(result, out, palette, wide=True),
             "name": lambda result, out, palette: get_text.render_names(result.objs, out)},
            lambda result: get_text.as_data(result.objs, single=result.single))

    def validate(self) -> None:
        if self.name and self.all_namespaces:
            raise UsageError("a resource cannot be retrieved by name across all namespaces")
        if self.name and self.selector:
            raise UsageError("when retrieving a resource by NAME, -l/--selector cannot be used")

    def run(self) -> int:
        from kubectl_dynamo.cluster import dgds
        from kubectl_dynamo.report.get_text import no_resources

        cluster = self.globals.cluster()
        namespace = None if self.all_namespaces else cluster.conn.namespace
        if self.name:
            objs = [dgds.get_dgd(cluster, cluster.conn.namespace, self.name)]
        else:
            objs = dgds.list_dgds(cluster, namespace, self.selector)
        self.globals.log(4, f"get: {len(objs)} DynamoGraphDeployments in {namespace or 'all namespaces'}")
        result = GetResult(objs, single=bool(self.name))
        if self.output in ("table", "wide"):
            if not objs:  # kubectl says so on stderr and prints no table
                self.err.write(no_resources(namespace))
                return EXIT_OK
            result.summaries = self._summaries(cluster, objs, namespace)
        assert self.printer is not None
        self.printer(result, self.out)
        return EXIT_OK

    def _summaries(self, cluster: Cluster, objs: list[dict], namespace: str | None) -> list[Summary]:
        from kubectl_dynamo.state.live_dgd import children_of
        from kubectl_dynamo.state.summary import summarize

        pods: dict[tuple[str, str], list[dict]] = {}
        configmaps: dict[str, dict[str, dict[str, str]]] = {}
        children: list[dict] | None = None
        if self.output == "wide":
            pods, configmaps, children = self._wide_facts(cluster, objs, namespace)
        summaries = []
        for obj in objs:
            meta = obj.get("metadata") or {}
            ns = meta.get("namespace", "")
            summaries.append(summarize(obj, pods.get((ns, meta.get("name", "")), []), configmaps.get(ns),
                                       children=None if children is None else children_of(obj, children), now=self.now))
        return summaries

    def _wide_facts(self, cluster: Cluster, objs: list[dict], namespace: str | None
                    ) -> tuple[dict[tuple[str, str], list[dict]], dict[str, dict[str, dict[str, str]]], list[dict]]:
        """The DGD pods (scheduler and queue, drift), engine ConfigMaps (TRT-LLM TP) and the child
        objects (drift), read in parallel."""
        from kubectl_dynamo.cluster import dgds
        from kubectl_dynamo.dgd.configmaps import configmap_names
        from kubectl_dynamo.dgd.model import read_graph
        from kubectl_dynamo.state.summary import pods_by_dgd

        by_ns: dict[str, list[Any]] = {}
        for obj in objs:
            graph = read_graph(obj, "cluster")
            if configmap_names(graph):
                by_ns.setdefault(graph.namespace or "", []).append(graph)
        namespaces = sorted(by_ns)
        def configmaps(ns: str) -> Callable[[], Any]:
            return lambda: dgds.engine_configmaps(cluster, ns, by_ns[ns])

        calls: list[Callable[[], Any]] = [lambda: dgds.list_dgd_pods(cluster, namespace or None),
                                          lambda: dgds.list_children(cluster, namespace or None)]
        results = cluster.parallel(*calls, *(configmaps(ns) for ns in namespaces))
        children, forbidden = results[1]
        for what, why in sorted(forbidden.items()):
            self.globals.log(2, f"get: cannot list {what} ({why}): the DRIFT column leaves them out")
        return pods_by_dgd(results[0]), dict(zip(namespaces, results[2:], strict=True)), children


@options.command(
    "get",
    short_help="List DynamoGraphDeployments with GPU and TP columns",
    epilog="""\b
Examples:
  # DGDs in the current namespace: state, ready services, nodes, GPUs, orchestrator
  kubectl dynamo get
\b
  # In every namespace, with backend, scheduler/queue and TP per worker service
  kubectl dynamo get -A -o wide
\b
  # One DGD as YAML, or just the names for scripts
  kubectl dynamo get my-llm -o yaml
  kubectl dynamo get -o name""",
)
@click.argument("name", required=False)
@options.all_namespaces_option()
@click.option("-l", "--selector", metavar="SELECTOR", default=None,
              help="Label selector to filter on, e.g. -l team=llm (=, ==, != and set-based as kubectl).")
@click.option("--no-headers", is_flag=True, default=False, help="Omit the header row of the table.")
@options.output_option(*FORMATS, default="table")
def get(name: str | None, all_namespaces: bool, selector: str | None, no_headers: bool, output: str) -> int:
    """List DynamoGraphDeployments with their GPU and tensor-parallel summary.

    Columns: STATE (status.state), READY (ready services / services), SERVICES, NODES and GPUS
    (from the spec: replicas × nodeCount × GPUs per node), ORCHESTRATOR (grove, lws or deployment,
    from the status the operator writes) and AGE. -o wide adds BACKEND, SCHEDULER/QUEUE, TP per
    worker service and DRIFT: where the DGD's status, its child objects and pods disagree
    (e.g. UPDATED_REPLICAS=1≠2: the DGD says 1, its PodCliqueScalingGroup 2).
    """
    out, err = options.streams()
    opts = GetOptions(name, all_namespaces, selector, no_headers, output, options.get_globals(), out, err)
    opts.complete()
    opts.validate()
    return opts.run()
