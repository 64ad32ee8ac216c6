"""The PyInstaller one-folder bundle from scripts/build-binary, run as users run it, and the krew
release files beside it (archive, sha256, manifest).

The bundle is built once per session and reused while its sources and frozen libraries are
unchanged (scripts/build-binary --reuse); a cold build takes 1-2 minutes on 2 cores.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from kubectl_dynamo.cli.main import COMMANDS

from .conftest import ROOT, Bundle, clean_env


def run(exe: Path, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    run_env = clean_env(HOME=str(cwd), **env)
    run_env.pop("PYTHONPATH")  # the bundle must not need the source tree
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=run_env, cwd=cwd, timeout=120)


def test_version_client(bundle: Bundle, tmp_path):
    proc = run(bundle.exe, "version", "--client", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"Client Version: v{bundle.version}\n", "")
    js = run(bundle.exe, "version", "--client", "-o", "json", cwd=tmp_path)
    assert js.returncode == 0 and f'"gitVersion": "v{bundle.version}"' in js.stdout


def test_init(bundle: Bundle, tmp_path):
    proc = run(bundle.exe, "init", "--nodes", "2", "--gpus", "4", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "")
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    dgd = next(d for d in docs if d["kind"] == "DynamoGraphDeployment")
    # the default is the newest mirrored line's storage version, v1beta1
    workers = [c for c in dgd["spec"]["components"] if c.get("multinode")]
    assert workers and workers[0]["multinode"]["nodeCount"] == 2
    assert workers[0]["podTemplate"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "4"


def test_init_output_passes_validate_in_the_bundle(bundle: Bundle, tmp_path):
    manifest = tmp_path / "dgd.yaml"
    manifest.write_text(run(bundle.exe, "init", "--nodes", "2", "--gpus", "4", cwd=tmp_path).stdout)
    proc = run(bundle.exe, "validate", "-f", str(manifest), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_help(bundle: Bundle, tmp_path):
    proc = run(bundle.exe, "--help", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith("Usage: kubectl dynamo [OPTIONS] [COMMAND] [ARGS]...")
    for name in COMMANDS:  # every registered command, lazily imported, is in the bundle
        assert f"\n  {name} " in proc.stdout
        sub = run(bundle.exe, name, "--help", cwd=tmp_path)
        assert sub.returncode == 0, f"{name} --help: {sub.stderr}"


def test_usage_error_exit_code(bundle: Bundle, tmp_path):
    proc = run(bundle.exe, "validate", "--bogus", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: unknown flag: --bogus")


def test_completion_script_of_the_bundle_matches_the_committed_one(bundle: Bundle, tmp_path):
    proc = run(bundle.exe, "completion", "zsh", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == (ROOT / "completions" / "kubectl-dynamo.zsh").read_text()


def test_the_bundle_answers_kubectl_completion_under_the_completer_name(bundle: Bundle, tmp_path):
    """krew installs one executable; a kubectl_complete-dynamo symlink to it is the completer."""
    link = tmp_path / "kubectl_complete-dynamo"
    link.symlink_to(bundle.exe)
    proc = run(link, "init", "--backend", "", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "vllm\nsglang\ntrtllm\n:4\n", "")


def test_the_frozen_kubernetes_client_loads_a_kubeconfig(bundle: Bundle, tmp_path):
    """--context completion imports kubernetes.config inside the bundle (no network needed)."""
    from .conftest import write_kubeconfig

    kc = write_kubeconfig(tmp_path / "kc", "https://127.0.0.1:1")
    link = tmp_path / "kubectl_complete-dynamo"
    link.symlink_to(bundle.exe)
    # what is listed matters here, not how fast: no 2 s deadline on a loaded CI machine
    proc = run(link, "--context", "", cwd=tmp_path, KUBECONFIG=str(kc), KUBECTL_DYNAMO_COMPLETE_TIMEOUT="30")
    assert proc.stdout == "dead\nother\n:4\n"


def test_the_bundle_holds_every_module_and_the_kubernetes_client(bundle: Bundle):
    """Modules are loose .pyc files in _internal/ (noarchive: faster start-up than the PYZ)."""
    internal = bundle.dir / "_internal"
    frozen = {".".join(p.relative_to(internal).with_suffix("").parts).removesuffix(".__init__")
              for p in internal.rglob("*.pyc")}
    ours = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            for p in (ROOT / "kubectl_dynamo").rglob("*.py")}
    assert ours - frozen == set(), "modules missing from the bundle (lazily imported commands?)"
    needed = {"kubernetes.client.api_client", "kubernetes.client.rest", "kubernetes.client.exceptions",
              "kubernetes.config.kube_config", "kubernetes.config.incluster_config", "yaml", "tabulate", "click"}
    assert needed - frozen == set()
    assert not {m for m in frozen if m.split(".")[0] in ("IPython", "pytest", "_pytest", "tkinter")}
    assert not {m for m in frozen if m.startswith("kubernetes.aio")}
    # the multiprocessing runtime hook costs ~30 ms per start and is dropped on purpose
    readers = pytest.importorskip("PyInstaller.archive.readers")
    assert "pyi_rth_multiprocessing" not in readers.CArchiveReader(str(bundle.exe)).toc


def test_archive_sha256_and_manifest(bundle: Bundle):
    assert bundle.archive.is_file()
    digest = hashlib.sha256(bundle.archive.read_bytes()).hexdigest()
    sha_file = bundle.archive.with_name(bundle.archive.name + ".sha256")
    assert sha_file.read_text() == f"{digest}  {bundle.archive.name}\n"

    with tarfile.open(bundle.archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert "LICENSE" in members
    exe = members["kubectl-dynamo/kubectl-dynamo"]
    assert exe.isfile() and exe.mode & 0o111
    assert any(n.startswith("kubectl-dynamo/_internal/") for n in members)
    assert all(m.uid == 0 and m.gid == 0 for m in members.values())

    manifest = yaml.safe_load(bundle.manifest.read_text())
    assert manifest["apiVersion"] == "krew.googlecontainertools.github.com/v1alpha2"
    assert manifest["kind"] == "Plugin"
    assert manifest["metadata"]["name"] == "dynamo"
    spec = manifest["spec"]
    assert spec["version"] == f"v{bundle.version}"
    assert spec["homepage"].startswith("https://")
    assert 0 < len(spec["shortDescription"]) <= 50
    assert spec["description"].strip() and "kubectl_complete-dynamo" in spec["caveats"]
    ours = [p for p in spec["platforms"] if p["uri"].endswith("/" + bundle.archive.name)]
    assert len(ours) == 1
    platform_ = ours[0]
    os_, arch = bundle.archive.name.removesuffix(".tar.gz").split("_")[-2:]
    assert platform_["selector"] == {"matchLabels": {"os": os_, "arch": arch}}
    assert platform_["sha256"] == digest
    assert platform_["bin"] == "kubectl-dynamo"
    assert platform_["files"] == [{"from": "kubectl-dynamo/*", "to": "."}, {"from": "LICENSE", "to": "."}]
    assert "${" not in bundle.manifest.read_text().replace("${KREW_ROOT", "")


def test_manifest_uses_the_base_url_and_lists_every_archive(bundle: Bundle, tmp_path):
    """--manifest-only renders one platform per archive of the version (as a build matrix would
    collect them), with --base-url as the download location."""
    scratch = tmp_path / "dist"
    scratch.mkdir()
    shutil.copy(bundle.archive, scratch / bundle.archive.name)
    other = f"kubectl-dynamo_{bundle.version}_darwin_arm64.tar.gz"
    (scratch / other).write_bytes(b"not really an archive")
    (scratch / "kubectl-dynamo_0.0.1_linux_amd64.tar.gz").write_bytes(b"another version")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build-binary"), "--manifest-only", "--dist", str(scratch),
         "--base-url", "https://example.com/rel/v{version}"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    manifest = yaml.safe_load((scratch / "dynamo.yaml").read_text())
    platforms = {(p["selector"]["matchLabels"]["os"], p["selector"]["matchLabels"]["arch"]): p
                 for p in manifest["spec"]["platforms"]}
    assert set(platforms) == {("darwin", "arm64"), tuple(bundle.archive.name.removesuffix(".tar.gz").split("_")[-2:])}
    assert platforms[("darwin", "arm64")]["uri"] == f"https://example.com/rel/v{bundle.version}/{other}"
    assert platforms[("darwin", "arm64")]["sha256"] == hashlib.sha256(b"not really an archive").hexdigest()
