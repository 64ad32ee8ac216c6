"""Cluster scenarios for the doctor/explain/version e2e tests.

CRDs are cluster-scoped and the session's control plane is shared by every e2e module, so a
scenario that needs a particular set of API groups (none, LWS without Volcano, Grove turned off
in the operator, ...) gets a control plane of its own: :func:`fresh_cluster` starts one (~6 s) and
stops it afterwards. Scenarios only ever *add* CRDs, so no deletion has to be waited for.

Also here: the pieces of a Dynamo install (operator Deployment, its ConfigMap and running pod with
a chosen start time, the orchestrators' controller Deployments, KAI queues) and :func:`run`, the
plugin's CLI in-process against a cluster.
"""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from click.testing import CliRunner

from . import kube

OPERATOR_NS = "dynamo-system"
OPERATOR = "dynamo-platform-dynamo-operator-controller-manager"
OPERATOR_CONFIGMAP = "dynamo-platform-dynamo-operator-config"
OPERATOR_LABELS = {"app.kubernetes.io/name": "dynamo-operator", "control-plane": "controller-manager"}
SYSTEM_NODE = "cpu-system-0"  # where controller pods run; has no GPUs

# project -> (namespace, Deployment name, image, labels, container name)
CONTROLLERS = {
    "grove": ("grove-system", "grove-operator", "ghcr.io/ai-dynamo/grove/grove-operator:v0.1.0-alpha.8",
              {"app.kubernetes.io/name": "grove-operator", "app.kubernetes.io/part-of": "grove"}, "grove-operator"),
    "kai": ("kai-scheduler", "kai-operator", "ghcr.io/kai-scheduler/kai-scheduler/operator:v0.13.0",
            {"app": "kai-operator"}, "operator"),
    "lws": ("lws-system", "lws-controller-manager", "registry.k8s.io/lws/lws:v0.7.0",
            {"control-plane": "controller-manager", "app.kubernetes.io/name": "lws"}, "manager"),
    "volcano": ("volcano-system", "volcano-scheduler", "docker.io/volcanosh/vc-scheduler:v1.12.0",
                {"app": "volcano-scheduler"}, "volcano-scheduler"),
}


@contextmanager
def fresh_cluster() -> Iterator[kube.Cluster]:
    """A control plane of its own (the e2e conftest has already skipped when none can be had)."""
    cpm = kube.load_controlplane()
    cp = cpm.start(bin_dir=cpm.resolve_binaries(build=False), tie_to_parent=True)
    try:
        yield kube.Cluster(cp)
    finally:
        cpm.stop(cp.dir)


def ts(when: datetime.datetime) -> str:
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def crd_created(c: kube.Cluster, name: str) -> datetime.datetime:
    meta = c.request("GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")["metadata"]
    return datetime.datetime.fromisoformat(meta["creationTimestamp"].replace("Z", "+00:00"))


def ensure_namespace(c: kube.Cluster, name: str) -> None:
    from kubernetes.client import ApiException

    try:
        c.core.create_namespace({"metadata": {"name": name}})
    except ApiException as e:
        if e.status != 409:
            raise


def operator_config(grove: bool | None = None, lws: bool | None = None, kai: bool | None = None) -> str:
    """An OperatorConfiguration; None leaves a flag unset (auto-detect)."""
    orch = {k: {"enabled": v} for k, v in (("grove", grove), ("lws", lws), ("kaiScheduler", kai)) if v is not None}
    return json.dumps({"apiVersion": "operator.config.dynamo.nvidia.com/v1alpha1", "kind": "OperatorConfiguration",
                       "orchestrators": orch}, indent=2)


def install_operator(c: kube.Cluster, config: str | None = None, version: str = "1.1.0",
                     started: datetime.datetime | None = None) -> None:
    """The Dynamo operator as the platform chart makes it: Deployment, ConfigMap (config.yaml) and a
    running pod that started at `started` (default now)."""
    ensure_namespace(c, OPERATOR_NS)
    if not any(n.metadata.name == SYSTEM_NODE for n in c.core.list_node().items):
        c.create_gpu_node(SYSTEM_NODE, gpus=0)
    c.create_operator_deployment(OPERATOR_NS, OPERATOR, f"nvcr.io/nvidia/ai-dynamo/kubernetes-operator:{version}",
                                 OPERATOR_LABELS, args=["--config=/etc/dynamo-operator/config.yaml",
                                                        f"--operator-version={version}"])
    set_operator_config(c, operator_config() if config is None else config)
    c.create_pod(OPERATOR_NS, f"{OPERATOR}-5d4b9c7f6-x2x7q", labels=OPERATOR_LABELS, node=SYSTEM_NODE, phase="Running")
    if started is not None:
        set_operator_started(c, started)


def set_operator_config(c: kube.Cluster, text: str) -> None:
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": OPERATOR_CONFIGMAP, "namespace": OPERATOR_NS},
             "data": {"config.yaml": text}})


def set_operator_started(c: kube.Cluster, when: datetime.datetime) -> None:
    """Pretend the operator pod (re)started at `when` (the kubelet's status.startTime)."""
    c.core.patch_namespaced_pod_status(f"{OPERATOR}-5d4b9c7f6-x2x7q", OPERATOR_NS, {"status": {"startTime": ts(when)}})


def install_controller(c: kube.Cluster, project: str, available: bool = True) -> None:
    ns, name, image, labels, container = CONTROLLERS[project]
    ensure_namespace(c, ns)
    c.create_operator_deployment(ns, name, image, labels, available, args=["--zap-log-level=info"], container_name=container)


def kai_queue(c: kube.Cluster, name: str, parent: str | None = None) -> dict:
    spec: dict[str, Any] = {"resources": {"gpu": {"quota": -1, "limit": -1, "overQuotaWeight": 1}}}
    if parent:
        spec["parentQueue"] = parent
    return c.apply({"apiVersion": "scheduling.run.ai/v2", "kind": "Queue", "metadata": {"name": name}, "spec": spec})


def delete_kai_queue(c: kube.Cluster, name: str) -> None:
    c.request("DELETE", f"/apis/scheduling.run.ai/v2/queues/{name}")


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def check(self, checks_id: str) -> dict:
        """One check of a DoctorReport printed with -o json."""
        return next(c for c in self.json()["checks"] if c["id"] == checks_id)


class _Entry:
    name = "kubectl-dynamo"

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> None:
        from kubectl_dynamo.cli.main import run as run_cli

        sys.exit(run_cli(list(args or ())))


def run(c: kube.Cluster | None, *args: str, viewer: bool = False, stdin: str | None = None,
        kubeconfig: str | None = None) -> Result:
    """`kubectl dynamo ARGS --kubeconfig <the cluster's>` in-process (as the admin, or as
    dynamo-viewer, or with the given kubeconfig); colour off."""
    if kubeconfig is None:
        assert c is not None
        kubeconfig = c.viewer_kubeconfig if viewer else c.kubeconfig
    res = CliRunner().invoke(_Entry(), [*args, "--kubeconfig", kubeconfig], input=stdin,  # type: ignore[arg-type]
                             env={"NO_COLOR": "1", "KUBECONFIG": None}, catch_exceptions=False)
    return Result(res.exit_code, res.stdout, res.stderr)
