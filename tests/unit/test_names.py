"""Names of the operator's child objects and Grove's 45-character budget (reference §1.5, §5.3)."""

from __future__ import annotations

import pytest

from kubectl_dynamo.dgd import names

from .builders import caps, codes, dgd, explain, findings, frontend, graph, service, vllm_worker

GROVE_ANN = "nvidia.com/enable-grove"
HASH_ANN = "nvidia.com/current-worker-hash"


def _doc(dgd_name: str, svc_name: str, multinode: bool, annotations: dict[str, str] | None = None) -> dict:
    svc = vllm_worker(8, nodes=2, gpu="4") if multinode else frontend()
    return dgd({svc_name: svc}, name=dgd_name, annotations=annotations)


# --- the budget -------------------------------------------------------------------------------------

BUDGET = [
    # dgd name length, service name, multinode -> used
    pytest.param(40, "Front", False, 45, id="single-node: 40 + 5 is exactly 45 and passes"),
    pytest.param(41, "Front", False, 46, id="single-node: 41 + 5 is 46 and fails"),
    pytest.param(29, "decode", True, 45, id="multinode: 29 + 6 + len(decode-ldr) 10 is exactly 45 and passes"),
    pytest.param(30, "decode", True, 46, id="multinode: 30 + 6 + 10 is 46 and fails"),
    pytest.param(5, "TRTLLMDecodeWorker", True, 45, id="multinode: a long service name counts twice plus -ldr"),
    pytest.param(6, "TRTLLMDecodeWorker", True, 46, id="multinode: one more character of dgd name breaks it"),
    pytest.param(27, "TRTLLMDecodeWorker", False, 45, id="single-node: the same service counts once"),
]


@pytest.mark.parametrize(("dgd_len", "svc_name", "multinode", "used"), BUDGET)
def test_grove_budget(dgd_len, svc_name, multinode, used):
    doc = _doc("d" * dgd_len, svc_name, multinode)
    g = graph(doc)
    assert names.grove_budget_used(g.name, g.services[0]) == used
    found = [f for f in findings(doc) if f.code == "NAME_BUDGET"]
    if used <= 45:
        assert found == []
    else:
        assert [(f.severity, f.service) for f in found] == [("error", svc_name)]
        assert "46 > 45" in found[0].message


@pytest.mark.parametrize(
    ("annotations", "checked"),
    [
        pytest.param(None, True, id="no annotations at all: the webhook applies the budget"),
        pytest.param({GROVE_ANN: "true"}, True, id="enable-grove true: the budget applies"),
        pytest.param({"other": "x"}, True, id="unrelated annotations: the budget applies"),
        pytest.param({GROVE_ANN: "false"}, False, id="enable-grove false: the budget is skipped"),
        pytest.param({GROVE_ANN: "FALSE"}, False, id="enable-grove FALSE: the budget is skipped"),
        pytest.param({GROVE_ANN: " false "}, True, id="a padded false is not false for the webhook: the budget applies"),
    ],
)
def test_budget_is_skipped_only_when_the_dgd_opts_out_of_grove(annotations, checked):
    doc = _doc("d" * 30, "decode", True, annotations)
    assert ("NAME_BUDGET" in codes(findings(doc))) is checked


def test_budget_applies_even_when_grove_is_not_installed():
    doc = _doc("d" * 30, "decode", True)
    e = explain(doc, caps(lws=True, volcano=True))
    assert e.pathway == "component"
    assert "NAME_BUDGET" in codes(e.findings)


def test_budget_hint_suggests_a_name_that_fits():
    doc = _doc("a-very-long-deployment-name-xyz", "decode", True)
    finding = next(f for f in findings(doc) if f.code == "NAME_BUDGET")
    short = names.suggest_short_name("a-very-long-deployment-name-xyz", graph(doc).services[0])
    assert (short, len(short) + 16) == ("a-very-long-deployment-name-x", 45)  # 29 + decode twice + -ldr
    assert finding.hint == f'shorten the DGD name (e.g. {short!r}) or the service name, or set nvidia.com/enable-grove: "false"'


# --- object names -----------------------------------------------------------------------------------

