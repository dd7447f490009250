"""A misbehaving target never hangs, crashes or misleads the harness.

Each fault runs the discovery suite (static checks and two authorization flows) against the
faulty server: the run ends within its time bound, each affected check is *broken* (could not
judge: unreachable, garbage) or *failed* (a real violation) with a clear message, the other
checks still run, and no request goes to a host the profile does not name.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli import SUITES_DIR, SUITES_INI

from .faulty_server import FaultyServer

STATIC = ["document_served_as_json", "required_members", "member_types", "jwks_document"]
FLOWS = ["pkce_advertised_matches_behaviour", "iss_parameter_advertised_matches_behaviour"]


class _Stray:
    """A server on another loopback address: any hit means the harness left the profile."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        stray = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                stray.hits.append(self.path)
                self.send_response(500)
                self.end_headers()

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.base = f"http://127.0.0.2:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FaultyServer, _Stray]]:
    faulty, stray = FaultyServer(), _Stray()
    faulty.elsewhere = stray.base
    yield faulty, stray
    faulty.close()
    stray.httpd.shutdown()
    stray.httpd.server_close()


def _run(faulty: FaultyServer, tmp_path: Path) -> tuple[dict[str, dict[str, Any]], float]:
    profile = tmp_path / "faulty.yaml"
    profile.write_text(yaml.safe_dump({
        "name": "faulty", "issuer": faulty.base, "production": False,
        "timeouts": {"connect": 1, "read": 1, "exchange": 3},
        "limits": {"max_response_bytes": 1_000_000, "entropy_samples": 2},
        "clients": [{"id": "c", "auth_method": "client_secret_basic", "secret": "faulty-secret-1",
                     "redirect_uris": ["https://rp.example.test/cb"]}],
        "users": [{"username": "u", "password": "faulty-password-1"}],
        "login": {"http_form": {"max_steps": 5}},
    }))
    report = tmp_path / "report"
    started = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pytest.main(["-c", str(SUITES_INI), "--rootdir", str(SUITES_DIR.parent), "-q", "-p", "no:cacheprovider",
                     "-p", "no:xdist", "--target", str(profile), "--report-dir", str(report),
                     "-W", "ignore::pytest.PytestAssertRewriteWarning", str(SUITES_DIR / "discovery")])
    elapsed = time.monotonic() - started
    checks = json.loads((report / "results.json").read_text())["checks"]
    return {c["id"].split(".", 1)[1]: c for c in checks}, elapsed


# fault -> (time bound in seconds, {check: expected outcome}, substring of the broken messages)
CASES: dict[str, tuple[float, dict[str, str], str]] = {
    "slow": (20, {"document_served_as_json": "passed", "required_members": "passed"}, ""),
    "hang": (20, {c: "broken" for c in STATIC + FLOWS}, "Timeout"),
    "trickle": (20, {c: "broken" for c in STATIC + FLOWS}, "no complete response within"),
    "reset": (20, {c: "broken" for c in STATIC + FLOWS}, "failed"),
    "http500": (20, {"document_served_as_json": "failed", "required_members": "broken"}, "HTTP 500"),
    "http503": (20, {"document_served_as_json": "failed", "required_members": "broken"}, "HTTP 503"),
    "html": (20, {"document_served_as_json": "failed", "required_members": "broken"}, "content type text/html"),
    "badjson": (20, {"document_served_as_json": "failed", "required_members": "broken"}, "expected a JSON object"),
    "huge": (20, {"document_served_as_json": "broken", "required_members": "broken"}, "exceeds"),
    # strict bounded JSON (issue 15 item 3): garbage is judged, never a RecursionError
    "deepjson": (20, {"document_served_as_json": "failed", "required_members": "broken"}, "expected a JSON object"),
    "nanjson": (20, {"document_served_as_json": "failed", "required_members": "broken"}, "expected a JSON object"),
    # a non-JSON type is never used as data (issue 15 item 5): judged by document_served_as_json, broken elsewhere
    "wrongtype": (20, {"document_served_as_json": "failed", "required_members": "broken"}, "content type text/plain"),
    "jwks_garbage": (20, {"jwks_document": "failed", "required_members": "passed"}, ""),
    "jwks_dupkid": (20, {"jwks_document": "warning", "required_members": "passed"}, ""),
    # a redirect loop is the target's fault (issue 14 item 7): a failed finding, not broken
    "redirect_loop": (20, {c: "failed" for c in FLOWS}, ""),
    # status line and headers trickled: the wall-clock exchange deadline (3 s) ends every exchange
    "trickle_head": (20, {c: "broken" for c in STATIC + FLOWS}, "no complete response within 3s"),
    # the first answer on each path is a 503 with Retry-After: discovery and JWKS GETs are retried
    "flaky503": (20, {c: "passed" for c in STATIC}, ""),
    "other_hosts": (20, {"jwks_document": "broken", **{c: "broken" for c in FLOWS}}, "refusing to"),
    # a response sent to a host other than the redirect_uri of the request (issue 15 item 5): failed, no pass
    "offhost_redirect": (20, {c: "failed" for c in FLOWS}, ""),
}


@pytest.mark.parametrize("fault", sorted(CASES))
def test_fault(servers: tuple[FaultyServer, _Stray], tmp_path: Path, fault: str) -> None:
    faulty, stray = servers
    faulty.fault = fault
    bound, expected, broken_hint = CASES[fault]
    try:
        checks, elapsed = _run(faulty, tmp_path)
    finally:
        faulty.fault = "none"
    assert elapsed < bound, f"{fault}: run took {elapsed:.1f}s"
    assert len(checks) >= 14, "every check still ran and was recorded"
    actual = {name: checks[name]["outcome"] for name in expected}
    assert actual == expected, {n: checks[n]["message"][:200] for n in expected}
    for name, outcome in expected.items():
        if outcome == "broken" and broken_hint:
            assert broken_hint in checks[name]["message"], checks[name]["message"]
        if outcome in ("failed", "broken"):
            assert checks[name]["message"], f"{name} has no message"
        if fault == "redirect_loop":
            assert {f["code"] for f in checks[name]["findings"]} == {"AUTHORIZATION_REDIRECT_LOOP"}, name
        if fault == "offhost_redirect":
            findings = checks[name]["findings"]
            assert {f["code"] for f in findings} == {"AUTHORIZATION_RESPONSE_OFF_REDIRECT_URI"}, name
            assert all("attacker.example.test" in f["message"] for f in findings), name
    assert stray.hits == [], f"the harness contacted a host outside the profile: {stray.hits}"
