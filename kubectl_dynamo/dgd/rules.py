"""Offline validation rules: each a function over one DGD, each finding with a stable code.

Most of these the operator never checks (TP alignment, GPU in requests only, flag spelling); the
webhook-equivalent ones (name budget, annotation values) mirror
internal/webhook/validation/dynamographdeployment.go. reference/dynamo-operator.md §4.7, §5.3.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from kubectl_dynamo.dgd import versions
from kubectl_dynamo.dgd.backend import choose_backend
from kubectl_dynamo.dgd.fields import ascii_int
from kubectl_dynamo.dgd.findings import ERROR, INFO, WARNING, Finding, sort_findings
from kubectl_dynamo.dgd.model import (
    ANN_DISCOVERY_BACKEND,
    ANN_DISCOVERY_MODE,
    ANN_ENABLE_GROVE,
    ANN_KAI_QUEUE,
    ANN_ORIGIN_VERSION,
    ANN_VLLM_BACKEND,
    ANN_WORKLOAD_PROVIDER,
    BACKENDS,
    COMPONENT_TYPES,
    V1BETA1,
    Graph,
    Service,
    as_int,
)
from kubectl_dynamo.dgd.names import GROVE_NAME_BUDGET, grove_budget_used, suggest_short_name
from kubectl_dynamo.dgd.parallelism import ParallelismReading, read_parallelism
from kubectl_dynamo.dgd.pathway import grove_opt_out
from kubectl_dynamo.dgd.wellformed import is_dns1123_label, rule_names
from kubectl_dynamo.limits import INT32_MAX

MAX_SERVICES = 25  # spec.services maxProperties

Rule = Callable[[Graph, dict, str], Iterator[Finding]]


def _positive_int_string(value) -> bool:
    n = ascii_int(value) if isinstance(value, str) else None  # "٤", " 4 " and "²" are not (issue 10)
    return n is not None and n > 0


# --- schema ------------------------------------------------------------------------------------

def rule_schema(graph: Graph, configmaps: dict, version: str) -> Iterator[Finding]:
    if not graph.name:
        yield Finding(ERROR, "NO_NAME", "metadata.name is missing", None, "give the DynamoGraphDeployment a name")
    field = "spec.components" if graph.api_version == V1BETA1 else "spec.services"
    if not graph.services:
        yield Finding(ERROR, "NO_SERVICES", f"{field} is empty: a graph needs at least one service", None,
                      "add a Frontend and a worker, or start from `kubectl dynamo init`")
    if len(graph.services) > MAX_SERVICES:
        yield Finding(ERROR, "TOO_MANY_SERVICES", f"{len(graph.services)} services: the CRD allows at most {MAX_SERVICES}",
                      None, "split the graph into several DynamoGraphDeployments")
    if graph.backend_framework is not None and graph.backend_framework not in BACKENDS:
        yield Finding(ERROR, "BAD_BACKEND_FRAMEWORK", f"spec.backendFramework {graph.backend_framework!r} is not one of {', '.join(BACKENDS)}",
                      None, "use vllm, sglang or trtllm, or remove the field and let the command name the backend")
    seen: dict[str, str] = {}
    for svc in graph.services:
        low = svc.name.lower()
        if not is_dns1123_label(low):
            yield Finding(ERROR, "BAD_SERVICE_NAME", f"service name {svc.name!r} does not make a valid object name once lower-cased",
                          svc.name, "use letters, digits and '-', starting and ending with a letter or digit")
        elif low in seen:
            yield Finding(ERROR, "BAD_SERVICE_NAME", f"service names {seen[low]!r} and {svc.name!r} collide once lower-cased",
                          svc.name, "rename one of them")
        seen.setdefault(low, svc.name)
        if svc.component_type is not None and svc.component_type not in COMPONENT_TYPES:
            severity = ERROR if graph.api_version == V1BETA1 else WARNING
            yield Finding(severity, "UNKNOWN_COMPONENT_TYPE", f"componentType {svc.component_type!r} is not one the operator knows",
                          svc.name, f"use one of {', '.join(COMPONENT_TYPES)}; only worker, prefill and decode get backend launch logic")
        if svc.raw_replicas is not None and (svc.replicas is None or not 0 <= svc.replicas <= INT32_MAX):
            yield Finding(ERROR, "BAD_REPLICAS", f"replicas {svc.raw_replicas!r} is not a whole number >= 0", svc.name, None)
        if svc.multinode:
            n = as_int(svc.raw_node_count) if not isinstance(svc.raw_node_count, str) else None
            if svc.raw_node_count is not None and (n is None or not 2 <= n <= INT32_MAX):
                yield Finding(ERROR, "BAD_NODECOUNT", f"multinode.nodeCount {svc.raw_node_count!r} must be an integer >= 2",
                              svc.name, "omit the multinode section for a single-node service")
        for label, value in (("limits", svc.gpu_limit), ("requests", svc.gpu_request)):
            if value is not None and not _positive_int_string(value):
                hint = f'write it as a string: gpu: "{value}"' if isinstance(value, int) and value > 0 else "use a positive whole number as a string, e.g. gpu: \"8\""
                if graph.api_version == V1BETA1:
                    hint = "use a positive whole number, e.g. nvidia.com/gpu: \"8\""
                    if isinstance(value, int) and value > 0:
                        continue  # core/v1 quantities accept integers
                yield Finding(ERROR, "BAD_GPU", f"resources.{label}.gpu {value!r} is not a positive integer string", svc.name, hint)


def rule_deprecated(graph: Graph, configmaps: dict, version: str) -> Iterator[Finding]:
    for svc in graph.services:
        for path, why in svc.deprecated:
            yield Finding(WARNING, "DEPRECATED_FIELD", f"{path} is {why}", svc.name, "remove the field")


# --- annotations (webhook) ---------------------------------------------------------------------

def rule_annotations(graph: Graph, configmaps: dict, version: str) -> Iterator[Finding]:
    scopes: list[tuple[str | None, dict[str, str]]] = [(None, graph.annotations)]
    scopes += [(s.name, s.annotations) for s in graph.services if s.annotations]
    for service, ann in scopes:
        origin = ann.get(ANN_ORIGIN_VERSION)
        if origin is not None and not versions.is_semver(origin):
            yield Finding(ERROR, "BAD_ANNOTATION", f"{ANN_ORIGIN_VERSION} {origin!r} is not a semantic version; the webhook rejects it",
                          service, "remove it: the operator stamps it at create")
        backend = ann.get(ANN_VLLM_BACKEND)
        if backend is not None and backend.strip().lower() not in ("mp", "ray"):
            yield Finding(ERROR, "BAD_ANNOTATION", f"{ANN_VLLM_BACKEND} {backend!r} must be mp or ray; the webhook rejects it",
                          service, "use mp (the default for DGDs created by operator >= 1.0) or ray")
        mode = ann.get(ANN_DISCOVERY_MODE)
        if mode is not None and mode not in ("pod", "container"):
            yield Finding(ERROR, "BAD_ANNOTATION", f"{ANN_DISCOVERY_MODE} {mode!r} must be pod or container; the webhook rejects it", service, None)
        disc = ann.get(ANN_DISCOVERY_BACKEND)
        if disc is not None and disc not in ("kubernetes", "etcd"):
            yield Finding(WARNING, "BAD_ANNOTATION", f"{ANN_DISCOVERY_BACKEND} {disc!r} is neither kubernetes nor etcd", service, None)
        if service is not None:
            continue
        grove = ann.get(ANN_ENABLE_GROVE)
        if grove is not None and grove.lower() not in ("true", "false"):
            yield Finding(WARNING, "BAD_ANNOTATION", f'{ANN_ENABLE_GROVE} {grove!r}: only "false" opts out, so this means "use Grove"',
                          None, 'write "true" or "false"')
        queue = ann.get(ANN_KAI_QUEUE)
        if queue is not None and not queue.strip():
            yield Finding(WARNING, "BAD_ANNOTATION", f"{ANN_KAI_QUEUE} is empty: the operator falls back to queue 'dynamo'", None,
                          "name an existing KAI queue or remove the annotation")
        provider = ann.get(ANN_WORKLOAD_PROVIDER)
        if provider is not None and provider.strip().lower() not in ("grove", "component", "disaggregatedset"):
            yield Finding(WARNING, "BAD_ANNOTATION", f"{ANN_WORKLOAD_PROVIDER} {provider!r} is not grove, component or disaggregatedset",
                          None, "this annotation is owned by the operator; remove it")


def rule_name_budget(graph: Graph, configmaps: dict, version: str) -> Iterator[Finding]:
    """The webhook applies the Grove budget whenever enable-grove is not "false", even when Grove
    is not installed (its own isGrovePathway)."""
    if grove_opt_out(graph) or not graph.name:
        return
    for svc in graph.services:
        used = grove_budget_used(graph.name, svc)
        if used > GROVE_NAME_BUDGET:
            formula = "len(dgd)+2×len(service)+4 (\"-ldr\")" if svc.is_multinode else "len(dgd)+len(service)"
            short = suggest_short_name(graph.name, svc)
            hint = f"shorten the DGD name (e.g. {short!r}) or the service name" if short else "shorten the service name"
            yield Finding(ERROR, "NAME_BUDGET",
                          f"Grove name budget: {formula} = {used} > {GROVE_NAME_BUDGET} characters", svc.name,
                          hint + ', or set nvidia.com/enable-grove: "false"')


LABEL_VALUE_MAX = 63  # a Kubernetes label value


def dynamo_namespace_too_long(graph: Graph) -> str | None:
    """The nvidia.com/dynamo-namespace label the operator puts on its child objects,
    <namespace>-<dgd> with dots turned into '-' (ComputeDynamoNamespace), when it is longer than a
    label value may be; None when it fits, or the namespace is not known, or every service uses the
    global namespace."""
    if not graph.namespace or not graph.name or all(s.raw.get("globalDynamoNamespace") is True for s in graph.services):
        return None
    value = f"{graph.namespace}-{graph.name.replace('.', '-')}"
    return value if len(value) > LABEL_VALUE_MAX else None


def rule_dynamo_namespace(graph: Graph, configmaps: dict, version: str) -> Iterator[Finding]:
    if value := dynamo_namespace_too_long(graph):
        yield Finding(ERROR, "DYNAMO_NAMESPACE_TOO_LONG",
                      f"the operator labels its objects nvidia.com/dynamo-namespace={value!r}: {len(value)} > "
                      f"{LABEL_VALUE_MAX} characters, so the API server refuses its DynamoComponentDeployments and PodCliques",
                      None, f"keep namespace and DGD name within {LABEL_VALUE_MAX - 1} characters together, "
                      "or set globalDynamoNamespace: true on every service")


# --- engine, GPUs and parallelism ---------------------------------------------------------------

def engine_world_label(backend: str) -> str:
    return {"vllm": "TP×PP×DP", "sglang": "TP×PP", "trtllm": "TP×PP"}[backend]


def rule_engine(graph: Graph, configmaps: dict, version: str) -> Iterator[Finding]:
    strict_reader = not versions.at_least(version, versions.NORMALISED_VLLM_FLAGS)
    for svc in graph.services:
        choice = choose_backend(graph, svc)
        if choice.mismatch:
            yield Finding(ERROR, "BACKEND_MISMATCH",
                          f"backend framework mismatch: detected {choice.detected!r} from command but explicitly configured as {choice.declared!r}",
                          svc.name, "make spec.backendFramework and the python -m dynamo.<backend> command agree")
        if svc.gpu_request is not None and svc.gpu_limit is None:
            yield Finding(WARNING, "GPU_REQUESTS_ONLY", "GPUs are set in resources.requests only", svc.name,
                          "set resources.limits.gpu: the operator's vLLM launch logic reads limits only (GPUs = 0, nothing injected)")
        backend = choice.backend
        if svc.is_multinode and backend is None:
            yield Finding(WARNING, "NO_BACKEND_MULTINODE",
                          f"multinode service ({svc.node_count} nodes) with no backend: the operator injects no multinode launch flags",
                          svc.name, "run python3 -m dynamo.vllm|sglang|trtllm in the command, or set spec.backendFramework"
                          + ("" if svc.is_worker else "; only worker, prefill and decode services get launch logic"))
        if backend is None:
            continue
        if backend == "trtllm" and svc.is_multinode and svc.gpus_per_node == 0:
            yield Finding(ERROR, "TRTLLM_NO_GPU", "no GPU count set: the operator launches mpirun -n 0", svc.name,
                          "set resources.limits.gpu (and requests) to the GPUs per node")
            continue
        if svc.gpus_per_node == 0:
            yield Finding(WARNING if svc.is_multinode else INFO, "NO_GPU", f"{backend} worker requests no GPU", svc.name,
                          "set resources.limits.gpu to the GPUs per node")
            continue
        reading = read_parallelism(backend, svc, configmaps)
        if reading is None:
            continue
        yield from _parallelism_findings(svc, backend, reading, strict_reader)


def _parallelism_findings(svc: Service, backend: str, reading: ParallelismReading, strict_reader: bool) -> Iterator[Finding]:
    for bad in reading.invalid:
        yield Finding(ERROR, "BAD_PARALLEL_SIZE", f"{bad}: parallel sizes must be positive whole numbers", svc.name, None)
    if reading.value is None:
        yield Finding(INFO, "PARALLELISM_UNKNOWN", f"tensor/pipeline parallel size unknown: {reading.note}", svc.name,
                      "pass the ConfigMap in the same input (-f) so TP can be checked against the GPUs")
        return
    if reading.strict is not None and reading.normalised is not None and reading.strict != reading.normalised:
        s, n = reading.strict, reading.normalised
        severity = WARNING
        consequence = ""
        if svc.is_multinode and strict_reader:
            gpus = svc.gpus_per_node
            if (s.world * s.dp > gpus) != (n.world * n.dp > gpus) or (s.world > gpus) != (n.world > gpus):
                severity = ERROR
                consequence = "; the operator therefore picks a different multinode launch"
        yield Finding(severity, "FLAG_SPELLING",
                      f"{', '.join(reading.spelled) or 'flags'}: operators <= 1.1 read only '--flag value' from args and see TP={s.tp} PP={s.pp} DP={s.dp} instead of TP={n.tp} PP={n.pp} DP={n.dp}{consequence}",
                      svc.name, "spell it as two args: --tensor-parallel-size, \"8\"")
    world = reading.engine_gpus or 0
    label = engine_world_label(backend)
    par = reading.value
    if world != svc.gpus_per_replica:
        shape = f"nodeCount × gpu = {svc.node_count} × {svc.gpus_per_node} = {svc.gpus_per_replica}" if svc.is_multinode \
            else f"gpu = {svc.gpus_per_node}"
        values = f"TP={par.tp} PP={par.pp}" + (f" DP={par.dp}" if backend == "vllm" else "")
        yield Finding(ERROR, "TP_MISMATCH", f"{label} = {world} ({values}, from {reading.source}) but {shape}",
                      svc.name, _tp_hint(svc, backend, world))
    if svc.is_multinode and world <= svc.gpus_per_node:
        yield Finding(WARNING, "NOT_MULTINODE_ENGINE",
                      f"the engine spans {world} GPU(s), which fit on one node of {svc.gpus_per_node}: the {svc.node_count} pods would not form one engine",
                      svc.name, "drop the multinode section, or raise TP/PP to nodeCount × gpu")


def _tp_hint(svc: Service, backend: str, world: int) -> str:
    want = svc.gpus_per_replica
    if backend == "trtllm":
        return f"set tensor_parallel_size × pipeline_parallel_size = {want} in the engine config"
    flag = "--tensor-parallel-size" if backend == "vllm" else "--tp"
    if world and want % world == 0 and svc.gpus_per_node and world % svc.gpus_per_node == 0:
        return f"set multinode.nodeCount to {world // svc.gpus_per_node}, or {flag} {want}"
    return f"set {flag} {want} (TP = nodeCount × gpu), or change nodeCount/gpu to match"


RULES: tuple[Rule, ...] = (rule_schema, rule_annotations, rule_name_budget, rule_dynamo_namespace, rule_engine,
                          rule_deprecated, rule_names)


def validate(graph: Graph, configmaps: dict[str, dict[str, str]] | None = None, operator_version: str | None = None) -> list[Finding]:
    """All offline findings for one DGD, errors first."""
    version = operator_version or versions.NEWEST_KNOWN
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(graph, configmaps or {}, version))
    return sort_findings(findings)