def _graph(**annotations: str):
    services = {
        "Frontend": frontend(),
        "VllmDecodeWorker": vllm_worker(8, nodes=2, gpu="4", replicas=2),
        "Prefill": vllm_worker(4, gpu="4", component_type="prefill"),
        "Decode": vllm_worker(4, gpu="4", component_type="decode"),
        "Planner": service("planner", gpu=None),
    }
    return graph(dgd(services, name="my-dgd", annotations=annotations or None))


def test_podcliqueset_is_named_after_the_dgd():
    assert names.pod_clique_set(_graph()) == "my-dgd"


@pytest.mark.parametrize(
    ("svc", "expected"),
    [
        pytest.param("Frontend", "my-dgd-0-frontend", id="single-node podclique is dgd-0-lower service"),
        pytest.param("VllmDecodeWorker", "my-dgd-0-vllmdecodeworker", id="multinode pcsg is dgd-0-lower service"),
    ],
)
def test_grove_service_object(svc, expected):
    g = _graph()
    assert names.grove_service_object(g, g.service(svc)) == expected


@pytest.mark.parametrize("replica", [0, 1], ids=["role cliques of pcsg replica 0", "role cliques of pcsg replica 1"])
def test_grove_role_cliques(replica):
    g = _graph()
    ldr, wkr = names.grove_role_cliques(g, g.service("VllmDecodeWorker"), replica)
    assert ldr == f"my-dgd-0-vllmdecodeworker-{replica}-vllmdecodeworker-ldr"
    assert wkr == f"my-dgd-0-vllmdecodeworker-{replica}-vllmdecodeworker-wkr"


@pytest.mark.parametrize(
    ("svc", "hash_ann", "expected"),
    [
        pytest.param("Frontend", None, "my-dgd-frontend", id="a frontend dcd has no worker hash"),
        pytest.param("Planner", None, "my-dgd-planner", id="a planner dcd has no worker hash"),
        pytest.param("VllmDecodeWorker", None, "my-dgd-vllmdecodeworker-<hash8>", id="a worker dcd offline shows a hash placeholder"),
        pytest.param("Prefill", None, "my-dgd-prefill-<hash8>", id="a prefill dcd gets the worker hash"),
        pytest.param("Decode", None, "my-dgd-decode-<hash8>", id="a decode dcd gets the worker hash"),
        pytest.param("VllmDecodeWorker", "0123456789abcdef", "my-dgd-vllmdecodeworker-01234567",
                     id="a live worker dcd uses the first 8 hex of the current worker hash"),
        pytest.param("Frontend", "0123456789abcdef", "my-dgd-frontend", id="a live frontend dcd ignores the worker hash"),
    ],
)
def test_dcd_name(svc, hash_ann, expected):
    g = _graph(**({HASH_ANN: hash_ann} if hash_ann else {}))
    assert names.dcd_name(g, g.service(svc)) == expected


@pytest.mark.parametrize("replica", [0, 1, 7], ids=["lws of replica 0", "lws of replica 1", "lws of replica 7"])
def test_lws_and_podgroup_per_replica(replica):
    assert names.lws_instance("my-dgd-worker-01234567", replica) == f"my-dgd-worker-01234567-{replica}"


def test_wait_leader_configmap():
    assert names.wait_leader_configmap(_graph()) == "my-dgd-wait-leader-script"


def test_explain_lists_grove_objects_per_replica():
    e = explain(dgd({"Frontend": frontend(), "VllmDecodeWorker": vllm_worker(8, nodes=2, gpu="4", replicas=2)}, name="my-dgd"),
                caps(grove=True))
    plans = {s.name: [(o.kind, o.name) for o in s.objects] for s in e.services}
    assert plans["Frontend"] == [("PodClique", "my-dgd-0-frontend")]
    assert plans["VllmDecodeWorker"] == [
        ("PodCliqueScalingGroup", "my-dgd-0-vllmdecodeworker"),
        ("PodClique", "my-dgd-0-vllmdecodeworker-0-vllmdecodeworker-ldr"),
        ("PodClique", "my-dgd-0-vllmdecodeworker-0-vllmdecodeworker-wkr"),
        ("PodClique", "my-dgd-0-vllmdecodeworker-1-vllmdecodeworker-ldr"),
        ("PodClique", "my-dgd-0-vllmdecodeworker-1-vllmdecodeworker-wkr"),
    ]


