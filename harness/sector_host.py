"""The HTTPS endpoint the harness hosts ``sector_identifier_uri`` documents on (registration suite).

OIDC Registration §2: "sector_identifier_uri OPTIONAL. URL using the https scheme to be used in
calculating Pseudonymous Identifiers by the OP. The URL references a file with a single JSON
array of redirect_uri values." §5: "The values registered in redirect_uris MUST be included in
the elements of the array." The server fetches the document while it registers the client.

The host listens on loopback with the profile's certificate (``registration.sector_host``, else
``request_object_host``), serves each published array under a fresh random path as
``application/json`` and records every fetch as evidence of the check. It also serves a registered
client's public JWK Set for ``jwks_uri`` (OIDC Registration §2).
"""

from __future__ import annotations

import json
import secrets
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from harness import evidence
from harness.ciba_receiver import loopback_bind_host
from harness.evidence import Exchange
from harness.loopback_tls import LoopbackTlsService
from harness.profile import RequestObjectHost as HostSettings
from harness.results import HarnessError, ProfileError


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], host: SectorHost) -> None:
        super().__init__(address, _Handler)
        self.host = host


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        """Serve a published document, else 404."""
        path = urlsplit(self.path).path
        body = self.server.host._lookup(path)
        status = 200 if body is not None else 404
        self.server.host._fetched(path, status)
        payload = body.encode("utf-8") if body is not None else b""
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server API
        """Silence the default stderr logging."""


class SectorHost(LoopbackTlsService):
    """An HTTPS listener serving JSON arrays of redirect URIs at ``https://<loopback>:<port>/sector/<random>``."""

    service_name = "the sector identifier host"
    thread_name = "sector-identifier-host"

    def __init__(self, settings: HostSettings, *, bind_timeout_s: float = 30.0) -> None:
        self.settings = settings
        self.host = loopback_bind_host(settings.listen_host)
        self.bind_timeout_s = bind_timeout_s
        self._ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            self._ssl.load_cert_chain(str(settings.cert_file), str(settings.key_file))
        except (OSError, ssl.SSLError) as exc:
            raise ProfileError(f"cannot load the sector host's certificate {settings.cert_file}: {exc}") from exc
        self._lock = threading.Lock()
        self._documents: dict[str, str] = {}
        self._fetches: list[tuple[str, int]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def _listen_port(self) -> int:
        return self.settings.listen_port

    def _make_server(self, address: tuple[str, int]) -> _Server:
        return _Server(address, self)

    @property
    def base_url(self) -> str:
        """The https origin the target reaches the host at."""
        if self.settings.public_base_url:
            return self.settings.public_base_url.rstrip("/")
        if self._server is None:
            raise HarnessError("the sector identifier host is not started")
        return f"https://{self.host}:{self._server.server_address[1]}"

    def publish(self, redirect_uris: list[str]) -> str:
        """Serve ``redirect_uris`` as a JSON array under a fresh random path; return its https URL."""
        return self.publish_json(redirect_uris, kind="sector")

    def publish_json(self, document: Any, *, kind: str = "doc") -> str:
        """Serve any JSON ``document`` (e.g. a client's public JWK Set) under a fresh random path; return its URL."""
        path = f"/{kind}/{secrets.token_urlsafe(16)}"
        with self._lock:
            self._documents[path] = json.dumps(document)
        return self.base_url + path

    def _lookup(self, path: str) -> str | None:
        with self._lock:
            return self._documents.get(path)

    def _fetched(self, path: str, status: int) -> None:
        with self._lock:
            self._fetches.append((path, status))

    def record_fetches(self) -> int:
        """Add the fetches so far to the current check's evidence; return how many there were."""
        with self._lock:
            fetches = list(self._fetches)
            self._fetches.clear()
        log = evidence.current()
        for path, status in fetches:
            what = "jwks_uri" if path.startswith("/jwks/") else "sector_identifier_uri"
            log.exchanges.append(Exchange(seq=log.next_seq(), label=f"{what} fetched from the harness",
                                          method="GET", url=self.base_url + path, request_headers=[],
                                          request_body="", status=status))
        return len(fetches)
