"""Why anything is pending, in plain words, from every place Kubernetes and the gang schedulers
leave a reason (orchestrators.md §1.4, §2.4, §3.5, §4.5; dynamo-operator.md §8 pain points 6, 8, 14):

* scheduling gates on pods, above all Grove's `grove.io/podgang-pending-creation`, checked against
  the PodGang they wait for;
* pod conditions `PodScheduled=False` (reason and message from the scheduler);
* events: `FailedScheduling`, `Unschedulable`, `FailedBinding`, KAI's `NotReady`/`StaleJob`, …;
* troubled conditions of PodClique/PCSG (`MinAvailableBreached`, `PodCliqueScheduled=False`), the
  PodGang phase, Volcano PodGroup conditions (`Unschedulable` / `NotEnoughResources`) and KAI
  PodGroup `schedulingConditions`.

Identical reasons are reported once with every object they hold back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from kubectl_dynamo.state.common import meta, parse_time, spec, status
from kubectl_dynamo.state.objects import ObjectStatus

GROVE_GATE = "grove.io/podgang-pending-creation"
GROVE_PODGANG_LABEL = "grove.io/podgang"
PENDING_EVENT_REASONS = ("FailedScheduling", "Unschedulable", "FailedBinding", "NotReady", "StaleJob",
                         "NotEnoughResources", "NotEnoughTasks", "PodGroupPending", "FailedCreate")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass
class PendingReason:
    """One reason and the objects (`Pod/x`, `PodGroup/y`) it holds back."""

    source: str  # gate | condition | event | object
    reason: str
    message: str
    objects: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"source": self.source, "reason": self.reason, "message": self.message, "objects": list(self.objects)}


class _Collector:
    def __init__(self) -> None:
        self.items: list[PendingReason] = []
        self._index: dict[str, PendingReason] = {}

    def add(self, source: str, reason: str, message: str, obj: str) -> None:
        key = " ".join(message.split())  # the scheduler's condition and its event say the same words
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = PendingReason(source, reason, message.strip())
            self.items.append(found)
        elif reason not in found.reason.split(", "):
            found.reason += f", {reason}"
        if obj not in found.objects:
            found.objects.append(obj)


def gate_explanation(gate: str, gang: str | None, gangs: dict[str, dict]) -> tuple[str, str]:
    """(reason, plain words) for one scheduling gate; the Grove gate is checked against its PodGang."""
    if gate != GROVE_GATE:
        return "SchedulingGated", (f"held by scheduling gate {gate}: the scheduler ignores the pod until whoever "
                                   "added the gate removes it")
    what = f"PodGang {gang}" if gang else "its PodGang"
    words = (f"Grove holds the pod with gate {GROVE_GATE} until {what} exists and is initialized "
             "(all pods of the gang created); only then does the gang scheduler see it")
    obj = gangs.get(gang or "")
    if gang and obj is None:
        return "SchedulingGated", words + f"; {what} does not exist yet: Grove has not created it"
    if obj is not None:
        init = next((c for c in status(obj).get("conditions") or [] if isinstance(c, dict) and c.get("type") == "Initialized"), None)
        if init and init.get("status") == "True":
            return "SchedulingGated", (words + f"; {what} is Initialized but the gate is still there: Grove did not "
                                       "lift it (seen after scaling 0→1, ai-dynamo/dynamo#14278); check the Grove operator's logs")
        why = f" ({init.get('reason')})" if init and init.get("reason") else ""
        return "SchedulingGated", words + f"; {what} is not initialized yet{why}"
    return "SchedulingGated", words


def pending_reasons(pods: Iterable[dict], children: Iterable[dict], events: Iterable[dict],
                    objects: Iterable[ObjectStatus] = ()) -> list[PendingReason]:
    """Every reason that still holds: gates first, then the scheduler's events and pod conditions,
    then the gang objects'. Events about pods that are bound by now, or objects that are healthy, are history
    and stay in the events list only."""
    out = _Collector()
    objects = list(objects)
    gangs = {meta(c).get("name", ""): c for c in children if c.get("kind") == "PodGang"}
    waiting = [p for p in pods if not spec(p).get("nodeName")]  # bound pods wait for a kubelet, not a scheduler
    for pod in waiting:
        gang = (meta(pod).get("labels") or {}).get(GROVE_PODGANG_LABEL)
        for gate in spec(pod).get("schedulingGates") or []:
            reason, words = gate_explanation(str((gate or {}).get("name")), gang, gangs)
            out.add("gate", reason, words, f"Pod/{meta(pod).get('name', '')}")
    current = {f"Pod/{meta(p).get('name', '')}" for p in waiting}
    current |= {f"{o.kind}/{o.name}" for o in objects if o.healthy is not True}
    for ev in sorted(events, key=event_time):
        inv = ev.get("involvedObject") or {}
        about = f"{inv.get('kind')}/{inv.get('name')}"
        if ev.get("reason") in PENDING_EVENT_REASONS and about in current:
            out.add("event", str(ev.get("reason")), str(ev.get("message") or ""), about)
    for pod in waiting:
        for cond in status(pod).get("conditions") or []:
            # the API server's own PodScheduled=False/SchedulingGated only repeats the gate explained above
            if (isinstance(cond, dict) and cond.get("type") == "PodScheduled" and cond.get("status") == "False"
                    and cond.get("reason") != "SchedulingGated"):
                out.add("condition", str(cond.get("reason") or "Unschedulable"), str(cond.get("message") or "not scheduled"),
                        f"Pod/{meta(pod).get('name', '')}")
    for obj in objects:
        for reason, message in obj.problems:
            out.add("object", reason, message, f"{obj.kind}/{obj.name}")
        if obj.kind == "PodGang" and obj.status.startswith("phase Pending"):
            out.add("object", "PodGangPending", "the gang is created but not scheduled yet: the gang scheduler "
                    "has not found room for minReplicas of every group", f"PodGang/{obj.name}")
    for pod in waiting:
        if not _mentioned(pod, out.items):
            sched = spec(pod).get("schedulerName") or "default-scheduler"
            out.add("condition", "NotScheduledYet", f"no scheduler has reported on the pod yet (schedulerName {sched}); "
                    "if that scheduler is not running the pod stays Pending with no event", f"Pod/{meta(pod).get('name', '')}")
    return out.items


def _mentioned(pod: dict, items: list[PendingReason]) -> bool:
    name = f"Pod/{meta(pod).get('name', '')}"
    return any(name in r.objects for r in items)


def event_time(ev: dict) -> dt.datetime:
    """When the event last happened: lastTimestamp, else the series' or eventTime (events.k8s.io),
    else firstTimestamp or creation; the epoch when none can be read."""
    series = ev.get("series") or {}
    for value in (ev.get("lastTimestamp"), series.get("lastObservedTime"), ev.get("eventTime"),
                  ev.get("firstTimestamp"), meta(ev).get("creationTimestamp")):
        when = parse_time(value)
        if when is not None:
            return when
    return EPOCH
