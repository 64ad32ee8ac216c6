"""SGLang and TensorRT-LLM: parallelism readings and the multinode launch preview (reference §4.3,
§4.5, §4.6)."""

from __future__ import annotations

import shlex

import pytest

from kubectl_dynamo.dgd import model, parallelism

from .builders import (
    GROVE_LEADER,
    GROVE_RANK,
    GROVE_WORKER,
    LWS_LEADER,
    LWS_RANK,
    LWS_WORKER,
    caps,
    codes,
    configmap,
    dgd,
    engine_volume,
    engine_yaml,
    explain,
    findings,
    frontend,
    one,
    service,
    service_plan,
    sglang_worker,
    trtllm_worker,
)

GROVE = caps(grove=True)
LWS = caps(lws=True, volcano=True)


def _doc(worker: dict, name: str = "worker", **kw) -> dict:
    return dgd({"Frontend": frontend(), name: worker}, **kw)


def _cms(*docs: dict) -> dict:
    return model.configmaps_by_name(list(docs))


# --- SGLang parallelism -----------------------------------------------------------------------------

SGLANG_READINGS = [
    pytest.param(["--tp", "8"], (8, 1, 1), 8, id="--tp is the profiler's spelling"),
    pytest.param(["--tp-size", "8"], (8, 1, 1), 8, id="--tp-size as in the upstream example"),
    pytest.param(["--tensor-parallel-size", "8"], (8, 1, 1), 8, id="--tensor-parallel-size is an alias"),
    pytest.param(["--tp=8"], (8, 1, 1), 8, id="--tp=8 is read"),
    pytest.param(["--tp-size", "4", "--pp-size", "2"], (4, 2, 1), 8, id="--pp-size multiplies the engine world"),
    pytest.param(["--tp", "16", "--dp", "16", "--enable-dp-attention"], (16, 1, 16), 16,
                 id="attention dp lives inside tp so dp does not widen the engine"),
    pytest.param(["--tp", "8", "--dp-size", "2"], (8, 1, 2), 8, id="--dp-size is read as dp"),
    pytest.param(["--tp", "2", "--tp", "8"], (8, 1, 1), 8, id="the last tp wins"),
    pytest.param([], (1, 1, 1), 1, id="no flags means tp 1"),
]


@pytest.mark.parametrize(("args", "expected", "engine_gpus"), SGLANG_READINGS)
def test_sglang_parallelism(args, expected, engine_gpus):
    reading = parallelism.read_sglang(one(_doc(sglang_worker(args=args, nodes=2, gpu="4"))))
    v = reading.value
    assert (v.tp, v.pp, v.dp) == expected
    assert reading.engine_gpus == engine_gpus


def test_sglang_invalid_tp():
    reading = parallelism.read_sglang(one(_doc(sglang_worker(args=["--tp", "x"], nodes=2, gpu="4"))))
    assert reading.invalid == ["--tp x"]


# --- SGLang launch ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("c", "leader", "rank"),
    [
        pytest.param(GROVE, GROVE_LEADER.format(svc="sglangworker"), GROVE_RANK, id="sglang on grove"),
        pytest.param(LWS, LWS_LEADER, LWS_RANK, id="sglang on lws"),
    ],
)
@pytest.mark.parametrize(
    ("args", "nodes"),
    [
        pytest.param(["--tp-size", "8"], 2, id="tp 8 over two nodes"),
        pytest.param(["--tp", "1"], 2, id="tp 1: flags are injected regardless of tp"),
        pytest.param(["--tp", "16"], 4, id="tp 16 over four nodes"),
    ],
)
def test_sglang_injected_flags(c, leader, rank, args, nodes):
    plan = service_plan(_doc(sglang_worker(args=args, nodes=nodes, gpu="4"), name="SGLangWorker"), c).launch
    assert plan.mode == "sglang-dist"
    common = ["--dist-init-addr", f"{leader}:29500", "--nnodes", str(nodes)]
    assert plan.leader_args == common + ["--node-rank", "0"]
    assert plan.worker_args == common + ["--node-rank", rank]


