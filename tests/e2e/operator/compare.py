"""explain's prediction against what the real operator made, field by field (pure: no cluster).

For one DGD on one cluster, :func:`checks` returns every compared field as a :class:`Check`,
grouped by aspect (the test functions): admission, outcome, objects, kinds, scheduler,
launch-leader, launch-worker, env, pods. What is compared, and what is deliberately not, is
written down in docs/operator-comparison.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import shellwords

# the child kinds explain names (in its top-level objects and per service)
IN_CONTRACT = ("PodCliqueSet", "PodCliqueScalingGroup", "PodClique", "DynamoComponentDeployment",
               "LeaderWorkerSet", "PodGroup", "Deployment", "ConfigMap", "Secret")
# children explain does not list, and why (docs/operator-comparison.md)
OUT_OF_CONTRACT = {
    "Service": "per-component Services for discovery and the frontend port; explain lists workloads, not networking",
    "ServiceAccount": "planner and Kubernetes-discovery identities, made for every DGD alike",
    "Role": "the Kubernetes-discovery Role, made for every DGD alike",
    "RoleBinding": "planner and Kubernetes-discovery bindings, made for every DGD alike",
}
# finding codes that mean "admission refuses this DGD" (webhook or CRD schema); validate's other
# errors are admitted and fail later, or never
ADMISSION_CODES = {"NAME_BUDGET", "BAD_ANNOTATION", "NO_SERVICES", "BAD_REPLICAS", "BAD_NODECOUNT", "BAD_GPU",
                   "BAD_BACKEND_FRAMEWORK", "TOO_MANY_SERVICES", "NO_NAME"}
# finding codes that mean "the operator fails this DGD at reconcile"
RECONCILE_FAILURES = {"NO_MULTINODE_ORCHESTRATOR", "QUEUE_MISSING"}
# env the operator gives every pod of a kind, multinode or not; explain's launch plan is about
# what multinode adds (docs/operator-comparison.md)
BASE_ENV = re.compile(r"^(DYN_|DYNAMO_|POD_|NIXL_TELEMETRY_)|^(NATS_SERVER|ETCD_ENDPOINTS|MODEL_EXPRESS_URL|PROMETHEUS_ENDPOINT)$")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
PYTHON = re.compile(r"^(.*/)?(python\d*(\.\d+)*)$")  # isPythonCommand
HASH8 = "<hash8>"  # explain's placeholder for the worker hash it cannot read (names.HASH_PLACEHOLDER)
# fields where explain and the operator differ on purpose (docs/operator-comparison.md, "Out of contract")
OUT_OF_CONTRACT_FIELDS = {
    "lws-first-rollout": "operator 1.1 starts a multinode component-path worker with replicas > 1 at one "
                         "LeaderWorkerSet and adds the others as they become ready; explain shows the steady state",
}


def _name_pattern(name: str) -> re.Pattern:
    return re.compile("^" + re.escape(name).replace(re.escape(HASH8), "[0-9a-f]{8}") + "$")


def names_match(expected: list[str], actual: list[str]) -> bool:
    """Equal name lists, where explain's <hash8> stands for the 8 hex digits of the worker hash
    (the live DGD of a multinode component-path graph carries no nvidia.com/current-worker-hash)."""
    if len(expected) != len(actual):
        return False
    left = list(actual)
    for e in sorted(expected, key=lambda n: HASH8 in n):
        pat = _name_pattern(e)
        hit = next((a for a in left if pat.match(a)), None)
        if hit is None:
            return False
        left.remove(hit)
    return True


@dataclass
class Check:
    aspect: str
    field: str
    expected: Any
    actual: Any
    ok: bool | None = None  # None: expected == actual
    contract: str | None = None  # a difference named out of the contract (OUT_OF_CONTRACT_FIELDS)

    def __post_init__(self) -> None:
        if self.ok is None:
            self.ok = self.expected == self.actual

    def __str__(self) -> str:
        return f"{self.field}: explain {self.expected!r}, operator {self.actual!r}"


# --- the live objects, per service and role ----------------------------------------------------


@dataclass
class Role:
    name: str  # main | leader | worker
    pod_spec: dict
    labels: dict

    @property
    def main(self) -> dict:
        return next((c for c in self.pod_spec.get("containers") or [] if c.get("name") == "main"), {})


@dataclass
class ServiceView:
    workload: str | None = None
    objects: list[tuple[str, str]] = field(default_factory=list)
    roles: dict[str, Role] = field(default_factory=dict)
    min_member: Any = None
    pod_groups: list[str] = field(default_factory=list)
    replicas: int | None = None
    node_count: int | None = None


def _owned_by(objs: dict[str, dict], uid: str) -> list[dict]:
    return [o for _, o in sorted(objs.items()) if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or [])]


def grove_view(children: dict, dgd: str, svc: str) -> ServiceView:
    """Grove's own controller is not running, so only the PodCliqueSet exists; the
    PodCliqueScalingGroups and PodCliques it would make are named from its template the way Grove
    names them: <pcs>-<i>-<clique> and <pcs>-<i>-<group>, whose cliques are <pcs>-<i>-<group>-<j>-<clique>."""
    v = ServiceView()
    pcs = children.get("PodCliqueSet", {}).get(dgd)
    if pcs is None:
        return v
    tmpl = pcs["spec"]["template"]
    cliques = {c["name"]: c for c in tmpl.get("cliques") or []}
    groups = {g["name"]: g for g in tmpl.get("podCliqueScalingGroups") or []}
    low = svc.lower()
    for i in range(pcs["spec"].get("replicas") or 1):
        if low in groups:
            g = groups[low]
            v.workload = "PodCliqueScalingGroup"
            v.objects.append(("PodCliqueScalingGroup", f"{dgd}-{i}-{low}"))
            v.replicas = g.get("replicas") or 1
            for j in range(v.replicas):
                v.objects += [("PodClique", f"{dgd}-{i}-{low}-{j}-{c}") for c in g.get("cliqueNames") or []]
        elif low in cliques:
            v.workload = "PodClique"
            v.objects.append(("PodClique", f"{dgd}-{i}-{low}"))
    if low in groups:
        members = [cliques[c] for c in groups[low].get("cliqueNames") or [] if c in cliques]
        for c in members:
            role = "leader" if c["name"].endswith("-ldr") else "worker" if c["name"].endswith("-wkr") else c["name"]
            v.roles[role] = Role(role, c["spec"]["podSpec"], c.get("labels") or {})
        v.min_member = sum(c["spec"].get("minAvailable") or 0 for c in members)
        v.node_count = sum(c["spec"].get("replicas") or 0 for c in members)
    elif low in cliques:
        c = cliques[low]
        v.roles["main"] = Role("main", c["spec"]["podSpec"], c.get("labels") or {})
        v.min_member = c["spec"].get("minAvailable")
        v.replicas = c["spec"].get("replicas")
        v.node_count = 1
    return v


def component_view(children: dict, svc: str) -> ServiceView:
    v = ServiceView()
    dcd = next((d for _, d in sorted(children.get("DynamoComponentDeployment", {}).items())
                if (d["spec"].get("serviceName") or d["metadata"].get("labels", {}).get("nvidia.com/dynamo-component")) == svc), None)
    if dcd is None:
        return v
    name, uid = dcd["metadata"]["name"], dcd["metadata"]["uid"]
    v.objects.append(("DynamoComponentDeployment", name))
    deployments = _owned_by(children.get("Deployment", {}), uid)
    sets = _owned_by(children.get("LeaderWorkerSet", {}), uid)
    groups = _owned_by(children.get("PodGroup", {}), uid)
    v.objects += [("Deployment", d["metadata"]["name"]) for d in deployments]
    v.objects += [("LeaderWorkerSet", d["metadata"]["name"]) for d in sets]
    v.objects += [("PodGroup", d["metadata"]["name"]) for d in groups]
    multinode = ((dcd["spec"].get("multinode") or {}).get("nodeCount") or 1) > 1
    if deployments:
        v.workload = "Deployment"
        t = deployments[0]["spec"]["template"]
        v.roles["main"] = Role("main", t["spec"], (t.get("metadata") or {}).get("labels") or {})
        v.replicas = deployments[0]["spec"].get("replicas")
        v.node_count = 1
    elif sets or multinode:
        v.workload = "LeaderWorkerSet"
        v.replicas = len(sets)
        if sets:
            lwt = sets[0]["spec"]["leaderWorkerTemplate"]
            for role, key in (("leader", "leaderTemplate"), ("worker", "workerTemplate")):
                t = lwt.get(key) or {}
                v.roles[role] = Role(role, t.get("spec") or {}, (t.get("metadata") or {}).get("labels") or {})
            v.node_count = lwt.get("size")
    v.pod_groups = [g["metadata"]["name"] for g in groups]
    members = sorted({g["spec"].get("minMember") for g in groups}, key=str)
    v.min_member = members[0] if len(members) == 1 else (members or None)
    return v


def observed_pathway(result) -> str:
    if result.children.get("PodCliqueSet"):
        return "grove"
    if result.children.get("DynamoComponentDeployment"):
        return "component"
    if ((result.live or {}).get("status") or {}).get("state") == "failed":
        return "failed"
    return "nothing"


def ready_message(result) -> str:
    for c in ((result.live or {}).get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("message") or ""
    return ""


# --- helpers -----------------------------------------------------------------------------------


def _user_argv(live: dict, svc: str) -> list[str]:
    main = (((live["spec"]["services"].get(svc) or {}).get("extraPodSpec") or {}).get("mainContainer") or {})
    return list(main.get("command") or []) + list(main.get("args") or [])


def _user_env(live: dict, svc: str) -> set[str]:
    spec = live["spec"]
    s = spec["services"].get(svc) or {}
    main = ((s.get("extraPodSpec") or {}).get("mainContainer") or {})
    return {e["name"] for e in (spec.get("envs") or []) + (s.get("envs") or []) + (main.get("env") or [])}


def _argv(role: Role) -> list[str]:
    return list(role.main.get("command") or []) + list(role.main.get("args") or [])


def _scheduler_name(role: Role) -> str | None:
    """None for the cluster's default scheduler (the API server writes "default-scheduler" into
    Deployment pod templates; CRD templates keep what the operator wrote)."""
    name = role.pod_spec.get("schedulerName") or None
    return None if name == "default-scheduler" else name


def _gpus(role: Role) -> int | None:
    res = role.main.get("resources") or {}
    for part in ("limits", "requests"):
        v = (res.get(part) or {}).get("nvidia.com/gpu")
        if v is not None:
            return int(v)
    return None


def _probes(role: Role) -> list[str]:
    return sorted(p.removesuffix("Probe") for p in PROBES if p in role.main)


def _contiguous(needle: list[str], hay: list[str]) -> bool:
    return any(hay[i:i + len(needle)] == needle for i in range(len(hay) - len(needle) + 1)) if needle else True


def _expected_words(args: list[str], mode: str) -> list[str]:
    """explain's injected args as words: Ray's are whole shell scripts (the container's Args),
    the other modes' are single words."""
    if mode == "ray":
        return [w for a in args for w in shellwords.words(a)]
    return [shellwords.argv_words([a])[0] for a in args]


def _injected_segment(expected: list[str], words: list[str]) -> list[str]:
    """The part of the operator's words that explain's injected args should equal: from where
    they start, as many words as explain lists (mpirun: the run-as-root guard after "mpirun" is
    shown only in the effective command)."""
    if not expected:
        return []
    if expected[0] == "mpirun" and "mpirun" in words:
        rest = words[words.index("mpirun") + 1:]
        if rest and rest[0].startswith("$(["):
            rest = rest[1:]
        return ["mpirun", *rest[: len(expected) - 1]]
    starts = [i for i in range(len(words)) if words[i] == expected[0]]
    for i in reversed(starts):  # the injected flags come after the user's, which may repeat them
        if words[i:i + len(expected)] == expected:
            return expected
    return words[starts[-1]:starts[-1] + len(expected)] if starts else words[-len(expected):]


def _extras_env(extras: list[str]) -> set[str]:
    return {m.group(1) for e in extras for m in re.finditer(r"\benv ([A-Za-z_][A-Za-z0-9_]*)", e)}


def _extras_init(extras: list[str]) -> set[str]:
    return {m.group(1) for e in extras for m in re.finditer(r"init container ([a-z0-9-]+)", e)}


def _extras_worker_probes(extras: list[str]) -> list[str] | None:
    """The probes explain says workers keep: all three minus those it says are removed, plus a
    replaced readiness; None when it says nothing about probes."""
    for e in extras:
        m = re.search(r"((?:liveness|readiness|startup)(?:/(?:liveness|readiness|startup))*) probes removed", e)
        if m:
            keep = {"liveness", "readiness", "startup"} - set(m.group(1).split("/"))
            if re.search(r"readiness = ", e):
                keep.add("readiness")
            return sorted(keep)
    return None


# --- admission ---------------------------------------------------------------------------------

# (message pattern, finding code, does a finding say the same thing?)
ADMISSION_MESSAGES: list[tuple[re.Pattern, str, Any]] = [
    (re.compile(r"spec\.services\[(?P<service>[^\]]+)\]: combined resource name length (?P<n>\d+) exceeds (?P<limit>\d+)-character"),
     "NAME_BUDGET", lambda m, f: f["service"] == m["service"] and f" = {m['n']} > {m['limit']}" in f["message"]),
    (re.compile(r"^annotation (?P<ann>\S+) has invalid value \"(?P<value>.*)\": "),
     "BAD_ANNOTATION", lambda m, f: f["service"] is None and m["ann"] in f["message"] and repr(m["value"]) in f["message"]),
    (re.compile(r"spec\.services\[?\.?(?P<service>[^.\]]+)\]?\.annotations\[(?P<ann>[^\]]+)\] has invalid value \"(?P<value>.*)\""),
     "BAD_ANNOTATION", lambda m, f: f["service"] == m["service"] and m["ann"] in f["message"]),
    (re.compile(r"spec\.services\.(?P<service>[^.]+)\.multinode\.nodeCount: Invalid value: (?P<value>\S+):"),
     "BAD_NODECOUNT", lambda m, f: f["service"] == m["service"] and m["value"] in f["message"]),
    (re.compile(r"spec\.services must have at least one service"), "NO_SERVICES", lambda m, f: True),
    (re.compile(r"spec\.services\.(?P<service>[^.]+)\.replicas"), "BAD_REPLICAS",
     lambda m, f: f["service"] == m["service"]),
]


def admission_items(message: str) -> list[str]:
    """One API-server refusal as its separate complaints (webhook errors are joined by newlines,
    schema errors listed as [a, b])."""
    body = re.sub(r'^admission webhook "[^"]+" denied the request: ', "", message)
    body = re.sub(r'^\S+ "[^"]+" is invalid: ', "", body)
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    items = [i.strip() for i in re.split(r"\n|, (?=spec\.|metadata\.)", body) if i.strip()]
    return [i for i in items if not i.startswith("<nil>")]


def admission_checks(result) -> list[Check]:
    findings = [f for f in (result.validation or {}).get("items", [{}])[0].get("findings", [])
                if f["severity"] == "error" and f["code"] in ADMISSION_CODES]
    out = [Check("admission", "admission.accepted", not findings, result.admitted)]
    if result.rejection:
        for i, item in enumerate(admission_items(result.rejection)):
            said = None
            for pattern, code, same in ADMISSION_MESSAGES:
                m = pattern.search(item)
                if m:
                    said = next((f"{f['code']}: {f['message']}" for f in findings if f["code"] == code and same(m, f)), None)
                    break
            out.append(Check("admission", f"admission.message[{i}]", said or "(no validate error says this)", item,
                             ok=said is not None))
    return out


# --- everything else ---------------------------------------------------------------------------


def _expected_outcome(exp: dict) -> str:
    codes = {f["code"] for f in exp["findings"] if f["severity"] == "error"}
    if exp["pathway"] == "failed" or codes & RECONCILE_FAILURES:
        return "failed"
    if exp["pathway"] == "component" and "DYNAMO_NAMESPACE_TOO_LONG" in codes:
        return "failed"  # the DCDs are refused; on the Grove path the PodCliqueSet is still made
    return exp["pathway"]


def _failure_text(exp: dict) -> str | None:
    """The operator message explain quotes for a reconcile failure (in its finding)."""
    for f in exp["findings"]:
        if f["code"] == "NO_MULTINODE_ORCHESTRATOR" and (m := re.search(r'"([^"]+)"', f["message"])):
            return m.group(1)
        if f["code"] == "QUEUE_MISSING" and (m := re.search(r"(queue '[^']+' not found in cluster)", f["message"])):
            return m.group(1)
    return None


def checks(result) -> dict[str, list[Check]]:
    """Every compared field of one DGD, by aspect; admission only when it was refused."""
    out: dict[str, list[Check]] = {"admission": admission_checks(result)}
    exp = result.explanation
    if not result.admitted or exp is None:
        return out
    live, dgd = result.live, result.case.name
    actual_pathway = observed_pathway(result)
    expected_outcome = _expected_outcome(exp)
    out["outcome"] = [Check("outcome", "outcome", expected_outcome, actual_pathway)]
    if expected_outcome == "failed" and (text := _failure_text(exp)):
        msg = ready_message(result)
        out["outcome"].append(Check("outcome", "status.Ready.message", text, msg, ok=text in msg))

    views = {s["name"]: (grove_view(result.children, dgd, s["name"]) if actual_pathway == "grove"
                         else component_view(result.children, s["name"])) for s in exp["services"]}
    # objects, kind by kind
    want: dict[str, set[str]] = {k: set() for k in IN_CONTRACT}
    for o in exp["objects"] + [o for s in exp["services"] for o in s["objects"]]:
        want.setdefault(o["kind"], set()).add(o["name"])
    have: dict[str, set[str]] = {k: set(result.children.get(k, {})) for k in IN_CONTRACT}
    if actual_pathway == "grove":  # derived from the PodCliqueSet (Grove's controller is not running)
        for k in ("PodCliqueScalingGroup", "PodClique"):
            have[k] = {n for v in views.values() for kind, n in v.objects if kind == k}
    out["objects"] = [Check("objects", f"objects.{k}", sorted(want[k]), sorted(have[k]),
                            ok=names_match(sorted(want[k]), sorted(have[k]))) for k in IN_CONTRACT]
    out["kinds"] = [Check("kinds", "kinds.unexplained", [], sorted(k for k in result.children
                                                                   if k not in IN_CONTRACT and k not in OUT_OF_CONTRACT))]

    out.update({a: [] for a in ("scheduler", "launch-leader", "launch-worker", "env", "pods")})
    for s in exp["services"]:
        name, v, launch = s["name"], views[s["name"]], s["launch"]
        p = f"services.{name}"
        multinode = s["nodeCount"] > 1
        out["pods"].append(Check("pods", f"{p}.workload", s["workload"], v.workload))
        if not v.roles:
            continue
        out["pods"] += [Check("pods", f"{p}.replicas", s["replicas"], v.replicas),
                        Check("pods", f"{p}.nodeCount", s["nodeCount"], v.node_count)]
        sched = s["scheduler"]
        out["scheduler"].append(Check("scheduler", f"{p}.minMember", sched["minMember"], v.min_member))
        if v.pod_groups or sched["podGroup"]:
            names = sorted(v.pod_groups)
            shown = names[0] if len(names) == 1 else (f"{names[0].rsplit('-', 1)[0]}-<0..{len(names) - 1}>" if names else None)
            out["scheduler"].append(Check("scheduler", f"{p}.podGroup", sched["podGroup"], shown,
                                          ok=bool(shown and sched["podGroup"]) and names_match([sched["podGroup"]], [shown])))
        user = _user_argv(live, name)
        user_env = _user_env(live, name)
        for role_name, role in v.roles.items():
            r = f"{p}.{role_name}"
            out["scheduler"] += [
                Check("scheduler", f"{r}.schedulerName", sched["name"], _scheduler_name(role)),
                Check("scheduler", f"{r}.queueLabel", sched["queue"], role.labels.get("kai.scheduler/queue")),
            ]
            out["pods"].append(Check("pods", f"{r}.gpus", s["gpusPerNode"] or None, _gpus(role)))
            aspect = "launch-worker" if role_name == "worker" else "launch-leader"
            args = launch["workerArgs"] if role_name == "worker" else launch["leaderArgs"]
            command = launch["workerCommand"] if role_name == "worker" else launch["leaderCommand"]
            actual = _argv(role)
            words = shellwords.argv_words(actual)
            expected = _expected_words(args, launch["mode"])
            if not args and not command:
                if user:  # with no command of its own the service gets the operator's default (out of contract)
                    out[aspect].append(Check(aspect, f"{r}.argv (nothing injected)", user, actual))
            elif command and "flags not injected" in command:
                out[aspect].append(Check(aspect, f"{r}.injectedArgs present", False, _contiguous(expected, words)))
            else:
                # appended to a python command (kept as is, or behind sh -c exec): they end the words
                appended = launch["mode"] in ("mp", "dp-hybrid-lb", "sglang-dist") and bool(user) and PYTHON.match(user[0])
                seg = words[-len(expected):] if appended else _injected_segment(expected, words)
                out[aspect].append(Check(aspect, f"{r}.injectedArgs", args, [shellwords.plain(w) for w in seg],
                                         ok=seg == expected))
                if command:
                    try:
                        same = shellwords.match(shellwords.display_words(command), words)
                    except ValueError:  # explain's rendering is not even valid shell
                        same = False
                    out[aspect].append(Check(aspect, f"{r}.effectiveCommand", command, actual, ok=same))
            env = {e["name"] for e in role.main.get("env") or []} - user_env
            injected = sorted(n for n in env if not BASE_ENV.search(n))
            out["env"].append(Check("env", f"{r}.injectedEnv", sorted(_extras_env(launch["extras"])) if multinode else [],
                                    injected))
            init = sorted(c["name"] for c in role.pod_spec.get("initContainers") or [])
            want_init = sorted(_extras_init(launch["extras"])) if role_name == "worker" else []
            out["pods"].append(Check("pods", f"{r}.initContainers", want_init, init))
            keeps = _extras_worker_probes(launch["extras"]) if role_name == "worker" else None
            if keeps is not None:
                out["pods"].append(Check("pods", f"{r}.probes", keeps, _probes(role)))
    _mark_out_of_contract(out, exp, views)
    return out


def _mark_out_of_contract(out: dict[str, list[Check]], exp: dict, views: dict[str, ServiceView]) -> None:
    # lws-first-rollout: only replica 0 of such a service exists
    extra: set[str] = set()
    services = []
    for s in exp["services"]:
        v = views[s["name"]]
        if v.workload == "LeaderWorkerSet" and s["replicas"] > 1 and v.replicas == 1:
            services.append(s["name"])
            extra |= {o["name"] for o in s["objects"] if o["kind"] in ("LeaderWorkerSet", "PodGroup")
                      and not o["name"].endswith("-0")}
    if not services:
        return
    for c in (c for cs in out.values() for c in cs if not c.ok):
        if c.field in ("objects.LeaderWorkerSet", "objects.PodGroup"):
            if names_match(sorted(set(c.expected) - extra), c.actual):
                c.contract = "lws-first-rollout"
        elif any(c.field == f"services.{n}.replicas" for n in services) and c.actual == 1 \
                or any(c.field == f"services.{n}.podGroup" for n in services) and str(c.actual).endswith("-0"):
            c.contract = "lws-first-rollout"


def count(all_checks: dict[str, list[Check]]) -> int:
    return sum(len(v) for v in all_checks.values())
