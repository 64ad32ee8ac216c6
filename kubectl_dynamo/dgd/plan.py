"""explain: capabilities + DGD -> the operator's full decision (pathway, objects, scheduler,
launch) and every finding, offline and cluster-aware, under the rule set of the operator line
being mirrored (dgd/gates.py)."""

from __future__ import annotations

from collections.abc import Iterator

from kubectl_dynamo.contracts.explanation import (
    PATHWAY_COMPONENT,
    PATHWAY_FAILED,
    PATHWAY_GROVE,
    Explanation,
    ObjectRef,
    SchedulerPlan,
    ServicePlan,
    TraceStep,
)
from kubectl_dynamo.dgd import compat_dgd, gates, gpus, versions
from kubectl_dynamo.dgd.backend import choose_backend
from kubectl_dynamo.dgd.capabilities import Capabilities
from kubectl_dynamo.dgd.findings import ERROR, INFO, WARNING, Finding, sort_findings
from kubectl_dynamo.dgd.launch import MPI_SSH_SECRET, launch_for
from kubectl_dynamo.dgd.model import (
    ANN_GROVE_UPDATE_STRATEGY,
    ANN_KAI_QUEUE,
    ANN_VOLCANO_QUEUE,
    Graph,
    Service,
    as_int,
)
from kubectl_dynamo.dgd.names import (
    dcd_name,
    disaggregated_set,
    grove_role_cliques,
    grove_service_object,
    lws_instance,
    pod_clique_set,
    shortened_pcs_name,
    wait_leader_configmap,
)
from kubectl_dynamo.dgd.parallelism import read_parallelism
from kubectl_dynamo.dgd.pathway import NO_ORCHESTRATOR, PROVIDER_DISAGGREGATED_SET, PathwayDecision, decide
from kubectl_dynamo.dgd.rules import dynamo_namespace_too_long, validate

KAI_SCHEDULER = "kai-scheduler"  # consts.KaiSchedulerName
DEFAULT_KAI_QUEUE = "dynamo"  # consts.DefaultKaiSchedulerQueue
VOLCANO_SCHEDULER = "volcano"  # SchedulerNameVolcano
GROVE_VOLCANO_QUEUE = "scheduling.grove.io/volcano-queue"  # the PCS annotation nvidia.com/volcano-queue maps to


def kai_queue(graph: Graph) -> tuple[str, bool]:
    """resolveKaiSchedulerQueueName: the trimmed annotation, else "dynamo". Returns (queue, from annotation)."""
    q = graph.annotations.get(ANN_KAI_QUEUE, "").strip()
    return (q, True) if q else (DEFAULT_KAI_QUEUE, False)


