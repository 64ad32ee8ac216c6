"""Which engine a service runs (determineBackendFramework in the operator's graph.go)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubectl_dynamo.dgd.model import BACKENDS, Graph, Service

# The operator's detection regex over "command + args" joined by spaces is
#   python[0-9.]*\s+[^|&;]*-m\s+[^|&;]*dynamo\.(vllm|sglang|trtllm)
# Go's RE2 runs it in linear time; Python's backtracking re takes cubic time on a crafted command
# line ("python3 -m " 3000 times: minutes). The functions below compute the same leftmost-first
# match in one pass per segment (no [^|&;]* crosses |, & or ;), with RE2's ASCII \s.
_GO_SPACE = "[\t\n\f\r ]"
_PYTHON_WORD = re.compile(f"python[0-9.]*{_GO_SPACE}+")
_DASH_M = re.compile(f"-m{_GO_SPACE}")
_MODULE = re.compile(r"dynamo\.(vllm|sglang|trtllm)")
_SEGMENT = re.compile(r"[^|&;]+")


def _detect(text: str) -> str | None:
    """The backend the operator's regex captures: in the first |&;-free segment where python…,
    then -m, then dynamo.X appear in that order, the last dynamo.X (the greedy runs take it)."""
    for seg in _SEGMENT.finditer(text):
        s = seg.group()
        py = _PYTHON_WORD.search(s)
        dash_m = _DASH_M.search(s, py.end()) if py else None
        if dash_m is None:
            continue
        last = None
        for found in _MODULE.finditer(s, dash_m.end()):
            last = found
        if last is not None:
            return last.group(1)
    return None


def module_end(text: str, framework: str) -> int | None:
    r"""Where injectFlagsIntoContainerCommand inserts flags in one arg: the end of
    `python[0-9.]*\s+[^|&;]*dynamo.<framework>[^|&;]*?` before whitespace, |&; or the end (the last
    dynamo.<framework> of the first segment holding python… and it); None when there is none."""
    module = "dynamo." + framework
    for seg in _SEGMENT.finditer(text):
        s = seg.group()
        py = _PYTHON_WORD.search(s)
        at = s.rfind(module) if py else -1
        if py is None or at < py.end():
            continue
        rest = re.search(_GO_SPACE, s[at + len(module):])
        return seg.start() + at + len(module) + (rest.start() if rest else len(s) - at - len(module))
    return None


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
    return _detect(" ".join(svc.command + svc.args))


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
