"""`apply --wait`'s reading of a DGD status (state/progress.py) and its rendering
(report/apply_text: progress line, live/plain writer, durations, summary, redaction)."""

from __future__ import annotations

import base64
import io

import pytest

from kubectl_dynamo.dgd import capabilities, model, plan
from kubectl_dynamo.report import apply_text
from kubectl_dynamo.state import common
from kubectl_dynamo.state.common import human_duration
from kubectl_dynamo.state.progress import FAILED, READY, Progress, progress


def _dgd(status: dict | None, generation: int = 1) -> dict:
    obj = {"apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment",
           "metadata": {"name": "my-llm", "generation": generation}, "spec": {}}
    if status is not None:
        obj["status"] = status
    return obj


def _ready(status: str, reason: str = "", message: str = "") -> list[dict]:
    return [{"type": "Ready", "status": status, "reason": reason, "message": message}]


@pytest.mark.parametrize(
    "status, generation, outcome",
    [
        (None, 1, None),
        ({"state": "initializing"}, 1, None),
        ({"state": "pending", "conditions": _ready("False", "some_resources_are_not_ready")}, 1, None),
        ({"state": "successful", "conditions": _ready("True", "all_resources_are_ready")}, 1, READY),
        ({"state": "successful", "conditions": _ready("False")}, 1, None),
        ({"state": "successful"}, 1, None),
        ({"state": "failed", "conditions": _ready("False", "failed_to_reconcile_the_resources", "boom")}, 1, FAILED),
        ({"state": "successful", "conditions": _ready("True"), "observedGeneration": 1}, 2, None),
        ({"state": "failed", "conditions": _ready("False"), "observedGeneration": 1}, 2, None),
        ({"state": "successful", "conditions": _ready("True"), "observedGeneration": 2}, 2, READY),
    ],
    ids=[
        "no status yet is still waiting",
        "initializing is still waiting",
        "pending with Ready=False is still waiting",
        "successful with Ready=True is ready",
        "successful with Ready=False is not ready yet",
        "successful without a Ready condition is not ready yet",
        "failed is failed",
        "a ready status for the previous generation does not count",
        "a failure of the previous generation does not count",
        "a ready status for the applied generation counts",
    ],
)
def test_outcome_of_a_status(status, generation, outcome):
    assert progress(_dgd(status, generation)).outcome == outcome


def test_services_count_ready_replicas_as_the_operator_does():
    """A PCSG is ready by availableReplicas, everything else by readyReplicas, each falling back
    to the other (GetComponentReadinessAndServiceReplicaStatuses): the same rule as get's READY
    and describe's REPLICAS, so --wait and get never disagree about one status."""
    status = {"state": "pending", "services": {
        "Frontend": {"componentKind": "Deployment", "replicas": 1, "readyReplicas": 1, "availableReplicas": 0},
        "decode": {"componentKind": "PodCliqueScalingGroup", "replicas": 2, "readyReplicas": 2, "availableReplicas": 1},
        "prefill": {"componentKind": "PodClique", "replicas": 1},
        "planner": {"componentKind": "PodCliqueScalingGroup", "replicas": 1, "readyReplicas": 1},
    }}
    p = progress(_dgd(status))
    assert p.services == {"Frontend": (1, 1), "decode": (1, 2), "prefill": (0, 1), "planner": (1, 1)}
    dgd = _dgd(status)
    assert [common.ready_replicas(e) or 0 for _, e in common.status_items(dgd)] == [r for r, _ in p.services.values()]


def test_v1beta1_components_are_read_as_a_map_or_a_list():
    as_map = progress(_dgd({"components": {"decode": {"replicas": 2, "readyReplicas": 2}}}))
    as_list = progress(_dgd({"components": [{"name": "decode", "replicas": 2, "readyReplicas": 2}]}))
    assert as_map.services == as_list.services == {"decode": (2, 2)}


def test_malformed_status_values_do_not_crash():
    p = progress(_dgd({"state": None, "conditions": "nope", "services": {"x": None, "y": {"replicas": "two"}},
                       "observedGeneration": "abc"}))
    assert p.services == {"y": (0, 0)}  # an entry that is not a mapping is no status
    assert (p.state, p.ready_condition, p.outcome) == ("", None, None)


def test_ready_reason_and_message_are_kept():
    p = progress(_dgd({"state": "pending", "conditions": _ready(
        "False", "some_resources_are_not_ready", "Resources not ready: pcsg/my-llm-0-decode: desired=1, available=0")}))
    assert p.reason == "some_resources_are_not_ready"
    assert p.message.startswith("Resources not ready: pcsg/my-llm-0-decode")


def test_a_deleted_dgd_is_failed():
    assert Progress("", None, message="gone", deleted=True).outcome == FAILED


# --- rendering --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prog, line",
    [
        (Progress("", None), "my-llm: waiting for the operator"),
        (Progress("pending", "False", message="Resources not ready: x", services={"Frontend": (1, 1), "decode": (0, 2)}),
         "my-llm: pending  Frontend 1/1  decode 0/2  Resources not ready: x"),
        (Progress("successful", "True", services={"decode": (2, 2)}, observed=False),
         "my-llm: successful (operator has not seen the new spec yet)  decode 2/2"),
    ],
    ids=["before any status", "ready/desired per service, then the Ready message", "a stale status says so"],
)
def test_progress_line(prog, line):
    assert apply_text.progress_line("my-llm", prog) == line


def test_progress_writer_on_a_terminal_rewrites_one_line():
    out = io.StringIO()
    w = apply_text.ProgressWriter(out, tty=True)
    w.update("a", "a: pending")
    w.update("a", "a: successful")
    w.finish()
    assert out.getvalue() == "\ra: pending\033[K\ra: successful\033[K\n"


