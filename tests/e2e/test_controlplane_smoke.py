"""Smoke tests of the e2e harness itself: the real API server, the CRD sets, the fake GPU cluster."""

from __future__ import annotations

import copy
import subprocess
import sys
import time

import pytest
import yaml
from kubernetes import client, config
from kubernetes.client import ApiException

from . import kube

pytestmark = pytest.mark.e2e

DGD = {"group": "nvidia.com", "version": "v1alpha1", "plural": "dynamographdeployments"}

# A multinode disaggregated DGD written for these tests (shape of the v1alpha1 API).
DGD_BODY = {
    "apiVersion": "nvidia.com/v1alpha1",
    "kind": "DynamoGraphDeployment",
    "metadata": {"name": "llm-disagg"},
    "spec": {
        "backendFramework": "vllm",
        "services": {
            "Frontend": {"componentType": "frontend", "replicas": 1},
            "decode": {
                "componentType": "worker",
                "subComponentType": "decode",
                "replicas": 1,
                "multinode": {"nodeCount": 2},
                "resources": {"limits": {"gpu": "8", "custom": {"rdma/ib": "8"}}},
                "extraPodSpec": {"mainContainer": {"args": ["--tensor-parallel-size", "16"]}},
            },
        },
    },
}


def _dgd(**service_overrides):
    body = copy.deepcopy(DGD_BODY)
    body["spec"]["services"]["decode"].update(service_overrides)
    return body


# --- the server -------------------------------------------------------------------------------


def test_server_reports_the_pinned_kubernetes_version(cluster):
    info = cluster.request("GET", "/version")
    assert info["gitVersion"] == f"v{cluster.cp.kubernetes_version}"
    assert cluster.cp.kubernetes_version == kube.load_controlplane().KUBERNETES_VERSION


def test_kubeconfig_files_load_with_the_official_client(cluster):
    contexts, current = config.list_kube_config_contexts(config_file=cluster.kubeconfig)
    assert {c["name"] for c in contexts} == {"e2e-admin", "e2e-viewer"}
    assert current["name"] == "e2e-admin"
    api = config.new_client_from_config(config_file=cluster.kubeconfig)
    assert client.VersionApi(api).get_code().git_version.startswith("v1.")
    _, viewer_current = config.list_kube_config_contexts(config_file=cluster.viewer_kubeconfig)
    assert viewer_current["context"]["user"] == "dynamo-viewer"


def test_kubeconfig_env_fixture_points_the_default_loader_at_the_cluster(kubeconfig_env, cluster):
    api = config.new_client_from_config()  # reads $KUBECONFIG like the plugin will
    assert api.configuration.host == cluster.server


# --- CRDs ---------------------------------------------------------------------------------------


def test_every_crd_set_is_established_and_served(cluster, crds):
    assert set(crds.sets) >= {"dynamo", "grove", "lws", "kai-scheduler", "volcano"}
    for name in crds.names:
        crd = cluster.ext.read_custom_resource_definition(name)
        conds = {c.type: c.status for c in crd.status.conditions}
        assert conds.get("Established") == "True", name
        annotations = crd.metadata.annotations or {}
        # server-side apply: no client-side last-applied copy (256 KiB annotation limit)
        assert "kubectl.kubernetes.io/last-applied-configuration" not in annotations
        for v in crd.spec.versions:
            if v.served:
                served = cluster.request("GET", f"/apis/{crd.spec.group}/{v.name}")["resources"]
                assert crd.spec.names.plural in {r["name"] for r in served}, f"{name} {v.name}"


def test_installing_the_same_crd_set_again_is_quick(cluster, crds):
    t0 = time.monotonic()
    again = cluster.install_crd_sets(crds.source)
    assert again.names == crds.names
    assert time.monotonic() - t0 < 5


def test_discovery_lists_the_orchestrator_api_groups(cluster, crds):
    groups = {g["name"]: g for g in cluster.request("GET", "/apis")["groups"]}
    for group in ("nvidia.com", "grove.io", "scheduler.grove.io", "leaderworkerset.x-k8s.io",
                  "scheduling.run.ai", "scheduling.volcano.sh"):
        assert group in groups, group
    resources = cluster.resources(refresh=True)
    assert resources["dynamographdeployments.nvidia.com"]["namespaced"] is True
    assert resources["queues.scheduling.run.ai"]["namespaced"] is False
    assert resources["queues.scheduling.run.ai"]["group_version"] == "scheduling.run.ai/v2"
    assert resources["podgroups.scheduling.volcano.sh"]["group_version"] == "scheduling.volcano.sh/v1beta1"
    dgd = next(r for r in cluster.request("GET", "/apis/nvidia.com/v1alpha1")["resources"]
               if r["name"] == "dynamographdeployments")
    assert "dgd" in dgd["shortNames"]


