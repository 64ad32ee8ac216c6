"""doctor's checks: ClusterFacts in, a list of DoctorCheck out. Pure: no I/O, so each rule is a
unit test over plain data, and the e2e tests check the facts reading against a real API server.

Each check has a stable id users can grep for, a status (pass|warn|fail|skip), a one-line summary,
detail and, when something is to be done, a hint (often the Helm value to set).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubectl_dynamo.cluster.controllers import DYNAMO, GROVE, KAI, LWS, VOLCANO, Controller
from kubectl_dynamo.cluster.survey import DGD_CRD, ClusterFacts
from kubectl_dynamo.dgd import capabilities as caps_mod
from kubectl_dynamo.dgd import versions
from kubectl_dynamo.dgd.capabilities import Capabilities
from kubectl_dynamo.dgd.plan import DEFAULT_KAI_QUEUE

PASS, WARN, FAIL, SKIP = "pass", "warn", "fail", "skip"
MIN_KUBERNETES = (1, 24)
MIN_LWS = (0, 7, 0)  # documented LWS requirement for the Dynamo LWS path


@dataclass
class DoctorCheck:
    id: str
    section: str
    status: str
    summary: str
    detail: str = ""
    hint: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "section": self.section, "status": self.status, "summary": self.summary,
                "detail": self.detail, "hint": self.hint}


@dataclass
class AccessResult:
    """One SelfSubjectAccessReview: may the user do `verb` on `resource`?"""

    verb: str
    resource: str  # plural.group
    namespace: str | None
    allowed: bool | None  # None: the review itself was not possible
    purpose: str

    @property
    def label(self) -> str:
        return f"{self.verb} {self.resource}" + (f" in {self.namespace}" if self.namespace else "")


@dataclass
class DoctorInput:
    facts: ClusterFacts
    access: list[AccessResult] = field(default_factory=list)


def _kube_version(text: str | None) -> tuple[int, int] | None:
    p = versions.parse((text or "").split("+")[0])
    return (p[0], p[1]) if p else None


def check_cluster(facts: ClusterFacts) -> list[DoctorCheck]:
    v = _kube_version(facts.server_version)
    if v is None:
        return [DoctorCheck("cluster.version", "cluster", WARN, f"server version {facts.server_version!r} not understood")]
    ok = v >= MIN_KUBERNETES
    return [DoctorCheck("cluster.version", "cluster", PASS if ok else FAIL,
                        f"Kubernetes {facts.server_version}" + ("" if ok else f": Dynamo needs {MIN_KUBERNETES[0]}.{MIN_KUBERNETES[1]} or newer"),
                        f"context {facts.context or '(in-cluster)'}", None if ok else "upgrade the cluster")]


def check_access(access: list[AccessResult]) -> list[DoctorCheck]:
    if not access:
        return []
    denied = [a for a in access if a.allowed is False]
    unknown = [a for a in access if a.allowed is None]
    if unknown and len(unknown) == len(access):
        return [DoctorCheck("cluster.access", "cluster", SKIP, "cannot review permissions (SelfSubjectAccessReview not allowed)")]
    if not denied:
        return [DoctorCheck("cluster.access", "cluster", PASS, f"you may {', '.join(a.label for a in access)}")]
    detail = "; ".join(f"cannot {a.label} ({a.purpose})" for a in denied)
    return [DoctorCheck("cluster.access", "cluster", WARN, f"{len(denied)} of {len(access)} permissions missing", detail,
                        "ask a cluster admin for a Role granting these verbs, or use another context")]


def _ctrl_summary(ctrls: list[Controller]) -> tuple[bool, str]:
    ok = any(c.available for c in ctrls)
    c = next((c for c in ctrls if c.available), ctrls[0])
    state = "available" if c.available else f"not available ({c.available_replicas}/{c.replicas} replicas)"
    return ok, f"{c.namespace}/{c.name} {state}, version {c.version or 'unknown'}"


def check_dynamo(facts: ClusterFacts) -> list[DoctorCheck]:
    out: list[DoctorCheck] = []
    d = facts.discovery
    served = [v for (av, kind), _ in d.resources.items() for v in [av.split("/")[-1]]
              if kind == "DynamoGraphDeployment" and av.startswith("nvidia.com/")]
    if "nvidia.com" in d.groups and (served or not d.complete):
        versions_served = sorted(set(served)) or d.groups.get("nvidia.com", [])
        out.append(DoctorCheck("dynamo.crd", "dynamo", PASS, f"DynamoGraphDeployment served ({', '.join(versions_served)})",
                               f"CRD {DGD_CRD}"))
    else:
        out.append(DoctorCheck("dynamo.crd", "dynamo", FAIL, "DynamoGraphDeployment CRD is not installed",
                               hint="install the Dynamo platform Helm chart (dynamo-platform), which ships the CRDs"))
    ops = facts.controllers.get(DYNAMO)
    op = facts.operator
    if not ops:
        status = SKIP if "deployments" in facts.forbidden else FAIL
        out.append(DoctorCheck("dynamo.operator", "dynamo", status,
                               "cannot list Deployments" if status == SKIP else "Dynamo operator not found",
                               facts.forbidden.get("deployments", "no Deployment named *-dynamo-operator-controller-manager"),
                               None if status == SKIP else "install the dynamo-platform Helm chart"))
        return out
    ok, text = _ctrl_summary(ops)
    out.append(DoctorCheck("dynamo.operator", "dynamo", PASS if ok else FAIL, f"operator {text}",
                           f"image {op.controller.image if op.controller else ''}",
                           None if ok else "kubectl describe deployment -n <ns> <operator> for why it is not available"))
    if op.config_error:
        out.append(DoctorCheck("dynamo.config", "dynamo", FAIL, f"operator configuration unreadable: {op.config_error}",
                               f"ConfigMap {op.configmap}"))
    elif op.config_found:
        c = op.config
        def s(v: bool | None) -> str:
            return {None: "auto", True: "true", False: "false"}[v]
        out.append(DoctorCheck("dynamo.config", "dynamo", PASS,
                               f"orchestrators: grove={s(c.grove)}, lws={s(c.lws)}, kaiScheduler={s(c.kai_scheduler)}",
                               f"ConfigMap {op.controller.namespace}/{op.configmap} key config.yaml (auto = unset: detect the API at start-up)"))
    else:
        cm = op.configmap or "<release>-dynamo-operator-config"
        status = SKIP if any(k.startswith("configmaps/") for k in facts.forbidden) else WARN
        out.append(DoctorCheck("dynamo.config", "dynamo", status, f"operator ConfigMap {cm} not found: assuming auto-detect",
                               "operators before 1.0 have no orchestrator overrides"))
    return out


def _project_check(facts: ClusterFacts, project: str, label: str, groups: list[str], hint: str,
                   min_version: tuple[int, int, int] | None = None) -> DoctorCheck:
    d = facts.discovery
    served = [g for g in groups if d.has_group(g)]
    ctrls = facts.controllers.get(project) or []
    cid = f"{project}.installed"
    if not served:
        if ctrls:
            return DoctorCheck(cid, project, WARN, f"{label} controller found but its API ({', '.join(groups)}) is not served",
                               _ctrl_summary(ctrls)[1], "install its CRDs")
        return DoctorCheck(cid, project, SKIP, f"{label} not installed", f"API group {groups[0]} not served", hint)
    api = "API " + ", ".join(f"{g} ({'/'.join(d.groups[g])})" for g in served) + " served"
    if not ctrls:
        status = SKIP if "deployments" in facts.forbidden else WARN
        return DoctorCheck(cid, project, status, f"{label}: {api}, but no controller Deployment found",
                           "CRDs without a running controller are common after an uninstall (Helm keeps CRDs)", hint)
    ok, text = _ctrl_summary(ctrls)
    status, extra = (PASS, "") if ok else (FAIL, "")
    best = next((c for c in ctrls if c.available), ctrls[0])
    if ok and min_version and best.version:
        p = versions.parse(best.version)
        if p and p[:3] < min_version:
            status, extra = WARN, f"; Dynamo documents {label} >= v{'.'.join(map(str, min_version))}"
    return DoctorCheck(cid, project, status, f"{label}: {api}; controller {text}{extra}", "",
                       None if status == PASS else hint)


def check_orchestrators(facts: ClusterFacts) -> list[DoctorCheck]:
    out = [
        _project_check(facts, GROVE, "Grove", [caps_mod.GROUP_GROVE, "scheduler.grove.io"],
                       "helm upgrade <release> ... --set global.grove.install=true (or install Grove), then restart the operator"),
        _project_check(facts, KAI, "KAI-Scheduler", [caps_mod.GROUP_KAI],
                       "helm upgrade <release> ... --set global.kai-scheduler.install=true (or install KAI-Scheduler)"),
        _project_check(facts, LWS, "LeaderWorkerSet", [caps_mod.GROUP_LWS],
                       "install LeaderWorkerSet >= v0.7.0 (and Volcano) for the LWS path", MIN_LWS),
        _project_check(facts, VOLCANO, "Volcano", [caps_mod.GROUP_VOLCANO],
                       "install Volcano: the operator uses LWS only together with Volcano"),
    ]
    if facts.kai_queues is not None:
        names = sorted((q.get("metadata") or {}).get("name", "") for q in facts.kai_queues)
        has_default = DEFAULT_KAI_QUEUE in names
        out.append(DoctorCheck("kai.queues", KAI, PASS if has_default else WARN,
                               f"KAI queues: {', '.join(names) or 'none'}"
                               + ("" if has_default else f"; the default queue {DEFAULT_KAI_QUEUE!r} is missing"),
                               "DGDs use queue 'dynamo' unless annotated nvidia.com/kai-scheduler-queue",
                               None if has_default else "create queue 'dynamo' (helm ... --set global.kai-scheduler.enabled=true creates it) or annotate each DGD with an existing queue"))
    elif "queues.scheduling.run.ai" in facts.forbidden:
        out.append(DoctorCheck("kai.queues", KAI, SKIP, "cannot list KAI queues", facts.forbidden["queues.scheduling.run.ai"]))
    return out


def effective_orchestrator(caps: Capabilities) -> tuple[str, str]:
    """(status, the one sentence) for new multinode DGDs."""
    if caps.grove:
        kai = " with KAI-Scheduler (queue 'dynamo' unless annotated)" if caps.kai_scheduler else " with the default scheduler (KAI-Scheduler not enabled)"
        lws = "; DGDs annotated nvidia.com/enable-grove: \"false\" use LeaderWorkerSet + Volcano" if caps.lws else ""
        return PASS, f"new multinode DGDs get Grove (one PodCliqueSet per DGD){kai}{lws}"
    if caps.lws:
        return PASS, "new multinode DGDs get LeaderWorkerSet + Volcano PodGroup per replica (Grove not enabled)"
    return FAIL, "new multinode DGDs will fail with \"no multinode orchestrator available\" (single-node DGDs still work as Deployments)"


def check_effective(facts: ClusterFacts, caps: Capabilities) -> list[DoctorCheck]:
    status, sentence = effective_orchestrator(caps)
    detail = "; ".join(f"{k}: {v}" for k, v in caps.reasons.items())
    hint = None
    if status == FAIL:
        if caps.detected.grove and not caps.grove:
            hint = "Grove is installed but the operator has it disabled: helm upgrade ... --set global.grove.enabled=true"
        elif caps.detected.lws and not caps.detected.volcano:
            hint = "LeaderWorkerSet is installed but Volcano is not: install Volcano, or install Grove"
        else:
            hint = "install Grove (recommended) or LeaderWorkerSet + Volcano, then restart the operator"
    out = [DoctorCheck("orchestrator.effective", "orchestrator", status, sentence, detail, hint)]
    for problem in caps.problems:
        out.append(DoctorCheck("orchestrator.config", "orchestrator", FAIL, problem, "", "fix the operator's Helm values"))
    if facts.operator.controller is not None:
        if caps.restart_needed:
            out.append(DoctorCheck("orchestrator.restart", "orchestrator", WARN,
                                   f"{', '.join(caps.restart_needed)} installed after the operator started: restart the operator",
                                   "the operator detects API groups only at start-up",
                                   f"kubectl rollout restart deployment -n {facts.operator.controller.namespace} {facts.operator.controller.name}"))
        elif facts.operator.started_at is not None:
            out.append(DoctorCheck("orchestrator.restart", "orchestrator", PASS, "operator started after every orchestrator API appeared"))
    return out


def check_gpus(facts: ClusterFacts) -> list[DoctorCheck]:
    inv = facts.inventory
    if inv is None:
        return [DoctorCheck("gpu.inventory", "gpus", SKIP, "cannot list nodes", facts.forbidden.get("nodes", ""))]
    if not inv.nodes:
        return [DoctorCheck("gpu.inventory", "gpus", FAIL, "no GPU nodes (no node has nvidia.com/gpu allocatable)", "",
                            "install the NVIDIA GPU Operator or device plugin")]
    nodes, gpus = inv.largest_fit()
    schedulable = sum(1 for n in inv.nodes if n.schedulable)
    status = PASS if nodes >= 2 else WARN
    summary = (f"{len(inv.nodes)} GPU node(s), {schedulable} schedulable; {inv.total} GPUs, {inv.free} free; "
               f"largest multinode shape that fits now: {nodes} × {gpus} GPUs")
    mig = [n.name for n in inv.nodes if n.mig]
    detail = (f"MIG/shared GPUs on {', '.join(mig)}; " if mig else "") + ", ".join(
        f"{n.name}: {n.free}/{n.allocatable} free" + ("" if n.schedulable else " (unschedulable)") for n in inv.nodes)
    return [DoctorCheck("gpu.inventory", "gpus", status, summary, detail,
                        None if status == PASS else "a multinode DGD needs nodeCount >= 2 nodes with free GPUs")]


def check_network(facts: ClusterFacts) -> list[DoctorCheck]:
    inv = facts.inventory
    if inv is None or not inv.nodes:
        return []
    fast = [n for n in inv.nodes if n.fabric]
    cliques = sorted({n.clique for n in inv.nodes if n.clique})
    extra = f"; NVLink domains: {', '.join(cliques)}" if cliques else ""
    if fast:
        kinds = sorted({n.fabric or "" for n in fast})
        return [DoctorCheck("network.fabric", "network", PASS, f"high-speed networking on {len(fast)} of {len(inv.nodes)} GPU node(s) ({', '.join(kinds)}){extra}",
                            ", ".join(f"{n.name}: {', '.join(list(n.rdma) + n.network_labels)}" for n in fast))]
    return [DoctorCheck("network.fabric", "network", WARN, f"no RDMA, EFA or SR-IOV resources on GPU nodes{extra}",
                        "multinode inference over plain Ethernet works but is slow",
                        "install the NVIDIA Network Operator (rdma/* resources) or the EFA device plugin")]


def run_checks(inp: DoctorInput) -> tuple[list[DoctorCheck], Capabilities]:
    facts = inp.facts
    caps = facts.capabilities()
    checks = (check_cluster(facts) + check_access(inp.access) + check_dynamo(facts) + check_orchestrators(facts)
              + check_effective(facts, caps) + check_gpus(facts) + check_network(facts))
    return checks, caps


def summary(checks: list[DoctorCheck]) -> dict[str, int]:
    return {s: sum(1 for c in checks if c.status == s) for s in (PASS, WARN, FAIL, SKIP)}


def report(inp: DoctorInput) -> dict:
    """The DoctorReport JSON contract (SPEC)."""
    checks, caps = run_checks(inp)
    facts = inp.facts
    gpus = None
    if facts.inventory is not None:
        inv = facts.inventory.to_dict()
        gpus = {
            "nodes": [{k: n[k] for k in ("name", "product", "allocatable", "requested", "free", "schedulable", "rdma")}
                      | {"cordoned": n["cordoned"], "taints": n["taints"], "mig": n["mig"]} for n in inv["nodes"]],
            "total": inv["total"], "free": inv["free"], "largestFit": inv["largestFit"],
        }
    return {
        "kind": "DoctorReport",
        "context": facts.context,
        "server": {"version": facts.server_version} if facts.server_version else None,
        "checks": [c.to_dict() for c in checks],
        "capabilities": caps.to_dict(),
        "gpus": gpus,
        "summary": summary(checks),
    }
