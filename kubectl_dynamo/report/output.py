"""`-o` chosen once: `printer_for` maps an output format to a command's printer (its own human
renderers, and json/yaml of its result's data), deciding colour once for the stream; any other
format is a usage error with kubectl's message and the allowed list. Every command prints through
it, so `-o json|yaml` is always the same JSON and YAML (report/printers.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TextIO

from kubectl_dynamo.errors import UsageError
from kubectl_dynamo.report import printers
from kubectl_dynamo.report.color import Palette, palette_for

Printer = Callable[[Any, TextIO], None]
# a human form: (result, stream, palette) -> None
Renderer = Callable[[Any, TextIO, Palette], None]


def unknown_format(fmt: str, allowed: list[str]) -> UsageError:
    """kubectl's words; the default format of a command without one (apply's "") is not listed."""
    listed = ",".join(sorted(f for f in allowed if f))
    return UsageError(f'unable to match a printer suitable for the output format "{fmt}", allowed formats are: {listed}')


def _with_palette(render: Renderer, palette: Palette) -> Printer:
    def print_human(result: Any, stream: TextIO) -> None:
        render(result, stream, palette)

    return print_human


def printer_for(fmt: str, out: TextIO, color: str | None, human: Mapping[str, Renderer],
                to_data: Callable[[Any], Any] | None = None) -> Printer:
    """The printer for `-o fmt`: the command's human renderers (called with the result, the stream
    and the Palette decided once for `out`), plus `json` and `yaml` of `to_data(result)`. A human
    renderer named json or yaml takes the place of the generic one (init's YAML is a document
    stream). Raises UsageError for any other format."""
    choices: dict[str, Printer] = {}
    if to_data is not None:
        data = to_data

        def print_json(result: Any, stream: TextIO) -> None:
            stream.write(printers.dump_json(data(result)))

        def print_yaml(result: Any, stream: TextIO) -> None:
            stream.write(printers.dump_yaml(data(result)))

        choices.update(json=print_json, yaml=print_yaml)
    if human:
        palette = palette_for(out, color)
        for name, render in human.items():
            choices[name] = _with_palette(render, palette)
    if fmt not in choices:
        raise unknown_format(fmt, list(choices))
    return choices[fmt]