def test_dgd_round_trips_through_the_api_server(cluster, crds, namespace):
    created = cluster.custom.create_namespaced_custom_object(**DGD, namespace=namespace, body=DGD_BODY)
    assert created["metadata"]["uid"]
    got = cluster.custom.get_namespaced_custom_object(**DGD, namespace=namespace, name="llm-disagg")
    assert got["spec"]["services"]["decode"]["multinode"] == {"nodeCount": 2}
    assert got["spec"]["services"]["decode"]["resources"]["limits"]["gpu"] == "8"
    listed = cluster.custom.list_namespaced_custom_object(**DGD, namespace=namespace)
    assert [i["metadata"]["name"] for i in listed["items"]] == ["llm-disagg"]


def test_dgd_status_goes_through_the_status_subresource(cluster, crds, namespace):
    cluster.custom.create_namespaced_custom_object(**DGD, namespace=namespace, body=DGD_BODY)
    status = {"state": "pending", "conditions": [{"type": "Ready", "status": "False", "reason": "Waiting",
                                                  "message": "no multinode orchestrator available",
                                                  "lastTransitionTime": "2026-01-01T00:00:00Z"}]}
    cluster.custom.patch_namespaced_custom_object_status(**DGD, namespace=namespace, name="llm-disagg",
                                                         body={"status": status})
    got = cluster.custom.get_namespaced_custom_object(**DGD, namespace=namespace, name="llm-disagg")
    assert got["status"]["conditions"][0]["message"] == "no multinode orchestrator available"


@pytest.mark.parametrize(("body", "field"), [
    pytest.param(_dgd(multinode={"nodeCount": 1}), "nodeCount", id="nodeCount below 2"),
    pytest.param(_dgd(resources={"limits": {"gpu": 8}}), "gpu", id="gpu given as a number"),
    pytest.param({**DGD_BODY, "spec": {"services": {f"svc{i}": {"componentType": "worker"} for i in range(26)}}},
                 "services", id="more than 25 services"),
    pytest.param({**DGD_BODY, "spec": {**DGD_BODY["spec"], "backendFramework": "tgi"}}, "backendFramework",
                 id="unknown backend framework"),
])
def test_server_schema_rejects_an_invalid_dgd(cluster, crds, namespace, body, field):
    with pytest.raises(ApiException) as err:
        cluster.custom.create_namespaced_custom_object(**DGD, namespace=namespace, body=body)
    assert err.value.status == 422
    assert field in err.value.body


def test_apply_accepts_yaml_and_cleans_up_cluster_scoped_objects(cluster, crds, namespace):
    queue = cluster.apply(yaml.safe_dump({
        "apiVersion": "scheduling.run.ai/v2", "kind": "Queue", "metadata": {"name": "dynamo-e2e"},
        "spec": {"resources": {"gpu": {"quota": -1, "limit": -1, "overQuotaWeight": 1}}}}))
    assert queue["metadata"]["name"] == "dynamo-e2e"
    pg = cluster.apply({"apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
                        "metadata": {"name": "decode-0"}, "spec": {"minMember": 2}}, namespace=namespace)
    assert pg["metadata"]["namespace"] == namespace
    cluster.run_cleanups()
    with pytest.raises(ApiException) as err:
        cluster.custom.get_cluster_custom_object("scheduling.run.ai", "v2", "queues", "dynamo-e2e")
    assert err.value.status == 404


# --- fake GPU nodes and pods -------------------------------------------------------------------


