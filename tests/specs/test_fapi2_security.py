from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.results import CheckFailed, Finding, Level
from harness.specs import fapi2_security as f

ISSUER = "https://as.example"
PUSHED = {"request_uri": "urn:ietf:params:oauth:request_uri:abc", "expires_in": 60}


def test_push_refused_passes_on_error_or_hollow_answer() -> None:
    f.check_push_refused(400, {"error": "invalid_request"}, code="X", what="w", requirement="FAPI2SP-5.3.2.2-PKCE")
    f.check_push_refused(201, {"expires_in": 60}, code="X", what="w", requirement="FAPI2SP-5.3.2.2-PKCE")


def _raised(fn: Callable[..., object], *args: Any, **kwargs: Any) -> Finding:
    # the check takes its own "code" argument, so no fails() helper
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kwargs)
    return info.value.findings[0]


def test_push_accepted_fails() -> None:
    found = _raised(f.check_push_refused, 201, PUSHED, code="FAPI2_PKCE_NOT_REQUIRED", what="w",
                    requirement="FAPI2SP-5.3.2.2-PKCE")
    assert (found.code, found.requirement, found.level) == ("FAPI2_PKCE_NOT_REQUIRED", "FAPI2SP-5.3.2.2-PKCE",
                                                            Level.MUST)


def test_front_channel_error_passes() -> None:
    f.check_front_channel_no_tokens({"error": "unsupported_response_type", "state": "s"}, response_type="token")
    f.check_front_channel_no_tokens({}, response_type="code id_token")


@pytest.mark.parametrize("issued", ["code", "access_token", "id_token"])
def test_front_channel_token_fails(fails: Callable[..., Finding], issued: str) -> None:
    fails(f.check_front_channel_no_tokens, {issued: "x"}, response_type="code id_token",
          code="FAPI2_RESPONSE_TYPE_NOT_CODE_ACCEPTED", req="FAPI2SP-5.3.2.2-RESPONSE_TYPE")


def test_plain_request() -> None:
    f.check_plain_request_refused({"error": "invalid_request"}, redirected=True)
    f.check_plain_request_refused({}, redirected=False)


def test_plain_request_with_code_fails(fails: Callable[..., Finding]) -> None:
    fails(f.check_plain_request_refused, {"code": "c"}, redirected=True, code="FAPI2_PLAIN_REQUEST_ACCEPTED",
          req="FAPI2SP-5.3.2.2-PAR")


@pytest.mark.parametrize("lifetime", [10, 599, 599.5])
def test_request_uri_lifetime_under_600(lifetime: float) -> None:
    assert f.check_request_uri_lifetime(201, {**PUSHED, "expires_in": lifetime}) == lifetime


@pytest.mark.parametrize(("lifetime", "code"), [(600, "FAPI2_REQUEST_URI_LIFETIME_TOO_LONG"),
                                                (3600, "FAPI2_REQUEST_URI_LIFETIME_TOO_LONG"),
                                                (None, "FAPI2_REQUEST_URI_LIFETIME_UNKNOWN"),
                                                ("60", "FAPI2_REQUEST_URI_LIFETIME_UNKNOWN"),
                                                (True, "FAPI2_REQUEST_URI_LIFETIME_UNKNOWN")])
def test_request_uri_lifetime_bad(fails: Callable[..., Finding], lifetime: object, code: str) -> None:
    fails(f.check_request_uri_lifetime, 201, {**PUSHED, "expires_in": lifetime}, code=code,
          req="FAPI2SP-5.3.2.2-REQUEST_URI_LIFETIME")


def test_iss() -> None:
    f.check_iss_in_response({"code": "c", "iss": ISSUER}, ISSUER)


@pytest.mark.parametrize(("params", "code"), [({"code": "c"}, "FAPI2_ISS_MISSING"),
                                              ({"code": "c", "iss": ISSUER + "/"}, "FAPI2_ISS_WRONG")])
