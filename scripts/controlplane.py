#!/usr/bin/env python3
"""A real Kubernetes control plane (kube-apiserver + etcd) for kubectl-dynamo's e2e tests, and on
request the real kube-scheduler plus kwok, so that pods really schedule and run.

Commands::

    python scripts/controlplane.py build [--plain]  # binaries ready (cached); prints their directory
    python scripts/controlplane.py start [--dir D] [--scheduling]
                                                    # start on 127.0.0.1; prints the kubeconfig path
    python scripts/controlplane.py env --dir D      # prints: export KUBECONFIG=D/kubeconfig
    python scripts/controlplane.py stop --dir D     # stop by recorded pid, remove D
    python scripts/controlplane.py versions         # pinned versions as JSON (e.g. for CI cache keys)

Exit status: 0 ok, 1 error (build/start/stop failed; the go error is printed), 3 binaries unavailable
(no ``$KUBEBUILDER_ASSETS`` and no Go toolchain).

Where the binaries come from:

1. ``$KUBEBUILDER_ASSETS`` when it holds both ``kube-apiserver`` and ``etcd``;
2. otherwise they are built with ``go`` from the Go module proxy (no GitHub or dl.k8s.io needed) and
   cached in ``${XDG_CACHE_HOME:-~/.cache}/kubectl-dynamo/controlplane/<k8s>-<etcd>/bin``, so only
   the first build is slow. Build logs are kept in ``.../logs``.

``k8s.io/kubernetes`` cannot be ``go install``-ed (its go.mod maps every staging module to
``./staging`` with ``replace``), so the build uses a throwaway main module that replaces each
staging module by its ``v0.Y.Z`` tag, read from the exact go.mod served by the proxy.

The scheduling plane (``start --scheduling``) adds two processes to etcd + kube-apiserver:

* ``kube-scheduler``, built from the same ``k8s.io/kubernetes`` module and throwaway main module as
  kube-apiserver, running as ``system:kube-scheduler`` (the bootstrap RBAC role), so pods are placed
  against ``nvidia.com/gpu`` capacity, taints and cordons, and its ``FailedScheduling`` events are
  the real ones;
* ``kwok`` (``sigs.k8s.io/kwok``, its own throwaway module: its k8s libraries are older and must not
  be unified with kube-apiserver's), managing the nodes annotated ``kwok.x-k8s.io/node=fake``: it
  initializes them (Ready, InternalIP 127.0.0.1, kubelet port = kwok's server), moves pods bound to
  them to Running, deletes terminating ones, and serves their logs from the files that ``Logs`` /
  ``ClusterLogs`` objects (kwok.x-k8s.io/v1alpha1, CRDs installed at start) point at. kube-apiserver
  reaches kwok as it would a kubelet (``--kubelet-preferred-address-types=InternalIP``, TLS verified
  against the test CA), so ``pods/log`` with follow/previous/tail/since/timestamps is the real
  endpoint. One Stage of our own plays a container restart: a pod annotated
  ``e2e.kubectl-dynamo.io/restarts: "N"`` gets ``restartCount: N`` and a terminated ``lastState``.

kwok's Stage and CRD YAML files ship inside its module; the build converts the ones used to JSON
next to the binaries, so ``start`` needs no YAML parser.

Only the standard library and ``cryptography`` (for the PKI) are used at start, PyYAML at build (for
kwok's files), so the file can also be imported by the test fixtures (``tests/e2e/kube.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import fcntl
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

# --- The one place where the control-plane versions are pinned. ------------------------------
# Kubernetes 1.37 is the newest release on the Go module proxy that builds with Go 1.26 (1.38
# needs Go 1.27); its go.mod says `go 1.26.0`. etcd 3.7.x is what kubeadm 1.37 pairs with it
# (cmd/kubeadm/app/constants: DefaultEtcdVersion = "3.7.0-0") and what the apiserver's etcd
# client is built against (go.etcd.io/etcd/client/v3 v3.7.0).
KUBERNETES_VERSION = "1.37.2"
ETCD_VERSION = "3.7.3"
# kwok 0.8.0 is the newest release on the proxy; its go.mod says `go 1.26.0` (main needs Go 1.27).
KWOK_VERSION = "0.8.0"
# ------------------------------------------------------------------------------------------------

BINARIES = ("kube-apiserver", "etcd")  # the plain control plane
SCHEDULING_BINARIES = ("kube-scheduler", "kwok")  # added by --scheduling
SCHEDULING_STAMP = "scheduling.json"
KWOK_ASSETS = "kwok-assets"  # next to the binaries: stages.json, crds.json
# The kwok stages used, as paths inside the kwok module (kustomize/stage/...): nodes initialized
# once (no heartbeat: without kube-controller-manager nothing marks a silent node NotReady), pods
# bound to a managed node go Running/Ready, terminating pods are removed.
KWOK_STAGE_FILES = ("node/fast/node-initialize.yaml", "pod/fast/pod-ready.yaml", "pod/fast/pod-delete.yaml")
KWOK_CRD_KINDS = ("Logs", "ClusterLogs")  # served from objects (--enable-crds), so tests add them live
KWOK_NODE_ANNOTATION = ("kwok.x-k8s.io/node", "fake")
RESTART_ANNOTATION = "e2e.kubectl-dynamo.io/restarts"
STATE_FILE = "controlplane.json"
KUBECONFIG_ADMIN = "kubeconfig"
KUBECONFIG_VIEWER = "viewer.kubeconfig"
ADMIN_USER = "kubectl-dynamo-admin"
VIEWER_USER = "dynamo-viewer"
CONTEXT_ADMIN = "e2e-admin"
CONTEXT_VIEWER = "e2e-viewer"


class ControlPlaneError(Exception):
    """Something went wrong building, starting or stopping the control plane."""


class Unavailable(ControlPlaneError):
    """The binaries cannot be had here: no ``$KUBEBUILDER_ASSETS`` and no Go toolchain."""


def log(msg: str) -> None:
    print(f"controlplane: {msg}", file=sys.stderr, flush=True)


# ================================================================================================
# Binaries
# ================================================================================================


def cache_dir() -> Path:
    """The per-version cache directory (binaries, build logs, throwaway Go modules)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kubectl-dynamo" / "controlplane" / f"{KUBERNETES_VERSION}-{ETCD_VERSION}"


