"""The hostile-input corpus (issue 10): what an adversary, a fuzzer or a careless editor hands the
plugin. Each case is one input (the text of `-f`), an id that reads as a sentence, and the words a
correct answer must contain (the field or the problem it names).

Built from two valid DGDs (v1alpha1 and v1beta1, multinode vLLM) by replacing one value at a time,
plus YAML-level cases (bombs, depth, encodings) and object-level ones (not an object, a List of
junk). `cases()` returns all of them; tests/hostile/test_corpus.py runs every command over them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

ESC = "\x1b"
RLM = "\u200f"
RLO = "\u202e"


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    says: tuple[str, ...] = ()  # each must appear in the output (stdout+stderr), case-insensitive
    valid: bool = False  # True: a well-formed input that must still pass (exit 0 allowed)


def v1alpha1() -> dict:
    return {
        "apiVersion": "nvidia.com/v1alpha1",
        "kind": "DynamoGraphDeployment",
        "metadata": {"name": "llm", "annotations": {"nvidia.com/kai-scheduler-queue": "dynamo"}, "labels": {"team": "a"}},
        "spec": {
            "backendFramework": "vllm",
            "envs": [{"name": "HF_HOME", "value": "/cache"}],
            "services": {
                "Frontend": {
                    "componentType": "frontend", "replicas": 1,
                    "extraPodSpec": {"mainContainer": {"image": "vllm-runtime:1.1.0",
                                                       "command": ["python3", "-m", "dynamo.frontend"]}},
                },
                "worker": {
                    "componentType": "worker", "replicas": 1,
                    "multinode": {"nodeCount": 2},
                    "resources": {"limits": {"gpu": "4"}},
                    "envs": [{"name": "A", "value": "1"}],
                    "extraPodSpec": {
                        "schedulerName": "kai-scheduler",
                        "volumes": [{"name": "cache", "emptyDir": {}}],
                        "mainContainer": {
                            "image": "vllm-runtime:1.1.0",
                            "command": ["python3", "-m", "dynamo.vllm"],
                            "args": ["--model", "Qwen/Qwen3-0.6B", "--tensor-parallel-size", "8"],
                            "env": [{"name": "B", "value": "2"}],
                            "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
                        },
                    },
                },
            },
        },
    }


def v1beta1() -> dict:
    return {
        "apiVersion": "nvidia.com/v1beta1",
        "kind": "DynamoGraphDeployment",
        "metadata": {"name": "llm"},
        "spec": {
            "backendFramework": "vllm",
            "components": [
                {"name": "frontend", "type": "frontend", "replicas": 1,
                 "podTemplate": {"spec": {"containers": [{"name": "main", "image": "vllm-runtime:1.1.0",
                                                           "command": ["python3", "-m", "dynamo.frontend"]}]}}},
                {"name": "worker", "type": "worker", "replicas": 1, "multinode": {"nodeCount": 2},
                 "podTemplate": {
                     "metadata": {"annotations": {"a": "b"}},
                     "spec": {
                         "schedulerName": "kai-scheduler",
                         "volumes": [{"name": "cache", "emptyDir": {}}],
                         "containers": [{
                             "name": "main", "image": "vllm-runtime:1.1.0",
                             "command": ["python3", "-m", "dynamo.vllm"],
                             "args": ["--model", "Qwen/Qwen3-0.6B", "--tensor-parallel-size", "8"],
                             "env": [{"name": "B", "value": "2"}],
                             "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
                             "resources": {"limits": {"nvidia.com/gpu": "4"}},
                         }],
                     }}},
            ],
        },
    }


ALPHA_WORKER = ("spec", "services", "worker")
ALPHA_MAIN = (*ALPHA_WORKER, "extraPodSpec", "mainContainer")
BETA_WORKER = ("spec", "components", 1)
BETA_MAIN = (*BETA_WORKER, "podTemplate", "spec", "containers", 0)


def with_value(doc: dict, path: tuple, value: Any) -> dict:
    """A deep copy of `doc` with the value at `path` replaced (created when absent)."""
    out = copy.deepcopy(doc)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def dump(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def dotted(path: tuple) -> str:
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


# Wrong-typed values, by the type a field expects
NOT_A_MAPPING = [("a list", ["x"]), ("a string", "x"), ("an integer", 42), ("a boolean", True)]
NOT_A_LIST = [("a string", "x"), ("a mapping", {"a": "b"}), ("an integer", 5)]
NOT_A_STRING = [("a mapping", {"a": "b"}), ("a list", ["x"]), ("an integer", 5), ("a boolean", False)]

# (path in v1alpha1, path in v1beta1 or None, expected type, field name the message must contain)
TYPED_FIELDS: list[tuple[tuple, tuple | None, str, str]] = [
    (("metadata",), ("metadata",), "mapping", "metadata"),
    (("metadata", "annotations"), ("metadata", "annotations"), "mapping", "annotations"),
    (("metadata", "labels"), ("metadata", "labels"), "mapping", "labels"),
    (("spec",), ("spec",), "mapping", "spec"),
    (("spec", "services"), ("spec", "components"), "collection", "spec."),
    (ALPHA_WORKER, BETA_WORKER, "mapping", "worker"),
    ((*ALPHA_WORKER, "multinode"), (*BETA_WORKER, "multinode"), "mapping", "multinode"),
    ((*ALPHA_WORKER, "resources"), (*BETA_MAIN, "resources"), "mapping", "resources"),
    ((*ALPHA_WORKER, "resources", "limits"), (*BETA_MAIN, "resources", "limits"), "mapping", "limits"),
    ((*ALPHA_WORKER, "extraPodSpec"), (*BETA_WORKER, "podTemplate"), "mapping", "P"),
    (ALPHA_MAIN, (*BETA_WORKER, "podTemplate", "spec"), "mapping", "M"),
    ((*ALPHA_MAIN, "command"), (*BETA_MAIN, "command"), "list", "command"),
    ((*ALPHA_MAIN, "args"), (*BETA_MAIN, "args"), "list", "args"),
    ((*ALPHA_MAIN, "env"), (*BETA_MAIN, "env"), "list", "env"),
    ((*ALPHA_WORKER, "envs"), ("spec", "env"), "list", "env"),
    (("spec", "envs"), None, "list", "envs"),
    ((*ALPHA_WORKER, "extraPodSpec", "volumes"), (*BETA_WORKER, "podTemplate", "spec", "volumes"), "list", "volumes"),
    ((*ALPHA_MAIN, "volumeMounts"), (*BETA_MAIN, "volumeMounts"), "list", "volumeMounts"),
    (None, (*BETA_WORKER, "podTemplate", "spec", "containers"), "list", "containers"),
    ((*ALPHA_WORKER, "extraPodSpec", "schedulerName"), (*BETA_WORKER, "podTemplate", "spec", "schedulerName"), "string", "schedulerName"),
    ((*ALPHA_MAIN, "image"), (*BETA_MAIN, "image"), "string", "image"),
    ((*ALPHA_WORKER, "componentType"), (*BETA_WORKER, "type"), "string", "type"),
    (("spec", "backendFramework"), ("spec", "backendFramework"), "string", "backendFramework"),
    (("metadata", "name"), ("metadata", "name"), "string", "name"),
    (("metadata", "namespace"), ("metadata", "namespace"), "string", "namespace"),
    ((*ALPHA_WORKER, "annotations"), (*BETA_WORKER, "podTemplate", "metadata", "annotations"), "mapping", "annotations"),
]


def _wrong_values(expected: str) -> list[tuple[str, Any]]:
    if expected == "mapping":
        return NOT_A_MAPPING
    if expected == "list":
        return NOT_A_LIST
    if expected == "collection":  # services is a mapping, components a list: a scalar is wrong for both
        return [("an integer", 42), ("a string", "x"), ("a boolean", True)]
    return NOT_A_STRING


def typed_field_cases() -> Iterator[Case]:
    for alpha, beta, expected, _name in TYPED_FIELDS:
        for version, path, base in (("v1alpha1", alpha, v1alpha1), ("v1beta1", beta, v1beta1)):
            if path is None:
                continue
            for what, value in _wrong_values(expected):
                says = (path[-1] if isinstance(path[-1], str) else dotted(path[:-1]).rsplit(".", 1)[-1],)
                yield Case(f"{version} {dotted(path)} is {what}", dump(with_value(base(), path, value)), says)


def element_cases() -> Iterator[Case]:
    """Entries of lists and maps with the wrong type."""
    a, b = v1alpha1, v1beta1
    yield Case("v1alpha1 a service that is a list", dump(with_value(a(), ALPHA_WORKER, ["x"])), ("worker",))
    yield Case("v1alpha1 a service that is a string", dump(with_value(a(), ALPHA_WORKER, "x")), ("worker",))
    yield Case("v1alpha1 a service that is null", dump(with_value(a(), ALPHA_WORKER, None)), ("worker",))
    yield Case("v1beta1 a component that is a string", dump(with_value(b(), BETA_WORKER, "x")), ("components[1]",))
    yield Case("v1beta1 a component that is a list", dump(with_value(b(), BETA_WORKER, [1])), ("components[1]",))
    for lang, path in (("v1alpha1", ALPHA_MAIN), ("v1beta1", BETA_MAIN)):
        base = a if lang == "v1alpha1" else b
        yield Case(f"{lang} command: 5", dump(with_value(base(), (*path, "command"), 5)), ("command",))
        yield Case(f"{lang} a command entry that is an integer", dump(with_value(base(), (*path, "command"), ["python3", 5])), ("command",))
        yield Case(f"{lang} args given as one string", dump(with_value(base(), (*path, "args"), "--tensor-parallel-size 8")), ("args",))
        yield Case(f"{lang} an args entry that is an integer", dump(with_value(base(), (*path, "args"), ["--tensor-parallel-size", 8])), ("args",))
        yield Case(f"{lang} an args entry that is null", dump(with_value(base(), (*path, "args"), ["--tensor-parallel-size", None])), ("args",))
        yield Case(f"{lang} an args entry that is a list", dump(with_value(base(), (*path, "args"), [["--tp", "8"]])), ("args",))
        yield Case(f"{lang} an env entry that is a string", dump(with_value(base(), (*path, "env"), ["A=1"])), ("env",))
        yield Case(f"{lang} an env name that is a list", dump(with_value(base(), (*path, "env"), [{"name": ["A"]}])), ("env",))
        yield Case(f"{lang} a volumeMount entry that is a string", dump(with_value(base(), (*path, "volumeMounts"), ["x"])), ("volumeMounts",))
        yield Case(f"{lang} a volumeMount mountPath that is a mapping", dump(with_value(base(), (*path, "volumeMounts"), [{"name": "cache", "mountPath": {"a": 1}}])), ("mountPath",))
    yield Case("v1beta1 a container that is a string", dump(with_value(b(), (*BETA_WORKER, "podTemplate", "spec", "containers"), ["main"])), ("containers",))
    yield Case("v1beta1 a container name that is an integer", dump(with_value(b(), (*BETA_MAIN, "name"), 5)), ("name",))
    yield Case("v1alpha1 a volume that is a string", dump(with_value(a(), (*ALPHA_WORKER, "extraPodSpec", "volumes"), ["cache"])), ("volumes",))
    yield Case("v1alpha1 a configMap volume name that is a list", dump(with_value(a(), (*ALPHA_WORKER, "extraPodSpec", "volumes"), [{"name": "cache", "configMap": {"name": ["x"]}}])), ("configMap",))
    for ver, base in (("v1alpha1", a), ("v1beta1", b)):
        yield Case(f"{ver} an annotation value that is a YAML 1.1 boolean (off)",
                   dump(base()).replace("metadata:\n  name: llm\n", "metadata:\n  name: llm\n  annotations:\n    nvidia.com/enable-grove: off\n", 1)
                   if ver == "v1beta1" else dump(base()).replace("nvidia.com/kai-scheduler-queue: dynamo", "nvidia.com/enable-grove: off"),
                   ("nvidia.com/enable-grove",))
        yield Case(f"{ver} an annotation value that is an integer", dump(with_value(base(), ("metadata", "annotations"), {"x": 5})), ("annotations",))
        yield Case(f"{ver} a label value that is an integer", dump(with_value(base(), ("metadata", "labels"), {"x": 5})), ("labels",))
        yield Case(f"{ver} a label value that is null", dump(with_value(base(), ("metadata", "labels"), {"x": None})), ("labels",))
        yield Case(f"{ver} an annotation key that is an integer", dump(base()).replace("metadata:\n", "metadata:\n  annotations: {5: x}\n", 1) if ver == "v1beta1" else dump(base()).replace("  annotations:\n    nvidia.com/kai-scheduler-queue: dynamo\n", "  annotations: {5: x}\n"), ("annotations",))


def value_cases() -> Iterator[Case]:
    """Values of the right type that the API server (or the operator) refuses."""
    a, b = v1alpha1, v1beta1
    for gpu, why in (("٤", "arabic-indic digit"), ("４", "fullwidth digit"), (" 4 ", "spaces"), ("²", "superscript"),
                     ("4.0", "a decimal"), ("-4", "negative"), ("0x4", "hex"), ("4\n", "a newline"), ("", "empty"),
                     ("9" * 5000, "5000 digits"), ("1e3", "an exponent")):
        yield Case(f"v1alpha1 gpu {why}", dump(with_value(a(), (*ALPHA_WORKER, "resources", "limits", "gpu"), gpu)), ("gpu",))
        yield Case(f"v1beta1 nvidia.com/gpu {why}", dump(with_value(b(), (*BETA_MAIN, "resources", "limits", "nvidia.com/gpu"), gpu)), ("gpu",))
    for n, why in ((10_000_000_000, "above int32"), (2**31, "int32 + 1"), ("3", "a string"), ("٣", "an arabic-indic string"),
                   (1, "one"), (0, "zero"), (-2, "negative"), (2.5, "a float"), (True, "a boolean")):
        yield Case(f"v1alpha1 nodeCount {why}", dump(with_value(a(), (*ALPHA_WORKER, "multinode", "nodeCount"), n)), ("nodeCount",))
        yield Case(f"v1beta1 nodeCount {why}", dump(with_value(b(), (*BETA_WORKER, "multinode", "nodeCount"), n)), ("nodeCount",))
    for r, why in ((10_000_000_000, "above int32"), (-1, "negative"), ("٢", "an arabic-indic string"), (1.5, "a float"),
                   ("1", "a string")):
        yield Case(f"v1alpha1 replicas {why}", dump(with_value(a(), (*ALPHA_WORKER, "replicas"), r)), ("replicas",))
    for tp, why in (("٨", "arabic-indic"), ("²", "superscript"), ("８", "fullwidth"), ("0", "zero"), ("-8", "negative"),
                    ("9" * 5000, "5000 digits"), ("8.0", "decimal")):
        args = ["--model", "m", "--tensor-parallel-size", tp]
        yield Case(f"v1alpha1 vLLM TP {why}", dump(with_value(a(), (*ALPHA_MAIN, "args"), args)), ("tensor-parallel-size",))
        sg = with_value(with_value(a(), (*ALPHA_MAIN, "command"), ["python3", "-m", "dynamo.sglang"]), (*ALPHA_MAIN, "args"), ["--tp", tp])
        yield Case(f"v1alpha1 SGLang TP {why}", dump(with_value(sg, ("spec", "backendFramework"), "sglang")), ("--tp",))
        tr = with_value(with_value(a(), (*ALPHA_MAIN, "command"), ["python3", "-m", "dynamo.trtllm"]), (*ALPHA_MAIN, "args"), ["--tensor-parallel-size", tp])
        yield Case(f"v1alpha1 TRT-LLM TP {why}", dump(with_value(tr, ("spec", "backendFramework"), "trtllm")), ("tensor",))
    for name, why in (("LLM", "upper-case"), ("llм", "cyrillic"), ("../..", "a path"), ("llm\nx", "a newline"),
                      ("llm" + RLM, "a right-to-left mark"), ("ll" + RLO + "m", "a right-to-left override"),
                      ("-llm", "a leading dash"), ("a" * 64, "64 characters"), ("llm.x", "a dot"),
                      ("l" + ESC + "]0;pwned" + "\x07", "a terminal title escape"), ("llm ", "a trailing space"),
                      ("", "empty")):
        says = ("metadata.name",)
        yield Case(f"v1alpha1 metadata.name {why}", dump(with_value(a(), ("metadata", "name"), name)), says)
        yield Case(f"v1beta1 metadata.name {why}", dump(with_value(b(), ("metadata", "name"), name)), says)
    for ns, why in (("Prod", "upper-case"), ("a/b", "a slash"), ("x" * 64, "64 characters")):
        yield Case(f"v1alpha1 metadata.namespace {why}", dump(with_value(a(), ("metadata", "namespace"), ns)), ("namespace",))
    for svc, why in (("Wörker", "a non-ASCII letter"), ("work\ner", "a newline"), ("worker" + ESC + "[2J", "a clear-screen escape"),
                     ("a" * 64, "64 characters"), ("../x", "a path")):
        doc = a()
        doc["spec"]["services"][svc] = doc["spec"]["services"].pop("worker")
        yield Case(f"v1alpha1 service name with {why}", dump(doc), ("service name",))
        doc = b()
        doc["spec"]["components"][1]["name"] = svc
        yield Case(f"v1beta1 component name with {why}", dump(doc), ("name",))
    for q, why in (("my queue", "a space"), ("Q", "upper-case"), ("q" * 64, "64 characters"), ("q\x07", "a bell")):
        doc = with_value(a(), ("metadata", "annotations"), {"nvidia.com/kai-scheduler-queue": q})
        yield Case(f"KAI queue annotation with {why}", dump(doc), ("kai-scheduler-queue",))
    for v, why in (("nvidia.com/v9", "v9"), ("nvidia.com/v1", "v1"), ("nvidia.com/", "no version"),
                   ("nvidia.com/v1alpha1/x", "an extra segment"), ("nvidia.com/V1ALPHA1", "upper-case")):
        yield Case(f"apiVersion {why}", dump(with_value(a(), ("apiVersion",), v)), ("apiVersion",))
    yield Case("v1alpha1 services: 42 names the type, not 'empty'", dump(with_value(a(), ("spec", "services"), 42)),
               ("spec.services", "integer"))
    yield Case("v1alpha1 26 services", dump(with_value(a(), ("spec", "services"),
                                                         {f"s{i}": {"componentType": "frontend"} for i in range(26)})), ("25",))
    # a quadratic regex in backend detection: many "python" words and no "-m" before the flags
    crafted = "python " * 20000 + "x"
    yield Case("a crafted command line for the backend regex", dump(with_value(a(), (*ALPHA_MAIN, "args"), [crafted])),
               ("worker",))
    # "python3 -m " 3000 times and no dynamo.X: the backtracking regex took minutes (cubic)
    crafted2 = "python3 -m " * 3000 + "x"
    yield Case("a crafted -m ladder for the backend regex", dump(with_value(a(), (*ALPHA_MAIN, "command"), [crafted2])),
               (), valid=True)
    yield Case("a crafted python ladder for flag injection", dump(with_value(a(), (*ALPHA_MAIN, "args"),
                                                                               ["python " * 20000 + "x"])), (), valid=True)
    # terminal escapes inside values that end up in messages
    yield Case("a terminal escape in backendFramework", dump(with_value(a(), ("spec", "backendFramework"), "v" + ESC + "[2Jllm")),
               ("backendFramework",))
    yield Case("a terminal escape in componentType", dump(with_value(a(), (*ALPHA_WORKER, "componentType"), ESC + "]0;x\x07")),
               ("componentType",), valid=True)  # v1alpha1: an unknown componentType is a warning
    yield Case("a C1 control in a label", dump(with_value(a(), ("metadata", "labels"), {"a": "\x9b2J"})), ("labels",))


def yaml_cases() -> Iterator[Case]:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
    laughs = cm + "data:\n  a0: &a0 [lol]\n" + "".join(
        f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))
    yield Case("a billion laughs", laughs, ("excessive aliasing",))
    dgd_laughs = dump(v1alpha1()).replace("  labels:\n    team: a\n", "  labels:\n    team: a\n") + \
        "x:\n  a0: &a0 [lol]\n" + "".join(f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))
    yield Case("a billion laughs inside a DGD", dgd_laughs, ("excessive aliasing",))
    yield Case("a recursive alias", "a: &x {b: *x}\n", ("contains itself",))
    yield Case("a recursive alias in a DGD service", "apiVersion: nvidia.com/v1alpha1\nkind: DynamoGraphDeployment\n"
               "metadata: {name: a}\nspec:\n  services: &s\n    x: *s\n", ("contains itself",))
    yield Case("an unknown anchor", "a: *nope\n", ("nope",))
    yield Case("deep flow nesting", "a: " + "[" * 5000 + "]" * 5000 + "\n", ("depth",))
    yield Case("deep block nesting", "".join("  " * i + "- \n" for i in range(3000)), ("depth",))
    yield Case("deep JSON", "[" * 100_000 + "]" * 100_000, ("depth",))
    yield Case("deep JSON objects", '{"a":' * 50_000 + "1" + "}" * 50_000, ("depth",))
    yield Case("a 5000-digit nodeCount", dump(v1alpha1()).replace("nodeCount: 2", "nodeCount: " + "9" * 5000), ("digits",))
    yield Case("a 5000-digit number in JSON", json.dumps(v1alpha1()).replace('"nodeCount": 2', '"nodeCount": ' + "9" * 5000), ("digits",))
    yield Case("a python object tag", "!!python/object/apply:os.system [echo pwned]\n", ("python",))
    yield Case("a python name tag in a value", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: !!python/name:os.system }\n",
               ("python",))
    yield Case("an unknown local tag", "apiVersion: v1\nkind: ConfigMap\nmetadata: !foo {name: c}\n", ("foo",))
    yield Case("a !!binary value", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: !!binary aGk=}\n", ("binary",))
    yield Case("a !!set value", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: !!set {a, b}\n", ("set",))
    yield Case("an unhashable key", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n? [a, b]\n: 1\n", ("unhashable",))
    yield Case("a merge of a scalar", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  <<: 5\n", ("merging",))
    yield Case("a tab as indentation", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: c\n", ("tab",))
    yield Case("an unclosed quote", 'apiVersion: "v1\nkind: ConfigMap\n', ("line",))
    yield Case("an unclosed flow mapping", "apiVersion: v1\nkind: {ConfigMap\n", ("line",))
    yield Case("a NUL byte", "apiVersion: v1\x00\nkind: ConfigMap\n", ("line",))
    yield Case("a control character", "apiVersion: v1\nkind: Config\x01Map\n", ("line",))
    yield Case("an escape character in a plain scalar", "apiVersion: v1\nkind: Config" + ESC + "[2JMap\n", ("line",))
    yield Case("only a scalar", "hello\n", ("not a Kubernetes object",))
    yield Case("only a list", "- a\n- b\n", ("not a Kubernetes object",))
    yield Case("a JSON array of objects", json.dumps([v1alpha1()]), ("not a Kubernetes object",))
    yield Case("a JSON string", '"x"', ("not a Kubernetes object",))
    yield Case("JSON null", "null", ("no",))
    yield Case("an empty input", "", ("no",))
    yield Case("only comments", "# nothing here\n", ("no",))
    yield Case("only document separators", "---\n---\n...\n", ("no",))
    yield Case("a document end marker then junk", "apiVersion: v1\n...\n}{\n", ("line",))
    yield Case("a directive", "%YAML 9.9\n---\na: 1\n", ("YAML",))
    yield Case("invalid JSON that YAML reads as kind: null", '{"apiVersion": "v1", "kind": }', ("kind",))
    yield Case("trailing JSON garbage", json.dumps(v1alpha1()) + "}", ("line",))
    yield Case("a huge single line", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: " + "x" * 3_000_000 + "}\n",
               (), valid=True)
    yield Case("CRLF line endings", dump(v1alpha1()).replace("\n", "\r\n"), (), valid=True)
    yield Case("a byte-order mark", "\ufeff" + dump(v1alpha1()), (), valid=True)
    yield Case("duplicate keys", dump(v1alpha1()) + "kind: DynamoGraphDeployment\n", (), valid=True)


def object_cases() -> Iterator[Case]:
    yield Case("no apiVersion", "kind: DynamoGraphDeployment\nmetadata: {name: a}\n", ("apiVersion",))
    yield Case("no kind", "apiVersion: nvidia.com/v1alpha1\nmetadata: {name: a}\n", ("kind",))
    yield Case("kind is a list", "apiVersion: v1\nkind: [ConfigMap]\nmetadata: {name: a}\n", ("kind",))
    yield Case("kind is an integer", "apiVersion: v1\nkind: 5\n", ("kind",))
    yield Case("apiVersion is a mapping", "apiVersion: {a: b}\nkind: ConfigMap\n", ("apiVersion",))
    yield Case("kind is a boolean", "apiVersion: v1\nkind: yes\n", ("kind",))
    yield Case("a List whose items is a mapping", "kind: List\nitems: {a: 1}\n", ("apiVersion",))
    yield Case("a List of scalars", "kind: List\nitems: [1, 2]\n", ("not a Kubernetes object",))
    yield Case("a List of Lists", "kind: List\nitems:\n- kind: List\n  items: [1]\n", ("item",))
    yield Case("a DGD with nothing but apiVersion and kind", "apiVersion: nvidia.com/v1alpha1\nkind: DynamoGraphDeployment\n",
               ("metadata.name",))
    yield Case("a DGD with spec: null", "apiVersion: nvidia.com/v1alpha1\nkind: DynamoGraphDeployment\nmetadata: {name: a}\nspec:\n",
               ("spec",))
    yield Case("a DGD with status junk", dump({**v1alpha1(), "status": "x"}), (), valid=True)
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "engine"}, "data": ["x"]}
    trt = with_value(with_value(v1alpha1(), (*ALPHA_MAIN, "command"), ["python3", "-m", "dynamo.trtllm"]),
                     (*ALPHA_MAIN, "args"), ["--extra-engine-args", "/engine/config.yaml"])
    trt = with_value(trt, ("spec", "backendFramework"), "trtllm")
    trt = with_value(trt, (*ALPHA_WORKER, "extraPodSpec", "volumes"), [{"name": "engine", "configMap": {"name": "engine"}}])
    trt = with_value(trt, (*ALPHA_MAIN, "volumeMounts"), [{"name": "engine", "mountPath": "/engine"}])
    yield Case("an engine ConfigMap whose data is a list", dump(cm) + "---\n" + dump(trt), ("data",))
    cm2 = {**cm, "data": {"config.yaml": 5}}
    yield Case("an engine ConfigMap whose value is an integer", dump(cm2) + "---\n" + dump(trt), ("data",))
    cm3 = {**cm, "data": {"config.yaml": "tensor_parallel_size: ٨\n"}}
    yield Case("an engine config with a non-ASCII TP", dump(cm3) + "---\n" + dump(trt), ("tensor_parallel_size",))
    yield Case("a ConfigMap metadata.name that is a list", dump({**cm, "metadata": {"name": ["engine"]}, "data": {}}) + "---\n" + dump(trt),
               ("name",))
    items = with_value(trt, (*ALPHA_WORKER, "extraPodSpec", "volumes"),
                       [{"name": "engine", "configMap": {"name": "engine", "items": "x"}}])
    yield Case("configMap volume items that is a string", dump({**cm, "data": {"config.yaml": ""}}) + "---\n" + dump(items), ("items",))


def cases() -> list[Case]:
    out = [*typed_field_cases(), *element_cases(), *value_cases(), *yaml_cases(), *object_cases()]
    ids = [c.id for c in out]
    dupes = {i for i in ids if ids.count(i) > 1}
    assert not dupes, dupes
    return out
