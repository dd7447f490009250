"""harness.specs.documented: documented lifetimes and CIBA user-code support, good and bad inputs."""

from __future__ import annotations

from typing import Any

from harness.specs import documented as d

ID_TOKEN: dict[str, Any] = {"requirement": "DOC-id_token_lifetime_s", "what": "ID Token", "code_prefix": "ID_TOKEN"}
REFRESH: dict[str, Any] = {"requirement": "DOC-refresh.lifetime_s", "what": "refresh token", "code_prefix": "REFRESH"}


def test_documented_lifetime(fails: Any) -> None:
    assert d.check_documented_lifetime({"iat": 100, "exp": 400}, 300, **ID_TOKEN) == 300
    assert d.check_documented_lifetime({"iat": 100, "exp": 401}, 300, **ID_TOKEN) == 301  # whole-second rounding
    fails(d.check_documented_lifetime, {"iat": 100, "exp": 700}, 300, **ID_TOKEN, code="ID_TOKEN_LIFETIME_MISMATCH",
          req="DOC-id_token_lifetime_s")
    fails(d.check_documented_lifetime, {"iat": 0, "exp": 7200}, 3600, **REFRESH, code="REFRESH_LIFETIME_MISMATCH")
    fails(d.check_documented_lifetime, {"exp": 3600}, 3600, **REFRESH, code="REFRESH_LIFETIME_UNKNOWN")
    fails(d.check_documented_lifetime, {"iat": True, "exp": 3600}, 3600, **REFRESH, code="REFRESH_LIFETIME_UNKNOWN")


def test_user_code_support(codes: Any) -> None:
    d.check_user_code_support(True, 200, {"auth_req_id": "x"})
    assert codes(d.check_user_code_support, None, 200, {"auth_req_id": "x"}) == ["CIBA_USER_CODE_UNADVERTISED"]
    assert codes(d.check_user_code_support, False, 400, {"error": "invalid_request"}) == [
        "CIBA_USER_CODE_UNADVERTISED", "CIBA_USER_CODE_REFUSED"]


def test_confirmation_bypassed(fails: Any) -> None:
    d.check_confirmation_bypassed(True, False)
    d.check_confirmation_bypassed(False, True)
    fails(d.check_confirmation_bypassed, True, True, code="DEVICE_CONFIRMATION_DESPITE_BYPASS",
          req="DOC-device_bypass_activation_code_confirmation")


def test_response_type_restricted(fails: Any) -> None:
    d.check_response_type_restricted("code id_token", ["code"], {"error": "invalid_request", "state": "s"})
    fails(d.check_response_type_restricted, "code id_token", ["code"], {"code": "c", "id_token": "t"},
          code="RESPONSE_TYPE_NOT_RESTRICTED", req="DOC-restrict_response_types")


def test_scope_restricted(fails: Any) -> None:
    d.check_scope_restricted("email", ["openid"], True, {"error": "invalid_scope"})
    fails(d.check_scope_restricted, "email", ["openid"], True, {"code": "c"}, code="SCOPE_NOT_RESTRICTED",
          req="DOC-restrict_scopes")
    fails(d.check_scope_restricted, "email", ["openid"], True, {"error": "invalid_request"},
          code="SCOPE_NOT_RESTRICTED")
    fails(d.check_scope_restricted, "email", ["openid"], False, {}, code="SCOPE_NOT_RESTRICTED")


def test_outside_only_parameter_ignored(fails: Any) -> None:
    d.check_outside_only_parameter_ignored({"code": "c", "iss": "i"}, redirected=True, outside_state="o")
    fails(d.check_outside_only_parameter_ignored, {"code": "c", "state": "o"}, redirected=True, outside_state="o",
          code="JAR_OUTSIDE_ONLY_PARAMETER_USED", req="DOC-outside_parameters_ignored")
    fails(d.check_outside_only_parameter_ignored, {"error": "invalid_request"}, redirected=True, outside_state="o",
          code="JAR_OUTSIDE_ONLY_PARAMETER_ERROR")
    fails(d.check_outside_only_parameter_ignored, {}, redirected=False, outside_state="o",
          code="JAR_OUTSIDE_ONLY_PARAMETER_ERROR")


