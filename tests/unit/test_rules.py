"""Every finding code validate and explain can emit: one input that triggers it and one near-miss
that does not (reference §4.7, §5.3; SPEC "validate"). A code added to the source without a row
here fails test_every_code_in_the_source_has_a_case."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kubectl_dynamo.dgd import capabilities
from kubectl_dynamo.dgd import compat_dgd as compat_dgd_module
from kubectl_dynamo.dgd import pathway as pathway_module
from kubectl_dynamo.dgd import plan as plan_module
from kubectl_dynamo.dgd import rules as rules_module
from kubectl_dynamo.dgd.capabilities import Capabilities, OrchestratorConfig

from .builders import (
    caps,
    component_v1beta1,
    dgd,
    dgd_v1beta1,
    engine_volume,
    engine_yaml,
    explain,
    findings,
    frontend,
    graph,
    service,
    sglang_worker,
    trtllm_worker,
    vllm_worker,
)

ORIGIN = "nvidia.com/dynamo-operator-origin-version"
EXECUTOR = "nvidia.com/vllm-distributed-executor-backend"


@dataclass
class Check:
    """One input: a DGD, and for the cluster-aware codes the capabilities explain runs with."""

    doc: dict
    caps: Capabilities | None = None
    configmaps: dict = field(default_factory=dict)
    version: str | None = "1.1.0"  # validate's line; explain's is in caps
    claims: dict = field(default_factory=dict)
    creating: bool = True

    def run(self) -> list:
        if self.caps is None:
            return rules_module.validate(graph(self.doc), self.configmaps, self.version, claims=self.claims,
                                         creating=self.creating)
        return explain(self.doc, self.caps, configmaps=self.configmaps, claims=self.claims, creating=self.creating).findings


def _worker_doc(worker: dict, *, name: str = "worker", **kw) -> dict:
    return dgd({"Frontend": frontend(), name: worker}, **kw)


def _v(worker: dict, **kw) -> Check:
    return Check(_worker_doc(worker, **kw))


def _many(n: int) -> dict:
    return dgd({f"svc-{i}": frontend() for i in range(n)})


GOOD = vllm_worker(8, nodes=2, gpu="4")
TRT_CM = {"cm": {"e.yaml": engine_yaml(8)}}


def _trt(configmaps: dict | None) -> Check:
    worker = trtllm_worker(args=["--extra-engine-args", "/config/e.yaml"], nodes=2, gpu="4", **engine_volume("cm"))
    return Check(_worker_doc(worker, backend="trtllm"), configmaps=configmaps or {})


def _lws(worker: dict) -> Check:
    return Check(_worker_doc(worker), caps(lws=True, volcano=True))


def _beta(**extra) -> dict:
    """A v1beta1 DGD: a frontend and a 2 x 4 GPU vLLM decode component with TP 8; `extra` is
    merged into the decode component."""
    worker = component_v1beta1("decode", "decode", nodes=2, gpu="4", command=["python3", "-m", "dynamo.vllm"],
                               args=["--model", "m", "--tensor-parallel-size", "8"])
    worker.update(extra)
    return dgd_v1beta1([component_v1beta1("Frontend", "frontend", gpu=None), worker])


def _dra_worker(claim: str = "gpus") -> dict:
    """A multinode vLLM worker whose GPUs come only from a DRA ResourceClaimTemplate."""
    w = vllm_worker(8, nodes=2, gpu=None)
    w["resources"] = {"claims": [{"name": claim}]}
    w["extraPodSpec"]["resourceClaims"] = [{"name": claim, "resourceClaimTemplateName": "four-gpus"}]
    return w


DRA = {("ResourceClaimTemplate", "four-gpus"): 4}
PROVIDER = "nvidia.com/workload-provider"
DS = "nvidia.com/enable-disaggregatedset"


def _ds_doc(**annotations: str) -> dict:
    return dgd({"Frontend": frontend(), "prefill": vllm_worker(8, nodes=2, gpu="4", component_type="prefill"),
                "decode": vllm_worker(8, nodes=2, gpu="4", component_type="decode")},
               annotations={DS: "true", **annotations})


CASES = [
    # code, severity, service, trigger, near-miss
    pytest.param("NO_NAME", "error", None, Check(dgd(name=None)), Check(dgd(name="x")),
                 id="NO_NAME: a dgd without metadata.name"),
    pytest.param("NO_SERVICES", "error", None, Check(dgd({})), Check(dgd({"Frontend": frontend()})),
                 id="NO_SERVICES: an empty services map"),
    pytest.param("NO_SERVICES", "error", None, Check(dgd_v1beta1([])), Check(dgd_v1beta1([component_v1beta1("f", "frontend", gpu=None)])),
                 id="NO_SERVICES: an empty v1beta1 components list"),
    pytest.param("TOO_MANY_SERVICES", "error", None, Check(_many(26)), Check(_many(25)),
                 id="TOO_MANY_SERVICES: 26 services against the crd's 25"),
    pytest.param("BAD_BACKEND_FRAMEWORK", "error", None, Check(dgd(backend="pytorch")), Check(dgd(backend="vllm")),
                 id="BAD_BACKEND_FRAMEWORK: backendFramework pytorch"),
    pytest.param("BAD_SERVICE_NAME", "error", "bad_name", Check(dgd({"bad_name": frontend()})), Check(dgd({"good-name": frontend()})),
                 id="BAD_SERVICE_NAME: an underscore cannot be part of an object name"),
    pytest.param("BAD_SERVICE_NAME", "error", "decode", Check(dgd({"Decode": frontend(), "decode": frontend()})),
                 Check(dgd({"Decode": frontend(), "prefill": frontend()})),
                 id="BAD_SERVICE_NAME: two services that collide once lower-cased"),
    pytest.param("BAD_SERVICE_NAME", "error", "x" * 64, Check(dgd({"x" * 64: frontend()}, name="d")),
                 Check(dgd({"x" * 43: frontend()}, name="d")), id="BAD_SERVICE_NAME: longer than 63 characters"),
    pytest.param("UNKNOWN_COMPONENT_TYPE", "warning", "router", Check(dgd({"router": service("router", gpu=None)})),
                 Check(dgd({"router": service("planner", gpu=None)})), id="UNKNOWN_COMPONENT_TYPE: a free-string type in v1alpha1 warns"),
    pytest.param("UNKNOWN_COMPONENT_TYPE", "error", "r", Check(dgd_v1beta1([component_v1beta1("r", "router", gpu=None)])),
                 Check(dgd_v1beta1([component_v1beta1("r", "epp", gpu=None)])), id="UNKNOWN_COMPONENT_TYPE: the v1beta1 enum makes it an error"),
    pytest.param("BAD_REPLICAS", "error", "Frontend", Check(dgd({"Frontend": frontend(replicas=-1)})),
                 Check(dgd({"Frontend": frontend(replicas=0)})), id="BAD_REPLICAS: replicas -1"),
    pytest.param("BAD_REPLICAS", "error", "Frontend", Check(dgd({"Frontend": frontend(replicas="two")})),
                 Check(dgd({"Frontend": frontend(replicas=None)})), id="BAD_REPLICAS: replicas two"),
    pytest.param("BAD_NODECOUNT", "error", "worker", _v(vllm_worker(4, nodes=1, gpu="4")), _v(vllm_worker(8, nodes=2, gpu="4")),
                 id="BAD_NODECOUNT: nodeCount 1 is below the crd minimum of 2"),
    pytest.param("BAD_NODECOUNT", "error", "worker", _v(vllm_worker(8, nodes="2", gpu="4")), _v(vllm_worker(8, nodes=2, gpu="4")),
                 id="BAD_NODECOUNT: nodeCount as a string"),
    pytest.param("BAD_GPU", "error", "worker", _v(vllm_worker(8, nodes=2, gpu="four")), _v(vllm_worker(8, nodes=2, gpu="4")),
                 id="BAD_GPU: gpu four"),
    pytest.param("BAD_GPU", "error", "worker", _v(vllm_worker(8, nodes=2, gpu=4)), _v(vllm_worker(8, nodes=2, gpu="4")),
                 id="BAD_GPU: an integer gpu where the crd wants a string"),
    pytest.param("BAD_GPU", "error", "worker", _v(vllm_worker(4, gpu="0")), _v(vllm_worker(1, gpu="1")),
                 id="BAD_GPU: gpu 0 is not positive"),
    pytest.param("DEPRECATED_FIELD", "warning", "Frontend", Check(dgd({"Frontend": frontend(dynamoNamespace="x")})),
                 Check(dgd({"Frontend": frontend()})), id="DEPRECATED_FIELD: dynamoNamespace is ignored"),
    pytest.param("DEPRECATED_FIELD", "warning", "Frontend", Check(dgd({"Frontend": frontend(autoscaling={"enabled": True})})),
                 Check(dgd({"Frontend": frontend()})), id="DEPRECATED_FIELD: autoscaling is ignored"),
    pytest.param("BAD_ANNOTATION", "error", None, Check(dgd(annotations={EXECUTOR: "nccl"})), Check(dgd(annotations={EXECUTOR: "mp"})),
                 id="BAD_ANNOTATION: executor backend nccl"),
    pytest.param("BAD_ANNOTATION", "error", "worker", _v(vllm_worker(8, nodes=2, gpu="4", annotations={EXECUTOR: "nccl"})),
                 _v(vllm_worker(8, nodes=2, gpu="4", annotations={EXECUTOR: "ray"})), id="BAD_ANNOTATION: executor backend on a service"),
    pytest.param("BAD_ANNOTATION", "error", None, Check(dgd(annotations={ORIGIN: "latest"})), Check(dgd(annotations={ORIGIN: "1.0.0"})),
                 id="BAD_ANNOTATION: origin version latest is not semver"),
    pytest.param("BAD_ANNOTATION", "error", None, Check(dgd(annotations={"nvidia.com/dynamo-kube-discovery-mode": "node"})),
                 Check(dgd(annotations={"nvidia.com/dynamo-kube-discovery-mode": "container"})), id="BAD_ANNOTATION: discovery mode node"),
    pytest.param("BAD_ANNOTATION", "warning", None, Check(dgd(annotations={"nvidia.com/dynamo-discovery-backend": "consul"})),
                 Check(dgd(annotations={"nvidia.com/dynamo-discovery-backend": "etcd"})), id="BAD_ANNOTATION: discovery backend consul"),
    pytest.param("BAD_ANNOTATION", "warning", None, Check(dgd(annotations={"nvidia.com/enable-grove": "no"})),
                 Check(dgd(annotations={"nvidia.com/enable-grove": "False"})), id="BAD_ANNOTATION: enable-grove no means use grove"),
    pytest.param("BAD_ANNOTATION", "warning", None, Check(dgd(annotations={"nvidia.com/kai-scheduler-queue": "  "})),
                 Check(dgd(annotations={"nvidia.com/kai-scheduler-queue": "team-a"})), id="BAD_ANNOTATION: a blank kai queue"),
    pytest.param("BAD_ANNOTATION", "error", None,
                 Check(dgd(annotations={"nvidia.com/workload-provider": "lws"}), version="1.5.0", creating=False),
                 Check(dgd(annotations={"nvidia.com/workload-provider": "component"}), version="1.5.0", creating=False),
                 id="BAD_ANNOTATION: a live DGD's stored workload provider lws is unsupported"),
    # found by the real-operator comparison: the label <namespace>-<dgd> is refused over 63 characters
    pytest.param("DYNAMO_NAMESPACE_TOO_LONG", "error", None, Check(dgd(name="d" * 30, namespace="n" * 33)),
                 Check(dgd(name="d" * 30, namespace="n" * 32)), id="DYNAMO_NAMESPACE_TOO_LONG: namespace-dgd is 64 characters"),
    pytest.param("DYNAMO_NAMESPACE_TOO_LONG", "error", None, Check(dgd(name="qwen3.0.6b", namespace="n" * 53)),
                 Check(dgd({"Frontend": frontend(globalDynamoNamespace=True)}, name="qwen3.0.6b", namespace="n" * 53)),
                 id="DYNAMO_NAMESPACE_TOO_LONG: unless every service uses the global dynamo namespace"),
    pytest.param("NAME_BUDGET", "error", "worker", Check(dgd(name="d" * 30)),
                 Check(dgd(name="d" * 30, annotations={"nvidia.com/enable-grove": "false"})), id="NAME_BUDGET: 30 + 6 + 10 is 46"),
    pytest.param("BACKEND_MISMATCH", "error", "worker", Check(dgd(backend="sglang")), Check(dgd(backend="vllm")),
                 id="BACKEND_MISMATCH: command says vllm, backendFramework says sglang"),
    pytest.param("GPU_REQUESTS_ONLY", "warning", "worker", _v(vllm_worker(8, nodes=2, gpu=None, gpu_request="4")),
                 _v(vllm_worker(8, nodes=2, gpu="4", gpu_request="4")), id="GPU_REQUESTS_ONLY: gpu in requests and not limits"),
    pytest.param("NO_BACKEND_MULTINODE", "warning", "worker",
                 _v(service(nodes=2, gpu="4", command=["python3", "serve.py"], args=["--tp", "8"])),
                 _v(service(nodes=2, gpu="4", command=["python3", "serve.py"], args=["--tp", "8"]), backend="sglang"),
                 id="NO_BACKEND_MULTINODE: a multinode worker with no backend"),
    pytest.param("NO_BACKEND_MULTINODE", "warning", "router", _v(service("frontend", nodes=2, gpu="4"), name="router"),
                 _v(service("frontend", gpu="4"), name="router"), id="NO_BACKEND_MULTINODE: a multinode frontend gets no launch logic"),
    pytest.param("TRTLLM_NO_GPU", "error", "worker", _v(trtllm_worker(args=[], nodes=2, gpu=None)),
                 _v(trtllm_worker(args=["--trtllm.tensor_parallel_size", "8"], nodes=2, gpu="4")), id="TRTLLM_NO_GPU: mpirun -n 0"),
    pytest.param("NO_GPU", "warning", "worker", _v(vllm_worker(8, nodes=2, gpu=None)), _v(vllm_worker(8, nodes=2, gpu="4")),
                 id="NO_GPU: a multinode vllm worker without gpus warns"),
    pytest.param("NO_GPU", "info", "worker", _v(vllm_worker(1, gpu=None)), _v(vllm_worker(1, gpu="1")),
                 id="NO_GPU: a single-node vllm worker without gpus is info"),
    pytest.param("BAD_PARALLEL_SIZE", "error", "worker", _v(vllm_worker(0, nodes=2, gpu="4")), _v(vllm_worker(8, nodes=2, gpu="4")),
                 id="BAD_PARALLEL_SIZE: tensor-parallel-size 0"),
    pytest.param("BAD_PARALLEL_SIZE", "error", "worker", _v(sglang_worker(args=["--tp", "x"], nodes=2, gpu="4")),
                 _v(sglang_worker(args=["--tp", "8"], nodes=2, gpu="4")), id="BAD_PARALLEL_SIZE: sglang --tp x"),
    pytest.param("PARALLELISM_UNKNOWN", "info", "worker", _trt(None), _trt(TRT_CM),
                 id="PARALLELISM_UNKNOWN: the engine configmap is not in the input"),
    pytest.param("FLAG_SPELLING", "error", "worker", _v(vllm_worker(args=["-tp", "8"], nodes=2, gpu="4")), _v(GOOD),
                 id="FLAG_SPELLING: -tp 8 is read as 1 by operators up to 1.1"),
    pytest.param("TP_MISMATCH", "error", "worker", _v(vllm_worker(4, nodes=2, gpu="4")), _v(GOOD),
                 id="TP_MISMATCH: vllm tp 4 on 2 x 4 gpus"),
    pytest.param("TP_MISMATCH", "error", "worker", _v(vllm_worker(16, nodes=2, gpu="4")), _v(vllm_worker(4, pp=2, nodes=2, gpu="4")),
                 id="TP_MISMATCH: vllm tp 16 is wider than 2 x 4 gpus"),
    pytest.param("TP_MISMATCH", "error", "worker", _v(vllm_worker(4, dp=4, nodes=2, gpu="4")), _v(vllm_worker(4, dp=2, nodes=2, gpu="4")),
                 id="TP_MISMATCH: vllm tp x dp 16 on 8 gpus"),
    pytest.param("TP_MISMATCH", "error", "worker", _v(sglang_worker(args=["--tp", "4"], nodes=2, gpu="4")),
                 _v(sglang_worker(args=["--tp", "8"], nodes=2, gpu="4")), id="TP_MISMATCH: sglang tp 4 on 2 x 4 gpus"),
    pytest.param("TP_MISMATCH", "error", "worker", _v(vllm_worker(4, gpu="8")), _v(vllm_worker(8, gpu="8")),
                 id="TP_MISMATCH: single-node tp 4 on 8 gpus"),
    pytest.param("NOT_MULTINODE_ENGINE", "warning", "worker", _v(vllm_worker(4, nodes=2, gpu="4")), _v(GOOD),
                 id="NOT_MULTINODE_ENGINE: tp 4 fits on one node of 4"),
    # cluster-aware findings from plan.explain
    pytest.param("OPERATOR_CONFIG", "error", None, Check(dgd(), caps(config=OrchestratorConfig(grove=True))),
                 Check(dgd(), caps(grove=True, config=OrchestratorConfig(grove=True))),
                 id="OPERATOR_CONFIG: grove forced on without the grove api"),
    pytest.param("NO_MULTINODE_ORCHESTRATOR", "error", None, Check(dgd(), caps(lws=True)), Check(dgd(), caps(lws=True, volcano=True)),
                 id="NO_MULTINODE_ORCHESTRATOR: lws without volcano"),
    pytest.param("NO_MULTINODE_ORCHESTRATOR", "error", None, Check(dgd(annotations={"nvidia.com/enable-grove": "false"}), caps(grove=True)),
                 Check(dgd(annotations={"nvidia.com/enable-grove": "true"}), caps(grove=True)),
                 id="NO_MULTINODE_ORCHESTRATOR: the dgd opts out of the only orchestrator"),
    pytest.param("OPERATOR_RESTART_NEEDED", "warning", None, Check(dgd(), caps(grove=True, restart_needed=["grove.io"])),
                 Check(dgd(), caps(grove=True)), id="OPERATOR_RESTART_NEEDED: grove appeared after the operator started"),
    pytest.param("QUEUE_MISSING", "error", None, Check(dgd(), caps(grove=True, kai=True, queues={"other"})),
                 Check(dgd(), caps(grove=True, kai=True, queues={"dynamo"})), id="QUEUE_MISSING: default queue dynamo does not exist"),
    pytest.param("QUEUE_MISSING", "error", None,
                 Check(dgd(annotations={"nvidia.com/kai-scheduler-queue": " team-a "}), caps(grove=True, kai=True, queues={"dynamo"})),
                 Check(dgd(annotations={"nvidia.com/kai-scheduler-queue": " team-a "}), caps(grove=True, kai=True, queues={"team-a"})),
                 id="QUEUE_MISSING: the trimmed annotation names a queue that does not exist"),
    pytest.param("SCHEDULER_OVERRIDE", "info", "worker",
                 Check(_worker_doc(vllm_worker(8, nodes=2, gpu="4", scheduler_name="volcano")), caps(grove=True, kai=True)),
                 Check(_worker_doc(vllm_worker(8, nodes=2, gpu="4", scheduler_name="kai-scheduler")), caps(grove=True, kai=True)),
                 id="SCHEDULER_OVERRIDE: a user schedulerName keeps kai away"),
    pytest.param("GANG_MIN_AVAILABLE", "warning", "worker", Check(dgd(), caps(grove=True, version="1.0.0")),
                 Check(dgd(), caps(grove=True, version="1.1.0")), id="GANG_MIN_AVAILABLE: operator 1.0 breaks multinode gangs on grove"),
    pytest.param("LWS_NO_COMMAND", "error", "worker", _lws(vllm_worker(8, nodes=2, gpu="4", command=None)), _lws(GOOD),
                 id="LWS_NO_COMMAND: an lws pod without command"),
    pytest.param("LWS_NO_COMMAND", "error", "worker", _lws(vllm_worker(nodes=2, gpu="4", args=[])), _lws(GOOD),
                 id="LWS_NO_COMMAND: an lws pod without args"),
    pytest.param("LWS_NO_GPU_LIMIT", "error", "worker", _lws(vllm_worker(8, nodes=2, gpu=None, gpu_request="4")),
                 _lws(vllm_worker(8, nodes=2, gpu="4", gpu_request="4")), id="LWS_NO_GPU_LIMIT: lws worker with gpu in requests only"),
    pytest.param("INSUFFICIENT_GPUS", "warning", "worker", Check(dgd(), caps(grove=True, free_gpus=[4, 2])),
                 Check(dgd(), caps(grove=True, free_gpus=[4, 4])), id="INSUFFICIENT_GPUS: two pods of 4 gpus on 4 + 2 free"),
    # newer operator lines (gates.py): each on the side of its boundary that has it, near-miss on the other
    pytest.param("OPERATOR_NEWER_THAN_MIRROR", "warning", None, Check(dgd(), version="1.7.0"), Check(dgd(), version="1.6.1"),
                 id="OPERATOR_NEWER_THAN_MIRROR: operator 1.7 is past the newest mirrored line"),
    pytest.param("API_VERSION_NOT_SERVED", "error", None, Check(_beta(), version="1.1.0"), Check(_beta(), version="1.2.0"),
                 id="API_VERSION_NOT_SERVED: v1beta1 before 1.2"),
    pytest.param("ANNOTATION_IGNORED", "info", None, Check(dgd(annotations={PROVIDER: "grove"}), version="1.4.2"),
                 Check(dgd(), version="1.4.2"), id="ANNOTATION_IGNORED: the workload provider before 1.5"),
    pytest.param("ANNOTATION_IGNORED", "info", None, Check(dgd(annotations={DS: "true"}), version="1.4.2"),
                 Check(dgd(annotations={DS: "true"}), version="1.5.0"), id="ANNOTATION_IGNORED: enable-disaggregatedset before 1.5"),
    pytest.param("WORKLOAD_PROVIDER_IGNORED", "warning", None, Check(dgd(annotations={PROVIDER: "grove"}), version="1.5.0"),
                 Check(dgd(annotations={PROVIDER: "grove"}), version="1.5.0", creating=False),
                 id="WORKLOAD_PROVIDER_IGNORED: a file's provider is replaced at create (a live one is the truth)"),
    pytest.param("PCS_NAME_SHORTENED", "info", None, Check(dgd(name="d" * 30), version="1.2.0"),
                 Check(dgd(name="d" * 29), version="1.2.0"), id="PCS_NAME_SHORTENED: 30 characters do not fit beside worker"),
    pytest.param("NAME_BUDGET", "error", "w" * 17, Check(dgd({"w" * 17: vllm_worker(8, nodes=2, gpu="4")}, name="abcdefgh"), version="1.6.0"),
                 Check(dgd({"w" * 16: vllm_worker(8, nodes=2, gpu="4")}, name="abcdefgh"), version="1.6.0"),
                 id="NAME_BUDGET at 1.6: a 17-character multinode component (38) leaves less than the 8-character floor"),
    pytest.param("PODCLIQUE_NAME_LENGTH", "warning", "decode",
                 Check(dgd({"decode": vllm_worker(8, nodes=2, gpu="4")}, name="d" * 40), version="0.9.0"),
                 Check(dgd({"decode": vllm_worker(8, nodes=2, gpu="4")}, name="d" * 35), version="0.9.0"),
                 id="PODCLIQUE_NAME_LENGTH: before the 1.0 budget a 62-character clique name is possible"),
    pytest.param("MULTIPLE_BACKENDS", "error", "worker",
                 _v(vllm_worker(8, nodes=2, gpu="4", args=["--model", "m", "--tensor-parallel-size", "8", "&&",
                                                         "python3", "-m", "dynamo.sglang"])),
                 _v(vllm_worker(8, nodes=2, gpu="4")), id="MULTIPLE_BACKENDS: the command names vllm and sglang"),
    pytest.param("MULTIPLE_BACKENDS", "error", None,
                 Check(dgd({"a": vllm_worker(4, gpu="4"), "b": sglang_worker(args=["--tp", "4"], gpu="4")},
                           annotations={"nvidia.com/enable-grove": "false"}), version="1.5.0"),
                 Check(dgd({"a": vllm_worker(4, gpu="4"), "b": sglang_worker(args=["--tp", "4"], gpu="4")},
                           annotations={"nvidia.com/enable-grove": "false"}), version="1.4.2"),
                 id="MULTIPLE_BACKENDS: workers with different backends and no backendFramework on the component pathway"),
    pytest.param("GPUS_UNKNOWN", "info", "worker", Check(_worker_doc(_dra_worker()), version="1.6.0"),
                 Check(_worker_doc(_dra_worker()), version="1.6.0", claims=DRA), id="GPUS_UNKNOWN: the DRA claim template is not in the input"),
    pytest.param("DRA_GPUS_NOT_READ", "warning", "worker", Check(_worker_doc(_dra_worker()), version="1.3.1", claims=DRA),
                 Check(_worker_doc(_dra_worker()), version="1.4.0", claims=DRA), id="DRA_GPUS_NOT_READ: DRA-only GPUs before 1.4"),
    pytest.param("MIN_AVAILABLE", "error", "decode", Check(_beta(replicas=2, minAvailable=3), version="1.3.0"),
                 Check(_beta(replicas=2, minAvailable=2), version="1.3.0"), id="MIN_AVAILABLE: above replicas"),
    pytest.param("MIN_AVAILABLE", "warning", "decode", Check(_beta(minAvailable=1), version="1.2.1"),
                 Check(_beta(minAvailable=1), version="1.3.0"), id="MIN_AVAILABLE: unknown to the 1.2 line"),
    pytest.param("GROVE_ONLY_FIELD", "error", None,
                 Check(dgd(annotations={"nvidia.com/enable-grove": "false"}, priorityClassName="high"), version="1.3.0"),
                 Check(dgd(priorityClassName="high"), version="1.3.0"), id="GROVE_ONLY_FIELD: priorityClassName off the Grove pathway"),
    pytest.param("RUNTIME_VERSION", "error", "worker",
                 Check(_worker_doc(vllm_worker(8, nodes=2, gpu="4", image="my-registry/vllm-runtime:my-tag")), version="1.5.0"),
                 Check(_worker_doc(vllm_worker(8, nodes=2, gpu="4", image="my-registry/vllm-runtime:my-tag",
                                               runtimeVersionOverride="1.5.0")), version="1.5.0"),
                 id="RUNTIME_VERSION: a non-semver tag without runtimeVersionOverride at 1.5"),
    pytest.param("RUNTIME_VERSION", "warning", "worker",
                 Check(_worker_doc(vllm_worker(8, nodes=2, gpu="4", image="repo/vllm:latest")), version="1.4.0"),
                 Check(_worker_doc(vllm_worker(8, nodes=2, gpu="4", image="repo/vllm:latest")), version="1.3.1"),
                 id="RUNTIME_VERSION: 1.4.x may or may not enforce it; 1.3 does not"),
    pytest.param("SIDECAR_MULTINODE", "error", "decode",
                 Check(_beta(podTemplate={"spec": {"initContainers": [{"name": "runtime", "image": "r:1.6.0"}],
                                                   "containers": [{"name": "main", "image": "x:1.6.0",
                                                                   "resources": {"limits": {"nvidia.com/gpu": "4"}}}]}}),
                       version="1.6.0"),
                 Check(_beta(podTemplate={"spec": {"initContainers": [{"name": "runtime", "image": "r:1.6.0"}],
                                                   "containers": [{"name": "main", "image": "x:1.6.0",
                                                                   "resources": {"limits": {"nvidia.com/gpu": "4"}}}]}}),
                       version="1.5.1"),
                 id="SIDECAR_MULTINODE: a multinode component in sidecar mode at 1.6"),
    pytest.param("DISAGGREGATED_SET_IGNORED", "info", None, Check(_ds_doc(), caps(grove=True, version="1.5.0")),
                 Check(_ds_doc(), caps(grove=True, version="1.4.2")), id="DISAGGREGATED_SET_IGNORED: Grove wins without the opt-out"),
    pytest.param("DISAGGREGATED_SET_UNAVAILABLE", "warning", None,
                 Check(_ds_doc(), caps(lws=True, volcano=True, version="1.5.0")),
                 Check(_ds_doc(), caps(lws=True, volcano=True, disaggregated_set=True, version="1.5.0")),
                 id="DISAGGREGATED_SET_UNAVAILABLE: the DisaggregatedSet API is not served: fallback to LWS"),
    pytest.param("VERSION_SKEW", "error", None, Check(dgd(), capabilities.assumed("grove@v0.1.0-alpha.12,kai@v0.17.0", "1.5.0")),
                 Check(dgd(), capabilities.assumed("grove@v0.1.0-alpha.13,kai@v0.17.0", "1.5.0")),
                 id="VERSION_SKEW: Grove alpha.12 under the 1.5 floor alpha.13"),
]


@pytest.mark.parametrize(("code", "severity", "svc", "trigger", "near_miss"), CASES)
def test_code_triggers_and_near_miss_does_not(code, severity, svc, trigger, near_miss):
    hits = [f for f in trigger.run() if f.code == code]
    assert hits, f"{code} not emitted"
    assert any(f.severity == severity and f.service == svc for f in hits), [(f.severity, f.service) for f in hits]
    for f in hits:
        assert f.message and isinstance(f.message, str)
    assert code not in [f.code for f in near_miss.run()]


_CODE_IN_CALL = re.compile(r'\bFinding\(\s*[^"()]*?"([A-Z][A-Z0-9_]+)"')


def _source_codes() -> set[str]:
    out: set[str] = set()
    for module in (rules_module, plan_module, pathway_module, compat_dgd_module):
        text = Path(module.__file__).read_text(encoding="utf-8")
        calls = len(re.findall(r"\bFinding\(", text))
        found = _CODE_IN_CALL.findall(text)
        # a Finding( whose code is not a literal would escape this coverage check
        assert len(found) == calls, f"{module.__name__}: {calls} Finding( calls but {len(found)} literal codes"
        out |= set(found)
    return out


EXPECTED_CODES = {
    "NO_NAME", "NO_SERVICES", "TOO_MANY_SERVICES", "BAD_BACKEND_FRAMEWORK", "BAD_SERVICE_NAME", "UNKNOWN_COMPONENT_TYPE",
    "BAD_REPLICAS", "BAD_NODECOUNT", "BAD_GPU", "DEPRECATED_FIELD", "BAD_ANNOTATION", "NAME_BUDGET", "BACKEND_MISMATCH",
    "GPU_REQUESTS_ONLY", "NO_BACKEND_MULTINODE", "TRTLLM_NO_GPU", "NO_GPU", "BAD_PARALLEL_SIZE", "PARALLELISM_UNKNOWN",
    "FLAG_SPELLING", "TP_MISMATCH", "NOT_MULTINODE_ENGINE", "OPERATOR_CONFIG", "NO_MULTINODE_ORCHESTRATOR",
    "OPERATOR_RESTART_NEEDED", "QUEUE_MISSING", "SCHEDULER_OVERRIDE", "GANG_MIN_AVAILABLE", "LWS_NO_COMMAND",
    "LWS_NO_GPU_LIMIT", "INSUFFICIENT_GPUS", "DYNAMO_NAMESPACE_TOO_LONG",
}


def test_every_code_in_the_source_has_a_case():
    covered = {p.values[0] for p in CASES}
    missing = _source_codes() - covered
    assert not missing, f"finding codes without a trigger/near-miss case: {sorted(missing)}"


def test_the_source_still_emits_every_documented_code():
    """Codes are a stable contract: none may disappear from the rules."""
    assert _source_codes() >= EXPECTED_CODES


def test_the_default_builder_dgd_is_clean():
    """The base most near-misses start from has no finding at all, offline or on either orchestrator."""
    assert findings(dgd()) == []
    assert explain(dgd(), caps(grove=True, kai=True, queues={"dynamo"})).findings == []
    assert explain(dgd(), caps(lws=True, volcano=True)).findings == []


def test_findings_are_sorted_errors_first():
    doc = dgd({"Frontend": frontend(dynamoNamespace="x"), "worker": vllm_worker(4, nodes=2, gpu="4")})
    sev = [f.severity for f in findings(doc)]
    order = {"error": 0, "warning": 1, "info": 2}
    assert sev == sorted(sev, key=order.__getitem__)
    assert sev[0] == "error"


def test_validate_mirrors_the_operator_version_for_flag_spelling_consequence():
    doc = _worker_doc(vllm_worker(args=["-tp", "8"], nodes=2, gpu="4"))
    # both sides of the (unpinned) normalisation boundary: 1.4 reads strictly, 1.5 normalises
    sev = {v: [f.severity for f in findings(doc, version=v) if f.code == "FLAG_SPELLING"] for v in ("1.1.0", "1.4.2", "1.5.0")}
    assert sev == {"1.1.0": ["error"], "1.4.2": ["error"], "1.5.0": ["warning"]}


def test_finding_to_dict_has_the_contract_fields():
    f = findings(dgd(name=None))[0]
    assert set(f.to_dict()) == {"severity", "code", "service", "message", "hint"}


def test_rules_run_on_a_graph_object_directly():
    assert rules_module.validate(graph(dgd())) == []
