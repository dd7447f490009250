"""The one HTTP layer: recording, redacting, bounded, and confined to the target.

* Every request and response is recorded on the current evidence log, redacted.
* Redirects are never followed automatically: flows read ``Location`` themselves, so the
  harness never walks to a URL the target chose unless its origin is in the profile.
* Every request is bounded by the profile's timeouts; transport failures become
  :class:`~harness.results.TargetUnreachable` (reported as *broken*, never as the target's fault).
* Every exchange has one wall-clock deadline (``timeouts.exchange``) covering connect, TLS,
  status line, headers and body. A watchdog thread shuts the socket down when it passes, so a
  server trickling its response head one byte at a time cannot hold a request beyond it
  (per-read timeouts alone never fire while bytes keep arriving).
* Idempotent metadata GETs (:meth:`TargetHttp.get_idempotent`) are retried a bounded number of
  times on a transient failure, honouring ``Retry-After`` up to a cap; every attempt is an exchange.
* mTLS uses an ``ssl.SSLContext`` with ``load_cert_chain`` (httpx's ``cert=`` with a CA path
  silently sends no client certificate).
"""

from __future__ import annotations

import email.utils
import heapq
import itertools
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from harness import evidence
from harness.curl import curl_words
from harness.evidence import MAX_BODY_CHARS, Exchange
from harness.redaction import redact_body, redact_headers, redact_url
from harness.results import HarnessError, TargetUnreachable
from harness.specs._http import loads_strict, media_type

_SOCKET_OPTIONS = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]

#: Idempotent GETs: attempts in all, statuses worth another try, and the longest wait between two.
RETRY_ATTEMPTS = 3
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_CAP_S = 2.0
RETRY_BACKOFF_S = 0.25


class ExchangeDeadlineExceeded(TargetUnreachable):
    """One exchange took longer than ``timeouts.exchange`` (wall clock, head and body)."""


class _Deadline:
    """The wall-clock deadline of one exchange and the socket it is currently using.

    ``expire`` (called by the watchdog thread) shuts the socket down, which ends any blocked
    ``connect``/``recv``/``send``/TLS handshake in the requesting thread with an error.
    """

    def __init__(self, seconds: float) -> None:
        self.started = time.monotonic()
        self.at = self.started + seconds
        self.expired = False
        self._done = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.at - time.monotonic()

    @property
    def passed(self) -> bool:
        """Whether the deadline has come: expired by the watchdog, or its time reached.

        A blocking call's timeout is capped at the deadline (:func:`_capped`), so on a loaded machine
        the call can time out before the watchdog thread runs: that timeout is the deadline's too.
        """
        return self.expired or time.monotonic() >= self.at

    def attach(self, sock: Any) -> None:
        """Remember the socket the exchange is blocked on (shut it at once when already expired)."""
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            if self._done:
                return
            self._sock = sock
            if self.expired:
                _shutdown(sock)

    def expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            if self._sock is not None:
                _shutdown(self._sock)

    @property
    def finished(self) -> bool:
        return self._done

    def finish(self) -> None:
        """The exchange ended: the (possibly pooled) socket is no longer this deadline's to cut."""
        with self._lock:
            self._done = True
            self._sock = None


def _shutdown(sock: socket.socket) -> None:
    try:
        # the plain socket's shutdown, also for an SSLSocket: it must not touch the TLS state the
        # requesting thread is using; the blocked recv/send/handshake then fails with an OSError
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class _Watchdog:
    """One daemon thread that expires deadlines in time order (no thread per request)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._counter = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: _Deadline) -> None:
        with self._cond:
            while self._heap and self._heap[0][2].finished:  # drop exchanges that ended (keeps the heap small)
                heapq.heappop(self._heap)
            heapq.heappush(self._heap, (deadline.at, next(self._counter), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="exchange-watchdog", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is deadline:
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                at, _, deadline = self._heap[0]
                wait = at - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            deadline.expire()


_WATCHDOG = _Watchdog()
_ACTIVE = threading.local()


def _active_deadline() -> _Deadline | None:
    value = getattr(_ACTIVE, "deadline", None)
    return value if isinstance(value, _Deadline) else None


def _capped(timeout: float | None, deadline: _Deadline | None) -> float | None:
    """A blocking call's timeout, never beyond the exchange deadline."""
    if deadline is None:
        return timeout
    remaining = max(deadline.remaining(), 0.001)
    return remaining if timeout is None else min(timeout, remaining)