def assets_dir() -> Path | None:
    """``$KUBEBUILDER_ASSETS`` if it holds both binaries, else None."""
    assets = os.environ.get("KUBEBUILDER_ASSETS")
    if not assets:
        return None
    d = Path(assets)
    if all(os.access(d / b, os.X_OK) for b in BINARIES):
        return d
    log(f"KUBEBUILDER_ASSETS={assets} lacks kube-apiserver or etcd; ignoring it")
    return None


def find_go() -> str | None:
    """The ``go`` command: ``$GO`` if set (only that), else PATH, else /usr/local/go/bin/go."""
    if "GO" in os.environ:
        go = shutil.which(os.environ["GO"])
        return go if go and os.access(go, os.X_OK) else None
    for cand in (shutil.which("go"), "/usr/local/go/bin/go"):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def cached_bin_dir() -> Path | None:
    """The cached build if complete (stamp file matches the pinned versions), else None."""
    bin_dir = cache_dir() / "bin"
    try:
        stamp = json.loads((bin_dir / "versions.json").read_text())
    except (OSError, ValueError):
        return None
    if stamp.get("kubernetes") != KUBERNETES_VERSION or stamp.get("etcd") != ETCD_VERSION:
        return None
    if not all(os.access(bin_dir / b, os.X_OK) for b in BINARIES):
        return None
    return bin_dir


def cached_scheduling_dir() -> Path | None:
    """The cached kube-scheduler + kwok (+ kwok's assets) if complete for the pinned versions, else None.

    A stamp of its own (``scheduling.json``), so that building these never invalidates the plain
    control plane that other test runs may be using at the same time.
    """
    bin_dir = cache_dir() / "bin"
    try:
        stamp = json.loads((bin_dir / SCHEDULING_STAMP).read_text())
    except (OSError, ValueError):
        return None
    if stamp.get("kubernetes") != KUBERNETES_VERSION or stamp.get("kwok") != KWOK_VERSION:
        return None
    if not all(os.access(bin_dir / b, os.X_OK) for b in SCHEDULING_BINARIES):
        return None
    if not all((bin_dir / KWOK_ASSETS / f).is_file() for f in ("stages.json", "crds.json")):
        return None
    return bin_dir


def binaries_available(scheduling: bool = False) -> tuple[bool, str]:
    """Whether binaries exist or can be built, and a one-line reason when they cannot.

    With ``scheduling``, kube-scheduler and kwok too (only ever built here, never taken from
    ``$KUBEBUILDER_ASSETS``, which holds neither).
    """
    have_base = bool(assets_dir() or cached_bin_dir())
    if have_base and (not scheduling or cached_scheduling_dir()):
        return True, ""
    if find_go():
        return True, ""
    if not have_base:
        return False, (
            "no kube-apiserver/etcd: KUBEBUILDER_ASSETS is unset (or incomplete), nothing is cached in "
            f"{cache_dir()}, and no Go toolchain was found to build them (set KUBEBUILDER_ASSETS or install Go)"
        )
    return False, f"no kube-scheduler/kwok cached in {cache_dir()} and no Go toolchain was found to build them"


def resolve_binaries(build: bool = True) -> Path:
    """Directory holding ``kube-apiserver`` and ``etcd``, building them first if needed.

    Raises :class:`Unavailable` when there is no way to get them, :class:`ControlPlaneError` when a
    build fails (the message carries the go error).
    """
    d = assets_dir() or cached_bin_dir()
    if d:
        return d
    if not build:
        raise Unavailable(f"control-plane binaries are not built yet (run: python {__file__} build)")
    go = find_go()
    if not go:
        raise Unavailable(binaries_available()[1])
    return _build(go)


def resolve_scheduling(build: bool = True) -> Path:
    """Directory holding ``kube-scheduler``, ``kwok`` and kwok's assets, building them if needed
    (kube-apiserver and etcd too when they are missing: the scheduler shares their build)."""
    d = cached_scheduling_dir()
    if d:
        return d
    if not build:
        raise Unavailable(f"kube-scheduler/kwok are not built yet (run: python {__file__} build)")
    go = find_go()
    if not go:
        raise Unavailable(binaries_available(scheduling=True)[1])
    _build(go, scheduling=True)
    d = cached_scheduling_dir()
    assert d is not None
    return d


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive flock, so that concurrent test runs do not build the same thing twice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another build holding {path}")
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    env["CGO_ENABLED"] = "0"  # static binaries; no C toolchain needed
    env.setdefault("GOTOOLCHAIN", "local")  # a too-new go line fails fast instead of downloading Go
    env.setdefault("GOFLAGS", "")
    env["GOFLAGS"] = (env["GOFLAGS"] + " -mod=mod").strip()
    return env


def _run(cmd: list[str], cwd: Path, logfile: Path, env: dict[str, str], heartbeat: str = "") -> str:
    """Run one build step, appending its output to ``logfile``; raise with the go error on failure.

    Returns the step's stdout (stderr only goes to the log). With ``heartbeat``, a line is logged
    every minute so that a long, silent compile does not look hung in CI logs.
    """
    t0 = time.monotonic()
    with open(logfile, "a") as lf:
        lf.write(f"\n$ (cd {cwd} && {' '.join(cmd)})\n")
        lf.flush()
        start = lf.tell()
        with tempfile.TemporaryFile("w+") as out:
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=lf, text=True)
            while True:
                try:
                    proc.wait(timeout=60)
                    break
                except subprocess.TimeoutExpired:
                    if heartbeat:
                        log(f"{heartbeat}: still running ({(time.monotonic() - t0) / 60:.0f} min)")
            out.seek(0)
            stdout = out.read()
        lf.flush()
        lf.write(f"# exit {proc.returncode} after {time.monotonic() - t0:.1f}s\n")
    if proc.returncode != 0:
        with open(logfile) as lf:
            lf.seek(start)
            tail = "\n".join((lf.read() + stdout).rstrip().splitlines()[-40:])
        raise ControlPlaneError(
            f"`{' '.join(cmd)}` failed (exit {proc.returncode}) in {cwd}; full log: {logfile}\n{tail}"
        )
    return stdout


