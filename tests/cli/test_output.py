"""Every command prints through report.output.printer_for: `-o` is judged once, before any input
is read or any cluster is asked, with kubectl's message listing exactly the command's formats."""

from __future__ import annotations

import pytest

from .conftest import DATA, cli

AGG = str(DATA / "agg-ok.yaml")

CASES = {
    "validate": (["validate", "-f", AGG], "json,table,yaml"),
    "explain": (["explain", "-f", AGG, "--assume", "grove"], "json,table,yaml"),
    "doctor": (["doctor"], "json,table,wide,yaml"),
    "init": (["init"], "json,yaml"),
    "apply": (["apply", "-f", AGG], "json,name,yaml"),
    "get": (["get"], "json,name,table,wide,yaml"),
    "describe": (["describe", "llm"], "json,table,yaml"),
    "version": (["version"], "json,text,yaml"),
}


@pytest.mark.parametrize("command", list(CASES))
def test_an_unknown_output_format_is_one_usage_error_before_anything_else(command, tmp_path):
    args, allowed = CASES[command]
    # a kubeconfig that is not there: had the command connected first, it would exit 3
    res = cli(*args, "-o", "xml", "--kubeconfig", str(tmp_path / "absent"))
    assert (res.exit_code, res.stdout) == (2, "")
    assert res.stderr == (f'error: unable to match a printer suitable for the output format "xml", allowed formats are: '
                          f"{allowed}\nSee 'kubectl dynamo {command} -h' for help and examples.\n")


@pytest.mark.parametrize("command", list(CASES))
def test_the_help_lists_the_same_formats(command):
    _, allowed = CASES[command]
    res = cli(command, "-h")
    assert res.exit_code == 0
    text = " ".join(res.stdout.split())  # help wraps long lines
    listed = text.split("Output format. One of: (", 1)[1].split(")", 1)[0]
    assert sorted(listed.split(", ")) == allowed.split(",")
