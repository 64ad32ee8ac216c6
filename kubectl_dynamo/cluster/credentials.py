"""Credentials from a kubeconfig user, kept in memory (issue 10).

Key material: the kubernetes client writes `client-key-data` (and certificate data) to named
temporary files, removed only by an atexit hook, so `timeout`'s SIGTERM or a SIGKILL leaves the
private key on disk. Here every `*-data` field is written instead to an anonymous memfd
(memfd_create: a file that lives in this process's memory and has no name in any directory) and
handed to the client as its /proc/self/fd/N path; it is gone when the process ends, however it
ends, SIGKILL included. Where memfd_create is missing (not Linux), the fallback is a 0600 file in a
0700 directory, removed at exit and on SIGTERM, SIGHUP and SIGINT; only SIGKILL can leave it.

Exec plugins (client.authentication.k8s.io/v1, v1beta1) are run here rather than by the client,
which logs a failure as `ERROR:root:...` and then sends the request without credentials. As
client-go does, a plugin that fails, hangs past --request-timeout, or prints anything but a valid
ExecCredential stops the command with `getting credentials: ...` before any request is sent; the
plugin's output never appears in a message.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from typing import Any

from kubectl_dynamo.errors import ClusterError, CredentialError

EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
MAX_EXEC_OUTPUT = 1024 * 1024  # an ExecCredential is a few KiB


# --- key material in memory ------------------------------------------------------------------------

_kept: list[int] = []  # memfds stay open for the life of the process: TLS reloads them per connection
_fallback_dir: str | None = None
_lock = threading.Lock()


def in_memory_file(data: bytes, name: str) -> str:
    """A path whose content is `data`, readable by this process only, never on disk."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create(f"kubectl-dynamo-{name}", os.MFD_CLOEXEC)
        os.write(fd, data)
        os.lseek(fd, 0, os.SEEK_SET)
        _kept.append(fd)
        return f"/proc/self/fd/{fd}"
    return _private_file(data, name)  # pragma: no cover - Linux has memfd_create


def _private_file(data: bytes, name: str) -> str:  # pragma: no cover - exercised off Linux only
    global _fallback_dir
    with _lock:
        if _fallback_dir is None:
            _fallback_dir = tempfile.mkdtemp(prefix="kubectl-dynamo-")
            atexit.register(_remove_fallback)
            for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                previous = signal.getsignal(sig)

                def handler(signum: int, frame: Any, previous: Any = previous) -> None:
                    _remove_fallback()
                    if callable(previous):
                        previous(signum, frame)
                    else:
                        signal.signal(signum, signal.SIG_DFL)
                        os.kill(os.getpid(), signum)

                signal.signal(sig, handler)
    fd, path = tempfile.mkstemp(dir=_fallback_dir, prefix=name)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def _remove_fallback() -> None:  # pragma: no cover
    if _fallback_dir:
        shutil.rmtree(_fallback_dir, ignore_errors=True)


def keep_data_in_memory(entry: dict, field: str) -> None:
    """`<field>-data` (base64, as kubeconfig holds it) -> `<field>`: an in-memory file path."""
    data = entry.get(f"{field}-data")
    if not data:
        return
    try:
        raw = base64.b64decode(data, validate=False)
    except (ValueError, TypeError) as exc:
        raise ClusterError(f"invalid kubeconfig: {field}-data is not base64") from exc
    entry[field] = in_memory_file(raw, field)
    del entry[f"{field}-data"]


# --- exec plugins -----------------------------------------------------------------------------------


@dataclass
class ExecResult:
    token: str | None = None
    cert: bytes | None = None
    key: bytes | None = None
    expiry: str | None = None


