"""vLLM multinode launch preview (reference §4.3, §4.4): the TP/DP decision, mp vs Ray, the exact
injected flags per orchestrator, and the strict (operator <= 1.1) vs normalised flag readings."""

from __future__ import annotations

import shlex

import pytest

from kubectl_dynamo.dgd import launch, parallelism
from kubectl_dynamo.dgd.parallelism import Parallelism

from .builders import (
    GROVE_LEADER,
    GROVE_RANK,
    LWS_LEADER,
    LWS_RANK,
    caps,
    codes,
    dgd,
    findings,
    frontend,
    graph,
    one,
    service_plan,
    vllm_args,
    vllm_worker,
)

ORIGIN = "nvidia.com/dynamo-operator-origin-version"
EXECUTOR = "nvidia.com/vllm-distributed-executor-backend"
GROVE = caps(grove=True)
LWS = caps(lws=True, volcano=True)
CMD = ["python3", "-m", "dynamo.vllm"]


def _doc(worker: dict, annotations: dict[str, str] | None = None, name: str = "worker") -> dict:
    return dgd({"Frontend": frontend(), name: worker}, annotations=annotations)


def _launch(worker: dict, c=GROVE, *, annotations: dict[str, str] | None = None, creating: bool = True,
            name: str = "worker"):
    return service_plan(_doc(worker, annotations, name), c, creating=creating).launch


def _mp_flags(nodes: int, leader: str) -> list[str]:
    return ["--distributed-executor-backend", "mp", "--nnodes", str(nodes), "--master-addr", leader,
            "--master-port", "29500"]


# --- §4.4 decision: world = TP × PP against limits.gpu ----------------------------------------------

DECISION = [
    pytest.param(dict(tp=8, nodes=2, gpu="4"), "mp", id="tp 8 over two nodes of 4 gpus spans nodes: mp"),
    pytest.param(dict(tp=4, pp=2, nodes=2, gpu="4"), "mp", id="tp 4 times pp 2 is a world of 8 above 4 gpus: mp"),
    pytest.param(dict(tp=2, nodes=2, gpu="1"), "mp", id="tp 2 over two one-gpu nodes: mp"),
    pytest.param(dict(tp=16, nodes=4, gpu="4"), "mp", id="tp 16 over four nodes: mp"),
    pytest.param(dict(tp=1, dp=16, nodes=2, gpu="8"), "dp-hybrid-lb", id="tp 1 with dp 16 on 8-gpu nodes: data-parallel hybrid lb"),
    pytest.param(dict(tp=2, dp=8, nodes=2, gpu="8"), "dp-hybrid-lb", id="tp 2 with dp 8 is 16 above 8 gpus while tp fits: data parallel"),
    pytest.param(dict(tp=4, nodes=2, gpu="4"), "none", id="tp equal to the node's gpus: nothing injected"),
    pytest.param(dict(tp=2, dp=2, nodes=2, gpu="4"), "none", id="tp times dp equal to the node's gpus: nothing injected"),
    pytest.param(dict(tp=8, nodes=2, gpu=None, gpu_request="4"), "none", id="gpu only in requests reads as 0 gpus: nothing injected"),
    pytest.param(dict(tp=8, nodes=2, gpu=None), "none", id="no gpu at all: nothing injected"),
    pytest.param(dict(tp=8, nodes=2, gpu="0"), "none", id="gpu 0 in limits: nothing injected"),
    pytest.param(dict(tp=8, gpu="4"), "none", id="a single-node service never gets multinode flags"),
]


@pytest.mark.parametrize(("shape", "mode"), DECISION)
def test_vllm_decision(shape, mode):
    shape = dict(shape)
    tp, pp, dp = shape.pop("tp", None), shape.pop("pp", None), shape.pop("dp", None)
    plan = _launch(vllm_worker(tp, pp, dp, **shape))
    assert plan.mode == mode
    if mode == "none":
        assert plan.leader_args == [] and plan.worker_args == []


def test_gpu_in_requests_only_says_limits_are_read():
    plan = _launch(vllm_worker(8, nodes=2, gpu=None, gpu_request="4"))
    assert "limits" in plan.reason


# --- mp vs Ray ------------------------------------------------------------------------------------

