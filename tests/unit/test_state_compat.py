"""Reading the compatibility facts from plain cluster objects (reference/compatibility.md §3)."""

from __future__ import annotations

import pytest

from kubectl_dynamo.dgd import gates, model
from kubectl_dynamo.state import compat_facts

from .builders import dgd, frontend, vllm_worker


@pytest.mark.parametrize(
    ("crds", "api"),
    [
        pytest.param({"podcliquesets.grove.io", "clustertopologies.grove.io"}, "ClusterTopology", id="alpha.8 and older"),
        pytest.param({"podcliquesets.grove.io", "clustertopologybindings.grove.io"}, "ClusterTopologyBinding", id="alpha.9 and newer"),
        pytest.param({"podcliquesets.grove.io"}, None, id="neither: unknown"),
    ],
)
def test_grove_topology_api_from_the_crd_set(crds, api):
    assert compat_facts.grove_topology_api(crds) == api


@pytest.mark.parametrize(
    ("config", "profiles"),
    [
        pytest.param({"scheduler": {"profiles": [{"name": "default-scheduler"}, {"name": "kai-scheduler", "default": True}]}},
                     ["default-scheduler", "kai-scheduler"], id="the alpha.11 chart profiles"),
        pytest.param({"controllers": {}}, None, id="no scheduler section: unknown"),
        pytest.param("not a mapping", None, id="unparseable: unknown"),
    ],
)
def test_grove_profiles(config, profiles):
    assert compat_facts.grove_profiles(config) == profiles


@pytest.mark.parametrize(
    ("shard", "args", "expected"),
    [
        pytest.param({"spec": {"args": {"default-staleness-grace-period": "-1"}}}, None, ("-1", True), id="shard arg"),
        pytest.param({"spec": {}}, ["--default-staleness-grace-period=-1s"], ("-1s", True), id="scheduler flag"),
        pytest.param({"spec": {}}, None, (None, True), id="shard read, unset: eviction on"),
        pytest.param(None, None, (None, False), id="nothing readable"),
    ],
)
def test_kai_staleness(shard, args, expected):
    assert compat_facts.kai_staleness(shard, args) == expected


def test_driver_majors_from_gfd_labels():
    nodes = [{"metadata": {"name": "a", "labels": {"nvidia.com/cuda.driver-version.major": "580"}}},
             {"metadata": {"name": "b", "labels": {"nvidia.com/cuda.driver.major": "575"}}},
             {"metadata": {"name": "cpu", "labels": {}}}]
    assert compat_facts.driver_majors(nodes) == {"a": 580, "b": 575}


def test_grove_kai_backend_evidence():
    pods = [{"metadata": {"annotations": {"kai.scheduler/skip-podgrouper": "true"}}}]
    assert compat_facts.grove_kai_backend(pods) is True
    assert compat_facts.grove_kai_backend([{"metadata": {}}]) is None


def test_dgd_facts():
    tas = model.read_graph(dgd(name="tas", namespace="a", topologyConstraint={"topologyProfile": "rack"}))
    zero = model.read_graph(dgd({"w": vllm_worker(8, nodes=2, gpu="4", replicas=0)}, name="zero", namespace="a"))
    ds = model.read_graph(dgd(name="ds", annotations={"nvidia.com/enable-disaggregatedset": "true"}))
    long = model.read_graph(dgd({"Frontend": frontend(), "decode": vllm_worker(8, nodes=2, gpu="4")}, name="d" * 40))
    facts = compat_facts.dgd_facts([tas, zero, ds, long], gates.RuleSet("0.9.0"), grove=True)
    assert facts["topology_dgds"] == ["a/tas"]
    assert facts["scaled_dgds"] == ["a/zero"]
    assert facts["ds_dgds"] == ["ds"]
    assert [d for d, _ in facts["long_podcliques"]] == ["d" * 40]
    assert compat_facts.dgd_facts([long], gates.RuleSet("0.9.0"), grove=False)["long_podcliques"] == []
