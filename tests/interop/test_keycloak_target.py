"""The Keycloak interop target: launcher, realm, and a small real run (each flow once), then a clean stop.

Keycloak comes from Maven Central (``make keycloak-install``, part of ``make interop-install``);
the tests skip only when it is not installed. One Keycloak serves the whole module (a start
takes 20-60 s on two cores); the last test stops it and checks that nothing is left. Every
request goes to loopback.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.interop import keycloak
from harness.profile import load_profile
from harness.target import Target
from tests.interop.interop_cli import run_cli
from tests.interop.secrets_run import assert_reports_carry_no_secret

pytestmark = pytest.mark.skipif(not keycloak.installed(), reason=(
    "Keycloak is not installed (make keycloak-install: the pinned distribution through Maven)"))

CHECKS = (
    "authorization_code.happy_path_each_client",          # code + PKCE for every code client
    "client_auth.registered_method_works[[]*",  # basic, post, secret_jwt, private_key_jwt, none, mTLS
    "refresh.refresh_works", "refresh.rotated_token_refused",
    "introspection.active_token_metadata", "revocation.revoked_access_token_refused",
    "device.approval_issues_tokens[[]public]",   # the keycloak.v2 device pages, HTTP-form driver
    "par.authorization_by_reference", "jar.signed_request_by_value", "jarm.response_mode[[]query.jwt]",
    "dpop.token_response_is_dpop", "mtls.certificate_bound_token_jwt",
    "jwt_access_token.typ_header", "jwt_access_token.signature",
    "ciba.poll_approval_issues_tokens", "ciba.poll_denial_access_denied",  # the harness's authentication channel
)
"""One check per flow; together about 30 s of a run against a started Keycloak. ``[[]`` is a literal ``[``
in the fnmatch patterns ``--check`` takes (a bare ``[*]`` is a character class matching only ``*``)."""


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _http(server: keycloak.RunningKeycloak) -> httpx.Client:
    return httpx.Client(verify=ssl.create_default_context(cafile=str(server.ca_file)), timeout=30)


def _launcher_exports_what_the_profile_needs(server: keycloak.RunningKeycloak) -> None:
    profile = load_profile(server.profile_path(), env={**os.environ, **server.env})
    assert profile.name == "keycloak" and profile.issuer == server.issuer
    assert server.issuer.startswith("https://127.0.0.1:") and server.issuer.endswith("/realms/harness")
    assert server.server_version() == f"Keycloak {keycloak.VERSION}"
    assert server.startup_s is not None and server.startup_s < 240
    realm = json.loads(keycloak.REALM_FILE.read_text())
    assert {c.id for c in profile.clients} == {c["clientId"] for c in realm["clients"]}
    assert profile.login.ciba.mode == "channel" and profile.login.ciba.channel is not None
    # the bootstrap admin password lives only in 0600 files: neither in the environment nor in a report
    password = server.admin_password_file.read_text().strip()
    assert stat.S_IMODE(os.stat(server.admin_password_file).st_mode) == 0o600
    config = server.state_dir / "keycloak.conf"
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600 and password in config.read_text()
    assert password not in json.dumps(server.env)
    for name in keycloak.KEY_CLIENTS:
        assert stat.S_IMODE(os.stat(server.state_dir / f"{name}.jwks.json").st_mode) == 0o600


def _realm_features(server: keycloak.RunningKeycloak) -> None:
    with _http(server) as http:
        metadata = http.get(f"{server.issuer}/.well-known/openid-configuration").json()
        token = http.post(f"{server.issuer}/protocol/openid-connect/token",
                          data={"grant_type": "client_credentials"},
                          auth=("introspector", server.env["KEYCLOAK_SECRET_INTROSPECTOR"]))
        health = http.get(f"{server.management_url}/health/ready")
    assert metadata["issuer"] == server.issuer
    for member in ("pushed_authorization_request_endpoint", "device_authorization_endpoint",
                   "backchannel_authentication_endpoint", "introspection_endpoint", "revocation_endpoint"):
        assert metadata[member].startswith(server.issuer + "/"), member
    assert "dpop_signing_alg_values_supported" in metadata and "query.jwt" in metadata["response_modes_supported"]
    assert metadata["tls_client_certificate_bound_access_tokens"] is True
    assert token.status_code == 200 and token.json()["access_token"].count(".") == 2
    assert health.status_code == 200


def _small_run_each_flow_once(server: keycloak.RunningKeycloak, tmp_path: Path) -> None:
    """One check per flow against the started Keycloak: exit 0, nothing broken, nothing failed."""
    report = tmp_path / "report"
    argv = ["run", "--target", str(server.profile_path()), "--report-dir", str(report), "-q"]
    for check in CHECKS:
        argv += ["--check", check]
    returncode, output = run_cli(argv, env=server.env, timeout_s=240)
    assert returncode == 0, output[-3000:]
    document: dict[str, Any] = json.loads((report / "results.json").read_text())
    outcomes = {c["id"]: c["outcome"] for c in document["checks"]}
    assert document["summary"]["broken"] == 0 and document["summary"]["failed"] == 0, outcomes
    not_passed = {check: outcome for check, outcome in outcomes.items() if outcome != "passed"}
    # the realm has no self_signed_tls_client_auth client: that case is skipped before asking Keycloak
    assert not_passed == {"client_auth.registered_method_works[self_signed_tls_client_auth]": "skipped"}, not_passed
    assert len(outcomes) >= len(CHECKS) + 4  # the registered_method_works cases
    assert {"device.approval_issues_tokens[public]", "jarm.response_mode[query.jwt]",
            "client_auth.registered_method_works[tls_client_auth]"} <= set(outcomes)
    secrets = [v for k, v in server.env.items() if ("SECRET" in k or "PASSWORD" in k or "TOKEN" in k)]
    secrets.append(server.admin_password_file.read_text().strip())
    text = output + "".join(p.read_text(errors="replace") for p in report.rglob("*") if p.is_file()
                            and p.suffix in (".json", ".html", ".xml", ".txt"))
    assert not [s for s in secrets if len(s) >= 8 and s in text]


def _check_profile_every_client_authenticates(server: keycloak.RunningKeycloak) -> None:
    returncode, output = run_cli(["check-profile", "--login", str(server.profile_path())], env=server.env)
    assert returncode == 0, output[-3000:]
    for client in ("conf-basic", "conf-post", "conf-secret-jwt", "conf-pkjwt", "mtls", "ciba-poll",
                   "dpop", "dpop-conf", "logout-bcl"):   # the DPoP-bound ones probed with a proof
        assert f"ok      client {client}:" in output, output
    assert "unclear" not in output, output
    assert "signed in through the http_form driver" in output


def _stop_ends_the_process_and_removes_state(server: keycloak.RunningKeycloak) -> None:
    """Last test of the module: the shared server stops cleanly (idempotent), ports closed, state gone."""
    ports = [int(server.base_url.rsplit(":", 1)[1]), int(server.management_url.rsplit(":", 1)[1])]
    state = server.state_dir
    assert server.is_running() and state.is_dir() and all(_port_open(p) for p in ports)
    server.stop()
    assert not server.is_running() and not state.exists() and not any(_port_open(p) for p in ports)
    server.stop()


def test_realm_template_placeholders_are_all_filled() -> None:
    template = json.loads(keycloak.REALM_FILE.read_text())
    with pytest.raises(keycloak.KeycloakError, match="unresolved placeholder"):
        keycloak._substitute(template, {})
    filled = keycloak._substitute({"a": ["${X}", {"b": "x-${X}"}], "n": 1}, {"X": "v"})
    assert filled == {"a": ["v", {"b": "x-v"}], "n": 1}


def test_start_small_run_stop(tmp_path: Path) -> None:
    """One Keycloak (a start takes 20-60 s on two cores): launcher facts, a run of each flow once, the secrets
    run (no launcher secret in any report), stop."""
    server = keycloak.start()
    try:
        _launcher_exports_what_the_profile_needs(server)
        _realm_features(server)
        profile = load_profile(server.profile_path(), env={**os.environ, **server.env})
        opened = Target.from_profile(profile)
        try:
            assert opened.on_target(server.issuer + "/protocol/openid-connect/auth")
        finally:
            opened.close()
        _small_run_each_flow_once(server, tmp_path)
        _check_profile_every_client_authenticates(server)
        # the secrets run (tests/interop/secrets_run.py) on this Keycloak (a second start costs 20-60 s)
        assert_reports_carry_no_secret("keycloak", server, tmp_path / "secrets")
        _stop_ends_the_process_and_removes_state(server)
    finally:
        server.stop()
