"""`kubectl dynamo version`."""

from __future__ import annotations

import pytest

from kubectl_dynamo import __version__

from .conftest import cli


def test_client_text():
    res = cli("version", "--client")
    assert (res.exit_code, res.stdout, res.stderr) == (0, f"Client Version: v{__version__}\n", "")


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_client_machine_output(fmt):
    res = cli("version", "--client", "-o", fmt)
    data = res.json() if fmt == "json" else res.yaml()
    assert list(data) == ["clientVersion"]
    assert data["clientVersion"]["gitVersion"] == f"v{__version__}"
    assert {"major", "minor", "pythonVersion", "platform"} <= set(data["clientVersion"])


DEAD_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: dead, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: someone, user: {token: not-used}}]
contexts: [{name: dead, context: {cluster: dead, user: someone}}]
current-context: dead
"""


def test_without_client_and_no_cluster_prints_the_client_then_fails_like_kubectl(tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(DEAD_KUBECONFIG)
    res = cli("version", "--kubeconfig", str(kubeconfig), "--request-timeout", "5s")
    assert res.exit_code == 3
    assert res.stdout == f"Client Version: v{__version__}\n"
    assert res.stderr == ("error: the connection to the server https://127.0.0.1:1 was refused "
                          "- did you specify the right host or port?\n")


def test_bad_output():
    res = cli("version", "--client", "-o", "wide")
    assert res.exit_code == 2 and "allowed formats are: json,text,yaml" in res.stderr
