"""`kubectl dynamo apply -f FILE|DIR|-`: check every DGD against the rules and the cluster, then
server-side apply the whole input (all or nothing), optionally `--wait` until the DGDs are ready.

Exit 0 applied (and ready, with --wait); 1 refused (an error finding, a server rejection, a
field-manager conflict, an unknown kind) or a DGD failed while waiting; 2 usage or input; 3 the
cluster could not be used; 4 --wait timed out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

import click

from kubectl_dynamo.cli import options
from kubectl_dynamo.cli.options import GlobalOptions
from kubectl_dynamo.errors import EXIT_OK, DynamoError, InputError, UsageError, WaitTimeout
from kubectl_dynamo.report.output import Printer

if TYPE_CHECKING:
    from kubectl_dynamo.cluster.apply import ApplyResult, Planned
    from kubectl_dynamo.cluster.client import Cluster
    from kubectl_dynamo.contracts.explanation import Explanation
    from kubectl_dynamo.report.color import Palette

COMMAND_PATH = "kubectl dynamo apply"
FORMATS = ("name", "json", "yaml")  # and "" (the default: kubectl's `<ref> <action>` lines)
DRY_RUN_MODES = ("none", "client", "server")
DEFAULT_TIMEOUT = 600.0


@dataclass
class ApplyOptions:
    filenames: list[str]
    recursive: bool
    dry_run: str
    force_conflicts: bool
    skip_checks: bool
    wait: bool
    timeout: float | None  # None: not given
    output: str
    globals: GlobalOptions
    out: TextIO
    err: TextIO
    stdin: TextIO | None = None
    poll_interval: float = 2.0
    tty: bool | None = None  # progress as a live line; None: when stderr is a terminal
    palette: Palette | None = field(default=None, repr=False)
    printer: Printer | None = field(default=None, repr=False)

    @property
    def wait_timeout(self) -> float:
        return DEFAULT_TIMEOUT if self.timeout is None else self.timeout

    def complete(self) -> None:
        """Resolve the printer and the colour of stderr (where findings go)."""
        from kubectl_dynamo.report import apply_text, output
        from kubectl_dynamo.report.color import palette_for

        self.output = self.output.strip()
        self.palette = palette_for(self.err, self.globals.color)
        dry_run = self.dry_run
        self.printer = output.printer_for(
            self.output, self.out, self.globals.color,
            {"": lambda applied, out, palette: apply_text.render_applied(applied, out, dry_run),
             "name": lambda applied, out, palette: apply_text.render_names(applied, out)},
            apply_text.objects_data)

    def validate(self) -> None:
        if not self.filenames:
            raise UsageError("-f/--filename is required: a file, a directory or - for stdin", command_path=COMMAND_PATH)
        if self.wait and self.dry_run != "none":
            raise UsageError(f"--wait cannot be used with --dry-run={self.dry_run}: nothing is created to wait for",
                             command_path=COMMAND_PATH)
        if self.timeout is not None and not self.wait:
            raise UsageError("--timeout only applies with --wait", command_path=COMMAND_PATH)

    def run(self) -> int:
        from kubectl_dynamo import inputs
        from kubectl_dynamo.cluster import apply
        from kubectl_dynamo.words import plural

        docs = inputs.read_documents(self.filenames, self.recursive, self.stdin)
        inputs.configmaps(docs)  # a ConfigMap of the wrong shape is unusable input, before any request
        if not docs:
            raise InputError(f"no objects passed to apply ({', '.join(self.filenames)} holds no Kubernetes object)")
        if not self.skip_checks:
            self._refuse_unreadable(docs)
        self.globals.log(2, f"read {plural(len(docs), 'document')} from {', '.join(self.filenames)}")
        cluster = self.globals.cluster()
        planned = apply.plan(cluster, [(d.obj, d.where) for d in docs], cluster.conn.namespace, self.globals.namespace_given)
        explanations = self._check(cluster, planned, [d.obj for d in docs])
        self.globals.log(2, f"server-side apply of {plural(len(planned), 'object')}, dry run {self.dry_run}")
        result = apply.apply_all(cluster, planned, dry_run=self.dry_run, force=self.force_conflicts)
        self._print(result, explanations)
        if self.wait:
            return self._wait(cluster, planned)
        return EXIT_OK

    def _refuse_unreadable(self, docs: list) -> None:
        """A DGD with a field of the wrong type (or an unknown version) is refused before the
        cluster is asked anything: no check or server could make more of it."""
        from kubectl_dynamo.dgd import capabilities, wellformed
        from kubectl_dynamo.report.apply_text import render_checks
        from kubectl_dynamo.report.color import PLAIN

        caps = capabilities.assumed("none", None)
        exps = [wellformed.unread_explanation(d.obj, d.where, caps, found) for d in docs
                if wellformed.is_dgd_kind(d.obj) for found in [wellformed.check(d.obj)] if found]
        if exps:
            render_checks(exps, self.err, self.palette or PLAIN)
            names = ", ".join(e.name or e.source for e in exps)
            raise DynamoError(f"apply refused: {names} {'has' if len(exps) == 1 else 'have'} errors; nothing was "
                              "applied (fix them, or pass --skip-checks to let the server judge)")

    def _check(self, cluster: Cluster, planned: list[Planned], objs: list[dict]) -> list[tuple[Planned, Explanation]]:
        """Explain every DGD against the live capabilities; refuse the whole input on an error."""
        from kubectl_dynamo.cluster import session
        from kubectl_dynamo.dgd import capabilities, model, plan, wellformed
        from kubectl_dynamo.report.apply_text import render_checks
        from kubectl_dynamo.report.color import PLAIN

        dgds = [p for p in planned if wellformed.is_dgd_kind(p.doc)]
        if not dgds:
            return []
        if self.skip_checks:
            caps = capabilities.assumed("none", None)
        else:
            self.globals.log(2, "reading the cluster's capabilities for the cluster-aware checks")
            caps, _ = session.live_capabilities(cluster)
        configmaps = model.configmaps_by_name(objs)
        out = []
        for p in dgds:
            graph, unread = wellformed.read(p.doc, p.source)
            if graph is None:
                out.append((p, wellformed.unread_explanation(p.doc, p.source, caps, unread)))
                continue
            graph.namespace = p.namespace
            out.append((p, plan.explain(graph, caps, configmaps, creating=True)))
        if self.skip_checks:
            return out
        exps = [e for _, e in out]
        render_checks(exps, self.err, self.palette or PLAIN)
        bad = [e.name for e in exps if any(f.severity == "error" for f in e.findings)]
        if bad:
            raise DynamoError(f"apply refused: {', '.join(bad)} {'has' if len(bad) == 1 else 'have'} errors; nothing was "
                              "applied (fix them, or pass --skip-checks to apply anyway)")
        return out

    def _print(self, result: ApplyResult, explanations: list[tuple[Planned, Explanation]]) -> None:
        """The applied objects through the printer, then the GPU/TP summary of each applied DGD:
        on stdout under kubectl's lines, on stderr with -o so name/json/yaml stay clean."""
        from kubectl_dynamo.report.apply_text import dgd_summary

        if not result.applied:
            return
        assert self.printer is not None
        self.printer(result.applied, self.out)
        applied = {id(a.planned) for a in result.applied}
        summary_to = self.out if not self.output else self.err
        for p, exp in explanations:
            if id(p) in applied:
                summary_to.write(dgd_summary(exp, with_pathway=not self.skip_checks) + "\n")
        self.out.flush()

    def _wait(self, cluster: Cluster, planned: list[Planned]) -> int:
        from kubectl_dynamo.cluster import wait
        from kubectl_dynamo.dgd import model
        from kubectl_dynamo.report.apply_text import ProgressWriter, progress_line
        from kubectl_dynamo.state.common import human_duration
        from kubectl_dynamo.state.progress import FAILED, READY

        targets = [wait.Target(p.resource, p.namespace or "", p.name) for p in planned if model.is_dgd(p.doc)]
        if not targets:
            self.err.write("warning: --wait: the input holds no DynamoGraphDeployment to wait for\n")
            return EXIT_OK
        writer = ProgressWriter(self.err, self.tty)
        try:
            res = wait.wait_all(cluster, targets, self.wait_timeout,
                                lambda name, prog: writer.update(name, progress_line(name, prog)),
                                interval=self.poll_interval)
        finally:
            writer.finish()
        done_to = self.out if not self.output else self.err
        if res.outcome == READY:
            for t in targets:
                done_to.write(f"{t.name}: ready after {human_duration(res.elapsed)}\n")
            return EXIT_OK
        if res.outcome == FAILED:
            lines = [f"{n}: {res.progress[n].message or res.progress[n].reason or 'state failed'}" for n in res.names(FAILED)]
            raise DynamoError(f"deployment failed: {lines[0]}" + "".join(f"\n  {line}" for line in lines[1:]))
        pending = [n for n in (t.name for t in targets) if n not in res.names(READY)]
        why = [progress_line(n, res.progress[n]) if n in res.progress else f"{n}: not read" for n in pending]
        if res.last_error:
            why.append(f"last error: {res.last_error}")
        if any(n in res.progress and not res.progress[n].state for n in pending):
            why.append("no status was written: is the Dynamo operator running? (kubectl dynamo doctor)")
        raise WaitTimeout(f"timed out after {human_duration(self.wait_timeout)} waiting for {', '.join(pending)} to become ready"
                          + "".join(f"\n  {w}" for w in why))


