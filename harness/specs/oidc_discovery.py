"""OpenID Connect Discovery 1.0: provider metadata."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.results import Findings, Level, fail
from harness.specs import _metadata, rfc8414
from harness.specs._findings import finding
from harness.specs._http import Body, Headers

__all__ = [
    "check_https_endpoints",
    "check_id_token_signing_algs",
    "check_issuer_matches",
    "check_issuer_syntax",
    "check_member_types",
    "check_metadata_response",
    "check_recommended_members",
    "check_required_members",
    "check_scopes_include_openid",
    "check_subject_types",
    "list_unknown_members",
]


def check_metadata_response(status: int, headers: Headers, body: Body) -> dict[str, Any]:
    """OIDC Discovery §4.2: the configuration response; return the parsed JSON object.

    "A successful response MUST use the 200 OK HTTP status code and return a JSON object
    using the application/json content type that contains a set of Claims as its members
    that are a subset of the Metadata values defined in Section 3."
    """
    return _metadata.check_response(status, headers, body, "OIDCD-4.2")


def check_issuer_matches(metadata: Mapping[str, Any], expected_issuer: str) -> None:
    """OIDC Discovery §4.3: the ``issuer`` is exactly the Issuer the URL was built from.

    "The issuer value returned MUST be identical to the Issuer URL that was used as the
    prefix to /.well-known/openid-configuration to retrieve the configuration
    information."
    """
    _metadata.check_issuer_matches(metadata, expected_issuer, "OIDCD-4.3")


def check_issuer_syntax(issuer: Any) -> None:
    """OIDC Discovery §3, ``issuer``: https, no query, no fragment.

    "REQUIRED. URL using the https scheme with no query or fragment components that the
    OP asserts as its Issuer Identifier."
    """
    _metadata.check_issuer_syntax(issuer, "OIDCD-3-issuer")


def check_required_members(metadata: Mapping[str, Any], *, implicit_only: bool = False) -> None:
    """OIDC Discovery §3: the REQUIRED members are present.

    ``issuer``, ``authorization_endpoint``, ``token_endpoint`` ("This is REQUIRED unless
    only the Implicit Flow is used."), ``jwks_uri``, ``response_types_supported``,
    ``subject_types_supported`` and ``id_token_signing_alg_values_supported`` are REQUIRED.
    """
    rfc8414.check_required_members(metadata, oidc=True, implicit_only=implicit_only)


def check_recommended_members(metadata: Mapping[str, Any]) -> None:
    """OIDC Discovery §3: the RECOMMENDED members are present (warnings).

    ``userinfo_endpoint``, ``registration_endpoint``, ``scopes_supported`` and
    ``claims_supported`` are "RECOMMENDED".
    """
    findings = Findings()
    for member in ("userinfo_endpoint", "registration_endpoint", "scopes_supported",
                   "claims_supported"):
        if member not in metadata:
            findings.add(finding("METADATA_RECOMMENDED_MISSING", f"{member} is RECOMMENDED",
                                 "OIDCD-3-recommended", member, None, Level.SHOULD))
    findings.raise_if_any()


def check_member_types(metadata: Mapping[str, Any]) -> None:
    """OIDC Discovery §3 / §4.2: defined JSON types; no empty arrays.

    "Claims that return multiple values are represented as JSON arrays. Claims with zero
    elements MUST be omitted from the response." (§4.2)
    """
    _metadata.check_types(metadata, "OIDCD-4.2", "OIDCD-4.2-zero_elements")


def check_https_endpoints(metadata: Mapping[str, Any], production: bool) -> None:
    """Endpoints use https (production profiles only).

    OIDC Discovery §3: ``jwks_uri`` "URL of the OP's JWK Set [JWK] document, which MUST
    use the https scheme"; ``userinfo_endpoint`` "This URL MUST use the https scheme";
    RFC 6749 §3.1/§3.2 require TLS at the authorization and token endpoints.
    """
    if not production:
        return
    _metadata.check_https({k: v for k, v in metadata.items() if k != "issuer"}, True, {}, {
        "jwks_uri": "OIDCD-3-jwks_uri_https", "userinfo_endpoint": "OIDCD-3-userinfo_endpoint_https",
        "authorization_endpoint": "RFC6749-3.1-tls", "token_endpoint": "RFC6749-3.2-tls",
        "revocation_endpoint": "RFC7009-2",
    })


def check_id_token_signing_algs(metadata: Mapping[str, Any], *, require_rs256: bool = True) -> None:
    """OIDC Discovery §3, ``id_token_signing_alg_values_supported``: RS256 is included.

    "The algorithm RS256 MUST be included." Profiles that forbid RS256 (FAPI 2.0) pass
    ``require_rs256=False``.
    """
    algs = metadata.get("id_token_signing_alg_values_supported")
    if require_rs256 and isinstance(algs, list) and "RS256" not in algs:
        raise fail("ID_TOKEN_ALGS_NO_RS256", "id_token_signing_alg_values_supported lacks RS256",
                   "OIDCD-3-rs256", expected="RS256 included", actual=algs)


def check_scopes_include_openid(metadata: Mapping[str, Any]) -> None:
    """OIDC Discovery §3, ``scopes_supported``: a published list SHOULD name ``openid``.

    "RECOMMENDED. JSON array containing a list of the OAuth 2.0 [RFC6749] scope values that
    this server supports. The server MUST support the openid scope value. Servers MAY choose
    not to advertise some supported scope values even when this parameter is used, although
    those defined in [OpenID.Core] SHOULD be listed, if supported." The MUST is about
    *supporting* ``openid`` (every OpenID request of the other suites exercises it); leaving
    it out of the list breaks only the SHOULD, hence a warning. An omitted member is the
    RECOMMENDED-member check's business, not this one's.
    """
    scopes = metadata.get("scopes_supported")
    if isinstance(scopes, list) and "openid" not in scopes:
        raise fail("SCOPES_NO_OPENID", "scopes_supported does not list openid", "OIDCD-3-scopes_openid",
                   expected="openid", actual=scopes, level=Level.SHOULD)


def check_subject_types(metadata: Mapping[str, Any]) -> None:
    """OIDC Discovery §3, ``subject_types_supported``: "Valid types include pairwise and public".

    Other values are reported as warnings (the list is not closed).
    """
    types = metadata.get("subject_types_supported")
    if isinstance(types, list):
        unknown = [t for t in types if t not in ("public", "pairwise")]
        if unknown:
            raise fail("SUBJECT_TYPE_UNKNOWN", "subject_types_supported has unknown values",
                       "OIDCD-3-subject_types_supported", expected=["public", "pairwise"], actual=unknown,
                       level=Level.SHOULD)


def list_unknown_members(metadata: Mapping[str, Any]) -> list[str]:
    """Members the harness does not know (informational)."""
    return _metadata.unknown_members(metadata)