def test_iss_bad(fails: Callable[..., Finding], params: dict[str, str], code: str) -> None:
    fails(f.check_iss_in_response, params, ISSUER, code=code, req="FAPI2SP-5.3.2.2-ISS")


def test_token_refused() -> None:
    f.check_token_refused(400, {"error": "unsupported_grant_type"}, code="X", what="w",
                          requirement="FAPI2SP-5.3.2.1-PASSWORD")
    f.check_token_refused(200, {}, code="X", what="w", requirement="FAPI2SP-5.3.2.1-PASSWORD")


def test_token_issued_fails() -> None:
    found = _raised(f.check_token_refused, 200, {"access_token": "a", "token_type": "Bearer"},
                    code="FAPI2_PASSWORD_GRANT_ACCEPTED", what="w", requirement="FAPI2SP-5.3.2.1-PASSWORD")
    assert (found.code, found.requirement) == ("FAPI2_PASSWORD_GRANT_ACCEPTED", "FAPI2SP-5.3.2.1-PASSWORD")


@pytest.mark.parametrize("status", [400, 401])
def test_client_authentication_required(status: int) -> None:
    f.check_client_authentication_required(status, {"error": "invalid_client"}, endpoint="PAR endpoint",
                                           requirement="FAPI2SP-5.3.2.2-PAR_AUTH")


@pytest.mark.parametrize(("status", "body"), [(201, PUSHED), (400, {"error": "invalid_grant"}),
                                              (400, {"error": "invalid_request"}), (200, {"access_token": "a"})])
def test_client_authentication_not_required_fails(fails: Callable[..., Finding], status: int,
                                                  body: dict[str, Any]) -> None:
    fails(f.check_client_authentication_required, status, body, endpoint="token endpoint",
          requirement="FAPI2SP-5.3.2.1-CONFIDENTIAL", code="FAPI2_UNAUTHENTICATED_REQUEST_ACCEPTED",
          req="FAPI2SP-5.3.2.1-CONFIDENTIAL")


def test_sender_constrained_issuance() -> None:
    f.check_sender_constrained_issuance(400, {"error": "invalid_dpop_proof"})


def test_unbound_token_fails(fails: Callable[..., Finding]) -> None:
    fails(f.check_sender_constrained_issuance, 200, {"access_token": "a", "token_type": "Bearer"},
          code="FAPI2_UNBOUND_TOKEN_ISSUED", req="FAPI2SP-5.3.2.1-SENDER")


@pytest.mark.parametrize("token_type", ["DPoP", "dpop"])
def test_token_type_dpop(token_type: str) -> None:
    f.check_token_type_dpop({"token_type": token_type})


@pytest.mark.parametrize("body", [{"token_type": "Bearer"}, {}])
def test_token_type_not_dpop_fails(fails: Callable[..., Finding], body: dict[str, Any]) -> None:
    fails(f.check_token_type_dpop, body, code="FAPI2_TOKEN_NOT_DPOP_BOUND", req="FAPI2SP-5.3.2.1-SENDER")


@pytest.mark.parametrize("body", [{"access_token": "a"}, {"access_token": "a", "refresh_token": "old"}])
def test_refresh_not_rotated(body: dict[str, Any]) -> None:
    f.check_refresh_not_rotated("old", body)


def test_refresh_rotated_warns(fails: Callable[..., Finding]) -> None:
    fails(f.check_refresh_not_rotated, "old", {"refresh_token": "new"}, code="FAPI2_REFRESH_TOKEN_ROTATED",
          req="FAPI2SP-5.3.2.1-ROTATION", level=Level.SHOULD)


def test_code_expired() -> None:
    f.check_code_expired(400, {"error": "invalid_grant"}, waited_s=12)


def test_code_outlives_fails(fails: Callable[..., Finding]) -> None:
    fails(f.check_code_expired, 200, {"access_token": "a"}, waited_s=62, code="FAPI2_CODE_OUTLIVES_60S",
          req="FAPI2SP-5.3.2.1-CODE_LIFETIME")


