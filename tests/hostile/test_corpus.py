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


# --- init over hostile flag values ------------------------------------------------------------------

ESC = "\x1b"
INIT_CASES: list[tuple[str, list[str]]] = [
    *[(f"--{flag} {why}", [f"--{flag}", value]) for flag in ("nodes", "gpus", "replicas", "tp", "pp")
      for why, value in (("above int32", "10000000000"), ("int32 + 1", "2147483648"), ("negative", "-3"), ("zero", "0"),
                         ("an arabic-indic digit", "٤"), ("a fullwidth digit", "４"), ("a superscript", "²"),
                         ("a leading space", " 4"), ("an underscore", "1_0"), ("hex", "0x8"), ("empty", ""),
                         ("a float", "2.0"), ("5000 digits", "9" * 5000))],
    *[(f"NAME {why}", [value]) for why, value in (("upper-case", "LLM"), ("cyrillic", "llм"), ("a path", "../.."),
                                                   ("a newline", "llm\n"), ("a right-to-left mark", "llm\u200f"),
                                                   ("a terminal escape", "l" + ESC + "]0;x\x07"), ("64 characters", "a" * 64),
                                                   ("empty", ""), ("a dot", "a.b"))],
    *[(f"--queue {why}", ["--queue", value]) for why, value in (("with a space", "my queue"), ("upper-case", "Q"),
                                                                 ("64 characters", "q" * 64), ("a bell", "q\x07"),
                                                                 ("a newline", "q\nx"))],
    *[(f"--{flag} with {why}", [f"--{flag}", value]) for flag in ("model", "image")
      for why, value in (("a clear-screen escape", "m" + ESC + "[2J"), ("a newline", "a\nb: c"),
                         ("a right-to-left override", "a\u202eb"), ("a C1 control", "a\x9bb"), ("4000 characters", "m" * 4000))],
    ("--nodes 100000 (more than a cluster)", ["--nodes", "100000"]),
    ("--replicas × nodes beyond a cluster", ["--nodes", "5000", "--replicas", "31"]),
    ("--pp that does not divide", ["--nodes", "2", "--gpus", "3", "--pp", "4"]),
    ("disagg sizes with agg", ["--prefill-nodes", "2"]),
]


def test_the_init_corpus_is_large_enough():
    assert len(INIT_CASES) >= 80


@pytest.mark.parametrize("args", [a for _, a in INIT_CASES], ids=[i for i, _ in INIT_CASES])
def test_init_answers_hostile_flags_with_a_usage_error_or_a_manifest_validate_passes(args):
    ans = answer(["init", *args], "")
    assert problems(ans, (), (0, 2)) == [], ans.output[:2000]
    if ans.result.exit_code == 2:
        assert ans.result.stdout == "" and ans.result.stderr.startswith("error: ")
        return
    # what init accepted is a manifest validate passes and the terminal guard never had to touch
    checked = answer(["validate", "-f", "-"], ans.result.stdout)
    assert checked.result.exit_code == 0, checked.output