def test_disabled_client_refused(codes: Any) -> None:
    d.check_disabled_client_refused(401, {"error": "invalid_client"}, code_issued=False)
    d.check_disabled_client_refused(400, {"error": "invalid_client"}, code_issued=False)
    assert codes(d.check_disabled_client_refused, 400, {"error": "invalid_grant"}, code_issued=False) == [
        "DISABLED_CLIENT_AUTHENTICATED"]
    assert codes(d.check_disabled_client_refused, 200, {"access_token": "x"}, code_issued=True) == [
        "DISABLED_CLIENT_AUTHENTICATED", "DISABLED_CLIENT_AUTHORIZED"]


def test_authorization_approval(fails: Any) -> None:
    d.check_authorization_approval(True, False)
    d.check_authorization_approval(False, True)
    fails(d.check_authorization_approval, True, True, code="CONSENT_SHOWN_DESPITE_BYPASS",
          req="DOC-bypass_authorization_approval")
    fails(d.check_authorization_approval, False, False, code="CONSENT_NOT_SHOWN")


def test_jwks_cache_duration(fails: Any) -> None:
    assert d.max_age("public, max-age=600") == 600
    assert d.max_age('max-age="43200", must-revalidate') == 43200
    assert d.max_age("no-store") is None and d.max_age(None) is None and d.max_age("max-age=abc") is None
    d.check_jwks_cache_duration("max-age=43200", 43200)
    fails(d.check_jwks_cache_duration, "max-age=60", 600, code="JWKS_CACHE_DURATION_MISMATCH",
          req="DOC-access_token.jwks_cache_duration_s")
    fails(d.check_jwks_cache_duration, None, 600, code="JWKS_CACHE_DURATION_MISMATCH")


def test_access_token_issuer(fails: Any) -> None:
    d.check_access_token_issuer({"iss": "https://as"}, "https://as")
    d.check_access_token_issuer({"sub": "u"}, "")
    fails(d.check_access_token_issuer, {"iss": "https://as/atm"}, "https://as", code="AT_ISS_NOT_DOCUMENTED",
          req="DOC-access_token.issuer")
    fails(d.check_access_token_issuer, {}, "https://as", code="AT_ISS_NOT_DOCUMENTED")
    fails(d.check_access_token_issuer, {"iss": "https://as"}, "", code="AT_ISS_PRESENT")


def test_typ_omitted(fails: Any) -> None:
    d.check_typ_omitted({"alg": "RS256", "kid": "k"})
    fails(d.check_typ_omitted, {"alg": "RS256", "typ": "at+jwt"}, code="AT_TYP_PRESENT", req="DOC-access_token.typ")


def test_typ_omitted_keeps_the_rfc_finding(codes: Any) -> None:
    """Issue 21 item 2: PingFederate's default (no typ) behaves as documented and still fails RFC 9068 §2.1."""
    from harness.results import Findings
    from harness.specs import rfc9068

    def both(header: dict[str, Any]) -> None:
        findings = Findings()
        findings.check(rfc9068.check_typ, header)
        findings.check(d.check_typ_omitted, header)
        findings.raise_if_any()

    assert codes(both, {"alg": "RS256"}) == ["AT_TYP_NOT_AT_JWT"]
    assert codes(both, {"alg": "RS256", "typ": "JWT"}) == ["AT_TYP_NOT_AT_JWT", "AT_TYP_PRESENT"]


def test_verification_uri(codes: Any) -> None:
    uri = "https://www.example.org/welcome"
    d.check_verification_uri({"verification_uri": uri, "verification_uri_complete": f"{uri}?user_code=ABCD"}, uri)
    d.check_verification_uri({"verification_uri": uri}, uri)
    assert codes(d.check_verification_uri, {"verification_uri": "https://as/device"}, uri) == [
        "DEVICE_VERIFICATION_URI_NOT_DOCUMENTED"]
    assert codes(d.check_verification_uri, {"verification_uri": uri,
                                            "verification_uri_complete": "https://as/device?user_code=A"}, uri) == [
        "DEVICE_VERIFICATION_URI_COMPLETE_NOT_DOCUMENTED"]


def test_par_status(codes: Any) -> None:
    d.check_par_status("enabled", plain_code_issued=True, push_status=201)
    d.check_par_status("required", plain_code_issued=False, push_status=201)
    d.check_par_status("disabled", plain_code_issued=True, push_status=None)
    d.check_par_status("disabled", plain_code_issued=True, push_status=400)
    assert codes(d.check_par_status, "required", plain_code_issued=True, push_status=201) == [
        "PAR_STATUS_REQUIRED_NOT_ENFORCED"]
    assert codes(d.check_par_status, "enabled", plain_code_issued=False, push_status=400) == [
        "PAR_STATUS_PLAIN_REFUSED", "PAR_STATUS_PUSH_REFUSED"]
    assert codes(d.check_par_status, "disabled", plain_code_issued=True, push_status=201) == [
        "PAR_STATUS_DISABLED_PUSH_ACCEPTED"]


