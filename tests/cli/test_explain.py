"""`kubectl dynamo explain -f FILE --assume LIST`: offline explanation, formats, exit codes."""

from __future__ import annotations

import pytest

from .conftest import DATA, SHARED_EXAMPLES, assert_golden, cli
from .test_version import DEAD_KUBECONFIG


def test_golden_human_output_grove_kai(in_data):
    res = cli("explain", "-f", "agg-ok.yaml", "--assume", "grove,kai")
    assert (res.exit_code, res.stderr) == (0, "")
    assert_golden("explain-agg-grove-kai.txt", res.stdout)


def test_golden_human_output_lws_volcano(in_data):
    res = cli("explain", "-f", "agg-ok.yaml", "--assume", "lws,volcano")
    assert (res.exit_code, res.stderr) == (0, "")
    assert_golden("explain-agg-lws-volcano.txt", res.stdout)


def test_golden_human_output_with_findings(in_data):
    res = cli("explain", "-f", "tp-mismatch.yaml", "--assume", "grove")
    assert res.exit_code == 1 and res.stderr == ""
    assert_golden("explain-tp-mismatch-grove.txt", res.stdout)


def test_human_output_sections(in_data):
    out = cli("explain", "-f", "agg-ok.yaml", "--assume", "grove,kai").stdout
    for heading in ("Name:", "Capabilities:", "Pathway:", "Decision:", "Services:", "Objects:", "Findings:"):
        assert heading in out
    header = next(line for line in out.splitlines() if line.strip().startswith("SERVICE"))
    assert header.split() == ["SERVICE", "TYPE", "BACKEND", "REPLICAS", "NODES×GPU", "GPUS", "TP/PP/DP", "WORKLOAD", "SCHEDULER/QUEUE"]
    assert "  1. " in out  # numbered trace


@pytest.mark.parametrize(
    "assume, pathway, workload",
    [("grove,kai", "grove", "PodCliqueScalingGroup"), ("lws,volcano", "component", "LeaderWorkerSet")],
)
def test_json_is_the_explanation_shape(assume, pathway, workload):
    res = cli("explain", "-f", str(DATA / "agg-ok.yaml"), "--assume", assume, "-o", "json")
    assert res.exit_code == 0 and res.stderr == ""
    data = res.json()
    assert data["kind"] == "Explanation" and data["name"] == "llm-agg" and data["namespace"] == "inference"
    assert data["capabilities"]["source"] == "assumed"
    assert data["pathway"] == pathway
    assert all(set(t) == {"step", "outcome"} for t in data["trace"])
    worker = next(s for s in data["services"] if s["name"] == "worker")
    assert worker["workload"] == workload
    assert (worker["nodeCount"], worker["gpusPerNode"], worker["gpusPerReplica"]) == (2, 4, 8)
    assert worker["parallelism"]["tp"] == 8
    assert worker["launch"]["mode"] in ("mp", "ray", "dp-hybrid-lb", "sglang-dist", "mpirun", "none")


def test_yaml_output_parses():
    res = cli("explain", "-f", str(DATA / "agg-ok.yaml"), "--assume", "grove", "-o", "yaml")
    assert res.exit_code == 0 and res.yaml()["kind"] == "Explanation"


def test_several_dgds_are_a_list():
    res = cli("explain", "-f", str(DATA / "multi.yaml"), "--assume", "grove,kai", "-o", "json")
    data = res.json()
    assert data["kind"] == "List"
    assert [i["name"] for i in data["items"]] == ["sg-beta", "single"]


def test_no_orchestrator_for_a_multinode_dgd_fails_the_pathway_and_exits_1():
    res = cli("explain", "-f", str(DATA / "agg-ok.yaml"), "--assume", "none", "-o", "json")
    assert res.exit_code == 1
    data = res.json()
    assert data["pathway"] == "failed"
    assert any(f["severity"] == "error" for f in data["findings"])


def test_error_findings_exit_1_with_the_explanation_printed():
    res = cli("explain", "-f", str(DATA / "tp-mismatch.yaml"), "--assume", "grove,kai")
    assert res.exit_code == 1
    assert "TP_MISMATCH" in res.stdout and "Decision:" in res.stdout


def test_operator_version_is_reported():
    res = cli("explain", "-f", str(DATA / "agg-ok.yaml"), "--assume", "grove", "--operator-version", "0.9.0", "-o", "json")
    assert res.json()["capabilities"]["operatorVersion"] == "0.9.0"


@pytest.mark.parametrize(
    "args, first_line",
    [
        (["--assume", "grove,foo"], "error: --assume: unknown capability 'foo'"),
        (["--assume", "none,grove"], "error: --assume: 'none' cannot be combined"),
        (["-o", "wide", "--assume", "grove"], 'error: unable to match a printer suitable for the output format "wide"'),
        (["--operator-version", "x.y", "--assume", "grove"], "error: --operator-version 'x.y' is not a version"),
    ],
    ids=["an unknown capability", "none with others", "a bad -o", "a bad operator version"],
)
def test_usage_errors(args, first_line):
    res = cli("explain", "-f", str(DATA / "agg-ok.yaml"), *args)
    assert res.exit_code == 2 and res.stdout == ""
    lines = res.stderr.splitlines()
    assert lines[0].startswith(first_line), res.stderr
    assert lines[1] == "See 'kubectl dynamo explain -h' for help and examples."


@pytest.mark.parametrize(
    "args, message",
    [
        (["llm", "-f", str(DATA / "agg-ok.yaml")], "specify a DynamoGraphDeployment NAME or -f FILE, not both"),
        ([], "a DynamoGraphDeployment NAME or -f FILE is required"),
    ],
    ids=["NAME and -f together", "neither NAME nor -f"],
)
def test_name_and_file_combinations(args, message):
    res = cli("explain", *args, "--assume", "grove")
    assert res.exit_code == 2
    assert message in res.stderr


@pytest.mark.parametrize("args", [["-f", str(DATA / "agg-ok.yaml")], ["llm"]], ids=["a file", "a live NAME"])
def test_without_assume_the_cluster_is_needed(tmp_path, args):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(DEAD_KUBECONFIG)
    res = cli("explain", *args, "--kubeconfig", str(kubeconfig), "--request-timeout", "5s")
    assert res.exit_code == 3 and res.stdout == ""
    assert res.stderr.startswith("error: the connection to the server https://127.0.0.1:1 was refused")


def test_stdin():
    res = cli("explain", "-f", "-", "--assume", "grove", "-o", "json", input=(DATA / "agg-ok.yaml").read_text())
    assert res.exit_code == 0 and res.json()["source"] == "-"


def test_file_without_dgd():
    res = cli("explain", "-f", "-", "--assume", "grove", input="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    assert res.exit_code == 2 and "no DynamoGraphDeployment" in res.stderr


@pytest.mark.skipif(not SHARED_EXAMPLES.is_dir(), reason="../shared/examples/dynamo not present")
@pytest.mark.parametrize("assume", ["grove,kai", "lws,volcano", "none"])
def test_upstream_examples_explain_without_crashing(assume):
    files = sorted(p for p in SHARED_EXAMPLES.rglob("*") if p.suffix in (".yaml", ".yml"))
    for path in files:
        res = cli("explain", "-f", str(path), "--assume", assume)
        if res.exit_code == 2 and "no DynamoGraphDeployment" in res.stderr:
            continue
        assert res.exit_code in (0, 1), f"{path}: {res.stderr}"
        assert "Decision:" in res.stdout