GOOD_METADATA = {"issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/auth", "token_endpoint": f"{ISSUER}/token",
                 "jwks_uri": f"{ISSUER}/jwks", "pushed_authorization_request_endpoint": f"{ISSUER}/par",
                 "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"],
                 "code_challenge_methods_supported": ["S256"],
                 "dpop_signing_alg_values_supported": ["ES256", "RS256"],
                 "id_token_signing_alg_values_supported": ["RS256", "PS256"],
                 "userinfo_signing_alg_values_supported": ["ES256", "none"],
                 "token_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256", "ES256"]}
_FAPI: dict[str, Any] = {"dpop": True, "auth_method": "private_key_jwt", "openid": True}


def test_metadata_good() -> None:
    f.check_metadata(GOOD_METADATA, **_FAPI)
    optional = ("_methods_supported", "_alg_values_supported")
    f.check_metadata({k: v for k, v in GOOD_METADATA.items() if not k.endswith(optional)}, dpop=True)
    f.check_metadata({**GOOD_METADATA, "dpop_signing_alg_values_supported": ["RS256"]}, dpop=False)
    # lists the conditions do not reach: no openid client, no private_key_jwt advertised (an mTLS server)
    f.check_metadata({**GOOD_METADATA, "id_token_signing_alg_values_supported": ["RS256"]}, dpop=True)
    f.check_metadata({**GOOD_METADATA, "token_endpoint_auth_methods_supported": ["tls_client_auth"],
                      "token_endpoint_auth_signing_alg_values_supported": ["RS256"]}, dpop=True,
                     auth_method="tls_client_auth", openid=True)


@pytest.mark.parametrize(("change", "code", "req"), [
    ({"pushed_authorization_request_endpoint": None}, "FAPI2_METADATA_MISSING", "FAPI2SP-5.3.2.1-METADATA"),
    ({"token_endpoint_auth_methods_supported": ["client_secret_basic"]}, "FAPI2_METADATA_NO_FAPI_AUTH_METHOD",
     "FAPI2SP-5.3.2.1-CLIENTAUTH"),
    ({"token_endpoint_auth_methods_supported": ["tls_client_auth"]}, "FAPI2_METADATA_CLIENT_AUTH_METHOD_MISSING",
     "FAPI2SP-5.3.2.1-CLIENTAUTH"),
    ({"token_endpoint_auth_methods_supported": None}, "FAPI2_METADATA_CLIENT_AUTH_METHOD_MISSING",
     "FAPI2SP-5.3.2.1-CLIENTAUTH"),
    ({"code_challenge_methods_supported": ["plain"]}, "FAPI2_METADATA_NO_S256", "FAPI2SP-5.3.2.2-PKCE"),
    ({"dpop_signing_alg_values_supported": ["RS256"]}, "FAPI2_METADATA_NO_FAPI_ALG", "FAPI2SP-5.4.1-ALGS"),
    ({"id_token_signing_alg_values_supported": ["RS256"]}, "FAPI2_METADATA_NO_FAPI_ALG", "FAPI2SP-5.4.1-ALGS"),
    ({"userinfo_signing_alg_values_supported": ["RS256", "none"]}, "FAPI2_METADATA_NO_FAPI_ALG",
     "FAPI2SP-5.4.1-ALGS"),
    ({"token_endpoint_auth_signing_alg_values_supported": ["RS256"]}, "FAPI2_METADATA_NO_FAPI_ALG",
     "FAPI2SP-5.4.1-ALGS"),
])
def test_metadata_bad(fails: Callable[..., Finding], change: dict[str, object], code: str, req: str) -> None:
    metadata = {k: v for k, v in {**GOOD_METADATA, **change}.items() if v is not None}
    fails(f.check_metadata, metadata, **_FAPI, code=code, req=req)


@pytest.mark.parametrize("answer", [(401, {"error": "invalid_client"}), (400, {"error": "invalid_request"})])
def test_assertion_refused_passes(answer: tuple[int, dict[str, str]]) -> None:
    f.check_assertion_refused(*answer, endpoint="token_endpoint", what="w", code="X", requirement="RFC7523-3-sub")