def _fresh_module(workdir: Path, name: str, go: str, env: dict[str, str], logfile: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    _run([go, "mod", "init", name], workdir, logfile, env)


def _build_in_own_module(go: str, name: str, version: str, pkg: str, ldflags: str, out: Path, work: Path,
                         logs: Path, env: dict[str, str]) -> Path:
    """``pkg@v<version>`` built in a throwaway main module of its own (the module's own replace
    lines are simply ignored there) into ``out/<name>``; returns the module directory."""
    logfile = logs / f"{name}.log"
    logfile.write_text(f"# {name} v{version} build, {datetime.datetime.now().isoformat()}\n")
    wd = work / name
    _fresh_module(wd, f"kubectl-dynamo.local/controlplane/{name}", go, env, logfile)
    log(f"{name} v{version}: resolving modules (log: {logfile})")
    _run([go, "get", f"{pkg}@v{version}"], wd, logfile, env, heartbeat=f"{name} go get")
    log(f"{name} v{version}: compiling")
    tmp = out / f"{name}.tmp"
    _run([go, "build", "-trimpath", f"-ldflags={ldflags}", "-o", str(tmp), pkg], wd, logfile, env,
         heartbeat=f"{name} compile")
    tmp.replace(out / name)
    return wd


def _build_etcd(go: str, out: Path, work: Path, logs: Path, env: dict[str, str]) -> None:
    """etcd's server module is its main package."""
    _build_in_own_module(go, "etcd", ETCD_VERSION, "go.etcd.io/etcd/server/v3",
                         f"-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v{ETCD_VERSION}", out, work, logs, env)


def _kubernetes_module(go: str, work: Path, logfile: Path, env: dict[str, str]) -> Path:
    """The throwaway main module for k8s.io/kubernetes commands: one ``replace`` per staging module,
    as read from k8s.io/kubernetes' go.mod served by the proxy. Made once per build."""
    wd = work / "kubernetes"
    if (wd / ".prepared").exists():
        return wd
    _fresh_module(wd, "kubectl-dynamo.local/controlplane/kubernetes", go, env, logfile)
    info = json.loads(_run([go, "mod", "download", "-json", f"k8s.io/kubernetes@v{KUBERNETES_VERSION}"], wd, logfile, env))
    gomod = Path(info["GoMod"]).read_text()
    staging = re.findall(r"^\s*(k8s\.io/\S+)\s+=>\s+\./staging/", gomod, re.MULTILINE)
    if not staging:
        raise ControlPlaneError(f"no staging replace lines found in {info['GoMod']}")
    staging_version = "v0." + KUBERNETES_VERSION.split(".", 1)[1]
    edit = [go, "mod", "edit"] + [f"-replace={m}={m}@{staging_version}" for m in staging]
    if m := re.search(r"^godebug\s+(default=go[0-9.]+)\s*$", gomod, re.MULTILINE):
        edit.append(f"-godebug={m.group(1)}")  # dependencies' godebug lines are ignored: copy it
    if m := re.search(r"^go\s+([0-9.]+)\s*$", gomod, re.MULTILINE):
        edit.append(f"-go={m.group(1)}")
    _run(edit, wd, logfile, env)
    (wd / ".prepared").write_text(f"{len(staging)} staging modules replaced\n")
    return wd


def _build_kubernetes_command(go: str, command: str, out: Path, work: Path, logs: Path, env: dict[str, str],
                              note: str = "") -> None:
    """``k8s.io/kubernetes/cmd/<command>`` built in the throwaway module, with upstream's version ldflags."""
    logfile = logs / f"{command}.log"
    logfile.write_text(f"# {command} v{KUBERNETES_VERSION} build, {datetime.datetime.now().isoformat()}\n")
    log(f"{command} v{KUBERNETES_VERSION}: resolving modules (log: {logfile})")
    wd = _kubernetes_module(go, work, logfile, env)
    pkg = f"k8s.io/kubernetes/cmd/{command}"
    _run([go, "get", f"{pkg}@v{KUBERNETES_VERSION}"], wd, logfile, env, heartbeat=f"{command} go get")
    major, minor = KUBERNETES_VERSION.split(".")[:2]
    build_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    xs = []
    for p in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        xs += [
            f"-X {p}.gitVersion=v{KUBERNETES_VERSION}",
            f"-X {p}.gitMajor={major}",
            f"-X {p}.gitMinor={minor}",
            f"-X {p}.gitTreeState=clean",
            f"-X {p}.buildDate={build_date}",
        ]
    log(f"{command} v{KUBERNETES_VERSION}: compiling{note}")
    tmp = out / f"{command}.tmp"
    _run([go, "build", "-trimpath", "-ldflags=-s -w " + " ".join(xs), "-o", str(tmp), pkg], wd, logfile, env,
         heartbeat=f"{command} compile")
    tmp.replace(out / command)


def _build_kwok(go: str, out: Path, work: Path, logs: Path, env: dict[str, str]) -> None:
    """kwok in a module of its own (its k8s libraries are v0.36, kube-apiserver's v0.37: one module
    would unify them); then its Stage and CRD files, converted to JSON, into ``out/kwok-assets``."""
    wd = _build_in_own_module(go, "kwok", KWOK_VERSION, "sigs.k8s.io/kwok/cmd/kwok",
                              f"-s -w -X sigs.k8s.io/kwok/pkg/consts.Version={KWOK_VERSION}", out, work, logs, env)
    info = _run([go, "mod", "download", "-json", f"sigs.k8s.io/kwok@v{KWOK_VERSION}"], wd, logs / "kwok.log", env)
    _write_kwok_assets(Path(json.loads(info)["Dir"]), out / KWOK_ASSETS)


def _write_kwok_assets(src: Path, dest: Path) -> None:
    """``stages.json`` (the Stage documents of KWOK_STAGE_FILES) and ``crds.json`` (the CRDs of
    KWOK_CRD_KINDS) read from kwok's module directory."""
    try:
        import yaml
    except ImportError:
        raise ControlPlaneError("building kwok's assets needs PyYAML (pip install pyyaml)") from None

    def docs(path: Path) -> list[dict]:
        try:
            return [d for d in yaml.safe_load_all(path.read_text()) if d]
        except (OSError, yaml.YAMLError) as e:
            raise ControlPlaneError(f"cannot read kwok's {path}: {e}") from None

    stages = [d for f in KWOK_STAGE_FILES for d in docs(src / "kustomize" / "stage" / f) if d.get("kind") == "Stage"]
    crds = []
    for f in sorted((src / "kustomize" / "crd" / "bases").glob("*.yaml")):
        crds += [d for d in docs(f) if d.get("kind") == "CustomResourceDefinition"
                 and d.get("spec", {}).get("names", {}).get("kind") in KWOK_CRD_KINDS]
    if len(stages) != len(KWOK_STAGE_FILES) or len(crds) != len(KWOK_CRD_KINDS):
        raise ControlPlaneError(f"kwok v{KWOK_VERSION}'s module lacks some of {KWOK_STAGE_FILES} or the "
                                f"{KWOK_CRD_KINDS} CRDs (found {len(stages)} stages, {len(crds)} CRDs) in {src}")
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "stages.json").write_text(json.dumps(stages, indent=1) + "\n")
    (dest / "crds.json").write_text(json.dumps(crds) + "\n")


