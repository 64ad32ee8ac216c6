"""Offline validation rules: each a function over one DGD, each finding with a stable code.

Most of these the operator never checks (TP alignment, GPU in requests only, flag spelling); the
webhook-equivalent ones (name budget, annotation values, minAvailable, runtime version) mirror
internal/webhook/validation/dynamographdeployment.go of the operator line being mirrored
(reference/dynamo-operator.md §4.7, §5.3, operator-newest.md). Every line-dependent rule asks the
rule set (`ctx.rules.has(gates.X)`), so one function serves 1.0 through 1.6.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from kubectl_dynamo.contracts.explanation import PATHWAY_COMPONENT, PATHWAY_GROVE
from kubectl_dynamo.dgd import gates, gpus, versions
from kubectl_dynamo.dgd.backend import choose_backend, graph_backends
from kubectl_dynamo.dgd.fields import ascii_int
from kubectl_dynamo.dgd.findings import ERROR, INFO, WARNING, Finding, sort_findings
from kubectl_dynamo.dgd.model import (
    ANN_DISCOVERY_BACKEND,
    ANN_DISCOVERY_MODE,
    ANN_ENABLE_DISAGGREGATED_SET,
    ANN_ENABLE_GROVE,
    ANN_KAI_QUEUE,
    ANN_ORIGIN_VERSION,
    ANN_VLLM_BACKEND,
    ANN_VOLCANO_QUEUE,
    ANN_WORKLOAD_PROVIDER,
    BACKENDS,
    COMPONENT_TYPES,
    V1BETA1,
    V1BETA1_COMPONENT_TYPES,
    Graph,
    Service,
    as_int,
)
from kubectl_dynamo.dgd.names import (
    GROVE_NAME_BUDGET,
    PODCLIQUE_NAME_LIMIT,
    component_budget,
    grove_budget_used,
    longest_podclique,
    pcs_budget,
    pod_clique_set,
    suggest_short_name,
)
from kubectl_dynamo.dgd.parallelism import ParallelismReading, read_parallelism
from kubectl_dynamo.dgd.pathway import grove_opt_out
from kubectl_dynamo.dgd.wellformed import is_dns1123_label, rule_names
from kubectl_dynamo.limits import INT32_MAX

MAX_SERVICES = 25  # spec.services maxProperties
SIDECAR_INIT_CONTAINER = "runtime"  # the reserved init container of sidecar mode (1.6)


@dataclass
class RuleContext:
    """What a rule may look at besides the DGD: the operator's rule set and the other documents."""

    rules: gates.RuleSet
    configmaps: dict[str, dict[str, str]] = field(default_factory=dict)
    claims: gpus.Claims = field(default_factory=dict)
    creating: bool = True  # a file about to be created (admission applies), not a live DGD
    pathway: str | None = None  # the decided pathway (explain); None offline: Grove unless opted out

    @property
    def version(self) -> str:
        return self.rules.version

    def maybe_grove(self, graph: Graph) -> bool:
        """isGrovePathway as far as it is known: the decision when explain made one, else Grove
        unless the DGD opts out (validate cannot know whether Grove is enabled)."""
        if self.pathway is not None:
            return self.pathway == PATHWAY_GROVE
        return not grove_opt_out(graph)

    def maybe_component(self, graph: Graph) -> bool:
        if self.pathway is not None:
            return self.pathway == PATHWAY_COMPONENT
        return grove_opt_out(graph)


Rule = Callable[[Graph, RuleContext], Iterator[Finding]]


def _positive_int_string(value) -> bool:
    n = ascii_int(value) if isinstance(value, str) else None  # "٤", " 4 " and "²" are not (issue 10)
    return n is not None and n > 0


# --- schema ------------------------------------------------------------------------------------

