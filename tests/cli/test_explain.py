"""`kubectl dynamo explain -f FILE --assume LIST`: offline explanation, formats, exit codes."""

from __future__ import annotations

import pytest

from .conftest import DATA, SHARED_EXAMPLES, assert_golden, cli
from .test_version import DEAD_KUBECONFIG

SPEC_EXPLANATION = ["kind", "name", "namespace", "capabilities", "pathway", "trace", "services", "findings"]
SPEC_SERVICE = ["name", "componentType", "backend", "replicas", "nodeCount", "gpusPerNode", "gpusPerReplica", "totalGpus",
                "parallelism", "workload", "objects", "scheduler", "launch"]


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
    keys = [line.split(":", 1)[0] for line in out.splitlines() if line and not line.startswith(" ") and ":" in line]
    assert keys[:7] == ["Name", "Namespace", "Source", "Capabilities", "Operator", "Pathway", "Total GPUs"]
    assert [k for k in keys if k in ("Decision", "Services", "Objects", "Findings")] == ["Decision", "Services", "Objects", "Findings"]
    header = next(line for line in out.splitlines() if line.strip().startswith("SERVICE"))
    assert header.split() == ["SERVICE", "TYPE", "BACKEND", "REPLICAS", "NODES×GPU", "GPUS", "TP/PP/DP", "WORKLOAD", "SCHEDULER/QUEUE"]
    trace = out.split("Decision:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split(".", 1)[0].strip() for line in trace] == [str(i) for i in range(1, len(trace) + 1)]  # numbered


@pytest.mark.parametrize(
    "assume, pathway, workload",
    [("grove,kai", "grove", "PodCliqueScalingGroup"), ("lws,volcano", "component", "LeaderWorkerSet")],
)
def test_json_is_the_explanation_shape(assume, pathway, workload):
    res = cli("explain", "-f", str(DATA / "agg-ok.yaml"), "--assume", assume, "-o", "json")
    assert res.exit_code == 0 and res.stderr == ""
    data = res.json()
    # the SPEC's fields, in its order (fields may be added, never renamed or removed)
    assert [k for k in data if k in SPEC_EXPLANATION] == SPEC_EXPLANATION
    assert (data["kind"], data["name"], data["namespace"], data["capabilities"]["source"], data["pathway"]) == (
        "Explanation", "llm-agg", "inference", "assumed", pathway)
    assert all(list(t) == ["step", "outcome"] for t in data["trace"])
    worker = next(s for s in data["services"] if s["name"] == "worker")
    assert [k for k in worker if k in SPEC_SERVICE] == SPEC_SERVICE
    assert (worker["workload"], worker["nodeCount"], worker["gpusPerNode"], worker["gpusPerReplica"], worker["totalGpus"]) == (
        workload, 2, 4, 8, 8)
    assert worker["parallelism"] == {"tp": 8, "pp": 1, "dp": 1}


def test_yaml_is_the_same_data_as_json():
    args = ["explain", "-f", str(DATA / "agg-ok.yaml"), "--assume", "grove"]
    as_yaml, as_json = cli(*args, "-o", "yaml"), cli(*args, "-o", "json")
    assert (as_yaml.exit_code, as_yaml.stderr) == (0, "")
    assert as_yaml.yaml() == as_json.json()


def test_several_dgds_are_a_list():
    res = cli("explain", "-f", str(DATA / "multi.yaml"), "--assume", "grove,kai", "-o", "json")
    assert (res.exit_code, res.stderr) == (0, "")
    data = res.json()
    assert list(data) == ["kind", "items"] and data["kind"] == "List"  # a report List: no apiVersion (SPEC)
    assert [(i["kind"], i["name"]) for i in data["items"]] == [("Explanation", "sg-beta"), ("Explanation", "single")]


def test_no_orchestrator_for_a_multinode_dgd_fails_the_pathway_and_exits_1():
    res = cli("explain", "-f", str(DATA / "agg-ok.yaml"), "--assume", "none", "-o", "json")
    assert (res.exit_code, res.stderr) == (1, "")
    data = res.json()
    assert data["pathway"] == "failed"
    assert [(f["severity"], f["code"]) for f in data["findings"]] == [("error", "NO_MULTINODE_ORCHESTRATOR")]


def test_error_findings_exit_1_with_the_explanation_printed():
    res = cli("explain", "-f", str(DATA / "tp-mismatch.yaml"), "--assume", "grove,kai")
    assert (res.exit_code, res.stderr) == (1, "")
    findings = res.stdout.split("Findings:\n", 1)[1].splitlines()
    assert findings[0].split()[:2] == ["error", "TP_MISMATCH"]
    assert res.stdout.splitlines()[0] == "Name:           llm-bad" and findings[-1].startswith("1 error")


def test_operator_version_is_reported():
    res = cli("explain", "-f", str(DATA / "agg-ok.yaml"), "--assume", "grove", "--operator-version", "0.9.0", "-o", "json")
    assert (res.exit_code, res.stderr) == (0, "")
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
    assert (res.exit_code, res.stdout) == (2, "")
    assert res.stderr == f"error: {message}\nSee 'kubectl dynamo explain -h' for help and examples.\n"


@pytest.mark.parametrize("args", [["-f", str(DATA / "agg-ok.yaml")], ["llm"]], ids=["a file", "a live NAME"])
def test_without_assume_the_cluster_is_needed(tmp_path, args):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(DEAD_KUBECONFIG)
    res = cli("explain", *args, "--kubeconfig", str(kubeconfig), "--request-timeout", "5s")
    assert res.exit_code == 3 and res.stdout == ""
    assert res.stderr.startswith("error: the connection to the server https://127.0.0.1:1 was refused")


def test_stdin():
    res = cli("explain", "-f", "-", "--assume", "grove", "-o", "json", input=(DATA / "agg-ok.yaml").read_text())
    assert (res.exit_code, res.stderr) == (0, "")
    assert res.json()["source"] == "-"


def test_file_without_dgd():
    res = cli("explain", "-f", "-", "--assume", "grove", input="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    assert (res.exit_code, res.stdout, res.stderr) == (2, "", "error: no DynamoGraphDeployment in -\n")


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
