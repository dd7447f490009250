"""The reference target launcher, its admin API and the features later suites rely on."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import ssl
import stat
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest
from joserfc import jwe, jws, jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from harness import local_targets
from harness.profile import load_profile
from harness.reference_target import (
    CLIENTS,
    FIXTURE_DIR,
    KNOWN_DEFECTS,
    ReferenceTarget,
    ReferenceTargetError,
    RunningTarget,
    ensure_installed,
    load_variant,
    variant_names,
)
from harness.reference_target.material import arrange_keys
from harness.reference_target.variants import BEHAVIOURS, merge_profile
from tests.reference_target.rt_flows import (
    PASSWORDS,
    REDIRECT_URI,
    SUBS,
    authz_params,
    b64u,
    client_assertion,
    code_flow,
    drive,
    http_client,
    jwt_parts,
    pkce_pair,
    private_key,
    provider_jwks,
    redeem,
    token_request,
)


@pytest.fixture(scope="module")
def target() -> Iterator[RunningTarget]:
    # Nonces off: test_dpop_bound_token_and_resource switches them on itself.
    with ReferenceTarget.start(settings={"dpop_require_nonce": False}) as running:
        yield running


def test_start_reports_version_and_timing(target: RunningTarget) -> None:
    assert re.fullmatch(r"9\.13\.\d+", target.server_version())
    assert target.is_running()
    assert 0 < target.startup_seconds < 20
    assert target.issuer.startswith("https://127.0.0.1:")
    assert target.mtls_base.startswith("https://127.0.0.1:") and target.mtls_base != target.issuer


def test_health_needs_no_auth_but_admin_does(target: RunningTarget) -> None:
    with http_client(target) as http:
        assert http.get(f"{target.issuer}/__test/health").json()["ok"] is True
        assert http.get(f"{target.issuer}/__test/defects").status_code == 401
        wrong = http.get(f"{target.issuer}/__test/defects", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        unknown = http.put(f"{target.issuer}/__test/defects", json={"defects": ["no_such_defect"]},
                           headers={"Authorization": f"Bearer {target.admin_token}"})
    assert unknown.status_code == 400
    assert unknown.json()["unknown"] == ["no_such_defect"]
    assert set(unknown.json()["valid"]) == set(KNOWN_DEFECTS)
    with pytest.raises(ValueError, match="no_such_defect"):
        target.set_defects(["no_such_defect"])


def test_known_defects_match_the_server(target: RunningTarget) -> None:
    assert target.server_defects() == dict(KNOWN_DEFECTS)


def test_clients_match_the_server(target: RunningTarget) -> None:
    server = {c["client_id"]: c for c in target.clients()}
    assert set(server) == {spec.client_id for spec in CLIENTS}
    for spec in CLIENTS:
        assert server[spec.client_id]["token_endpoint_auth_method"] == spec.auth_method
        assert server[spec.client_id]["has_secret"] is spec.secret


def test_env_files_and_permissions(target: RunningTarget) -> None:
    env = target.env
    assert env["REFTARGET_ISSUER"] == target.issuer
    assert env["REFTARGET_MTLS_BASE"] == target.mtls_base
    assert Path(env["REFTARGET_CA_FILE"]).is_file()
    state = Path(env["REFTARGET_STATE_DIR"])
    for spec in CLIENTS:
        assert (f"REFTARGET_SECRET_{spec.env_name}" in env) is spec.secret
        if spec.keys or spec.cert == "self":
            assert (state / f"{spec.client_id}.jwks.json").is_file()
        if spec.cert:
            assert (state / f"{spec.client_id}.crt").is_file()
    for private in ["ca.key", "server.key", "config.json", "mtls.key", "conf-pkjwt.jwks.json", "env.json"]:
        assert stat.S_IMODE((state / private).stat().st_mode) == 0o600, private
    # Every variable the bundled profile references is provided, and referenced files exist.
    profile = target.profile_path().read_text()
    for name in set(re.findall(r"\$\{(REFTARGET_[A-Z0-9_]+)\}", profile)):
        assert name in env, name
    for path in re.findall(r"\$\{REFTARGET_STATE_DIR\}/([\w.-]+)", profile):
        assert (state / path).is_file(), path


def test_discovery_advertises_the_features(target: RunningTarget) -> None:
    with http_client(target) as http:
        d = http.get(f"{target.issuer}/.well-known/openid-configuration").json()
        jwks = http.get(d["jwks_uri"]).json()
    assert d["issuer"] == target.issuer
    assert d["code_challenge_methods_supported"] == ["S256"]
    assert d["authorization_response_iss_parameter_supported"] is True
    assert set(d["response_types_supported"]) == {
        "code", "code id_token", "code token", "code id_token token", "id_token", "id_token token", "none",
        "token"}  # plain token: emulated by the response_types area (oidc-provider 9 cannot configure it)
    assert {"jwt", "query.jwt", "fragment.jwt", "form_post.jwt"} <= set(d["response_modes_supported"])
    assert len(d["acr_values_supported"]) >= 2
    assert d["claims_parameter_supported"] is True
    assert d["request_parameter_supported"] is True
    assert d["tls_client_certificate_bound_access_tokens"] is True
    assert "ES256" in d["dpop_signing_alg_values_supported"]
    assert {"tls_client_auth", "self_signed_tls_client_auth", "private_key_jwt", "client_secret_jwt",
            "client_secret_basic", "client_secret_post", "none"} <= set(d["token_endpoint_auth_methods_supported"])
    assert {"urn:ietf:params:oauth:grant-type:device_code", "urn:openid:params:grant-type:ciba",
            "refresh_token", "client_credentials"} <= set(d["grant_types_supported"])
    assert set(d["backchannel_token_delivery_modes_supported"]) == {"poll", "ping"}
    for endpoint in ("pushed_authorization_request_endpoint", "introspection_endpoint", "revocation_endpoint",
                     "device_authorization_endpoint", "backchannel_authentication_endpoint", "userinfo_endpoint"):
        assert d[endpoint].startswith(target.issuer)
    aliases = d["mtls_endpoint_aliases"]
    assert aliases["token_endpoint"] == f"{target.mtls_base}/token"
    assert {"introspection_endpoint", "revocation_endpoint", "pushed_authorization_request_endpoint",
            "userinfo_endpoint", "device_authorization_endpoint",
            "backchannel_authentication_endpoint"} <= set(aliases)
    assert "RSA-OAEP-256" in d["id_token_encryption_alg_values_supported"]
    assert "HS256" in d["id_token_signing_alg_values_supported"]
    assert all("d" not in key for key in jwks["keys"])
    assert {k.get("alg") for k in jwks["keys"]} >= {"RS256", "PS256", "ES256"}


def test_code_pkce_login_with_plain_httpx(target: RunningTarget) -> None:
    verifier, challenge = pkce_pair()
    params = authz_params("conf-basic", scope="openid profile email offline_access", prompt="consent",
                          code_challenge=challenge, code_challenge_method="S256")
    with http_client(target) as http:
        result = drive(http, target, params)
        assert result.pages == ["login-form", "consent-form"]
        assert result.params["state"] == params["state"] and result.params["iss"] == target.issuer
        tokens = redeem(http, target, "conf-basic", result.code, verifier=verifier)
        assert tokens.status_code == 200, tokens.text
        assert tokens.headers["cache-control"] == "no-store"
        body = tokens.json()
        assert body["token_type"] == "Bearer" and "refresh_token" in body
        claims = jws.deserialize_compact(body["id_token"], provider_jwks(target), algorithms=["RS256"])
        assert jwt_parts(body["id_token"])[1]["nonce"] == params["nonce"]
        assert claims.protected["alg"] == "RS256"
        userinfo = http.get(f"{target.issuer}/me", headers={"Authorization": f"Bearer {body['access_token']}"})
        assert userinfo.json()["sub"] == SUBS["alice"] and userinfo.json()["email"] == "alice@example.test"
        # Refresh tokens rotate on every use; the old one is then invalid.
        refreshed = token_request(http, target, "conf-basic",
                                  {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]})
        assert refreshed.status_code == 200
        assert refreshed.json()["refresh_token"] != body["refresh_token"]
        replay = token_request(http, target, "conf-basic",
                               {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]})
        assert replay.json()["error"] == "invalid_grant"


def test_wrong_password_rerenders_the_form(target: RunningTarget) -> None:
    with http_client(target) as http:
        result = drive(http, target, authz_params("conf-basic"), password="wrong")
    assert result.page is not None and result.page.status_code == 200
    assert 'id="login-form"' in result.page.text and 'id="error"' in result.page.text
    headers = result.page.headers
    assert headers["cache-control"] == "no-store" and headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_bob_can_log_in(target: RunningTarget) -> None:
    with http_client(target) as http:
        result = drive(http, target, authz_params("conf-basic"), user="bob", password=PASSWORDS["bob"])
    assert "code" in result.params


def test_mtls_token_request_and_bound_token(target: RunningTarget) -> None:
    params = authz_params("mtls")
    with http_client(target) as http:
        code = drive(http, target, params).code
    with http_client(target, "mtls") as mtls:
        response = mtls.post(f"{target.mtls_base}/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "client_id": "mtls"})
        assert response.status_code == 200, response.text
        access_token = response.json()["access_token"]
        bound = mtls.get(f"{target.mtls_base}/resource", headers={"Authorization": f"Bearer {access_token}"})
        assert bound.status_code == 200 and "x5t#S256" in bound.json()["cnf"]
    with http_client(target) as plain:
        unbound = plain.get(f"{target.issuer}/resource", headers={"Authorization": f"Bearer {access_token}"})
        assert unbound.status_code == 401 and 'error="invalid_token"' in unbound.headers["www-authenticate"]
        no_cert = plain.post(f"{target.issuer}/token", data={
            "grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT_URI, "client_id": "mtls"})
        assert no_cert.status_code == 401 and no_cert.json()["error"] == "invalid_client"


def test_self_signed_mtls_client_auth(target: RunningTarget) -> None:
    with http_client(target) as http:
        code = drive(http, target, authz_params("mtls-self")).code
    with http_client(target, "mtls-self") as mtls:
        response = mtls.post(f"{target.mtls_base}/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "client_id": "mtls-self"})
    assert response.status_code == 200, response.text


def test_resource_without_token_challenges(target: RunningTarget) -> None:
    with http_client(target) as http:
        response = http.get(f"{target.issuer}/resource")
    assert response.status_code == 401
    challenges = response.headers.get_list("www-authenticate")
    assert any(c.startswith('Bearer realm="reference-target"') for c in challenges)
    assert any(c.startswith("DPoP algs=") for c in challenges)


def _dpop_proof(key: ECKey, method: str, url: str, access_token: str | None = None,
                nonce: str | None = None) -> str:
    claims: dict[str, object] = {"jti": str(uuid.uuid4()), "htm": method, "htu": url, "iat": int(time.time())}
    if access_token:
        claims["ath"] = b64u(hashlib.sha256(access_token.encode()).digest())
    if nonce:
        claims["nonce"] = nonce
    return jwt.encode({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}, claims, key,
                      algorithms=["ES256"])


def test_dpop_bound_token_and_resource(target: RunningTarget) -> None:
    key = ECKey.generate_key("P-256")
    verifier, challenge = pkce_pair()
    params = authz_params("dpop", code_challenge=challenge, code_challenge_method="S256")
    with http_client(target) as http:
        code = drive(http, target, params).code
        token_url = f"{target.issuer}/token"
        response = http.post(token_url, headers={"DPoP": _dpop_proof(key, "POST", token_url)}, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "client_id": "dpop", "code_verifier": verifier})
        assert response.status_code == 200, response.text
        assert response.json()["token_type"] == "DPoP"
        access_token = response.json()["access_token"]
        url = f"{target.issuer}/resource"
        ok = http.get(url, headers={"Authorization": f"DPoP {access_token}",
                                    "DPoP": _dpop_proof(key, "GET", url, access_token)})
        assert ok.status_code == 200 and ok.json()["token_type"] == "DPoP"
        as_bearer = http.get(url, headers={"Authorization": f"Bearer {access_token}"})
        assert as_bearer.status_code == 401 and as_bearer.headers["www-authenticate"].startswith("DPoP ")
        bad_ath = http.get(url, headers={"Authorization": f"DPoP {access_token}",
                                         "DPoP": _dpop_proof(key, "GET", url, "other-token")})
        assert 'error="invalid_dpop_proof"' in bad_ath.headers["www-authenticate"]
        # With nonces switched on, the resource server demands one and then accepts it.
        target.set_settings(dpop_require_nonce=True)
        try:
            first = http.get(url, headers={"Authorization": f"DPoP {access_token}",
                                           "DPoP": _dpop_proof(key, "GET", url, access_token)})
            assert first.status_code == 401 and 'error="use_dpop_nonce"' in first.headers["www-authenticate"]
            nonce = first.headers["dpop-nonce"]
            second = http.get(url, headers={"Authorization": f"DPoP {access_token}",
                                            "DPoP": _dpop_proof(key, "GET", url, access_token, nonce)})
            assert second.status_code == 200
        finally:
            target.set_settings(dpop_require_nonce=False)


def test_jwt_access_token_for_the_api_resource(target: RunningTarget) -> None:
    api = "https://api.example.test/"
    verifier, challenge = pkce_pair()
    params = authz_params("conf-basic", scope="openid api:read", resource=api,
                          code_challenge=challenge, code_challenge_method="S256")
    with http_client(target) as http:
        code = drive(http, target, params).code
        response = token_request(http, target, "conf-basic", {
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier, "resource": api})
        assert response.status_code == 200, response.text
        access_token = response.json()["access_token"]
        header, claims = jwt_parts(access_token)
        assert header["typ"] == "at+jwt" and claims["aud"] == api and claims["scope"] == "api:read"
        ok = http.get(f"{target.issuer}/resource", headers={"Authorization": f"Bearer {access_token}"})
        assert ok.status_code == 200 and ok.json()["format"] == "jwt"


def test_introspection_json_and_jwt(target: RunningTarget) -> None:
    _, tokens, _ = code_flow(target)
    access_token = tokens.json()["access_token"]
    secret = target.client_secrets["introspector"]
    with http_client(target) as http:
        url = f"{target.issuer}/token/introspection"
        as_json = http.post(url, data={"token": access_token}, auth=("introspector", secret))
        assert as_json.json()["active"] is True and as_json.json()["client_id"] == "conf-basic"
        as_jwt = http.post(url, data={"token": access_token}, auth=("introspector", secret),
                           headers={"Accept": "application/token-introspection+jwt"})
        assert as_jwt.headers["content-type"].startswith("application/token-introspection+jwt")
        assert jwt_parts(as_jwt.text)[1]["token_introspection"]["active"] is True
        revoke = http.post(f"{target.issuer}/token/revocation", data={"token": access_token},
                           auth=("conf-basic", target.client_secrets["conf-basic"]))
        assert revoke.status_code == 200
        assert http.post(url, data={"token": access_token}, auth=("introspector", secret)).json() == {"active": False}


def test_par_lifetime_comes_from_the_config(target: RunningTarget) -> None:
    verifier, challenge = pkce_pair()
    url = f"{target.issuer}/request"
    data = authz_params("par-required", code_challenge=challenge, code_challenge_method="S256")
    data.update(client_assertion(target, "par-required", target.issuer))
    with http_client(target) as http:
        response = http.post(url, data=data)
        assert response.status_code == 201, response.text
        assert response.json()["expires_in"] == target.ttls["PushedAuthorizationRequest"]
        result = drive(http, target, {"client_id": "par-required", "request_uri": response.json()["request_uri"]})
    assert "code" in result.params
    with http_client(target) as http:
        direct = drive(http, target, authz_params("par-required"))
    assert direct.params.get("error") == "invalid_request"


def test_device_authorization_includes_interval(target: RunningTarget) -> None:
    with http_client(target) as http:
        response = http.post(f"{target.issuer}/device/auth", data={"client_id": "device", "scope": "openid"})
    body = response.json()
    assert response.status_code == 200 and body["interval"] == 1
    assert body["expires_in"] == target.ttls["DeviceCode"]


def test_ciba_poll_approve_and_deny(target: RunningTarget) -> None:
    def start(hint: str) -> dict[str, object]:
        data = {"scope": "openid", "login_hint": hint,
                **client_assertion(target, "ciba-poll", target.issuer)}
        with http_client(target) as http:
            response = http.post(f"{target.issuer}/backchannel", data=data)
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    def poll(auth_req_id: str) -> httpx.Response:
        with http_client(target) as http:
            return http.post(f"{target.issuer}/token", data={
                "grant_type": "urn:openid:params:grant-type:ciba", "auth_req_id": auth_req_id,
                **client_assertion(target, "ciba-poll", target.issuer)})

    approved = start("alice@example.test")
    assert approved["interval"] == 1 and approved["expires_in"] == target.ttls["BackchannelAuthenticationRequest"]
    auth_req_id = str(approved["auth_req_id"])
    assert auth_req_id in {p["auth_req_id"] for p in target.pending_ciba()}
    assert poll(auth_req_id).json()["error"] == "authorization_pending"
    assert target.approve_ciba(auth_req_id)["decision"] == "approve"
    tokens = poll(auth_req_id)
    assert tokens.status_code == 200 and jwt_parts(tokens.json()["id_token"])[1]["sub"] == SUBS["alice"]

    denied = str(start("bob")["auth_req_id"])
    target.deny_ciba(denied)
    assert poll(denied).json()["error"] == "access_denied"


def test_invalid_start_arguments() -> None:
    with pytest.raises(ValueError, match="unknown defect"):
        ReferenceTarget.start(["nope"])
    with pytest.raises(ValueError, match="unknown TTL"):
        ReferenceTarget.start(ttl_overrides={"Nope": 3})
    with pytest.raises(ValueError, match="https"):
        ReferenceTarget.start(ciba_notification_endpoint="http://127.0.0.1:1/cb")


def test_explicit_state_dir_is_kept_and_stop_ends_the_process(tmp_path: Path) -> None:
    ensure_installed()  # already current: a no-op
    running = ReferenceTarget.start(state_dir=tmp_path / "state", ttl_overrides={"authorization_code": 5})
    try:
        assert running.ttls["AuthorizationCode"] == 5
        assert (tmp_path / "state" / "config.json").is_file()
    finally:
        running.stop()
    assert not running.is_running()
    assert (tmp_path / "state" / "ca.pem").is_file()
    running.stop()  # idempotent


_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
_ANY_FORM = re.compile(r'<form id="([^"]*)"[^>]*action="([^"]+)"|<form method="post" action="([^"]+)"')


def test_device_flow_through_the_html_pages(target: RunningTarget) -> None:
    with http_client(target) as http:
        start = http.post(f"{target.issuer}/device/auth", data={"client_id": "device", "scope": "openid"}).json()
        assert http.post(f"{target.issuer}/token", data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": start["device_code"],
            "client_id": "device"}).json()["error"] == "authorization_pending"
        response = http.get(start["verification_uri_complete"])
        seen: list[str] = []
        for _ in range(12):
            if response.status_code in (302, 303):
                response = http.get(httpx.URL(str(response.url)).join(response.headers["location"]))
                continue
            text = response.text
            if 'id="device-success"' in text:
                break
            match = _ANY_FORM.search(text)
            assert match is not None, text[:500]
            form_id, action = match.group(1) or "auto", match.group(2) or match.group(3)
            seen.append(form_id)
            data = dict(_HIDDEN.findall(text))
            if form_id == "login-form":
                data.update(username="alice", password=PASSWORDS["alice"])
            elif form_id == "consent-form":
                data["decision"] = "approve"
            response = http.post(httpx.URL(str(response.url)).join(action.replace("&amp;", "&")), data=data)
        else:
            raise AssertionError(f"device flow did not finish: {seen}")
        assert "login-form" in seen and "consent-form" in seen
        tokens = http.post(f"{target.issuer}/token", data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": start["device_code"],
            "client_id": "device"})
    assert tokens.status_code == 200, tokens.text
    assert jwt_parts(tokens.json()["id_token"])[1]["sub"] == SUBS["alice"]


def test_jarm_modes_signed_and_encrypted(target: RunningTarget) -> None:
    for client_id, parts in (("jarm", 3), ("jarm-enc", 5)):
        for mode, fragment in (("jwt", False), ("query.jwt", False), ("fragment.jwt", True)):
            with http_client(target) as http:
                result = drive(http, target, authz_params(client_id, response_mode=mode))
            assert result.in_fragment is fragment and set(result.params) == {"response"}, (client_id, mode)
            assert len(result.params["response"].split(".")) == parts
        with http_client(target) as http:
            page = drive(http, target, authz_params(client_id, response_mode="form_post.jwt")).page
        assert page is not None and 'name="response"' in page.text


def test_signed_and_nested_request_objects(target: RunningTarget) -> None:
    key = private_key(target, "jar-required", "RSA")

    def request_object() -> str:
        now = int(time.time())
        claims = {**authz_params("jar-required"), "iss": "jar-required", "aud": target.issuer, "iat": now,
                  "nbf": now, "exp": now + 60, "jti": str(uuid.uuid4())}
        return jwt.encode({"alg": "PS256", "kid": key.kid}, claims, key, algorithms=["PS256"])

    with http_client(target) as http:
        assert "code" in drive(http, target, {"client_id": "jar-required", "request": request_object()}).params
        plain = drive(http, target, authz_params("jar-required")).params
        assert plain["error"] == "invalid_request"
        enc = next(k for k in http.get(f"{target.issuer}/jwks").json()["keys"]
                   if k.get("use") == "enc" and k["kty"] == "RSA")
    nested = jwe.encrypt_compact({"alg": "RSA-OAEP-256", "enc": "A256GCM", "cty": "JWT", "kid": enc["kid"]},
                                 request_object(), RSAKey.import_key(enc), algorithms=["RSA-OAEP-256", "A256GCM"])
    with http_client(target) as http:
        assert "code" in drive(http, target, {"client_id": "jar-required", "request": nested}).params


def test_ciba_ping_is_delivered_over_https(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    received: list[tuple[str, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append((self.headers["authorization"], json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    endpoint = f"https://127.0.0.1:{port}/ciba-notify"
    with ReferenceTarget.start(ciba_notification_endpoint=endpoint) as running:
        server = HTTPServer(("127.0.0.1", port), Handler)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(running.env["REFTARGET_RP_CERT_FILE"], running.env["REFTARGET_RP_KEY_FILE"])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with http_client(running) as http:
                start = http.post(f"{running.issuer}/backchannel", data={
                    "scope": "openid", "login_hint": "alice", "client_notification_token": "notify-token-123",
                    **client_assertion(running, "ciba-ping", running.issuer)}).json()
            result = running.approve_ciba(start["auth_req_id"])
            assert result["ping_delivered"] is True, result
            assert received == [("Bearer notify-token-123", {"auth_req_id": start["auth_req_id"]})]
        finally:
            server.shutdown()
            server.server_close()


@pytest.mark.parametrize("client_id", ["conf-post", "conf-secret-jwt", "conf-pkjwt", "public"])
def test_client_authentication_methods(target: RunningTarget, client_id: str) -> None:
    verifier, challenge = pkce_pair()
    # conf-secret-jwt is registered for "openid offline_access" only (its documented scope restriction)
    scope = {"scope": "openid"} if client_id == "conf-secret-jwt" else {}
    params = authz_params(client_id, code_challenge=challenge, code_challenge_method="S256", **scope)
    data = {"grant_type": "authorization_code", "redirect_uri": REDIRECT_URI, "code_verifier": verifier}
    with http_client(target) as http:
        data["code"] = drive(http, target, params).code
        if client_id == "conf-pkjwt":
            data.update(client_assertion(target, client_id, f"{target.issuer}/token"))
            response = http.post(f"{target.issuer}/token", data=data)
        elif client_id == "conf-secret-jwt":
            now = int(time.time())
            assertion = jwt.encode({"alg": "HS256"}, {
                "iss": client_id, "sub": client_id, "aud": target.issuer, "jti": str(uuid.uuid4()),
                "iat": now, "exp": now + 60}, OctKey.import_key(target.client_secrets[client_id]),
                algorithms=["HS256"])
            data.update(client_id=client_id, client_assertion=assertion,
                        client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            response = http.post(f"{target.issuer}/token", data=data)
        else:
            response = token_request(http, target, client_id, data)
    assert response.status_code == 200, response.text


# -- legitimate variants (fixtures/reference_target/variants/) -----------------------------------


def test_variant_files_load_and_name_known_behaviours() -> None:
    js = (FIXTURE_DIR / "src" / "areas" / "variants.mjs").read_text()
    declared = re.search(r"export const BEHAVIOURS = Object\.freeze\(\[(.*?)\]\)", js, re.S)
    assert declared is not None
    assert set(re.findall(r"'([a-z0-9_]+)'", declared.group(1))) == set(BEHAVIOURS)
    assert {"no_pkce", "fapi2"} <= set(variant_names())
    for name in variant_names():
        variant = load_variant(name)
        assert variant.behaviours and set(variant.behaviours) <= BEHAVIOURS
        assert variant.server_config()["name"] == name
    with pytest.raises(ValueError, match="unknown reference target variant 'nope'; known: fapi2"):
        load_variant("nope")


def test_merge_profile_patches_members_and_clients_by_id() -> None:
    base = {"name": "reference", "documented": {"pkce_methods": ["S256"], "acr_values": ["a"]},
            "clients": [{"id": "a", "documented": {"require_pkce": True}, "scope": "openid"}, {"id": "b"}]}
    merged = merge_profile(base, {"name": "v", "documented": {"pkce_methods": None},
                                  "clients": {"a": {"documented": {"require_pkce": None}}, "b": None},
                                  "add_clients": [{"id": "c"}]})
    assert merged == {"name": "v", "documented": {"acr_values": ["a"]},
                      "clients": [{"id": "a", "documented": {}, "scope": "openid"}, {"id": "c"}]}
    assert base["documented"] == {"pkce_methods": ["S256"], "acr_values": ["a"]}  # not modified
    with pytest.raises(ValueError, match="clients the base profile does not have"):
        merge_profile(base, {"clients": {"zzz": {"scope": "x"}}})


def test_arrange_keys_orders_and_labels_signing_keys() -> None:
    jwks = {"keys": [{"kty": "RSA", "use": "sig", "kid": "r"}, {"kty": "EC", "use": "sig", "kid": "e", "alg": "ES256"},
                     {"kty": "RSA", "use": "enc", "kid": "x"}]}
    arranged = arrange_keys(jwks, [("sig-ec", "ES256"), ("sig-rsa", "PS256")])
    assert [(k["kid"], k.get("alg")) for k in arranged["keys"]] == [("e", "ES256"), ("r", "PS256"), ("x", None)]
    assert [k["kid"] for k in arrange_keys(jwks, [("sig-ec", "ES256")])["keys"]] == ["e", "x"]
    with pytest.raises(ValueError, match="no sig-rsa key"):
        arrange_keys({"keys": []}, [("sig-rsa", "PS256")])


def test_local_target_names_a_variant() -> None:
    spec, variant = local_targets.resolve("reference:no_pkce")
    assert (spec.name, variant) == ("reference", "no_pkce")
    assert local_targets.resolve("reference") == (spec, None)
    assert "variant no_pkce" in local_targets.describe("reference:no_pkce")
    with pytest.raises(local_targets.UnknownLocalTarget, match="has no variant 'nope'"):
        local_targets.resolve("reference:nope")
    with pytest.raises(local_targets.UnknownLocalTarget, match="'dot' has no variants"):
        local_targets.resolve("dot:x")


def test_default_target_is_no_variant(target: RunningTarget) -> None:
    assert target.variant is None and target.profile_path() == FIXTURE_DIR / "profile.yaml"
    with pytest.raises(ReferenceTargetError, match="not started as a variant"):
        target.variant_state()
    with http_client(target) as http:
        missing = http.get(f"{target.issuer}/__test/variant", headers={"Authorization": f"Bearer {target.admin_token}"})
    assert missing.status_code == 404


def test_start_as_a_variant_writes_its_profile_and_keys() -> None:
    with ReferenceTarget.start(variant="fapi2") as running:
        assert running.variant == "fapi2"
        path = running.profile_path()
        assert path == running.state_dir / "profile.yaml"
        profile = load_profile(path, env={**os.environ, **running.env})
        assert profile.name == "reference-fapi2"
        assert profile.client("par-required").is_fapi2
        assert profile.deviations_file == FIXTURE_DIR / "deviations.yaml"
        keys = json.loads((running.state_dir / "conf-pkjwt.jwks.json").read_text())["keys"]
        assert [k.get("alg") for k in keys if k["use"] == "sig"][:2] == ["PS256", "ES256"]
        state = running.variant_state()
        assert state["name"] == "fapi2" and state["fapi2_clients"] == ["par-required"]
        assert state["client_assertions"] == {}
        with http_client(running) as http:
            metadata = http.get(f"{running.issuer}/.well-known/openid-configuration").json()
        assert "code_challenge_methods_supported" not in metadata
