"""Nothing a manifest, a kubeconfig or a server says can drive the terminal (issue 10): control
characters are escaped in everything the plugin prints.

Unsafe: C0 controls but tab and newline (ESC starts the sequences that retitle, clear or move), DEL,
C1 controls (0x9b is a one-byte CSI on some terminals), and the Unicode bidi controls that reorder
what a line seems to say. They are written visibly: ESC as `^[` and CR as `\\r` as kubectl does
(cli-runtime printers.EscapeTerminal), the others as `\\xNN` / `\\uNNNN`.

`guard_streams()` wraps stdout and stderr for one run of the CLI. The only escape sequences that
pass are the plugin's own: the palette's SGR colour codes when colour is on for that stream, and
the progress line's leading carriage return and erase-to-end-of-line. Machine output is made safe
where it is written (printers.dump_json/dump_yaml use the formats' own escapes), so this guard never
changes a JSON or YAML document.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# the plugin's own sequences (report/color.py's codes, apply_text.ProgressWriter's erase)
_OWN_SGR = re.compile(r"\x1b\[(?:0|1|2|3[1-6])m")
_ERASE_LINE = "\x1b[K"
_NAMED = {"\x1b": "^[", "\r": "\\r"}


def _visible(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def escape(text: str) -> str:
    """`text` with every unsafe character written visibly."""
    return UNSAFE.sub(lambda m: _visible(m.group()), text)


def has_unsafe(text: str) -> bool:
    return UNSAFE.search(text) is not None


def json_escape(text: str) -> str:
    """JSON text with unsafe characters as \\uNNNN escapes: json.dumps escapes C0 itself but writes
    DEL, C1 and bidi controls raw (ensure_ascii=False); outside strings JSON is plain ASCII, so this
    only ever touches string contents and never changes the data."""
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class SafeStream:
    """A text stream that escapes what it is given, except the plugin's own sequences."""

    def __init__(self, stream: TextIO, colour: Callable[[], bool]) -> None:
        self._stream = stream
        self._colour = colour

    def write(self, text: str) -> int:
        if not isinstance(text, str) or not UNSAFE.search(text):
            return self._stream.write(text)
        lead = "\r" if text.startswith("\r") else ""
        body = text[len(lead):]
        tail = _ERASE_LINE if body.endswith(_ERASE_LINE) else ""
        body = body[: len(body) - len(tail)]
        if self._colour():
            parts = _OWN_SGR.split(body)
            codes = _OWN_SGR.findall(body)
            body = "".join(escape(p) + (codes[i] if i < len(codes) else "") for i, p in enumerate(parts))
        else:
            body = escape(body)
        self._stream.write(lead + body + tail)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, buffer, encoding, ...
        return getattr(self._stream, name)


@contextmanager
def guard_streams(colour_for: Callable[[TextIO], bool]) -> Iterator[None]:
    """sys.stdout and sys.stderr escaped for the duration; `colour_for(stream)` says whether the
    palette colours that stream (asked at each write: flags are parsed after this starts)."""
    out, err = sys.stdout, sys.stderr
    if out is not None:
        sys.stdout = SafeStream(out, lambda: colour_for(out))
    if err is not None:
        sys.stderr = SafeStream(err, lambda: colour_for(err))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