def test_sglang_grove_worker_is_wrapped_and_lws_worker_is_not():
    worker = sglang_worker(args=["--tp", "8"], nodes=2, gpu="4")
    grove = service_plan(_doc(worker), GROVE).launch
    inner = shlex.split(grove.worker_command)
    assert inner[:2] == ["sh", "-c"] and inner[2].startswith("exec python3 -m dynamo.sglang")
    lws = service_plan(_doc(worker), LWS).launch
    assert shlex.split(lws.worker_command) == ["python3", "-m", "dynamo.sglang", "--model-path", "Qwen/Qwen3-0.6B",
                                               "--tp", "8"] + lws.worker_args


def test_sglang_flags_are_inserted_after_the_dynamo_token_of_a_shell_command():
    worker = sglang_worker(command=["sh", "-c"], nodes=2, gpu="4")
    worker["extraPodSpec"]["mainContainer"]["args"] = ["python3 -m dynamo.sglang --tp 8 | tee /tmp/log"]
    plan = service_plan(_doc(worker), LWS).launch
    assert shlex.split(plan.leader_command) == [
        "sh", "-c", "python3 -m dynamo.sglang " + " ".join(plan.leader_args) + " --tp 8 | tee /tmp/log"]


def test_single_node_sglang_gets_no_flags():
    plan = service_plan(_doc(sglang_worker(args=["--tp", "4"], gpu="4")), GROVE).launch
    assert plan.mode == "none" and plan.leader_args == []


# --- TRT-LLM: following --extra-engine-args to a ConfigMap key -------------------------------------------

ENGINE_REFS = [
    pytest.param("/config/engine.yaml", engine_volume("cm", "/config"), ("cm", "engine.yaml"), id="a file under the mount path is the key"),
    pytest.param("/workspace/prefill.yaml", engine_volume("cm", "/workspace/"), ("cm", "prefill.yaml"),
                 id="a mount path with a trailing slash still prefixes"),
    pytest.param("/config/sub/engine.yaml", engine_volume("cm", "/config"), ("cm", "sub/engine.yaml"),
                 id="a nested path is the key relative to the mount"),
    pytest.param("/etc/engine.yaml", engine_volume("cm", "/etc/engine.yaml", sub_path="decode.yaml"), ("cm", "decode.yaml"),
                 id="a subPath mount maps the file to that key"),
    pytest.param("/config/engine.yaml", engine_volume("cm", "/config", items=[{"key": "decode-v2", "path": "engine.yaml"}]),
                 ("cm", "decode-v2"), id="configMap items remap a path to its key"),
    pytest.param("/etc/engine.yaml", engine_volume("cm", "/etc/engine.yaml", sub_path="e.yaml",
                                                   items=[{"key": "real", "path": "e.yaml"}]),
                 ("cm", "real"), id="subPath and items together resolve to the item's key"),
    pytest.param("/configs/engine.yaml", engine_volume("cm", "/config"), (None, None),
                 id="a sibling directory with a common prefix is not under the mount"),
    pytest.param("/config/engine.yaml", {}, (None, None), id="an unmounted file has no ConfigMap"),
    pytest.param("/config/engine.yaml", {"volumes": [{"name": "engine", "persistentVolumeClaim": {"claimName": "p"}}],
                                         "volume_mounts": [{"name": "engine", "mountPath": "/config"}]},
                 (None, None), id="a file on a pvc has no ConfigMap"),
]


@pytest.mark.parametrize(("path", "mount", "expected"), ENGINE_REFS)
def test_engine_config_ref(path, mount, expected):
    svc = one(_doc(trtllm_worker(args=["--extra-engine-args", path], nodes=2, gpu="4", **mount)))
    assert parallelism.engine_config_ref(svc) == (path, *expected)


