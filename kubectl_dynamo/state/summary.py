"""One row of `kubectl dynamo get` per DynamoGraphDeployment.

Columns and where they come from:

* STATE: `status.state` (initializing | pending | successful | failed), `-` before the operator
  wrote one.
* READY: services whose status entry shows as many ready replicas as the spec wants (PCSG counts
  `availableReplicas`, everything else `readyReplicas`), over the services in the spec.
* SERVICES, NODES, GPUS: from the spec (dgd.model): NODES counts the node slots of GPU services,
  `replicas × nodeCount`; GPUS is `Σ replicas × nodeCount × gpusPerNode`.
* ORCHESTRATOR: common.orchestrator (status componentKind, else nvidia.com/workload-provider).
* AGE: kubectl's HumanDuration of `metadata.creationTimestamp`.
* wide: BACKEND (the workers' engines), SCHEDULER/QUEUE (the pods', else what the DGD implies), TP
  per worker service (`decode=16,prefill=16`; `?` when the engine's TP cannot be read).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from kubectl_dynamo.dgd.backend import choose_backend
from kubectl_dynamo.dgd.model import Graph, read_graph
from kubectl_dynamo.dgd.parallelism import read_parallelism
from kubectl_dynamo.state import common


@dataclass
class Summary:
    """What `get` shows about one DGD."""

    namespace: str
    name: str
    api_version: str
    state: str | None
    ready: int
    total: int
    services: int
    nodes: int
    gpus: int
    orchestrator: str | None
    created: dt.datetime | None
    backend: str | None = None
    scheduler: str | None = None
    queue: str | None = None
    tp: list[tuple[str, int | None]] = field(default_factory=list)  # worker service -> TP (None: unknown)

    def age(self, now: dt.datetime) -> str:
        return common.age(self.created, now)

    @property
    def tp_text(self) -> str:
        return ",".join(f"{svc}={'?' if tp is None else tp}" for svc, tp in self.tp) or "-"


def backends(graph: Graph) -> list[str]:
    """The engines of the worker services, in spec order, once each."""
    seen: list[str] = []
    for svc in graph.services:
        b = choose_backend(graph, svc).backend
        if b and b not in seen:
            seen.append(b)
    return seen


def tensor_parallel(graph: Graph, configmaps: dict[str, dict[str, str]] | None = None) -> list[tuple[str, int | None]]:
    """TP per worker service, as the engine will read it (the normalised reading for vLLM)."""
    out: list[tuple[str, int | None]] = []
    for svc in graph.services:
        if not svc.is_worker:
            continue
        reading = read_parallelism(choose_backend(graph, svc).backend, svc, configmaps or {})
        out.append((svc.name, reading.value.tp if reading and reading.value else None))
    return out


def summarize(obj: dict, pods: Iterable[dict] = (), configmaps: dict[str, dict[str, str]] | None = None) -> Summary:
    """The row for one DGD object (either API version) and the pods that carry its label."""
    graph = read_graph(obj, "cluster")
    entries = common.status_entries(obj)
    orch, _ = common.orchestrator(obj, graph)
    sched, queue, _ = common.scheduler(graph, orch, pods)
    gpu_services = [s for s in graph.services if s.gpus_per_node > 0]
    return Summary(
        namespace=graph.namespace or "",
        name=graph.name,
        api_version=graph.api_version,
        state=common.status(obj).get("state") or None,
        ready=sum(1 for s in graph.services if common.service_ready(entries.get(s.name.lower()), s.effective_replicas)),
        total=len(graph.services),
        services=len(graph.services),
        nodes=sum(s.effective_replicas * s.node_count for s in gpu_services),
        gpus=sum(s.total_gpus for s in graph.services),
        orchestrator=orch,
        created=common.parse_time(common.meta(obj).get("creationTimestamp")),
        backend=",".join(backends(graph)) or graph.backend_framework or None,
        scheduler=sched,
        queue=queue,
        tp=tensor_parallel(graph, configmaps),
    )


def pods_by_dgd(pods: Iterable[dict]) -> dict[tuple[str, str], list[dict]]:
    """Pods grouped by (namespace, DGD name) from the operator's label."""
    from kubectl_dynamo.dgd.model import LABEL_DGD_NAME

    out: dict[tuple[str, str], list[dict]] = {}
    for pod in pods:
        m = common.meta(pod)
        dgd = (m.get("labels") or {}).get(LABEL_DGD_NAME)
        if dgd:
            out.setdefault((m.get("namespace", ""), dgd), []).append(pod)
    return out
