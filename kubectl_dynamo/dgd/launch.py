"""Preview of the launch flags the operator injects into multinode leader and worker pods.

Mirrors internal/dynamo/{graph,grove,lws,utils,backend_vllm,backend_sglang,backend_trtllm}.go as
described in reference/dynamo-operator.md §4.3-§4.6 (operator <= 1.1, with version gates).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from kubectl_dynamo.contracts.explanation import LaunchPlan
from kubectl_dynamo.dgd import gates, gpus, versions
from kubectl_dynamo.dgd.backend import module_end
from kubectl_dynamo.dgd.model import (
    ANN_DISCOVERY_BACKEND,
    ANN_DISCOVERY_MODE,
    ANN_ORIGIN_VERSION,
    ANN_VLLM_BACKEND,
    Graph,
    Service,
)
from kubectl_dynamo.dgd.parallelism import VLLM_DP, Parallelism

VLLM_RAY_PORT = "6379"  # VLLMPort
VLLM_DP_RPC_PORT = "13445"  # dataParallelRPCPort
VLLM_MP_MASTER_PORT = "29500"  # consts.VLLMMpMasterPort
SGLANG_PORT = "29500"  # SglangPort
MPI_SSH_PORT = "2222"  # consts.MpiRunSshPort
MPI_SSH_SECRET = "mpi-run-ssh-secret"  # Helm dynamo-operator.dynamo.mpiRun.secretName default

_PYTHON = re.compile(r"^(.*/)?(python\d*(\.\d+)*)$")


@dataclass(frozen=True)
class Deployer:
    """How leader and workers find each other (the operator's MultinodeDeployer)."""

    kind: str  # grove | lws
    leader_host: str
    rank: str  # the worker node-rank expression
    rank_needs_shell: bool
    dns_wait: bool

    def worker_host(self, i: int) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class GroveDeployer(Deployer):
    svc: str = ""

    def worker_host(self, i: int) -> str:
        return f"$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-{self.svc}-wkr-{i}.$(GROVE_HEADLESS_SERVICE)"


@dataclass(frozen=True)
class LWSDeployer(Deployer):
    def worker_host(self, i: int) -> str:
        return f"$(echo \"$LWS_LEADER_ADDRESS\" | sed 's/\\./-{i + 1}\\./')"


def deployer_for(pathway: str, svc: Service) -> Deployer | None:
    s = svc.name.lower()
    if pathway == "grove":
        return GroveDeployer(
            kind="grove",
            leader_host=f"$(GROVE_PCSG_NAME)-$(GROVE_PCSG_INDEX)-{s}-ldr-0.$(GROVE_HEADLESS_SERVICE)",
            rank="$((GROVE_PCLQ_POD_INDEX + 1))",
            rank_needs_shell=True,
            dns_wait=False,
            svc=s,
        )
    if pathway == "component":
        return LWSDeployer(
            kind="lws",
            leader_host="$(LWS_LEADER_ADDRESS)",
            rank="$(LWS_WORKER_INDEX)",
            rank_needs_shell=False,
            dns_wait=True,
        )
    return None


# --- how flags get into the container (injectFlagsIntoContainerCommand) -----------------------

def _inject(svc: Service, framework: str, flags: list[str], needs_shell: bool) -> str:
    """The effective command line after the operator adds `flags`."""
    cmd, args = list(svc.command), list(svc.args)
    if cmd and _PYTHON.match(cmd[0]):
        if needs_shell:
            return "sh -c " + shlex.quote("exec " + shlex.join(cmd + args) + " " + " ".join(flags))
        return shlex.join(cmd + args) + " " + " ".join(shlex.quote(f) if " " in f else f for f in flags)
    for i, arg in enumerate(args):
        end = module_end(arg, framework)  # the operator's regex, in linear time (issue 10)
        if end is not None:
            args[i] = arg[:end] + " " + " ".join(flags) + arg[end:]
            return shlex.join(cmd + args)
    return shlex.join(cmd + args) + "  # flags not injected: no python ... dynamo." + framework + " in command or args"


def _leader_worker(svc: Service, framework: str, leader: list[str], worker: list[str], dep: Deployer,
                   mode: str, reason: str, extras: list[str]) -> LaunchPlan:
    return LaunchPlan(
        mode=mode,
        leader_args=leader,
        worker_args=worker,
        leader_command=_inject(svc, framework, leader, False),
        worker_command=_inject(svc, framework, worker, dep.rank_needs_shell),
        reason=reason,
        extras=extras,
    )


# --- vLLM --------------------------------------------------------------------------------------

def vllm_origin_version(graph: Graph, svc: Service, operator_version: str, creating: bool) -> tuple[str | None, str]:
    """The origin version the mp gate reads, and where it came from. The mutating webhook stamps
    the operator's own version at CREATE (>= 1.0) and never overwrites an existing value."""
    annotations = graph.service_annotations(svc)
    if ANN_ORIGIN_VERSION in annotations:
        return annotations[ANN_ORIGIN_VERSION], f"annotation {ANN_ORIGIN_VERSION}"
    if creating and gates.on(operator_version, gates.ORIGIN_VERSION_STAMP):
        return operator_version, "stamped by the operator's webhook at create"
    return None, f"no {ANN_ORIGIN_VERSION} annotation (DGD predates operator 1.0)"


def vllm_executor_backend(graph: Graph, svc: Service, operator_version: str, creating: bool) -> tuple[str, str]:
    """shouldUseMpBackend: the executor-backend annotation, else the origin-version gate. The
    annotation is lower-cased but not trimmed: "mp " is not mp (and the webhook rejects it)."""
    if not gates.on(operator_version, gates.VLLM_MP_ORIGIN):
        return "ray", f"operator {operator_version} always launches vLLM TP/PP across nodes with Ray"
    raw = graph.service_annotations(svc).get(ANN_VLLM_BACKEND)
    value = (raw or "").lower()
    if value in ("mp", "ray"):
        return value, f"annotation {ANN_VLLM_BACKEND}={value}"
    origin, where = vllm_origin_version(graph, svc, operator_version, creating)
    if origin is not None and versions.parse(origin) and gates.on(origin, gates.VLLM_MP_ORIGIN):
        return "mp", f"origin version {origin} >= 1.0.0 ({where})"
    if origin is not None:
        return "ray", f"origin version {origin} < 1.0.0 or not semver ({where})"
    return "ray", where


def vllm_launch(graph: Graph, svc: Service, par: Parallelism, dep: Deployer, operator_version: str,
                creating: bool, claims: gpus.Claims | None = None) -> LaunchPlan:
    rules = gates.RuleSet(operator_version)
    n = svc.node_count
    read = gpus.operator_reads(svc, "vllm", rules, claims)  # 1.1: getContainerGPUs, limits only
    gpu_count = read.count
    world = par.world
    probes = "worker liveness/readiness/startup probes removed (leader keeps them)"
    if not rules.has(gates.VLLM_DATA_PARALLEL):
        # before #3595 every multinode vLLM service was launched with Ray, without the flag
        leader = ["ray start --head --port=" + VLLM_RAY_PORT + " && " + " ".join(svc.args)]
        worker = [f"ray start --address={dep.leader_host}:{VLLM_RAY_PORT} --block"]
        return LaunchPlan("ray", leader, worker, "/bin/sh -c " + shlex.quote(leader[0]), "/bin/sh -c " + shlex.quote(worker[0]),
                          f"operator {operator_version} launches every multinode vLLM service with Ray", [probes])
    # shouldUseMpBackend is decided for every multinode service; its env and (1.1) init container
    # come with mp whichever launch branch is taken, even when nothing is injected
    backend, why = vllm_executor_backend(graph, svc, operator_version, creating)
    tp_launch = gpu_count > 0 and world > gpu_count
    mp_extras: list[str] = []
    if backend == "mp":
        mp_extras.append("env VLLM_NIXL_SIDE_CHANNEL_HOST from status.podIP (leader and workers)")
        # 1.1 adds the init container whenever mp applies; newer operators only when
        # --distributed-executor-backend mp ends up on the command line (the TP branch)
        with_flag = rules.has(gates.VLLM_MP_INIT_WITH_FLAG)
        if rules.has(gates.WAIT_FOR_LEADER_INIT) and (tp_launch or not with_flag):
            mp_extras.append(f"workers wait in init container wait-for-leader-mp for the leader's port {VLLM_MP_MASTER_PORT} "
                             f"(ConfigMap {graph.name}-wait-leader-script)")
    gpus_note = "" if read.source == "resources.limits" else f" (GPUs from {read.source})"
    if tp_launch:
        reason = (f"TP×PP = {world} > {gpu_count} GPU(s) per node{gpus_note}: tensor/pipeline parallel across {n} nodes; "
                  f"{backend}: {why}")
        if backend == "mp":
            common = ["--distributed-executor-backend", "mp", "--nnodes", str(n), "--master-addr", dep.leader_host,
                      "--master-port", VLLM_MP_MASTER_PORT]
            return _leader_worker(svc, "vllm", common + ["--node-rank", "0"],
                                  common + ["--node-rank", dep.rank, "--headless"], dep, "mp", reason, mp_extras + [probes])
        cmdline = shlex.join(svc.command + svc.args)
        leader = [f"ray start --head --port={VLLM_RAY_PORT} && {cmdline} --distributed-executor-backend ray"]
        worker = [f"ray start --address={dep.leader_host}:{VLLM_RAY_PORT} --block"]
        extras = [probes, "Ray workers receive the model path from the leader: the model must be on every node (PVC or HF cache)"]
        return LaunchPlan("ray", leader, worker, "/bin/sh -c " + shlex.quote(leader[0]),
                          "/bin/sh -c " + shlex.quote(worker[0]) + "  # the vLLM command is dropped", reason, extras)
    if gpu_count > 0 and world * par.dp > gpu_count:
        local = gpu_count // world
        total = None if par.dp_given else local * n
        head = ["--data-parallel-hybrid-lb"]
        if total is not None:
            head += [VLLM_DP, str(total)]  # only added when not already on the command line
        tail = ["--data-parallel-size-local", str(local)]
        rest = ["--data-parallel-address", dep.leader_host, "--data-parallel-rpc-port", VLLM_DP_RPC_PORT]
        leader = head + tail + ["--data-parallel-start-rank", "0"] + rest
        worker = head + tail + ["--data-parallel-start-rank", f"$(( {local} * {dep.rank} ))"] + rest
        reason = (f"TP×PP = {world} <= {gpu_count} GPU(s) per node{gpus_note} but TP×PP×DP = {world * par.dp} > {gpu_count}: "
                  f"data-parallel hybrid load balancing, {local} DP rank(s) per node")
        plan = LaunchPlan("dp-hybrid-lb", leader, worker, _inject(svc, "vllm", leader, False),
                          _inject(svc, "vllm", worker, True), reason, mp_extras + [probes])
        return plan
    if gpu_count == 0:
        if not rules.has(gates.GPU_FROM_REQUESTS):
            reason = (f"no resources.limits.gpu: the operator reads GPUs from limits only and injects nothing "
                      f"({rules.why(gates.GPU_FROM_REQUESTS)})")
        elif not read.known:
            reason = f"GPUs unknown: {read.source}; the operator reads them from the claim at reconcile"
        else:
            reason = "no GPUs in limits, requests or DRA claims: the operator injects nothing"
    else:
        reason = (f"TP×PP×DP = {world * par.dp} <= {gpu_count} GPU(s) per node{gpus_note}: nothing to spread across nodes, "
                  "nothing injected")
    return LaunchPlan("none", [], [], None, None, reason, mp_extras + [probes])


# --- SGLang ------------------------------------------------------------------------------------

def sglang_launch(svc: Service, dep: Deployer) -> LaunchPlan:
    """getMultinodeFlags: injected for every multinode SGLang service; TP is not parsed."""
    n = str(svc.node_count)
    common = ["--dist-init-addr", f"{dep.leader_host}:{SGLANG_PORT}", "--nnodes", n]
    return _leader_worker(svc, "sglang", common + ["--node-rank", "0"], common + ["--node-rank", dep.rank], dep,
                          "sglang-dist", f"SGLang multinode: torch.distributed over {n} nodes, leader port {SGLANG_PORT}",
                          ["worker liveness/readiness/startup probes removed (leader keeps them)"])


# --- TensorRT-LLM ------------------------------------------------------------------------------

# getCommonTRTLLMEnvVars: forwarded to every MPI rank whether or not the container sets them
MPI_COMMON_ENV = ("CUDA_VISIBLE_DEVICES", "MODEL_PATH", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_ENDPOINT",
                  "TOKENIZERS_PARALLELISM", "NCCL_DEBUG", "NCCL_IB_DISABLE", "NCCL_P2P_DISABLE", "TENSORRT_LLM_CACHE_DIR",
                  "HF_HOME", "TRANSFORMERS_CACHE", "HF_DATASETS_CACHE", "PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "HOME", "USER",
                  "TRTLLM_USE_UCX_KVCACHE")
# The env the operator itself puts on a worker's main container before the backend runs
# (component_common.go getCommonContainer, component_worker.go), and the one TRT-LLM adds first.
OPERATOR_COMMON_ENV = ("DYN_NAMESPACE", "DYN_COMPONENT", "DYN_PARENT_DGD_K8S_NAME", "DYN_PARENT_DGD_K8S_NAMESPACE",
                       "POD_NAME", "POD_NAMESPACE", "POD_UID")
OPERATOR_WORKER_ENV = ("DYN_SYSTEM_ENABLED", "DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS", "DYN_SYSTEM_PORT",
                       "DYN_HEALTH_CHECK_ENABLED", "NIXL_TELEMETRY_ENABLE", "NIXL_TELEMETRY_EXPORTER",
                       "NIXL_TELEMETRY_PROMETHEUS_PORT")
OMPI_FQDN_ENV = "OMPI_MCA_orte_keep_fqdn_hostnames"
# AddStandardEnvVars: only when the operator configuration sets the address
OPERATOR_INFRA_ENV = ("NATS_SERVER", "ETCD_ENDPOINTS", "MODEL_EXPRESS_URL", "PROMETHEUS_ENDPOINT")


def trtllm_gpus_per_node(svc: Service, operator_version: str | None = None, claims: gpus.Claims | None = None) -> int:
    """getGPUsPerNode at 1.1: requests.gpu first, then limits.gpu, else 0 (newer: limits first, then DRA)."""
    return gpus.operator_reads(svc, "trtllm", gates.RuleSet(operator_version or "1.1.0"), claims).count


def trtllm_mpi_env(graph: Graph, svc: Service, pathway: str, infra: tuple[str, ...] = ()) -> list[str]:
    """The names mpirun forwards with -x (collectAllEnvVars): every env var on the container when
    the backend runs (the operator's own, the DGD's and the service's) plus the fixed list,
    de-duplicated and sorted. `infra`: the NATS/etcd/... names the operator configuration adds."""
    names = set(MPI_COMMON_ENV) | set(OPERATOR_COMMON_ENV) | set(OPERATOR_WORKER_ENV) | {OMPI_FQDN_ENV} | set(infra)
    annotations = graph.service_annotations(svc)
    if annotations.get(ANN_DISCOVERY_BACKEND) != "etcd":
        names.add("DYN_DISCOVERY_BACKEND")
    if annotations.get(ANN_DISCOVERY_MODE) == "container":
        names |= {"CONTAINER_NAME", "DYN_KUBE_DISCOVERY_MODE"}
    if pathway == "component":
        names.add("DYN_NAMESPACE_WORKER_SUFFIX")  # worker DCDs carry nvidia.com/dynamo-worker-hash
    names |= set(svc.env_names)
    return sorted(names)


def _mpirun_words(args: list[str]) -> str:
    """mpirun's arguments as setupLeaderContainer writes them into the shell script: the host list
    bare (on LWS it holds $(...) substitutions the shell must run) and plm_rsh_args in double
    quotes (so $HOME expands)."""
    return " ".join(f'"{a}"' if i and args[i - 1] == "plm_rsh_args" else a for i, a in enumerate(args))


def trtllm_launch(graph: Graph, svc: Service, dep: Deployer, pathway: str, operator_version: str | None = None,
                  claims: gpus.Claims | None = None) -> LaunchPlan:
    n = svc.node_count
    per_node = trtllm_gpus_per_node(svc, operator_version, claims)
    total = n * per_node
    hosts = ",".join([dep.leader_host] + [dep.worker_host(i) for i in range(n - 1)])
    env = trtllm_mpi_env(graph, svc, pathway)
    leader = ["mpirun", "--oversubscribe", "-n", str(total), "-H", hosts, "--mca", "pml", "ob1", "--mca", "plm_rsh_args",
              f"-p {MPI_SSH_PORT} -o StrictHostKeyChecking=no -i $HOME/.ssh/id_rsa"]
    for name in env:
        leader += ["-x", name]
    # setupLeaderContainer: a python command is quoted word by word; otherwise (sh -c "...") the args
    # are the command line and go in as they are
    if svc.command and _PYTHON.match(svc.command[0]):
        original = shlex.join(svc.command + svc.args)
    else:
        original = " ".join(svc.args or svc.command)
    steps = ["<install the /ssh-pk key into $HOME/.ssh>"]
    if dep.dns_wait:
        steps.append("<wait up to 300 s for every worker hostname to resolve>")
    steps.append('mpirun $([ "$(id -u)" = "0" ] && echo --allow-run-as-root) ' + _mpirun_words(leader[1:]) + " bash -c "
                 + shlex.quote("trtllm-llmapi-launch " + original))
    # setupWorkerContainer: sshd takes its port from the sshd_config it writes into $HOME/.ssh
    worker = ["/usr/sbin/sshd", "-D", "-f", "$HOME/.ssh/sshd_config"]
    extras = [f"secret {MPI_SSH_SECRET} mounted read-only at /ssh-pk (copied into the DGD namespace)",
              f"env {OMPI_FQDN_ENV}=1",
              f"workers: liveness/startup probes removed, readiness = TCP {MPI_SSH_PORT}",
              f"-x also forwards {', '.join(OPERATOR_INFRA_ENV)} where the operator configuration sets those addresses"]
    if pathway == "grove":
        extras.append("Grove StartupType Explicit: the leader clique starts after the worker cliques")
    reason = f"TensorRT-LLM multinode: one MPI job of {n} × {per_node} = {total} ranks over SSH port {MPI_SSH_PORT}"
    return LaunchPlan("mpirun", leader, worker, "/bin/sh -c " + shlex.quote(" && ".join(steps)),
                      "/bin/sh -c " + shlex.quote(f"<install the /ssh-pk key, host keys and an sshd_config with Port {MPI_SSH_PORT} "
                                                  "in $HOME/.ssh> && " + " ".join(worker)),
                      reason, extras)


def launch_for(graph: Graph, svc: Service, backend: str | None, par: Parallelism | None, pathway: str,
               operator_version: str, creating: bool, strict_par: Parallelism | None = None,
               claims: gpus.Claims | None = None) -> LaunchPlan:
    """The launch plan of one service. `strict_par` is the vLLM reading the mirrored operator uses."""
    if not svc.is_multinode:
        return LaunchPlan(reason="single-node service: nothing injected")
    dep = deployer_for(pathway, svc)
    if dep is None:
        return LaunchPlan(reason="no workload is created: no multinode orchestrator")
    if backend is None:
        return LaunchPlan(reason="no backend detected (command or spec.backendFramework): no multinode flags are injected")
    if backend == "vllm":
        plan = vllm_launch(graph, svc, strict_par or par or Parallelism(), dep, operator_version, creating, claims)
    elif backend == "sglang":
        plan = sglang_launch(svc, dep)
    else:
        plan = trtllm_launch(graph, svc, dep, pathway, operator_version, claims)
    origin, _ = vllm_origin_version(graph, svc, operator_version, creating)
    if gates.on(operator_version, gates.RANK_ALIASES) and origin and versions.parse(origin) and gates.on(origin, gates.RANK_ALIASES):
        # 1.6.0: aliases for new multinode DGDs, gated by the origin version
        plan.extras.append("env DYNAMO_RANK and DYNAMO_LEADER_ADDRESS on leader and workers (1.6 aliases of the rank and leader host)")
    return plan
