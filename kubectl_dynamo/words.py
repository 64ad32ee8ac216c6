"""How the plugin words a count, the one way every message and table does: `1 node`, `2 nodes`,
`0 errors` (never `node(s)`). Pure; used by checks/, report/ and cli/."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """`n word`, with `many` (default: word + "s") unless n is 1."""
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"