def test_grant_id_claim(fails: Any) -> None:
    d.check_grant_id_claim({"grant_guid": "g-1"}, "grant_guid")
    fails(d.check_grant_id_claim, {"sub": "u"}, "grant_guid", code="AT_GRANT_ID_CLAIM_MISSING",
          req="DOC-access_token.grant_id_claim")
    fails(d.check_grant_id_claim, {"grant_guid": ""}, "grant_guid", code="AT_GRANT_ID_CLAIM_MISSING")


def test_wildcard_matching() -> None:
    assert d.wildcard_matches("https://rp.example/cb/*", "https://rp.example/cb/x1")
    assert d.wildcard_matches("https://*.rp.example/cb", "https://a.rp.example/cb")
    assert not d.wildcard_matches("https://rp.example/cb/*", "https://rp.example/other")
    assert not d.wildcard_matches("https://rp.example/cb.*", "https://rp.example/cbXy")  # "." is literal
    matching, others = d.wildcard_candidates("https://rp.example/cb/*", "t0k")
    assert matching == "https://rp.example/cb/t0k"
    assert others == ["https://t0k.not-registered.example.test/cb/t0k", "https://rp.example/not-registered-t0k"]
    assert d.wildcard_candidates("https://*", "t")[1] == []


def test_wildcard_redirect(fails: Any) -> None:
    d.check_wildcard_redirect("p*", "p1", matches=True, redirected=True, params={"code": "c"})
    d.check_wildcard_redirect("p*", "q", matches=False, redirected=False, params={})
    fails(d.check_wildcard_redirect, "p*", "p1", matches=True, redirected=False, params={},
          code="WILDCARD_REDIRECT_URI_REFUSED", req="DOC-redirect_uri_wildcards")
    fails(d.check_wildcard_redirect, "p*", "p1", matches=True, redirected=True, params={"error": "invalid_request"},
          code="WILDCARD_REDIRECT_URI_REFUSED")
    fails(d.check_wildcard_redirect, "p*", "q", matches=False, redirected=True, params={"error": "x"},
          code="WILDCARD_REDIRECT_URI_OVERBROAD")


def test_redirect_uri_mandatory(codes: Any) -> None:
    d.check_redirect_uri_mandatory(authorization_code_issued=False, token_issued=False)
    d.check_redirect_uri_mandatory(authorization_code_issued=False, token_issued=None)
    assert codes(d.check_redirect_uri_mandatory, authorization_code_issued=True, token_issued=True) == [
        "REDIRECT_URI_OPTIONAL_AT_AUTHORIZATION", "REDIRECT_URI_OPTIONAL_AT_TOKEN"]


def test_existing_grant_reused(fails: Any) -> None:
    d.check_existing_grant_reused(True, False)
    d.check_existing_grant_reused(False, True)
    fails(d.check_existing_grant_reused, True, True, code="EXISTING_GRANT_NOT_REUSED", req="DOC-reuse_existing_grants")
    fails(d.check_existing_grant_reused, False, False, code="EXISTING_GRANT_REUSED")


def test_pairwise_subject(codes: Any) -> None:
    d.check_pairwise_subject(["p1", "p1"], "u1")
    assert codes(d.check_pairwise_subject, ["u1", "u1"], "u1") == ["PAIRWISE_SUB_SHARED"]
    assert codes(d.check_pairwise_subject, ["p1", "u1"], "u1") == ["PAIRWISE_SUB_UNSTABLE", "PAIRWISE_SUB_SHARED"]


def test_grant_idle_timeout(fails: Any) -> None:
    d.check_grant_idle_timeout(400, {"error": "invalid_grant"}, 3)
    d.check_grant_idle_timeout(200, {"error": "x"}, 3)
    fails(d.check_grant_idle_timeout, 200, {"access_token": "a"}, 3, code="GRANT_IDLE_TIMEOUT_NOT_ENFORCED",
          req="DOC-persistent_grant_idle_timeout_s")


def _enc_keys() -> tuple[Any, Any]:
    from harness import jose

    key = jose.generate_key("RSA", label="doc-introspection-test", fresh=True)
    return key, jose.JWKS.from_keys([key])