def _build(go: str, scheduling: bool = False) -> Path:
    """Build what is missing, under the cache's lock; returns the bin dir.

    The plain control plane (etcd, kube-apiserver; stamp ``versions.json``) and the scheduling
    additions (kube-scheduler, kwok; stamp ``scheduling.json``) are stamped apart, and a complete
    plain build is never unstamped, so test runs using it are not held up by this one.
    """
    cache = cache_dir()
    with _locked(cache / ".build.lock"):
        base_ok = bool(cached_bin_dir() or (scheduling and assets_dir()))
        if base_ok and (not scheduling or cached_scheduling_dir()):  # finished by another process meanwhile
            return cached_bin_dir() or cache / "bin"
        bin_dir, work, logs = cache / "bin", cache / "work", cache / "logs"
        for d in (bin_dir, work, logs):
            d.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(work / "kubernetes", ignore_errors=True)  # a module left by an interrupted build
        env = _go_env()
        gov = subprocess.run([go, "version"], env=env, capture_output=True, text=True).stdout.strip()
        log(f"building with {gov} into {bin_dir}")
        t0 = time.monotonic()
        timings: dict[str, float] = {}

        def step(name: str, fn, *args) -> None:
            t = time.monotonic()
            fn(*args)
            timings[name] = round(time.monotonic() - t, 1)

        if not base_ok:
            (bin_dir / "versions.json").unlink(missing_ok=True)
            if not os.access(bin_dir / "etcd", os.X_OK):
                step("etcd", _build_etcd, go, bin_dir, work, logs, env)
            if not os.access(bin_dir / "kube-apiserver", os.X_OK):
                step("kube-apiserver", _build_kubernetes_command, go, "kube-apiserver", bin_dir, work, logs, env,
                     " (a cold compile takes 10-20 min on 2 cores)")
            versions = {b: _version_of(bin_dir / b) for b in BINARIES}
            if f"v{KUBERNETES_VERSION}" not in versions["kube-apiserver"] or ETCD_VERSION not in versions["etcd"]:
                raise ControlPlaneError(f"built binaries report unexpected versions: {versions}")
            (bin_dir / "versions.json").write_text(json.dumps(
                {"kubernetes": KUBERNETES_VERSION, "etcd": ETCD_VERSION, "go": gov, "reported": versions,
                 "seconds": timings}, indent=2) + "\n")
        if scheduling and not cached_scheduling_dir():
            (bin_dir / SCHEDULING_STAMP).unlink(missing_ok=True)
            before = set(timings)
            # the stamp says which versions the binaries are, so a changed pin rebuilds just those
            if not os.access(bin_dir / "kube-scheduler", os.X_OK):
                step("kube-scheduler", _build_kubernetes_command, go, "kube-scheduler", bin_dir, work, logs, env)
            if not (os.access(bin_dir / "kwok", os.X_OK) and (bin_dir / KWOK_ASSETS / "crds.json").is_file()):
                step("kwok", _build_kwok, go, bin_dir, work, logs, env)
            sched_timings = {k: v for k, v in timings.items() if k not in before}
            versions = {b: _version_of(bin_dir / b) for b in SCHEDULING_BINARIES}
            if f"v{KUBERNETES_VERSION}" not in versions["kube-scheduler"] or KWOK_VERSION not in versions["kwok"]:
                raise ControlPlaneError(f"built binaries report unexpected versions: {versions}")
            (bin_dir / SCHEDULING_STAMP).write_text(json.dumps(
                {"kubernetes": KUBERNETES_VERSION, "kwok": KWOK_VERSION, "go": gov, "reported": versions,
                 "seconds": sched_timings}, indent=2) + "\n")
        shutil.rmtree(work, ignore_errors=True)
        log(f"built in {time.monotonic() - t0:.0f}s ({', '.join(f'{k} {v:.0f}s' for k, v in timings.items()) or 'nothing to do'})")
        return bin_dir


