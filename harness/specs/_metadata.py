"""Server metadata (RFC 8414 / OIDC Discovery): known members, their types and defaults.

Shared by :mod:`harness.specs.rfc8414` and :mod:`harness.specs.oidc_discovery`, which
cite their own requirement IDs.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from harness.results import CheckFailed, Findings, Level, fail
from harness.specs._findings import finding
from harness.specs._http import Body, Headers, header_value, is_absolute_url, is_https_url, media_type, parse_json


class Kind(Enum):
    """The JSON type a metadata member must have."""

    URL = "URL"
    STRINGS = "array of strings"
    BOOL = "boolean"
    STRING = "string"
    URL_MAP = "object of URLs"


_URLS = (
    "issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint",
    "service_documentation", "op_policy_uri", "op_tos_uri", "revocation_endpoint",
    "introspection_endpoint", "userinfo_endpoint", "check_session_iframe", "end_session_endpoint",
    "pushed_authorization_request_endpoint", "device_authorization_endpoint",
    "backchannel_authentication_endpoint",
)
_ARRAYS = (
    "scopes_supported", "response_types_supported", "response_modes_supported",
    "grant_types_supported", "token_endpoint_auth_methods_supported",
    "token_endpoint_auth_signing_alg_values_supported", "ui_locales_supported",
    "revocation_endpoint_auth_methods_supported",
    "revocation_endpoint_auth_signing_alg_values_supported",
    "introspection_endpoint_auth_methods_supported",
    "introspection_endpoint_auth_signing_alg_values_supported",
    "code_challenge_methods_supported", "acr_values_supported", "subject_types_supported",
    "id_token_signing_alg_values_supported", "id_token_encryption_alg_values_supported",
    "id_token_encryption_enc_values_supported", "userinfo_signing_alg_values_supported",
    "userinfo_encryption_alg_values_supported", "userinfo_encryption_enc_values_supported",
    "request_object_signing_alg_values_supported",
    "request_object_encryption_alg_values_supported",
    "request_object_encryption_enc_values_supported", "display_values_supported",
    "claim_types_supported", "claims_supported", "claims_locales_supported",
    "dpop_signing_alg_values_supported", "authorization_signing_alg_values_supported",
    "authorization_encryption_alg_values_supported",
    "authorization_encryption_enc_values_supported", "backchannel_token_delivery_modes_supported",
    "backchannel_authentication_request_signing_alg_values_supported",
    "authorization_details_types_supported", "introspection_signing_alg_values_supported",
    "introspection_encryption_alg_values_supported",
    "introspection_encryption_enc_values_supported", "prompt_values_supported",
)
_BOOLS = (
    "claims_parameter_supported", "request_parameter_supported",
    "request_uri_parameter_supported", "require_request_uri_registration",
    "frontchannel_logout_supported", "frontchannel_logout_session_supported",
    "backchannel_logout_supported", "backchannel_logout_session_supported",
    "require_pushed_authorization_requests", "require_signed_request_object",
    "tls_client_certificate_bound_access_tokens", "authorization_response_iss_parameter_supported",
    "backchannel_user_code_parameter_supported",
)

#: Every metadata member the harness knows, with its JSON type.
KNOWN_MEMBERS: dict[str, Kind] = {
    **dict.fromkeys(_URLS, Kind.URL),
    **dict.fromkeys(_ARRAYS, Kind.STRINGS),
    **dict.fromkeys(_BOOLS, Kind.BOOL),
    "signed_metadata": Kind.STRING,
    "mtls_endpoint_aliases": Kind.URL_MAP,
}

#: Values that apply when a member is omitted (RFC 8414 §2, OIDC Discovery §3, RFC 9126 §5…).
DEFAULTS: dict[str, Any] = {
    "response_modes_supported": ["query", "fragment"],
    "grant_types_supported": ["authorization_code", "implicit"],
    "token_endpoint_auth_methods_supported": ["client_secret_basic"],
    "revocation_endpoint_auth_methods_supported": ["client_secret_basic"],
    "claims_parameter_supported": False,
    "request_parameter_supported": False,
    "request_uri_parameter_supported": True,
    "require_request_uri_registration": False,
    "require_pushed_authorization_requests": False,
    "require_signed_request_object": False,
    "tls_client_certificate_bound_access_tokens": False,
    "authorization_response_iss_parameter_supported": False,
    "backchannel_user_code_parameter_supported": False,
    "frontchannel_logout_supported": False,
    "backchannel_logout_supported": False,
    "claim_types_supported": ["normal"],
}


def check_response(status: int, headers: Headers, body: Body,
                   requirement: str) -> dict[str, Any]:
    """The metadata response is 200, application/json, a JSON object; return it."""
    findings = Findings()
    if status != 200:
        findings.add(finding("METADATA_STATUS", "metadata response status is not 200",
                             requirement, 200, status))
    if media_type(headers) != "application/json":
        findings.add(finding("METADATA_CONTENT_TYPE", "metadata is not application/json",
                             requirement, "application/json", header_value(headers, "content-type")))
    data, problem = parse_json(body)
    if not isinstance(data, Mapping):
        findings.add(finding("METADATA_NOT_JSON_OBJECT", "metadata is not a JSON object",
                             requirement, "JSON object", problem or type(data).__name__))
    findings.raise_if_any()
    assert isinstance(data, Mapping)
    return dict(data)


def check_required(metadata: Mapping[str, Any], required: list[str], requirement: str) -> None:
    """Raise one finding per missing required member."""
    findings = Findings()
    for member in required:
        if member not in metadata:
            findings.add(finding("METADATA_MEMBER_MISSING", f"required member {member} is missing",
                                 requirement, member, None))
    findings.raise_if_any()


def check_types(metadata: Mapping[str, Any], requirement: str, empty_requirement: str) -> None:
    """Check the JSON type of every known member, and that no array is empty."""
    findings = Findings()
    for member, value in metadata.items():
        kind = KNOWN_MEMBERS.get(member)
        if kind is None:
            continue
        if not _has_kind(value, kind):
            findings.add(finding("METADATA_MEMBER_TYPE", f"{member} is not a {kind.value}",
                                 requirement, kind.value, value))
        elif kind is Kind.STRINGS and not value:
            findings.add(finding("METADATA_EMPTY_ARRAY", f"{member} is an empty array; "
                                 "claims with zero elements must be omitted",
                                 empty_requirement, "omitted", value))
    findings.raise_if_any()


def _has_kind(value: Any, kind: Kind) -> bool:
    if kind is Kind.URL:
        return is_absolute_url(value)
    if kind is Kind.STRINGS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind is Kind.BOOL:
        return isinstance(value, bool)
    if kind is Kind.STRING:
        return isinstance(value, str)
    return isinstance(value, Mapping) and all(is_absolute_url(v) for v in value.values())


def endpoint_urls(metadata: Mapping[str, Any]) -> dict[str, str]:
    """Every URL-valued member, with ``mtls_endpoint_aliases.<name>`` for the aliases."""
    urls = {m: v for m, v in metadata.items()
            if KNOWN_MEMBERS.get(m) is Kind.URL and isinstance(v, str)}
    aliases = metadata.get("mtls_endpoint_aliases")
    if isinstance(aliases, Mapping):
        urls.update({f"mtls_endpoint_aliases.{k}": v for k, v in aliases.items()
                     if isinstance(v, str)})
    return urls


def check_https(metadata: Mapping[str, Any], production: bool,
                always: Mapping[str, str], when_production: Mapping[str, str]) -> None:
    """Report URLs that do not use https.

    ``always`` maps member → requirement checked in every profile; other endpoints are
    checked only in production profiles (``when_production`` gives specific citations,
    ``DOC-production`` otherwise).
    """
    findings = Findings()
    for member, url in endpoint_urls(metadata).items():
        if is_https_url(url):
            continue
        if member in always:
            requirement = always[member]
        elif production:
            requirement = when_production.get(member, "DOC-production")
        else:
            continue
        findings.add(finding("ENDPOINT_NOT_HTTPS", f"{member} does not use https", requirement,
                             "https", url))
    findings.raise_if_any()


def check_issuer_syntax(issuer: Any, requirement: str) -> None:
    """The issuer is an https URL without query or fragment."""
    findings = Findings()
    if not is_absolute_url(issuer):
        findings.add(finding("ISSUER_NOT_URL", "issuer is not an absolute URL", requirement,
                             "https URL", issuer))
        findings.raise_if_any()
    parts = urlsplit(issuer)
    if parts.scheme != "https":
        findings.add(finding("ISSUER_NOT_HTTPS", "issuer does not use https", requirement,
                             "https", parts.scheme))
    if parts.query or issuer.endswith("?"):
        findings.add(finding("ISSUER_HAS_QUERY", "issuer has a query component", requirement,
                             None, parts.query))
    if parts.fragment or "#" in issuer:
        findings.add(finding("ISSUER_HAS_FRAGMENT", "issuer has a fragment component",
                             requirement, None, parts.fragment))
    findings.raise_if_any()


def check_issuer_matches(metadata: Mapping[str, Any], expected: str, requirement: str) -> None:
    """``issuer`` is present and identical (simple string comparison) to ``expected``."""
    issuer = metadata.get("issuer")
    if issuer is None:
        raise _fail("ISSUER_MISSING", "metadata has no issuer", requirement, expected, None)
    if issuer != expected:
        raise _fail("ISSUER_MISMATCH", "issuer is not identical to the expected issuer",
                    requirement, expected, issuer)


def unknown_members(metadata: Mapping[str, Any]) -> list[str]:
    """Members the harness does not know, sorted (informational)."""
    return sorted(m for m in metadata if m not in KNOWN_MEMBERS)


def _fail(code: str, message: str, requirement: str, expected: Any, actual: Any,
          level: Level = Level.MUST) -> CheckFailed:
    return fail(code, message, requirement, expected=expected, actual=actual, level=level)
