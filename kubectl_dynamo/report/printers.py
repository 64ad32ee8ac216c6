"""Machine output: JSON (indent 2) and YAML (block style, keys in the order the code wrote them),
and the one List wrapper for several objects.

YAML is imported only here, when YAML is written; the C emitter is used when PyYAML has it.
Which printer a command gets for `-o` is report/output.py's business.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def as_list(items: Sequence[Any], api_version: str | None = None) -> dict:
    """The wrapper for several objects. Reports (SPEC: `{"kind": "List", "items": [...]}`) carry
    no apiVersion; Kubernetes objects (get, apply, init) get kubectl's own List, `apiVersion: v1`
    and an empty resourceVersion, which `kubectl apply -f -` decodes (it refuses a List without
    apiVersion)."""
    if not api_version:
        return {"kind": "List", "items": list(items)}
    return {"apiVersion": api_version, "items": list(items), "kind": "List", "metadata": {"resourceVersion": ""}}


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
