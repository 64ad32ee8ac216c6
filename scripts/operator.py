#!/usr/bin/env python3
"""The real Dynamo operator as a test component, next to scripts/controlplane.py.

Commands::

    python scripts/operator.py build                      # build (or find) the manager binary; print its path
    python scripts/operator.py start --controlplane D [--grove on|off|auto] [--lws ...] [--kai ...]
                                                          # run it against a started control plane; print its dir
    python scripts/operator.py stop --dir D               # unregister its webhooks, stop it by recorded pid
    python scripts/operator.py source                     # the pinned source, commit and version as JSON

Exit status: 0 ok, 1 error (the go or start-up error is printed), 3 unavailable (no operator source
in ../shared/upstream, or no Go toolchain to build it).

The operator is built from its unmodified upstream source in ``../shared/upstream/<OPERATOR_SOURCE>``
(never copied into the project), from a throwaway copy so that nothing is written into ../shared,
with every dependency at the version its go.mod pins (``GOFLAGS=-mod=mod``, Go module proxy). The
binary is cached in ``${XDG_CACHE_HOME:-~/.cache}/kubectl-dynamo/operator/<commit>/`` keyed by the
source commit recorded in the source's SOURCE.md, so only the first build costs (about 2 minutes of
compile on 2 cores once the modules are downloaded).

``start`` runs it the way the platform Helm chart does, with the differences a loopback test needs:
an OperatorConfiguration with loopback ports, manually provisioned (self-signed) webhook
certificates, leader election off and each orchestrator forced on or off; it reads the
service-account namespace file at start-up, so it runs under ``unshare -m`` with a tmpfs over /run
holding only that file. Its admission webhooks are registered with the API server as URL-based
webhook configurations pointing at the loopback webhook server, so defaulting and validation run as
in a real install.

For a newer operator line: put its source next to the current one and change OPERATOR_SOURCE and
OPERATOR_VERSION below (or set ``$KUBECTL_DYNAMO_OPERATOR_SOURCE`` / ``$KUBECTL_DYNAMO_OPERATOR_VERSION``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import importlib.util
import ipaddress
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

# --- The one place where the operator under test is pinned. -------------------------------------
# The 1.1 line that reference/dynamo-operator.md describes; OPERATOR_VERSION is what it is told it
# is (--operator-version, the origin version its webhook stamps) and what the stand-in Deployment's
# image tag says, so that `explain` on the live cluster mirrors the same line.
OPERATOR_SOURCE = "dynamo-operator-df888f68"
OPERATOR_VERSION = "1.1.0"
# ------------------------------------------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = REPO_ROOT.parent / "shared" / "upstream"
OPERATOR_NAMESPACE = "dynamo-system"
STATE_FILE = "operator.json"
MANAGER = "manager"
# OperatorConfiguration.rbac: cluster-wide mode needs three ClusterRole names that exist
CLUSTER_ROLES = {
    "plannerClusterRoleName": "dynamo-platform-dynamo-operator-planner",
    "dgdrProfilingClusterRoleName": "dynamo-platform-dynamo-operator-dgdr-profiling",
    "eppClusterRoleName": "dynamo-platform-dynamo-operator-epp",
}
MPI_SSH_SECRET = "mpi-run-ssh-secret"  # the chart's dynamo-operator.dynamo.mpiRun.secretName default
# webhook paths registered by internal/webhook/{validation,defaulting}/*_handler.go
MUTATING = [("dynamographdeployments", "/mutate-nvidia-com-v1alpha1-dynamographdeployment", "v1alpha1")]
VALIDATING = [
    ("dynamographdeployments", "/validate-nvidia-com-v1alpha1-dynamographdeployment", "v1alpha1"),
    ("dynamocomponentdeployments", "/validate-nvidia-com-v1alpha1-dynamocomponentdeployment", "v1alpha1"),
]
ORCHESTRATORS = ("grove", "lws", "kaiScheduler")


def _controlplane():
    """scripts/controlplane.py as a module, shared with the e2e fixtures (same module name, so the
    same ControlPlaneError class)."""
    name = "kubectl_dynamo_controlplane"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("controlplane.py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


cpm = _controlplane()
ControlPlaneError = cpm.ControlPlaneError
Unavailable = cpm.Unavailable


class OperatorError(ControlPlaneError):
    """Building, starting or stopping the operator failed."""


def log(msg: str) -> None:
    print(f"operator: {msg}", file=sys.stderr, flush=True)


# ================================================================================================
# Source and binary
# ================================================================================================


def source_name() -> str:
    return os.environ.get("KUBECTL_DYNAMO_OPERATOR_SOURCE") or OPERATOR_SOURCE


def operator_version() -> str:
    return os.environ.get("KUBECTL_DYNAMO_OPERATOR_VERSION") or OPERATOR_VERSION


def source_dir() -> Path:
    """``../shared/upstream/<source>``: holds deploy/operator (and deploy/snapshot, its replace target)."""
    name = source_name()
    return Path(name) if os.path.isabs(name) else UPSTREAM / name


def operator_module(src: Path | None = None) -> Path:
    return (src or source_dir()) / "deploy" / "operator"


def source_commit(src: Path | None = None) -> str:
    """The upstream commit the source was taken at (first 40-hex in SOURCE.md), else a digest of
    go.mod, go.sum and the directory name, so that a different source never reuses a binary."""
    src = src or source_dir()
    with contextlib.suppress(OSError):
        if m := re.search(r"\b[0-9a-f]{40}\b", (src / "SOURCE.md").read_text()):
            return m.group(0)
    h = hashlib.sha256(src.name.encode())
    for f in ("go.mod", "go.sum"):
        h.update((operator_module(src) / f).read_bytes())
    return "sha256-" + h.hexdigest()


def source_available() -> tuple[bool, str]:
    mod = operator_module()
    if not (mod / "go.mod").is_file():
        return False, f"no operator source ({mod} is absent)"
    return True, ""


def cache_dir(src: Path | None = None) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kubectl-dynamo" / "operator" / source_commit(src)[:16]


def cached_binary() -> Path | None:
    d = cache_dir()
    try:
        stamp = json.loads((d / "build.json").read_text())
    except (OSError, ValueError):
        return None
    if stamp.get("commit") != source_commit() or not os.access(d / MANAGER, os.X_OK):
        return None
    return d / MANAGER


def available() -> tuple[bool, str]:
    """Whether the operator can be had (source present, and built or buildable); reason when not."""
    ok, why = source_available()
    if not ok:
        return ok, why
    if cached_binary() or cpm.find_go():
        return True, ""
    return False, f"the operator is not built ({cache_dir()}) and no Go toolchain was found to build it"


def resolve_binary(build: bool = True) -> Path:
    ok, why = source_available()
    if not ok:
        raise Unavailable(why)
    if b := cached_binary():
        return b
    if not build:
        raise Unavailable(f"the operator is not built yet (run: python {__file__} build)")
    go = cpm.find_go()
    if not go:
        raise Unavailable(available()[1])
    return _build(go)


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _build(go: str) -> Path:
    src = source_dir()
    out = cache_dir(src)
    with cpm._locked(out / ".build.lock"):
        if b := cached_binary():  # another process finished it while we waited
            return b
        logs = out / "build.log"
        logs.write_text(f"# operator build from {src} ({source_commit(src)}), {datetime.datetime.now().isoformat()}\n")
        env = cpm._go_env()  # CGO off, GOTOOLCHAIN=local, GOFLAGS += -mod=mod
        gov = subprocess.run([go, "version"], env=env, capture_output=True, text=True).stdout.strip()
        t0 = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="operator-src-", dir=out) as work:
            # a writable copy: -mod=mod may write go.sum, and ../shared stays untouched
            for part in ("operator", "snapshot"):
                if (src / "deploy" / part).is_dir():
                    shutil.copytree(src / "deploy" / part, Path(work) / "deploy" / part, copy_function=shutil.copyfile,
                                    ignore=shutil.ignore_patterns(".git"))
            for root, dirs, _files in os.walk(work):
                for d in dirs:
                    os.chmod(os.path.join(root, d), 0o755)
            mod = Path(work) / "deploy" / "operator"
            log(f"building the operator with {gov} from {src} (log: {logs}); cold: ~750 modules, ~2 min compile")
            tmp = out / f"{MANAGER}.tmp"
            cpm._run([go, "build", "-trimpath", "-ldflags=-s -w", "-o", str(tmp), "./cmd/"], mod, logs, env,
                     heartbeat="operator compile")
            if _digest(mod / "go.mod") != _digest(operator_module(src) / "go.mod"):
                raise OperatorError(f"go build changed go.mod: the build did not use the pinned versions; see {logs}")
            sum_changed = _digest(mod / "go.sum") != _digest(operator_module(src) / "go.sum")
        tmp.replace(out / MANAGER)
        seconds = round(time.monotonic() - t0, 1)
        (out / "build.json").write_text(json.dumps({
            "source": str(src), "commit": source_commit(src), "go": gov, "seconds": seconds,
            "goSumChanged": sum_changed, "built": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        }, indent=2) + "\n")
        log(f"built in {seconds:.0f}s: {out / MANAGER}")
        return out / MANAGER



# ================================================================================================
# Running it
# ================================================================================================


@dataclass
class Operator:
    """What ``start`` wrote to ``<dir>/operator.json``."""

    dir: str
    pid: int
    version: str  # --operator-version: stamped as origin version by its webhook
    commit: str
    source: str
    binary: str
    controlplane_dir: str
    kubeconfig: str
    config_file: str
    config_text: str  # the OperatorConfiguration, as a chart would put it in its ConfigMap
    orchestrators: dict[str, bool | None] = field(default_factory=dict)
    webhook_url: str = ""
    health_url: str = ""
    log_file: str = ""
    webhook_configurations: dict[str, str] = field(default_factory=dict)  # kind -> name
    namespace: str = OPERATOR_NAMESPACE
    startup_seconds: float = 0.0


class _Api:
    """Just enough of the API server for set-up, as the control plane's admin (stdlib only)."""

    def __init__(self, cp):
        self.server = cp.server
        self.ctx = ssl.create_default_context(cafile=cp.ca_file)
        self.ctx.load_cert_chain(*cp.client_cert("admin"))

    def __call__(self, method: str, path: str, body: dict | None = None, *, apply: bool = False,
                 query: str = "") -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/apply-patch+yaml" if apply else "application/json"
        if apply:
            query = "fieldManager=kubectl-dynamo-e2e-operator&force=true" + (f"&{query}" if query else "")
        url = self.server + path + (f"?{query}" if query else "")
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30, context=self.ctx) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, {"message": raw.decode(errors="replace")}

    def apply(self, path: str, body: dict) -> dict:
        code, out = self(("PATCH"), path, body, apply=True)
        if code >= 300:
            raise OperatorError(f"apply {path}: HTTP {code}: {out.get('message', out)}")
        return out