@options.command(
    "apply",
    short_help="Check, then server-side apply manifests (optionally --wait)",
    epilog="""\b
Examples:
  # Check the DGDs against the cluster, then apply everything in the file
  kubectl dynamo apply -f my-llm.yaml
\b
  # Scaffold and apply in one go, then follow it until it is ready (at most 15 minutes)
  kubectl dynamo init my-llm --nodes 2 --gpus 8 | kubectl dynamo apply -f - --wait --timeout 15m
\b
  # What would change, judged by the server, without writing anything
  kubectl dynamo apply -f deploy/ -R --dry-run=server
\b
  # Take over fields another field manager owns
  kubectl dynamo apply -f my-llm.yaml --force-conflicts""",
)
@options.filename_option("File, directory or - for stdin with the manifests to apply; repeatable.")
@options.recursive_option()
@click.option("--dry-run", "dry_run", type=click.Choice(DRY_RUN_MODES), default="none", show_default=True,
              help="client: send nothing but reads; server: the server judges every object (dryRun=All), nothing is written.")
@click.option("--force-conflicts", is_flag=True, default=False,
              help="Take over fields owned by other field managers instead of refusing the apply.")
@click.option("--skip-checks", is_flag=True, default=False,
              help="Apply even when a DynamoGraphDeployment has error findings (the server still validates).")
