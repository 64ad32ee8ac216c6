"""Golden-file comparison shared by the unit and CLI tests: the expected output lives in a file,
compared exactly; UPDATE_GOLDEN=1 rewrites the file instead (regeneration is opt-in only)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def assert_golden(path: Path, actual: str) -> None:
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} missing: run with UPDATE_GOLDEN=1 to create it")
    assert actual == path.read_text(encoding="utf-8"), f"output differs from {path} (UPDATE_GOLDEN=1 to accept)"