def _self_signed(certs: Path) -> bytes:
    """tls.crt/tls.key for the webhook server on 127.0.0.1 (certProvisionMode: manual); returns the
    certificate, which is also the caBundle of the webhook configurations."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    certs.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dynamo-operator-webhook")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (certs / "tls.crt").write_bytes(pem)
    (certs / "tls.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()))
    (certs / "tls.key").chmod(0o600)
    return pem


def operator_configuration(orchestrators: dict[str, bool | None], ports: dict[str, int], cert_dir: str,
                           namespace: str = OPERATOR_NAMESPACE) -> dict:
    """An OperatorConfiguration (api/config/v1alpha1/types.go) for a loopback test cluster.
    ``orchestrators`` maps grove/lws/kaiScheduler to True/False, or None to leave it on auto-detect."""
    return {
        "apiVersion": "operator.config.dynamo.nvidia.com/v1alpha1",
        "kind": "OperatorConfiguration",
        "server": {
            "metrics": {"bindAddress": "127.0.0.1", "port": ports["metrics"], "secure": False},
            "healthProbe": {"bindAddress": "127.0.0.1", "port": ports["health"]},
            "webhook": {"host": "127.0.0.1", "port": ports["webhook"], "certDir": cert_dir,
                        "certProvisionMode": "manual"},
        },
        "leaderElection": {"enabled": False},
        "orchestrators": {k: ({"enabled": v} if v is not None else {}) for k, v in orchestrators.items()},
        "rbac": dict(CLUSTER_ROLES),
        "mpi": {"sshSecretName": MPI_SSH_SECRET, "sshSecretNamespace": namespace},
        # no DCGM endpoint to scrape here; DGDR profiling is not under test
        "gpu": {"discoveryEnabled": False},
        "logging": {"level": "info", "format": "json"},
    }


def _webhook_configurations(name: str, url: str, ca: bytes) -> list[tuple[str, dict]]:
    import base64

    bundle = base64.b64encode(ca).decode()

    def hook(resource: str, path: str, version: str, kind: str) -> dict:
        return {
            "name": f"{kind}-{resource}.nvidia.com",
            "clientConfig": {"url": url + path, "caBundle": bundle},
            "rules": [{"apiGroups": ["nvidia.com"], "apiVersions": [version], "operations": ["CREATE", "UPDATE"],
                       "resources": [resource], "scope": "Namespaced"}],
            "admissionReviewVersions": ["v1"],
            "sideEffects": "None",
            "failurePolicy": "Fail",
            "timeoutSeconds": 10,
        }

    return [
        ("mutatingwebhookconfigurations", {
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
            "metadata": {"name": name}, "webhooks": [hook(*m, "mutate") for m in MUTATING]}),
        ("validatingwebhookconfigurations", {
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": name}, "webhooks": [hook(*v, "validate") for v in VALIDATING]}),
    ]


def _load_controlplane(cp_or_dir):
    if isinstance(cp_or_dir, (str, os.PathLike)):
        d = Path(cp_or_dir).resolve()
        try:
            return cpm.ControlPlane(**json.loads((d / cpm.STATE_FILE).read_text()))
        except (OSError, ValueError, TypeError) as e:
            raise OperatorError(f"{d} holds no started control plane ({cpm.STATE_FILE}): {e}") from None
    return cp_or_dir


def _mount_namespace_argv(namespace: str, argv: list[str]) -> list[str]:
    """``unshare -m``: a private mount namespace whose /run is a tmpfs holding only the
    service-account namespace file the operator reads at start (internal/cert/cert.go
    getOperatorNamespace). unshare execs in place, so the pid stays the operator's."""
    run = os.path.realpath("/var/run")
    script = ('set -e; mount -t tmpfs -o size=1m,mode=0755 tmpfs "$1"; '
              'mkdir -p /var/run/secrets/kubernetes.io/serviceaccount; '
              'printf %s "$0" > /var/run/secrets/kubernetes.io/serviceaccount/namespace; shift; exec "$@"')
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, namespace, run, *argv]


