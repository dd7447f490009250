"""Advertised versus actual (harness.specs.metadata_consistency): good and bad inputs."""

from __future__ import annotations

import pytest

from harness.results import CheckFailed, Level, NeedsReview
from harness.specs import metadata_consistency as mc

YES = mc.Probe(mc.Support.YES, "works")
NO = mc.Probe(mc.Support.NO, "refused")
UNKNOWN = mc.Probe(mc.Support.UNKNOWN, "403")


def _codes(exc: CheckFailed) -> list[tuple[str, Level]]:
    return [(f.code, f.level) for f in exc.findings]


def test_default_of_absent_member_is_advertised() -> None:
    assert mc.advertised({}, "grant_types_supported", "implicit") == (True, True)
    assert mc.advertised({}, "request_uri_parameter_supported") == (True, True)
    assert mc.advertised({"grant_types_supported": ["authorization_code"]}, "grant_types_supported",
                         "implicit") == (False, False)


def test_advertised_not_working_is_a_warning_and_unadvertised_working_is_information() -> None:
    with pytest.raises(CheckFailed) as exc:
        mc.check_value({"grant_types_supported": ["password"]}, "grant_types_supported", "password", NO)
    assert _codes(exc.value) == [("ADVERTISED_NOT_WORKING", Level.SHOULD)]
    with pytest.raises(CheckFailed) as exc:
        mc.check_value({"grant_types_supported": ["authorization_code"]}, "grant_types_supported",
                       "client_credentials", YES)
    assert _codes(exc.value) == [("WORKS_NOT_ADVERTISED", Level.MAY)]
    with pytest.raises(CheckFailed) as exc:  # the default advertises implicit
        mc.check_value({}, "grant_types_supported", "implicit", NO)
    assert "default applies" in exc.value.findings[0].message


def test_consistent_values_pass_and_unknown_advertised_is_review() -> None:
    mc.check_value({"grant_types_supported": ["password"]}, "grant_types_supported", "password", YES)
    mc.check_value({"grant_types_supported": ["code"]}, "grant_types_supported", "password", NO)
    mc.check_value({"grant_types_supported": ["code"]}, "grant_types_supported", "password", UNKNOWN)
    with pytest.raises(NeedsReview):
        mc.check_value({"grant_types_supported": ["password"]}, "grant_types_supported", "password", UNKNOWN)


@pytest.mark.parametrize(("status", "body", "support"), [
    (400, {"error": "unsupported_grant_type"}, mc.Support.NO),
    (400, {"error": "invalid_grant"}, mc.Support.YES),
    (400, {"error": "unauthorized_client"}, mc.Support.YES),
    (200, {"access_token": "x"}, mc.Support.YES),
    (401, {"error": "invalid_client"}, mc.Support.UNKNOWN),
    (403, {"error": "invalid_code"}, mc.Support.UNKNOWN),
])
def test_grant_support(status: int, body: dict[str, str], support: mc.Support) -> None:
    assert mc.grant_support(status, body).support is support


def test_auth_method_and_endpoint_support() -> None:
    assert mc.auth_method_support(400, {"error": "invalid_grant"}).support is mc.Support.YES
    assert mc.auth_method_support(401, {"error": "invalid_client"}).support is mc.Support.NO
    assert mc.endpoint_call_support(200, {"active": False}).support is mc.Support.YES
    assert mc.endpoint_call_support(401, None).support is mc.Support.NO


def test_response_type_and_mode_support() -> None:
    assert mc.response_type_support("code id_token", True, {"code": "c", "id_token": "t"}).support is mc.Support.YES
    assert mc.response_type_support("code id_token", True, {"code": "c"}).support is mc.Support.NO
    assert mc.response_type_support("token", True, {"error": "unsupported_response_type"}).support is mc.Support.NO
    assert mc.response_mode_support("fragment", "redirect", True, False, True, None).support is mc.Support.NO
    assert mc.response_mode_support("form_post", "form_post", False, False, True, None).support is mc.Support.YES


def test_request_uri_support() -> None:
    assert mc.request_uri_support(True, {"error": "invalid_request_uri"}, False).support is mc.Support.YES
    assert mc.request_uri_support(True, {"error": "request_uri_not_supported"}, False).support is mc.Support.NO
    assert mc.request_uri_support(False, {}, True).support is mc.Support.NO


