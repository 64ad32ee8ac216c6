"""`kubectl dynamo doctor`: is this cluster ready for multinode Dynamo?

Reads the cluster's facts in two rounds of parallel requests (cluster/survey.py) while the
SelfSubjectAccessReviews run alongside (cluster/access.py), judges them with the pure checks of
checks/doctor.py and prints the DoctorReport. Exit 1 on any `fail` (with --strict also on `warn`);
exit 3 when the cluster cannot be used at all (unreachable, TLS, 401), with one line on stderr.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

import click

from kubectl_dynamo.cli import options
from kubectl_dynamo.cli.options import GlobalOptions
from kubectl_dynamo.errors import EXIT_FINDINGS, EXIT_OK
from kubectl_dynamo.report.output import Printer

if TYPE_CHECKING:
    from kubectl_dynamo.checks.doctor import DoctorInput

FORMATS = ("table", "wide", "json", "yaml")

def gather(globals_: GlobalOptions) -> DoctorInput:
    """Survey the cluster and review the user's permissions, in parallel; raises ClusterError."""
    from kubectl_dynamo.checks.doctor import DoctorInput
    from kubectl_dynamo.cluster.access import review_access
    from kubectl_dynamo.cluster.survey import survey

    cluster = globals_.cluster()
    globals_.log(2, f"doctor: context {cluster.conn.context or '(in-cluster)'}, server {cluster.conn.host}, "
                    f"namespace {cluster.conn.namespace}")
    t0 = time.monotonic()
    facts, access = cluster.parallel(lambda: survey(cluster, dgds=True), lambda: review_access(cluster, cluster.conn.namespace))
    globals_.log(2, f"doctor: cluster read in {time.monotonic() - t0:.2f}s")
    for what, message in facts.forbidden.items():
        globals_.log(4, f"doctor: forbidden: {what}: {message}")
    return DoctorInput(facts, access)


@dataclass
class DoctorOptions:
    strict: bool
    output: str
    globals: GlobalOptions
    out: TextIO
    err: TextIO
    printer: Printer | None = field(default=None, repr=False)

    def complete(self) -> None:
        """Resolve the printer (and with it the colour decision for stdout)."""
        from kubectl_dynamo.contracts.doctor import DoctorReport
        from kubectl_dynamo.report import doctor_text, output

        self.printer = output.printer_for(
            self.output, self.out, self.globals.color,
            {"table": doctor_text.render_doctor,
             "wide": lambda report, out, palette: doctor_text.render_doctor(report, out, palette, wide=True)},
            DoctorReport.to_dict)

    def validate(self) -> None:
        """No flag combination to judge."""

    def run(self) -> int:
        from kubectl_dynamo.checks import doctor

        assert self.printer is not None
        report = doctor.report(gather(self.globals))
        self.printer(report, self.out)
        s = report.summary
        failed = s["fail"] > 0 or (self.strict and s["warn"] > 0)
        return EXIT_FINDINGS if failed else EXIT_OK


@options.command(
    "doctor",
    short_help="Check that the cluster is ready for multinode Dynamo",
    epilog="""\b
Examples:
  # Check the current context's cluster
  kubectl dynamo doctor
\b
  # In CI: fail on warnings too, machine-readable
  kubectl dynamo doctor --strict -o json
\b
  # Another cluster, with the check ids and all details
  kubectl dynamo doctor --context prod -o wide""",
)
@click.option("--strict", is_flag=True, default=False, help="Exit 1 on warnings too, not only on failures.")
@options.output_option(*FORMATS, default="table")
def doctor(strict: bool, output: str) -> int:
    """Check whether the cluster is ready for multinode Dynamo deployments.

    Checks the Kubernetes version, your permissions, the DynamoGraphDeployment CRD, the Dynamo
    operator (availability, version, orchestrator configuration), Grove, KAI-Scheduler (and its
    queues), LeaderWorkerSet and Volcano, the orchestrator new multinode DGDs will get, whether
    the operator needs a restart to see a newly installed API, the GPUs on each node with the
    largest nodes × GPUs shape that fits now, and high-speed networking. Exits 1 when any check
    fails (with --strict, also on warnings) and 3 when the cluster cannot be reached.
    """
    out, err = options.streams()
    opts = DoctorOptions(strict, output, options.get_globals(), out, err)
    opts.complete()
    opts.validate()
    return opts.run()
