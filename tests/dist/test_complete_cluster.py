"""`kubectl_complete-dynamo` against a real kube-apiserver (scripts/controlplane.py, as tests/e2e):
namespaces for -n, DynamoGraphDeployment names for explain/describe/get, contexts for --context.

Skipped, with the reason, when the control-plane binaries are not built (`python
scripts/controlplane.py build`, which scripts/test runs first); with $CI set that is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kubectl_dynamo.cli.complete import DGD_NAME_COMMANDS, TIMEOUT_ENV
from kubectl_dynamo.cli.main import COMMANDS

from .conftest import ROOT, clean_env, complete

pytestmark = pytest.mark.e2e

NAMESPACES = ("team-a", "team-b")
# These tests are about what is listed, not how fast: a loaded CI machine may take more than the
# 2 s default just to import the kubernetes client (test_complete_protocol checks the deadline).
SLOW_OK = {TIMEOUT_ENV: "30"}
DGDS = {"team-a": ["llm-70b", "llm-8b", "qwen-disagg"], "team-b": ["other"]}

# A DGD CRD reduced to what listing needs (the test is about names, not the schema).
DGD_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "dynamographdeployments.nvidia.com"},
    "spec": {
        "group": "nvidia.com",
        "scope": "Namespaced",
        "names": {"plural": "dynamographdeployments", "singular": "dynamographdeployment",
                  "kind": "DynamoGraphDeployment", "shortNames": ["dgd"]},
        "versions": [{"name": "v1alpha1", "served": True, "storage": True,
                      "schema": {"openAPIV3Schema": {"type": "object",
                                                     "x-kubernetes-preserve-unknown-fields": True}}}],
    },
}


def _controlplane():
    spec = importlib.util.spec_from_file_location("kubectl_dynamo_dist_controlplane", ROOT / "scripts" / "controlplane.py")
    if spec is None or spec.loader is None or not (ROOT / "scripts" / "controlplane.py").exists():
        pytest.skip("scripts/controlplane.py is missing")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"dist e2e: {reason} (CI is set, so these tests must run)", pytrace=False)
    pytest.skip(f"dist e2e: {reason}")


@pytest.fixture(scope="module")
def kubeconfig() -> str:
    """A fresh control plane with the namespaces and DGDs above; its admin kubeconfig."""
    cpm = _controlplane()
    try:
        bins = cpm.resolve_binaries(build=False)
    except cpm.ControlPlaneError as e:
        _unavailable(f"no control-plane binaries ({e}); run python scripts/controlplane.py build")
    cp = cpm.start(bin_dir=bins, tie_to_parent=True)
    try:
        _populate(cp.kubeconfig)
        yield cp.kubeconfig
    finally:
        cpm.stop(cp.dir)


def _populate(kubeconfig: str) -> None:
    from kubernetes import client, config

    api = config.new_client_from_config(config_file=kubeconfig)
    ext = client.ApiextensionsV1Api(api)
    ext.create_custom_resource_definition(DGD_CRD)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        crd = ext.read_custom_resource_definition(DGD_CRD["metadata"]["name"])
        if any(c.type == "Established" and c.status == "True" for c in (crd.status.conditions or [])):
            break
        time.sleep(0.2)
    core = client.CoreV1Api(api)
    custom = client.CustomObjectsApi(api)
    for ns in NAMESPACES:
        core.create_namespace({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    for ns, names in DGDS.items():
        for name in names:
            body = {"apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment",
                    "metadata": {"name": name, "namespace": ns}, "spec": {"services": {}}}
            for _ in range(50):  # the new resource may take a moment to be served
                try:
                    custom.create_namespaced_custom_object("nvidia.com", "v1alpha1", ns, "dynamographdeployments", body)
                    break
                except client.ApiException as e:
                    if e.status != 404:
                        raise
                    time.sleep(0.2)


def test_contexts_of_the_kubeconfig(kubeconfig, tmp_path):
    res = complete("--context", "", tmp_path=tmp_path, env={"KUBECONFIG": kubeconfig, **SLOW_OK})
    assert res.values == ["e2e-admin", "e2e-viewer"]


def test_namespaces(kubeconfig, tmp_path):
    res = complete("-n", "", tmp_path=tmp_path, env={"KUBECONFIG": kubeconfig, **SLOW_OK})
    assert {"default", "kube-system", *NAMESPACES} <= set(res.values)
    assert res.directive == 4
    res = complete("validate", "--namespace", "team-", tmp_path=tmp_path, env={"KUBECONFIG": kubeconfig, **SLOW_OK})
    assert res.values == ["team-a", "team-b"]


@pytest.mark.parametrize("command", DGD_NAME_COMMANDS)
def test_dgd_names_in_the_namespace(kubeconfig, tmp_path, command):
    if command not in COMMANDS:
        pytest.skip(f"`{command}` is not registered in cli/main.py COMMANDS yet")
    env = {"KUBECONFIG": kubeconfig, **SLOW_OK}
    assert complete("-n", "team-a", command, "", tmp_path=tmp_path, env=env).values == DGDS["team-a"]
    assert complete(command, "--namespace=team-a", "llm", tmp_path=tmp_path, env=env).values == ["llm-70b", "llm-8b"]
    assert complete(command, "-n", "team-b", "", tmp_path=tmp_path, env=env).values == ["other"]
    assert complete(command, "", tmp_path=tmp_path, env=env).values == []  # nothing in "default"


def test_explain_with_a_file_looks_nothing_up(kubeconfig, tmp_path):
    res = complete("explain", "-n", "team-a", "-f", str(Path(tmp_path) / "x.yaml"), "", tmp_path=tmp_path,
                   env={"KUBECONFIG": kubeconfig, **SLOW_OK})
    assert (res.values, res.directive) == ([], 4)
    assert "kubernetes" not in res.modules


def test_the_frozen_bundle_talks_to_the_cluster(kubeconfig, bundle, tmp_path):
    """The kubernetes client (ApiClient, urllib3, TLS with client certificates) works frozen."""
    link = tmp_path / "kubectl_complete-dynamo"
    link.symlink_to(bundle.exe)
    env = clean_env(KUBECONFIG=kubeconfig, HOME=str(tmp_path), **SLOW_OK)
    env.pop("PYTHONPATH")
    proc = subprocess.run([str(link), "-n", "team-"], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    assert (proc.stdout, proc.stderr) == ("team-a\nteam-b\n:4\n", "")
