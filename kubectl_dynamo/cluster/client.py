"""A thin facade over the API server's REST interface: GET/LIST (paginated)/server-side apply,
aggregated discovery, and independent reads in parallel.

Responses are read as plain JSON dicts (the generated model classes cost time and hide fields);
every failure becomes one ClusterError (exit 3) that names the object, or NotFound/Forbidden that
callers may handle. No error is ever read as "absent" except a real 404.
"""

from __future__ import annotations

import builtins
import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from kubectl_dynamo.cluster.connection import Connection
from kubectl_dynamo.errors import ClusterError, Conflict, Forbidden, Invalid, NotFound
from kubectl_dynamo.state.discovery import Discovery, Resource, parse_discovery

FIELD_MANAGER = "kubectl-dynamo"

# Aggregated discovery (Kubernetes >= 1.26 beta, GA in 1.30): one request for every group,
# version and resource; servers without it answer with the plain APIGroupList.
AGGREGATED_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)
METADATA_LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"


def resource_path(res: Resource, namespace: str | None = None, name: str | None = None) -> str:
    """The REST path of a resource's collection (in `namespace` when it is namespaced) or of one
    object in it."""
    base = f"/apis/{res.group}/{res.version}" if res.group else f"/api/{res.version}"
    if res.namespaced and namespace:
        base += f"/namespaces/{quote(namespace)}"
    base += f"/{res.plural}"
    if name:
        base += f"/{quote(name)}"
    return base


class Cluster:
    """Verb-named calls against one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._discovery: Discovery | None = None

    # --- raw ------------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, query: dict[str, Any] | None = None, body: Any = None,
                accept: str = "application/json", content_type: str | None = None, what: str | None = None,
                deadline: float | None = None) -> Any:
        """One call, within `deadline` (time.monotonic()), else --request-timeout from now: the
        deadline covers connecting, the whole answer and any retry the server asks for."""
        from kubectl_dynamo.cluster.transport import TransportError

        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        params = [(k, v) for k, v in (query or {}).items() if v is not None]
        if deadline is None and self.conn.timeout:
            deadline = time.monotonic() + self.conn.timeout
        try:
            resp = self.conn.transport.send(method, path, params=params, headers=headers, body=body, deadline=deadline)
        except TransportError as exc:
            raise transport_error(exc, self.conn, f"{method} {path}") from exc
        if not 200 <= resp.status <= 299:
            raise api_error(resp, what or path)
        try:
            data = json.loads(resp.data) if resp.data else {}
        except ValueError:
            raise ClusterError(f"the server {self.conn.host} answered {method} {path} with {len(resp.data)} bytes that "
                               "are not JSON (cut off, or not an API server?)") from None
        if not isinstance(data, dict):
            raise ClusterError(f"the server {self.conn.host} answered {method} {path} with JSON that is not an object")
        return data

    def get(self, path: str, **kw: Any) -> dict:
        return self.request("GET", path, **kw)

    def list(self, path: str, *, label_selector: str | None = None, field_selector: str | None = None,
             limit: int = 500, accept: str = "application/json", what: str | None = None) -> list[dict]:
        """Every item, following `continue` tokens (pagination keeps big lists cheap for the server)."""
        items: list[dict] = []
        token = None
        while True:
            page = self.get(path, query={"labelSelector": label_selector, "fieldSelector": field_selector,
                                         "limit": limit, "continue": token}, accept=accept, what=what)
            items.extend(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return items

    def apply(self, resource: Resource, obj: dict, *, namespace: str | None, force: bool = False,
              dry_run: bool = False) -> dict:
        """Server-side apply (PATCH application/apply-patch+yaml) with field manager kubectl-dynamo."""
        name = (obj.get("metadata") or {}).get("name")
        query: dict[str, Any] = {"fieldManager": FIELD_MANAGER}
        if force:
            query["force"] = "true"
        if dry_run:
            query["dryRun"] = "All"
        return self.request("PATCH", resource_path(resource, namespace, name), query=query, body=obj,
                            content_type="application/apply-patch+yaml",
                            what=f"{resource.plural}.{resource.group or 'core'}/{name}".replace(".core/", "/"))

    def delete(self, resource: Resource, namespace: str | None, name: str, *, uid: str | None = None,
               what: str | None = None) -> dict:
        """DELETE one object; with `uid`, only that very object (a precondition, 409 otherwise)."""
        body: dict[str, Any] = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"}
        if uid:
            body["preconditions"] = {"uid": uid}
        return self.request("DELETE", resource_path(resource, namespace, name), body=body, content_type="application/json",
                            what=what or f"{resource.plural}/{name}")

    def parallel(self, *calls: Callable[[], Any]) -> builtins.list[Any]:  # `list` is the method here
        """Run independent reads at once (8 at a time), results in call order (of any types:
        annotate what you unpack); the first error (in call order) is raised.

        Daemon threads, not a ThreadPoolExecutor: the executor's workers are joined at interpreter
        exit, so Ctrl-C during a stalled read would wait for that read's deadline (issue 10)."""
        if len(calls) == 1:
            return [calls[0]()]
        results: list[Any] = [None] * len(calls)
        errors: list[BaseException | None] = [None] * len(calls)
        todo = list(enumerate(calls))
        lock = threading.Lock()

        def worker() -> None:
            while True:
                with lock:
                    if not todo:
                        return
                    i, call = todo.pop(0)
                try:
                    results[i] = call()
                except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                    errors[i] = exc

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(min(8, len(calls)))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for exc in errors:
            if exc is not None:
                raise exc
        return results

    # --- discovery --------------------------------------------------------------------------------

    def discovery(self) -> Discovery:
        if self._discovery is None:
            core, groups = self.parallel(lambda: self.get("/api", accept=AGGREGATED_ACCEPT),
                                         lambda: self.get("/apis", accept=AGGREGATED_ACCEPT))
            try:
                self._discovery = parse_discovery(core, groups)
            except (KeyError, TypeError, AttributeError, ValueError) as exc:  # a group, version or resource of the wrong shape
                raise ClusterError(f"the server {self.conn.host} sent an API discovery document (GET /api, /apis) that "
                                   f"is malformed ({type(exc).__name__}: {exc}); is an aggregated API server broken? "
                                   "(kubectl get apiservices)") from None
        return self._discovery

    def resource_for(self, api_version: str, kind: str) -> Resource | None:
        """Map apiVersion+kind to its REST resource; falls back to per-version discovery."""
        disc = self.discovery()
        found = disc.resource_for(api_version, kind)
        if found or disc.complete:
            return found
        path = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
        try:
            doc = self.get(path)
        except NotFound:
            return None
        group, _, version = api_version.rpartition("/")
        for r in doc.get("resources") or []:
            if "/" in r.get("name", ""):
                continue
            res = Resource(group, version, r.get("kind"), r.get("name"), bool(r.get("namespaced")))
            disc.resources[(api_version, res.kind)] = res
        return disc.resource_for(api_version, kind)


