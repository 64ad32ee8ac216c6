"""The shape of one doctor check and the status words (SPEC: pass|warn|fail|skip)."""

from __future__ import annotations

from dataclasses import dataclass

PASS, WARN, FAIL, SKIP = "pass", "warn", "fail", "skip"
STATUSES = (PASS, WARN, FAIL, SKIP)


@dataclass
class DoctorCheck:
    """One check: a stable `id` to grep for, the `section` it is shown in, its status, a one-line
    summary, detail, and a hint when something is to be done."""

    id: str
    section: str
    status: str
    summary: str
    detail: str = ""
    hint: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "section": self.section, "status": self.status, "summary": self.summary,
                "detail": self.detail, "hint": self.hint}


def summary(checks: list[DoctorCheck]) -> dict[str, int]:
    """{pass, warn, fail, skip} counts."""
    return {s: sum(1 for c in checks if c.status == s) for s in STATUSES}
