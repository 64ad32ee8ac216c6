"""The DGDs the real-operator comparison applies to every orchestrator combination.

Three sources:

* every manifest in ``../shared/examples/dynamo/`` (upstream's examples and recipes, unmodified;
  documents of kinds the test cluster does not serve, such as a DRA ComputeDomain, are left out);
* the ``init`` scaffolds: every backend and mode, single-node (1 × 4 GPUs) and multinode (2 × 4);
* edge cases of our own, each aimed at one operator rule (annotation handling, GPU reading, launch
  injection, names, admission).

Each case gets a namespace of its own, so namespace-wide objects (the MPI SSH Secret, the
wait-leader ConfigMap) are attributed to exactly one DGD.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field

import yaml

from .. import kube

EXAMPLES = kube.REPO_ROOT.parent / "shared" / "examples" / "dynamo"
# kinds the corpus may carry besides the DGD (served by every test cluster)
APPLIED_KINDS = ("ConfigMap", "PersistentVolumeClaim", "DynamoGraphDeployment")
IMAGE = "nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.1.0"
QUEUES = ("dynamo-default", "dynamo", "team-a")  # KAI queues of the Grove + KAI cluster


@dataclass
class Case:
    id: str
    source: str  # example | init | edge
    docs: list[dict]  # applied in order; exactly one DynamoGraphDeployment
    about: str = ""  # the operator rule the case aims at
    skipped_docs: list[str] = field(default_factory=list)
    namespace: str | None = None  # default: op<index> (short: the operator's dynamo-namespace label is <ns>-<dgd>)

    @property
    def dgd(self) -> dict:
        return next(d for d in self.docs if d["kind"] == "DynamoGraphDeployment")

    @property
    def name(self) -> str:
        return self.dgd["metadata"]["name"]

    def yaml(self) -> str:
        return yaml.safe_dump_all(self.docs, sort_keys=False)


def examples() -> list[Case]:
    if not EXAMPLES.is_dir():
        return []
    out = []
    for f in sorted(EXAMPLES.glob("*.yaml")):
        docs = [d for d in yaml.safe_load_all(f.read_text()) if d]
        keep = [d for d in docs if d.get("kind") in APPLIED_KINDS]
        for d in keep:
            d.get("metadata", {}).pop("namespace", None)
        skipped = [f"{d.get('kind')}/{d.get('metadata', {}).get('name')}" for d in docs if d not in keep]
        keep = _prerequisite_pvcs(keep) + keep
        out.append(Case(f"example-{f.stem}", "example", keep, f"upstream {f.name}", skipped))
    return out


def _prerequisite_pvcs(docs: list[dict]) -> list[dict]:
    """The PVCs a DGD's spec.pvcs expects to exist already (create unset or false): a user creates
    them before applying the recipe, and without them the operator stops at "failed to reconcile
    top-level PVCs"."""
    have = {d["metadata"]["name"] for d in docs if d["kind"] == "PersistentVolumeClaim"}
    out = []
    for d in docs:
        for pvc in (d.get("spec") or {}).get("pvcs") or [] if d["kind"] == "DynamoGraphDeployment" else []:
            if not pvc.get("create") and pvc.get("name") not in have:
                out.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": pvc["name"]},
                            "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "100Gi"}}}})
    return out


def scaffolds() -> list[Case]:
    from kubectl_dynamo.dgd import scaffold

    # init writes for the line it mirrors (API version, image tag): the scaffolds are made for the
    # operator under test, as a user of that operator would run init
    version = kube.load_operator().operator_version()
    out = []
    for backend in ("vllm", "sglang", "trtllm"):
        for mode in scaffold.MODES:
            for nodes in (1, 2):
                opts = scaffold.ScaffoldOptions(nodes=nodes, gpus=4, backend=backend, mode=mode, operator_version=version)
                docs = scaffold.scaffold(opts)
                out.append(Case(f"init-{backend}-{mode}-{nodes}x4", "init", docs,
                                f"kubectl dynamo init --backend {backend} --mode {mode} --nodes {nodes} --gpus 4 "
                                f"--operator-version {version}"))
    return out


# --- edge cases ----------------------------------------------------------------------------------


def _frontend() -> dict:
    return {"componentType": "frontend", "replicas": 1,
            "extraPodSpec": {"mainContainer": {"image": IMAGE, "command": ["python3", "-m", "dynamo.frontend"],
                                               "args": ["--http-port", "8000"]}}}


def _worker(backend: str, args: list[str], *, nodes: int = 2, gpus: str | None = "4", requests_only: bool = False,
            command: list[str] | None = None, replicas: int = 1, extra: dict | None = None) -> dict:
    svc: dict = {"componentType": "worker", "replicas": replicas}
    if nodes > 1:
        svc["multinode"] = {"nodeCount": nodes}
    if gpus is not None:
        svc["resources"] = {"requests": {"gpu": gpus}} if requests_only else {"limits": {"gpu": gpus}}
    main: dict = {"image": IMAGE, "command": ["python3", "-m", f"dynamo.{backend}"] if command is None else command,
                  "args": args}
    svc["extraPodSpec"] = {"mainContainer": main}
    for k, v in (extra or {}).items():
        if k == "mainContainer":
            main.update(v)
        elif k == "extraPodSpec":
            svc["extraPodSpec"].update(v)
        else:
            svc[k] = v
    return svc