EXECUTOR_CASES = [
    # DGD annotations, service annotations, operator version, creating -> backend
    pytest.param({ORIGIN: "1.0.0"}, None, "1.1.0", False, "mp", id="origin 1.0.0 on a live dgd: mp"),
    pytest.param({ORIGIN: "1.1.0"}, None, "1.1.0", False, "mp", id="origin 1.1.0 on a live dgd: mp"),
    pytest.param({ORIGIN: "1.1.0-rc.1"}, None, "1.1.0", False, "mp", id="a 1.1 pre-release still sorts above 1.0.0: mp"),
    pytest.param({ORIGIN: "0.9.1"}, None, "1.1.0", False, "ray", id="origin 0.9.1 on a live dgd: ray"),
    pytest.param({ORIGIN: "1.0.0-dev"}, None, "1.1.0", False, "ray", id="origin 1.0.0-dev sorts below 1.0.0: ray"),
    pytest.param({}, None, "1.1.0", False, "ray", id="no origin annotation on a live dgd (created before 1.0): ray"),
    pytest.param({}, None, "1.1.0", True, "mp", id="a file created on operator 1.1 is stamped 1.1: mp"),
    pytest.param({}, None, "1.0.0", True, "mp", id="a file created on operator 1.0.0 is stamped 1.0.0: mp"),
    pytest.param({}, None, "0.9.0", True, "ray", id="a file created on operator 0.9 is launched with ray"),
    pytest.param({ORIGIN: "0.8.0"}, None, "1.1.0", True, "ray", id="an existing origin is never overwritten at create: ray"),
    pytest.param({EXECUTOR: "mp"}, None, "1.1.0", False, "mp", id="annotation mp forces mp on a dgd without origin"),
    pytest.param({EXECUTOR: "ray", ORIGIN: "1.1.0"}, None, "1.1.0", True, "ray", id="annotation ray forces ray on a new dgd"),
    pytest.param({EXECUTOR: "MP"}, None, "1.1.0", False, "mp", id="annotation MP matches case-insensitively"),
    pytest.param({EXECUTOR: "Ray"}, None, "1.1.0", True, "ray", id="annotation Ray matches case-insensitively"),
    pytest.param({EXECUTOR: "nccl", ORIGIN: "1.0.0"}, None, "1.1.0", False, "mp", id="an invalid annotation falls through to the origin gate: mp"),
    pytest.param({EXECUTOR: "nccl"}, None, "1.1.0", False, "ray", id="an invalid annotation falls through to the origin gate: ray"),
    pytest.param({EXECUTOR: "ray"}, {EXECUTOR: "mp"}, "1.1.0", False, "mp", id="a service-level annotation wins over the dgd's"),
    pytest.param({}, {ORIGIN: "1.0.0"}, "1.1.0", False, "mp", id="origin in service annotations counts too"),
    pytest.param({EXECUTOR: "mp"}, None, "0.9.0", True, "ray", id="operator before 1.0 launches with ray whatever the annotation"),
]


@pytest.mark.parametrize(("dgd_ann", "svc_ann", "version", "creating", "backend"), EXECUTOR_CASES)
def test_mp_or_ray(dgd_ann, svc_ann, version, creating, backend):
    worker = vllm_worker(8, nodes=2, gpu="4", annotations=svc_ann)
    plan = _launch(worker, caps(grove=True, version=version), annotations=dgd_ann, creating=creating)
    assert plan.mode == backend


# --- exact mp arguments ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("c", "leader", "rank"),
    [
        pytest.param(GROVE, GROVE_LEADER.format(svc="vllmdecodeworker"), GROVE_RANK, id="mp on grove uses the pcsg leader clique host"),
        pytest.param(LWS, LWS_LEADER, LWS_RANK, id="mp on lws uses the lws leader address and worker index"),
    ],
)
@pytest.mark.parametrize("nodes", [2, 4], ids=["two nodes", "four nodes"])
def test_mp_leader_and_worker_args(c, leader, rank, nodes):
    worker = vllm_worker(4 * nodes, nodes=nodes, gpu="4")
    plan = _launch(worker, c, name="VllmDecodeWorker")
    assert plan.mode == "mp"
    assert plan.leader_args == _mp_flags(nodes, leader) + ["--node-rank", "0"]
    assert plan.worker_args == _mp_flags(nodes, leader) + ["--node-rank", rank, "--headless"]


def test_grove_mp_worker_is_wrapped_in_sh_c_exec():
    worker = vllm_worker(8, nodes=2, gpu="4")
    plan = _launch(worker, GROVE)
    cmd = shlex.split(plan.worker_command)
    assert cmd[:2] == ["sh", "-c"] and len(cmd) == 3
    inner = cmd[2]
    original = shlex.join(CMD + vllm_args(8))
    assert inner == "exec " + original + " " + " ".join(plan.worker_args)
    assert inner.endswith(f"--node-rank {GROVE_RANK} --headless")


def test_grove_mp_leader_gets_flags_appended_without_a_shell():
    plan = _launch(vllm_worker(8, nodes=2, gpu="4"), GROVE)
    assert shlex.split(plan.leader_command) == CMD + vllm_args(8) + plan.leader_args


