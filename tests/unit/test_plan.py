"""explain(): the Explanation JSON contract (SPEC "Machine-readable output"), the scheduler plan
(reference §2, §3), objects per pathway (§1.5) and the decision trace."""

from __future__ import annotations

import json

import pytest

from kubectl_dynamo.dgd import capabilities, versions

from .builders import caps, dgd, explain, frontend, service_plan, sglang_worker, vllm_worker

KAI_ANN = "nvidia.com/kai-scheduler-queue"
HASH_ANN = "nvidia.com/current-worker-hash"

NONE = type(None)
# SPEC: Explanation / Finding shapes. Each field -> the JSON types it may take.
EXPLANATION_FIELDS = {
    "kind": (str,), "name": (str,), "namespace": (str, NONE), "capabilities": (dict,), "pathway": (str,),
    "trace": (list,), "services": (list,), "findings": (list,),
}
CAPABILITY_FIELDS = {"source": (str,), "grove": (bool,), "lws": (bool,), "volcano": (bool,), "kaiScheduler": (bool,),
                     "operatorVersion": (str, NONE)}
TRACE_FIELDS = {"step": (str,), "outcome": (str,)}
SERVICE_FIELDS = {
    "name": (str,), "componentType": (str, NONE), "backend": (str, NONE), "replicas": (int,), "nodeCount": (int,),
    "gpusPerNode": (int,), "gpusPerReplica": (int,), "totalGpus": (int,), "parallelism": (dict, NONE),
    "workload": (str, NONE), "objects": (list,), "scheduler": (dict,), "launch": (dict,),
}
PARALLELISM_FIELDS = {"tp": (int,), "pp": (int,), "dp": (int,)}
OBJECT_FIELDS = {"kind": (str,), "name": (str,)}
SCHEDULER_FIELDS = {"name": (str, NONE), "queue": (str, NONE), "queueExists": (bool, NONE), "podGroup": (str, NONE),
                    "minMember": (int, NONE)}
LAUNCH_FIELDS = {"mode": (str,), "leaderArgs": (list,), "workerArgs": (list,)}
FINDING_FIELDS = {"severity": (str,), "code": (str,), "service": (str, NONE), "message": (str,), "hint": (str, NONE)}
ENUMS = {
    "pathway": {"grove", "component", "failed"},
    "source": {"cluster", "assumed"},
    "backend": {"vllm", "sglang", "trtllm", None},
    "workload": {"PodCliqueScalingGroup", "PodClique", "LeaderWorkerSet", "Deployment", None},
    "mode": {"mp", "ray", "dp-hybrid-lb", "sglang-dist", "mpirun", "none"},
    "severity": {"error", "warning", "info"},
}


def _check(obj: dict, fields: dict, where: str) -> None:
    missing = set(fields) - set(obj)
    assert not missing, f"{where}: missing {sorted(missing)}"
    for key, types in fields.items():
        value = obj[key]
        # bool is an int in Python; an int field must not be a bool
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        assert ok, f"{where}.{key} = {value!r} is not {types}"
        if key in ENUMS and (key != "source" or where == "capabilities"):
            assert value in ENUMS[key], f"{where}.{key} = {value!r}"


def _check_explanation(d: dict) -> None:
    _check(d, EXPLANATION_FIELDS, "explanation")
    assert d["kind"] == "Explanation"
    _check(d["capabilities"], CAPABILITY_FIELDS, "capabilities")
    for t in d["trace"]:
        _check(t, TRACE_FIELDS, "trace")
    for s in d["services"]:
        _check(s, SERVICE_FIELDS, "service")
        if s["parallelism"] is not None:
            _check(s["parallelism"], PARALLELISM_FIELDS, "parallelism")
        for o in s["objects"]:
            _check(o, OBJECT_FIELDS, "object")
        _check(s["scheduler"], SCHEDULER_FIELDS, "scheduler")
        _check(s["launch"], LAUNCH_FIELDS, "launch")
        assert all(isinstance(a, str) for a in s["launch"]["leaderArgs"] + s["launch"]["workerArgs"])
    for f in d["findings"]:
        _check(f, FINDING_FIELDS, "finding")


CONTRACT_CASES = [
    pytest.param(dgd(), caps(grove=True, kai=True), id="grove with kai"),
    pytest.param(dgd(), caps(lws=True, volcano=True), id="lws with volcano"),
    pytest.param(dgd(), caps(), id="no orchestrator: failed"),
    pytest.param(dgd({"Frontend": frontend(), "worker": vllm_worker(4, gpu="4")}), caps(), id="single-node deployments"),
    pytest.param(dgd(name=None, namespace="ns"), capabilities.assumed("grove,kai", None), id="assumed capabilities with findings"),
    pytest.param(dgd({"worker": sglang_worker(args=["--tp", "x"], nodes=2, gpu="4")}), caps(grove=True, queues={"dynamo"}),
                 id="sglang with a bad tp"),
]


