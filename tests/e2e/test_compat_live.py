"""Version compatibility against real API servers: `doctor` gives every rule of
reference/compatibility.md §5 its own check, and `explain NAME` mirrors the operator line the
cluster runs and reports the skews that touch that DGD.

* A skewed cluster: operator 1.3.1, Grove v0.1.0-alpha.12 (its upstream CRD set, with
  ClusterTopologyBinding), KAI v0.14.0, stale-gang eviction on, a 575 driver, DGDs with a topology
  constraint and with DRA claims; then an operator image pinned below its chart.
* A matching cluster: operator 1.5.0, Grove alpha.13, KAI v0.17.0 with eviction off, a 580
  driver; explain uses the 1.5 rules (a live DGD's stored workload provider); then the operator
  is replaced by a 1.7.0 one, newer than the newest mirrored line.
* An old Grove (its alpha.8 CRD set, ClusterTopology) under operator 1.4.0.

The upstream CRD sets come from ../shared/crds; without them these tests skip.
"""

from __future__ import annotations

import pytest

from . import kube, scenarios
from .scenarios import OPERATOR, OPERATOR_NS, run

pytestmark = pytest.mark.e2e

NS = "llm"
DGD = {"group": "nvidia.com", "version": "v1alpha1", "plural": "dynamographdeployments"}
GROVE_NS, GROVE_CM = "grove-system", "grove-operator-cm-7c9f4d"
UPSTREAM = kube.UPSTREAM_CRDS


def _need_upstream():
    if not (UPSTREAM / "grove").is_dir() or not (UPSTREAM / "kai-scheduler").is_dir():
        pytest.skip(f"e2e: no upstream CRDs ({UPSTREAM} is absent)")


def _operator(c: kube.Cluster, image_tag: str, chart: str | None = None) -> None:
    """The operator Deployment with image tag `image_tag` and --operator-version=`chart`."""
    from kubernetes.client import ApiException

    scenarios.ensure_namespace(c, OPERATOR_NS)
    try:
        c.apps.delete_namespaced_deployment(OPERATOR, OPERATOR_NS)
    except ApiException as e:
        if e.status != 404:  # absent the first time
            raise
    c.create_operator_deployment(OPERATOR_NS, OPERATOR, f"nvcr.io/nvidia/ai-dynamo/kubernetes-operator:{image_tag}",
                                 scenarios.OPERATOR_LABELS,
                                 args=["--config=/etc/dynamo-operator/config.yaml", f"--operator-version={chart or image_tag}"])


def _grove(c: kube.Cluster, tag: str, profiles: list[str] | None) -> None:
    scenarios.ensure_namespace(c, GROVE_NS)
    volumes = None
    if profiles is not None:
        import yaml

        config = {"apiVersion": "operator.config.grove.io/v1alpha1", "kind": "OperatorConfiguration",
                  "scheduler": {"profiles": [{"name": p} for p in profiles]}}
        c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": GROVE_CM, "namespace": GROVE_NS},
                 "data": {"config.yaml": yaml.safe_dump(config)}})
        volumes = [{"name": "config", "configMap": {"name": GROVE_CM}}]
    c.create_operator_deployment(GROVE_NS, "grove-operator", f"ghcr.io/ai-dynamo/grove/grove-operator:{tag}",
                                 {"app.kubernetes.io/name": "grove-operator"}, args=["--config=/etc/grove/config.yaml"],
                                 container_name="grove-operator", volumes=volumes)


def _kai(c: kube.Cluster, tag: str, staleness: str | None) -> None:
    scenarios.ensure_namespace(c, "kai-scheduler")
    c.create_operator_deployment("kai-scheduler", "kai-operator", f"ghcr.io/kai-scheduler/kai-scheduler/operator:{tag}",
                                 {"app": "kai-operator"}, args=["--zap-log-level=info"], container_name="operator")
    args = {"default-staleness-grace-period": staleness} if staleness is not None else {}
    c.apply({"apiVersion": "kai.scheduler/v1", "kind": "SchedulingShard", "metadata": {"name": "default"},
             "spec": {"partitionLabelValue": "", "args": args}})
    scenarios.kai_queue(c, "dynamo")


def _setup(c: kube.Cluster, grove_crds: list) -> None:
    c.install_crds(UPSTREAM / "dynamo" / "nvidia.com_dynamographdeployments.yaml")
    c.install_crds(*grove_crds)
    c.install_crd_sets("upstream", sets=["kai-scheduler"])
    scenarios.ensure_namespace(c, NS)
    if not any(n.metadata.name == scenarios.SYSTEM_NODE for n in c.core.list_node().items):
        c.create_gpu_node(scenarios.SYSTEM_NODE, gpus=0)