def rule_schema(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
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
        known = V1BETA1_COMPONENT_TYPES if graph.api_version == V1BETA1 else COMPONENT_TYPES
        if svc.component_type is not None and svc.component_type not in known:
            severity = ERROR if graph.api_version == V1BETA1 else WARNING
            what = "type" if graph.api_version == V1BETA1 else "componentType"
            yield Finding(severity, "UNKNOWN_COMPONENT_TYPE", f"{what} {svc.component_type!r} is not one the operator knows",
                          svc.name, f"use one of {', '.join(known)}; only worker, prefill and decode get backend launch logic")
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


def rule_api_version(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    """v1beta1 is served from 1.2 (#9235); an older operator's API server has no such version."""
    if graph.api_version == V1BETA1 and not ctx.rules.has(gates.V1BETA1_SERVED):
        yield Finding(ERROR, "API_VERSION_NOT_SERVED", f"{V1BETA1} is not served by operator {ctx.version}: "
                      f"{ctx.rules.why(gates.V1BETA1_SERVED)}", None,
                      "write the DGD as nvidia.com/v1alpha1 (kubectl dynamo init --api-version nvidia.com/v1alpha1), "
                      "or upgrade the operator")


def rule_deprecated(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    for svc in graph.services:
        for path, why in svc.deprecated:
            yield Finding(WARNING, "DEPRECATED_FIELD", f"{path} is {why}", svc.name, "remove the field")


# --- annotations (webhook) ---------------------------------------------------------------------

def rule_annotations(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    scopes: list[tuple[str | None, dict[str, str]]] = [(None, graph.annotations)]
    scopes += [(s.name, s.annotations) for s in graph.services if s.annotations]
    for service, ann in scopes:
        origin = ann.get(ANN_ORIGIN_VERSION)
        if origin is not None and not versions.is_semver(origin):
            yield Finding(ERROR, "BAD_ANNOTATION", f"{ANN_ORIGIN_VERSION} {origin!r} is not a semantic version; the webhook rejects it",
                          service, "remove it: the operator stamps it at create")
        backend = ann.get(ANN_VLLM_BACKEND)
        # validateAnnotations lower-cases the value but does not trim it: "mp " is rejected
        if backend is not None and backend.lower() not in ("mp", "ray"):
            padded = " (the webhook does not trim spaces)" if backend.strip().lower() in ("mp", "ray") else ""
            yield Finding(ERROR, "BAD_ANNOTATION", f"{ANN_VLLM_BACKEND} {backend!r} must be mp or ray{padded}; the webhook rejects it",
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
        yield from _provider_annotation(ann.get(ANN_WORKLOAD_PROVIDER), ctx)
        ds = ann.get(ANN_ENABLE_DISAGGREGATED_SET)
        if ds is not None:
            if ds.lower() not in ("true", "false"):
                yield Finding(WARNING, "BAD_ANNOTATION", f'{ANN_ENABLE_DISAGGREGATED_SET} {ds!r}: only "true" opts in', None,
                              'write "true" or "false"')
            elif ds.lower() == "true" and not ctx.rules.has(gates.DISAGGREGATED_SET):
                yield Finding(INFO, "ANNOTATION_IGNORED", f"{ANN_ENABLE_DISAGGREGATED_SET} is ignored: "
                              f"{ctx.rules.why(gates.DISAGGREGATED_SET)}", None, None)
        if ANN_VOLCANO_QUEUE in ann and not ctx.rules.has(gates.VOLCANO_ON_GROVE):
            yield Finding(INFO, "ANNOTATION_IGNORED", f"{ANN_VOLCANO_QUEUE} is ignored: {ctx.rules.why(gates.VOLCANO_ON_GROVE)}",
                          None, None)


def _provider_annotation(provider: str | None, ctx: RuleContext) -> Iterator[Finding]:
    """nvidia.com/workload-provider is the operator's own: from 1.5 the webhook writes it at create
    (a file's value predicts nothing) and it is matched case-sensitively; before 1.5 it is unread."""
    if provider is None:
        return
    if not ctx.rules.has(gates.WORKLOAD_PROVIDER):
        yield Finding(INFO, "ANNOTATION_IGNORED", f"{ANN_WORKLOAD_PROVIDER} {provider!r} is ignored: "
                      f"{ctx.rules.why(gates.WORKLOAD_PROVIDER)}", None, "remove it; it is owned by newer operators")
        return
    if ctx.creating:
        yield Finding(WARNING, "WORKLOAD_PROVIDER_IGNORED", f"{ANN_WORKLOAD_PROVIDER} {provider!r} in a manifest is replaced at create: "
                      f"the operator's webhook writes it from {ANN_ENABLE_GROVE} and its own Grove setting", None,
                      f"remove the annotation; choose the pathway with {ANN_ENABLE_GROVE}")
    elif provider not in ("grove", "component", "disaggregatedset"):
        yield Finding(ERROR, "BAD_ANNOTATION", f"{ANN_WORKLOAD_PROVIDER} {provider!r} is not grove or component "
                      "(matched case-sensitively): the operator fails the DGD with unsupported_workload_provider", None,
                      "the provider is immutable: delete and recreate the DGD")


def rule_name_budget(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    """At 1.0/1.1 the webhook applies the Grove budget whenever enable-grove is not "false", even
    when Grove is not installed. From #8563 the PodCliqueSet name is shortened instead, the check
    runs on the Grove pathway only, and it fires only when a component alone leaves < 8 characters."""
    rules = ctx.rules
    if not graph.name or not rules.has(gates.NAME_BUDGET_WEBHOOK):
        return
    if not rules.has(gates.PCS_NAME_TRUNCATION):
        if grove_opt_out(graph):
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
        return
    grove_only = rules.has(gates.NAME_CHECK_GROVE_ONLY)  # isGrovePathway in the newer webhooks
    if (grove_only and not ctx.maybe_grove(graph)) or (not grove_only and grove_opt_out(graph)):
        return
    pcs = pod_clique_set(graph, rules)
    for svc in graph.services:
        used = len(pcs) + component_budget(svc)
        if used > GROVE_NAME_BUDGET:
            what = "PCS name + PCSG name + longest PodClique name" if svc.is_multinode else "PCS name + component name"
            yield Finding(ERROR, "NAME_BUDGET",
                          f"Grove name budget: {what} = {len(pcs)} + {component_budget(svc)} = {used} > {GROVE_NAME_BUDGET} "
                          f"characters even with the PodCliqueSet name shortened to {pcs!r}", svc.name,
                          "shorten the component name: it alone leaves fewer than 8 characters for the PodCliqueSet name")
    if pcs != graph.name:
        widest = max(graph.services, key=component_budget)
        yield Finding(INFO, "PCS_NAME_SHORTENED",
                      f"the PodCliqueSet is named {pcs!r}, not {graph.name!r}: the DGD name ({len(graph.name)} characters) is "
                      f"longer than the {pcs_budget(graph.services)} that component {widest.name!r} leaves; every PodClique "
                      f"and PodCliqueScalingGroup name starts with it ({rules.why(gates.PCS_NAME_TRUNCATION)})", None,
                      "shorten the DGD name if you want objects named after it")


def rule_podclique_names(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    """grove#810 (compatibility.md §2.6, R14): a PodClique name over 57 characters keeps its pods
    gated, because Grove recovers it from pod names that the API server cuts at 63."""
    if not graph.name or not ctx.maybe_grove(graph):
        return
    pcs = pod_clique_set(graph, ctx.rules)
    budget_checked = ctx.rules.has(gates.NAME_BUDGET_WEBHOOK)
    for svc in graph.services:
        if budget_checked and len(pcs) + component_budget(svc) > GROVE_NAME_BUDGET:
            continue  # rejected at admission (NAME_BUDGET): no clique is ever made
        name = longest_podclique(graph, svc, pcs)
        if len(name) > PODCLIQUE_NAME_LIMIT:
            yield Finding(WARNING, "PODCLIQUE_NAME_LENGTH",
                          f"PodClique {name!r} is {len(name)} characters (> {PODCLIQUE_NAME_LIMIT}): Grove keeps its pods behind "
                          "the grove.io/podgang-pending-creation gate and the gang stays Pending (grove#810)", svc.name,
                          "shorten the DGD or component name")


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


def rule_dynamo_namespace(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    if value := dynamo_namespace_too_long(graph):
        yield Finding(ERROR, "DYNAMO_NAMESPACE_TOO_LONG",
                      f"the operator labels its objects nvidia.com/dynamo-namespace={value!r}: {len(value)} > "
                      f"{LABEL_VALUE_MAX} characters, so the API server refuses its DynamoComponentDeployments and PodCliques",
                      None, f"keep namespace and DGD name within {LABEL_VALUE_MAX - 1} characters together, "
                      "or set globalDynamoNamespace: true on every service")


# --- engine, GPUs and parallelism ---------------------------------------------------------------

def engine_world_label(backend: str) -> str:
    return {"vllm": "TP×PP×DP", "sglang": "TP×PP", "trtllm": "TP×PP"}[backend]


def rule_engine(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    rules, configmaps = ctx.rules, ctx.configmaps
    strict_reader = not rules.has(gates.NORMALISED_VLLM_FLAGS)
    yield from _backends_per_graph(graph, ctx)
    for svc in graph.services:
        choice = choose_backend(graph, svc)
        if choice.mismatch:
            yield Finding(ERROR, "BACKEND_MISMATCH",
                          f"backend framework mismatch: detected {choice.detected!r} from command but explicitly configured as {choice.declared!r}",
                          svc.name, "make spec.backendFramework and the python -m dynamo.<backend> command agree")
        if choice.several:
            if choice.undetermined:
                yield Finding(ERROR, "MULTIPLE_BACKENDS",
                              f"could not determine backend framework: multiple backend frameworks detected from command: "
                              f"[{' '.join(choice.several)}]", svc.name,
                              "run one python -m dynamo.<backend> in the command, or set spec.backendFramework")
            else:
                yield Finding(INFO, "MULTIPLE_BACKENDS", f"the command names {', '.join(choice.several)}: the operator uses "
                              f"spec.backendFramework {choice.declared!r}", svc.name, None)
        shape = gpus.requested(svc, ctx.claims)
        backend = choice.backend
        if backend == "vllm" and svc.gpu_request is not None and svc.gpu_limit is None and not rules.has(gates.GPU_FROM_REQUESTS):
            yield Finding(WARNING, "GPU_REQUESTS_ONLY", "GPUs are set in resources.requests only", svc.name,
                          "set resources.limits.gpu: the operator's vLLM launch logic reads limits only (GPUs = 0, nothing injected); "
                          + rules.why(gates.GPU_FROM_REQUESTS))
        if svc.gpu_claims and svc.is_multinode and backend in ("vllm", "trtllm") and shape.count == 0 and shape.known is False:
            yield Finding(INFO, "GPUS_UNKNOWN", f"GPUs come from {shape.source}: TP cannot be checked", svc.name,
                          "pass the ResourceClaimTemplate in the same input (-f)")
        if (svc.gpu_claims and svc.is_multinode and backend in ("vllm", "trtllm") and not rules.has(gates.GPU_FROM_DRA)
                and gpus.operator_reads(svc, backend, rules).count == 0):
            yield Finding(WARNING, "DRA_GPUS_NOT_READ", f"GPUs come from DRA claims only: operator {ctx.version} counts 0 GPUs and "
                          "gives leader and workers the same command (#12164)", svc.name,
                          "also set the scalar GPU count, or upgrade the operator; " + rules.why(gates.GPU_FROM_DRA))
        if svc.is_multinode and backend is None:
            yield Finding(WARNING, "NO_BACKEND_MULTINODE",
                          f"multinode service ({svc.node_count} nodes) with no backend: the operator injects no multinode launch flags",
                          svc.name, "run python3 -m dynamo.vllm|sglang|trtllm in the command, or set spec.backendFramework"
                          + ("" if svc.is_worker else "; only worker, prefill and decode services get launch logic"))
        if backend is None:
            continue
        if backend == "trtllm" and svc.is_multinode and gpus.operator_reads(svc, backend, rules, ctx.claims).count == 0:
            if shape.known:
                yield Finding(ERROR, "TRTLLM_NO_GPU", "no GPU count set: the operator launches mpirun -n 0", svc.name,
                              "set resources.limits.gpu (and requests) to the GPUs per node")
            continue
        if shape.count == 0:
            if shape.known:
                yield Finding(WARNING if svc.is_multinode else INFO, "NO_GPU", f"{backend} worker requests no GPU", svc.name,
                              "set resources.limits.gpu to the GPUs per node")
            continue
        reading = read_parallelism(backend, svc, configmaps)
        if reading is None:
            continue
        yield from _parallelism_findings(svc, backend, reading, strict_reader, shape.count, rules)


def _backends_per_graph(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    """backendFrameworkForGeneratedDCDs (newest code): without spec.backendFramework the workers of
    a component-pathway graph must share one backend."""
    if graph.backend_framework or not ctx.rules.has(gates.BACKEND_PER_GRAPH):
        return
    found = graph_backends(graph)
    if len(found) < 2:
        return
    if ctx.maybe_component(graph):
        severity, consequence = ERROR, "the operator fails the DGD"
    elif ctx.pathway is None:
        severity, consequence = WARNING, "on the component pathway the operator fails the DGD"
    else:
        return
    yield Finding(severity, "MULTIPLE_BACKENDS", f"multiple backend frameworks detected for generated DynamoComponentDeployments: "
                  f"{found[0]} and {found[1]}: {consequence} ({ctx.rules.why(gates.BACKEND_PER_GRAPH)})", None,
                  "set spec.backendFramework, or split the graph by backend")


def _parallelism_findings(svc: Service, backend: str, reading: ParallelismReading, strict_reader: bool,
                          gpus_per_node: int, rules: gates.RuleSet) -> Iterator[Finding]:
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
            g = gpus_per_node
            if (s.world * s.dp > g) != (n.world * n.dp > g) or (s.world > g) != (n.world > g):
                severity = ERROR
                consequence = "; the operator therefore picks a different multinode launch"
        reader = (f"operator {rules.version} reads only '--flag <number>' from args (first numeric occurrence)"
                  if strict_reader else f"operators before {gates.NORMALISED_VLLM_FLAGS.since} read only '--flag <number>' from args")
        yield Finding(severity, "FLAG_SPELLING",
                      f"{', '.join(reading.spelled) or 'flags'}: {reader} and see TP={s.tp} PP={s.pp} DP={s.dp} instead of "
                      f"TP={n.tp} PP={n.pp} DP={n.dp}{consequence}",
                      svc.name, "spell it as two args: --tensor-parallel-size, \"8\"")
    world = reading.engine_gpus or 0
    label = engine_world_label(backend)
    par = reading.value
    per_replica = svc.node_count * gpus_per_node
    if world != per_replica:
        shape = f"nodeCount × gpu = {svc.node_count} × {gpus_per_node} = {per_replica}" if svc.is_multinode \
            else f"gpu = {gpus_per_node}"
        values = f"TP={par.tp} PP={par.pp}" + (f" DP={par.dp}" if backend == "vllm" else "")
        yield Finding(ERROR, "TP_MISMATCH", f"{label} = {world} ({values}, from {reading.source}) but {shape}",
                      svc.name, _tp_hint(svc, backend, world, gpus_per_node))
    if svc.is_multinode and world <= gpus_per_node:
        yield Finding(WARNING, "NOT_MULTINODE_ENGINE",
                      f"the engine spans {world} GPU(s), which fit on one node of {gpus_per_node}: the {svc.node_count} pods would not form one engine",
                      svc.name, "drop the multinode section, or raise TP/PP to nodeCount × gpu")


def _tp_hint(svc: Service, backend: str, world: int, gpus_per_node: int) -> str:
    want = svc.node_count * gpus_per_node
    if backend == "trtllm":
        return f"set tensor_parallel_size × pipeline_parallel_size = {want} in the engine config"
    flag = "--tensor-parallel-size" if backend == "vllm" else "--tp"
    if world and want % world == 0 and gpus_per_node and world % gpus_per_node == 0:
        return f"set multinode.nodeCount to {world // gpus_per_node}, or {flag} {want}"
    return f"set {flag} {want} (TP = nodeCount × gpu), or change nodeCount/gpu to match"


# --- admission of newer operators ---------------------------------------------------------------

def rule_min_available(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    """validateMinAvailable (1.3+): Grove pathway only, > 0, and replicas 0 or >= minAvailable."""
    for svc in graph.services:
        if svc.raw_min_available is None:
            continue
        where = f"spec.components[{svc.name}]"
        if not ctx.rules.has(gates.MIN_AVAILABLE):
            yield Finding(WARNING, "MIN_AVAILABLE", f"{where}.minAvailable is not known to operator {ctx.version} "
                          f"({ctx.rules.why(gates.MIN_AVAILABLE)})", svc.name, "remove it")
            continue
        n = as_int(svc.raw_min_available)
        if not ctx.maybe_grove(graph):
            yield Finding(ERROR, "MIN_AVAILABLE", f"{where}.minAvailable is currently supported only for Grove-backed "
                          "DynamoGraphDeployment components", svc.name, "remove minAvailable, or use the Grove pathway")
        elif n is None or n <= 0:
            yield Finding(ERROR, "MIN_AVAILABLE", f"{where}.minAvailable must be greater than 0", svc.name, None)
        elif 0 < svc.effective_replicas < n:
            yield Finding(ERROR, "MIN_AVAILABLE", f"{where}.replicas must be 0 or greater than or equal to minAvailable "
                          f"(replicas {svc.effective_replicas}, minAvailable {n})", svc.name,
                          f"lower minAvailable to {svc.effective_replicas} or raise replicas")


def rule_priority_class(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    if graph.priority_class_name and ctx.rules.has(gates.MIN_AVAILABLE) and not ctx.maybe_grove(graph):
        yield Finding(ERROR, "GROVE_ONLY_FIELD", "spec.priorityClassName requires the Grove pathway", None,
                      "remove spec.priorityClassName, or use the Grove pathway")


def rule_runtime_version(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    """Main image required and its tag a version unless runtimeVersionOverride is set (1.4.x may,
    1.5+ does); checked on create only (existing DGDs are ratcheted)."""
    rules = ctx.rules
    if not ctx.creating or not rules.has(gates.RUNTIME_VERSION_ADMISSION):
        return
    severity = WARNING if rules.maybe(gates.RUNTIME_VERSION_ADMISSION) else ERROR
    maybe = f" ({rules.why(gates.RUNTIME_VERSION_ADMISSION)})" if severity == WARNING else ""
    for i, svc in enumerate(graph.services):
        beta = graph.api_version == V1BETA1
        base = f"spec.components[{i}]" if beta else f"spec.services[{svc.name}]"
        image_path = f"{base}.podTemplate.spec.containers[main].image" if beta else f"{base}.extraPodSpec.mainContainer.image"
        if not svc.image:
            yield Finding(severity, "RUNTIME_VERSION", f"{image_path}: Required value: is required{maybe}", svc.name,
                          "set the main container's image")
            continue
        if svc.runtime_version_override:
            continue
        tag = versions.image_tag(svc.image)
        if versions.image_runtime_version(svc.image) is None:
            yield Finding(severity, "RUNTIME_VERSION", f"{base}.runtimeVersionOverride: Required value: is required when the "
                          f"specified main container image has no parseable semantic-version tag (tag {tag or '(none)'!r}){maybe}",
                          svc.name, "tag the image with its Dynamo version (e.g. :1.6.1), or set runtimeVersionOverride")


def rule_sidecar_multinode(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    if not ctx.rules.has(gates.SIDECAR_MULTINODE):
        return
    for svc in graph.services:
        if svc.is_multinode and SIDECAR_INIT_CONTAINER in svc.init_containers:
            yield Finding(ERROR, "SIDECAR_MULTINODE", f"init container {SIDECAR_INIT_CONTAINER!r} puts the component in sidecar "
                          f"mode, which operator {ctx.version} rejects for multinode components", svc.name,
                          "rename the init container, or drop the multinode section")


def rule_mirror(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    """No silent fallback: an operator newer than the newest mirrored line is said to be one."""
    if ctx.rules.newer_than_mirrored:
        yield Finding(WARNING, "OPERATOR_NEWER_THAN_MIRROR",
                      f"operator {ctx.version} is newer than the newest line the plugin mirrors ({versions.NEWEST_LINE}, "
                      f"{versions.NEWEST_KNOWN}): the {versions.NEWEST_LINE} rules are applied and behaviour added after it is "
                      "not predicted", None, "upgrade kubectl-dynamo, or pass --operator-version to mirror a known line")


def rule_wellformed_names(graph: Graph, ctx: RuleContext) -> Iterator[Finding]:
    """dgd/wellformed.rule_names: names and labels as the API server validates them."""
    yield from rule_names(graph, ctx.configmaps, ctx.version)


RULES: tuple[Rule, ...] = (rule_mirror, rule_schema, rule_api_version, rule_annotations, rule_name_budget,
                           rule_podclique_names, rule_dynamo_namespace, rule_engine, rule_min_available, rule_priority_class, rule_runtime_version,
                           rule_sidecar_multinode, rule_deprecated, rule_wellformed_names)


def validate(graph: Graph, configmaps: dict[str, dict[str, str]] | None = None, operator_version: str | None = None, *,
             claims: gpus.Claims | None = None, creating: bool = True, pathway: str | None = None) -> list[Finding]:
    """All offline findings for one DGD, errors first. `operator_version`: the line to mirror
    (default the newest); `pathway`: explain's decision, when there is one."""
    version = operator_version if operator_version is not None and versions.is_semver(operator_version) else versions.NEWEST_KNOWN
    ctx = RuleContext(gates.RuleSet(version), configmaps or {}, claims or {}, creating, pathway)
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(graph, ctx))
    return sort_findings(findings)
