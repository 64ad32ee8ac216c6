"""`kubectl dynamo init`: output that parses, validates clean, pipes into -f -, and usage errors."""

from __future__ import annotations

import itertools

import pytest

from tests.unit import crd_schema

from .conftest import assert_golden, cli


def _dgd(docs):
    return next(d for d in docs if d["kind"] == "DynamoGraphDeployment")


def test_default_yaml_is_a_dgd_sized_as_asked():
    """The default follows the newest mirrored line: v1beta1 (its storage version) and its images."""
    res = cli("init", "my-llm", "--nodes", "2", "--gpus", "8")
    assert (res.exit_code, res.stderr) == (0, "")
    doc = res.yaml()
    assert doc["kind"] == "DynamoGraphDeployment" and doc["metadata"]["name"] == "my-llm"
    assert doc["apiVersion"] == "nvidia.com/v1beta1"
    assert "namespace" not in doc["metadata"]
    worker = next(c for c in doc["spec"]["components"] if c["name"] == "worker")
    main = worker["podTemplate"]["spec"]["containers"][0]
    assert worker["multinode"]["nodeCount"] == 2 and main["resources"]["limits"]["nvidia.com/gpu"] == "8"
    assert "16" in main["args"]
    assert main["image"] == "nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.6.1"


@pytest.mark.parametrize(
    ("version", "api", "tag"),
    [
        pytest.param("1.1.0", "nvidia.com/v1alpha1", "1.1.0", id="1.1: v1alpha1 and 1.1.0 images"),
        pytest.param("1.4.2", "nvidia.com/v1alpha1", "1.4.2", id="1.4: still v1alpha1 storage"),
        pytest.param("1.5.0", "nvidia.com/v1beta1", "1.5.0", id="1.5 made v1beta1 the storage version"),
        pytest.param("v1.6.0", "nvidia.com/v1beta1", "1.6.0", id="a v prefix is not part of the image tag"),
    ],
)
def test_api_version_and_image_follow_the_operator_line(version, api, tag):
    res = cli("init", "x", "--nodes", "2", "--gpus", "4", "--operator-version", version, "-o", "json")
    assert (res.exit_code, res.stderr) == (0, "")
    doc = res.json()
    assert doc["apiVersion"] == api
    assert f"vllm-runtime:{tag}" in res.stdout


def test_v1beta1_for_an_operator_that_does_not_serve_it_is_a_usage_error():
    res = cli("init", "x", "--operator-version", "1.1.0", "--api-version", "nvidia.com/v1beta1")
    assert res.exit_code == 2 and "served from operator 1.2.0" in res.stderr
    assert cli("init", "x", "--operator-version", "1.2.0", "--api-version", "nvidia.com/v1beta1").exit_code == 0


def test_json_single_document_is_the_object_itself():
    res = cli("init", "--nodes", "2", "--gpus", "4", "-o", "json")
    assert res.exit_code == 0 and res.json()["kind"] == "DynamoGraphDeployment"


def test_json_several_documents_are_a_kubectl_list_with_api_version():
    data = cli("init", "--nodes", "2", "--gpus", "4", "--backend", "trtllm", "-o", "json").json()
    assert data["apiVersion"] == "v1" and data["kind"] == "List"
    assert [d["kind"] for d in data["items"]] == ["ConfigMap", "DynamoGraphDeployment"]


def test_yaml_several_documents_are_separated():
    res = cli("init", "--nodes", "2", "--gpus", "4", "--backend", "trtllm")
    import yaml

    docs = list(yaml.safe_load_all(res.stdout))
    assert [d["kind"] for d in docs] == ["ConfigMap", "DynamoGraphDeployment"]
    assert res.stdout.startswith("---\n")


def test_namespace_flag_is_written():
    assert cli("-n", "prod", "init", "x").yaml()["metadata"]["namespace"] == "prod"


def test_lws_writes_the_grove_opt_out_and_queue_the_kai_annotation():
    lws = cli("init", "x", "--nodes", "2", "--gpus", "4", "--orchestrator", "lws").yaml()
    assert lws["metadata"]["annotations"]["nvidia.com/enable-grove"] == "false"
    kai = cli("init", "x", "--nodes", "2", "--gpus", "4", "--queue", "team-a").yaml()
    assert kai["metadata"]["annotations"]["nvidia.com/kai-scheduler-queue"] == "team-a"


