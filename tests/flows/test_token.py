"""Token flow helpers that need no server: client assertions and credential builders."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import httpx
import pytest

from harness import jose
from harness.flows.token import (
    ASSERTION_TYPE,
    TokenResult,
    assertion_auth,
    basic_credentials,
    build_assertion,
    check_refused,
    offline_request,
    refresh_documented_by,
    secret_auth,
)
from harness.profile import AuthMethod, Client, Documented
from harness.results import CheckFailed
from harness.target import Target

SECRET = "s3cret-" + "x" * 30
AUD = "https://op.example/token"


def _secret_jwt_client(alg: str | None = None) -> Client:
    return Client.model_validate({"id": "c-jwt", "auth_method": "client_secret_jwt", "secret": SECRET,
                                  "redirect_uris": ["https://rp/cb"],
                                  "documented": {"token_endpoint_auth_signing_alg": alg}})


@pytest.fixture
def pkjwt_client(tmp_path: Path) -> tuple[Client, jose.Key]:
    key = jose.generate_key("EC", label="flows-test")
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [key.as_dict(private=True)]}))
    client = Client.model_validate({"id": "c-pk", "auth_method": "private_key_jwt", "jwks_file": str(path),
                                    "redirect_uris": ["https://rp/cb"]})
    return client, key


def test_secret_jwt_assertion_claims_and_overrides() -> None:
    client = _secret_jwt_client()
    token = build_assertion(client, AUD, claim_overrides={"exp": jose.REMOVE, "nbf": 5})
    decoded = jose.verify_hs(token, SECRET)
    assert decoded.alg == "HS256"
    assert decoded.claims["iss"] == decoded.claims["sub"] == "c-jwt"
    assert decoded.claims["aud"] == AUD
    assert "exp" not in decoded.claims and decoded.claims["nbf"] == 5
    assert build_assertion(client, AUD)  # jti differs every time
    assert jose.decode_unverified(build_assertion(client, AUD)).claims["jti"] != decoded.claims["jti"]


def test_secret_jwt_documented_alg_other_secret_and_none() -> None:
    client = _secret_jwt_client("HS512")
    assert jose.decode_unverified(build_assertion(client, AUD)).alg == "HS512"
    other = build_assertion(client, AUD, secret="another-secret-value-0000000000")
    with pytest.raises(jose.BadSignature):
        jose.verify_hs(other, SECRET)
    unsigned = build_assertion(client, [AUD, "x"], alg="none")
    decoded = jose.decode_unverified(unsigned)
    assert decoded.alg == "none" and decoded.signature == b"" and decoded.claims["aud"] == [AUD, "x"]


def test_private_key_jwt_assertion(pkjwt_client: tuple[Client, jose.Key]) -> None:
    client, key = pkjwt_client
    now = time.time() - 1000
    token = build_assertion(client, AUD, now=now)
    decoded = jose.verify_jws(token, key, ["ES256"])
    assert decoded.kid == key.get("kid")
    assert decoded.claims["exp"] - decoded.claims["iat"] == 60 and decoded.claims["iat"] == int(now)
    other = jose.generate_key("EC", label="flows-test-other")
    forged = build_assertion(client, AUD, key=other, header_overrides={"kid": key.get("kid")})
    with pytest.raises(jose.BadSignature):
        jose.verify_jws(forged, key, ["ES256"])


def test_credential_builders() -> None:
    client = _secret_jwt_client()
    data, headers, cert = assertion_auth(client, "a.b.c")
    assert data == {"client_assertion_type": ASSERTION_TYPE, "client_id": "c-jwt", "client_assertion": "a.b.c"}
    assert headers == {} and cert is None
    data, _, _ = assertion_auth(client, None, include_client_id=False)
    assert data == {"client_assertion_type": ASSERTION_TYPE}
    _, headers, _ = secret_auth(client, "pw")
    assert headers == {"Authorization": basic_credentials("c-jwt", "pw")}
    data, headers, _ = secret_auth(client, "pw", AuthMethod.CLIENT_SECRET_POST)
    assert data == {"client_id": "c-jwt", "client_secret": "pw"} and headers == {}


# --- refusals, refresh-token requests --------------------------------------------------------

def _result(status: int, body: dict[str, object], *, basic: bool = False) -> TokenResult:
    response = httpx.Response(status, json=body)
    return TokenResult(response=response, body=body, used_basic=basic)


def test_check_refused_needs_the_broken_rule() -> None:
    with pytest.raises(TypeError):
        check_refused(_result(400, {"error": "invalid_grant"}), "invalid_grant")  # type: ignore[call-arg]
    check_refused(_result(400, {"error": "invalid_grant"}), "invalid_grant", "RFC6749-4.1.3")


def test_check_refused_cites_the_rule_when_accepted_and_the_error_sentence_otherwise() -> None:
    with pytest.raises(CheckFailed) as accepted:
        check_refused(_result(200, {"access_token": "a"}), "invalid_grant", "RFC6749-4.1.3",
                      error_requirement="RFC6749-5.2")
    assert [(f.code, f.requirement) for f in accepted.value.findings] == [("TOKEN_REQUEST_ACCEPTED", "RFC6749-4.1.3")]
    with pytest.raises(CheckFailed) as wrong:
        check_refused(_result(400, {"error": "invalid_request"}), "invalid_grant", "RFC6749-4.1.3",
                      error_requirement="RFC6749-5.2")
    assert [(f.code, f.requirement) for f in wrong.value.findings] == [("TOKEN_ERROR_WRONG_CODE", "RFC6749-5.2")]


def _target(scopes: object = None, documented: Documented | None = None) -> Target:
    metadata = {} if scopes is None else {"scopes_supported": scopes}
    profile = SimpleNamespace(documented=documented or Documented())
    return cast(Target, SimpleNamespace(metadata=metadata, profile=profile))


def _client(scope: str = "openid profile", rolling: bool | None = None) -> Client:
    return Client.model_validate({"id": "c", "auth_method": "client_secret_basic", "secret": SECRET,
                                  "redirect_uris": ["https://rp/cb"], "scope": scope,
                                  "documented": {"refresh_token_rolling": rolling}})


@pytest.mark.parametrize(("scopes", "scope", "wanted", "prompt"), [
    (["openid", "offline_access"], "openid profile", "openid profile offline_access", True),
    (["openid"], "openid profile", "openid profile", False),          # not advertised: not added
    (None, "openid offline_access", "openid offline_access", True),    # the client asks for it itself
    (["openid", "offline_access"], "api:read", "api:read", False),    # OAuth only: offline_access is OIDC
])
def test_offline_request(scopes: list[str] | None, scope: str, wanted: str, prompt: bool) -> None:
    got, extra = offline_request(_target(scopes), _client(scope))
    assert got == wanted
    assert (extra.get("prompt") == "consent") is prompt


def test_refresh_documented_by() -> None:
    assert refresh_documented_by(_target(), _client()) is None
    assert refresh_documented_by(_target(), _client(rolling=False)) == "DOC-refresh_token_rolling"
    rotation = Documented.model_validate({"refresh": {"rotation": True}})
    assert refresh_documented_by(_target(documented=rotation), _client()) == "DOC-refresh.rotation"
    lifetime = Documented.model_validate({"refresh": {"lifetime_s": 60}})
    assert refresh_documented_by(_target(documented=lifetime), _client()) == "DOC-refresh.lifetime_s"


def test_require_tokens_cites_the_rule_the_answer_breaks() -> None:
    """A mislabelled token answer breaks RFC 6749 §5.1 (its media type), a refusal §4.1.4."""
    from harness.flows.token import TokenResult, require_tokens
    from harness.http import try_json_document

    client = _client()
    tokens = b'{"access_token": "at-1234567890", "token_type": "Bearer"}'

    def result(status: int, content_type: str, body: bytes) -> TokenResult:
        response = httpx.Response(status, headers={"Content-Type": content_type}, content=body)
        return TokenResult(response=response, body=try_json_document(response))

    ok = result(200, "application/json", tokens)
    assert require_tokens(ok, client) is ok
    with pytest.raises(CheckFailed) as mislabelled:
        require_tokens(result(200, "text/plain", tokens), client)
    assert [(f.code, f.requirement) for f in mislabelled.value.findings] == [
        ("PRECONDITION_TOKEN_RESPONSE_NOT_JSON", "RFC6749-5.1-json")]
    with pytest.raises(CheckFailed) as refused:
        require_tokens(result(400, "application/json", b'{"error": "invalid_grant"}'), client)
    assert [(f.code, f.requirement) for f in refused.value.findings] == [
        ("PRECONDITION_TOKEN_REQUEST_FAILED", "RFC6749-4.1.4")]
