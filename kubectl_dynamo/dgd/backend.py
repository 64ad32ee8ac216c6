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


def _matches(text: str, backend: str) -> bool:
    r"""detectBackendFrameworkFromArgs' per-backend regex
    `python[0-9.]*\s+[^|&;]*-m\s+[^|&;]*dynamo\.<backend>[^|&;]*` finds a match: in one |&;-free
    segment python…, then -m, then dynamo.<backend>, in that order (linear, like _detect)."""
    module = "dynamo." + backend
    for seg in _SEGMENT.finditer(text):
        s = seg.group()
        py = _PYTHON_WORD.search(s)
        dash_m = _DASH_M.search(s, py.end()) if py else None
        if dash_m is not None and s.find(module, dash_m.end()) >= 0:
            return True
    return False


def detected_backends(svc: Service) -> list[str]:
    """Every backend whose pattern matches the command line; more than one is the operator's
    "multiple backend frameworks detected from command" error."""
    line = " ".join(svc.command + svc.args)
    return [b for b in BACKENDS if _matches(line, b)]


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