def explain(graph: Graph, caps: Capabilities, configmaps: dict[str, dict[str, str]] | None = None,
            creating: bool = True, claims: gpus.Claims | None = None) -> Explanation:
    """`creating`: the DGD is about to be created (a file), so the operator's webhook will stamp
    its own version as origin; False for a live DGD, whose annotations are final. `claims`: DRA
    ResourceClaim(Template)s from the same input, (kind, name) -> GPUs."""
    configmaps = configmaps or {}
    rules = caps.rules
    version = rules.version
    decision = decide(graph, caps, creating)
    trace = [TraceStep("operator version mirrored", _version_outcome(caps))] + decision.trace
    pcs = pod_clique_set(graph, rules)
    use_volcano = decision.pathway == PATHWAY_GROVE and caps.volcano_scheduler
    use_kai = decision.pathway == PATHWAY_GROVE and caps.kai_scheduler and not use_volcano
    queue, queue_from_ann = kai_queue(graph)
    queue_exists = None if caps.queues is None else queue in caps.queues
    if use_volcano:
        vq = graph.annotations.get(ANN_VOLCANO_QUEUE, "").strip()
        trace.append(TraceStep("Volcano scheduler on Grove", f"schedulerName {VOLCANO_SCHEDULER}; "
                               + (f"{ANN_VOLCANO_QUEUE}={vq} becomes the PodCliqueSet annotation {GROVE_VOLCANO_QUEUE}" if vq
                                  else f"{ANN_VOLCANO_QUEUE} unset: Volcano's default queue")))
    else:
        trace.append(TraceStep("KAI-Scheduler", _kai_outcome(decision, caps, queue, queue_from_ann, queue_exists)))
    if decision.pathway == PATHWAY_GROVE:
        trace += _grove_steps(graph, rules, pcs)

    services = [_service_plan(graph, svc, decision, caps, configmaps, use_kai, use_volcano, queue, queue_exists, creating,
                              pcs, claims) for svc in graph.services]
    if use_kai and queue_exists is False or decision.pathway == PATHWAY_COMPONENT and dynamo_namespace_too_long(graph):
        # DetermineKaiSchedulerQueue fails the DGD before the PodCliqueSet is generated; the API server
        # refuses DynamoComponentDeployments whose nvidia.com/dynamo-namespace label is too long
        for plan in services:
            plan.workload, plan.objects = None, []
    findings = (validate(graph, configmaps, version, claims=claims, creating=creating, pathway=decision.pathway)
                + decision.findings + list(_cluster_findings(graph, caps, decision, services, use_kai, queue, queue_exists))
                + compat_dgd.skews(graph, caps, decision.pathway))
    return Explanation(
        objects=graph_objects(graph, decision, services, version, pcs),
        name=graph.name,
        namespace=graph.namespace,
        capabilities=caps,
        pathway=decision.pathway,
        trace=trace,
        services=services,
        findings=sort_findings(findings),
        source=graph.source,
        workload_provider=decision.provider if decision.pathway != PATHWAY_FAILED else None,
    )


def graph_objects(graph: Graph, decision: PathwayDecision | str, services: list[ServicePlan], version: str,
                  pcs: str | None = None) -> list[ObjectRef]:
    """Objects made once per DGD rather than per service."""
    pathway = decision if isinstance(decision, str) else decision.pathway
    failure = None if isinstance(decision, str) else decision.failure
    out: list[ObjectRef] = []
    if pathway == PATHWAY_GROVE and any(s.workload for s in services):
        out.append(ObjectRef("PodCliqueSet", pcs or graph.name))
    if not isinstance(decision, str) and decision.provider == PROVIDER_DISAGGREGATED_SET and pathway != PATHWAY_FAILED:
        out.append(ObjectRef("DisaggregatedSet", disaggregated_set(graph)))
    # reconcileResources makes the wait-leader ConfigMap (#7954, 1.1) and copies the MPI SSH
    # Secret for every DGD with a multinode service, whatever the backend, before it checks for an
    # orchestrator: they exist even when the DGD then fails with "no multinode orchestrator".
    # A DGD refused earlier (its stored provider unavailable) gets neither.
    program_ran = pathway != PATHWAY_FAILED or NO_ORCHESTRATOR in (failure or "")
    if graph.has_multinode and program_ran:
        if gates.on(version, gates.WAIT_FOR_LEADER_INIT):
            out.append(ObjectRef("ConfigMap", wait_leader_configmap(graph)))
        out.append(ObjectRef("Secret", MPI_SSH_SECRET))
    return out


def _version_outcome(caps: Capabilities) -> str:
    rules = caps.rules
    line = f"rule set {rules.line}"
    if rules.newer_than_mirrored:
        line = f"newer than the newest mirrored line {versions.NEWEST_LINE}, whose rules are applied"
    elif versions.older_than_mirrored(caps.mirrored_version):
        line = f"older than the oldest mirrored line {versions.LINES[0]}: gates before it are approximate"
    if caps.version_source == "flag":
        return f"{caps.mirrored_version} (from --operator-version; {line})"
    if caps.version_assumed or caps.version_source == "mirrored":
        if caps.source == "assumed":
            return f"{caps.mirrored_version} (the newest operator line the plugin mirrors, {line}; set --operator-version to change)"
        shown = f"operator version {caps.operator_version!r} is not a release" if caps.operator_version else "operator version unknown"
        return f"{caps.mirrored_version} ({shown}; the newest line the plugin mirrors, {line})"
    return f"{caps.mirrored_version} (operator image tag; {line})"


