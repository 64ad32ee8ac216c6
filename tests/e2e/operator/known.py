"""Differences between explain and the real 1.1 operator that another branch is settling.

Branch ``lines`` (issue 8) is implementing these facts of reference/operator-newest.md §7. Each
fact has two halves:

* ``classify``: whether a mismatched field is exactly this difference, so the ordinary comparison
  tests skip it (and only it) and a new difference in the same field still fails them;
* ``applies``: which (combination, case) pairs show the difference today, worked out before the run
  from the offline explanation of the case on that combination. Those pairs get a
  ``test_issue8_<fact>`` test marked ``xfail(strict=True)``: it fails while the difference is there
  and turns into an XPASS failure once ``lines`` is merged, which tells the lead to delete the fact
  from FACTS.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from .compare import Check
from .corpus import Case

REASON = "issue 8 §7, branch lines"
VLLM_SIZE_FLAGS = ("--tensor-parallel-size", "--pipeline-parallel-size", "--data-parallel-size")
ASSUME = {"grove-kai": "grove,kai", "lws-volcano": "lws,volcano", "none": "none"}


@dataclass(frozen=True)
class Fact:
    name: str
    what: str
    classify: Callable[[Check, Case], bool]
    applies: Callable[[str, Case, str], bool]  # (combination, case, operator version)


# --- the offline view of a case (pure: the plugin's own explain, mirroring the pinned version) --


@cache
def _offline(combination: str, case_id: str, version: str):
    from kubectl_dynamo.dgd import capabilities, model, plan

    from .corpus import all_cases

    case = next(c for c in all_cases() if c.id == case_id)
    graph = model.read_graph(case.dgd, "corpus")
    return plan.explain(graph, capabilities.assumed(ASSUME[combination], version),
                        model.configmaps_by_name(case.docs), creating=True)


def _admitted(combination: str, case: Case, version: str) -> bool:
    from .compare import ADMISSION_CODES

    exp = _offline(combination, case.id, version)
    return not any(f.severity == "error" and f.code in ADMISSION_CODES for f in exp.findings) and not _untrimmed(case)


# --- F1: wait-leader ConfigMap and MPI SSH Secret for every DGD with a multinode service ----------


def _wait_leader_classify(check: Check, case: Case) -> bool:
    extra = {"objects.ConfigMap": f"{case.name}-wait-leader-script", "objects.Secret": "mpi-run-ssh-secret"}
    if check.field not in extra:
        return False
    return set(check.actual) - set(check.expected) == {extra[check.field]} and set(check.expected) <= set(check.actual)


def _wait_leader_applies(combination: str, case: Case, version: str) -> bool:
    if not _admitted(combination, case, version):
        return False
    exp = _offline(combination, case.id, version)
    if not any(s.node_count > 1 for s in exp.services):
        return False
    return exp.pathway == "failed" or not any(s.launch.mode == "mpirun" for s in exp.services)


# --- F2: the TRT-LLM mpirun -x list -------------------------------------------------------------


def _without_x(words: list[str]) -> list[str]:
    out, skip = [], False
    for w in words:
        if skip:
            skip = False
        elif w == "-x":
            skip = True
        else:
            out.append(w)
    return out


def _mpirun_classify(check: Check, case: Case) -> bool:
    from . import shellwords

    if check.aspect != "launch-leader":
        return False
    if check.field.endswith(".injectedArgs"):
        return "mpirun" in check.expected and _without_x(check.expected) == _without_x(check.actual)
    if check.field.endswith(".effectiveCommand") and "mpirun" in check.expected:
        return shellwords.match(_without_x(shellwords.display_words(check.expected)),
                                _without_x(shellwords.argv_words(check.actual)))
    return False


def _mpirun_applies(combination: str, case: Case, version: str) -> bool:
    """A TRT-LLM multinode service whose pods are generated (its scaling group or LeaderWorkerSet is made)."""
    exp = _offline(combination, case.id, version)
    return _admitted(combination, case, version) and any(
        s.launch.mode == "mpirun" and any(o.kind in ("PodCliqueScalingGroup", "LeaderWorkerSet") for o in s.objects)
        for s in exp.services)


# --- F3: vllm-distributed-executor-backend is lower-cased but not trimmed ---------------------


def _untrimmed(case: Case) -> bool:
    key = "nvidia.com/vllm-distributed-executor-backend"
    dgd = case.dgd
    values = [(dgd["metadata"].get("annotations") or {}).get(key)]
    values += [(s.get("annotations") or {}).get(key) for s in (dgd["spec"].get("services") or {}).values()]
    return any(v is not None and v != v.strip() and v.strip().lower() in ("mp", "ray") for v in values)


def _untrimmed_classify(check: Check, case: Case) -> bool:
    return check.aspect == "admission" and _untrimmed(case)


# --- F4: getFlagValue skips a first occurrence that is not a number -------------------------


def _skipped_flag(case: Case) -> bool:
    for svc in (case.dgd["spec"].get("services") or {}).values():
        args = " ".join(((svc.get("extraPodSpec") or {}).get("mainContainer") or {}).get("args") or []).split()
        for flag in VLLM_SIZE_FLAGS:
            values = [args[i + 1] for i, a in enumerate(args[:-1]) if a == flag]
            if len(values) > 1 and not re.fullmatch(r"\d+", values[0]):
                return True
    return False


def _flag_skip_classify(check: Check, case: Case) -> bool:
    return check.aspect in ("launch-leader", "launch-worker") and _skipped_flag(case)


def _flag_skip_applies(combination: str, case: Case, version: str) -> bool:
    exp = _offline(combination, case.id, version)
    return _skipped_flag(case) and _admitted(combination, case, version) and exp.pathway != "failed"


FACTS = [
    Fact("wait_leader", "the <dgd>-wait-leader-script ConfigMap and the mpi-run-ssh-secret Secret are made for every "
         "DGD with a multinode service, whatever the backend, even when the pathway then fails",
         _wait_leader_classify, _wait_leader_applies),
    Fact("mpirun_env", "TRT-LLM mpirun -x: the container's env names plus a fixed list, de-duplicated and sorted",
         _mpirun_classify, _mpirun_applies),
    Fact("executor_untrimmed", 'nvidia.com/vllm-distributed-executor-backend is lower-cased, not trimmed: "mp " is '
         "rejected", _untrimmed_classify, lambda combo, case, version: _untrimmed(case)),
    Fact("flag_skip", "vLLM getFlagValue skips a first occurrence whose value is not a number and uses the next",
         _flag_skip_classify, _flag_skip_applies),
]


def classify(check: Check, case: Case) -> str | None:
    """The fact a mismatched check is an instance of, else None."""
    if check.ok:
        return None
    for fact in FACTS:
        if fact.classify(check, case):
            return fact.name
    return None
