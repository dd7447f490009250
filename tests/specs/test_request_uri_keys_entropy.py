"""Pure judging of request objects by reference, key rotation and credential entropy (issue 17 items 5, 6)."""

from __future__ import annotations

import secrets

import pytest

from harness import jose
from harness.results import CheckFailed, Level
from harness.specs import oidc_keys, oidc_request_uri, token_entropy


def _codes(exc: pytest.ExceptionInfo[CheckFailed]) -> set[str]:
    return {f.code for f in exc.value.findings}


def test_by_reference_needs_a_fetch_and_the_objects_state() -> None:
    assert oidc_request_uri.check_by_reference_accepted({"code": "c", "state": "s"}, state="s", fetches=1) == "c"
    with pytest.raises(CheckFailed) as exc:
        oidc_request_uri.check_by_reference_accepted({"code": "c", "state": "s"}, state="s", fetches=0)
    assert _codes(exc) == {"REQUEST_URI_NOT_FETCHED"}
    with pytest.raises(CheckFailed) as exc:
        oidc_request_uri.check_by_reference_accepted({"error": "invalid_request_uri"}, state="s", fetches=1)
    assert _codes(exc) == {"REQUEST_URI_REFUSED"}
    with pytest.raises(CheckFailed) as exc:
        oidc_request_uri.check_by_reference_accepted({"code": "c", "state": "outer"}, state="s", fetches=1)
    assert _codes(exc) == {"REQUEST_URI_STATE_NOT_FROM_OBJECT"}


def test_unsigned_accepted_for_a_none_client() -> None:
    assert oidc_request_uri.check_unsigned_accepted({"code": "c", "state": "s"}, state="s",
                                                    requirement="DOC-request_object_signing_alg") == "c"
    with pytest.raises(CheckFailed) as exc:
        oidc_request_uri.check_unsigned_accepted({"error": "invalid_request_object"}, state="s",
                                                 requirement="DOC-request_object_signing_alg")
    assert _codes(exc) == {"UNSIGNED_REQUEST_OBJECT_REFUSED"}


def test_unfetchable_request_uri() -> None:
    oidc_request_uri.check_unfetchable_refused({"error": "invalid_request_uri"}, redirected=True)
    oidc_request_uri.check_unfetchable_refused({}, redirected=False)  # an error page
    with pytest.raises(CheckFailed) as exc:
        oidc_request_uri.check_unfetchable_refused({"code": "c"}, redirected=True)
    assert exc.value.findings[0].level is Level.MUST
    with pytest.raises(CheckFailed) as exc:
        oidc_request_uri.check_unfetchable_refused({"error": "invalid_request"}, redirected=True)
    assert exc.value.findings[0].code == "REQUEST_URI_WRONG_ERROR" and exc.value.findings[0].level is Level.SHOULD


def test_redirect_query() -> None:
    registered = "https://rp.example/cb?tenant=a"
    assert oidc_request_uri.changed_query(registered) == "https://rp.example/cb?tenant=ax"
    assert oidc_request_uri.check_redirect_query_retained(
        "https://rp.example/cb?tenant=a&code=c&state=s", registered, params={"code": "c"}) == "c"
    with pytest.raises(CheckFailed) as exc:
        oidc_request_uri.check_redirect_query_retained("https://rp.example/cb?code=c", registered,
                                                       params={"code": "c"})
    assert _codes(exc) == {"REDIRECT_URI_QUERY_DROPPED"}
    with pytest.raises(CheckFailed) as exc:
        oidc_request_uri.check_redirect_query_retained(None, registered, params={})
    assert _codes(exc) == {"REDIRECT_URI_WITH_QUERY_REFUSED"}


def _decoded(kid: str) -> jose.DecodedJWT:
    key = jose.generate_key("RSA", label=kid)
    token = jose.sign_jws({"alg": "RS256", "kid": kid}, {"sub": "x"}, key)
    return jose.decode_unverified(token)


def test_rotation_and_retention() -> None:
    before, after = _decoded("old"), _decoded("new")
    assert oidc_keys.rotation_took_effect(before, after)
    assert not oidc_keys.rotation_took_effect(before, _decoded("old"))
    public = {kid: {**jose.public_jwk(jose.generate_key("RSA", label=kid)), "kid": kid} for kid in ("old", "new")}
    with_old = jose.parse_jwks({"keys": [public["old"], public["new"]]})
    oidc_keys.check_previous_key_retained(before, with_old)
    without_old = jose.parse_jwks({"keys": [public["new"]]})
    with pytest.raises(CheckFailed) as exc:
        oidc_keys.check_previous_key_retained(before, without_old)
    assert exc.value.findings[0].code == "PREVIOUS_SIGNING_KEY_DROPPED"
    assert exc.value.findings[0].level is Level.SHOULD


def test_credential_entropy() -> None:
    strong = [secrets.token_urlsafe(32) for _ in range(5)]
    assert token_entropy.check_credential_entropy(strong, kind="ACCESS_TOKEN", label="access token") >= 160
    weak = [secrets.token_hex(4) for _ in range(5)]
    with pytest.raises(CheckFailed) as exc:
        token_entropy.check_credential_entropy(weak, kind="DEVICE_CODE", label="device_code")
    assert _codes(exc) == {"DEVICE_CODE_ENTROPY_LOW"}
    with pytest.raises(CheckFailed) as exc:
        token_entropy.check_credential_entropy(["same", "same", "x"], kind="REFRESH_TOKEN", label="refresh token")
    assert _codes(exc) == {"REFRESH_TOKEN_REPEATED"}
    middle = [secrets.token_hex(18) for _ in range(5)]  # 144 bits: below the 160 recommended
    with pytest.raises(CheckFailed) as exc:
        token_entropy.check_credential_entropy(middle, kind="ACCESS_TOKEN", label="access token",
                                               recommended_requirement="RFC8628-5.2")
    assert exc.value.findings[0].level is Level.SHOULD
    assert exc.value.findings[0].requirement == "RFC8628-5.2"
