"""The real DynamoGraphDeployment CRD's OpenAPI v3 schema as a JSON Schema validator.

Kubernetes structural schemas differ from JSON Schema in a few ways this module handles:

* `x-kubernetes-*` keys are extensions; they are dropped after being honoured:
  `x-kubernetes-int-or-string: true` becomes `anyOf: [integer, string]` when the CRD did not spell
  the anyOf out, and `x-kubernetes-preserve-unknown-fields: true` keeps an object open.
* `format: int32|int64|date-time` is left to the validator, which ignores formats unless asked.
* The API server *prunes* fields a schema does not declare instead of rejecting them. A manifest that
  relies on a pruned field silently loses it, so for our own output that is a bug too: with
  `closed=True` every object that declares `properties` (and is not preserve-unknown-fields) gets
  `additionalProperties: false`.
"""

from __future__ import annotations

import functools
from typing import Any

import jsonschema

from .builders import DGD_CRD, load_yaml


def _convert(node: Any, closed: bool) -> Any:
    if isinstance(node, list):
        return [_convert(x, closed) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v, closed) for k, v in node.items() if not k.startswith("x-kubernetes-")}
    if node.get("x-kubernetes-int-or-string") and "anyOf" not in node:
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if closed and "properties" in node and "additionalProperties" not in node \
            and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


def served_versions() -> list[str]:
    if not DGD_CRD.is_file():
        return []
    return [v["name"] for v in _crd()["spec"]["versions"]]


@functools.lru_cache(maxsize=1)
def _crd() -> dict:
    return load_yaml(DGD_CRD)


@functools.lru_cache(maxsize=4)
def validator(version: str = "v1alpha1", closed: bool = True) -> jsonschema.Draft7Validator:
    """Draft 7 covers every keyword a structural schema may use, and checking the converted schema
    against its meta-schema takes a fraction of the time Draft 2020-12's does."""
    crd = _crd()
    schema = next(v for v in crd["spec"]["versions"] if v["name"] == version)["schema"]["openAPIV3Schema"]
    converted = _convert(schema, closed)
    if closed:  # the open variant differs only by the additionalProperties this adds
        jsonschema.Draft7Validator.check_schema(converted)
    return jsonschema.Draft7Validator(converted)


def errors(doc: dict, version: str = "v1alpha1", closed: bool = True) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator(version, closed).iter_errors(doc)]
