"""The result of doctor: every check with its status, the capabilities the operator resolves, the
GPU inventory and the permissions reviewed.

`DoctorReport.to_dict()` is the stable JSON contract of SPEC.md (`kind: DoctorReport`): fields
may be added, never renamed or removed. Status words: pass|warn|fail|skip.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_dynamo.dgd.capabilities import Capabilities
from kubectl_dynamo.state.access import AccessResult
from kubectl_dynamo.state.inventory import Inventory

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


# per GPU node in the report: what doctor shows (networkLabels and memoryMiB stay out)
GPU_NODE_KEYS = ("name", "product", "allocatable", "requested", "free", "schedulable", "rdma", "state", "ready",
                 "cordoned", "taints", "mig", "fabric", "clique")


@dataclass
class DoctorReport:
    context: str | None
    server_version: str | None
    host: str | None
    checks: list[DoctorCheck]
    capabilities: Capabilities
    inventory: Inventory | None = None  # None: nodes could not be listed
    access: list[AccessResult] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        return summary(self.checks)

    def to_dict(self) -> dict:
        gpus = None
        if self.inventory is not None:
            inv = self.inventory.to_dict()
            gpus = {"nodes": [{k: n[k] for k in GPU_NODE_KEYS} for n in inv["nodes"]], "total": inv["total"],
                    "free": inv["free"], "largestFit": inv["largestFit"], "requestsKnown": inv["requestsKnown"]}
        return {
            "kind": "DoctorReport",
            "context": self.context,
            "server": {"version": self.server_version, "host": self.host} if self.server_version else None,
            "checks": [c.to_dict() for c in self.checks],
            "capabilities": self.capabilities.to_dict(),
            "gpus": gpus,
            "access": [a.to_dict() for a in self.access],
            "summary": self.summary,
        }