@pytest.mark.parametrize("answer", [(400, {"error": "invalid_grant"}), (201, PUSHED), (500, None),
                                    (200, {"error": "invalid_client"})])
def test_assertion_accepted_fails(answer: tuple[int, dict[str, Any] | None]) -> None:
    found = _raised(f.check_assertion_refused, *answer, endpoint="par", what="w", code="FAPI2_X",
                    requirement="RFC7523-3-sub")
    assert (found.code, found.requirement, found.level) == ("FAPI2_X", "RFC7523-3-sub", Level.MUST)


def test_accepted_push() -> None:
    assert f.accepted_push_or_fail(201, PUSHED, what="w", requirement="RFC6749-4.1.2") == PUSHED["request_uri"]


def test_refused_valid_push_fails(fails: Callable[..., Finding]) -> None:
    fails(f.accepted_push_or_fail, 400, {"error": "invalid_request"}, what="w", requirement="RFC6749-4.1.2",
          code="FAPI2_VALID_REQUEST_REFUSED", req="RFC6749-4.1.2")


@pytest.mark.parametrize("alg", ["PS256", "ES256", "EdDSA"])
def test_fapi_alg(alg: str) -> None:
    f.check_fapi_alg(alg, what="the JARM response")


@pytest.mark.parametrize("alg", ["RS256", "HS256", "none", None])
def test_fapi_alg_bad(fails: Callable[..., Finding], alg: str | None) -> None:
    fails(f.check_fapi_alg, alg, what="the JARM response", code="FAPI2_JWT_ALG_NOT_ALLOWED", req="FAPI2SP-5.4.1-ALGS")


def test_backchannel() -> None:
    f.check_backchannel_refused(400, {"error": "invalid_request"}, code="X", what="w", requirement="FAPICIBA-7.10")
    f.check_backchannel_acknowledged(200, {"auth_req_id": "a", "expires_in": 60}, what="w",
                                     requirement="FAPICIBA-7.10")


def test_backchannel_acknowledged_when_it_must_not() -> None:
    found = _raised(f.check_backchannel_refused, 200, {"auth_req_id": "a"}, code="FAPICIBA_RS256_ACCEPTED",
                    what="w", requirement="FAPICIBA-7.10")
    assert (found.code, found.requirement) == ("FAPICIBA_RS256_ACCEPTED", "FAPICIBA-7.10")


@pytest.mark.parametrize(("status", "body"), [(400, {"error": "invalid_request"}), (200, {})])
def test_backchannel_refused_when_valid(fails: Callable[..., Finding], status: int, body: dict[str, Any]) -> None:
    fails(f.check_backchannel_acknowledged, status, body, what="w", requirement="FAPICIBA-7.10",
          code="FAPICIBA_VALID_REQUEST_REFUSED", req="FAPICIBA-7.10")


@pytest.mark.parametrize("token", ["abc-DEF_123.~+/=", "with space", "!~"])
def test_refresh_token_syntax_good(token: str) -> None:
    f.check_refresh_token_syntax(token)


@pytest.mark.parametrize("token", ["", "tab\there", "caf\u00e9", "nl\n"])
def test_refresh_token_syntax_bad(fails: Callable[..., Finding], token: str) -> None:
    found = fails(f.check_refresh_token_syntax, token, code="FAPI2_REFRESH_TOKEN_SYNTAX", req="RFC6749-A.17")
    assert token[:2] not in str(found.actual) or not token


def test_tokens_after_ping_answer_pass_with_an_access_token() -> None:
    f.check_tokens_after_ping_answer(200, {"access_token": "at", "token_type": "Bearer"}, answered="HTTP 401")


@pytest.mark.parametrize(("status", "body"), [(400, {"error": "invalid_grant"}), (200, {}), (200, {"access_token": ""}),
                                              (400, None)])