def test_introspection_encrypted(fails: Any) -> None:
    from harness import jose

    key, keys = _enc_keys()
    signed = jose.sign_jws({"alg": "RS256", "typ": "token-introspection+jwt"},
                           {"token_introspection": {"active": True}}, jose.generate_key("RSA", label="as"))
    good = jose.encrypt_jwe(signed, key, "RSA-OAEP-256", "A256GCM")
    header = d.check_introspection_encrypted(good.encode(), keys, "RSA-OAEP-256", "A256GCM")
    assert header["enc"] == "A256GCM" and header["inner"]["alg"] == "RS256"
    fails(d.check_introspection_encrypted, signed.encode(), keys, "RSA-OAEP-256", "A256GCM",
          code="INTROSPECTION_NOT_ENCRYPTED", req="DOC-introspection_encryption")
    fails(d.check_introspection_encrypted, good.encode(), keys, "RSA-OAEP", "A256GCM",
          code="INTROSPECTION_ENCRYPTION_MISMATCH")
    _, other = _enc_keys()
    fails(d.check_introspection_encrypted, good.encode(), other, "RSA-OAEP-256", "A256GCM",
          code="INTROSPECTION_UNDECRYPTABLE")
    not_jwt = jose.encrypt_jwe(b'{"active": true}', key, "RSA-OAEP-256", "A256GCM")
    fails(d.check_introspection_encrypted, not_jwt.encode(), keys, "RSA-OAEP-256", "A256GCM",
          code="INTROSPECTION_INNER_NOT_JWT")


def test_client_decoupled_settings(codes: Any) -> None:
    kwargs: dict[str, Any] = {"requirement": "DOC-device_client_settings", "what": "device authorization"}
    d.check_client_decoupled_settings({"interval": 5, "expires_in": 600}, interval_s=5, lifetime_s=600, **kwargs)
    d.check_client_decoupled_settings({"interval": 5, "expires_in": 599}, interval_s=5, lifetime_s=600, **kwargs)
    d.check_client_decoupled_settings({"interval": 3}, interval_s=3, lifetime_s=None, **kwargs)
    assert codes(d.check_client_decoupled_settings, {"interval": 9, "expires_in": 700}, interval_s=5,
                 lifetime_s=600, **kwargs) == ["CLIENT_INTERVAL_NOT_DOCUMENTED", "CLIENT_LIFETIME_NOT_DOCUMENTED"]
    assert codes(d.check_client_decoupled_settings, {"expires_in": True}, interval_s=None, lifetime_s=1,
                 **kwargs) == ["CLIENT_LIFETIME_NOT_DOCUMENTED"]


def _jws(claims: dict[str, Any]) -> str:
    import base64
    import json

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2ln"


def test_exclusive_scope_uses_its_own_requirement(fails: Any) -> None:
    d.check_scope_restricted("doc:x", ["openid"], True, {"error": "invalid_scope"}, requirement="DOC-exclusive_scopes",
                             finding_code="EXCLUSIVE_SCOPE_NOT_RESTRICTED")
    fails(d.check_scope_restricted, "doc:x", ["openid"], True, {"code": "c"}, requirement="DOC-exclusive_scopes",
          finding_code="EXCLUSIVE_SCOPE_NOT_RESTRICTED", code="EXCLUSIVE_SCOPE_NOT_RESTRICTED",
          req="DOC-exclusive_scopes")


def test_default_scope_allowed(fails: Any) -> None:
    d.check_default_scope_allowed(redirected=True, params={"code": "c"}, token_issued=True)
    fails(d.check_default_scope_allowed, redirected=True, params={"error": "invalid_scope"}, token_issued=None,
          code="DEFAULT_SCOPE_REFUSED", req="DOC-default_scope_allowed")
    fails(d.check_default_scope_allowed, redirected=False, params={}, token_issued=None, code="DEFAULT_SCOPE_REFUSED")
    fails(d.check_default_scope_allowed, redirected=True, params={"code": "c"}, token_issued=False,
          code="DEFAULT_SCOPE_TOKEN_REFUSED")


def test_sector_subject_shared(fails: Any) -> None:
    d.check_sector_subject_shared({"a": "s1", "b": "s1"}, "https://sector.example.test/s.json")
    fails(d.check_sector_subject_shared, {"a": "s1", "b": "s2"}, "https://sector.example.test/s.json",
          code="SECTOR_SUB_NOT_SHARED", req="DOC-sector_identifier_uri")


