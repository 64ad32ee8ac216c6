"""Readings shared by get and describe: timestamps and kubectl's ages, the DGD's Ready condition
and per-service status (v1alpha1 `status.services`, v1beta1 `status.components`), the effective
orchestrator, and the scheduler and queue the pods use."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from kubectl_dynamo.dgd.model import ANN_KAI_QUEUE, ANN_WORKLOAD_PROVIDER, Graph, Service, as_int, mapping

GROVE = "grove"
LWS = "lws"
DEPLOYMENT = "deployment"
GROVE_KINDS = ("PodClique", "PodCliqueScalingGroup")
KAI_QUEUE_LABEL = "kai.scheduler/queue"
VOLCANO_QUEUE_ANNOTATION = "scheduling.volcano.sh/queue-name"
ANN_VOLCANO_QUEUE = "nvidia.com/volcano-queue"  # newer operators
DEFAULT_SCHEDULER = "default-scheduler"
KAI_SCHEDULER = "kai-scheduler"
VOLCANO = "volcano"


def meta(obj: dict) -> dict:
    return mapping(obj, "metadata")


def status(obj: dict) -> dict:
    return mapping(obj, "status")


def spec(obj: dict) -> dict:
    return mapping(obj, "spec")


def parse_time(value: Any) -> dt.datetime | None:
    """An RFC 3339 timestamp (`2026-01-02T03:04:05Z`, MicroTime with fractions) as aware UTC."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def human_duration(seconds: float) -> str:
    """kubectl's ages (apimachinery's duration.HumanDuration): 45s, 5m30s, 15m, 3h12m, 10h, 3d4h, 12d, 2y30d."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m" if s % 60 == 0 else f"{minutes}m{s % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h" if minutes % 60 == 0 else f"{hours}h{minutes % 60}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d" if hours % 24 == 0 else f"{hours // 24}d{hours % 24}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        years, days = hours // 24 // 365, (hours // 24) % 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def age(when: dt.datetime | None, now: dt.datetime) -> str:
    """`translateTimestampSince`: `<unknown>` without a timestamp."""
    return "<unknown>" if when is None else human_duration((now - when).total_seconds())


def condition(obj: dict, ctype: str) -> dict | None:
    for c in status(obj).get("conditions") or []:
        if isinstance(c, dict) and c.get("type") == ctype:
            return c
    return None


def status_items(obj: dict) -> list[tuple[str, dict]]:
    """Per-service status entries, named as the operator wrote them: v1alpha1 `status.services` (a
    map), v1beta1 `status.components` (a map, or a list of entries with `name`/`componentName`);
    entries that are not mappings are skipped."""
    st = status(obj)
    raw = st.get("components") if st.get("components") is not None else st.get("services")
    out: list[tuple[str, dict]] = []
    if isinstance(raw, dict):
        out = [(str(key), entry) for key, entry in raw.items() if isinstance(entry, dict)]
    elif isinstance(raw, list):
        for entry in raw:
            key = entry.get("name") or entry.get("componentName") if isinstance(entry, dict) else None
            if key:
                out.append((str(key), entry))
    return out


def status_entries(obj: dict) -> dict[str, dict]:
    """status_items by lower-cased service name, to match the spec's services."""
    return {name.lower(): entry for name, entry in status_items(obj)}


def ready_replicas(entry: dict | None) -> int | None:
    """Ready replicas the operator counts: PCSG `availableReplicas`, others `readyReplicas`
    (GetComponentReadinessAndServiceReplicaStatuses); None when the entry has neither."""
    if not entry:
        return None
    first, second = ("availableReplicas", "readyReplicas")
    if entry.get("componentKind") != "PodCliqueScalingGroup":
        first, second = second, first
    value = as_int(entry.get(first))
    return value if value is not None else as_int(entry.get(second))


def service_ready(entry: dict | None, desired: int) -> bool:
    if desired == 0:
        return True
    n = ready_replicas(entry)
    return n is not None and n >= desired


