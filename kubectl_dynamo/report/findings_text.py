"""Findings as text, and validate's report (contracts/validation.ValidationReport) in its human form,
one block per DGD, columns aligned across the whole report:

    dgd.yaml: my-llm
      error     TP_MISMATCH     decode: ...
                                hint: ...
    other.yaml: small
      ok

    1 error, 0 warnings in 2 DynamoGraphDeployments
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from kubectl_dynamo.contracts.validation import ValidationReport
from kubectl_dynamo.dgd.findings import INFO, WARNING, Finding
from kubectl_dynamo.report.color import PLAIN, Palette
from kubectl_dynamo.words import plural

SEVERITY_WIDTH = len(WARNING)


def summary_line(errors: int, warnings: int, infos: int = 0, checked: int | None = None) -> str:
    """`2 errors, 1 warning` (+ `, 3 info` when any, + ` in N DynamoGraphDeployments`)."""
    text = f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
    if infos:
        text += f", {infos} info"
    if checked is not None:
        text += f" in {plural(checked, 'DynamoGraphDeployment')}"
    return text


def render_findings(
    findings: Sequence[Finding], out: TextIO, palette: Palette = PLAIN, indent: str = "  ", code_width: int = 0
) -> None:
    """Finding lines: severity, code, `service: message`, then an aligned `hint:` line."""
    code_width = max([code_width, *(len(f.code) for f in findings)])
    hint_pad = indent + " " * (SEVERITY_WIDTH + 3 + code_width + 3)
    for f in findings:
        severity = palette.severity(f.severity, f.severity.ljust(SEVERITY_WIDTH))
        message = f"{f.service}: {f.message}" if f.service else f.message
        out.write(f"{indent}{severity}   {f.code.ljust(code_width)}   {message}\n")
        if f.hint:
            out.write(f"{hint_pad}{palette.dim('hint: ' + f.hint)}\n")


def render_validation(report: ValidationReport, out: TextIO, palette: Palette = PLAIN) -> None:
    """The whole human report, ending with the summary line."""
    width = max([len(f.code) for item in report.items for f in item.findings] or [0])
    for item in report.items:
        out.write(f"{palette.bold(item.source + ':')} {item.name or '<unnamed>'}\n")
        if item.findings:
            render_findings(item.findings, out, palette, code_width=width)
        else:
            out.write(f"  {palette.ok('ok')}\n")
    out.write("\n" + summary_line(report.errors, report.warnings, report.count(INFO), len(report.items)) + "\n")
