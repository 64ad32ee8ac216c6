"""kubectl_dynamo.inputs: reading -f sources."""

from __future__ import annotations

import io

import pytest

from kubectl_dynamo.errors import InputError
from kubectl_dynamo.inputs import Document, parse_documents, read_documents

from .conftest import DATA

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