def _dgd(name: str, services: dict, annotations: dict | None = None, backend: str | None = None,
         envs: list | None = None) -> dict:
    spec: dict = {"services": {"Frontend": _frontend(), **services}}
    if backend:
        spec["backendFramework"] = backend
    if envs:
        spec["envs"] = envs
    meta: dict = {"name": name}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment", "metadata": meta, "spec": spec}


def _vllm(tp: int = 8, more: tuple[str, ...] = ()) -> list[str]:
    return ["--model", "Qwen/Qwen3-0.6B", "--tensor-parallel-size", str(tp), *more]


def _engine_configmap(name: str, tp: int) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
            "data": {"engine.yaml": f"tensor_parallel_size: {tp}\npipeline_parallel_size: 1\nbackend: pytorch\n"}}


def _trtllm(name: str, gpus: str | None, requests: bool = True) -> list[dict]:
    cm = f"{name}-engine"
    extra = {"mainContainer": {"volumeMounts": [{"name": "engine", "mountPath": "/engine", "readOnly": True}],
                               "env": [{"name": "MY_ENGINE_FLAG", "value": "1"}]},
             "extraPodSpec": {"volumes": [{"name": "engine", "configMap": {"name": cm}}]}}
    worker = _worker("trtllm", ["--model-path", "Qwen/Qwen3-0.6B", "--extra-engine-args", "/engine/engine.yaml"],
                     gpus=gpus, extra=extra)
    if gpus is not None and requests:
        worker["resources"] = {"requests": {"gpu": gpus}, "limits": {"gpu": gpus}}
    dgd = _dgd(name, {"worker": worker}, backend="trtllm",
               envs=[{"name": "HF_HOME", "value": "/models"}, {"name": "TEAM_SETTING", "value": "x"}])
    return [_engine_configmap(cm, 8), dgd]


