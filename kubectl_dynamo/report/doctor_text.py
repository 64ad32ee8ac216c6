"""The human form of a DoctorReport (`kubectl dynamo doctor`): checks grouped by section, one line
each with its status word (coloured on a terminal), detail and hint lines under anything that is
not a pass, then the GPU nodes as a kubectl-style table and a summary line.

    Cluster
      pass   reachable, Kubernetes v1.37.2 (>= 1.24)
      warn   2 of 8 permissions missing: list nodes, list pods
             cannot list nodes (GPU inventory); cannot list pods (GPUs in use, in all namespaces)
             hint: ask a cluster admin for a Role/ClusterRole granting these verbs, or use another context

`-o wide` also prints each check's id and the detail of passing checks.
Works on the report's to_dict(), so what is printed is exactly what `-o json` shows.
"""

from __future__ import annotations

from typing import Any, TextIO

from kubectl_dynamo.contracts.doctor import DoctorReport
from kubectl_dynamo.report import table
from kubectl_dynamo.report.color import PLAIN, Palette
from kubectl_dynamo.words import plural

SECTION_TITLES = {
    "cluster": "Cluster",
    "dynamo": "Dynamo operator",
    "orchestrators": "Orchestrators and schedulers",
    "orchestrator": "Effective orchestrator",
    "compatibility": "Version compatibility",
    "gpus": "GPUs",
    "network": "Networking",
}
GPU_HEADERS = ("NODE", "PRODUCT", "GPUS", "REQUESTED", "FREE", "SCHEDULABLE", "RDMA")
WIDE_GPU_HEADERS = (*GPU_HEADERS, "MIG", "NVLINK-CLIQUE")
INDENT = "  "
DETAIL_INDENT = INDENT + " " * 7  # under the summary, past "pass   "


def _sections(checks: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for c in checks:
        out.setdefault(c["section"], []).append(c)
    return out


def render_check(check: dict, out: TextIO, palette: Palette = PLAIN, wide: bool = False) -> None:
    status = check["status"]
    ident = f"  [{check['id']}]" if wide else ""
    out.write(f"{INDENT}{palette.severity(status, status.ljust(4))}   {check['summary']}{palette.dim(ident)}\n")
    if check.get("detail") and (wide or status != "pass"):
        out.write(f"{DETAIL_INDENT}{check['detail']}\n")
    if check.get("hint") and status != "pass":
        out.write(f"{DETAIL_INDENT}{palette.info('hint:')} {check['hint']}\n")


def schedulable_cell(node: dict) -> str:
    return "yes" if node["schedulable"] else f"no ({node.get('state') or 'unschedulable'})"


def rdma_cell(node: dict) -> str:
    resources = ", ".join(f"{k}={v}" for k, v in (node.get("rdma") or {}).items())
    if resources:
        return resources
    return "labels" if node.get("fabric") == "rdma" else "-"


def gpu_rows(gpus: dict, wide: bool = False) -> list[list[Any]]:
    known = gpus.get("requestsKnown", True)
    rows = []
    for n in gpus["nodes"]:
        mig = sum((n.get("mig") or {}).values())
        gpus_cell = f"{n['allocatable']}" + (f" (+{mig} MIG/shared)" if mig else "")
        row = [n["name"], n.get("product") or "-", gpus_cell, n["requested"] if known else "?",
               n["free"] if known else f"<={n['free']}", schedulable_cell(n), rdma_cell(n)]
        if wide:
            row += [", ".join(f"{k}={v}" for k, v in (n.get("mig") or {}).items()) or "-", n.get("clique") or "-"]
        rows.append(row)
    return rows


def summary_line(summary: dict[str, int], palette: Palette = PLAIN) -> str:
    """`1 failed, 2 warnings, 14 passed, 3 skipped: not ready for multinode Dynamo`."""
    fail, warn, skip = summary["fail"], summary["warn"], summary["skip"]
    parts = [palette.error(f"{fail} failed") if fail else f"{fail} failed",
             palette.warn(plural(warn, "warning")) if warn else plural(warn, "warning"),
             f"{summary['pass']} passed", f"{skip} skipped"]
    if fail:
        verdict = palette.error("not ready for multinode Dynamo")
    elif warn:
        verdict = palette.warn("ready for multinode Dynamo, with warnings")
    else:
        verdict = palette.ok("ready for multinode Dynamo")
    return f"{', '.join(parts)}: {verdict}"


def render_doctor(doctor: DoctorReport, out: TextIO, palette: Palette = PLAIN, wide: bool = False) -> None:
    """The report as sections of checks, the GPU node table and a summary line."""
    report = doctor.to_dict()
    sections = _sections(report["checks"])
    first = True
    for section, checks in sections.items():
        if not first:
            out.write("\n")
        first = False
        out.write(palette.bold(SECTION_TITLES.get(section, section.capitalize())) + "\n")
        for check in checks:
            render_check(check, out, palette, wide)
        if section == "gpus" and report.get("gpus") and report["gpus"]["nodes"]:
            out.write("\n")
            headers = WIDE_GPU_HEADERS if wide else GPU_HEADERS
            out.write(table.render(headers, gpu_rows(report["gpus"], wide), indent=INDENT))
    out.write(f"\n{summary_line(report['summary'], palette)}\n")
