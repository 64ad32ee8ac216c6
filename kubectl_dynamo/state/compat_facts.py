"""The compatibility facts of dgd/compat.py read from plain cluster objects (CRD names, Grove's
operator configuration, KAI's SchedulingShard, Nodes, live DGDs): reference/compatibility.md §3.
Pure functions; cluster/survey.py fetches the objects, these read them.

Versions come from the controllers' image tags (state/controllers.py), the operator's chart
version from its --operator-version= argument, Kubernetes from /version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubectl_dynamo.dgd import capabilities as caps_mod
from kubectl_dynamo.dgd import gates, versions
from kubectl_dynamo.dgd.compat import CompatFacts, ComponentVersions
from kubectl_dynamo.dgd.compat_dgd import scaled, uses_topology
from kubectl_dynamo.dgd.fields import ascii_int
from kubectl_dynamo.dgd.model import Graph, NotADGD, mapping, read_graph
from kubectl_dynamo.dgd.names import PODCLIQUE_NAME_LIMIT, longest_podclique, pod_clique_set
from kubectl_dynamo.dgd.pathway import grove_opt_out, wants_disaggregated_set
from kubectl_dynamo.state import common
from kubectl_dynamo.state.controllers import DYNAMO, GROVE, KAI, LWS, VOLCANO, flag_value, image_tag

if TYPE_CHECKING:
    from kubectl_dynamo.dgd.capabilities import Capabilities
    from kubectl_dynamo.state.facts import ClusterFacts

CRD_TOPOLOGY_OLD = "clustertopologies.grove.io"  # Grove <= alpha.8
CRD_TOPOLOGY_BINDING = "clustertopologybindings.grove.io"  # Grove >= alpha.9 (grove#616)
STALENESS_ARG = "default-staleness-grace-period"
SKIP_PODGROUPER = "kai.scheduler/skip-podgrouper"  # set by Grove's own KAI backend (>= alpha.12-rc2)
DRIVER_LABELS = ("nvidia.com/cuda.driver-version.major", "nvidia.com/cuda.driver.major")  # GFD, newer then older
KAI_SCHEDULER_DEPLOYMENT = "kai-scheduler-default"  # the scheduler KAI's operator runs for the default shard
GROUP_DRA = "resource.k8s.io"


def grove_topology_api(crd_names: set[str]) -> str | None:
    """Which topology API generation Grove's CRDs serve (§3.2 fingerprint); None: neither."""
    if CRD_TOPOLOGY_BINDING in crd_names:
        return "ClusterTopologyBinding"
    if CRD_TOPOLOGY_OLD in crd_names:
        return "ClusterTopology"
    return None


def grove_profiles(config: Any) -> list[str] | None:
    """`scheduler.profiles[].name` of Grove's OperatorConfiguration (parsed config.yaml); None
    when the configuration has no scheduler section (older Grove: only the default scheduler)."""
    if not isinstance(config, dict):
        return None
    scheduler = config.get("scheduler")
    if not isinstance(scheduler, dict) or not isinstance(scheduler.get("profiles"), list):
        return None
    return [str(p["name"]) for p in scheduler["profiles"] if isinstance(p, dict) and p.get("name")]


def kai_staleness(shard: Any, scheduler_args: list[str] | None = None) -> tuple[str | None, bool]:
    """KAI's default-staleness-grace-period: SchedulingShard `default` spec.args (what the chart's
    check reads), else a --default-staleness-grace-period= flag on the scheduler's container.
    Returns (value or None when unset, whether either source could be read)."""
    known = False
    if isinstance(shard, dict):
        known = True
        args = (shard.get("spec") or {}).get("args") if isinstance(shard.get("spec"), dict) else None
        if isinstance(args, dict) and args.get(STALENESS_ARG) is not None:
            return str(args[STALENESS_ARG]), True
    if scheduler_args is not None:
        known = True
        for arg in scheduler_args:
            if arg.startswith(f"--{STALENESS_ARG}="):
                return arg.split("=", 1)[1], True
    return None, known


def driver_majors(nodes: list[dict]) -> dict[str, int]:
    """The NVIDIA driver major version per node, from GPU feature discovery labels."""
    out: dict[str, int] = {}
    for node in nodes:
        meta = common.meta(node)
        labels = mapping(meta, "labels")
        for key in DRIVER_LABELS:
            value = ascii_int(str(labels.get(key, "")).strip())
            if value is not None:
                out[str(meta.get("name") or "?")] = value
                break
    return out


