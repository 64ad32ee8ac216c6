"""validate's report: the ValidationReport data (SPEC "Machine-readable output") and its human form.

Human form, one block per DGD, columns aligned across the whole report:

    dgd.yaml: my-llm
      error     TP_MISMATCH     decode: ...
                                hint: ...
    other.yaml: small
      ok

    1 error, 0 warnings in 2 DynamoGraphDeployments
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from kubectl_dynamo.dgd.findings import ERROR, INFO, WARNING, Finding, count
from kubectl_dynamo.report.color import PLAIN, Palette

SEVERITY_WIDTH = len(WARNING)


@dataclass
class ValidationItem:
    name: str
    namespace: str | None
    source: str
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "namespace": self.namespace,
            "source": self.source,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class ValidationReport:
    items: list[ValidationItem] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(count(item.findings, severity) for item in self.items)

    @property
    def errors(self) -> int:
        return self.count(ERROR)

    @property
    def warnings(self) -> int:
        return self.count(WARNING)

    def to_dict(self) -> dict:
        return {
            "kind": "ValidationReport",
            "items": [item.to_dict() for item in self.items],
            "summary": {"errors": self.errors, "warnings": self.warnings, "info": self.count(INFO)},
        }


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


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
