"""The result of describe: one live DGD in depth (`kubectl dynamo describe NAME -o json|yaml`).

`Description.to_dict()` is a stable shape (fields may be added, none renamed):

    Description: {kind: "Description", apiVersion: <the DGD's>, name, namespace, uid, creationTimestamp,
      state: str|null,                                   # status.state
      ready: {status: "True"|"False"|"Unknown"|null, reason, message},   # the Ready condition
      orchestrator: {name: "grove"|"lws"|"deployment"|str|null, source},
      scheduler: {name: str|null, queue: str|null, source},
      backend: str|null,                                 # the workers' engines, comma-separated
      gpus: {total, nodes},                              # from the spec: Σ GPUs, Σ node slots of GPU services
      services: [{name, componentType, subComponentType, replicas: {ready: int|null, desired},
                  nodeCount, gpusPerNode, gpusPerReplica, totalGpus, backend,
                  parallelism: {tp, pp, dp}|null, workload}],
      objects: [{kind, apiVersion, name, status, healthy: bool|null, problems: [{reason, message}], conditions: [...]}],
      pods: [{name, service, role: "leader"|"worker"|"main", rank: int|null, node, status, phase, ready,
              restarts, gpus, schedulingGates: [str]}],
      placement: [{node: str|null, pods: [str], gpus, allocatable: int|null}],   # node null: not scheduled
      placementNotes: [str],
      pending: [{source: "gate"|"condition"|"event"|"object", reason, message, objects: [str]}],
      events: [{type, reason, object: {kind, name}, message, count, firstTimestamp, lastTimestamp}],  # oldest first
      findings: [Finding],                                # validate's rules on the live spec
      notes: [str]}                                       # e.g. what could not be read (RBAC)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kubectl_dynamo.dgd.findings import Finding
from kubectl_dynamo.dgd.parallelism import Parallelism
from kubectl_dynamo.state import common
from kubectl_dynamo.state.objects import ObjectStatus
from kubectl_dynamo.state.pending import PendingReason
from kubectl_dynamo.state.pods import NodePlacement, PodRow


@dataclass
class ServiceRow:
    name: str
    component_type: str | None
    sub_component_type: str | None
    ready: int | None
    desired: int
    node_count: int
    gpus_per_node: int
    gpus_per_replica: int
    total_gpus: int
    backend: str | None
    parallelism: Parallelism | None
    workload: str | None
    is_worker: bool = False

    @property
    def type_text(self) -> str:
        return self.sub_component_type or self.component_type or "-"

    def to_dict(self) -> dict:
        return {"name": self.name, "componentType": self.component_type, "subComponentType": self.sub_component_type,
                "replicas": {"ready": self.ready, "desired": self.desired}, "nodeCount": self.node_count,
                "gpusPerNode": self.gpus_per_node, "gpusPerReplica": self.gpus_per_replica,
                "totalGpus": self.total_gpus, "backend": self.backend,
                "parallelism": self.parallelism.to_dict() if self.parallelism else None, "workload": self.workload}


@dataclass
class EventRow:
    type: str
    reason: str
    kind: str
    object: str
    message: str
    count: int
    first: dt.datetime | None
    last: dt.datetime | None

    def age(self, now: dt.datetime) -> str:
        """kubectl describe's AGE: `5m`, or `10s (x3 over 5m)` for a repeated event."""
        last = common.age(self.last or self.first, now)
        if self.count > 1 and self.first is not None:
            return f"{last} (x{self.count} over {common.age(self.first, now)})"
        return last

    def to_dict(self) -> dict:
        def iso(when: dt.datetime | None) -> str | None:
            return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None

        return {"type": self.type, "reason": self.reason, "object": {"kind": self.kind, "name": self.object},
                "message": self.message, "count": self.count, "firstTimestamp": iso(self.first),
                "lastTimestamp": iso(self.last)}


@dataclass
class Description:
    """Everything `describe` shows about one DGD (see the module docstring for the JSON shape)."""

    name: str
    namespace: str
    api_version: str
    uid: str | None
    created: str | None
    state: str | None
    ready_status: str | None
    ready_reason: str | None
    ready_message: str | None
    orchestrator: str | None
    orchestrator_source: str
    scheduler: str | None
    queue: str | None
    scheduler_source: str
    backend: str | None
    total_gpus: int
    gpu_nodes: int
    services: list[ServiceRow] = field(default_factory=list)
    objects: list[ObjectStatus] = field(default_factory=list)
    pods: list[PodRow] = field(default_factory=list)
    placement: list[NodePlacement] = field(default_factory=list)
    placement_notes: list[str] = field(default_factory=list)
    pending: list[PendingReason] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "kind": "Description", "apiVersion": self.api_version, "name": self.name, "namespace": self.namespace,
            "uid": self.uid, "creationTimestamp": self.created, "state": self.state,
            "ready": {"status": self.ready_status, "reason": self.ready_reason, "message": self.ready_message},
            "orchestrator": {"name": self.orchestrator, "source": self.orchestrator_source},
            "scheduler": {"name": self.scheduler, "queue": self.queue, "source": self.scheduler_source},
            "backend": self.backend,
            "gpus": {"total": self.total_gpus, "nodes": self.gpu_nodes},
            "services": [s.to_dict() for s in self.services],
            "objects": [o.to_dict() for o in self.objects],
            "pods": [p.to_dict() for p in self.pods],
            "placement": [p.to_dict() for p in self.placement],
            "placementNotes": list(self.placement_notes),
            "pending": [p.to_dict() for p in self.pending],
            "events": [e.to_dict() for e in self.events],
            "findings": [f.to_dict() for f in self.findings],
            "notes": list(self.notes),
        }
