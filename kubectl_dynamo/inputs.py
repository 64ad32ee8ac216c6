"""Reading `-f` sources the way kubectl does: files (any name when named explicitly), directories
(`*.yaml`, `*.yml`, `*.json`; subdirectories with `-R`), and `-` for stdin. Multi-document YAML and
JSON, `kind: List` (and `...List`) flattened into its items.

Every document keeps where it came from (file, position, line) for messages. Anything unusable is
an InputError (exit 2) naming the file, and the line when the parser knows it.

Reading is bounded (kubectl_dynamo/limits.py): at most MAX_INPUT_BYTES in all, nesting at most
MAX_DEPTH deep after alias expansion, alias expansion refused as go-yaml (kubectl) refuses it
("document contains excessive aliasing"), recursive aliases refused ("anchor 'x' value contains
itself"), and only values that have a JSON form (a Kubernetes manifest is JSON): YAML timestamps
stay the strings they were, as kubectl reads them; !!binary, !!set, !!omap and !!pairs are refused.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from kubectl_dynamo import limits
from kubectl_dynamo.errors import InputError

STDIN = "-"
MANIFEST_EXTENSIONS = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Document:
    """One Kubernetes object read from an input."""

    obj: dict
    source: str  # the path as given (joined for directory entries), or "-" for stdin
    index: int = 0  # position of the document in its source, from 0
    line: int | None = None  # 1-based line where the document starts, when known
    item: int | None = None  # position inside a `kind: List`, when it came from one

    @property
    def where(self) -> str:
        """`file.yaml`, `file.yaml (document 2, line 14)`, `stdin (document 1, item 3)`."""
        name = "stdin" if self.source == STDIN else self.source
        details = []
        if self.index or self.line not in (None, 1):
            details.append(f"document {self.index + 1}")
        if self.item is not None:
            details.append(f"item {self.item + 1}")
        if self.line not in (None, 1):
            details.append(f"line {self.line}")
        return f"{name} ({', '.join(details)})" if details else name

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind", ""))

    @property
    def name(self) -> str:
        meta = self.obj.get("metadata")
        return str(meta.get("name", "")) if isinstance(meta, dict) else ""


def read_documents(
    filenames: Sequence[str], recursive: bool = False, stdin: TextIO | None = None
) -> list[Document]:
    """All documents of all `-f` sources, in order. Raises InputError."""
    if list(filenames).count(STDIN) > 1:
        raise InputError('"-" (stdin) can be given to -f only once')
    docs: list[Document] = []
    budget = _Budget()
    for name in filenames:
        for path in _expand(name, recursive):
            if path == STDIN:
                text = _read_stream(stdin if stdin is not None else sys.stdin, budget)
            else:
                text = _read_file(path, budget)
            docs.extend(parse_documents(text, path))
    return docs


class _Budget:
    """What is left of MAX_INPUT_BYTES for the sources still to read."""

    def __init__(self) -> None:
        self.left = limits.MAX_INPUT_BYTES

    def take(self, size: int, source: str) -> None:
        if size > self.left:
            name = "stdin" if source == STDIN else f'"{source}"'
            raise InputError(f"{name}: the input is larger than {limits.human_bytes(limits.MAX_INPUT_BYTES)}, the limit "
                             "for one command (an object the API server stores is at most 1.5 MiB): "
                             "split it, or pass the file that was meant")
        self.left -= size


def _expand(name: str, recursive: bool) -> Iterator[str]:
    if name == STDIN:
        yield STDIN
        return
    if not os.path.exists(name):
        raise InputError(f'the path "{name}" does not exist')
    if not os.path.isdir(name):
        yield name
        return
    if recursive:
        for root, dirs, files in os.walk(name):
            dirs.sort()
            for f in sorted(files):
                if f.endswith(MANIFEST_EXTENSIONS):
                    yield os.path.join(root, f)
    else:
        for f in sorted(os.listdir(name)):
            path = os.path.join(name, f)
            if f.endswith(MANIFEST_EXTENSIONS) and os.path.isfile(path):
                yield path


def _read_file(path: str, budget: _Budget) -> str:
    """At most what is left of the budget, plus one byte to tell "too large" (so `-f /dev/zero`
    or a 50 MB file is refused at once instead of filling memory)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(budget.left + 1)
    except OSError as e:
        raise InputError(f'cannot read "{path}": {e.strerror or e}') from e
    budget.take(len(data), path)
    return _decode(data, path)


