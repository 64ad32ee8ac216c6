"""The one entry point cluster commands use: flags -> a connected Cluster, and the live
Capabilities explain/apply decide with. Keeps "one resolved context on every code path"."""

from __future__ import annotations

from kubectl_dynamo.cluster.client import Cluster
from kubectl_dynamo.cluster.connection import ConnectionOptions, connect
from kubectl_dynamo.cluster.survey import survey
from kubectl_dynamo.dgd.capabilities import Capabilities
from kubectl_dynamo.state.facts import ClusterFacts


def open_cluster(opts: ConnectionOptions) -> Cluster:
    """Connect (no request is made yet); raises ClusterError (exit 3) on a bad kubeconfig."""
    return Cluster(connect(opts))


def live_capabilities(cluster: Cluster, *, inventory: bool = True,
                      operator_version: str | None = None) -> tuple[Capabilities, ClusterFacts]:
    """Capabilities resolved like the operator from what the cluster serves and runs, with KAI
    queues, restart-needed and (when `inventory`) the free GPUs of schedulable nodes;
    `operator_version` (--operator-version) replaces the version read from the operator."""
    facts = survey(cluster, inventory=inventory)
    return facts.capabilities(operator_version), facts
