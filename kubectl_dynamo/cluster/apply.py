"""Server-side apply of a whole input, all or nothing as far as the API allows.

1. `plan()`: map every document to its REST resource through discovery and settle its namespace
   the way kubectl does (the document's, else -n, else the context's; cluster-scoped kinds none; a
   document namespace contradicting an explicit -n is refused). Any unknown kind, clash or
   duplicate refuses the whole input before a request that writes.
2. `apply_all()`: server-side dry-run every document (the server's schema, admission, webhooks
   and field-manager conflicts judge each one); any rejection refuses the whole input, so a bad
   last document never leaves the first ones applied.
3. Then apply for real (unless --dry-run), in dependency order: namespaces and CRDs, then config
   and storage, then workloads, DGDs last. Each object is reported created, configured or
   unchanged by comparing it before and after, bookkeeping fields left out.
4. A real write that fails after every dry run passed (a 500, a timeout, a webhook that changed its
   mind) stops the run there and rolls back what it created: those objects are deleted (with the
   uid as precondition, so nothing recreated meanwhile is touched). An object that existed before
   was configured, not created; deleting it would lose it, so it stays as applied, and the error
   names it, as it names any object whose delete failed (issue 10: never a half-applied input that
   is not said).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kubectl_dynamo.cluster.client import FIELD_MANAGER, Cluster, Resource, resource_path
from kubectl_dynamo.dgd.model import mapping
from kubectl_dynamo.errors import ApplyFailed, ApplyRefused, ClusterError, Conflict, NotFound, Rollback

DRY_NONE, DRY_CLIENT, DRY_SERVER = "none", "client", "server"
CREATED, CONFIGURED, UNCHANGED = "created", "configured", "unchanged"

_ORDER = {
    "Namespace": 0, "CustomResourceDefinition": 1, "PriorityClass": 2, "StorageClass": 2,
    "ServiceAccount": 3, "ClusterRole": 3, "Role": 3, "ClusterRoleBinding": 4, "RoleBinding": 4,
    "Secret": 5, "ConfigMap": 5, "PersistentVolume": 6, "PersistentVolumeClaim": 7,
    "Service": 8, "DynamoGraphDeployment": 20,
}
CONFLICT_HINT = (
    "hint: another field manager owns these fields. Re-run with --force-conflicts to take them over "
    f"as {FIELD_MANAGER!r}, or remove them from your manifest to leave them to their owner"
)


@dataclass
class Planned:
    doc: dict
    source: str  # where the document came from, for messages
    resource: Resource
    namespace: str | None

    @property
    def name(self) -> str:
        return str((self.doc.get("metadata") or {}).get("name", ""))

    @property
    def ref(self) -> str:
        """kubectl's `kind.group/name` spelling, e.g. dynamographdeployment.nvidia.com/my-llm."""
        kind = self.resource.kind.lower()
        return f"{kind}.{self.resource.group}/{self.name}" if self.resource.group else f"{kind}/{self.name}"


@dataclass
class Applied:
    planned: Planned
    action: str  # created | configured | unchanged
    obj: dict  # as the server returned it (the body sent, for --dry-run=client)

    @property
    def ref(self) -> str:
        return self.planned.ref


@dataclass
class ApplyResult:
    applied: list[Applied] = field(default_factory=list)


def plan(cluster: Cluster, docs: Sequence[tuple[dict, str]], namespace: str, namespace_explicit: bool) -> list[Planned]:
    """Map (document, source) pairs to resources and namespaces, in apply order; raise
    ApplyRefused listing every problem."""
    out: list[Planned] = []
    problems: list[str] = []
    for doc, source in docs:
        api_version, kind = str(doc.get("apiVersion", "")), str(doc.get("kind", ""))
        meta = mapping(doc, "metadata")
        name = meta.get("name")
        if not name:
            problems.append(f"{source}: {kind} has no metadata.name (server-side apply needs one)")
            continue
        res = cluster.resource_for(api_version, kind)
        if res is None:
            problems.append(f'{source}: resource mapping not found for name: "{name}": no matches for kind '
                            f'"{kind}" in version "{api_version}" (ensure CRDs are installed first)')
            continue
        ns = None
        if res.namespaced:
            given = meta.get("namespace")
            if namespace_explicit and given and given != namespace:
                problems.append(f'{source}: the namespace from the provided object "{given}" does not match the '
                                f'namespace "{namespace}". You must pass \'--namespace={given}\' to perform this operation.')
                continue
            ns = given or namespace
        out.append(Planned(doc, source, res, ns))
    keys = [(p.resource.api_version, p.resource.kind, p.namespace, p.name) for p in out]
    problems += [f"{p.source}: {p.ref} appears more than once in the input"
                 for i, p in enumerate(out) if keys[i] in keys[:i]]
    if problems:
        raise ApplyRefused(problems)
    return sorted(out, key=lambda p: _ORDER.get(p.resource.kind, 10))


