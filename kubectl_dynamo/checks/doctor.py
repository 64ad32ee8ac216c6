"""doctor's checks: ClusterFacts in, a list of DoctorCheck (and the DoctorReport) out. Pure: no I/O, so each rule is a
unit test over plain data, and the e2e tests check the facts reading against a real API server.

Each check has a stable id users can grep for, a section, a status (pass|warn|fail|skip), a
one-line summary, detail and, when something is to be done, a hint (often the Helm value to set).
The per-project checks (Grove, KAI-Scheduler, LeaderWorkerSet, Volcano) live in
checks/orchestrators.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_dynamo.checks.compat import check_compat
from kubectl_dynamo.checks.orchestrators import HELM, check_operator_use, check_projects
from kubectl_dynamo.contracts.doctor import FAIL, PASS, SKIP, WARN, DoctorCheck, DoctorReport
from kubectl_dynamo.dgd import versions
from kubectl_dynamo.dgd.capabilities import Capabilities
from kubectl_dynamo.state.access import AccessResult
from kubectl_dynamo.state.controllers import DYNAMO
from kubectl_dynamo.state.facts import DGD_CRD, ClusterFacts
from kubectl_dynamo.words import plural

MIN_KUBERNETES = (1, 24)


@dataclass
class DoctorInput:
    facts: ClusterFacts
    access: list[AccessResult] = field(default_factory=list)


def _kube_version(text: str | None) -> tuple[int, int] | None:
    p = versions.parse((text or "").split("+")[0])
    return (p[0], p[1]) if p else None


def check_cluster(facts: ClusterFacts) -> list[DoctorCheck]:
    where = f"server {facts.host or '?'}, context {facts.context or '(in-cluster)'}"
    v = _kube_version(facts.server_version)
    if v is None:
        return [DoctorCheck("cluster.version", "cluster", WARN, f"reachable; server version {facts.server_version!r} not understood", where)]
    ok = v >= MIN_KUBERNETES
    need = f"{MIN_KUBERNETES[0]}.{MIN_KUBERNETES[1]}"
    return [DoctorCheck("cluster.version", "cluster", PASS if ok else FAIL,
                        f"reachable, Kubernetes {facts.server_version}" + (f" (>= {need})" if ok else f": Dynamo needs {need} or newer"),
                        where, None if ok else f"upgrade the cluster to Kubernetes {need} or newer")]


def check_access(access: list[AccessResult]) -> list[DoctorCheck]:
    if not access:
        return []
    denied = [a for a in access if a.allowed is False]
    unknown = [a for a in access if a.allowed is None]
    if len(unknown) == len(access):
        return [DoctorCheck("cluster.access", "cluster", SKIP, "cannot review permissions (SelfSubjectAccessReview refused)",
                            unknown[0].reason)]
    if not denied:
        return [DoctorCheck("cluster.access", "cluster", PASS, f"you may do all {len(access) - len(unknown)} things the plugin needs",
                            "; ".join(a.label for a in access if a.allowed))]
    grouped: dict[tuple[str, str | None], list[AccessResult]] = {}
    for a in denied:
        grouped.setdefault((a.resource, a.namespace), []).append(a)
    detail = "cannot " + "; ".join(
        f"{'/'.join(a.verb for a in items)} {res}" + (f" in {ns}" if ns else "")
        + f" ({', '.join(dict.fromkeys(a.purpose for a in items))})" for (res, ns), items in grouped.items())
    listed = ", ".join(dict.fromkeys(a.resource.split(".")[0] for a in denied))
    return [DoctorCheck("cluster.access", "cluster", WARN, f"{len(denied)} of {len(access)} permissions missing, on {listed}", detail,
                        "ask a cluster admin for a Role/ClusterRole granting these verbs, or use another context")]


def check_dgd_crd(facts: ClusterFacts) -> DoctorCheck:
    d = facts.discovery
    served = sorted({av.split("/", 1)[1] for (av, kind) in d.resources if kind == "DynamoGraphDeployment" and av.startswith("nvidia.com/")})
    if not served and not d.complete:
        served = list(d.groups.get("nvidia.com", []))
    if served:
        return DoctorCheck("dynamo.crd", "dynamo", PASS, f"DynamoGraphDeployment API served ({', '.join(served)})",
                           f"CRD {DGD_CRD} established")
    if DGD_CRD in facts.crds:
        return DoctorCheck("dynamo.crd", "dynamo", FAIL, f"CRD {DGD_CRD} exists but is not served (not established)", "",
                           f"kubectl describe crd {DGD_CRD}")
    return DoctorCheck("dynamo.crd", "dynamo", FAIL, "DynamoGraphDeployment CRD is not installed: no DGD can be created",
                       f"API group nvidia.com does not serve {DGD_CRD}",
                       "install the Dynamo platform Helm chart (dynamo-platform), which ships the CRDs and the operator")


def check_operator(facts: ClusterFacts) -> list[DoctorCheck]:
    ops = facts.controllers.get(DYNAMO) or []
    op = facts.operator
    if not ops or op.controller is None:
        if "deployments" in facts.forbidden:
            return [DoctorCheck("dynamo.operator", "dynamo", SKIP, "cannot list Deployments to find the Dynamo operator",
                                facts.forbidden["deployments"])]
        return [DoctorCheck("dynamo.operator", "dynamo", FAIL, "Dynamo operator not found: DGDs would never be reconciled",
                            "no Deployment named *-dynamo-operator-controller-manager in any namespace",
                            "install the dynamo-platform Helm chart")]
    c = op.controller
    others = [o.ref for o in ops if o is not c]
    state = "available" if c.available else f"not available ({c.available_replicas}/{c.replicas} replicas)"
    out = [DoctorCheck("dynamo.operator", "dynamo", PASS if c.available else FAIL, f"operator {c.ref} {state}",
                       f"image {c.image}" + (f"; other operator Deployments: {', '.join(others)}" if others else ""),
                       None if c.available else f"kubectl describe deployment -n {c.namespace} {c.name}")]
    parsed = versions.parse(c.version)
    if parsed is None:
        out.append(DoctorCheck("dynamo.version", "dynamo", WARN, f"operator version {c.version or 'unknown'}: not a release version",
                               f"explain mirrors the newest operator line the plugin knows ({versions.NEWEST_KNOWN})",
                               "pass --operator-version to explain/apply to mirror the rules of your operator"))
    else:
        newer = versions.newer_than_mirrored(c.version)
        where = "from --operator-version" if any(a.startswith("--operator-version") for a in c.args) else "from the image tag"
        if newer:
            # no silent fallback: the newest line's rules are applied to a newer operator
            out.append(DoctorCheck("dynamo.version", "dynamo", WARN,
                                   f"operator version {c.version} is newer than the newest line the plugin mirrors "
                                   f"({versions.NEWEST_LINE}, {versions.NEWEST_KNOWN})",
                                   f"{where}; explain and apply use the {versions.NEWEST_LINE} rules and do not predict "
                                   "behaviour added after it", "upgrade kubectl-dynamo"))
        else:
            out.append(DoctorCheck("dynamo.version", "dynamo", PASS,
                                   f"operator version {c.version} (rule set {versions.line_of(c.version)})", where))
    out.append(check_operator_config(facts))
    return out


def check_operator_config(facts: ClusterFacts) -> DoctorCheck:
    op = facts.operator
    ref = f"ConfigMap {op.controller.namespace if op.controller else '?'}/{op.configmap or '<release>-dynamo-operator-config'}"
    if op.config_error:
        return DoctorCheck("dynamo.config", "dynamo", FAIL, f"operator configuration unreadable: {op.config_error}",
                           f"{ref} key config.yaml", "fix the operator's Helm values and upgrade the release")
    if op.config_found:
        c = op.config

        def s(v: bool | None) -> str:
            return {None: "auto", True: "true", False: "false"}[v]

        return DoctorCheck("dynamo.config", "dynamo", PASS,
                           f"orchestrators: grove={s(c.grove)}, lws={s(c.lws)}, kaiScheduler={s(c.kai_scheduler)}",
                           f"{ref} key config.yaml (auto = unset: the operator detects the API at start-up)")
    forbidden = next((m for k, m in facts.forbidden.items() if k.startswith("configmaps/")), None)
    if forbidden:
        return DoctorCheck("dynamo.config", "dynamo", SKIP, f"cannot read the operator configuration ({ref}): assuming auto-detect", forbidden)
    return DoctorCheck("dynamo.config", "dynamo", WARN, f"operator configuration not found ({ref}): assuming auto-detect",
                       "operators before 1.0 have no orchestrator overrides; 1.0 and newer read orchestrators.* from it")


def orchestrator_phrase(caps: Capabilities) -> str | None:
    """What a new multinode DGD gets from these capabilities, or None when it fails."""
    if caps.grove:
        kai = (" with KAI-Scheduler (queue 'dynamo' unless annotated)" if caps.kai_scheduler
               else " with the default scheduler (KAI-Scheduler not enabled)")
        lws = "; DGDs annotated nvidia.com/enable-grove: \"false\" get LeaderWorkerSet + Volcano" if caps.lws else ""
        return f"Grove (one PodCliqueSet per DGD){kai}{lws}"
    if caps.lws:
        return "LeaderWorkerSet + a Volcano PodGroup per replica (Grove not enabled)"
    return None


def effective_orchestrator(caps: Capabilities) -> tuple[str, str]:
    """(status, the one sentence) for new multinode DGDs."""
    phrase = orchestrator_phrase(caps)
    if phrase:
        return PASS, f"new multinode DGDs get {phrase}"
    return FAIL, ("new multinode DGDs fail with \"no multinode orchestrator available\" "
                  "(single-node DGDs still run as Deployments)")


def _fail_hint(caps: Capabilities) -> str:
    if caps.detected.grove and not caps.grove and caps.config.grove is False:
        return f"Grove is installed but disabled in the operator (orchestrators.grove.enabled=false): {HELM} --set global.grove.enabled=true"
    if caps.detected.lws and not caps.detected.volcano:
        return "LeaderWorkerSet is installed but Volcano is not: install Volcano (the operator uses LWS only with it), or install Grove"
    return f"install Grove ({HELM} --set global.grove.install=true) or LeaderWorkerSet + Volcano, then restart the operator"


def check_effective(facts: ClusterFacts, caps: Capabilities, running: Capabilities) -> list[DoctorCheck]:
    """The effective orchestrator as the running operator resolves it (`running`: without APIs it
    has not seen yet), what changes after a restart, config problems, and restart-needed."""
    status, sentence = effective_orchestrator(running)
    after = orchestrator_phrase(caps)
    op = facts.operator.controller
    restart_cmd = f"kubectl rollout restart deployment -n {op.namespace} {op.name}" if op else "restart the operator"
    if caps.restart_needed and after != orchestrator_phrase(running):
        sentence += f"; after an operator restart: {after or 'none'}"
    detail = "; ".join(f"{k}: {v}" for k, v in running.reasons.items())
    if op is None:
        detail = "no operator found: as a default operator would resolve it; " + detail
    elif not facts.operator.config_found:
        detail = "operator configuration unknown: auto-detect assumed; " + detail
    hint = None
    if status == FAIL:
        hint = f"restart the operator so it sees {', '.join(caps.restart_needed)}: {restart_cmd}" if after else _fail_hint(caps)
    out = [DoctorCheck("orchestrator.effective", "orchestrator", status, sentence, detail, hint)]
    for problem in caps.problems:
        out.append(DoctorCheck("orchestrator.config", "orchestrator", FAIL, problem, "",
                               "install the missing API, or set the orchestrator's Helm value back to false"))
    if op is not None:
        if caps.restart_needed:
            out.append(DoctorCheck("orchestrator.restart", "orchestrator", WARN,
                                   f"{', '.join(caps.restart_needed)} installed after the operator started: restart the operator",
                                   f"the operator detects API groups only at start-up; its pod started {facts.operator.started_at}",
                                   restart_cmd))
        elif facts.operator.started_at is not None and "customresourcedefinitions" not in facts.forbidden:
            out.append(DoctorCheck("orchestrator.restart", "orchestrator", PASS, "the operator started after every orchestrator API appeared",
                                   f"operator pod started {facts.operator.started_at}"))
        else:
            why = facts.forbidden.get("customresourcedefinitions") or facts.forbidden.get("pods (operator)") or "no running operator pod"
            out.append(DoctorCheck("orchestrator.restart", "orchestrator", SKIP, "cannot tell whether the operator needs a restart", why))
    return out


def check_gpus(facts: ClusterFacts) -> list[DoctorCheck]:
    inv = facts.inventory
    if inv is None:
        return [DoctorCheck("gpu.inventory", "gpus", SKIP, "cannot list nodes: GPU inventory unknown", facts.forbidden.get("nodes", ""))]
    if not inv.nodes:
        return [DoctorCheck("gpu.inventory", "gpus", FAIL, "no GPU nodes (no node has nvidia.com/gpu allocatable)", "",
                            "install the NVIDIA GPU Operator or device plugin")]
    schedulable = [n for n in inv.nodes if n.schedulable]
    mig = [n.name for n in inv.nodes if n.mig]
    unsched = [f"{n.name} ({n.state})" for n in inv.nodes if not n.schedulable]
    detail = "; ".join(x for x in (f"not schedulable: {', '.join(unsched)}" if unsched else "",
                                   f"MIG/shared GPUs on {', '.join(mig)}" if mig else "") if x)
    out = [DoctorCheck("gpu.inventory", "gpus", PASS if inv.requests_known else WARN,
                       f"{plural(len(inv.nodes), 'GPU node')}, {len(schedulable)} schedulable; {inv.total} GPUs, {inv.free} free on schedulable nodes",
                       "; ".join(x for x in ("" if inv.requests_known else "cannot list pods: GPUs in use are unknown, "
                                             "free counts are upper bounds", detail) if x),
                       None if inv.requests_known else "ask for list pods in all namespaces")]
    nodes, gpus = inv.largest_fit()
    ok = nodes >= 2
    out.append(DoctorCheck("gpu.capacity", "gpus", PASS if ok else WARN,
                           f"largest multinode shape that fits now: {plural(nodes, 'node')} × {gpus} GPUs" if nodes
                           else "no free GPU on a schedulable node",
                           "nodes × free GPUs per node on schedulable nodes",
                           None if ok else "a multinode DGD needs nodeCount >= 2 schedulable nodes with free GPUs"))
    return out


def check_network(facts: ClusterFacts) -> list[DoctorCheck]:
    inv = facts.inventory
    if inv is None or not inv.nodes:
        return []
    fast = [n for n in inv.nodes if n.fabric]
    cliques = sorted({n.clique for n in inv.nodes if n.clique})
    extra = f"; NVLink domains (nvidia.com/gpu.clique): {', '.join(cliques)}" if cliques else ""
    if fast:
        kinds = sorted({n.fabric or "" for n in fast})
        return [DoctorCheck("network.fabric", "network", PASS,
                            f"high-speed networking on {len(fast)} of {plural(len(inv.nodes), 'GPU node')} ({', '.join(kinds)}){extra}",
                            "; ".join(f"{n.name}: {', '.join([f'{k}={v}' for k, v in n.rdma.items()] + n.network_labels)}" for n in fast))]
    return [DoctorCheck("network.fabric", "network", WARN, f"no RDMA, EFA or SR-IOV resources or labels on GPU nodes{extra}",
                        "multinode inference over plain TCP works but is slow",
                        "install the NVIDIA Network Operator (rdma/* resources) or the EFA device plugin")]


def run_checks(inp: DoctorInput) -> tuple[list[DoctorCheck], Capabilities]:
    facts = inp.facts
    caps = facts.capabilities()
    running = facts.capabilities(as_running=True) if caps.restart_needed else caps
    checks = (check_cluster(facts) + check_access(inp.access) + [check_dgd_crd(facts)] + check_operator(facts)
              + check_projects(facts, running) + check_operator_use(running, assumed=not facts.operator.config_found) + check_effective(facts, caps, running)
              + check_compat(caps) + check_gpus(facts) + check_network(facts))
    return checks, caps


def report(inp: DoctorInput) -> DoctorReport:
    """Every check over the facts, as the DoctorReport contract."""
    checks, caps = run_checks(inp)
    facts = inp.facts
    return DoctorReport(facts.context, facts.server_version, facts.host, checks, caps, facts.inventory, list(inp.access))