def _dgd(name: str, *, topology: bool = False, claims: bool = False, annotations: dict | None = None,
         nodes: int = 2) -> dict:
    worker: dict = {"componentType": "worker", "replicas": 1, "resources": {"limits": {"gpu": "8"}},
                    "extraPodSpec": {"mainContainer": {"image": "nvcr.io/nvidia/ai-dynamo/vllm-runtime:1.5.0",
                                                       "command": ["python3", "-m", "dynamo.vllm"],
                                                       "args": ["--model", "m", "--tensor-parallel-size", str(8 * nodes)]}}}
    if nodes > 1:
        worker["multinode"] = {"nodeCount": nodes}
    if claims:
        worker["resources"] = {"claims": [{"name": "gpus"}]}
        worker["extraPodSpec"]["resourceClaims"] = [{"name": "gpus", "resourceClaimTemplateName": "eight-gpus"}]
    spec: dict = {"backendFramework": "vllm", "services": {"worker": worker}}
    if topology:
        spec["topologyConstraint"] = {"topologyProfile": "rack-topology", "packDomain": "rack"}
    meta: dict = {"name": name}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment", "metadata": meta, "spec": spec}


def _create(c: kube.Cluster, body: dict) -> None:
    c.custom.create_namespaced_custom_object(**DGD, namespace=NS, body=body)


def compat(res: scenarios.Result) -> dict[str, str]:
    return {c["id"]: c["status"] for c in res.json()["checks"] if c["section"] == "compatibility"}


# --- a skewed cluster --------------------------------------------------------------------------------

@pytest.fixture(scope="class")
def skewed():
    _need_upstream()
    with scenarios.fresh_cluster() as c:
        # Grove's current upstream CRD set: ClusterTopologyBinding (alpha.9 and newer)
        _setup(c, [UPSTREAM / "grove"])
        _operator(c, "1.3.1")
        scenarios.set_operator_config(c, scenarios.operator_config())
        _grove(c, "v0.1.0-alpha.12", ["default-scheduler", "kai-scheduler"])
        _kai(c, "v0.14.0", staleness=None)
        c.create_gpu_node("h100-0", labels={"nvidia.com/cuda.driver-version.major": "575"})
        c.create_gpu_node("h100-1", labels={"nvidia.com/cuda.driver-version.major": "575"})
        _create(c, _dgd("tas", topology=True))
        _create(c, _dgd("plain"))
        _create(c, _dgd("dra", claims=True))
        yield c


class TestSkewedCluster:
    def test_doctor_fails_each_broken_rule_and_passes_the_rest(self, skewed):
        res = run(skewed, "doctor", "-o", "json")
        assert res.exit_code == 1
        got = compat(res)
        assert len(got) == 14
        assert got == {
            "compat.operator-image": "pass",  # image 1.3.1 == --operator-version 1.3.1
            "compat.grove-topology-old-operator": "fail",  # 1.3 reads ClusterTopology, Grove serves the Binding, tas uses it
            "compat.grove-topology-new-operator": "pass",
            "compat.grove-version": "pass",  # alpha.12 >= the 1.3 floor alpha.8
            "compat.kai-version": "pass",  # v0.14.0 >= the 1.3 floor v0.13.4
            "compat.grove-kai-podgroups": "fail",  # alpha.12 owns the PodGroups, KAI < v0.15 ignores skip-podgrouper
            "compat.kai-staleness": "warn",  # kai-scheduler profile on, eviction on
            "compat.grove-scale-from-zero": "pass",  # alpha.12, but no DGD scaled to zero
            "compat.grove-volcano": "pass",
            "compat.kai-dra": "fail",  # Kubernetes 1.37, DGD dra claims GPUs, KAI < v0.14.1
            "compat.kubernetes": "pass",
            "compat.gpu-driver": "fail",  # 1.3 publishes CUDA 13 images only: driver 580
            "compat.disaggregatedset": "pass",
            "compat.grove-podclique-names": "pass",
        }
        r2 = res.check("compat.grove-topology-old-operator")
        assert f"{NS}/tas" in r2["summary"]
        assert 'no matches for kind "ClusterTopology" in version "grove.io/v1alpha1"' in r2["detail"]
        assert "1.4" in r2["hint"]
        assert "v0.15.0" in res.check("compat.grove-kai-podgroups")["hint"]

    def test_doctor_table_has_a_version_compatibility_section(self, skewed):
        out = run(skewed, "doctor").stdout
        assert "\nVersion compatibility\n" in out
        assert "  fail   R2: operator 1.3.1 expects ClusterTopology but Grove v0.1.0-alpha.12 serves ClusterTopologyBinding" in out

    def test_explain_reports_the_skews_of_that_dgd(self, skewed):
        exp = run(skewed, "explain", "tas", "-n", NS, "-o", "json").json()
        assert exp["trace"][0]["outcome"] == "1.3.1 (operator image tag; rule set 1.3)"
        skews = [f for f in exp["findings"] if f["code"] == "VERSION_SKEW"]
        assert any(f["message"].startswith("R2 ") and f["severity"] == "error" for f in skews)
        assert any(f["message"].startswith("R6 ") for f in skews)
        # a DGD without a topology constraint is not affected by R2
        plain = run(skewed, "explain", "plain", "-n", NS, "-o", "json").json()
        assert not any(f["message"].startswith("R2 ") for f in plain["findings"] if f["code"] == "VERSION_SKEW")

    def test_an_operator_image_pinned_below_its_chart(self, skewed):
        _operator(skewed, "1.3.1", chart="1.4.0")
        res = run(skewed, "doctor", "-o", "json")
        r1 = res.check("compat.operator-image")
        assert r1["status"] == "fail" and "flag provided but not defined: -operator-image" in r1["detail"]
        assert "1.4.0" in r1["hint"]


