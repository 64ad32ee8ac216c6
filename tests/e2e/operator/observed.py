"""Running the corpus against the real operator and reading back what it made.

Everything here talks to the cluster; compare.py is pure and works on what this module collects.
"""

from __future__ import annotations

import copy
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import kube, scenarios
from .corpus import Case, namespace_for

RUNS: list = []  # every combination run this session, for the summary at the end

# Fields an orchestrator's own admission webhook defaults in a real install. The operator sends
# them as Go zero values; without that orchestrator's controller the CRD schema rejects the object.
# LWS (pkg/webhooks/leaderworkerset_webhook.go) sets rolloutStrategy.type to RollingUpdate when empty.
WEBHOOK_DEFAULTED = {
    "leaderworkersets.leaderworkerset.x-k8s.io": [("spec", "rolloutStrategy", "type")],
}
# never children: the kinds the cluster itself writes, or that the corpus applies
NOT_CHILDREN = {"Event"}


def install_crds(cluster: kube.Cluster, sets: tuple[str, ...], operator_crds) -> None:
    """The operator's own CRDs (``operator_crds``: its source's config/crd/bases, so another operator
    line brings its own) and the orchestrators' upstream CRD sets, with the enum of each
    webhook-defaulted field relaxed (see above)."""
    chosen = [v for k, v in kube.crd_sets("upstream").items() if k in sets and k != "dynamo"]
    docs = kube.load_crds(operator_crds, *chosen)
    with tempfile.TemporaryDirectory() as tmp:
        for doc in docs:
            for path in WEBHOOK_DEFAULTED.get(doc["metadata"]["name"], []):
                doc = copy.deepcopy(doc)
                for version in doc["spec"]["versions"]:
                    node = version["schema"]["openAPIV3Schema"]
                    for part in path:
                        node = node["properties"][part]
                    node.pop("enum", None)
            (Path(tmp) / f"{doc['metadata']['name']}.json").write_text(json.dumps(doc))
        cluster.install_crds(tmp)


def install_kai_queues(cluster: kube.Cluster, queues: tuple[str, ...]) -> None:
    """The chart's dynamo-default (root) and dynamo queues, and any others under the root."""
    root, *rest = queues
    scenarios.kai_queue(cluster, root)
    for q in rest:
        scenarios.kai_queue(cluster, q, parent=root)


def install_stand_in(cluster: kube.Cluster, op) -> None:
    """What a chart install puts beside the operator process and explain reads: the Deployment
    (image tag = the --operator-version the operator runs with), its ConfigMap holding the same
    OperatorConfiguration, and a running pod started now (after the CRDs)."""
    scenarios.install_operator(cluster, config=op.config_text, version=op.version)


@dataclass
class CaseResult:
    case: Case
    namespace: str
    admitted: bool
    rejection: str | None  # the API server's message when the DGD was refused
    applied: dict[str, set[str]]  # kind -> names the corpus applied (not children)
    live: dict | None = None  # the DGD as stored, after the operator reconciled it
    children: dict[str, dict[str, dict]] = field(default_factory=dict)  # kind -> name -> object
    explanation: dict | None = None  # `explain NAME -o json` on the live cluster
    explain_exit: int | None = None
    explain_stderr: str = ""
    validation: dict | None = None  # `validate -f - -o json` of the DGD as submitted


@dataclass
class Run:
    combination: str
    operator: Any  # scripts/operator.py Operator
    results: dict[str, CaseResult]
    setup_seconds: float = 0.0
    settle_seconds: float = 0.0
    explain_seconds: float = 0.0
    _checks: dict[str, dict] = field(default_factory=dict)

    def checks(self, case_id: str) -> dict:
        """compare.checks of one case; cached."""
        from . import compare

        if case_id not in self._checks:
            self._checks[case_id] = compare.checks(self.results[case_id])
        return self._checks[case_id]


def _apply(cluster: kube.Cluster, ns: str, case: Case) -> CaseResult:
    from kubernetes.client import ApiException

    applied: dict[str, set[str]] = {}
    rejection = None
    for doc in case.docs:
        try:
            cluster.apply(doc, ns)
        except ApiException as e:
            if doc["kind"] != "DynamoGraphDeployment":
                raise
            try:
                rejection = json.loads(e.body).get("message", e.body)
            except (TypeError, ValueError):
                rejection = str(e.body)
            continue
        applied.setdefault(doc["kind"], set()).add(doc["metadata"]["name"])
    return CaseResult(case, ns, rejection is None, rejection, applied)


def _namespaced_lists(cluster: kube.Cluster, only: set[str] | None = None) -> dict[str, dict[str, list[dict]]]:
    """namespace -> kind -> objects, one cluster-wide list per resource (``only``: those plurals)."""
    from concurrent.futures import ThreadPoolExecutor

    infos = [i for k, i in cluster.resources(refresh=True).items()
             if i["namespaced"] and "list" in i["verbs"] and i["kind"] not in NOT_CHILDREN
             and (only is None or k in only)]

    def fetch(info):
        return info, cluster.request("GET", cluster._path(info["group_version"], info["plural"]))["items"]

    out: dict[str, dict[str, list[dict]]] = {}
    with ThreadPoolExecutor(8) as pool:
        for info, items in pool.map(fetch, infos):
            for obj in items:
                ns = obj["metadata"]["namespace"]
                out.setdefault(ns, {}).setdefault(info["kind"], []).append(obj)
    return out