def start(cp_or_dir, grove: bool | None = None, lws: bool | None = None, kai: bool | None = None, *,
          version: str | None = None, state_dir: str | os.PathLike | None = None, binary: str | os.PathLike | None = None,
          tie_to_parent: bool = False, timeout: float = 120.0) -> Operator:
    """Run the operator against a started control plane (ControlPlane or its dir) whose CRDs are
    installed (the Dynamo ones, and those of every orchestrator forced on), register its webhooks,
    and wait until admission goes through them. Orchestrators: True/False forces, None auto-detects."""
    t0 = time.monotonic()
    cp = _load_controlplane(cp_or_dir)
    version = version or operator_version()
    manager = Path(binary) if binary else resolve_binary(build=False)
    d = Path(state_dir or tempfile.mkdtemp(prefix="operator-", dir=cp.dir)).resolve()
    d.mkdir(parents=True, exist_ok=True)
    if (d / STATE_FILE).exists():
        raise OperatorError(f"{d} already holds an operator ({STATE_FILE}); stop it first")
    api = _Api(cp)
    api.apply(f"/api/v1/namespaces/{OPERATOR_NAMESPACE}",
              {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": OPERATOR_NAMESPACE}})
    for role in CLUSTER_ROLES.values():
        api.apply(f"/apis/rbac.authorization.k8s.io/v1/clusterroles/{role}",
                  {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": role},
                   "rules": []})
    ca = _self_signed(d / "certs")
    ports = {k: cpm._free_port() for k in ("metrics", "health", "webhook")}
    orchestrators = {"grove": grove, "lws": lws, "kaiScheduler": kai}
    config = operator_configuration(orchestrators, ports, str(d / "certs"))
    config_text = json.dumps(config, indent=2) + "\n"
    (d / "config.yaml").write_text(config_text)
    logfile = d / "operator.log"
    argv = [str(manager), f"--config={d / 'config.yaml'}", f"--kubeconfig={cp.kubeconfig}",
            f"--operator-version={version}", "--zap-devel=false", "--zap-log-level=info"]
    proc = cpm._spawn(_mount_namespace_argv(OPERATOR_NAMESPACE, argv), logfile, tie_to_parent)
    (d / "operator.pid").write_text(f"{proc.pid}\n")
    op = Operator(dir=str(d), pid=proc.pid, version=version, commit=source_commit(), source=str(source_dir()),
                  binary=str(manager), controlplane_dir=cp.dir, kubeconfig=cp.kubeconfig,
                  config_file=str(d / "config.yaml"), config_text=config_text, orchestrators=orchestrators,
                  webhook_url=f"https://127.0.0.1:{ports['webhook']}", health_url=f"http://127.0.0.1:{ports['health']}",
                  log_file=str(logfile))
    try:
        cpm._wait_http(op.health_url + "/readyz", proc, logfile, timeout, what="operator")
        name = "kubectl-dynamo-e2e-" + hashlib.sha256(str(d).encode()).hexdigest()[:12]
        for plural, body in _webhook_configurations(name, op.webhook_url, ca):
            api.apply(f"/apis/admissionregistration.k8s.io/v1/{plural}/{name}", body)
            op.webhook_configurations[body["kind"]] = name
        (d / STATE_FILE).write_text(json.dumps(asdict(op), indent=2) + "\n")
        _wait_admission(api, version, proc, logfile, t0 + timeout)
    except BaseException:
        with contextlib.suppress(Exception):
            stop(d, keep=True)
        raise
    op.startup_seconds = round(time.monotonic() - t0, 2)
    (d / STATE_FILE).write_text(json.dumps(asdict(op), indent=2) + "\n")
    return op


def _wait_admission(api: _Api, version: str, proc, logfile: Path, deadline: float) -> None:
    """Until a dry-run create is defaulted (origin version stamped) and an invalid one rejected by
    the operator's webhooks: the API server picks up webhook configurations asynchronously."""
    base = f"/apis/nvidia.com/v1alpha1/namespaces/{OPERATOR_NAMESPACE}/dynamographdeployments"

    def dgd(annotations: dict) -> dict:
        return {"apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment",
                "metadata": {"name": "kubectl-dynamo-admission-probe", "annotations": annotations},
                "spec": {"services": {"Frontend": {"componentType": "frontend", "replicas": 1}}}}

    last = ""
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise OperatorError(f"the operator exited with {proc.returncode}; {logfile}:\n{cpm._tail(logfile)}")
        code, out = api("POST", base, dgd({}), query="dryRun=All")
        stamped = (out.get("metadata") or {}).get("annotations", {}).get("nvidia.com/dynamo-operator-origin-version")
        if code < 300 and stamped == version:
            code, out = api("POST", base, dgd({"nvidia.com/vllm-distributed-executor-backend": "bogus"}), query="dryRun=All")
            if code >= 400 and "admission webhook" in str(out.get("message", "")):
                return
        last = f"HTTP {code}: {str(out.get('message', ''))[:300]}"
        time.sleep(0.2)
    raise OperatorError(f"the operator's webhooks are not in the admission path (last: {last}); {logfile}:\n"
                        f"{cpm._tail(logfile)}")


def stop(state_dir: str | os.PathLike, keep: bool = False) -> None:
    """Unregister the webhooks (while the API server is up), then stop the recorded pid."""
    d = Path(state_dir).resolve()
    try:
        op = Operator(**json.loads((d / STATE_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        op = None
    if op is not None and op.webhook_configurations:
        with contextlib.suppress(Exception):
            api = _Api(_load_controlplane(op.controlplane_dir))
            for kind, name in op.webhook_configurations.items():
                api("DELETE", f"/apis/admissionregistration.k8s.io/v1/{kind.lower()}s/{name}")
    pid = op.pid if op else None
    if pid is None:
        with contextlib.suppress(OSError, ValueError):
            pid = int((d / "operator.pid").read_text())
    if pid is None:
        raise OperatorError(f"{d} holds no operator ({STATE_FILE} or operator.pid missing)")
    cpm._stop_pids(d, {"operator": pid})
    if not keep:
        shutil.rmtree(d, ignore_errors=True)


def _tristate(value: str) -> bool | None:
    return {"on": True, "off": False, "auto": None}[value]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="operator.py", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("build", help="build (or find) the operator binary; print its path")
    s = sub.add_parser("start", help="run the operator against a started control plane; print its dir")
    s.add_argument("--controlplane", required=True, help="the dir of `controlplane.py start`")
    s.add_argument("--dir", help="state dir (default: a new dir inside the control plane's)")
    for name, flag in (("grove", "--grove"), ("lws", "--lws"), ("kaiScheduler", "--kai")):
        s.add_argument(flag, dest=name, choices=("on", "off", "auto"), default="off",
                       help=f"orchestrators.{name}.enabled: on, off (default) or auto (unset)")
    s.add_argument("--operator-version", help=f"default: {operator_version()}")
    s.add_argument("--timeout", type=float, default=120.0)
    t = sub.add_parser("stop", help="unregister the webhooks and stop the operator; remove its dir")
    t.add_argument("--dir", required=True)
    t.add_argument("--keep", action="store_true", help="keep the dir (log, config)")
    sub.add_parser("source", help="print the pinned source, commit and version as JSON")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "build":
            t0 = time.monotonic()
            b = resolve_binary(build=True)
            log(f"binary ready in {time.monotonic() - t0:.1f}s: {b}")
            print(b)
        elif args.cmd == "start":
            op = start(args.controlplane, _tristate(args.grove), _tristate(args.lws), _tristate(args.kaiScheduler),
                       version=args.operator_version, state_dir=args.dir, binary=resolve_binary(build=True),
                       timeout=args.timeout)
            log(f"operator {op.version} (pid {op.pid}) ready in {op.startup_seconds}s, webhooks at {op.webhook_url}; "
                f"stop with: python {sys.argv[0]} stop --dir {op.dir}")
            print(op.dir)
        elif args.cmd == "stop":
            stop(args.dir, keep=args.keep)
        elif args.cmd == "source":
            ok, why = source_available()
            print(json.dumps({"source": str(source_dir()), "available": ok, "reason": why,
                              "commit": source_commit() if ok else None, "version": operator_version(),
                              "binary": str(cached_binary() or "") or None}))
    except Unavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    except ControlPlaneError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