class _GuardedStream(httpcore.NetworkStream):
    """A network stream that registers its socket with the exchange deadline before blocking on it."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def _guard(self, timeout: float | None) -> float | None:
        deadline = _active_deadline()
        if deadline is not None:
            deadline.attach(self._inner.get_extra_info("socket"))
            if deadline.passed:
                raise httpcore.ReadError("exchange deadline passed")
        return _capped(timeout, deadline)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._guard(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._guard(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _GuardedStream(self._inner.start_tls(ssl_context, server_hostname, self._guard(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


DNS_CACHE_S = 300.0
"""How long a name resolved within its deadline is reused (the resolver is not asked again meanwhile)."""
_RESOLVED: dict[tuple[str, int], tuple[float, str]] = {}
_RESOLVED_LOCK = threading.Lock()


def _is_ip_literal(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    except OSError:
        return False
    return True


def resolve_within(host: str, port: int, timeout: float | None) -> str:
    """The address to connect to for ``host``, resolved within ``timeout`` seconds.

    ``getaddrinfo`` blocks in C and no socket exists yet for the watchdog to cut, so a resolver
    that never answers would hold the exchange past its deadline; the lookup runs in a daemon
    thread instead, and a lookup still pending at the deadline is abandoned with a timeout.
    """
    if _is_ip_literal(host) or host == "localhost":
        return host
    now = time.monotonic()
    with _RESOLVED_LOCK:
        cached = _RESOLVED.get((host, port))
    if cached is not None and cached[0] > now:
        return cached[1]
    result: list[Any] = []

    def lookup() -> None:
        try:
            result.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            result.append(exc)

    worker = threading.Thread(target=lookup, name=f"resolve-{host}", daemon=True)
    worker.start()
    worker.join(timeout)
    if not result:
        raise httpcore.ConnectTimeout(f"resolving {host} took longer than {timeout or 0:.1f}s")
    if isinstance(result[0], OSError):
        raise httpcore.ConnectError(f"cannot resolve {host}: {result[0]}")
    address = str(result[0][0][4][0])
    with _RESOLVED_LOCK:
        _RESOLVED[(host, port)] = (now + DNS_CACHE_S, address)
    return address


class _GuardedBackend(httpcore.SyncBackend):
    """The sync network backend with connects bounded by, and streams watched by, the exchange deadline.

    Name resolution is bounded too (:func:`resolve_within`); TLS still verifies the certificate
    against the host name (httpcore passes it to the handshake separately).
    """

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        bounded = _capped(timeout, _active_deadline())
        address = resolve_within(host, port, bounded)
        stream = super().connect_tcp(address, port, _capped(timeout, _active_deadline()), local_address,
                                     socket_options)
        return _GuardedStream(stream)


def retry_after_s(value: str | None, attempt: int) -> float:
    """How long to wait before the next attempt: ``Retry-After`` (RFC 9110 §10.2.3) capped, else a backoff.

    "Retry-After = HTTP-date / delay-seconds"
    """
    wait = RETRY_BACKOFF_S * (2 ** attempt)
    if value:
        value = value.strip()
        if value.isdigit():
            wait = float(value)
        else:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError, OverflowError):
                when = None
            if when is not None and when.tzinfo is not None:
                wait = when.timestamp() - time.time()
    return float(min(max(wait, 0.0), RETRY_AFTER_CAP_S))


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
                    pool = transport._pool
                    if isinstance(pool, httpcore.ConnectionPool):  # no proxy: always (trust_env proxies aside)
                        pool._network_backend = _GuardedBackend()
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
            curl_words=curl_words(request, ca_file=self._ca_file, verify=self._verify, cert=cert),
        )
        log.exchanges.append(exchange)
        what = f"{method} {redact_url(url)}"
        deadline = _Deadline(self.exchange_deadline_s)
        started = deadline.started
        _ACTIVE.deadline = deadline
        _WATCHDOG.watch(deadline)
        try:
            response = client.send(request, stream=True)
            try:
                self._read_bounded(response, deadline, what)
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
            if deadline.passed:
                message = self._deadline_message(what, exchange.elapsed_s)
                exchange.error = message
                raise ExchangeDeadlineExceeded(message) from exc
            exchange.error = f"{type(exc).__name__}: {exc}"
            if raise_transport_errors:
                raise
            raise TargetUnreachable(f"{what} failed: {type(exc).__name__}: {exc}") from exc
        finally:
            deadline.finish()
            _ACTIVE.deadline = None
        exchange.elapsed_s = time.monotonic() - started
        exchange.status = response.status_code
        exchange.response_headers = redact_headers(list(response.headers.items()))
        text = response.content[:MAX_BODY_CHARS].decode("utf-8", "replace")
        exchange.response_body = redact_body(text, response.headers.get("content-type", ""))
        return response

    def _deadline_message(self, what: str, elapsed: float) -> str:
        return (f"{what}: no complete response within {self.exchange_deadline_s:g}s (timeouts.exchange); "
                f"the harness gave up after {elapsed:.1f}s")

    def _read_bounded(self, response: httpx.Response, deadline: _Deadline, what: str) -> None:
        """Read the body within the size cap and the whole-exchange deadline.

        A trickling server defeats per-read timeouts; this bound (and the watchdog, which also
        covers the status line and headers) keeps any target from stalling the run or
        exhausting memory.
        """
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():  # decoded bytes: a compression bomb is capped too
            size += len(chunk)
            if size > self.max_response_bytes:
                raise TargetUnreachable(f"{what}: response body exceeds {self.max_response_bytes} bytes; "
                                        "the harness stopped reading (limits.max_response_bytes)")
            if deadline.remaining() < 0:
                raise ExchangeDeadlineExceeded(self._deadline_message(what, time.monotonic() - deadline.started))
            chunks.append(chunk)
        response._content = b"".join(chunks)  # what .content/.text/.json() read (httpx 0.28, pinned)

    def get_idempotent(self, url: str, *, label: str = "", attempts: int = RETRY_ATTEMPTS) -> httpx.Response:
        """``GET`` a resource that is safe to ask again (discovery, JWKS), retrying transient failures.

        A 429/5xx answer or a refused/reset connection is tried again, up to ``attempts`` in all,
        waiting as ``Retry-After`` says (capped at :data:`RETRY_AFTER_CAP_S`) or a short backoff;
        each attempt is its own exchange in the evidence. A deadline or timeout is not retried
        (a hanging server would only multiply the wait). The last answer (or error) is returned.
        """
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self.get(url, label=label if attempt == 0 else f"{label} (retry {attempt})")
            except ExchangeDeadlineExceeded:
                raise
            except TargetUnreachable as exc:
                if last or isinstance(exc.__cause__, httpx.TimeoutException) or exc.__cause__ is None:
                    raise
                time.sleep(retry_after_s(None, attempt))
                continue
            if last or response.status_code not in RETRY_STATUSES:
                response.extensions["harness_attempts"] = attempt + 1
                return response
            time.sleep(retry_after_s(response.headers.get("retry-after"), attempt))
        raise AssertionError("unreachable")  # pragma: no cover

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


def try_json_document(response: httpx.Response) -> dict[str, Any] | None:
    """The body as a JSON object when the answer is labelled JSON (``application/json`` or ``+json``), else ``None``.

    For endpoints whose specification fixes the media type of their answers (RFC 6749 §5.1 token,
    RFC 9126 §2.2 PAR, RFC 8628 §3.2 device, CIBA §7.3, RFC 7662 §2.2 introspection: "using the
    application/json media type"): an answer under another type is not used as data — the checks
    judge the raw body and its type instead (``EndpointResult.judged_body``).
    """
    kind = media_type(response.headers)
    if kind is None or not (kind == "application/json" or kind.endswith("+json")):
        return None
    return try_json_object(response)
