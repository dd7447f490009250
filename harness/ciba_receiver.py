"""The client notification endpoint the harness hosts for CIBA ping and push modes (CIBA §10.2, §10.3).

A small HTTPS server on loopback that records every request to the endpoint's path and
answers ``204 No Content`` by default ("For valid requests, the Client Notification Endpoint
SHOULD respond with an HTTP 204 No Content"). It listens where the client's documented
``ciba_notification_endpoint`` points, with the server certificate from
``login.ciba.receiver``; checks start it around the one request they need and read what
arrived with :meth:`NotificationReceiver.wait_for`.

A check that needs another answer — the OIDF FAPI-CIBA ping modules answer 401, 403, a
redirect or 200 with a body, and the server must still let the client fetch the tokens, or
must not follow the redirect — gives the receiver its :class:`Reply` list: the n-th
notification gets ``replies[n]`` (the last one repeats). A request to any other path (where a
redirect points) is answered 404 and kept apart (:attr:`NotificationReceiver.strays`).

Binding waits (bounded) while another process holds the port, so parallel workers that
share one target take turns instead of failing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from harness import evidence
from harness.evidence import Exchange
from harness.loopback_tls import LoopbackHandler, LoopbackServer, LoopbackTlsService, server_tls_context
from harness.loopback_tls import loopback_bind_host as loopback_bind_host  # importable from here too
from harness.redaction import redact_body, redact_headers
from harness.results import ProfileError

MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Reply:
    """How the receiver answers one notification: status, optional body (with its type) and Location."""

    status: int = 204
    body: bytes = b""
    content_type: str = "text/plain"
    location: str | None = None

    def __post_init__(self) -> None:
        if not 200 <= self.status <= 599:
            raise ValueError(f"a notification reply needs an HTTP status 200-599, got {self.status}")
        if self.status == 204 and self.body:
            raise ValueError("a 204 reply has no body")

    def describe(self) -> str:
        """``HTTP 401``, ``HTTP 200 with a 25-byte body``, ``HTTP 301 Location <url>``."""
        text = f"HTTP {self.status}"
        if self.body:
            text += f" with a {len(self.body)}-byte body"
        if self.location:
            text += f" Location {self.location}"
        return text


NO_CONTENT = Reply()


@dataclass(frozen=True)
class Notification:
    """One request that reached the notification endpoint (or, for a stray, another path)."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes
    received_at: float  # time.monotonic()
    answered: int = 204
    """The HTTP status the receiver answered it with."""

    def record(self, url: str, *, status: int | None = None,
               label: str = "notification received by the harness") -> None:
        """Add the notification to the current check's evidence, redacted like any exchange.

        ``status`` defaults to the status the receiver answered with.
        """
        log = evidence.current()
        text = self.body[:evidence.MAX_BODY_CHARS].decode("utf-8", "replace")
        content_type = next((v for k, v in self.headers if k.lower() == "content-type"), "")
        log.exchanges.append(Exchange(
            seq=log.next_seq(), label=label, method=self.method, url=url,
            request_headers=redact_headers(self.headers), request_body=redact_body(text, content_type),
            status=self.answered if status is None else status))


class _Handler(LoopbackHandler):
    server: LoopbackServer[NotificationReceiver]

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""
        receiver = self.server.service
        path = urlsplit(self.path).path
        headers = list(self.headers.items())
        if path != receiver.path:
            receiver._add_stray(Notification(method=self.command, path=path, headers=headers, body=body,
                                             received_at=time.monotonic(), answered=404))
            self._reply(Reply(404))
            return
        reply = receiver._add(lambda answered: Notification(
            method=self.command, path=path, headers=headers, body=body, received_at=time.monotonic(),
            answered=answered))
        self._reply(reply)

    def _reply(self, reply: Reply) -> None:
        headers = [("Content-Type", reply.content_type)] if reply.body else []
        if reply.location:
            headers.append(("Location", reply.location))
        self.reply(reply.status, reply.body, headers)

    do_POST = do_GET = do_PUT = _handle  # noqa: N815 - http.server API


class NotificationReceiver(LoopbackTlsService):
    """An HTTPS listener for ``endpoint`` (``https://<loopback>:<port>/<path>``)."""

    def __init__(self, endpoint: str, *, cert_file: Path, key_file: Path, listen_host: str | None = None,
                 listen_port: int | None = None, status: int = 204, replies: Sequence[Reply] | None = None,
                 bind_timeout_s: float = 30.0) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme != "https" or not parts.hostname:
            raise ProfileError(f"the notification endpoint must be an https URL, got {endpoint!r}")
        self.endpoint = endpoint
        self.path = parts.path or "/"
        self.host = loopback_bind_host(listen_host or parts.hostname)
        self.port = listen_port or parts.port or 443
        self.replies: tuple[Reply, ...] = tuple(replies) if replies else (Reply(status),)
        self.bind_timeout_s = bind_timeout_s
        self._ssl = server_tls_context(cert_file, key_file, owner="the notification receiver")
        self._lock = threading.Condition()
        self._notifications: list[Notification] = []
        self._strays: list[Notification] = []
        self._server = None
        self._thread = None

    # -- lifecycle (LoopbackTlsService) ------------------------------------------------
    service_name = "the notification endpoint"
    thread_name = "ciba-notification-receiver"
    handler_class = _Handler

    def _listen_port(self) -> int:
        return self.port

    # -- answers ----------------------------------------------------------------------
    @property
    def status(self) -> int:
        """The status the first notification is answered with."""
        return self.replies[0].status

    def url_for(self, path: str) -> str:
        """An https URL on this receiver's origin with another ``path`` (where a redirect may point)."""
        parts = urlsplit(self.endpoint)
        return f"{parts.scheme}://{parts.netloc}{path}"

    # -- notifications ----------------------------------------------------------------
    def _add(self, make: Callable[[int], Notification]) -> Reply:
        with self._lock:
            reply = self.replies[min(len(self._notifications), len(self.replies) - 1)]
            self._notifications.append(make(reply.status))
            self._lock.notify_all()
            return reply

    def _add_stray(self, request: Notification) -> None:
        with self._lock:
            self._strays.append(request)
            self._lock.notify_all()

    @property
    def strays(self) -> list[Notification]:
        """Requests that reached this receiver at another path than the endpoint's (answered 404)."""
        with self._lock:
            return list(self._strays)

    def wait_for_stray(self, *, timeout_s: float) -> list[Notification]:
        """Wait until a request reached another path or ``timeout_s`` passed; return the strays."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            while not self._strays:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(remaining)
            return list(self._strays)

    @property
    def notifications(self) -> list[Notification]:
        """Everything received so far."""
        with self._lock:
            return list(self._notifications)

    def wait_for(self, count: int = 1, *, timeout_s: float) -> list[Notification]:
        """Wait until ``count`` notifications arrived or ``timeout_s`` passed; return what arrived."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            while len(self._notifications) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(remaining)
            return list(self._notifications)

    def clear(self) -> None:
        """Forget what was received."""
        with self._lock:
            self._notifications.clear()
            self._strays.clear()
