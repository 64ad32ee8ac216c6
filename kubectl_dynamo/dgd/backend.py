"""Which engine a service runs (determineBackendFramework in the operator's graph.go)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubectl_dynamo.dgd.model import BACKENDS, Graph, Service

# The operator's detection regex over "command + args" joined by spaces.
_DETECT = re.compile(r"python[0-9.]*\s+[^|&;]*-m\s+[^|&;]*dynamo\.(vllm|sglang|trtllm)")


@dataclass(frozen=True)
class BackendChoice:
    backend: str | None  # vllm | sglang | trtllm | None (no injection: NoopBackend)
    detected: str | None  # from the command line
    declared: str | None  # spec.backendFramework
    mismatch: bool = False

    @property
    def source(self) -> str:
        if self.detected:
            return "command"
        if self.declared:
            return "spec.backendFramework"
        return "none"


def detect_from_command(svc: Service) -> str | None:
    m = _DETECT.search(" ".join(svc.command + svc.args))
    return m.group(1) if m else None


def choose_backend(graph: Graph, svc: Service) -> BackendChoice:
    """Worker-type services only: the command wins when it names a backend, else
    spec.backendFramework; both set and different is the operator's error
    "backend framework mismatch"."""
    declared = graph.backend_framework if graph.backend_framework in BACKENDS else None
    if not svc.is_worker:
        return BackendChoice(None, None, declared)
    detected = detect_from_command(svc)
    if detected and declared and detected != declared:
        return BackendChoice(detected, detected, declared, mismatch=True)
    return BackendChoice(detected or declared, detected, declared)
