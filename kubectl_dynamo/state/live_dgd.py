"""One DGD as the cluster has it (what cluster/dgds.read_live gathers for describe), and which of
the objects in its namespace are its children.

A child belongs to the DGD when its name is one the operator or Grove gives a child of this DGD
(reference/dynamo-operator.md §1.5: `<dgd>`, `<dgd>-<i>[-<svc>[-<j>[-<svc>-ldr|wkr]]]` on the Grove
path, `<dgd>-<svc>[-<hash8>][-<i>]` on the component path, for this DGD's own services), or its
controller is an object already kept. A bare name prefix is not enough: DGD `llm` must not claim
the PodCliqueSet of DGD `llm-disagg`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kubectl_dynamo.dgd.model import KIND, Graph


@dataclass
class LiveDGD:
    """One DGD as the cluster has it, with what describe needs around it (all plain dicts)."""

    obj: dict
    children: list[dict] = field(default_factory=list)  # each with apiVersion/kind set
    pods: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    nodes: dict[str, dict] = field(default_factory=dict)  # the pods' nodes, by name
    configmaps: dict[str, dict[str, str]] = field(default_factory=dict)  # engine configs, name -> data
    forbidden: dict[str, str] = field(default_factory=dict)  # "<plural>.<group>" -> server message

    @property
    def name(self) -> str:
        return (self.obj.get("metadata") or {}).get("name", "")


def child_name_pattern(graph: Graph) -> re.Pattern[str]:
    """Names the operator and Grove give this DGD's children (see the module docstring)."""
    d = re.escape(graph.name)
    svcs = "|".join(sorted({re.escape(s.name.lower()) for s in graph.services if s.name})) or "(?!)"
    grove = rf"{d}(?:-\d+(?:-(?:{svcs})(?:-\d+(?:-(?:{svcs})-(?:ldr|wkr))?)?)?)?"
    component = rf"{d}-(?:{svcs})(?:-[0-9a-f]{{8}})?(?:-\d+)?"
    return re.compile(rf"(?:{grove})|(?:{component})")


def owned_children(graph: Graph, dgd_uid: str | None, candidates: Iterable[dict]) -> list[dict]:
    """The candidates that belong to this DGD: by name, or because their controller is the DGD or
    an object kept already (followed to a fixed point); never one another DGD controls."""
    pattern = child_name_pattern(graph)
    pending = list(candidates)
    kept: list[dict] = []
    uids = {dgd_uid} if dgd_uid else set()

    def owners(obj: dict) -> list[dict]:
        return [r for r in (obj.get("metadata") or {}).get("ownerReferences") or [] if isinstance(r, dict)]

    def other_dgd(obj: dict) -> bool:
        return any(r.get("kind") == KIND and (r.get("uid") != dgd_uid if dgd_uid and r.get("uid") else r.get("name") != graph.name)
                   for r in owners(obj))

    changed = True
    while changed:
        changed = False
        for obj in list(pending):
            meta = obj.get("metadata") or {}
            by_name = bool(pattern.fullmatch(meta.get("name", "")))
            by_owner = any(r.get("uid") in uids for r in owners(obj))
            if (by_name or by_owner) and not other_dgd(obj):
                kept.append(obj)
                pending.remove(obj)
                if meta.get("uid"):
                    uids.add(meta["uid"])
                changed = True
    return kept
