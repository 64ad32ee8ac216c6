"""Fixtures for e2e tests against a real kube-apiserver + etcd, one per test session.

Fixtures (see ``tests/e2e/kube.py`` for the helper methods):

``cluster`` (per test) -> :class:`kube.Cluster`
    The session's control plane: ``kubeconfig``, ``viewer_kubeconfig``, ``server``, admin API objects
    (``core``, ``apps``, ``rbac``, ``ext``, ``custom``), ``viewer(ApiClass)``, ``env()`` and the
    helpers ``install_crds``, ``install_crd_sets``, ``uninstall_crd_sets``, ``uninstall_api_groups``,
    ``apply``, ``create_gpu_node``, ``create_pod``, ``create_operator_deployment``, ``create_event``,
    ``make_restricted_user``, ``wait_for_access``, ``request``, ``resources``, ``create_namespace``,
    ``delete_namespace``, ``add_cleanup``. Cluster-scoped objects made by the helpers during a test
    are deleted after it. The cluster is shared by the whole session: CRDs stay installed (the CRD
    fixtures reinstall whatever a previous test removed), so a test needing a cluster *without*
    e.g. Grove calls ``cluster.uninstall_crd_sets(["grove"])`` itself.
``namespace`` (per test) -> str
    A fresh namespace; emptied and deleted after the test.
``crds`` (per test, parametrized by ``crd_source``: ``project`` / ``upstream``) -> :class:`kube.CrdInstall`
    All CRD sets of one source installed; a test using it runs once per source (``upstream`` is
    skipped when ``../shared/crds`` is absent). pytest groups the tests by source.
``project_crds`` (per test) -> :class:`kube.CrdInstall`
    Just the project's CRD sets, for tests that do not care about the source.
``scheduling_cluster`` (per test) -> :class:`kube.Cluster`
    A second control plane for the session, started on first use, that also runs the real
    kube-scheduler and kwok (``Cluster.scheduling`` is True): nodes from ``create_gpu_node`` are
    kwok's, pods from ``submit_pod`` are placed by the scheduler and run by kwok, ``write_log``
    gives them logs served through ``pods/log``. Cleaned up after each test like ``cluster``.
``scheduling_namespace`` (per test) -> str
    A fresh namespace on the scheduling plane, emptied and deleted after the test.
``kubeconfig_env`` (per test) -> str
    ``KUBECONFIG`` set to the admin kubeconfig for the test (for in-process CLI runs); returns it.

Every test under ``tests/e2e`` gets the ``e2e`` marker. Without ``KUBEBUILDER_ASSETS`` and without Go
the tests skip with one line saying why; with ``CI`` set that is an error instead. The first run
builds kube-apiserver and etcd (10-20 min, cached afterwards; ``python scripts/controlplane.py build``
does the same ahead of time). ``KUBECTL_DYNAMO_E2E_KEEP=1`` keeps the control plane's directory
(logs, PKI) after the session.
"""

from __future__ import annotations

import os
import sys

import pytest

from . import kube

_E2E_DIR = str(kube.E2E_DIR)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if str(item.path).startswith(_E2E_DIR + os.sep):
            item.add_marker(pytest.mark.e2e)


_availability: tuple[bool, str] | None = None


def pytest_runtest_setup(item):
    """Skip (or, with ``$CI``, fail) e2e tests when the binaries cannot be had; skip the
    ``upstream`` variants when ``../shared/crds`` is absent.

    Done here rather than in the fixture so that pytest folds all the skips into one line
    (a skip raised in a fixture is reported at each test's own location).
    """
    global _availability
    if item.get_closest_marker("e2e") is None:
        return
    if _availability is None:
        _availability = kube.load_controlplane().binaries_available()
    ok, reason = _availability
    if not ok:
        _unavailable(reason)
    callspec = getattr(item, "callspec", None)
    source = callspec.params.get("crd_source") if callspec else None
    if source and not kube.crd_sets(source):
        pytest.skip(f"e2e: no {source} CRDs ({kube.UPSTREAM_CRDS} is absent)")


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"e2e: {reason} (CI is set, so the e2e tests must run)", pytrace=False)
    pytest.skip(f"e2e: {reason}")


