"""`init`: scaffold a DGD that is right the first time: TP × PP = nodes × gpus, names inside the
Grove budget, the annotations the chosen orchestrator needs, and nothing validate would flag."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kubectl_dynamo.dgd import gates, versions
from kubectl_dynamo.dgd.model import (
    ANN_ENABLE_GROVE,
    ANN_KAI_QUEUE,
    API_VERSIONS,
    BACKENDS,
    GPU_RESOURCE,
    KIND,
    MAIN_CONTAINER,
    V1ALPHA1,
    V1BETA1,
    Service,
)
from kubectl_dynamo.dgd.names import GROVE_NAME_BUDGET, grove_budget_used

DEFAULT_MODEL = "Qwen/Qwen3-0.6B"
IMAGES = {
    "vllm": "nvcr.io/nvidia/ai-dynamo/vllm-runtime",
    "sglang": "nvcr.io/nvidia/ai-dynamo/sglang-runtime",
    "trtllm": "nvcr.io/nvidia/ai-dynamo/tensorrtllm-runtime",
}
ORCHESTRATORS = ("auto", "grove", "lws")
MODES = ("agg", "disagg")
ENGINE_KEY = "engine.yaml"
ENGINE_MOUNT = "/engine"
_NIXL = '{"kv_connector":"NixlConnector","kv_role":"kv_both"}'


class ScaffoldError(ValueError):
    """Contradictory or impossible init options; the message states the rule."""


@dataclass
class ScaffoldOptions:
    name: str | None = None
    nodes: int = 1
    gpus: int = 1
    backend: str = "vllm"
    model: str | None = None
    image: str | None = None
    tp: int | None = None
    pp: int | None = None
    mode: str = "agg"
    replicas: int = 1
    orchestrator: str = "auto"
    queue: str | None = None
    api_version: str | None = None  # None: the mirrored line's storage version (v1beta1 from 1.5)
    namespace: str | None = None
    prefill_nodes: int | None = None
    prefill_gpus: int | None = None
    decode_nodes: int | None = None
    decode_gpus: int | None = None
    operator_version: str | None = None  # the line to write for (default: the newest mirrored)

    @property
    def rules(self) -> gates.RuleSet:
        return gates.RuleSet(self.operator_version or versions.NEWEST_KNOWN)

    def resolved_api_version(self) -> str:
        """The storage version of the mirrored line: v1beta1 from 1.5 (#11904), else v1alpha1."""
        if self.api_version is not None:
            return self.api_version
        return V1BETA1 if self.rules.has(gates.V1BETA1_STORAGE) else V1ALPHA1


@dataclass(frozen=True)
class WorkerShape:
    service: str  # service name
    role: str  # worker | prefill | decode
    nodes: int
    gpus: int
    tp: int
    pp: int


def default_name(opts: ScaffoldOptions) -> str:
    return f"{opts.backend}-{opts.mode}"


def resolve_parallelism(nodes: int, gpus: int, tp: int | None, pp: int | None, who: str = "") -> tuple[int, int]:
    """TP defaults to nodes × gpus / pp; every contradiction names the rule."""
    world = nodes * gpus
    at = f" for {who}" if who else ""
    if pp is not None and pp < 1:
        raise ScaffoldError("--pp must be at least 1")
    if tp is not None and tp < 1:
        raise ScaffoldError("--tp must be at least 1")
    if tp is None:
        p = pp or 1
        if world % p:
            raise ScaffoldError(f"--pp {p} does not divide nodes × gpus = {nodes} × {gpus} = {world}{at}: TP = nodes × gpus / pp must be a whole number")
        return world // p, p
    if pp is None:
        if world % tp:
            raise ScaffoldError(f"--tp {tp} does not divide nodes × gpus = {nodes} × {gpus} = {world}{at}: TP × PP must equal nodes × gpus")
        return tp, world // tp
    if tp * pp != world:
        raise ScaffoldError(f"--tp {tp} × --pp {pp} = {tp * pp} but nodes × gpus = {nodes} × {gpus} = {world}{at}: TP × PP must equal nodes × gpus")
    return tp, pp


def _check(opts: ScaffoldOptions) -> None:
    if opts.backend not in BACKENDS:
        raise ScaffoldError(f"--backend {opts.backend!r} is not one of {', '.join(BACKENDS)}")
    if opts.mode not in MODES:
        raise ScaffoldError(f"--mode {opts.mode!r} is not one of {', '.join(MODES)}")
    if opts.orchestrator not in ORCHESTRATORS:
        raise ScaffoldError(f"--orchestrator {opts.orchestrator!r} is not one of {', '.join(ORCHESTRATORS)}")
    if opts.operator_version is not None and not versions.is_semver(opts.operator_version):
        raise ScaffoldError(f"--operator-version {opts.operator_version!r} is not a version like 1.6.1")
    api = opts.resolved_api_version()
    if api not in API_VERSIONS:
        raise ScaffoldError(f"--api-version {api!r} is not one of {', '.join(API_VERSIONS)}")
    if api == V1BETA1 and not opts.rules.has(gates.V1BETA1_SERVED):
        raise ScaffoldError(f"--api-version {V1BETA1} is served from operator {gates.V1BETA1_SERVED.since}: "
                            f"operator {opts.rules.version} needs {V1ALPHA1}")
    for flag, value in (("--nodes", opts.nodes), ("--gpus", opts.gpus), ("--prefill-nodes", opts.prefill_nodes),
                        ("--prefill-gpus", opts.prefill_gpus), ("--decode-nodes", opts.decode_nodes),
                        ("--decode-gpus", opts.decode_gpus)):
        if value is not None and value < 1:
            raise ScaffoldError(f"{flag} must be at least 1")
    if opts.replicas < 0:
        raise ScaffoldError("--replicas must be 0 or more")
    if opts.mode == "agg" and any(v is not None for v in (opts.prefill_nodes, opts.prefill_gpus, opts.decode_nodes, opts.decode_gpus)):
        raise ScaffoldError("--prefill-*/--decode-* need --mode disagg")
    if opts.queue is not None and opts.orchestrator == "lws":
        raise ScaffoldError("--queue names a KAI-Scheduler queue, which the operator uses on the Grove path only; it cannot go with --orchestrator lws")
    if opts.queue is not None and not opts.queue.strip():
        raise ScaffoldError("--queue must not be empty")


def worker_shapes(opts: ScaffoldOptions) -> list[WorkerShape]:
    if opts.mode == "agg":
        tp, pp = resolve_parallelism(opts.nodes, opts.gpus, opts.tp, opts.pp)
        return [WorkerShape("worker", "worker", opts.nodes, opts.gpus, tp, pp)]
    shapes = []
    for role, n, g in (("prefill", opts.prefill_nodes, opts.prefill_gpus), ("decode", opts.decode_nodes, opts.decode_gpus)):
        nodes, gpus = n or opts.nodes, g or opts.gpus
        tp, pp = resolve_parallelism(nodes, gpus, opts.tp, opts.pp, who=role)
        shapes.append(WorkerShape(role, role, nodes, gpus, tp, pp))
    return shapes


def _check_budget(name: str, shapes: list[WorkerShape], opts: ScaffoldOptions) -> None:
    if opts.orchestrator == "lws":
        return  # nvidia.com/enable-grove: "false" -> the webhook skips the Grove budget
    for shape in shapes + [WorkerShape("Frontend", "frontend", 1, 0, 1, 1)]:
        # the webhook's own formula (names.grove_budget_used), so init refuses exactly what validate flags
        svc = Service(name=shape.service, path=shape.service, multinode=shape.nodes > 1, raw_node_count=shape.nodes)
        used = grove_budget_used(name, svc)
        if used > GROVE_NAME_BUDGET:
            room = len(name) - (used - GROVE_NAME_BUDGET)
            raise ScaffoldError(f"name {name!r} is too long for Grove's {GROVE_NAME_BUDGET}-character budget with service "
                                f"{shape.service!r}: use at most {room} characters, or --orchestrator lws")


def _worker_args(backend: str, shape: WorkerShape, model: str, mode: str) -> list[str]:
    if backend == "vllm":
        args = ["--model", model, "--tensor-parallel-size", str(shape.tp)]
        if shape.pp > 1:
            args += ["--pipeline-parallel-size", str(shape.pp)]
        if mode == "disagg":
            args += ["--is-decode-worker"] if shape.role == "decode" else ["--disaggregation-mode", "prefill"]
            args += ["--kv-transfer-config", _NIXL]
        return args
    if backend == "sglang":
        args = ["--model-path", model, "--served-model-name", model, "--tp-size", str(shape.tp)]
        if shape.pp > 1:
            args += ["--pp-size", str(shape.pp)]
        args += ["--trust-remote-code", "--host", "0.0.0.0"]
        if mode == "disagg":
            args += ["--disaggregation-mode", shape.role, "--disaggregation-transfer-backend", "nixl",
                     "--disaggregation-bootstrap-port", "30001"]
        return args
    args = ["--model-path", model, "--served-model-name", model, "--extra-engine-args", f"{ENGINE_MOUNT}/{ENGINE_KEY}"]
    if mode == "disagg":
        args += ["--disaggregation-mode", shape.role]
    return args


def _engine_configmap_name(name: str, shape: WorkerShape) -> str:
    return f"{name}-{shape.service}-engine"


def _engine_configmap(name: str, shape: WorkerShape, namespace: str | None, mode: str) -> dict:
    lines = [
        f"tensor_parallel_size: {shape.tp}",
        f"pipeline_parallel_size: {shape.pp}",
        "backend: pytorch",
        "trust_remote_code: true",
    ]
    if mode == "disagg":
        lines.append("cache_transceiver_config:\n  backend: DEFAULT")
    meta: dict = {"name": _engine_configmap_name(name, shape)}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {ENGINE_KEY: "\n".join(lines) + "\n"}}


