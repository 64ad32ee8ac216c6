"""Everything doctor and explain need to know about a cluster, read in a few parallel round trips:

1. discovery (/api + /apis, aggregated), all Deployments, CRD metadata (PartialObjectMetadata:
   names and creation times without the multi-megabyte schemas), server version;
2. the operator's ConfigMap and pods, KAI and Volcano queues, Nodes and Pods (GPU inventory).

Reads that are forbidden are recorded in `forbidden` and the rest carries on (doctor shows them as
`skip`); any other failure is raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kubectl_dynamo.cluster.client import METADATA_LIST_ACCEPT, Cluster, Discovery, Forbidden, NotFound
from kubectl_dynamo.cluster.controllers import DYNAMO, Controller, find_controllers, operator_configmap_name
from kubectl_dynamo.cluster.inventory import Inventory, build_inventory
from kubectl_dynamo.dgd import capabilities as caps_mod
from kubectl_dynamo.dgd.capabilities import Capabilities, Detected, OrchestratorConfig

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
    kai_queues: list[dict] | None = None  # None: API absent or not readable
    volcano_queues: list[dict] | None = None
    inventory: Inventory | None = None
    forbidden: dict[str, str] = field(default_factory=dict)  # what -> server message

    def capabilities(self) -> Capabilities:
        """Resolved exactly like the operator (dgd.capabilities.resolve), plus queues, restart
        and capacity facts for explain's cluster-aware findings."""
        d = self.discovery
        detected = Detected(grove=d.has_group(caps_mod.GROUP_GROVE), lws=d.has_group(caps_mod.GROUP_LWS),
                            volcano=d.has_group(caps_mod.GROUP_VOLCANO), kai=d.has_group(caps_mod.GROUP_KAI))
        version = self.operator.controller.version if self.operator.controller else None
        from kubectl_dynamo.dgd import versions

        usable = version if versions.is_semver(version or "") else None
        caps = caps_mod.resolve(detected, self.operator.config, usable, source="cluster", version_assumed=usable is None)
        if usable is None:
            caps.operator_version = version or None
        if self.kai_queues is not None:
            caps.queues = {(q.get("metadata") or {}).get("name", "") for q in self.kai_queues}
        caps.restart_needed = self.restart_needed()
        if self.inventory is not None:
            caps.free_gpus_per_node = self.inventory.free_per_schedulable_node()
        return caps

    def restart_needed(self) -> list[str]:
        """APIs whose CRD was created after the operator pod started: the operator detects API
        groups only at start-up, so it has not seen them (reference/dynamo-operator.md §1.1)."""
        started = self.operator.started_at
        if started is None:
            return []
        out = []
        for key, crd in ORCHESTRATOR_CRDS.items():
            created = self.crds.get(crd)
            if created is not None and created > started and self.discovery.has_group(GROUPS[key]):
                out.append(GROUPS[key])
        return out


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_operator_config(text: str) -> OrchestratorConfig:
    """`orchestrators.{grove,lws,kaiScheduler}.enabled` from the OperatorConfiguration file."""
    import yaml

    doc = yaml.safe_load(text) or {}
    orch = (doc.get("orchestrators") if isinstance(doc, dict) else None) or {}

    def flag(key: str) -> bool | None:
        value = (orch.get(key) or {}).get("enabled") if isinstance(orch.get(key), dict) else None
        return value if isinstance(value, bool) else None

    return OrchestratorConfig(grove=flag("grove"), lws=flag("lws"), kai_scheduler=flag("kaiScheduler"))


def _guard(forbidden: dict[str, str], what: str, call, default=None):
    try:
        return call()
    except Forbidden as exc:
        forbidden[what] = exc.message
        return default


