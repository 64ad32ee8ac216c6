"""`kubectl dynamo init [NAME]`: scaffold a DynamoGraphDeployment that is right the first time.

Needs no cluster. The output (YAML by default) pipes straight into `kubectl dynamo apply -f -`;
contradictory sizes are a usage error that states the rule (TP × PP = nodes × gpus).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TextIO

import click

from kubectl_dynamo.cli import options
from kubectl_dynamo.cli.options import GlobalOptions
from kubectl_dynamo.errors import EXIT_OK, UsageError
from kubectl_dynamo.report.output import Printer

FORMATS = ("yaml", "json")


@dataclass
class InitOptions:
    name: str | None
    nodes: int
    gpus: int
    backend: str
    model: str | None
    image: str | None
    tp: int | None
    pp: int | None
    mode: str
    replicas: int
    orchestrator: str
    queue: str | None
    api_version: str | None
    prefill_nodes: int | None
    prefill_gpus: int | None
    decode_nodes: int | None
    decode_gpus: int | None
    output: str
    globals: GlobalOptions
    operator_version: str | None
    out: TextIO
    err: TextIO
    printer: Printer | None = field(default=None, repr=False)

    def complete(self) -> None:
        from kubectl_dynamo.report import output, printers

        def yaml_stream(docs: list[dict], out: TextIO, palette: Any) -> None:
            out.write(printers.dump_yaml_documents(docs))

        # YAML as a document stream (`---` between objects), JSON as kubectl's List of them
        self.printer = output.printer_for(self.output, self.out, self.globals.color, {"yaml": yaml_stream},
                                          lambda docs: printers.one_or_list(docs, api_version="v1"))

    def validate(self) -> None:
        options.check_operator_version(self.operator_version, "kubectl dynamo init")
        from kubectl_dynamo import limits
        from kubectl_dynamo.dgd.wellformed import LABEL_MESSAGE, is_dns1123_label

        if self.name is not None and not is_dns1123_label(self.name):
            raise UsageError(
                f"NAME {self.name!r} is not a valid DynamoGraphDeployment name: at most 63 lower-case letters, "
                "digits and '-', starting and ending with a letter or digit"
            )
        # every size is an int32 in the CRD, and no cluster has more than MAX_CLUSTER_NODES nodes
        for flag in ("nodes", "gpus", "replicas", "tp", "pp", "prefill_nodes", "prefill_gpus", "decode_nodes", "decode_gpus"):
            value = getattr(self, flag)
            if value is not None and value > limits.INT32_MAX:
                raise UsageError(f"--{flag.replace('_', '-')} {value} is out of range: at most {limits.INT32_MAX} (int32)")
        for flag in ("nodes", "prefill_nodes", "decode_nodes"):
            value = getattr(self, flag)
            if value is not None and value > limits.MAX_CLUSTER_NODES:
                raise UsageError(f"--{flag.replace('_', '-')} {value}: a Kubernetes cluster has at most "
                                 f"{limits.MAX_CLUSTER_NODES} nodes")
        world = max(self.nodes, self.prefill_nodes or 0, self.decode_nodes or 0) * \
            max(self.gpus, self.prefill_gpus or 0, self.decode_gpus or 0)
        if world > limits.INT32_MAX:
            raise UsageError(f"nodes × gpus = {world} is out of range for a tensor-parallel size: at most {limits.INT32_MAX}")
        if self.replicas * max(self.nodes, self.prefill_nodes or 0, self.decode_nodes or 0) > limits.MAX_CLUSTER_PODS:
            raise UsageError(f"--replicas {self.replicas} × nodes is more pods than a Kubernetes cluster runs "
                             f"({limits.MAX_CLUSTER_PODS})")
        if self.queue is not None and self.queue.strip() and not is_dns1123_label(self.queue):
            raise UsageError(f"--queue {self.queue!r} is not a valid KAI-Scheduler queue name: {LABEL_MESSAGE}")

    def scaffold_options(self) -> Any:
        from kubectl_dynamo.dgd.scaffold import ScaffoldOptions

        return ScaffoldOptions(
            name=self.name,
            nodes=self.nodes,
            gpus=self.gpus,
            backend=self.backend,
            model=self.model,
            image=self.image,
            tp=self.tp,
            pp=self.pp,
            mode=self.mode,
            replicas=self.replicas,
            orchestrator=self.orchestrator,
            queue=self.queue,
            api_version=self.api_version,
            namespace=self.globals.namespace,  # written only when -n is given, like kubectl create -o yaml
            prefill_nodes=self.prefill_nodes,
            prefill_gpus=self.prefill_gpus,
            decode_nodes=self.decode_nodes,
            decode_gpus=self.decode_gpus,
            operator_version=self.operator_version,
        )

    def run(self) -> int:
        from kubectl_dynamo.dgd.scaffold import ScaffoldError, scaffold

        try:
            docs = scaffold(self.scaffold_options())
        except ScaffoldError as e:
            raise UsageError(str(e)) from None
        self._self_check(docs)
        assert self.printer is not None
        self.printer(docs, self.out)
        return EXIT_OK

    def _self_check(self, docs: list[dict]) -> None:
        """init promises output that validate passes; say so on stderr if it ever does not."""
        from kubectl_dynamo.dgd import model, rules, wellformed

        configmaps = model.configmaps_by_name(docs)
        for doc in docs:
            unread = wellformed.check(doc) if model.is_dgd(doc) else []
            if unread:  # e.g. more pods than a cluster runs, over all workers together
                raise UsageError(f"the flags make a DynamoGraphDeployment no cluster can run: {unread[0].message}")
            if model.is_dgd(doc):
                for f in rules.validate(model.read_graph(doc, "init"), configmaps, self.operator_version):
                    if f.severity != "info":
                        self.err.write(f"warning: the scaffold has a {f.severity} finding {f.code}: {f.message}\n")


@options.command(
    "init",
    short_help="Scaffold a multinode DynamoGraphDeployment",
    epilog="""\b
