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
from harness.ciba_receiver import NO_CONTENT, NotificationReceiver, Reply, loopback_bind_host
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


def test_default_reply_is_204_and_status_is_recorded(pki: tuple[trustme.CA, Path, Path]) -> None:
    _, cert, key = pki
    receiver = NotificationReceiver("https://127.0.0.1:1/cb", cert_file=cert, key_file=key)
    assert receiver.replies == (NO_CONTENT,) and receiver.status == 204
    assert NotificationReceiver("https://127.0.0.1:1/cb", cert_file=cert, key_file=key, status=200).status == 200


def test_configured_replies_per_notification(pki: tuple[trustme.CA, Path, Path]) -> None:
    """The n-th notification gets replies[n]; the last reply repeats; each notification records its answer."""
    ca, cert, key = pki
    endpoint = f"https://127.0.0.1:{_free_port()}/cb"
    replies = [Reply(401, b"not now"), Reply(200, b'{"ok":true}', content_type="application/json")]
    with NotificationReceiver(endpoint, cert_file=cert, key_file=key, replies=replies) as receiver, \
            _client(ca) as http:
        first = http.post(endpoint, json={"auth_req_id": "1"})
        second = http.post(endpoint, json={"auth_req_id": "2"})
        third = http.post(endpoint, json={"auth_req_id": "3"})
        got = receiver.wait_for(3, timeout_s=1)
    assert (first.status_code, first.text) == (401, "not now")
    assert (second.status_code, second.json(), second.headers["content-type"]) == (200, {"ok": True},
                                                                                  "application/json")
    assert third.status_code == 200
    assert [n.answered for n in got] == [401, 200, 200]


def test_redirect_reply_and_strays(pki: tuple[trustme.CA, Path, Path]) -> None:
    """A 301 carries the Location; a request to that other path is answered 404 and kept apart."""
    ca, cert, key = pki
    endpoint = f"https://127.0.0.1:{_free_port()}/cb"
    with NotificationReceiver(endpoint, cert_file=cert, key_file=key) as receiver, _client(ca) as http:
        moved = receiver.url_for("/cb/moved")
        receiver.replies = (Reply(301, location=moved),)
        assert receiver.wait_for_stray(timeout_s=0.1) == []
        answer = http.post(endpoint, json={"auth_req_id": "1"})
        assert (answer.status_code, answer.headers["location"]) == (301, moved)
        assert http.post(moved, json={"auth_req_id": "1"}).status_code == 404
        strays = receiver.wait_for_stray(timeout_s=1)
        assert len(receiver.wait_for(1, timeout_s=1)) == 1
    assert [(s.path, s.answered) for s in strays] == [("/cb/moved", 404)]
    assert moved == endpoint.replace("/cb", "/cb/moved")
    receiver.clear()
    assert receiver.strays == [] and receiver.notifications == []


def test_reply_validation_and_description() -> None:
    with pytest.raises(ValueError, match="200-599"):
        Reply(199)
    with pytest.raises(ValueError, match="no body"):
        Reply(204, b"x")
    assert Reply(401).describe() == "HTTP 401"
    assert Reply(200, b"abc").describe() == "HTTP 200 with a 3-byte body"
    assert Reply(301, location="https://x/y").describe() == "HTTP 301 Location https://x/y"


def test_recorded_status_defaults_to_the_answer(pki: tuple[trustme.CA, Path, Path]) -> None:
    ca, cert, key = pki
    endpoint = f"https://127.0.0.1:{_free_port()}/cb"
    with NotificationReceiver(endpoint, cert_file=cert, key_file=key, replies=[Reply(403)]) as receiver, \
            _client(ca) as http:
        http.post(endpoint, json={"auth_req_id": "a"})
        note = receiver.wait_for(1, timeout_s=1)[0]
    log = evidence.EvidenceLog()
    with evidence.collecting(log):
        note.record(endpoint)
    assert log.exchanges[0].as_dict()["response"]["status"] == 403
