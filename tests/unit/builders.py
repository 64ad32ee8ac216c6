"""Plain-dict builders for DynamoGraphDeployment documents, and small helpers shared by the unit
tests. Every builder returns fresh data, so a test may mutate what it gets."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from kubectl_dynamo.dgd import capabilities, model, plan, rules
from kubectl_dynamo.dgd.capabilities import Capabilities, Detected, OrchestratorConfig

V1ALPHA1 = "nvidia.com/v1alpha1"
V1BETA1 = "nvidia.com/v1beta1"

# The folder beside the repository that holds the shared reference material (may be absent).
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
EXAMPLES = SHARED / "examples" / "dynamo"
DGD_CRD = SHARED / "crds" / "dynamo" / "nvidia.com_dynamographdeployments.yaml"

GROVE_LEADER = "$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-{svc}-ldr-0.$(GROVE_HEADLESS_SERVICE)"
GROVE_WORKER = "$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-{svc}-wkr-{i}.$(GROVE_HEADLESS_SERVICE)"
GROVE_RANK = "$((GROVE_PCLQ_POD_INDEX + 1))"
LWS_LEADER = "$(LWS_LEADER_ADDRESS)"
LWS_RANK = "$(LWS_WORKER_INDEX)"
LWS_WORKER = "$(echo \"$LWS_LEADER_ADDRESS\" | sed 's/\\./-{n}\\./')"

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# --- services ----------------------------------------------------------------------------------

def service(
    component_type: str | None = "worker",
    *,
    replicas: Any = 1,
    nodes: Any = None,
    gpu: Any = "8",
    gpu_request: Any = None,
    command: list[str] | None = None,
    args: list[str] | None = None,
    annotations: dict[str, str] | None = None,
    scheduler_name: str | None = None,
    env: list[dict] | None = None,
    volumes: list[dict] | None = None,
    volume_mounts: list[dict] | None = None,
    sub_component_type: str | None = None,
    image: str = "example.invalid/runtime:1.1.0",
    **extra: Any,
) -> dict:
    """One v1alpha1 `spec.services` entry. `nodes=None` means no multinode section; `gpu=None`
    leaves resources.limits.gpu unset."""
    svc: dict[str, Any] = {}
    if component_type is not None:
        svc["componentType"] = component_type
    if sub_component_type is not None:
        svc["subComponentType"] = sub_component_type
    if replicas is not None:
        svc["replicas"] = replicas
    if nodes is not None:
        svc["multinode"] = {"nodeCount": nodes}
    resources: dict[str, dict] = {}
    if gpu is not None:
        resources.setdefault("limits", {})["gpu"] = gpu
    if gpu_request is not None:
        resources.setdefault("requests", {})["gpu"] = gpu_request
    if resources:
        svc["resources"] = resources
    if annotations:
        svc["annotations"] = dict(annotations)
    main: dict[str, Any] = {"image": image}
    if command is not None:
        main["command"] = list(command)
    if args is not None:
        main["args"] = list(args)
    if env:
        main["env"] = copy.deepcopy(env)
    if volume_mounts:
        main["volumeMounts"] = copy.deepcopy(volume_mounts)
    pod: dict[str, Any] = {"mainContainer": main}
    if volumes:
        pod["volumes"] = copy.deepcopy(volumes)
    if scheduler_name is not None:
        pod["schedulerName"] = scheduler_name
    svc["extraPodSpec"] = pod
    svc.update(copy.deepcopy(extra))
    return svc


def frontend(**kw: Any) -> dict:
    kw.setdefault("gpu", None)
    kw.setdefault("command", ["python3", "-m", "dynamo.frontend"])
    kw.setdefault("args", ["--http-port", "8000"])
    return service("frontend", **kw)


def vllm_args(tp: Any = None, pp: Any = None, dp: Any = None, extra: list[str] | None = None) -> list[str]:
    args = ["--model", "Qwen/Qwen3-0.6B"]
    if tp is not None:
        args += ["--tensor-parallel-size", str(tp)]
    if pp is not None:
        args += ["--pipeline-parallel-size", str(pp)]
    if dp is not None:
        args += ["--data-parallel-size", str(dp)]
    return args + list(extra or [])


def vllm_worker(tp: Any = None, pp: Any = None, dp: Any = None, *, extra_args: list[str] | None = None,
                **kw: Any) -> dict:
    kw.setdefault("command", ["python3", "-m", "dynamo.vllm"])
    kw.setdefault("args", vllm_args(tp, pp, dp, extra_args))
    return service(kw.pop("component_type", "worker"), **kw)


def sglang_worker(*, args: list[str] | None = None, **kw: Any) -> dict:
    kw.setdefault("command", ["python3", "-m", "dynamo.sglang"])
    kw["args"] = ["--model-path", "Qwen/Qwen3-0.6B"] + list(args or [])
    return service(kw.pop("component_type", "worker"), **kw)


def trtllm_worker(*, args: list[str] | None = None, **kw: Any) -> dict:
    kw.setdefault("command", ["python3", "-m", "dynamo.trtllm"])
    kw["args"] = ["--model-path", "Qwen/Qwen3-0.6B"] + list(args or [])
    return service(kw.pop("component_type", "worker"), **kw)


def engine_volume(configmap: str, mount_path: str = "/config", *, name: str = "engine", items: list[dict] | None = None,
                  sub_path: str | None = None) -> dict[str, list[dict]]:
    """volumes + volumeMounts keyword arguments that mount ConfigMap `configmap` at `mount_path`."""
    cm: dict[str, Any] = {"name": configmap}
    if items is not None:
        cm["items"] = items
    mount: dict[str, Any] = {"name": name, "mountPath": mount_path}
    if sub_path is not None:
        mount["subPath"] = sub_path
    return {"volumes": [{"name": name, "configMap": cm}], "volume_mounts": [mount]}


def configmap(name: str, data: dict[str, str]) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": dict(data)}


def engine_yaml(tp: int | None = None, pp: int | None = None) -> str:
    lines = ["backend: pytorch"]
    if tp is not None:
        lines.append(f"tensor_parallel_size: {tp}")
    if pp is not None:
        lines.append(f"pipeline_parallel_size: {pp}")
    lines.append("kv_cache_config:\n  free_gpu_memory_fraction: 0.8")
    return "\n".join(lines) + "\n"


# --- graphs ------------------------------------------------------------------------------------

def dgd(
    services: dict[str, dict] | None = None,
    *,
    name: str | None = "demo",
    annotations: dict[str, str] | None = None,
    backend: str | None = None,
    namespace: str | None = None,
    **spec_extra: Any,
) -> dict:
    """A v1alpha1 DGD. `services=None` gives Frontend plus one 2 × 4 GPU vLLM worker at TP 8."""
    if services is None:
        services = {"Frontend": frontend(), "worker": vllm_worker(tp=8, nodes=2, gpu="4")}
    meta: dict[str, Any] = {}
    if name is not None:
        meta["name"] = name
    if namespace is not None:
        meta["namespace"] = namespace
    if annotations is not None:
        meta["annotations"] = dict(annotations)
    spec: dict[str, Any] = {"services": copy.deepcopy(services)}
    if backend is not None:
        spec["backendFramework"] = backend
    spec.update(copy.deepcopy(spec_extra))
    return {"apiVersion": V1ALPHA1, "kind": "DynamoGraphDeployment", "metadata": meta, "spec": spec}


def dgd_v1beta1(components: list[dict], *, name: str = "demo", annotations: dict[str, str] | None = None,
                backend: str | None = None) -> dict:
    meta: dict[str, Any] = {"name": name}
    if annotations is not None:
        meta["annotations"] = dict(annotations)
    spec: dict[str, Any] = {"components": copy.deepcopy(components)}
    if backend is not None:
        spec["backendFramework"] = backend
    return {"apiVersion": V1BETA1, "kind": "DynamoGraphDeployment", "metadata": meta, "spec": spec}


def component_v1beta1(name: str, ctype: str = "worker", *, nodes: int | None = None, gpu: Any = "8",
                      command: list[str] | None = None, args: list[str] | None = None, replicas: int = 1) -> dict:
    container: dict[str, Any] = {"name": "main", "image": "example.invalid/runtime:1.1.0"}
    if command is not None:
        container["command"] = command
    if args is not None:
        container["args"] = args
    if gpu is not None:
        container["resources"] = {"limits": {"nvidia.com/gpu": gpu}}
    comp: dict[str, Any] = {"name": name, "type": ctype, "replicas": replicas,
                            "podTemplate": {"spec": {"containers": [container]}}}
    if nodes is not None:
        comp["multinode"] = {"nodeCount": nodes}
    return comp


def graph(doc: dict) -> model.Graph:
    return model.read_graph(doc, "test")


def one(doc: dict) -> model.Service:
    """The only worker-ish service of a graph (the first non-frontend one)."""
    g = graph(doc)
    return next(s for s in g.services if s.component_type != "frontend")


# --- capabilities, validate, explain ----------------------------------------------------------

def caps(
    grove: bool = False,
    lws: bool = False,
    volcano: bool = False,
    kai: bool = False,
    *,
    disaggregated_set: bool = False,
    version: str | None = "1.1.0",
    config: OrchestratorConfig | None = None,
    queues: set[str] | None = None,
    restart_needed: list[str] | None = None,
    free_gpus: list[int] | None = None,
) -> Capabilities:
    c = capabilities.resolve(Detected(grove=grove, lws=lws, volcano=volcano, kai=kai, disaggregated_set=disaggregated_set),
                             config, version)
    c.queues = queues
    c.restart_needed = list(restart_needed or [])
    c.free_gpus_per_node = free_gpus
    return c


def findings(doc: dict, *, configmaps: dict | None = None, version: str | None = "1.1.0") -> list:
    """validate's findings under the 1.1 rules (the line these unit tests were written for, like
    caps()); tests of newer lines pass `version`, and None means the plugin's default line."""
    return rules.validate(graph(doc), configmaps or {}, version)


def explain(doc: dict, c: Capabilities | None = None, *, configmaps: dict | None = None, creating: bool = True,
            claims: dict | None = None):
    return plan.explain(graph(doc), c if c is not None else caps(grove=True), configmaps or {}, creating, claims)


def service_plan(doc: dict, c: Capabilities | None = None, name: str | None = None, **kw: Any):
    """The plan of service `name` (default: the first that is not a frontend)."""
    e = explain(doc, c, **kw)
    if name is None:
        return next(s for s in e.services if s.component_type != "frontend")
    return next(s for s in e.services if s.name == name)


def codes(items: list) -> list[str]:
    return [f.code for f in items]


def load_yaml_documents(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [d for d in yaml.load_all(fh, Loader=_YAML_LOADER) if d]


def load_yaml(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_YAML_LOADER)
