"""`pip install .` into a fresh virtualenv gives both console scripts, and they run.

Offline-fast: the package is installed with --no-deps, and the test interpreter's own site-packages
(where click, kubernetes, PyYAML and tabulate are) is added to the new venv by a .pth file, behind
the venv's own site-packages, so the installed copy of kubectl_dynamo is the one imported. The
wheel is built from a copy of what an sdist holds (pyproject.toml, LICENSE, README, the package),
so concurrent runs never write build/ or *.egg-info into the working tree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from kubectl_dynamo import __version__

from .conftest import ROOT, clean_env

PIP_TIMEOUT = 600


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("install")
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "LICENSE", "README.md", "MANIFEST.in", "setup.cfg", "setup.py"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "kubectl_dynamo", src / "kubectl_dynamo",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env_dir = base / "venv"
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120)
    py = env_dir / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    parent = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "_kubectl_dynamo_test_deps.pth").write_text("".join(f"{p}\n" for p in sorted(parent)))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--quiet",
         "--disable-pip-version-check", str(src)],
        capture_output=True, text=True, timeout=PIP_TIMEOUT, env=_env(),
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    sys.stderr.write(f"\ndist: venv + pip install --no-deps took {time.monotonic() - t0:.1f}s\n")
    return env_dir


def _env(**extra: str) -> dict[str, str]:
    env = clean_env(**extra)
    env.pop("PYTHONPATH")  # the source tree must not shadow the installed package
    return env


def run(venv: Path, exe: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = _env(HOME=str(cwd))
    return subprocess.run([str(venv / "bin" / exe), *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=60)


def test_the_installed_package_is_the_one_imported(venv, tmp_path):
    proc = run(venv, "python", "-c", "import kubectl_dynamo; print(kubectl_dynamo.__file__)", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()).is_relative_to(venv)


def test_kubectl_dynamo_entry_point(venv, tmp_path):
    proc = run(venv, "kubectl-dynamo", "version", "--client", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"Client Version: v{__version__}\n", "")
    help_ = run(venv, "kubectl-dynamo", "--help", cwd=tmp_path)
    assert help_.returncode == 0 and help_.stdout.startswith("Usage: kubectl dynamo [OPTIONS] [COMMAND]")
    assert "completion" in help_.stdout


def test_python_dash_m_is_the_same_program(venv, tmp_path):
    proc = run(venv, "python", "-m", "kubectl_dynamo", "init", "--nodes", "2", "--gpus", "4", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "kind: DynamoGraphDeployment" in proc.stdout


def test_kubectl_complete_dynamo_entry_point(venv, tmp_path):
    proc = run(venv, "kubectl_complete-dynamo", "init", "--backend", "", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "vllm\nsglang\ntrtllm\n:4\n", "")
    top = run(venv, "kubectl_complete-dynamo", "", cwd=tmp_path)
    # the commands in COMMANDS order (doctor first, as in the SPEC), then the directive
    assert top.stdout.splitlines()[0].startswith("doctor\t") and "\ninit\t" in top.stdout and top.stdout.endswith(":4\n")


def test_the_completion_script_of_the_installed_program(venv, tmp_path):
    proc = run(venv, "kubectl-dynamo", "completion", "bash", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == (ROOT / "completions" / "kubectl-dynamo.bash").read_text()
