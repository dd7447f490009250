"""Discovery metadata (RFC 8414, OpenID Connect Discovery 1.0) and the published JWK Set.

Which document is judged is known from the profile before any request: a discovery URL
ending in ``/.well-known/openid-configuration`` (the default) is an OpenID Provider
Configuration, judged by OIDC Discovery; any other (``/.well-known/oauth-authorization-server``)
is RFC 8414 authorization server metadata, where the OpenID-only members and rules do not apply.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness import evidence
from harness.flows.code_flow import authorize, obtain_code
from harness.flows.token import redeem_code
from harness.results import fail
from harness.specs import oidc_discovery, rfc7517, rfc7518, rfc8414, rfc9207
from harness.specs.rfc7636 import make_verifier
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement

OIDC_WELL_KNOWN = "/.well-known/openid-configuration"


def _is_oidc(target: Target) -> bool:
    """Whether the profile's discovery document is an OpenID Provider Configuration (known before asking)."""
    return target.profile.effective_discovery_url.rstrip("/").endswith(OIDC_WELL_KNOWN)


def _oidc_only(target: Target) -> None:
    if not _is_oidc(target):
        raise NotApplicable("the discovery document is RFC 8414 authorization server metadata, not an OpenID "
                            "Provider Configuration: OIDC Discovery §3 rules do not apply")


def _published_array(target: Target, member: str) -> None:
    """Skip a check about the values of ``member`` when the metadata does not publish it as an array.

    Presence and type are judged by ``required_members`` / ``member_types``; a check about the
    values has nothing to evaluate without them (and must not pass on nothing).
    """
    if not isinstance(target.metadata.get(member), list):
        raise NotApplicable(f"the metadata does not publish {member} as an array (required_members and "
                            "member_types judge that)")


def _jwks_requirement(target: Target) -> str:
    return "OIDCD-3-jwks_uri" if _is_oidc(target) else "RFC8414-2-jwks_uri"


@requirement("OIDCD-4.2", "RFC8414-3.2")
def test_document_served_as_json(target: Target) -> None:
    """The discovery document is served with HTTP 200 as a JSON object (``application/json``)."""
    response = target.http.get_idempotent(target.profile.effective_discovery_url, label="discovery")
    judge = oidc_discovery.check_metadata_response if _is_oidc(target) else rfc8414.check_metadata_response
    judge(response.status_code, response.headers, response.content)


@requirement("OIDCD-4.3", "RFC8414-3.3")
def test_issuer_matches(target: Target) -> None:
    """The issuer in the metadata is exactly the issuer the profile names."""
    judge = oidc_discovery.check_issuer_matches if _is_oidc(target) else rfc8414.check_issuer_matches
    judge(target.fetch_metadata_fresh(), target.profile.issuer)


@requirement("RFC8414-2-issuer")
def test_issuer_syntax(target: Target) -> None:
    """The issuer is an https URL with no query or fragment."""
    rfc8414.check_issuer_syntax(target.metadata.get("issuer"))


@requirement("OIDCD-3-required", "RFC8414-2")
def test_required_members(target: Target) -> None:
    """Every REQUIRED metadata member is present (OIDC Discovery §3, or RFC 8414 §2 for OAuth metadata)."""
    if _is_oidc(target):
        oidc_discovery.check_required_members(target.metadata)
    else:
        rfc8414.check_required_members(target.metadata)


@requirement("OIDCD-3-recommended")
def test_recommended_members(target: Target) -> None:
    """RECOMMENDED members (``userinfo_endpoint``, ``scopes_supported``, ...) are present (warnings)."""
    _oidc_only(target)
    oidc_discovery.check_recommended_members(target.metadata)


@requirement("RFC8414-3.2", "OIDCD-4.2")
def test_member_types(target: Target) -> None:
    """Known members are well typed (arrays of strings, booleans, absolute URLs); no empty arrays.

    Members no registered specification defines are allowed (RFC 8414 §2: "Additional
    authorization server metadata parameters MAY also be used") and are listed in the
    evidence for information only; there is nothing to judge about them.
    """
    metadata = target.metadata
    unknown = rfc8414.list_unknown_members(metadata)
    evidence.note(f"metadata members not defined by a specification the harness knows (information only): "
                  f"{unknown or 'none'}")
    if _is_oidc(target):
        oidc_discovery.check_member_types(metadata)
    else:
        rfc8414.check_member_types(metadata)


@requirement("RFC8414-2-jwks_uri", "OIDCD-3-jwks_uri_https")
def test_endpoints_use_https(target: Target) -> None:
    """Every endpoint URL in the metadata uses https (production profiles)."""
    if not target.profile.production:
        pytest.skip("the profile is not marked production: true, so http endpoints are tolerated")
    judge = oidc_discovery.check_https_endpoints if _is_oidc(target) else rfc8414.check_https_endpoints
    judge(target.metadata, production=True)


