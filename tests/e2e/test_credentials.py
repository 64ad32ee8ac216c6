"""Credentials (issue 10): no token, key or exec plugin output in any output of any command, even at
-v 9 and on errors; no file holding key material outlives the command (normal exit, SIGTERM,
SIGKILL); exec plugins that fail, hang or print garbage stop the command with kubectl's kind of
message within --request-timeout, and nothing is sent to the server."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from ..cli.conftest import cli
from .faults import STALL, STATUS, Fault, FaultProxy, status_body, wait_until
from .kube import REPO_ROOT
from .test_apply import dgd

pytestmark = pytest.mark.e2e

TOKEN = "kd-e2e-secret-token-7f3a9c1e5b"  # distinctive, so any leak is found by grep


@pytest.fixture
def proxy(cluster):
    p = FaultProxy(cluster.cp)
    yield p
    p.close()


def admin_user(cluster) -> dict:
    return json.loads(Path(cluster.kubeconfig).read_text())["users"][0]["user"]


def key_lines(cluster) -> list[str]:
    """The base64 lines of the admin private key's PEM, and the kubeconfig's key data itself."""
    data = admin_user(cluster)["client-key-data"]
    pem = base64.b64decode(data).decode()
    body = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    return [data, *body]


def exec_plugin(tmp_path: Path, name: str, script: str) -> str:
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\n{script}\n")
    path.chmod(0o755)
    return str(path)


def exec_user(command: str, api_version: str = "client.authentication.k8s.io/v1") -> dict:
    return {"exec": {"apiVersion": api_version, "command": command, "interactiveMode": "Never"}}


def credential(status: dict, kind: str = "ExecCredential", api_version: str = "client.authentication.k8s.io/v1") -> str:
    return json.dumps({"apiVersion": api_version, "kind": kind, "status": status})


def commands(tmp_path: Path, ns: str) -> list[list[str]]:
    f = tmp_path / "dgd.yaml"
    f.write_text(yaml.safe_dump({**dgd(), "metadata": {"name": "my-llm", "namespace": ns}}))
    return [["version"], ["get", "-A"], ["describe", "my-llm", "-n", ns], ["explain", "my-llm", "-n", ns],
            ["explain", "-f", str(f), "-n", ns], ["apply", "-f", str(f), "-n", ns, "--dry-run=server"], ["doctor"]]


def assert_no_secret(text: str, secrets: list[str]) -> None:
    for s in secrets:
        assert s not in text, f"a credential reached the output: {s[:12]}..."


# --- nothing leaks, at -v 9, on success and on errors -----------------------------------------------


def test_no_output_of_any_command_at_v9_holds_the_token_key_or_exec_output(cluster, project_crds, namespace, proxy, tmp_path):
    cert = admin_user(cluster)
    out = credential({"clientCertificateData": base64.b64decode(cert["client-certificate-data"]).decode(),
                      "clientKeyData": base64.b64decode(cert["client-key-data"]).decode()})
    (tmp_path / "cred.json").write_text(out)
    plugin = exec_plugin(tmp_path, "cert-plugin", f"print(open({str(tmp_path / 'cred.json')!r}).read())")
    token_plugin = exec_plugin(tmp_path, "token-plugin", f"print({credential({'token': TOKEN})!r})")
    secrets = [TOKEN, *key_lines(cluster), out[:60]]
    configs = {
        "client-key-data": proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kc-cert"),
        "token": proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kc-token", user={"token": TOKEN}),
        "exec token": proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kc-exec", user=exec_user(token_plugin)),
        "exec cert": proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kc-exec-cert", user=exec_user(plugin)),
    }
    sent: dict[str, list] = {}
    for name, kubeconfig in configs.items():
        before = len(proxy.requests())
        for args in commands(tmp_path, namespace):
            res = cli("--kubeconfig", kubeconfig, "-v", "9", "--request-timeout", "10s", *args)
            assert res.exit_code in (0, 1, 3), (name, args, res.stderr)  # describe/explain NAME: not found
            assert_no_secret(res.stdout + res.stderr, secrets)
        sent[name] = proxy.requests()[before:]
    # each way of logging in was really used: the token as a bearer header, the keys as a client certificate
    assert all(s.headers.get("authorization") == f"Bearer {TOKEN}" for name in ("token", "exec token") for s in sent[name])
    assert all(s.client_cn and "authorization" not in s.headers for name in ("client-key-data", "exec cert") for s in sent[name])
    assert all(len(v) >= 7 for v in sent.values())


def test_errors_at_v9_hold_no_credential(cluster, project_crds, namespace, proxy, tmp_path):
    proxy.add(Fault(r"^[A-Z]+ /", STATUS, status=401, body=status_body(401, "Unauthorized", "Unauthorized")))
    kubeconfig = proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kc-token", user={"token": TOKEN})
    for args in commands(tmp_path, namespace):
        res = cli("--kubeconfig", kubeconfig, "-v", "9", "--request-timeout", "5s", *args)
        assert res.exit_code == 3
        assert_no_secret(res.stdout + res.stderr, [TOKEN])


# --- key material never outlives the process ----------------------------------------------------------


def _files_holding(roots: list[Path], secrets: list[str], skip: str) -> list[str]:
    """Files under `roots` (but not under `skip`, the control plane's own PKI) holding a secret."""
    found = []
    for root in roots:
        for dirpath, _dirs, files in os.walk(root):
            if dirpath.startswith(skip):
                continue
            for f in files:
                p = Path(dirpath) / f
                try:
                    text = p.read_bytes()[:1 << 20].decode("latin-1")
                except OSError:
                    continue
                if any(s in text for s in secrets):
                    found.append(str(p))
    return found


def _plugin_process(kubeconfig: str, tmpdir: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmpdir), "KUBECONFIG": kubeconfig, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen([sys.executable, "-m", "kubectl_dynamo", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=REPO_ROOT)


@pytest.mark.parametrize("ending", ["exit", "SIGTERM", "SIGINT", "SIGKILL"])
def test_no_file_with_key_material_outlives_the_command(cluster, proxy, tmp_path, ending):
    """kubectl keeps the key in memory, and so does the plugin (an anonymous memfd): after any
    ending, SIGKILL included, no file under TMPDIR or /dev/shm holds the key."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    if ending != "exit":
        proxy.add(Fault(r"^GET /", STALL))  # the command is busy with a request when the signal comes
    kubeconfig = proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig")
    proc = _plugin_process(kubeconfig, tmpdir, "get", "-A", "--request-timeout", "60s")
    if ending != "exit":
        assert wait_until(lambda: bool(proxy.requests(r"^GET /")), 30), "the command never reached the server"
        proc.send_signal(getattr(signal, ending))
    start = time.monotonic()
    proc.communicate(timeout=60)
    # Ctrl-C ends a command stalled in a request at once (exit 130, as a shell reports SIGINT)
    assert proc.returncode == {"exit": 0, "SIGTERM": -15, "SIGINT": 130, "SIGKILL": -9}[ending]
    assert time.monotonic() - start < 10
    roots = [tmpdir] + ([Path("/dev/shm")] if Path("/dev/shm").is_dir() else [])
    assert _files_holding(roots, key_lines(cluster), skip=cluster.cp.dir) == []
    assert list(tmpdir.iterdir()) == [], "the command left files in TMPDIR"


# --- exec plugins ------------------------------------------------------------------------------------


EXEC_FAILURES = {
    "exits 1": ("import sys; sys.stderr.write('login expired\\n'); sys.exit(1)", "failed with exit code 1"),
    "prints garbage": (f"print('hello {TOKEN} world')", "decoding stdout: not a JSON ExecCredential"),
    "prints the wrong kind": (f"print({credential({'token': TOKEN}, kind='Secret')!r})",
                              "decoding stdout: kind 'Secret', expected ExecCredential"),
    "prints a token that is not a string": ("print('{\"apiVersion\": \"client.authentication.k8s.io/v1\", "
                                            "\"kind\": \"ExecCredential\", \"status\": {\"token\": 12345}}')",
                                            "decoding stdout: status.token is not a string"),
    "prints another apiVersion": (f"print({credential({'token': TOKEN}, api_version='client.authentication.k8s.io/v1beta1')!r})",
                                  "plugin returned version client.authentication.k8s.io/v1beta1"),
    "prints no token": ("print('{\"apiVersion\": \"client.authentication.k8s.io/v1\", \"kind\": \"ExecCredential\", "
                        "\"status\": {}}')", "exec plugin didn't return a token or cert/key pair"),
    "prints a list": ("print('[1, 2]')", "not a JSON object"),
}


@pytest.mark.parametrize("case", list(EXEC_FAILURES))
def test_a_bad_exec_plugin_stops_the_command_and_sends_nothing(cluster, proxy, tmp_path, case):
    script, says = EXEC_FAILURES[case]
    plugin = exec_plugin(tmp_path, "plugin", script)
    kubeconfig = proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig", user=exec_user(plugin))
    for args in (["get"], ["version"], ["doctor"]):
        for verbosity in ("0", "9"):  # -v 9 adds the traceback, never a credential
            res = cli("--kubeconfig", kubeconfig, "-v", verbosity, "--request-timeout", "5s", *args)
            assert res.exit_code == 3, res.stderr
            lines = res.stderr.strip().splitlines()
            assert lines[-1].startswith("error: getting credentials: ") and says in lines[-1], res.stderr
            assert verbosity == "9" or len(lines) == 1, res.stderr
            assert_no_secret(res.stdout + res.stderr, [TOKEN, "login expired", "ERROR:root"])
    assert proxy.requests() == [], "a request was sent without the credentials"


def test_a_missing_exec_plugin_is_named(cluster, proxy, tmp_path):
    kubeconfig = proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig", user=exec_user("kd-no-such-plugin"))
    res = cli("--kubeconfig", kubeconfig, "get")
    assert res.exit_code == 3
    assert res.stderr == "error: getting credentials: exec: executable kd-no-such-plugin not found\n"
    assert proxy.requests() == []


def test_a_hanging_exec_plugin_is_stopped_at_the_request_timeout(cluster, proxy, tmp_path):
    pidfile = tmp_path / "pid"
    plugin = exec_plugin(tmp_path, "hang", f"import os, time; open({str(pidfile)!r}, 'w').write(str(os.getpid())); time.sleep(120)")
    kubeconfig = proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig", user=exec_user(plugin))
    start = time.monotonic()
    res = cli("--kubeconfig", kubeconfig, "--request-timeout", "2s", "get")
    elapsed = time.monotonic() - start
    assert res.exit_code == 3
    assert res.stderr == f"error: getting credentials: exec: executable {plugin} did not finish within 2s (--request-timeout)\n"
    assert elapsed < 2 + 3, f"a hanging plugin held the command for {elapsed:.1f}s"
    pid = int(pidfile.read_text())
    assert wait_until(lambda: not _alive(pid), 5), "the plugin was left running"
    assert proxy.requests() == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_good_exec_plugin_gets_its_token_sent_and_never_printed(cluster, project_crds, proxy, tmp_path):
    plugin = exec_plugin(tmp_path, "ok", f"print({credential({'token': TOKEN, 'expirationTimestamp': '2099-01-01T00:00:00Z'})!r})")
    kubeconfig = proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig", user=exec_user(plugin))
    res = cli("--kubeconfig", kubeconfig, "-v", "9", "get", "-A")
    assert res.exit_code == 0, res.stderr
    assert proxy.requests() and all(s.headers.get("authorization") == f"Bearer {TOKEN}" for s in proxy.requests())
    assert_no_secret(res.stdout + res.stderr, [TOKEN])