def test_lws_mp_worker_needs_no_shell_because_kubelet_expands_the_rank():
    plan = _launch(vllm_worker(8, nodes=2, gpu="4"), LWS)
    assert shlex.split(plan.worker_command) == CMD + vllm_args(8) + plan.worker_args


def test_flags_go_right_after_the_dynamo_token_when_the_command_is_a_shell():
    worker = vllm_worker(command=["/bin/sh", "-c"],
                         args=["python3 -m dynamo.vllm --tensor-parallel-size 8 && echo done"], nodes=2, gpu="4")
    plan = _launch(worker, GROVE)
    assert plan.mode == "mp"
    inner = shlex.split(plan.worker_command)[2]
    assert inner == ("python3 -m dynamo.vllm " + " ".join(plan.worker_args) + " --tensor-parallel-size 8 && echo done")
    assert shlex.split(plan.leader_command)[:2] == ["/bin/sh", "-c"]


def test_mp_extras_on_operator_1_1_include_the_wait_for_leader_init_container():
    plan = _launch(vllm_worker(8, nodes=2, gpu="4"), GROVE)
    extras = " ".join(plan.extras)
    assert "VLLM_NIXL_SIDE_CHANNEL_HOST" in extras
    assert "wait-for-leader-mp" in extras and "demo-wait-leader-script" in extras


def test_mp_extras_on_operator_1_0_have_no_wait_for_leader_init_container():
    plan = _launch(vllm_worker(8, nodes=2, gpu="4"), caps(grove=True, version="1.0.0"))
    assert plan.mode == "mp"
    assert "wait-for-leader-mp" not in " ".join(plan.extras)


@pytest.mark.parametrize(
    "worker",
    [
        pytest.param(vllm_worker(1, dp=16, nodes=2, gpu="8"), id="in the data-parallel branch"),
        pytest.param(vllm_worker(4, nodes=2, gpu="4"), id="when nothing is injected"),
    ],
)
def test_operator_1_1_adds_wait_for_leader_whenever_mp_applies(worker):
    plan = _launch(worker, GROVE)
    extras = " ".join(plan.extras)
    assert "wait-for-leader-mp" in extras
    assert "VLLM_NIXL_SIDE_CHANNEL_HOST" in extras


# --- exact Ray arguments --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("c", "leader"),
    [
        pytest.param(GROVE, GROVE_LEADER.format(svc="worker"), id="ray on grove"),
        pytest.param(LWS, LWS_LEADER, id="ray on lws"),
    ],
)
def test_ray_leader_and_worker(c, leader):
    plan = _launch(vllm_worker(8, nodes=2, gpu="4"), c, annotations={EXECUTOR: "ray"})
    cmdline = shlex.join(CMD + vllm_args(8))
    assert plan.mode == "ray"
    assert plan.leader_args == [f"ray start --head --port=6379 && {cmdline} --distributed-executor-backend ray"]
    assert plan.worker_args == [f"ray start --address={leader}:6379 --block"]
    assert shlex.split(plan.leader_command) == ["/bin/sh", "-c", plan.leader_args[0]]
    # the preview notes in a shell comment that the vLLM command is dropped
    assert shlex.split(plan.worker_command, comments=True) == ["/bin/sh", "-c", plan.worker_args[0]]


def test_operator_before_0_6_launches_every_multinode_vllm_service_with_plain_ray():
    args = vllm_args(4)
    plan = _launch(vllm_worker(args=args, nodes=2, gpu="4"), caps(grove=True, version="0.5.1"))
    assert plan.mode == "ray"
    assert plan.leader_args == ["ray start --head --port=6379 && " + " ".join(args)]
    assert "--distributed-executor-backend" not in plan.leader_args[0]


# --- data-parallel hybrid load balancing ------------------------------------------------------------

