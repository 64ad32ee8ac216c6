"""`apply --dry-run=client` over the hostile-input corpus (tests/hostile/corpus.py) against a real API
server: exit 1 (refused) or 2 (unusable input), a message naming the problem, no Python exception,
no raw control character, and nothing written."""

from __future__ import annotations

import pytest

from ..hostile.conftest import answer, problems
from ..hostile.corpus import cases

pytestmark = pytest.mark.e2e

CASES = cases()


@pytest.fixture(scope="module")
def target(_control_plane, tmp_path_factory):
    """One namespace and kubeconfig for the whole corpus (a client dry run writes nothing)."""
    _control_plane.install_crd_sets("project")
    ns = _control_plane.create_namespace("hostile")
    yield ns, _control_plane.kubeconfig
    _control_plane.delete_namespace(ns)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_apply_client_dry_run_answers_a_hostile_input_with_one_clear_line(target, case):
    ns, kubeconfig = target
    ans = answer(["--kubeconfig", kubeconfig, "apply", "-f", "-", "-n", ns, "--dry-run=client"], case.text)
    allowed = (0, 1, 2) if case.valid else (1, 2)
    says = case.says
    if 'no matches for kind "DynamoGraphDeployment" in version "nvidia.com/v1beta1"' in ans.result.stderr:
        says = ("nothing applied",)  # the test CRD serves v1alpha1 only: the server's refusal comes first
    assert problems(ans, says, allowed) == [], ans.output[:2000]
    assert "created (dry run)" not in ans.result.stdout or case.valid, "a hostile input was accepted"


def test_nothing_was_written(_control_plane, target):
    """Runs after the corpus (file order): a client dry run of 400 hostile inputs left nothing."""
    ns, _ = target
    for path in (f"/apis/nvidia.com/v1alpha1/namespaces/{ns}/dynamographdeployments",
                 f"/api/v1/namespaces/{ns}/configmaps"):
        assert _control_plane.request("GET", path)["items"] == [], path


def test_a_live_dgd_with_a_field_of_the_wrong_type_is_explained_not_a_crash(cluster, project_crds, namespace):
    """The test CRD (like a CRD without a full schema) lets a string through where env is a list:
    `explain NAME` names the field instead of raising TypeError."""
    obj = {"apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment", "metadata": {"name": "odd"},
           "spec": {"services": {"worker": {"componentType": "worker", "replicas": 1,
                                            "extraPodSpec": {"mainContainer": {"image": "x", "env": "A=1"}}}}}}
    cluster.custom.create_namespaced_custom_object("nvidia.com", "v1alpha1", namespace, "dynamographdeployments", obj)
    from ..cli.conftest import cli

    res = cli("--kubeconfig", cluster.kubeconfig, "explain", "odd", "-n", namespace)
    assert res.exit_code == 1, res.stderr
    assert "spec.services.worker.extraPodSpec.mainContainer.env: expected a list of mappings, found a string" in res.stdout
    assert "unexpected" not in res.stderr
