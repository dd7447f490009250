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
from typing import Any
from urllib.parse import urlsplit

from harness import evidence
from harness.evidence import Exchange
from harness.loopback_tls import LoopbackDocumentHost, LoopbackHandler, LoopbackServer
from harness.profile import RequestObjectHost as HostSettings


class _Handler(LoopbackHandler):
    server: LoopbackServer[SectorHost]

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        """Serve a published document, else 404."""
        path = urlsplit(self.path).path
        body = self.server.service._lookup(path)
        status = 200 if body is not None else 404
        self.server.service._fetched(path, status)
        self.reply(status, body.encode("utf-8") if body is not None else b"", [("Content-Type", "application/json")])


class SectorHost(LoopbackDocumentHost):
    """An HTTPS listener serving JSON arrays of redirect URIs at ``https://<loopback>:<port>/sector/<random>``."""

    service_name = "the sector identifier host"
    thread_name = "sector-identifier-host"
    certificate_owner = "the sector host"
    handler_class = _Handler

    def __init__(self, settings: HostSettings, *, bind_timeout_s: float = 30.0) -> None:
        """Load the certificate of ``settings`` (:class:`ProfileError` when it does not load); bind nothing yet."""
        super().__init__(settings, bind_timeout_s=bind_timeout_s)
        self._fetches: list[tuple[str, int]] = []

    def publish(self, redirect_uris: list[str]) -> str:
        """Serve ``redirect_uris`` as a JSON array under a fresh random path; return its https URL."""
        return self.publish_json(redirect_uris, kind="sector")

    def publish_json(self, document: Any, *, kind: str = "doc") -> str:
        """Serve any JSON ``document`` (e.g. a client's public JWK Set) under a fresh random path; return its URL."""
        path = f"/{kind}/{secrets.token_urlsafe(16)}"
        with self._lock:
            self._documents[path] = json.dumps(document)
        return self.base_url + path

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
