"""The HTTPS endpoint the harness hosts request objects on, for ``request_uri`` by reference.

OIDC Core §6.2: "The request_uri value is a URL using the https scheme referencing a resource
containing a Request Object value, which is a JWT containing the request parameters. This URL
MUST be reachable by the Authorization Server"; §6.2.3: "the Authorization Server MUST send an
HTTP GET request to the request_uri to retrieve the referenced Request Object". RFC 9101 §10.2
registers the media type ``application/oauth-authz-req+jwt``, which the host answers with.

The host listens on loopback (like the CIBA notification receiver, :mod:`harness.ciba_receiver`,
with the profile's server certificate: ``request_object_host``) on a free port unless the profile
names one, serves each published object under a random, unguessable path, and records every
fetch as evidence of the check. A path it does not serve gets 404.

Where the target requires ``request_uri`` pre-registration (OIDC Discovery §3
``require_request_uri_registration``; OIDC Registration §2 ``request_uris``: "OPs can require that
request_uri values used be pre-registered with the require_request_uri_registration discovery
parameter"), the URL must be known before the
request object exists (the object names the client, which is registered with the URL): the host
then *reserves* a URL (:meth:`RequestObjectHost.reserve`, or a fixed one the profile documents,
:meth:`RequestObjectHost.reserve_url`), answers 404 there until the object is *put*
(:meth:`RequestObjectHost.put`), and serves it from then on.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from harness import evidence
from harness.evidence import Exchange
from harness.loopback_tls import LoopbackDocumentHost, LoopbackHandler, LoopbackServer, https_origin, loopback_bind_host
from harness.profile import RequestObjectHost as HostSettings
from harness.redaction import redact_headers
from harness.results import HarnessError, ProfileError

MEDIA_TYPE = "application/oauth-authz-req+jwt"


@dataclass(frozen=True)
class Fetch:
    """One request that reached the host."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    status: int
    received_at: float  # time.monotonic()


class _Server(LoopbackServer["RequestObjectHost"]):
    def get_request(self) -> tuple[Any, Any]:
        """Accept one connection; a failed TLS handshake is remembered (the target does not trust the host)."""
        try:
            return super().get_request()
        except ssl.SSLError as exc:
            self.service._tls_failure(f"{type(exc).__name__}: {exc.reason or exc}")
            raise


