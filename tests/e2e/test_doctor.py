"""`kubectl dynamo doctor` against real API servers, one control plane per scenario (scenarios.py).

* From nothing to LeaderWorkerSet + Volcano, step by step on one cluster: no DGD CRD; LWS without
  Volcano; Volcano installed after the operator started (restart needed); after the restart.
* Grove + KAI-Scheduler (project and upstream CRDs): the default queue present and missing, Grove
  turned off in the operator configuration, GPU inventory on mixed nodes, a narrow user.
"""

from __future__ import annotations

import datetime
import subprocess
import sys

import pytest

from . import kube, scenarios
from .scenarios import OPERATOR, OPERATOR_NS, run

pytestmark = pytest.mark.e2e

def statuses(res: scenarios.Result) -> dict[str, str]:
    return {c["id"]: c["status"] for c in res.json()["checks"]}


# --- from nothing to LWS + Volcano --------------------------------------------------------------


@pytest.fixture(scope="class")
def bare():
    with scenarios.fresh_cluster() as c:
        yield c


class TestFromNothingToLeaderWorkerSet:
    """Tests run in order on one cluster; each adds to what the previous one installed."""

    def test_a_cluster_without_dynamo_fails_clearly(self, bare):
        res = run(bare, "doctor")
        assert res.exit_code == 1 and res.stderr == ""
        assert "fail   DynamoGraphDeployment CRD is not installed: no DGD can be created" in res.stdout
        assert "hint: install the Dynamo platform Helm chart (dynamo-platform)" in res.stdout
        assert res.stdout.rstrip().endswith("not ready for multinode Dynamo")
        got = statuses(run(bare, "doctor", "-o", "json"))
        assert got["cluster.version"] == "pass" and got["cluster.access"] == "pass"
        assert (got["dynamo.crd"], got["dynamo.operator"], got["orchestrator.effective"]) == ("fail", "fail", "fail")
        assert got["grove.installed"] == got["lws.installed"] == "skip"
        assert got["gpu.inventory"] == "fail"

    def test_lws_without_volcano_has_no_multinode_orchestrator(self, bare):
        bare.install_crd_sets("project", sets=["dynamo", "lws"])
        scenarios.install_controller(bare, "lws")
        # the operator started when the last CRD appeared: it has seen LWS
        scenarios.install_operator(bare, started=scenarios.crd_created(bare, "leaderworkersets.leaderworkerset.x-k8s.io"))
        res = run(bare, "doctor", "-o", "json")
        assert res.exit_code == 1
        got = statuses(res)
        assert got["dynamo.crd"] == got["dynamo.operator"] == got["dynamo.config"] == got["lws.installed"] == "pass"
        assert got["orchestrator.lws"] == "warn" and got["orchestrator.restart"] == "pass"
        effective = res.check("orchestrator.effective")
        assert effective["status"] == "fail"
        assert effective["summary"].startswith('new multinode DGDs fail with "no multinode orchestrator available"')
        assert "install Volcano" in effective["hint"]
        assert res.json()["capabilities"]["lws"] is False
        assert "LeaderWorkerSet: API leaderworkerset.x-k8s.io (v1) served; controller lws-system/lws-controller-manager available, version v0.7.0" in res.check("lws.installed")["summary"]

    def test_volcano_installed_after_the_operator_started_needs_a_restart(self, bare):
        bare.install_crd_sets("project", sets=["volcano"])
        scenarios.install_controller(bare, "volcano")
        created = scenarios.crd_created(bare, "podgroups.scheduling.volcano.sh")
        scenarios.set_operator_started(bare, created - datetime.timedelta(seconds=1))
        res = run(bare, "doctor", "-o", "json")
        assert res.exit_code == 1
        restart = res.check("orchestrator.restart")
        assert restart["status"] == "warn" and "scheduling.volcano.sh" in restart["summary"]
        assert restart["hint"] == f"kubectl rollout restart deployment -n {OPERATOR_NS} {OPERATOR}"
        assert "scheduling.volcano.sh" in res.json()["capabilities"]["restartNeeded"]
        effective = res.check("orchestrator.effective")
        assert effective["status"] == "fail"
        assert "after an operator restart: LeaderWorkerSet + a Volcano PodGroup per replica" in effective["summary"]
        # LWS too when its CRD appeared within the same second as Volcano's
        assert effective["hint"].startswith("restart the operator so it sees ") and "scheduling.volcano.sh" in effective["hint"]
        line = next(x for x in run(bare, "doctor").stdout.splitlines() if "installed after the operator started" in x)
        assert line.startswith("  warn   ") and "scheduling.volcano.sh" in line and line.endswith(": restart the operator")

    def test_after_the_restart_leaderworkerset_and_volcano_are_used(self, bare):
        scenarios.set_operator_started(bare, datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1))
        bare.create_gpu_node("gpu-0", rdma={"rdma/ib": "4"})
        bare.create_gpu_node("gpu-1", rdma={"rdma/ib": "4"})
        bare.apply({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "Queue", "metadata": {"name": "default"},
                    "spec": {"weight": 1}})
        res = run(bare, "doctor", "-o", "json")
        assert res.exit_code == 0, res.stdout
        got = statuses(res)
        assert got["orchestrator.restart"] == got["orchestrator.lws"] == got["volcano.installed"] == "pass"
        assert got["volcano.queues"] == "pass"
        assert res.check("orchestrator.effective")["summary"] == (
            "new multinode DGDs get LeaderWorkerSet + a Volcano PodGroup per replica (Grove not enabled)")
        assert res.json()["gpus"]["largestFit"] == {"nodes": 2, "gpusPerNode": 8}