@pytest.mark.parametrize(
    ("c", "leader", "rank"),
    [
        pytest.param(GROVE, GROVE_LEADER.format(svc="worker"), GROVE_RANK, id="dp hybrid lb on grove"),
        pytest.param(LWS, LWS_LEADER, LWS_RANK, id="dp hybrid lb on lws"),
    ],
)
@pytest.mark.parametrize(
    ("tp", "dp", "gpu", "local"),
    [
        pytest.param(1, 16, "8", 8, id="tp 1 dp 16 on 8 gpus runs 8 local ranks"),
        pytest.param(2, 8, "8", 4, id="tp 2 dp 8 on 8 gpus runs 4 local ranks"),
        pytest.param(3, 4, "8", 2, id="tp 3 on 8 gpus runs 8 // 3 = 2 local ranks"),
    ],
)
def test_dp_hybrid_lb_args_when_dp_size_is_given(c, leader, rank, tp, dp, gpu, local):
    plan = _launch(vllm_worker(tp, dp=dp, nodes=2, gpu=gpu), c)
    assert plan.mode == "dp-hybrid-lb"
    rest = ["--data-parallel-address", leader, "--data-parallel-rpc-port", "13445"]
    head = ["--data-parallel-hybrid-lb", "--data-parallel-size-local", str(local)]
    assert plan.leader_args == head + ["--data-parallel-start-rank", "0"] + rest
    assert plan.worker_args == head + ["--data-parallel-start-rank", f"$(( {local} * {rank} ))"] + rest
    # --data-parallel-size is already on the command line, so it is not added again
    assert "--data-parallel-size" not in plan.leader_args + plan.worker_args


@pytest.mark.parametrize("c", [GROVE, LWS], ids=["dp worker on grove needs a shell", "dp worker on lws needs a shell"])
def test_dp_worker_start_rank_always_needs_a_shell(c):
    plan = _launch(vllm_worker(1, dp=16, nodes=2, gpu="8"), c)
    cmd = shlex.split(plan.worker_command)
    assert cmd[:2] == ["sh", "-c"]
    assert cmd[2].startswith("exec python3 -m dynamo.vllm")


def test_dp_size_is_added_when_absent():
    """Only reachable with a DP the operator counts but did not read from --data-parallel-size."""
    doc = _doc(vllm_worker(2, nodes=2, gpu="8"))
    g = graph(doc)
    svc = g.service("worker")
    dep = launch.deployer_for("grove", svc)
    plan = launch.vllm_launch(g, svc, Parallelism(tp=2, pp=1, dp=8, dp_given=False), dep, "1.1.0", True)
    assert plan.mode == "dp-hybrid-lb"
    # T = L × nodeCount = (8 // 2) × 2
    assert plan.leader_args[:5] == ["--data-parallel-hybrid-lb", "--data-parallel-size", "8", "--data-parallel-size-local", "4"]
    assert plan.worker_args[:3] == ["--data-parallel-hybrid-lb", "--data-parallel-size", "8"]


# --- strict (operator <= 1.1) and normalised flag readings -----------------------------------------

READINGS = [
    # command, args -> strict (tp, pp, dp), normalised (tp, pp, dp)
    pytest.param(CMD, ["--tensor-parallel-size", "8"], (8, 1, 1), (8, 1, 1), id="two-arg spelling reads 8 both ways"),
    pytest.param(CMD, ["-tp", "8"], (1, 1, 1), (8, 1, 1), id="short -tp is read as 1 by operators up to 1.1"),
    pytest.param(CMD, ["--tensor-parallel-size=8"], (1, 1, 1), (8, 1, 1), id="flag=value is read as 1 by operators up to 1.1"),
    pytest.param(CMD, ["--tensor_parallel_size", "8"], (1, 1, 1), (8, 1, 1), id="underscore spelling is read as 1 by operators up to 1.1"),
    pytest.param(CMD, ["--tp", "8"], (1, 1, 1), (1, 1, 1), id="double-dash tp is no vllm flag in either reading"),
    pytest.param(CMD, ["--tensor-parallel-size", "2", "--tensor-parallel-size", "8"], (2, 1, 1), (8, 1, 1),
                 id="the first occurrence counts up to 1.1 and the last one afterwards"),
    pytest.param(CMD + ["--tensor-parallel-size", "8"], [], (1, 1, 1), (8, 1, 1),
                 id="flags in command are not scanned up to 1.1 but are afterwards"),
    pytest.param(["/bin/sh", "-c"], ["python3 -m dynamo.vllm --tensor-parallel-size 8 --pipeline-parallel-size 2"],
                 (8, 2, 1), (8, 2, 1), id="flags inside one sh -c arg are read both ways"),
    pytest.param(["/bin/sh", "-c"], ["python3 -m dynamo.vllm --tensor-parallel-size 4;"], None, (4, 1, 1),
                 id="a trailing shell operator is stripped by the normalised reading"),
    pytest.param(CMD, ["-pp", "2", "-dp", "4"], (1, 1, 1), (1, 2, 4), id="short pp and dp aliases"),
    pytest.param(CMD, ["--pipeline_parallel_size=2", "--data-parallel-size=4"], (1, 1, 1), (1, 2, 4),
                 id="underscore and equals spellings of pp and dp"),
]