def survey(cluster: Cluster, *, inventory: bool = True, queues: bool = True) -> ClusterFacts:
    forbidden: dict[str, str] = {}

    def version() -> str | None:
        return cluster.get("/version", what="server version").get("gitVersion")

    def deployments() -> list[dict]:
        return _guard(forbidden, "deployments", lambda: cluster.list("/apis/apps/v1/deployments", what="deployments"), [])

    def crds() -> list[dict]:
        return _guard(forbidden, "customresourcedefinitions", lambda: cluster.list(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", accept=METADATA_LIST_ACCEPT,
            what="customresourcedefinitions"), [])

    server_version, disc, deps, crd_items = cluster.parallel(version, cluster.discovery, deployments, crds)
    controllers = find_controllers(deps)
    crd_times = {(c.get("metadata") or {}).get("name", ""): parse_time((c.get("metadata") or {}).get("creationTimestamp"))
                 for c in crd_items}
    facts = ClusterFacts(cluster.conn.context, server_version, disc, controllers, crd_times, OperatorFacts(), forbidden=forbidden)

    ops = controllers.get(DYNAMO) or []
    op = next((c for c in ops if c.available), ops[0] if ops else None)
    calls = []
    if op is not None:
        facts.operator.controller = op
        facts.operator.configmap = operator_configmap_name(op)
        calls.append(lambda: _read_operator(cluster, facts, op))
    if queues and disc.has_group(caps_mod.GROUP_KAI):
        calls.append(lambda: setattr(facts, "kai_queues", _guard(forbidden, "queues.scheduling.run.ai", lambda: cluster.list(
            f"/apis/{caps_mod.GROUP_KAI}/v2/queues", what="queues.scheduling.run.ai"))))
    if queues and disc.has_group(caps_mod.GROUP_VOLCANO):
        calls.append(lambda: setattr(facts, "volcano_queues", _guard(forbidden, "queues.scheduling.volcano.sh", lambda: cluster.list(
            f"/apis/{caps_mod.GROUP_VOLCANO}/v1beta1/queues", what="queues.scheduling.volcano.sh"))))
    if inventory:
        calls.append(lambda: _read_inventory(cluster, facts))
    if calls:
        cluster.parallel(*calls)
    return facts


def _read_operator(cluster: Cluster, facts: ClusterFacts, op: Controller) -> None:
    name = facts.operator.configmap

    def config() -> None:
        if not name:
            return
        try:
            cm = cluster.get(f"/api/v1/namespaces/{op.namespace}/configmaps/{name}", what=f"configmaps/{name}")
        except NotFound:
            return
        except Forbidden as exc:
            facts.forbidden[f"configmaps/{name}"] = exc.message
            return
        text = (cm.get("data") or {}).get("config.yaml")
        if text is None:
            return
        facts.operator.config_found = True
        try:
            facts.operator.config = parse_operator_config(text)
        except Exception as exc:  # a YAML error in the operator's own config
            facts.operator.config_error = str(exc).splitlines()[0]

    def pods() -> None:
        selector = ",".join(f"{k}={v}" for k, v in op.selector.items()) or None
        items = _guard(facts.forbidden, "pods (operator)", lambda: cluster.list(
            f"/api/v1/namespaces/{op.namespace}/pods", label_selector=selector, what="pods"), [])
        starts = [parse_time((p.get("status") or {}).get("startTime")) for p in items
                  if (p.get("status") or {}).get("phase") == "Running"]
        starts = [s for s in starts if s is not None]
        facts.operator.started_at = min(starts) if starts else None

    cluster.parallel(config, pods)


def _read_inventory(cluster: Cluster, facts: ClusterFacts) -> None:
    nodes = _guard(facts.forbidden, "nodes", lambda: cluster.list("/api/v1/nodes", what="nodes"))
    if nodes is None:
        return
    pods = _guard(facts.forbidden, "pods", lambda: cluster.list(
        "/api/v1/pods", field_selector="status.phase!=Succeeded,status.phase!=Failed", what="pods"), [])
    facts.inventory = build_inventory(nodes, pods)
