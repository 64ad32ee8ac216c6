"""One typed accessor for raw documents: every read names the field and the type it expects, and a
value of another type becomes a finding (BAD_FIELD_TYPE) naming both, never a Python exception.

Types are the CRD's (and core/v1's): what the API server would refuse, the plugin refuses offline
with the same field path. YAML 1.1 reads unquoted `off`, `yes`, `on`, `no` as booleans (go-yaml, and
so kubectl, does too): where a string is expected the finding says to quote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kubectl_dynamo.dgd.findings import ERROR, Finding

BAD_FIELD_TYPE = "BAD_FIELD_TYPE"


@dataclass(frozen=True)
class Type:
    """An expected type: its name in messages and the test a value must pass."""

    name: str
    accepts: Callable[[Any], bool]
    item: Type | None = None  # for lists and maps of one kind of value


_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")


def ascii_int(text: str) -> int | None:
    """A whole number written in ASCII digits only, as the API server and the operator (Go's
    strconv) read it: no sign, no spaces, no other scripts' digits (Python's isdigit() and int()
    take "٤" and "４" as 4 and fail on "²"), at most 18 digits (int64 range)."""
    return int(text) if _ASCII_DIGITS.fullmatch(text) else None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


MAPPING = Type("a mapping", lambda v: isinstance(v, dict))
LIST = Type("a list", lambda v: isinstance(v, list))
STRING = Type("a string", lambda v: isinstance(v, str))
INTEGER = Type("an integer", _is_int)
STRINGS = Type("a list of strings", lambda v: isinstance(v, list), item=STRING)
MAPPINGS = Type("a list of mappings", lambda v: isinstance(v, list), item=MAPPING)
STRING_MAP = Type("a mapping of strings to strings", lambda v: isinstance(v, dict), item=STRING)


def describe(value: Any) -> str:
    """How a found value reads in a message: its type, and the value itself when short."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if _is_int(value):
        text = str(value) if len(str(value)) <= 24 else str(value)[:20] + "..."
        return f"an integer ({text})"
    if isinstance(value, float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"a string ({quote(value)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def quote(value: str, limit: int = 40) -> str:
    """A user string in a message: double-quoted, cut at `limit` characters, anything that is not
    printable (newlines, escapes, bidi marks) written as an escape so it cannot move the text."""
    text = value if len(value) <= limit else value[:limit] + "..."
    out = []
    for ch in text:
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return '"' + "".join(out) + '"'


def _hint(expected: Type, value: Any) -> str | None:
    if expected is STRING and isinstance(value, bool):
        return "quote the value: YAML reads unquoted true/false/yes/no/on/off as booleans, as kubectl does"
    if expected is STRING and isinstance(value, (int, float)):
        return "quote the value: the field holds a string"
    if expected in (STRINGS, LIST, MAPPINGS) and isinstance(value, str):
        return "write it as a YAML list, one entry per item (e.g. [\"--tensor-parallel-size\", \"8\"] for args)"
    if expected is INTEGER and isinstance(value, str):
        return "write it as a number, without quotes"
    return None


@dataclass
class Reader:
    """Reads fields of one document; `findings` collects every field of the wrong type."""

    findings: list[Finding] = field(default_factory=list)

    def get(self, obj: Any, key: str, path: str, expected: Type, service: str | None = None) -> Any:
        """obj[key] when it has the expected type (its items too, for lists and maps of one kind);
        None when absent or null; otherwise None and a finding. Entries of a list or map with the
        wrong type are reported one by one and left out of the value returned."""
        if not isinstance(obj, dict):
            return None
        value = obj.get(key)
        return self.check(value, f"{path}.{key}" if path else key, expected, service)

    def check(self, value: Any, path: str, expected: Type, service: str | None = None) -> Any:
        if value is None:
            return None
        if not expected.accepts(value):
            self.bad(path, expected, value, service)
            return None
        if expected.item is None:
            return value
        if isinstance(value, list):
            kept = []
            for i, v in enumerate(value):
                if expected.item.accepts(v):
                    kept.append(v)
                else:
                    self.bad(f"{path}[{i}]", expected.item, v, service)
            return kept
        kept_map = {}
        for k, v in value.items():
            if not isinstance(k, str):
                self.bad(f"{path} key {describe(k)}", STRING, k, service, what="key")
            elif not expected.item.accepts(v):
                self.bad(f"{path}.{k}", expected.item, v, service)
            else:
                kept_map[k] = v
        return kept_map

    def bad(self, path: str, expected: Type, value: Any, service: str | None, what: str = "") -> None:
        message = f"{path}: expected {expected.name}, found {describe(value)}" if not what else \
            f"{path}: every {what} must be a string"
        self.findings.append(Finding(ERROR, BAD_FIELD_TYPE, message, service, _hint(expected, value)))
