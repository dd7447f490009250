"""The HTTP layer: confinement to the profile's origins, bounded waits, evidence, redaction."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harness import evidence
from harness.http import ExchangeDeadlineExceeded, OutsideTarget, TargetHttp, json_object, origin_of, retry_after_s
from harness.results import TargetUnreachable
from tests.loopback_http import serving


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
    with serving(_Handler) as url:
        yield url


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


@pytest.fixture
def trickle_head_server() -> Iterator[str]:
    """Answers every request with its status line and headers one byte every 0.1 s (the body never comes)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Pad: " + b"p" * 400 + b"\r\n\r\n"
        try:
            conn.recv(65536)
            for byte in head:
                if stop.is_set():
                    break
                conn.sendall(bytes([byte]))
                time.sleep(0.1)
        except OSError:
            pass
        finally:
            conn.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    sock.close()


def test_trickled_head_bounded_by_exchange_deadline(trickle_head_server: str) -> None:
    """Every read succeeds (a byte per 0.1 s, read timeout 5 s): only the wall-clock deadline ends it.

    The read timeout is far above the trickle's gaps, so a loaded machine that delays one byte past a
    second cannot end the exchange by a read timeout instead of the deadline under test.
    """
    http = TargetHttp(allowed_origins={trickle_head_server}, read_timeout=5, connect_timeout=1,
                      exchange_deadline_s=1.5)
    log = evidence.EvidenceLog()
    started = time.monotonic()
    with evidence.collecting(log), pytest.raises(ExchangeDeadlineExceeded, match=r"within 1.5s .*gave up after 1\.\d"):
        http.get(trickle_head_server + "/")
    elapsed = time.monotonic() - started
    http.close()
    assert 1.5 <= elapsed < 2.5, elapsed
    exchange = log.exchanges[0]
    assert exchange.error and "timeouts.exchange" in exchange.error
    assert exchange.elapsed_s is not None and 1.5 <= exchange.elapsed_s < 2.5


def test_read_capped_at_the_deadline_is_the_deadline_even_before_the_watchdog_runs(
        trickle_head_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a loaded machine the watchdog thread can run after the capped read timed out: still the deadline.

    The watchdog is kept from ever expiring the exchange; the read's timeout, capped at the deadline,
    ends it, and the error names ``timeouts.exchange`` (not a read timeout the profile did not set).
    """
    import harness.http

    monkeypatch.setattr(harness.http._WATCHDOG, "watch", lambda _deadline: None)
    http = TargetHttp(allowed_origins={trickle_head_server}, read_timeout=5, connect_timeout=1,
                      exchange_deadline_s=0.5)
    log = evidence.EvidenceLog()
    with evidence.collecting(log), pytest.raises(ExchangeDeadlineExceeded):
        http.get(trickle_head_server + "/")
    http.close()
    assert log.exchanges[0].error and "timeouts.exchange" in log.exchanges[0].error


def test_deadline_does_not_cut_a_pooled_connection_later(server: str) -> None:
    """A finished exchange's deadline never fires on the keep-alive socket the next exchange reuses."""
    http = TargetHttp(allowed_origins={server}, exchange_deadline_s=0.3)
    assert http.get(server + "/").status_code == 200
    time.sleep(0.4)
    assert http.get(server + "/").status_code == 200
    http.close()


@pytest.mark.parametrize(("value", "attempt", "expected"), [
    (None, 0, 0.25), (None, 1, 0.5), ("1", 0, 1.0), ("120", 0, 2.0), ("garbage", 0, 0.25),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0, 0.0),
])
def test_retry_after(value: str | None, attempt: int, expected: float) -> None:
    assert retry_after_s(value, attempt) == expected


class _Flaky(BaseHTTPRequestHandler):
    """Answers 503 with Retry-After: 1 to the first ``failures`` requests, then 200."""

    failures = 2
    hits = 0

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits += 1
        if type(self).hits <= type(self).failures:
            body, status = b'{"error":"temporarily_unavailable"}', 503
        else:
            body, status = b'{"keys": []}', 200
        self.send_response(status)
        if status == 503:
            self.send_header("Retry-After", "0")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(("failures", "status", "attempts"), [(0, 200, 1), (2, 200, 3), (5, 503, 3)])
