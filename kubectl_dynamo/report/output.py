"""`-o` chosen once: one function maps an output format to a command's renderer, rejecting any
other format with kubectl's message and the allowed list."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

Printer = Callable[[Any, TextIO], None]


class OutputFormatError(ValueError):
    """An `-o` value the command has no printer for."""

    def __init__(self, fmt: str, allowed: Sequence[str]) -> None:
        self.fmt = fmt
        self.allowed = sorted(allowed)
        super().__init__(
            f'unable to match a printer suitable for the output format "{fmt}", '
            f"allowed formats are: {','.join(self.allowed)}"
        )


def check_format(fmt: str, allowed: Sequence[str]) -> str:
    """Return `fmt` when the command supports it, else raise OutputFormatError."""
    if fmt not in allowed:
        raise OutputFormatError(fmt, allowed)
    return fmt


def select_printer(fmt: str, printers: Mapping[str, Printer]) -> Printer:
    """The printer for `-o fmt` among a command's printers (e.g. table, json, yaml)."""
    return printers[check_format(fmt, list(printers))]


def printer_for(fmt: str, out: TextIO, color: str, human: Mapping[str, Callable[[Any, TextIO, Any], None]],
                to_data: Callable[[Any], Any]) -> Printer:
    """A command's printer for `-o fmt`: its human renderers (called with the result, the stream
    and the Palette decided once for `out`) plus json/yaml of `to_data(result)`."""
    from kubectl_dynamo.report import printers
    from kubectl_dynamo.report.color import palette_for

    palette = palette_for(out, color)
    table = {name: (lambda result, stream, render=render: render(result, stream, palette)) for name, render in human.items()}
    return select_printer(fmt, {**table, **printers.data_printers(to_data)})