@pytest.mark.parametrize(("doc", "c"), CONTRACT_CASES)
def test_explanation_to_dict_follows_the_spec_contract(doc, c):
    d = explain(doc, c).to_dict()
    _check_explanation(d)
    assert json.loads(json.dumps(d)) == d  # plain JSON data


def test_contract_checker_notices_a_missing_or_mistyped_field():
    d = explain(dgd(), caps(grove=True)).to_dict()
    broken = json.loads(json.dumps(d))
    del broken["services"][0]["launch"]["workerArgs"]
    with pytest.raises(AssertionError, match="workerArgs"):
        _check_explanation(broken)
    broken = json.loads(json.dumps(d))
    broken["services"][0]["totalGpus"] = True
    with pytest.raises(AssertionError, match="totalGpus"):
        _check_explanation(broken)


def test_capabilities_in_the_explanation():
    d = explain(dgd(), capabilities.assumed("grove,kai", None)).to_dict()["capabilities"]
    # offline the newest mirrored line is the default (1.6)
    assert {k: d[k] for k in CAPABILITY_FIELDS} == {"source": "assumed", "grove": True, "lws": False, "volcano": False,
                                                    "kaiScheduler": True, "operatorVersion": versions.NEWEST_KNOWN}
    assert d["mirroredLine"] == "1.6"


# --- scheduler plan ---------------------------------------------------------------------------------------

def _sched(doc: dict, c, name: str = "worker"):
    return service_plan(doc, c, name).scheduler


def _worker_doc(annotations: dict | None = None, **kw) -> dict:
    return dgd({"Frontend": frontend(), "worker": vllm_worker(8, nodes=2, gpu="4", **kw)}, annotations=annotations)


SCHEDULER_CASES = [
    pytest.param(_worker_doc(), caps(grove=True, kai=True), ("kai-scheduler", "dynamo", None),
                 id="grove with kai and no annotation: kai-scheduler on queue dynamo, existence unknown offline"),
    pytest.param(_worker_doc({KAI_ANN: "  team-a \t"}), caps(grove=True, kai=True), ("kai-scheduler", "team-a", None),
                 id="the queue annotation is trimmed"),
    pytest.param(_worker_doc({KAI_ANN: "   "}), caps(grove=True, kai=True), ("kai-scheduler", "dynamo", None),
                 id="a blank queue annotation falls back to dynamo"),
    pytest.param(_worker_doc(), caps(grove=True, kai=True, queues={"dynamo"}), ("kai-scheduler", "dynamo", True),
                 id="the queue exists on the cluster"),
    pytest.param(_worker_doc({KAI_ANN: "team-a"}), caps(grove=True, kai=True, queues={"dynamo"}), ("kai-scheduler", "team-a", False),
                 id="the queue does not exist on the cluster"),
    pytest.param(_worker_doc(scheduler_name="volcano"), caps(grove=True, kai=True), ("volcano", None, None),
                 id="a user schedulerName wins over kai"),
    pytest.param(_worker_doc(scheduler_name="kai-scheduler"), caps(grove=True, kai=True), ("kai-scheduler", "dynamo", None),
                 id="a user schedulerName of kai-scheduler still gets the queue"),
    pytest.param(_worker_doc(), caps(grove=True), (None, None, None), id="grove without kai: the default scheduler"),
    pytest.param(_worker_doc(), caps(kai=True, lws=True, volcano=True), ("volcano", None, None),
                 id="kai is never injected on the lws path"),
]


@pytest.mark.parametrize(("doc", "c", "expected"), SCHEDULER_CASES)
def test_scheduler_plan(doc, c, expected):
    s = _sched(doc, c)
    assert (s.name, s.queue, s.queue_exists) == expected


def test_kai_applies_to_every_clique_including_single_node_ones():
    e = explain(_worker_doc({KAI_ANN: "team-a"}), caps(grove=True, kai=True))
    assert {(s.name, s.scheduler.name, s.scheduler.queue) for s in e.services} == {
        ("Frontend", "kai-scheduler", "team-a"), ("worker", "kai-scheduler", "team-a")}


