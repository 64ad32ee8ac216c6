"""`kubectl dynamo completion SHELL` and the committed completions/ copies: no drift, the scripts
complete the `kubectl-dynamo` executable only (never kubectl itself), and the bash one works."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kubectl_dynamo.cli.completion_cmd import SHELLS, script
from kubectl_dynamo.cli.main import COMMANDS

from .conftest import ROOT, clean_env

COMPLETIONS = ROOT / "completions"


@pytest.mark.parametrize("shell", SHELLS)
def test_committed_script_matches_the_generator(shell):
    path = COMPLETIONS / f"kubectl-dynamo.{shell}"
    assert path.exists(), f"{path} is missing: run scripts/gen-completions"
    assert path.read_text(encoding="utf-8") == script(shell), (
        f"{path.relative_to(ROOT)} differs from `kubectl dynamo completion {shell}`: "
        "run scripts/gen-completions and commit the result"
    )


def test_gen_completions_check_passes():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen-completions"), "--check"],
                          capture_output=True, text=True, env=clean_env())
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_completion_command_prints_the_script(shell):
    proc = subprocess.run([sys.executable, "-m", "kubectl_dynamo", "completion", shell],
                          capture_output=True, text=True, env=clean_env())
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == script(shell)


@pytest.mark.parametrize(
    "args, message",
    [([], "missing argument 'SHELL'"), (["tcsh"], "'tcsh' is not one of 'bash', 'zsh', 'fish'")],
    ids=["no shell is a usage error", "an unknown shell is a usage error"],
)
def test_completion_command_usage_errors(args, message):
    proc = subprocess.run([sys.executable, "-m", "kubectl_dynamo", "completion", *args],
                          capture_output=True, text=True, env=clean_env())
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert message in proc.stderr and "See 'kubectl dynamo completion -h'" in proc.stderr


# What registers each script, and for which command: always kubectl-dynamo, never `kubectl`.
REGISTRATION = {
    "bash": r"^\s*complete -o nosort -F _kubectl_dynamo_completion (\S+)\s*$",
    "zsh": r"^\s*compdef _kubectl_dynamo_completion (\S+)\s*$",
    "fish": r"^complete --no-files --command (\S+) ",
}


@pytest.mark.parametrize("shell", SHELLS)
def test_script_completes_the_executable_never_kubectl(shell):
    text = script(shell)
    targets = re.findall(REGISTRATION[shell], text, re.M)
    assert targets == ["kubectl-dynamo"]
    assert "_KUBECTL_DYNAMO_COMPLETE=" in text
    code = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in code if "kubectl dynamo" in line]
    if shell == "zsh":
        assert text.startswith("#compdef kubectl-dynamo\n")  # autoload tag must stay first


@pytest.mark.parametrize("shell", SHELLS)
def test_click_source_instruction_also_targets_the_executable(shell):
    """`_KUBECTL_DYNAMO_COMPLETE=bash_source kubectl-dynamo` (click's own way) must not produce a
    script for "kubectl dynamo", which would register itself for `kubectl`."""
    env = clean_env(_KUBECTL_DYNAMO_COMPLETE=f"{shell}_source")
    proc = subprocess.run([sys.executable, "-m", "kubectl_dynamo"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0
    assert re.findall(REGISTRATION[shell], proc.stdout, re.M) == ["kubectl-dynamo"]


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """A PATH directory holding `kubectl-dynamo` that runs this source tree."""
    d = tmp_path / "bin"
    d.mkdir()
    exe = d / "kubectl-dynamo"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m kubectl_dynamo "$@"\n')
    exe.chmod(0o755)
    return d


BASH_DRIVER = r"""
source "$SCRIPT"
complete -p kubectl-dynamo
COMP_WORDS=($LINE)
[[ "$LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMPREPLY=()
_kubectl_dynamo_completion kubectl-dynamo
printf '%s\n' "${COMPREPLY[@]}"
"""


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize(
    "line, expected",
    [
        ("kubectl-dynamo ", list(COMMANDS)),
        ("kubectl-dynamo comp", ["completion"]),
        ("kubectl-dynamo init --back", ["--backend"]),
        ("kubectl-dynamo init --backend ", ["vllm", "sglang", "trtllm"]),
        ("kubectl-dynamo explain -o ", ["table", "json", "yaml"]),
        ("kubectl-dynamo completion ", ["bash", "zsh", "fish"]),
    ],
    ids=["subcommands", "a subcommand prefix", "a flag", "--backend values", "-o values", "shells"],
)
def test_bash_script_completes_in_bash(bin_dir, line, expected):
    env = clean_env(SCRIPT=str(COMPLETIONS / "kubectl-dynamo.bash"), LINE=line,
                    PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", BASH_DRIVER], capture_output=True,
                          text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "complete -o nosort -F _kubectl_dynamo_completion kubectl-dynamo"
    assert lines[1:] == expected
