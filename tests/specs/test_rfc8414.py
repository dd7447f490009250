from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from harness.results import Finding, Level
from harness.specs import rfc8414 as m

ISSUER = "https://as.example"
GOOD = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/authorize",
    "token_endpoint": f"{ISSUER}/token",
    "jwks_uri": f"{ISSUER}/jwks",
    "response_types_supported": ["code"],
    "grant_types_supported": ["authorization_code", "refresh_token"],
    "code_challenge_methods_supported": ["S256"],
    "authorization_response_iss_parameter_supported": True,
    "mtls_endpoint_aliases": {"token_endpoint": "https://mtls.as.example/token"},
    "x_vendor_feature": {"a": 1},
}


def test_good_metadata_passes_everything() -> None:
    body = m.check_metadata_response(200, {"content-type": "application/json"}, json.dumps(GOOD))
    m.check_issuer_matches(body, ISSUER)
    m.check_issuer_syntax(body["issuer"])
    m.check_required_members(body)
    m.check_member_types(body)
    m.check_https_endpoints(body, production=True)
    assert m.list_unknown_members(body) == ["x_vendor_feature"]


def test_metadata_response_failures(codes: Callable[..., list[str]]) -> None:
    found = codes(m.check_metadata_response, 404, {"content-type": "text/html"}, "<html>")
    assert found == ["METADATA_STATUS", "METADATA_CONTENT_TYPE", "METADATA_NOT_JSON_OBJECT"]


@pytest.mark.parametrize(("metadata", "expected"), [
    ({}, "ISSUER_MISSING"),
    ({"issuer": ISSUER + "/"}, "ISSUER_MISMATCH"),
    ({"issuer": "https://AS.example"}, "ISSUER_MISMATCH"),
])
def test_issuer_matches_failures(fails: Callable[..., Finding], metadata: dict[str, Any], expected: str) -> None:
    fails(m.check_issuer_matches, metadata, ISSUER, code=expected, req="RFC8414-3.3")


@pytest.mark.parametrize(("issuer", "expected"), [
    ("http://as.example", "ISSUER_NOT_HTTPS"),
    ("https://as.example?tenant=1", "ISSUER_HAS_QUERY"),
    ("https://as.example#frag", "ISSUER_HAS_FRAGMENT"),
    ("as.example", "ISSUER_NOT_URL"),
    (None, "ISSUER_NOT_URL"),
])
def test_issuer_syntax_failures(fails: Callable[..., Finding], issuer: str | None, expected: str) -> None:
    fails(m.check_issuer_syntax, issuer, code=expected, req="RFC8414-2-issuer")


def test_issuer_with_path_is_fine() -> None:
    m.check_issuer_syntax("https://as.example/realms/a")


def test_required_members_missing(codes: Callable[..., list[str]], fails: Callable[..., Finding]) -> None:
    fails(m.check_required_members, {"issuer": ISSUER}, code="METADATA_MEMBER_MISSING", req="RFC8414-2")
    found = codes(m.check_required_members, {})
    assert len(found) == 4  # issuer, response_types_supported, authorization and token endpoints


def test_required_members_depend_on_grant_types() -> None:
    m.check_required_members({"issuer": ISSUER, "response_types_supported": [],
                              "token_endpoint": "https://as/t",
                              "grant_types_supported": ["client_credentials"]})
    m.check_required_members({"issuer": ISSUER, "response_types_supported": ["token"],
                              "authorization_endpoint": "https://as/a",
                              "grant_types_supported": ["implicit"]})


def test_required_members_oidc(fails: Callable[..., Finding]) -> None:
    f = fails(m.check_required_members, GOOD, oidc=True, code="METADATA_MEMBER_MISSING",
              req="OIDCD-3-required")
    assert f.expected in {"subject_types_supported", "id_token_signing_alg_values_supported"}


@pytest.mark.parametrize(("member", "value"), [
    ("response_types_supported", "code"),
    ("response_types_supported", ["code", 1]),
    ("authorization_response_iss_parameter_supported", "true"),
    ("token_endpoint", "/token"),
    ("mtls_endpoint_aliases", {"token_endpoint": "not a url"}),
    ("signed_metadata", 42),
])
def test_member_type_failures(fails: Callable[..., Finding], member: str, value: object) -> None:
    fails(m.check_member_types, {**GOOD, member: value}, code="METADATA_MEMBER_TYPE", req="RFC8414-3.2")


def test_empty_array_must_be_omitted(fails: Callable[..., Finding]) -> None:
    fails(m.check_member_types, {**GOOD, "scopes_supported": []}, code="METADATA_EMPTY_ARRAY",
          req="RFC8414-3.2-empty")