def test_fake_gpu_nodes_report_allocatable_gpus_and_labels(cluster):
    cluster.create_gpu_node("e2e-h100-0", rdma={"rdma/ib": "8"})
    cluster.create_gpu_node("e2e-a100-mig", gpus=0, product="NVIDIA-A100-SXM4-40GB", mig={"nvidia.com/mig-1g.10gb": "7"})
    cluster.create_gpu_node("e2e-h100-cordoned", gpus=4, unschedulable=True,
                            taints=[{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}])
    cluster.create_gpu_node("e2e-cpu", gpus=0, ready=False)

    nodes = {n.metadata.name: n for n in cluster.core.list_node().items}
    h100 = nodes["e2e-h100-0"]
    assert h100.status.allocatable["nvidia.com/gpu"] == "8"
    assert h100.status.allocatable["rdma/ib"] == "8"
    assert h100.metadata.labels["nvidia.com/gpu.product"] == "NVIDIA-H100-80GB-HBM3"
    assert h100.metadata.labels["nvidia.com/gpu.count"] == "8"
    assert h100.metadata.labels["nvidia.com/gpu.present"] == "true"
    assert h100.metadata.labels["nvidia.com/gpu.family"] == "hopper"
    assert {c.type: c.status for c in h100.status.conditions}["Ready"] == "True"
    assert not h100.spec.taints  # TaintNodesByCondition is off: no not-ready taint sneaks in

    mig = nodes["e2e-a100-mig"]
    assert mig.status.allocatable["nvidia.com/mig-1g.10gb"] == "7"
    assert mig.metadata.labels["nvidia.com/mig.capable"] == "true"

    cordoned = nodes["e2e-h100-cordoned"]
    assert cordoned.spec.unschedulable is True
    assert {t.key for t in cordoned.spec.taints} == {"nvidia.com/gpu", "node.kubernetes.io/unschedulable"}

    cpu = nodes["e2e-cpu"]
    assert "nvidia.com/gpu.present" not in cpu.metadata.labels
    assert {c.type: c.status for c in cpu.status.conditions}["Ready"] == "False"

    cluster.run_cleanups()
    assert not [n for n in cluster.core.list_node().items if n.metadata.name.startswith("e2e-")]


def test_bound_running_pod_has_node_and_status(cluster, namespace):
    cluster.create_gpu_node("e2e-gpu-0")
    pod = cluster.create_pod(namespace, "decode-0-leader", labels={"role": "leader"}, gpus=8,
                             node="e2e-gpu-0", phase="Running")
    assert pod.spec.node_name == "e2e-gpu-0"
    assert pod.status.phase == "Running"
    conds = {c.type: c.status for c in pod.status.conditions}
    assert conds["PodScheduled"] == "True" and conds["Ready"] == "True"
    assert pod.spec.containers[0].resources.limits["nvidia.com/gpu"] == "8"
    assert pod.status.pod_ip and pod.status.host_ip
    on_node = cluster.core.list_pod_for_all_namespaces(field_selector="spec.nodeName=e2e-gpu-0").items
    assert [p.metadata.name for p in on_node] == ["decode-0-leader"]


def test_pending_pods_gated_or_unschedulable_with_an_event(cluster, namespace):
    gated = cluster.create_pod(namespace, "gated", gpus=8, scheduling_gates=["grove.io/podgang-pending-creation"])
    assert gated.status.phase == "Pending"
    assert [g.name for g in gated.spec.scheduling_gates] == ["grove.io/podgang-pending-creation"]

    msg = "0/2 nodes are available: 2 Insufficient nvidia.com/gpu."
    stuck = cluster.create_pod(namespace, "stuck", gpus=16, unschedulable_message=msg)
    cond = {c.type: c for c in stuck.status.conditions}["PodScheduled"]
    assert (cond.status, cond.reason, cond.message) == ("False", "Unschedulable", msg)
    cluster.create_event(namespace, "Pod", "stuck", message=msg, uid=stuck.metadata.uid, count=3)
    events = cluster.core.list_namespaced_event(namespace, field_selector="involvedObject.name=stuck").items
    assert [(e.reason, e.type, e.count, e.source.component) for e in events] == [
        ("FailedScheduling", "Warning", 3, "default-scheduler")]


def test_operator_deployment_reports_availability(cluster, namespace):
    up = cluster.create_operator_deployment(namespace, "dynamo-operator", "nvcr.io/nvidia/ai-dynamo/kubernetes-operator:1.1.0",
                                            {"app.kubernetes.io/name": "dynamo-operator"})
    assert up.status.available_replicas == 1
    assert {c.type: c.status for c in up.status.conditions}["Available"] == "True"
    down = cluster.create_operator_deployment(namespace, "broken-operator", "example.invalid/op:0.1",
                                              {"app": "broken"}, available=False)
    assert not down.status.available_replicas
    read = cluster.apps.read_namespaced_deployment("broken-operator", namespace)
    assert {c.type: c.reason for c in read.status.conditions}["Available"] == "MinimumReplicasUnavailable"


