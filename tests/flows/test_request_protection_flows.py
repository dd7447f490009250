"""PAR, request object and JARM flow helpers that need no server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness import jose
from harness.flows.authorization import AuthorizationOutcome, build_authorization_request
from harness.flows.jarm import find_response, open_response, require_response
from harness.flows.par import by_reference
from harness.flows.request_object import (
    by_value,
    request_object_alg,
    request_object_claims,
    sign_request_object,
)
from harness.http import TargetHttp
from harness.profile import Client, TargetProfile
from harness.results import CheckFailed
from harness.target import NotApplicable, Target

ISSUER = "https://op.example.test"


def _target(clients: list[dict[str, Any]], metadata: dict[str, Any] | None = None) -> Target:
    profile = TargetProfile.model_validate({
        "name": "unit", "issuer": ISSUER, "clients": clients,
        "users": [{"username": "alice", "password": "pw-unit-test"}]})
    http = TargetHttp(allowed_origins={ISSUER})
    meta = {"issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/auth",
            "code_challenge_methods_supported": ["S256"], **(metadata or {})}
    return Target(profile=profile, http=http, _metadata=meta)


def _keyed_client(tmp_path: Path, key: jose.Key, name: str = "c1", **documented: Any) -> dict[str, Any]:
    path = tmp_path / f"{name}.jwks.json"
    path.write_text(json.dumps({"keys": [key.as_dict(private=True)]}))
    return {"id": name, "auth_method": "private_key_jwt", "jwks_file": str(path),
            "redirect_uris": ["https://rp.example.test/cb"], "documented": documented}


def _client(target: Target, client_id: str = "c1") -> Client:
    return target.profile.client(client_id)


def test_by_reference_keeps_what_the_client_remembers(tmp_path: Path) -> None:
    target = _target([_keyed_client(tmp_path, jose.generate_key("EC", label="par-flow"))])
    pushed = build_authorization_request(target, _client(target))
    front = by_reference(target, pushed, "urn:ietf:params:oauth:request_uri:abc")
    assert front.params == {"client_id": "c1", "request_uri": "urn:ietf:params:oauth:request_uri:abc"}
    assert (front.state, front.nonce, front.code_verifier, front.redirect_uri) == (
        pushed.state, pushed.nonce, pushed.code_verifier, pushed.redirect_uri)
    assert front.url().startswith(f"{ISSUER}/auth?client_id=c1&request_uri=")
    other = by_reference(target, pushed, "urn:x", client_id="c2", extra={"prompt": "login"})
    assert other.params == {"client_id": "c2", "request_uri": "urn:x", "prompt": "login"}


def test_request_object_claims_and_by_value(tmp_path: Path) -> None:
    key = jose.generate_key("EC", label="jar-flow")
    target = _target([_keyed_client(tmp_path, key, request_object_signing_alg="ES256")])
    client = _client(target)
    request = build_authorization_request(target, client)
    claims = request_object_claims(target, request, lifetime=60, now=1000, overrides={"nbf": jose.REMOVE, "x": 1})
    assert claims["iss"] == "c1" and claims["aud"] == ISSUER and claims["exp"] == 1060 and claims["iat"] == 1000
    assert "nbf" not in claims and claims["x"] == 1 and claims["state"] == request.state
    assert claims["code_challenge"] == request.params["code_challenge"]
    token = sign_request_object(target, client, claims)
    decoded = jose.verify_jws(token, key, ["ES256"])
    assert decoded.typ == "oauth-authz-req+jwt" and decoded.claims["client_id"] == "c1"
    front = by_value(target, request, token, outside={"state": "outside"})
    assert set(front.params) == {"client_id", "response_type", "scope", "state", "request"}
    assert front.params["state"] == "outside" and front.state == request.state
    assert set(by_value(target, request, token, keep=()).params) == {"client_id", "request"}
    unsigned = sign_request_object(target, client, claims, alg="none")
    assert jose.decode_unverified(unsigned).alg == "none"


def test_request_object_alg_choice(tmp_path: Path) -> None:
    ec = jose.generate_key("EC", label="jar-alg")
    target = _target([_keyed_client(tmp_path, ec)],
                     {"request_object_signing_alg_values_supported": ["none", "HS256", "PS256", "ES256"]})
    assert request_object_alg(target, _client(target)) == "ES256"
    documented = _target([_keyed_client(tmp_path, ec, request_object_signing_alg="PS512")])
    assert request_object_alg(documented, _client(documented)) == "PS512"
    none_fits = _target([_keyed_client(tmp_path, ec)], {"request_object_signing_alg_values_supported": ["RS256"]})
    with pytest.raises(NotApplicable):
        request_object_alg(none_fits, _client(none_fits))


def _outcome(**where: dict[str, str]) -> AuthorizationOutcome:
    return AuthorizationOutcome(redirect_url="https://rp.example.test/cb", query=where.get("query", {}),
                                fragment=where.get("fragment", {}), form=where.get("form", {}),
                                via="form_post" if where.get("form") else "redirect")


def test_find_response() -> None:
    assert find_response(_outcome(query={"response": "q"})) == ("query", "q", {"response": "q"})
    in_fragment = find_response(_outcome(fragment={"response": "f", "state": "s"}))
    assert in_fragment is not None and in_fragment[:2] == ("fragment", "f")
    in_form = find_response(_outcome(form={"response": "p"}, query={"response": "q"}))
    assert in_form is not None and in_form[:2] == ("form_post", "p")
    assert find_response(_outcome(query={"code": "c"})) is None
    with pytest.raises(CheckFailed) as info:
        require_response(_outcome(query={"code": "c"}), "query.jwt")
    assert info.value.findings[0].code == "JARM_RESPONSE_MISSING"


def test_open_response_signed_and_nested(tmp_path: Path) -> None:
    op_key = jose.generate_key("RSA", label="jarm-op")
    enc_member = {**jose.generate_key("RSA", label="jarm-client-enc").as_dict(private=True), "use": "enc",
                  "alg": "RSA-OAEP-256", "kid": "enc-1"}
    path = tmp_path / "enc.jwks.json"
    path.write_text(json.dumps({"keys": [enc_member]}))
    client = Client.model_validate({"id": "c-enc", "auth_method": "client_secret_basic", "secret": "s" * 32,
                                    "jwks_file": str(path), "redirect_uris": ["https://rp.example.test/cb"]})
    plain_client = Client.model_validate({"id": "c-plain", "auth_method": "client_secret_basic", "secret": "s" * 32,
                                          "redirect_uris": ["https://rp.example.test/cb"]})
    claims = {"iss": ISSUER, "aud": "c-enc", "exp": 2_000_000_000, "code": "c0de", "state": "s1"}
    signed = jose.sign_jws({"alg": "RS256", "kid": op_key.get("kid")}, claims, op_key)
    opened = open_response(plain_client, "query", signed, {"response": signed})
    assert opened.jwe_header is None and opened.claims == claims and opened.header["alg"] == "RS256"
    assert opened.params == {"iss": ISSUER, "code": "c0de", "state": "s1"}
    nested = jose.encrypt_jwe(signed, jose.import_jwk(enc_member), "RSA-OAEP-256", "A256GCM",
                              header_extra={"cty": "JWT"})
    opened = open_response(client, "form_post", nested, {"response": nested})
    assert opened.jwe_header is not None and opened.jwe_header["enc"] == "A256GCM" and opened.claims == claims
    for bad_client, token, code in ((plain_client, nested, "JARM_UNEXPECTEDLY_ENCRYPTED"),
                                    (client, nested[:-8] + "AAAAAAAA", "JARM_DECRYPTION_FAILED"),
                                    (client, "not-a-jwt", "JARM_MALFORMED")):
        with pytest.raises(CheckFailed) as info:
            open_response(bad_client, "query", token, {"response": token})
        assert info.value.findings[0].code == code


def _serving(target: Target, body: Any, status: int = 200) -> Target:
    """Let ``target`` answer every GET with ``body`` (the jwks_uri of these flow tests)."""
    import httpx

    target._metadata = {**(target._metadata or {}), "jwks_uri": f"{ISSUER}/jwks"}
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    target.http.get = lambda url, **_: httpx.Response(status, content=content)  # type: ignore[method-assign]
    return target


def test_server_encryption_key_judges_the_jwks(tmp_path: Path) -> None:
    from harness.flows.request_object import server_encryption_key
    from harness.results import NeedsReview

    enc = {**jose.generate_key("RSA", label="op-enc").as_dict(), "use": "enc", "alg": "RSA-OAEP-256", "kid": "e1"}
    sig = {**jose.generate_key("RSA", label="op-sig").as_dict(), "use": "sig", "alg": "RS256", "kid": "s1"}
    client = [_keyed_client(tmp_path, jose.generate_key("EC", label="jar-enc-flow"))]
    assert server_encryption_key(_serving(_target(client), {"keys": [sig, enc]}), "RSA-OAEP-256").get("kid") == "e1"
    # advertised encryption but no key to encrypt to: nothing a rule can judge, a human looks (never a skip)
    with pytest.raises(NeedsReview):
        server_encryption_key(_serving(_target(client), {"keys": [sig]}), "RSA-OAEP-256")
    # a JWK Set whose keys is not an array is the target's fault (RFC 7517 §5), not a harness error
    with pytest.raises(CheckFailed) as info:
        server_encryption_key(_serving(_target(client), {"keys": {"e1": enc}}), "RSA-OAEP-256")
    assert info.value.findings[0].code == "JWKS_KEYS_NOT_ARRAY"
