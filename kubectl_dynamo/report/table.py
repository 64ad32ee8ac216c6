"""kubectl-style plain tables: upper-case headers, columns padded and separated by three spaces,
no borders, no trailing blanks (what kubectl's tabwriter with padding 3 prints).

Hand-rolled rather than tabulate: it is a dozen lines, costs nothing to import, and measures cells
without ANSI escapes so coloured cells stay aligned.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

SEPARATOR = "   "
_ANSI = re.compile(r"\033\[[0-9;]*m")


def visible_len(text: str) -> int:
    return len(_ANSI.sub("", text))


def cell(value: Any) -> str:
    """How a value reads in a table cell: None as `<none>` like kubectl, the rest as str."""
    if value is None:
        return "<none>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render(headers: Sequence[str], rows: Sequence[Sequence[Any]], indent: str = "") -> str:
    """The table as text ending in a newline; `indent` prefixes every line (describe-style)."""
    head = [h.upper() for h in headers]
    body = [[cell(v) for v in row] for row in rows]
    widths = [visible_len(h) for h in head]
    for row in body:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], visible_len(value))
    lines = []
    for row in [head, *body]:
        parts = [value + " " * (widths[i] - visible_len(value)) for i, value in enumerate(row)]
        lines.append((indent + SEPARATOR.join(parts)).rstrip())
    return "\n".join(lines) + "\n"
