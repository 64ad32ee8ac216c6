"""The human form of a Description (`kubectl dynamo describe NAME`), laid out like `kubectl
describe`: `Key:  value` header lines, then indented sections (Services, Objects, Pods, Placement,
Why Pending, Findings, Events); an empty section reads `<none>`."""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from kubectl_dynamo.contracts.description import Description, ServiceRow
from kubectl_dynamo.report import table
from kubectl_dynamo.report.color import PLAIN, Palette
from kubectl_dynamo.report.findings_text import render_findings
from kubectl_dynamo.report.get_text import state_cell
from kubectl_dynamo.state.common import age, parse_time
from kubectl_dynamo.words import plural

KEY_WIDTH = 15  # "Orchestrator:  "
INDENT = "  "
SERVICE_HEADERS = ("SERVICE", "TYPE", "REPLICAS", "NODES×GPU", "GPUS", "TP/PP/DP", "BACKEND", "WORKLOAD")
OBJECT_HEADERS = ("KIND", "NAME", "STATUS")
POD_HEADERS = ("NAME", "SERVICE", "ROLE", "RANK", "NODE", "STATUS", "READY", "RESTARTS", "GPUS")
PLACEMENT_HEADERS = ("NODE", "GPUS", "PODS")
EVENT_HEADERS = ("TYPE", "REASON", "AGE", "OBJECT", "MESSAGE")


def _kv(out: TextIO, key: str, value: str) -> None:
    out.write(f"{(key + ':').ljust(KEY_WIDTH)}{value}\n")


def _section(out: TextIO, title: str, empty: bool) -> bool:
    """The section title; `<none>` on the same line when there is nothing under it."""
    out.write(f"{(title + ':').ljust(KEY_WIDTH)}<none>\n" if empty else f"{title}:\n")
    return not empty


def service_cells(s: ServiceRow) -> list[str]:
    par = s.parallelism
    unknown = "?" if s.is_worker and s.backend else "-"
    tp = f"{par.tp}/{par.pp}/{par.dp}" if par else unknown
    gpus = str(s.total_gpus) if s.desired <= 1 else f"{s.desired}×{s.gpus_per_replica}={s.total_gpus}"
    ready = "?" if s.ready is None else str(s.ready)
    return [s.name, s.type_text, f"{ready}/{s.desired}", f"{s.node_count}×{s.gpus_per_node}", gpus, tp,
            s.backend or "-", s.workload or "-"]


def _header(d: Description, out: TextIO, now: dt.datetime, palette: Palette) -> None:
    _kv(out, "Name", d.name)
    _kv(out, "Namespace", d.namespace)
    _kv(out, "API Version", d.api_version)
    created = parse_time(d.created)
    _kv(out, "Created", f"{d.created} ({age(created, now)} ago)" if created else "<unknown>")
    _kv(out, "State", state_cell(d.state, palette) if d.state else "<none> (the operator has not reported yet)")
    if d.ready_status:
        ready = d.ready_status if d.ready_status == "True" else palette.warn(d.ready_status)
        _kv(out, "Ready", ready + (f" ({d.ready_reason})" if d.ready_reason else ""))
        if d.ready_message:
            _kv(out, "Message", d.ready_message)
    else:
        _kv(out, "Ready", "<none>")
    _kv(out, "Orchestrator", f"{d.orchestrator or '-'} ({d.orchestrator_source})")
    sched = d.scheduler or "-"
    if d.queue:
        sched += f", queue {d.queue}"
    _kv(out, "Scheduler", f"{sched} ({d.scheduler_source})")
    _kv(out, "Backend", d.backend or "-")
    _kv(out, "GPUs", f"{d.total_gpus} on {plural(d.gpu_nodes, 'node')}")


def _objects(d: Description, out: TextIO, palette: Palette) -> None:
    if _section(out, "Objects", not d.objects):
        rows = [[o.kind_label, o.name, o.status if o.healthy is not False else palette.warn(o.status)] for o in d.objects]
        out.write(table.render(OBJECT_HEADERS, rows, indent=INDENT))


def _pods(d: Description, out: TextIO, palette: Palette) -> None:
    if _section(out, "Pods", not d.pods):
        rows = []
        for p in d.pods:
            status = p.status if p.status == "Running" else palette.warn(p.status)
            rows.append([p.name, p.service or "-", p.role, "-" if p.rank is None else str(p.rank), p.node or "<none>",
                         status, p.ready, str(p.restarts), str(p.gpus)])
        out.write(table.render(POD_HEADERS, rows, indent=INDENT))


def _placement(d: Description, out: TextIO) -> None:
    if _section(out, "Placement", not d.placement):
        rows = []
        for p in d.placement:
            gpus = f"{p.gpus}/{p.allocatable}" if p.allocatable is not None else str(p.gpus)
            rows.append([p.node or "<not scheduled>", gpus, ", ".join(p.pods)])
        out.write(table.render(PLACEMENT_HEADERS, rows, indent=INDENT))
        for note in d.placement_notes:
            out.write(f"{INDENT}note: {note}\n")


def _pending(d: Description, out: TextIO, palette: Palette) -> None:
    if _section(out, "Why Pending", not d.pending):
        for p in d.pending:
            shown = ", ".join(p.objects[:4]) + (f" and {len(p.objects) - 4} more" if len(p.objects) > 4 else "")
            out.write(f"{INDENT}{palette.warn(p.reason)}  {shown}\n")
            out.write(f"{INDENT * 2}{p.message}\n")


def _events(d: Description, out: TextIO, now: dt.datetime, palette: Palette) -> None:
    if _section(out, "Events", not d.events):
        rows = [[palette.warn(e.type) if e.type == "Warning" else e.type, e.reason, e.age(now), f"{e.kind}/{e.object}",
                 e.message] for e in d.events]
        out.write(table.render(EVENT_HEADERS, rows, indent=INDENT))


def render_description(d: Description, out: TextIO, now: dt.datetime, palette: Palette = PLAIN) -> None:
    """The whole human view."""
    _header(d, out, now, palette)
    if _section(out, "Services", not d.services):
        out.write(table.render(SERVICE_HEADERS, [service_cells(s) for s in d.services], indent=INDENT))
    _objects(d, out, palette)
    _pods(d, out, palette)
    _placement(d, out)
    _pending(d, out, palette)
    if _section(out, "Findings", not d.findings):
        render_findings(d.findings, out, palette, indent=INDENT)
    for note in d.notes:
        _kv(out, "Note", note)
    _events(d, out, now, palette)
