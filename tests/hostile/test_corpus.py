"""Every offline command over the hostile-input corpus (tests/hostile/corpus.py): exit 1 or 2 (0 for
the few well-formed inputs), a message naming the problem, no Python exception, no raw control
character, an answer (bounded time) and bounded memory. `apply --dry-run=client` runs over the same
corpus against a real API server in tests/e2e/test_hostile_apply.py."""

from __future__ import annotations

import pytest

from .conftest import answer, problems
from .corpus import cases

CASES = cases()
COMMANDS = {
    "validate": ["validate", "-f", "-"],
    "explain --assume": ["explain", "-f", "-", "--assume", "grove,kai"],
    "validate -o json": ["validate", "-f", "-", "-o", "json"],
}
HEAVY = ("laughs", "deep", "digit", "huge", "crafted")


def test_the_corpus_is_at_least_150_inputs():
    assert len(CASES) >= 150


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_command_answers_a_hostile_input_with_one_clear_line(case, command):
    ans = answer(COMMANDS[command], case.text, trace_memory=any(w in case.id for w in HEAVY))
    allowed = (0, 1, 2) if case.valid else (1, 2)
    says = case.says if command != "validate -o json" or ans.result.exit_code == 2 else ()
    assert problems(ans, says, allowed) == [], ans.output[:2000]
    if command == "validate -o json" and ans.result.exit_code == 1:
        report = ans.result.json()  # machine output stays parseable, whatever the input held
        assert report["kind"] == "ValidationReport" and report["summary"]["errors"] >= 1
