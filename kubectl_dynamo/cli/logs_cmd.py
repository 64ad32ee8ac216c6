"""`kubectl dynamo logs NAME`: the logs of every pod of a DGD, merged, each line named by the
service, role and rank it comes from.

The pods are found the way describe finds them (cluster/dgds.read_live); which streams to read and
how they are named is state/log_streams, the merge state/log_lines, the reading cluster/logs.
Pods that have nothing to read (not scheduled, gated, not started, never restarted for --previous)
are named once on stderr with describe's reason.

Exit 0 when every stream was read (silent pods are not errors); 1 when no pod matched, none had a
log to read, or some stream could not be read (each named on stderr); 3 when the cluster is
unusable or pods/log is forbidden for all of them; 2 for bad flags.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

import click

from kubectl_dynamo.cli import options
from kubectl_dynamo.cli.options import GlobalOptions
from kubectl_dynamo.errors import EXIT_CLUSTER, EXIT_FINDINGS, EXIT_OK, UsageError

if TYPE_CHECKING:
    from kubectl_dynamo.cluster.logs import LogOptions
    from kubectl_dynamo.report.logs_text import LinePrinter
    from kubectl_dynamo.state.log_streams import Selection

FORMATS = ("text", "json")
ROLES = ("leader", "worker", "main")
COMMAND_PATH = "kubectl dynamo logs"
SELECTOR_TAIL = 10  # kubectl logs' --tail default when a selector picks the pods


@dataclass
class LogsOptions:
    name: str
    service: str | None = None
    role: str | None = None
    rank: int | None = None
    container: str | None = None
    all_containers: bool = False
    previous: bool = False
    since: float | None = None  # seconds
    since_time: str | None = None
    tail: int = -1
    tail_given: bool = False
    timestamps: bool = False
    follow: bool = False
    max_log_requests: int = 5
    out_dir: str | None = None
    output: str = "text"
    globals: GlobalOptions = field(default_factory=GlobalOptions)
    out: TextIO | None = None
    err: TextIO | None = None
    printer: LinePrinter | None = field(default=None, repr=False)

    def complete(self) -> None:
        from kubectl_dynamo.report.color import palette_for
        from kubectl_dynamo.report.logs_text import LinePrinter

        assert self.out is not None
        palette = palette_for(self.out, self.globals.color)
        self.printer = LinePrinter(self.out, self.output, self.timestamps, palette)

    def validate(self) -> None:
        if self.output not in FORMATS:
            from kubectl_dynamo.report.output import unknown_format

            raise unknown_format(self.output, list(FORMATS))
        if self.container and self.all_containers:
            raise UsageError(f"--all-containers=true should not be specified with container name {self.container}")
        if self.since is not None and self.since_time is not None:
            raise UsageError("at most one of --since or --since-time may be specified")
        if self.since is not None and self.since <= 0:
            raise UsageError("--since must be greater than 0")
        if self.since_time is not None:
            from kubectl_dynamo.state.common import parse_time

            if parse_time(self.since_time) is None or "T" not in self.since_time.upper():
                raise UsageError(f"--since-time {self.since_time!r} is not an RFC 3339 time like 2026-01-02T15:04:05Z")
        if self.tail < -1:
            raise UsageError("--tail must be -1 (all lines) or a number of lines")
        if self.max_log_requests < 1:
            raise UsageError("--max-log-requests must be greater than 0")
        if self.rank is not None and self.rank < 0:
            raise UsageError("--rank must be 0 (the leader) or more")
        if self.out_dir is not None and self.follow:
            raise UsageError("--out-dir cannot be used with -f/--follow: it writes each log once, to its end")
        if self.out_dir is not None and self.output != "text":
            raise UsageError("--out-dir writes files: -o json cannot be used with it")

    def log_options(self, selection: Selection) -> LogOptions:
        from kubectl_dynamo.cluster.logs import LogOptions

        tail: int | None = self.tail if self.tail_given else (
            -1 if len({s.pod for s in selection.streams}) <= 1 else SELECTOR_TAIL)
        if self.out_dir is not None and not self.tail_given:
            tail = -1  # a crash is kept whole
        since_time = None
        if self.since_time is not None:
            from kubectl_dynamo.state.common import parse_time

            when = parse_time(self.since_time)
            assert when is not None
            since_time = when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        since = None if self.since is None else max(1, round(self.since))
        return LogOptions(tail=None if tail == -1 else tail, since_seconds=since, since_time=since_time,
                          follow=self.follow)

    def run(self) -> int:
        from kubectl_dynamo.cluster import dgds
        from kubectl_dynamo.state.log_streams import select_streams
        from kubectl_dynamo.state.objects import object_statuses
        from kubectl_dynamo.state.pending import pending_reasons

        assert self.err is not None and self.printer is not None
        cluster = self.globals.cluster()
        namespace = cluster.conn.namespace
        live = dgds.read_live(cluster, namespace, self.name)
        if "pods" in live.forbidden:
            from kubectl_dynamo.errors import Forbidden

            raise Forbidden(live.forbidden["pods"])
        pending = pending_reasons(live.pods, live.children, live.events, object_statuses(live.children))
        selection = select_streams(live.pods, service=self.service, role=self.role, rank=self.rank,
                                   container=self.container, all_containers=self.all_containers,
                                   previous=self.previous, pending=pending)
        self.globals.log(4, f"logs: {len(live.pods)} pods, {selection.matched_pods} selected, "
                            f"{len(selection.streams)} streams")
        if not selection.matched_pods:
            self.err.write(f"error: {self._no_pods(len(live.pods))}\n")
            return EXIT_FINDINGS
        if selection.missing_container and not selection.streams and not selection.silent:
            raise UsageError(f"container {self.container} is not valid for the pods of {self.name}: choose one of "
                             f"[{' '.join(selection.containers_seen)}]")
        for pod in selection.missing_container:
            self.err.write(f"{pod}: no container {self.container}: skipped\n")
        from kubectl_dynamo.report.logs_text import silent_lines

        self.err.writelines(silent_lines(selection.silent))
        if not selection.streams:
            return EXIT_FINDINGS
        opts = self.log_options(selection)
        if self.follow and len(selection.streams) > self.max_log_requests:
            raise UsageError(f"you are attempting to follow {len(selection.streams)} log streams, but maximum allowed "
                             f"concurrency is {self.max_log_requests}, use --max-log-requests to increase the limit")
        if self.out_dir is not None:
            return self._write_files(cluster, namespace, live.pods, selection, opts)
        if self.follow:
            return self._follow(cluster, namespace, selection, opts)
        return self._merged(cluster, namespace, selection, opts)

    def _no_pods(self, total: int) -> str:
        asked = [f"--{k} {v}" for k, v in (("service", self.service), ("role", self.role), ("rank", self.rank))
                 if v is not None]
        if not total:
            return f'dynamographdeployment "{self.name}" has no pods yet (describe says why)'
        return f'none of the {total} pods of dynamographdeployment "{self.name}" match {" ".join(asked)}'

    def _failures(self, failed: list) -> int:
        """Each failed stream once on stderr; the exit code for them."""
        from kubectl_dynamo.errors import Forbidden

        assert self.err is not None
        for stream, error in failed:
            self.err.write(f"error: [{stream.prefix}] {stream.pod}: {error.message}\n")
        return EXIT_CLUSTER if failed and all(isinstance(e, Forbidden) for _, e in failed) else EXIT_FINDINGS

    def _merged(self, cluster, namespace: str, selection: Selection, opts: LogOptions) -> int:
        from kubectl_dynamo.cluster.logs import read_all
        from kubectl_dynamo.state.log_lines import merge

        assert self.printer is not None
        outcomes = read_all(cluster, namespace, selection.streams, opts, self.max_log_requests)
        self.printer.write_all(merge([o.lines for o in outcomes if o.error is None]))
        self.printer.flush()
        failed = [(o.stream, o.error) for o in outcomes if o.error is not None]
        return self._failures(failed) if failed else EXIT_OK

    def _follow(self, cluster, namespace: str, selection: Selection, opts: LogOptions) -> int:
        from kubectl_dynamo.cluster.logs import Ended, follow

        assert self.printer is not None
        failed = []
        for item in follow(cluster, namespace, selection.streams, opts):
            if isinstance(item, Ended):
                if item.error is not None:
                    failed.append((item.stream, item.error))
                continue
            self.printer.write(item)
            self.printer.flush()
        return self._failures(failed) if failed else EXIT_OK

    def _write_files(self, cluster, namespace: str, pods: list[dict], selection: Selection, opts: LogOptions) -> int:
        from kubectl_dynamo.cluster.logs import read_all
        from kubectl_dynamo.report.logs_text import file_text
        from kubectl_dynamo.state.log_streams import out_dir_streams

        assert self.out is not None and self.out_dir is not None
        try:
            os.makedirs(self.out_dir, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--out-dir {self.out_dir}: {exc.strerror or exc}") from None
        outcomes = read_all(cluster, namespace, out_dir_streams(pods, selection), opts, self.max_log_requests)
        for o in outcomes:
            if o.error is not None:
                continue
            path = os.path.join(self.out_dir, o.stream.file_name())
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(file_text(o.lines, self.timestamps))
            self.out.write(f"[{o.stream.prefix}] {path}: {len(o.lines)} line{'s' if len(o.lines) != 1 else ''}"
                           f"{' (previous instance)' if o.stream.previous else ''}\n")
        failed = [(o.stream, o.error) for o in outcomes if o.error is not None]
        return self._failures(failed) if failed else EXIT_OK


@options.command(
    "logs",
    short_help="Print the logs of a DGD's pods, named by service, role and rank",
    epilog="""\b
