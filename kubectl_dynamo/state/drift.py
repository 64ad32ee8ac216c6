"""Drift: where a DGD's status and what its children and pods say disagree.

`read_drift(dgd, children, pods, now)` is pure (plain dicts in, findings out) and cheap, so that
`describe`, `get -o wide` and a watch (`get -w`, which calls it on every event with the objects it
holds) read the same thing. Upstream reports it answers (dynamo-operator.md §8): status that says
Ready while PodCliques or LeaderWorkerSets disagree, or stays not-Ready after they recovered
(ai-dynamo/dynamo#10527: `updatedReplicas` drifts after scaling cycles); ranks packed onto one
node (#4975).

Who is right. The closer an object is to the pods, the more it is trusted: pods over the workload
object that counts them (PodClique, PodCliqueScalingGroup, LeaderWorkerSet, Deployment), the
workload object over the DGD's `status.services` / `status.components` that the operator copies
from it; the spec (replicas, nodeCount) over any status. Each finding says which object is right.

Codes (stable; never renamed):

* `DRIFT_GENERATION_NOT_OBSERVED`: `status.observedGeneration` < `metadata.generation` (DGD or child):
  its controller has not acted on the latest spec yet.
* `DRIFT_READY_REPLICAS`, `DRIFT_UPDATED_REPLICAS`: the DGD's per-service count differs from the
  workload object's.
* `DRIFT_POD_READY`: a workload object's ready count differs from its ready pods.
* `DRIFT_READY_CONDITION`: the DGD is `Ready=True` while a service has fewer ready replicas than
  its spec wants.
* `DRIFT_NOT_READY_AFTER_RECOVERY`: the DGD is `Ready=False` while every service is ready and
  updated, and every generation is observed.
* `DRIFT_ROLLOUT_STALLED`: a rollout that does not progress: Deployment `ProgressDeadlineExceeded`,
  the DGD's `rollingUpdate` Failed, or a Grove update / LWS `UpdateInProgress` / DGD rolling update
  started more than ROLLOUT_STALL ago with fewer updated replicas than wanted (needs ``now``).
* `DRIFT_GANG_NODES`: every rank of a multinode instance is bound, to fewer nodes than `nodeCount`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kubectl_dynamo.dgd.findings import WARNING, Finding
from kubectl_dynamo.dgd.model import KIND, LABEL_COMPONENT, Graph, Service, read_graph
from kubectl_dynamo.state.common import (
    as_int,
    condition,
    meta,
    parse_time,
    ready_replicas,
    spec,
    status,
    status_entries,
)
from kubectl_dynamo.state.pods import (
    GROVE_PCSG,
    GROVE_PCSG_INDEX,
    GROVE_PODCLIQUE,
    LWS_GROUP_INDEX,
    LWS_NAME,
    multinode_group,
)

# Kubernetes' own default progressDeadlineSeconds (600): a rollout that has not finished in this
# long is "not progressing" for the kinds that have no deadline of their own.
ROLLOUT_STALL = dt.timedelta(minutes=10)
WORKLOAD_KINDS = ("PodClique", "PodCliqueScalingGroup", "LeaderWorkerSet", "Deployment")

GENERATION = "DRIFT_GENERATION_NOT_OBSERVED"
READY_REPLICAS = "DRIFT_READY_REPLICAS"
UPDATED_REPLICAS = "DRIFT_UPDATED_REPLICAS"
POD_READY = "DRIFT_POD_READY"
READY_CONDITION = "DRIFT_READY_CONDITION"
NOT_READY_AFTER_RECOVERY = "DRIFT_NOT_READY_AFTER_RECOVERY"
ROLLOUT_STALLED = "DRIFT_ROLLOUT_STALLED"
GANG_NODES = "DRIFT_GANG_NODES"
CODES = (GENERATION, READY_REPLICAS, UPDATED_REPLICAS, POD_READY, READY_CONDITION, NOT_READY_AFTER_RECOVERY,
         ROLLOUT_STALLED, GANG_NODES)


@dataclass(frozen=True)
class Drift:
    """One disagreement: what `claimed_by` says (`claimed`) against what `observed_by` says
    (`observed`); `right` names the one to believe."""

    code: str
    service: str | None
    field: str
    claimed: int | None
    claimed_by: str  # e.g. "DynamoGraphDeployment/llm status.services.decode.readyReplicas"
    observed: int | None
    observed_by: str  # e.g. "PodCliqueScalingGroup/llm-0-decode status.availableReplicas"
    right: str  # the object to believe, e.g. "PodCliqueScalingGroup/llm-0-decode"
    message: str

    def to_dict(self) -> dict:
        return {"code": self.code, "service": self.service, "field": self.field,
                "claimed": {"value": self.claimed, "by": self.claimed_by},
                "observed": {"value": self.observed, "by": self.observed_by},
                "right": self.right, "message": self.message}

    def finding(self) -> Finding:
        return Finding(WARNING, self.code, self.message, self.service, f"believe {self.right}")


def _ref(obj: dict) -> str:
    return f"{obj.get('kind', '')}/{meta(obj).get('name', '')}"


def _count(value: object) -> int:
    return as_int(value) or 0


def _ready_key(kind: str) -> str:
    """The operator counts a PCSG's availableReplicas, everything else's readyReplicas."""
    return "availableReplicas" if kind == "PodCliqueScalingGroup" else "readyReplicas"


def _pod_ready(pod: dict) -> bool:
    if meta(pod).get("deletionTimestamp"):
        return False
    return any(isinstance(c, dict) and c.get("type") == "Ready" and c.get("status") == "True"
               for c in status(pod).get("conditions") or [])


# --- which children hold which service -----------------------------------------------------------


def _names_for(graph: Graph, svc: Service, entry: dict | None) -> re.Pattern[str]:
    """Names the operator gives the service's workload objects (dynamo-operator.md §1.5): Grove
    `<dgd>-0-<svc>`; component path `<dgd>-<svc>[-<hash8>]` (Deployment) and `…-<i>` (one LWS per
    replica); or exactly the names the DGD's status lists."""
    entry = entry or {}
    listed = [str(n) for n in entry.get("componentNames") or [] if n] or (
        [str(entry["componentName"])] if entry.get("componentName") else [])
    if listed:
        return re.compile("|".join(re.escape(n) + r"(?:-\d+)?" for n in listed))
    d, s = re.escape(graph.name), re.escape(svc.name.lower())
    return re.compile(rf"{d}-0-{s}|{d}-{s}(?:-[0-9a-f]{{8}})?(?:-\d+)?")


