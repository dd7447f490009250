"""RFC 8414 (OAuth 2.0 Authorization Server Metadata) and advertised-vs-actual consistency."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.results import Findings, Level, fail
from harness.specs import _metadata, catalogue
from harness.specs._http import Body, Headers

__all__ = [
    "check_advertised_supports",
    "check_https_endpoints",
    "check_issuer_matches",
    "check_issuer_syntax",
    "check_member_types",
    "check_metadata_response",
    "check_pkce_advertised",
    "check_required_members",
    "is_advertised",
    "list_unknown_members",
]


def check_metadata_response(status: int, headers: Headers, body: Body) -> dict[str, Any]:
    """RFC 8414 §3.2: the metadata response; return the parsed JSON object.

    "A successful response MUST use the 200 OK HTTP status code and return a JSON object
    using the "application/json" content type that contains a set of claims as its
    members that are a subset of the metadata values defined in Section 2."
    """
    return _metadata.check_response(status, headers, body, "RFC8414-3.2")


def check_issuer_matches(metadata: Mapping[str, Any], expected_issuer: str) -> None:
    """RFC 8414 §3.3: the ``issuer`` is exactly the issuer the metadata URL was built from.

    "The "issuer" value returned MUST be identical to the authorization server's issuer
    identifier value into which the well-known URI string was inserted to create the URL
    used to retrieve the metadata. If these values are not identical, the data contained
    in the response MUST NOT be used."
    """
    _metadata.check_issuer_matches(metadata, expected_issuer, "RFC8414-3.3")


def check_issuer_syntax(issuer: Any) -> None:
    """RFC 8414 §2, ``issuer``: an https URL with no query or fragment.

    "REQUIRED. The authorization server's issuer identifier, which is a URL that uses the
    "https" scheme and has no query or fragment components."
    """
    _metadata.check_issuer_syntax(issuer, "RFC8414-2-issuer")


def check_required_members(metadata: Mapping[str, Any], *, oidc: bool = False,
                           implicit_only: bool = False) -> None:
    """RFC 8414 §2 (or OIDC Discovery §3 with ``oidc``): required members are present.

    RFC 8414: ``issuer`` "REQUIRED"; ``authorization_endpoint`` "REQUIRED unless no grant
    types are supported that use the authorization endpoint"; ``token_endpoint``
    "REQUIRED unless only the implicit grant type is supported"; ``response_types_supported``
    "REQUIRED". OIDC Discovery §3 also makes ``jwks_uri``, ``subject_types_supported`` and
    ``id_token_signing_alg_values_supported`` REQUIRED (``token_endpoint`` "unless only the
    Implicit Flow is used").
    """
    grants = metadata.get("grant_types_supported", _metadata.DEFAULTS["grant_types_supported"])
    grant_set = set(grants) if isinstance(grants, list) else set()
    required = ["issuer", "response_types_supported"]
    if oidc or grant_set & {"authorization_code", "implicit"}:
        required.append("authorization_endpoint")
    if not implicit_only and (oidc or grant_set != {"implicit"}):
        required.append("token_endpoint")
    if oidc:
        required += ["jwks_uri", "subject_types_supported", "id_token_signing_alg_values_supported"]
    _metadata.check_required(metadata, required, "OIDCD-3-required" if oidc else "RFC8414-2")


def check_member_types(metadata: Mapping[str, Any]) -> None:
    """RFC 8414 §2 / §3.2: known members have their defined JSON types; no empty arrays.

    Members are defined as URLs, "JSON array containing a list of …" or booleans; and
    "Claims that return multiple values are represented as JSON arrays. Claims with zero
    elements MUST be omitted from the response." (§3.2).
    """
    _metadata.check_types(metadata, "RFC8414-3.2", "RFC8414-3.2-empty")


def check_https_endpoints(metadata: Mapping[str, Any], production: bool) -> None:
    """Endpoints use https (checked for production profiles only).

    RFC 8414 §2 ``jwks_uri``: "This URL MUST use the "https" scheme."; RFC 6749 §3.1 and
    §3.2: "the authorization server MUST require the use of TLS" for the authorization and
    token endpoints; RFC 7009 §2: "URLs for token revocation endpoints MUST be HTTPS URLs."
    Other endpoints cite the profile's documented ``production`` setting.
    """
    if not production:
        return
    _metadata.check_https({k: v for k, v in metadata.items() if k != "issuer"}, True, {}, {
        "jwks_uri": "RFC8414-2-jwks_uri", "authorization_endpoint": "RFC6749-3.1-tls",
        "token_endpoint": "RFC6749-3.2-tls", "revocation_endpoint": "RFC7009-2",
    })


def list_unknown_members(metadata: Mapping[str, Any]) -> list[str]:
    """Members the harness does not know (informational: unknown members are allowed)."""
    return _metadata.unknown_members(metadata)


@dataclass(frozen=True)
class _Promise:
    requirement: str
    unadvertised_level: Level = Level.SHOULD
    unadvertised_requirement: str | None = None


_PROMISES: dict[str, _Promise] = {
    "code_challenge_methods_supported": _Promise("RFC8414-2-supported", Level.SHOULD, "RFC9700-2.1.1-detect"),
    "scopes_supported": _Promise("RFC8414-2-scopes", Level.MAY),
    "pushed_authorization_request_endpoint": _Promise("RFC9126-5-endpoint"),
    "require_pushed_authorization_requests": _Promise("RFC9126-5"),
    "device_authorization_endpoint": _Promise("RFC8628-4"),
    "backchannel_authentication_endpoint": _Promise("CIBA-4-backchannel_authentication_endpoint"),
    "backchannel_token_delivery_modes_supported": _Promise("CIBA-4-backchannel_token_delivery_modes_supported"),
    "backchannel_authentication_request_signing_alg_values_supported": _Promise(
        "CIBA-4-backchannel_authentication_request_signing_alg_values_supported"),
    "backchannel_user_code_parameter_supported": _Promise("CIBA-4-backchannel_user_code_parameter_supported"),
    "dpop_signing_alg_values_supported": _Promise("RFC9449-5.1"),
    "tls_client_certificate_bound_access_tokens": _Promise("RFC8705-3.3"),
    "mtls_endpoint_aliases": _Promise("RFC8705-5"),
    "authorization_response_iss_parameter_supported": _Promise("RFC9207-2", Level.MUST,
                                                               "RFC9207-2.3"),
    "id_token_signing_alg_values_supported": _Promise("OIDCD-3-id_token_signing_alg_values_supported"),
    "request_parameter_supported": _Promise("OIDCD-3-request_parameter_supported"),
    "request_uri_parameter_supported": _Promise("OIDCD-3-request_uri_parameter_supported"),
    "request_object_signing_alg_values_supported": _Promise("OIDCD-3-request_object_signing_alg_values_supported"),
    "claims_parameter_supported": _Promise("OIDCD-3-claims_parameter_supported"),
    "subject_types_supported": _Promise("OIDCD-3-subject_types_supported"),
}


def is_advertised(metadata: Mapping[str, Any], member: str, value: str | None = None) -> bool:
    """Whether ``metadata`` advertises ``value`` in ``member`` (defaults applied).

    Array members: ``value`` is listed. Boolean members: the flag is true. URL members:
    present. ``mtls_endpoint_aliases``: present, or has an alias named ``value``.
    """
    present = member in metadata
    current = metadata.get(member, _metadata.DEFAULTS.get(member))
    if isinstance(current, list):
        return value in current
    if isinstance(current, bool):
        return current
    if isinstance(current, Mapping):
        return value is None or value in current
    return present and current is not None


def check_advertised_supports(metadata: Mapping[str, Any], member: str, value: str | None,
                              works: bool) -> None:
    """What is advertised works, and what works is advertised.

    RFC 8414 §2 defines each member as what the server *supports* ("JSON array containing
    a list of the … values that this authorization server supports"), so advertising a
    feature that does not work is a failure. A working feature that is not advertised is a
    warning, except where a specification requires advertising it (RFC 9207 §2.3: "The
    server MUST indicate its support for the iss parameter by setting the metadata
    parameter authorization_response_iss_parameter_supported … to true.") and info for
    ``scopes_supported`` ("Servers MAY choose not to advertise some supported scope
    values"). An advertisement that only comes from an omitted member's default value
    (e.g. ``implicit`` in the default ``grant_types_supported``) is a warning.
    """
    promise = _PROMISES.get(member, _Promise("RFC8414-2-supported"))
    advertised = is_advertised(metadata, member, value)
    shown = member if value is None else f"{member} ∋ {value}"
    if advertised and not works:
        level = _capped(Level.MUST if member in metadata else Level.SHOULD, promise.requirement)
        raise fail("ADVERTISED_NOT_WORKING", f"metadata advertises {shown} but it does not "
                   "work", promise.requirement, expected="works", actual="does not work",
                   level=level)
    if works and not advertised:
        requirement = promise.unadvertised_requirement or promise.requirement
        raise fail("WORKS_NOT_ADVERTISED", f"{shown} works but the metadata does not "
                   "advertise it", requirement, expected="advertised", actual=metadata.get(member),
                   level=_capped(promise.unadvertised_level, requirement))


_RANK = {Level.MAY: 0, Level.SHOULD: 1, Level.MUST: 2}


def _capped(level: Level, requirement: str) -> Level:
    """``level``, lowered to the strength of ``requirement``'s catalogued keyword.

    A member defined as OPTIONAL (``request_parameter_supported``, ``claims_parameter_supported``
    ...) can never give a MUST (or SHOULD) finding: a finding is never stronger than its sentence.
    """
    entry = catalogue.find(requirement)
    if entry is None or _RANK[entry.strength] >= _RANK[level]:
        return level
    return entry.strength


def check_pkce_advertised(metadata: Mapping[str, Any], *, s256_works: bool,
                          plain_works: bool | None = None) -> None:
    """PKCE methods in ``code_challenge_methods_supported`` match what the server does.

    RFC 8414 §2: "If omitted, the authorization server does not support PKCE."; RFC 9700
    §2.1.1: "Authorization servers MUST provide a way to detect their support for PKCE. It
    is RECOMMENDED for authorization servers to publish the element
    code_challenge_methods_supported in their Authorization Server Metadata" — hence a
    working but unadvertised method is a warning (another detection way MAY exist).
    """
    findings = Findings()
    findings.check(check_advertised_supports, metadata, "code_challenge_methods_supported",
                   "S256", s256_works)
    if plain_works is not None:
        findings.check(check_advertised_supports, metadata, "code_challenge_methods_supported",
                       "plain", plain_works)
    findings.raise_if_any()
