"""Every command gets its cluster through one seam, GlobalOptions.cluster(): connected once per
invocation with the global options, only when the command needs it, and after every flag and
input error has been judged. `cli(..., connect=...)` swaps the connection, so a command's order of
work is tested here without any cluster; what it does with a real one is tests/e2e's."""

from __future__ import annotations

import pytest

from kubectl_dynamo import __version__
from kubectl_dynamo.cluster.connection import ConnectionOptions

from .conftest import DATA, cli

AGG = str(DATA / "agg-ok.yaml")
REFUSED = "error: the connection to the server was refused (test)\n"

CLUSTER_COMMANDS = {
    "doctor": ["doctor"],
    "get": ["get"],
    "get NAME": ["get", "llm"],
    "describe": ["describe", "llm"],
    "explain NAME": ["explain", "llm"],
    "explain -f without --assume": ["explain", "-f", AGG],
    "apply": ["apply", "-f", AGG],
    "version": ["version"],
}


@pytest.mark.parametrize("name", list(CLUSTER_COMMANDS))
def test_a_cluster_command_connects_once_with_the_global_options(name, connections):
    args = [*CLUSTER_COMMANDS[name], "--context", "ctx", "-n", "team-a", "--request-timeout", "5s", "--kubeconfig", "kc"]
    res = cli(*args, connect=connections)
    assert connections.calls == [ConnectionOptions(kubeconfig="kc", context="ctx", namespace="team-a", request_timeout=5.0)]
    assert res.exit_code == 3
    assert res.stderr == REFUSED
    # kubectl version prints the client's version before the server's error
    assert res.stdout == (f"Client Version: v{__version__}\n" if name == "version" else "")


@pytest.mark.parametrize("args", [
    ["explain", "-f", AGG, "--assume", "grove,kai"],
    ["validate", "-f", AGG],
    ["init", "llm", "--nodes", "2", "--gpus", "4"],
    ["version", "--client"],
    ["completion", "bash"],
], ids=["explain --assume", "validate", "init", "version --client", "completion"])
def test_offline_commands_never_connect(args, connections):
    res = cli(*args, connect=connections)
    assert (res.exit_code, connections.calls) == (0, [])


@pytest.mark.parametrize("source, content, message", [
    ("missing.yaml", None, 'error: the path "missing.yaml" does not exist\n'),
    ("bad.yaml", "a: [1, 2\n", 'error: "bad.yaml" is not valid YAML at line 2, column 1: did not find expected \',\' or \']\'\n'),
    ("plain.yaml", "just: a mapping\n", "error: plain.yaml: not a Kubernetes object (apiVersion and kind not set)\n"),
    ("empty.yaml", "# nothing here\n", "error: no objects passed to apply (empty.yaml holds no Kubernetes object)\n"),
], ids=["a missing file", "not YAML", "not a Kubernetes object", "no document at all"])
def test_apply_reads_and_judges_all_input_before_it_connects(tmp_path, monkeypatch, connections, source, content, message):
    monkeypatch.chdir(tmp_path)
    if content is not None:
        (tmp_path / source).write_text(content)
    res = cli("apply", "-f", source, connect=connections)
    assert (res.exit_code, res.stdout, res.stderr) == (2, "", message)
    assert connections.calls == []


def test_apply_usage_errors_come_before_the_connection(connections):
    res = cli("apply", "-f", AGG, "--wait", "--dry-run=server", connect=connections)
    assert (res.exit_code, res.stdout) == (2, "")
    assert res.stderr == ("error: --wait cannot be used with --dry-run=server: nothing is created to wait for\n"
                          "See 'kubectl dynamo apply -h' for help and examples.\n")
    assert connections.calls == []


def test_explain_by_name_reads_the_dgd_and_the_capabilities_over_one_connection(connections):
    """Both of explain's cluster reads share the invocation's one connection: the first refusal
    ends it, and nothing connects a second time."""
    res = cli("explain", "llm", connect=connections)
    assert (res.exit_code, len(connections.calls)) == (3, 1)
