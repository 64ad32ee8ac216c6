"""`kubectl dynamo validate`: exit codes, stdout/stderr split, formats, inputs, golden tables."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.unit.test_inputs import laughs

from .conftest import DATA, SHARED_EXAMPLES, assert_golden, cli


def test_a_clean_manifest_passes(in_data):
    res = cli("validate", "-f", "agg-ok.yaml")
    assert (res.exit_code, res.stderr) == (0, "")
    assert res.stdout == "agg-ok.yaml: llm-agg\n  ok\n\n0 errors, 0 warnings in 1 DynamoGraphDeployment\n"


def test_errors_exit_1_and_the_report_is_printed_in_full(in_data):
    res = cli("validate", "-f", "tp-mismatch.yaml")
    assert (res.exit_code, res.stderr) == (1, "")
    lines = res.stdout.splitlines()
    assert [line.split()[:2] for line in lines[1:5:2]] == [["error", "TP_MISMATCH"], ["warning", "NOT_MULTINODE_ENGINE"]]
    assert (lines[0], lines[-2:]) == ("tp-mismatch.yaml: llm-bad", ["", "1 error, 1 warning in 1 DynamoGraphDeployment"])


def test_golden_table_for_findings(in_data):
    res = cli("validate", "-f", "tp-mismatch.yaml", "-f", "warn-only.yaml", "-f", "multi.yaml")
    assert res.exit_code == 1 and res.stderr == ""
    assert_golden("validate-table.txt", res.stdout)


def test_golden_json_report(in_data):
    res = cli("validate", "-f", "tp-mismatch.yaml", "-f", "agg-ok.yaml", "-o", "json")
    assert res.exit_code == 1 and res.stderr == ""
    assert_golden("validate.json", res.stdout)


@pytest.mark.parametrize("strict, code", [(False, 0), (True, 1)], ids=["warnings pass", "warnings fail with --strict"])
def test_strict_makes_warnings_fail(strict, code):
    args = ["validate", "-f", str(DATA / "warn-only.yaml")] + (["--strict"] if strict else [])
    res = cli(*args)
    assert (res.exit_code, res.stderr) == (code, "")
    assert res.stdout.splitlines()[1].split()[:2] == ["warning", "DEPRECATED_FIELD"]
    assert res.stdout.splitlines()[-1] == "0 errors, 1 warning in 1 DynamoGraphDeployment"


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_machine_output_is_the_validation_report_shape(fmt):
    res = cli("validate", "-f", str(DATA / "tp-mismatch.yaml"), "-f", str(DATA / "agg-ok.yaml"), "-o", fmt)
    assert res.exit_code == 1 and res.stderr == ""
    data = res.json() if fmt == "json" else res.yaml()
    assert data["kind"] == "ValidationReport"
    assert [i["name"] for i in data["items"]] == ["llm-bad", "llm-agg"]
    assert data["summary"]["errors"] == 1 and data["summary"]["warnings"] == 1
    finding = data["items"][0]["findings"][0]
    assert list(finding) == ["severity", "code", "service", "message", "hint"]
    assert (finding["severity"], finding["code"], finding["service"]) == ("error", "TP_MISMATCH", "decode")
    assert data["items"][1] == {"name": "llm-agg", "namespace": "inference", "source": str(DATA / "agg-ok.yaml"), "findings": []}


def test_bad_output_format_lists_the_allowed_ones():
    res = cli("validate", "-f", str(DATA / "agg-ok.yaml"), "-o", "wide")
    assert res.exit_code == 2 and res.stdout == ""
    assert res.stderr.splitlines()[0] == (
        'error: unable to match a printer suitable for the output format "wide", allowed formats are: json,table,yaml'
    )


def test_filename_is_required():
    res = cli("validate")
    assert (res.exit_code, res.stdout) == (2, "")
    assert res.stderr == ("error: -f/--filename is required: a file, a directory or - for stdin\n"
                          "See 'kubectl dynamo validate -h' for help and examples.\n")


@pytest.mark.parametrize(
    "name, message",
    [
        ("missing.yaml", 'error: the path "{path}" does not exist'),
        ("not-yaml.yaml", 'error: "{path}" is not valid YAML at line 5, column 8: mapping values are not allowed'),
        ("not-k8s.yaml", "error: {path}: not a Kubernetes object (apiVersion and kind not set)"),
    ],
    ids=["an unreadable file", "not YAML", "not a Kubernetes object"],
)
def test_unusable_input_exits_2_naming_file_and_line(name, message):
    path = str(DATA / name)
    res = cli("validate", "-f", path)
    assert res.exit_code == 2 and res.stdout == ""
    assert res.stderr.startswith(message.format(path=path)), res.stderr
    assert len(res.stderr.splitlines()) == 1


def test_an_input_without_dgds_is_unusable():
    res = cli("validate", "-f", "-", input="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    assert (res.exit_code, res.stdout, res.stderr) == (2, "", "error: no DynamoGraphDeployment in - (1 other document read)\n")


def test_stdin_and_other_documents_are_skipped(in_data):
    res = cli("validate", "-f", "-", input=(DATA / "multi.yaml").read_text())
    assert (res.exit_code, res.stderr) == (0, "")
    assert res.stdout == "-: sg-beta\n  ok\n-: single\n  ok\n\n0 errors, 0 warnings in 2 DynamoGraphDeployments\n"


def test_skipped_documents_are_logged_at_v2():
    path = str(DATA / "multi.yaml")
    res = cli("validate", "-f", path, "-v", "2")
    assert res.exit_code == 0
    assert res.stderr == f"I2 skipping Service/unrelated ({path} (document 1, line 2)): not a DynamoGraphDeployment\n"


def test_stdin_only_once():
    res = cli("validate", "-f", "-", "-f", "-", input="")
    assert (res.exit_code, res.stdout, res.stderr) == (2, "", 'error: "-" (stdin) can be given to -f only once\n')


@pytest.mark.parametrize(
    "recursive, names, code",
    [(False, ["llm-agg"], 0), (True, ["llm-agg", "llm-spelling"], 0)],
    ids=["a directory reads its own manifests", "-R descends into subdirectories"],
)
def test_directories(recursive, names, code):
    args = ["validate", "-f", str(DATA / "dir"), "-o", "json"] + (["-R"] if recursive else [])
    res = cli(*args)
    # sub/b.yml's --tensor-parallel-size=8 is a FLAG_SPELLING warning on the newest line (an error
    # when mirroring operators before 1.5, which read it as TP=1: test_rules pins both sides)
    assert (res.exit_code, res.stderr) == (code, "")
    assert [i["name"] for i in res.json()["items"]] == names


def test_json_list_is_flattened():
    res = cli("validate", "-f", str(DATA / "list.json"), "-o", "json")
    assert res.exit_code == 0
    assert [i["name"] for i in res.json()["items"]] == ["from-list"]


def test_trtllm_configmap_in_the_same_input_is_used():
    path = str(DATA / "trtllm-configmap.yaml")
    res = cli("validate", "-f", path)
    assert (res.exit_code, res.stderr) == (0, "")
    assert res.stdout == f"{path}: trt\n  ok\n\n0 errors, 0 warnings in 1 DynamoGraphDeployment\n"


def test_bad_operator_version():
    res = cli("validate", "-f", str(DATA / "agg-ok.yaml"), "--operator-version", "latest")
    assert (res.exit_code, res.stdout) == (2, "")
    assert res.stderr == ("error: --operator-version 'latest' is not a version like 1.1.0 or v0.9.1\n"
                          "See 'kubectl dynamo validate -h' for help and examples.\n")


def test_colour_only_when_asked():
    path = str(DATA / "tp-mismatch.yaml")
    assert "\033[" not in cli("validate", "-f", path).stdout
    assert "\033[31m" in cli("validate", "-f", path, "--color", "always").stdout


@pytest.mark.skipif(not SHARED_EXAMPLES.is_dir(), reason="../shared/examples/dynamo not present")
def test_upstream_examples_validate_without_crashing(tmp_path):
    files = sorted(p for p in SHARED_EXAMPLES.rglob("*") if p.suffix in (".yaml", ".yml"))
    if not files:
        pytest.skip("no upstream example manifests")
    for path in files:
        res = cli("validate", "-f", str(path), "-o", "json")
        if res.exit_code == 2 and "no DynamoGraphDeployment" in res.stderr:
            continue
        assert res.exit_code in (0, 1), f"{path}: {res.stderr}"
        assert json.loads(res.stdout)["kind"] == "ValidationReport"


def test_dir_copy_ignores_non_manifest_files(tmp_path):
    shutil.copy(DATA / "agg-ok.yaml", tmp_path / "a.yaml")
    (tmp_path / "README.md").write_text("# not yaml: [\n")
    res = cli("validate", "-f", str(tmp_path))
    assert (res.exit_code, res.stderr) == (0, "")
    assert res.stdout.splitlines()[0] == f"{tmp_path / 'a.yaml'}: llm-agg"


# --- hostile input through validate (issue 10; moved here from the unit tests of report/ and inputs) ---

EVIL = "apiVersion: nvidia.com/v1alpha1\nkind: DynamoGraphDeployment\nmetadata: {name: \"l\\e]0;pwned\\a\\e[2J\\u202e\"}\n" \
       "spec: {services: {\"w\\e[31m\": {componentType: \"\\e]0;x\\a\"}}}\n"


@pytest.mark.parametrize("color", ["never", "always"])
def test_escape_sequences_from_a_manifest_are_printed_visibly(color):
    res = cli("validate", "-f", "-", "--color", color, input=EVIL)
    assert res.exit_code == 1
    out = res.stdout + res.stderr
    assert "\x07" not in out and "\u202e" not in out and "\x1b]" not in out and "\x1b[2J" not in out
    assert "l^[]0;pwned\\x07^[[2J\\u202e:" not in out  # the source heading is not the name
    assert 'metadata.name "l\\x1b]0;pwned\\x07\\x1b[2J\\u202e" is not valid' in out
    if color == "always":  # the plugin's own colours still pass
        assert "\x1b[1m\x1b[31merror" in res.stdout
    else:
        assert "\x1b" not in out


def test_a_billion_laughs_on_stdin_through_validate():
    res = cli("validate", "-f", "-", input=laughs())
    assert res.exit_code == 2
    assert res.stderr.startswith("error: stdin is not usable YAML at line 9, column 7: document contains excessive aliasing")
    assert len(res.stderr.splitlines()) == 1