def orchestrator(obj: dict, graph: Graph) -> tuple[str | None, str]:
    """(grove | lws | deployment | <provider> | None, where it was read): the componentKinds the
    operator wrote in the status win; else the durable `nvidia.com/workload-provider` annotation."""
    kinds = {str(e.get("componentKind")) for e in status_entries(obj).values() if e.get("componentKind")}
    if kinds & set(GROVE_KINDS):
        return GROVE, "status componentKind"
    if "LeaderWorkerSet" in kinds:
        return LWS, "status componentKind"
    if kinds == {"Deployment"}:
        return DEPLOYMENT, "status componentKind"
    provider = graph.annotations.get(ANN_WORKLOAD_PROVIDER, "").strip().lower()
    if provider == "grove":
        return GROVE, f"annotation {ANN_WORKLOAD_PROVIDER}"
    if provider == "component":
        return (LWS if graph.has_multinode else DEPLOYMENT), f"annotation {ANN_WORKLOAD_PROVIDER}"
    if provider:
        return provider, f"annotation {ANN_WORKLOAD_PROVIDER}"
    return None, "not reported yet (no componentKind in status, no workload-provider annotation)"


def workload_kind(entry: dict | None, svc: Service, orch: str | None) -> str | None:
    """The service's workload: from its status entry, else what the orchestrator makes of it."""
    if entry and entry.get("componentKind"):
        return str(entry["componentKind"])
    if orch == GROVE:
        return "PodCliqueScalingGroup" if svc.is_multinode else "PodClique"
    if orch in (LWS, DEPLOYMENT):
        return "LeaderWorkerSet" if svc.is_multinode else "Deployment"
    return None


def scheduler_from_pods(pods: Iterable[dict]) -> tuple[str | None, str | None]:
    """The most common `schedulerName` of the pods and their queue (KAI label, Volcano annotation)."""
    names: Counter[str] = Counter()
    queues: Counter[str] = Counter()
    for pod in pods:
        names[str(spec(pod).get("schedulerName") or DEFAULT_SCHEDULER)] += 1
        q = (meta(pod).get("labels") or {}).get(KAI_QUEUE_LABEL) or (meta(pod).get("annotations") or {}).get(VOLCANO_QUEUE_ANNOTATION)
        if q:
            queues[str(q)] += 1
    if not names:
        return None, None
    return names.most_common(1)[0][0], (queues.most_common(1)[0][0] if queues else None)


def scheduler_from_templates(children: Iterable[dict]) -> str | None:
    """`schedulerName` of the pod templates in the PodCliqueSet or LeaderWorkerSets."""
    for obj in children:
        sp = spec(obj)
        if obj.get("kind") == "PodCliqueSet":
            for clique in (sp.get("template") or {}).get("cliques") or []:
                name = (((clique or {}).get("spec") or {}).get("podSpec") or {}).get("schedulerName")
                if name:
                    return str(name)
        if obj.get("kind") == "LeaderWorkerSet":
            tmpl = (sp.get("leaderWorkerTemplate") or {}).get("workerTemplate") or {}
            name = (tmpl.get("spec") or {}).get("schedulerName")
            if name:
                return str(name)
    return None


def scheduler(graph: Graph, orch: str | None, pods: Iterable[dict],
              children: Iterable[dict] = ()) -> tuple[str | None, str | None, str]:
    """(scheduler, queue, source): the pods' own, else the workload templates', else what the DGD's
    annotations and the orchestrator imply (LWS pods always get Volcano; a KAI queue annotation
    means KAI on the Grove path)."""
    pods, children = list(pods), list(children)
    name, queue = scheduler_from_pods(pods)
    source = "pods"
    if name is None:
        name, source = scheduler_from_templates(children), "workload template"
    ann_queue = graph.annotations.get(ANN_KAI_QUEUE, "").strip()
    if name is None and orch == LWS:
        name, source = VOLCANO, "LWS path (operator sets schedulerName volcano)"
    if name is None and orch == GROVE and ann_queue:
        name, source = KAI_SCHEDULER, f"annotation {ANN_KAI_QUEUE}"
    if name is None:
        return None, None, "unknown until pods exist"
    if queue is None and name == KAI_SCHEDULER:
        queue = ann_queue or "dynamo"
    if queue is None and name == VOLCANO:
        queue = graph.annotations.get(ANN_VOLCANO_QUEUE, "").strip() or _volcano_queue(children)
    return name, queue, source


def _volcano_queue(children: Iterable[dict]) -> str | None:
    """The queue of the DGD's Volcano PodGroups (the operator sets none: Volcano defaults it)."""
    for obj in children:
        volcano = obj.get("kind") == "PodGroup" and str(obj.get("apiVersion", "")).startswith("scheduling.volcano.sh/")
        if volcano and spec(obj).get("queue"):
            return str(spec(obj)["queue"])
    return None


def scheduler_text(name: str | None, queue: str | None) -> str:
    if not name:
        return "-"
    return f"{name}/{queue}" if queue else name
