"""Discovery metadata (RFC 8414, OpenID Connect Discovery 1.0) and the published JWK Set."""

from __future__ import annotations

import pytest

from harness import evidence
from harness.flows.code_flow import authorize
from harness.results import Level, fail
from harness.specs import oidc_discovery, rfc8414
from harness.target import Target

requirement = pytest.mark.requirement


@requirement("OIDCD-4.2")
def test_document_served_as_json(target: Target) -> None:
    """The discovery document is served with HTTP 200 as application/json."""
    response = target.http.get(target.profile.effective_discovery_url, label="discovery")
    oidc_discovery.check_discovery_response(response.status_code, response.headers.get("content-type", ""))


@requirement("OIDCD-4.3", "RFC8414-3.3")
def test_issuer_matches(target: Target) -> None:
    """The issuer in the metadata is exactly the issuer the profile names."""
    rfc8414.check_issuer_matches(target.fetch_metadata_fresh(), target.profile.issuer)


@requirement("RFC8414-2")
def test_issuer_syntax(target: Target) -> None:
    """The issuer is an https URL with no query or fragment."""
    rfc8414.check_issuer_syntax(str(target.metadata.get("issuer", "")))


@requirement("OIDCD-3", "RFC8414-2")
def test_required_members(target: Target) -> None:
    """Every REQUIRED metadata member is present."""
    oidc_discovery.check_required_members(target.metadata, oidc=True)


@requirement("RFC8414-2")
def test_member_types(target: Target) -> None:
    """Members are well typed: arrays of strings, booleans, absolute URLs."""
    rfc8414.check_member_types(target.metadata)


@requirement("RFC6749-3.1", "RFC8414-2")
def test_endpoints_use_https(target: Target) -> None:
    """Every endpoint URL in the metadata uses https."""
    rfc8414.check_https_endpoints(target.metadata, production=True)


@requirement("OIDCD-3")
def test_code_response_type_and_rs256(target: Target) -> None:
    """``response_types_supported`` includes ``code`` and the ID token algorithms include RS256."""
    oidc_discovery.check_core_values(target.metadata)


@requirement("RFC7517-5")
def test_jwks_document(target: Target) -> None:
    """``jwks_uri`` serves a JWK Set whose keys have unique ``kid`` values."""
    rfc8414.check_jwks_document(target.jwks)


@requirement("RFC7517-4")
def test_jwks_has_no_private_keys(target: Target) -> None:
    """The published JWK Set carries no private key material."""
    rfc8414.check_jwks_public_only(target.jwks)


@requirement("RFC7518-3.3")
def test_jwks_rsa_key_sizes(target: Target) -> None:
    """RSA signing keys are 2048 bits or larger."""
    rfc8414.check_rsa_key_sizes(target.jwks, min_bits=2048)


@requirement("RFC8705-5")
def test_mtls_endpoint_aliases(target: Target) -> None:
    """``mtls_endpoint_aliases``, when published, is an object of https endpoint URLs."""
    if "mtls_endpoint_aliases" not in target.metadata:
        pytest.skip("the target does not publish mtls_endpoint_aliases")
    rfc8414.check_mtls_endpoint_aliases(target.metadata["mtls_endpoint_aliases"])


@requirement("RFC8414-2")
def test_unknown_members_listed(target: Target) -> None:
    """Members not defined by a registered specification are listed for information."""
    unknown = rfc8414.list_unknown_members(target.metadata)
    evidence.note(f"unknown metadata members (information only): {unknown or 'none'}")


@requirement("RFC8414-2", "RFC7636-4.2")
def test_pkce_advertised_matches_behaviour(target: Target, user_agent) -> None:  # type: ignore[no-untyped-def]
    """What works is advertised: S256 PKCE is accepted and ``code_challenge_methods_supported`` lists it."""
    client = target.pick_client(purpose="a PKCE authorization request")
    _, outcome = authorize(target, user_agent, client, pkce="S256")
    accepted = outcome.redirected and "code" in outcome.params
    rfc8414.check_advertised_matches_behaviour(
        target.metadata, "code_challenge_methods_supported", "S256", works=accepted,
        requirement="RFC8414-2")


@requirement("RFC9207-3", "RFC9207-2")
def test_iss_parameter_advertised_matches_behaviour(target: Target, user_agent) -> None:  # type: ignore[no-untyped-def]
    """``authorization_response_iss_parameter_supported`` agrees with whether ``iss`` is sent."""
    client = target.pick_client(purpose="an authorization request")
    _, outcome = authorize(target, user_agent, client)
    if not outcome.redirected:
        raise fail("PRECONDITION_AUTHORIZATION_FAILED", "a valid authorization request did not redirect back",
                   "RFC6749-4.1.2", actual=outcome.describe())
    sent = "iss" in outcome.params
    advertised = target.metadata.get("authorization_response_iss_parameter_supported") is True
    if sent and not advertised:
        raise fail("DISCOVERY_ISS_PARAMETER_NOT_ADVERTISED",
                   "the authorization response carries iss but the metadata does not advertise "
                   "authorization_response_iss_parameter_supported: true", "RFC9207-3",
                   expected=True, actual=target.metadata.get("authorization_response_iss_parameter_supported"),
                   level=Level.SHOULD)
    if advertised and not sent:
        raise fail("DISCOVERY_ISS_PARAMETER_ADVERTISED_NOT_SENT",
                   "authorization_response_iss_parameter_supported is true but the response has no iss",
                   "RFC9207-2", expected="iss parameter", actual=sorted(outcome.params))
