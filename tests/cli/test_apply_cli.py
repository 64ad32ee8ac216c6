"""`kubectl dynamo apply` without a cluster: flags, combinations and an unreachable server map to
their exit codes before anything is sent (unusable input: test_cluster_seam.py; the cluster paths
are in tests/e2e)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from .conftest import DATA, cli

AGG = str(DATA / "agg-ok.yaml")


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "-f/--filename is required: a file, a directory or - for stdin"),
        (["-f", AGG, "--dry-run=maybe"], "invalid value for '--dry-run': 'maybe' is not one of 'none', 'client', 'server'"),
        (["-f", AGG, "--wait", "--dry-run=server"], "--wait cannot be used with --dry-run=server: nothing is created to wait for"),
        (["-f", AGG, "--wait", "--dry-run=client"], "--wait cannot be used with --dry-run=client: nothing is created to wait for"),
        (["-f", AGG, "--timeout", "30s"], "--timeout only applies with --wait"),
        (["-f", AGG, "--wait", "--timeout", "soon"],
         "invalid value for '--timeout': 'soon' is not a duration (use a number with a unit: 30s, 2m, 1h30m; 0 for none)"),
        (["-f", AGG, "-o", "wide"], 'unable to match a printer suitable for the output format "wide", allowed formats are: json,name,yaml'),
        (["-f", AGG, "--force"], "unknown flag: --force"),
    ],
    ids=[
        "no -f is a usage error",
        "an unknown --dry-run mode is refused",
        "--wait with a server dry run is refused",
        "--wait with a client dry run is refused",
        "--timeout without --wait is refused",
        "--timeout must be a duration",
        "-o lists the formats apply has",
        "kubectl's --force is not --force-conflicts",
    ],
)
def test_bad_flags_exit_2_with_one_error_line_and_the_help_pointer(args, message):
    res = cli("apply", *args)
    assert (res.exit_code, res.stdout) == (2, "")
    assert res.stderr == f"error: {message}\nSee 'kubectl dynamo apply -h' for help and examples.\n"


def _kubeconfig(tmp_path, server: str) -> str:
    path = tmp_path / "kubeconfig"
    path.write_text(textwrap.dedent(f"""\
        apiVersion: v1
        kind: Config
        clusters: [{{name: c, cluster: {{server: "{server}"}}}}]
        users: [{{name: u, user: {{token: not-a-real-token}}}}]
        contexts: [{{name: ctx, context: {{cluster: c, user: u, namespace: team-a}}}}]
        current-context: ctx
        """))
    return str(path)


def test_an_unreachable_cluster_exits_3_and_prints_no_token(tmp_path):
    kubeconfig = _kubeconfig(tmp_path, "https://127.0.0.1:1")
    res = cli("apply", "-f", AGG, "--kubeconfig", kubeconfig, "--request-timeout", "2s")
    assert res.exit_code == 3
    assert res.stdout == ""
    assert res.stderr.startswith("error: the connection to the server https://127.0.0.1:1 was refused")
    assert "not-a-real-token" not in res.stderr


def test_a_missing_kubeconfig_exits_3(tmp_path):
    absent = tmp_path / "absent"
    res = cli("apply", "-f", AGG, "--kubeconfig", str(absent))
    assert (res.exit_code, res.stdout, res.stderr) == (3, "", f"error: stat {absent}: no such file or directory (--kubeconfig)\n")


def test_help_shows_the_apply_flags_and_examples():
    res = cli("apply", "-h")
    assert (res.exit_code, res.stderr) == (0, "")
    for flag in ("--filename", "--recursive", "--dry-run", "--force-conflicts", "--skip-checks", "--wait", "--timeout",
                 "--output", "--namespace"):
        assert flag in res.stdout
    assert "kubectl dynamo apply -f - --wait" in res.stdout


def test_the_root_help_lists_apply_with_its_summary():
    res = cli("-h")
    assert (res.exit_code, res.stderr) == (0, "")
    line = next(x for x in res.stdout.splitlines() if x.split()[:1] == ["apply"])
    assert line.split(None, 1)[1] == "Check, then server-side apply manifests (optionally --wait)"


def test_flag_errors_do_not_import_the_kubernetes_client():
    code = ("import sys\nfrom kubectl_dynamo.cli.main import run\n"
            "rc = run(['apply', '-f', 'x.yaml', '--dry-run=server', '--wait'])\n"
            "assert rc == 2, rc\nassert 'kubernetes' not in sys.modules\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