def test_longest_mount_path_wins():
    worker = trtllm_worker(
        args=["--extra-engine-args", "/config/engines/x.yaml"], nodes=2, gpu="4",
        volumes=[{"name": "a", "configMap": {"name": "outer"}}, {"name": "b", "configMap": {"name": "inner"}}],
        volume_mounts=[{"name": "a", "mountPath": "/config"}, {"name": "b", "mountPath": "/config/engines"}],
    )
    assert parallelism.engine_config_ref(one(_doc(worker))) == ("/config/engines/x.yaml", "inner", "x.yaml")


def test_underscore_extra_engine_args_is_followed():
    worker = trtllm_worker(args=["--extra_engine_args", "/config/e.yaml"], nodes=2, gpu="4", **engine_volume("cm"))
    assert parallelism.engine_config_ref(one(_doc(worker)))[1:] == ("cm", "e.yaml")


# --- TRT-LLM parallelism ----------------------------------------------------------------------------

TRTLLM_READINGS = [
    pytest.param(["--extra-engine-args", "/config/e.yaml"], engine_volume("cm"), {"e.yaml": engine_yaml(8)}, (8, 1),
                 id="tp from the engine configmap"),
    pytest.param(["--extra-engine-args", "/config/e.yaml"], engine_volume("cm"), {"e.yaml": engine_yaml(4, 2)}, (4, 2),
                 id="tp and pp from the engine configmap"),
    pytest.param(["--extra-engine-args", "/config/e.yaml"], engine_volume("cm"), {"e.yaml": engine_yaml()}, (1, 1),
                 id="an engine file without tp means tp 1"),
    pytest.param(["--trtllm.tensor_parallel_size", "8"], {}, None, (8, 1), id="profiler-style --trtllm.tensor_parallel_size flag"),
    pytest.param(["--trtllm.tensor_parallel_size", "4", "--trtllm.pipeline_parallel_size", "2"], {}, None, (4, 2),
                 id="profiler-style tp and pp flags"),
    pytest.param(["--trtllm.tensor_parallel_size", "8", "--extra-engine-args", "/config/e.yaml"], engine_volume("cm"),
                 {"e.yaml": engine_yaml(2)}, (8, 1), id="a tp flag wins over the engine file"),
    pytest.param([], {}, None, (1, 1), id="no engine file and no flags means tp 1"),
]


@pytest.mark.parametrize(("args", "mount", "data", "expected"), TRTLLM_READINGS)
def test_trtllm_parallelism(args, mount, data, expected):
    cms = _cms(configmap("cm", data)) if data is not None else {}
    reading = parallelism.read_trtllm(one(_doc(trtllm_worker(args=args, nodes=2, gpu="4", **mount))), cms)
    assert (reading.value.tp, reading.value.pp) == expected
    assert reading.engine_gpus == expected[0] * expected[1]


@pytest.mark.parametrize(
    ("mount", "cms", "note"),
    [
        pytest.param(engine_volume("cm"), {}, "ConfigMap cm (key e.yaml) is not in the input", id="configmap missing from the input"),
        pytest.param(engine_volume("cm"), {"cm": {"other.yaml": ""}}, "ConfigMap cm has no key e.yaml", id="configmap without the key"),
        pytest.param({}, {}, "--extra-engine-args /config/e.yaml is not mounted from a ConfigMap", id="engine file not mounted"),
    ],
)
def test_trtllm_parallelism_unknown(mount, cms, note):
    reading = parallelism.read_trtllm(one(_doc(trtllm_worker(args=["--extra-engine-args", "/config/e.yaml"], nodes=2,
                                                             gpu="4", **mount))), cms)
    assert reading.value is None
    assert reading.note == note


# --- TRT-LLM launch ----------------------------------------------------------------------------------

def _trtllm_plan(c=GROVE, *, nodes=2, gpu="4", gpu_request=None, name="worker", **kw):
    worker = trtllm_worker(args=["--trtllm.tensor_parallel_size", str(nodes * 4)], nodes=nodes, gpu=gpu,
                           gpu_request=gpu_request, **kw)
    return service_plan(_doc(worker, name=name, backend="trtllm"), c).launch


