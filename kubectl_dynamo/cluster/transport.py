"""HTTP to the API server with one deadline per call (issue 10).

The kubernetes client's REST layer retries each read (a stalled server answered `--request-timeout
2s` after 8.4 s), never gives up on a body that arrives a byte a second, does not retry a 429 on a
POST, and lets urllib3 log WARNING lines. This module sends requests through urllib3 itself, with
the client's TLS and credentials (kubernetes.client.Configuration), and:

- one deadline covers connecting, the response head, the whole body and every retry: each socket
  wait is given what is left of it;
- 429 and 5xx answers with Retry-After are retried after the wait the server asks for, GET and
  POST alike, up to 10 times (client-go's rest client: checkWait, maxRetries 10), but never past the
  deadline; nothing else is retried (urllib3's own retries are off, so it logs nothing);
- a body is at most limits.MAX_RESPONSE_BYTES;
- every failure is a TransportError whose `kind` says what happened: refused, timeout, tls,
  closed (the connection ended before the answer was complete), too-large, or other.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from kubectl_dynamo import __version__, limits

MAX_RETRIES = 10  # client-go rest.Request maxRetries
USER_AGENT = f"kubectl-dynamo/{__version__}"
REFUSED, TIMEOUT, TLS, CLOSED, TOO_LARGE, OTHER = "refused", "timeout", "tls", "closed", "too-large", "other"


class TransportError(Exception):
    def __init__(self, kind: str, detail: str = "", retry_after: float | None = None) -> None:
        super().__init__(detail or kind)
        self.kind = kind
        self.detail = detail
        self.retry_after = retry_after


@dataclass
class Response:
    status: int
    reason: str
    headers: dict[str, str]
    data: bytes
    retried: list[str] = field(default_factory=list)  # "429 after 1s", ...

    def json(self) -> Any:
        return json.loads(self.data) if self.data else {}


def retry_after(status: int, headers: dict[str, str]) -> float | None:
    """Seconds the server asked to wait, for the answers client-go retries (429 and 5xx with an
    integer Retry-After); None when it is not to be retried."""
    if status != 429 and not 500 <= status <= 599:
        return None
    value = headers.get("retry-after", "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 6:
        return None
    return float(value)


class Transport:
    """Requests against one API server, through one urllib3 pool (TLS and auth of `cfg`)."""

    def __init__(self, cfg: Any, pool_size: int) -> None:
        import urllib3

        self.cfg = cfg
        self.host = cfg.host.rstrip("/")
        args: dict[str, Any] = {"maxsize": pool_size, "retries": False,
                                "cert_reqs": "CERT_REQUIRED" if cfg.verify_ssl else "CERT_NONE"}
        for name, key in (("ca_certs", "ssl_ca_cert"), ("cert_file", "cert_file"), ("key_file", "key_file"),
                          ("ca_cert_data", "ca_cert_data"), ("assert_hostname", "assert_hostname"),
                          ("server_hostname", "tls_server_name")):
            value = getattr(cfg, key, None)
            if value is not None:
                args[name] = value
        if not cfg.verify_ssl:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        proxy = getattr(cfg, "proxy", None)
        self.pool = urllib3.ProxyManager(proxy, **args) if proxy else urllib3.PoolManager(**args)

    def headers(self) -> dict[str, str]:
        """User-Agent and the credentials (a refreshed token when the client has a hook for it)."""
        out = {"User-Agent": USER_AGENT}
        for setting in self.cfg.auth_settings().values():
            if setting.get("in") == "header" and setting.get("value"):
                out[setting["key"]] = setting["value"]
        return out

    def send(self, method: str, path: str, *, params: list[tuple[str, Any]] | None = None,
             headers: dict[str, str] | None = None, body: Any = None, deadline: float | None = None) -> Response:
        """One call, retried only as the server asks; raises TransportError."""
        url = self.host + path + (f"?{urlencode(params)}" if params else "")
        data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
        all_headers = {**self.headers(), **(headers or {})}
        retried: list[str] = []
        for attempt in range(MAX_RETRIES + 1):
            resp = self._once(method, url, all_headers, data, deadline)
            wait = retry_after(resp.status, resp.headers)
            if wait is None or attempt == MAX_RETRIES:
                resp.retried = retried
                return resp
            if deadline is not None and time.monotonic() + wait >= deadline:
                raise TransportError(TIMEOUT, f"the server answered {resp.status} {resp.reason} and asked to retry "
                                              f"after {wait:g}s, past the deadline", retry_after=wait)
            retried.append(f"{resp.status} after {wait:g}s")
            time.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, method: str, url: str, headers: dict[str, str], data: bytes | None,
              deadline: float | None) -> Response:
        import urllib3
        from urllib3.exceptions import HTTPError

        left = _left(deadline)
        try:
            resp = self.pool.request(method, url, body=data, headers=headers, preload_content=False, retries=False,
                                     redirect=False, timeout=urllib3.Timeout(connect=left, read=left))
        except HTTPError as exc:
            raise _classify(exc) from exc
        except OSError as exc:
            raise TransportError(OTHER, str(exc)) from exc
        try:
            body = _read_body(resp, deadline)
        finally:
            resp.release_conn()
        return Response(resp.status, resp.reason or "", {k.lower(): v for k, v in resp.headers.items()}, body)


def _left(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise TransportError(TIMEOUT, "no time left")
    return left


def _read_body(resp: Any, deadline: float | None) -> bytes:
    """The whole body, each socket wait bounded by what is left of the deadline (a body that
    arrives a byte a second ends at the deadline, not never)."""
    from urllib3.exceptions import HTTPError

    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            left = _left(deadline)
            sock = getattr(getattr(resp, "connection", None), "sock", None)
            if sock is not None and left is not None:
                sock.settimeout(left)
            chunk = resp.read1(65536)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limits.MAX_RESPONSE_BYTES:
                raise TransportError(TOO_LARGE, f"more than {limits.human_bytes(limits.MAX_RESPONSE_BYTES)}")
            chunks.append(chunk)
    except HTTPError as exc:
        raise _classify(exc, got=size) from exc
    except TimeoutError as exc:
        raise TransportError(TIMEOUT, f"after {size} bytes of the answer") from exc
    except OSError as exc:
        raise TransportError(CLOSED, f"after {size} bytes: {exc}") from exc


def _classify(exc: Exception, got: int | None = None) -> TransportError:
    from urllib3 import exceptions as e

    reason = getattr(exc, "reason", None)
    inner = reason if isinstance(reason, BaseException) else exc
    text = str(inner)
    if isinstance(inner, ConnectionRefusedError) or "Connection refused" in text:
        return TransportError(REFUSED, text)
    if isinstance(inner, e.NewConnectionError):  # urllib3 makes it a ConnectTimeoutError: it is not one
        return TransportError(OTHER, text.split(": ", 1)[-1])
    if isinstance(exc, (e.ConnectTimeoutError, e.ReadTimeoutError)) or isinstance(inner, (TimeoutError, e.TimeoutError)):
        return TransportError(TIMEOUT, text)
    if isinstance(exc, e.SSLError) or isinstance(inner, e.SSLError) or "CERTIFICATE_VERIFY_FAILED" in text:
        return TransportError(TLS, text)
    if isinstance(exc, (e.ProtocolError, e.IncompleteRead)) or got is not None:
        what = f"after {got} bytes of the answer" if got else "before the answer was complete"
        return TransportError(CLOSED, what)
    return TransportError(OTHER, text)
