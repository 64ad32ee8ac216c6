"""`kubectl dynamo get` output: the kubectl-style table (with `-A` a leading NAMESPACE column, with
`-o wide` BACKEND, SCHEDULER/QUEUE and TP), `-o name`, and the List wrapper for json/yaml."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TextIO

from kubectl_dynamo.report import table
from kubectl_dynamo.report.color import PLAIN, Palette
from kubectl_dynamo.report.printers import as_list
from kubectl_dynamo.state.common import scheduler_text
from kubectl_dynamo.state.summary import Summary

HEADERS = ("NAME", "STATE", "READY", "SERVICES", "NODES", "GPUS", "ORCHESTRATOR", "AGE")
WIDE_HEADERS = ("BACKEND", "SCHEDULER/QUEUE", "TP")
RESOURCE = "dynamographdeployment.nvidia.com"


def state_cell(state: str | None, palette: Palette = PLAIN) -> str:
    if not state:
        return "-"
    colour = {"successful": palette.ok, "failed": palette.error, "pending": palette.warn}.get(state)
    return colour(state) if colour else state


def row(s: Summary, now: dt.datetime, *, wide: bool = False, all_namespaces: bool = False,
        palette: Palette = PLAIN) -> list[str]:
    cells = [s.name, state_cell(s.state, palette), f"{s.ready}/{s.total}", str(s.services), str(s.nodes),
             str(s.gpus), s.orchestrator or "-", s.age(now)]
    if all_namespaces:
        cells.insert(0, s.namespace)
    if wide:
        cells += [s.backend or "-", scheduler_text(s.scheduler, s.queue), s.tp_text]
    return cells


def render_table(summaries: Sequence[Summary], out: TextIO, now: dt.datetime, *, wide: bool = False,
                 all_namespaces: bool = False, no_headers: bool = False, palette: Palette = PLAIN) -> None:
    headers = (["NAMESPACE"] if all_namespaces else []) + list(HEADERS) + (list(WIDE_HEADERS) if wide else [])
    rows = [row(s, now, wide=wide, all_namespaces=all_namespaces, palette=palette) for s in summaries]
    if no_headers:  # columns as wide as the data only, as kubectl --no-headers prints them
        out.write("".join(table.render([""] * len(headers), rows).splitlines(keepends=True)[1:]))
        return
    out.write(table.render(headers, rows))


def render_names(objs: Sequence[dict], out: TextIO) -> None:
    """`-o name`: `dynamographdeployment.nvidia.com/<name>` per object, as kubectl prints it."""
    for obj in objs:
        out.write(f"{RESOURCE}/{(obj.get('metadata') or {}).get('name', '')}\n")


def as_data(objs: Sequence[dict], single: bool) -> dict:
    """What `-o json|yaml` prints: the object itself for `get NAME`, else kubectl's List."""
    if single and len(objs) == 1:
        return objs[0]
    return as_list(objs, api_version="v1")


def no_resources(namespace: str | None) -> str:
    """kubectl's stderr line for an empty list (no table is printed)."""
    return f"No resources found in {namespace} namespace.\n" if namespace else "No resources found\n"
