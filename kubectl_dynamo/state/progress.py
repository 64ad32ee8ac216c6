"""How far a DynamoGraphDeployment is, from one read of it (what `apply --wait` follows).

Ready: status.state == "successful" with condition Ready=True (the operator's
all_resources_are_ready). Failed: status.state == "failed" (failed_to_reconcile_the_resources and
friends). Either counts only once the operator has seen the applied spec (status.observedGeneration
>= metadata.generation, when it reports one): right after `apply ... configured` the status still
describes the previous spec. Per-service progress comes from status.services (v1alpha1, a map) or
status.components (v1beta1, a map in the operator, a list tolerated).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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



def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def _service_entries(raw: object) -> list[tuple[str, dict]]:
    if isinstance(raw, dict):
        return [(str(k), v if isinstance(v, dict) else {}) for k, v in raw.items()]
    if isinstance(raw, list):  # a v1beta1-style list of {name, ...}
        return [(str(v.get("name", i)), v) for i, v in enumerate(raw) if isinstance(v, dict)]
    return []


def progress(obj: dict) -> Progress:
    """Read a DGD's status into a Progress (pure: a dict in, a value out)."""
    meta = obj.get("metadata") or {}
    status = obj.get("status") or {}
    conditions = status.get("conditions") if isinstance(status.get("conditions"), list) else []
    ready = next((c for c in conditions if isinstance(c, dict) and c.get("type") == "Ready"), None) or {}
    services: dict[str, tuple[int, int]] = {}
    for name, s in _service_entries(status.get("services") or status.get("components")):
        # readyReplicas is set for PodClique, Deployment and LWS; availableReplicas for PCSG
        got = s.get("readyReplicas")
        if got is None:
            got = s.get("availableReplicas")
        services[name] = (_int(got), _int(s.get("replicas")))
    observed = status.get("observedGeneration")
    caught_up = observed is None or _int(observed) >= _int(meta.get("generation"))
    return Progress(
        state=str(status.get("state") or ""),
        ready_condition=ready.get("status"),
        reason=str(ready.get("reason") or ""),
        message=str(ready.get("message") or ""),
        services=services,
        observed=caught_up,
    )


