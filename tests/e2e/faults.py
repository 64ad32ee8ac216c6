"""A fault-injecting proxy between the plugin and the real kube-apiserver (issue 10).

The proxy listens on 127.0.0.1 with the API server's own serving certificate (so the plugin's
kubeconfig verifies it as it would the server), and forwards each request over a new TLS
connection to the real server as the admin user. A `Fault` matched against `METHOD /path?query`
replaces what the server would have answered: a status of its choosing (with Retry-After), a stall,
a body dripped a byte a second, a body cut short, a connection closed mid-response, or the real
answer transformed (broken discovery). Every request is recorded, with its headers, so tests can
see what the plugin sent (and that it sent nothing).

Everything stays on the loopback interface; stalls end when the proxy closes.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

STATUS, STALL, SLOW, TRUNCATE, CLOSE, CLOSE_MID, MANGLE = "status", "stall", "slow", "truncate", "close", "close-mid", "mangle"


@dataclass
class Fault:
    """What to do to requests whose `METHOD /path?query` matches `match` (a regex, searched).

    `skip` matching requests pass untouched first; then `times` of them (None: all) get the fault."""

    match: str
    action: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # JSON-able, or bytes
    transform: Callable[[dict], dict] | None = None  # MANGLE: the real JSON answer -> what is sent
    skip: int = 0
    times: int | None = None
    seen: int = 0  # matching requests so far
    applied: int = 0

    def take(self, line: str) -> bool:
        if not re.search(self.match, line):
            return False
        self.seen += 1
        if self.seen <= self.skip or (self.times is not None and self.applied >= self.times):
            return False
        self.applied += 1
        return True


def status_body(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    fault: str | None  # the action applied, if any
    client_cn: str | None = None  # the CN of the client certificate the plugin presented


class FaultProxy:
    def __init__(self, cp: Any, *, server_cert: tuple[str, str] | None = None, upstream_user: str = "admin") -> None:
        pki = Path(cp.dir) / "pki"
        self.upstream = urlparse(cp.server)
        self.upstream_ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        self.upstream_ctx.load_cert_chain(*cp.client_cert(upstream_user))
        cert, key = server_cert or (str(pki / "apiserver.crt"), str(pki / "apiserver.key"))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        ctx.verify_mode = ssl.CERT_OPTIONAL  # a client certificate is recorded when one is offered
        ctx.load_verify_locations(str(pki / "ca.crt"))
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self.closing = threading.Event()
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def handle_one_request(self) -> None:
                try:
                    super().handle_one_request()
                except (ConnectionError, ssl.SSLError, OSError):
                    self.close_connection = True

            def _any(self) -> None:
                proxy._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True, do_handshake_on_connect=False)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    # --- use ----------------------------------------------------------------------------------

    def add(self, *faults: Fault) -> FaultProxy:
        with self._lock:
            self.faults.extend(faults)
        return self

    def kubeconfig(self, source: str, path: Path, *, user: dict | None = None) -> str:
        """`source` (a JSON kubeconfig) pointed at the proxy; `user` replaces the user entry."""
        cfg = json.loads(Path(source).read_text())
        for c in cfg["clusters"]:
            c["cluster"]["server"] = self.url
        if user is not None:
            for u in cfg["users"]:
                u["user"] = user
        path.write_text(json.dumps(cfg))
        return str(path)

    def requests(self, pattern: str = "") -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if re.search(pattern, f"{s.method} {s.path}")]

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    # --- serving --------------------------------------------------------------------------------

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        line = f"{h.command} {h.path}"
        with self._lock:
            fault = next((f for f in self.faults if f.take(line)), None)
            self.seen.append(Seen(h.command, h.path, {k.lower(): v for k, v in h.headers.items()}, body,
                                  fault.action if fault else None, _client_cn(h.connection)))
        action = fault.action if fault else None
        if action == STALL:
            self.closing.wait(120)
            h.close_connection = True
            return
        if action == CLOSE:
            h.close_connection = True
            _hard_close(h)
            return
        if action == STATUS:
            data = fault.body if isinstance(fault.body, bytes) else json.dumps(
                fault.body if fault.body is not None else status_body(fault.status, "InternalError", "injected")).encode()
            self._answer(h, fault.status, {"Content-Type": "application/json", **fault.headers}, data)
            return
        status, headers, data = self._forward(h, body)
        if action == MANGLE and fault.transform is not None:
            data = json.dumps(fault.transform(json.loads(data))).encode()
        if action == TRUNCATE:  # a complete HTTP answer whose JSON is cut in half
            self._answer(h, status, headers, data[: len(data) // 2])
            return
        if action == CLOSE_MID:  # the head promises the whole body; half of it, then the connection goes
            self._head(h, status, headers, len(data))
            h.wfile.write(data[: len(data) // 2])
            h.close_connection = True
            _hard_close(h)
            return
        if action == SLOW:
            self._head(h, status, headers, len(data))
            for i in range(len(data)):
                if self.closing.wait(1.0):
                    break
                try:
                    h.wfile.write(data[i:i + 1])
                    h.wfile.flush()
                except OSError:
                    break
            h.close_connection = True
            return
        self._answer(h, status, headers, data)

    def _forward(self, h: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPSConnection(self.upstream.hostname, self.upstream.port, context=self.upstream_ctx, timeout=60)
        headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "authorization", "connection")}
        try:
            conn.request(h.command, h.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def _head(self, h: BaseHTTPRequestHandler, status: int, headers: dict[str, str], length: int) -> None:
        h.send_response(status)
        for k, v in headers.items():
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                h.send_header(k, v)
        h.send_header("Content-Length", str(length))
        h.end_headers()

    def _answer(self, h: BaseHTTPRequestHandler, status: int, headers: dict[str, str], data: bytes) -> None:
        self._head(h, status, headers, len(data))
        h.wfile.write(data)
        h.wfile.flush()


def _client_cn(conn: Any) -> str | None:
    try:
        peer = conn.getpeercert()
    except (AttributeError, ValueError, OSError):
        return None
    for rdn in (peer or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


def _hard_close(h: BaseHTTPRequestHandler) -> None:
    try:
        h.wfile.flush()
        h.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def other_ca_cert(tmp: Path) -> tuple[str, str]:
    """A serving certificate for 127.0.0.1 from a CA the kubeconfig does not trust."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not-the-cluster-ca")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    crt, pem = tmp / "other.crt", tmp / "other.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return str(crt), str(pem)


def wait_until(cond: Callable[[], bool], timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()
