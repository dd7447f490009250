"""A deliberately misbehaving authorization server for the harness's own robustness tests.

Loopback only. ``FaultyServer.fault`` selects how it misbehaves; every request is counted so
a test can prove that the harness never contacted a host it should not have.
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

FAULTS: tuple[str, ...]  # extended below, one line per group of faults
FAULTS = ("none", "slow", "hang", "trickle", "reset", "http500", "http503", "html", "badjson", "huge", "wrongtype",
          "jwks_garbage", "jwks_dupkid", "redirect_loop", "other_hosts", "offhost_redirect")
FAULTS += ("deepjson", "nanjson", "echo", "plaintoken")  # strict JSON, redaction by value (issue 15 items 3, 4)
FAULTS += ("trickle_head", "flaky503")  # wall-clock exchange deadline, retried idempotent GETs (issue 15 items 1, 6)


class FaultyServer:
    """Serves discovery, a JWKS and an authorization endpoint, broken as ``fault`` says."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.fault = "none"
        self.hits: list[str] = []
        self.flaky_seen: set[str] = set()
        self.issued: list[str] = []  # credentials the echo/plaintoken flows issued or received
        self.elsewhere = "http://127.0.0.2:9"
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                server.hits.append(self.path)
                server.answer(self)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- responses ----------------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        base = self.elsewhere if self.fault == "other_hosts" else self.base
        return {
            "issuer": self.base, "authorization_endpoint": f"{base}/authorize", "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks", "userinfo_endpoint": f"{base}/userinfo",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid"],
        }

    def jwks(self) -> dict[str, Any]:
        if self.fault == "jwks_garbage":
            return {"keys": [{"kty": "RSA", "kid": "../../etc/passwd", "n": "!!not-base64!!", "e": "AQAB"},
                             {"kty": "EC", "crv": "P-999", "x": "AA", "y": "AA"}, "not-a-key"]}
        key = {"kty": "EC", "crv": "P-256", "kid": "k1", "use": "sig",
               "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
        return {"keys": [key, dict(key)] if self.fault == "jwks_dupkid" else [key]}

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        fault, path = self.fault, handler.path.split("?", 1)[0]
        if fault == "hang":
            time.sleep(30)
            return
        if fault == "reset":
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            handler.connection.close()
            return
        if fault == "slow":
            time.sleep(0.3)
        if fault == "trickle_head":
            self.trickle_head(handler)
            return
        if fault == "flaky503" and path not in self.flaky_seen:  # the first answer on each path is a 503
            self.flaky_seen.add(path)
            handler.send_response(503)
            handler.send_header("Retry-After", "1")
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", "24")
            handler.end_headers()
            handler.wfile.write(b'{"error":"server_error"}')
            return
        if fault in ("http500", "http503"):
            self.send(handler, int(fault[4:]), b'{"error":"server_error"}', "application/json")
        elif path == "/authorize" and fault == "offhost_redirect":  # a "response" at a host nobody registered
            state = dict(parse_qsl(handler.path.partition("?")[2])).get("state", "")
            handler.send_response(302)
            handler.send_header("Location", f"https://attacker.example.test/cb?code=offhost-code&state={state}")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        elif fault in ("echo", "plaintoken") and path in ("/authorize", "/token"):
            self.echo_flow(handler, path, fault)
        elif path == "/authorize":  # an endless redirect loop, whatever the fault
            handler.send_response(302)
            handler.send_header("Location", f"{self.base}/authorize?loop=1")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        elif path == "/.well-known/openid-configuration":
            body = json.dumps(self.metadata()).encode()
            if fault == "html":
                self.send(handler, 200, b"<html><body>Welcome!</body></html>", "text/html")
            elif fault == "badjson":
                self.send(handler, 200, body[:-7], "application/json")
            elif fault == "deepjson":  # nesting far past any recursion limit
                self.send(handler, 200, b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "application/json")
            elif fault == "nanjson":  # RFC 8259 §6 forbids NaN and Infinity
                self.send(handler, 200, body[:-1] + b', "x": NaN, "y": -Infinity}', "application/json")
            elif fault == "huge":
                self.send(handler, 200, b'{"pad": "' + b"x" * 8_000_000 + b'"}', "application/json")
            elif fault == "trickle":
                self.trickle(handler, body)
            else:
                self.send(handler, 200, body, "text/plain" if fault == "wrongtype" else "application/json")
        elif path == "/jwks":
            self.send(handler, 200, json.dumps(self.jwks()).encode(), "application/json")
        else:
            self.send(handler, 404, b'{"error":"not_found"}', "application/json")

    def echo_flow(self, handler: BaseHTTPRequestHandler, path: str, fault: str) -> None:
        """A code flow that echoes request values (echo) or answers tokens as text/plain (plaintoken).

        Every credential issued is kept in ``self.issued`` so a leak test can grep reports for it.
        """
        if path == "/authorize":
            query = dict(parse_qsl(handler.path.partition("?")[2]))
            code = secrets.token_urlsafe(32)
            self.issued.append(code)
            location = f"{query.get('redirect_uri', '')}?code={code}&state={query.get('state', '')}"
            body = f'<p>Redirecting to <a href="{location}">{location}</a></p>'.encode()
            handler.send_response(302)
            handler.send_header("Location", location)
            handler.send_header("X-Echo", f"code={code}")
            handler.send_header("Content-Type", "text/html")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return
        length = int(handler.headers.get("Content-Length") or 0)
        sent = handler.rfile.read(length).decode("utf-8", "replace")
        self.issued += [v for _k, v in parse_qsl(sent) if len(v) >= 8 and _k in ("code", "code_verifier")]
        if fault == "echo":
            echoed = " ".join(v for _k, v in parse_qsl(sent))
            self.send(handler, 400, json.dumps({"error": "invalid_grant",
                                                "error_description": f"cannot use {echoed}"}).encode(),
                      "application/json", {"X-Echo": echoed})
            return
        tokens = [secrets.token_urlsafe(32) for _ in range(3)]
        self.issued += tokens
        self.send(handler, 200, (f"access_token={tokens[0]}&refresh_token={tokens[1]}&device_code={tokens[2]}"
                                 "&token_type=Bearer").encode(), "text/plain")

    @staticmethod
    def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str,
             extra: dict[str, str] | None = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        for name, value in (extra or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    @staticmethod
    def trickle(handler: BaseHTTPRequestHandler, body: bytes) -> None:
        """One byte every 0.1 s: every read succeeds, the whole answer takes minutes.

        A tenth of the profile's 1 s read timeout: this server shares its process (and the GIL) with the
        run it answers, on a loaded machine, and a byte late by a second would end the exchange by the read
        timeout instead of the exchange deadline under test."""
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            for byte in body:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            return

    @staticmethod
    def trickle_head(handler: BaseHTTPRequestHandler) -> None:
        """The status line and headers one byte every 0.1 s (see :meth:`trickle`): every read succeeds, the head
        takes a minute."""
        handler.close_connection = True
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: " + b"p" * 600 + b"\r\n\r\n{}"
        try:
            for byte in head:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            return
