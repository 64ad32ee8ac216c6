"""Follow DynamoGraphDeployments until they are ready, one has failed, or the time is up.

Ready: status.state == "successful" with condition Ready=True (the operator's
all_resources_are_ready). Failed: status.state == "failed" (failed_to_reconcile_the_resources and
friends). Either counts only once the operator has seen the applied spec (status.observedGeneration
>= metadata.generation, when it reports one): right after `apply ... configured` the status still
describes the previous spec. Per-service progress comes from status.services (v1alpha1, a map) or
status.components (v1beta1, a map in the operator, a list tolerated).

Polling GETs (one small request per DGD every `interval` seconds) rather than a watch: simpler to
keep going across API server restarts and proxies, and cheap at this rate. A transport error while
polling is remembered and retried until the deadline; a deleted DGD ends the wait as failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from kubectl_dynamo.cluster.client import Cluster, Forbidden, NotFound, Resource
from kubectl_dynamo.errors import ClusterError

READY, FAILED, TIMEOUT = "ready", "failed", "timeout"


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


@dataclass
class Target:
    """One DGD to follow."""

    resource: Resource
    namespace: str
    name: str


@dataclass
class WaitResult:
    outcome: str  # READY (all of them) | FAILED (at least one) | TIMEOUT
    progress: dict[str, Progress]  # by DGD name, the last poll of each
    elapsed: float
    last_error: str | None = None  # a transport error seen on the last poll, if any

    def names(self, outcome: str | None) -> list[str]:
        """The DGDs whose last poll has this outcome (None: still in progress)."""
        return [n for n, p in self.progress.items() if p.outcome == outcome]


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


def _poll(cluster: Cluster, target: Target, deadline: float | None = None) -> Progress:
    what = f"dynamographdeployments.nvidia.com/{target.name}"
    try:
        obj = cluster.get(target.resource.path(target.namespace, target.name), what=what, deadline=deadline)
    except NotFound:
        return Progress(state="", ready_condition=None, message="the DynamoGraphDeployment was deleted", deleted=True)
    return progress(obj)


def wait_all(cluster: Cluster, targets: Sequence[Target], timeout: float,
             on_progress: Callable[[str, Progress], None], *, interval: float = 2.0,
             clock: Callable[[], float] = time.monotonic,
             sleep: Callable[[float], None] = time.sleep) -> WaitResult:
    """Poll every target until all are ready, any has failed, or `timeout` seconds have passed
    (0: look once). `on_progress(name, progress)` is called whenever a DGD's progress changes."""
    start = clock()
    deadline = start + timeout
    last: dict[str, Progress] = {}
    while True:
        error: str | None = None
        # a poll never outlasts the wait: --timeout covers the whole wait, a stalled poll included
        # (the deadline is on the real clock; `clock` may be a test's)
        left = deadline - clock()
        until = time.monotonic() + max(left, 0.001)
        if cluster.conn is not None and cluster.conn.timeout:
            until = min(until, time.monotonic() + cluster.conn.timeout)
        try:
            polled = cluster.parallel(*[(lambda t=t, until=until: _poll(cluster, t, until)) for t in targets])
        except Forbidden:
            raise
        except ClusterError as exc:  # unreachable for a moment: try again until the deadline
            error, polled = exc.message, [last.get(t.name) for t in targets]
        for t, now in zip(targets, polled, strict=True):
            if now is None:
                continue
            if last.get(t.name) != now:
                on_progress(t.name, now)
            last[t.name] = now
        outcomes = [last[t.name].outcome if t.name in last else None for t in targets]
        if FAILED in outcomes:
            return WaitResult(FAILED, last, clock() - start, error)
        if all(o == READY for o in outcomes):
            return WaitResult(READY, last, clock() - start, error)
        remaining = deadline - clock()
        if remaining <= 0:
            return WaitResult(TIMEOUT, last, clock() - start, error)
        sleep(min(interval, remaining))
