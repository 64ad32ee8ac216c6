"""`get`'s reading of live DGDs (state/common.py, state/summary.py) and its table (report/get_text.py):
plain dicts in, rows out; the rendered tables are compared with golden files in tests/unit/golden
(UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import copy
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from kubectl_dynamo.report import get_text
from kubectl_dynamo.state import common
from kubectl_dynamo.state.summary import pods_by_dgd, summarize
from tests import golden

from .builders import (
    component_v1beta1,
    configmap,
    dgd,
    dgd_v1beta1,
    engine_volume,
    frontend,
    sglang_worker,
    trtllm_worker,
    vllm_worker,
)

GOLDEN = Path(__file__).parent / "golden"
NOW = dt.datetime(2026, 1, 1, 3, 12, 0, tzinfo=dt.timezone.utc)
CREATED = "2026-01-01T00:00:00Z"


def assert_golden(name: str, actual: str) -> None:
    """Compare with GOLDEN/NAME (UPDATE_GOLDEN=1 rewrites it)."""
    golden.assert_golden(GOLDEN / name, actual)


def live(doc: dict, *, namespace: str = "inference", created: str = CREATED, status: dict | None = None) -> dict:
    """`doc` as the API server returns it: namespace, creationTimestamp and an optional status."""
    obj = copy.deepcopy(doc)
    obj["metadata"].update({"namespace": namespace, "creationTimestamp": created})
    if status is not None:
        obj["status"] = status
    return obj


def disagg(**status: Any) -> dict:
    """Frontend + decode and prefill, each 2 nodes × 8 GPUs at TP 16, one replica each."""
    return live(dgd({"Frontend": frontend(),
                     "decode": vllm_worker(tp=16, nodes=2, gpu="8", sub_component_type="decode"),
                     "prefill": vllm_worker(tp=16, nodes=2, gpu="8", sub_component_type="prefill")},
                    name="llm-disagg", backend="vllm"), status=status or None)


GROVE_STATUS = {"state": "pending", "services": {
    "Frontend": {"componentKind": "PodClique", "replicas": 1, "readyReplicas": 1},
    "decode": {"componentKind": "PodCliqueScalingGroup", "replicas": 1, "availableReplicas": 1, "readyReplicas": 0},
    "prefill": {"componentKind": "PodCliqueScalingGroup", "replicas": 1, "availableReplicas": 0}}}


def pod(name: str, dgd_name: str = "llm-disagg", ns: str = "inference", scheduler: str = "kai-scheduler",
        queue: str | None = "dynamo") -> dict:
    labels = {"nvidia.com/dynamo-graph-deployment-name": dgd_name}
    if queue:
        labels["kai.scheduler/queue"] = queue
    return {"metadata": {"name": name, "namespace": ns, "labels": labels}, "spec": {"schedulerName": scheduler}}


# --- ages and timestamps ---------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "text"), [
    (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (45, "45s"), (119, "119s"), (120, "2m"), (330, "5m30s"),
    (599, "9m59s"), (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 12 * 60, "3h12m"),
    (8 * 3600, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"), (3 * 86400 + 4 * 3600, "3d4h"), (8 * 86400, "8d"),
    (400 * 86400, "400d"), (2 * 365 * 86400, "2y"), ((2 * 365 + 30) * 86400, "2y30d"), (9 * 365 * 86400, "9y"),
], ids=lambda v: str(v))
def test_ages_read_like_kubectl(seconds, text):
    assert common.human_duration(seconds) == text


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-01-01T00:00:00Z", dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)),
    ("2026-01-01T00:00:00.123456Z", dt.datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=dt.timezone.utc)),
    ("2026-01-01T02:00:00+02:00", dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)),
    ("not a time", None), (None, None), ("", None),
])
def test_timestamps_parse_as_utc(value, expected):
    assert common.parse_time(value) == expected


def test_age_without_a_timestamp_is_unknown():
    assert common.age(None, NOW) == "<unknown>"


# --- status readings -------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "entry"), [
    pytest.param({"services": {"Decode": {"readyReplicas": 1}}}, {"readyReplicas": 1}, id="v1alpha1 status.services map"),
    pytest.param({"components": {"decode": {"readyReplicas": 1}}}, {"readyReplicas": 1}, id="v1beta1 status.components map"),
    pytest.param({"components": [{"name": "decode", "readyReplicas": 1}]}, {"name": "decode", "readyReplicas": 1},
                 id="v1beta1 status.components list"),
    pytest.param({"components": [{"componentName": "decode"}]}, {"componentName": "decode"}, id="list keyed by componentName"),
])
def test_service_status_is_found_in_either_version_by_lower_case_name(status, entry):
    assert common.status_entries({"status": status}) == {"decode": entry}


def test_no_status_means_no_entries():
    assert common.status_entries({}) == {} and common.status_entries({"status": {"services": "junk"}}) == {}


@pytest.mark.parametrize(("entry", "ready"), [
    pytest.param({"componentKind": "PodCliqueScalingGroup", "availableReplicas": 2, "readyReplicas": 0}, 2,
                 id="a PCSG counts availableReplicas"),
    pytest.param({"componentKind": "PodClique", "readyReplicas": 1, "availableReplicas": 3}, 1,
                 id="a PodClique counts readyReplicas"),
    pytest.param({"componentKind": "Deployment", "availableReplicas": 1}, 1, id="falls back to the other count"),
    pytest.param({"componentKind": "LeaderWorkerSet"}, None, id="no count at all is unknown"),
    pytest.param(None, None, id="no entry is unknown"),
])
def test_ready_replicas_follow_the_operator(entry, ready):
    assert common.ready_replicas(entry) == ready


@pytest.mark.parametrize(("kinds", "annotation", "multinode", "expected"), [
    pytest.param(["PodClique", "PodCliqueScalingGroup"], None, True, ("grove", "status componentKind"), id="Grove kinds"),
    pytest.param(["Deployment", "LeaderWorkerSet"], None, True, ("lws", "status componentKind"), id="LWS with a Deployment"),
    pytest.param(["Deployment"], None, False, ("deployment", "status componentKind"), id="Deployments only"),
    pytest.param([], "grove", True, ("grove", "annotation nvidia.com/workload-provider"), id="provider grove"),
    pytest.param([], "Component", True, ("lws", "annotation nvidia.com/workload-provider"), id="provider component, multinode"),
    pytest.param([], "component", False, ("deployment", "annotation nvidia.com/workload-provider"), id="provider component, single-node"),
    pytest.param(["PodClique"], "component", True, ("grove", "status componentKind"), id="the status wins over the annotation"),
])
def test_orchestrator_from_status_or_workload_provider(kinds, annotation, multinode, expected):
    from kubectl_dynamo.dgd.model import read_graph

    services = {"w": vllm_worker(tp=8, nodes=2 if multinode else None, gpu="4" if multinode else "8")}
    doc = dgd(services, annotations={"nvidia.com/workload-provider": annotation} if annotation else None)
    doc["status"] = {"services": {f"s{i}": {"componentKind": k} for i, k in enumerate(kinds)}}
    assert common.orchestrator(doc, read_graph(doc)) == expected


def test_orchestrator_unknown_before_the_operator_reports():
    from kubectl_dynamo.dgd.model import read_graph

    name, source = common.orchestrator(dgd(), read_graph(dgd()))
    assert name is None and "not reported" in source


# --- summarize ---------------------------------------------------------------------------------------


def test_summary_of_a_grove_disagg_dgd():
    s = summarize(disagg(**GROVE_STATUS), [pod("a"), pod("b")])
    assert (s.name, s.namespace, s.state, s.ready, s.total, s.services) == ("llm-disagg", "inference", "pending", 2, 3, 3)
    assert (s.nodes, s.gpus, s.orchestrator, s.backend) == (4, 32, "grove", "vllm")
    assert (s.scheduler, s.queue, s.tp_text) == ("kai-scheduler", "dynamo", "decode=16,prefill=16")
    assert s.age(NOW) == "3h12m"


def test_summary_before_the_operator_wrote_a_status():
    s = summarize(disagg())
    assert (s.state, s.ready, s.total, s.orchestrator, s.scheduler) == (None, 0, 3, None, None)


def test_replicas_multiply_nodes_and_gpus():
    doc = live(dgd({"worker": vllm_worker(tp=16, nodes=2, gpu="8", replicas=3)}))
    s = summarize(doc)
    assert (s.nodes, s.gpus) == (6, 48)


def test_a_v1beta1_dgd_reads_the_same_from_status_components():
    doc = live(dgd_v1beta1([component_v1beta1("Frontend", "frontend", gpu=None),
                            component_v1beta1("decode", "decode", nodes=2, gpu="8", command=["python3", "-m", "dynamo.sglang"],
                                              args=["--tp", "16"])], name="beta", backend="sglang"),
               status={"state": "successful", "components": [
                   {"name": "Frontend", "componentKind": "PodClique", "readyReplicas": 1},
                   {"name": "decode", "componentKind": "PodCliqueScalingGroup", "availableReplicas": 1}]})
    s = summarize(doc)
    assert (s.api_version, s.ready, s.total, s.nodes, s.gpus, s.tp_text, s.backend) == (
        "nvidia.com/v1beta1", 2, 2, 2, 16, "decode=16", "sglang")


def test_trtllm_tp_comes_from_the_engine_configmap_or_is_unknown():
    worker = trtllm_worker(args=["--extra-engine-args", "/config/engine.yaml"], nodes=2, gpu="4",
                           **engine_volume("engine-cfg"))
    doc = live(dgd({"worker": worker}, backend="trtllm"))
    assert summarize(doc).tp_text == "worker=?"
    cms = {"engine-cfg": configmap("engine-cfg", {"engine.yaml": "tensor_parallel_size: 8\n"})["data"]}
    assert summarize(doc, configmaps=cms).tp_text == "worker=8"


@pytest.mark.parametrize(("annotations", "status", "pods", "expected"), [
    pytest.param(None, GROVE_STATUS, [pod("a", queue="team-a")], ("kai-scheduler", "team-a"), id="the pods' label"),
    pytest.param(None, GROVE_STATUS, [pod("a", scheduler="default-scheduler", queue=None)], ("default-scheduler", None),
                 id="pods on the default scheduler"),
    pytest.param({"nvidia.com/kai-scheduler-queue": " gpu "}, GROVE_STATUS, [], ("kai-scheduler", "gpu"),
                 id="no pods yet: the queue annotation, trimmed"),
    pytest.param(None, {"services": {"decode": {"componentKind": "LeaderWorkerSet"}}}, [], ("volcano", None),
                 id="no pods yet on the LWS path: volcano"),
    pytest.param(None, GROVE_STATUS, [], (None, None), id="no pods and nothing to go by"),
])
def test_scheduler_and_queue(annotations, status, pods, expected):
    doc = disagg(**status)
    if annotations:
        doc["metadata"]["annotations"] = annotations
    s = summarize(doc, pods)
    assert (s.scheduler, s.queue) == expected


def test_pods_are_grouped_by_namespace_and_dgd_label():
    grouped = pods_by_dgd([pod("a"), pod("b", dgd_name="other"), pod("c", ns="x"), {"metadata": {"name": "stray"}}])
    assert {k: [p["metadata"]["name"] for p in v] for k, v in grouped.items()} == {
        ("inference", "llm-disagg"): ["a"], ("inference", "other"): ["b"], ("x", "llm-disagg"): ["c"]}


# --- the table -----------------------------------------------------------------------------------------


def _summaries():
    agg = live(dgd({"Frontend": frontend(), "worker": sglang_worker(args=["--tp", "2"], gpu="2", replicas=2)},
                   name="agg-small", backend="sglang"), created="2026-01-01T03:11:15Z",
               status={"state": "successful", "services": {"Frontend": {"componentKind": "PodClique", "readyReplicas": 1},
                                                           "worker": {"componentKind": "PodClique", "readyReplicas": 2}}})
    lws = live(dgd({"decode": vllm_worker(tp=8, nodes=2, gpu="4")}, name="llm-lws", backend="vllm"), namespace="research",
               created="2025-12-29T00:00:00Z",
               status={"state": "failed", "services": {"decode": {"componentKind": "LeaderWorkerSet", "readyReplicas": 0}}})
    return [summarize(agg), summarize(disagg(**GROVE_STATUS), [pod("a")]), summarize(lws)]


@pytest.mark.parametrize(("name", "kwargs"), [
    ("get-table.txt", {}),
    ("get-wide-all-namespaces.txt", {"wide": True, "all_namespaces": True}),
    ("get-no-headers.txt", {"no_headers": True}),
])
def test_table_golden(name, kwargs):
    out = io.StringIO()
    get_text.render_table(_summaries(), out, NOW, **kwargs)
    assert_golden(name, out.getvalue())


def test_json_is_one_object_for_a_name_and_a_list_otherwise():
    a, b = {"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}
    assert get_text.as_data([a], single=True) is a
    assert get_text.as_data([a], single=False) == {"apiVersion": "v1", "items": [a], "kind": "List",
                                                   "metadata": {"resourceVersion": ""}}
    assert get_text.as_data([], single=False)["items"] == []
    out = io.StringIO()
    get_text.render_names([a, b], out)
    assert out.getvalue() == "dynamographdeployment.nvidia.com/a\ndynamographdeployment.nvidia.com/b\n"


# --- get's flag checks (no cluster) ---------------------------------------------------------------


@pytest.mark.parametrize(("name", "all_namespaces", "selector", "message"), [
    pytest.param("x", True, None, "a resource cannot be retrieved by name across all namespaces", id="NAME with -A"),
    pytest.param("x", False, "a=b", "when retrieving a resource by NAME, -l/--selector cannot be used", id="NAME with -l"),
])
def test_get_refuses_flag_combinations_kubectl_refuses(name, all_namespaces, selector, message):
    from kubectl_dynamo.cli.get_cmd import GetOptions
    from kubectl_dynamo.cli.options import GlobalOptions
    from kubectl_dynamo.errors import UsageError

    opts = GetOptions(name, all_namespaces, selector, False, "table", GlobalOptions(), io.StringIO(), io.StringIO())
    opts.complete()
    with pytest.raises(UsageError, match=message):
        opts.validate()
