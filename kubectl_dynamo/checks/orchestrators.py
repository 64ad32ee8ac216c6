"""doctor's checks of Grove, KAI-Scheduler, LeaderWorkerSet and Volcano (API served, controller
available, version, queues, health), and of how the Dynamo operator uses each of them.

A problem with a project the operator uses is a `fail` (DGDs will hang); with one it does not use,
a `warn`. Detection: reference/orchestrators.md §0 and §5; operator use: dynamo-operator.md §1.2.
"""

from __future__ import annotations

from kubectl_dynamo.contracts.doctor import FAIL, PASS, SKIP, WARN, DoctorCheck
from kubectl_dynamo.dgd import capabilities as caps_mod
from kubectl_dynamo.dgd import versions
from kubectl_dynamo.dgd.capabilities import Capabilities
from kubectl_dynamo.dgd.plan import DEFAULT_KAI_QUEUE
from kubectl_dynamo.state.controllers import GROVE, KAI, LWS, VOLCANO, Controller
from kubectl_dynamo.state.facts import ClusterFacts

MIN_LWS = (0, 7, 0)  # documented LWS requirement for the Dynamo LWS path
VOLCANO_DEFAULT_QUEUE = "default"  # PodGroup spec.queue defaults to it (Volcano CRD)
# the one spelling of the Helm command every hint starts from (dynamo-platform chart values)
HELM = "helm upgrade <release> <chart> -n <namespace> --reuse-values"

# project -> (label, API groups, hint when missing, minimum version)
PROJECTS: dict[str, tuple[str, list[str], str, tuple[int, int, int] | None]] = {
    GROVE: ("Grove", [caps_mod.GROUP_GROVE, "scheduler.grove.io"],
            f"{HELM} --set global.grove.install=true (or install Grove), then restart the Dynamo operator", None),
    KAI: ("KAI-Scheduler", [caps_mod.GROUP_KAI],
          f"{HELM} --set global.kai-scheduler.install=true (or install KAI-Scheduler), then restart the Dynamo operator", None),
    LWS: ("LeaderWorkerSet", [caps_mod.GROUP_LWS],
          "install LeaderWorkerSet >= v0.7.0 and Volcano for the LWS path, then restart the Dynamo operator", MIN_LWS),
    VOLCANO: ("Volcano", [caps_mod.GROUP_VOLCANO],
              "install Volcano: the operator uses LeaderWorkerSet only together with Volcano", None),
}


def _used(project: str, caps: Capabilities) -> bool:
    return {GROVE: caps.grove, KAI: caps.kai_scheduler, LWS: caps.lws, VOLCANO: caps.lws}[project]


def _controllers_text(ctrls: list[Controller]) -> str:
    main = ctrls[0]
    state = "available" if main.available else f"not available ({main.available_replicas}/{main.replicas} replicas)"
    down = [c.ref for c in ctrls[1:] if not c.available]
    return (f"controller {main.ref} {state}, version {main.version or 'unknown'}"
            + (f"; not available: {', '.join(down)}" if down else ""))


def project_check(facts: ClusterFacts, caps: Capabilities, project: str) -> DoctorCheck:
    """`<project>.installed`: API served, controller Deployment(s) available, version."""
    label, groups, hint, min_version = PROJECTS[project]
    d = facts.discovery
    served = [g for g in groups if d.has_group(g)]
    ctrls = facts.controllers.get(project) or []
    cid = f"{project}.installed"
    bad = FAIL if _used(project, caps) else WARN
    if not served:
        if ctrls:
            return DoctorCheck(cid, "orchestrators", WARN, f"{label} controller found but its API ({groups[0]}) is not served",
                               _controllers_text(ctrls), "install its CRDs")
        # no nagging about the LWS path when the Grove path works, and the other way round
        other_path = (project in (LWS, VOLCANO) and caps.grove) or (project == GROVE and caps.lws)
        return DoctorCheck(cid, "orchestrators", SKIP, f"{label} not installed", f"API group {groups[0]} not served",
                           None if other_path else hint)
    api = "API " + ", ".join(f"{g} ({'/'.join(d.groups[g])})" for g in served)
    if not ctrls:
        if "deployments" in facts.forbidden:
            return DoctorCheck(cid, "orchestrators", SKIP, f"{label}: {api} served; cannot list Deployments to find its controller",
                               facts.forbidden["deployments"])
        return DoctorCheck(cid, "orchestrators", bad, f"{label}: {api} served, but no controller Deployment found",
                           "CRDs without a running controller are common after an uninstall (Helm keeps CRDs)", hint)
    main = ctrls[0]
    all_up = all(c.available for c in ctrls)
    status = PASS if all_up else (bad if not main.available else WARN)
    extra = ""
    parsed = versions.parse(main.version)
    if min_version and parsed and parsed[:3] < min_version:
        status = bad if status == PASS else status
        extra = f"; Dynamo needs {label} >= v{'.'.join(map(str, min_version))}"
    return DoctorCheck(cid, "orchestrators", status, f"{label}: {api} served; {_controllers_text(ctrls)}{extra}",
                       "; ".join(f"{c.ref}: image {c.image}" for c in ctrls),
                       None if status == PASS else (hint if extra else f"kubectl describe deployment -n {main.namespace} {main.name}"))


