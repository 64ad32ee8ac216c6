"""The result of explain: the operator's decision for one DGD, as plain data.

`to_dict()` is the stable JSON contract of SPEC.md (`kind: Explanation`): fields may be added,
never renamed or removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_dynamo.dgd.capabilities import Capabilities
from kubectl_dynamo.dgd.findings import Finding
from kubectl_dynamo.dgd.parallelism import Parallelism

PATHWAY_GROVE = "grove"
PATHWAY_COMPONENT = "component"
PATHWAY_FAILED = "failed"


@dataclass(frozen=True)
class TraceStep:
    step: str
    outcome: str

    def to_dict(self) -> dict:
        return {"step": self.step, "outcome": self.outcome}


@dataclass(frozen=True)
class ObjectRef:
    kind: str
    name: str

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name}


@dataclass
class SchedulerPlan:
    name: str | None = None  # schedulerName the pods get (None: the cluster default)
    queue: str | None = None
    queue_exists: bool | None = None  # None: unknown (offline or not checked)
    pod_group: str | None = None
    min_member: int | None = None

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "queue": self.queue,
            "queueExists": self.queue_exists,
            "podGroup": self.pod_group,
            "minMember": self.min_member,
        }


@dataclass
class LaunchPlan:
    mode: str = "none"  # mp | ray | dp-hybrid-lb | sglang-dist | mpirun | none
    leader_args: list[str] = field(default_factory=list)  # what the operator injects for the leader
    worker_args: list[str] = field(default_factory=list)
    leader_command: str | None = None  # the leader's effective command line, when multinode
    worker_command: str | None = None
    reason: str = ""
    extras: list[str] = field(default_factory=list)  # env, init containers, probes, secrets

    def to_dict(self) -> dict:
        return {
            "mode": self.mode,
            "leaderArgs": list(self.leader_args),
            "workerArgs": list(self.worker_args),
            "leaderCommand": self.leader_command,
            "workerCommand": self.worker_command,
            "reason": self.reason,
            "extras": list(self.extras),
        }


@dataclass
class ServicePlan:
    name: str
    component_type: str | None
    backend: str | None
    replicas: int
    node_count: int
    gpus_per_node: int
    gpus_per_replica: int
    total_gpus: int
    parallelism: Parallelism | None
    parallelism_source: str | None
    workload: str | None  # PodCliqueScalingGroup | PodClique | LeaderWorkerSet | Deployment | None
    objects: list[ObjectRef]
    scheduler: SchedulerPlan
    launch: LaunchPlan

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "componentType": self.component_type,
            "backend": self.backend,
            "replicas": self.replicas,
            "nodeCount": self.node_count,
            "gpusPerNode": self.gpus_per_node,
            "gpusPerReplica": self.gpus_per_replica,
            "totalGpus": self.total_gpus,
            "parallelism": self.parallelism.to_dict() if self.parallelism else None,
            "parallelismSource": self.parallelism_source,
            "workload": self.workload,
            "objects": [o.to_dict() for o in self.objects],
            "scheduler": self.scheduler.to_dict(),
            "launch": self.launch.to_dict(),
        }


@dataclass
class Explanation:
    name: str
    namespace: str | None
    capabilities: Capabilities
    pathway: str
    trace: list[TraceStep]
    services: list[ServicePlan]
    findings: list[Finding]
    source: str = "-"
    objects: list[ObjectRef] = field(default_factory=list)  # made once per DGD (PodCliqueSet, ConfigMap, Secret)
    workload_provider: str | None = None  # grove | component | disaggregatedset (the program that runs it)

    @property
    def total_gpus(self) -> int:
        return sum(s.total_gpus for s in self.services)

    def to_dict(self) -> dict:
        return {
            "kind": "Explanation",
            "name": self.name,
            "namespace": self.namespace,
            "source": self.source,
            "capabilities": self.capabilities.to_dict(),
            "pathway": self.pathway,
            "workloadProvider": self.workload_provider,
            "trace": [t.to_dict() for t in self.trace],
            "objects": [o.to_dict() for o in self.objects],
            "services": [s.to_dict() for s in self.services],
            "totalGpus": self.total_gpus,
            "findings": [f.to_dict() for f in self.findings],
        }
