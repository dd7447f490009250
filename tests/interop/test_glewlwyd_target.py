"""The Glewlwyd interop target: launcher, provisioning, the JSON-API login driver, and a small real run.

Glewlwyd comes from the Debian package (``fixtures/glewlwyd_target/install.sh``, run by
``make``); the tests skip only when the package is not installed. Every request goes to loopback.
"""

from __future__ import annotations

import json
import os
import re
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.flows.authorization import AuthorizationOutcome
from harness.interop import glewlwyd
from harness.login.glewlwyd import GlewlwydUserAgent, LoginRequest, continue_url
from harness.profile import load_profile
from harness.target import NotApplicable, Target
from tests.interop.interop_cli import run_cli

pytestmark = pytest.mark.skipif(not glewlwyd.installed(), reason=(
    "the Debian package glewlwyd is not installed (fixtures/glewlwyd_target/install.sh)"))


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def server() -> Iterator[glewlwyd.RunningGlewlwyd]:
    running = glewlwyd.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def target(server: glewlwyd.RunningGlewlwyd) -> Iterator[Target]:
    profile = load_profile(server.profile_path(), env={**os.environ, **server.env})
    opened = Target.from_profile(profile)
    try:
        yield opened
    finally:
        opened.close()


def test_launcher_exports_what_the_profile_needs(server: glewlwyd.RunningGlewlwyd) -> None:
    profile = load_profile(server.profile_path(), env={**os.environ, **server.env})
    assert profile.name == "glewlwyd" and profile.issuer == server.issuer
    assert profile.issuer.startswith("https://127.0.0.1:") and profile.login.driver == "glewlwyd"
    assert {c.id for c in profile.clients} == {spec.client_id for spec in glewlwyd.CLIENTS}
    assert server.server_version() == "Glewlwyd 2.7.5"


def test_provisioning_through_the_admin_api(server: glewlwyd.RunningGlewlwyd) -> None:
    with httpx.Client(verify=ssl.create_default_context(cafile=str(server.ca_file))) as http:
        metadata = http.get(f"{server.issuer}/.well-known/openid-configuration").json()
    assert metadata["issuer"] == server.issuer
    for member in ("pushed_authorization_request_endpoint", "device_authorization_endpoint",
                   "backchannel_authentication_endpoint", "introspection_endpoint", "revocation_endpoint"):
        assert metadata[member].startswith(server.issuer + "/"), member
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert "dpop_signing_alg_values_supported" in metadata and "form_post.jwt" in metadata["response_modes_supported"]
    admin = server.admin_session()
    try:
        clients = {c["client_id"] for c in admin.get("/api/client/", params={"limit": 100}).json()}
        users = {u["username"] for u in admin.get("/api/user/").json()}
    finally:
        admin.close()
    assert {spec.client_id for spec in glewlwyd.CLIENTS} <= clients
    assert {"alice", "bob"} <= users
    # a client_credentials token with a generated secret
    with httpx.Client(verify=ssl.create_default_context(cafile=str(server.ca_file))) as http:
        answer = http.post(f"{server.issuer}/token", data={"grant_type": "client_credentials", "scope": "openid"},
                           auth=("introspector", server.client_secrets["introspector"]))
    assert answer.status_code == 200 and answer.json()["access_token"].count(".") == 2


def test_driver_logs_in_grants_and_gets_a_code(target: Target) -> None:
    client = target.profile.client("conf-basic")
    url = httpx.URL(target.endpoint("authorization_endpoint"), params={
        "response_type": "code", "client_id": client.id, "redirect_uri": client.redirect_uris[0],
        "scope": "openid profile", "state": "s-1", "nonce": "n-1"})
    agent, refuser, anonymous_agent = GlewlwydUserAgent(target), GlewlwydUserAgent(target), GlewlwydUserAgent(target)
    try:
        outcome: AuthorizationOutcome = agent.authorize(str(url), user=target.user(0),
                                                        redirect_uri=client.redirect_uris[0])
        assert outcome.redirected and outcome.login_form_shown and outcome.consent_form_shown
        assert outcome.params["state"] == "s-1" and outcome.params.get("code"), outcome.params
        again = agent.authorize(str(url), user=target.user(0), redirect_uri=client.redirect_uris[0])
        assert again.params.get("code") and again.params["code"] != outcome.params["code"]  # same session, new code
        with pytest.raises(NotApplicable, match="no way to refuse consent"):
            refuser.authorize(str(url), user=target.user(1), consent="deny",
                                                redirect_uri=client.redirect_uris[0])
        anonymous = anonymous_agent.authorize(str(url), user=None, redirect_uri=client.redirect_uris[0])
        assert anonymous.via == "error_page" and anonymous.login_form_shown
    finally:
        for each in (agent, refuser, anonymous_agent):
            each.close()


def test_login_request_parsing() -> None:
    request = LoginRequest.parse("https://h/login.html?client_id=c&scope=openid+email&callback_url="
                                 "https%3A%2F%2Fh%2Fapi%2Foidc%2Fauth%3Fa%3D1")
    assert (request.client_id, request.scope, request.callback_url) == ("c", "openid email", "https://h/api/oidc/auth?a=1")
    assert continue_url(request.callback_url, "g_continue") == "https://h/api/oidc/auth?a=1&g_continue"
    assert continue_url("https://h/x", "g_continue") == "https://h/x?g_continue"


def test_stop_ends_the_process_and_removes_state() -> None:
    running = glewlwyd.start()
    port = int(running.base_url.rsplit(":", 1)[1])
    state = running.state_dir
    assert running.is_running() and state.is_dir() and _port_open(port)
    running.stop()
    assert not running.is_running() and not state.exists() and not _port_open(port)
    running.stop()  # idempotent


def test_small_run_is_clean(tmp_path: Path) -> None:
    """discovery and authorization_code against Glewlwyd: exit 0, nothing broken, known deviations matched."""
    report = tmp_path / "report"
    returncode, output = run_cli(["run", "--local", "glewlwyd", "--suite", "discovery", "--suite",
                                  "authorization_code", "--report-dir", str(report)])
    assert returncode == 0, output[-3000:]
    document: dict[str, Any] = json.loads((report / "results.json").read_text())
    summary = document["summary"]
    assert summary["broken"] == 0 and summary["passed"] >= 20
    assert summary["failed"] == 0 and summary["known"] >= 3  # failed counts only what no deviation covers
    outcomes = {c["id"]: c["outcome"] for c in document["checks"]}
    assert outcomes["authorization_code.happy_path_each_client"] in ("passed", "failed")
    assert outcomes["authorization_code.consent_denied"] == "skipped"
    match = re.search(r"issuer (https://127\.0\.0\.1:(\d+))", output)
    assert match is not None, output[-2000:]
    assert not _port_open(int(match.group(2))), "Glewlwyd is still listening after the run"
