"""`kubectl dynamo describe NAME`: one DGD in depth, read from the live objects.

`describe(obj, ...)` takes the DGD and what cluster/dgds.read_live found around it (child objects,
pods, events, the pods' nodes, engine ConfigMaps) as plain dicts and returns the Description
(contracts/description.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from kubectl_dynamo.contracts.description import Description, EventRow, ServiceRow
from kubectl_dynamo.dgd.backend import choose_backend
from kubectl_dynamo.dgd.model import Graph, Service, as_int, read_graph
from kubectl_dynamo.dgd.parallelism import read_parallelism
from kubectl_dynamo.dgd.rules import validate
from kubectl_dynamo.state import common
from kubectl_dynamo.state.drift import read_drift
from kubectl_dynamo.state.objects import object_statuses
from kubectl_dynamo.state.pending import EPOCH, event_time, pending_reasons
from kubectl_dynamo.state.pods import placement, pod_rows, shared_nodes
from kubectl_dynamo.state.summary import backends


def service_row(graph: Graph, svc: Service, entry: dict | None, orch: str | None,
                configmaps: dict[str, dict[str, str]]) -> ServiceRow:
    backend = choose_backend(graph, svc).backend
    reading = read_parallelism(backend, svc, configmaps) if svc.is_worker else None
    return ServiceRow(
        name=svc.name, component_type=svc.component_type, sub_component_type=svc.sub_component_type,
        ready=common.ready_replicas(entry), desired=svc.effective_replicas, node_count=svc.node_count,
        gpus_per_node=svc.gpus_per_node, gpus_per_replica=svc.gpus_per_replica, total_gpus=svc.total_gpus,
        backend=backend, parallelism=reading.value if reading else None,
        workload=common.workload_kind(entry, svc, orch), is_worker=svc.is_worker,
    )


def event_rows(events: Iterable[dict]) -> list[EventRow]:
    """Oldest first, newest last, as kubectl describe lists them."""
    rows = []
    for ev in sorted(events, key=event_time):
        inv = ev.get("involvedObject") or {}
        first = common.parse_time(ev.get("firstTimestamp") or ev.get("eventTime"))
        last = event_time(ev)
        rows.append(EventRow(
            type=str(ev.get("type") or "Normal"), reason=str(ev.get("reason") or ""), kind=str(inv.get("kind") or ""),
            object=str(inv.get("name") or ""), message=" ".join(str(ev.get("message") or "").split()),
            count=as_int(ev.get("count")) or as_int((ev.get("series") or {}).get("count")) or 1,
            first=first, last=None if last == EPOCH else last,
        ))
    return rows


def describe(obj: dict, *, children: Iterable[dict] = (), pods: Iterable[dict] = (), events: Iterable[dict] = (),
             nodes: dict[str, dict] | None = None, configmaps: dict[str, dict[str, str]] | None = None,
             forbidden: dict[str, str] | None = None, now: dt.datetime | None = None) -> Description:
    """The whole view of one live DGD; ``now`` dates the time-based drift readings (stalled rollouts)."""
    graph = read_graph(obj, "cluster")
    children, pods, events = list(children), list(pods), list(events)
    configmaps = configmaps or {}
    meta = common.meta(obj)
    entries = common.status_entries(obj)
    ready = common.condition(obj, "Ready") or {}
    orch, orch_source = common.orchestrator(obj, graph)
    sched, queue, sched_source = common.scheduler(graph, orch, pods, children)
    objects = object_statuses(children)
    rows = pod_rows(pods)
    services = [service_row(graph, s, entries.get(s.name.lower()), orch, configmaps) for s in graph.services]
    # pods that may not be listed are unknown, not absent: nothing is judged from them
    drift = read_drift(obj, children, None if "pods" in (forbidden or {}) else pods, now)
    return Description(
        name=graph.name, namespace=graph.namespace or "", api_version=graph.api_version, uid=meta.get("uid"),
        created=meta.get("creationTimestamp"), state=common.status(obj).get("state") or None,
        ready_status=ready.get("status"), ready_reason=ready.get("reason"), ready_message=ready.get("message"),
        orchestrator=orch, orchestrator_source=orch_source, scheduler=sched, queue=queue, scheduler_source=sched_source,
        backend=",".join(backends(graph)) or graph.backend_framework or None,
        total_gpus=sum(s.total_gpus for s in graph.services),
        gpu_nodes=sum(s.effective_replicas * s.node_count for s in graph.services if s.gpus_per_node > 0),
        services=services, objects=objects, pods=rows, placement=placement(rows, nodes),
        placement_notes=shared_nodes(rows), pending=pending_reasons(pods, children, events, objects),
        events=event_rows(events), findings=validate(graph, configmaps) + [d.finding() for d in drift], drift=drift,
        notes=[f"cannot list {what}: {why}" for what, why in sorted((forbidden or {}).items())],
    )
