"""Reading `-f` sources the way kubectl does: files (any name when named explicitly), directories
(`*.yaml`, `*.yml`, `*.json`; subdirectories with `-R`), and `-` for stdin. Multi-document YAML and
JSON, `kind: List` (and `...List`) flattened into its items.

Every document keeps where it came from (file, position, line) for messages. Anything unusable is
an InputError (exit 2) naming the file, and the line when the parser knows it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

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
    for name in filenames:
        for path in _expand(name, recursive):
            if path == STDIN:
                stream = stdin if stdin is not None else sys.stdin
                text = _read_stream(stream)
            else:
                text = _read_file(path)
            docs.extend(parse_documents(text, path))
    return docs


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


def _read_file(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise InputError(f'cannot read "{path}": {e.strerror or e}') from e
    return _decode(data, path)


def _read_stream(stream: TextIO) -> str:
    try:
        data = stream.read()
    except OSError as e:
        raise InputError(f"cannot read stdin: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise InputError("cannot read stdin: not UTF-8 text") from e
    return _decode(data, STDIN) if isinstance(data, bytes) else data


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        name = "stdin" if source == STDIN else f'"{source}"'
        raise InputError(f"cannot read {name}: not UTF-8 text (byte {e.start})") from e


def parse_documents(text: str, source: str) -> list[Document]:
    """Parse one source's text (JSON or multi-document YAML) into checked Kubernetes objects."""
    raw = _parse_json(text) if _looks_like_json(text, source) else None
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


def _parse_json(text: str) -> list[tuple[Any, int | None]] | None:
    """JSON without importing YAML; None when it is not JSON (YAML then reports the error)."""
    try:
        return [(json.loads(text), 1)]
    except ValueError:
        return None


def _parse_yaml(text: str, source: str) -> Iterator[tuple[Any, int | None]]:
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            line = node.start_mark.line + 1 if node is not None and node.start_mark else None
            yield loader.construct_document(node), line
    except yaml.YAMLError as e:
        raise InputError(_yaml_message(e, source)) from e
    finally:
        loader.dispose()


def _yaml_message(e: Any, source: str) -> str:
    name = "stdin" if source == STDIN else f'"{source}"'
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{name} is not valid YAML{where}: {problem}"


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
        what = {list: "a list", str: "a string"}.get(type(obj), f"a {type(obj).__name__}")
        raise InputError(f"{doc.where}: not a Kubernetes object (found {what}, not a mapping with apiVersion and kind)")
    missing = [k for k in ("apiVersion", "kind") if not obj.get(k) or not isinstance(obj.get(k), str)]
    if missing:
        raise InputError(f"{doc.where}: not a Kubernetes object ({' and '.join(missing)} not set)")
