"""The CIBA notification endpoint the harness hosts: HTTPS on loopback, records, waits, takes turns for a port."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from harness import evidence
from harness.ciba_receiver import NotificationReceiver, loopback_bind_host
from harness.redaction import REDACTED
from harness.results import HarnessError, ProfileError


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[trustme.CA, Path, Path]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    base = tmp_path_factory.mktemp("pki")
    cert_file, key_file = base / "rp.crt", base / "rp.key"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    yield ca, cert_file, key_file


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _client(ca: trustme.CA) -> httpx.Client:
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return httpx.Client(verify=ctx, timeout=5)


def test_records_notifications_and_answers_204(pki: tuple[trustme.CA, Path, Path]) -> None:
    ca, cert, key = pki
    endpoint = f"https://127.0.0.1:{_free_port()}/ciba-notify"
    with NotificationReceiver(endpoint, cert_file=cert, key_file=key) as receiver, _client(ca) as http:
        response = http.post(endpoint, json={"auth_req_id": "abc"}, headers={"Authorization": "Bearer tok"})
        assert response.status_code == 204 and response.headers["connection"] == "close"
        assert http.post(endpoint.replace("/ciba-notify", "/other"), json={}).status_code == 404
        got = receiver.wait_for(1, timeout_s=1)
    assert len(got) == 1
    note = got[0]
    assert note.method == "POST" and note.path == "/ciba-notify" and json.loads(note.body) == {"auth_req_id": "abc"}
    assert ("Authorization", "Bearer tok") in [(k.title(), v) for k, v in note.headers]


def test_wait_for_returns_at_the_timeout_without_notifications(pki: tuple[trustme.CA, Path, Path]) -> None:
    _, cert, key = pki
    with NotificationReceiver(f"https://localhost:{_free_port()}/cb", cert_file=cert, key_file=key) as receiver:
        started = time.monotonic()
        assert receiver.wait_for(1, timeout_s=0.2) == []
        assert 0.15 <= time.monotonic() - started < 1.0


def test_a_restarted_receiver_gets_the_next_notification(pki: tuple[trustme.CA, Path, Path]) -> None:
    """A kept-alive connection must not carry the next notification to a stopped receiver."""
    ca, cert, key = pki
    endpoint = f"https://127.0.0.1:{_free_port()}/cb"
    with _client(ca) as http:
        with NotificationReceiver(endpoint, cert_file=cert, key_file=key) as first:
            http.post(endpoint, json={"auth_req_id": "1"})
            assert len(first.wait_for(1, timeout_s=1)) == 1
        with NotificationReceiver(endpoint, cert_file=cert, key_file=key) as second:
            http.post(endpoint, json={"auth_req_id": "2"})
            assert [json.loads(n.body) for n in second.wait_for(1, timeout_s=1)] == [{"auth_req_id": "2"}]


def test_waits_for_a_busy_port_then_listens(pki: tuple[trustme.CA, Path, Path]) -> None:
    ca, cert, key = pki
    port = _free_port()
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", port))
    blocker.listen()
    threading.Timer(0.3, blocker.close).start()
    started = time.monotonic()
    with NotificationReceiver(f"https://127.0.0.1:{port}/cb", cert_file=cert, key_file=key) as receiver, \
            _client(ca) as http:
        assert time.monotonic() - started >= 0.25
        http.post(f"https://127.0.0.1:{port}/cb", json={"auth_req_id": "x"})
        assert receiver.wait_for(1, timeout_s=1)


def test_gives_up_on_a_port_that_stays_busy(pki: tuple[trustme.CA, Path, Path]) -> None:
    _, cert, key = pki
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        receiver = NotificationReceiver(f"https://127.0.0.1:{port}/cb", cert_file=cert, key_file=key,
                                        bind_timeout_s=0.2)
        with pytest.raises(HarnessError, match="cannot listen"):
            receiver.start()


def test_only_loopback_and_https(pki: tuple[trustme.CA, Path, Path]) -> None:
    _, cert, key = pki
    assert loopback_bind_host("localhost") == "127.0.0.1"
    assert loopback_bind_host("127.0.0.2") == "127.0.0.2"
    assert loopback_bind_host("[::1]") == "::1"
    for host in ("0.0.0.0", "192.0.2.10", "rp.example.test"):
        with pytest.raises(ProfileError, match="loopback"):
            loopback_bind_host(host)
    with pytest.raises(ProfileError, match="https"):
        NotificationReceiver("http://127.0.0.1:1/cb", cert_file=cert, key_file=key)
    with pytest.raises(ProfileError, match="certificate"):
        NotificationReceiver("https://127.0.0.1:1/cb", cert_file=key, key_file=key)


def test_recorded_evidence_is_redacted(pki: tuple[trustme.CA, Path, Path]) -> None:
    ca, cert, key = pki
    endpoint = f"https://127.0.0.1:{_free_port()}/cb"
    with NotificationReceiver(endpoint, cert_file=cert, key_file=key) as receiver, _client(ca) as http:
        http.post(endpoint, json={"auth_req_id": "secret-request-id"}, headers={"Authorization": "Bearer tok-123"})
        note = receiver.wait_for(1, timeout_s=1)[0]
    log = evidence.EvidenceLog()
    with evidence.collecting(log):
        note.record(endpoint, status=204)
    exchange = log.exchanges[0].as_dict()
    text = json.dumps(exchange)
    assert "secret-request-id" not in text and "tok-123" not in text and REDACTED in text
    assert exchange["request"]["method"] == "POST" and exchange["response"]["status"] == 204
