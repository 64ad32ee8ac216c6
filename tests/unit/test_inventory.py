"""state/inventory.py: GPUs, requests, schedulability and networking from Node and Pod dicts."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_dynamo.state.inventory import (
    build_inventory,
    is_network_resource,
    largest_fit,
    node_inventory,
    pod_gpus,
)


def node(name: str, gpus: int | None = 8, *, product: str | None = "NVIDIA-H100-80GB-HBM3", ready: bool = True,
         cordoned: bool = False, taints: list[dict] | None = None, labels: dict[str, str] | None = None,
         **resources: str) -> dict[str, Any]:
    alloc = {"cpu": "64", **({"nvidia.com/gpu": str(gpus)} if gpus is not None else {}),
             **{k.replace("__", "/").replace("_", "-"): v for k, v in resources.items()}}
    lbls = {**({"nvidia.com/gpu.product": product} if product else {}), **(labels or {})}
    return {"metadata": {"name": name, "labels": lbls},
            "spec": {"unschedulable": cordoned, "taints": taints or []},
            "status": {"allocatable": alloc, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def pod(node_name: str | None, gpus: int | str | None = None, *, phase: str = "Running", limits_only: bool = False,
        init: list[int] | None = None, containers: int = 1) -> dict[str, Any]:
    res: dict[str, Any] = {}
    if gpus is not None:
        res = {"limits": {"nvidia.com/gpu": str(gpus)}} if limits_only else {
            "requests": {"nvidia.com/gpu": str(gpus)}, "limits": {"nvidia.com/gpu": str(gpus)}}
    spec: dict[str, Any] = {"containers": [{"name": f"c{i}", "resources": res} for i in range(containers)],
                            "initContainers": [{"name": f"i{j}", "resources": {"requests": {"nvidia.com/gpu": str(g)}}}
                                               for j, g in enumerate(init or [])]}
    if node_name:
        spec["nodeName"] = node_name
    return {"spec": spec, "status": {"phase": phase}}


@pytest.mark.parametrize("p, gpus", [
    pytest.param(pod("n", 4), 4, id="requests"),
    pytest.param(pod("n", 4, limits_only=True), 4, id="limits stand in for requests"),
    pytest.param(pod("n", 2, containers=3), 6, id="the sum over containers"),
    pytest.param(pod("n", 1, init=[8]), 8, id="an init container asking for more"),
    pytest.param(pod("n", None), 0, id="no GPUs"),
    pytest.param(pod("n", "1k"), 1000, id="a quantity with a suffix"),
    pytest.param(pod("n", "1.5k"), 1500, id="a decimal quantity (read as 0 before issue 12)"),
    pytest.param(pod("n", "1e3"), 1000, id="an exponent (read as 0 before issue 12)"),
    pytest.param(pod("n", "half"), 0, id="nonsense reads as nothing"),
    pytest.param({"spec": {"containers": [{"resources": {"requests": {"nvidia.com/gpu": "4"},
                                                         "limits": {"nvidia.com/gpu": "8"}}}]}}, 4,
                 id="the request, not the limit, is what the scheduler counts"),
    pytest.param({"spec": {"containers": [{"resources": {"limits": {"amd.com/gpu": "8"}}}]}}, 0,
                 id="only nvidia.com/gpu, the resource node allocatable counts"),
])
def test_pod_gpus(p, gpus):
    assert pod_gpus(p) == gpus


def test_build_inventory_counts_bound_live_pods_only():
    nodes = [node("b"), node("a", 4), node("cpu", None, product=None)]
    pods = [pod("a", 1), pod("a", 2, phase="Pending"), pod("a", 4, phase="Succeeded"), pod("a", 4, phase="Failed"),
            pod(None, 8, phase="Pending"), pod("b", 8)]
    inv = build_inventory(nodes, pods)
    assert [(n.name, n.allocatable, n.requested, n.free) for n in inv.nodes] == [("a", 4, 3, 1), ("b", 8, 8, 0)]
    assert (inv.total, inv.free, inv.requests_known) == (12, 1, True)
    assert inv.to_dict()["largestFit"] == {"nodes": 1, "gpusPerNode": 1}


def test_overcommitted_node_has_nothing_free():
    assert build_inventory([node("a", 2)], [pod("a", 4)]).nodes[0].free == 0


def test_without_pods_requests_are_unknown():
    inv = build_inventory([node("a", 8)], None)
    assert (inv.requests_known, inv.free, inv.to_dict()["requestsKnown"]) == (False, 8, False)


@pytest.mark.parametrize("n, schedulable, state", [
    pytest.param(node("n"), True, "schedulable", id="a plain node"),
    pytest.param(node("n", taints=[{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]), True,
                 "schedulable", id="the GPU taint is tolerated by GPU pods"),
    pytest.param(node("n", taints=[{"key": "nvidia.com/gpu", "effect": "NoExecute"}]), True, "schedulable",
                 id="the GPU taint without a value"),
    pytest.param(node("n", taints=[{"key": "dedicated", "value": "train", "effect": "NoSchedule"}]), False,
                 "tainted dedicated=train:NoSchedule", id="another NoSchedule taint"),
    pytest.param(node("n", taints=[{"key": "spot", "effect": "PreferNoSchedule"}]), True, "schedulable",
                 id="PreferNoSchedule does not block"),
    pytest.param(node("n", cordoned=True, taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]),
                 False, "cordoned", id="cordoned, with the taint the node controller adds"),
    pytest.param(node("n", ready=False), False, "not ready", id="not ready"),
    pytest.param(node("n", ready=False, cordoned=True), False, "not ready; cordoned", id="both"),
])
def test_schedulability(n, schedulable, state):
    inv = node_inventory(n, 0)
    assert (inv.schedulable, inv.state) == (schedulable, state)


def test_mig_and_shared_gpus_make_a_gpu_node():
    n = node("mig", 0, product="NVIDIA-A100-SXM4-40GB", **{"nvidia.com__mig-1g.10gb": "7", "nvidia.com__gpu.shared": "4"})
    inv = build_inventory([n], [])
    assert inv.nodes[0].mig == {"nvidia.com/mig-1g.10gb": 7, "nvidia.com/gpu.shared": 4}
    assert inv.nodes[0].allocatable == 0 and inv.nodes[0].rdma == {}


@pytest.mark.parametrize("name, network", [
    ("rdma/ib", True), ("rdma/rdma_shared_device_a", True), ("vpc.amazonaws.com/efa", True),
    ("nvidia.com/mlnxnics", True), ("nvidia.com/hostdev", True), ("nvidia.com/my-sriov-pool", True),
    ("nvidia.com/gpu", False), ("nvidia.com/gpu.shared", False), ("nvidia.com/mig-1g.10gb", False),
    ("nvidia.com/mig-1g.10gb.shared", False), ("cpu", False), ("example.com/foo", False),
])
def test_is_network_resource(name, network):
    assert is_network_resource(name) is network


@pytest.mark.parametrize("n, fabric", [
    pytest.param(node("n", **{"rdma__ib": "8"}), "rdma", id="an rdma resource"),
    pytest.param(node("n", labels={"feature.node.kubernetes.io/rdma.capable": "true"}), "rdma", id="the NFD label"),
    pytest.param(node("n", labels={"feature.node.kubernetes.io/custom-rdma.capable": "true"}), "rdma", id="the old NFD label"),
    pytest.param(node("n", **{"vpc.amazonaws.com__efa": "32"}), "efa", id="EFA"),
    pytest.param(node("n", **{"nvidia.com__hostdev": "8"}), "sriov", id="SR-IOV host devices"),
    pytest.param(node("n", **{"rdma__ib": "0"}), None, id="zero rdma devices"),
    pytest.param(node("n"), None, id="TCP only"),
])
def test_fabric(n, fabric):
    assert node_inventory(n, 0).fabric == fabric


def test_clique_and_memory_labels():
    inv = node_inventory(node("n", labels={"nvidia.com/gpu.clique": "uuid.3", "nvidia.com/gpu.memory": "81559"}), 0)
    assert (inv.clique, inv.memory_mib) == ("uuid.3", 81559)


@pytest.mark.parametrize("free, fit", [
    ([], (0, 0)),
    ([0, 0], (0, 0)),
    ([8], (1, 8)),
    ([8, 8, 8], (3, 8)),
    ([5, 8, 6], (3, 5)),
    ([8, 4, 4], (3, 4)),  # 12 beats 8
    ([8, 6], (2, 6)),  # 12 beats 8
    ([8, 8, 4], (2, 8)),  # 16 beats 12
    ([6, 4], (2, 4)),  # 8 beats 6
    ([4, 8, 2, 2], (1, 8)),  # 8 = 1 × 8 = 2 × 4 = 4 × 2: most GPUs per node (fewest nodes) wins the tie
])
def test_largest_fit(free, fit):
    assert largest_fit(free) == fit
