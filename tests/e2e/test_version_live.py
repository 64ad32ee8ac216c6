"""`kubectl dynamo version` against the session's API server, and what every cluster command does
when the cluster cannot be used (unreachable, TLS, 401): one line, exit 3."""

from __future__ import annotations

import json

import pytest
import yaml

from kubectl_dynamo import __version__

from .scenarios import run

pytestmark = pytest.mark.e2e

OPERATOR = "dynamo-platform-dynamo-operator-controller-manager"


def test_text_names_the_server_and_the_operator(cluster, namespace):
    cluster.create_operator_deployment(namespace, OPERATOR, "nvcr.io/nvidia/ai-dynamo/kubernetes-operator:1.1.0")
    res = run(cluster, "version")
    assert (res.exit_code, res.stderr) == (0, "")
    assert res.stdout == (f"Client Version: v{__version__}\n"
                          f"Server Version: v{cluster.cp.kubernetes_version}\n"
                          f"Dynamo Operator Version: 1.1.0 ({namespace}/{OPERATOR})\n")


def test_json_and_yaml_carry_all_three(cluster, namespace):
    # a custom image tag: the chart's --operator-version argument is the version
    cluster.create_operator_deployment(namespace, OPERATOR, "registry.example.com/dynamo-operator:sha-4f2a9c1",
                                       args=["--config=/etc/dynamo-operator/config.yaml", "--operator-version=1.0.2"])
    for fmt in ("json", "yaml"):
        res = run(cluster, "version", "-o", fmt)
        assert res.exit_code == 0
        data = json.loads(res.stdout) if fmt == "json" else yaml.safe_load(res.stdout)
        assert list(data) == ["clientVersion", "serverVersion", "operatorVersion"]
        assert data["clientVersion"]["gitVersion"] == f"v{__version__}"
        assert data["serverVersion"]["gitVersion"] == f"v{cluster.cp.kubernetes_version}"
        assert data["operatorVersion"] == {"version": "1.0.2", "namespace": namespace, "deployment": OPERATOR,
                                           "image": "registry.example.com/dynamo-operator:sha-4f2a9c1", "available": True}


def test_without_an_operator_it_says_not_found(cluster):
    res = run(cluster, "version")
    assert res.exit_code == 0
    assert res.stdout.splitlines()[-1] == "Dynamo Operator Version: not found"
    assert run(cluster, "version", "-o", "json").json()["operatorVersion"] is None


def test_a_user_who_may_not_list_deployments_gets_a_warning(cluster, namespace):
    cluster.create_operator_deployment(namespace, OPERATOR)
    res = run(cluster, "version", viewer=True)
    assert res.exit_code == 0
    assert res.stdout.splitlines()[1:] == [f"Server Version: v{cluster.cp.kubernetes_version}",
                                           "Dynamo Operator Version: unknown"]
    assert res.stderr.startswith("warning: cannot find the Dynamo operator: forbidden: ")


def _kubeconfig(cluster, tmp_path, server: str | None = None, ca: bool = True, token: str | None = None) -> str:
    """The admin kubeconfig with another server, no CA, or a bearer token in place of the cert."""
    with open(cluster.kubeconfig) as fh:
        cfg = json.load(fh)
    for c in cfg["clusters"]:
        if server:
            c["cluster"]["server"] = server
        if not ca:
            c["cluster"].pop("certificate-authority-data", None)
    if token:
        for u in cfg["users"]:
            u["user"] = {"token": token}
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(cfg))
    return str(path)


@pytest.mark.parametrize("kind, message", [
    ("unreachable", "the connection to the server https://127.0.0.1:1 was refused - did you specify the right host or port?"),
    ("tls", "tls: cannot verify the server"),
    ("unauthorized", "unauthorized: the server rejected the credentials"),
], ids=["an unreachable server", "an unknown certificate authority", "rejected credentials"])
@pytest.mark.parametrize("command", [["version"], ["doctor"], ["explain", "llm"]], ids=["version", "doctor", "explain"])
def test_an_unusable_cluster_is_one_line_and_exit_3(cluster, tmp_path, kind, message, command):
    kubeconfig = _kubeconfig(cluster, tmp_path, server="https://127.0.0.1:1" if kind == "unreachable" else None,
                             ca=kind != "tls", token="not-a-valid-token" if kind == "unauthorized" else None)
    res = run(None, *command, "--request-timeout", "5s", kubeconfig=kubeconfig)
    assert res.exit_code == 3
    assert res.stderr.startswith(f"error: {message}") and len(res.stderr.splitlines()) == 1, res.stderr
    # like kubectl, version still prints the client version first
    assert res.stdout == (f"Client Version: v{__version__}\n" if command == ["version"] else "")