class _Handler(LoopbackHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        """Serve a published object, else 404."""
        path = urlsplit(self.path).path
        body = self.server.service._lookup(path)
        status = 200 if body is not None else 404
        self.server.service._add(Fetch(method="GET", path=path, headers=list(self.headers.items()), status=status,
                                       received_at=time.monotonic()))
        headers = [("Content-Type", MEDIA_TYPE)] if body is not None else []
        self.reply(status, body.encode("ascii") if body is not None else b"",
                   [*headers, ("Cache-Control", "no-store")])


def fixed_base_url(settings: HostSettings) -> str | None:
    """The host's https origin when known before it starts (``public_base_url`` or a fixed ``listen_port``), else None.

    Only then can a URL the profile pre-registered (``clients[].documented.request_uris``) be served.
    """
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    if not settings.listen_port:
        return None
    return https_origin(loopback_bind_host(settings.listen_host), settings.listen_port)


class RequestObjectHost(LoopbackDocumentHost):
    """An HTTPS listener that serves request objects at ``https://<loopback>:<port>/ro/<random>``."""

    service_name = "the request object host"
    thread_name = "request-object-host"
    certificate_owner = "the request object host"
    handler_class = _Handler

    def __init__(self, settings: HostSettings, *, bind_timeout_s: float = 30.0) -> None:
        """Load the certificate of ``settings`` (:class:`ProfileError` when it does not load); bind nothing yet."""
        super().__init__(settings, bind_timeout_s=bind_timeout_s)
        self._reserved: set[str] = set()
        self._fetches: list[Fetch] = []
        self._tls_failures: list[str] = []

    def _make_server(self, address: tuple[str, int]) -> _Server:
        return _Server(address, self.handler_class, self)

    # -- objects ----------------------------------------------------------------------
    def publish(self, request_object: str) -> str:
        """Serve ``request_object`` under a fresh random path; return its https URL."""
        url = self.reserve()
        self.put(url, request_object)
        return url

    def unserved_url(self) -> str:
        """A URL on this host that serves nothing (answers 404)."""
        return f"{self.base_url}/ro/missing-{secrets.token_urlsafe(12)}"

    def reserve(self) -> str:
        """A fresh random https URL on this host that answers 404 until :meth:`put` fills it.

        For a client that must register its ``request_uris`` before its request objects exist
        (OIDC Registration §2). The host must be started, or have a ``public_base_url``.
        """
        path = f"/ro/{secrets.token_urlsafe(24)}"
        url = self.base_url + path
        with self._lock:
            self._reserved.add(path)
        return url

    def reserve_url(self, url: str) -> str:
        """Reserve a fixed URL on this host (a profile client's pre-registered ``request_uri``); return it.

        The URL must lie on :attr:`base_url` (else :class:`ProfileError`: the harness cannot serve it);
        a fragment is dropped (it is no part of the resource, RFC 3986 §3.5).
        """
        base = self.base_url
        resource = url.split("#", 1)[0]
        if not resource.startswith(base + "/"):
            raise ProfileError(f"the pre-registered request_uri {url} is not on the request object host {base} "
                               "(request_object_host.public_base_url / listen_port)")
        with self._lock:
            self._reserved.add(resource[len(base):])
        return resource

    def put(self, url: str, request_object: str, *, fragment_hash: bool = False) -> str:
        """Serve ``request_object`` at the reserved ``url``; return the ``request_uri`` to send.

        ``fragment_hash`` (for a URL reused across checks, whose content changes) appends the
        object's hash as fragment: OIDC Core §6.2 "If the contents of the referenced resource
        could ever change, the URI SHOULD include the base64url-encoded SHA-256 hash of the
        referenced resource contents as the fragment component of the URI".
        """
        base = self.base_url
        resource = url.split("#", 1)[0]
        path = resource[len(base):] if resource.startswith(base + "/") else None
        with self._lock:
            if path is None or path not in self._reserved:
                raise HarnessError(f"{url} is no URL reserved on the request object host")
            self._documents[path] = request_object
        if not fragment_hash:
            return resource
        digest = hashlib.sha256(request_object.encode("ascii")).digest()
        return f"{resource}#{base64.urlsafe_b64encode(digest).rstrip(b'=').decode('ascii')}"

    def _add(self, fetch: Fetch) -> None:
        with self._lock:
            self._fetches.append(fetch)

    def record_fetches(self) -> list[Fetch]:
        """Add every fetch so far to the current check's evidence (call from the check's thread)."""
        fetches = self.fetches
        log = evidence.current()
        for fetch in fetches:
            log.exchanges.append(Exchange(
                seq=log.next_seq(), label="request object fetched from the harness", method=fetch.method,
                url=self.base_url + fetch.path, request_headers=redact_headers(fetch.headers), request_body="",
                status=fetch.status))
        return fetches

    def _tls_failure(self, reason: str) -> None:
        with self._lock:
            self._tls_failures.append(reason)

    def require_trusted(self) -> None:
        """Raise :class:`ProfileError` when the target connected but never completed a TLS handshake.

        The target then does not trust ``request_object_host``'s certificate: a profile problem,
        not evidence that the target ignores ``request_uri``.
        """
        with self._lock:
            failures, fetched = list(self._tls_failures), bool(self._fetches)
        if failures and not fetched:
            raise ProfileError(f"the target connected to the request object host but the TLS handshake failed "
                               f"({failures[0]}): it does not trust request_object_host.cert_file (use a "
                               "certificate the target trusts)")

    @property
    def fetches(self) -> list[Fetch]:
        """Every request received so far."""
        with self._lock:
            return list(self._fetches)
