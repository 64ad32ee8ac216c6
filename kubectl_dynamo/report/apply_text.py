"""apply's output: kubectl's per-object lines, the GPU/TP summary of each DGD, the findings that
refuse an apply (grouped per DGD, like validate), and the `--wait` progress line.

    configmap/my-llm-engine created
    dynamographdeployment.nvidia.com/my-llm created
    my-llm: 2 services, 16 GPUs (decode 2×8 TP=16), pathway grove, queue dynamo

A Secret's values are never printed: `-o json|yaml` shows them as `<redacted: N bytes>`.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import shutil
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, TextIO

from kubectl_dynamo.contracts.explanation import Explanation, ServicePlan
from kubectl_dynamo.dgd.findings import ERROR, INFO, WARNING, count
from kubectl_dynamo.report.color import PLAIN, Palette
from kubectl_dynamo.report.findings_text import render_findings, summary_line
from kubectl_dynamo.report.printers import one_or_list
from kubectl_dynamo.words import plural

if TYPE_CHECKING:
    from kubectl_dynamo.state.progress import Progress


class AppliedObject(Protocol):
    """One object as apply reports it (cluster/apply.Applied): kubectl's `<kind>.<group>/<name>`,
    created|configured|unchanged, and the object as the server returned it."""

    @property
    def ref(self) -> str: ...

    @property
    def action(self) -> str: ...

    @property
    def obj(self) -> dict: ...

DRY_RUN_SUFFIX = {"none": "", "client": " (dry run)", "server": " (server dry run)"}
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


# --- objects ------------------------------------------------------------------------------------


def object_line(ref: str, action: str, dry_run: str = "none") -> str:
    """`dynamographdeployment.nvidia.com/my-llm created (server dry run)`."""
    return f"{ref} {action}{DRY_RUN_SUFFIX.get(dry_run, '')}"


def redact(obj: dict) -> dict:
    """A copy fit to print: no managedFields (kubectl hides them too) and, for a Secret, no values
    (data, stringData, and a client-side apply's last-applied copy of them)."""
    out = dict(obj)
    meta = dict(out.get("metadata") or {})
    meta.pop("managedFields", None)
    if out.get("kind") == "Secret" and out.get("apiVersion") == "v1":
        for key in ("data", "stringData"):
            if isinstance(out.get(key), dict):
                out[key] = {k: f"<redacted: {_secret_size(v, key == 'data')} bytes>" for k, v in out[key].items()}
        if isinstance(meta.get("annotations"), dict) and LAST_APPLIED in meta["annotations"]:
            meta["annotations"] = {**meta["annotations"], LAST_APPLIED: "<redacted>"}
    out["metadata"] = meta
    return out


def _secret_size(value: object, base64_encoded: bool) -> int:
    """The size of the secret value itself (what `kubectl describe secret` shows)."""
    text = "" if value is None else str(value)
    if base64_encoded:
        try:
            return len(base64.b64decode(text, validate=True))
        except (ValueError, binascii.Error):
            pass
    return len(text.encode())


def objects_data(applied: Sequence[AppliedObject]) -> dict:
    """`-o json|yaml`: the objects as the server returned them, redacted; one as itself, several
    as kubectl's List."""
    return one_or_list([redact(a.obj) for a in applied], api_version="v1")


def render_applied(applied: Sequence[AppliedObject], out: TextIO, dry_run: str = "none") -> None:
    """kubectl's `<ref> created|configured|unchanged[ (dry run)]` line per object."""
    for a in applied:
        out.write(object_line(a.ref, a.action, dry_run) + "\n")


def render_names(applied: Sequence[AppliedObject], out: TextIO) -> None:
    """`-o name`: `<kind>.<group>/<name>` per object."""
    for a in applied:
        out.write(a.ref + "\n")


# --- DGD summary --------------------------------------------------------------------------------


def _service_shape(s: ServicePlan) -> str:
    shape = f"{s.node_count}×{s.gpus_per_node}"
    if s.replicas != 1:
        shape = f"{s.replicas}×({shape})"
    par = s.parallelism
    if par is None:
        return f"{s.name} {shape} TP=?"
    text = f"{s.name} {shape} TP={par.tp}"
    if par.pp > 1:
        text += f" PP={par.pp}"
    if par.dp > 1:
        text += f" DP={par.dp}"
    return text


def dgd_summary(exp: Explanation, with_pathway: bool = True) -> str:
    """`my-llm: 2 services, 16 GPUs (decode 2×8 TP=16), pathway grove, queue dynamo`: the GPU
    services' shapes (replicas×(nodes×GPUs per node)) and, with cluster capabilities, the pathway
    and where the pods queue."""
    gpu = [s for s in exp.services if s.gpus_per_node > 0]
    text = f"{exp.name}: {plural(len(exp.services), 'service')}, {plural(exp.total_gpus, 'GPU')}"
    if gpu:
        text += f" ({', '.join(_service_shape(s) for s in gpu)})"
    if not with_pathway:
        return text
    text += f", pathway {exp.pathway}"
    queues = sorted({s.scheduler.queue for s in exp.services if s.scheduler.queue})
    schedulers = sorted({s.scheduler.name for s in exp.services if s.scheduler.name and not s.scheduler.queue})
    if queues:
        text += f", queue {', '.join(queues)}"
    elif schedulers:
        text += f", scheduler {', '.join(schedulers)}"
    return text


# --- findings that gate the apply ---------------------------------------------------------------


def render_checks(explanations: Sequence[Explanation], err: TextIO, palette: Palette = PLAIN) -> None:
    """The findings of every DGD that has any, grouped like validate's report, then a summary
    line; nothing at all when every DGD is clean."""
    with_findings = [e for e in explanations if e.findings]
    if not with_findings:
        return
    width = max(len(f.code) for e in with_findings for f in e.findings)
    for e in with_findings:
        err.write(f"{palette.bold(e.source + ':')} {e.name or '<unnamed>'}\n")
        render_findings(e.findings, err, palette, code_width=width)
    every = [f for e in explanations for f in e.findings]
    err.write(summary_line(count(every, ERROR), count(every, WARNING), count(every, INFO), len(explanations)) + "\n")


# --- --wait -------------------------------------------------------------------------------------


def progress_line(name: str, progress: Progress) -> str:
    """`my-llm: pending  Frontend 1/1  decode 0/1  Resources not ready: ...` (ready/desired per
    service, the state, the Ready message)."""
    state = progress.state or "waiting for the operator"
    if not progress.observed:
        state += " (operator has not seen the new spec yet)"
    parts = [f"{name}: {state}", *(f"{svc} {r}/{d}" for svc, (r, d) in progress.services.items())]
    if progress.message:
        parts.append(progress.message)
    return "  ".join(parts)


class ProgressWriter:
    """On a terminal one line rewritten in place (carriage return, erase to end of line, cut to the
    width so it never wraps); elsewhere a plain line each time something changes."""

    def __init__(self, stream: TextIO, tty: bool | None = None) -> None:
        self.stream = stream
        if tty is None:
            isatty = getattr(stream, "isatty", None)
            try:
                tty = bool(isatty and isatty())
            except (ValueError, OSError):
                tty = False
        self.tty = tty
        self.latest: dict[str, str] = {}
        self._open = False

    def update(self, name: str, line: str) -> None:
        self.latest[name] = line
        if not self.tty:
            self.stream.write(line + "\n")
        else:
            width = max(20, self.columns() - 1)
            text = " | ".join(self.latest.values())
            if len(text) > width:
                text = text[: width - 1] + "…"
            self.stream.write(f"\r{text}\033[K")
            self._open = True
        self.stream.flush()

    def columns(self) -> int:
        """The width of the terminal the progress goes to (stderr's, not stdout's: stdout may be
        piped while stderr is the terminal), else $COLUMNS or 120."""
        try:
            cols = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
            cols = 0
        return cols or shutil.get_terminal_size((120, 24)).columns

    def finish(self) -> None:
        """End the live line so what follows starts on a fresh one."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