def edge_cases() -> list[Case]:
    c: list[Case] = []

    def add(id_: str, about: str, *docs: dict, namespace: str | None = None) -> None:
        c.append(Case(f"edge-{id_}", "edge", [copy.deepcopy(d) for d in docs], about, namespace=namespace))

    mn = {"worker": _worker("vllm", _vllm(8))}  # vLLM TP 8 over 2 × 4: mp (origin >= 1.0)
    add("opt-out", 'nvidia.com/enable-grove: "false" on a multinode DGD (LWS, or failed without it)',
        _dgd("opt-out", copy.deepcopy(mn), {"nvidia.com/enable-grove": "false"}))
    add("opt-out-single", 'enable-grove "FALSE" (case-insensitive) on a single-node DGD: Deployments',
        _dgd("opt-out-single", {"worker": _worker("vllm", _vllm(4), nodes=1)}, {"nvidia.com/enable-grove": "FALSE"}))
    add("queue", "kai-scheduler-queue with spaces: trimmed, and the queue exists",
        _dgd("queue", copy.deepcopy(mn), {"nvidia.com/kai-scheduler-queue": " team-a "}))
    add("queue-missing", "kai-scheduler-queue naming a queue that does not exist: failed at reconcile",
        _dgd("queue-missing", copy.deepcopy(mn), {"nvidia.com/kai-scheduler-queue": "no-such-queue"}))
    add("executor-ray", "vllm-distributed-executor-backend: ray overrides the mp default",
        _dgd("executor-ray", copy.deepcopy(mn), {"nvidia.com/vllm-distributed-executor-backend": "ray"}))
    add("executor-upper", 'vllm-distributed-executor-backend "MP": lower-cased',
        _dgd("executor-upper", copy.deepcopy(mn), {"nvidia.com/vllm-distributed-executor-backend": "MP"}))
    add("executor-untrimmed", 'vllm-distributed-executor-backend "mp " (trailing space): lower-cased, not trimmed',
        _dgd("executor-untrimmed", copy.deepcopy(mn), {"nvidia.com/vllm-distributed-executor-backend": "mp "}))
    add("executor-service", "the executor-backend annotation on the service wins over the DGD's",
        _dgd("executor-service", {"worker": _worker("vllm", _vllm(8), extra={
            "annotations": {"nvidia.com/vllm-distributed-executor-backend": "ray"}})},
            {"nvidia.com/vllm-distributed-executor-backend": "mp"}))
    add("origin-0-9", "origin version 0.9.0 set by the user: kept by the webhook, so Ray",
        _dgd("origin-0-9", copy.deepcopy(mn), {"nvidia.com/dynamo-operator-origin-version": "0.9.0"}))
    add("origin-bad", "origin version that is not semver: rejected by the webhook",
        _dgd("origin-bad", copy.deepcopy(mn), {"nvidia.com/dynamo-operator-origin-version": "not-a-version"}))
    add("discovery-mode-bad", "dynamo-kube-discovery-mode outside pod|container: rejected",
        _dgd("discovery-mode-bad", copy.deepcopy(mn), {"nvidia.com/dynamo-kube-discovery-mode": "node"}))
    # the multinode budget is len(dgd) + len(svc) + len(svc + "-ldr") <= 45; "worker": 6 + 10
    add("long-name-fits", "Grove name budget exactly 45: accepted",
        _dgd("long-name-fits-" + "x" * 14, copy.deepcopy(mn)))
    add("long-name-over", "Grove name budget 46: rejected by the webhook",
        _dgd("long-name-over-" + "x" * 15, copy.deepcopy(mn)))
    add("long-name-opt-out", 'Grove name budget 46 with enable-grove "false": not checked',
        _dgd("long-name-opt-out-" + "x" * 12, copy.deepcopy(mn), {"nvidia.com/enable-grove": "false"}))
    add("long-single", "single-node budget len(dgd) + len(svc) = 46: rejected",
        _dgd("long-single-" + "x" * 28, {"worker": _worker("vllm", _vllm(4), nodes=1)}))
    add("requests-only", "GPUs in resources.requests only: vLLM reads limits, so nothing is injected",
        _dgd("requests-only", {"worker": _worker("vllm", _vllm(8), requests_only=True)}))
    add("trtllm-engine", "TRT-LLM with its engine ConfigMap, user env and requests + limits: mpirun -n 8 -x ...",
        *_trtllm("trtllm-engine", "4"))
    add("trtllm-no-gpu", "TRT-LLM multinode with no GPU count: mpirun -n 0",
        *_trtllm("trtllm-no-gpu", None))
    add("failed-pathway", "multinode worker with no backend (no command, no backendFramework): noop launch; "
        "fails without a multinode orchestrator",
        _dgd("failed-pathway", {"worker": _worker("vllm", [], command=[], gpus="4")}))
    add("tp-short-flag", "vLLM -tp 8: the 1.1 reader sees TP 1, so nothing is injected",
        _dgd("tp-short-flag", {"worker": _worker("vllm", ["--model", "Qwen/Qwen3-0.6B", "-tp", "8"])}))
    add("tp-flag-skip", "vLLM --tensor-parallel-size auto then 8: 1.1 getFlagValue skips the non-number",
        _dgd("tp-flag-skip", {"worker": _worker("vllm", ["--model", "Qwen/Qwen3-0.6B", "--tensor-parallel-size", "auto",
                                                        "--tensor-parallel-size", "8"])}))
    add("dp-hybrid", "vLLM TP 2 × DP 4 over 2 × 4 GPUs: data-parallel hybrid load balancing",
        _dgd("dp-hybrid", {"worker": _worker("vllm", _vllm(2, ("--data-parallel-size", "4")))}))
    add("sh-wrapped", "SGLang behind sh -c: flags go in after the dynamo.sglang token",
        _dgd("sh-wrapped", {"worker": _worker("sglang", ["python3 -m dynamo.sglang --model-path Qwen/Qwen3-0.6B "
                                                        "--tp 8 && echo done"], command=["sh", "-c"])}))
    add("replicas-2", "SGLang multinode with replicas 2: two scaling-group replicas, or two LWS + PodGroups",
        _dgd("replicas-2", {"worker": _worker("sglang", ["--model-path", "Qwen/Qwen3-0.6B", "--tp", "8"], replicas=2)}))
    add("scheduler-override", "a service's own schedulerName: KAI is not injected for it",
        _dgd("scheduler-override", {"worker": _worker("vllm", _vllm(8), extra={
            "extraPodSpec": {"schedulerName": "custom-scheduler"}})}))
    add("no-command-multinode", "multinode SGLang by backendFramework with no command/args",
        _dgd("no-command-multinode", {"worker": _worker("sglang", [], command=[])}, backend="sglang"))
    add("long-namespace", "namespace + DGD name over 63 characters: the nvidia.com/dynamo-namespace label "
        "<namespace>-<dgd> is too long for the operator's child objects",
        _dgd("qwen3-disagg-single-tp4-fp8-v2", {"worker": _worker("vllm", _vllm(4), nodes=1)}),
        namespace="llm-inference-production-europe-w1")
    add("nodecount-1", "multinode.nodeCount 1: rejected by the CRD schema",
        _dgd("nodecount-1", {"worker": _worker("vllm", _vllm(4), nodes=1, extra={"multinode": {"nodeCount": 1}})}))
    return c


@functools.lru_cache(maxsize=1)
def all_cases() -> list[Case]:
    """The corpus, built once per session (callers must not change the documents)."""
    cases = examples() + scaffolds() + edge_cases()
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), f"duplicate case ids: {ids}"
    return cases


def namespace_for(index: int, case: Case) -> str:
    return case.namespace or f"op{index:02d}"