def test_query_jwt_without_tokens(fails: Any) -> None:
    d.check_query_jwt_without_tokens("code id_token", {"response": _jws({"error": "invalid_request", "state": "s"})})
    d.check_query_jwt_without_tokens("code id_token", {"response": "a.b.c.d.e"})  # encrypted: may be in the query
    d.check_query_jwt_without_tokens("code id_token", {"error": "invalid_request"})
    d.check_query_jwt_without_tokens("code id_token", {})
    fails(d.check_query_jwt_without_tokens, "code id_token", {"response": _jws({"code": "c", "id_token": "t"})},
          code="JARM_QUERY_JWT_TOKEN_LEAKED", req="JARM-2.3.1", level="must")
    fails(d.check_query_jwt_without_tokens, "code token", {"access_token": "t"}, code="JARM_QUERY_JWT_TOKEN_LEAKED")


def test_replay_by_reference_refused(fails: Any) -> None:
    d.check_replay_by_reference_refused(second_push_status=400, second_code_issued=None)
    d.check_replay_by_reference_refused(second_push_status=201, second_code_issued=False)
    fails(d.check_replay_by_reference_refused, second_push_status=201, second_code_issued=True,
          code="JAR_REPLAY_BY_REFERENCE_ACCEPTED", req="DOC-request_object_replay_prevention")


def test_x5t_matches_certificate(fails: Any) -> None:
    import base64
    import hashlib

    import pytest

    from harness import jose
    from harness.results import NeedsReview

    der = b"certificate-der"
    x5t = jose.b64url(hashlib.sha1(der).digest())
    keys: list[dict[str, Any]] = [{"kid": "k1", "kty": "RSA", "x5c": [base64.b64encode(der).decode()]},
                                  {"kid": "k2", "kty": "RSA"}]
    assert d.check_x5t_matches_certificate({"kid": "k1", "x5t": x5t}, keys) == "k1"
    assert d.check_x5t_matches_certificate({"x5t": x5t}, keys) == "k1"  # no kid: any key with a certificate
    fails(d.check_x5t_matches_certificate, {"kid": "k1", "x5t": jose.b64url(hashlib.sha1(b"other").digest())}, keys,
          code="AT_X5T_CERTIFICATE_MISMATCH", req="DOC-access_token.x5t_header")
    fails(d.check_x5t_matches_certificate, {"kid": "k1"}, keys, code="AT_X5T_MISSING")
    with pytest.raises(NeedsReview):
        d.check_x5t_matches_certificate({"kid": "k2", "x5t": x5t}, keys)


def test_jwe_headers(codes: Any) -> None:
    d.check_jwe_headers({"alg": "RSA-OAEP-256", "kid": "rs1"}, kid=True, x5t=False, recipient_kids={"rs1"})
    d.check_jwe_headers({"alg": "RSA-OAEP-256", "x5t": "t"}, kid=None, x5t=None)
    assert codes(d.check_jwe_headers, {"alg": "RSA-OAEP-256"}, kid=True, x5t=False) == ["AT_JWE_KID_MISSING"]
    assert codes(d.check_jwe_headers, {"kid": "rs1", "x5t": "t"}, kid=True, x5t=False) == ["AT_JWE_X5T_PRESENT"]
    assert codes(d.check_jwe_headers, {"kid": "k"}, kid=False, x5t=True) == ["AT_JWE_KID_PRESENT", "AT_JWE_X5T_MISSING"]
    assert codes(d.check_jwe_headers, {"kid": "other"}, kid=True, x5t=None, recipient_kids={"rs1"}) == [
        "AT_JWE_KID_UNKNOWN"]


def test_jwe_x5t_matches_recipient_certificate(codes: Any) -> None:
    import base64
    import hashlib

    from harness import jose

    der, other = b"rs-certificate-der", b"other-certificate-der"
    certificates = {"rs1": base64.b64encode(der).decode(), "rs2": base64.b64encode(other).decode()}
    x5t = jose.b64url(hashlib.sha1(der).digest())
    assert d.check_jwe_headers({"kid": "rs1", "x5t": x5t}, kid=True, x5t=True, recipient_kids={"rs1", "rs2"},
                               recipient_certificates=certificates) == "rs1"
    assert d.check_jwe_headers({"x5t": x5t}, kid=None, x5t=True, recipient_certificates=certificates) == "rs1"
    # the kid names rs2, whose certificate is another one
    assert codes(d.check_jwe_headers, {"kid": "rs2", "x5t": x5t}, kid=True, x5t=True,
                 recipient_certificates=certificates) == ["AT_JWE_X5T_CERTIFICATE_MISMATCH"]
    assert codes(d.check_jwe_headers, {"kid": "rs1", "x5t": jose.b64url(hashlib.sha1(b"x").digest())}, kid=True,
                 x5t=True, recipient_certificates=certificates) == ["AT_JWE_X5T_CERTIFICATE_MISMATCH"]
    # no certificate in the profile: presence only, nothing compared
    assert d.check_jwe_headers({"kid": "rs1", "x5t": "t"}, kid=True, x5t=True, recipient_certificates={}) is None