def _names(items: list[dict]) -> list[str]:
    return sorted((q.get("metadata") or {}).get("name", "") for q in items)


def check_queues(facts: ClusterFacts, caps: Capabilities) -> list[DoctorCheck]:
    out = []
    if facts.kai_queues is not None:
        names = _names(facts.kai_queues)
        listed = ", ".join(names) or "none"
        if DEFAULT_KAI_QUEUE in names:
            out.append(DoctorCheck("kai.queues", "orchestrators", PASS, f"KAI queues: {listed} (default queue {DEFAULT_KAI_QUEUE!r} exists)",
                                   "DGDs use queue 'dynamo' unless annotated nvidia.com/kai-scheduler-queue"))
        elif caps.kai_scheduler:
            out.append(DoctorCheck("kai.queues", "orchestrators", WARN,
                                   f"KAI queues: {listed}; the default queue {DEFAULT_KAI_QUEUE!r} is missing",
                                   "the operator fails every DGD without a nvidia.com/kai-scheduler-queue annotation: queue 'dynamo' not found",
                                   f"create queue 'dynamo' ({HELM} --set global.kai-scheduler.enabled=true creates it) "
                                   "or annotate each DGD with nvidia.com/kai-scheduler-queue: <existing queue>"))
        else:
            out.append(DoctorCheck("kai.queues", "orchestrators", PASS, f"KAI queues: {listed} (not used: KAI-Scheduler is not enabled in the operator)"))
    elif "queues.scheduling.run.ai" in facts.forbidden:
        out.append(DoctorCheck("kai.queues", "orchestrators", SKIP, "cannot list KAI queues", facts.forbidden["queues.scheduling.run.ai"]))
    if facts.kai_config is not None:
        conds = {c.get("type"): c for c in (facts.kai_config.get("status") or {}).get("conditions") or []}
        ok = all((conds.get(t) or {}).get("status") == "True" for t in ("Available", "Ready"))
        why = "; ".join(f"{t}={c.get('status')} {c.get('message') or ''}".strip() for t, c in conds.items() if t in ("Available", "Ready"))
        out.append(DoctorCheck("kai.health", "orchestrators", PASS if ok else (FAIL if caps.kai_scheduler else WARN),
                               "KAI-Scheduler healthy (kai-config Available and Ready)" if ok else "KAI-Scheduler not healthy (configs.kai.scheduler/kai-config)",
                               why or "kai-config has no status conditions yet", None if ok else "kubectl get configs.kai.scheduler kai-config -o yaml"))
    if facts.volcano_queues is not None:
        names = _names(facts.volcano_queues)
        ok = VOLCANO_DEFAULT_QUEUE in names
        out.append(DoctorCheck("volcano.queues", "orchestrators", PASS if ok else WARN,
                               f"Volcano queues: {', '.join(names) or 'none'}" + ("" if ok else f"; queue {VOLCANO_DEFAULT_QUEUE!r} is missing"),
                               "the operator's PodGroups use Volcano's default queue",
                               None if ok else "the Volcano scheduler creates queue 'default' at start-up: check that volcano-scheduler runs"))
    return out


def check_projects(facts: ClusterFacts, caps: Capabilities) -> list[DoctorCheck]:
    return [project_check(facts, caps, p) for p in PROJECTS] + check_queues(facts, caps)


def check_operator_use(caps: Capabilities, assumed: bool = False) -> list[DoctorCheck]:
    """How the operator resolves each capability, for the APIs that are served; `assumed`: the
    operator's configuration could not be read, so auto-detect is assumed."""
    out = []
    note = " (assumed: the operator configuration could not be read)" if assumed else ""
    items = (("grove", "Grove", caps.detected.grove, caps.config.grove, caps.grove, "global.grove.enabled=true"),
             ("lws", "LeaderWorkerSet", caps.detected.lws, caps.config.lws, caps.lws, None),
             ("kaiScheduler", "KAI-Scheduler", caps.detected.kai, caps.config.kai_scheduler, caps.kai_scheduler,
              "global.kai-scheduler.enabled=true"))
    for key, label, detected, configured, enabled, helm in items:
        if not detected:  # forced on without the API: a caps.problems failure (orchestrator.config)
            continue
        reason = caps.reasons.get(key, "")
        cid = f"orchestrator.{key}"
        if enabled:
            out.append(DoctorCheck(cid, "orchestrator", PASS, f"the operator uses {label}{note}", reason))
        elif configured is False:
            hint = (f"{HELM} --set {helm}, then the operator restarts with it" if helm
                    else "remove orchestrators.lws.enabled=false from the operator configuration (the chart does not render it)")
            out.append(DoctorCheck(cid, "orchestrator", WARN, f"{label} is installed but disabled in the operator "
                                   f"(orchestrators.{key}.enabled=false)", reason, hint))
        elif key == "lws" and not caps.detected.volcano:
            out.append(DoctorCheck(cid, "orchestrator", WARN, "LeaderWorkerSet is installed but Volcano is not: the operator does not use LWS",
                                   reason, "install Volcano (scheduling.volcano.sh), then restart the Dynamo operator"))
        else:
            out.append(DoctorCheck(cid, "orchestrator", WARN, f"the operator does not use {label}", reason))
    return out