@pytest.mark.parametrize(("command", "args", "strict", "normalised"), READINGS)
def test_strict_and_normalised_readings(command, args, strict, normalised):
    reading = parallelism.read_vllm(one(_doc(vllm_worker(command=command, args=args, nodes=2, gpu="4"))))
    n = reading.normalised
    assert (n.tp, n.pp, n.dp) == normalised
    assert reading.value == reading.normalised
    if strict is not None:
        s = reading.strict
        assert (s.tp, s.pp, s.dp) == strict


@pytest.mark.parametrize(
    ("args", "spelled"),
    [
        pytest.param(["-tp", "8"], ["-tp 8"], id="short tp is reported as a spelling"),
        pytest.param(["--tensor-parallel-size=8"], ["--tensor-parallel-size=8"], id="equals spelling is reported"),
        pytest.param(["--tensor_parallel_size", "8"], ["--tensor_parallel_size 8"], id="underscore spelling is reported"),
        pytest.param(["--tensor-parallel-size", "8"], [], id="the operator's own spelling is not reported"),
        pytest.param(["-tp", "1"], [], id="an alias that reads the same both ways is not reported"),
    ],
)
def test_spellings_that_the_strict_reader_misses(args, spelled):
    reading = parallelism.read_vllm(one(_doc(vllm_worker(args=args, nodes=2, gpu="4"))))
    assert reading.spelled == spelled


@pytest.mark.parametrize(
    ("command", "args", "nodes", "gpu", "severity"),
    [
        pytest.param(CMD, ["-tp", "8"], 2, "4", "error", id="-tp 8 on 2x4 changes the operator's launch: error"),
        pytest.param(CMD, ["--tensor-parallel-size=8"], 2, "4", "error", id="tp=8 on 2x4 changes the operator's launch: error"),
        pytest.param(CMD, ["-tp", "4"], None, "4", "warning", id="-tp 4 on a single node only warns"),
    ],
)
def test_flag_spelling_finding(command, args, nodes, gpu, severity):
    found = [f for f in findings(_doc(vllm_worker(command=command, args=args, nodes=nodes, gpu=gpu))) if f.code == "FLAG_SPELLING"]
    assert [f.severity for f in found] == [severity]
    assert found[0].service == "worker"


@pytest.mark.parametrize(
    ("command", "args"),
    [
        pytest.param(CMD + ["--tensor-parallel-size", "8"], [], id="tp placed in command is missed by the strict reader"),
        pytest.param(CMD, ["--tensor-parallel-size", "2", "--tensor-parallel-size", "8"], id="a repeated tp reads differently"),
    ],
)
def test_readings_that_differ_are_always_warned_about(command, args):
    doc = _doc(vllm_worker(command=command, args=args, nodes=2, gpu="4"))
    assert "FLAG_SPELLING" in codes(findings(doc))


@pytest.mark.parametrize(
    ("version", "mode"),
    [
        pytest.param("1.1.0", "none", id="operator 1.1 reads -tp 8 as 1 and injects nothing"),
        pytest.param("1.4.2", "none", id="operator 1.4 still reads strictly (normalisation boundary 1.5, unpinned)"),
        pytest.param("1.5.0", "mp", id="a 1.5 operator normalises -tp 8 and launches mp"),
    ],
)
def test_launch_uses_the_reading_of_the_mirrored_operator(version, mode):
    plan = _launch(vllm_worker(args=["-tp", "8"], nodes=2, gpu="4"), caps(grove=True, version=version))
    assert plan.mode == mode


@pytest.mark.parametrize(
    ("args", "bad"),
    [
        pytest.param(["--tensor-parallel-size", "0"], "--tensor-parallel-size 0", id="tp 0 is invalid"),
        pytest.param(["--tensor-parallel-size", "eight"], "--tensor-parallel-size eight", id="tp eight is invalid"),
        pytest.param(["--pipeline-parallel-size", "-2"], "--pipeline-parallel-size -2", id="a negative pp is invalid"),
    ],
)
def test_invalid_parallel_sizes(args, bad):
    reading = parallelism.read_vllm(one(_doc(vllm_worker(args=args, nodes=2, gpu="4"))))
    assert bad in reading.invalid
    assert reading.value.tp >= 1 and reading.value.pp >= 1


def test_strict_flag_value_is_the_token_after_the_first_exact_match():
    assert parallelism.strict_vllm_flag(["--tensor-parallel-size 4", "--tensor-parallel-size", "8"], "--tensor-parallel-size") == "4"
    assert parallelism.strict_vllm_flag(["-tp", "8"], "--tensor-parallel-size") is None
    assert parallelism.strict_vllm_flag(["--tensor-parallel-size"], "--tensor-parallel-size") is None
