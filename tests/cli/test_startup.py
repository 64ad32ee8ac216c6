"""Start-up cost is a feature: offline commands never import `kubernetes`, and the cheap ones do not
import YAML, tabulate or other commands' modules. Each case runs in a fresh interpreter, through
`python -m kubectl_dynamo`'s own module, and reports sys.modules at exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DATA

ROOT = Path(__file__).resolve().parents[2]

WRAPPER = """
import json, os, runpy, sys
sys.argv = ["kubectl-dynamo", *json.loads(os.environ["KD_ARGS"])]
code = 0
try:
    runpy.run_module("kubectl_dynamo", run_name="__main__", alter_sys=True)
except SystemExit as e:
    code = e.code if isinstance(e.code, int) else 1
finally:
    with open(os.environ["KD_REPORT"], "w") as fh:
        json.dump({"code": code, "modules": sorted(sys.modules)}, fh)
"""

COMMAND_MODULES = {f"kubectl_dynamo.cli.{m}" for m in ("init_cmd", "validate_cmd", "explain_cmd", "version_cmd")}


def _run(tmp_path: Path, args: list[str], stdin: str | None = None) -> tuple[int, set[str]]:
    report = tmp_path / "report.json"
    env = {**os.environ, "KD_ARGS": json.dumps(args), "KD_REPORT": str(report), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", WRAPPER], input=stdin, text=True, capture_output=True, env=env, cwd=ROOT, timeout=60)
    data = json.loads(report.read_text())
    return data["code"], set(data["modules"])


CASES = {
    "help": (["--help"], 0),
    "version --client": (["version", "--client"], 0),
    "version --client -o yaml": (["version", "--client", "-o", "yaml"], 0),
    "init": (["init", "x", "--nodes", "2", "--gpus", "8"], 0),
    "init -o json": (["init", "x", "--nodes", "2", "--gpus", "8", "-o", "json"], 0),
    "validate -f": (["validate", "-f", str(DATA / "agg-ok.yaml")], 0),
    "validate -f json": (["validate", "-f", str(DATA / "list.json"), "-o", "json"], 0),
    "explain -f --assume": (["explain", "-f", str(DATA / "agg-ok.yaml"), "--assume", "grove,kai"], 0),
    # explain without --assume is a cluster command now; its usage errors still need no cluster
    "explain usage error": (["explain", "llm", "-f", str(DATA / "agg-ok.yaml")], 2),
    "a usage error": (["validate", "--bogus"], 2),
}


@pytest.mark.parametrize("name", list(CASES))
def test_offline_commands_never_import_kubernetes_or_tabulate(tmp_path, name):
    args, expected = CASES[name]
    code, modules = _run(tmp_path, args)
    assert code == expected
    assert "kubernetes" not in modules
    assert "tabulate" not in modules


def test_help_imports_no_command_module_and_no_yaml(tmp_path):
    _, modules = _run(tmp_path, ["--help"])
    assert not (COMMAND_MODULES & modules)
    assert "yaml" not in modules


@pytest.mark.parametrize(
    "args",
    [["version", "--client"], ["version", "--client", "-o", "json"], ["init", "x", "-o", "json"],
     ["validate", "-f", str(DATA / "list.json")]],
    ids=["version --client", "version --client -o json", "init -o json", "validate of a JSON file"],
)
def test_yaml_is_imported_only_when_yaml_is_read_or_written(tmp_path, args):
    code, modules = _run(tmp_path, args)
    assert code == 0
    assert "yaml" not in modules


def test_only_the_invoked_command_module_is_imported(tmp_path):
    _, modules = _run(tmp_path, ["version", "--client"])
    assert COMMAND_MODULES & modules == {"kubectl_dynamo.cli.version_cmd"}
