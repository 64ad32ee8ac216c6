"""The normalised DGD model: v1alpha1 (`spec.services` map) and v1beta1 (`spec.components` list)
read into one shape, so every rule is written once.

Input is plain data (dicts as parsed from YAML or returned by the API server); nothing here reads
files or talks to a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GROUP = "nvidia.com"
KIND = "DynamoGraphDeployment"
V1ALPHA1 = "nvidia.com/v1alpha1"
V1BETA1 = "nvidia.com/v1beta1"
API_VERSIONS = (V1ALPHA1, V1BETA1)

# componentType values the operator knows (consts.ComponentType*). Only worker-type services get
# backend launch logic (determineBackendFramework in graph.go). The v1beta1 `type` enum has no
# "default" (operator-newest.md §6).
COMPONENT_TYPES = ("frontend", "worker", "prefill", "decode", "planner", "epp", "default")
V1BETA1_COMPONENT_TYPES = ("frontend", "worker", "prefill", "decode", "planner", "epp")
WORKER_TYPES = ("worker", "prefill", "decode")
BACKENDS = ("vllm", "sglang", "trtllm")
GPU_RESOURCE = "nvidia.com/gpu"
MAIN_CONTAINER = "main"

# DGD metadata annotations the operator reads (internal/consts/consts.go)
ANN_ENABLE_GROVE = "nvidia.com/enable-grove"
ANN_KAI_QUEUE = "nvidia.com/kai-scheduler-queue"
ANN_VLLM_BACKEND = "nvidia.com/vllm-distributed-executor-backend"
ANN_ORIGIN_VERSION = "nvidia.com/dynamo-operator-origin-version"
ANN_WORKLOAD_PROVIDER = "nvidia.com/workload-provider"
ANN_DISCOVERY_MODE = "nvidia.com/dynamo-kube-discovery-mode"
ANN_DISCOVERY_BACKEND = "nvidia.com/dynamo-discovery-backend"
ANN_WORKER_HASH = "nvidia.com/current-worker-hash"
ANN_ENABLE_DISAGGREGATED_SET = "nvidia.com/enable-disaggregatedset"
ANN_VOLCANO_QUEUE = "nvidia.com/volcano-queue"
ANN_GROVE_UPDATE_STRATEGY = "nvidia.com/grove-update-strategy"
LABEL_DGD_NAME = "nvidia.com/dynamo-graph-deployment-name"
LABEL_COMPONENT = "nvidia.com/dynamo-component"


@dataclass
class Service:
    """One service (v1alpha1) or component (v1beta1), with the fields the operator decides on."""

    name: str
    path: str  # where it sits in the manifest, for messages: spec.services.decode
    component_type: str | None = None
    sub_component_type: str | None = None
    replicas: int | None = None  # None: unset (the webhook defaults it to 1)
    raw_replicas: Any = None
    multinode: bool = False  # a multinode section is present
    raw_node_count: Any = None
    gpu_limit: Any = None  # resources.limits.gpu as written (a string in the CRD)
    gpu_request: Any = None
    image: str | None = None
    command: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    env_names: list[str] = field(default_factory=list)
    volumes: list[dict] = field(default_factory=list)
    volume_mounts: list[dict] = field(default_factory=list)  # the main container's core/v1 mounts
    annotations: dict[str, str] = field(default_factory=dict)  # service-level
    scheduler_name: str | None = None
    deprecated: list[tuple[str, str]] = field(default_factory=list)  # (field path, why)
    raw: dict = field(default_factory=dict)
    # DRA: the main container's resources.claims names, and the pod's resourceClaims
    # name -> ("ResourceClaim" | "ResourceClaimTemplate", object name)
    gpu_claims: list[str] = field(default_factory=list)
    pod_claims: dict[str, tuple[str, str]] = field(default_factory=dict)
    raw_min_available: Any = None  # v1beta1 minAvailable as written (None: unset)
    scaling_adapter: bool = False  # v1beta1 scalingAdapter: {} / v1alpha1 scalingAdapter.enabled
    runtime_version_override: str | None = None
    init_containers: list[str] = field(default_factory=list)  # names, in order
    topology_constraint: bool = False  # a component-level topologyConstraint is set

    @property
    def node_count(self) -> int:
        """GetNumberOfNodes(): multinode.nodeCount when the section is present, else 1."""
        if not self.multinode:
            return 1
        n = as_int(self.raw_node_count)
        return n if n is not None else 2  # +kubebuilder:default=2

    @property
    def is_multinode(self) -> bool:
        return self.node_count > 1

    @property
    def effective_replicas(self) -> int:
        return self.replicas if self.replicas is not None else 1

    @property
    def is_worker(self) -> bool:
        return (self.component_type or "") in WORKER_TYPES

    @property
    def gpus_per_node(self) -> int:
        """GPUs each pod gets: limits.gpu, else requests.gpu; 0 when unset or unreadable."""
        for value in (self.gpu_limit, self.gpu_request):
            n = as_int(value)
            if n is not None and n > 0:
                return n
        return 0

    @property
    def gpus_per_replica(self) -> int:
        return self.node_count * self.gpus_per_node

    @property
    def total_gpus(self) -> int:
        return self.effective_replicas * self.gpus_per_replica


@dataclass
class Graph:
    """A DynamoGraphDeployment, either API version."""

    api_version: str
    name: str
    namespace: str | None
    annotations: dict[str, str]
    labels: dict[str, str]
    backend_framework: str | None
    services: list[Service]
    raw: dict
    source: str = "-"  # file name (or "-", or "cluster") for messages
    topology_constraint: dict | None = None  # spec.topologyConstraint
    priority_class_name: str | None = None

    def service(self, name: str) -> Service | None:
        for s in self.services:
            if s.name == name:
                return s
        return None

    @property
    def has_multinode(self) -> bool:
        return any(s.is_multinode for s in self.services)

    def service_annotations(self, svc: Service) -> dict[str, str]:
        """DGD annotations propagated into the service; service-level values win
        (propagateDGDAnnotations)."""
        merged = dict(self.annotations)
        merged.update(svc.annotations)
        return merged


class NotADGD(ValueError):
    """The document is not a DynamoGraphDeployment of a version the plugin reads."""


def is_dgd(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("kind") == KIND and str(doc.get("apiVersion", "")).startswith(GROUP + "/")


def is_configmap(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("kind") == "ConfigMap" and doc.get("apiVersion") == "v1"


def read_graph(doc: dict, source: str = "-") -> Graph:
    """Read one DGD document (v1alpha1 or v1beta1) into a Graph."""
    if not is_dgd(doc):
        raise NotADGD(f"not a {KIND}")
    api_version = str(doc.get("apiVersion"))
    meta = mapping(doc, "metadata")
    spec = mapping(doc, "spec")
    graph = Graph(
        api_version=api_version,
        name=str(meta.get("name") or ""),
        namespace=meta.get("namespace"),
        annotations=_str_map(meta.get("annotations")),
        labels=_str_map(meta.get("labels")),
        backend_framework=spec.get("backendFramework"),
        services=[],
        raw=doc,
        source=source,
        topology_constraint=spec.get("topologyConstraint") if isinstance(spec.get("topologyConstraint"), dict) else None,
        priority_class_name=str(spec["priorityClassName"]) if spec.get("priorityClassName") else None,
    )
    if api_version == V1BETA1:
        components = spec.get("components")
        for i, comp in enumerate(components if isinstance(components, list) else []):
            if isinstance(comp, dict):
                graph.services.append(_read_v1beta1_component(comp, i))
    else:
        services = spec.get("services")
        for name, svc in (services if isinstance(services, dict) else {}).items():
            graph.services.append(_read_v1alpha1_service(str(name), svc if isinstance(svc, dict) else {}))
    # spec.envs (v1beta1 spec.env) is merged into every service's main container
    graph_env = spec.get("env" if api_version == V1BETA1 else "envs")
    names = [str(e["name"]) for e in graph_env if isinstance(e, dict) and e.get("name")] if isinstance(graph_env, list) else []
    for svc in graph.services:
        svc.env_names += [n for n in names if n not in svc.env_names]
    return graph


def _read_v1alpha1_service(name: str, svc: dict) -> Service:
    resources = mapping(svc, "resources")
    limits = mapping(resources, "limits")
    requests = mapping(resources, "requests")
    pod = mapping(svc, "extraPodSpec")
    main = mapping(pod, "mainContainer")
    multinode = svc.get("multinode")
    s = Service(
        name=name,
        path=f"spec.services.{name}",
        component_type=svc.get("componentType"),
        sub_component_type=svc.get("subComponentType"),
        replicas=as_int(svc.get("replicas")),
        raw_replicas=svc.get("replicas"),
        multinode=isinstance(multinode, dict),
        raw_node_count=(multinode or {}).get("nodeCount") if isinstance(multinode, dict) else None,
        gpu_limit=limits.get("gpu"),
        gpu_request=requests.get("gpu"),
        image=main.get("image"),
        command=_str_list(main.get("command")),
        args=_str_list(main.get("args")),
        env_names=[str(e["name"]) for e in (main.get("env") or []) + (svc.get("envs") or []) if isinstance(e, dict) and e.get("name")],
        volumes=[v for v in (pod.get("volumes") or []) if isinstance(v, dict)],
        volume_mounts=[m for m in (main.get("volumeMounts") or []) if isinstance(m, dict)],
        annotations=_str_map(svc.get("annotations")),
        scheduler_name=pod.get("schedulerName"),
        raw=svc,
        gpu_claims=_claim_names(resources.get("claims")),
        pod_claims=_pod_claims(pod.get("resourceClaims")),
        raw_min_available=svc.get("minAvailable"),
        scaling_adapter=isinstance(svc.get("scalingAdapter"), dict) and svc["scalingAdapter"].get("enabled") is True,
        runtime_version_override=_opt_str(svc.get("runtimeVersionOverride")),
        init_containers=_names(pod.get("initContainers")),
        topology_constraint=isinstance(svc.get("topologyConstraint"), dict),
    )
    if "dynamoNamespace" in svc:
        s.deprecated.append((f"{s.path}.dynamoNamespace", "deprecated and ignored: the operator uses <namespace>-<dgd>"))
    if "autoscaling" in svc:
        s.deprecated.append((f"{s.path}.autoscaling", "deprecated and ignored: use scalingAdapter and a Planner/HPA"))
    return s


def _read_v1beta1_component(comp: dict, index: int) -> Service:
    name = str(comp.get("name") or "")
    template = mapping(comp, "podTemplate")
    pod = mapping(template, "spec")
    tmeta = mapping(template, "metadata")
    containers = [c for c in (pod.get("containers") or []) if isinstance(c, dict)]
    main = next((c for c in containers if c.get("name") == MAIN_CONTAINER), containers[0] if containers else {})
    resources = mapping(main, "resources")
    limits = mapping(resources, "limits")
    requests = mapping(resources, "requests")
    gpu_key = _gpu_key(limits) or _gpu_key(requests) or GPU_RESOURCE
    ctype = comp.get("type")
    multinode = comp.get("multinode")
    return Service(
        name=name,
        path=f"spec.components[{index}]" + (f" ({name})" if name else ""),
        # v1beta1 type prefill/decode was v1alpha1 worker + subComponentType
        component_type=ctype,
        sub_component_type=ctype if ctype in ("prefill", "decode") else None,
        replicas=as_int(comp.get("replicas")),
        raw_replicas=comp.get("replicas"),
        multinode=isinstance(multinode, dict),
        raw_node_count=multinode.get("nodeCount") if isinstance(multinode, dict) else None,
        gpu_limit=limits.get(gpu_key),
        gpu_request=requests.get(gpu_key),
        image=main.get("image"),
        command=_str_list(main.get("command")),
        args=_str_list(main.get("args")),
        env_names=[str(e["name"]) for e in (main.get("env") or []) if isinstance(e, dict) and e.get("name")],
        volumes=[v for v in (pod.get("volumes") or []) if isinstance(v, dict)],
        volume_mounts=[m for m in (main.get("volumeMounts") or []) if isinstance(m, dict)],
        annotations=_str_map(tmeta.get("annotations")),
        scheduler_name=pod.get("schedulerName"),
        raw=comp,
        gpu_claims=_claim_names(resources.get("claims")),
        pod_claims=_pod_claims(pod.get("resourceClaims")),
        raw_min_available=comp.get("minAvailable"),
        scaling_adapter=isinstance(comp.get("scalingAdapter"), dict),
        runtime_version_override=_opt_str(comp.get("runtimeVersionOverride")),
        init_containers=_names(pod.get("initContainers")),
        topology_constraint=isinstance(comp.get("topologyConstraint"), dict),
    )


def mapping(obj: dict, key: str) -> dict:
    """obj[key] when it is a mapping, else an empty one: how every reader steps into a manifest
    that may hold anything (a list, a string, null) where a mapping belongs."""
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def _gpu_key(resources: dict) -> str | None:
    if GPU_RESOURCE in resources:
        return GPU_RESOURCE
    for key in resources:
        if key.endswith("/gpu") or key.startswith("gpu."):
            return str(key)
    return None


def _claim_names(value: Any) -> list[str]:
    """resources.claims: [{name: gpu}] -> ["gpu"]."""
    if not isinstance(value, list):
        return []
    return [str(c["name"]) for c in value if isinstance(c, dict) and c.get("name")]


def _pod_claims(value: Any) -> dict[str, tuple[str, str]]:
    """spec.resourceClaims: [{name, resourceClaimName | resourceClaimTemplateName}]."""
    out: dict[str, tuple[str, str]] = {}
    for c in value if isinstance(value, list) else []:
        if not isinstance(c, dict) or not c.get("name"):
            continue
        if c.get("resourceClaimTemplateName"):
            out[str(c["name"])] = ("ResourceClaimTemplate", str(c["resourceClaimTemplateName"]))
        elif c.get("resourceClaimName"):
            out[str(c["name"])] = ("ResourceClaim", str(c["resourceClaimName"]))
    return out


def _names(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(c.get("name") or "") for c in value if isinstance(c, dict)]


def _opt_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def as_int(value: Any) -> int | None:
    """A whole number as a manifest or a status writes it: an int, or a string of ASCII digits with
    an optional minus (no blanks); anything else (a bool, a float, "+2", "٤") None. The one reader
    of counts for dgd/ and state/."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):  # ASCII digits only (issue 10): "٤" is no 4, "²" no ValueError
        from kubectl_dynamo.dgd.fields import ascii_int

        n = ascii_int(value[1:] if value.startswith("-") else value)
        return None if n is None else (-n if value.startswith("-") else n)
    return None


