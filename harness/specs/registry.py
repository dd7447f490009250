"""Requirement IDs: one table maps each ID prefix to the URL of its specification.

IDs look like ``RFC9126-2.2``, ``OIDCC-3.1.3.7`` or ``DOC-require_par`` (a documented
setting of the target profile). :func:`requirement_url` turns an ID into a link to the
section; :func:`validate_requirement_id` rejects an ID whose prefix is unknown, so a typo
fails the harness's own tests instead of silently rendering as plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SpecSource:
    """Where the sections of one specification live."""

    prefix: str
    title: str
    base_url: str
    section_anchor: str  # appended with the section number, e.g. "#section-"


# RFCs share one pattern; they are listed so reports can name them.
_RFC_TITLES: dict[str, str] = {
    "6749": "The OAuth 2.0 Authorization Framework",
    "6750": "OAuth 2.0 Bearer Token Usage",
    "6797": "HTTP Strict Transport Security (HSTS)",
    "7009": "OAuth 2.0 Token Revocation",
    "7515": "JSON Web Signature",
    "7516": "JSON Web Encryption",
    "7517": "JSON Web Key",
    "7518": "JSON Web Algorithms",
    "7519": "JSON Web Token",
    "7521": "Assertion Framework for OAuth 2.0 Client Authentication and Authorization Grants",
    "7523": "JWT Profile for OAuth 2.0 Client Authentication",
    "7591": "OAuth 2.0 Dynamic Client Registration Protocol",
    "7592": "OAuth 2.0 Dynamic Client Registration Management Protocol",
    "7636": "Proof Key for Code Exchange",
    "7638": "JSON Web Key Thumbprint",
    "7662": "OAuth 2.0 Token Introspection",
    "7800": "Proof-of-Possession Key Semantics for JWTs",
    "8037": "CFRG Elliptic Curve Signatures in JOSE",
    "8414": "OAuth 2.0 Authorization Server Metadata",
    "8628": "OAuth 2.0 Device Authorization Grant",
    "8705": "OAuth 2.0 Mutual-TLS Client Authentication and Certificate-Bound Access Tokens",
    "8707": "Resource Indicators for OAuth 2.0",
    "8996": "Deprecating TLS 1.0 and TLS 1.1",
    "9068": "JWT Profile for OAuth 2.0 Access Tokens",
    "9101": "JWT-Secured Authorization Request (JAR)",
    "9126": "OAuth 2.0 Pushed Authorization Requests",
    "9110": "HTTP Semantics",
    "9111": "HTTP Caching",
    "9207": "OAuth 2.0 Authorization Server Issuer Identification",
    "9449": "OAuth 2.0 Demonstrating Proof of Possession (DPoP)",
    "9325": "Recommendations for Secure Use of TLS and DTLS (BCP 195)",
    "9700": "Best Current Practice for OAuth 2.0 Security",
    "9701": "JWT Response for OAuth Token Introspection",
}

_OPENID: dict[str, SpecSource] = {
    "OIDCC": SpecSource("OIDCC", "OpenID Connect Core 1.0",
                        "https://openid.net/specs/openid-connect-core-1_0.html", "#section-"),
    "OIDCD": SpecSource("OIDCD", "OpenID Connect Discovery 1.0",
                        "https://openid.net/specs/openid-connect-discovery-1_0.html", "#section-"),
    "JARM": SpecSource("JARM", "JWT Secured Authorization Response Mode for OAuth 2.0",
                       "https://openid.net/specs/oauth-v2-jarm-final.html", "#section-"),
    "CIBA": SpecSource("CIBA", "OpenID Connect Client-Initiated Backchannel Authentication Core",
                       "https://openid.net/specs/openid-client-initiated-backchannel-authentication-core-1_0.html",
                       "#section-"),
    "FAPI2SP": SpecSource("FAPI2SP", "FAPI 2.0 Security Profile",
                          "https://openid.net/specs/fapi-security-profile-2_0-final.html", "#section-"),
    "FAPI1ADV": SpecSource("FAPI1ADV", "Financial-grade API Security Profile 1.0 - Part 2: Advanced",
                           "https://openid.net/specs/openid-financial-api-part-2-1_0.html", "#section-"),
    "OIDCR": SpecSource("OIDCR", "OpenID Connect Dynamic Client Registration 1.0",
                        "https://openid.net/specs/openid-connect-registration-1_0.html", "#section-"),
    "FAPI2MS": SpecSource("FAPI2MS", "FAPI 2.0 Message Signing",
                          "https://openid.net/specs/fapi-message-signing-2_0.html", "#section-"),
    "FAPICIBA": SpecSource("FAPICIBA", "FAPI: Client Initiated Backchannel Authentication Profile",
                           "https://openid.net/specs/openid-financial-api-ciba.html", "#section-"),
    "OIDCRPI": SpecSource("OIDCRPI", "OpenID Connect RP-Initiated Logout 1.0",
                          "https://openid.net/specs/openid-connect-rpinitiated-1_0.html", "#section-"),
    "OIDCBCL": SpecSource("OIDCBCL", "OpenID Connect Back-Channel Logout 1.0",
                          "https://openid.net/specs/openid-connect-backchannel-1_0.html", "#section-"),
    "OIDCFCL": SpecSource("OIDCFCL", "OpenID Connect Front-Channel Logout 1.0",
                          "https://openid.net/specs/openid-connect-frontchannel-1_0.html", "#section-"),
    "OIDCSM": SpecSource("OIDCSM", "OpenID Connect Session Management 1.0",
                         "https://openid.net/specs/openid-connect-session-1_0.html", "#section-"),
    "CSP3": SpecSource("CSP3", "W3C Content Security Policy Level 3",
                       "https://www.w3.org/TR/CSP3/", "#"),
    "FETCHRP": SpecSource("FETCHRP", "W3C Referrer Policy",
                          "https://www.w3.org/TR/referrer-policy/", "#"),
    "OAUTHMR": SpecSource("OAUTHMR", "OAuth 2.0 Multiple Response Type Encoding Practices",
                          "https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html",
                          "#section-"),
    "OAUTHFP": SpecSource("OAUTHFP", "OAuth 2.0 Form Post Response Mode",
                          "https://openid.net/specs/oauth-v2-form-post-response-mode-1_0.html", "#section-"),
}

_ID_PATTERN = re.compile(r"^(?P<prefix>RFC\d{4}|[A-Z][A-Z0-9]*)-(?P<section>[A-Za-z0-9_.\-]+)$")
_extra_prefixes: dict[str, SpecSource] = {}


class UnknownRequirementPrefix(ValueError):
    """A requirement ID whose prefix has no entry in the table."""


def register_prefix(source: SpecSource) -> None:
    """Add a prefix (used by plugins that cite their own documents)."""
    _extra_prefixes[source.prefix] = source


def _source_for(prefix: str) -> SpecSource | None:
    if prefix.startswith("RFC") and prefix[3:] in _RFC_TITLES:
        number = prefix[3:]
        return SpecSource(prefix, f"RFC {number}: {_RFC_TITLES[number]}",
                          f"https://www.rfc-editor.org/rfc/rfc{number}.html", "#section-")
    if prefix == "DOC":
        return SpecSource("DOC", "Documented behaviour of the target (target profile)", "", "")
    return _OPENID.get(prefix) or _extra_prefixes.get(prefix)


def validate_requirement_id(requirement: str) -> SpecSource:
    """Return the source of ``requirement`` or raise :class:`UnknownRequirementPrefix`."""
    match = _ID_PATTERN.match(requirement)
    if not match:
        raise UnknownRequirementPrefix(f"malformed requirement ID {requirement!r}")
    source = _source_for(match.group("prefix"))
    if source is None:
        raise UnknownRequirementPrefix(
            f"requirement ID {requirement!r} has an unknown prefix {match.group('prefix')!r}"
        )
    return source


def requirement_url(requirement: str) -> str | None:
    """The URL of the section a requirement ID names (``None`` for ``DOC-`` IDs)."""
    source = validate_requirement_id(requirement)
    if not source.base_url:
        return None
    section = requirement.split("-", 1)[1]
    # "RFC6749-4.1.2-state" → section 4.1.2 (a trailing "-slug" names a sentence inside it);
    # OpenID anchors are "#section-3.1.3.7"; RFC anchors use the same form.
    section = section.split("-", 1)[0]
    if section.startswith("Appendix") or section[:1].isalpha():
        letter = section.removeprefix("Appendix").lstrip(".") or section
        return f"{source.base_url}#appendix-{letter}"
    return f"{source.base_url}{source.section_anchor}{section}"


def spec_title(requirement: str) -> str:
    """The title of the document a requirement ID belongs to."""
    return validate_requirement_id(requirement).title