def body_of(p: Planned) -> dict:
    """What is sent: the document with its settled namespace and without status."""
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
        return cluster.get(resource_path(p.resource, p.namespace, p.name), what=p.ref)
    except NotFound:
        return None


def _problem(p: Planned, exc: ClusterError) -> str:
    if isinstance(exc, NotFound):  # an apply PATCH creates: 404 means the namespace is missing
        what = f'namespaces "{p.namespace}" not found' if p.namespace else "the resource is no longer served"
        return f"{p.source}: {p.ref}: {what}"
    return f"{p.source}: {p.ref}: {getattr(exc, 'detail', exc.message)}"


def apply_all(cluster: Cluster, planned: list[Planned], *, dry_run: str = DRY_NONE, force: bool = False) -> ApplyResult:
    """Apply every planned object; a rejection in the server-side dry-run pass writes nothing."""
    if not planned:
        return ApplyResult()
    befores: list[dict | None] = cluster.parallel(*[(lambda p=p: _live(cluster, p)) for p in planned])
    if dry_run == DRY_CLIENT:  # nothing but reads: judge the change against the live object locally
        return ApplyResult([Applied(p, _client_action(b, body_of(p)), body_of(p)) for p, b in zip(planned, befores, strict=True)])
    creates_ns = {q.name for q in planned if q.resource.kind == "Namespace" and not q.resource.group}
    problems: list[str] = []
    conflicts = False
    checked: list[dict] = []
    for p in planned:  # the server's verdict on each, before any write
        try:
            checked.append(cluster.apply(p.resource, body_of(p), namespace=p.namespace, force=force, dry_run=True))
        except NotFound as exc:
            if p.namespace in creates_ns:  # the input makes that namespace: a dry run cannot see it yet
                checked.append(body_of(p))
            else:
                problems.append(_problem(p, exc))
        except ClusterError as exc:
            conflicts = conflicts or isinstance(exc, Conflict)
            problems.append(_problem(p, exc))
    if problems:
        raise ApplyRefused(problems, CONFLICT_HINT if conflicts else None)
    if dry_run == DRY_SERVER:
        return ApplyResult([Applied(p, _action(b, c), c) for p, b, c in zip(planned, befores, checked, strict=True)])
    result = ApplyResult()
    for p, before in zip(planned, befores, strict=True):
        try:  # kubectl carries on past a failed object; all or nothing means stopping and undoing
            after = cluster.apply(p.resource, body_of(p), namespace=p.namespace, force=force)
        except ClusterError as exc:
            raise ApplyFailed(_problem(p, exc), roll_back(cluster, result.applied), exc) from exc
        result.applied.append(Applied(p, _action(before, after), after))
    return result


def roll_back(cluster: Cluster, applied: list[Applied]) -> Rollback:
    """Undo a partial run, last applied first: delete what it created, name what it cannot undo."""
    rb = Rollback()
    for a in reversed(applied):
        if a.action == CONFIGURED:
            rb.stays.insert(0, f"{a.planned.ref} (configured by this run: its previous content is not restored)")
            continue
        if a.action != CREATED:
            continue
        uid = (a.obj.get("metadata") or {}).get("uid")
        try:
            cluster.delete(a.planned.resource, a.planned.namespace, a.planned.name, uid=uid, what=a.planned.ref)
        except NotFound:
            pass  # already gone
        except ClusterError as exc:
            rb.stays.insert(0, f"{a.planned.ref} (created by this run; deleting it failed: {getattr(exc, 'detail', exc.message)})")
            continue
        rb.deleted.insert(0, a.planned.ref)
    return rb


_VOLATILE = ("managedFields", "resourceVersion", "generation", "creationTimestamp", "uid")


def _action(before: dict | None, after: dict) -> str:
    """created, or configured/unchanged by comparing the object before and after, leaving out
    what the server keeps for itself. Not by resourceVersion: the server also writes when only
    bookkeeping changes (managedFields taking over a `before-first-apply` entry, a re-encoding
    of a freshly created PVC), which users would read as a change they did not make; and a dry
    run writes nothing at all."""
    if before is None:
        return CREATED

    def norm(o: dict) -> dict:
        o = dict(o)
        o["metadata"] = {k: v for k, v in (o.get("metadata") or {}).items() if k not in _VOLATILE}
        o.pop("status", None)
        return o

    return UNCHANGED if norm(before) == norm(after) else CONFIGURED


def _client_action(before: dict | None, body: dict) -> str:
    """Without asking the server: unchanged when the live object already holds every field of the
    manifest with the same value (server defaulting can make this say configured; never the reverse)."""
    if before is None:
        return CREATED
    return UNCHANGED if _contains(before, body) else CONFIGURED


def _contains(live: Any, want: Any) -> bool:
    if isinstance(want, dict):
        return isinstance(live, dict) and all(k in live and _contains(live[k], v) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(live, list) and len(live) == len(want) and all(map(_contains, live, want))
    return live == want
