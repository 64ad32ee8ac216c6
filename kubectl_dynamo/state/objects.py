"""The status of each child object in one line, plus the conditions worth a reader's attention.

Readiness mirrors the operator (reference/dynamo-operator.md §1.5): a PodClique is ready when its
ready replicas reach `spec.replicas`; a PodCliqueScalingGroup counts `availableReplicas`. Gang
objects (orchestrators.md §1.4, §3.4, §4.4): a PodGang has a phase; a Volcano PodGroup a phase and
`running` against `minMember`; a KAI PodGroup has no phase, only `schedulingConditions`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kubectl_dynamo.dgd.model import as_int
from kubectl_dynamo.state.common import meta, spec, status

KIND_ORDER = ("PodCliqueSet", "PodCliqueScalingGroup", "PodClique", "PodGang", "DynamoComponentDeployment",
              "LeaderWorkerSet", "Deployment", "PodGroup")
# condition types whose True means trouble (the rest are healthy when True)
NEGATIVE_CONDITIONS = ("MinAvailableBreached", "Unschedulable", "GangTerminationInProgress", "TopologyLevelsUnavailable",
                       "Unhealthy", "DisruptionTarget", "UnschedulableOnNodePool", "ReplicaFailure")


@dataclass
class ObjectStatus:
    """One child object: kind, name, a one-line status and the conditions that explain it."""

    kind: str
    name: str
    api_version: str
    status: str
    healthy: bool | None  # None: nothing to judge by yet
    problems: list[tuple[str, str]] = field(default_factory=list)  # (reason, message) of what is wrong
    conditions: list[dict] = field(default_factory=list)  # as the object reports them

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def kind_label(self) -> str:
        """`PodGroup` is ambiguous: say whose."""
        if self.kind == "PodGroup":
            return "PodGroup (volcano)" if self.group == "scheduling.volcano.sh" else "PodGroup (kai)"
        return self.kind

    def to_dict(self) -> dict:
        return {"kind": self.kind, "apiVersion": self.api_version, "name": self.name, "status": self.status,
                "healthy": self.healthy,
                "problems": [{"reason": r, "message": m} for r, m in self.problems], "conditions": list(self.conditions)}


def troubled(cond: dict) -> bool:
    kind, value = str(cond.get("type", "")), str(cond.get("status", ""))
    return value == "True" if kind in NEGATIVE_CONDITIONS else value == "False"


def condition_problem(cond: dict) -> tuple[str, str]:
    """(reason, message) of a troubled condition: its reason (else `Type=Status`) and message."""
    state = f"{cond.get('type')}={cond.get('status')}"
    return str(cond.get("reason") or state), str(cond.get("message") or state)


def _conditions(obj: dict) -> list[dict]:
    return [c for c in status(obj).get("conditions") or [] if isinstance(c, dict)]


def _count(value: object) -> int:
    n = as_int(value)
    return n if n is not None else 0


def _replicas(obj: dict, default: int = 1) -> int:
    n = as_int(spec(obj).get("replicas"))
    return default if n is None else n


def _podclique(obj: dict) -> tuple[str, bool]:
    st, want = status(obj), _replicas(obj)
    ready = _count(st.get("readyReplicas"))
    parts = [f"ready {ready}/{want}"]
    if "scheduledReplicas" in st:
        parts.append(f"scheduled {_count(st.get('scheduledReplicas'))}")
    if _count(st.get("scheduleGatedReplicas")):
        parts.append(f"gated {_count(st.get('scheduleGatedReplicas'))}")
    if spec(obj).get("minAvailable") is not None:
        parts.append(f"minAvailable {spec(obj).get('minAvailable')}")
    return ", ".join(parts), ready >= want


def _pcsg(obj: dict) -> tuple[str, bool]:
    st, want = status(obj), _replicas(obj)
    available = _count(st.get("availableReplicas"))
    parts = [f"available {available}/{want}"]
    if "scheduledReplicas" in st:
        parts.append(f"scheduled {_count(st.get('scheduledReplicas'))}")
    if spec(obj).get("minAvailable") is not None:
        parts.append(f"minAvailable {spec(obj).get('minAvailable')}")
    return ", ".join(parts), available >= want


def _pcs(obj: dict) -> tuple[str, bool, list[tuple[str, str]]]:
    st, want = status(obj), _replicas(obj)
    available = _count(st.get("availableReplicas"))
    gangs = [f"{g.get('name')} {g.get('phase') or '<none>'}" for g in st.get("podGangStatuses") or [] if isinstance(g, dict)]
    text = f"available {available}/{want}" + (f", PodGang {', '.join(gangs)}" if gangs else "")
    errors = [(str(e.get("code") or "LastError"), str(e.get("description") or "")) for e in st.get("lastErrors") or []
              if isinstance(e, dict)]
    return text, available >= want, errors


def _podgang(obj: dict) -> tuple[str, bool | None]:
    phase = status(obj).get("phase")
    groups = spec(obj).get("podgroups") or []
    members = ", ".join(f"{g.get('name')} min {g.get('minReplicas')}" for g in groups if isinstance(g, dict))
    text = f"phase {phase or '<none>'}" + (f" ({members})" if members else "")
    return text, (None if not phase else phase == "Running")


def _volcano_podgroup(obj: dict) -> tuple[str, bool | None]:
    st, phase = status(obj), status(obj).get("phase")
    min_member = spec(obj).get("minMember")
    text = f"phase {phase or '<none>'}, running {_count(st.get('running'))}/{min_member if min_member is not None else '?'}"
    if spec(obj).get("queue"):
        text += f", queue {spec(obj)['queue']}"
    return text, (None if not phase else phase in ("Running", "Completed"))


def _kai_podgroup(obj: dict) -> tuple[str, bool | None, list[tuple[str, str]]]:
    sp = spec(obj)
    text = f"minMember {sp.get('minMember', '?')}" + (f", queue {sp['queue']}" if sp.get("queue") else "")
    extra = []
    for sc in status(obj).get("schedulingConditions") or []:
        if not isinstance(sc, dict):
            continue
        reasons = ", ".join(str(r.get("reason")) for r in sc.get("reasons") or [] if isinstance(r, dict) and r.get("reason"))
        where = f" (node pool {sc['nodePool']})" if sc.get("nodePool") else ""
        extra.append((reasons or str(sc.get("type") or "UnschedulableOnNodePool"), f"{sc.get('message', '')}{where}"))
    return text, (False if extra else None), extra


def _ready_of(obj: dict, ready_key: str = "readyReplicas") -> tuple[str, bool]:
    want, ready = _replicas(obj), _count(status(obj).get(ready_key))
    return f"ready {ready}/{want}", ready >= want


def object_status(obj: dict) -> ObjectStatus:
    """How one child object is doing (kind from the object; unknown kinds get their conditions)."""
    kind, api_version = str(obj.get("kind", "")), str(obj.get("apiVersion", ""))
    conds = _conditions(obj)
    extra: list[tuple[str, str]] = []
    healthy: bool | None
    if kind == "PodClique":
        text, healthy = _podclique(obj)
    elif kind == "PodCliqueScalingGroup":
        text, healthy = _pcsg(obj)
    elif kind == "PodCliqueSet":
        text, healthy, extra = _pcs(obj)
    elif kind == "PodGang":
        text, healthy = _podgang(obj)
    elif kind == "PodGroup" and api_version.startswith("scheduling.volcano.sh/"):
        text, healthy = _volcano_podgroup(obj)
    elif kind == "PodGroup":
        text, healthy, extra = _kai_podgroup(obj)
    elif kind == "LeaderWorkerSet":
        text, healthy = _ready_of(obj)
        size = (spec(obj).get("leaderWorkerTemplate") or {}).get("size")
        text += f", size {size}" if size is not None else ""
    elif kind == "Deployment":
        text, healthy = _ready_of(obj)
    else:  # DynamoComponentDeployment and anything newer: its Available condition
        avail = next((c for c in conds if c.get("type") == "Available"), None)
        text = f"Available={avail.get('status')}" if avail else "no status yet"
        healthy = None if avail is None else avail.get("status") == "True"
    problems = extra + [condition_problem(c) for c in conds if troubled(c)]
    if problems and healthy is None:
        healthy = False
    return ObjectStatus(kind, str(meta(obj).get("name", "")), api_version, text, healthy, problems, conds)


def object_statuses(children: Iterable[dict]) -> list[ObjectStatus]:
    """Every child, in pathway order (PodCliqueSet … PodGang, DCD, LWS, Deployment, PodGroup), by name."""
    rows = [object_status(c) for c in children]
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    return sorted(rows, key=lambda r: (rank.get(r.kind, len(rank)), r.group, r.name))
