"""`kubectl dynamo apply` against a real API server: all or nothing, idempotent, dry runs, field
managers, namespaces, --wait (the test plays the Dynamo operator by writing the DGD's status)."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import yaml
from kubernetes.client import ApiException

from tests import golden

from ..cli.conftest import cli

pytestmark = pytest.mark.e2e

QUEUE = {"apiVersion": "scheduling.run.ai/v2", "kind": "Queue", "metadata": {"name": "dynamo"}, "spec": {}}
DGD_PATH = "/apis/nvidia.com/v1alpha1/namespaces/{ns}/dynamographdeployments/{name}"


def dgd(name: str = "my-llm", tp: int = 8, replicas: int = 1, node_count: int = 2, gpus: int = 4) -> dict:
    """A vLLM DGD whose worker spans `node_count` nodes × `gpus` GPUs with tensor parallelism `tp`."""
    image = "nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.1.0"
    return {
        "apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment", "metadata": {"name": name},
        "spec": {"backendFramework": "vllm", "services": {
            "Frontend": {"componentType": "frontend", "replicas": 1, "extraPodSpec": {"mainContainer": {
                "image": image, "command": ["python3", "-m", "dynamo.frontend"], "args": ["--http-port", "8000"]}}},
            "worker": {"componentType": "worker", "replicas": replicas, "multinode": {"nodeCount": node_count},
                       "resources": {"limits": {"gpu": str(gpus)}},
                       "extraPodSpec": {"mainContainer": {"image": image, "command": ["python3", "-m", "dynamo.vllm"],
                                                          "args": ["--model", "Qwen/Qwen3-0.6B", "--tensor-parallel-size", str(tp)]}}},
        }},
    }


def configmap(name: str = "my-llm-config", value: str = "1") -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"setting": value}}


def pvc(name: str = "my-llm-cache") -> dict:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "100Gi"}}}}


def write(tmp_path, *docs: dict, name: str = "deploy.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(list(docs), sort_keys=False))
    return str(path)


def path_of(ns: str, obj: dict) -> str:
    name = obj["metadata"]["name"]
    plural = {"ConfigMap": "configmaps", "PersistentVolumeClaim": "persistentvolumeclaims", "Secret": "secrets"}
    if obj["kind"] == "DynamoGraphDeployment":
        return DGD_PATH.format(ns=ns, name=name)
    return f"/api/v1/namespaces/{ns}/{plural[obj['kind']]}/{name}"


def live(cluster, ns: str, obj: dict) -> dict | None:
    try:
        return cluster.request("GET", path_of(ns, obj))
    except ApiException as e:
        if e.status == 404:
            return None
        raise


def assert_nothing_exists(cluster, ns: str, *objs: dict) -> None:
    present = [f"{o['kind']}/{o['metadata']['name']}" for o in objs if live(cluster, ns, o) is not None]
    assert present == [], f"the refused input left {present} behind"


def delete_queue(cluster) -> None:
    try:
        cluster.custom.delete_cluster_custom_object("scheduling.run.ai", "v2", "queues", "dynamo")
    except ApiException as e:
        if e.status != 404:
            raise


@pytest.fixture
def operator_env(cluster, namespace):
    """What the cluster-aware checks want for a Grove + KAI DGD: the operator Deployment and two
    free 4-GPU nodes (the KAI queue is added by `dynamo_ready`)."""
    cluster.create_operator_deployment(namespace)
    suffix = uuid.uuid4().hex[:6]
    for i in range(2):
        cluster.create_gpu_node(f"apply-gpu-{suffix}-{i}", gpus=4)
    return namespace


@pytest.fixture
def dynamo_ready(cluster, operator_env):
    cluster.apply(QUEUE)
    return operator_env


# --- create, unchanged, configured -------------------------------------------------------------


def test_a_multi_document_file_is_created_then_unchanged_then_configured(cluster, crds, dynamo_ready, tmp_path, kubeconfig_env):
    ns = dynamo_ready
    docs = [configmap(), pvc(), dgd()]
    f = write(tmp_path, *docs)
    res = cli("apply", "-f", f, "-n", ns)
    assert (res.exit_code, res.stderr) == (0, "")
    assert res.stdout.splitlines() == [
        "configmap/my-llm-config created",
        "persistentvolumeclaim/my-llm-cache created",
        "dynamographdeployment.nvidia.com/my-llm created",
        "my-llm: 2 services, 8 GPUs (worker 2×4 TP=8), pathway grove, queue dynamo",
    ]
    got = live(cluster, ns, docs[2])
    assert got["spec"]["services"]["worker"]["multinode"] == {"nodeCount": 2}
    assert {(m["manager"], m["operation"]) for m in got["metadata"]["managedFields"]} == {("kubectl-dynamo", "Apply")}

    again = cli("apply", "-f", f, "-n", ns)
    assert again.exit_code == 0
    assert again.stdout.splitlines()[:3] == [
        "configmap/my-llm-config unchanged",
        "persistentvolumeclaim/my-llm-cache unchanged",
        "dynamographdeployment.nvidia.com/my-llm unchanged",
    ]

    f = write(tmp_path, configmap(value="2"), pvc(), dgd(replicas=2))
    edited = cli("apply", "-f", f, "-n", ns)
    assert edited.exit_code == 0
    assert edited.stdout.splitlines() == [
        "configmap/my-llm-config configured",
        "persistentvolumeclaim/my-llm-cache unchanged",
        "dynamographdeployment.nvidia.com/my-llm configured",
        "my-llm: 2 services, 16 GPUs (worker 2×(2×4) TP=8), pathway grove, queue dynamo",
    ]
    assert live(cluster, ns, docs[0])["data"] == {"setting": "2"}
    assert live(cluster, ns, docs[2])["spec"]["services"]["worker"]["replicas"] == 2


# --- all or nothing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "docs, code",
    [
        ([configmap(), dgd(tp=4)], "TP_MISMATCH"),
        ([configmap(), dgd("good-llm"), pvc(), dgd("bad-llm", tp=4)], "TP_MISMATCH"),
    ],
    ids=["the only DGD has an error", "a second DGD in the same file is bad"],
)
def test_an_error_finding_refuses_the_whole_file(cluster, project_crds, dynamo_ready, tmp_path, kubeconfig_env, docs, code):
    ns = dynamo_ready
    res = cli("apply", "-f", write(tmp_path, *docs), "-n", ns)
    assert res.exit_code == 1
    assert res.stdout == ""
    assert code in res.stderr
    bad = [d["metadata"]["name"] for d in docs if d["kind"] == "DynamoGraphDeployment"][-1]
    assert f"error: apply refused: {bad} has errors; nothing was applied" in res.stderr
    assert_nothing_exists(cluster, ns, *docs)


def test_a_missing_kai_queue_refuses_the_apply_unless_checks_are_skipped(cluster, project_crds, operator_env, tmp_path, kubeconfig_env):
    ns = operator_env
    delete_queue(cluster)
    docs = [configmap(), dgd()]
    f = write(tmp_path, *docs)
    res = cli("apply", "-f", f, "-n", ns)
    assert res.exit_code == 1
    assert "QUEUE_MISSING" in res.stderr and "queue 'dynamo' not found in cluster" in res.stderr
    assert_nothing_exists(cluster, ns, *docs)

    skipped = cli("apply", "-f", f, "-n", ns, "--skip-checks")
    assert skipped.exit_code == 0, skipped.stderr
    assert "dynamographdeployment.nvidia.com/my-llm created" in skipped.stdout
    assert "my-llm: 2 services, 8 GPUs (worker 2×4 TP=8)\n" in skipped.stdout  # no pathway claimed unchecked


@pytest.mark.parametrize(
    "docs, args, message",
    [
        ([configmap(), pvc(), dgd(node_count=1)], ["--skip-checks"], "nodeCount"),
        ([configmap("Not_A_Valid_Name"), dgd()], [], "Not_A_Valid_Name"),
    ],
    ids=["a schema-invalid DGD (nodeCount 1) is rejected by the server", "an invalid ConfigMap before a good DGD"],
)
def test_a_server_rejection_of_one_document_refuses_the_whole_file(cluster, crds, dynamo_ready, tmp_path, kubeconfig_env,
                                                                   docs, args, message):
    ns = dynamo_ready
    res = cli("apply", "-f", write(tmp_path, *docs), "-n", ns, *args)
    assert res.exit_code == 1, res.stderr
    assert res.stdout == ""
    assert res.stderr.startswith("error: nothing applied: ") and message in res.stderr
    assert_nothing_exists(cluster, ns, *docs)


def test_an_unknown_kind_refuses_the_whole_file(cluster, project_crds, dynamo_ready, tmp_path, kubeconfig_env):
    ns = dynamo_ready
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    docs = [configmap(), dgd()]
    res = cli("apply", "-f", write(tmp_path, docs[0], widget, docs[1]), "-n", ns)
    assert res.exit_code == 1
    assert 'no matches for kind "Widget" in version "example.com/v1" (ensure CRDs are installed first)' in res.stderr
    assert_nothing_exists(cluster, ns, *docs)


# --- dry runs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode, suffix", [("server", " (server dry run)"), ("client", " (dry run)")])
def test_a_dry_run_creates_nothing(cluster, project_crds, dynamo_ready, tmp_path, kubeconfig_env, mode, suffix):
    ns = dynamo_ready
    docs = [configmap(), pvc(), dgd()]
    res = cli("apply", "-f", write(tmp_path, *docs), "-n", ns, f"--dry-run={mode}")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines()[:3] == [
        f"configmap/my-llm-config created{suffix}",
        f"persistentvolumeclaim/my-llm-cache created{suffix}",
        f"dynamographdeployment.nvidia.com/my-llm created{suffix}",
    ]
    assert_nothing_exists(cluster, ns, *docs)


@pytest.mark.parametrize("mode, suffix", [("server", " (server dry run)"), ("client", " (dry run)")])
def test_a_dry_run_of_an_edit_reports_it_and_leaves_the_live_objects_alone(cluster, project_crds, dynamo_ready, tmp_path,
                                                                           kubeconfig_env, mode, suffix):
    ns = dynamo_ready
    assert cli("apply", "-f", write(tmp_path, configmap(), dgd()), "-n", ns).exit_code == 0
    res = cli("apply", "-f", write(tmp_path, configmap(value="2"), dgd()), "-n", ns, f"--dry-run={mode}")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines()[:2] == [f"configmap/my-llm-config configured{suffix}",
                                           f"dynamographdeployment.nvidia.com/my-llm unchanged{suffix}"]
    assert live(cluster, ns, configmap())["data"] == {"setting": "1"}


# --- field managers ----------------------------------------------------------------------------


def test_a_field_manager_conflict_refuses_until_force_conflicts(cluster, project_crds, dynamo_ready, tmp_path, kubeconfig_env):
    ns = dynamo_ready
    f = write(tmp_path, dgd())
    assert cli("apply", "-f", f, "-n", ns).exit_code == 0
    # another manager (the e2e helper's field manager) takes the worker's replicas
    cluster.apply({"apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment",
                   "metadata": {"name": "my-llm", "namespace": ns},
                   "spec": {"services": {"worker": {"replicas": 3}}}})
    f = write(tmp_path, dgd(replicas=2))
    res = cli("apply", "-f", f, "-n", ns)
    assert res.exit_code == 1
    assert 'conflict with "kubectl-dynamo-e2e"' in res.stderr and ".spec.services.worker.replicas" in res.stderr
    assert "--force-conflicts" in res.stderr
    assert live(cluster, ns, dgd())["spec"]["services"]["worker"]["replicas"] == 3

    forced = cli("apply", "-f", f, "-n", ns, "--force-conflicts")
    assert forced.exit_code == 0, forced.stderr
    assert "dynamographdeployment.nvidia.com/my-llm configured" in forced.stdout
    got = live(cluster, ns, dgd())
    assert got["spec"]["services"]["worker"]["replicas"] == 2
    owners = {m["manager"] for m in got["metadata"]["managedFields"]
              if "f:replicas" in json.dumps(m.get("fieldsV1", {}).get("f:spec", {}).get("f:services", {}).get("f:worker", {}))}
    assert owners == {"kubectl-dynamo"}


# --- inputs and namespaces ---------------------------------------------------------------------


def test_stdin_from_init_through_a_real_pipe(cluster, project_crds, dynamo_ready):
    ns = dynamo_ready
    env = cluster.env()
    # the project's test CRDs serve v1alpha1 only, as a 1.1 cluster does: write for that line
    init = subprocess.run([sys.executable, "-m", "kubectl_dynamo", "init", "piped-llm", "--nodes", "2", "--gpus", "4",
                           "--operator-version", "1.1.0"],
                          capture_output=True, text=True, env=env, timeout=60, check=True)
    res = subprocess.run([sys.executable, "-m", "kubectl_dynamo", "apply", "-f", "-", "-n", ns],
                         input=init.stdout, capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0] == "dynamographdeployment.nvidia.com/piped-llm created"
    assert live(cluster, ns, dgd("piped-llm")) is not None


def test_stdin_in_process_multi_document(cluster, project_crds, dynamo_ready, kubeconfig_env):
    ns = dynamo_ready
    text = yaml.safe_dump_all([configmap(), dgd()], sort_keys=False)
    res = cli("apply", "-f", "-", "-n", ns, input=text)
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines()[:2] == ["configmap/my-llm-config created", "dynamographdeployment.nvidia.com/my-llm created"]


def test_a_namespace_contradicting_n_is_refused(cluster, project_crds, dynamo_ready, tmp_path, kubeconfig_env):
    ns = dynamo_ready
    docs = [configmap(), {**dgd(), "metadata": {"name": "my-llm", "namespace": "elsewhere"}}]
    res = cli("apply", "-f", write(tmp_path, *docs), "-n", ns)
    assert res.exit_code == 1
    assert (f'the namespace from the provided object "elsewhere" does not match the namespace "{ns}". '
            "You must pass '--namespace=elsewhere' to perform this operation.") in res.stderr
    assert_nothing_exists(cluster, ns, *docs)


def test_without_n_the_document_namespace_wins_over_the_context(cluster, project_crds, dynamo_ready, tmp_path, kubeconfig_env):
    ns = dynamo_ready
    docs = [{**configmap(), "metadata": {"name": "my-llm-config", "namespace": ns}}]
    res = cli("apply", "-f", write(tmp_path, *docs))
    assert res.exit_code == 0, res.stderr
    assert live(cluster, ns, configmap()) is not None
    assert live(cluster, "default", configmap()) is None


def test_a_namespace_made_by_the_same_input_is_created_first(cluster, project_crds, dynamo_ready, tmp_path, kubeconfig_env):
    new_ns = f"e2e-apply-{uuid.uuid4().hex[:6]}"
    cluster.add_cleanup(f"namespace/{new_ns}", lambda: cluster.delete_namespace(new_ns))
    cm = {**configmap(), "metadata": {"name": "my-llm-config", "namespace": new_ns}}
    ns_doc = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": new_ns}}
    res = cli("apply", "-f", write(tmp_path, cm, ns_doc))
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines() == [f"namespace/{new_ns} created", "configmap/my-llm-config created"]
    assert live(cluster, new_ns, configmap()) is not None


# --- output ------------------------------------------------------------------------------------


def test_output_name_json_and_secrets_never_printed(cluster, project_crds, dynamo_ready, tmp_path, kubeconfig_env):
    ns = dynamo_ready
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hf-token"}, "stringData": {"HF_TOKEN": "hf_sekrit_value"}}
    f = write(tmp_path, secret, dgd())
    named = cli("apply", "-f", f, "-n", ns, "-o", "name")
    assert named.exit_code == 0, named.stderr
    assert named.stdout.splitlines() == ["secret/hf-token", "dynamographdeployment.nvidia.com/my-llm"]
    assert "my-llm: 2 services" in named.stderr  # the summary keeps out of the names
    as_json = cli("apply", "-f", f, "-n", ns, "-o", "json")
    data = json.loads(as_json.stdout)
    assert data["kind"] == "List" and [i["kind"] for i in data["items"]] == ["Secret", "DynamoGraphDeployment"]
    assert data["items"][0]["data"] == {"HF_TOKEN": "<redacted: 15 bytes>"}
    for out in (named, as_json, cli("apply", "-f", f, "-n", ns, "-o", "yaml", "--dry-run=client")):
        assert "hf_sekrit_value" not in out.stdout + out.stderr
        assert "aGZfc2Vrcml0X3ZhbHVl" not in out.stdout + out.stderr  # nor its base64


# --- --wait ------------------------------------------------------------------------------------


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def set_status(cluster, ns: str, name: str, state: str, ready: str, reason: str, message: str, worker: tuple[int, int]) -> None:
    obj = cluster.request("GET", DGD_PATH.format(ns=ns, name=name))
    status = {"state": state, "observedGeneration": obj["metadata"]["generation"],
              "conditions": [{"type": "Ready", "status": ready, "reason": reason, "message": message,
                              "lastTransitionTime": _now()}],
              "services": {  # the fields the upstream CRD requires of ServiceReplicaStatus, too
                  "Frontend": {"componentKind": "PodClique", "componentName": f"{name}-0-frontend", "replicas": 1,
                               "updatedReplicas": 1, "readyReplicas": 1},
                  "worker": {"componentKind": "PodCliqueScalingGroup", "componentName": f"{name}-0-worker",
                             "replicas": worker[1], "updatedReplicas": worker[1], "availableReplicas": worker[0]}}}
    cluster.request("PATCH", DGD_PATH.format(ns=ns, name=name) + "/status", {"status": status},
                    content_type="application/merge-patch+json")


class Operator(threading.Thread):
    """Plays the Dynamo operator in the background: once the DGD exists, writes each status of
    `steps` in turn, `pause` seconds apart. `join()` re-raises what went wrong in the thread."""

    def __init__(self, cluster, ns: str, name: str, steps: list[tuple], pause: float = 2.5) -> None:
        super().__init__(daemon=True)
        self.cluster, self.ns, self.name, self.steps, self.pause = cluster, ns, name, steps, pause
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    self.cluster.request("GET", DGD_PATH.format(ns=self.ns, name=self.name))
                    break
                except ApiException:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            for i, step in enumerate(self.steps):
                if i:
                    time.sleep(self.pause)
                set_status(self.cluster, self.ns, self.name, *step)
        except BaseException as e:  # noqa: BLE001 - handed to the test by join()
            self.error = e

    def join(self, timeout: float | None = 30) -> None:
        super().join(timeout)
        if self.error is not None:
            raise self.error


PENDING = ("pending", "False", "some_resources_are_not_ready",
           "Resources not ready: pcsg/my-llm-0-worker: desired=1, available=0", (0, 1))
READY = ("successful", "True", "all_resources_are_ready", "All resources are ready", (1, 1))
FAILED = ("failed", "False", "failed_to_reconcile_the_resources",
          "failed to reconcile Dynamo components deployments: no multinode orchestrator available", (0, 1))


def test_wait_follows_the_dgd_until_ready(cluster, crds, dynamo_ready, tmp_path, kubeconfig_env):
    ns = dynamo_ready
    operator = Operator(cluster, ns, "my-llm", [PENDING, READY])
    res = cli("apply", "-f", write(tmp_path, dgd()), "-n", ns, "--wait", "--timeout", "30s")
    operator.join()
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines()[0] == "dynamographdeployment.nvidia.com/my-llm created"
    assert res.stdout.splitlines()[-1].startswith("my-llm: ready after ")
    progress = res.stderr.splitlines()  # plain lines (not a terminal), one per change
    assert "my-llm: pending  Frontend 1/1  worker 0/1  Resources not ready: pcsg/my-llm-0-worker: desired=1, available=0" in progress
    assert progress[-1] == "my-llm: successful  Frontend 1/1  worker 1/1  All resources are ready"
    assert "\r" not in res.stderr


def test_wait_exits_1_with_the_ready_message_when_the_dgd_fails(cluster, project_crds, dynamo_ready, tmp_path, kubeconfig_env):
    ns = dynamo_ready
    operator = Operator(cluster, ns, "my-llm", [FAILED])
    res = cli("apply", "-f", write(tmp_path, dgd()), "-n", ns, "--wait", "--timeout", "30s")
    operator.join()
    assert res.exit_code == 1
    assert res.stderr.splitlines()[-1] == (
        "error: deployment failed: my-llm: failed to reconcile Dynamo components deployments: no multinode orchestrator available")


def test_wait_times_out_with_exit_4_naming_what_is_not_ready(cluster, project_crds, dynamo_ready, tmp_path, kubeconfig_env):
    ns = dynamo_ready
    started = time.monotonic()
    res = cli("apply", "-f", write(tmp_path, dgd()), "-n", ns, "--wait", "--timeout", "1s")
    assert res.exit_code == 4
    assert time.monotonic() - started < 20
    assert "error: timed out after 1s waiting for my-llm to become ready" in res.stderr
    assert "no status was written: is the Dynamo operator running?" in res.stderr
    assert live(cluster, ns, dgd()) is not None  # applied; only the wait gave up


def test_wait_ignores_a_stale_ready_status_of_the_previous_spec(cluster, project_crds, dynamo_ready, tmp_path, kubeconfig_env):
    ns = dynamo_ready
    assert cli("apply", "-f", write(tmp_path, dgd()), "-n", ns).exit_code == 0
    set_status(cluster, ns, "my-llm", *READY)  # ready for generation 1
    res = cli("apply", "-f", write(tmp_path, dgd(replicas=2)), "-n", ns, "--wait", "--timeout", "1s")
    assert res.exit_code == 4, res.stderr
    assert "operator has not seen the new spec yet" in res.stderr



# --- golden output -------------------------------------------------------------------------------

GOLDEN = Path(__file__).parent / "golden"


def test_golden_apply_output(cluster, crds, dynamo_ready, tmp_path, monkeypatch, kubeconfig_env):
    """What apply prints, whole: kubectl's lines and the GPU/TP summaries of two DGDs; a server dry
    run of an edit; and a refusal with its findings grouped per DGD (file names relative, so the
    files do not depend on the test's directory; operator_env's two free 4-GPU nodes hold both)."""
    ns = dynamo_ready
    monkeypatch.chdir(tmp_path)
    docs = [configmap(), pvc(), dgd(), dgd("my-llm-small", tp=4, gpus=2)]
    write(tmp_path, *docs)
    created = cli("apply", "-f", "deploy.yaml", "-n", ns)
    assert (created.exit_code, created.stderr) == (0, "")
    golden.assert_golden(GOLDEN / "apply-created.txt", created.stdout)

    write(tmp_path, configmap(value="2"), pvc(), dgd(), dgd("my-llm-small", tp=4, gpus=2))
    dry = cli("apply", "-f", "deploy.yaml", "-n", ns, "--dry-run=server")
    assert (dry.exit_code, dry.stderr) == (0, "")
    golden.assert_golden(GOLDEN / "apply-dry-run-server.txt", dry.stdout)

    write(tmp_path, configmap(), dgd("good-llm"), dgd("bad-llm", tp=4), name="bad.yaml")
    refused = cli("apply", "-f", "bad.yaml", "-n", ns)
    assert (refused.exit_code, refused.stdout) == (1, "")
    golden.assert_golden(GOLDEN / "apply-refused.stderr.txt", refused.stderr)
    assert live(cluster, ns, dgd("good-llm")) is None and live(cluster, ns, dgd("bad-llm")) is None
