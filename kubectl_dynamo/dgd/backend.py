"""Which engine a service runs (determineBackendFramework in the operator's graph.go)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubectl_dynamo.dgd.model import BACKENDS, Graph, Service

# The operator matches each backend's pattern on "command + args" joined by spaces.
_DETECT = {b: re.compile(r"python[0-9.]*\s+[^|&;]*-m\s+[^|&;]*dynamo\." + b + r"[^|&;]*") for b in BACKENDS}


@dataclass(frozen=True)
class BackendChoice:
    backend: str | None  # vllm | sglang | trtllm | None (no injection: NoopBackend)
    detected: str | None  # from the command line
    declared: str | None  # spec.backendFramework
    mismatch: bool = False
    several: tuple[str, ...] = ()  # more than one backend named by the command

    @property
    def source(self) -> str:
        if self.detected:
            return "command"
        if self.declared:
            return "spec.backendFramework"
        return "none"

    @property
    def undetermined(self) -> bool:
        """The operator cannot pick a backend: several in the command and none declared."""
        return bool(self.several) and not self.declared


def detected_backends(svc: Service) -> list[str]:
    line = " ".join(svc.command + svc.args)
    return [b for b in BACKENDS if _DETECT[b].search(line)]


def detect_from_command(svc: Service) -> str | None:
    found = detected_backends(svc)
    return found[0] if len(found) == 1 else None


def choose_backend(graph: Graph, svc: Service) -> BackendChoice:
    """Worker-type services only: the command wins when it names one backend, else
    spec.backendFramework; both set and different is the operator's error "backend framework
    mismatch". A command naming several backends is a detection error, which a declared
    spec.backendFramework overrides (1.1 and newer alike)."""
    declared = graph.backend_framework if graph.backend_framework in BACKENDS else None
    if not svc.is_worker:
        return BackendChoice(None, None, declared)
    found = detected_backends(svc)
    if len(found) > 1:
        return BackendChoice(declared, None, declared, several=tuple(found))
    detected = found[0] if found else None
    if detected and declared and detected != declared:
        return BackendChoice(detected, detected, declared, mismatch=True)
    return BackendChoice(detected or declared, detected, declared)


def graph_backends(graph: Graph) -> list[str]:
    """The distinct backends of the worker services, in order (backendFrameworkForGeneratedDCDs)."""
    out: list[str] = []
    for svc in graph.services:
        b = choose_backend(graph, svc).backend
        if b and b not in out:
            out.append(b)
    return out