def test_tokens_after_ping_answer_fail_without_tokens(status: int, body: dict[str, str] | None) -> None:
    found = _raised(f.check_tokens_after_ping_answer, status, body, answered="HTTP 403")
    # CIBA §10.2 leaves 4xx handling out of scope: a SHOULD-level finding, never a failure
    assert (found.code, found.requirement, found.level) == ("CIBA_TOKENS_WITHHELD_AFTER_PING_ANSWER", "CIBA-10.1.1",
                                                            Level.SHOULD)
    assert "HTTP 403" in found.message


def test_tokens_after_ping_with_body_is_a_should() -> None:
    found = _raised(f.check_tokens_after_ping_answer, 400, {"error": "invalid_grant"}, answered="HTTP 200 with a body",
                    requirement="CIBA-10.2-ok_body", level=Level.SHOULD)
    assert (found.requirement, found.level) == ("CIBA-10.2-ok_body", Level.SHOULD)


def test_ping_redirect_not_followed() -> None:
    f.check_ping_redirect_not_followed(0, location="https://rp/cb/moved")
    found = _raised(f.check_ping_redirect_not_followed, 1, location="https://rp/cb/moved")
    assert (found.code, found.requirement, found.level) == ("CIBA_PING_REDIRECT_FOLLOWED", "CIBA-10.2-redirects",
                                                            Level.MUST)


def test_sender_constrained_issuance_names_the_given_rule() -> None:
    f.check_sender_constrained_issuance(400, {"error": "invalid_grant"}, requirement="FAPI1ADV-5.2.2-5")
    found = _raised(f.check_sender_constrained_issuance, 200, {"access_token": "at", "token_type": "Bearer"},
                    requirement="FAPI1ADV-5.2.2-5", code="FAPICIBA_UNBOUND_TOKEN_ISSUED")
    assert (found.code, found.requirement, found.level) == ("FAPICIBA_UNBOUND_TOKEN_ISSUED", "FAPI1ADV-5.2.2-5",
                                                            Level.MUST)


def test_future_jwt_push_accepted_returns_the_request_uri() -> None:
    assert f.future_jwt_push_accepted(201, {"request_uri": "urn:x", "expires_in": 60}, what="x") == "urn:x"


@pytest.mark.parametrize("status", [400, 401])
def test_future_jwt_push_refused_is_a_warning(fails: Callable[..., Finding], status: int) -> None:
    fails(f.future_jwt_push_accepted, status, {"error": "invalid_request_object"}, what="a request object",
          code="FAPI2_FUTURE_JWT_REFUSED", req="FAPI2SP-5.3.2.1-CLOCK", level=Level.SHOULD)


CIBA_METADATA: dict[str, Any] = {
    "backchannel_authentication_endpoint": f"{ISSUER}/backchannel",
    "backchannel_token_delivery_modes_supported": ["poll", "ping"],
    "backchannel_authentication_request_signing_alg_values_supported": ["PS256", "RS256"],
    "backchannel_user_code_parameter_supported": True,
    "grant_types_supported": ["authorization_code", "urn:openid:params:grant-type:ciba"],
    "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"],
    "token_endpoint_auth_signing_alg_values_supported": ["ES256", "RS256"],
    "id_token_signing_alg_values_supported": ["PS256", "RS256"],
    "tls_client_certificate_bound_access_tokens": True,
}


def _ciba_findings(metadata: dict[str, Any], **kwargs: Any) -> list[Finding]:
    options: dict[str, Any] = {"delivery_mode": "poll", "auth_method": "private_key_jwt", "certificate_bound": True,
                               **kwargs}
    try:
        f.check_ciba_metadata(metadata, **options)
    except CheckFailed as failed:
        return list(failed.findings)
    return []


def test_ciba_metadata_passes_with_other_values_next_to_fapi_ones() -> None:
    assert _ciba_findings(CIBA_METADATA) == []
    # optional members left out: no user_code support, no certificate binding asked for
    lean = {k: v for k, v in CIBA_METADATA.items()
            if k not in ("backchannel_user_code_parameter_supported", "tls_client_certificate_bound_access_tokens")}
    assert _ciba_findings(lean, certificate_bound=False) == []


