"""The gate table (dgd/gates.py) and release lines (dgd/versions.py): every gate flips exactly at
its release, uncertain boundaries say so, and versions past the newest line are recognised."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_dynamo.dgd import gates, versions


def _before(since: str) -> str:
    """The last version of the line before `since` (1.2.0 -> 1.1.9, 1.0.0 -> 0.99.9)."""
    major, minor, _ = versions.core(since)
    return f"{major}.{minor - 1}.9" if minor else f"{major - 1}.99.9"


@pytest.mark.parametrize("gate", gates.GATES, ids=[g.key for g in gates.GATES])
def test_every_gate_flips_at_its_release(gate):
    assert gates.RuleSet(gate.since).has(gate)
    assert not gates.RuleSet(_before(gate.since)).has(gate)
    # a pre-release of the gate's release is still on the old side (semver: 1.5.0-rc1 < 1.5.0)
    assert not gates.RuleSet(gate.since + "-rc1").has(gate)


@pytest.mark.parametrize("gate", gates.GATES, ids=[g.key for g in gates.GATES])
def test_every_gate_names_its_source_and_certainty(gate):
    assert gate.source and gate.change
    assert gate.certainty in (gates.KNOWN, gates.INFERRED, gates.CONFLICT, gates.UNPINNED)
    assert versions.is_semver(gate.since)
    if gate.uncertain:
        assert gate.note, f"{gate.key}: an uncertain boundary must say why"


def test_gate_keys_are_unique_and_the_table_is_ordered_by_release():
    keys = [g.key for g in gates.GATES]
    assert len(keys) == len(set(keys))
    releases = [versions.core(g.since) for g in gates.GATES]
    assert releases == sorted(releases)


@pytest.mark.parametrize(
    ("gate", "says_uncertain"),
    [
        pytest.param(gates.PCS_NAME_TRUNCATION, True, id="PCS truncation: probably 1.2, not verified"),
        pytest.param(gates.DISAGGREGATED_SET, True, id="DisaggregatedSet: >= 1.5 likely"),
        pytest.param(gates.RUNTIME_VERSION_ADMISSION, True, id="runtime version: sources conflict"),
        pytest.param(gates.V1BETA1_STORAGE, False, id="v1beta1 storage at 1.5.0 is known"),
        pytest.param(gates.WORKLOAD_PROVIDER, False, id="the workload provider at 1.5.0 is known"),
    ],
)
def test_the_trace_clause_says_when_a_boundary_is_uncertain(gate, says_uncertain):
    clause = gates.RuleSet("1.5.0").why(gate)
    assert gate.source in clause
    assert ("boundary uncertain" in clause) is says_uncertain


def test_the_runtime_version_check_is_only_maybe_on_the_1_4_line():
    g = gates.RUNTIME_VERSION_ADMISSION
    assert [gates.RuleSet(v).maybe(g) for v in ("1.3.1", "1.4.0", "1.4.2", "1.5.0")] == [False, True, True, False]
    assert [gates.RuleSet(v).has(g) for v in ("1.3.1", "1.4.0", "1.5.0")] == [False, True, True]


@pytest.mark.parametrize("line", versions.LINES)
def test_a_rule_set_per_release_line(line):
    rs = gates.for_line(line)
    assert rs.line == line and not rs.newer_than_mirrored
    # what a line adds is exactly what its predecessor lacks
    for g in gates.changes_in(line):
        assert rs.has(g)
        assert not gates.RuleSet(_before(g.since)).has(g)


def test_the_lines_and_their_changes_cover_1_0_to_1_6():
    assert versions.LINES == ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6")
    assert versions.NEWEST_LINE == "1.6" and versions.line_of(versions.NEWEST_KNOWN) == "1.6"
    assert all(gates.changes_in(line) for line in versions.LINES), "every mirrored line changes something"
    with pytest.raises(ValueError, match="unknown release line"):
        gates.for_line("1.9")


@pytest.mark.parametrize(
    ("version", "newer"),
    [
        pytest.param("1.6.2", False, id="a later patch of the newest line is mirrored"),
        pytest.param("1.6.0", False, id="the newest line itself"),
        pytest.param("1.7.0", True, id="1.7 is past the newest mirrored line"),
        pytest.param("v2.0.0", True, id="2.0 is past the newest mirrored line"),
        pytest.param("1.7.0-rc1", True, id="a 1.7 pre-release is past it too"),
        pytest.param("custom-build", False, id="a tag that is not a version is not called newer"),
    ],
)
def test_newer_than_mirrored(version, newer):
    assert versions.newer_than_mirrored(version) is newer


def test_uncertain_here_marks_the_lines_around_an_uncertain_boundary():
    g = gates.PCS_NAME_TRUNCATION  # 1.2.0, inferred
    assert [gates.RuleSet(v).uncertain_here(g) for v in ("1.0.0", "1.1.0", "1.2.0", "1.3.0")] == [False, True, True, False]
    assert not gates.RuleSet("1.5.0").uncertain_here(gates.V1BETA1_STORAGE)


def test_the_gate_table_is_documented():
    """docs/operator-lines.md lists every gate with its release and certainty."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "operator-lines.md").read_text(encoding="utf-8")
    for g in gates.GATES:
        row = next((line for line in doc.splitlines() if f"`{g.key}`" in line), None)
        assert row is not None, f"{g.key} missing from docs/operator-lines.md"
        assert row.startswith(f"| {g.since} |") and g.certainty in row, row