Examples:
  # Recent lines of every pod, merged by time: [decode/leader-0] ..., [decode/worker-1] ...
  kubectl dynamo logs my-llm
\b
  # Follow the NCCL set-up of the worker ranks of the decode service
  kubectl dynamo logs my-llm --service decode --role worker -f
\b
  # Rank 1's previous instance, after a crash
  kubectl dynamo logs my-llm --rank 1 --previous
\b
  # Keep every log (and the previous instances of restarted containers) before the group is recreated
  kubectl dynamo logs my-llm --out-dir ./crash-logs
\b
  # One JSON object per line, for jq
  kubectl dynamo logs my-llm -o json | jq -r 'select(.text | test("NCCL WARN")) | .pod'""",
)
@click.argument("name")
@click.option("--service", metavar="NAME", default=None, help="Only the pods of this service (as the DGD names it).")
@click.option("--role", type=click.Choice(ROLES), default=None,
              help="Only leader or worker ranks of multinode services, or main (single-node) pods.")
@click.option("--rank", type=int, metavar="N", default=None, help="Only node rank N (the leader is 0).")
@click.option("-c", "--container", metavar="NAME", default=None,
              help="Print the logs of this container (default: the pod's default container, else its first).")
@click.option("--all-containers", is_flag=True, default=False, help="Get all containers' logs in the pods.")
@click.option("-p", "--previous", is_flag=True, default=False,
              help="Print the logs of the previous instance of the containers that restarted.")
@click.option("--since", type=options.Duration(), metavar="DURATION", default=None,
              help="Only logs newer than a relative duration like 5s, 2m, or 3h.")
@click.option("--since-time", metavar="TIME", default=None, help="Only logs after an RFC 3339 date (2026-01-02T15:04:05Z).")
@click.option("--tail", type=int, default=None, metavar="N",
              help="Lines of recent log per container. Default -1 (all) when one pod is selected, else 10 as "
                   "kubectl logs with a selector; --out-dir writes all.")
@click.option("--timestamps", is_flag=True, default=False, help="Include the timestamp of each line.")
@click.option("-f", "--follow", is_flag=True, default=False, help="Keep the streams open and print lines as they come.")
@click.option("--max-log-requests", type=int, default=5, show_default=True,
              help="Maximum number of concurrent log requests; with -f, of streams followed.")
@click.option("--out-dir", metavar="DIR", default=None,
              help="Write one file per pod and container (<pod>_<container>[.previous].log) instead of printing.")
@options.output_option(*FORMATS, default="text")
def logs(name: str, service: str | None, role: str | None, rank: int | None, container: str | None,
         all_containers: bool, previous: bool, since: float | None, since_time: str | None, tail: int | None,
         timestamps: bool, follow: bool, max_log_requests: int, out_dir: str | None, output: str) -> int:
    """Print the logs of every pod of a DynamoGraphDeployment.

    Each line is prefixed with [service/role-rank] (coloured by rank on a terminal); logs of several
    pods are merged in time order (with -f, as they arrive). Pods that are not scheduled, gated or
    not started yet are named once on stderr with the reason describe gives.
    """
    out, err = options.streams()
    opts = LogsOptions(name, service, role, rank, container, all_containers, previous, since, since_time,
                       -1 if tail is None else tail, tail is not None, timestamps, follow, max_log_requests, out_dir,
                       output, options.get_globals(), out, err)
    opts.validate()
    opts.complete()
    return opts.run()