# --- RBAC ---------------------------------------------------------------------------------------


def test_viewer_is_forbidden_until_granted_and_then_only_where_granted(cluster, project_crds, namespace):
    viewer = cluster.viewer(client.CustomObjectsApi)
    with pytest.raises(ApiException) as err:
        viewer.list_namespaced_custom_object(**DGD, namespace=namespace)
    assert err.value.status == 403
    assert "dynamo-viewer" in err.value.body

    cluster.make_restricted_user(namespace=namespace)  # read DGDs in this namespace only
    assert viewer.list_namespaced_custom_object(**DGD, namespace=namespace)["items"] == []
    other = cluster.create_namespace()
    try:
        with pytest.raises(ApiException) as err:
            viewer.list_namespaced_custom_object(**DGD, namespace=other)
        assert err.value.status == 403
        with pytest.raises(ApiException) as err:
            cluster.viewer(client.CoreV1Api).list_node()
        assert err.value.status == 403
    finally:
        cluster.delete_namespace(other)


def test_cluster_wide_grant_is_removed_after_the_test(cluster):
    cluster.make_restricted_user([{"apiGroups": [""], "resources": ["nodes"], "verbs": ["list"]}])
    cluster.viewer(client.CoreV1Api).list_node()
    cluster.run_cleanups()
    cluster.wait_for_access("dynamo-viewer", {"resource": "nodes", "verb": "list"}, allowed=False)


# --- namespaces ---------------------------------------------------------------------------------


def test_deleted_namespace_really_goes_away_with_its_pods(cluster):
    cluster.create_gpu_node("e2e-gpu-ns")
    ns = cluster.create_namespace()
    cluster.create_pod(ns, "p", gpus=8, node="e2e-gpu-ns", phase="Running")
    cluster.delete_namespace(ns)
    with pytest.raises(ApiException) as err:
        cluster.core.read_namespace(ns)
    assert err.value.status == 404
    assert not cluster.core.list_pod_for_all_namespaces(field_selector="spec.nodeName=e2e-gpu-ns").items


# --- the script's own command line ----------------------------------------------------------------


def test_controlplane_script_starts_prints_env_and_stops(cluster, tmp_path):
    script = str(kube.REPO_ROOT / "scripts" / "controlplane.py")
    env = {**cluster.env(), "KUBEBUILDER_ASSETS": cluster.cp.bin_dir}
    state = tmp_path / "cp"
    out = subprocess.run([sys.executable, script, "start", "--dir", str(state), "--no-build"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    kubeconfig = out.stdout.strip()
    assert kubeconfig == str(state / "kubeconfig")
    try:
        api = config.new_client_from_config(config_file=kubeconfig)
        assert client.CoreV1Api(api).read_namespace("default").metadata.name == "default"
        printed = subprocess.run([sys.executable, script, "env", "--dir", str(state)],
                                 capture_output=True, text=True, check=True).stdout
        assert printed.strip() == f"export KUBECONFIG={kubeconfig}"
        pids = yaml.safe_load((state / "controlplane.json").read_text())["pids"]
    finally:
        stopped = subprocess.run([sys.executable, script, "stop", "--dir", str(state)], capture_output=True, text=True)
    assert stopped.returncode == 0, stopped.stderr
    assert not state.exists()
    for pid in pids.values():
        assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_uninstalled_crd_set_disappears_from_discovery_and_comes_back(cluster, project_crds, namespace):
    cluster.custom.create_namespaced_custom_object("grove.io", "v1alpha1", namespace, "podcliquesets",
                                                   {"apiVersion": "grove.io/v1alpha1", "kind": "PodCliqueSet",
                                                    "metadata": {"name": "pcs"}, "spec": {}})
    gone = cluster.uninstall_crd_sets(["grove"])
    assert {"podcliques.grove.io", "podcliquescalinggroups.grove.io", "podcliquesets.grove.io",
            "podgangs.scheduler.grove.io"} <= set(gone)
    groups = {g["name"] for g in cluster.request("GET", "/apis")["groups"]}
    assert "grove.io" not in groups and "scheduler.grove.io" not in groups
    cluster.install_crd_sets("project")  # what the CRD fixtures do for the next test
    with pytest.raises(ApiException) as err:  # the object went with its CRD
        cluster.custom.get_namespaced_custom_object("grove.io", "v1alpha1", namespace, "podcliquesets", "pcs")
    assert err.value.status == 404