# --- a matching cluster, then an operator newer than the mirror --------------------------------------

@pytest.fixture(scope="class")
def matching():
    _need_upstream()
    with scenarios.fresh_cluster() as c:
        _setup(c, [UPSTREAM / "grove"])
        _operator(c, "1.5.0")
        scenarios.set_operator_config(c, scenarios.operator_config())
        _grove(c, "v0.1.0-alpha.13", ["default-scheduler", "kai-scheduler"])
        _kai(c, "v0.17.0", staleness="-1s")
        c.create_gpu_node("h100-0", labels={"nvidia.com/cuda.driver-version.major": "580"})
        c.create_gpu_node("h100-1", labels={"nvidia.com/cuda.driver-version.major": "580"})
        # created by a 1.5 operator: its webhook stored the provider; Grove was off then
        _create(c, _dgd("stored", nodes=1, annotations={"nvidia.com/workload-provider": "component",
                                                       "nvidia.com/dynamo-operator-origin-version": "1.5.0"}))
        yield c


class TestMatchingCluster:
    def test_doctor_passes_every_compatibility_rule(self, matching):
        res = run(matching, "doctor", "-o", "json")
        got = compat(res)
        assert {k for k, v in got.items() if v not in ("pass", "skip")} == set(), got
        assert got["compat.operator-image"] == got["compat.grove-version"] == got["compat.kai-version"] == "pass"
        assert got["compat.kai-staleness"] == "pass" and "-1s" in res.check("compat.kai-staleness")["summary"]
        assert res.check("dynamo.version")["summary"] == "operator version 1.5.0 (rule set 1.5)"

    def test_explain_uses_the_1_5_rules_and_says_so(self, matching):
        exp = run(matching, "explain", "stored", "-n", NS, "-o", "json").json()
        assert exp["trace"][0]["outcome"] == "1.5.0 (operator image tag; rule set 1.5)"
        # 1.5: the stored provider is authoritative although Grove is enabled now
        assert (exp["capabilities"]["grove"], exp["workloadProvider"], exp["pathway"]) == (True, "component", "component")
        step = next(t for t in exp["trace"] if t["step"] == "annotation nvidia.com/workload-provider")
        assert "authoritative" in step["outcome"]
        assert not [f for f in exp["findings"] if f["code"] == "VERSION_SKEW"]
        # the other side of the boundary: a 1.4 operator ignores the annotation and uses Grove
        old = run(matching, "explain", "stored", "-n", NS, "--operator-version", "1.4.2", "-o", "json").json()
        assert (old["workloadProvider"], old["pathway"]) == ("grove", "grove")

    def test_an_operator_newer_than_the_newest_line_is_warned_about(self, matching):
        _operator(matching, "1.7.0")
        doctor = run(matching, "doctor", "-o", "json")
        version = doctor.check("dynamo.version")
        assert version["status"] == "warn"
        assert version["summary"] == "operator version 1.7.0 is newer than the newest line the plugin mirrors (1.6, 1.6.1)"
        exp = run(matching, "explain", "stored", "-n", NS, "-o", "json").json()
        assert "newer than the newest mirrored line 1.6" in exp["trace"][0]["outcome"]
        newer = [f for f in exp["findings"] if f["code"] == "OPERATOR_NEWER_THAN_MIRROR"]
        assert [f["severity"] for f in newer] == ["warning"]
        assert "1.7.0" in newer[0]["message"] and "1.6" in newer[0]["message"]


# --- an old Grove under a new operator -------------------------------------------------------------

def test_an_alpha_8_grove_under_operator_1_4():
    _need_upstream()
    legacy = UPSTREAM / "grove" / "legacy" / "grove.io_clustertopologies.yaml"
    if not legacy.is_file():
        pytest.skip(f"e2e: {legacy} is absent")
    old_set = [p for p in kube.crd_files(UPSTREAM / "grove") if "clustertopologybindings" not in p.name] + [legacy]
    with scenarios.fresh_cluster() as c:
        _setup(c, old_set)
        _operator(c, "1.4.0")
        scenarios.set_operator_config(c, scenarios.operator_config())
        _grove(c, "v0.1.0-alpha.8", None)
        _kai(c, "v0.13.4", staleness=None)
        res = run(c, "doctor", "-o", "json")
        got = compat(res)
        assert got["compat.grove-topology-new-operator"] == "fail"  # R3: 1.4 needs ClusterTopologyBinding
        assert got["compat.grove-topology-old-operator"] == "pass"  # R2 is about the other direction
        assert got["compat.grove-version"] == "fail"  # R4: 1.4 below alpha.9 fails
        assert "v0.1.0-alpha.12-rc1" in res.check("compat.grove-topology-new-operator")["hint"]
        assert res.exit_code == 1