def _version_of(binary: Path) -> str:
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    return (out.stdout + out.stderr).strip()


# ================================================================================================
# PKI
# ================================================================================================


def _write_pki(pki: Path) -> None:
    """CA, apiserver serving cert, admin + viewer client certs, service-account keypair (ECDSA P-256)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    pki.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)

    def key():
        return ec.generate_private_key(ec.SECP256R1())

    def write_key(k, name):
        p = pki / name
        p.write_bytes(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        p.chmod(0o600)

    def name(cn, orgs=()):
        attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
        return x509.Name(attrs + [x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = key()
    ca_name = name("kubectl-dynamo-e2e-ca")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    (pki / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    write_key(ca_key, "ca.key")

    def leaf(filename, subject, eku, sans=None):
        k = key()
        b = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name)
             .public_key(k.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=30))
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
             .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=False, key_cert_sign=False,
                                          crl_sign=False, content_commitment=False, data_encipherment=False,
                                          key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
             .add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False))
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        (pki / f"{filename}.crt").write_bytes(b.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
        write_key(k, f"{filename}.key")

    sans = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("10.0.0.1")),
            x509.DNSName("localhost")]
    sans += [x509.DNSName(n) for n in ("kubernetes", "kubernetes.default", "kubernetes.default.svc",
                                        "kubernetes.default.svc.cluster.local")]
    leaf("apiserver", name("kube-apiserver"), ExtendedKeyUsageOID.SERVER_AUTH, sans)
    leaf("admin", name(ADMIN_USER, ["system:masters"]), ExtendedKeyUsageOID.CLIENT_AUTH)
    leaf("viewer", name(VIEWER_USER), ExtendedKeyUsageOID.CLIENT_AUTH)
    # the scheduling plane: kube-scheduler as its bootstrap RBAC user, kwok's "kubelet" serving cert
    # (kube-apiserver verifies it with --kubelet-certificate-authority) and the apiserver's client
    # cert for kubelet calls
    leaf("kube-scheduler", name("system:kube-scheduler"), ExtendedKeyUsageOID.CLIENT_AUTH)
    leaf("kwok-serving", name("kwok"), ExtendedKeyUsageOID.SERVER_AUTH,
         [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")])
    leaf("apiserver-kubelet-client", name("kube-apiserver-kubelet-client", ["system:masters"]),
         ExtendedKeyUsageOID.CLIENT_AUTH)

    sa = key()
    write_key(sa, "sa.key")
    (pki / "sa.pub").write_bytes(sa.public_key().public_bytes(serialization.Encoding.PEM,
                                                              serialization.PublicFormat.SubjectPublicKeyInfo))


def _kubeconfig(server: str, pki: Path, users: list[tuple[str, str, str]], current: str) -> str:
    """A kubeconfig (JSON is valid YAML) with inlined CA and client credentials.

    ``users`` holds (context name, user name, pki file stem).
    """
    import base64

    def b64(p: Path) -> str:
        return base64.b64encode(p.read_bytes()).decode()

    cfg = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kubectl-dynamo-e2e",
                      "cluster": {"server": server, "certificate-authority-data": b64(pki / "ca.crt")}}],
        "users": [{"name": user, "user": {"client-certificate-data": b64(pki / f"{stem}.crt"),
                                          "client-key-data": b64(pki / f"{stem}.key")}}
                  for _, user, stem in users],
        "contexts": [{"name": ctx, "context": {"cluster": "kubectl-dynamo-e2e", "user": user}}
                     for ctx, user, _ in users],
        "current-context": current,
        "preferences": {},
    }
    return json.dumps(cfg, indent=2) + "\n"


# ================================================================================================
# Processes
# ================================================================================================


@dataclass
class ControlPlane:
    """What ``start`` wrote to ``<dir>/controlplane.json``."""

    dir: str
    server: str
    kubeconfig: str  # admin (O=system:masters); contexts e2e-admin (current) and e2e-viewer
    viewer_kubeconfig: str  # CN=dynamo-viewer, no groups, no RBAC until a test grants some
    etcd_url: str
    pids: dict[str, int] = field(default_factory=dict)
    bin_dir: str = ""
    kubernetes_version: str = KUBERNETES_VERSION
    etcd_version: str = ETCD_VERSION
    startup_seconds: float = 0.0
    # the scheduling plane (start(..., scheduling=True)); empty on a plain one
    scheduling: bool = False
    scheduling_bin_dir: str = ""
    kwok_server: str = ""  # https://127.0.0.1:<port>, what every kwok node's "kubelet" endpoint is
    pod_logs_dir: str = ""  # where tests write the container log files that kwok serves
    kwok_version: str = ""

    @property
    def ca_file(self) -> str:
        return os.path.join(self.dir, "pki", "ca.crt")

    def client_cert(self, who: str = "admin") -> tuple[str, str]:
        """(cert, key) file paths of ``admin`` or ``viewer``."""
        return os.path.join(self.dir, "pki", f"{who}.crt"), os.path.join(self.dir, "pki", f"{who}.key")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """preexec_fn: SIGTERM the child if the test process dies without running its teardown."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _spawn(argv: list[str], logfile: Path, tie_to_parent: bool) -> subprocess.Popen:
    with open(logfile, "ab") as lf:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=_die_with_parent if tie_to_parent else None)


def _tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def _wait_http(url: str, proc: subprocess.Popen, logfile: Path, timeout: float, ctx: ssl.SSLContext | None = None,
               what: str = "") -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ControlPlaneError(f"{what} exited with {proc.returncode} before it was ready; {logfile}:\n{_tail(logfile)}")
        try:
            with urllib.request.urlopen(url, timeout=5, context=ctx) as r:
                if r.status == 200:
                    return
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code}: {e.read()[:500].decode(errors='replace')}"
        except (OSError, ssl.SSLError) as e:
            last = str(e)
        time.sleep(0.2)
    raise ControlPlaneError(f"{what} not ready at {url} after {timeout:.0f}s (last: {last}); {logfile}:\n{_tail(logfile)}")


