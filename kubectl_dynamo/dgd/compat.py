"""Version compatibility between the Dynamo operator, Grove, KAI-Scheduler, LWS, Volcano and
Kubernetes: the rule table of reference/compatibility.md §5 (R1-R14) as pure functions over a facts
value. The cluster fills the facts (cluster/survey.py), `--assume grove@v0.1.0-alpha.13,...` fills
them offline; doctor shows every rule as its own check and explain the ones that touch one DGD.

Each rule returns a `Compat`: status (pass|warn|fail|skip, the doctor words), a summary, the
symptom users otherwise meet (the upstream error text where the reference quotes it) and a hint
naming the versions to move to. A rule whose inputs are unknown is `skip`, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields

PASS, WARN, FAIL, SKIP = "pass", "warn", "fail", "skip"
COMPONENTS = ("operator", "grove", "kai", "lws", "volcano", "kubernetes")


@dataclass
class ComponentVersions:
    """Versions as read from the cluster (image tags, /version) or given with --assume."""

    operator: str | None = None
    grove: str | None = None
    kai: str | None = None
    lws: str | None = None
    volcano: str | None = None
    kubernetes: str | None = None

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# --- comparable versions ---------------------------------------------------------------------------

_CORE = re.compile(r"^[vV]?(\d+)\.(\d+)(?:\.(\d+))?(?:-(.*))?$")
_PRE = re.compile(r"(alpha|beta|rc|dev)[.-]?(\d*)")
_PRE_RANK = {"dev": 0, "alpha": 1, "beta": 2, "rc": 3}
_FINAL = (9, 0)

Key = tuple[int, int, int, tuple[tuple[int, int], ...]]


def key(version: str | None) -> Key | None:
    """A sortable key: v0.1.0-alpha.12-rc1 < v0.1.0-alpha.12 < v0.1.0-alpha.13 < v0.1.0, and
    v0.13.0-rc1 < v0.13.0 (Grove tags a release candidate after the alpha number it precedes)."""
    if not version:
        return None
    m = _CORE.match(version.strip().split("+", 1)[0])  # build metadata does not order
    if not m:
        return None
    pre = m.group(4) or ""
    pieces = tuple((_PRE_RANK[p], int(n) if n else 0) for p, n in _PRE.findall(pre.lower()))
    if pre and not pieces and not pre[0].isdigit():
        pieces = ((0, 0),)  # some other pre-release word: below the release
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), pieces + (_FINAL,)


def below(version: str | None, floor: str) -> bool | None:
    """True when version < floor; None when version is unknown or unreadable."""
    v, f = key(version), key(floor)
    assert f is not None, floor
    return None if v is None else v < f


def at_least(version: str | None, floor: str) -> bool | None:
    b = below(version, floor)
    return None if b is None else not b


def line(version: str | None) -> tuple[int, int] | None:
    k = key(version)
    return None if k is None else (k[0], k[1])


def kube_minor(version: str | None) -> tuple[int, int] | None:
    """Kubernetes `v1.34.2-eks-113cf36` -> (1, 34)."""
    return line((version or "").split("+")[0])


# --- the matrix (compatibility.md §1.1, recommendations taken where sources conflict) -------------

def _alpha(n: int | str) -> str:
    return f"v0.1.0-alpha.{n}"


# operator line -> (Grove floor, Grove hard floor or None, KAI floor, floors are errors)
FLOORS: dict[tuple[int, int], tuple[str, str | None, str, bool]] = {
    (1, 0): (_alpha(6), None, "v0.13.0", False),
    (1, 1): (_alpha(8), None, "v0.13.4", False),
    (1, 2): (_alpha(8), None, "v0.13.4", False),
    (1, 3): (_alpha(8), None, "v0.13.4", False),
    # 1.4: the matrix says >= alpha.12-rc1, the ledger alpha.11, the install page alpha.10:
    # warn below rc1, fail below alpha.9 (no ClusterTopologyBinding) - the reference's recommendation
    (1, 4): (_alpha("12-rc1"), _alpha(9), "v0.13.4", False),
    (1, 5): (_alpha(13), None, "v0.17.0", True),
    (1, 6): (_alpha(14), None, "v0.17.0", True),
}
BUNDLED = {  # what each line's platform chart installs (for hints)
    (1, 0): (_alpha(6), "v0.13.0-rc1"), (1, 1): (_alpha(7), "v0.13.4"), (1, 2): (_alpha(8), "v0.13.4"),
    (1, 3): (_alpha(8), "v0.13.4"), (1, 4): (_alpha("12-rc1"), "v0.13.4"), (1, 5): (_alpha(13), "v0.17.0"),
    (1, 6): (_alpha(14), "v0.17.0"),
}
GROVE_TOPOLOGY_BINDING = _alpha(9)  # grove#616: ClusterTopology renamed ClusterTopologyBinding
GROVE_PACKDOMAIN_CEL = _alpha(10)  # PCS CEL rejects packDomain on new workloads
GROVE_VOLCANO_BACKEND = _alpha(10)  # grove#516
GROVE_KAI_BACKEND = _alpha("12-rc2")  # grove#725: one KAI PodGroup per PodGang
GROVE_SCALE_FIX = _alpha(13)  # grove#811 (probably in alpha.13)
KAI_SKIP_PODGROUPER = "v0.15.0"
KAI_DRA_BINDING = "v0.14.1"
LWS_DISAGGREGATED_SET = "v0.9.0"
KUBE_CHART_MIN = (1, 30)
KUBE_DRA_MIN = (1, 34)
KUBE_DRA_GRANULAR = (1, 36)
DRIVER_CUDA13 = 580
STALENESS_OFF = ("-1", "-1s")


def _op_line(operator: str | None) -> tuple[int, int] | None:
    """The mirrored line of an operator version; lines past the newest use the newest row."""
    ln = line(operator)
    if ln is None:
        return None
    newest = max(FLOORS)
    if ln > newest:
        return newest
    return ln if ln in FLOORS else None


# --- facts ---------------------------------------------------------------------------------------

@dataclass
class CompatFacts:
    """What the rules look at. None everywhere means "unknown": the rule is skipped."""

    versions: ComponentVersions = field(default_factory=ComponentVersions)  # operator: the line mirrored
    operator_image_tag: str | None = None  # the manager container's image tag (R1; default versions.operator)
    operator_chart_version: str | None = None  # the manager's --operator-version= (the chart's appVersion)
    installed: dict[str, bool] = field(default_factory=dict)  # grove/kai/lws/volcano API served
    grove_topology_api: str | None = None  # ClusterTopology | ClusterTopologyBinding (from CRDs)
    topology_dgds: list[str] | None = None  # DGDs with a topology constraint
    grove_kai_backend: bool | None = None  # runtime evidence of Grove's own KAI backend
    grove_profiles: list[str] | None = None  # Grove scheduler profiles enabled
    kai_staleness: str | None = None  # SchedulingShard default args[default-staleness-grace-period]
    kai_staleness_known: bool = False
    scaled_dgds: list[str] | None = None  # DGDs with a scaling adapter or 0 replicas
    volcano_scheduler: bool = False  # orchestrators.volcanoScheduler.enabled
    kai_enabled: bool = False  # KAI-Scheduler enabled in the operator
    dra_in_use: bool | None = None
    dra_features: list[str] | None = None  # DGDs / components using GMS or DRA claims
    driver_versions: dict[str, int] | None = None  # node -> driver major version
    ds_dgds: list[str] | None = None  # DGDs asking for the DisaggregatedSet pathway
    ds_api: bool | None = None
    long_podcliques: list[tuple[str, str]] | None = None  # (DGD, PodClique name) over 57 characters


@dataclass(frozen=True)
class Compat:
    rule: str  # R1 ... R14
    id: str  # doctor check id
    status: str
    summary: str
    detail: str = ""
    hint: str | None = None


def _ver(v: str | None) -> str:
    return v if v else "unknown"


def _grove_api(f: CompatFacts) -> str | None:
    if f.grove_topology_api:
        return f.grove_topology_api
    b = below(f.versions.grove, GROVE_TOPOLOGY_BINDING)
    return None if b is None else ("ClusterTopology" if b else "ClusterTopologyBinding")


def _names(items: list[str], n: int = 3) -> str:
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "")


# --- R1 ... R14 ----------------------------------------------------------------------------------

def r1_operator_image(f: CompatFacts) -> Compat:
    cid, tag, chart = "compat.operator-image", f.operator_image_tag or f.versions.operator, f.operator_chart_version
    if not tag or not chart or key(tag) is None or key(chart) is None:
        return Compat("R1", cid, SKIP, "operator image tag or --operator-version unknown",
                      f"image tag {_ver(tag)}, --operator-version {_ver(chart)}")
    if key(tag) == key(chart):
        return Compat("R1", cid, PASS, f"operator image {tag} matches its chart (--operator-version={chart})")
    older = key(tag) < key(chart)  # type: ignore[operator]
    symptom = ("newer charts pass flags older manager binaries do not know: the operator CrashLoops with "
               "\"flag provided but not defined: -operator-image\"" if older else
               "the image is newer than the chart that renders its flags and configuration")
    return Compat("R1", cid, FAIL if older else WARN,
                  f"operator image {tag} is {'older' if older else 'newer'} than its chart ({chart})", symptom,
                  f"use the chart's own image: set the operator image tag to {chart} (or remove the pin)")


def r2_topology_api_renamed(f: CompatFacts) -> Compat:
    cid, op = "compat.grove-topology-old-operator", f.versions.operator
    ln, api = line(op), _grove_api(f)
    if ln is None:
        return Compat("R2", cid, SKIP, "operator version unknown")
    if ln >= (1, 4):
        return Compat("R2", cid, PASS, f"operator {op} reads Grove's ClusterTopologyBinding API")
    if not f.installed.get("grove"):
        return Compat("R2", cid, SKIP, "Grove not installed")
    if api is None:
        return Compat("R2", cid, SKIP, "Grove's topology API generation unknown (version and CRDs unreadable)")
    if api == "ClusterTopology":
        return Compat("R2", cid, PASS, f"operator {op} and Grove {_ver(f.versions.grove)} both use ClusterTopology")
    users = f.topology_dgds
    symptom = ("a DGD with a topology constraint is rejected on create with "
               "'no matches for kind \"ClusterTopology\" in version \"grove.io/v1alpha1\"' "
               "(wrapped as 'failed to read ClusterTopology \"<name>\" for topology validation: ...')")
    if at_least(f.versions.grove, GROVE_PACKDOMAIN_CEL):
        symptom += "; Grove >= alpha.10 also rejects the packDomain the operator emits (\"packDomain is deprecated and cannot be used on new workloads\")"
    hint = "upgrade the operator to 1.4.x together with Grove (Dynamo 1.4 bundles v0.1.0-alpha.12-rc1), or keep Grove <= v0.1.0-alpha.8"
    if users:
        return Compat("R2", cid, FAIL, f"operator {op} expects ClusterTopology but Grove {_ver(f.versions.grove)} serves "
                      f"ClusterTopologyBinding; used by {_names(users)}", symptom, hint)
    why = "no DGD uses a topology constraint yet" if users is not None else "DGDs not read"
    return Compat("R2", cid, WARN, f"operator {op} expects ClusterTopology but Grove {_ver(f.versions.grove)} serves "
                  f"ClusterTopologyBinding ({why})", symptom, hint)


def r3_topology_binding_missing(f: CompatFacts) -> Compat:
    cid, op = "compat.grove-topology-new-operator", f.versions.operator
    ln = line(op)
    if ln is None:
        return Compat("R3", cid, SKIP, "operator version unknown")
    if ln < (1, 4):
        return Compat("R3", cid, PASS, f"operator {op} reads ClusterTopology: not affected")
    if not f.installed.get("grove"):
        return Compat("R3", cid, SKIP, "Grove not installed")
    api = _grove_api(f)
    if api is None:
        return Compat("R3", cid, SKIP, "Grove's topology API generation unknown")
    if api == "ClusterTopologyBinding":
        return Compat("R3", cid, PASS, f"Grove {_ver(f.versions.grove)} serves ClusterTopologyBinding as operator {op} expects")
    target = BUNDLED.get(_op_line(op) or (1, 6), (None, None))[0]
    return Compat("R3", cid, FAIL, f"operator {op} needs Grove's ClusterTopologyBinding (Grove >= alpha.9); "
                  f"Grove {_ver(f.versions.grove)} has only ClusterTopology",
                  "the operator's Grove API dependency is >= alpha.11; topology-constrained DGDs fail the same way with the "
                  "Binding kind (exact message not observed upstream)",
                  f"upgrade Grove to {target} (the version Dynamo {ln[0]}.{ln[1]} bundles)")


def _floor_inputs(rule: str, cid: str, f: CompatFacts, component: str, label: str) -> tuple[int, int] | Compat:
    """The operator line whose floor applies, or the skip that says which input is missing."""
    ln = _op_line(f.versions.operator)
    if ln is None:
        return Compat(rule, cid, SKIP, "operator version unknown or before 1.0")
    if not f.installed.get(component):
        return Compat(rule, cid, SKIP, f"{label} not installed")
    version = getattr(f.versions, component)
    if key(version) is None:
        return Compat(rule, cid, SKIP, f"{label} version unknown ({_ver(version)})")
    return ln


def r4_grove_floor(f: CompatFacts) -> Compat:
    cid, grove = "compat.grove-version", f.versions.grove
    ln = _floor_inputs("R4", cid, f, "grove", "Grove")
    if isinstance(ln, Compat):
        return ln
    floor, hard, _, strict = FLOORS[ln]
    target = BUNDLED[ln][0]
    name = f"{ln[0]}.{ln[1]}"
    if below(grove, floor):
        status = FAIL if strict or (hard and below(grove, hard)) else WARN
        detail = f"the Dynamo {name} compatibility matrix requires Grove >= {floor}; upstream guidance is to upgrade Grove in lockstep"
        if ln == (1, 6):
            detail += "; 1.6 defaults disaggregated Grove graphs to Coherent updates, which need Grove alpha.14 installed before the operator"
        if ln == (1, 5):
            detail += "; 1.5 relies on Grove owning PodGroup termination (alpha.13 turns its kai-scheduler backend on)"
        return Compat("R4", cid, status, f"Grove {grove} is below the floor for operator {name} ({floor})", detail,
                      f"upgrade Grove to {target} (bundled with Dynamo {name}) or newer")
    return Compat("R4", cid, PASS, f"Grove {grove} >= {floor} (floor for operator {name})")


def r5_kai_floor(f: CompatFacts) -> Compat:
    cid, kai = "compat.kai-version", f.versions.kai
    ln = _floor_inputs("R5", cid, f, "kai", "KAI-Scheduler")
    if isinstance(ln, Compat):
        return ln
    _, _, floor, strict = FLOORS[ln]
    name = f"{ln[0]}.{ln[1]}"
    if below(kai, floor):
        detail = f"the Dynamo {name} compatibility matrix requires KAI-Scheduler >= {floor}"
        if strict:
            detail += "; Dynamo 1.5+ sets the floor with Grove alpha.13, whose KAI backend needs KAI to honour externally created PodGroups"
        return Compat("R5", cid, FAIL if strict else WARN, f"KAI-Scheduler {kai} is below the floor for operator {name} ({floor})",
                      detail, f"upgrade KAI-Scheduler to {BUNDLED[ln][1] if ln >= (1, 1) else floor} or newer")
    return Compat("R5", cid, PASS, f"KAI-Scheduler {kai} >= {floor} (floor for operator {name})")


def r6_grove_kai_backend(f: CompatFacts) -> Compat:
    cid, grove, kai = "compat.grove-kai-podgroups", f.versions.grove, f.versions.kai
    if not f.installed.get("grove") or not f.installed.get("kai"):
        return Compat("R6", cid, SKIP, "needs both Grove and KAI-Scheduler installed")
    backend = f.grove_kai_backend if f.grove_kai_backend is not None else at_least(grove, GROVE_KAI_BACKEND)
    if backend is None:
        return Compat("R6", cid, SKIP, f"cannot tell whether Grove {_ver(grove)} runs its own KAI backend")
    if not backend:
        return Compat("R6", cid, PASS, f"Grove {_ver(grove)} leaves PodGroups to KAI's pod-grouper (before alpha.12-rc2)")
    old = below(kai, KAI_SKIP_PODGROUPER)
    if old is None:
        return Compat("R6", cid, SKIP, f"Grove runs its KAI backend; KAI-Scheduler version unknown ({_ver(kai)})")
    if old:
        return Compat("R6", cid, FAIL, f"Grove {_ver(grove)} creates KAI PodGroups itself but KAI-Scheduler {kai} "
                      "ignores kai.scheduler/skip-podgrouper (needs >= v0.15.0)",
                      "Grove and KAI's pod-grouper both manage the gang's PodGroup and race: pods flip between the "
                      "PodGang-named PodGroup and a pg-... one, the scheduler hits stale PodInfo/Job references "
                      "(UpdateTaskStatus failure) and requeues the workload instead of scheduling it (KAI#2117)",
                      "upgrade KAI-Scheduler to v0.17.0 (bundled with Dynamo 1.5) or at least v0.15.0")
    return Compat("R6", cid, PASS, f"Grove's KAI backend with KAI-Scheduler {kai} (>= v0.15.0 honours skip-podgrouper)")


def r7_kai_staleness(f: CompatFacts) -> Compat:
    cid = "compat.kai-staleness"
    if not f.installed.get("grove") or not f.installed.get("kai"):
        return Compat("R7", cid, SKIP, "needs both Grove and KAI-Scheduler installed")
    profiles = f.grove_profiles
    # unknown profiles: alpha.13 turns the kai-scheduler profile on by default (compatibility.md §1.2)
    active = at_least(f.versions.grove, _alpha(13)) if profiles is None else "kai-scheduler" in profiles
    if active is None:
        return Compat("R7", cid, SKIP, "Grove scheduler profiles unknown")
    if not active:
        return Compat("R7", cid, PASS, "Grove's kai-scheduler profile is not active: KAI's stale-gang eviction does not matter")
    if not f.kai_staleness_known:
        return Compat("R7", cid, SKIP, "Grove's kai-scheduler profile is active; KAI's default-staleness-grace-period not readable")
    value = (f.kai_staleness or "").strip()
    if value in STALENESS_OFF:
        return Compat("R7", cid, PASS, f"KAI stale-gang eviction off (default-staleness-grace-period={value})",
                      "the chart docs write -1s, the chart's own check compares with -1: both are accepted")
    return Compat("R7", cid, WARN, f"Grove's kai-scheduler profile is active and KAI default-staleness-grace-period is "
                  f"{value or 'unset (eviction on)'}",
                  "KAI's default stale-gang eviction can terminate a partially scheduled gang before Grove's controller-owned "
                  "termination delay; bundled installs fail with \"CONFIGURATION ERROR: bundled KAI Scheduler must disable "
                  "stale PodGroup eviction when Grove integration is enabled.\"",
                  "set kai-scheduler.scheduler.args.default-staleness-grace-period=-1 (external KAI: scheduler.args."
                  "default-staleness-grace-period)")


def r8_grove_scale_from_zero(f: CompatFacts) -> Compat:
    cid, grove = "compat.grove-scale-from-zero", f.versions.grove
    if not f.installed.get("grove"):
        return Compat("R8", cid, SKIP, "Grove not installed")
    lo, hi = at_least(grove, GROVE_KAI_BACKEND), below(grove, GROVE_SCALE_FIX)
    if lo is None or hi is None:
        return Compat("R8", cid, SKIP, f"Grove version unknown ({_ver(grove)})")
    if not (lo and hi):
        return Compat("R8", cid, PASS, f"Grove {grove} is not an alpha.12 release (the PodGangMap scale-to-zero bug, fixed by grove#811)")
    users = f.scaled_dgds
    symptom = ("pods of a multinode DGD scaled from zero stay SchedulingGated (grove.io/podgang-pending-creation) with no "
               "events; or the PodCliqueSet reports ERR_PODGANGMAP_NO_ENTRIES (grove#808, grove#809)")
    hint = "upgrade Grove to v0.1.0-alpha.13 (bundled with Dynamo 1.5), which carries grove#811"
    if users:
        return Compat("R8", cid, WARN, f"Grove {grove} with scaled or zero-replica DGDs: {_names(users)}", symptom, hint)
    return Compat("R8", cid, PASS if users is not None else SKIP,
                  f"Grove {grove} has the scale-from-zero bug, but " + ("no DGD uses a scaling adapter or 0 replicas"
                                                                       if users is not None else "DGDs were not read"), symptom)


def r9_volcano_on_grove(f: CompatFacts) -> Compat:
    cid = "compat.grove-volcano"
    if not f.volcano_scheduler:
        return Compat("R9", cid, PASS, "Volcano on Grove not enabled (orchestrators.volcanoScheduler.enabled)")
    if f.kai_enabled:
        return Compat("R9", cid, FAIL, "KAI-Scheduler and the Volcano scheduler are both enabled",
                      "\"CONFIGURATION ERROR: KAI-Scheduler and Volcano scheduler integrations are mutually exclusive.\" "
                      "(Helm); the operator's startup validation refuses it too",
                      "disable one: --set global.kai-scheduler.enabled=false or global.volcano-scheduler.enabled=false")
    grove = f.versions.grove
    if below(grove, GROVE_VOLCANO_BACKEND):
        return Compat("R9", cid, FAIL, f"Grove {grove} has no Volcano backend (added in alpha.10)", "cliques with "
                      "schedulerName volcano are never scheduled by Grove", "upgrade Grove to v0.1.0-alpha.12-rc1 or newer")
    if f.grove_profiles is not None and "volcano" not in f.grove_profiles:
        return Compat("R9", cid, FAIL, "Grove's volcano scheduler profile is not enabled",
                      "Grove's PCS webhook rejects the PodCliqueSet: \"schedulerName must be an enabled scheduler backend; "
                      "this scheduler is not enabled in OperatorConfiguration\" (the chart enables only default-scheduler and "
                      "kai-scheduler from alpha.11)", "enable the volcano profile in Grove's values (scheduler.profiles)")
    if f.grove_profiles is None:
        return Compat("R9", cid, SKIP, "Volcano on Grove enabled; Grove's scheduler profiles not readable")
    return Compat("R9", cid, PASS, f"Volcano on Grove: Grove {_ver(grove)} has the volcano profile enabled")


def r10_kai_dra_binding(f: CompatFacts) -> Compat:
    cid, kube, kai = "compat.kai-dra", kube_minor(f.versions.kubernetes), f.versions.kai
    if kube is None:
        return Compat("R10", cid, SKIP, "Kubernetes version unknown")
    if kube < KUBE_DRA_GRANULAR:
        return Compat("R10", cid, PASS, f"Kubernetes {f.versions.kubernetes} predates granular ResourceClaim status authorization (1.36)")
    if not f.installed.get("kai"):
        return Compat("R10", cid, SKIP, "KAI-Scheduler not installed")
    if f.dra_in_use is None:
        return Compat("R10", cid, SKIP, "cannot tell whether DRA is in use")
    if not f.dra_in_use:
        return Compat("R10", cid, PASS, "no DRA device claims in use")
    old = below(kai, KAI_DRA_BINDING)
    if old is None:
        return Compat("R10", cid, SKIP, f"KAI-Scheduler version unknown ({_ver(kai)})")
    if old:
        return Compat("R10", cid, FAIL, f"Kubernetes {f.versions.kubernetes} with DRA and KAI-Scheduler {kai} (< v0.14.1)",
                      "KAI's binder lacks resourceclaims/binding: DRA-backed pods are never bound, the binder logs a "
                      "forbidden error on resourceclaims/binding (not observed verbatim upstream)",
                      "upgrade KAI-Scheduler to v0.17.0 (bundled with Dynamo 1.5) or at least v0.14.1")
    return Compat("R10", cid, PASS, f"KAI-Scheduler {kai} can bind DRA claims on Kubernetes {f.versions.kubernetes}")


def r11_kubernetes(f: CompatFacts) -> Compat:
    cid, kube, op = "compat.kubernetes", kube_minor(f.versions.kubernetes), f.versions.operator
    if kube is None:
        return Compat("R11", cid, SKIP, "Kubernetes version unknown")
    ln = line(op)
    if ln is not None and ln >= (1, 3) and kube < KUBE_CHART_MIN:
        return Compat("R11", cid, FAIL, f"Kubernetes {f.versions.kubernetes} is below 1.30, which Dynamo {op} needs",
                      "Helm refuses the platform chart where it declares kubeVersion (1.6.0 does): \"chart requires "
                      "kubeVersion: >=1.30.0-0 which is incompatible with Kubernetes ...\"; the CRDs' CEL rules need 1.30",
                      "upgrade the cluster to Kubernetes 1.30 or newer")
    if f.dra_features and kube < KUBE_DRA_MIN:
        return Compat("R11", cid, FAIL, f"Kubernetes {f.versions.kubernetes} is below 1.34, which GPU Memory Service and DRA "
                      f"need; used by {_names(f.dra_features)}", "resource.k8s.io/v1 is not served before 1.34",
                      "upgrade the cluster to Kubernetes 1.34 or newer, or drop the DRA/GMS features")
    return Compat("R11", cid, PASS, f"Kubernetes {f.versions.kubernetes} fits operator {_ver(op)}")


def r12_driver(f: CompatFacts) -> Compat:
    cid, op = "compat.gpu-driver", f.versions.operator
    ln = line(op)
    if ln is None:
        return Compat("R12", cid, SKIP, "operator version unknown")
    if ln < (1, 3):
        return Compat("R12", cid, PASS, f"Dynamo {op} still ships CUDA 12 images (driver >= 575)")
    if not f.driver_versions:
        return Compat("R12", cid, SKIP, "no GPU driver version on the nodes (GPU feature discovery labels absent)")
    old = sorted(n for n, v in f.driver_versions.items() if v < DRIVER_CUDA13)
    if old:
        return Compat("R12", cid, FAIL, f"{len(old)} GPU node(s) run a driver below {DRIVER_CUDA13}: {_names(old)}",
                      f"Dynamo {ln[0]}.{ln[1]} publishes only CUDA 13 images; their workers fail with \"CUDA driver version "
                      "is insufficient for CUDA runtime version\"", f"upgrade the NVIDIA driver to {DRIVER_CUDA13} or newer")
    return Compat("R12", cid, PASS, f"GPU drivers >= {DRIVER_CUDA13} on all {len(f.driver_versions)} labelled node(s)")


def r13_disaggregated_set(f: CompatFacts) -> Compat:
    cid = "compat.disaggregatedset"
    users = f.ds_dgds
    if users is None:
        return Compat("R13", cid, SKIP, "DGDs not read")
    if not users:
        return Compat("R13", cid, PASS, "no DGD asks for the DisaggregatedSet pathway")
    lws = f.versions.lws
    if f.ds_api is False or (f.ds_api is None and not f.installed.get("lws")):
        why = "the disaggregatedset.x-k8s.io/v1 API is not served"
    elif below(lws, LWS_DISAGGREGATED_SET):
        why = f"LeaderWorkerSet {lws} is older than v0.9.0"
    else:
        return Compat("R13", cid, PASS, f"DisaggregatedSet API served (LWS {_ver(lws)}) for {_names(users)}")
    return Compat("R13", cid, WARN, f"{_names(users)} ask(s) for DisaggregatedSet but {why}",
                  "the operator falls back to the component pathway (LeaderWorkerSet + Volcano), per docs/kubernetes/lws.md; "
                  "the newest operator code fails the DGD with selected_workload_provider_unavailable instead",
                  "install LeaderWorkerSet v0.9.0 or newer (it serves disaggregatedset.x-k8s.io/v1)")


def r14_podclique_names(f: CompatFacts) -> Compat:
    cid = "compat.grove-podclique-names"
    items = f.long_podcliques
    if items is None:
        return Compat("R14", cid, SKIP, "DGDs not read")
    if not items:
        return Compat("R14", cid, PASS, "every PodClique name fits in 57 characters")
    return Compat("R14", cid, WARN, f"{len(items)} PodClique name(s) longer than 57 characters: "
                  + _names([f"{d}: {n} ({len(n)})" for d, n in items], 2),
                  "their pods keep the grove.io/podgang-pending-creation gate forever and the gang stays Pending (grove#810): "
                  "Grove derives the clique name from pod names, which the API server cuts at 63 characters",
                  "shorten the DGD or component names")


RULES: tuple[Callable[[CompatFacts], Compat], ...] = (
    r1_operator_image, r2_topology_api_renamed, r3_topology_binding_missing, r4_grove_floor, r5_kai_floor,
    r6_grove_kai_backend, r7_kai_staleness, r8_grove_scale_from_zero, r9_volcano_on_grove, r10_kai_dra_binding,
    r11_kubernetes, r12_driver, r13_disaggregated_set, r14_podclique_names,
)


def check_all(f: CompatFacts) -> list[Compat]:
    return [rule(f) for rule in RULES]
