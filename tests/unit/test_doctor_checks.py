"""checks/doctor.py and checks/orchestrators.py: the doctor checks over plain ClusterFacts, and the
survey facts of state/facts.py (operator configuration, restart-needed, capabilities)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from kubectl_dynamo.checks.doctor import DoctorInput, report, run_checks
from kubectl_dynamo.contracts.doctor import DoctorCheck
from kubectl_dynamo.dgd.capabilities import OrchestratorConfig
from kubectl_dynamo.state.access import NEEDS, read_review
from kubectl_dynamo.state.controllers import DYNAMO, find_controllers
from kubectl_dynamo.state.discovery import Discovery, Resource
from kubectl_dynamo.state.facts import (
    ClusterFacts,
    OperatorFacts,
    crd_times,
    earliest_start,
    parse_operator_config,
)
from kubectl_dynamo.state.inventory import build_inventory

from .test_controllers import deployment
from .test_inventory import node, pod

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
OPERATOR = "dynamo-platform-dynamo-operator-controller-manager"

APIS = {  # name -> (group, version, kind) served
    "dynamo": [("nvidia.com", "v1alpha1", "DynamoGraphDeployment")],
    "grove": [("grove.io", "v1alpha1", "PodCliqueSet"), ("scheduler.grove.io", "v1alpha1", "PodGang")],
    "kai": [("scheduling.run.ai", "v2", "Queue"), ("scheduling.run.ai", "v2alpha2", "PodGroup")],
    "lws": [("leaderworkerset.x-k8s.io", "v1", "LeaderWorkerSet")],
    "volcano": [("scheduling.volcano.sh", "v1beta1", "PodGroup"), ("scheduling.volcano.sh", "v1beta1", "Queue")],
}
CRDS = {"grove": "podcliquesets.grove.io", "kai": "queues.scheduling.run.ai",
        "lws": "leaderworkersets.leaderworkerset.x-k8s.io", "volcano": "podgroups.scheduling.volcano.sh"}
CONTROLLERS = {
    "grove": deployment("grove-operator", "grove-system", image="r/grove-operator:v0.1.0-alpha.8", container="grove-operator"),
    # v0.13.4: the KAI the 1.1 platform bundles (a lower one warns: compat.kai-version)
    "kai": deployment("kai-operator", "kai-scheduler", labels={"app": "kai-operator"}, image="r/operator:v0.13.4"),
    "lws": deployment("lws-controller-manager", "lws-system", image="r/lws:v0.7.0"),
    "volcano": deployment("volcano-scheduler", "volcano-system", image="r/vc-scheduler:v1.12.0", container="volcano-scheduler"),
}


def discovery(*apis: str) -> Discovery:
    d = Discovery()
    for api in apis:
        for group, version, kind in APIS[api]:
            d.groups.setdefault(group, [])
            if version not in d.groups[group]:
                d.groups[group].append(version)
            d.resources[(f"{group}/{version}", kind)] = Resource(group, version, kind, kind.lower() + "s", True)
    return d


def queue(name: str) -> dict:
    return {"metadata": {"name": name}}


def facts(apis: tuple[str, ...] = ("dynamo", "grove", "kai"), *, controllers: tuple[str, ...] | None = None,
          operator: dict | None | bool = True, config: str | None = "orchestrators: {}", started: datetime | None = T0,
          crd_times: dict[str, datetime] | None = None, kai_queues: list[str] | None = ("dynamo",),
          nodes: list[dict] | None = None, pods: list[dict] | None = (), forbidden: dict[str, str] | None = None,
          **extra: Any) -> ClusterFacts:
    """A Grove + KAI cluster with an available operator 1.1.0 unless told otherwise."""
    deps = [CONTROLLERS[c] for c in (controllers if controllers is not None else [a for a in apis if a in CONTROLLERS])]
    if operator is True:
        operator = deployment(OPERATOR, "dynamo-system", image="nvcr.io/nvidia/ai-dynamo/kubernetes-operator:1.1.0")
    if operator:
        deps.append(operator)
    ctrls = find_controllers(deps)
    op = OperatorFacts()
    if ctrls.get(DYNAMO):
        op.controller = ctrls[DYNAMO][0]
        op.configmap = "dynamo-platform-dynamo-operator-config"
        op.started_at = started
        if config is not None:
            op.config_found = True
            op.config = parse_operator_config(config)
    crds = {CRDS[a]: T0 - timedelta(hours=1) for a in apis if a in CRDS} | (crd_times or {})
    f = ClusterFacts("ctx", "v1.37.2", discovery(*apis), ctrls, crds, op, host="https://k8s.example:6443",
                     kai_queues=[queue(q) for q in kai_queues] if kai_queues is not None and "kai" in apis else None,
                     inventory=build_inventory(nodes if nodes is not None else [node("g0"), node("g1")], None if pods is None else list(pods)),
                     forbidden=dict(forbidden or {}), **extra)
    if nodes is None and forbidden and "nodes" in forbidden:
        f.inventory = None
    return f


def checks(f: ClusterFacts, access: list | None = None) -> dict[str, DoctorCheck]:
    return {c.id: c for c in run_checks(DoctorInput(f, access or []))[0]}


# --- the cluster ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version, status", [("v1.37.2", "pass"), ("v1.24.0", "pass"), ("v1.23.17", "fail"),
                                             ("v1.30.4-eks-a737599", "pass"), ("v1.29.1+k3s1", "pass"), ("weird", "warn")])
def test_kubernetes_version(version, status):
    f = facts()
    f.server_version = version
    assert checks(f)["cluster.version"].status == status


def access(*denied: str, unknown: bool = False) -> list:
    out = []
    for need in NEEDS:
        key = f"{need.verb} {need.resource}"
        answer = None if unknown else {"status": {"allowed": key not in denied}}
        out.append(read_review(need, "ns", answer, "forbidden: selfsubjectaccessreviews"))
    return out


def test_access_all_allowed():
    c = checks(facts(), access())["cluster.access"]
    assert (c.status, c.summary) == ("pass", "you may do all 8 things the plugin needs")


def test_access_denied_groups_by_resource():
    c = checks(facts(), access("create dynamographdeployments", "patch dynamographdeployments", "list nodes"))["cluster.access"]
    assert c.status == "warn"
    assert c.summary == "3 of 8 permissions missing, on dynamographdeployments, nodes"
    assert c.detail == "cannot create/patch dynamographdeployments.nvidia.com in ns (apply); list nodes (GPU inventory)"


def test_access_reviews_refused_is_a_skip():
    assert checks(facts(), access(unknown=True))["cluster.access"].status == "skip"


def test_a_denied_review_counts_as_denied():
    result = read_review(NEEDS[0], "ns", {"status": {"allowed": True, "denied": True}})
    assert result.allowed is False and result.label == "list dynamographdeployments.nvidia.com in ns"


# --- Dynamo --------------------------------------------------------------------------------------


def test_everything_in_place_passes():
    got = checks(facts())
    # the compatibility rules whose inputs these facts do not hold are skipped, never guessed
    assert {k: c.status for k, c in got.items() if c.status != "pass"} == {
        "lws.installed": "skip", "volcano.installed": "skip", "network.fabric": "warn",
        "compat.operator-image": "skip", "compat.kai-dra": "skip", "compat.disaggregatedset": "skip",
        "compat.grove-podclique-names": "skip", "orchestrator.disaggregatedset": "skip"}
    assert got["dynamo.crd"].summary == "DynamoGraphDeployment API served (v1alpha1)"
    assert got["dynamo.operator"].summary == f"operator dynamo-system/{OPERATOR} available"
    assert got["dynamo.config"].summary == "orchestrators: grove=auto, lws=auto, kaiScheduler=auto"


def test_no_dgd_crd_fails():
    c = checks(facts(("grove", "kai")))["dynamo.crd"]
    assert (c.status, c.summary) == ("fail", "DynamoGraphDeployment CRD is not installed: no DGD can be created")
    assert "dynamo-platform" in c.hint


def test_dgd_crd_present_but_not_served():
    f = facts(("grove", "kai"), crd_times={"dynamographdeployments.nvidia.com": T0})
    assert "not served (not established)" in checks(f)["dynamo.crd"].summary


@pytest.mark.parametrize("kw, status, summary", [
    pytest.param({"operator": None}, "fail", "Dynamo operator not found: DGDs would never be reconciled", id="no operator"),
    pytest.param({"operator": None, "forbidden": {"deployments": "forbidden: no"}}, "skip",
                 "cannot list Deployments to find the Dynamo operator", id="deployments forbidden"),
    pytest.param({"operator": deployment(OPERATOR, "d", available=False)}, "fail",
                 f"operator d/{OPERATOR} not available (0/1 replicas)", id="operator down"),
])
def test_operator(kw, status, summary):
    c = checks(facts(**kw))["dynamo.operator"]
    assert (c.status, c.summary) == (status, summary)


@pytest.mark.parametrize("image, status, summary", [
    ("r/op:1.1.0", "pass", "operator version 1.1.0 (rule set 1.1)"),
    ("r/op:1.6.2", "pass", "operator version 1.6.2 (rule set 1.6)"),
    ("r/op:latest", "warn", "operator version latest: not a release version"),
    ("r/op:1.7.0", "warn", "operator version 1.7.0 is newer than the newest line the plugin mirrors (1.6, 1.6.1)"),
    ("r/op:9.0.0", "warn", "operator version 9.0.0 is newer than the newest line the plugin mirrors (1.6, 1.6.1)"),
])
def test_operator_version(image, status, summary):
    c = checks(facts(operator=deployment(OPERATOR, "d", image=image)))["dynamo.version"]
    assert (c.status, c.summary) == (status, summary)
    if status == "warn" and "newer" in summary:
        assert "use the 1.6 rules" in c.detail


@pytest.mark.parametrize("kw, status, summary", [
    pytest.param({"config": None}, "warn", "operator configuration not found", id="no configmap"),
    pytest.param({"config": None, "forbidden": {"configmaps/x": "forbidden"}}, "skip", "cannot read the operator configuration",
                 id="configmap forbidden"),
    pytest.param({"config": "orchestrators:\n  grove: {enabled: false}\n  kaiScheduler: {enabled: true}\n"}, "pass",
                 "orchestrators: grove=false, lws=auto, kaiScheduler=true", id="overrides"),
])
def test_operator_config(kw, status, summary):
    c = checks(facts(**kw))["dynamo.config"]
    assert c.status == status and c.summary.startswith(summary)


def test_unreadable_operator_config_fails():
    f = facts()
    f.operator.config_error = "mapping values are not allowed here"
    assert checks(f)["dynamo.config"].status == "fail"


@pytest.mark.parametrize("text, config", [
    ("", OrchestratorConfig()),
    ("orchestrators:\n  grove:\n    enabled: true\n", OrchestratorConfig(grove=True)),
    ("orchestrators:\n  lws: {enabled: false}\n  kaiScheduler: {enabled: true}\n", OrchestratorConfig(lws=False, kai_scheduler=True)),
    ("orchestrators:\n  grove: {enabled: 'false'}\n", OrchestratorConfig()),  # not a boolean: unset
    ("orchestrators:\n  grove: true\n", OrchestratorConfig()),
    ("apiVersion: operator.config.dynamo.nvidia.com/v1alpha1\nkind: OperatorConfiguration\n", OrchestratorConfig()),
])
def test_parse_operator_config(text, config):
    assert parse_operator_config(text) == config


def test_parse_operator_config_rejects_a_non_mapping():
    with pytest.raises(ValueError):
        parse_operator_config("orchestrators: [grove]\n")


# --- orchestrators -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kw, cid, status", [
    pytest.param({"controllers": ("kai",)}, "grove.installed", "fail", id="grove used without a controller"),
    pytest.param({"controllers": ("kai",), "config": "orchestrators: {grove: {enabled: false}}"}, "grove.installed", "warn",
                 id="grove not used and without a controller"),
    pytest.param({"controllers": ("kai",), "forbidden": {"deployments": "forbidden"}, "operator": None}, "grove.installed", "skip",
                 id="deployments forbidden"),
    pytest.param({"apis": ("dynamo", "kai"), "controllers": ("grove", "kai")}, "grove.installed", "warn",
                 id="a controller without its API"),
    pytest.param({"apis": ("dynamo", "lws", "volcano")}, "lws.installed", "pass", id="lws v0.7.0"),
])
def test_project_checks(kw, cid, status):
    assert checks(facts(**kw))[cid].status == status


def test_lws_older_than_0_7_is_flagged():
    old = dict(CONTROLLERS)
    old["lws"] = deployment("lws-controller-manager", "lws-system", image="r/lws:v0.6.2")
    f = facts(("dynamo", "lws", "volcano"), controllers=())
    f.controllers.update(find_controllers([old["lws"], CONTROLLERS["volcano"]]))
    c = checks(f)["lws.installed"]
    assert c.status == "fail" and "Dynamo needs LeaderWorkerSet >= v0.7.0" in c.summary


def test_kai_controllers_partly_down_is_a_warning():
    f = facts()
    f.controllers.update(find_controllers([CONTROLLERS["kai"], deployment(
        "binder", "kai-scheduler", labels={"app.kubernetes.io/managed-by": "kai-operator"}, available=False)]))
    c = checks(f)["kai.installed"]
    assert c.status == "warn" and "not available: kai-scheduler/binder" in c.summary


def test_not_installed_lws_is_quiet_when_grove_works():
    got = checks(facts())
    assert got["lws.installed"].hint is None
    assert got["kai.installed"].status == "pass"
    assert checks(facts(("dynamo",)))["lws.installed"].hint is not None


@pytest.mark.parametrize("kw, status", [
    pytest.param({}, "pass", id="queue dynamo exists"),
    pytest.param({"kai_queues": ["default-queue"]}, "warn", id="queue dynamo missing"),
    pytest.param({"kai_queues": ["default-queue"], "config": "orchestrators: {kaiScheduler: {enabled: false}}"}, "pass",
                 id="missing, but KAI is off in the operator"),
    pytest.param({"kai_queues": None, "forbidden": {"queues.scheduling.run.ai": "forbidden"}}, "skip", id="forbidden"),
])
def test_kai_queues(kw, status):
    assert checks(facts(**kw))["kai.queues"].status == status


@pytest.mark.parametrize("conditions, status", [
    ([{"type": "Available", "status": "True"}, {"type": "Ready", "status": "True"}], "pass"),
    ([{"type": "Available", "status": "False", "message": "Deployment [binder] is not available"}], "fail"),
    ([], "fail"),
])
def test_kai_health(conditions, status):
    c = checks(facts(kai_config={"status": {"conditions": conditions}}))["kai.health"]
    assert c.status == status


def test_volcano_default_queue():
    f = facts(("dynamo", "lws", "volcano"), volcano_queues=[queue("root")])
    assert checks(f)["volcano.queues"].status == "warn"


# --- the effective orchestrator ---------------------------------------------------------------


@pytest.mark.parametrize("apis, config, status, sentence", [
    (("dynamo", "grove", "kai"), "{}", "pass",
     "new multinode DGDs get Grove (one PodCliqueSet per DGD) with KAI-Scheduler (queue 'dynamo' unless annotated)"),
    (("dynamo", "grove"), "{}", "pass",
     "new multinode DGDs get Grove (one PodCliqueSet per DGD) with the default scheduler (KAI-Scheduler not enabled)"),
    (("dynamo", "grove", "lws", "volcano"), "{}", "pass",
     "new multinode DGDs get Grove (one PodCliqueSet per DGD) with the default scheduler (KAI-Scheduler not enabled); "
     "DGDs annotated nvidia.com/enable-grove: \"false\" get LeaderWorkerSet + Volcano"),
    (("dynamo", "lws", "volcano"), "{}", "pass",
     "new multinode DGDs get LeaderWorkerSet + a Volcano PodGroup per replica (Grove not enabled)"),
    (("dynamo", "lws"), "{}", "fail",
     "new multinode DGDs fail with \"no multinode orchestrator available\" (single-node DGDs still run as Deployments)"),
    (("dynamo", "grove", "lws", "volcano"), "{grove: {enabled: false}}", "pass",
     "new multinode DGDs get LeaderWorkerSet + a Volcano PodGroup per replica (Grove not enabled)"),
])
def test_effective_orchestrator(apis, config, status, sentence):
    c = checks(facts(apis, config=f"orchestrators: {config}"))["orchestrator.effective"]
    assert (c.status, c.summary) == (status, sentence)


HELM = "helm upgrade <release> <chart> -n <namespace> --reuse-values"


@pytest.mark.parametrize("apis, config, hint", [
    (("dynamo", "grove"), "{grove: {enabled: false}}",
     f"Grove is installed but disabled in the operator (orchestrators.grove.enabled=false): {HELM} --set global.grove.enabled=true"),
    (("dynamo", "lws"), "{}",
     "LeaderWorkerSet is installed but Volcano is not: install Volcano (the operator uses LWS only with it), or install Grove"),
    (("dynamo",), "{}",
     f"install Grove ({HELM} --set global.grove.install=true) or LeaderWorkerSet + Volcano, then restart the operator"),
])
def test_effective_orchestrator_failure_hints(apis, config, hint):
    c = checks(facts(apis, config=f"orchestrators: {config}"))["orchestrator.effective"]
    assert (c.status, c.hint) == ("fail", hint)


def test_every_helm_hint_spells_the_command_one_way():
    """doctor.py and orchestrators.py had a Helm command each; there is one now (checks.orchestrators.HELM)."""
    grove = checks(facts(config="orchestrators: {grove: {enabled: false}}"))["orchestrator.grove"]
    assert (grove.status, grove.summary, grove.hint) == (
        "warn", "Grove is installed but disabled in the operator (orchestrators.grove.enabled=false)",
        f"{HELM} --set global.grove.enabled=true, then the operator restarts with it")
    missing = checks(facts(("dynamo", "kai")))["grove.installed"]
    assert missing.hint == f"{HELM} --set global.grove.install=true (or install Grove), then restart the Dynamo operator"


def test_forced_on_without_the_api_fails():
    got = checks(facts(("dynamo", "kai"), config="orchestrators: {grove: {enabled: true}}"))
    assert got["orchestrator.config"].status == "fail"
    assert "the operator exits at start-up" in got["orchestrator.config"].summary
    assert "orchestrator.grove" not in got


def test_lws_without_volcano_is_explained():
    c = checks(facts(("dynamo", "lws")))["orchestrator.lws"]
    assert c.status == "warn" and c.summary.startswith("LeaderWorkerSet is installed but Volcano is not")


def test_unknown_operator_configuration_is_said_to_be_assumed():
    got = checks(facts(operator=None, forbidden={"deployments": "forbidden"}))
    assert got["orchestrator.grove"].summary.endswith("(assumed: the operator configuration could not be read)")
    assert got["orchestrator.effective"].detail.startswith("no operator found")


def test_an_api_installed_after_the_operator_started_needs_a_restart():
    f = facts(crd_times={"podcliquesets.grove.io": T0 + timedelta(minutes=5)})
    got = checks(f)
    restart = got["orchestrator.restart"]
    assert (restart.status, restart.summary) == ("warn", "grove.io installed after the operator started: restart the operator")
    assert restart.hint == f"kubectl rollout restart deployment -n dynamo-system {OPERATOR}"
    effective = got["orchestrator.effective"]
    assert effective.status == "fail"  # the running operator has not seen grove.io
    assert effective.summary.endswith("; after an operator restart: Grove (one PodCliqueSet per DGD) with KAI-Scheduler "
                                      "(queue 'dynamo' unless annotated)")
    assert effective.hint.startswith("restart the operator so it sees grove.io")
    assert f.capabilities().restart_needed == ["grove.io"]
    assert f.capabilities().grove is True and f.capabilities(as_running=True).grove is False


def test_survey_timestamps_are_read_like_every_other_timestamp():
    """The survey's CRD and pod times go through state/common.parse_time, as get's ages do: always
    aware UTC, so a timestamp without a zone compares with one with Z instead of raising TypeError
    in restart_needed (survey.parse_time left it naive)."""
    crds = [{"metadata": {"name": "podcliquesets.grove.io", "creationTimestamp": "2026-01-01T00:05:00Z"}},
            {"metadata": {"name": "queues.scheduling.run.ai", "creationTimestamp": "garbage"}}]
    pods = [{"status": {"phase": "Running", "startTime": "2026-01-01T00:01:00"}},
            {"status": {"phase": "Running", "startTime": "2026-01-01T00:00:30Z"}},
            {"status": {"phase": "Pending", "startTime": "2025-12-31T00:00:00Z"}}]
    assert crd_times(crds) == {"podcliquesets.grove.io": T0 + timedelta(minutes=5), "queues.scheduling.run.ai": None}
    assert earliest_start(pods) == T0 + timedelta(seconds=30)
    assert earliest_start([{"status": {"phase": "Running", "startTime": "2026-01-01T00:01:00"}}]) == T0 + timedelta(minutes=1)
    f = facts(crd_times=crd_times(crds), started=earliest_start(pods))
    assert f.restart_needed() == ["grove.io"]


@pytest.mark.parametrize("kw, status", [
    pytest.param({}, "pass", id="started after every CRD"),
    pytest.param({"started": None}, "skip", id="no running operator pod"),
    pytest.param({"forbidden": {"customresourcedefinitions": "forbidden"}}, "skip", id="CRDs forbidden"),
])
def test_restart_check(kw, status):
    assert checks(facts(**kw))["orchestrator.restart"].status == status


def test_operator_version_flag_overrides_the_image_tag():
    caps = facts().capabilities("0.9.0")
    assert (caps.operator_version, caps.version_assumed, caps.source) == ("0.9.0", False, "cluster")
    custom = facts(operator=deployment(OPERATOR, "d", image="r/op:sha-1")).capabilities()
    assert (custom.operator_version, custom.version_assumed) == ("sha-1", True)


# --- GPUs and networking ----------------------------------------------------------------------------


def test_gpus_and_capacity():
    f = facts(nodes=[node("a"), node("b"), node("c", cordoned=True), node("d", 4)], pods=[pod("a", 2), pod("b", 1)])
    got = checks(f)
    assert got["gpu.inventory"].summary == "4 GPU nodes, 3 schedulable; 28 GPUs, 17 free on schedulable nodes"
    assert "not schedulable: c (cordoned)" in got["gpu.inventory"].detail
    assert (got["gpu.capacity"].status, got["gpu.capacity"].summary) == (
        "pass", "largest multinode shape that fits now: 2 nodes × 6 GPUs")


@pytest.mark.parametrize("kw, status, summary", [
    pytest.param({"nodes": [node("a")]}, "warn", "largest multinode shape that fits now: 1 node × 8 GPUs", id="one node"),
    pytest.param({"nodes": [node("a")], "pods": [pod("a", 8)]}, "warn", "no free GPU on a schedulable node", id="all busy"),
])
def test_capacity_warnings(kw, status, summary):
    c = checks(facts(**kw))["gpu.capacity"]
    assert (c.status, c.summary) == (status, summary)


def test_no_gpu_nodes_fails_and_unknown_pods_warn():
    assert checks(facts(nodes=[node("cpu", None, product=None)]))["gpu.inventory"].status == "fail"
    c = checks(facts(pods=None))["gpu.inventory"]
    assert c.status == "warn" and "free counts are upper bounds" in c.detail


def test_nodes_forbidden_is_a_skip():
    got = checks(facts(forbidden={"nodes": "forbidden: nodes"}))
    assert got["gpu.inventory"].status == "skip" and "gpu.capacity" not in got and "network.fabric" not in got


def test_network():
    f = facts(nodes=[node("a", rdma__ib="8", labels={"nvidia.com/gpu.clique": "u.1"}), node("b")])
    c = checks(f)["network.fabric"]
    assert (c.status, c.summary) == (
        "pass", "high-speed networking on 1 of 2 GPU nodes (rdma); NVLink domains (nvidia.com/gpu.clique): u.1")
    assert c.detail == "a: rdma/ib=8"


# --- the report ---------------------------------------------------------------------------------


def test_report_shape():
    r = report(DoctorInput(facts(nodes=[node("a", rdma__ib="4")], pods=[pod("a", 3)]), access())).to_dict()
    assert list(r) == ["kind", "context", "server", "checks", "capabilities", "gpus", "access", "summary"]
    assert (r["kind"], r["context"], r["server"]) == ("DoctorReport", "ctx", {"version": "v1.37.2", "host": "https://k8s.example:6443"})
    assert set(r["checks"][0]) == {"id", "section", "status", "summary", "detail", "hint"}
    assert r["capabilities"]["source"] == "cluster" and r["capabilities"]["operatorVersion"] == "1.1.0"
    n = r["gpus"]["nodes"][0]
    assert {k: n[k] for k in ("name", "product", "allocatable", "requested", "free", "schedulable", "rdma")} == {
        "name": "a", "product": "NVIDIA-H100-80GB-HBM3", "allocatable": 8, "requested": 3, "free": 5, "schedulable": True,
        "rdma": {"rdma/ib": 4}}
    assert (r["gpus"]["total"], r["gpus"]["free"], r["gpus"]["largestFit"]) == (8, 5, {"nodes": 1, "gpusPerNode": 5})
    assert sum(r["summary"].values()) == len(r["checks"])
    assert report(DoctorInput(facts(forbidden={"nodes": "x"}), [])).to_dict()["gpus"] is None


# --- version compatibility (R1-R14 as doctor checks; facts from state/compat_facts.py) --------------

def _skewed(operator_image: str, chart: str | None = None, grove: str = "v0.1.0-alpha.8", kai: str = "v0.13.4",
            dgds: list[dict] | None = None, **kw) -> ClusterFacts:
    args = [f"--operator-version={chart}"] if chart else []
    op = deployment(OPERATOR, "dynamo-system", image=f"nvcr.io/nvidia/ai-dynamo/kubernetes-operator:{operator_image}", args=args)
    f = facts(operator=op, **kw)
    f.controllers["grove"] = find_controllers([deployment("grove-operator", "grove-system", image=f"r/grove-operator:{grove}",
                                                          container="grove-operator")])["grove"]
    f.controllers["kai"] = find_controllers([deployment("kai-operator", "kai-scheduler", labels={"app": "kai-operator"},
                                                        image=f"r/operator:{kai}")])["kai"]
    f.dgds = dgds
    return f


def test_every_compatibility_rule_is_its_own_doctor_check():
    got = checks(facts())
    ids = [k for k in got if k.startswith("compat.")]
    assert len(ids) == 14 and all(got[k].section == "compatibility" for k in ids)
    assert all(got[k].summary.startswith(f"R{i + 1}: ") for i, k in enumerate(ids))


def test_matching_versions_pass():
    got = checks(_skewed("1.5.0", "1.5.0", grove="v0.1.0-alpha.13", kai="v0.17.0", dgds=[]))
    compat = {k: c.status for k, c in got.items() if k.startswith("compat.")}
    assert set(compat.values()) <= {"pass", "skip"}, compat
    assert compat["compat.operator-image"] == compat["compat.grove-version"] == compat["compat.kai-version"] == "pass"


def test_a_skewed_cluster_fails_the_rules_it_breaks_with_symptom_and_versions():
    tas = {"apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment", "metadata": {"name": "tas", "namespace": "a"},
           "spec": {"topologyConstraint": {"topologyProfile": "rack"}, "services": {}}}
    pinned = checks(_skewed("1.3.1", "1.4.0", dgds=[]))["compat.operator-image"]
    assert pinned.status == "fail" and "flag provided but not defined: -operator-image" in pinned.detail
    assert "1.4.0" in pinned.hint
    f = _skewed("1.3.1", "1.3.1", grove="v0.1.0-alpha.12", kai="v0.14.1", dgds=[tas],
                crd_times={"clustertopologybindings.grove.io": T0})
    got = checks(f)
    assert got["compat.operator-image"].status == "pass"
    r2 = got["compat.grove-topology-old-operator"]
    assert r2.status == "fail" and "a/tas" in r2.summary and 'no matches for kind "ClusterTopology"' in r2.detail
    assert "1.4" in r2.hint
    r6 = got["compat.grove-kai-podgroups"]
    assert r6.status == "fail" and "v0.15.0" in r6.hint
    # a passing check carries no hint
    assert all(c.hint is None for c in got.values() if c.status == "pass" and c.section == "compatibility")


def test_compat_facts_from_the_survey():
    f = _skewed("1.3.1", "1.4.0", grove="v0.1.0-alpha.12", kai="v0.14.1", dgds=[], kai_shard={"spec": {"args": {}}},
                grove_config={"scheduler": {"profiles": [{"name": "kai-scheduler"}]}}, driver_versions={"g0": 575})
    c = f.capabilities().compat
    assert (c.operator_image_tag, c.operator_chart_version, c.versions.operator) == ("1.3.1", "1.4.0", "1.4.0")
    assert (c.versions.grove, c.versions.kai, c.versions.kubernetes) == ("v0.1.0-alpha.12", "v0.14.1", "v1.37.2")
    assert c.grove_profiles == ["kai-scheduler"] and (c.kai_staleness, c.kai_staleness_known) == (None, True)
    assert c.driver_versions == {"g0": 575} and c.topology_dgds == []
    got = checks(f)
    assert got["compat.kai-staleness"].status == "warn" and got["compat.gpu-driver"].status == "fail"


def test_an_unreadable_operator_version_skips_the_operator_rules():
    f = _skewed("sha-123abc", dgds=[])
    got = checks(f)
    assert got["compat.grove-version"].status == got["compat.kai-version"].status == "skip"


def test_disaggregated_set_api_detection():
    f = facts(("dynamo", "grove", "kai", "lws"), operator=deployment(
        OPERATOR, "dynamo-system", image="nvcr.io/nvidia/ai-dynamo/kubernetes-operator:1.5.0"))
    assert checks(f)["orchestrator.disaggregatedset"].status == "skip"
    f.discovery.groups["disaggregatedset.x-k8s.io"] = ["v1"]
    c = checks(f)["orchestrator.disaggregatedset"]
    assert c.status == "pass" and "disaggregatedset.x-k8s.io/v1 served" in c.summary
    assert f.capabilities().disaggregated_set is True