def start(state_dir: str | os.PathLike | None = None, bin_dir: str | os.PathLike | None = None,
          timeout: float = 180.0, tie_to_parent: bool = False, *, scheduling: bool = False,
          scheduling_bin_dir: str | os.PathLike | None = None) -> ControlPlane:
    """Start etcd + kube-apiserver on 127.0.0.1 (random free ports) and wait for /readyz; with
    ``scheduling`` also kube-scheduler and kwok (see the module docstring), waiting for both.

    ``state_dir`` (created if missing; default a new temp dir, in /dev/shm when available) receives the
    PKI, the kubeconfigs, logs, etcd data and ``controlplane.json``. With ``tie_to_parent`` the
    processes get SIGTERM when the calling process dies (for test sessions).
    """
    t0 = time.monotonic()
    bins = Path(bin_dir) if bin_dir else resolve_binaries(build=False)
    sched_bins = None
    if scheduling:
        sched_bins = Path(scheduling_bin_dir) if scheduling_bin_dir else resolve_scheduling(build=False)
    if state_dir is None:
        shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        state_dir = tempfile.mkdtemp(prefix="kubectl-dynamo-cp-", dir=shm)
    d = Path(state_dir).resolve()
    d.mkdir(parents=True, exist_ok=True)
    if (d / STATE_FILE).exists():
        raise ControlPlaneError(f"{d} already holds a control plane ({STATE_FILE}); stop it first")
    pki = d / "pki"
    _write_pki(pki)
    last_err: ControlPlaneError | None = None
    for _attempt in range(3):  # free-port races: retry with new ports
        try:
            cp = _start_processes(d, bins, pki, timeout, tie_to_parent)
            if sched_bins is not None:
                _start_scheduling(cp, sched_bins, timeout, tie_to_parent)
        except _PortInUse as e:
            last_err = e
            continue
        cp.startup_seconds = round(time.monotonic() - t0, 2)
        (d / STATE_FILE).write_text(json.dumps(asdict(cp), indent=2) + "\n")
        return cp
    raise ControlPlaneError(f"could not start after 3 attempts: {last_err}")


class _PortInUse(ControlPlaneError):
    pass


def _start_processes(d: Path, bins: Path, pki: Path, timeout: float, tie: bool) -> ControlPlane:
    etcd_port, peer_port, api_port = _free_port(), _free_port(), _free_port()
    etcd_url = f"http://127.0.0.1:{etcd_port}"
    etcd_data = d / "etcd"
    shutil.rmtree(etcd_data, ignore_errors=True)
    etcd_log, api_log = d / "etcd.log", d / "kube-apiserver.log"
    etcd = _spawn([
        str(bins / "etcd"), "--name=e2e", f"--data-dir={etcd_data}",
        f"--listen-client-urls={etcd_url}", f"--advertise-client-urls={etcd_url}",
        f"--listen-peer-urls=http://127.0.0.1:{peer_port}",
        f"--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}",
        f"--initial-cluster=e2e=http://127.0.0.1:{peer_port}",
        "--unsafe-no-fsync", "--log-level=warn",
    ], etcd_log, tie)
    pids = {"etcd": etcd.pid}
    (d / "etcd.pid").write_text(f"{etcd.pid}\n")
    try:
        _wait_http(f"{etcd_url}/health", etcd, etcd_log, 30, what="etcd")
    except ControlPlaneError as e:
        _stop_pids(d, pids)
        if "address already in use" in str(e):
            raise _PortInUse(str(e)) from None
        raise
    server = f"https://127.0.0.1:{api_port}"
    api = _spawn([
        str(bins / "kube-apiserver"),
        f"--etcd-servers={etcd_url}",
        "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={api_port}",
        f"--cert-dir={d / 'apiserver-certs'}",
        f"--tls-cert-file={pki / 'apiserver.crt'}", f"--tls-private-key-file={pki / 'apiserver.key'}",
        f"--client-ca-file={pki / 'ca.crt'}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={pki / 'sa.pub'}", f"--service-account-signing-key-file={pki / 'sa.key'}",
        "--service-cluster-ip-range=10.0.0.0/24",
        "--authorization-mode=Node,RBAC",
        "--allow-privileged=true",
        # No kube-controller-manager runs: it would create each namespace's default ServiceAccount and
        # remove the not-ready taint that TaintNodesByCondition puts on every new Node.
        "--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
        # Loopback cannot be an endpoint of the `kubernetes` Service; skip that reconciler's noise.
        "--endpoint-reconciler-type=none",
        # How pods/log reaches a node's "kubelet" (kwok on the scheduling plane): by the InternalIP
        # kwok gives its nodes (127.0.0.1; the default tries the node name first, which does not
        # resolve), over TLS checked against the test CA.
        "--kubelet-preferred-address-types=InternalIP",
        f"--kubelet-certificate-authority={pki / 'ca.crt'}",
        f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
        f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
        "--profiling=false",
        "--v=0",
    ], api_log, tie)
    pids["kube-apiserver"] = api.pid
    (d / "kube-apiserver.pid").write_text(f"{api.pid}\n")
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    ctx.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
    try:
        _wait_http(f"{server}/readyz", api, api_log, timeout, ctx, what="kube-apiserver")
    except ControlPlaneError as e:
        _stop_pids(d, pids)
        if "address already in use" in str(e):
            raise _PortInUse(str(e)) from None
        raise
    admin_kc, viewer_kc = d / KUBECONFIG_ADMIN, d / KUBECONFIG_VIEWER
    admin_kc.write_text(_kubeconfig(server, pki, [(CONTEXT_ADMIN, ADMIN_USER, "admin"),
                                                  (CONTEXT_VIEWER, VIEWER_USER, "viewer")], CONTEXT_ADMIN))
    viewer_kc.write_text(_kubeconfig(server, pki, [(CONTEXT_VIEWER, VIEWER_USER, "viewer")], CONTEXT_VIEWER))
    for p in (admin_kc, viewer_kc):
        p.chmod(0o600)
    return ControlPlane(dir=str(d), server=server, kubeconfig=str(admin_kc), viewer_kubeconfig=str(viewer_kc),
                        etcd_url=etcd_url, pids=pids, bin_dir=str(bins))


