"""Client assertions are signed with the algorithm the key names (issue 14: not always RS256 for RSA).

RFC 7517 §4.4: a JWK's ``alg`` "identifies the algorithm intended for use with the key". A
``private_key_jwt`` client whose key says PS256 (or ES256, RS512) signs its assertions with
exactly that; a key without ``alg`` falls back to the usual algorithm for its type; a documented
``token_endpoint_auth_signing_alg`` picks the key that can serve it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness import jose
from harness.flows.token import build_assertion, client_auth, signing_key
from harness.profile import Client
from harness.results import ProfileError

AUD = "https://op.example/token"


def _client(tmp_path: Path, *members: dict[str, Any], documented_alg: str | None = None) -> Client:
    path = tmp_path / "client.jwks.json"
    path.write_text(json.dumps({"keys": list(members)}))
    return Client.model_validate({"id": "c-pkjwt", "auth_method": "private_key_jwt", "jwks_file": str(path),
                                  "redirect_uris": ["https://rp/cb"],
                                  "documented": {"token_endpoint_auth_signing_alg": documented_alg}})


def _private(kind: str, label: str, **extra: str) -> dict[str, Any]:
    member = dict(jose.generate_key(kind, label=label).as_dict(private=True))
    member["kid"] = jose.thumbprint(member)
    member.update(extra)
    return member


@pytest.mark.parametrize(("kind", "alg"), [("RSA", "PS256"), ("RSA", "RS256"), ("RSA", "PS384"), ("RSA", "RS512"),
                                           ("EC", "ES256"), ("P-384", "ES384")])
def test_assertion_is_signed_with_the_keys_alg(tmp_path: Path, kind: str, alg: str) -> None:
    member = _private(kind, f"assertion-{alg}", alg=alg, use="sig")
    client = _client(tmp_path, member)
    key, used = signing_key(client)
    assert used == alg
    assertion = build_assertion(client, AUD)
    decoded = jose.verify_jws(assertion, jose.JWKS.from_keys([jose.import_jwk(jose.public_jwk(key))]), [alg])
    assert decoded.alg == alg and decoded.kid == member["kid"]
    data, _headers, _cert = client_auth(None, client, AUD)  # type: ignore[arg-type]
    assert jose.decode_jose_header(data["client_assertion"])["alg"] == alg


@pytest.mark.parametrize(("kind", "alg"), [("RSA", "RS256"), ("EC", "ES256"), ("P-521", "ES512"),
                                           ("Ed25519", "EdDSA")])
def test_key_without_alg_falls_back_to_its_type(tmp_path: Path, kind: str, alg: str) -> None:
    client = _client(tmp_path, _private(kind, f"fallback-{kind}"))
    assert signing_key(client)[1] == alg
    assert jose.decode_jose_header(build_assertion(client, AUD))["alg"] == alg


def test_documented_alg_picks_the_key_that_serves_it(tmp_path: Path) -> None:
    ec = _private("EC", "doc-ec", alg="ES256")
    rsa = _private("RSA", "doc-rsa", alg="PS256")
    client = _client(tmp_path, ec, rsa, documented_alg="PS256")
    key, alg = signing_key(client)
    assert alg == "PS256" and key.get("kid") == rsa["kid"]
    with pytest.raises(ProfileError, match="can sign with the documented"):
        signing_key(_client(tmp_path, ec, documented_alg="PS256"))


def test_key_whose_alg_does_not_fit_is_a_profile_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot be used"):
        signing_key(_client(tmp_path, _private("RSA", "misfit", alg="ES256")))
