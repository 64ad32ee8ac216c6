"""Helpers for CLI tests: run the real entry point in-process (CliRunner, stderr kept apart) and
compare output with golden files (regenerated only with UPDATE_GOLDEN=1)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kubectl_dynamo.cli.main import run
from tests import golden

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"
SHARED_EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "examples" / "dynamo"


class _Entry:
    """What CliRunner.invoke needs from a command, routed through `run()` so tests see the real
    error handling and exit codes; `connect` is the cluster seam (GlobalOptions.cluster)."""

    name = "kubectl-dynamo"

    def __init__(self, connect: Any = None) -> None:
        self.connect = connect

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> None:
        sys.exit(run(list(args or ()), connect=self.connect))


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def yaml(self) -> Any:
        import yaml

        return yaml.safe_load(self.stdout)


def cli(*args: str, input: str | None = None, env: dict[str, str | None] | None = None, connect: Any = None) -> Result:
    """Run `kubectl dynamo ARGS` in-process; `connect(ConnectionOptions)` replaces how commands
    connect to a cluster."""
    runner = CliRunner()
    env = {"NO_COLOR": None, "TERM": None, **(env or {})}
    res = runner.invoke(_Entry(connect), list(args), input=input, env=env, catch_exceptions=False)  # type: ignore[arg-type]
    return Result(res.exit_code, res.stdout, res.stderr)


@pytest.fixture
def in_data(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from tests/cli/data so sources in output read as bare file names."""
    monkeypatch.chdir(DATA)
    return DATA


class Connections:
    """A `connect` for the cluster seam that records what it was asked and refuses, the way an
    unreachable cluster does: commands end with exit 3 right where they first need the cluster."""

    def __init__(self, message: str = "the connection to the server was refused (test)") -> None:
        self.message = message
        self.calls: list[Any] = []

    def __call__(self, opts: Any) -> Any:
        from kubectl_dynamo.errors import ClusterError

        self.calls.append(opts)
        raise ClusterError(self.message)


@pytest.fixture
def connections() -> Connections:
    return Connections()


def assert_golden(name: str, actual: str) -> None:
    """Compare with GOLDEN/NAME (UPDATE_GOLDEN=1 rewrites it)."""
    golden.assert_golden(GOLDEN / name, actual)
