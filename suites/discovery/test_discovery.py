"""Discovery metadata (RFC 8414, OpenID Connect Discovery 1.0) and the published JWK Set."""

from __future__ import annotations

from typing import Any

import pytest

from harness import evidence
from harness.flows.code_flow import authorize
from harness.results import fail
from harness.specs import oidc_discovery, rfc7517, rfc7518, rfc8414, rfc9207
from harness.target import Target

requirement = pytest.mark.requirement


@requirement("OIDCD-4.2")
def test_document_served_as_json(target: Target) -> None:
    """The discovery document is served with HTTP 200 as a JSON object."""
    response = target.http.get(target.profile.effective_discovery_url, label="discovery")
    oidc_discovery.check_metadata_response(response.status_code, response.headers, response.content)


@requirement("OIDCD-4.3", "RFC8414-3.3")
def test_issuer_matches(target: Target) -> None:
    """The issuer in the metadata is exactly the issuer the profile names."""
    oidc_discovery.check_issuer_matches(target.fetch_metadata_fresh(), target.profile.issuer)


@requirement("RFC8414-2")
def test_issuer_syntax(target: Target) -> None:
    """The issuer is an https URL with no query or fragment."""
    rfc8414.check_issuer_syntax(target.metadata.get("issuer"))


@requirement("OIDCD-3", "RFC8414-2")
def test_required_members(target: Target) -> None:
    """Every REQUIRED metadata member is present."""
    oidc_discovery.check_required_members(target.metadata)


@requirement("OIDCD-3")
def test_recommended_members(target: Target) -> None:
    """RECOMMENDED members (``userinfo_endpoint``, ``scopes_supported``, ...) are present."""
    oidc_discovery.check_recommended_members(target.metadata)


@requirement("RFC8414-2", "OIDCD-3")
def test_member_types(target: Target) -> None:
    """Members are well typed: arrays of strings, booleans, absolute URLs."""
    oidc_discovery.check_member_types(target.metadata)


@requirement("RFC8414-2", "OIDCD-3")
def test_endpoints_use_https(target: Target) -> None:
    """Every endpoint URL in the metadata uses https (production profiles)."""
    if not target.profile.production:
        pytest.skip("the profile is not marked production: true, so http endpoints are tolerated")
    oidc_discovery.check_https_endpoints(target.metadata, production=target.profile.production)


@requirement("OIDCD-3")
def test_id_token_signing_algs(target: Target) -> None:
    """``id_token_signing_alg_values_supported`` includes RS256."""
    oidc_discovery.check_id_token_signing_algs(target.metadata)


@requirement("OIDCD-3")
def test_scopes_include_openid(target: Target) -> None:
    """``scopes_supported``, when published, includes ``openid``."""
    oidc_discovery.check_scopes_include_openid(target.metadata)


@requirement("OIDCD-3")
def test_subject_types(target: Target) -> None:
    """``subject_types_supported`` lists only ``public`` and ``pairwise``."""
    oidc_discovery.check_subject_types(target.metadata)


@requirement("RFC7517-5", "RFC7517-4.5")
def test_jwks_document(target: Target) -> None:
    """``jwks_uri`` serves a public JWK Set: keys array, kty, distinct kids, no private members."""
    rfc7517.check_jwks_document(target.jwks)


@requirement("RFC7518-3.3")
def test_jwks_rsa_key_sizes(target: Target) -> None:
    """RSA keys in the JWK Set are 2048 bits or larger."""
    rfc7518.check_rsa_key_sizes(target.jwks)


@requirement("RFC8414-2")
def test_unknown_members_listed(target: Target) -> None:
    """Members not defined by a registered specification are listed for information."""
    unknown = oidc_discovery.list_unknown_members(target.metadata)
    evidence.note(f"unknown metadata members (information only): {unknown or 'none'}")


@requirement("RFC8414-2", "RFC9700-2.1.1")
def test_pkce_advertised_matches_behaviour(target: Target, user_agent: Any) -> None:
    """What works is advertised: S256 PKCE is accepted and ``code_challenge_methods_supported`` lists it."""
    client = target.pick_client(purpose="a PKCE authorization request", confidential=True)
    _, outcome = authorize(target, user_agent, client, pkce="S256")
    rfc8414.check_pkce_advertised(target.metadata, s256_works=outcome.redirected and "code" in outcome.params)


@requirement("RFC9207-2.3", "RFC9207-2")
def test_iss_parameter_advertised_matches_behaviour(target: Target, user_agent: Any) -> None:
    """``authorization_response_iss_parameter_supported`` agrees with whether ``iss`` is sent."""
    client = target.pick_client(purpose="an authorization request", confidential=True)
    _, outcome = authorize(target, user_agent, client)
    if not outcome.redirected:
        raise fail("PRECONDITION_AUTHORIZATION_FAILED", "a valid authorization request did not redirect back",
                   "RFC6749-4.1.2", actual=outcome.describe())
    rfc9207.check_iss_support_advertised(target.metadata, "iss" in outcome.params)
