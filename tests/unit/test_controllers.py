"""state/controllers.py: which Deployment is whose controller, availability and version."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_dynamo.state.controllers import (
    DYNAMO,
    GROVE,
    KAI,
    LWS,
    VOLCANO,
    classify,
    find_controllers,
    flag_value,
    image_tag,
    operator_configmap_name,
    to_controller,
)


def deployment(name: str, namespace: str = "ns", *, labels: dict[str, str] | None = None, image: str = "img:1.0.0",
               args: list[str] | None = None, container: str = "manager", available: bool = True, replicas: int = 1,
               generation: int = 1, observed: int = 1, volumes: list[dict] | None = None,
               extra_containers: list[dict] | None = None) -> dict[str, Any]:
    """A Deployment as the API returns it, with the deployment controller's status."""
    n = replicas if available else 0
    containers = [*(extra_containers or []), {"name": container, "image": image, "args": args or []}]
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}, "generation": generation},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"spec": {"containers": containers, "volumes": volumes or []}}},
        "status": {"observedGeneration": observed, "availableReplicas": n,
                   "conditions": [{"type": "Available", "status": "True" if available else "False"}]},
    }


@pytest.mark.parametrize("dep, project", [
    pytest.param(deployment("dynamo-platform-dynamo-operator-controller-manager"), DYNAMO, id="the platform chart's operator name"),
    pytest.param(deployment("my-op", labels={"app.kubernetes.io/name": "dynamo-operator"}), DYNAMO, id="the operator's name label"),
    pytest.param(deployment("dynamo-operator", args=["--config=/etc/dynamo-operator/config.yaml"]), DYNAMO,
                 id="a renamed operator with the config flag"),
    pytest.param(deployment("grove-operator"), GROVE, id="grove by name"),
    pytest.param(deployment("g", labels={"app.kubernetes.io/name": "grove-operator"}), GROVE, id="grove by label"),
    pytest.param(deployment("kai-operator", labels={"app": "kai-operator"}), KAI, id="the KAI operator"),
    pytest.param(deployment("binder", labels={"app.kubernetes.io/managed-by": "kai-operator"}), KAI, id="a KAI operand"),
    pytest.param(deployment("lws-controller-manager"), LWS, id="lws by name"),
    pytest.param(deployment("lws", labels={"app.kubernetes.io/name": "lws"}), LWS, id="lws by the helm label"),
    pytest.param(deployment("volcano-scheduler"), VOLCANO, id="the volcano scheduler"),
    pytest.param(deployment("vc", labels={"app": "volcano-controller"}), VOLCANO, id="the volcano controllers by label"),
    pytest.param(deployment("coredns"), None, id="anything else"),
    pytest.param(deployment("dynamo-operator-ui"), None, id="a dynamo-named deployment without the operator flag"),
])
def test_classify(dep, project):
    assert classify(dep) == project


@pytest.mark.parametrize("image, tag", [
    ("nvcr.io/nvidia/ai-dynamo/kubernetes-operator:1.1.0", "1.1.0"),
    ("localhost:5000/op", None),
    ("localhost:5000/op:v2", "v2"),
    ("repo/op:1.0.0@sha256:abc", "1.0.0"),
    ("repo/op@sha256:abc", None),
    (None, None),
])
def test_image_tag(image, tag):
    assert image_tag(image) == tag


@pytest.mark.parametrize("args, value", [
    (["--operator-version=1.1.0"], "1.1.0"),
    (["--operator-version", "1.0.2"], "1.0.2"),
    (["--operator-version=1.0.0", "--operator-version=1.1.0"], "1.1.0"),
    (["--operator-version="], None),
    (["--operator-version"], None),
    ([], None),
])
def test_flag_value(args, value):
    assert flag_value(args, "--operator-version") == value


@pytest.mark.parametrize("dep, version", [
    pytest.param(deployment("op", image="r/op:sha-1", args=["--operator-version=1.0.2"]), "1.0.2",
                 id="the operator-version argument beats a custom tag"),
    pytest.param(deployment("op", image="r/op:1.1.0"), "1.1.0", id="the image tag"),
    pytest.param(deployment("lws", image="r/lws:latest", labels={"app.kubernetes.io/version": "v0.7.0"}), "v0.7.0",
                 id="latest falls back to the helm version label"),
    pytest.param(deployment("grove-operator", image="r/grove", labels={"chart": "grove-charts-v0.1.0-alpha.8"}),
                 "v0.1.0-alpha.8", id="grove's chart label"),
    pytest.param(deployment("op", image="r/op"), None, id="nothing to go by"),
    pytest.param(deployment("op", image="r/op:1.1.0", extra_containers=[{"name": "kube-rbac-proxy", "image": "proxy:v0.15.0"}]),
                 "1.1.0", id="the manager container, not the sidecar"),
])
def test_version(dep, version):
    assert to_controller(DYNAMO, dep).version == version


@pytest.mark.parametrize("kw, available", [
    ({}, True),
    ({"available": False}, False),
    ({"generation": 2, "observed": 1}, False),  # the controller has not seen the latest spec
    ({"replicas": 0, "available": True}, False),  # scaled to zero: nothing serves
])
def test_availability(kw, available):
    assert to_controller(LWS, deployment("lws-controller-manager", **kw)).available is available


def test_find_controllers_puts_the_project_primary_and_available_first():
    found = find_controllers([
        deployment("binder", "kai", labels={"app.kubernetes.io/managed-by": "kai-operator"}),
        deployment("kai-operator", "kai", labels={"app": "kai-operator"}),
        deployment("kai-scheduler-default", "kai", labels={"app.kubernetes.io/managed-by": "kai-operator"}, available=False),
        deployment("b-dynamo-operator-controller-manager", "b", available=False),
        deployment("a-dynamo-operator-controller-manager", "a"),
        deployment("coredns", "kube-system"),
    ])
    assert set(found) == {KAI, DYNAMO}
    assert [c.name for c in found[KAI]] == ["kai-operator", "kai-scheduler-default", "binder"]
    assert [c.ref for c in found[DYNAMO]] == ["a/a-dynamo-operator-controller-manager", "b/b-dynamo-operator-controller-manager"]


@pytest.mark.parametrize("dep, name", [
    pytest.param(deployment("x-dynamo-operator-controller-manager",
                            volumes=[{"name": "config", "configMap": {"name": "custom-config"}}]), "custom-config",
                 id="the mounted config"),
    pytest.param(deployment("rel-dynamo-operator-controller-manager"), "rel-dynamo-operator-config", id="the chart's naming"),
    pytest.param(deployment("dynamo-operator"), None, id="no way to tell"),
])
def test_operator_configmap_name(dep, name):
    assert operator_configmap_name(to_controller(DYNAMO, dep)) == name