def service_workloads(graph: Graph, svc: Service, entry: dict | None, children: Iterable[dict]) -> list[dict]:
    """The PodClique / PCSG / LWS / Deployment objects of one service."""
    pattern = _names_for(graph, svc, entry)
    kind = (entry or {}).get("componentKind")
    return [c for c in children if c.get("kind") in WORKLOAD_KINDS and (not kind or c.get("kind") == kind)
            and pattern.fullmatch(str(meta(c).get("name", "")))]


# --- the readings ----------------------------------------------------------------------------------


def _generations(dgd: dict, children: Iterable[dict]) -> list[Drift]:
    out = []
    for obj, who in [(dgd, "the Dynamo operator")] + [(c, f"the {c.get('kind')} controller") for c in children]:
        gen, seen = as_int(meta(obj).get("generation")), as_int(status(obj).get("observedGeneration"))
        if gen is not None and seen is not None and seen < gen:
            ref = _ref(obj)
            out.append(Drift(GENERATION, None, "observedGeneration", seen, f"{ref} status.observedGeneration", gen,
                             f"{ref} metadata.generation", f"{ref} metadata.generation",
                             f"{ref}: {who} has not observed generation {gen} yet (status is of generation {seen}); "
                             "the status below may be stale"))
    return out


def _pod_groups(pods: list[dict], label: str, name: str, index_label: str | None) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for p in pods:
        labels = meta(p).get("labels") or {}
        if labels.get(label) == name and not meta(p).get("deletionTimestamp"):
            groups.setdefault(str(labels.get(index_label, "0")) if index_label else "0", []).append(p)
    return groups


def _ready_from_pods(obj: dict, svc: Service, pods: list[dict]) -> int | None:
    """The object's ready count as its pods show it; None when no pod of it is visible."""
    kind, name = obj.get("kind"), str(meta(obj).get("name", ""))
    if kind == "PodClique":
        groups = _pod_groups(pods, GROVE_PODCLIQUE, name, None)
        return sum(1 for p in groups.get("0", []) if _pod_ready(p)) if groups else None
    if kind == "PodCliqueScalingGroup":
        groups, size = _pod_groups(pods, GROVE_PCSG, name, GROVE_PCSG_INDEX), svc.node_count
    elif kind == "LeaderWorkerSet":
        groups = _pod_groups(pods, LWS_NAME, name, LWS_GROUP_INDEX)
        size = as_int((spec(obj).get("leaderWorkerTemplate") or {}).get("size")) or svc.node_count
    else:
        return None  # a Deployment's pods belong to its ReplicaSets: its own count is the reading
    if not groups:
        return None
    return sum(1 for members in groups.values() if sum(1 for p in members if _pod_ready(p)) >= size)


