"""Follow DynamoGraphDeployments until they are ready, one has failed, or the time is up; what
counts as ready or failed is read by state/progress.py.

Polling GETs (one small request per DGD every `interval` seconds) rather than a watch: simpler to
keep going across API server restarts and proxies, and cheap at this rate. A transport error while
polling is remembered and retried until the deadline; a deleted DGD ends the wait as failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kubectl_dynamo.cluster.client import Cluster, Resource, resource_path
from kubectl_dynamo.errors import ClusterError, Forbidden, NotFound
from kubectl_dynamo.state.progress import FAILED, READY, Progress, progress

TIMEOUT = "timeout"


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


def _poll(cluster: Cluster, target: Target, deadline: float | None = None) -> Progress:
    what = f"dynamographdeployments.nvidia.com/{target.name}"
    try:
        obj = cluster.get(resource_path(target.resource, target.namespace, target.name), what=what, deadline=deadline)
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
        polled: list[Progress | None]
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