def test_https_endpoints(fails: Callable[..., Finding]) -> None:
    local = {**GOOD, "token_endpoint": "http://localhost:3000/token", "jwks_uri": "http://localhost/jwks"}
    m.check_https_endpoints(local, production=False)
    f = fails(m.check_https_endpoints, local, production=True, code="ENDPOINT_NOT_HTTPS")
    assert f.requirement in {"RFC6749-3.2-tls", "RFC8414-2-jwks_uri"}
    fails(m.check_https_endpoints, {**GOOD, "device_authorization_endpoint": "http://as/device"},
          production=True, code="ENDPOINT_NOT_HTTPS", req="DOC-production")
    fails(m.check_https_endpoints, {**GOOD, "mtls_endpoint_aliases": {"token_endpoint": "http://m/t"}},
          production=True, code="ENDPOINT_NOT_HTTPS", req="DOC-production")


# --- advertised vs. actual ---------------------------------------------------------------------

def test_is_advertised_rules() -> None:
    assert m.is_advertised(GOOD, "code_challenge_methods_supported", "S256")
    assert not m.is_advertised(GOOD, "code_challenge_methods_supported", "plain")
    assert m.is_advertised({}, "response_modes_supported", "fragment")  # default
    assert m.is_advertised({}, "request_uri_parameter_supported")  # default true
    assert not m.is_advertised({}, "require_pushed_authorization_requests")
    assert m.is_advertised(GOOD, "mtls_endpoint_aliases", "token_endpoint")
    assert not m.is_advertised(GOOD, "mtls_endpoint_aliases", "revocation_endpoint")
    assert m.is_advertised(GOOD, "jwks_uri")
    assert not m.is_advertised(GOOD, "pushed_authorization_request_endpoint")


def test_advertised_and_working_passes() -> None:
    m.check_advertised_supports(GOOD, "code_challenge_methods_supported", "S256", works=True)
    m.check_advertised_supports(GOOD, "code_challenge_methods_supported", "plain", works=False)
    m.check_pkce_advertised(GOOD, s256_works=True, plain_works=False)


def test_advertised_but_broken_fails(fails: Callable[..., Finding]) -> None:
    fails(m.check_advertised_supports, GOOD, "code_challenge_methods_supported", "S256", works=False,
          code="ADVERTISED_NOT_WORKING", req="RFC8414-2-supported", level=Level.MUST)
    fails(m.check_advertised_supports, {**GOOD, "pushed_authorization_request_endpoint": "https://as/par"},
          "pushed_authorization_request_endpoint", None, works=False, code="ADVERTISED_NOT_WORKING",
          req="RFC9126-5-endpoint")


def test_advertised_only_by_default_is_a_warning(fails: Callable[..., Finding]) -> None:
    without_grants = {k: v for k, v in GOOD.items() if k != "grant_types_supported"}
    fails(m.check_advertised_supports, without_grants, "grant_types_supported", "implicit", works=False,
          code="ADVERTISED_NOT_WORKING", level=Level.SHOULD)


def test_pkce_working_but_unadvertised(fails: Callable[..., Finding]) -> None:
    no_pkce = {k: v for k, v in GOOD.items() if k != "code_challenge_methods_supported"}
    fails(m.check_pkce_advertised, no_pkce, s256_works=True, code="WORKS_NOT_ADVERTISED",
          req="RFC9700-2.1.1-detect", level=Level.SHOULD)
    fails(m.check_pkce_advertised, {**GOOD, "code_challenge_methods_supported": ["plain"]},
          s256_works=True, plain_works=True, code="WORKS_NOT_ADVERTISED")


def test_iss_working_but_unadvertised_is_a_must(fails: Callable[..., Finding]) -> None:
    fails(m.check_advertised_supports, {}, "authorization_response_iss_parameter_supported", None,
          works=True, code="WORKS_NOT_ADVERTISED", req="RFC9207-2.3", level=Level.MUST)


def test_unadvertised_scope_is_info_only(fails: Callable[..., Finding]) -> None:
    fails(m.check_advertised_supports, {"scopes_supported": ["openid"]}, "scopes_supported", "email",
          works=True, code="WORKS_NOT_ADVERTISED", level=Level.MAY)


def test_par_requirement_consistency(fails: Callable[..., Finding]) -> None:
    fails(m.check_advertised_supports, {}, "require_pushed_authorization_requests", None, works=True,
          code="WORKS_NOT_ADVERTISED", req="RFC9126-5", level=Level.SHOULD)
    fails(m.check_advertised_supports, {"require_pushed_authorization_requests": True},
          "require_pushed_authorization_requests", None, works=False, code="ADVERTISED_NOT_WORKING",
          level=Level.MUST)