@pytest.mark.parametrize(("change", "code", "level"), [
    ({"backchannel_authentication_endpoint": None}, "FAPICIBA_METADATA_NO_BACKCHANNEL_ENDPOINT", Level.MUST),
    ({"backchannel_authentication_endpoint": "http://as.example/bc"}, "FAPICIBA_METADATA_NO_BACKCHANNEL_ENDPOINT",
     Level.MUST),
    ({"backchannel_token_delivery_modes_supported": ["ping"]}, "FAPICIBA_METADATA_DELIVERY_MODE_MISSING", Level.MUST),
    ({"backchannel_token_delivery_modes_supported": None}, "FAPICIBA_METADATA_DELIVERY_MODE_MISSING", Level.MUST),
    ({"backchannel_authentication_request_signing_alg_values_supported": ["RS256"]},
     "FAPICIBA_METADATA_NO_REQUEST_SIGNING_ALG", Level.SHOULD),
    ({"backchannel_authentication_request_signing_alg_values_supported": None},
     "FAPICIBA_METADATA_NO_REQUEST_SIGNING_ALG", Level.SHOULD),
    ({"grant_types_supported": None}, "FAPICIBA_METADATA_NO_CIBA_GRANT", Level.SHOULD),
    ({"token_endpoint_auth_methods_supported": ["tls_client_auth"]}, "FAPICIBA_METADATA_AUTH_METHOD_MISSING",
     Level.SHOULD),
    ({"id_token_signing_alg_values_supported": ["RS256"]}, "FAPICIBA_METADATA_NO_FAPI_ALG", Level.MUST),
    ({"token_endpoint_auth_signing_alg_values_supported": ["RS256"]}, "FAPICIBA_METADATA_NO_FAPI_ALG", Level.MUST),
    ({"userinfo_signing_alg_values_supported": ["RS256", "none"]}, "FAPICIBA_METADATA_NO_FAPI_ALG", Level.MUST),
    ({"tls_client_certificate_bound_access_tokens": None}, "FAPICIBA_METADATA_NO_CERTIFICATE_BINDING", Level.MUST),
])
def test_ciba_metadata_findings(change: dict[str, Any], code: str, level: Level) -> None:
    metadata = {**CIBA_METADATA, **change}
    metadata = {k: v for k, v in metadata.items() if v is not None}
    found = _ciba_findings(metadata)
    assert [(x.code, x.level) for x in found] == [(code, level)]


def test_ciba_metadata_binding_only_for_a_bound_client() -> None:
    metadata = {k: v for k, v in CIBA_METADATA.items() if k != "tls_client_certificate_bound_access_tokens"}
    assert _ciba_findings(metadata, certificate_bound=False) == []


@pytest.mark.parametrize("status", [400, 401])
def test_client_id_of_certificate_enforced_passes_on_invalid_client(status: int) -> None:
    f.check_client_id_of_certificate_enforced(status, {"error": "invalid_client"}, endpoint="token endpoint", code="X")


@pytest.mark.parametrize(("status", "body"), [
    (200, {"auth_req_id": "abc", "expires_in": 120}),
    (200, {"access_token": "at", "token_type": "Bearer"}),
    (400, {"error": "invalid_grant"}),
    (400, {"error": "invalid_request"}),
    (500, {"error": "invalid_client"}),
])
def test_client_id_of_certificate_not_enforced_fails(status: int, body: dict[str, Any]) -> None:
    found = _raised(f.check_client_id_of_certificate_enforced, status, body, endpoint="backchannel endpoint",
                    code="FAPICIBA_CERTIFICATE_CLIENT_ID_MISMATCH_ACCEPTED")
    assert (found.code, found.requirement, found.level) == ("FAPICIBA_CERTIFICATE_CLIENT_ID_MISMATCH_ACCEPTED",
                                                            "RFC8705-2", Level.MUST)