def test_jarm_implicit_delivery(fails: Any) -> None:
    d.check_jarm_implicit_delivery("jwt", "code id_token", delivered_in="fragment", encrypted=False, error=None)
    fails(d.check_jarm_implicit_delivery, "jwt", "code id_token", delivered_in="query", encrypted=False, error=None,
          code="JARM_JWT_MODE_NOT_FRAGMENT", req="JARM-2.3.4")
    fails(d.check_jarm_implicit_delivery, "jwt", "id_token", delivered_in=None, encrypted=False, error="x",
          code="JARM_JWT_MODE_NOT_FRAGMENT")
    d.check_jarm_implicit_delivery("query.jwt", "code id_token", delivered_in="query", encrypted=True, error=None)
    fails(d.check_jarm_implicit_delivery, "query.jwt", "code id_token", delivered_in=None, encrypted=False,
          error="invalid_request", code="JARM_QUERY_JWT_ENCRYPTED_REFUSED", req="DOC-require_jarm")
    fails(d.check_jarm_implicit_delivery, "query.jwt", "code id_token", delivered_in="fragment", encrypted=True,
          error=None, code="JARM_QUERY_JWT_ENCRYPTED_REFUSED")


def test_signing_kid_and_omitted_claims(fails: Any) -> None:
    d.check_signing_kid({"kid": "k1"}, "k1")
    fails(d.check_signing_kid, {"kid": "k2"}, "k1", code="AT_SIGNING_KID_NOT_DOCUMENTED",
          req="DOC-access_token.signing_kid")
    fails(d.check_signing_kid, {}, "k1", code="AT_SIGNING_KID_NOT_DOCUMENTED")
    d.check_claims_omitted({"sub": "u", "iss": "i"}, ["client_id", "scope", "aud"])
    fails(d.check_claims_omitted, {"aud": "rs", "sub": "u"}, ["aud"], code="AT_CLAIM_NOT_OMITTED",
          req="DOC-access_token.omitted_claims")


def test_published_certificate(fails: Any) -> None:
    import base64

    import pytest

    from harness.results import NeedsReview

    der = b"\x30\x03\x02\x01\x05"
    entry = base64.b64encode(der).decode()
    pem = f"-----BEGIN CERTIFICATE-----\n{entry}\n-----END CERTIFICATE-----\n".encode()
    for body in (pem, der, entry.encode()):
        d.check_published_certificate(200, body, entry, setting="x509_kid_url", what="Key ID X.509 URL")
    fails(d.check_published_certificate, 404, b"", entry, setting="x509_kid_url", what="u",
          code="AT_CERTIFICATE_NOT_PUBLISHED", req="DOC-access_token.x509_kid_url")
    fails(d.check_published_certificate, 200, b"\x30\x01\x00", entry, setting="x509_x5t_url", what="u",
          code="AT_PUBLISHED_CERTIFICATE_MISMATCH", req="DOC-access_token.x509_x5t_url")
    fails(d.check_published_certificate, 200, b"<html>", entry, setting="x509_x5t_url", what="u",
          code="AT_PUBLISHED_CERTIFICATE_MISMATCH")
    with pytest.raises(NeedsReview):
        d.check_published_certificate(200, der, "not base64!", setting="x509_kid_url", what="u")


def test_jwt_access_token_validation(fails: Any) -> None:
    d.check_jwt_access_token_introspected(200, {"active": True, "client_id": "c"}, client_id="c")
    d.check_jwt_access_token_introspected(200, {"active": True}, client_id="c")
    fails(d.check_jwt_access_token_introspected, 200, {"active": False}, client_id="c", code="JWT_AT_NOT_VALIDATED",
          req="DOC-introspection.jwt_access_tokens")
    fails(d.check_jwt_access_token_introspected, 400, {"error": "unsupported_token_type"}, client_id="c",
          code="JWT_AT_NOT_VALIDATED")
    fails(d.check_jwt_access_token_introspected, 200, {"active": True, "client_id": "x"}, client_id="c",
          code="JWT_AT_CLIENT_MISMATCH")
    d.check_revoked_grant_token_inactive(200, {"active": False})
    fails(d.check_revoked_grant_token_inactive, 200, {"active": True}, code="JWT_AT_REVOKED_GRANT_ACTIVE",
          req="DOC-access_token.grant_id_claim")
    fails(d.check_revoked_grant_token_inactive, 500, {}, code="JWT_AT_REVOKED_GRANT_ACTIVE")