# --- Grove + KAI-Scheduler, with the project's and the upstream CRDs --------------------------------

MIXED_NODES = {  # name -> (allocatable, requested, free, schedulable)
    "a100-mig": (0, 0, 0, True),
    "h100-0": (8, 3, 5, True),
    "h100-1": (8, 0, 8, True),
    "h100-2": (8, 2, 6, True),
    "h100-cordoned": (8, 0, 8, False),
    "h100-notready": (8, 0, 8, False),
    "h100-tainted": (8, 0, 8, False),
}


def _grove_kai(c: kube.Cluster, source: str) -> None:
    if source == "upstream":  # of the upstream Dynamo CRDs only the DGD's matters here (and they are big)
        c.install_crds(kube.UPSTREAM_CRDS / "dynamo" / "nvidia.com_dynamographdeployments.yaml")
        c.install_crd_sets(source, sets=["grove", "kai-scheduler"])
        # KAI's own health: the Config kai-config (kai.scheduler/v1 exists only upstream)
        c.apply({"apiVersion": "kai.scheduler/v1", "kind": "Config", "metadata": {"name": "kai-config"}, "spec": {}})
        now = scenarios.ts(datetime.datetime.now(datetime.timezone.utc))
        c.request("PATCH", "/apis/kai.scheduler/v1/configs/kai-config/status", {"status": {"conditions": [
            {"type": t, "status": "True", "reason": t.lower(), "message": "", "lastTransitionTime": now,
             "observedGeneration": 1} for t in ("Available", "Ready")]}}, content_type="application/merge-patch+json")
    else:
        c.install_crd_sets(source, sets=["dynamo", "grove", "kai-scheduler"])
    for project in ("grove", "kai"):
        scenarios.install_controller(c, project)
    scenarios.install_operator(c, started=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1))
    scenarios.kai_queue(c, "dynamo-default")
    scenarios.kai_queue(c, "dynamo", parent="dynamo-default")
    c.create_gpu_node("h100-0", rdma={"rdma/ib": "8"}, labels={"nvidia.com/gpu.clique": "0f3c.1"})
    # the device plugin's own taint is tolerated by GPU pods: still schedulable
    c.create_gpu_node("h100-1", rdma={"rdma/ib": "8"}, labels={"nvidia.com/gpu.clique": "0f3c.1"},
                      taints=[{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}])
    c.create_gpu_node("h100-2")
    c.create_gpu_node("h100-tainted", taints=[{"key": "dedicated", "value": "training", "effect": "NoSchedule"}])
    c.create_gpu_node("h100-cordoned", unschedulable=True)
    c.create_gpu_node("h100-notready", ready=False)
    c.create_gpu_node("a100-mig", gpus=0, product="NVIDIA-A100-SXM4-40GB", mig={"nvidia.com/mig-1g.10gb": "7"})
    ns = "team-a"
    scenarios.ensure_namespace(c, ns)
    c.create_pod(ns, "running-3", gpus=3, node="h100-0", phase="Running")
    c.create_pod(ns, "bound-pending-2", gpus=2, node="h100-2", phase="Pending")  # bound: holds its GPUs
    c.create_pod(ns, "done-8", gpus=8, node="h100-1", phase="Succeeded")  # finished: holds nothing
    c.create_pod(ns, "failed-8", gpus=8, node="h100-2", phase="Failed")
    c.create_pod(ns, "unbound-8", gpus=8)  # not on a node yet


