"""A loopback HTTPS server run in a background thread: what the harness's hosted endpoints share.

The CIBA notification receiver (``harness/ciba_receiver.py``, also the back-channel logout URI),
the CIBA authentication channel (``harness/ciba_auth_channel.py``), the request-object host
(``harness/request_object_host.py``) and the sector identifier host (``harness/sector_host.py``)
each serve one small HTTPS endpoint the target calls. This module holds what they do alike:

* :func:`loopback_bind_host` refuses any address that is not loopback;
* :func:`server_tls_context` loads the profile's server certificate (an unreadable one is a
  :class:`ProfileError` naming whose it is);
* :class:`LoopbackServer` and :class:`LoopbackHandler`: a threading server that hands its
  handler the service it serves, and a quiet HTTP/1.1 handler that answers one request per
  connection (:meth:`LoopbackHandler.reply`);
* :class:`LoopbackTlsService` binds (waiting, bounded, while a fixed port is taken), wraps the
  socket in TLS, serves in a daemon thread and stops cleanly;
* :class:`LoopbackDocumentHost` is the part of it the two document hosts configured by a
  ``request_object_host``-shaped settings block share (settings, published documents by path,
  their https origin).
"""

from __future__ import annotations

import ipaddress
import ssl
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from harness.profile import RequestObjectHost as HostSettings
from harness.results import HarnessError, ProfileError

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}

ServiceT = TypeVar("ServiceT")


def loopback_bind_host(host: str) -> str:
    """The address to bind for ``host``; only loopback addresses are allowed."""
    if host.lower() in _LOOPBACK_NAMES:
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError as exc:
        raise ProfileError(f"a hosted endpoint must listen on loopback, not {host!r} "
                           "(hint: set its listen_host to 127.0.0.1, ::1 or localhost)") from exc
    if not address.is_loopback:
        raise ProfileError(f"a hosted endpoint must listen on loopback, not {host!r}")
    return str(address)


def https_origin(host: str, port: int) -> str:
    """``https://<host>:<port>``, an IPv6 address in brackets (RFC 3986 §3.2.2)."""
    return f"https://{f'[{host}]' if ':' in host else host}:{port}"


def server_tls_context(cert_file: Path, key_file: Path, *, owner: str) -> ssl.SSLContext:
    """A TLS server context with ``cert_file`` / ``key_file``; one that does not load is a profile problem.

    Raises:
        ProfileError: "cannot load <owner>'s certificate <cert_file>: <why>".
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(str(cert_file), str(key_file))
    except (OSError, ssl.SSLError) as exc:
        raise ProfileError(f"cannot load {owner}'s certificate {cert_file}: {exc}") from exc
    return context


class LoopbackServer(ThreadingHTTPServer, Generic[ServiceT]):
    """The threading HTTP server of one hosted endpoint; its handler reaches the service as ``server.service``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], service: ServiceT) -> None:
        """Bind ``address`` (raises :class:`OSError` while it is taken) for ``handler``, serving ``service``."""
        super().__init__(address, handler)
        self.service = service


class LoopbackHandler(BaseHTTPRequestHandler):
    """An HTTP/1.1 handler of a hosted endpoint: one request per connection, nothing logged to stderr."""

    protocol_version = "HTTP/1.1"

    def reply(self, status: int, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()) -> None:
        """Answer ``status`` with ``headers``, ``Content-Length`` and ``Connection: close``, then ``body``."""
        # One request per connection: a kept-alive socket would outlive this service and
        # deliver the next request to a stopped instance.
        self.close_connection = True
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server API
        """Silence the default stderr logging."""


class LoopbackTlsService:
    """Start, stop and context management; subclasses set the attributes and :meth:`_listen_port`.

    The server is a :class:`LoopbackServer` for :attr:`handler_class` unless a subclass
    overrides :meth:`_make_server`.
    """

    host: str
    bind_timeout_s: float
    service_name: str
    """What the server is, for messages ("the notification endpoint")."""
    thread_name: str
    handler_class: type[BaseHTTPRequestHandler]
    _ssl: ssl.SSLContext
    _server: ThreadingHTTPServer | None
    _thread: threading.Thread | None

    def _listen_port(self) -> int:
        raise NotImplementedError

    def _make_server(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        return LoopbackServer(address, self.handler_class, self)

    def start(self) -> Self:
        """Bind and serve in a background thread (waits, bounded, while a fixed port is taken)."""
        deadline = time.monotonic() + self.bind_timeout_s
        while True:
            try:
                server = self._make_server((self.host, self._listen_port()))
                break
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise HarnessError(f"cannot listen on {self.host}:{self._listen_port()} for "
                                       f"{self.service_name}: {exc}") from exc
                time.sleep(0.1)
        server.socket = self._ssl.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        """Start serving."""
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Stop serving."""
        self.stop()


class LoopbackDocumentHost(LoopbackTlsService):
    """A loopback HTTPS host, configured by a ``request_object_host``-shaped block, serving documents by path.

    Subclasses set :attr:`service_name`, :attr:`thread_name`, :attr:`handler_class` and
    :attr:`certificate_owner` (whose certificate a :class:`ProfileError` names).
    """

    certificate_owner: str

    def __init__(self, settings: HostSettings, *, bind_timeout_s: float = 30.0) -> None:
        """Load the certificate of ``settings`` (:class:`ProfileError` when it does not load); bind nothing yet."""
        self.settings = settings
        self.host = loopback_bind_host(settings.listen_host)
        self.bind_timeout_s = bind_timeout_s
        self._ssl = server_tls_context(settings.cert_file, settings.key_file, owner=self.certificate_owner)
        self._lock = threading.Lock()
        self._documents: dict[str, str] = {}
        self._server = None
        self._thread = None

    def _listen_port(self) -> int:
        return self.settings.listen_port

    @property
    def base_url(self) -> str:
        """The https origin the target reaches the host at."""
        if self.settings.public_base_url:
            return self.settings.public_base_url.rstrip("/")
        if self._server is None:
            raise HarnessError(f"{self.service_name} is not started")
        return https_origin(self.host, self._server.server_address[1])

    def _lookup(self, path: str) -> str | None:
        with self._lock:
            return self._documents.get(path)
