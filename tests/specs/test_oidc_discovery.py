from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.results import Finding, Level
from harness.specs import oidc_discovery as d

ISSUER = "https://op.example"
GOOD = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/auth",
    "token_endpoint": f"{ISSUER}/token",
    "userinfo_endpoint": f"{ISSUER}/me",
    "registration_endpoint": f"{ISSUER}/reg",
    "jwks_uri": f"{ISSUER}/jwks",
    "scopes_supported": ["openid", "email"],
    "claims_supported": ["sub", "email"],
    "response_types_supported": ["code", "code id_token"],
    "subject_types_supported": ["public", "pairwise"],
    "id_token_signing_alg_values_supported": ["RS256", "PS256"],
    "claims_parameter_supported": True,
}


def test_good_configuration_passes() -> None:
    body = d.check_metadata_response(200, [("Content-Type", "application/json; charset=utf-8")], GOOD)
    d.check_issuer_matches(body, ISSUER)
    d.check_issuer_syntax(ISSUER)
    d.check_required_members(body)
    d.check_recommended_members(body)
    d.check_member_types(body)
    d.check_https_endpoints(body, production=True)
    d.check_id_token_signing_algs(body)
    d.check_scopes_include_openid(body)
    d.check_subject_types(body)
    assert d.list_unknown_members(body) == []


def test_response_must_be_json(fails: Callable[..., Finding]) -> None:
    fails(d.check_metadata_response, 200, {"Content-Type": "text/plain"}, GOOD, code="METADATA_CONTENT_TYPE",
          req="OIDCD-4.2")


def test_issuer_mismatch_cites_discovery(fails: Callable[..., Finding]) -> None:
    fails(d.check_issuer_matches, {"issuer": "https://op.example/"}, ISSUER, code="ISSUER_MISMATCH",
          req="OIDCD-4.3")
    fails(d.check_issuer_syntax, "http://op.example", code="ISSUER_NOT_HTTPS", req="OIDCD-3-issuer")


@pytest.mark.parametrize("member", ["jwks_uri", "subject_types_supported",
                                    "id_token_signing_alg_values_supported", "token_endpoint",
                                    "authorization_endpoint", "response_types_supported"])
def test_required_member_missing(fails: Callable[..., Finding], member: str) -> None:
    f = fails(d.check_required_members, {k: v for k, v in GOOD.items() if k != member},
              code="METADATA_MEMBER_MISSING", req="OIDCD-3-required")
    assert f.expected == member


def test_token_endpoint_optional_for_implicit_only() -> None:
    d.check_required_members({k: v for k, v in GOOD.items() if k != "token_endpoint"}, implicit_only=True)


def test_recommended_members_are_warnings(codes: Callable[..., list[str]], fails: Callable[..., Finding]) -> None:
    fails(d.check_recommended_members, {"issuer": ISSUER}, code="METADATA_RECOMMENDED_MISSING",
          req="OIDCD-3-recommended", level=Level.SHOULD)
    assert len(codes(d.check_recommended_members, {})) == 4


def test_member_types_and_empty_arrays(fails: Callable[..., Finding]) -> None:
    fails(d.check_member_types, {**GOOD, "claims_parameter_supported": 1}, code="METADATA_MEMBER_TYPE",
          req="OIDCD-4.2")
    fails(d.check_member_types, {**GOOD, "acr_values_supported": []}, code="METADATA_EMPTY_ARRAY",
          req="OIDCD-4.2-zero_elements")


def test_https_userinfo(fails: Callable[..., Finding]) -> None:
    fails(d.check_https_endpoints, {**GOOD, "userinfo_endpoint": "http://op.example/me"}, production=True,
          code="ENDPOINT_NOT_HTTPS", req="OIDCD-3-userinfo_endpoint_https")
    d.check_https_endpoints({**GOOD, "userinfo_endpoint": "http://localhost/me"}, production=False)


def test_rs256_must_be_listed(fails: Callable[..., Finding]) -> None:
    fapi = {**GOOD, "id_token_signing_alg_values_supported": ["PS256"]}
    fails(d.check_id_token_signing_algs, fapi, code="ID_TOKEN_ALGS_NO_RS256", req="OIDCD-3-rs256")
    d.check_id_token_signing_algs(fapi, require_rs256=False)


def test_openid_scope_should_be_listed(fails: Callable[..., Finding]) -> None:
    # Discovery §3: "those defined in [OpenID.Core] SHOULD be listed, if supported" — a warning, not a failure
    fails(d.check_scopes_include_openid, {"scopes_supported": ["email"]}, code="SCOPES_NO_OPENID",
          req="OIDCD-3-scopes_openid", level=Level.SHOULD)
    d.check_scopes_include_openid({})  # omitted: the RECOMMENDED-member check reports it
    d.check_scopes_include_openid({"scopes_supported": ["email", "openid"]})


def test_unknown_subject_type_is_a_warning(fails: Callable[..., Finding]) -> None:
    fails(d.check_subject_types, {"subject_types_supported": ["public", "ephemeral"]},
          code="SUBJECT_TYPE_UNKNOWN", level=Level.SHOULD)


def test_unknown_members_listed() -> None:
    assert d.list_unknown_members({**GOOD, "zzz": 1, "aaa": 2}) == ["aaa", "zzz"]
