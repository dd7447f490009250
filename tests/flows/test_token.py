"""Token flow helpers that need no server: client assertions and credential builders."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from harness import jose
from harness.flows.token import ASSERTION_TYPE, assertion_auth, basic_credentials, build_assertion, secret_auth
from harness.profile import AuthMethod, Client

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