def test_idempotent_get_retries_transient_failures(failures: int, status: int, attempts: int) -> None:
    _Flaky.failures, _Flaky.hits = failures, 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    http = TargetHttp(allowed_origins={base})
    log = evidence.EvidenceLog()
    with evidence.collecting(log):
        response = http.get_idempotent(base + "/jwks", label="jwks")
    http.close()
    httpd.shutdown()
    httpd.server_close()
    assert response.status_code == status
    assert [e.status for e in log.exchanges] == [503] * (attempts - 1) + [status], "every attempt is evidence"
    assert [e.label for e in log.exchanges][:2] == ["jwks", "jwks (retry 1)"][:attempts]


def test_idempotent_get_does_not_retry_a_hang(silent_server: str) -> None:
    http = TargetHttp(allowed_origins={silent_server}, read_timeout=0.5, connect_timeout=0.5)
    log = evidence.EvidenceLog()
    with evidence.collecting(log), pytest.raises(TargetUnreachable, match="Timeout"):
        http.get_idempotent(silent_server + "/")
    http.close()
    assert len(log.exchanges) == 1


def _self_signed(directory: Path) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_trickled_head_over_tls_bounded_by_exchange_deadline(tmp_path: Path) -> None:
    """The watchdog also cuts a TLS connection (the socket is shut down under the TLS layer)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_self_signed(tmp_path))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def serve() -> None:
        try:
            conn, _ = listener.accept()
            with context.wrap_socket(conn, server_side=True) as tls:
                tls.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nX-Pad: " + b"p" * 400 + b"\r\n\r\n":
                    tls.sendall(bytes([byte]))
                    time.sleep(0.1)
        except OSError:
            pass

    threading.Thread(target=serve, daemon=True).start()
    base = f"https://127.0.0.1:{listener.getsockname()[1]}"
    http = TargetHttp(allowed_origins={base}, verify=False, read_timeout=1, connect_timeout=1,
                      exchange_deadline_s=1.5)
    started = time.monotonic()
    with pytest.raises(ExchangeDeadlineExceeded, match="timeouts.exchange"):
        http.get(base + "/")
    assert time.monotonic() - started < 2.5
    http.close()
    listener.close()


def test_a_resolver_that_never_answers_is_bounded_by_the_exchange_deadline(
        server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """getaddrinfo blocks in C; the lookup is abandoned at the exchange deadline (issue 15: DNS bounded)."""
    real = socket.getaddrinfo
    release = threading.Event()

    def stuck(host: str, *args: object, **kwargs: object) -> object:
        if host == "stuck-dns.example.test":
            release.wait(30)
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", stuck)
    port = server.rsplit(":", 1)[1]
    url = f"http://stuck-dns.example.test:{port}"
    http = TargetHttp(allowed_origins={origin_of(url)}, read_timeout=5, connect_timeout=5, exchange_deadline_s=1)
    started = time.monotonic()
    try:
        with pytest.raises(TargetUnreachable):
            http.get(url + "/")
        assert time.monotonic() - started < 2.5
    finally:
        release.set()
        http.close()


def test_names_resolve_once_then_come_from_the_cache(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo
    asked: list[str] = []

    def counting(host: str, *args: object, **kwargs: object) -> object:
        if host == "cached-dns.example.test":
            asked.append(host)
            host = "127.0.0.1"
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    port = server.rsplit(":", 1)[1]
    url = f"http://cached-dns.example.test:{port}"
    http = TargetHttp(allowed_origins={origin_of(url)}, read_timeout=5, connect_timeout=5)
    try:
        for _ in range(3):
            assert http.get(url + "/json").status_code in (200, 404)
            http.close()
            http = TargetHttp(allowed_origins={origin_of(url)}, read_timeout=5, connect_timeout=5)
    finally:
        http.close()
    assert asked == ["cached-dns.example.test"]
