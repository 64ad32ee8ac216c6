"""`kubectl dynamo logs`: every flag judged before the cluster is asked (what it does with a real
cluster, kube-scheduler and kwok is tests/e2e/test_scheduled_dgd.py)."""

from __future__ import annotations

import pytest

from .conftest import cli

SEE = "See 'kubectl dynamo logs -h' for help and examples.\n"


@pytest.mark.parametrize(("args", "message"), [
    (["-c", "main", "--all-containers"], "--all-containers=true should not be specified with container name main"),
    (["--since", "5m", "--since-time", "2026-01-02T15:04:05Z"], "at most one of --since or --since-time may be specified"),
    (["--since", "0"], "--since must be greater than 0"),
    (["--since-time", "yesterday"], "--since-time 'yesterday' is not an RFC 3339 time like 2026-01-02T15:04:05Z"),
    (["--since-time", "2026-01-02"], "--since-time '2026-01-02' is not an RFC 3339 time like 2026-01-02T15:04:05Z"),
    (["--tail", "-2"], "--tail must be -1 (all lines) or a number of lines"),
    (["--max-log-requests", "0"], "--max-log-requests must be greater than 0"),
    (["--rank", "-1"], "--rank must be 0 (the leader) or more"),
    (["--out-dir", "x", "-f"], "--out-dir cannot be used with -f/--follow: it writes each log once, to its end"),
    (["--out-dir", "x", "-o", "json"], "--out-dir writes files: -o json cannot be used with it"),
])
def test_bad_flags_are_one_usage_error_before_connecting(args, message, connections):
    res = cli("logs", "llm", *args, connect=connections)
    assert (res.exit_code, res.stdout, res.stderr) == (2, "", f"error: {message}\n{SEE}")
    assert connections.calls == []


def test_role_is_one_of_leader_worker_main(connections):
    res = cli("logs", "llm", "--role", "boss", connect=connections)
    assert res.exit_code == 2 and "'boss' is not one of 'leader', 'worker', 'main'" in res.stderr
    assert connections.calls == []


def test_name_is_required(connections):
    res = cli("logs", connect=connections)
    assert (res.exit_code, res.stderr) == (2, f"error: missing argument 'NAME'\n{SEE}")


def test_good_flags_reach_the_cluster(connections):
    res = cli("logs", "llm", "--service", "decode", "--role", "worker", "--rank", "1", "-c", "main", "--previous",
              "--since", "1h", "--tail", "100", "--timestamps", "-f", "--max-log-requests", "8", "-o", "json",
              connect=connections)
    assert (res.exit_code, len(connections.calls)) == (3, 1)


def test_help_names_kubectls_flags():
    res = cli("logs", "-h")
    assert res.exit_code == 0
    for flag in ("--service", "--role", "--rank", "-c, --container", "--all-containers", "-p, --previous", "--since",
                 "--since-time", "--tail", "--timestamps", "-f, --follow", "--max-log-requests", "--out-dir",
                 "-o, --output"):
        assert flag in res.stdout, flag
