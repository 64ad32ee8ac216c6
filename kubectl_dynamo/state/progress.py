"""How far a DynamoGraphDeployment is, from one read of it (what `apply --wait` follows).

Ready: status.state == "successful" with condition Ready=True (the operator's
all_resources_are_ready). Failed: status.state == "failed" (failed_to_reconcile_the_resources and
friends). Either counts only once the operator has seen the applied spec (status.observedGeneration
>= metadata.generation, when it reports one): right after `apply ... configured` the status still
describes the previous spec. Per-service progress is read like get and describe read it
(state/common: status_items, ready_replicas).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_dynamo.dgd.model import as_int
from kubectl_dynamo.state import common

READY, FAILED = "ready", "failed"


@dataclass
class Progress:
    """What one poll of a DGD says, as plain data (report/apply_text renders it)."""

    state: str  # status.state, or "" before the operator wrote one
    ready_condition: str | None  # "True" | "False" | None (no Ready condition yet)
    reason: str = ""
    message: str = ""
    services: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (ready, desired)
    observed: bool = True  # observedGeneration caught up with generation (or not reported)
    deleted: bool = False

    @property
    def outcome(self) -> str | None:
        if self.deleted:
            return FAILED
        if not self.observed:
            return None
        if self.state == "failed":
            return FAILED
        if self.state == "successful" and self.ready_condition == "True":
            return READY
        return None



def progress(obj: dict) -> Progress:
    """Read a DGD's status into a Progress (pure: a dict in, a value out)."""
    meta, status = common.meta(obj), common.status(obj)
    ready = common.condition(obj, "Ready") or {}
    # ready as the operator counts it (common.ready_replicas), the same rule get and describe use
    services = {name: (common.ready_replicas(entry) or 0, as_int(entry.get("replicas")) or 0)
                for name, entry in common.status_items(obj)}
    observed = status.get("observedGeneration")
    caught_up = observed is None or (as_int(observed) or 0) >= (as_int(meta.get("generation")) or 0)
    return Progress(
        state=str(status.get("state") or ""),
        ready_condition=ready.get("status"),
        reason=str(ready.get("reason") or ""),
        message=str(ready.get("message") or ""),
        services=services,
        observed=caught_up,
    )


