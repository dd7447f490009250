"""The pluggable CIBA approval ("the other device"): http, command, manual, none; profile validation."""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import evidence
from harness.ciba_receiver import NotificationReceiver
from harness.flows.ciba_approval import CibaApprover, PendingRequest
from harness.profile import parse_profile
from harness.results import HarnessError, ProfileError
from harness.target import NotApplicable, Target
from tests.loopback_pki import free_port, write_loopback_pki

AUTH_REQ_ID = "Zq3-auth-req-id-that-is-a-credential"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return write_loopback_pki(tmp_path_factory.mktemp("pki"))


def _target(tmp_path: Path, ciba: dict[str, Any], ca_file: Path | None = None) -> Target:
    data: dict[str, Any] = {
        "name": "t", "issuer": "https://127.0.0.1:1",
        "clients": [{"id": "c", "auth_method": "none", "grant_types": ["urn:openid:params:grant-type:ciba"]}],
        "users": [{"username": "alice", "password": "pw-secret-1"}],
        "login": {"ciba": ciba},
    }
    if ca_file is not None:
        data["tls"] = {"ca_file": str(ca_file)}
    return Target.from_profile(parse_profile(data, base_dir=tmp_path))


def _pending(target: Target) -> PendingRequest:
    return PendingRequest(auth_req_id=AUTH_REQ_ID, client=target.profile.client("c"), login_hint="alice",
                          binding_message="TX-1", expires_at=time.monotonic() + 30)


@pytest.fixture
def log() -> Iterator[evidence.EvidenceLog]:
    current = evidence.EvidenceLog()
    with evidence.collecting(current):
        yield current


def test_http_mode_calls_the_url_with_the_token_and_masks_the_id(
        tmp_path: Path, pki: tuple[Path, Path, Path], log: evidence.EvidenceLog) -> None:
    ca, cert, key = pki
    port = free_port()
    target = _target(tmp_path, {"mode": "http", "http": {
        "url": f"https://127.0.0.1:{port}/approve?id={{auth_req_id}}&decision={{decision}}",
        "token": "admin-token-xyz"}}, ca)
    with NotificationReceiver(f"https://127.0.0.1:{port}/approve", cert_file=cert, key_file=key) as server:
        CibaApprover(target).decide(_pending(target), "deny")
        got = server.wait_for(1, timeout_s=2)
    assert got and got[0].method == "POST" and json.loads(got[0].body) == {}
    assert dict((k.lower(), v) for k, v in got[0].headers)["authorization"] == "Bearer admin-token-xyz"
    text = json.dumps([e.as_dict() for e in log.exchanges])
    assert AUTH_REQ_ID not in text and "admin-token-xyz" not in text
    assert log.exchanges[0].status == 204 and "decision=deny" in log.exchanges[0].url


def test_http_mode_refusal_is_a_harness_problem(tmp_path: Path, pki: tuple[Path, Path, Path],
                                                 log: evidence.EvidenceLog) -> None:
    ca, cert, key = pki
    port = free_port()
    target = _target(tmp_path, {"mode": "http", "http": {"url": f"https://127.0.0.1:{port}/other/{{auth_req_id}}"}},
                     ca)
    with NotificationReceiver(f"https://127.0.0.1:{port}/approve", cert_file=cert, key_file=key), \
            pytest.raises(HarnessError, match="HTTP 404"):
        CibaApprover(target).decide(_pending(target), "approve")
    with pytest.raises(HarnessError, match="failed"):
        CibaApprover(target).decide(_pending(target), "approve")  # nobody listens any more


def test_command_mode_gets_placeholders_and_environment(tmp_path: Path, log: evidence.EvidenceLog) -> None:
    out = tmp_path / "out.json"
    script = ("import json, os, sys; json.dump({'argv': sys.argv[1:], 'env': os.environ['CIBA_AUTH_REQ_ID'], "
              f"'msg': os.environ['CIBA_BINDING_MESSAGE']}}, open({str(out)!r}, 'w'))")
    target = _target(tmp_path, {"mode": "command",
                                "command": [sys.executable, "-c", script, "{decision}", "{client_id}", "{login_hint}"]})
    CibaApprover(target).decide(_pending(target), "approve")
    assert json.loads(out.read_text()) == {"argv": ["approve", "c", "alice"], "env": AUTH_REQ_ID, "msg": "TX-1"}
    assert AUTH_REQ_ID not in json.dumps(log.notes)