def _opt(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


@pytest.mark.parametrize(
    ("nodes", "gpu", "gpu_request", "ranks"),
    [
        pytest.param(2, "4", None, 8, id="two nodes of 4 gpus in limits: mpirun -n 8"),
        pytest.param(8, "4", None, 32, id="eight nodes of 4 gpus: mpirun -n 32"),
        pytest.param(2, None, "4", 8, id="gpu in requests only is still counted: mpirun -n 8"),
        pytest.param(2, "8", "4", 8, id="requests are read before limits: mpirun -n 8 not 16"),
        pytest.param(2, None, None, 0, id="no gpu anywhere: mpirun -n 0"),
    ],
)
def test_mpirun_rank_count(nodes, gpu, gpu_request, ranks):
    plan = _trtllm_plan(nodes=nodes, gpu=gpu, gpu_request=gpu_request)
    assert plan.mode == "mpirun"
    assert plan.leader_args[0] == "mpirun"
    assert _opt(plan.leader_args, "-n") == str(ranks)


def test_mpirun_with_no_gpu_is_an_error():
    doc = _doc(trtllm_worker(args=[], nodes=2, gpu=None), backend="trtllm")
    found = [f for f in findings(doc) if f.code == "TRTLLM_NO_GPU"]
    assert [(f.severity, f.service) for f in found] == [("error", "worker")]


def test_mpirun_ssh_runs_on_port_2222():
    plan = _trtllm_plan()
    assert _opt(plan.leader_args, "plm_rsh_args").startswith("-p 2222 ")
    assert plan.leader_args[plan.leader_args.index("--mca"):][:3] == ["--mca", "pml", "ob1"]
    assert "--oversubscribe" in plan.leader_args


def test_mpirun_workers_run_sshd_with_the_config_they_write():
    """setupWorkerContainer (1.1): `/usr/sbin/sshd -D -f $HOME/.ssh/sshd_config`, the port (2222) is
    in that file; found by the real-operator comparison (explain said `sshd -D -p 2222`)."""
    plan = _trtllm_plan()
    assert plan.worker_args == ["/usr/sbin/sshd", "-D", "-f", "$HOME/.ssh/sshd_config"]
    script = shlex.split(plan.worker_command)[2]
    assert script.endswith(" && /usr/sbin/sshd -D -f $HOME/.ssh/sshd_config")
    assert "Port 2222" in script


@pytest.mark.parametrize(
    ("c", "hosts"),
    [
        pytest.param(GROVE, [GROVE_LEADER.format(svc="trtllmworker")] + [GROVE_WORKER.format(svc="trtllmworker", i=i) for i in range(3)],
                     id="grove host list is the leader clique then worker cliques 0 to n-2"),
        pytest.param(LWS, [LWS_LEADER] + [LWS_WORKER.format(n=n) for n in (1, 2, 3)],
                     id="lws host list derives worker i from the leader address with suffix i+1"),
    ],
)
def test_mpirun_host_list(c, hosts):
    plan = _trtllm_plan(c, nodes=4, name="TrtllmWorker")
    assert _opt(plan.leader_args, "-H") == ",".join(hosts)


def test_lws_leader_waits_for_dns_and_grove_leader_does_not():
    assert "300 s" in _trtllm_plan(LWS).leader_command
    assert "300 s" not in _trtllm_plan(GROVE).leader_command


def test_leader_wraps_the_original_command_in_trtllm_llmapi_launch():
    plan = _trtllm_plan()
    script = shlex.split(plan.leader_command)[2]
    assert "mpirun $([ \"$(id -u)\" = \"0\" ] && echo --allow-run-as-root) --oversubscribe -n 8" in script
    assert script.endswith("bash -c " + shlex.quote("trtllm-llmapi-launch python3 -m dynamo.trtllm --model-path Qwen/Qwen3-0.6B "
                                                    "--trtllm.tensor_parallel_size 8"))


def test_leader_launches_the_script_of_a_shell_wrapped_command():
    """setupLeaderContainer: with `command: [sh, -c]` the args are the command line, so mpirun runs
    `trtllm-llmapi-launch <script>`, not `... sh -c <script>` (the DeepSeek GB200 recipe); found by
    the real-operator comparison."""
    worker = service(args=["python3 -m dynamo.trtllm --model-path m --extra-engine-args /c/e.yaml"], nodes=2, gpu="4",
                     command=["/bin/sh", "-c"])
    plan = service_plan(_doc(worker, backend="trtllm"), GROVE).launch
    script = shlex.split(plan.leader_command)[2]
    assert script.endswith("bash -c " + shlex.quote("trtllm-llmapi-launch python3 -m dynamo.trtllm --model-path m "
                                                    "--extra-engine-args /c/e.yaml"))


@pytest.mark.parametrize("c", [pytest.param(GROVE, id="grove"), pytest.param(LWS, id="lws")])
def test_leader_script_leaves_hosts_to_the_shell_and_double_quotes_plm_rsh_args(c):
    """setupLeaderContainer: `-H <hosts>` bare, so the LWS hosts' $(echo ... | sed ...) runs, and
    `--mca plm_rsh_args "-p 2222 ... $HOME/.ssh/id_rsa"`, so $HOME expands; found by the real-operator
    comparison (explain single-quoted both, which the shell would not expand)."""
    plan = _trtllm_plan(c)
    script = shlex.split(plan.leader_command)[2]
    assert f" -H {_opt(plan.leader_args, '-H')} --mca pml ob1 " in script
    assert ' --mca plm_rsh_args "-p 2222 -o StrictHostKeyChecking=no -i $HOME/.ssh/id_rsa" ' in script


def test_mpirun_forwards_container_env_names():
    plan = _trtllm_plan(env=[{"name": "MY_FLAG", "value": "1"}])
    forwarded = [plan.leader_args[i + 1] for i, a in enumerate(plan.leader_args) if a == "-x"]
    assert "MY_FLAG" in forwarded
    assert {"CUDA_VISIBLE_DEVICES", "HF_TOKEN", "PATH", "LD_LIBRARY_PATH"} <= set(forwarded)
    assert len(forwarded) == len(set(forwarded))


def test_mpirun_forwards_dgd_level_envs():
    worker = trtllm_worker(args=[], nodes=2, gpu="4")
    doc = _doc(worker, backend="trtllm", envs=[{"name": "OMPI_ALLOW_RUN_AS_ROOT", "value": "1"}])
    plan = service_plan(doc, GROVE).launch
    forwarded = [plan.leader_args[i + 1] for i, a in enumerate(plan.leader_args) if a == "-x"]
    assert "OMPI_ALLOW_RUN_AS_ROOT" in forwarded


def test_grove_trtllm_starts_the_leader_after_the_workers():
    assert any("Explicit" in e for e in _trtllm_plan(GROVE).extras)
    assert not any("Explicit" in e for e in _trtllm_plan(LWS).extras)


def test_mpirun_ssh_secret_is_a_graph_object():
    worker = trtllm_worker(args=["--trtllm.tensor_parallel_size", "8"], nodes=2, gpu="4")
    e = explain(_doc(worker, backend="trtllm"), GROVE)
    assert {"kind": "Secret", "name": "mpi-run-ssh-secret"} in [o.to_dict() for o in e.objects]


def test_trtllm_tp_from_configmap_feeds_the_alignment_rule():
    worker = trtllm_worker(args=["--extra-engine-args", "/config/e.yaml"], nodes=2, gpu="4", **engine_volume("cm"))
    doc = _doc(worker, backend="trtllm")
    assert "TP_MISMATCH" not in codes(findings(doc, configmaps=_cms(configmap("cm", {"e.yaml": engine_yaml(8)}))))
    assert "TP_MISMATCH" in codes(findings(doc, configmaps=_cms(configmap("cm", {"e.yaml": engine_yaml(4)}))))
    assert "PARALLELISM_UNKNOWN" in codes(findings(doc))
