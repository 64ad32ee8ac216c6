"""Follow a DGD until it is ready, failed, or the time is up.

Ready: status.state == "successful" with condition Ready=True (the operator's
all_resources_are_ready). Failed: status.state == "failed" (failed_to_reconcile_the_resources and
friends). Progress is read from status.services (v1alpha1) or status.components (v1beta1).
Polling GETs (one small request every `interval` seconds) rather than a watch: simpler to make
robust across API server restarts and proxies, and cheap at this rate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kubectl_dynamo.cluster.client import Cluster, Resource

READY, FAILED, TIMEOUT = "ready", "failed", "timeout"


@dataclass
class Progress:
    state: str  # the DGD's status.state, or "" before the operator wrote one
    ready_condition: str | None  # True | False | None
    message: str
    services: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (ready, desired)
    observed: bool = True  # observedGeneration caught up with generation

    @property
    def outcome(self) -> str | None:
        if self.state == "failed":
            return FAILED
        if self.observed and self.state == "successful" and self.ready_condition == "True":
            return READY
        return None

    def line(self) -> str:
        svc = " ".join(f"{n} {r}/{d}" for n, (r, d) in self.services.items())
        parts = [self.state or "pending", svc]
        if self.message:
            parts.append(self.message)
        return "  ".join(p for p in parts if p)


def progress(obj: dict) -> Progress:
    meta = obj.get("metadata") or {}
    status = obj.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    services: dict[str, tuple[int, int]] = {}
    for name, s in (status.get("services") or status.get("components") or {}).items():
        s = s or {}
        desired = int(s.get("replicas") or 0)
        got = s.get("readyReplicas")
        if got is None:
            got = s.get("availableReplicas")
        services[name] = (int(got or 0), desired)
    observed = status.get("observedGeneration")
    caught_up = observed is None or int(observed) >= int(meta.get("generation") or 0)
    return Progress(
        state=str(status.get("state") or ""),
        ready_condition=(ready or {}).get("status"),
        message=str((ready or {}).get("message") or ""),
        services=services,
        observed=caught_up,
    )


def wait_for(cluster: Cluster, res: Resource, namespace: str, name: str, timeout: float,
             on_progress: Callable[[Progress], None], interval: float = 2.0,
             clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> tuple[str, Progress]:
    deadline = clock() + timeout
    last: Progress | None = None
    while True:
        obj = cluster.get(res.path(namespace, name), what=f"dynamographdeployments.nvidia.com/{name}")
        now = progress(obj)
        if last is None or now.line() != last.line():
            on_progress(now)
        last = now
        if now.outcome:
            return now.outcome, now
        remaining = deadline - clock()
        if remaining <= 0:
            return TIMEOUT, now
        sleep(min(interval, remaining))