def test_coherence() -> None:
    mc.check_member_coherence({"grant_types_supported": ["authorization_code"], "response_types_supported": ["code"]})
    with pytest.raises(CheckFailed) as exc:
        mc.check_member_coherence({
            "grant_types_supported": ["authorization_code", "urn:ietf:params:oauth:grant-type:device_code",
                                      "urn:openid:params:grant-type:ciba"],
            "response_types_supported": ["code", "id_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "S256"],
        })
    codes = {c for c, _ in _codes(exc.value)}
    assert codes == {"GRANT_WITHOUT_ENDPOINT", "CIBA_WITHOUT_DELIVERY_MODES", "RESPONSE_TYPE_WITHOUT_GRANT",
                     "VALUE_IN_WRONG_MEMBER"}
    assert ("GRANT_WITHOUT_ENDPOINT", Level.MUST) in _codes(exc.value)  # CIBA §4 REQUIRED


def test_profile_endpoints_and_documents() -> None:
    mc.check_profile_endpoints({"introspection_endpoint": "https://as/i"}, {"introspection_endpoint": "https://as/i"},
                               "OpenID configuration")
    with pytest.raises(CheckFailed) as exc:
        mc.check_profile_endpoints({}, {"device_authorization_endpoint": "https://as/d",
                                        "pushed_authorization_request_endpoint": "https://as/p"}, "x")
    assert _codes(exc.value) == [("ENDPOINT_SERVED_NOT_ADVERTISED", Level.MAY),
                                 ("ENDPOINT_SERVED_NOT_ADVERTISED", Level.SHOULD)]
    mc.check_documents_agree({"issuer": "a", "token_endpoint": "t"}, {"issuer": "a", "token_endpoint": "t"})
    with pytest.raises(CheckFailed) as exc:
        mc.check_documents_agree({"issuer": "a", "token_endpoint": "t"},
                                 {"issuer": "a", "token_endpoint": "u", "introspection_endpoint": "i"})
    assert {c for c, _ in _codes(exc.value)} == {"METADATA_DOCUMENTS_DISAGREE", "ENDPOINT_IN_ONE_DOCUMENT"}


def test_other_document_urls() -> None:
    assert mc.other_document_urls("https://as.example", True) == (
        "https://as.example/.well-known/oauth-authorization-server", None)
    assert mc.other_document_urls("https://as.example/api/oidc/", True) == (
        "https://as.example/.well-known/oauth-authorization-server/api/oidc",
        "https://as.example/api/oidc/.well-known/oauth-authorization-server")


def test_unlisted_claims_are_information() -> None:
    mc.check_returned_claims_listed({"claims_supported": ["sub", "email"]}, ["sub", "email", "iss"])
    with pytest.raises(CheckFailed) as exc:
        mc.check_returned_claims_listed({"claims_supported": ["sub"]}, ["sub", "email"])
    assert _codes(exc.value) == [("CLAIMS_RETURNED_NOT_LISTED", Level.MAY)]


def test_rfc8414_promises_never_exceed_their_sentence() -> None:
    """The latent problem of _PROMISES: an OPTIONAL member gave a MUST finding; now capped at the catalogue's level."""
    from harness.specs import rfc8414
    from harness.specs.catalogue import level_too_strong

    for member in ("request_parameter_supported", "claims_parameter_supported", "request_uri_parameter_supported",
                   "backchannel_user_code_parameter_supported", "subject_types_supported"):
        for metadata, works in (({member: True}, False), ({member: False}, True)):
            with pytest.raises(CheckFailed) as exc:
                rfc8414.check_advertised_supports(metadata, member, None, works)
            for f in exc.value.findings:
                assert not level_too_strong(f.level, f.requirement), (member, f)


# -- members that depend on client registration (subject types, request_uri registration, CIBA user codes)
def test_public_subject_same_sub_works_different_subs_do_not() -> None:
    assert mc.public_subject_support({"a": "s1", "b": "s1"}).support is mc.Support.YES
    refused = mc.public_subject_support({"a": "s1", "b": "s2"})
    assert refused.support is mc.Support.NO
    assert "s1" not in refused.observed and "s2" not in refused.observed  # the values are not repeated
    with pytest.raises(CheckFailed) as exc:
        mc.check_value({"subject_types_supported": ["public"]}, "subject_types_supported", "public", refused)
    assert _codes(exc.value) == [("ADVERTISED_NOT_WORKING", Level.SHOULD)]


def test_pairwise_subject_own_sub_works_shared_sub_does_not() -> None:
    works = mc.pairwise_subject_support("pw", "x", "pub", "y")
    shared = mc.pairwise_subject_support("pw", "x", "pub", "x")
    assert works.support is mc.Support.YES and shared.support is mc.Support.NO
    metadata = {"subject_types_supported": ["public", "pairwise"]}
    mc.check_value(metadata, "subject_types_supported", "pairwise", works)
    with pytest.raises(CheckFailed) as exc:
        mc.check_value(metadata, "subject_types_supported", "pairwise", shared)
    assert _codes(exc.value) == [("ADVERTISED_NOT_WORKING", Level.SHOULD)]
    with pytest.raises(CheckFailed) as exc:  # pairwise works but only public is listed
        mc.check_value({"subject_types_supported": ["public"]}, "subject_types_supported", "pairwise", works)
    assert _codes(exc.value) == [("WORKS_NOT_ADVERTISED", Level.SHOULD)]


@pytest.mark.parametrize(("redirected", "params", "login", "fetches", "expected"), [
    (True, {"error": "invalid_request_uri"}, False, 0, mc.Support.YES),
    (True, {"error": "invalid_request_uri"}, False, 1, mc.Support.YES),   # fetched, then refused
    (False, {}, False, 0, mc.Support.YES),                                 # an error page
    (True, {"code": "c"}, False, 1, mc.Support.NO),
    (False, {}, True, 1, mc.Support.NO),                                   # the login went on
    (True, {"state": "s"}, False, 1, mc.Support.UNKNOWN),
])
def test_request_uri_registration_advertised(redirected: bool, params: dict[str, str], login: bool, fetches: int,
                                             expected: mc.Support) -> None:
    assert mc.request_uri_registration_support(redirected, params, login, fetches).support is expected


def test_request_uri_registration_true_but_object_used_warns() -> None:
    used = mc.request_uri_registration_support(True, {"code": "c"}, False, 1)
    with pytest.raises(CheckFailed) as exc:
        mc.check_value({"require_request_uri_registration": True}, "require_request_uri_registration", None, used)
    assert _codes(exc.value) == [("ADVERTISED_NOT_WORKING", Level.SHOULD)]
    mc.check_value({}, "require_request_uri_registration", None, used)  # absent (false): consistent


def test_request_uri_registration_not_advertised_judges_only_refusals_before_a_fetch() -> None:
    fetched = mc.request_uri_registration_support(True, {"error": "invalid_request_object"}, False, 1,
                                                  advertised=False)
    assert fetched.support is mc.Support.UNKNOWN  # the object's content may be why
    mc.check_value({}, "require_request_uri_registration", None, fetched)
    unfetched = mc.request_uri_registration_support(True, {"error": "invalid_request_uri"}, False, 0,
                                                    advertised=False)
    with pytest.raises(CheckFailed) as exc:
        mc.check_value({}, "require_request_uri_registration", None, unfetched)
    assert _codes(exc.value) == [("WORKS_NOT_ADVERTISED", Level.MAY)]


@pytest.mark.parametrize(("status", "body", "registered", "expected"), [
    (200, {"auth_req_id": "r", "expires_in": 10}, False, mc.Support.YES),
    (400, {"error": "invalid_user_code"}, False, mc.Support.YES),
    (400, {"error": "missing_user_code"}, False, mc.Support.YES),
    (400, {"error": "invalid_request"}, True, mc.Support.NO),
    (400, {"error": "invalid_request"}, False, mc.Support.UNKNOWN),   # the client may not be registered for it
    (500, None, True, mc.Support.UNKNOWN),
])
def test_user_code_support(status: int, body: dict[str, str] | None, registered: bool, expected: mc.Support) -> None:
    assert mc.user_code_support(status, body, client_registered=registered).support is expected


def test_user_code_unadvertised_acknowledgement_shows_nothing() -> None:
    ack = mc.user_code_support(200, {"auth_req_id": "r"}, client_registered=True, advertised=False)
    assert ack.support is mc.Support.UNKNOWN
    mc.check_value({}, "backchannel_user_code_parameter_supported", None, ack)
    judged = mc.user_code_support(400, {"error": "invalid_user_code"}, client_registered=False, advertised=False)
    with pytest.raises(CheckFailed) as exc:
        mc.check_value({}, "backchannel_user_code_parameter_supported", None, judged)
    assert _codes(exc.value) == [("WORKS_NOT_ADVERTISED", Level.MAY)]


def test_user_code_advertised_but_refused_is_at_most_may() -> None:
    refused = mc.user_code_support(400, {"error": "invalid_request"}, client_registered=True)
    with pytest.raises(CheckFailed) as exc:
        mc.check_value({"backchannel_user_code_parameter_supported": True},
                       "backchannel_user_code_parameter_supported", None, refused)
    assert _codes(exc.value) == [("ADVERTISED_NOT_WORKING", Level.MAY)]  # CIBA §4: the member is OPTIONAL
    with pytest.raises(NeedsReview):
        mc.check_value({"backchannel_user_code_parameter_supported": True},
                       "backchannel_user_code_parameter_supported", None,
                       mc.user_code_support(400, {"error": "invalid_request"}, client_registered=False))
