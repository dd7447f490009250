"""The HTTP layer: confinement to the profile's origins, bounded waits, evidence, redaction."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness import evidence
from harness.http import OutsideTarget, TargetHttp, json_object, origin_of
from harness.results import TargetUnreachable


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/garbage":
            body = b"<html>not json</html>"
            ctype = "text/html"
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "https://elsewhere.example.test/")
            self.end_headers()
            return
        else:
            body = b'{"access_token": "secret-at-value", "ok": true}'
            ctype = "application/json"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers (a hanging endpoint)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def test_origin_normalisation() -> None:
    assert origin_of("https://AS.example.test/path?q") == "https://as.example.test:443"
    assert origin_of("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080"


def test_refuses_origins_outside_profile(server: str) -> None:
    http = TargetHttp(allowed_origins={server})
    with pytest.raises(OutsideTarget, match="allowed_origins"):
        http.get("http://127.0.0.2:9/")
    http.close()


def test_never_follows_redirects(server: str) -> None:
    http = TargetHttp(allowed_origins={server})
    response = http.get(server + "/redirect")
    assert response.status_code == 302
    http.close()


def test_exchange_recorded_and_redacted(server: str) -> None:
    http = TargetHttp(allowed_origins={server})
    log = evidence.EvidenceLog()
    with evidence.collecting(log):
        http.post(server + "/", data={"client_secret": "csecret-value", "grant_type": "x"}, label="t")
    http.close()
    exchange = log.exchanges[0]
    text = str(exchange.as_dict())
    assert "csecret-value" not in text and "secret-at-value" not in text
    assert exchange.status == 200 and exchange.label == "t"
    assert exchange.curl().startswith("curl -i -X POST")


def test_garbage_is_broken_not_failed(server: str) -> None:
    http = TargetHttp(allowed_origins={server})
    with pytest.raises(TargetUnreachable, match="expected a JSON object"):
        json_object(http.get(server + "/garbage"), "discovery document")
    http.close()


def test_unreachable_is_broken() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    http = TargetHttp(allowed_origins={f"http://127.0.0.1:{port}"}, connect_timeout=1)
    with pytest.raises(TargetUnreachable, match="ConnectError"):
        http.get(f"http://127.0.0.1:{port}/")
    http.close()


def test_hanging_endpoint_bounded_by_timeout(silent_server: str) -> None:
    http = TargetHttp(allowed_origins={silent_server}, read_timeout=0.5, connect_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(TargetUnreachable, match="Timeout"):
        http.get(silent_server + "/")
    assert time.monotonic() - started < 3
    http.close()