SETTLE_KINDS = {"dynamographdeployments.nvidia.com", "dynamocomponentdeployments.nvidia.com",
                "podcliquesets.grove.io", "leaderworkersets.leaderworkerset.x-k8s.io",
                "podgroups.scheduling.volcano.sh", "deployments.apps", "configmaps", "secrets"}


def _settle(cluster: kube.Cluster, results: list[CaseResult], timeout: float = 120.0, quiet: float = 3.0) -> float:
    """Until every admitted DGD has been reconciled (a status or a child) and nothing the
    operator writes has changed for ``quiet`` seconds."""
    t0 = time.monotonic()
    namespaces = {r.namespace for r in results if r.admitted}
    last, since = None, time.monotonic()
    while True:
        lists = _namespaced_lists(cluster, SETTLE_KINDS)
        snap = {ns: sorted((k, o["metadata"]["name"], _version(k, o)) for k, objs in lists.get(ns, {}).items()
                           for o in objs) for ns in namespaces}
        reconciled = all(
            any(k != "DynamoGraphDeployment" and not (k == "ConfigMap" and n in _applied(results, ns)) for k, n, _ in snap[ns])
            or any((o.get("status") or {}).get("state") for o in lists.get(ns, {}).get("DynamoGraphDeployment", []))
            for ns in namespaces)
        now = time.monotonic()
        if snap != last:
            last, since = snap, now
        elif reconciled and now - since >= quiet:
            return now - t0
        if now - t0 > timeout:
            return now - t0
        time.sleep(0.5)


def _version(kind: str, obj: dict) -> str:
    """What counts as a change: a DGD's state and Ready condition (a failing DGD's status is written
    again on every retry, with a new resourceVersion but the same content), any other object's
    resourceVersion."""
    if kind != "DynamoGraphDeployment":
        return obj["metadata"]["resourceVersion"]
    st = obj.get("status") or {}
    ready = [(c.get("reason"), c.get("message")) for c in st.get("conditions") or [] if c.get("type") == "Ready"]
    return json.dumps([st.get("state"), ready, (obj["metadata"].get("annotations") or {})], sort_keys=True)


def _applied(results: list[CaseResult], ns: str) -> set[str]:
    r = next(r for r in results if r.namespace == ns)
    return r.applied.get("ConfigMap", set())


def run_corpus(combination: str, cluster: kube.Cluster, op, cases: list[Case]) -> Run:
    results = []
    for i, case in enumerate(cases):
        ns = namespace_for(i, case)
        scenarios.ensure_namespace(cluster, ns)
        results.append(_apply(cluster, ns, case))
    settle = _settle(cluster, results)
    lists = _namespaced_lists(cluster)
    for r in results:
        mine = lists.get(r.namespace, {})
        for kind, objs in mine.items():
            for obj in objs:
                name = obj["metadata"]["name"]
                if kind == "DynamoGraphDeployment" and name == r.case.name:
                    r.live = obj
                elif name not in r.applied.get(kind, set()):
                    r.children.setdefault(kind, {})[name] = obj
    t0 = time.monotonic()
    for r in results:
        res = scenarios.run(cluster, "validate", "-f", "-", "--operator-version", op.version, "-o", "json",
                            stdin=yaml.safe_dump(r.case.dgd, sort_keys=False))
        r.validation = res.json()
        if r.admitted:
            res = scenarios.run(cluster, "explain", r.case.name, "-n", r.namespace, "-o", "json")
            r.explain_exit, r.explain_stderr = res.exit_code, res.stderr
            if res.stdout.strip():
                r.explanation = res.json()
    explain = time.monotonic() - t0
    return Run(combination, op, {r.case.id: r for r in results}, settle_seconds=round(settle, 1),
               explain_seconds=round(explain, 1))


def summary() -> list[str]:
    """DGDs and fields compared per combination, what did not match and why, and the time taken."""
    import statistics

    lines = []
    for run in RUNS:
        per_dgd, explained, rejected = [], 0, 0
        states = {"ok": 0, "contract": 0, "mismatch": 0}
        for cid, r in run.results.items():
            cs = [c for v in run.checks(cid).values() for c in v]
            per_dgd.append(len(cs))
            explained += r.explanation is not None
            rejected += not r.admitted
            for c in cs:
                states["ok" if c.ok else "contract" if c.contract else "mismatch"] += 1
        lines.append(
            f"{run.combination}: {len(run.results)} DGDs compared ({explained} explained live, {rejected} refused at "
            f"admission); {sum(per_dgd)} fields, per DGD min {min(per_dgd)} / median {statistics.median(per_dgd):g} / "
            f"max {max(per_dgd)}; equal {states['ok']}, out of contract "
            f"{states['contract']}, different {states['mismatch']}; set-up {run.setup_seconds}s "
            f"(settle {run.settle_seconds}s, explain+validate {run.explain_seconds}s)")
    return lines
