"""explain against the real Dynamo operator, field by field, on three orchestrator combinations.

See conftest.py for how each combination is run and compare.py for what is compared. Each test
covers one aspect of one DGD on one combination; a failure lists every differing field as
"explain X, operator Y".
"""

from __future__ import annotations

import json


def _assert_aspect(combination, case_id: str, aspect: str) -> None:
    cs = combination.checks(case_id).get(aspect, [])
    bad = [c for c in cs if not c.ok and not c.contract]
    assert not bad, f"{len(bad)} of {len(cs)} {aspect} fields differ:\n" + "\n".join(f"  {c}" for c in bad)


def test_admission(combination, case_id):
    """The webhook's (or CRD schema's) accept/reject against validate's admission errors, message
    for message."""
    _assert_aspect(combination, case_id, "admission")


def test_outcome(combination, case_id):
    """Pathway (grove / component / failed) and, for failures, the operator's Ready message."""
    r = combination.results[case_id]
    if r.admitted:
        assert r.explanation is not None and r.explain_exit in (0, 1), (
            f"explain {r.case.name} -n {r.namespace} exited {r.explain_exit}: {r.explain_stderr}")
    _assert_aspect(combination, case_id, "outcome")


def test_objects(combination, case_id):
    """Kinds and names of every child explain lists."""
    _assert_aspect(combination, case_id, "objects")


def test_kinds(combination, case_id):
    """No child of a kind that is neither compared nor named out of contract."""
    _assert_aspect(combination, case_id, "kinds")


def test_scheduler(combination, case_id):
    """schedulerName, the KAI queue label, the gang size (PodGroup minMember / clique minAvailable)
    and the PodGroup names, per role."""
    _assert_aspect(combination, case_id, "scheduler")


def test_launch_leader(combination, case_id):
    """The leader's (or single pod's) command and args against launchArgs and the effective command."""
    _assert_aspect(combination, case_id, "launch-leader")


def test_launch_worker(combination, case_id):
    """The workers' command and args against launchArgs and the effective command."""
    _assert_aspect(combination, case_id, "launch-worker")


def test_env(combination, case_id):
    """The env the operator injects for multinode launch against the env explain names."""
    _assert_aspect(combination, case_id, "env")


def test_pods(combination, case_id):
    """Workload kind, replicas, nodes, GPUs per pod, init containers and worker probes."""
    _assert_aspect(combination, case_id, "pods")


def test_operator_resolved_orchestrators(combination):
    """The operator resolved the orchestrators as its configuration forces them, and explain on the
    live cluster mirrors the operator version the stand-in Deployment's image tag reports."""
    from .conftest import COMBINATIONS

    _, forced = COMBINATIONS[combination.combination]
    op = combination.operator
    detected = None
    with open(op.log_file) as f:
        for line in f:
            if "Detected orchestrators availability" in line:
                detected = json.loads(line)
    assert detected is not None, f"no 'Detected orchestrators availability' line in {op.log_file}"
    assert (detected["grove"], detected["lws"], detected["kai-scheduler"]) == (forced["grove"], forced["lws"], forced["kai"])
    versions = {r.explanation["capabilities"]["operatorVersion"] for r in combination.results.values() if r.explanation}
    assert versions == {op.version}
    for r in combination.results.values():
        if r.explanation:
            step = next(t for t in r.explanation["trace"] if t["step"] == "operator version mirrored")
            line = ".".join(op.version.split(".")[:2])
            assert step["outcome"] == f"{op.version} (operator image tag; rule set {line})", step