def test_progress_writer_on_a_terminal_joins_several_dgds_and_never_wraps(monkeypatch):
    out = io.StringIO()
    w = apply_text.ProgressWriter(out, tty=True)
    monkeypatch.setattr(w, "columns", lambda: 40)
    w.update("a", "a: pending")
    w.update("b", "b: pending  " + "x" * 80)
    last = out.getvalue().split("\r")[-1].removesuffix("\033[K")
    assert last.startswith("a: pending | b: pending") and len(last) == 39 and last.endswith("…")


def test_progress_writer_width_falls_back_to_columns_when_the_stream_is_no_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "77")
    assert apply_text.ProgressWriter(io.StringIO(), tty=True).columns() == 77


def test_progress_writer_elsewhere_prints_plain_lines():
    out = io.StringIO()
    w = apply_text.ProgressWriter(out, tty=False)
    w.update("a", "a: pending")
    w.update("a", "a: successful")
    w.finish()
    assert out.getvalue() == "a: pending\na: successful\n"


@pytest.mark.parametrize("seconds, text", [(0, "0s"), (45.9, "45s"), (119, "119s"), (125, "2m5s"), (600, "10m"),
                                           (3720, "62m"), (10800, "3h"), (11000, "3h3m")])
def test_wait_durations_read_like_kubectl_ages(seconds, text):
    """apply --wait's "ready after" and "timed out after" use the one formatter, kubectl's
    HumanDuration (get's AGE), not a second one that wrote 3h as "3h0m"."""
    assert human_duration(seconds) == text


@pytest.mark.parametrize(
    "dry_run, line",
    [("none", "configmap/x created"), ("client", "configmap/x created (dry run)"),
     ("server", "configmap/x created (server dry run)")],
)
def test_object_line_suffixes(dry_run, line):
    assert apply_text.object_line("configmap/x", "created", dry_run) == line


def test_secret_values_are_never_printed():
    secret = {"apiVersion": "v1", "kind": "Secret",
              "metadata": {"name": "s", "managedFields": [{"manager": "m"}],
                           "annotations": {apply_text.LAST_APPLIED: '{"stringData":{"p":"hunter2"}}'}},
              "data": {"token": base64.b64encode(b"s3cr3t!").decode()}, "stringData": {"p": "hunter2"}}
    shown = apply_text.redact(secret)
    assert shown["data"] == {"token": "<redacted: 7 bytes>"}
    assert shown["stringData"] == {"p": "<redacted: 7 bytes>"}
    assert "hunter2" not in repr(shown) and "s3cr3t" not in repr(shown) and "managedFields" not in shown["metadata"]
    assert secret["stringData"] == {"p": "hunter2"}  # the input is left alone


class _Applied:
    def __init__(self, obj: dict) -> None:
        self.ref, self.action, self.obj = f"configmap/{obj['metadata']['name']}", "created", obj


def test_objects_data_is_one_object_or_kubectls_list():
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
    assert apply_text.objects_data([_Applied(cm)]) == cm
    assert apply_text.objects_data([_Applied(cm), _Applied(cm)]) == {
        "apiVersion": "v1", "items": [cm, cm], "kind": "List", "metadata": {"resourceVersion": ""}}


def _disagg() -> dict:
    def worker(sub: str) -> dict:
        return {"componentType": "worker", "subComponentType": sub, "replicas": 1, "multinode": {"nodeCount": 2},
                "resources": {"limits": {"gpu": "8"}},
                "extraPodSpec": {"mainContainer": {"image": "example.com/vllm-runtime:1.1.0", "command": ["python3", "-m", "dynamo.vllm"],
                                                   "args": ["--model", "m", "--tensor-parallel-size", "16"]}}}

    return {"apiVersion": "nvidia.com/v1alpha1", "kind": "DynamoGraphDeployment", "metadata": {"name": "my-llm"},
            "spec": {"backendFramework": "vllm", "services": {"decode": worker("decode"), "prefill": worker("prefill")}}}


@pytest.mark.parametrize(
    "assume, with_pathway, text",
    [
        ("grove,kai", True, "my-llm: 2 services, 32 GPUs (decode 2×8 TP=16, prefill 2×8 TP=16), pathway grove, queue dynamo"),
        ("lws,volcano", True, "my-llm: 2 services, 32 GPUs (decode 2×8 TP=16, prefill 2×8 TP=16), pathway component, scheduler volcano"),
        ("grove", False, "my-llm: 2 services, 32 GPUs (decode 2×8 TP=16, prefill 2×8 TP=16)"),
    ],
    ids=["grove with KAI names the queue", "LWS names volcano", "without cluster checks no pathway is claimed"],
)
def test_dgd_summary(assume, with_pathway, text):
    exp = plan.explain(model.read_graph(_disagg()), capabilities.assumed(assume, None))
    assert apply_text.dgd_summary(exp, with_pathway) == text


def test_dgd_summary_shows_replicas_and_pp():
    doc = _disagg()
    doc["spec"]["services"]["decode"]["replicas"] = 3
    doc["spec"]["services"]["decode"]["extraPodSpec"]["mainContainer"]["args"] = [
        "--model", "m", "--tensor-parallel-size", "8", "--pipeline-parallel-size", "2"]
    exp = plan.explain(model.read_graph(doc), capabilities.assumed("grove", None))
    assert apply_text.dgd_summary(exp) == (
        "my-llm: 2 services, 64 GPUs (decode 3×(2×8) TP=8 PP=2, prefill 2×8 TP=16), pathway grove")
