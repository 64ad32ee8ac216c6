"""The human form of an Explanation (`kubectl dynamo explain`), laid out like `kubectl describe`:
a header of `Key:  value` lines, the decision trace as numbered steps, a per-service table, the
objects the operator will create, a launch block per multinode service, then the findings."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any, TextIO

from kubectl_dynamo.contracts.explanation import PATHWAY_FAILED, Explanation, ServicePlan
from kubectl_dynamo.dgd.findings import ERROR, INFO, WARNING, count
from kubectl_dynamo.report import table
from kubectl_dynamo.report.color import PLAIN, Palette
from kubectl_dynamo.report.findings_text import render_findings, summary_line

SERVICE_HEADERS = (
    "SERVICE", "TYPE", "BACKEND", "REPLICAS", "NODES×GPU", "GPUS", "TP/PP/DP", "WORKLOAD", "SCHEDULER/QUEUE",
)
KEY_WIDTH = 16  # "Leader command: " is the longest key in a block


def _kv(key: str, value: str, indent: str = "") -> str:
    return f"{indent}{(key + ':').ljust(KEY_WIDTH)}{value}\n"


def capabilities_line(caps: Any) -> str:
    """`grove, kaiScheduler (assumed)`: the capabilities the operator has enabled."""
    on = [name for name, enabled in (("grove", caps.grove), ("lws", caps.lws), ("volcano", caps.volcano),
                                      ("kaiScheduler", caps.kai_scheduler)) if enabled]
    return f"{', '.join(on) if on else 'none'} ({caps.source})"


def operator_line(caps: Any) -> str:
    version = caps.mirrored_version
    if caps.version_source == "flag":
        return f"{version} rules (from --operator-version)"
    if caps.version_assumed:
        return f"{version} rules (the newest line the plugin mirrors)"
    return f"{version} rules (operator image tag)"


def scheduler_cell(plan: ServicePlan) -> str:
    sched = plan.scheduler
    name = sched.name or "default"
    if not sched.queue:
        return name
    missing = " (missing)" if sched.queue_exists is False else ""
    return f"{name}/{sched.queue}{missing}"


def service_row(plan: ServicePlan) -> list[str]:
    par = plan.parallelism
    return [
        plan.name,
        plan.component_type or "-",
        plan.backend or "-",
        str(plan.replicas),
        f"{plan.node_count}×{plan.gpus_per_node}",
        str(plan.total_gpus),
        f"{par.tp}/{par.pp}/{par.dp}" if par else "-",
        plan.workload or "-",
        scheduler_cell(plan),
    ]


def _args(args: Sequence[str]) -> str:
    """Space-joined; quoted only where a value holds blanks or quotes (`$(LWS_LEADER_ADDRESS)` is
    Kubernetes' env expansion, not the shell's, so it stays bare)."""
    if not args:
        return "(none)"
    return " ".join(shlex.quote(a) if not a or any(c in a for c in " \t\n'\"") else a for a in args)


def render_launch(plan: ServicePlan, out: TextIO, palette: Palette = PLAIN) -> None:
    """What the operator injects into a multinode service's leader and workers."""
    launch = plan.launch
    shape = f"{plan.node_count} nodes × {plan.gpus_per_node} GPUs per replica"
    out.write(f"{palette.bold(plan.name)}: {shape}, launch {launch.mode}\n")
    if launch.reason:
        out.write(_kv("Why", launch.reason, "  "))
    if plan.scheduler.pod_group:
        out.write(_kv("PodGroup", f"{plan.scheduler.pod_group} (minMember {plan.scheduler.min_member})", "  "))
    if launch.mode != "none" or launch.leader_args or launch.worker_args:
        out.write(_kv("Leader args", _args(launch.leader_args), "  "))
        out.write(_kv("Worker args", _args(launch.worker_args), "  "))
    if launch.leader_command:
        out.write(_kv("Leader command", launch.leader_command, "  "))
    if launch.worker_command:
        out.write(_kv("Worker command", launch.worker_command, "  "))
    for i, extra in enumerate(launch.extras):
        key = "Also:" if i == 0 else ""
        out.write(f"  {key.ljust(KEY_WIDTH)}{extra}\n")


def render_explanation(exp: Explanation, out: TextIO, palette: Palette = PLAIN) -> None:
    caps = exp.capabilities
    pathway = palette.error(exp.pathway) if exp.pathway == PATHWAY_FAILED else exp.pathway
    out.write(_kv("Name", exp.name or "<unnamed>"))
    out.write(_kv("Namespace", exp.namespace or "<default>"))
    out.write(_kv("Source", exp.source))
    out.write(_kv("Capabilities", capabilities_line(caps)))
    out.write(_kv("Operator", operator_line(caps)))
    out.write(_kv("Pathway", pathway))
    out.write(_kv("Total GPUs", str(exp.total_gpus)))

    out.write(f"\n{palette.bold('Decision:')}\n")
    width = len(str(len(exp.trace)))
    for i, step in enumerate(exp.trace, 1):
        out.write(f"  {str(i).rjust(width)}. {step.step}: {step.outcome}\n")

    out.write(f"\n{palette.bold('Services:')}\n")
    if exp.services:
        out.write(table.render(SERVICE_HEADERS, [service_row(s) for s in exp.services], indent="  "))
    else:
        out.write("  <none>\n")

    objects = [(o.kind, o.name, "-") for o in getattr(exp, "objects", [])]
    objects += [(o.kind, o.name, s.name) for s in exp.services for o in s.objects]
    out.write(f"\n{palette.bold('Objects:')}\n")
    if objects:
        out.write(table.render(("KIND", "NAME", "SERVICE"), objects, indent="  "))
    else:
        out.write("  <none>: the operator creates no child objects\n")

    for plan in exp.services:
        if plan.node_count > 1:
            out.write("\n")
            render_launch(plan, out, palette)

    out.write(f"\n{palette.bold('Findings:')}\n")
    if exp.findings:
        render_findings(exp.findings, out, palette)
    else:
        out.write(f"  {palette.ok('none')}\n")
    out.write("\n" + summary_line(count(exp.findings, ERROR), count(exp.findings, WARNING),
                                  count(exp.findings, INFO)) + "\n")


def render_explanations(exps: Sequence[Explanation], out: TextIO, palette: Palette = PLAIN) -> None:
    """Several DGDs one after another, separated by a blank line, as `kubectl describe` does."""
    for i, exp in enumerate(exps):
        if i:
            out.write("\n\n")
        render_explanation(exp, out, palette)