def _grove_steps(graph: Graph, rules: gates.RuleSet, pcs: str) -> list[TraceStep]:
    steps: list[TraceStep] = []
    if pcs != graph.name:
        steps.append(TraceStep("PodCliqueSet name", f"{pcs!r}: the DGD name is too long for the budget left by its components, "
                               f"so it is cut and given an FNV-1a hash suffix; {rules.why(gates.PCS_NAME_TRUNCATION)}"))
    elif shortened_pcs_name(graph.name, graph.services) != graph.name:
        # too long for the budget: this line rejects it (NAME_BUDGET) instead of shortening it
        steps.append(TraceStep("PodCliqueSet name", f"{pcs!r}, not shortened: {rules.why(gates.PCS_NAME_TRUNCATION)}"))
    if rules.has(gates.MIN_AVAILABLE):
        for svc in graph.services:
            n = as_int(svc.raw_min_available)
            if n is not None and n > 0:
                what = "PodCliqueScalingGroup" if svc.is_multinode else "PodClique"
                steps.append(TraceStep(f"minAvailable of {svc.name}", f"{n}: becomes the {what}'s minAvailable"))
    roles = {(s.component_type or "") for s in graph.services}
    if rules.has(gates.COHERENT_UPDATES) and {"prefill", "decode"} <= roles:
        override = graph.annotations.get(ANN_GROVE_UPDATE_STRATEGY)
        steps.append(TraceStep("PodCliqueSet update strategy",
                               f"{override!r} from {ANN_GROVE_UPDATE_STRATEGY}" if override else
                               "Coherent (1.6 default for disaggregated Grove graphs; needs Grove v0.1.0-alpha.14)"))
    return steps
def _kai_outcome(decision: PathwayDecision, caps: Capabilities, queue: str, from_ann: bool, exists: bool | None) -> str:
    if decision.pathway != PATHWAY_GROVE:
        if caps.kai_scheduler:
            return "enabled, but KAI is injected on the Grove path only: not used"
        return "not used (only the Grove path gets KAI)"
    if not caps.kai_scheduler:
        why = caps.reasons.get("kaiScheduler", "")
        return f"not enabled ({why}): pods keep the default scheduler" if why else "not enabled: pods keep the default scheduler"
    where = f"annotation {ANN_KAI_QUEUE}" if from_ann else "default; annotation unset"
    state = {None: "existence not checked offline", True: "exists", False: "does NOT exist"}[exists]
    return f"schedulerName {KAI_SCHEDULER}, label kai.scheduler/queue={queue} ({where}); queue {queue!r} {state}"


def _service_plan(graph: Graph, svc: Service, decision: PathwayDecision, caps: Capabilities, configmaps: dict,
                  use_kai: bool, use_volcano: bool, queue: str, queue_exists: bool | None, creating: bool, pcs: str,
                  claims: gpus.Claims | None) -> ServicePlan:
    rules = caps.rules
    choice = choose_backend(graph, svc)
    reading = read_parallelism(choice.backend, svc, configmaps)
    strict_used = not rules.has(gates.NORMALISED_VLLM_FLAGS)
    operator_par = None
    if reading is not None and reading.strict is not None:
        operator_par = reading.strict if strict_used else reading.normalised
    launch = launch_for(graph, svc, choice.backend, reading.value if reading else None, decision.pathway,
                        rules.version, creating, operator_par, claims)
    workload, objects = _workload(graph, svc, decision, pcs)
    shape = gpus.requested(svc, claims)
    return ServicePlan(
        name=svc.name,
        component_type=svc.component_type,
        backend=choice.backend,
        replicas=svc.effective_replicas,
        node_count=svc.node_count,
        gpus_per_node=shape.count,
        gpus_per_replica=svc.node_count * shape.count,
        total_gpus=svc.effective_replicas * svc.node_count * shape.count,
        parallelism=reading.value if reading else None,
        parallelism_source=reading.source if reading and reading.value else None,
        workload=workload,
        objects=objects,
        scheduler=_scheduler(graph, svc, decision, use_kai, use_volcano, queue, queue_exists),
        launch=launch,
    )