def _rollout(obj: dict, svc: Service, now: dt.datetime | None) -> Drift | None:
    kind, st, ref = str(obj.get("kind")), status(obj), _ref(obj)
    want = as_int(spec(obj).get("replicas"))
    want = want if want is not None else _count(st.get("replicas"))
    updated = _count(st.get("updatedReplicas"))
    since: dt.datetime | None = None
    if kind == "Deployment":
        prog = condition(obj, "Progressing") or {}
        if prog.get("status") == "False" and prog.get("reason") == "ProgressDeadlineExceeded":
            return Drift(ROLLOUT_STALLED, svc.name, "updatedReplicas", updated, f"{ref} status.updatedReplicas", want,
                         f"{ref} spec.replicas", f"{ref} spec.replicas",
                         f"{ref}: the rollout does not progress ({updated}/{want} updated): {prog.get('message') or 'ProgressDeadlineExceeded'}")
        return None
    if kind in ("PodClique", "PodCliqueScalingGroup"):
        progress = st.get("updateProgress") or {}
        if progress.get("updateStartedAt") and not progress.get("updateEndedAt"):
            since = parse_time(progress.get("updateStartedAt"))
    elif kind == "LeaderWorkerSet":
        upd = condition(obj, "UpdateInProgress") or {}
        if upd.get("status") == "True":
            since = parse_time(upd.get("lastTransitionTime"))
    if since is None or now is None or updated >= want or now - since < ROLLOUT_STALL:
        return None
    return Drift(ROLLOUT_STALLED, svc.name, "updatedReplicas", updated, f"{ref} status.updatedReplicas", want,
                 f"{ref} spec.replicas", f"{ref} spec.replicas",
                 f"{ref}: the rollout started {_ago(now - since)} ago and has updated {updated} of {want} replicas")