def _fapi2_only(target: Target) -> bool:
    """Every OpenID client of the profile is a FAPI 2.0 client (FAPI 2.0 forbids RS256 for them)."""
    clients = [c for c in target.profile.clients if "openid" in c.scope.split()]
    return bool(clients) and all(c.is_fapi2 for c in clients)


@requirement("OIDCD-3-rs256")
def test_id_token_signing_algs(target: Target) -> None:
    """``id_token_signing_alg_values_supported`` includes RS256 (not demanded of FAPI 2.0-only deployments)."""
    _oidc_only(target)
    _published_array(target, "id_token_signing_alg_values_supported")
    oidc_discovery.check_id_token_signing_algs(target.metadata, require_rs256=not _fapi2_only(target))


@requirement("OIDCD-3-scopes_openid")
def test_scopes_include_openid(target: Target) -> None:
    """``scopes_supported``, when published, lists ``openid`` (SHOULD: a warning otherwise)."""
    _oidc_only(target)
    _published_array(target, "scopes_supported")
    oidc_discovery.check_scopes_include_openid(target.metadata)


@requirement("OIDCD-3-subject_types_supported")
def test_subject_types(target: Target) -> None:
    """``subject_types_supported`` lists only ``public`` and ``pairwise``."""
    _oidc_only(target)
    _published_array(target, "subject_types_supported")
    oidc_discovery.check_subject_types(target.metadata)


def _jwks_document(target: Target) -> dict[str, Any]:
    response = target.http.get_idempotent(target.endpoint("jwks_uri"), label="jwks")
    return rfc7517.check_jwks_response(response.status_code, response.content,
                                       requirement=_jwks_requirement(target))


@requirement("RFC7517-5", "RFC7517-4.5")
def test_jwks_document(target: Target) -> None:
    """``jwks_uri`` serves a public JWK Set: keys array, kty, distinct kids, no private members."""
    rfc7517.check_jwks_document(_jwks_document(target), use_requirement=_jwks_requirement(target))


@requirement("RFC7518-3.3")
def test_jwks_rsa_key_sizes(target: Target) -> None:
    """RSA keys in the JWK Set are 2048 bits or larger."""
    document = _jwks_document(target)
    if not any(isinstance(k, dict) and k.get("kty") == "RSA" for k in document["keys"]):
        raise NotApplicable("the published JWK Set has no RSA key")
    rfc7518.check_rsa_key_sizes(document)


@requirement("RFC8414-2-supported", "RFC9700-2.1.1-detect")
def test_pkce_advertised_matches_behaviour(target: Target, user_agent: Any) -> None:
    """What works is advertised: S256 PKCE is *enforced* exactly when ``code_challenge_methods_supported`` lists it.

    A server without PKCE ignores an unknown ``code_challenge`` and issues a code anyway,
    so a code is no evidence of support. Support is observed as enforcement: a code issued
    for an S256 challenge is refused with a wrong ``code_verifier``. The valid redemption
    (right verifier) must work in any case.
    """
    client = target.pick_client(purpose="a PKCE authorization request", confidential=True)
    good = obtain_code(target, user_agent, client, pkce="S256")
    redeemed = redeem_code(target, client, good.code, redirect_uri=good.request.redirect_uri,
                           code_verifier=good.request.code_verifier, label="redeem with the right code_verifier")
    if not redeemed.ok:
        raise fail("PRECONDITION_TOKEN_REQUEST_FAILED", "a code issued for an S256 challenge could not be redeemed "
                   "with its code_verifier", "RFC7636-4.6", expected="HTTP 200 with tokens",
                   actual=f"HTTP {redeemed.status} error={redeemed.error}")
    probe = obtain_code(target, user_agent, client, pkce="S256")
    wrong = redeem_code(target, client, probe.code, redirect_uri=probe.request.redirect_uri,
                        code_verifier=make_verifier(), label="redeem with a wrong code_verifier")
    evidence.note(f"a wrong code_verifier was {'accepted: PKCE is not enforced' if wrong.ok else 'refused'}")
    rfc8414.check_pkce_advertised(target.metadata, s256_works=not wrong.ok)


@requirement("RFC9207-2.3", "RFC9207-2")
def test_iss_parameter_advertised_matches_behaviour(target: Target, user_agent: Any) -> None:
    """``authorization_response_iss_parameter_supported`` agrees with whether ``iss`` is sent."""
    client = target.pick_client(purpose="an authorization request", confidential=True)
    _, outcome = authorize(target, user_agent, client)
    if not outcome.redirected:
        raise fail("PRECONDITION_AUTHORIZATION_FAILED", "a valid authorization request did not redirect back",
                   "RFC6749-4.1.2", actual=outcome.describe())
    rfc9207.check_iss_support_advertised(target.metadata, "iss" in outcome.params)