def test_public_client_credentials_refused(fails: Any) -> None:
    d.check_public_client_credentials_refused(400, {"error": "unauthorized_client"})
    d.check_public_client_credentials_refused(401, {"error": "invalid_client"})
    d.check_public_client_credentials_refused(200, {})
    fails(d.check_public_client_credentials_refused, 200, {"access_token": "t"},
          code="PUBLIC_CLIENT_CREDENTIALS_ISSUED", req="DOC-public_client_grants")


def test_hmac_signature(fails: Any) -> None:
    from harness import jose

    token = jose.sign_jws({"alg": "HS256", "typ": "at+jwt"}, {"sub": "u"}, jose.secret_key("the-shared-key"))
    assert d.check_hmac_signature(token, "the-shared-key", "HS256").claims == {"sub": "u"}
    fails(d.check_hmac_signature, token, "another-key", "HS256", code="AT_HMAC_SIGNATURE_INVALID",
          req="DOC-access_token.hmac_key")
    fails(d.check_hmac_signature, token, "the-shared-key", "HS512", code="AT_HMAC_SIGNATURE_INVALID")


def test_ciba_request_lifetime(fails: Any) -> None:
    d.check_ciba_request_lifetime({"expires_in": 10}, 10, requested_s=80)
    d.check_ciba_request_lifetime({"expires_in": 3}, 10, requested_s=80)
    for bad in (70, 0, None, "10", True):
        fails(d.check_ciba_request_lifetime, {"expires_in": bad}, 10, requested_s=80,
              code="CIBA_REQUEST_LIFETIME_NOT_DOCUMENTED", req="DOC-ciba.request_lifetime_s")


def test_decrypt_with_client_secret(fails: Any) -> None:
    import hashlib

    import pytest

    from harness import jose
    from harness.results import NeedsReview

    secret = "client-secret-value"
    assert d.secret_derived_key(secret, "A128KW", "A256GCM") == hashlib.sha256(secret.encode()).digest()[:16]
    assert d.secret_derived_key(secret, "dir", "A256CBC-HS512") == hashlib.sha512(secret.encode()).digest()
    assert d.secret_derived_key(secret, "dir", "A192CBC-HS384") == hashlib.sha384(secret.encode()).digest()
    assert d.secret_derived_key(secret, "RSA-OAEP", "A256GCM") is None
    key = jose.import_jwk({"kty": "oct", "k": jose.b64url(hashlib.sha256(secret.encode()).digest())})
    token = jose.encrypt_jwe(b"h.p.s", key, "A256KW", "A256GCM")
    assert d.decrypt_with_client_secret(token, secret, "A256KW", "A256GCM") == "h.p.s"
    fails(d.decrypt_with_client_secret, token, "other-secret", "A256KW", "A256GCM",
          code="ID_TOKEN_SECRET_UNDECRYPTABLE", req="DOC-id_token_encryption")
    fails(d.decrypt_with_client_secret, token, secret, "A128KW", "A256GCM", code="ID_TOKEN_SECRET_UNDECRYPTABLE")
    fails(d.decrypt_with_client_secret, "a.b.c", secret, "A256KW", "A256GCM", code="ID_TOKEN_NOT_ENCRYPTED")
    plain = jose.encrypt_jwe(b"not-a-jws", key, "A256KW", "A256GCM")
    fails(d.decrypt_with_client_secret, plain, secret, "A256KW", "A256GCM", code="ID_TOKEN_INNER_NOT_JWS")
    with pytest.raises(NeedsReview):
        d.decrypt_with_client_secret(token, secret, "ECDH-ES", "A256GCM")


def test_confirmation_members(fails: Any) -> None:
    d.check_confirmation_members({"jkt": "t"}, ["jkt"], where="introspection response")
    d.check_confirmation_members({"x5t#S256": "t", "x-vendor": 1}, ["x5t#S256"], where="JWT")  # unknown ignored
    fails(d.check_confirmation_members, {"jkt": "t", "jku": "https://x"}, ["jkt"], where="JWT",
          code="CNF_MEMBERS_NOT_DOCUMENTED", req="DOC-confirmation_members")
    fails(d.check_confirmation_members, None, ["jkt"], where="JWT", code="CNF_MEMBERS_NOT_DOCUMENTED")
    fails(d.check_confirmation_members, {"jkt": "t"}, ["jwk"], where="JWT", code="CNF_MEMBERS_NOT_DOCUMENTED")