def _ago(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def _dgd_rollout(dgd: dict, graph: Graph, now: dt.datetime | None) -> list[Drift]:
    ru = status(dgd).get("rollingUpdate") or {}
    phase, ref = ru.get("phase"), f"{KIND}/{graph.name}"
    started = parse_time(ru.get("startTime"))
    stalled = phase == "Failed" or (phase == "InProgress" and started is not None and now is not None
                                     and now - started >= ROLLOUT_STALL)
    if not stalled:
        return []
    updated = len([s for s in ru.get("updatedServices") or [] if s])
    want = len(graph.services)
    why = "failed" if phase == "Failed" else f"started {_ago(now - started)} ago" if now and started else "in progress"
    return [Drift(ROLLOUT_STALLED, None, "rollingUpdate.updatedServices", updated,
                  f"{ref} status.rollingUpdate.updatedServices", want, f"{ref} spec (services)", f"{ref} spec",
                  f"{ref}: the rolling update {why} and has updated {updated} of {want} services")]


def _gang_nodes(graph: Graph, pods: list[dict]) -> list[Drift]:
    out = []
    for svc in graph.services:
        if not svc.is_multinode:
            continue
        groups: dict[str, list[dict]] = {}
        for p in pods:
            labels = meta(p).get("labels") or {}
            if labels.get(LABEL_COMPONENT) in (svc.name, svc.name.lower()) and not meta(p).get("deletionTimestamp"):
                groups.setdefault(multinode_group(p) or "", []).append(p)
        for group, members in sorted(groups.items()):
            bound = [str(spec(p).get("nodeName") or "") for p in members]
            nodes = set(bound)
            if len(members) < svc.node_count or "" in nodes:
                continue  # not every rank is bound yet: that is pending, not drift
            if len(nodes) < svc.node_count:
                names = ", ".join(sorted(str(meta(p).get("name")) for p in members))
                out.append(Drift(GANG_NODES, svc.name, "nodes", len(nodes), f"pods {names} spec.nodeName",
                                 svc.node_count, f"{KIND}/{graph.name} {svc.path}.multinode.nodeCount",
                                 f"{KIND}/{graph.name} {svc.path}.multinode.nodeCount",
                                 f"instance {group or '?'}: {len(members)} ranks are bound to {len(nodes)} "
                                 f"node{'s' if len(nodes) != 1 else ''} ({', '.join(sorted(nodes))}) but nodeCount is "
                                 f"{svc.node_count}: the engine expects one node per rank (ai-dynamo/dynamo#4975)"))
    return out


def read_drift(dgd: dict, children: Iterable[dict] = (), pods: Iterable[dict] | None = None,
               now: dt.datetime | None = None) -> list[Drift]:
    """Every disagreement between the DGD, its children and its pods (see the module docstring).

    ``pods`` None means the pods could not be read: nothing is judged from them. ``now`` None
    leaves out the time-based rollout readings (a watch passes the time of the event).
    """
    children = [c for c in children if isinstance(c, dict)]
    pod_list = None if pods is None else [p for p in pods if isinstance(p, dict)]
    graph = read_graph(dgd, "cluster")
    entries = status_entries(dgd)
    ref = f"{KIND}/{graph.name}"
    key = "components" if status(dgd).get("components") is not None else "services"
    out = _generations(dgd, children)
    readings = [_service(out, graph, svc, entries.get(svc.name.lower()), children, pod_list, now, ref, key)
                for svc in graph.services]
    ready = condition(dgd, "Ready") or {}
    if ready.get("status") == "True":
        for r in readings:
            want = r.svc.effective_replicas
            if r.ready is not None and r.ready < want:
                out.append(Drift(READY_CONDITION, r.svc.name, "Ready", want, f"{ref} status.conditions[Ready]=True",
                                 r.ready, r.by, r.by,
                                 f"the DGD says Ready, but {r.svc.name} has {r.ready} of {want} replicas ready ({r.by})"))
    elif ready.get("status") == "False" and readings and all(r.recovered for r in readings) \
            and not any(d.code in (GENERATION, POD_READY) for d in out):
        why = f" ({ready.get('reason')})" if ready.get("reason") else ""
        out.append(Drift(NOT_READY_AFTER_RECOVERY, None, "Ready", 0, f"{ref} status.conditions[Ready]=False{why}",
                         len(readings), "the workload objects and pods of every service",
                         "the workload objects and pods",
                         f"the DGD says not Ready{why}, but all {len(readings)} services have every replica ready "
                         "and updated: the operator has not caught up"))
    out += _dgd_rollout(dgd, graph, now)
    if pod_list is not None:
        out += _gang_nodes(graph, pod_list)
    return out


@dataclass
class _Reading:
    """A service's ready replicas as best known (pods over workload objects) and updated replicas."""

    svc: Service
    ready: int | None  # None: no workload object found
    by: str
    updated: int | None

    @property
    def recovered(self) -> bool:
        want = self.svc.effective_replicas
        return self.ready is not None and self.ready >= want and self.updated is not None and self.updated >= want


def _service(out: list[Drift], graph: Graph, svc: Service, entry: dict | None, children: list[dict],
             pods: list[dict] | None, now: dt.datetime | None, ref: str, key: str) -> _Reading:
    """The readings of one service; its disagreements are appended to ``out``."""
    objs = service_workloads(graph, svc, entry, children)
    if not objs:
        return _Reading(svc, None, "", None)
    kind = str(objs[0].get("kind"))
    rkey = _ready_key(kind)
    ready = sum(_count(status(o).get(rkey)) for o in objs)
    updated = sum(_count(status(o).get("updatedReplicas")) for o in objs)
    names = ", ".join(_ref(o) for o in objs)
    claimed = ready_replicas(entry)
    claimed_key = _ready_key(str((entry or {}).get("componentKind") or kind))
    where = f"{ref} status.{key}.{svc.name}"
    if claimed is not None and claimed != ready:
        out.append(Drift(READY_REPLICAS, svc.name, claimed_key, claimed, f"{where}.{claimed_key}", ready,
                         f"{names} status.{rkey}", names,
                         f"the DGD's status says {claimed} ready, {names} says {ready}"))
    claimed_upd = as_int((entry or {}).get("updatedReplicas"))
    if claimed_upd is not None and claimed_upd != updated:
        out.append(Drift(UPDATED_REPLICAS, svc.name, "updatedReplicas", claimed_upd, f"{where}.updatedReplicas",
                         updated, f"{names} status.updatedReplicas", names,
                         f"the DGD's status says {claimed_upd} updated, {names} says {updated} "
                         "(ai-dynamo/dynamo#10527)"))
    best, by = ready, names
    if pods is not None:
        counted = [(o, _ready_from_pods(o, svc, pods)) for o in objs]
        for o, n in counted:
            own = _count(status(o).get(rkey))
            if n is not None and n != own:
                out.append(Drift(POD_READY, svc.name, rkey, own, f"{_ref(o)} status.{rkey}", n,
                                 f"the pods of {_ref(o)}", "the pods", f"{_ref(o)} says {own} ready, its pods show {n}"))
        if any(n is not None for _, n in counted):
            best, by = sum(n for _, n in counted if n is not None), f"the pods of {names}"
    for o in objs:
        stalled = _rollout(o, svc, now)
        if stalled:
            out.append(stalled)
    return _Reading(svc, best, by, updated)
