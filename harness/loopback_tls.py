"""A loopback HTTPS server run in a background thread: the lifecycle the harness's hosted endpoints share.

The CIBA notification receiver (``harness/ciba_receiver.py``) and the request-object host
(``harness/request_object_host.py``) each serve one small HTTPS endpoint the target calls; this
mixin binds (waiting, bounded, while a fixed port is taken), wraps the socket in TLS, serves in a
daemon thread and stops cleanly.
"""

from __future__ import annotations

import ssl
import threading
import time
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Self

from harness.results import HarnessError


class LoopbackTlsService:
    """Start, stop and context management; subclasses set the attributes and the two hooks below."""

    host: str
    bind_timeout_s: float
    service_name: str
    """What the server is, for messages ("the notification endpoint")."""
    thread_name: str
    _ssl: ssl.SSLContext
    _server: ThreadingHTTPServer | None
    _thread: threading.Thread | None

    def _listen_port(self) -> int:
        raise NotImplementedError

    def _make_server(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        raise NotImplementedError

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
