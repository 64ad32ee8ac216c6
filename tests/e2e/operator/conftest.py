"""One control plane, one real Dynamo operator and the whole corpus per orchestrator combination.

``combination`` (session, parametrized by COMBINATIONS) starts a control plane of its own, installs
the upstream CRDs of the combination, starts the operator built from ``../shared/upstream`` with
each orchestrator forced on or off, puts a stand-in operator Deployment + ConfigMap beside it (what
``explain`` reads on a live cluster: the image tag names the version the operator was started with),
applies every corpus case into a namespace of its own, waits until the operator has settled, and
reads back everything it made. The tests then only compare. pytest runs the tests of one
combination together, so only one control plane runs at a time.

Without the operator source (``../shared/upstream/<OPERATOR_SOURCE>``) or the upstream CRDs the
tests skip with one line; the control-plane binaries are handled by ``tests/e2e/conftest.py``.
"""

from __future__ import annotations

import os
import sys
import time

import pytest

from .. import kube
from . import corpus, observed

# name -> (orchestrator CRD sets from ../shared/crds, orchestrators forced in the OperatorConfiguration);
# the Dynamo CRDs come from the operator's source
COMBINATIONS = {
    "grove-kai": (("grove", "kai-scheduler"), {"grove": True, "lws": False, "kai": True}),
    "lws-volcano": (("lws", "volcano"), {"grove": False, "lws": True, "kai": False}),
    "none": ((), {"grove": False, "lws": False, "kai": False}),
}

_reason: str | None = None


def unavailable() -> str:
    """Why the comparison cannot run here ("" when it can)."""
    global _reason
    if _reason is None:
        opm = kube.load_operator()
        ok, why = opm.available()
        if ok and not kube.crd_sets("upstream"):
            ok, why = False, f"no upstream CRDs ({kube.UPSTREAM_CRDS} is absent)"
        _reason = "" if ok else why
    return _reason


def pytest_runtest_setup(item):
    # here rather than in a fixture so that every skip folds into one line
    if item.path.parent == kube.E2E_DIR / "operator" and (why := unavailable()):
        pytest.skip(f"e2e/operator: {why}")


@pytest.fixture(scope="session")
def cases() -> list[corpus.Case]:
    return corpus.all_cases()


@pytest.fixture(scope="session")
def combination(request, cases):
    name = request.param
    sets, forced = COMBINATIONS[name]
    opm = kube.load_operator()
    cpm = kube.load_controlplane()
    try:
        binary = opm.resolve_binary(build=True)
    except opm.Unavailable as e:
        pytest.skip(f"e2e/operator: {e}")
    except opm.ControlPlaneError as e:
        pytest.fail(f"e2e/operator: building the operator failed: {e}", pytrace=False)
    t0 = time.monotonic()
    cp = cpm.start(bin_dir=cpm.resolve_binaries(build=False), tie_to_parent=True)
    op = None
    try:
        cluster = kube.Cluster(cp)
        observed.install_crds(cluster, sets, opm.operator_module() / "config" / "crd" / "bases")
        if forced["kai"]:
            observed.install_kai_queues(cluster, corpus.QUEUES)
        op = opm.start(cp, forced["grove"], forced["lws"], forced["kai"], binary=binary, tie_to_parent=True)
        observed.install_stand_in(cluster, op)
        run = observed.run_corpus(name, cluster, op, cases)
        run.setup_seconds = round(time.monotonic() - t0, 1)
        observed.RUNS.append(run)
        yield run
    finally:
        keep = bool(os.environ.get("KUBECTL_DYNAMO_E2E_KEEP"))
        if op is not None:
            opm.stop(op.dir, keep=keep)
        cpm.stop(cp.dir, keep=keep)
        if keep:
            print(f"\ne2e/operator: {name}: files kept in {cp.dir}", file=sys.stderr)


def pytest_generate_tests(metafunc):
    """Comparison tests run per (combination, case). The combination is a session-scoped
    parameter of its own, so pytest runs all tests of one combination before starting the next."""
    if "combination" not in metafunc.fixturenames:
        return
    metafunc.parametrize("combination", list(COMBINATIONS), indirect=True, scope="session")
    if "case_id" in metafunc.fixturenames:
        metafunc.parametrize("case_id", [c.id for c in corpus.all_cases()])


def pytest_terminal_summary(terminalreporter):
    lines = observed.summary()
    if lines:
        terminalreporter.write_sep("-", "real-operator comparison")
        for line in lines:
            terminalreporter.write_line(line)