@pytest.fixture(scope="class", params=kube.CRD_SOURCES)
def grove_kai(request):
    if not kube.crd_sets(request.param):
        pytest.skip(f"e2e: no {request.param} CRDs ({kube.UPSTREAM_CRDS} is absent)")
    with scenarios.fresh_cluster() as c:
        _grove_kai(c, request.param)
        yield c


class TestGroveAndKai:
    def test_doctor_passes_and_names_grove_with_kai(self, grove_kai):
        res = run(grove_kai, "doctor", "-o", "json")
        assert res.exit_code == 0, res.stdout
        report = res.json()
        got = statuses(res)
        for cid in ("cluster.version", "cluster.access", "dynamo.crd", "dynamo.operator", "dynamo.version",
                     "dynamo.config", "grove.installed", "kai.installed", "kai.queues", "orchestrator.grove",
                     "orchestrator.kaiScheduler", "orchestrator.effective", "orchestrator.restart", "gpu.inventory",
                     "gpu.capacity", "network.fabric"):
            assert got[cid] == "pass", (cid, res.check(cid))
        assert got["lws.installed"] == got["volcano.installed"] == "skip"
        if "configs.kai.scheduler" in {n for n in grove_kai.resources()}:  # upstream CRDs
            assert got["kai.health"] == "pass"
            assert res.check("kai.health")["summary"] == "KAI-Scheduler healthy (kai-config Available and Ready)"
        assert res.check("orchestrator.effective")["summary"] == (
            "new multinode DGDs get Grove (one PodCliqueSet per DGD) with KAI-Scheduler (queue 'dynamo' unless annotated)")
        assert "v1alpha1" in res.check("dynamo.crd")["summary"]
        assert res.check("dynamo.version")["summary"] == "operator version 1.1.0 (rule set 1.1)"
        caps = report["capabilities"]
        assert (caps["source"], caps["grove"], caps["kaiScheduler"], caps["lws"], caps["operatorVersion"]) == (
            "cluster", True, True, False, "1.1.0")
        assert report["kind"] == "DoctorReport" and report["context"] == "e2e-admin"
        assert report["server"]["version"] == f"v{grove_kai.cp.kubernetes_version}"
        assert report["summary"]["fail"] == 0

    def test_gpu_inventory_on_mixed_nodes(self, grove_kai):
        gpus = run(grove_kai, "doctor", "-o", "json").json()["gpus"]
        got = {n["name"]: (n["allocatable"], n["requested"], n["free"], n["schedulable"]) for n in gpus["nodes"]}
        assert got == MIXED_NODES
        nodes = {n["name"]: n for n in gpus["nodes"]}
        assert nodes["h100-0"]["rdma"] == {"rdma/ib": 8} and nodes["h100-2"]["rdma"] == {}
        assert nodes["a100-mig"]["mig"] == {"nvidia.com/mig-1g.10gb": 7}
        assert nodes["h100-cordoned"]["state"] == "cordoned"
        assert nodes["h100-tainted"]["state"] == "tainted dedicated=training:NoSchedule"
        assert nodes["h100-notready"]["state"] == "not ready"
        assert (gpus["total"], gpus["free"]) == (48, 19)
        assert gpus["largestFit"] == {"nodes": 3, "gpusPerNode": 5}  # 5+8+6 free: 3 × 5 beats 2 × 6 and 1 × 8

    def test_table_output_is_grouped_by_section_with_the_gpu_nodes(self, grove_kai):
        res = run(grove_kai, "doctor")
        assert res.exit_code == 0 and res.stderr == ""
        out = res.stdout
        titles = ["Cluster", "Dynamo operator", "Orchestrators and schedulers", "Effective orchestrator", "GPUs", "Networking"]
        assert [line for line in out.splitlines() if line in titles] == titles
        assert "  pass   largest multinode shape that fits now: 3 nodes × 5 GPUs\n" in out
        table = out[out.index("  NODE "):].split("\n\n")[0].splitlines()
        assert table[0].split() == ["NODE", "PRODUCT", "GPUS", "REQUESTED", "FREE", "SCHEDULABLE", "RDMA"]
        rows = {line.split()[0]: line for line in table[1:]}
        assert rows["h100-0"].split() == ["h100-0", "NVIDIA-H100-80GB-HBM3", "8", "3", "5", "yes", "rdma/ib=8"]
        assert rows["h100-cordoned"].split()[-3:] == ["no", "(cordoned)", "-"]
        assert "0 (+7 MIG/shared)" in rows["a100-mig"]
        assert "high-speed networking on 2 of 7 GPU nodes (rdma); NVLink domains (nvidia.com/gpu.clique): 0f3c.1" in out
        assert out.rstrip().splitlines()[-1].startswith("0 failed, ")

    def test_as_a_user_runs_it_stderr_stays_empty(self, grove_kai):
        # a real process: library warnings (e.g. urllib3's "connection pool is full" under the parallel
        # reads) would reach stderr here, where in-process runs hand them to pytest's log capture
        out = subprocess.run([sys.executable, "-m", "kubectl_dynamo", "doctor", "--kubeconfig", grove_kai.kubeconfig],
                             capture_output=True, text=True, timeout=120, cwd=kube.REPO_ROOT)
        assert (out.returncode, out.stderr) == (0, "")
        assert out.stdout.startswith("Cluster\n  pass   reachable, Kubernetes v")

    def test_missing_default_queue_warns_and_strict_fails(self, grove_kai):
        scenarios.delete_kai_queue(grove_kai, "dynamo")
        try:
            res = run(grove_kai, "doctor", "-o", "json")
            assert res.exit_code == 0
            queues = res.check("kai.queues")
            assert queues["status"] == "warn"
            assert queues["summary"] == "KAI queues: dynamo-default; the default queue 'dynamo' is missing"
            assert "global.kai-scheduler.enabled=true" in queues["hint"]
            assert run(grove_kai, "doctor", "--strict", "-o", "json").exit_code == 1
        finally:
            scenarios.kai_queue(grove_kai, "dynamo", parent="dynamo-default")

    def test_grove_turned_off_in_the_operator_is_not_used(self, grove_kai):
        scenarios.set_operator_config(grove_kai, scenarios.operator_config(grove=False, kai=True))
        try:
            res = run(grove_kai, "doctor", "-o", "json")
            assert res.exit_code == 1
            grove = res.check("orchestrator.grove")
            assert grove["status"] == "warn"
            assert grove["summary"] == "Grove is installed but disabled in the operator (orchestrators.grove.enabled=false)"
            assert "--set global.grove.enabled=true" in grove["hint"]
            effective = res.check("orchestrator.effective")
            assert effective["status"] == "fail" and "--set global.grove.enabled=true" in effective["hint"]
            assert res.check("dynamo.config")["summary"] == "orchestrators: grove=false, lws=auto, kaiScheduler=true"
            assert res.json()["capabilities"]["grove"] is False
            text = run(grove_kai, "doctor").stdout
            assert "hint: Grove is installed but disabled in the operator (orchestrators.grove.enabled=false)" in text
        finally:
            scenarios.set_operator_config(grove_kai, scenarios.operator_config())

    def test_a_narrow_user_gets_skips_not_a_crash(self, grove_kai):
        ns = grove_kai.create_namespace()
        grove_kai.make_restricted_user(namespace=ns)  # get/list/watch DGDs in ns, nothing else
        for output in ("table", "json"):
            res = run(grove_kai, "doctor", "-n", ns, "-o", output, viewer=True)
            assert res.exit_code == 0 and res.stderr == "", res.stderr
        res = run(grove_kai, "doctor", "-n", ns, "-o", "json", viewer=True)
        got = statuses(res)
        assert got["cluster.access"] == "warn"
        assert "cannot create/patch dynamographdeployments.nvidia.com in " + ns in res.check("cluster.access")["detail"]
        for cid in ("dynamo.operator", "grove.installed", "kai.installed", "kai.queues", "gpu.inventory"):
            assert got[cid] == "skip", cid
        assert got["dynamo.crd"] == "pass"  # discovery is open to every authenticated user
        assert "assumed" in res.check("orchestrator.grove")["summary"]
        assert res.json()["gpus"] is None
