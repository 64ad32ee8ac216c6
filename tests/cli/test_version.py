"""`kubectl dynamo version`."""

from __future__ import annotations

import platform
import sys

import pytest

from kubectl_dynamo import __version__
from kubectl_dynamo.cli.version_cmd import client_version

from .conftest import cli


def test_client_text():
    res = cli("version", "--client")
    assert (res.exit_code, res.stdout, res.stderr) == (0, f"Client Version: v{__version__}\n", "")


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_client_machine_output(fmt):
    res = cli("version", "--client", "-o", fmt)
    assert (res.exit_code, res.stderr) == (0, "")
    data = res.json() if fmt == "json" else res.yaml()
    major, minor = __version__.split(".")[:2]
    assert data == {"clientVersion": {"major": major, "minor": minor, "gitVersion": f"v{__version__}",
                                      "pythonVersion": platform.python_version(), "platform": client_version()["platform"]}}
    assert data["clientVersion"]["platform"].split("/")[0] == sys.platform


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
    assert (res.exit_code, res.stdout) == (2, "")
    assert res.stderr == ('error: unable to match a printer suitable for the output format "wide", allowed formats are: '
                          "json,text,yaml\nSee 'kubectl dynamo version -h' for help and examples.\n")
