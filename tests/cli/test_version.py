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


def test_without_client_prints_the_client_and_says_the_server_needs_a_cluster():
    res = cli("version")
    assert res.exit_code == 0
    assert res.stdout == f"Client Version: v{__version__}\n"
    assert res.stderr.startswith("warning: the server and operator versions need a cluster")


def test_bad_output():
    res = cli("version", "--client", "-o", "wide")
    assert res.exit_code == 2 and "allowed formats are: json,text,yaml" in res.stderr
