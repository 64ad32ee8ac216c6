"""Colour, decided once per stream: `--color always|never` wins, then `NO_COLOR`
(https://no-color.org: present and non-empty disables), then "is this stream a terminal".

No escape code is ever written to a pipe or file unless the user asked with `--color always`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

_RESET = "\033[0m"
_CODES = {
    "red": "\033[31m",
    "green": "\033[32m",
    "yellow": "\033[33m",
    "blue": "\033[34m",
    "magenta": "\033[35m",
    "cyan": "\033[36m",
    "bold": "\033[1m",
    "dim": "\033[2m",
}


def decide(mode: str | None, stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to colour what goes to `stream`."""
    env = os.environ if environ is None else environ
    if mode == "always":
        return True
    if mode == "never":
        return False
    if env.get("NO_COLOR"):
        return False
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # closed stream
        return False


class Palette:
    """Styling helpers; every one is the identity when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _paint(self, text: str, *styles: str) -> str:
        if not self.enabled or not text:
            return text
        return "".join(_CODES[s] for s in styles) + text + _RESET

    def error(self, text: str) -> str:
        return self._paint(text, "bold", "red")

    def warn(self, text: str) -> str:
        return self._paint(text, "yellow")

    def ok(self, text: str) -> str:
        return self._paint(text, "green")

    def info(self, text: str) -> str:
        return self._paint(text, "cyan")

    def bold(self, text: str) -> str:
        return self._paint(text, "bold")

    def dim(self, text: str) -> str:
        return self._paint(text, "dim")

    def series(self, index: int, text: str) -> str:
        """One of a cycle of colours by index (e.g. a rank), for telling many sources apart."""
        return self._paint(text, *SERIES[index % len(SERIES)])

    def severity(self, severity: str, text: str | None = None) -> str:
        """Colour `text` (default: the severity word) by a finding severity or check status."""
        text = severity if text is None else text
        if severity in ("error", "fail"):
            return self.error(text)
        if severity in ("warning", "warn"):
            return self.warn(text)
        if severity in ("info", "skip"):
            return self.info(text)
        if severity in ("ok", "pass"):
            return self.ok(text)
        return text


# `logs` prefixes by rank: the leader (0) cyan, then workers; red is left to errors
SERIES = (("cyan",), ("green",), ("magenta",), ("yellow",), ("blue",), ("bold", "cyan"), ("bold", "green"),
          ("bold", "magenta"), ("bold", "yellow"), ("bold", "blue"))

PLAIN = Palette(False)


def palette_for(stream: TextIO, mode: str | None = "auto", environ: Mapping[str, str] | None = None) -> Palette:
    return Palette(decide(mode, stream, environ))
