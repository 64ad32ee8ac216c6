"""The facts doctor and explain judge, as the survey (cluster/survey.py) read them: the server,
discovery, controllers, CRD creation times, the operator's configuration and start time, queues,
KAI's health and the GPU inventory. `ClusterFacts.capabilities()` resolves them like the operator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kubectl_dynamo.dgd import capabilities as caps_mod
from kubectl_dynamo.dgd import versions
from kubectl_dynamo.dgd.capabilities import Capabilities, Detected, OrchestratorConfig
from kubectl_dynamo.state import common
from kubectl_dynamo.state.controllers import Controller
from kubectl_dynamo.state.discovery import Discovery
from kubectl_dynamo.state.inventory import Inventory

# The CRD whose creation time tells when each orchestrator API appeared.
ORCHESTRATOR_CRDS = {
    "grove": "podcliquesets.grove.io",
    "lws": "leaderworkersets.leaderworkerset.x-k8s.io",
    "volcano": "podgroups.scheduling.volcano.sh",
    "kaiScheduler": "queues.scheduling.run.ai",
}
GROUPS = {
    "grove": caps_mod.GROUP_GROVE,
    "lws": caps_mod.GROUP_LWS,
    "volcano": caps_mod.GROUP_VOLCANO,
    "kaiScheduler": caps_mod.GROUP_KAI,
}
DGD_CRD = "dynamographdeployments.nvidia.com"


@dataclass
class OperatorFacts:
    controller: Controller | None = None
    configmap: str | None = None
    config: OrchestratorConfig = field(default_factory=OrchestratorConfig)
    config_found: bool = False
    config_error: str | None = None
    started_at: datetime | None = None  # earliest start of a running operator pod


@dataclass
class ClusterFacts:
    context: str | None
    server_version: str | None
    discovery: Discovery
    controllers: dict[str, list[Controller]]
    crds: dict[str, datetime | None]  # CRD name -> creationTimestamp
    operator: OperatorFacts
    host: str | None = None
    kai_queues: list[dict] | None = None  # None: API absent or not readable
    volcano_queues: list[dict] | None = None
    kai_config: dict | None = None  # configs.kai.scheduler/kai-config, when served and readable
    inventory: Inventory | None = None
    forbidden: dict[str, str] = field(default_factory=dict)  # what -> server message
    # read for the version-compatibility rules (state/compat_facts.py); None: not read
    grove_config: dict | None = None  # Grove's OperatorConfiguration (its config.yaml)
    kai_shard: dict | None = None  # schedulingshards.kai.scheduler/default
    driver_versions: dict[str, int] | None = None  # GPU node -> NVIDIA driver major (GFD labels)
    dgds: list[dict] | None = None  # every DGD of the cluster (doctor)

    def detected(self, as_running: bool = False) -> Detected:
        """API groups served now; `as_running`: as the running operator saw them at its start."""
        late = set(self.restart_needed()) if as_running else set()
        d = self.discovery

        def has(group: str) -> bool:
            return d.has_group(group) and group not in late

        return Detected(grove=has(caps_mod.GROUP_GROVE), lws=has(caps_mod.GROUP_LWS),
                        volcano=has(caps_mod.GROUP_VOLCANO), kai=has(caps_mod.GROUP_KAI),
                        disaggregated_set=has(caps_mod.GROUP_DISAGGREGATED_SET))

    def capabilities(self, operator_version: str | None = None, as_running: bool = False) -> Capabilities:
        """Resolved exactly like the operator (dgd.capabilities.resolve), plus queues, restart
        and capacity facts for explain's cluster-aware findings. `operator_version` (from
        --operator-version) replaces the version read from the operator."""
        read = self.operator.controller.version if self.operator.controller else None
        version = operator_version or read
        usable = version if versions.is_semver(version or "") else None
        caps = caps_mod.resolve(self.detected(as_running), self.operator.config, usable, source="cluster",
                                version_assumed=usable is None)
        if usable is None:
            caps.operator_version = version or None  # a custom tag is shown, the newest line mirrored
        caps.version_source = "flag" if operator_version else ("operator" if usable else "mirrored")
        if self.kai_queues is not None:
            caps.queues = {(q.get("metadata") or {}).get("name", "") for q in self.kai_queues}
        caps.restart_needed = self.restart_needed()
        if self.inventory is not None:
            caps.free_gpus_per_node = self.inventory.free_per_schedulable_node()
        from kubectl_dynamo.state.compat_facts import from_cluster

        caps.compat = from_cluster(self, caps)
        caps.component_versions = caps.compat.versions
        return caps

    def restart_needed(self) -> list[str]:
        """API groups whose CRD was created after the operator pod started: the operator detects
        API groups only at start-up, so it has not seen them (reference/dynamo-operator.md §1.1)."""
        started = self.operator.started_at
        if started is None:
            return []
        out = []
        for key, crd in ORCHESTRATOR_CRDS.items():
            created = self.crds.get(crd)
            if created is not None and created > started and self.discovery.has_group(GROUPS[key]):
                out.append(GROUPS[key])
        return out


def crd_times(crds: list[dict]) -> dict[str, datetime | None]:
    """CRD name -> creationTimestamp (aware UTC, state/common.parse_time, as every timestamp)."""
    return {common.meta(c).get("name", ""): common.parse_time(common.meta(c).get("creationTimestamp")) for c in crds}


def earliest_start(pods: list[dict]) -> datetime | None:
    """The earliest startTime of the running pods: when the operator last detected API groups."""
    starts = [common.parse_time(common.status(p).get("startTime")) for p in pods if common.status(p).get("phase") == "Running"]
    return min((s for s in starts if s is not None), default=None)


def parse_operator_config(text: str) -> OrchestratorConfig:
    """`orchestrators.{grove,lws,kaiScheduler,volcanoScheduler}.enabled` from the
    OperatorConfiguration file; anything but a YAML boolean reads as unset, as Go's *bool decoding
    leaves it nil."""
    import yaml

    doc = yaml.safe_load(text) or {}
    orch = (doc.get("orchestrators") if isinstance(doc, dict) else None) or {}
    if not isinstance(orch, dict):
        raise ValueError("orchestrators is not a mapping")

    def flag(key: str) -> bool | None:
        entry = orch.get(key)
        value = entry.get("enabled") if isinstance(entry, dict) else None
        return value if isinstance(value, bool) else None

    return OrchestratorConfig(grove=flag("grove"), lws=flag("lws"), kai_scheduler=flag("kaiScheduler"),
                              volcano_scheduler=flag("volcanoScheduler"))