def test_signed_request_inside_wins(fails: Any) -> None:
    inside, outside = {"state": "in-s", "nonce": "in-n"}, {"state": "out-s", "nonce": "out-n"}
    d.check_signed_request_inside_wins({"code": "c", "state": "in-s"}, {"nonce": "in-n"}, inside=inside,
                                       outside=outside)
    d.check_signed_request_inside_wins({"code": "c", "state": "in-s"}, None, inside=inside, outside=outside)
    fails(d.check_signed_request_inside_wins, {"code": "c", "state": "out-s"}, {"nonce": "in-n"}, inside=inside,
          outside=outside, code="OUTSIDE_PARAMETER_USED", req="DOC-require_signed_requests")
    fails(d.check_signed_request_inside_wins, {"code": "c", "state": "in-s"}, {}, inside=inside, outside=outside,
          code="INSIDE_PARAMETER_NOT_USED")
    fails(d.check_signed_request_inside_wins, {"error": "invalid_request"}, None, inside=inside, outside=outside,
          code="SIGNED_REQUEST_NOT_PROCESSED")


def test_client_grant_max_lifetime(fails: Any) -> None:
    assert d.check_documented_lifetime({"iat": 0, "exp": 1800}, 1800, requirement="DOC-persistent_grant_max_lifetime_s",
                                       what="refresh token", code_prefix="GRANT") == 1800
    fails(d.check_documented_lifetime, {"iat": 0, "exp": 3600}, 1800, requirement="DOC-persistent_grant_max_lifetime_s",
          what="refresh token", code_prefix="GRANT", code="GRANT_LIFETIME_MISMATCH",
          req="DOC-persistent_grant_max_lifetime_s")


def test_signing_key_size(fails: Any) -> None:
    from harness import jose

    rsa = jose.public_jwk(jose.generate_key("RSA-2048", label="doc-size"))
    weak = jose.public_jwk(jose.generate_key("RSA-1024", label="doc-size-weak"))
    p256 = jose.public_jwk(jose.generate_key("P-256", label="doc-size-ec"))
    assert d.check_signing_key_size(rsa, "RS256") == 2048
    assert d.check_signing_key_size(p256, "ES256") == 256
    fails(d.check_signing_key_size, weak, "PS256", code="AT_SIGNING_KEY_TOO_SMALL",
          req="DOC-access_token.signing_key_size")
    fails(d.check_signing_key_size, p256, "ES384", code="AT_SIGNING_KEY_WRONG_CURVE")
    fails(d.check_signing_key_size, rsa, "ES256", code="AT_SIGNING_KEY_WRONG_CURVE")
    fails(d.check_signing_key_size, {"kty": "RSA"}, "RS256", code="AT_SIGNING_KEY_UNUSABLE")


def test_scope_group_expansion(fails: Any) -> None:
    d.check_scope_group_expansion("openid g", "g", ["a", "b"], expand=False, where="introspection response")
    d.check_scope_group_expansion(["openid", "a", "b"], "g", ["a", "b"], expand=True, where="JWT access token")
    fails(d.check_scope_group_expansion, "openid a b", "g", ["a", "b"], expand=False, where="x",
          code="SCOPE_GROUP_NOT_AS_DOCUMENTED", req="DOC-access_token.expand_scope_groups")
    fails(d.check_scope_group_expansion, "openid g a b", "g", ["a", "b"], expand=True, where="x",
          code="SCOPE_GROUP_NOT_AS_DOCUMENTED")
    fails(d.check_scope_group_expansion, None, "g", ["a"], expand=True, where="x", code="SCOPE_GROUP_SCOPE_UNREADABLE")


def test_redirect_uri_mandatory_several(fails: Any) -> None:
    d.check_redirect_uri_mandatory(authorization_code_issued=False, token_issued=False, reason="2 Redirection URIs",
                                   requirement="DOC-redirect_uri_required")
    fails(d.check_redirect_uri_mandatory, authorization_code_issued=True, token_issued=None,
          reason="2 Redirection URIs", requirement="DOC-redirect_uri_required",
          code="REDIRECT_URI_OPTIONAL_AT_AUTHORIZATION", req="DOC-redirect_uri_required")