def _workload(graph: Graph, svc: Service, decision: PathwayDecision, pcs: str) -> tuple[str | None, list[ObjectRef]]:
    pathway = decision.pathway
    if pathway == PATHWAY_GROVE:
        name = grove_service_object(graph, svc, pcs)
        if not svc.is_multinode:
            return "PodClique", [ObjectRef("PodClique", name)]
        objs = [ObjectRef("PodCliqueScalingGroup", name)]
        for i in range(svc.effective_replicas):
            ldr, wkr = grove_role_cliques(graph, svc, i, pcs)
            objs += [ObjectRef("PodClique", ldr), ObjectRef("PodClique", wkr)]
        return "PodCliqueScalingGroup", objs
    if pathway == PATHWAY_COMPONENT:
        if svc.name in decision.ds_roles:
            # the DisaggregatedSet controller (LWS) makes one LeaderWorkerSet per role
            return "LeaderWorkerSet", [ObjectRef("DisaggregatedSetRole", f"{disaggregated_set(graph)}/{decision.ds_roles[svc.name]}")]
        dcd = dcd_name(graph, svc)
        objs = [ObjectRef("DynamoComponentDeployment", dcd)]
        if not svc.is_multinode:
            return "Deployment", objs + [ObjectRef("Deployment", dcd)]
        # the PodGroup comes first; generateLeaderWorkerSet refuses templates without command and
        # args or without a GPU limit (LWS_NO_COMMAND, LWS_NO_GPU_LIMIT), so no LeaderWorkerSet then
        refused = not svc.command or not svc.args or svc.gpu_limit is None
        for i in range(svc.effective_replicas):
            objs += [] if refused else [ObjectRef("LeaderWorkerSet", lws_instance(dcd, i))]
            objs += [ObjectRef("PodGroup", lws_instance(dcd, i))]
        return "LeaderWorkerSet", objs
    return None, []


def _scheduler(graph: Graph, svc: Service, decision: PathwayDecision, use_kai: bool, use_volcano: bool, queue: str,
               queue_exists: bool | None) -> SchedulerPlan:
    pathway = decision.pathway
    user = (svc.scheduler_name or "").strip() or None
    if pathway == PATHWAY_GROVE:
        gang = svc.node_count if svc.is_multinode else 1
        if use_volcano:
            vq = graph.annotations.get(ANN_VOLCANO_QUEUE, "").strip() or None
            return SchedulerPlan(VOLCANO_SCHEDULER, vq, None, None, gang)
        if use_kai and user in (None, KAI_SCHEDULER):
            return SchedulerPlan(KAI_SCHEDULER, queue, queue_exists, None, gang)
        return SchedulerPlan(user, None, None, None, gang)
    if pathway == PATHWAY_COMPONENT and svc.is_multinode and svc.name not in decision.ds_roles:
        dcd = dcd_name(graph, svc)
        pg = lws_instance(dcd, 0) if svc.effective_replicas <= 1 else f"{dcd}-<0..{svc.effective_replicas - 1}>"
        # the LWS path sets schedulerName volcano unconditionally, overriding any user value
        return SchedulerPlan(VOLCANO_SCHEDULER, None, None, pg, svc.node_count)
    if svc.name in decision.ds_roles:
        return SchedulerPlan(user, None, None, None, svc.node_count)
    return SchedulerPlan(user, None, None, None, None)


