"""kubectl_dynamo.inputs: reading -f sources."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kubectl_dynamo.errors import InputError
from kubectl_dynamo.inputs import Document, parse_documents, read_documents

DATA = Path(__file__).resolve().parents[1] / "cli" / "data"  # the CLI tests' manifests

DGD = "apiVersion: nvidia.com/v1alpha1\nkind: DynamoGraphDeployment\nmetadata: {name: %s}\n"


def test_multi_document_yaml_keeps_index_and_line():
    text = "# comment\n" + DGD % "a" + "---\n" + DGD % "b" + "---\n"
    docs = parse_documents(text, "f.yaml")
    assert [(d.name, d.index, d.line) for d in docs] == [("a", 0, 2), ("b", 1, 6)]
    assert docs[1].where == "f.yaml (document 2, line 6)"


def test_empty_documents_are_skipped():
    assert parse_documents("---\n# nothing\n---\n", "f.yaml") == []


def test_json_and_list_flattening_without_api_version_on_the_list():
    text = '{"kind": "List", "items": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}]}'
    (doc,) = parse_documents(text, "l.json")
    assert (doc.kind, doc.name, doc.item) == ("ConfigMap", "c", 0)
    assert doc.where == "l.json (item 1)"


def test_typed_lists_are_flattened_too():
    text = "apiVersion: nvidia.com/v1alpha1\nkind: DynamoGraphDeploymentList\nitems:\n- " + (DGD % "x").replace("\n", "\n  ")
    assert [d.name for d in parse_documents(text, "f.yaml")] == ["x"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("- a\n- b\n", "f.yaml: not a Kubernetes object (found a list"),
        ("just text\n", "f.yaml: not a Kubernetes object (found a string"),
        ("kind: Pod\n", "f.yaml: not a Kubernetes object (apiVersion not set)"),
        (DGD % "a" + "---\nfoo: 1\n", "f.yaml (document 2, line 5): not a Kubernetes object"),
        ('{"kind": "List", "items": [{"kind": "Pod"}]}', "f.yaml (item 1): not a Kubernetes object (apiVersion not set)"),
        ("a: [1\n", '"f.yaml" is not valid YAML at line 2, column 1'),
    ],
    ids=["a list", "a scalar", "no apiVersion", "a later document", "a List item", "broken YAML"],
)
def test_unusable_documents(text, message):
    with pytest.raises(InputError) as e:
        parse_documents(text, "f.yaml")
    assert str(e.value).startswith(message), str(e.value)
    assert e.value.exit_code == 2


def test_byte_order_mark_is_ignored(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (DGD % "bom").encode())
    assert read_documents([str(path)])[0].name == "bom"


def test_non_utf8_is_unusable(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n")
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_documents([str(path)])


def test_explicit_files_are_read_whatever_their_extension(tmp_path):
    path = tmp_path / "manifest.txt"
    path.write_text(DGD % "txt")
    assert read_documents([str(path)])[0].name == "txt"


def test_stdin_stream():
    docs = read_documents(["-"], stdin=io.StringIO(DGD % "in"))
    assert [(d.source, d.where) for d in docs] == [("-", "stdin")]


def test_missing_path():
    with pytest.raises(InputError, match='the path "nope.yaml" does not exist'):
        read_documents(["nope.yaml"])


def test_directory_order_and_recursion():
    flat = [d.source for d in read_documents([str(DATA / "dir")])]
    deep = [d.source for d in read_documents([str(DATA / "dir")], recursive=True)]
    assert flat == [str(DATA / "dir" / "a.yaml")]
    assert deep == [str(DATA / "dir" / "a.yaml"), str(DATA / "dir" / "sub" / "b.yml")]


def test_document_where_for_a_plain_file():
    assert Document(obj={}, source="x.yaml").where == "x.yaml"


# --- bounded reading (issue 10): every limit in kubectl_dynamo/limits.py gives one clear line -------

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"


def laughs(levels: int = 9, fanout: int = 9) -> str:
    """The billion-laughs document: each level an anchor holding `fanout` aliases of the one below."""
    lines = [CM + "data:", "  a0: &a0 [lol]"]
    lines += [f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fanout)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def _input_error(text: str, source: str = "f.yaml") -> str:
    with pytest.raises(InputError) as e:
        parse_documents(text, source)
    assert e.value.exit_code == 2
    return str(e.value)


def test_a_billion_laughs_stops_at_once_in_kubectls_words():
    # 9 levels of 9 would expand to 387 million nodes; go-yaml's ratio stops it after a few thousand
    message = _input_error(laughs())
    assert message.startswith('"f.yaml" is not usable YAML at line 9, column 7: document contains excessive aliasing'), message


def test_ordinary_anchors_pass():
    text = CM + "data:\n  env: &e [a, b, c]\n  again: *e\n  more: [*e, *e]\n"
    (doc,) = parse_documents(text, "f.yaml")
    assert doc.obj["data"]["more"] == [["a", "b", "c"], ["a", "b", "c"]]


@pytest.mark.parametrize("text", ["a: &x {b: *x}\n", "a: &x [1, [2, *x]]\n"], ids=["in a mapping", "two levels down"])
def test_a_recursive_alias_is_refused(text):
    assert _input_error(text).endswith("line 1, column 4: anchor 'x' value contains itself")


@pytest.mark.parametrize(
    "text, source",
    [
        ("[" * 5000 + "]" * 5000, "f.json"),
        ('{"a": ' * 100_000 + "1" + "}" * 100_000, "f.json"),
        ("a: " + "[" * 101 + "]" * 101 + "\n", "f.yaml"),
    ],
    ids=["json arrays", "json objects (RecursionError in json)", "yaml flow"],
)
def test_nesting_is_bounded(text, source):
    assert "exceeded max depth of 100" in _input_error(text, source)


def test_deep_nesting_through_aliases_is_bounded():
    text = "".join(f"l{i}: &l{i} [[[[[[[[[[*l{i - 1}]]]]]]]]]]\n" if i else "l0: &l0 [x]\n" for i in range(12))
    assert "exceeded max depth of 100" in _input_error(text)


@pytest.mark.parametrize("text, source", [(CM + "data: {n: " + "7" * 5000 + "}\n", "f.yaml"),
                                          ('{"apiVersion": "v1", "n": ' + "7" * 5000 + "}", "f.json")],
                         ids=["yaml", "json"])
def test_a_5000_digit_number_is_refused_not_a_value_error(text, source):
    assert "the number 777777777777... has 5000 digits" in _input_error(text, source)


def test_timestamps_stay_the_strings_they_were():
    (doc,) = parse_documents(CM + "data: {day: 2001-12-14, at: 2024-01-02T03:04:05Z}\n", "f.yaml")
    assert doc.obj["data"] == {"day": "2001-12-14", "at": "2024-01-02T03:04:05Z"}


@pytest.mark.parametrize("value, tag", [("!!binary aGk=", "!!binary"), ("!!set {a, b}", "!!set"),
                                        ("!!omap [a: 1]", "!!omap")])
def test_values_with_no_json_form_are_refused(value, tag):
    assert f"a {tag} value has no JSON form" in _input_error(CM + f"data:\n  x: {value}\n")


def test_dev_zero_is_refused_at_the_size_limit():
    with pytest.raises(InputError, match='"/dev/zero": the input is larger than 16 MiB'):
        read_documents(["/dev/zero"])


def test_a_50_mb_file_is_refused_without_reading_it_all(tmp_path):
    import tracemalloc

    path = tmp_path / "big.yaml"
    with path.open("w") as f:
        f.write(CM + "data:\n")
        line = "  k%07d: " + "x" * 90 + "\n"
        for i in range(500_000):
            f.write(line % i)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="the input is larger than 16 MiB, the limit for one command"):
            read_documents([str(path)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * 1024 * 1024, f"reading a refused 50 MB file peaked at {peak / 2**20:.0f} MiB"


def test_the_limit_is_for_all_sources_together(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    filler = "# " + "x" * 1000 + "\n"
    for p in (a, b):
        p.write_text(CM + filler * (9 * 1024))  # 9 MiB each: either alone passes
    assert read_documents([str(a)])
    with pytest.raises(InputError, match=f'"{b}": the input is larger than 16 MiB'):
        read_documents([str(a), str(b)])


def test_a_closed_stdin_is_one_line_and_exit_2():
    import subprocess
    import sys

    res = subprocess.run(f"{sys.executable} -m kubectl_dynamo validate -f - <&-", shell=True, capture_output=True,
                         text=True, timeout=60)
    assert (res.returncode, res.stdout) == (2, "")
    assert res.stderr == "error: cannot read stdin: it is closed (pipe the manifest in, or name a file with -f)\n"
