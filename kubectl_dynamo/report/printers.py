"""Machine output: JSON (indent 2) and YAML (block style, keys in the order the code wrote them),
and kubectl's `{"kind": "List", "items": [...]}` wrapper for several objects.

YAML is imported only here, when YAML is written; the C emitter is used when PyYAML has it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from kubectl_dynamo.report.output import Printer


def as_list(items: Sequence[Any], api_version: str | None = None) -> dict:
    """kubectl's wrapper for several objects. Reports (SPEC) carry no apiVersion; manifests meant
    for `kubectl apply -f -` need `api_version="v1"`, or kubectl refuses to decode them."""
    head = {"apiVersion": api_version} if api_version else {}
    return {**head, "kind": "List", "items": list(items)}


def one_or_list(items: Sequence[Any], api_version: str | None = None) -> Any:
    """One object as itself, several as a List (what `kubectl get -o json` does)."""
    return items[0] if len(items) == 1 else as_list(items, api_version)


def dump_json(data: Any) -> str:
    from kubectl_dynamo.report.terminal import json_escape

    return json_escape(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"  # no raw control character


def _dumper() -> type:
    import yaml

    base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class _Dumper(base):  # type: ignore[misc, valid-type]
        pass

    def str_representer(dumper: Any, value: str) -> Any:
        # multi-line strings (scripts, engine configs) as readable `|` blocks
        style = "|" if "\n" in value and not value.endswith((" ", "\t")) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, str_representer)
    return _Dumper


def dump_yaml(data: Any) -> str:
    import yaml

    text = yaml.dump(data, Dumper=_dumper(), sort_keys=False, default_flow_style=False, allow_unicode=True)
    if _unsafe(text):  # PyYAML writes bidi controls (and NEL) raw: then escape all that is not ASCII
        text = yaml.dump(data, Dumper=_dumper(), sort_keys=False, default_flow_style=False, allow_unicode=False)
    return text


def _unsafe(text: str) -> bool:
    from kubectl_dynamo.report.terminal import has_unsafe

    return has_unsafe(text.replace("\x85", "\x1f"))  # NEL is a line break to YAML 1.1 readers


def dump_yaml_documents(docs: Sequence[Any]) -> str:
    """Several documents separated by `---`, as `kubectl apply -f -` reads them."""
    import yaml

    def dump(allow_unicode: bool) -> str:
        return yaml.dump_all(list(docs), Dumper=_dumper(), sort_keys=False, default_flow_style=False,
                             allow_unicode=allow_unicode, explicit_start=len(docs) > 1)

    text = dump(True)
    return dump(False) if _unsafe(text) else text


def json_printer(to_data: Callable[[Any], Any]) -> Printer:
    def print_json(result: Any, out: TextIO) -> None:
        out.write(dump_json(to_data(result)))

    return print_json


def yaml_printer(to_data: Callable[[Any], Any]) -> Printer:
    def print_yaml(result: Any, out: TextIO) -> None:
        out.write(dump_yaml(to_data(result)))

    return print_yaml


def data_printers(to_data: Callable[[Any], Any]) -> dict[str, Printer]:
    """`json` and `yaml` printers of the same data, to merge into a command's printer map."""
    return {"json": json_printer(to_data), "yaml": yaml_printer(to_data)}
