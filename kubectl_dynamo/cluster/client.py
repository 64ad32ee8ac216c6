"""A thin facade over the API server's REST interface: GET/LIST (paginated)/server-side apply,
aggregated discovery, and independent reads in parallel.

Responses are read as plain JSON dicts (the generated model classes cost time and hide fields);
every failure becomes one ClusterError (exit 3) that names the object, or NotFound/Forbidden that
callers may handle. No error is ever read as "absent" except a real 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import quote

from kubectl_dynamo.cluster.connection import Connection
from kubectl_dynamo.errors import ClusterError, Conflict, Forbidden, Invalid, NotFound
from kubectl_dynamo.state.discovery import Discovery, Resource, parse_discovery

FIELD_MANAGER = "kubectl-dynamo"
T = TypeVar("T")

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
                accept: str = "application/json", content_type: str | None = None, what: str | None = None) -> Any:
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        params = [(k, v) for k, v in (query or {}).items() if v is not None]
        try:
            data = self._send(method, path, params, headers, body)
        except ApiException as exc:
            raise api_error(exc, what or path) from exc
        except (HTTPError, OSError) as exc:  # urllib3 connection, TLS and timeout errors
            raise transport_error(exc, self.conn) from exc
        return json.loads(data) if data else {}

    def _send(self, method: str, path: str, params: list, headers: dict, body: Any) -> bytes:
        """One HTTP round trip through the client's pool (its TLS and auth); raises ApiException
        on a non-2xx status. kubernetes >= 33 (new generator) split call_api into
        param_serialize + call_api(method, url) and no longer raises on status itself."""
        from kubernetes.client.exceptions import ApiException

        api = self.conn.api
        if hasattr(api, "param_serialize"):
            method, url, headers, body, _ = api.param_serialize(
                method, path, query_params=params, header_params=headers, body=body, auth_settings=["BearerToken"])
            resp = api.call_api(method, url, header_params=headers, body=body, _request_timeout=self.conn.timeout)
            data = resp.read()
            if not 200 <= resp.status <= 299:
                raise ApiException(http_resp=resp)
            return data
        resp = api.call_api(path, method, query_params=params, header_params=headers, body=body,
                            auth_settings=["BearerToken"], _preload_content=False, _request_timeout=self.conn.timeout)
        return (resp[0] if isinstance(resp, tuple) else resp).data

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

    def parallel(self, *calls: Callable[[], T]) -> list[T]:
        """Run independent reads at once; the first error (in call order) is raised."""
        if len(calls) == 1:
            return [calls[0]()]
        with ThreadPoolExecutor(max_workers=min(8, len(calls))) as pool:
            futures = [pool.submit(c) for c in calls]
            return [f.result() for f in futures]

    # --- discovery --------------------------------------------------------------------------------

    def discovery(self) -> Discovery:
        if self._discovery is None:
            core, groups = self.parallel(lambda: self.get("/api", accept=AGGREGATED_ACCEPT),
                                         lambda: self.get("/apis", accept=AGGREGATED_ACCEPT))
            self._discovery = parse_discovery(core, groups)
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
    """An ApiException as one line, using the server's Status message when there is one."""
    status = getattr(exc, "status", 0) or 0
    message = ""
    try:
        body = json.loads(exc.body) if exc.body else {}
        message = body.get("message") or ""
    except (ValueError, TypeError, AttributeError):
        message = ""
    message = message or f"{exc.reason or 'error'} ({status})"
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
    return ClusterError(f"{what}: {message}")


def transport_error(exc: Exception, conn: Connection) -> ClusterError:
    text = str(exc)
    name = type(exc).__name__
    reason = getattr(exc, "reason", None)
    if "Timeout" in name or "timed out" in text or (reason is not None and "Timeout" in type(reason).__name__):
        return ClusterError(f"the server {conn.host} did not answer within {conn.timeout or 0:g}s (--request-timeout)")
    if "SSL" in text or "certificate" in text.lower():
        return ClusterError(f"tls: cannot verify the server {conn.host}: {reason or text}")
    return ClusterError(f"the connection to the server {conn.host} was refused - did you specify the right host or port?")