def scaffold(opts: ScaffoldOptions) -> list[dict]:
    """The documents init prints: engine ConfigMaps (TRT-LLM) first, then the DGD."""
    _check(opts)
    name = opts.name or default_name(opts)
    shapes = worker_shapes(opts)
    _check_budget(name, shapes, opts)
    model = opts.model or DEFAULT_MODEL
    # the runtime image of the mirrored release: its tag is the runtime version newer operators read
    image = opts.image or f"{IMAGES[opts.backend]}:{opts.rules.version.lstrip('vV')}"
    api_version = opts.resolved_api_version()

    annotations: dict[str, str] = {}
    if opts.orchestrator == "lws":
        annotations[ANN_ENABLE_GROVE] = "false"
    elif opts.orchestrator == "grove":
        annotations[ANN_ENABLE_GROVE] = "true"
    if opts.queue:
        annotations[ANN_KAI_QUEUE] = opts.queue.strip()

    # 1.4+ admission reads the runtime version from the image tag; a custom image without one gets
    # the mirrored release as runtimeVersionOverride, so that the output is accepted
    override = None
    if opts.rules.has(gates.RUNTIME_VERSION_ADMISSION) and versions.image_runtime_version(image) is None:
        override = opts.rules.version.lstrip("vV")
    frontend = _Component("Frontend", "frontend", 1, None, 0, image, ["python3", "-m", "dynamo.frontend"], ["--http-port", "8000"],
                          runtime_version=override)
    components = [frontend]
    docs: list[dict] = []
    for shape in shapes:
        comp = _Component(shape.service, shape.role, opts.replicas, shape.nodes if shape.nodes > 1 else None, shape.gpus, image,
                          ["python3", "-m", f"dynamo.{opts.backend}"], _worker_args(opts.backend, shape, model, opts.mode),
                          runtime_version=override)
        if opts.backend == "trtllm":
            docs.append(_engine_configmap(name, shape, opts.namespace, opts.mode))
            comp.configmap = _engine_configmap_name(name, shape)
        components.append(comp)

    meta: dict = {"name": name}
    if opts.namespace:
        meta["namespace"] = opts.namespace
    if annotations:
        meta["annotations"] = annotations
    spec: dict[str, Any]
    if api_version == V1BETA1:
        spec = {"backendFramework": opts.backend, "components": [c.v1beta1() for c in components]}
    else:
        spec = {"backendFramework": opts.backend, "services": {c.name: c.v1alpha1() for c in components}}
    if opts.backend == "trtllm":
        # mpirun runs as root in the runtime images; Open MPI refuses that without these
        env = [{"name": "OMPI_ALLOW_RUN_AS_ROOT", "value": "1"}, {"name": "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "value": "1"}]
        spec["env" if api_version == V1BETA1 else "envs"] = env
    docs.append({"apiVersion": api_version, "kind": KIND, "metadata": meta, "spec": spec})
    return json.loads(json.dumps(docs))  # plain, unshared data


@dataclass
class _Component:
    name: str
    role: str
    replicas: int
    node_count: int | None
    gpus: int
    image: str
    command: list[str]
    args: list[str]
    configmap: str | None = None
    runtime_version: str | None = None  # runtimeVersionOverride (an image whose tag is no version)

    def _container(self) -> dict:
        c: dict = {"image": self.image, "command": self.command, "args": self.args}
        if self.configmap:
            c["volumeMounts"] = [{"name": "engine-config", "mountPath": ENGINE_MOUNT, "readOnly": True}]
        return c

    def _volumes(self) -> list[dict]:
        return [{"name": "engine-config", "configMap": {"name": self.configmap}}] if self.configmap else []

    def v1alpha1(self) -> dict:
        svc: dict = {"componentType": "worker" if self.role in ("prefill", "decode") else self.role}
        if self.role in ("prefill", "decode"):
            svc["subComponentType"] = self.role
        svc["replicas"] = self.replicas
        if self.runtime_version:
            svc["runtimeVersionOverride"] = self.runtime_version
        if self.node_count:
            svc["multinode"] = {"nodeCount": self.node_count}
        if self.gpus:
            svc["resources"] = {"limits": {"gpu": str(self.gpus)}}
        pod: dict = {"mainContainer": self._container()}
        if self._volumes():
            pod["volumes"] = self._volumes()
        svc["extraPodSpec"] = pod
        return svc

    def v1beta1(self) -> dict:
        comp: dict = {"name": self.name, "type": self.role, "replicas": self.replicas}
        if self.runtime_version:
            comp["runtimeVersionOverride"] = self.runtime_version
        if self.node_count:
            comp["multinode"] = {"nodeCount": self.node_count}
        container = {"name": MAIN_CONTAINER, **self._container()}
        if self.gpus:
            container["resources"] = {"limits": {GPU_RESOURCE: str(self.gpus)}}
        pod: dict = {"containers": [container]}
        if self._volumes():
            pod["volumes"] = self._volumes()
        comp["podTemplate"] = {"spec": pod}
        return comp