# A container restart, played by kwok like a kubelet would report it: the pod's annotation
# e2e.kubectl-dynamo.io/restarts says how many times each container has restarted; the stage
# applies whenever the first container's restartCount differs from it (so it is idempotent and a
# higher number restarts again). Our own stage, not one of kwok's.
RESTART_STAGE = {
    "apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Stage",
    "metadata": {"name": "e2e-container-restart"},
    "spec": {
        "resourceRef": {"apiGroup": "v1", "kind": "Pod"},
        "selector": {"matchExpressions": [
            {"key": ".metadata.deletionTimestamp", "operator": "DoesNotExist"},
            {"key": ".status.phase", "operator": "In", "values": ["Running"]},
            {"key": f'.metadata.annotations["{RESTART_ANNOTATION}"]', "operator": "Exists"},
            {"key": f'.metadata.annotations["{RESTART_ANNOTATION}"] != '
                    '(((.status.containerStatuses // [])[0].restartCount // 0) | tostring)',
             "operator": "In", "values": ["true"]},
        ]},
        "next": {"statusTemplate": "\n".join([
            "{{ $now := Now }}",
            f'{{{{ $n := index .metadata.annotations "{RESTART_ANNOTATION}" }}}}',
            "containerStatuses:",
            "{{ range .spec.containers }}",
            "- image: {{ .image | Quote }}",
            "  name: {{ .name | Quote }}",
            "  ready: true",
            "  started: true",
            "  restartCount: {{ $n }}",
            "  lastState:",
            "    terminated:",
            "      exitCode: 1",
            "      reason: Error",
            "      startedAt: {{ $now | Quote }}",
            "      finishedAt: {{ $now | Quote }}",
            "  state:",
            "    running:",
            "      startedAt: {{ $now | Quote }}",
            "{{ end }}",
        ])},
    },
}


def _api(server: str, ctx: ssl.SSLContext, method: str, path: str, body: object = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server + path, data=data, method=method,
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=30, context=ctx) as r:
        return json.loads(r.read() or b"{}")


def _install_kwok_crds(cp: ControlPlane, assets: Path, timeout: float) -> None:
    """kwok --enable-crds watches its Logs/ClusterLogs objects but does not create their CRDs."""
    ctx = ssl.create_default_context(cafile=cp.ca_file)
    ctx.load_cert_chain(*cp.client_cert("admin"))
    crds = json.loads((assets / "crds.json").read_text())
    base = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    for crd in crds:
        _api(cp.server, ctx, "POST", base, crd)
    deadline = time.monotonic() + timeout
    for crd in crds:
        name = crd["metadata"]["name"]
        group, version = crd["spec"]["group"], crd["spec"]["versions"][0]["name"]
        while True:
            conds = {c["type"]: c["status"] for c in
                     (_api(cp.server, ctx, "GET", f"{base}/{name}").get("status") or {}).get("conditions") or []}
            served = False
            if conds.get("Established") == "True":
                with contextlib.suppress(urllib.error.HTTPError):  # 404 until discovery has it
                    served = any(r["name"] == crd["spec"]["names"]["plural"]
                                 for r in _api(cp.server, ctx, "GET", f"/apis/{group}/{version}")["resources"])
            if served:
                break
            if time.monotonic() > deadline:
                raise ControlPlaneError(f"kwok's CRD {name} not served after {timeout:.0f}s ({conds})")
            time.sleep(0.1)


def _start_scheduling(cp: ControlPlane, bins: Path, timeout: float, tie: bool) -> None:
    """kube-scheduler and kwok against a started apiserver; fills in cp's scheduling fields.

    On failure every process of ``cp`` is stopped (the caller retries port races).
    """
    d, pki = Path(cp.dir), Path(cp.dir) / "pki"
    try:
        assets = bins / KWOK_ASSETS
        _install_kwok_crds(cp, assets, timeout)
        sched_kc = d / "scheduler.kubeconfig"
        sched_kc.write_text(_kubeconfig(cp.server, pki, [("e2e-scheduler", "system:kube-scheduler", "kube-scheduler")],
                                        "e2e-scheduler"))
        sched_kc.chmod(0o600)
        sched_port, kwok_port = _free_port(), _free_port()
        sched_log, kwok_log = d / "kube-scheduler.log", d / "kwok.log"
        sched = _spawn([
            str(bins / "kube-scheduler"),
            f"--kubeconfig={sched_kc}", f"--authentication-kubeconfig={sched_kc}",
            f"--authorization-kubeconfig={sched_kc}",
            "--leader-elect=false", "--bind-address=127.0.0.1", f"--secure-port={sched_port}",
            f"--cert-dir={d / 'scheduler-certs'}",
            "--profiling=false", "--v=0",
        ], sched_log, tie)
        cp.pids["kube-scheduler"] = sched.pid
        (d / "kube-scheduler.pid").write_text(f"{sched.pid}\n")
        stages = json.loads((assets / "stages.json").read_text()) + [RESTART_STAGE]
        kwok_config = d / "kwok.yaml"
        kwok_config.write_text("".join("---\n" + json.dumps(doc) + "\n" for doc in stages))  # JSON is YAML
        logs_dir = d / "pod-logs"
        logs_dir.mkdir(exist_ok=True)
        kwok = _spawn([
            str(bins / "kwok"),
            f"--kubeconfig={cp.kubeconfig}", f"--config={kwok_config}",
            "--manage-nodes-with-annotation-selector={}={}".format(*KWOK_NODE_ANNOTATION),
            f"--enable-crds={','.join(KWOK_CRD_KINDS)}",
            "--cidr=10.244.0.0/16", "--node-ip=127.0.0.1", f"--node-port={kwok_port}",
            f"--server-address=127.0.0.1:{kwok_port}",
            f"--tls-cert-file={pki / 'kwok-serving.crt'}", f"--tls-private-key-file={pki / 'kwok-serving.key'}",
        ], kwok_log, tie)
        cp.pids["kwok"] = kwok.pid
        (d / "kwok.pid").write_text(f"{kwok.pid}\n")
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE  # the scheduler's self-signed serving cert
        _wait_http(f"https://127.0.0.1:{sched_port}/readyz", sched, sched_log, timeout, insecure, what="kube-scheduler")
        kwok_ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        _wait_http(f"https://127.0.0.1:{kwok_port}/healthz", kwok, kwok_log, timeout, kwok_ctx, what="kwok")
    except ControlPlaneError as e:
        _stop_pids(d, cp.pids)
        if "address already in use" in str(e):
            raise _PortInUse(str(e)) from None
        raise
    except (OSError, ValueError) as e:
        _stop_pids(d, cp.pids)
        raise ControlPlaneError(f"starting kube-scheduler/kwok failed: {e}") from None
    cp.scheduling = True
    cp.scheduling_bin_dir = str(bins)
    cp.kwok_server = f"https://127.0.0.1:{kwok_port}"
    cp.pod_logs_dir = str(logs_dir)
    cp.kwok_version = KWOK_VERSION


