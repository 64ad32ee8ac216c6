"""The result of validate: every DGD of the input with its findings.

`to_dict()` is the stable JSON contract of SPEC.md (`kind: ValidationReport`): fields may be
added, never renamed or removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_dynamo.dgd.findings import ERROR, INFO, WARNING, Finding, count


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