def test_v1beta1():
    doc = cli("init", "x", "--nodes", "2", "--gpus", "4", "--api-version", "nvidia.com/v1beta1").yaml()
    assert doc["apiVersion"] == "nvidia.com/v1beta1" and isinstance(doc["spec"]["components"], list)


COMBOS = list(itertools.product(("vllm", "sglang", "trtllm"), ("agg", "disagg"), ("nvidia.com/v1alpha1", "nvidia.com/v1beta1"), ("json", "yaml")))


@pytest.mark.parametrize("backend, mode, api, fmt", COMBOS, ids=["-".join(c) for c in COMBOS])
def test_output_pipes_into_validate_with_no_finding(backend, mode, api, fmt):
    made = cli("init", "--nodes", "2", "--gpus", "4", "--backend", backend, "--mode", mode, "--api-version", api, "-o", fmt)
    assert (made.exit_code, made.stderr) == (0, ""), made.stderr
    checked = cli("validate", "-f", "-", "-o", "json", input=made.stdout)
    assert checked.exit_code == 0, checked.stdout
    assert checked.json()["items"][0]["findings"] == []
    explained = cli("explain", "-f", "-", "--assume", "grove,kai", "-o", "json", input=made.stdout)
    assert explained.exit_code == 0, explained.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--nodes", "2", "--gpus", "8", "--tp", "3"],
         "--tp 3 does not divide nodes × gpus = 2 × 8 = 16: TP × PP must equal nodes × gpus"),
        (["--nodes", "2", "--gpus", "8", "--tp", "4", "--pp", "2"],
         "--tp 4 × --pp 2 = 8 but nodes × gpus = 2 × 8 = 16: TP × PP must equal nodes × gpus"),
        (["--nodes", "0"], "--nodes must be at least 1"),
        (["--prefill-nodes", "2"], "--prefill-*/--decode-* need --mode disagg"),
        (["--orchestrator", "lws", "--queue", "q"], "--queue names a KAI-Scheduler queue, which the operator uses on the Grove "
                                                    "path only; it cannot go with --orchestrator lws"),
        (["--backend", "llamacpp"], "invalid value for '--backend': 'llamacpp' is not one of 'vllm', 'sglang', 'trtllm'"),
        (["-o", "table"], 'unable to match a printer suitable for the output format "table", allowed formats are: json,yaml'),
    ],
    ids=["TP not dividing the GPUs", "TP × PP not the GPUs", "zero nodes", "prefill sizing in agg mode",
         "a queue on the LWS path", "an unknown backend", "a bad -o"],
)
def test_contradictions_are_usage_errors_stating_the_rule(args, message):
    res = cli("init", "x", *args)
    assert (res.exit_code, res.stdout) == (2, "")
    assert res.stderr == f"error: {message}\nSee 'kubectl dynamo init -h' for help and examples.\n"


@pytest.mark.parametrize("name", ["My-LLM", "x-", "a" * 64, "has_underscore"])
def test_invalid_names(name):
    res = cli("init", name)
    assert (res.exit_code, res.stdout) == (2, "")
    assert res.stderr == (f"error: NAME {name!r} is not a valid DynamoGraphDeployment name: at most 63 lower-case letters, "
                          "digits and '-', starting and ending with a letter or digit\n"
                          "See 'kubectl dynamo init -h' for help and examples.\n")


def test_name_budget_is_enforced():
    res = cli("init", "a" * 40, "--nodes", "2", "--gpus", "4")
    assert (res.exit_code, res.stdout) == (2, "")
    assert res.stderr == (f"error: name {'a' * 40!r} is too long for Grove's 45-character budget with service 'worker': "
                          "use at most 29 characters, or --orchestrator lws\nSee 'kubectl dynamo init -h' for help and examples.\n")


@pytest.mark.skipif(not crd_schema.served_versions(), reason="upstream CRDs not present")
@pytest.mark.parametrize("api", ["nvidia.com/v1alpha1", "nvidia.com/v1beta1"])
@pytest.mark.parametrize("backend", ["vllm", "sglang", "trtllm"])
def test_output_passes_the_real_crd_schema(api, backend):
    """Through the CLI, with the one CRD-schema reader of the unit tests (tests/unit/crd_schema.py,
    which also refuses fields the API server would prune)."""
    import yaml

    version = api.split("/")[1]
    if version not in crd_schema.served_versions():
        pytest.skip(f"the upstream CRD does not serve {version}")
    for mode in ("agg", "disagg"):
        res = cli("init", "x", "--nodes", "2", "--gpus", "4", "--backend", backend, "--mode", mode, "--api-version", api)
        assert (res.exit_code, res.stderr) == (0, "")
        assert crd_schema.errors(_dgd(list(yaml.safe_load_all(res.stdout))), version) == []


