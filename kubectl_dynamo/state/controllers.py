"""Finding the controllers of Dynamo, Grove, KAI-Scheduler, LeaderWorkerSet and Volcano among the
cluster's Deployments (any namespace: subchart installs put them in the parent release's), and
reading availability and version from them. Pure functions over Deployment dicts.

Names and labels: reference/orchestrators.md §1.2, §2.2, §3.2, §4.2, §5 and
reference/dynamo-operator.md §1.2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DYNAMO = "dynamo"
GROVE = "grove"
KAI = "kai"
LWS = "lws"
VOLCANO = "volcano"

# Deployments whose absence or unavailability breaks the project, by name, most important first:
# the first one found gives the version. KAI's operator makes the others (scheduler, binder, ...);
# without the binder no pod is ever bound.
PRIMARY = {
    KAI: ("kai-operator", "kai-scheduler-default", "binder"),
    VOLCANO: ("volcano-scheduler", "volcano-controllers", "volcano-admission"),
}
MANAGER_CONTAINERS = ("manager", "operator", "grove-operator", "volcano-scheduler")


@dataclass
class Controller:
    project: str
    name: str
    namespace: str
    replicas: int
    available_replicas: int
    available: bool  # Available=True, >= 1 available replica, observedGeneration current
    image: str | None
    version: str | None  # --operator-version, else the image tag, else a Helm version label
    args: list[str] = field(default_factory=list)
    selector: dict[str, str] = field(default_factory=dict)
    volumes: list[dict] = field(default_factory=list)
    created: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    def to_dict(self) -> dict:
        return {"project": self.project, "name": self.name, "namespace": self.namespace,
                "available": self.available, "replicas": self.replicas,
                "availableReplicas": self.available_replicas, "version": self.version, "image": self.image}


def _labels(dep: dict) -> dict[str, str]:
    return (dep.get("metadata") or {}).get("labels") or {}


def _containers(dep: dict) -> list[dict]:
    return (((dep.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []


def _args(dep: dict) -> list[str]:
    out: list[str] = []
    for c in _containers(dep):
        out += [str(a) for a in (c.get("command") or []) + (c.get("args") or [])]
    return out


def classify(dep: dict) -> str | None:
    """Which project a Deployment is a controller of, or None."""
    name = (dep.get("metadata") or {}).get("name", "")
    labels = _labels(dep)
    app, app_name = labels.get("app"), labels.get("app.kubernetes.io/name")
    # the platform chart names it <release>-dynamo-operator-controller-manager and passes
    # --config=/etc/dynamo-operator/config.yaml (reference/dynamo-operator.md §1.2)
    if name.endswith("dynamo-operator-controller-manager") or app_name == "dynamo-operator" or (
        "dynamo-operator" in name and any(a.startswith("--config=/etc/dynamo-operator") for a in _args(dep))
    ):
        return DYNAMO
    if name == "grove-operator" or app_name == "grove-operator":
        return GROVE
    if name == "kai-operator" or app == "kai-operator" or labels.get("app.kubernetes.io/managed-by") == "kai-operator":
        return KAI
    if name == "lws-controller-manager" or app_name == "lws":
        return LWS
    if name in PRIMARY[VOLCANO] or app in ("volcano-scheduler", "volcano-controller", "volcano-admission"):
        return VOLCANO
    return None


def image_tag(image: str | None) -> str | None:
    """`repo/name:1.1.0` -> `1.1.0` (also `repo:tag@sha256:...`); an untagged image has none."""
    if not image:
        return None
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def flag_value(args: list[str], flag: str) -> str | None:
    """`--flag=v` or `--flag v`, the last occurrence winning (Go's flag package)."""
    value = None
    for i, a in enumerate(args):
        if a.startswith(flag + "="):
            value = a.split("=", 1)[1]
        elif a == flag and i + 1 < len(args):
            value = args[i + 1]
    return value or None


def _version(dep: dict, main: dict, args: list[str]) -> str | None:
    # the Dynamo chart passes --operator-version=<appVersion>: more reliable than a custom image tag
    version = flag_value(args, "--operator-version") or image_tag(main.get("image"))
    if version and version != "latest":
        return version
    labels = _labels(dep)
    chart = labels.get("chart") or ""  # Grove: chart: grove-charts-<version>
    grove_chart = chart[len("grove-charts-"):] if chart.startswith("grove-charts-") else None
    return labels.get("app.kubernetes.io/version") or grove_chart or version


def to_controller(project: str, dep: dict) -> Controller:
    meta = dep.get("metadata") or {}
    spec = dep.get("spec") or {}
    status = dep.get("status") or {}
    containers = _containers(dep)
    # the manager container, not a kube-rbac-proxy sidecar
    main = next((c for c in containers if c.get("name") in MANAGER_CONTAINERS), containers[0] if containers else {})
    args = [str(a) for a in (main.get("command") or []) + (main.get("args") or [])]
    cond = any(c.get("type") == "Available" and c.get("status") == "True" for c in status.get("conditions") or [])
    available_replicas = int(status.get("availableReplicas") or 0)
    current = int(status.get("observedGeneration") or 0) >= int(meta.get("generation") or 0)
    return Controller(
        project=project,
        name=meta.get("name", ""),
        namespace=meta.get("namespace", ""),
        replicas=int(spec["replicas"]) if spec.get("replicas") is not None else 1,
        available_replicas=available_replicas,
        available=cond and available_replicas >= 1 and current,
        image=main.get("image"),
        version=_version(dep, main, args),
        args=_args(dep),
        selector=((spec.get("selector") or {}).get("matchLabels") or {}),
        volumes=(((spec.get("template") or {}).get("spec") or {}).get("volumes") or []),
        created=meta.get("creationTimestamp"),
    )


def _rank(c: Controller) -> tuple[int, int, str]:
    """Primary Deployments first, available ones before the rest."""
    order = PRIMARY.get(c.project, ())
    return (order.index(c.name) if c.name in order else len(order), 0 if c.available else 1, c.ref)


def find_controllers(deployments: list[dict]) -> dict[str, list[Controller]]:
    """Controllers by project, the one that speaks for the project (version, health) first."""
    found: dict[str, list[Controller]] = {}
    for dep in deployments:
        project = classify(dep)
        if project:
            found.setdefault(project, []).append(to_controller(project, dep))
    for ctrls in found.values():
        ctrls.sort(key=_rank)
    return found


def operator_configmap_name(op: Controller) -> str | None:
    """The ConfigMap mounted as the operator's --config file (`<fullname>-config`)."""
    for v in op.volumes:
        cm = v.get("configMap") or {}
        if cm.get("name", "").endswith("-config"):
            return cm["name"]
    if op.name.endswith("-controller-manager"):
        return op.name[: -len("-controller-manager")] + "-config"
    return None