def grove_kai_backend(pods: list[dict]) -> bool | None:
    """Runtime evidence of Grove's own KAI backend: pods marked kai.scheduler/skip-podgrouper.
    None when no pod says so (absence proves nothing: maybe no gang runs yet)."""
    for pod in pods:
        ann = ((pod.get("metadata") or {}).get("annotations") or {}) if isinstance(pod, dict) else {}
        if str(ann.get(SKIP_PODGROUPER, "")).lower() == "true":
            return True
    return None


def dgd_facts(graphs: list[Graph], rules: gates.RuleSet, grove: bool) -> dict[str, list]:
    """The per-DGD inputs of R2, R8, R11, R13 and R14 for a cluster's DGDs, `grove`: whether the
    operator runs Grove (the PodClique names of opted-out DGDs do not exist)."""
    ref = lambda g: f"{g.namespace}/{g.name}" if g.namespace else g.name  # noqa: E731
    long: list[tuple[str, str]] = []
    for g in graphs:
        if not grove or grove_opt_out(g):
            continue
        pcs = pod_clique_set(g, rules)
        for svc in g.services:
            name = longest_podclique(g, svc, pcs)
            if len(name) > PODCLIQUE_NAME_LIMIT:
                long.append((ref(g), name))
    return {
        "topology_dgds": [ref(g) for g in graphs if uses_topology(g)],
        "scaled_dgds": [ref(g) for g in graphs if scaled(g)],
        "ds_dgds": [ref(g) for g in graphs if wants_disaggregated_set(g)],
        "dra_features": [ref(g) for g in graphs if any(s.gpu_claims for s in g.services)],
        "long_podcliques": long,
    }


def semver(version: str | None) -> bool:
    return versions.is_semver(version or "")


def _version(facts: ClusterFacts, project: str) -> str | None:
    ctrls = facts.controllers.get(project) or []
    return ctrls[0].version if ctrls else None


def _kai_scheduler_args(facts: ClusterFacts) -> list[str] | None:
    ctrls = facts.controllers.get(KAI) or []
    sched = next((c for c in ctrls if c.name == KAI_SCHEDULER_DEPLOYMENT), None)
    return sched.args if sched else None


def from_cluster(facts: ClusterFacts, caps: Capabilities) -> CompatFacts:
    """Everything the compatibility rules need, from what the survey read. Anything that could
    not be read stays None, so the rules that need it are skipped, not guessed."""
    d = facts.discovery
    ops = facts.controllers.get(DYNAMO) or []
    op = facts.operator.controller or (ops[0] if ops else None)
    # the operator's line: read (or --operator-version); a custom tag is unknown, not the newest line
    operator = caps.operator_version if semver(caps.operator_version) and (op or caps.version_source == "flag") else None
    found = ComponentVersions(operator=operator, grove=_version(facts, GROVE), kai=_version(facts, KAI),
                              lws=_version(facts, LWS), volcano=_version(facts, VOLCANO), kubernetes=facts.server_version)
    crds_read = "customresourcedefinitions" not in facts.forbidden
    staleness, staleness_known = kai_staleness(facts.kai_shard, _kai_scheduler_args(facts))
    out = CompatFacts(
        versions=found,
        operator_image_tag=image_tag(op.image) if op else None,
        operator_chart_version=flag_value(op.args, "--operator-version") if op else None,
        installed={"grove": d.has_group(caps_mod.GROUP_GROVE), "kai": d.has_group(caps_mod.GROUP_KAI),
                   "lws": d.has_group(caps_mod.GROUP_LWS), "volcano": d.has_group(caps_mod.GROUP_VOLCANO)},
        grove_topology_api=grove_topology_api(set(facts.crds)) if crds_read else None,
        grove_profiles=grove_profiles(facts.grove_config),
        kai_staleness=staleness,
        kai_staleness_known=staleness_known,
        volcano_scheduler=caps.volcano_scheduler,
        kai_enabled=caps.kai_scheduler,
        driver_versions=facts.driver_versions,
        ds_api=d.has_group(caps_mod.GROUP_DISAGGREGATED_SET),
    )
    if facts.dgds is not None:
        graphs = []
        for obj in facts.dgds:
            try:
                graphs.append(read_graph(obj, "cluster"))
            except NotADGD:
                continue
        per_dgd = dgd_facts(graphs, caps.rules, caps.grove)
        for name, value in per_dgd.items():
            setattr(out, name, value)
        out.dra_in_use = bool(per_dgd["dra_features"]) and d.has_group(GROUP_DRA)
    return out
