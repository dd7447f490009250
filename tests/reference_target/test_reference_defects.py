"""Every injectable defect of the reference target breaks its behaviour, and only while active.

Each probe checks one behaviour the way a client would see it and returns ``True`` when the
behaviour is correct. The parametrized test proves every probe both ways: ``False`` with the
defect injected, ``True`` again after ``set_defects([])``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from joserfc import jwe, jws
from joserfc.errors import JoseError
from joserfc.jwk import OctKey, RSAKey

from harness.reference_target import CORE_DEFECTS, ReferenceTarget, RunningTarget
from tests.reference_target.rt_flows import (
    REDIRECT_URI,
    REDIRECT_URI_2,
    SUBS,
    AuthzResult,
    authz_params,
    b64u,
    code_flow,
    drive,
    http_client,
    jwt_parts,
    parse_redirect,
    pkce_pair,
    provider_jwks,
    redeem,
    s256,
)

CODE_TTL = 2


@pytest.fixture(scope="module")
def target() -> Iterator[RunningTarget]:
    with ReferenceTarget.start(ttl_overrides={"AuthorizationCode": CODE_TTL}) as running:
        yield running


# --------------------------------------------------------------------------- helpers


def _discovery(t: RunningTarget) -> dict[str, object]:
    with http_client(t) as http:
        data: dict[str, object] = http.get(f"{t.issuer}/.well-known/openid-configuration").json()
        return data


def _jwks(t: RunningTarget) -> list[dict[str, object]]:
    with http_client(t) as http:
        keys: list[dict[str, object]] = http.get(f"{t.issuer}/jwks").json()["keys"]
        return keys


def _authorize(t: RunningTarget, client_id: str = "conf-basic", *, decision: str = "approve",
               **extra: str) -> tuple[AuthzResult, dict[str, str]]:
    params = authz_params(client_id, **extra)
    with http_client(t) as http:
        return drive(http, t, params, decision=decision), params


def _code_with_pkce(t: RunningTarget, client_id: str = "conf-basic",
                    verifier: str | None = None) -> tuple[str, str]:
    """A fresh code issued with an S256 challenge; returns (code, verifier)."""
    if verifier is None:
        verifier, challenge = pkce_pair()
    else:
        challenge = s256(verifier)
    result, _ = _authorize(t, client_id, code_challenge=challenge, code_challenge_method="S256")
    return result.code, verifier


def _redeem(t: RunningTarget, code: str, client_id: str = "conf-basic", **kw: str) -> httpx.Response:
    with http_client(t) as http:
        return redeem(http, t, client_id, code, **kw)


def _id_token(t: RunningTarget, client_id: str = "conf-basic",
              **extra: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """ID token from a code flow; returns (id_token, authz params, token response)."""
    _, response, params = code_flow(t, client_id, **extra)  # type: ignore[arg-type]  # extra holds no 'pkce'
    assert response.status_code == 200, response.text
    body = response.json()
    return body["id_token"], params, body


def _verifies(t: RunningTarget, token: str) -> bool:
    try:
        jws.deserialize_compact(token, provider_jwks(t), algorithms=["RS256", "PS256", "ES256"])
    except (JoseError, ValueError):
        return False
    return True


# --------------------------------------------------------------------------- discovery


def probe_discovery_wrong_issuer(t: RunningTarget) -> bool:
    return _discovery(t)["issuer"] == t.issuer


def probe_discovery_missing_jwks_uri(t: RunningTarget) -> bool:
    return _discovery(t).get("jwks_uri") == f"{t.issuer}/jwks"


def probe_discovery_scalar_array(t: RunningTarget) -> bool:
    return isinstance(_discovery(t)["response_types_supported"], list)


def probe_jwks_duplicate_kid(t: RunningTarget) -> bool:
    kids = [k["kid"] for k in _jwks(t)]
    return len(kids) == len(set(kids))


def probe_discovery_no_pkce_methods(t: RunningTarget) -> bool:
    return _discovery(t).get("code_challenge_methods_supported") == ["S256"]


def probe_discovery_iss_param_unadvertised(t: RunningTarget) -> bool:
    return _discovery(t).get("authorization_response_iss_parameter_supported") is True


def probe_jwks_private_key(t: RunningTarget) -> bool:
    return not any(member in key for key in _jwks(t) for member in ("d", "p", "q", "dp", "dq", "qi"))


def probe_discovery_not_json(t: RunningTarget) -> bool:
    with http_client(t) as http:
        response = http.get(f"{t.issuer}/.well-known/openid-configuration")
    assert response.status_code == 200
    assert isinstance(json.loads(response.text), dict), "the body stays the JSON document"
    return bool(response.headers.get("content-type", "").split(";")[0].strip() == "application/json")


def probe_discovery_issuer_query(t: RunningTarget) -> bool:
    issuer = str(_discovery(t)["issuer"])
    if "?" in issuer:
        assert issuer.startswith(f"{t.issuer}?"), "only a query is added"
        return False
    return issuer == t.issuer


def probe_discovery_http_endpoint(t: RunningTarget) -> bool:
    return _discovery(t).get("userinfo_endpoint") == f"{t.issuer}/me"


def probe_discovery_no_rs256(t: RunningTarget) -> bool:
    algs = _discovery(t)["id_token_signing_alg_values_supported"]
    assert isinstance(algs, list) and "PS256" in algs, "only RS256 may go"
    return "RS256" in algs


def probe_discovery_scopes_no_openid(t: RunningTarget) -> bool:
    scopes = _discovery(t)["scopes_supported"]
    assert isinstance(scopes, list) and "profile" in scopes, "only openid may go"
    return "openid" in scopes


def probe_discovery_bad_subject_type(t: RunningTarget) -> bool:
    types = _discovery(t)["subject_types_supported"]
    assert isinstance(types, list) and "public" in types
    return set(types) <= {"public", "pairwise"}


# --------------------------------------------------------------------------- authorization endpoint


def probe_authz_state_mismatch(t: RunningTarget) -> bool:
    result, params = _authorize(t)
    return "code" in result.params and result.params.get("state") == params["state"]


probe_authz_state_dropped = probe_authz_state_mismatch


def probe_authz_iss_missing(t: RunningTarget) -> bool:
    result, _ = _authorize(t)
    return "code" in result.params and result.params.get("iss") == t.issuer


probe_authz_iss_wrong = probe_authz_iss_missing


def probe_authz_code_in_fragment(t: RunningTarget) -> bool:
    result, _ = _authorize(t, response_mode="query")
    return "code" in result.params and not result.in_fragment


def probe_redirect_uri_prefix_match(t: RunningTarget) -> bool:
    for bad in (f"{REDIRECT_URI}/extra", f"{REDIRECT_URI}?extra=1"):
        result, _ = _authorize(t, redirect_uri=bad)
        if result.location is not None:  # the server redirected to an unregistered URI
            assert result.location.startswith(bad)
            return False
        assert result.page is not None and result.page.status_code == 400
    return True


ATTACKER_REDIRECT_URI = "https://attacker.example.test/cb"


def probe_redirect_uri_any_host(t: RunningTarget) -> bool:
    result, _ = _authorize(t, redirect_uri=ATTACKER_REDIRECT_URI)
    if result.location is not None:
        assert result.location.startswith(ATTACKER_REDIRECT_URI)
        assert "code" in result.params, "the broken server hands the attacker a code"
        return False
    return result.page is not None and result.page.status_code == 400


def probe_authz_missing_response_type_wrong_error(t: RunningTarget) -> bool:
    params = authz_params("conf-basic")
    del params["response_type"]
    with http_client(t) as http:
        response = http.get(f"{t.issuer}/auth", params=params)
    assert response.status_code in (302, 303), "both states answer with an error redirect"
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI)
    redirect, _ = parse_redirect(location)
    assert redirect.get("state") == params["state"]
    return redirect.get("error") == "invalid_request"


def probe_authz_wrong_error_unsupported_response_type(t: RunningTarget) -> bool:
    # plain "token" is served (emulated by the response_types area); "code_x" is no response type
    result, _ = _authorize(t, "conf-post", response_type="code_x")
    return result.params.get("error") == "unsupported_response_type"


def probe_authz_unknown_param_rejected(t: RunningTarget) -> bool:
    result, _ = _authorize(t, x_unknown_extension="1")
    return "code" in result.params


def probe_consent_denied_no_state(t: RunningTarget) -> bool:
    result, params = _authorize(t, decision="deny")
    return result.params.get("error") == "access_denied" and result.params.get("state") == params["state"]


probe_consent_denied_wrong_error = probe_consent_denied_no_state


def probe_prompt_none_shows_login(t: RunningTarget) -> bool:
    params = authz_params("conf-basic", prompt="none")
    with http_client(t) as http:
        response = http.get(f"{t.issuer}/auth", params=params)
    if response.status_code == 200 and 'id="login-form"' in response.text:
        return False
    return response.status_code == 303 and "error=login_required" in response.headers["location"]


def probe_error_redirect_includes_code(t: RunningTarget) -> bool:
    result, _ = _authorize(t, decision="deny")
    return "error" in result.params and "code" not in result.params


# --------------------------------------------------------------------------- token endpoint / codes


def probe_code_reusable(t: RunningTarget) -> bool:
    code, verifier = _code_with_pkce(t)
    assert _redeem(t, code, verifier=verifier).status_code == 200
    second = _redeem(t, code, verifier=verifier)
    return second.status_code == 400 and second.json()["error"] == "invalid_grant"


def probe_code_reuse_keeps_tokens(t: RunningTarget) -> bool:
    code, verifier = _code_with_pkce(t)
    first = _redeem(t, code, verifier=verifier)
    access_token = first.json()["access_token"]
    second = _redeem(t, code, verifier=verifier)
    assert second.status_code == 400, "reuse must be refused in both states"
    with http_client(t) as http:
        userinfo = http.get(f"{t.issuer}/me", headers={"Authorization": f"Bearer {access_token}"})
    return userinfo.status_code == 401


def probe_code_not_client_bound(t: RunningTarget) -> bool:
    code, verifier = _code_with_pkce(t, "conf-basic")
    response = _redeem(t, code, "conf-post", verifier=verifier)
    return response.status_code == 400 and response.json()["error"] == "invalid_grant"


def probe_token_redirect_uri_unchecked(t: RunningTarget) -> bool:
    code, verifier = _code_with_pkce(t)
    response = _redeem(t, code, verifier=verifier, redirect_uri=REDIRECT_URI_2)
    return response.status_code == 400 and response.json()["error"] == "invalid_grant"


def probe_code_never_expires(t: RunningTarget) -> bool:
    code, verifier = _code_with_pkce(t)
    time.sleep(CODE_TTL + 1.1)
    response = _redeem(t, code, verifier=verifier)
    return response.status_code == 400 and response.json()["error"] == "invalid_grant"


def probe_code_low_entropy(t: RunningTarget) -> bool:
    code, verifier = _code_with_pkce(t)
    assert _redeem(t, code, verifier=verifier).status_code == 200, "the code must stay redeemable"
    return len(code) >= 22  # >= 128 bits of base64url


def probe_token_error_wrong_status(t: RunningTarget) -> bool:
    response = _redeem(t, secrets.token_urlsafe(32))
    return response.status_code == 400 and response.json()["error"] == "invalid_grant"


def probe_token_no_cache_control(t: RunningTarget) -> bool:
    code, verifier = _code_with_pkce(t)
    response = _redeem(t, code, verifier=verifier)
    assert response.status_code == 200
    return "no-store" in response.headers.get("cache-control", "")


# --------------------------------------------------------------------------- PKCE


def probe_pkce_verifier_unchecked(t: RunningTarget) -> bool:
    code, _ = _code_with_pkce(t)
    response = _redeem(t, code, verifier=pkce_pair()[0])
    return response.status_code == 400


def probe_pkce_verifier_optional(t: RunningTarget) -> bool:
    code, _ = _code_with_pkce(t)
    response = _redeem(t, code)
    return response.status_code == 400 and response.json()["error"] == "invalid_grant"


def probe_pkce_plain_accepted(t: RunningTarget) -> bool:
    verifier = pkce_pair()[0]
    result, _ = _authorize(t, code_challenge=verifier, code_challenge_method="plain")
    if "code" in result.params and "error" not in result.params:
        assert _redeem(t, result.code, verifier=verifier).status_code == 200, "plain must work end-to-end"
        return False
    return result.params.get("error") == "invalid_request"


def probe_pkce_not_required(t: RunningTarget) -> bool:
    for client_id in ("public", "conf-pkce"):
        result, _ = _authorize(t, client_id)
        if result.params.get("error") != "invalid_request":
            return False
    return True


def probe_pkce_verifier_without_challenge_accepted(t: RunningTarget) -> bool:
    result, _ = _authorize(t)  # no code_challenge
    response = _redeem(t, result.code, verifier=pkce_pair()[0])
    return response.status_code == 400 and response.json()["error"] == "invalid_grant"


def probe_pkce_verifier_length_unchecked(t: RunningTarget) -> bool:
    for length in (42, 129):
        verifier = (secrets.token_urlsafe(130))[:length]
        code, _ = _code_with_pkce(t, verifier=verifier)
        if _redeem(t, code, verifier=verifier).status_code == 200:
            return False
    return True


def probe_pkce_wrong_error(t: RunningTarget) -> bool:
    code, _ = _code_with_pkce(t)
    response = _redeem(t, code, verifier=pkce_pair()[0])
    return response.status_code == 400 and response.json()["error"] == "invalid_grant"


def probe_pkce_missing_method_accepted(t: RunningTarget) -> bool:
    verifier, challenge = pkce_pair()
    result, _ = _authorize(t, code_challenge=challenge)  # no code_challenge_method: plain per RFC 7636
    if "code" in result.params and "error" not in result.params:
        assert _redeem(t, result.code, verifier=verifier).status_code == 200, "treated as S256 end-to-end"
        return False
    return result.params.get("error") == "invalid_request"


# --------------------------------------------------------------------------- ID token


def probe_idtoken_bad_signature(t: RunningTarget) -> bool:
    return _verifies(t, _id_token(t)[0])


def probe_idtoken_alg_none(t: RunningTarget) -> bool:
    token = _id_token(t)[0]
    return jwt_parts(token)[0]["alg"] != "none" and _verifies(t, token)


def probe_idtoken_unknown_kid(t: RunningTarget) -> bool:
    header, _ = jwt_parts(_id_token(t)[0])
    return header.get("kid") in {k["kid"] for k in _jwks(t)}


def probe_idtoken_wrong_iss(t: RunningTarget) -> bool:
    return bool(jwt_parts(_id_token(t)[0])[1]["iss"] == t.issuer)


def probe_idtoken_wrong_aud(t: RunningTarget) -> bool:
    aud = jwt_parts(_id_token(t)[0])[1]["aud"]
    return aud == "conf-basic" or (isinstance(aud, list) and "conf-basic" in aud)


def probe_idtoken_multi_aud_no_azp(t: RunningTarget) -> bool:
    claims = jwt_parts(_id_token(t)[0])[1]
    return not (isinstance(claims["aud"], list) and len(claims["aud"]) > 1 and "azp" not in claims)


def probe_idtoken_expired(t: RunningTarget) -> bool:
    return bool(jwt_parts(_id_token(t)[0])[1]["exp"] > time.time())


def probe_idtoken_iat_future(t: RunningTarget) -> bool:
    return bool(jwt_parts(_id_token(t)[0])[1]["iat"] <= time.time() + 60)


def probe_idtoken_nonce_missing(t: RunningTarget) -> bool:
    token, params, _ = _id_token(t)
    return jwt_parts(token)[1].get("nonce") == params["nonce"]


probe_idtoken_nonce_wrong = probe_idtoken_nonce_missing


def probe_idtoken_implicit_nonce_missing(t: RunningTarget) -> bool:
    token, params, _ = _id_token(t)
    assert jwt_parts(token)[1].get("nonce") == params["nonce"], "token endpoint ID tokens keep the nonce"
    kept = []
    for response_type in ("id_token", "code id_token"):  # implicit and hybrid
        result, sent = _authorize(t, response_type=response_type)
        assert result.in_fragment and "id_token" in result.params, result.params
        kept.append(jwt_parts(result.params["id_token"])[1].get("nonce") == sent["nonce"])
    assert len(set(kept)) == 1, f"implicit and hybrid must agree: {kept}"
    return kept[0]


def probe_idtoken_no_auth_time(t: RunningTarget) -> bool:
    return isinstance(jwt_parts(_id_token(t, max_age="300")[0])[1].get("auth_time"), int)


def probe_idtoken_no_acr(t: RunningTarget) -> bool:
    claims = json.dumps({"id_token": {"acr": {"essential": True, "values": ["urn:harness:acr:2"]}}})
    return jwt_parts(_id_token(t, claims=claims)[0])[1].get("acr") == "urn:harness:acr:2"


def _hybrid(t: RunningTarget, response_type: str) -> dict[str, str]:
    result, _ = _authorize(t, response_type=response_type)
    assert "id_token" in result.params, result.params
    return result.params


def _half_hash(value: str) -> str:
    return b64u(hashlib.sha256(value.encode()).digest()[:16])


def probe_idtoken_bad_at_hash(t: RunningTarget) -> bool:
    params = _hybrid(t, "code id_token token")
    return jwt_parts(params["id_token"])[1].get("at_hash") == _half_hash(params["access_token"])


def probe_idtoken_bad_c_hash(t: RunningTarget) -> bool:
    params = _hybrid(t, "code id_token")
    return jwt_parts(params["id_token"])[1].get("c_hash") == _half_hash(params["code"])


def probe_idtoken_sub_mismatch(t: RunningTarget) -> bool:
    token, _, body = _id_token(t)
    with http_client(t) as http:
        userinfo = http.get(f"{t.issuer}/me", headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    return bool(jwt_parts(token)[1]["sub"] == userinfo["sub"] == SUBS["alice"])


def probe_idtoken_sub_unstable(t: RunningTarget) -> bool:
    subs = {str(jwt_parts(_id_token(t)[0])[1]["sub"]) for _ in range(2)}  # two logins of alice
    return subs == {SUBS["alice"]}


def _b64u_bytes(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def probe_idtoken_weak_rsa_key(t: RunningTarget) -> bool:
    header, _ = jwt_parts(_id_token(t)[0])
    member = next(k for k in _jwks(t) if k["kid"] == header["kid"])  # the signing key is published
    if member["kty"] != "RSA":
        return True
    return len(_b64u_bytes(str(member["n"])).lstrip(b"\0")) * 8 >= 2048


def probe_idtoken_enc_wrong_alg(t: RunningTarget) -> bool:
    token = _id_token(t, "conf-enc")[0]
    assert token.count(".") == 4, "conf-enc ID tokens are JWEs"
    header = json.loads(_b64u_bytes(token.split(".")[0]))
    keys = json.loads((t.state_dir / "conf-enc.jwks.json").read_text())["keys"]
    key = RSAKey.import_key(next(k for k in keys if k["use"] == "enc"))
    registry = jwe.JWERegistry(algorithms=["RSA-OAEP-256", "A256GCM"], strict_check_header=False)
    try:
        jwe.decrypt_compact(token, key, registry=registry)
    except JoseError:
        return False
    return bool(header["alg"] == "RSA-OAEP-256")


def probe_idtoken_hs256_wrong_secret(t: RunningTarget) -> bool:
    token = _id_token(t, "conf-hs256")[0]
    assert jwt_parts(token)[0]["alg"] == "HS256"
    try:
        jws.deserialize_compact(token, OctKey.import_key(t.client_secrets["conf-hs256"]), algorithms=["HS256"])
    except JoseError:
        return False
    return True


# --------------------------------------------------------------------------- the tests

PROBES: dict[str, Callable[[RunningTarget], bool]] = {
    name: globals()[f"probe_{name}"] for name in CORE_DEFECTS
}


def test_every_defect_has_a_probe() -> None:
    assert set(PROBES) == set(CORE_DEFECTS)


@pytest.mark.parametrize("defect", sorted(CORE_DEFECTS))
def test_defect_breaks_only_while_active(target: RunningTarget, defect: str) -> None:
    probe = PROBES[defect]
    assert target.set_defects([defect]) == [defect]
    try:
        assert probe(target) is False, f"{defect}: behaviour not visibly broken"
    finally:
        assert target.set_defects([]) == []
    assert probe(target) is True, f"{defect}: behaviour not restored by set_defects([])"


def test_defects_can_be_combined_and_reset(target: RunningTarget) -> None:
    assert target.set_defects(["authz_iss_missing", "jwks_private_key"]) == ["authz_iss_missing", "jwks_private_key"]
    assert not probe_authz_iss_missing(target)
    assert not probe_jwks_private_key(target)
    target.reset()
    assert target.defects() == []
    assert probe_jwks_private_key(target)


def test_start_with_defects_active() -> None:
    with ReferenceTarget.start(defects=["discovery_wrong_issuer"]) as running:
        assert running.defects() == ["discovery_wrong_issuer"]
        assert not probe_discovery_wrong_issuer(running)

