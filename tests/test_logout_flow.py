"""The logout walk (harness/flows/logout.py) against a fake end_session endpoint on loopback.

A logout endpoint that redirects anywhere is recorded, never followed, and judged: a redirect
to a URI not registered is a failed finding (OIDCRPI-3-exact); a confirmation page is answered
as the profile says; a meta refresh moves on within the target only.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from harness import evidence
from harness.flows.logout import end_session
from harness.profile import parse_profile
from harness.results import CheckFailed
from harness.specs import oidc_logout
from harness.target import Target
from tests.loopback_http import serving

SEEN: list[str] = []
_lock = threading.Lock()


class _OP(BaseHTTPRequestHandler):
    def _reply(self, status: int, headers: dict[str, str], body: str = "") -> None:
        data = body.encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        with _lock:
            SEEN.append(self.path)
        if self.path.startswith("/.well-known/openid-configuration"):
            base = f"http://{self.headers['Host']}"
            self._reply(200, {"Content-Type": "application/json"},
                        f'{{"issuer": "{base}", "end_session_endpoint": "{base}/logout"}}')
        elif self.path.startswith("/logout"):
            self._reply(200, {"Content-Type": "text/html"},
                        '<form id="confirm" method="post" action="/logout/confirm">'
                        '<input type="hidden" name="xsrf" value="x"></form>')
        elif self.path.startswith("/refresh"):
            self._reply(200, {"Content-Type": "text/html"},
                        '<meta http-equiv="refresh" content="0;url=https://evil.example.test/after-refresh">'
                        '<iframe src="https://rp.example.test/fc?iss=a&amp;sid=b"></iframe>')
        else:
            self._reply(404, {})

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        with _lock:
            SEEN.append("POST " + self.path)
        if self.path == "/logout/confirm":
            self._reply(303, {"Location": "/refresh"})
        else:
            self._reply(404, {})

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server API
        """Silence."""


def _target(base: str) -> Target:
    profile = parse_profile({
        "name": "fake", "issuer": base,
        "clients": [{"id": "rp", "auth_method": "none", "redirect_uris": ["https://rp.example.test/cb"],
                     "logout": {"post_logout_redirect_uris": ["https://rp.example.test/logout"]}}],
        "users": [{"username": "u", "password": "p"}],
        "logout": {"confirm": {"form_id": "confirm", "button": {"name": "logout", "value": "yes"}}},
    }, base_dir=Path("."))
    return Target.from_profile(profile)


def test_redirect_anywhere_is_recorded_not_followed_and_fails() -> None:
    SEEN.clear()
    log = evidence.EvidenceLog()
    with serving(_OP) as base, evidence.collecting(log):
        target = _target(base)
        session = target.new_session()
        outcome = end_session(target, session, {"state": "s1"})
        session.close()
    assert outcome.confirm_shown and outcome.confirmed
    assert outcome.left_to == "https://evil.example.test/after-refresh"
    assert outcome.iframes == ["https://rp.example.test/fc?iss=a&sid=b"]
    assert any(p.startswith("/logout?state=s1") for p in SEEN)
    assert "POST /logout/confirm" in SEEN and "/refresh" in SEEN
    with pytest.raises(CheckFailed) as exc:
        oidc_logout.check_no_redirect_unrequested(outcome.left_to, ["https://rp.example.test/logout"])
    assert exc.value.findings[0].code == "POST_LOGOUT_REDIRECT_UNREGISTERED"
    with pytest.raises(CheckFailed) as exc:
        oidc_logout.check_post_logout_redirect(left_to=outcome.left_to, expected_uri="https://rp.example.test/logout",
                                               state="s1", registered=["https://rp.example.test/logout"])
    assert exc.value.findings[0].code == "POST_LOGOUT_REDIRECT_UNREGISTERED"
    assert not any("evil.example.test" in e.url for e in log.exchanges)