Examples:
  # vLLM, one replica spanning 2 nodes × 8 GPUs (TP 16), applied straight away
  kubectl dynamo init my-llm --nodes 2 --gpus 8 --model Qwen/Qwen3-32B | kubectl dynamo apply -f -
\b
  # SGLang with pipeline parallelism: TP 8 × PP 2 over 2 nodes × 8 GPUs
  kubectl dynamo init big --backend sglang --nodes 2 --gpus 8 --pp 2
\b
  # Disaggregated: a 2 × 8 prefill worker and a 1 × 8 decode worker, on LWS + Volcano
  kubectl dynamo init pd --mode disagg --prefill-nodes 2 --decode-nodes 1 --gpus 8 --orchestrator lws
\b
  # For an operator of the 1.4 line (v1alpha1, 1.4.2 images), as JSON
  kubectl dynamo init --nodes 2 --gpus 4 --operator-version 1.4.2 -o json""",
)
@click.argument("name", required=False)
@click.option("--nodes", type=options.Int32(), default=1, show_default=True, help="Nodes per worker replica (multinode.nodeCount).")
@click.option("--gpus", type=options.Int32(), default=1, show_default=True, help="GPUs per node (resources.limits.gpu).")
@click.option("--backend", type=click.Choice(("vllm", "sglang", "trtllm")), default="vllm", show_default=True,
              help="Inference engine.")
@click.option("--model", metavar="NAME", help="Model to serve (Hugging Face id or path).  [default: Qwen/Qwen3-0.6B]")
@click.option("--image", metavar="IMAGE", help="Runtime image (default: the backend's Dynamo runtime image of the operator release).")
@click.option("--tp", type=options.Int32(), help="Tensor parallel size (default: nodes × gpus / pp).")
@click.option("--pp", type=options.Int32(), help="Pipeline parallel size (default: 1, or nodes × gpus / tp).")
@click.option("--mode", type=click.Choice(("agg", "disagg")), default="agg", show_default=True,
              help="Aggregated workers, or disaggregated prefill and decode workers.")
@click.option("--replicas", type=options.Int32(), default=1, show_default=True, help="Replicas of each worker.")
@click.option("--orchestrator", type=click.Choice(("auto", "grove", "lws")), default="auto", show_default=True,
              help='Multinode orchestrator; lws writes nvidia.com/enable-grove: "false".')
@click.option("--queue", metavar="QUEUE", help="KAI-Scheduler queue (nvidia.com/kai-scheduler-queue; Grove path only).")
@click.option("--api-version", type=click.Choice(("nvidia.com/v1alpha1", "nvidia.com/v1beta1")), default=None,
              help="DynamoGraphDeployment API version (default: the operator line's storage version, "
              "nvidia.com/v1beta1 from 1.5, else v1alpha1).")
@click.option("--prefill-nodes", type=options.Int32(), help="Nodes per prefill replica (disagg; default --nodes).")
@click.option("--prefill-gpus", type=options.Int32(), help="GPUs per prefill node (disagg; default --gpus).")
@click.option("--decode-nodes", type=options.Int32(), help="Nodes per decode replica (disagg; default --nodes).")
@click.option("--decode-gpus", type=options.Int32(), help="GPUs per decode node (disagg; default --gpus).")
@options.operator_version_option()
@options.output_option(*FORMATS, default="yaml")
def init(name: str | None, **flags: Any) -> int:
    """Print a DynamoGraphDeployment sized for NODES × GPUS, with matching engine parallelism.

    The manifest needs no cluster to write, passes `kubectl dynamo validate` with no finding,
    keeps names inside Grove's 45-character budget, and pipes into `kubectl dynamo apply -f -`.
    With -n, metadata.namespace is set.
    """
    out, err = options.streams()
    opts = InitOptions(name=name, globals=options.get_globals(), out=out, err=err, **flags)
    opts.complete()
    opts.validate()
    return opts.run()
