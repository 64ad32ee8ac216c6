"""Helpers for the distribution tests: the two entry points run as real processes.

``complete(*words)`` runs ``kubectl_complete-dynamo WORDS`` from the source tree in a fresh
interpreter and returns its candidates, directive, wall time and the modules it imported.
``write_kubeconfig()`` writes a kubeconfig for a server that is not there (or hangs).
``bundle`` (session) is the PyInstaller one-folder build from ``scripts/build-binary --reuse``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
BUNDLE_BUILD_TIMEOUT = 30 * 60  # seconds; a cold PyInstaller build takes 1-2 min on 2 cores

# Runs the console-script entry point and reports sys.modules and how long the answer took from
# the moment kubectl_dynamo.cli.complete was imported (where its deadline starts). os._exit, which
# main() uses when a lookup thread is still running, is wrapped so that the report is written then too.
_COMPLETE = """
import json, os, sys, time
from kubectl_dynamo.cli import complete
sys.argv = ["kubectl_complete-dynamo", *sys.argv[1:]]

def report(code, pending):
    with open(os.environ["KD_REPORT"], "w") as fh:
        json.dump({"code": code, "modules": sorted(sys.modules), "pending": pending,
                   "seconds": time.monotonic() - complete._IMPORTED}, fh)

_exit = os._exit
def exit_now(code):
    report(code, True)
    _exit(code)
os._exit = exit_now
try:
    complete.main()
except SystemExit as e:
    report(e.code if isinstance(e.code, int) else 1, False)
"""


@dataclass
class Completion:
    stdout: str
    stderr: str
    code: int
    seconds: float  # wall time of the process
    modules: set[str] = field(default_factory=set)
    answered_in: float = 0.0  # from the import of cli.complete (where the deadline starts) to exit
    abandoned: bool = False  # a lookup was still running at exit

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def directive(self) -> int:
        last = self.lines[-1]
        assert last.startswith(":") and last[1:].isdigit(), f"last line is not :<directive>: {self.stdout!r}"
        return int(last[1:])

    @property
    def items(self) -> list[tuple[str, str | None]]:
        """(candidate, description or None) for every line before the directive."""
        out = []
        for line in self.lines[:-1]:
            value, tab, help_ = line.partition("\t")
            out.append((value, help_ if tab else None))
        return out

    @property
    def values(self) -> list[str]:
        return [v for v, _ in self.items]


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without kubeconfig or colour settings from the developer's shell."""
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "NO_COLOR", "TERM", "CI_COLOR")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def complete(*words: str, tmp_path: Path, env: dict[str, str] | None = None, timeout: float = 60) -> Completion:
    """`kubectl_complete-dynamo WORDS` (the last word is the one being completed)."""
    report = tmp_path / "complete-report.json"
    report.unlink(missing_ok=True)
    run_env = clean_env(KD_REPORT=str(report), HOME=str(tmp_path), **(env or {}))
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", _COMPLETE, *words], capture_output=True, text=True,
                          env=run_env, cwd=tmp_path, timeout=timeout)
    seconds = time.monotonic() - t0
    assert report.exists(), f"kubectl_complete-dynamo wrote no report: {proc.stderr[-2000:]}"
    data = json.loads(report.read_text())
    return Completion(proc.stdout, proc.stderr, data["code"], seconds, set(data["modules"]),
                      data["seconds"], data["pending"])


def write_kubeconfig(path: Path, server: str, *, exec_argv: list[str] | None = None,
                     namespace: str = "team-a") -> Path:
    """A kubeconfig with contexts `dead` (current, namespace `namespace`) and `other`, both pointing
    at `server` with a token, or with an exec credential plugin running `exec_argv`."""
    user: dict = {"token": "not-a-real-token"}
    if exec_argv:
        user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": exec_argv[0],
                         "args": exec_argv[1:], "interactiveMode": "Never"}}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server, "insecure-skip-tls-verify": True}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [
            {"name": "dead", "context": {"cluster": "c", "user": "u", "namespace": namespace}},
            {"name": "other", "context": {"cluster": "c", "user": "u"}},
        ],
        "current-context": "dead",
    }
    path.write_text(json.dumps(config, indent=2))  # JSON is YAML
    return path


# --- the PyInstaller bundle, built once per session ------------------------------------------------


@dataclass
class Bundle:
    dir: Path
    exe: Path
    archive: Path
    manifest: Path
    version: str
    build_seconds: float


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    """dist/kubectl-dynamo from `scripts/build-binary --reuse`: rebuilt only when the sources or the
    frozen libraries changed since the last build, so repeated sessions pay the build once."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.skip("PyInstaller is not importable in this environment (pip install -e '.[build]')")
    from kubectl_dynamo import __version__

    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build-binary"), "--reuse"],
                          capture_output=True, text=True, cwd=ROOT, timeout=BUNDLE_BUILD_TIMEOUT)
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        pytest.fail(f"scripts/build-binary failed ({proc.returncode}):\n{proc.stderr[-4000:]}", pytrace=False)
    sys.stderr.write(f"\ndist: scripts/build-binary --reuse took {seconds:.0f}s\n")
    import platform

    arch = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower(), platform.machine())
    archive = DIST / f"kubectl-dynamo_{__version__}_{sys.platform}_{arch}.tar.gz"
    return Bundle(DIST / "kubectl-dynamo", DIST / "kubectl-dynamo" / "kubectl-dynamo", archive,
                  DIST / "dynamo.yaml", __version__, seconds)