def _str_list(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(v) for v in value if v is not None]


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def configmaps_by_name(docs: list[dict]) -> dict[str, dict[str, str]]:
    """ConfigMaps from the same input, name -> data; TRT-LLM engine settings live in them."""
    out: dict[str, dict[str, str]] = {}
    for doc in docs:
        if is_configmap(doc):
            name = (doc.get("metadata") or {}).get("name")
            if name:
                out[str(name)] = _str_map(doc.get("data"))
    return out


DRA_GROUP = "resource.k8s.io"


def gpu_claims_by_name(docs: list[dict]) -> dict[tuple[str, str], int | None]:
    """ResourceClaims and ResourceClaimTemplates from the same input: (kind, name) -> the GPUs
    they request (None when the count cannot be read, e.g. allocationMode All). A request counts
    as GPUs when its device class names a GPU (gpu.nvidia.com), as the operator's DRA resolver
    counts the devices of GPU classes (reference/compatibility.md §3.6)."""
    out: dict[tuple[str, str], int | None] = {}
    for doc in docs:
        if not isinstance(doc, dict) or not str(doc.get("apiVersion", "")).startswith(DRA_GROUP + "/"):
            continue
        kind = doc.get("kind")
        name = mapping(doc, "metadata").get("name")
        if kind not in ("ResourceClaim", "ResourceClaimTemplate") or not name:
            continue
        spec = mapping(doc, "spec")
        if kind == "ResourceClaimTemplate":
            spec = mapping(spec, "spec")
        devices = mapping(spec, "devices")
        total: int | None = 0
        for req in devices.get("requests") or []:
            if not isinstance(req, dict):
                continue
            exact = mapping(req, "exactly") if isinstance(req.get("exactly"), dict) else req  # v1 | v1beta1
            if "gpu" not in str(exact.get("deviceClassName") or "").lower():
                continue
            mode = exact.get("allocationMode") or "ExactCount"
            count = as_int(exact.get("count")) if exact.get("count") is not None else 1
            if mode != "ExactCount" or count is None or total is None:
                total = None
            else:
                total += count
        out[(str(kind), str(name))] = total
    return out
