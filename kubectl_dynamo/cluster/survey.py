"""Everything doctor and explain need to know about a cluster, read in two rounds of parallel reads:

1. server version, discovery (/api + /apis, aggregated), all Deployments, CRD metadata
   (PartialObjectMetadata: names and creation times without the multi-megabyte schemas);
2. the operator's ConfigMap and pods, KAI and Volcano queues, KAI's health Config, Nodes and Pods
   (GPU inventory).

Reads that are forbidden are recorded in `forbidden` and the rest carries on (doctor shows them as
`skip`); any other failure is raised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from kubectl_dynamo.cluster.client import METADATA_LIST_ACCEPT, Cluster, Discovery, Forbidden, NotFound
from kubectl_dynamo.cluster.controllers import DYNAMO, Controller, find_controllers, operator_configmap_name
from kubectl_dynamo.cluster.inventory import Inventory, build_inventory
from kubectl_dynamo.dgd import capabilities as caps_mod
from kubectl_dynamo.dgd import versions
from kubectl_dynamo.dgd.capabilities import Capabilities, Detected, OrchestratorConfig

T = TypeVar("T")

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
KAI_CONFIG_GROUP = "kai.scheduler"  # configs.kai.scheduler/kai-config: KAI's own health


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

    def detected(self, as_running: bool = False) -> Detected:
        """API groups served now; `as_running`: as the running operator saw them at its start."""
        late = set(self.restart_needed()) if as_running else set()
        d = self.discovery

        def has(group: str) -> bool:
            return d.has_group(group) and group not in late

        return Detected(grove=has(caps_mod.GROUP_GROVE), lws=has(caps_mod.GROUP_LWS),
                        volcano=has(caps_mod.GROUP_VOLCANO), kai=has(caps_mod.GROUP_KAI))

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


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_operator_config(text: str) -> OrchestratorConfig:
    """`orchestrators.{grove,lws,kaiScheduler}.enabled` from the OperatorConfiguration file;
    anything but a YAML boolean reads as unset, as Go's *bool decoding leaves it nil."""
    import yaml

    doc = yaml.safe_load(text) or {}
    orch = (doc.get("orchestrators") if isinstance(doc, dict) else None) or {}
    if not isinstance(orch, dict):
        raise ValueError("orchestrators is not a mapping")

    def flag(key: str) -> bool | None:
        entry = orch.get(key)
        value = entry.get("enabled") if isinstance(entry, dict) else None
        return value if isinstance(value, bool) else None

    return OrchestratorConfig(grove=flag("grove"), lws=flag("lws"), kai_scheduler=flag("kaiScheduler"))


def _guard(forbidden: dict[str, str], what: str, call: Callable[[], T], default: T | None = None) -> T | None:
    """`call()`, or `default` when the user may not (recorded in `forbidden`) or the resource is
    gone (a 404 on a listed API: a CRD deleted a moment ago)."""
    try:
        return call()
    except Forbidden as exc:
        forbidden[what] = exc.message
        return default
    except NotFound:
        return default


def served_version(disc: Discovery, group: str, kind: str, prefer: str) -> str:
    """The version of `group` serving `kind`: `prefer` when it does (or when discovery did not list
    resources), else the first that does."""
    versions_ = disc.groups.get(group) or []
    if not disc.complete or (f"{group}/{prefer}", kind) in disc.resources:
        return prefer
    return next((v for v in versions_ if (f"{group}/{v}", kind) in disc.resources), prefer)


def survey(cluster: Cluster, *, inventory: bool = True, queues: bool = True) -> ClusterFacts:
    """Read the facts; raises ClusterError when the cluster cannot be used at all."""
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
    controllers = find_controllers(deps or [])
    crd_times = {(c.get("metadata") or {}).get("name", ""): parse_time((c.get("metadata") or {}).get("creationTimestamp"))
                 for c in crd_items or []}
    facts = ClusterFacts(cluster.conn.context, server_version, disc, controllers, crd_times, OperatorFacts(),
                         host=cluster.conn.host, forbidden=forbidden)

    ops = controllers.get(DYNAMO) or []
    op = next((c for c in ops if c.available), ops[0] if ops else None)
    calls: list[Callable[[], Any]] = []
    if op is not None:
        facts.operator.controller = op
        facts.operator.configmap = operator_configmap_name(op)
        calls.append(lambda: _read_operator(cluster, facts, op))
    if queues and disc.has_group(caps_mod.GROUP_KAI):
        path = f"/apis/{caps_mod.GROUP_KAI}/{served_version(disc, caps_mod.GROUP_KAI, 'Queue', 'v2')}/queues"
        calls.append(lambda: setattr(facts, "kai_queues", _guard(
            forbidden, "queues.scheduling.run.ai", lambda: cluster.list(path, what="queues.scheduling.run.ai"))))
    if queues and disc.has_group(caps_mod.GROUP_VOLCANO):
        vpath = f"/apis/{caps_mod.GROUP_VOLCANO}/{served_version(disc, caps_mod.GROUP_VOLCANO, 'Queue', 'v1beta1')}/queues"
        calls.append(lambda: setattr(facts, "volcano_queues", _guard(
            forbidden, "queues.scheduling.volcano.sh", lambda: cluster.list(vpath, what="queues.scheduling.volcano.sh"))))
    if queues and disc.has_group(KAI_CONFIG_GROUP):
        cpath = f"/apis/{KAI_CONFIG_GROUP}/{served_version(disc, KAI_CONFIG_GROUP, 'Config', 'v1')}/configs/kai-config"
        calls.append(lambda: setattr(facts, "kai_config", _guard(
            forbidden, "configs.kai.scheduler", lambda: cluster.get(cpath, what="configs.kai.scheduler/kai-config"))))
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
        cm = _guard(facts.forbidden, f"configmaps/{name}", lambda: cluster.get(
            f"/api/v1/namespaces/{op.namespace}/configmaps/{name}", what=f"configmaps/{name}"))
        text = ((cm or {}).get("data") or {}).get("config.yaml")
        if text is None:
            return
        facts.operator.config_found = True
        try:
            facts.operator.config = parse_operator_config(text)
        except Exception as exc:  # noqa: BLE001 - a YAML error in the operator's own config
            facts.operator.config_error = str(exc).splitlines()[0]

    def pods() -> None:
        selector = ",".join(f"{k}={v}" for k, v in op.selector.items()) or None
        items = _guard(facts.forbidden, "pods (operator)", lambda: cluster.list(
            f"/api/v1/namespaces/{op.namespace}/pods", label_selector=selector, what="pods"), [])
        starts = [parse_time((p.get("status") or {}).get("startTime")) for p in items or []
                  if (p.get("status") or {}).get("phase") == "Running"]
        starts = [s for s in starts if s is not None]
        facts.operator.started_at = min(starts) if starts else None

    cluster.parallel(config, pods)


def _read_inventory(cluster: Cluster, facts: ClusterFacts) -> None:
    nodes, pods = cluster.parallel(
        lambda: _guard(facts.forbidden, "nodes", lambda: cluster.list("/api/v1/nodes", what="nodes")),
        lambda: _guard(facts.forbidden, "pods", lambda: cluster.list(
            "/api/v1/pods", field_selector="spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed", what="pods")))
    if nodes is None:
        return
    facts.inventory = build_inventory(nodes, pods)