# --- flag bounds (issue 10): sizes are int32 in the CRD, names what the API server accepts ---------


@pytest.mark.parametrize(
    "args, message",
    [
        (["--nodes", "10000000000"], 'invalid argument "10000000000" for "--nodes" flag: value out of range (int32: at most 2147483647)'),
        (["--replicas", "10000000000"], 'invalid argument "10000000000" for "--replicas" flag: value out of range'),
        (["--gpus", "3000000000"], 'invalid argument "3000000000" for "--gpus" flag: value out of range'),
        (["--tp", "2147483648", "--nodes", "2"], 'invalid argument "2147483648" for "--tp" flag: value out of range'),
        (["--nodes", "٤"], 'invalid argument "٤" for "--nodes" flag: not a whole number (ASCII digits)'),
        (["--gpus", " 4"], 'invalid argument " 4" for "--gpus" flag: not a whole number'),
        (["--replicas", "1_000"], 'invalid argument "1_000" for "--replicas" flag: not a whole number'),
        (["--nodes", "100000"], "--nodes 100000: a Kubernetes cluster has at most 5000 nodes"),
        (["--nodes", "5000", "--gpus", "1000000"], "nodes × gpus = 5000000000 is out of range"),
        (["--nodes", "100", "--replicas", "2000"], "--replicas 2000 × nodes is more pods than a Kubernetes cluster runs (150000)"),
        (["--queue", "my queue"], "--queue 'my queue' is not a valid KAI-Scheduler queue name: a lowercase RFC 1123 label"),
        (["--queue", "Q"], "--queue 'Q' is not a valid KAI-Scheduler queue name"),
        (["--queue", "q\n"], "is not a valid KAI-Scheduler queue name"),
    ],
    ids=["nodes above int32", "replicas above int32", "gpus above int32", "tp above int32", "an arabic-indic digit",
         "a leading space", "an underscore", "more nodes than a cluster",
         "a tensor-parallel size above int32", "more pods than a cluster", "a queue with a space", "an upper-case queue",
         "a queue with a newline"],
)
def test_out_of_range_sizes_and_bad_queue_names_are_usage_errors(args, message):
    res = cli("init", *args)
    assert (res.exit_code, res.stdout) == (2, "")
    assert res.stderr.startswith("error: ") and message in res.stderr, res.stderr


def test_a_name_with_a_trailing_newline_is_refused():
    res = cli("init", "llm\n")
    assert res.exit_code == 2 and "is not a valid DynamoGraphDeployment name" in res.stderr


def test_the_largest_accepted_shape_still_validates():
    out = cli("init", "big", "--nodes", "5000", "--gpus", "8", "--replicas", "29")
    assert out.exit_code == 0
    assert cli("validate", "-f", "-", input=out.stdout).exit_code == 0
    # 30 × 5000 worker pods and the frontend are one pod more than a cluster runs
    res = cli("init", "big", "--nodes", "5000", "--gpus", "8", "--replicas", "30")
    assert res.exit_code == 2 and "no cluster can run: replicas × nodeCount over all services is 150001 pods" in res.stderr


GOLDEN = {
    "init-vllm-agg.yaml": ["my-llm", "--nodes", "2", "--gpus", "8", "--api-version", "nvidia.com/v1alpha1",
                           "--image", "nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.1.0"],
    "init-sglang-lws-pp.yaml": ["sg", "--backend", "sglang", "--nodes", "2", "--gpus", "8", "--pp", "2", "--orchestrator", "lws",
                                "--api-version", "nvidia.com/v1alpha1", "--image", "nvcr.io/nvidia/ai-dynamo/sglang-runtime:1.1.0",
                                "-n", "inference"],
    "init-trtllm-disagg-v1beta1.json": ["trt", "--backend", "trtllm", "--mode", "disagg", "--nodes", "2", "--gpus", "4",
                                        "--decode-nodes", "1", "--queue", "team-a", "--api-version", "nvidia.com/v1beta1",
                                        "--image", "nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime:1.1.0", "-o", "json"],
}


@pytest.mark.parametrize("name", list(GOLDEN))
def test_golden_scaffolds(name):
    """The whole manifest init writes (images and API version given, so only the scaffold decides)."""
    res = cli("init", *GOLDEN[name])
    assert (res.exit_code, res.stderr) == (0, "")
    assert_golden(name, res.stdout)