def _is_ours(pid: int, d: Path) -> bool:
    """The pid still runs a process whose command line names our state dir (guards against pid reuse)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return str(d) in cmdline and state != "Z"


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _stop_pids(d: Path, pids: dict[str, int], grace: float = 15.0) -> None:
    # the apiserver's clients first, then the apiserver, then etcd
    order = ("kwok", "kube-scheduler", "kube-apiserver", "etcd")
    for name in sorted(pids, key=lambda n: order.index(n) if n in order else -1):
        pid = pids[name]
        if not _is_ours(pid, d):
            _reap(pid)
            continue
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            _reap(pid)
            if not _is_ours(pid, d):
                break
            time.sleep(0.1)
        else:
            log(f"{name} (pid {pid}) ignored SIGTERM; sending SIGKILL")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
            _reap(pid)


def stop(state_dir: str | os.PathLike, keep: bool = False) -> None:
    """Stop the processes recorded in ``state_dir`` (by pid only) and remove the directory."""
    d = Path(state_dir).resolve()
    pids: dict[str, int] = {}
    try:
        pids = json.loads((d / STATE_FILE).read_text())["pids"]
    except (OSError, ValueError, KeyError):
        for name in ("kwok", "kube-scheduler", "kube-apiserver", "etcd"):
            with contextlib.suppress(OSError, ValueError):
                pids[name] = int((d / f"{name}.pid").read_text())
        if not pids:
            raise ControlPlaneError(f"{d} holds no control plane ({STATE_FILE} or *.pid missing)") from None
    _stop_pids(d, pids)
    if not keep:
        shutil.rmtree(d, ignore_errors=True)


# ================================================================================================
# CLI
# ================================================================================================


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="controlplane.py", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build (or find) kube-apiserver, etcd, kube-scheduler and kwok; print "
                                     "the directory of kube-apiserver and etcd")
    b.add_argument("--plain", action="store_true", help="only kube-apiserver and etcd (no scheduling plane)")
    s = sub.add_parser("start", help="start etcd + kube-apiserver; print the kubeconfig path")
    s.add_argument("--dir", help="state dir (default: a new temp dir)")
    s.add_argument("--scheduling", action="store_true", help="also kube-scheduler and kwok (pods schedule and run)")
    s.add_argument("--no-build", action="store_true", help="fail instead of building missing binaries")
    s.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for /readyz")
    e = sub.add_parser("env", help="print `export KUBECONFIG=...` for a started control plane")
    e.add_argument("--dir", required=True)
    e.add_argument("--viewer", action="store_true", help="the non-admin user's kubeconfig instead")
    t = sub.add_parser("stop", help="stop a started control plane and remove its dir")
    t.add_argument("--dir", required=True)
    t.add_argument("--keep", action="store_true", help="keep the dir (logs)")
    sub.add_parser("versions", help="print the pinned versions as JSON")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "build":
            t0 = time.monotonic()
            d = resolve_binaries(build=True)
            if not args.plain:
                resolve_scheduling(build=True)
            log(f"binaries ready in {time.monotonic() - t0:.1f}s: {d}")
            print(d)
        elif args.cmd == "start":
            bins = resolve_binaries(build=not args.no_build)
            sched = resolve_scheduling(build=not args.no_build) if args.scheduling else None
            cp = start(args.dir, bins, timeout=args.timeout, scheduling=args.scheduling, scheduling_bin_dir=sched)
            extra = f", kube-scheduler and kwok {cp.kwok_server}" if cp.scheduling else ""
            log(f"kube-apiserver v{cp.kubernetes_version} at {cp.server}{extra} ready in {cp.startup_seconds}s "
                f"(pids {cp.pids}); stop with: python {sys.argv[0]} stop --dir {cp.dir}")
            print(cp.kubeconfig)
        elif args.cmd == "env":
            d = Path(args.dir).resolve()
            if not (d / STATE_FILE).exists():
                raise ControlPlaneError(f"{d} holds no control plane")
            print(f"export KUBECONFIG={d / (KUBECONFIG_VIEWER if args.viewer else KUBECONFIG_ADMIN)}")
        elif args.cmd == "stop":
            stop(args.dir, keep=args.keep)
        elif args.cmd == "versions":
            print(json.dumps({"kubernetes": KUBERNETES_VERSION, "etcd": ETCD_VERSION, "kwok": KWOK_VERSION}))
    except Unavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    except ControlPlaneError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