def _cluster_findings(graph: Graph, caps: Capabilities, decision: PathwayDecision, services: list[ServicePlan],
                      use_kai: bool, queue: str, queue_exists: bool | None) -> Iterator[Finding]:
    for problem in caps.problems:
        yield Finding(ERROR, "OPERATOR_CONFIG", problem, None, "fix the operator's Helm values or install the missing API")
    if decision.pathway == PATHWAY_FAILED:
        yield Finding(ERROR, "NO_MULTINODE_ORCHESTRATOR",
                      f"the operator will fail this DGD with \"{decision.failure}\": no child objects or pods are created",
                      None, _orchestrator_hint(caps))
    if caps.restart_needed:
        yield Finding(WARNING, "OPERATOR_RESTART_NEEDED",
                      f"{', '.join(caps.restart_needed)} appeared after the operator pod started; it detects APIs only at start-up",
                      None, "restart the operator: kubectl rollout restart deployment -n <operator-namespace> <operator-deployment>")
    if use_kai and queue_exists is False:
        yield Finding(ERROR, "QUEUE_MISSING", f"queue '{queue}' not found in cluster: the operator fails the DGD at reconcile",
                      None, f"create the KAI queue {queue!r} (queues.scheduling.run.ai, cluster-scoped) or set {ANN_KAI_QUEUE} to an existing queue")
    for plan in services:
        svc = graph.service(plan.name)
        if svc is None:
            continue
        if use_kai and svc.scheduler_name and svc.scheduler_name not in (KAI_SCHEDULER,):
            yield Finding(INFO, "SCHEDULER_OVERRIDE", f"schedulerName {svc.scheduler_name!r} is kept: KAI-Scheduler is not injected for this service",
                          plan.name, None)
        if decision.pathway == PATHWAY_GROVE and svc.is_multinode and not caps.rules.has(gates.GANG_MIN_AVAILABLE_FIX):
            yield Finding(WARNING, "GANG_MIN_AVAILABLE",
                          f"operator {caps.mirrored_version} sets minAvailable=1 on the worker clique, so the gang of {svc.node_count} is not scheduled as one (#7811)",
                          plan.name, "upgrade the operator to 1.1 or newer")
        if decision.pathway == PATHWAY_COMPONENT and svc.is_multinode and svc.name not in decision.ds_roles:
            if not svc.command or not svc.args:
                yield Finding(ERROR, "LWS_NO_COMMAND", "LWS pods need the main container's command and args both set "
                              "(\"container Command cannot be nil for LWS pod\")", plan.name,
                              "set extraPodSpec.mainContainer.command and args")
            if svc.gpu_limit is None:
                yield Finding(ERROR, "LWS_NO_GPU_LIMIT", "GPU limit is not set for LWS worker pod", plan.name,
                              "set resources.limits.gpu")
    yield from _capacity_findings(caps, services)


def _orchestrator_hint(caps: Capabilities) -> str:
    if caps.detected.grove and not caps.grove:
        return "Grove is installed but disabled in the operator: helm upgrade ... --set global.grove.enabled=true, then restart the operator"
    if caps.detected.lws and not caps.detected.volcano:
        return "LWS needs Volcano too: install Volcano (scheduling.volcano.sh) and restart the operator, or install Grove"
    return "install Grove (recommended) or LeaderWorkerSet + Volcano, then restart the operator; or remove the multinode sections"


def _capacity_findings(caps: Capabilities, services: list[ServicePlan]) -> Iterator[Finding]:
    """First-fit decreasing of every pod's GPUs into the free GPUs of schedulable nodes."""
    if caps.free_gpus_per_node is None:
        return
    free = sorted(caps.free_gpus_per_node, reverse=True)
    pods = [(s.gpus_per_node, s.name) for s in services if s.gpus_per_node > 0
            for _ in range(s.replicas * s.node_count)]
    short: dict[str, int] = {}
    for need, name in sorted(pods, reverse=True):
        for i, f in enumerate(free):
            if f >= need:
                free[i] -= need
                break
        else:
            short[name] = short.get(name, 0) + 1
    for plan in services:
        if plan.name in short:
            yield Finding(WARNING, "INSUFFICIENT_GPUS",
                          f"{short[plan.name]} of {plan.replicas * plan.node_count} pod(s) needing {plan.gpus_per_node} GPU(s) each do not fit on the free GPUs of schedulable nodes now",
                          plan.name, "free GPUs, add nodes, or lower gpu/nodeCount; see kubectl dynamo doctor for the largest shape that fits")
