"""GPUs per pod: what a service asks for, and what each operator line reads for launch decisions.

At 1.1 vLLM reads resources.limits.gpu only (getContainerGPUs) and TRT-LLM requests first, then
limits (getGPUsPerNode). Newer operators resolve the main container's GPUs from limits, then
requests, then its DRA resource claims (ResolveContainerGPUs, operator-newest.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_dynamo.dgd import gates
from kubectl_dynamo.dgd.model import Service, as_int

Claims = dict[tuple[str, str], "int | None"]


@dataclass(frozen=True)
class GPUCount:
    count: int  # 0: none (or unknown, see `known`)
    source: str  # resources.limits | resources.requests | DRA claim <kind>/<name> | none
    known: bool = True


def _positive(value: object) -> int | None:
    n = as_int(value)
    return n if n is not None and n > 0 else None


def dra_gpus(svc: Service, claims: Claims | None) -> GPUCount | None:
    """GPUs the main container gets from DRA claims; None when it references none. A claim whose
    object is not in the input (or whose count is not a plain number) is unknown."""
    if not svc.gpu_claims:
        return None
    total, refs = 0, []
    for name in svc.gpu_claims:
        ref = svc.pod_claims.get(name)
        if ref is None:
            return GPUCount(0, f"DRA claim {name} (not in the pod's resourceClaims)", known=False)
        refs.append(f"{ref[0]}/{ref[1]}")
        count = (claims or {}).get(ref)
        if count is None:
            why = "not in the input" if ref not in (claims or {}) else "count not readable"
            return GPUCount(0, f"DRA claim {ref[0]}/{ref[1]} ({why})", known=False)
        total += count
    return GPUCount(total, "DRA claim " + ", ".join(refs))


def requested(svc: Service, claims: Claims | None = None) -> GPUCount:
    """The GPUs each pod asks for: limits, else requests, else DRA claims (the pod's real shape,
    whatever the operator reads)."""
    for label, value in (("resources.limits", svc.gpu_limit), ("resources.requests", svc.gpu_request)):
        n = _positive(value)
        if n is not None:
            return GPUCount(n, label)
    return dra_gpus(svc, claims) or GPUCount(0, "none")


def operator_reads(svc: Service, backend: str | None, rules: gates.RuleSet, claims: Claims | None = None) -> GPUCount:
    """The per-node GPU count the mirrored operator's launch logic reads for `backend`."""
    if backend == "vllm" and not rules.has(gates.GPU_FROM_REQUESTS):
        n = _positive(svc.gpu_limit)
        return GPUCount(n, "resources.limits") if n else GPUCount(0, "none (limits only)")
    if backend == "trtllm" and not rules.has(gates.GPU_FROM_DRA):
        for label, value in (("resources.requests", svc.gpu_request), ("resources.limits", svc.gpu_limit)):
            n = _positive(value)
            if n is not None:
                return GPUCount(n, label)
        return GPUCount(0, "none")
    for label, value in (("resources.limits", svc.gpu_limit), ("resources.requests", svc.gpu_request)):
        n = _positive(value)
        if n is not None:
            return GPUCount(n, label)
    if rules.has(gates.GPU_FROM_DRA):
        dra = dra_gpus(svc, claims)
        if dra is not None:
            return dra
    return GPUCount(0, "none")