def api_error(exc: Any, what: str) -> ClusterError:
    """A non-2xx answer (transport.Response, or an ApiException) as one line, using the server's
    Status message when there is one."""
    status = getattr(exc, "status", 0) or 0
    message = ""
    try:
        raw = getattr(exc, "body", None) or getattr(exc, "data", None)
        body = json.loads(raw) if raw else {}
        message = body.get("message") or ""
        message = message if isinstance(message, str) else ""
    except (ValueError, TypeError, AttributeError):
        message = ""
    message = " ".join(message.split())[:500]  # one line, whatever the server sent
    message = message or f"{exc.reason or 'error'} ({status})"
    retried = getattr(exc, "retried", None)
    if retried:
        message += f" (retried {len(retried)} times as the server asked)"
    if status == 404:
        return NotFound(f"{what}: not found")
    if status == 403:
        return Forbidden(f"forbidden: {message}")
    if status == 401:
        return ClusterError("unauthorized: the server rejected the credentials (check the context's user, or log in again)")
    if status == 409:
        return Conflict(message)
    if status == 422:
        return Invalid(message)
    err = ClusterError(f"{what}: {message}")
    err.detail = message  # type: ignore[attr-defined]  # for callers that name the object themselves
    return err


def transport_error(exc: Any, conn: Connection, what: str = "") -> ClusterError:
    """A transport.TransportError as kubectl would say it, one line naming what happened."""
    from kubectl_dynamo.cluster import transport

    kind, detail = exc.kind, exc.detail
    if kind == transport.TIMEOUT:
        if exc.retry_after is not None:
            return ClusterError(f"the server {conn.host} {detail.replace('the server ', '')} of --request-timeout "
                                f"{conn.timeout or 0:g}s ({what})")
        return ClusterError(f"the server {conn.host} did not answer {what} within {conn.timeout or 0:g}s (--request-timeout)")
    if kind == transport.TLS:
        return ClusterError(f"tls: cannot verify the server {conn.host}: {detail}")
    if kind == transport.REFUSED:
        return ClusterError(f"the connection to the server {conn.host} was refused - did you specify the right host or port?")
    if kind == transport.CLOSED:
        return ClusterError(f"the server {conn.host} closed the connection before its answer to {what} was complete ({detail})")
    if kind == transport.TOO_LARGE:
        return ClusterError(f"the server {conn.host} answered {what} with {detail}: not a Kubernetes answer")
    return ClusterError(f"cannot talk to the server {conn.host} ({what}): {' '.join(detail.split())[:300]}")