def test_explain_lists_one_lws_and_podgroup_per_replica():
    e = explain(dgd({"Frontend": frontend(), "worker": vllm_worker(8, nodes=2, gpu="4", replicas=3)}, name="my-dgd",
                    annotations={HASH_ANN: "deadbeefcafe"}), caps(lws=True, volcano=True))
    plans = {s.name: [(o.kind, o.name) for o in s.objects] for s in e.services}
    assert plans["Frontend"] == [("DynamoComponentDeployment", "my-dgd-frontend"), ("Deployment", "my-dgd-frontend")]
    dcd = "my-dgd-worker-deadbeef"
    assert plans["worker"] == [("DynamoComponentDeployment", dcd)] + [
        pair for i in range(3) for pair in (("LeaderWorkerSet", f"{dcd}-{i}"), ("PodGroup", f"{dcd}-{i}"))]


# --- init and validate apply one budget -------------------------------------------------------------


@pytest.mark.parametrize("mode, nodes", [("agg", 1), ("agg", 2), ("disagg", 2)], ids=["agg single-node", "agg multinode", "disagg multinode"])
def test_init_refuses_exactly_the_names_validate_flags(mode, nodes):
    """scaffold._check_budget had its own copy of the formula; it now asks names.grove_budget_used,
    so for every name length init writes a DGD validate passes, or refuses it, never anything else."""
    from kubectl_dynamo.dgd import model, rules
    from kubectl_dynamo.dgd.scaffold import ScaffoldError, ScaffoldOptions, scaffold

    outcomes = {}
    for length in range(20, 47):
        name = "a" * length
        try:
            docs = scaffold(ScaffoldOptions(name=name, nodes=nodes, gpus=4, mode=mode))
        except ScaffoldError as e:
            assert "Grove's 45-character budget" in str(e)
            outcomes[length] = "refused"
            continue
        graph = model.read_graph(next(d for d in docs if model.is_dgd(d)))
        assert "NAME_BUDGET" not in {f.code for f in rules.validate(graph)}
        over = max(names.grove_budget_used(name, s) for s in graph.services) > names.GROVE_NAME_BUDGET
        outcomes[length] = "over" if over else "written"
    first_refused = min(k for k, v in outcomes.items() if v == "refused")
    assert "over" not in outcomes.values()
    assert all(v == "written" for k, v in outcomes.items() if k < first_refused)
    # the longest service decides: Frontend (8) single-node, worker/prefill (6/7) + -ldr multinode
    assert first_refused == {("agg", 1): 38, ("agg", 2): 30, ("disagg", 2): 28}[(mode, nodes)]


# --- one DNS-label rule (dgd/wellformed.is_dns1123_label) --------------------------------------------------------------------------------

LABELS = [
    ("llm", True), ("a", True), ("0abc", True), ("a-b-c", True), ("a" * 63, True), ("a" * 64, False),
    ("Llm", False), ("-llm", False), ("llm-", False), ("l_m", False), ("l.m", False), ("", False), ("llm\n", False),
]


@pytest.mark.parametrize("name, ok", LABELS, ids=[repr(n) if len(n) < 10 else f"{len(n)} characters" for n, _ in LABELS])
def test_is_dns1123_label(name, ok):
    from kubectl_dynamo.dgd.wellformed import is_dns1123_label

    assert is_dns1123_label(name) is ok


@pytest.mark.parametrize("name, ok", LABELS, ids=[repr(n) if len(n) < 10 else f"{len(n)} characters" for n, _ in LABELS])
def test_init_and_validate_judge_a_name_alike(name, ok, capsys):
    """init's NAME check and validate's BAD_SERVICE_NAME had a regex each (and `$` let a trailing
    newline through); both ask wellformed.is_dns1123_label now, apimachinery's IsDNS1123Label."""
    from kubectl_dynamo.cli.main import run

    code = run(["init", name, "--orchestrator", "lws"])  # lws: no Grove budget, only the label rule
    assert code in (0, 2)
    init_ok = code == 0
    svc_ok = "BAD_SERVICE_NAME" not in codes(findings(dgd({name: frontend()}))) if name == name.lower() else None
    assert init_ok is ok
    assert svc_ok in (ok, None)
