"""API faults (issue 10): every cluster command through a fault-injecting proxy in front of the real
kube-apiserver (tests/e2e/faults.py). Each fault ends in exit 3 (1 for a refused apply), one line
that names what happened, an answer within --request-timeout plus a small margin, and, for apply,
the server's state checked afterwards: nothing this run created is left behind."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from ..cli.conftest import cli
from .faults import (
    CLOSE,
    CLOSE_MID,
    MANGLE,
    SLOW,
    STALL,
    STATUS,
    TRUNCATE,
    Fault,
    FaultProxy,
    other_ca_cert,
    status_body,
)
from .test_apply import dgd, live

pytestmark = pytest.mark.e2e

TIMEOUT = 3  # --request-timeout of every run, seconds
# the margin over --request-timeout an answer may take: process start-up is not in it (in-process),
# but two cores shared by several test runs are
MARGIN = 3.0


@pytest.fixture
def proxy(cluster):
    p = FaultProxy(cluster.cp)
    yield p
    p.close()


def run(kubeconfig: str, *args: str, timeout: int = TIMEOUT):
    start = time.monotonic()
    res = cli("--kubeconfig", kubeconfig, "--request-timeout", f"{timeout}s", *args)
    return res, time.monotonic() - start


def one_line(res) -> str:
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {res.stderr!r}"
    assert "Traceback" not in res.stderr and "unexpected" not in res.stderr and "WARNING" not in res.stderr
    return lines[0]


def write_dgd(tmp_path, ns: str) -> str:
    path = tmp_path / "dgd.yaml"
    path.write_text(yaml.safe_dump({**dgd(), "metadata": {"name": "my-llm", "namespace": ns}}))
    return str(path)


def commands(tmp_path, ns: str) -> dict[str, list[str]]:
    f = write_dgd(tmp_path, ns)
    return {
        "version": ["version"],
        "get": ["get", "-n", ns],
        "describe": ["describe", "my-llm", "-n", ns],
        "explain": ["explain", "-f", f, "-n", ns],
        "apply": ["apply", "-f", f, "-n", ns, "--dry-run=server"],
        "doctor": ["doctor"],
    }


ANY = r"^[A-Z]+ /"
TRANSPORT_FAULTS = {
    "a stalled server": (Fault(ANY, STALL), "did not answer"),
    "a body at one byte per second": (Fault(ANY, SLOW), "did not answer"),
    "a truncated JSON body": (Fault(ANY, TRUNCATE), "that are not JSON"),
    "a connection closed mid-response": (Fault(ANY, CLOSE_MID), "closed the connection before its answer"),
    "a connection closed before any answer": (Fault(ANY, CLOSE), "closed the connection before its answer"),
    "401 on every request": (Fault(ANY, STATUS, status=401, body=status_body(401, "Unauthorized", "Unauthorized")),
                             "unauthorized: the server rejected the credentials"),
    "500 on every request": (Fault(ANY, STATUS, status=500, body=status_body(500, "InternalError", "etcdserver: leader changed")),
                             "etcdserver: leader changed"),
    "429 without end, Retry-After 1": (Fault(ANY, STATUS, status=429, headers={"Retry-After": "1"},
                                             body=status_body(429, "TooManyRequests", "too many requests")),
                                       "asked to retry after 1s"),
}


@pytest.mark.parametrize("fault", list(TRANSPORT_FAULTS))
@pytest.mark.parametrize("command", ["version", "get", "describe", "explain", "apply", "doctor"])
def test_a_transport_fault_is_one_line_exit_3_within_the_request_timeout(cluster, project_crds, namespace, proxy, tmp_path,
                                                                        fault, command):
    injected, says = TRANSPORT_FAULTS[fault]
    proxy.add(injected)
    kubeconfig = proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig")
    res, elapsed = run(kubeconfig, *commands(tmp_path, namespace)[command])
    assert res.exit_code == 3, res.stderr
    line = one_line(res)
    assert line.startswith("error: ") and says in line, line
    assert elapsed < TIMEOUT + MARGIN, f"answered after {elapsed:.1f}s with --request-timeout {TIMEOUT}s"
    assert injected.applied >= 1


@pytest.mark.parametrize("command", ["get", "describe", "explain", "apply", "doctor"])
def test_broken_aggregated_discovery_is_named(cluster, project_crds, namespace, proxy, tmp_path, command):
    def drop_versions(doc: dict) -> dict:
        for item in doc.get("items") or []:
            for v in item.get("versions") or []:
                v.pop("version", None)
        return doc

    proxy.add(Fault(r"^GET /apis(\?|$)", MANGLE, transform=drop_versions))
    res, elapsed = run(proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig"), *commands(tmp_path, namespace)[command])
    assert res.exit_code == 3
    line = one_line(res)
    assert "sent an API discovery document (GET /api, /apis) that is malformed" in line, line


def test_a_refused_port_is_one_line_without_urllib3_warnings(cluster, tmp_path):
    proxy = FaultProxy(cluster.cp)
    kubeconfig = proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig")
    proxy.close()  # nothing listens there any more
    for args in (["version"], ["get"], ["doctor"]):
        res, elapsed = run(kubeconfig, *args)
        assert res.exit_code == 3
        assert one_line(res).startswith(f"error: the connection to the server {proxy.url} was refused")
        assert elapsed < TIMEOUT + MARGIN


def test_a_server_certificate_from_another_ca(cluster, tmp_path):
    proxy = FaultProxy(cluster.cp, server_cert=other_ca_cert(tmp_path))
    try:
        res, _ = run(proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig"), "get")
    finally:
        proxy.close()
    assert res.exit_code == 3
    assert one_line(res).startswith(f"error: tls: cannot verify the server {proxy.url}")


@pytest.mark.parametrize("status, retries", [(429, 2), (503, 3)])
def test_retry_after_on_get_is_honoured_like_kubectl(cluster, proxy, tmp_path, status, retries):
    proxy.add(Fault(r"^GET /version", STATUS, status=status, headers={"Retry-After": "1"}, times=retries,
                    body=status_body(status, "TooManyRequests", "later")))
    res, elapsed = run(proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig"), "version", timeout=10)
    assert (res.exit_code, res.stderr) == (0, "")
    assert "Server Version: v1." in res.stdout
    assert len(proxy.requests(r"^GET /version")) == retries + 1
    assert retries <= elapsed < retries + MARGIN + 2


def test_retry_after_on_post_is_honoured_like_kubectl(cluster, project_crds, proxy, tmp_path):
    """doctor's SelfSubjectAccessReviews are POSTs: kubectl's client retries them too."""
    proxy.add(Fault(r"^POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews", STATUS, status=429,
                    headers={"Retry-After": "1"}, times=3, body=status_body(429, "TooManyRequests", "later")))
    res, _ = run(proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig"), "doctor", "-o", "json", timeout=10)
    assert res.exit_code in (0, 1), res.stderr
    access = next(c for c in res.json()["checks"] if c["id"] == "cluster.access")
    assert access["status"] == "pass", access
    posts = proxy.requests(r"^POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
    assert len(posts) == 8 + 3 and [p.fault for p in posts].count("status") == 3


def test_403_on_one_resource_names_it(cluster, project_crds, namespace, proxy, tmp_path):
    proxy.add(Fault(r"^GET /apis/nvidia.com/v1alpha1/namespaces/[^/]+/dynamographdeployments", STATUS, status=403,
                    body=status_body(403, "Forbidden", 'dynamographdeployments.nvidia.com is forbidden: User "x" cannot list')))
    res, _ = run(proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig"), "get", "-n", namespace)
    assert res.exit_code == 3
    assert one_line(res) == 'error: forbidden: dynamographdeployments.nvidia.com is forbidden: User "x" cannot list'


def test_404_for_one_group_is_not_read_as_absent_dgds(cluster, project_crds, namespace, proxy, tmp_path):
    proxy.add(Fault(r"^GET /apis/nvidia.com/", STATUS, status=404, body=status_body(404, "NotFound", "the server could not find the requested resource")))
    res, _ = run(proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig"), "get", "-n", namespace)
    assert res.exit_code == 3
    assert "not found" in one_line(res)


@pytest.mark.parametrize("status, says", [(409, "Apply failed with 1 conflict"), (422, "is invalid: spec.x")])
def test_409_and_422_refuse_the_apply_and_write_nothing(cluster, project_crds, namespace, proxy, tmp_path, status, says):
    proxy.add(Fault(r"^PATCH /api/v1/namespaces/[^/]+/configmaps/b\?.*dryRun=All", STATUS, status=status,
                    body=status_body(status, "Conflict" if status == 409 else "Invalid", f"{says}: injected")))
    f = tmp_path / "cms.yaml"
    f.write_text(yaml.safe_dump_all([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n}, "data": {"k": n}}
                                     for n in ("a", "b")]))
    res, _ = run(proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig"), "apply", "-f", str(f), "-n", namespace)
    assert res.exit_code == 1
    assert res.stderr.startswith(f"error: nothing applied: {f} (document 2, line 8): configmap/b: {says}: injected")
    assert [live(cluster, namespace, {"kind": "ConfigMap", "metadata": {"name": n}}) for n in ("a", "b")] == [None, None]


def _configmaps(tmp_path, names: list[str]) -> str:
    f = tmp_path / "cms.yaml"
    f.write_text(yaml.safe_dump_all([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n}, "data": {"k": n}}
                                     for n in names]))
    return str(f)


REAL_WRITE = r"^PATCH /api/v1/namespaces/[^/]+/configmaps/[^?]+\?(?!.*dryRun)"


def test_a_500_on_the_second_real_write_rolls_back_what_this_run_created(cluster, namespace, proxy, tmp_path):
    proxy.add(Fault(REAL_WRITE, STATUS, status=500, skip=1, times=1,
                    body=status_body(500, "InternalError", "etcdserver: request timed out")))
    f = _configmaps(tmp_path, ["a", "b", "c"])
    res, _ = run(proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig"), "apply", "-f", f, "-n", namespace)
    assert res.exit_code == 3
    assert "configmap/b: etcdserver: request timed out" in res.stderr
    assert "rolled back: deleted configmap/a (created by this run)" in res.stderr
    assert "nothing stays changed" in res.stderr
    got = {n: live(cluster, namespace, {"kind": "ConfigMap", "metadata": {"name": n}}) for n in ("a", "b", "c")}
    assert got == {"a": None, "b": None, "c": None}, "a failed run left objects it created behind"
    assert not proxy.requests(r"configmaps/c\?(?!.*dryRun)"), "objects after the failure were still written"


def test_a_rollback_names_what_stays_changed(cluster, namespace, proxy, tmp_path):
    """An object that existed before is configured, not created: deleting it would lose it, so it
    stays as applied and the message says so; one created and then undeletable is named too."""
    cluster.core.create_namespaced_config_map(namespace, {"metadata": {"name": "a"}, "data": {"k": "old"}})
    proxy.add(Fault(REAL_WRITE, STATUS, status=500, skip=2, times=1, body=status_body(500, "InternalError", "boom")),
              Fault(r"^DELETE /api/v1/namespaces/[^/]+/configmaps/b", STATUS, status=503,
                    body=status_body(503, "ServiceUnavailable", "unavailable")))
    f = _configmaps(tmp_path, ["a", "b", "c"])
    res, _ = run(proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig"), "apply", "-f", f, "-n", namespace,
                 "--force-conflicts")
    assert res.exit_code == 3
    assert "configmap/c: boom" in res.stderr
    assert "stays changed: configmap/a (configured by this run: its previous content is not restored)" in res.stderr
    assert "configmap/b (created by this run; deleting it failed: unavailable)" in res.stderr
    assert live(cluster, namespace, {"kind": "ConfigMap", "metadata": {"name": "a"}})["data"] == {"k": "a"}
    assert live(cluster, namespace, {"kind": "ConfigMap", "metadata": {"name": "b"}}) is not None
    assert live(cluster, namespace, {"kind": "ConfigMap", "metadata": {"name": "c"}}) is None


def test_apply_wait_timeout_covers_stalled_polls(cluster, project_crds, namespace, proxy, tmp_path):
    """--timeout is the whole wait: a poll that stalls is cut at the wait's deadline."""
    cm = _configmaps(tmp_path, ["a"])
    obj = {"apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment", "metadata": {"name": "tiny"},
           "spec": {"services": {"Frontend": {"componentType": "frontend", "replicas": 1}}}}
    f = tmp_path / "tiny.yaml"
    f.write_text(Path(cm).read_text() + "---\n" + yaml.safe_dump(obj))
    proxy.add(Fault(r"^GET /apis/nvidia.com/v1alpha1/namespaces/[^/]+/dynamographdeployments/tiny$", STALL, skip=1))
    res, elapsed = run(proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig"), "apply", "-f", str(f), "-n",
                       namespace, "--skip-checks", "--wait", "--timeout", "4s", timeout=30)
    assert res.exit_code == 4, res.stderr
    assert res.stderr.startswith("error: timed out after 4s waiting for tiny to become ready")
    assert elapsed < 4 + MARGIN, f"--timeout 4s ended after {elapsed:.1f}s"


def test_the_fault_proxy_passes_what_it_does_not_touch(cluster, project_crds, namespace, proxy, tmp_path):
    res, _ = run(proxy.kubeconfig(cluster.kubeconfig, tmp_path / "kubeconfig"), "get", "-n", namespace, "-o", "json")
    assert res.exit_code == 0 and json.loads(res.stdout)["items"] == []
    assert proxy.requests(r"^GET /api"), "the plugin's requests did not go through the proxy"
