"""Finding the controllers of Dynamo, Grove, KAI-Scheduler, LeaderWorkerSet and Volcano among the
cluster's Deployments (any namespace: subchart installs put them in the parent release's), and
reading availability and version from them. Pure functions over Deployment dicts.

Names and labels: reference/orchestrators.md §5, reference/dynamo-operator.md §1.2.
"""

from __future__ import annotations

from dataclasses import dataclass

DYNAMO = "dynamo"
GROVE = "grove"
KAI = "kai"
LWS = "lws"
VOLCANO = "volcano"


@dataclass
class Controller:
    project: str
    name: str
    namespace: str
    replicas: int
    available_replicas: int
    available: bool  # Available=True, >= 1 available replica, observedGeneration current
    image: str | None
    version: str | None  # image tag
    args: list[str]
    selector: dict[str, str]
    volumes: list[dict]
    created: str | None

    def to_dict(self) -> dict:
        return {"project": self.project, "name": self.name, "namespace": self.namespace,
                "available": self.available, "replicas": self.replicas,
                "availableReplicas": self.available_replicas, "version": self.version, "image": self.image}


def _labels(dep: dict) -> dict[str, str]:
    return (dep.get("metadata") or {}).get("labels") or {}


def classify(dep: dict) -> str | None:
    """Which project a Deployment is the controller of, or None."""
    name = (dep.get("metadata") or {}).get("name", "")
    labels = _labels(dep)
    if name.endswith("dynamo-operator-controller-manager") or (
        "dynamo-operator" in name and any("--config=/etc/dynamo-operator" in a for a in _args(dep))
    ):
        return DYNAMO
    if name == "grove-operator" or labels.get("app.kubernetes.io/name") == "grove-operator":
        return GROVE
    if name in ("kai-operator", "kai-scheduler-default") or labels.get("app") in ("kai-operator", "kai-scheduler"):
        return KAI
    if name == "lws-controller-manager" or labels.get("app.kubernetes.io/name") == "lws":
        return LWS
    if name in ("volcano-scheduler", "volcano-controllers") or labels.get("app") in ("volcano-scheduler", "volcano-controller"):
        return VOLCANO
    return None


def _containers(dep: dict) -> list[dict]:
    return (((dep.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []


def _args(dep: dict) -> list[str]:
    out: list[str] = []
    for c in _containers(dep):
        out += [str(a) for a in (c.get("command") or []) + (c.get("args") or [])]
    return out


def image_tag(image: str | None) -> str | None:
    """`repo/name:1.1.0` -> `1.1.0`; digests and untagged images have no version."""
    if not image:
        return None
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def to_controller(project: str, dep: dict) -> Controller:
    meta = dep.get("metadata") or {}
    spec = dep.get("spec") or {}
    status = dep.get("status") or {}
    containers = _containers(dep)
    # the manager container, not a kube-rbac-proxy sidecar
    main = next((c for c in containers if c.get("name") in ("manager", "operator")), containers[0] if containers else {})
    version = image_tag(main.get("image"))
    for a in _args(dep):  # --operator-version=<chart appVersion> is more reliable than a custom tag
        if a.startswith("--operator-version="):
            version = a.split("=", 1)[1] or version
    cond = any(c.get("type") == "Available" and c.get("status") == "True" for c in status.get("conditions") or [])
    available_replicas = int(status.get("availableReplicas") or 0)
    current = int(status.get("observedGeneration") or 0) >= int(meta.get("generation") or 0)
    return Controller(
        project=project,
        name=meta.get("name", ""),
        namespace=meta.get("namespace", ""),
        replicas=int(spec.get("replicas") if spec.get("replicas") is not None else 1),
        available_replicas=available_replicas,
        available=cond and available_replicas >= 1 and current,
        image=main.get("image"),
        version=version,
        args=_args(dep),
        selector=((spec.get("selector") or {}).get("matchLabels") or {}),
        volumes=(((spec.get("template") or {}).get("spec") or {}).get("volumes") or []),
        created=meta.get("creationTimestamp"),
    )


def find_controllers(deployments: list[dict]) -> dict[str, list[Controller]]:
    found: dict[str, list[Controller]] = {}
    for dep in deployments:
        project = classify(dep)
        if project:
            found.setdefault(project, []).append(to_controller(project, dep))
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