@click.option("--wait", is_flag=True, default=False,
              help="Follow every applied DynamoGraphDeployment until it is ready (exit 0), failed (1) or --timeout (4).")
@click.option("--timeout", type=options.Duration(), default=None, metavar="DURATION",
              help="How long --wait waits (e.g. 30s, 10m; 0 looks once). [default: 10m]")
@click.option("-o", "--output", "output", type=options.OutputFormat(FORMATS), default="",
              help="Output format. One of: (json, yaml, name).")
def apply(filenames: tuple[str, ...], recursive: bool, dry_run: str, force_conflicts: bool, skip_checks: bool,
          wait: bool, timeout: float | None, output: str) -> int:
    """Check DynamoGraphDeployments, then server-side apply every manifest in the input.

    Reads every document first and checks each DGD with validate's rules plus the cluster-aware
    ones (orchestrator, KAI queue, operator configuration, free GPUs); any error refuses the whole
    input. Then every object is dry-run on the server and, when all pass, applied with field
    manager kubectl-dynamo, printing one line per object and the GPU/TP shape of each DGD.
    """
    out, err = options.streams()
    opts = ApplyOptions(list(filenames), recursive, dry_run, force_conflicts, skip_checks, wait, timeout, output or "",
                        options.get_globals(), out, err)
    opts.complete()
    opts.validate()
    return opts.run()
