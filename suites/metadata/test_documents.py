"""The metadata documents themselves: cross-member coherence, endpoints the profile has to supply,
and agreement of the OpenID configuration with the RFC 8414 document when both are served.
"""

from __future__ import annotations

import pytest

from harness import evidence
from harness.http import try_json_object
from harness.specs import metadata_consistency as mc
from harness.specs._http import media_type
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement

OIDC_WELL_KNOWN = "/.well-known/openid-configuration"


def _is_oidc(target: Target) -> bool:
    return target.profile.effective_discovery_url.rstrip("/").endswith(OIDC_WELL_KNOWN)


def _document_name(target: Target) -> str:
    return "OpenID configuration" if _is_oidc(target) else "authorization server metadata"


@requirement("RFC8414-2-grant_types_supported", "CIBA-4-backchannel_authentication_endpoint",
             "CIBA-4-backchannel_token_delivery_modes_supported", "RFC9126-5", "RFC8414-2-values")
def test_member_coherence(target: Target) -> None:
    """Members agree with each other and values sit in the member that defines them.

    A device or CIBA grant comes with its endpoint (CIBA §4: REQUIRED); response types that issue tokens
    agree with an explicit ``grant_types_supported``; ``require_pushed_authorization_requests`` comes
    with a PAR endpoint; no member lists another member's values (``S256`` among auth methods).
    """
    mc.check_member_coherence(target.metadata)


@requirement("RFC8414-2-introspection_endpoint", "RFC8414-2-revocation_endpoint", "RFC8628-4", "RFC9126-2-metadata",
             "OIDCD-3-recommended", "CIBA-4-backchannel_authentication_endpoint", "RFC8414-2-endpoints")
def test_profile_supplied_endpoints_reported(target: Target) -> None:
    """Every endpoint the profile's ``endpoints:`` supplies because discovery lacks it is a finding.

    Decided from the profile before any request: a profile without ``endpoints:`` has nothing to report.
    Each missing endpoint is judged at its publication level (OPTIONAL → information, RFC 9126 §2
    SHOULD for PAR, RECOMMENDED UserInfo, REQUIRED CIBA endpoint).
    """
    if not target.profile.endpoints:
        raise NotApplicable("the profile supplies no endpoints (endpoints:): discovery advertises every endpoint used")
    mc.check_profile_endpoints(target.metadata, target.profile.endpoints, _document_name(target))


@requirement("RFC8414-1-compatible", "RFC8414-3.1")
def test_documents_agree(target: Target) -> None:
    """When both an OpenID configuration and an RFC 8414 document are served, they agree.

    The other document is fetched where RFC 8414 §3.1 puts it (``/.well-known/oauth-authorization-server``
    inserted between host and path; for an issuer with a path, a document only at the path-appended URL is
    in the wrong place). Members both carry must have the same values; an endpoint only one advertises is
    information. Not served at all: nothing to compare (the RFC 8414 document is optional for an OP).
    """
    issuer = target.profile.issuer
    own = target.metadata
    url, wrong = mc.other_document_urls(issuer, _is_oidc(target))
    other = _fetch(target, url)
    if other is None and wrong is not None and _fetch(target, wrong) is not None:
        raise mc.fail_path(url, wrong)
    if other is None:
        evidence.note(f"no metadata document is served at {url}: nothing to compare")
        return
    oidc, oauth = (own, other) if _is_oidc(target) else (other, own)
    evidence.note(f"{url} is served too: {len(set(oidc) & set(oauth))} members in both documents compared")
    mc.check_documents_agree(oidc, oauth)


def _fetch(target: Target, url: str) -> dict[str, object] | None:
    """The JSON object served at ``url`` with HTTP 200 and a JSON type, else ``None`` (not served)."""
    response = target.http.get_idempotent(url, label="other metadata document")
    if response.status_code != 200 or media_type(response.headers) not in ("application/json",):
        return None
    return try_json_object(response)