def _read_stream(stream: TextIO | None, budget: _Budget) -> str:
    if stream is None or getattr(stream, "closed", False):  # `<&-`: Python sets sys.stdin to None
        raise InputError("cannot read stdin: it is closed (pipe the manifest in, or name a file with -f)")
    raw = getattr(stream, "buffer", None)  # bytes, so that a BOM and bad UTF-8 read as for files
    try:
        data: bytes | str = raw.read(budget.left + 1) if raw is not None else stream.read(budget.left + 1)
    except OSError as e:
        raise InputError(f"cannot read stdin: {e.strerror or e}") from e
    except (UnicodeDecodeError, ValueError) as e:  # ValueError: I/O operation on closed file
        what = "not UTF-8 text" if isinstance(e, UnicodeDecodeError) else "it is closed"
        raise InputError(f"cannot read stdin: {what}") from e
    budget.take(len(data), STDIN)
    return _decode(data, STDIN) if isinstance(data, bytes) else data


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        name = "stdin" if source == STDIN else f'"{source}"'
        raise InputError(f"cannot read {name}: not UTF-8 text (byte {e.start})") from e


def parse_documents(text: str, source: str) -> list[Document]:
    """Parse one source's text (JSON or multi-document YAML) into checked Kubernetes objects."""
    raw = _parse_json(text, source) if _looks_like_json(text, source) else None
    if raw is None:
        raw = list(_parse_yaml(text, source))
    docs: list[Document] = []
    for index, (obj, line) in enumerate(raw):
        if obj is None:  # an empty document (`---` at the end, comments only)
            continue
        doc = Document(obj=obj, source=source, index=index, line=line)
        if _is_list(obj):  # kubectl's List needs no apiVersion to be read back
            docs.extend(_flatten(doc))
        else:
            _check_object(doc)
            docs.append(doc)
    return docs


def _looks_like_json(text: str, source: str) -> bool:
    return source.endswith(".json") or text.lstrip().startswith(("{", "["))


class _TooLong(ValueError):
    pass


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > limits.MAX_INT_DIGITS:
        raise _TooLong(text)
    return int(text)


def _parse_json(text: str, source: str) -> list[tuple[Any, int | None]] | None:
    """JSON without importing YAML; None when it is not JSON (YAML then reports the error)."""
    try:
        obj = json.loads(text, parse_int=_json_int)
    except _TooLong as e:
        raise InputError(f"{_name(source)}: {_too_long(str(e))}") from None
    except RecursionError:
        raise InputError(f"{_name(source)} is not usable JSON: exceeded max depth of {limits.MAX_DEPTH}") from None
    except ValueError:
        return None
    if _json_depth(obj) > limits.MAX_DEPTH:
        raise InputError(f"{_name(source)} is not usable JSON: exceeded max depth of {limits.MAX_DEPTH}")
    return [(obj, 1)]


def _json_depth(obj: Any) -> int:
    deepest, stack = 0, [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, depth)
            if depth <= limits.MAX_DEPTH:
                stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return deepest


def _too_long(digits: str) -> str:
    return (f"the number {digits[:12]}... has {len(digits.lstrip('-'))} digits; no Kubernetes field holds one "
            f"longer than {limits.MAX_INT_DIGITS} digits")


def _name(source: str) -> str:
    return "stdin" if source == STDIN else f'"{source}"'


