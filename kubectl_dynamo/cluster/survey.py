"""Everything doctor and explain need to know about a cluster, read in two rounds of parallel reads:

1. server version, discovery (/api + /apis, aggregated), all Deployments, CRD metadata
   (PartialObjectMetadata: names and creation times without the multi-megabyte schemas);
2. the operator's ConfigMap and pods, KAI and Volcano queues, KAI's health Config, Nodes and Pods
   (GPU inventory); for the version-compatibility rules Grove's configuration, KAI's default
   SchedulingShard and (doctor, `dgds=True`) every DGD.

Reads that are forbidden are recorded in `forbidden` and the rest carries on (doctor shows them as
`skip`); any other failure is raised. What the answers mean is read by state/ (facts, controllers,
inventory).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from kubectl_dynamo.cluster import reads
from kubectl_dynamo.cluster.client import METADATA_LIST_ACCEPT, Cluster
from kubectl_dynamo.cluster.dgds import DGD_RESOURCE, dgd_resource, list_dgds
from kubectl_dynamo.dgd import capabilities as caps_mod
from kubectl_dynamo.dgd.model import GROUP
from kubectl_dynamo.errors import Forbidden, NotFound
from kubectl_dynamo.state.compat_facts import driver_majors
from kubectl_dynamo.state.controllers import (
    DYNAMO,
    GROVE,
    Controller,
    find_controllers,
    operator_configmap_name,
)
from kubectl_dynamo.state.facts import (
    ClusterFacts,
    OperatorFacts,
    crd_times,
    earliest_start,
    parse_operator_config,
)
from kubectl_dynamo.state.inventory import build_inventory

T = TypeVar("T")

KAI_CONFIG_GROUP = "kai.scheduler"  # configs.kai.scheduler/kai-config: KAI's own health


def _guard(forbidden: dict[str, str], what: str, call: Callable[[], T]) -> T | None:
    """`call()`, or None when the user may not (recorded in `forbidden`) or the resource is gone
    (a 404 on a listed API: a CRD deleted a moment ago)."""
    try:
        return call()
    except Forbidden as exc:
        forbidden[what] = exc.message
        return None
    except NotFound:
        return None


def survey(cluster: Cluster, *, inventory: bool = True, queues: bool = True, dgds: bool = False) -> ClusterFacts:
    """Read the facts; raises ClusterError when the cluster cannot be used at all. `dgds`: also
    every DGD of the cluster (doctor's per-DGD compatibility rules)."""
    forbidden: dict[str, str] = {}

    def version() -> str | None:
        return reads.server_version(cluster).get("gitVersion")

    def deployments() -> list[dict]:
        return _guard(forbidden, "deployments", lambda: reads.deployments(cluster)) or []

    def crds() -> list[dict]:
        return _guard(forbidden, "customresourcedefinitions", lambda: cluster.list(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", accept=METADATA_LIST_ACCEPT,
            what="customresourcedefinitions")) or []

    server_version, disc, deps, crd_items = cluster.parallel(version, cluster.discovery, deployments, crds)
    controllers = find_controllers(deps or [])
    facts = ClusterFacts(cluster.conn.context, server_version, disc, controllers, crd_times(crd_items or []), OperatorFacts(),
                         host=cluster.conn.host, forbidden=forbidden)

    ops = controllers.get(DYNAMO) or []
    op = next((c for c in ops if c.available), ops[0] if ops else None)
    calls: list[Callable[[], Any]] = []
    if op is not None:
        facts.operator.controller = op
        facts.operator.configmap = operator_configmap_name(op)
        calls.append(lambda: _read_operator(cluster, facts, op))
    kai = disc.served_version(caps_mod.GROUP_KAI, "Queue", "v2") if queues else None
    volcano = disc.served_version(caps_mod.GROUP_VOLCANO, "Queue", "v1beta1") if queues else None
    kai_config = disc.served_version(KAI_CONFIG_GROUP, "Config", "v1") if queues else None
    if kai:
        path = f"/apis/{caps_mod.GROUP_KAI}/{kai}/queues"
        calls.append(lambda: setattr(facts, "kai_queues", _guard(
            forbidden, "queues.scheduling.run.ai", lambda: cluster.list(path, what="queues.scheduling.run.ai"))))
    if volcano:
        vpath = f"/apis/{caps_mod.GROUP_VOLCANO}/{volcano}/queues"
        calls.append(lambda: setattr(facts, "volcano_queues", _guard(
            forbidden, "queues.scheduling.volcano.sh", lambda: cluster.list(vpath, what="queues.scheduling.volcano.sh"))))
    if kai_config:
        cpath = f"/apis/{KAI_CONFIG_GROUP}/{kai_config}/configs/kai-config"
        calls.append(lambda: setattr(facts, "kai_config", _guard(
            forbidden, "configs.kai.scheduler", lambda: cluster.get(cpath, what="configs.kai.scheduler/kai-config"))))
    if inventory:
        calls.append(lambda: _read_inventory(cluster, facts))
    groves = controllers.get(GROVE) or []
    if groves:
        calls.append(lambda: _read_grove_config(cluster, facts, groves[0]))
    shard = disc.served_version(KAI_CONFIG_GROUP, "SchedulingShard", "v1")
    if shard:
        spath = f"/apis/{KAI_CONFIG_GROUP}/{shard}/schedulingshards/default"
        calls.append(lambda: setattr(facts, "kai_shard", _guard(
            forbidden, "schedulingshards.kai.scheduler", lambda: cluster.get(spath, what="schedulingshards.kai.scheduler/default"))))
    if dgds and disc.has_group(GROUP):
        def all_dgds() -> list[dict] | None:
            return list_dgds(cluster, None) if dgd_resource(cluster) else None

        calls.append(lambda: setattr(facts, "dgds", _guard(forbidden, DGD_RESOURCE, all_dgds)))
    if calls:
        cluster.parallel(*calls)
    return facts


def _read_grove_config(cluster: Cluster, facts: ClusterFacts, grove: Controller) -> None:
    """Grove's OperatorConfiguration (ConfigMap grove-operator-cm-<hash>, key config.yaml), for its
    scheduler profiles; an unreadable or unparseable one stays unknown."""
    import yaml

    names = [str((v.get("configMap") or {}).get("name")) for v in grove.volumes if (v.get("configMap") or {}).get("name")]
    def read(name: str) -> dict:
        return cluster.get(f"/api/v1/namespaces/{grove.namespace}/configmaps/{name}", what=f"configmaps/{name}")

    for name in names:
        cm = _guard(facts.forbidden, f"configmaps/{name}", functools.partial(read, name))
        text = ((cm or {}).get("data") or {}).get("config.yaml")
        if text is None:
            continue
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError:
            return
        facts.grove_config = doc if isinstance(doc, dict) else None
        return


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
            f"/api/v1/namespaces/{op.namespace}/pods", label_selector=selector, what="pods"))
        facts.operator.started_at = earliest_start(items or [])

    cluster.parallel(config, pods)


def _read_inventory(cluster: Cluster, facts: ClusterFacts) -> None:
    nodes, pods = cluster.parallel(
        lambda: _guard(facts.forbidden, "nodes", lambda: cluster.list("/api/v1/nodes", what="nodes")),
        lambda: _guard(facts.forbidden, "pods", lambda: cluster.list(
            "/api/v1/pods", field_selector="spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed", what="pods")))
    if nodes is None:
        return
    facts.inventory = build_inventory(nodes, pods)
    facts.driver_versions = driver_majors(nodes)