@pytest.mark.parametrize(
    ("replicas", "nodes", "pod_group", "min_member"),
    [
        pytest.param(1, 2, "demo-worker-cafebabe-0", 2, id="lws with one replica: podgroup dcd-0 with minMember nodeCount 2"),
        pytest.param(1, 4, "demo-worker-cafebabe-0", 4, id="lws with four nodes: minMember 4"),
        pytest.param(3, 2, None, 2, id="lws with three replicas: one podgroup per replica"),
    ],
)
def test_lws_scheduler_is_volcano_with_a_podgroup_per_replica(replicas, nodes, pod_group, min_member):
    doc = dgd({"worker": vllm_worker(4 * nodes, nodes=nodes, gpu="4", replicas=replicas, scheduler_name="my-scheduler")},
              annotations={HASH_ANN: "cafebabe12"})
    p = service_plan(doc, caps(lws=True, volcano=True), "worker")
    s = p.scheduler
    # the LWS path sets schedulerName volcano unconditionally, overriding the user's value
    assert (s.name, s.queue, s.min_member) == ("volcano", None, min_member)
    if pod_group is not None:
        assert s.pod_group == pod_group
    else:  # several replicas: the field summarises; the objects name each PodGroup
        assert s.pod_group.startswith("demo-worker-cafebabe-")
    groups = [o.name for o in p.objects if o.kind == "PodGroup"]
    assert groups == [f"demo-worker-cafebabe-{i}" for i in range(replicas)]


@pytest.mark.parametrize(
    ("c", "name"),
    [
        pytest.param(caps(lws=True, volcano=True), None, id="a single-node deployment on the component path has no scheduler"),
        pytest.param(caps(), None, id="a single-node deployment without orchestrators has no scheduler"),
    ],
)
def test_deployment_scheduler(c, name):
    s = _sched(dgd({"Frontend": frontend()}), c, "Frontend")
    assert (s.name, s.queue, s.queue_exists, s.pod_group, s.min_member) == (name, None, None, None, None)


def test_deployment_keeps_a_user_scheduler_name():
    assert _sched(dgd({"Frontend": frontend(scheduler_name="custom")}), caps(), "Frontend").name == "custom"


def test_grove_gang_size_is_node_count_for_multinode_and_one_otherwise():
    e = explain(_worker_doc(), caps(grove=True, kai=True))
    assert {s.name: s.scheduler.min_member for s in e.services} == {"Frontend": 1, "worker": 2}


# --- objects per pathway ------------------------------------------------------------------------------------

def _kinds(e) -> dict[str, list[str]]:
    return {s.name: [o.kind for o in s.objects] for s in e.services}


def test_grove_objects():
    e = explain(_worker_doc(), caps(grove=True))
    assert e.pathway == "grove"
    assert [o.to_dict() for o in e.objects] == [{"kind": "PodCliqueSet", "name": "demo"},
                                                {"kind": "ConfigMap", "name": "demo-wait-leader-script"},
                                                {"kind": "Secret", "name": "mpi-run-ssh-secret"}]
    assert _kinds(e) == {"Frontend": ["PodClique"], "worker": ["PodCliqueScalingGroup", "PodClique", "PodClique"]}
    assert {s.name: s.workload for s in e.services} == {"Frontend": "PodClique", "worker": "PodCliqueScalingGroup"}


def test_component_objects():
    e = explain(_worker_doc(), caps(lws=True, volcano=True))
    assert e.pathway == "component"
    assert _kinds(e) == {"Frontend": ["DynamoComponentDeployment", "Deployment"],
                         "worker": ["DynamoComponentDeployment", "LeaderWorkerSet", "PodGroup"]}
    assert {s.name: s.workload for s in e.services} == {"Frontend": "Deployment", "worker": "LeaderWorkerSet"}
    assert "PodCliqueSet" not in [o.kind for o in e.objects]


@pytest.mark.parametrize(("worker", "lws"), [
    pytest.param(vllm_worker(tp=8, nodes=2, gpu="4"), True, id="command, args and a GPU limit: LeaderWorkerSet"),
    pytest.param(vllm_worker(tp=8, nodes=2, gpu=None, gpu_request="4"), False, id="GPU in requests only: none"),
    pytest.param(sglang_worker(nodes=2, gpu="4", command=[], args=[]), False, id="no command: none"),
])
def test_lws_is_not_made_when_its_pod_checks_fail(worker, lws):
    """reconcileLeaderWorkerSetResources makes the Volcano PodGroup, then generateLeaderWorkerSet
    refuses the pod templates ("GPU limit is not set for LWS worker pod", "container Args cannot be
    empty for LWS pod"); found by the real-operator comparison."""
    e = explain(dgd({"worker": worker}), caps(lws=True, volcano=True))
    kinds = _kinds(e)["worker"]
    assert ("LeaderWorkerSet" in kinds) is lws
    assert "PodGroup" in kinds


