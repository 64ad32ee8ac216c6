#!/usr/bin/env python3
"""A real Kubernetes control plane (kube-apiserver + etcd) for kubectl-dynamo's e2e tests.

Commands::

    python scripts/controlplane.py build            # binaries ready (cached); prints their directory
    python scripts/controlplane.py start [--dir D]  # start on 127.0.0.1; prints the kubeconfig path
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

Only the standard library and ``cryptography`` (for the PKI) are used, so the file can also be
imported by the test fixtures (``tests/e2e/kube.py``).
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
# ------------------------------------------------------------------------------------------------

BINARIES = ("kube-apiserver", "etcd")
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


def binaries_available() -> tuple[bool, str]:
    """Whether binaries exist or can be built, and a one-line reason when they cannot."""
    if assets_dir() or cached_bin_dir():
        return True, ""
    if find_go():
        return True, ""
    return False, (
        "no kube-apiserver/etcd: KUBEBUILDER_ASSETS is unset (or incomplete), nothing is cached in "
        f"{cache_dir()}, and no Go toolchain was found to build them (set KUBEBUILDER_ASSETS or install Go)"
    )


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


def _build_etcd(go: str, out: Path, work: Path, logs: Path, env: dict[str, str]) -> None:
    """etcd's server module is its main package; its own replace lines are simply ignored here."""
    logfile = logs / "etcd.log"
    logfile.write_text(f"# etcd v{ETCD_VERSION} build, {datetime.datetime.now().isoformat()}\n")
    wd = work / "etcd"
    _fresh_module(wd, "kubectl-dynamo.local/controlplane/etcd", go, env, logfile)
    pkg = "go.etcd.io/etcd/server/v3"
    log(f"etcd v{ETCD_VERSION}: resolving modules (log: {logfile})")
    _run([go, "get", f"{pkg}@v{ETCD_VERSION}"], wd, logfile, env, heartbeat="etcd go get")
    log(f"etcd v{ETCD_VERSION}: compiling")
    ldflags = f"-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v{ETCD_VERSION}"
    tmp = out / "etcd.tmp"
    _run([go, "build", "-trimpath", f"-ldflags={ldflags}", "-o", str(tmp), pkg], wd, logfile, env,
         heartbeat="etcd compile")
    tmp.replace(out / "etcd")


def _build_kube_apiserver(go: str, out: Path, work: Path, logs: Path, env: dict[str, str]) -> None:
    """Throwaway module + one ``replace`` per staging module, as read from k8s.io/kubernetes' go.mod."""
    logfile = logs / "kube-apiserver.log"
    logfile.write_text(f"# kube-apiserver v{KUBERNETES_VERSION} build, {datetime.datetime.now().isoformat()}\n")
    wd = work / "kubernetes"
    _fresh_module(wd, "kubectl-dynamo.local/controlplane/kubernetes", go, env, logfile)
    log(f"kube-apiserver v{KUBERNETES_VERSION}: resolving modules (log: {logfile})")
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
    pkg = "k8s.io/kubernetes/cmd/kube-apiserver"
    _run([go, "get", f"{pkg}@v{KUBERNETES_VERSION}"], wd, logfile, env, heartbeat="kube-apiserver go get")
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
    log(f"kube-apiserver v{KUBERNETES_VERSION}: compiling ({len(staging)} staging modules replaced; "
        "a cold compile takes 10-20 min on 2 cores)")
    tmp = out / "kube-apiserver.tmp"
    _run([go, "build", "-trimpath", "-ldflags=-s -w " + " ".join(xs), "-o", str(tmp), pkg], wd, logfile, env,
         heartbeat="kube-apiserver compile")
    tmp.replace(out / "kube-apiserver")


def _build(go: str) -> Path:
    cache = cache_dir()
    with _locked(cache / ".build.lock"):
        if d := cached_bin_dir():  # another process finished it while we waited
            return d
        bin_dir, work, logs = cache / "bin", cache / "work", cache / "logs"
        for d in (bin_dir, work, logs):
            d.mkdir(parents=True, exist_ok=True)
        (bin_dir / "versions.json").unlink(missing_ok=True)
        env = _go_env()
        gov = subprocess.run([go, "version"], env=env, capture_output=True, text=True).stdout.strip()
        log(f"building with {gov} into {bin_dir}")
        t0 = time.monotonic()
        if not os.access(bin_dir / "etcd", os.X_OK):
            _build_etcd(go, bin_dir, work, logs, env)
        if not os.access(bin_dir / "kube-apiserver", os.X_OK):
            _build_kube_apiserver(go, bin_dir, work, logs, env)
        versions = {b: _version_of(bin_dir / b) for b in BINARIES}
        if f"v{KUBERNETES_VERSION}" not in versions["kube-apiserver"] or ETCD_VERSION not in versions["etcd"]:
            raise ControlPlaneError(f"built binaries report unexpected versions: {versions}")
        (bin_dir / "versions.json").write_text(json.dumps(
            {"kubernetes": KUBERNETES_VERSION, "etcd": ETCD_VERSION, "go": gov, "reported": versions}, indent=2) + "\n")
        shutil.rmtree(work, ignore_errors=True)
        log(f"built in {time.monotonic() - t0:.0f}s")
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
          timeout: float = 180.0, tie_to_parent: bool = False) -> ControlPlane:
    """Start etcd + kube-apiserver on 127.0.0.1 (random free ports) and wait for /readyz.

    ``state_dir`` (created if missing; default a new temp dir, in /dev/shm when available) receives the
    PKI, the kubeconfigs, logs, etcd data and ``controlplane.json``. With ``tie_to_parent`` both
    processes get SIGTERM when the calling process dies (for test sessions).
    """
    t0 = time.monotonic()
    bins = Path(bin_dir) if bin_dir else resolve_binaries(build=False)
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
    # apiserver first, then etcd
    for name in sorted(pids, key=lambda n: n != "kube-apiserver"):
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
        for name in ("kube-apiserver", "etcd"):
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
    sub.add_parser("build", help="build (or find) kube-apiserver and etcd; print their directory")
    s = sub.add_parser("start", help="start etcd + kube-apiserver; print the kubeconfig path")
    s.add_argument("--dir", help="state dir (default: a new temp dir)")
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
            log(f"binaries ready in {time.monotonic() - t0:.1f}s: {d}")
            print(d)
        elif args.cmd == "start":
            bins = resolve_binaries(build=not args.no_build)
            cp = start(args.dir, bins, timeout=args.timeout)
            log(f"kube-apiserver v{cp.kubernetes_version} at {cp.server} ready in {cp.startup_seconds}s "
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
            print(json.dumps({"kubernetes": KUBERNETES_VERSION, "etcd": ETCD_VERSION}))
    except Unavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    except ControlPlaneError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