def test_command_mode_failure_and_timeout(tmp_path: Path, log: evidence.EvidenceLog) -> None:
    failing = _target(tmp_path, {"mode": "command", "command": [sys.executable, "-c", "import sys; sys.exit(3)"]})
    with pytest.raises(HarnessError, match="exited with 3"):
        CibaApprover(failing).decide(_pending(failing), "approve")
    slow = _target(tmp_path, {"mode": "command", "command_timeout_s": 0.2,
                              "command": [sys.executable, "-c", "import time; time.sleep(5)"]})
    with pytest.raises(HarnessError, match="failed"):
        CibaApprover(slow).decide(_pending(slow), "approve")


def test_manual_mode_prints_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       log: evidence.EvidenceLog) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "__stderr__", stream)
    target = _target(tmp_path, {"mode": "manual"})
    approver = CibaApprover(target)
    approver.decide(_pending(target), "deny")
    text = stream.getvalue()
    assert "please DENY" in text and "TX-1" in text and "alice" in text and AUTH_REQ_ID not in text
    assert not approver.automated


def test_none_mode_skips(tmp_path: Path) -> None:
    target = _target(tmp_path, {})
    with pytest.raises(NotApplicable, match="login.ciba.mode"):
        CibaApprover(target).decide(_pending(target), "approve")


@pytest.mark.parametrize(("ciba", "message"), [
    ({"mode": "http"}, "needs 'http'"),
    ({"mode": "command"}, "needs 'command'"),
    ({"mode": "browser"}, "needs 'browser'"),
    ({"receiver": {"cert_file": "x.pem"}}, "go together"),
])
def test_profile_validation(tmp_path: Path, ciba: dict[str, Any], message: str) -> None:
    (tmp_path / "x.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    with pytest.raises(ProfileError, match=message):
        _target(tmp_path, ciba)


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian chromium is not installed")
@pytest.mark.parametrize("decision", ["approve", "deny"])
def test_browser_mode_runs_the_steps_on_the_page(tmp_path: Path, log: evidence.EvidenceLog, decision: str) -> None:
    """A tiny "authentication device" web page: the approval URL shows the binding message and two buttons."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread
    from urllib.parse import parse_qs, urlsplit

    from harness.login.browser import BrowserSession, BrowserUserAgent

    decided: list[tuple[str, str]] = []

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            html = (b"<html><body><p id='msg'>TX-1</p><form method='post' action='/decided'>"
                    b"<input type='hidden' name='id' value='" + urlsplit(self.path).path.split("/")[-1].encode()
                    + b"'><button id='yes' name='d' value='approve'>Yes</button>"
                    b"<button id='no' name='d' value='deny'>No</button></form></body></html>")
            self._send(html)

        def do_POST(self) -> None:  # noqa: N802 - http.server API
            form = parse_qs(self.rfile.read(int(self.headers["content-length"])).decode())
            decided.append((form["id"][0], form["d"][0]))
            self._send(b"<html><body id='done'>thanks</body></html>")

        def _send(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    target = _target(tmp_path, {"mode": "browser", "browser": {
        "url": f"http://127.0.0.1:{port}/request/{{auth_req_id}}",
        "approve_steps": [{"wait_for": "#msg"}, {"click": "#yes"}],
        "deny_steps": [{"click": "#no"}]}})
    session = BrowserSession(target.profile.login.browser, allowed_hosts={"127.0.0.1"})
    agents: list[BrowserUserAgent] = []

    def factory(driver: str | None = None) -> BrowserUserAgent:
        agents.append(BrowserUserAgent(target, session, screenshot_dir=tmp_path))
        return agents[-1]

    try:
        CibaApprover(target, factory).decide(_pending(target), decision)  # type: ignore[arg-type]
    finally:
        for agent in agents:
            agent.close()
        session.close()
        server.shutdown()
        server.server_close()
    assert decided == [(AUTH_REQ_ID, decision)]
    assert any("in the browser" in note for note in log.notes) and log.screenshots
    assert AUTH_REQ_ID not in " ".join(log.notes)