@pytest.mark.parametrize(("c", "kinds"), [
    pytest.param(caps(lws=True, volcano=True), [], id="component: the DCDs are refused, nothing is made"),
    pytest.param(caps(grove=True), ["PodCliqueScalingGroup", "PodClique", "PodClique"],
                 id="grove: the PodCliqueSet is made (its clique labels are only data to the API server)"),
])
def test_a_too_long_dynamo_namespace_label_stops_the_component_path(c, kinds):
    """nvidia.com/dynamo-namespace=<namespace>-<dgd> over 63 characters: found by the real-operator
    comparison ("metadata.labels: Invalid value: ...: must be no more than 63 bytes")."""
    e = explain(dgd({"Frontend": frontend(), "worker": vllm_worker(8, nodes=2, gpu="4")}, namespace="n" * 60), c)
    assert "DYNAMO_NAMESPACE_TOO_LONG" in [f.code for f in e.findings]
    assert _kinds(e)["worker"] == kinds


def test_failed_pathway_creates_no_workload_but_the_shared_objects():
    """reconcileResources makes the wait-leader ConfigMap and the MPI SSH Secret before it finds
    that no orchestrator is available (operator-newest.md §7)."""
    e = explain(_worker_doc(), caps())
    assert e.pathway == "failed"
    assert [o.to_dict() for o in e.objects] == [{"kind": "ConfigMap", "name": "demo-wait-leader-script"},
                                                {"kind": "Secret", "name": "mpi-run-ssh-secret"}]
    for s in e.services:
        assert (s.workload, s.objects) == (None, [])
    worker = next(s for s in e.services if s.name == "worker")
    assert worker.launch.mode == "none" and "no multinode orchestrator" in worker.launch.reason


@pytest.mark.parametrize(("queues", "made"), [pytest.param({"dynamo"}, True, id="queue exists: PodCliqueSet made"),
                                              pytest.param(set(), False, id="queue missing: nothing made"),
                                              pytest.param(None, True, id="queues unknown offline: assumed made")])
def test_a_missing_kai_queue_fails_the_dgd_before_the_podcliqueset(queues, made):
    """The queue is checked while the PodCliqueSet is generated, so with the queue missing the
    operator makes no Grove object (the wait-leader ConfigMap comes earlier); found by the
    real-operator comparison."""
    e = explain(_worker_doc(), caps(grove=True, kai=True, queues=queues))
    assert ("PodCliqueSet" in [o.kind for o in e.objects]) is made
    assert all(bool(s.objects) is made and (s.workload is not None) is made for s in e.services)
    assert "ConfigMap" in [o.kind for o in e.objects]


def test_wait_leader_configmap_exists_for_any_multinode_dgd_on_operator_1_1():
    doc = dgd({"worker": sglang_worker(args=["--tp", "8"], nodes=2, gpu="4")})
    assert {"kind": "ConfigMap", "name": "demo-wait-leader-script"} in [o.to_dict() for o in explain(doc, caps(grove=True)).objects]


def test_no_wait_leader_configmap_before_operator_1_1():
    objects = [o.to_dict() for o in explain(_worker_doc(), caps(grove=True, version="1.0.0")).objects]
    assert {"kind": "ConfigMap", "name": "demo-wait-leader-script"} not in objects


# --- trace ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("c", "pathway"),
    [
        pytest.param(caps(grove=True), "grove", id="the trace ends the pathway decision with grove"),
        pytest.param(caps(lws=True, volcano=True), "component", id="the trace ends the pathway decision with component"),
        pytest.param(caps(), "failed", id="the trace ends the pathway decision with failed"),
    ],
)
def test_trace_contains_the_pathway_step(c, pathway):
    e = explain(_worker_doc(), c)
    steps = {t.step: t.outcome for t in e.trace}
    assert steps["pathway"].startswith(pathway)
    assert e.trace[0].step == "operator version mirrored"
    assert "KAI-Scheduler" in steps


def test_trace_says_the_version_was_assumed():
    e = explain(dgd(), capabilities.assumed("grove", None))
    assert "newest operator line" in e.trace[0].outcome
    e = explain(dgd(), capabilities.assumed("grove", "1.0.0"))
    assert e.trace[0].outcome == "1.0.0 (from --operator-version; rule set 1.0)"


@pytest.mark.parametrize(
    ("c", "needle"),
    [
        pytest.param(caps(grove=True, kai=True, queues={"x"}), "does NOT exist", id="kai trace says the queue is missing"),
        pytest.param(caps(grove=True, kai=True), "existence not checked offline", id="kai trace says existence is unknown offline"),
        pytest.param(caps(kai=True, lws=True, volcano=True), "Grove path only", id="kai trace says kai is grove-only"),
    ],
)
def test_kai_trace(c, needle):
    outcome = {t.step: t.outcome for t in explain(_worker_doc(), c).trace}["KAI-Scheduler"]
    assert needle in outcome


def test_explanation_totals_and_identity():
    e = explain(dgd(name="x", namespace="ns"), caps(grove=True))
    d = e.to_dict()
    assert (d["name"], d["namespace"], d["source"]) == ("x", "ns", "test")
    assert e.total_gpus == 8 == sum(s["totalGpus"] for s in d["services"])
