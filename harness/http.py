"""The one HTTP layer: recording, redacting, bounded, and confined to the target.

* Every request and response is recorded on the current evidence log, redacted.
* Redirects are never followed automatically: flows read ``Location`` themselves, so the
  harness never walks to a URL the target chose unless its origin is in the profile.
* Every request is bounded by the profile's timeouts; transport failures become
  :class:`~harness.results.TargetUnreachable` (reported as *broken*, never as the target's fault).
* mTLS uses an ``ssl.SSLContext`` with ``load_cert_chain`` (httpx's ``cert=`` with a CA path
  silently sends no client certificate).
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from harness import evidence
from harness.evidence import MAX_BODY_CHARS, Exchange
from harness.redaction import redact_body, redact_headers, redact_url
from harness.results import HarnessError, TargetUnreachable
from harness.specs._http import loads_strict

_SOCKET_OPTIONS = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


def origin_of(url: str) -> str:
    """``scheme://host:port`` with the default port made explicit."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


class OutsideTarget(HarnessError):
    """The harness was asked to contact an origin the profile does not name."""


class TargetHttp:
    """HTTP client for one target: allowed origins, TLS trust, timeouts, evidence.

    One underlying ``httpx.Client`` exists per client-certificate identity (plus one
    without a certificate); they are created lazily and closed by :meth:`close`. Cookies are
    dropped after every response unless ``keep_cookies`` is set (a user agent's session).
    A session made with :meth:`session` has its own cookies but shares the connection pools
    (TLS contexts and open connections) of its parent, so a fresh user agent costs no handshake.
    """

    def __init__(self, *, allowed_origins: set[str], ca_file: Path | None = None, verify: bool = True,
                 connect_timeout: float = 5.0, read_timeout: float = 10.0, keep_cookies: bool = False,
                 max_response_bytes: int = 5_000_000, exchange_deadline_s: float | None = None) -> None:
        self.keep_cookies = keep_cookies
        self.max_response_bytes = max_response_bytes
        self.exchange_deadline_s = exchange_deadline_s or (connect_timeout + 2 * read_timeout)
        self.allowed_origins = {origin_of(o) for o in allowed_origins}
        self._ca_file = ca_file
        self._verify = verify
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._clients: dict[tuple[str, str] | None, httpx.Client] = {}
        self._transports: dict[tuple[str, str] | None, httpx.HTTPTransport] = {}
        self._owns_transports = True
        self._lock = threading.Lock()

    def session(self) -> TargetHttp:
        """A client with its own cookie jar (a fresh user agent) on this client's connection pools."""
        child = TargetHttp(allowed_origins=set(self.allowed_origins), ca_file=self._ca_file, verify=self._verify,
                           keep_cookies=True, max_response_bytes=self.max_response_bytes,
                           exchange_deadline_s=self.exchange_deadline_s)
        child._timeout = self._timeout
        child._transports = self._transports
        child._owns_transports = False
        child._lock = self._lock
        return child

    # -- configuration -------------------------------------------------------------------
    def allow_origin(self, url: str) -> None:
        """Add an origin (e.g. an endpoint discovered on a host the profile vouches for)."""
        self.allowed_origins.add(origin_of(url))

    def ssl_context(self, cert: tuple[str, str] | None = None) -> ssl.SSLContext:
        """The TLS context: the profile's trust anchors plus an optional client certificate."""
        if self._verify:
            ctx = ssl.create_default_context(cafile=str(self._ca_file) if self._ca_file else None)
        else:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        if cert is not None:
            ctx.load_cert_chain(cert[0], cert[1])
        return ctx

    def _client(self, cert: tuple[str, str] | None) -> httpx.Client:
        with self._lock:
            client = self._clients.get(cert)
            if client is None:
                transport = self._transports.get(cert)
                if transport is None:
                    transport = httpx.HTTPTransport(verify=self.ssl_context(cert), socket_options=_SOCKET_OPTIONS)
                    self._transports[cert] = transport
                client = httpx.Client(transport=transport, timeout=self._timeout, follow_redirects=False)
                self._clients[cert] = client
            return client

    def close(self) -> None:
        """Close the connection pools this client owns (a session leaves its parent's open)."""
        with self._lock:
            if self._owns_transports:
                for client in self._clients.values():
                    client.close()
                for transport in self._transports.values():
                    transport.close()
                self._transports.clear()
            self._clients.clear()

    # -- requests ------------------------------------------------------------------------
    def request(self, method: str, url: str, *, label: str = "", headers: Mapping[str, str] | None = None,
                data: Mapping[str, Any] | None = None, json_body: Any = None, content: bytes | None = None,
                cert: tuple[str, str] | None = None, raise_transport_errors: bool = False) -> httpx.Response:
        """Send one request to the target and record it.

        Transport errors (refused, reset, timeout, TLS alert) raise :class:`TargetUnreachable`
        unless ``raise_transport_errors`` is set, in which case the original
        ``httpx.TransportError`` propagates (for checks that *expect* a refused handshake).
        """
        if origin_of(url) not in self.allowed_origins:
            raise OutsideTarget(
                f"refusing to contact {origin_of(url)}: not an origin of the target profile "
                f"(allowed: {', '.join(sorted(self.allowed_origins))}; hint: add it to 'allowed_origins')")
        client = self._client(cert)
        request = client.build_request(method, url, headers=dict(headers or {}), data=data, json=json_body,
                                       content=content)
        log = evidence.current()
        body_text = request.content.decode("utf-8", "replace") if request.content else ""
        exchange = Exchange(
            seq=log.next_seq(), label=label, method=method, url=redact_url(url),
            request_headers=redact_headers(list(request.headers.items())),
            request_body=redact_body(body_text[:MAX_BODY_CHARS], request.headers.get("content-type", "")),
        )
        log.exchanges.append(exchange)
        started = time.monotonic()
        try:
            response = client.send(request, stream=True)
            try:
                self._read_bounded(response, started, f"{method} {redact_url(url)}")
            finally:
                response.close()
            if not self.keep_cookies:
                client.cookies.clear()
        except TargetUnreachable as exc:
            exchange.elapsed_s = time.monotonic() - started
            exchange.error = str(exc)
            raise
        except httpx.TransportError as exc:
            exchange.elapsed_s = time.monotonic() - started
            exchange.error = f"{type(exc).__name__}: {exc}"
            if raise_transport_errors:
                raise
            raise TargetUnreachable(f"{method} {redact_url(url)} failed: {type(exc).__name__}: {exc}") from exc
        exchange.elapsed_s = time.monotonic() - started
        exchange.status = response.status_code
        exchange.response_headers = redact_headers(list(response.headers.items()))
        text = response.content[:MAX_BODY_CHARS].decode("utf-8", "replace")
        exchange.response_body = redact_body(text, response.headers.get("content-type", ""))
        return response

    def _read_bounded(self, response: httpx.Response, started: float, what: str) -> None:
        """Read the body within the size cap and the whole-exchange deadline.

        A trickling server defeats per-read timeouts; this bound keeps any target from
        stalling the run or exhausting memory.
        """
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():  # decoded bytes: a compression bomb is capped too
            size += len(chunk)
            if size > self.max_response_bytes:
                raise TargetUnreachable(f"{what}: response body exceeds {self.max_response_bytes} bytes; "
                                        "the harness stopped reading (limits.max_response_bytes)")
            if time.monotonic() - started > self.exchange_deadline_s:
                raise TargetUnreachable(f"{what}: no complete response within {self.exchange_deadline_s:.0f}s "
                                        "(timeouts.exchange)")
            chunks.append(chunk)
        response._content = b"".join(chunks)  # what .content/.text/.json() read (httpx 0.28, pinned)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """``GET`` through :meth:`request`."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """``POST`` through :meth:`request`."""
        return self.request("POST", url, **kwargs)


def json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    """The JSON object in a response a flow cannot continue without.

    A body that is not a JSON object is a garbage answer: the step cannot go on, so this
    raises :class:`TargetUnreachable` (broken), naming what was expected. Checks that judge
    the format itself (e.g. RFC 6749 §5.1 "application/json") inspect the response directly.
    """
    try:
        value = loads_strict(response.content)
    except ValueError as exc:
        snippet = response.content[:120].decode("utf-8", "replace")
        raise TargetUnreachable(
            f"{what}: expected a JSON object, got HTTP {response.status_code} "
            f"{response.headers.get('content-type', 'without content type')}: {snippet!r}") from exc
    if not isinstance(value, dict):
        raise TargetUnreachable(f"{what}: expected a JSON object, got {type(value).__name__}")
    return value


def try_json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The body as a JSON object, or ``None`` when it is not one."""
    try:
        value = loads_strict(response.content)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
