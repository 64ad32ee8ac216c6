"""Server-side apply of a whole input, all or nothing as far as the API allows.

1. Map every document to its REST resource through discovery and settle its namespace the way
   kubectl does; any unknown kind or namespace clash refuses the whole input before a write.
2. Server-side dry-run every document (the server's schema, admission and webhooks judge each one);
   any rejection refuses the whole input, so a bad last document never leaves the first ones
   applied.
3. Apply for real (unless --dry-run), in dependency order: namespaces and CRDs, then config and
   storage, then workloads, DGDs last. Each object is reported created, configured or unchanged by
   comparing resourceVersions before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_dynamo.cluster.client import Cluster, NotFound, Resource
from kubectl_dynamo.errors import ClusterError

DRY_NONE, DRY_CLIENT, DRY_SERVER = "none", "client", "server"

_ORDER = {
    "Namespace": 0, "CustomResourceDefinition": 1, "PriorityClass": 2, "StorageClass": 2,
    "ServiceAccount": 3, "ClusterRole": 3, "Role": 3, "ClusterRoleBinding": 4, "RoleBinding": 4,
    "Secret": 5, "ConfigMap": 5, "PersistentVolume": 6, "PersistentVolumeClaim": 7,
    "Service": 8, "DynamoGraphDeployment": 20,
}


@dataclass
class Planned:
    doc: dict
    source: str
    resource: Resource
    namespace: str | None

    @property
    def name(self) -> str:
        return (self.doc.get("metadata") or {}).get("name", "")

    @property
    def ref(self) -> str:
        """kubectl's `kind.group/name` spelling, e.g. dynamographdeployment.nvidia.com/my-llm."""
        kind = self.resource.kind.lower()
        return f"{kind}.{self.resource.group}/{self.name}" if self.resource.group else f"{kind}/{self.name}"


@dataclass
class Applied:
    planned: Planned
    action: str  # created | configured | unchanged
    obj: dict


class ApplyRefused(ClusterError):
    """The input was refused before anything was written; `problems` lists every reason."""

    exit_code = 1

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"nothing applied: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
        self.problems = problems

    def lines(self) -> list[str]:
        return [f"nothing applied: {len(self.problems)} problem(s)", *[f"  {p}" for p in self.problems]]


def plan(cluster: Cluster, docs: list[tuple[dict, str]], namespace: str, namespace_explicit: bool) -> list[Planned]:
    """Map documents to resources and namespaces; raise ApplyRefused listing every problem."""
    out: list[Planned] = []
    problems: list[str] = []
    for doc, source in docs:
        api_version, kind = str(doc.get("apiVersion", "")), str(doc.get("kind", ""))
        meta = doc.get("metadata") or {}
        name = meta.get("name")
        if not name:
            problems.append(f"{source}: {kind} has no metadata.name")
            continue
        res = cluster.resource_for(api_version, kind)
        if res is None:
            problems.append(f'{source}: resource mapping not found for name: "{name}": no matches for kind "{kind}" in version "{api_version}" (ensure CRDs are installed first)')
            continue
        ns = None
        if res.namespaced:
            ns = meta.get("namespace") or namespace
            if namespace_explicit and meta.get("namespace") and meta["namespace"] != namespace:
                problems.append(f'{source}: the namespace from the provided object "{meta["namespace"]}" does not match the namespace "{namespace}". You must pass \'--namespace={meta["namespace"]}\' to perform this operation.')
                continue
        out.append(Planned(doc, source, res, ns))
    if problems:
        raise ApplyRefused(problems)
    keys = [(p.resource.api_version, p.resource.kind, p.namespace, p.name) for p in out]
    dupes = {k for k in keys if keys.count(k) > 1}
    if dupes:
        raise ApplyRefused([f"{k[1]} {k[3]} appears more than once in the input" for k in sorted(dupes, key=str)])
    return sorted(out, key=lambda p: _ORDER.get(p.resource.kind, 10))


def _body(p: Planned) -> dict:
    body = dict(p.doc)
    meta = dict(body.get("metadata") or {})
    if p.namespace:
        meta["namespace"] = p.namespace
    else:
        meta.pop("namespace", None)
    body["metadata"] = meta
    body.pop("status", None)
    return body


def _live(cluster: Cluster, p: Planned) -> dict | None:
    try:
        return cluster.get(p.resource.path(p.namespace, p.name), what=p.ref)
    except NotFound:
        return None


def _action(before: dict | None, after: dict) -> str:
    if before is None:
        return "created"
    rv_before = (before.get("metadata") or {}).get("resourceVersion")
    rv_after = (after.get("metadata") or {}).get("resourceVersion")
    return "unchanged" if rv_before == rv_after else "configured"


def apply_all(cluster: Cluster, planned: list[Planned], *, dry_run: str = DRY_NONE, force: bool = False) -> list[Applied]:
    """Apply every planned object; on a server-side rejection in the dry-run pass nothing is written."""
    befores = cluster.parallel(*[(lambda p=p: _live(cluster, p)) for p in planned]) if planned else []
    if dry_run == DRY_CLIENT:
        return [Applied(p, "created" if b is None else "configured", _body(p)) for p, b in zip(planned, befores, strict=True)]
    problems: list[str] = []
    checked: list[dict] = []
    for p in planned:  # the server's verdict on each, before any write
        try:
            checked.append(cluster.apply(p.resource, _body(p), namespace=p.namespace, force=force, dry_run=True))
        except NotFound as exc:
            # a namespace the input itself creates is not there yet for a dry run
            if any(q.resource.kind == "Namespace" and q.name == p.namespace for q in planned):
                checked.append(_body(p))
            else:
                problems.append(f"{p.source}: {p.ref}: {exc.message}")
        except ClusterError as exc:
            problems.append(f"{p.source}: {p.ref}: {exc.message}")
    if problems:
        raise ApplyRefused(problems)
    if dry_run == DRY_SERVER:
        return [Applied(p, "created" if b is None else ("unchanged" if _same_spec(b, c) else "configured"), c)
                for p, b, c in zip(planned, befores, checked, strict=True)]
    out: list[Applied] = []
    for p, before in zip(planned, befores, strict=True):
        after = cluster.apply(p.resource, _body(p), namespace=p.namespace, force=force)
        out.append(Applied(p, _action(before, after), after))
    return out


def _same_spec(before: dict, after: dict) -> bool:
    strip = ("managedFields", "resourceVersion", "generation", "creationTimestamp", "uid")

    def norm(o: dict) -> dict:
        o = dict(o)
        o["metadata"] = {k: v for k, v in (o.get("metadata") or {}).items() if k not in strip}
        o.pop("status", None)
        return o

    return norm(before) == norm(after)