def _parse_yaml(text: str, source: str) -> Iterator[tuple[Any, int | None]]:
    import yaml

    loader = _loader_class()(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            line = node.start_mark.line + 1 if node is not None and node.start_mark else None
            if node is not None:
                _check_nodes(node, text, source)
            yield loader.construct_document(node), line
    except yaml.YAMLError as e:
        raise InputError(_yaml_message(e, source, text)) from e
    except RecursionError:  # the pure-Python composer (no libyaml) recurses per level
        raise InputError(f"{_name(source)} is not usable YAML: exceeded max depth of {limits.MAX_DEPTH}") from None
    finally:
        loader.dispose()


_LOADER: Any = None
_NO_JSON_FORM = {"tag:yaml.org,2002:binary": "!!binary", "tag:yaml.org,2002:set": "!!set",
                 "tag:yaml.org,2002:omap": "!!omap", "tag:yaml.org,2002:pairs": "!!pairs"}
_INT_TAG = "tag:yaml.org,2002:int"


def _loader_class() -> Any:
    """libyaml's safe loader (the pure-Python one without it), reading timestamps as strings."""
    global _LOADER
    if _LOADER is None:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

        class BoundedLoader(base):  # type: ignore[misc, valid-type]
            pass

        def timestamp_as_text(loader: Any, node: Any) -> str:
            return str(node.value)

        BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", timestamp_as_text)
        _LOADER = BoundedLoader
    return _LOADER


def _check_nodes(root: Any, text: str, source: str) -> None:
    """Bound one composed document before anything is built from it.

    The composer shares one node for an anchor and all its aliases, so the graph is small even when
    its expansion is astronomic; this walk (iterative, each node once, in document order) counts
    what decoding would cost with every alias expanded, as go-yaml counts it while it decodes: the
    nodes decoded so far (decodeCount) and how many of them were decoded inside an alias expansion
    (aliasCount), checked at every step, so a bomb stops at its first alias that tips the ratio. It
    also measures nesting depth after expansion. A reference to a node that is still open is a
    recursive alias. Raises InputError."""
    import yaml

    def fail(node: Any, problem: str) -> InputError:
        mark = node.start_mark
        return InputError(f"{_name(source)} is not usable YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}")

    open_, done = 1, 2
    state: dict[int, int] = {}
    decoded: dict[int, int] = {}  # complete node -> nodes decoded for it, its aliases expanded
    height: dict[int, int] = {}
    # per open node: (node, its children, next child to look at, the children's edges so far as
    # (child, is an alias)). An edge is an alias when its node was already complete, in document
    # order, as the composer read it.
    stack: list[tuple[Any, list[Any], list[int], list[tuple[Any, bool]]]] = []
    running = [0, 0]  # decodeCount, aliasCount of the document so far

    def enter(node: Any) -> None:
        state[id(node)] = open_
        running[0] += 1
        if node.tag in _NO_JSON_FORM:
            raise fail(node, f"a {_NO_JSON_FORM[node.tag]} value has no JSON form (a Kubernetes manifest is JSON)")
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _INT_TAG and len(node.value.lstrip("+-")) > limits.MAX_INT_DIGITS:
                raise fail(node, _too_long(node.value))
            children: list[Any] = []
        elif isinstance(node, yaml.MappingNode):
            children = [c for pair in node.value for c in pair]
        else:
            children = list(node.value)
        stack.append((node, children, [0], []))

    enter(root)
    while stack:
        node, children, cursor, edges = stack[-1]
        if cursor[0] < len(children):
            child = children[cursor[0]]
            cursor[0] += 1
            seen = state.get(id(child))
            if seen == open_:
                raise fail(child, f"anchor {_anchor_name(child, text)!r} value contains itself")
            edges.append((child, seen == done))
            if seen is None:
                enter(child)
            else:  # an alias: go-yaml decodes the alias node, then its whole target again
                running[0] += 1 + decoded[id(child)]
                running[1] += decoded[id(child)]
                if limits.excessive_aliasing(*running):
                    raise fail(node, f"document contains excessive aliasing (after {_count(running[0])} nodes, "
                                      f"{_count(running[1])} of them from aliases)")
            continue
        stack.pop()
        n_decoded, deepest = 1, 0
        for child, is_alias in edges:
            n_decoded += decoded[id(child)] + (1 if is_alias else 0)
            deepest = max(deepest, height[id(child)])
        key = id(node)
        decoded[key] = n_decoded
        height[key] = deepest + (0 if isinstance(node, yaml.ScalarNode) else 1)
        state[key] = done
        if height[key] > limits.MAX_DEPTH:
            raise fail(node, f"exceeded max depth of {limits.MAX_DEPTH}")


def _anchor_name(node: Any, text: str) -> str:
    m = re.match(r"&([^\s,\[\]{}]+)", text[node.start_mark.index:node.start_mark.index + 200])
    return m.group(1) if m else "?"


def _count(n: int) -> str:
    return f"{n:,}" if n < 10**15 else f"~10^{len(str(n)) - 1}"


def _yaml_message(e: Any, source: str, text: str = "") -> str:
    name = _name(source)
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    if mark is not None:
        line, column, index = mark.line + 1, mark.column + 1, mark.index
    elif isinstance(getattr(e, "position", None), int):  # a ReaderError: a character YAML may not hold
        index = e.position
        line = text.count("\n", 0, index) + 1
        column, index = index - (text.rfind("\n", 0, index) + 1) + 1, index
        problem = f"unacceptable character #x{ord(text[index]):04x}: control characters are not allowed" \
            if index < len(text) else problem
    else:
        return f"{name} is not valid YAML: {problem}"
    at = text[index:index + 1]
    if problem == "found undefined alias":  # libyaml leaves the name out; kubectl names it
        alias = re.match(r"\*([^\s,\[\]{}]+)", text[index:index + 200])
        problem = f"unknown anchor {alias.group(1)!r} referenced" if alias else problem
    elif at == "\t" and "cannot start any token" in problem:
        problem = "found a tab character where indentation is expected (YAML indents with spaces only)"
    return f"{name} is not valid YAML at line {line}, column {column}: {problem}"


def _is_list(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    kind = obj.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and isinstance(obj.get("items"), list)


def _flatten(doc: Document) -> list[Document]:
    out = []
    for i, item in enumerate(doc.obj["items"]):
        child = Document(obj=item, source=doc.source, index=doc.index, line=doc.line, item=i)
        _check_object(child)
        out.append(child)
    return out


def _check_object(doc: Document) -> None:
    obj: Any = doc.obj
    if not isinstance(obj, dict):
        what = "a list" if isinstance(obj, list) else "a string" if isinstance(obj, str) else f"a {type(obj).__name__}"
        raise InputError(f"{doc.where}: not a Kubernetes object (found {what}, not a mapping with apiVersion and kind)")
    missing = [k for k in ("apiVersion", "kind") if not obj.get(k) or not isinstance(obj.get(k), str)]
    if missing:
        raise InputError(f"{doc.where}: not a Kubernetes object ({' and '.join(missing)} not set)")


def configmaps(docs: Sequence[Document]) -> dict[str, dict[str, str]]:
    """The input's ConfigMaps, name -> data (TRT-LLM engine settings live in them); one whose
    name or data has the wrong type is unusable input (InputError naming it)."""
    from kubectl_dynamo.dgd import model, wellformed

    for doc in docs:
        if model.is_configmap(doc.obj):
            problem = wellformed.configmap_problem(doc.obj)
            if problem:
                raise InputError(f"{doc.where}: ConfigMap {doc.name or '<unnamed>'}: {problem}")
    return model.configmaps_by_name([d.obj for d in docs])