def _session_plane(scheduling: bool):
    """Build what is missing, start a control plane for the session, stop it at the end."""
    cpm = kube.load_controlplane()
    ok, reason = cpm.binaries_available(scheduling=scheduling)
    if not ok:
        _unavailable(reason)
    what = "kube-apiserver, etcd, kube-scheduler and kwok" if scheduling else "kube-apiserver and etcd"
    try:
        if not (cpm.assets_dir() or cpm.cached_bin_dir()) or (scheduling and not cpm.cached_scheduling_dir()):
            print(f"\ne2e: building {what} (first time only; see docs/test-control-plane.md) ...", file=sys.stderr)
        bins = cpm.resolve_binaries(build=True)
        sched = cpm.resolve_scheduling(build=True) if scheduling else None
    except cpm.Unavailable as e:
        _unavailable(str(e))
    except cpm.ControlPlaneError as e:
        pytest.fail(f"e2e: building {what} failed: {e}", pytrace=False)
    plane = "scheduling control plane" if scheduling else "control plane"
    try:
        cp = cpm.start(bin_dir=bins, tie_to_parent=True, scheduling=scheduling, scheduling_bin_dir=sched)
    except cpm.ControlPlaneError as e:
        pytest.fail(f"e2e: starting the {plane} failed: {e}", pytrace=False)
    try:
        yield kube.Cluster(cp)
    finally:
        keep = bool(os.environ.get("KUBECTL_DYNAMO_E2E_KEEP"))
        cpm.stop(cp.dir, keep=keep)
        if keep:
            print(f"\ne2e: {plane} stopped; its files are kept in {cp.dir}", file=sys.stderr)


def _cleaned(plane: kube.Cluster):
    """The session's plane for one test; cluster-scoped objects the helpers create are deleted after it."""
    yield plane
    errors = plane.run_cleanups()
    if errors:
        pytest.fail(f"e2e cleanup failed: {errors}", pytrace=False)


def _fresh_namespace(plane: kube.Cluster):
    name = plane.create_namespace()
    yield name
    plane.delete_namespace(name)


@pytest.fixture(scope="session")
def _control_plane():
    yield from _session_plane(scheduling=False)


@pytest.fixture(scope="session")
def _scheduling_plane():
    """etcd + kube-apiserver + kube-scheduler + kwok, only for the tests that need pods scheduled;
    the others keep the plain control plane, which starts faster and has no controllers acting."""
    yield from _session_plane(scheduling=True)


@pytest.fixture
def cluster(_control_plane):
    """The session's cluster; cluster-scoped objects the helpers create are deleted after the test."""
    yield from _cleaned(_control_plane)


@pytest.fixture
def namespace(cluster):
    """A fresh namespace (``e2e-<8 hex>``), emptied and deleted after the test."""
    yield from _fresh_namespace(cluster)


@pytest.fixture
def scheduling_cluster(_scheduling_plane):
    """The session's scheduling plane, cleaned up after the test like ``cluster``."""
    yield from _cleaned(_scheduling_plane)


@pytest.fixture
def scheduling_namespace(scheduling_cluster):
    """A fresh namespace on the scheduling plane, emptied and deleted after the test."""
    yield from _fresh_namespace(scheduling_cluster)


@pytest.fixture(scope="session", params=kube.CRD_SOURCES)
def crd_source(request):
    """``project`` or ``upstream`` (skipped when ``../shared/crds`` is absent); session-scoped so that
    pytest runs all tests of one source together."""
    if not kube.crd_sets(request.param):
        pytest.skip(f"no {request.param} CRDs ({kube.UPSTREAM_CRDS} is absent)")
    return request.param


@pytest.fixture
def crds(crd_source, cluster):
    """Every CRD set of ``crd_source``, installed and served (cheap when already installed)."""
    return cluster.install_crd_sets(crd_source)


@pytest.fixture
def project_crds(cluster):
    """The project's own CRD sets, installed and served (cheap when already installed)."""
    return cluster.install_crd_sets("project")


@pytest.fixture
def kubeconfig_env(cluster, monkeypatch):
    """``KUBECONFIG`` -> the admin kubeconfig for this test; returns the path.

    The kubernetes client reads ``$KUBECONFIG`` once, at import, into
    ``kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION`` (the default of
    ``load_kube_config()``); that is patched too so in-process CLI runs see this cluster.
    """
    import kubernetes.config
    import kubernetes.config.kube_config

    monkeypatch.setenv("KUBECONFIG", cluster.kubeconfig)
    monkeypatch.setattr(kubernetes.config.kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", cluster.kubeconfig)
    monkeypatch.setattr(kubernetes.config, "KUBE_CONFIG_DEFAULT_LOCATION", cluster.kubeconfig)
    return cluster.kubeconfig
