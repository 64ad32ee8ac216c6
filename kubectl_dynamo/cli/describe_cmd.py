"""`kubectl dynamo describe NAME`: one DynamoGraphDeployment in depth.

Reads the DGD, its child objects, pods, events, the pods' nodes and engine ConfigMaps
(cluster/dgds.read_live), interprets them (state/describe.py) and prints them like `kubectl
describe`, or as a `Description` with `-o json|yaml`. Exit 0 whatever the DGD's state (describe
reports, it does not judge); a NAME that does not exist is one NotFound line and exit 1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TextIO

import click

from kubectl_dynamo.cli import options
from kubectl_dynamo.cli.options import GlobalOptions
from kubectl_dynamo.errors import EXIT_OK
from kubectl_dynamo.report.output import Printer

FORMATS = ("table", "json", "yaml")
COMMAND_PATH = "kubectl dynamo describe"


@dataclass
class DescribeOptions:
    name: str
    output: str
    globals: GlobalOptions
    out: TextIO
    err: TextIO
    now: dt.datetime | None = None
    printer: Printer | None = field(default=None, repr=False)

    def complete(self) -> None:
        """Resolve the printer, its colour and the clock ages are measured against."""
        from kubectl_dynamo.report import describe_text, output

        now = self.now = self.now or dt.datetime.now(dt.timezone.utc)
        self.printer = output.printer_for(
            self.output, self.out, self.globals.color,
            {"table": lambda description, out, palette: describe_text.render_description(description, out, now, palette)},
            lambda d: d.to_dict())

    def validate(self) -> None:
        """NAME is required by click; nothing else to judge."""

    def run(self) -> int:
        from kubectl_dynamo.cluster import dgds
        from kubectl_dynamo.state.describe import describe

        cluster = self.globals.cluster()
        live = dgds.read_live(cluster, cluster.conn.namespace, self.name)
        self.globals.log(4, f"describe: {len(live.children)} child objects, {len(live.pods)} pods, "
                            f"{len(live.events)} events")
        description = describe(live.obj, children=live.children, pods=live.pods, events=live.events,
                               nodes=live.nodes, configmaps=live.configmaps, forbidden=live.forbidden)
        assert self.printer is not None
        self.printer(description, self.out)
        return EXIT_OK


@options.command(
    "describe",
    short_help="Show one DGD in depth, and why it is pending",
    epilog="""\b
Examples:
  # Why is my deployment not ready?
  kubectl dynamo describe my-llm
\b
  # The same as JSON (kind: Description), for scripts
  kubectl dynamo describe my-llm -n inference -o json""",
)
@click.argument("name")
@options.output_option(*FORMATS, default="table")
def describe(name: str, output: str) -> int:
    """Show one DynamoGraphDeployment in depth.

    State and Ready message, the effective orchestrator, scheduler and queue; per service the
    replicas, nodes × GPUs, TP/PP/DP and workload; the PodCliqueSet/PCSG/PodClique/PodGang or
    DCD/LWS/PodGroup objects and their status; pods with role and rank; which node holds which pods
    and GPUs; why anything is pending (scheduling gates, scheduler events, gang conditions); the
    validate findings for the live spec; and recent events.
    """
    out, err = options.streams()
    opts = DescribeOptions(name, output, options.get_globals(), out, err)
    opts.complete()
    opts.validate()
    return opts.run()