def run_exec(spec: Any, base_dir: str, cluster: dict | None, timeout: float | None) -> ExecResult:
    """Run the user's exec plugin once, as client-go does; raises CredentialError."""
    if not isinstance(spec, dict) or not isinstance(spec.get("command"), str) or not spec["command"]:
        raise CredentialError("exec: the kubeconfig user's exec.command is not set")
    api_version = spec.get("apiVersion")
    if api_version not in EXEC_API_VERSIONS:
        raise CredentialError(f"exec plugin: invalid apiVersion {api_version!r}")
    command = spec["command"]
    if os.sep in command and not os.path.isabs(command):  # relative to the kubeconfig, like client-go
        command = os.path.join(base_dir, command)
    args = [str(a) for a in spec.get("args") or [] if isinstance(a, (str, int, float))]
    env = dict(os.environ)
    for e in spec.get("env") or []:
        if isinstance(e, dict) and isinstance(e.get("name"), str):
            env[e["name"]] = str(e.get("value", ""))
    interactive = spec.get("interactiveMode", "IfAvailable") != "Never" and _stdin_is_terminal()
    info: dict[str, Any] = {"apiVersion": api_version, "kind": "ExecCredential", "spec": {"interactive": interactive}}
    if spec.get("provideClusterInfo") and cluster:
        info["spec"]["cluster"] = {k: cluster[k] for k in ("server", "tls-server-name", "insecure-skip-tls-verify",
                                                            "certificate-authority-data", "proxy-url") if k in cluster}
    env["KUBERNETES_EXEC_INFO"] = json.dumps(info)
    try:
        proc = subprocess.Popen([command, *args], env=env, stdout=subprocess.PIPE,
                                stdin=None if interactive else subprocess.DEVNULL,
                                stderr=None if interactive else subprocess.DEVNULL, start_new_session=True)
    except FileNotFoundError:
        raise CredentialError(f"exec: executable {spec['command']} not found") from None
    except OSError as exc:
        raise CredentialError(f"exec: {spec['command']}: {exc.strerror or exc}") from None
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise CredentialError(f"exec: executable {spec['command']} did not finish within {timeout:g}s "
                              "(--request-timeout)") from None
    except BaseException:
        _kill(proc)
        raise
    if proc.returncode != 0:
        raise CredentialError(f"exec: executable {spec['command']} failed with exit code {proc.returncode}")
    return parse_exec_credential(out, api_version)


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


def _kill(proc: subprocess.Popen) -> None:
    """The plugin and whatever it started (its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    proc.wait()


def parse_exec_credential(out: bytes, api_version: str) -> ExecResult:
    """An ExecCredential from the plugin's stdout, checked as client-go checks it. Messages never
    quote the output: it is a credential, or garbage next to one."""
    if len(out) > MAX_EXEC_OUTPUT:
        raise CredentialError(f"decoding stdout: more than {MAX_EXEC_OUTPUT} bytes, not an ExecCredential")
    try:
        cred = json.loads(out)
    except (ValueError, UnicodeDecodeError):
        raise CredentialError(f"decoding stdout: not a JSON ExecCredential ({len(out)} bytes)") from None
    if not isinstance(cred, dict):
        raise CredentialError("decoding stdout: not a JSON object, so not an ExecCredential")
    if cred.get("kind") != "ExecCredential":
        kind = cred.get("kind")
        what = f"kind {kind!r}" if isinstance(kind, str) and len(kind) < 64 and kind.isprintable() else "no kind"
        raise CredentialError(f"decoding stdout: {what}, expected ExecCredential")
    if cred.get("apiVersion") != api_version:
        got = cred.get("apiVersion")
        shown = got if isinstance(got, str) and len(got) < 100 and got.isprintable() else "?"
        raise CredentialError(f"exec plugin is configured to use API version {api_version}, plugin returned version {shown}")
    status = cred.get("status")
    if not isinstance(status, dict):
        raise CredentialError("exec plugin didn't return a status field")
    for name in ("token", "clientCertificateData", "clientKeyData", "expirationTimestamp"):
        if name in status and not isinstance(status[name], str):
            raise CredentialError(f"decoding stdout: status.{name} is not a string")
    token, cert, key = status.get("token") or None, status.get("clientCertificateData"), status.get("clientKeyData")
    if not token and not cert and not key:
        raise CredentialError("exec plugin didn't return a token or cert/key pair")
    if bool(cert) != bool(key):
        raise CredentialError("exec plugin returned only certificate or key, not both")
    if token and any(c in token for c in "\r\n\x00"):
        raise CredentialError("decoding stdout: status.token holds a line break")
    return ExecResult(token=token, cert=cert.encode() if cert else None, key=key.encode() if key else None,
                      expiry=status.get("expirationTimestamp"))


def resolve_exec(user: dict, base_dir: str, cluster: dict | None, timeout: float | None) -> None:
    """Replace the user's `exec` by what it returned (a token, or cert and key as in-memory
    files), so the client never runs the plugin itself."""
    spec = user.get("exec")
    if not spec:
        return
    result = run_exec(spec, base_dir, cluster, timeout)
    del user["exec"]
    if result.token:
        user["token"] = result.token
    if result.cert and result.key:
        user["client-certificate"] = in_memory_file(result.cert, "client-certificate")
        user["client-key"] = in_memory_file(result.key, "client-key")
