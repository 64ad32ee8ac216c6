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
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


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

    return yaml.dump(data, Dumper=_dumper(), sort_keys=False, default_flow_style=False, allow_unicode=True)


def dump_yaml_documents(docs: Sequence[Any]) -> str:
    """Several documents separated by `---`, as `kubectl apply -f -` reads them."""
    import yaml

    return yaml.dump_all(
        list(docs),
        Dumper=_dumper(),
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        explicit_start=len(docs) > 1,
    )
