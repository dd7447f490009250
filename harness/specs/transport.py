"""Transport and browser-facing security: TLS versions and suites, certificates, plain HTTP, headers.

Pure judging functions over what the transport suite observed (handshake outcomes from
:mod:`harness.flows.tls_probe`, response headers and bodies from :mod:`harness.http`). Levels
are the sources' own:

* RFC 8996 §4/§5: "TLS 1.0 MUST NOT be used. Negotiation of TLS 1.0 from any version of TLS MUST
  NOT be permitted." (the same for TLS 1.1) — a failure;
* RFC 9325 §3.1.1: "Implementations SHOULD support TLS 1.3" — a warning;
* RFC 9325 §4.1: NULL, RC4 and suites below 112 bits "MUST NOT" be negotiated; suites below 128
  bits, static RSA and (in TLS 1.2) ephemeral finite-field DH "SHOULD NOT" — failure or warning
  by the sentence;
* FAPI 2.0 SP §5.2.2: "When using TLS 1.2, servers shall only permit the cipher suites
  recommended in [BCP195]" (RFC 9325 §4.2) — only where the profile asks for FAPI 2.0 TLS;
* RFC 6749 §10.9: "the authorization server MUST require the use of TLS with server
  authentication" — a certificate that does not verify for the host is a failure of its own;
* RFC 6749 §3.1/§3.2: "the authorization server MUST require the use of TLS" for the
  authorization and token endpoints — plain ``http://`` must not be served;
* RFC 9325 §3.2: "Web servers SHOULD use HSTS" (a warning); RFC 6797 §6.1: the header's syntax;
* RFC 9700 §4.16: "Authorization servers MUST prevent clickjacking attacks" (``X-Frame-Options``
  or CSP ``frame-ancestors``), "SHOULD also use Content Security Policy";
* RFC 9700 §4.2.4: a Referrer Policy "further reduces" Referer leakage (no keyword: a warning);
* RFC 6749 §5.1: ``Cache-Control: no-store`` "in any response containing tokens, credentials,
  or other sensitive information".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from harness.results import Findings, Level, NeedsReview, fail
from harness.specs._findings import finding
from harness.specs._http import directive_names

# -- TLS versions and cipher suites ------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One handshake outcome, as the judging functions see it."""

    origin: str
    established: bool
    version: str | None = None
    cipher: str | None = None
    detail: str = ""


OLD_VERSIONS: dict[str, str] = {"TLSv1": "RFC8996-4", "TLSv1.1": "RFC8996-5"}
"""Deprecated protocol versions and the RFC 8996 section that forbids each."""

RECOMMENDED_TLS12_SUITES: frozenset[str] = frozenset({
    "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
})
"""RFC 9325 §4.2 (OpenSSL names): TLS_ECDHE_{RSA,ECDSA}_WITH_AES_{128_GCM_SHA256,256_GCM_SHA384}."""


@dataclass(frozen=True)
class SuiteCategory:
    """A family of TLS 1.2 suites RFC 9325 §4.1 rules out, and how strongly."""

    name: str
    openssl: str
    requirement: str
    level: Level
    what: str


FORBIDDEN_CATEGORIES: tuple[SuiteCategory, ...] = (
    SuiteCategory("null", "eNULL", "RFC9325-4.1-null", Level.MUST, "NULL encryption"),
    SuiteCategory("rc4", "RC4", "RFC9325-4.1-rc4", Level.MUST, "RC4"),
    SuiteCategory("below_112", "EXPORT:LOW:DES:!3DES", "RFC9325-4.1-112", Level.MUST,
                  "less than 112 bits of security (export, single DES)"),
    SuiteCategory("below_128", "3DES", "RFC9325-4.1-128", Level.SHOULD, "less than 128 bits of security (3DES)"),
    SuiteCategory("static_rsa", "kRSA:!eNULL", "RFC9325-4.1-static_rsa", Level.SHOULD,
                  "RSA key transport (static RSA, TLS_RSA_WITH_*)"),
    SuiteCategory("dhe", "kDHE:!aNULL:!eNULL", "RFC9325-4.1-dhe", Level.SHOULD,
                  "ephemeral finite-field Diffie-Hellman in TLS 1.2 (TLS_DHE_*)"),
)
"""RFC 9325 §4.1, one entry per sentence (MUST NOT for the first three, SHOULD NOT for the rest)."""


def check_old_version_refused(probes: Sequence[Probe], version: str) -> None:
    """No origin completes a handshake pinned to a deprecated version.

    RFC 8996 §4: "TLS 1.0 MUST NOT be used. Negotiation of TLS 1.0 from any version of TLS MUST NOT
    be permitted." §5: the same for TLS 1.1.
    """
    requirement = OLD_VERSIONS[version]
    accepted = [p for p in probes if p.established]
    if accepted:
        raise fail("TLS_DEPRECATED_VERSION_ACCEPTED",
                   f"{len(accepted)} origin(s) negotiate {version}, which RFC 8996 forbids", requirement,
                   expected=f"every {version}-only handshake refused", actual=[p.detail for p in accepted])


def check_tls13_offered(probes: Sequence[Probe]) -> None:
    """Every origin completes a TLS 1.3 handshake.

    RFC 9325 §3.1.1: "Implementations SHOULD support TLS 1.3 [RFC8446] and, if implemented, MUST
    prefer to negotiate TLS 1.3 over earlier versions of TLS." (The support is the SHOULD: a warning.)
    """
    missing = [p for p in probes if not (p.established and p.version == "TLSv1.3")]
    if missing:
        raise fail("TLS13_NOT_OFFERED", f"{len(missing)} origin(s) do not offer TLS 1.3", "RFC9325-3.1.1-tls13",
                   expected="a TLS 1.3 handshake completes", actual=[p.detail for p in missing], level=Level.SHOULD)


def check_forbidden_suites(results: Mapping[str, Sequence[Probe]]) -> None:
    """No origin negotiates a TLS 1.2 suite of a family RFC 9325 §4.1 rules out.

    ``results`` maps a :class:`SuiteCategory` name to the handshakes that offered only that family.
    RFC 9325 §4.1: "Implementations MUST NOT negotiate the cipher suites with NULL encryption." /
    "MUST NOT negotiate RC4 cipher suites." / "MUST NOT negotiate cipher suites offering less than 112
    bits of security" / "SHOULD NOT negotiate cipher suites that use algorithms offering less than 128
    bits of security." / "SHOULD NOT negotiate cipher suites based on RSA key transport" / "TLS 1.2
    implementations SHOULD NOT negotiate cipher suites based on ephemeral finite-field Diffie-Hellman".
    """
    findings = Findings()
    for category in FORBIDDEN_CATEGORIES:
        accepted = [p for p in results.get(category.name, ()) if p.established]
        if accepted:
            findings.add(finding(
                f"TLS_SUITE_{category.name.upper()}_ACCEPTED",
                f"{len(accepted)} origin(s) negotiate a suite with {category.what}", category.requirement,
                "handshake refused", [p.detail for p in accepted], level=category.level))
    findings.raise_if_any()


def check_only_recommended_suites(accepted: Mapping[str, Sequence[str]], *, fapi2: bool) -> None:
    """TLS 1.2 handshakes offering only non-recommended suites are all refused.

    FAPI 2.0 SP §5.2.2: "When using TLS 1.2, servers shall only permit the cipher suites recommended
    in [BCP195]" (RFC 9325 §4.2: TLS_ECDHE_RSA/ECDSA_WITH_AES_128_GCM_SHA256/AES_256_GCM_SHA384). Without
    FAPI 2.0 the same list is RFC 9325 §4.2's "RECOMMENDED" (a warning). ``accepted`` maps each
    origin to the non-recommended suites it negotiated.
    """
    offenders = {origin: list(suites) for origin, suites in accepted.items() if suites}
    if offenders:
        requirement, level = ("FAPI2SP-5.2.2-1", Level.MUST) if fapi2 else ("RFC9325-4.2", Level.SHOULD)
        raise fail("TLS12_SUITE_NOT_RECOMMENDED",
                   "TLS 1.2 suites outside RFC 9325 §4.2's recommended list are negotiated", requirement,
                   expected=sorted(RECOMMENDED_TLS12_SUITES), actual=offenders, level=level)


# -- certificates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateFacts:
    """What the suite read from an origin's leaf certificate."""

    origin: str
    key_type: str  # "RSA", "EC", "Ed25519", ...
    key_bits: int
    signature_hash: str | None  # "sha256", "sha1", ... (None for EdDSA)


def check_certificates_verify(failures: Mapping[str, str]) -> None:
    """Each origin's certificate chain verifies against the profile's trust anchors for its host name.

    RFC 6749 §10.9: "the authorization server MUST require the use of TLS with server authentication
    as defined by [RFC2818] for any request sent to the authorization and token endpoints." A chain
    that does not verify (expired, wrong host, unknown issuer, an intermediate missing) gives the
    client no server authentication. ``failures`` maps each origin to the verification error.
    """
    if failures:
        raise fail("CERTIFICATE_NOT_VERIFIED", "the TLS certificate does not verify for the host",
                   "RFC6749-10.9", expected="a chain to a trusted root, valid now, naming the host",
                   actual=dict(failures))


def check_certificate_strength(facts: Sequence[CertificateFacts]) -> None:
    """Leaf keys and signatures are as strong as RFC 9325 §4.5 asks.

    "When using RSA, servers MUST authenticate using certificates with at least a 2048-bit modulus for
    the public key. In addition, the use of the SHA-256 hash algorithm is RECOMMENDED and SHA-1 or MD5
    MUST NOT be used" / "Curves of less than 224 bits MUST NOT be used."
    """
    findings = Findings()
    for fact in facts:
        if fact.key_type == "RSA" and fact.key_bits < 2048:
            findings.add(finding("CERTIFICATE_RSA_TOO_SHORT", f"{fact.origin}: RSA key of {fact.key_bits} bits",
                                 "RFC9325-4.5-rsa", ">= 2048 bits", fact.key_bits))
        if fact.key_type == "EC" and fact.key_bits < 224:
            findings.add(finding("CERTIFICATE_CURVE_TOO_SMALL", f"{fact.origin}: {fact.key_bits}-bit curve",
                                 "RFC9325-4.5-curve", ">= 224 bits", fact.key_bits))
        if fact.signature_hash in ("sha1", "md5"):
            findings.add(finding("CERTIFICATE_WEAK_HASH", f"{fact.origin}: certificate signed with "
                                 f"{fact.signature_hash}", "RFC9325-4.5-hash", "SHA-256 or stronger",
                                 fact.signature_hash))
    findings.raise_if_any()


# -- plain HTTP --------------------------------------------------------------------------------

CREDENTIAL_MEMBERS = ("access_token", "refresh_token", "id_token", "device_code", "user_code", "code",
                      "request_uri", "auth_req_id")
"""Response members (body or redirect query) that carry something a client must keep secret or single-use."""


@dataclass(frozen=True)
class PlainAnswer:
    """What ``http://`` on an https endpoint gave: no HTTP answer at all, or a status, headers and body."""

    answered: bool
    status: int | None = None
    location: str | None = None
    body: Any = None  # the JSON object when there was one
    challenge: str | None = None  # WWW-Authenticate
    error: str | None = None
    detail: str = ""


def _carried(answer: PlainAnswer) -> list[str]:
    members = set()
    if isinstance(answer.body, dict):
        members |= {m for m in CREDENTIAL_MEMBERS if answer.body.get(m)}
    if answer.location:
        parts = urlsplit(answer.location)
        params = dict(parse_qsl(parts.query)) | dict(parse_qsl(parts.fragment))
        members |= {m for m in (*CREDENTIAL_MEMBERS, "error") if params.get(m)}
    return sorted(members)


def check_plain_http_refused(answer: PlainAnswer, secure: PlainAnswer, *, endpoint_host: str,
                             requirement: str, level: Level = Level.MUST) -> None:
    """``http://`` on an https endpoint is refused, or redirected to https, and never served.

    RFC 6749 §3.1 / §3.2: "the authorization server MUST require the use of TLS as described in Section
    1.6 when sending requests to the authorization endpoint" (token endpoint: the same). Passes when
    there is no HTTP answer, a redirect to ``https://`` on the same host that carries no protocol
    response, or a refusal that differs from the https answer to the identical request. Fails when
    the plain answer carries a credential or a protocol response (``code``/``error`` in a redirect),
    or equals the https answer (the endpoint serves the protocol over plain HTTP).
    """
    if not answer.answered:
        return
    carried = _carried(answer)
    if carried:
        raise fail("PLAIN_HTTP_CREDENTIALS", f"plain http answered with {', '.join(carried)}", requirement,
                   expected="refused or redirected to https", actual=answer.detail, level=level)
    if answer.status is not None and 300 <= answer.status < 400 and answer.location:
        parts = urlsplit(answer.location)
        if parts.scheme == "https" and (parts.hostname or "").lower() == endpoint_host:
            return  # upgraded to https on the same host, nothing served
    signature = _signature(answer)
    same = secure.answered and signature == _signature(secure) and any(part is not None for part in signature[1:])
    if same and (answer.status or 0) < 500:
        raise fail("PLAIN_HTTP_SERVED", "plain http is served like https (same answer to the same request)",
                   requirement, expected="refused or redirected to https", actual=answer.detail, level=level)


def _error_code(body: Any) -> Any:
    return body.get("error") if isinstance(body, dict) else None


def _signature(answer: PlainAnswer) -> tuple[Any, ...]:
    """What makes an answer the endpoint's own: status plus the protocol parts (``error``, redirect path, challenge).

    The status alone proves nothing (a proxy's "plain HTTP sent to HTTPS port" page may share it), so a
    plain answer is "the same" only when a protocol part matches too. The redirect is compared by its
    first path segment (``/interaction/<uid>`` differs per request).
    """
    segment = urlsplit(answer.location).path.split("/")[1:2] if answer.location else []
    scheme = (answer.challenge or "").split(" ", 1)[0].lower() or None
    return answer.status, _error_code(answer.body), segment[0] if segment else None, scheme


# -- HTTP headers on browser-facing responses ------------------------------------------------------


def header_values(headers: Sequence[tuple[str, str]], name: str) -> list[str]:
    """Every value of ``name`` (case-insensitive) in a header list."""
    lower = name.lower()
    return [value for key, value in headers if key.lower() == lower]


def parse_hsts(value: str) -> tuple[dict[str, str | None], list[str]]:
    """The directives of one Strict-Transport-Security value and the syntax problems found.

    RFC 6797 §6.1: ``Strict-Transport-Security = "Strict-Transport-Security" ":" [ directive ]
    *( ";" [ directive ] )``; "All directives MUST appear only once in an STS header field."
    §6.1.1: "The REQUIRED "max-age" directive ... max-age-value = delta-seconds".
    """
    directives: dict[str, str | None] = {}
    problems: list[str] = []
    for part in value.split(";"):
        part = part.strip()
        if not part:
            continue
        name, eq, raw = part.partition("=")
        name = name.strip().lower()
        if name in directives:
            problems.append(f"directive {name} appears twice")
        directives[name] = raw.strip().strip('"') if eq else None
    max_age = directives.get("max-age")
    if "max-age" not in directives:
        problems.append("no max-age directive")
    elif max_age is None or not max_age.isdigit():
        problems.append(f"max-age is not delta-seconds: {max_age!r}")
    return directives, problems


def check_hsts(observed: Mapping[str, Sequence[str]]) -> None:
    """Every browser-facing https origin sends a well-formed Strict-Transport-Security header.

    RFC 9325 §3.2: "Web servers SHOULD use HSTS to indicate that they are willing to accept TLS-only
    clients" (absent or ``max-age=0``: a warning). RFC 6797 §6.1/§6.1.1: the header has exactly one
    ``max-age`` of delta-seconds and no directive twice (malformed: a failure; a UA ignores it).
    ``observed`` maps each origin to its header values (§8.1: a UA processes only the first).
    """
    findings = Findings()
    for origin, values in observed.items():
        if not values:
            findings.add(finding("HSTS_MISSING", f"{origin}: no Strict-Transport-Security header", "RFC9325-3.2-hsts",
                                 "Strict-Transport-Security: max-age=<seconds>", None, level=Level.SHOULD))
            continue
        directives, problems = parse_hsts(values[0])
        if problems:
            requirement = "RFC6797-6.1-once" if any("twice" in p for p in problems) else "RFC6797-6.1.1"
            findings.add(finding("HSTS_MALFORMED", f"{origin}: {'; '.join(problems)}", requirement,
                                 "one max-age=<delta-seconds>, each directive once", values[0]))
        elif directives.get("max-age") == "0" or (directives.get("max-age") or "").strip("0") == "":
            findings.add(finding("HSTS_DISABLED", f"{origin}: max-age=0 ends the HSTS policy", "RFC9325-3.2-hsts",
                                 "max-age > 0", values[0], level=Level.SHOULD))
    findings.raise_if_any()


def csp_directives(values: Sequence[str]) -> list[dict[str, list[str]]]:
    """The enforced policies of Content-Security-Policy header values, each as directive → sources.

    CSP3 §2.2.1: a serialized CSP list is comma-separated policies; a policy is ";"-separated
    directives, the first occurrence of a directive name wins (later ones are ignored).
    """
    policies: list[dict[str, list[str]]] = []
    for value in values:
        for serialized in value.split(","):
            policy: dict[str, list[str]] = {}
            for directive in serialized.split(";"):
                tokens = directive.strip().split()
                if tokens and tokens[0].lower() not in policy:
                    policy[tokens[0].lower()] = tokens[1:]
            if policy:
                policies.append(policy)
    return policies


def _frame_ancestors_restrict(sources: Sequence[str]) -> bool:
    """Whether a frame-ancestors source list keeps arbitrary sites out (no ``*``, no bare scheme)."""
    lowered = [s.lower() for s in sources]
    if not lowered:
        return True  # an empty source list matches nothing, like 'none' (CSP3 §6.7.2.*)
    return not any(s == "*" or re.fullmatch(r"[a-z][a-z0-9+.-]*:", s) for s in lowered)


FRAME_BUSTER = re.compile(r"\b(?:top|parent)\s*\.\s*location|\bwindow\s*\.\s*top\b|\bself\s*!==?\s*top\b|"
                          r"\btop\s*!==?\s*self\b", re.IGNORECASE)
"""Script that looks like frame busting (RFC 6819 §5.2.2.6); the harness cannot run it, so a human judges it."""


def check_frame_protection(page: str, headers: Sequence[tuple[str, str]], body: str) -> None:
    """The page forbids being framed by other sites: ``X-Frame-Options`` or CSP ``frame-ancestors``.

    RFC 9700 §4.16: "Authorization servers MUST prevent clickjacking attacks. Multiple countermeasures
    are described in [RFC6819], including the use of the X-Frame-Options HTTP response header field and
    frame-busting JavaScript." A page with neither header but with frame-busting script is *review*
    (the harness does not run scripts); with neither, a failure. CSP3 §6.4.2.2: an enforced
    ``frame-ancestors`` overrides ``X-Frame-Options``, so ``frame-ancestors *`` with ``DENY`` allows framing.
    """
    xfo = [v.strip().lower() for v in header_values(headers, "X-Frame-Options")]
    ancestors = [p["frame-ancestors"] for p in csp_directives(header_values(headers, "Content-Security-Policy"))
                 if "frame-ancestors" in p]
    if ancestors:
        # CSP3 §6.4.2.2: an enforced frame-ancestors overrides X-Frame-Options; any enforced policy that
        # restricts framing blocks it (every enforced policy must allow a frame)
        if any(_frame_ancestors_restrict(sources) for sources in ancestors):
            return
    elif xfo and xfo[0] in ("deny", "sameorigin"):
        return
    if FRAME_BUSTER.search(body or ""):
        raise NeedsReview(f"{page}: no X-Frame-Options/frame-ancestors header, but the page has script that may "
                          "bust frames (RFC 9700 §4.16 names frame-busting JavaScript): judge it in a browser")
    raise fail("FRAMING_NOT_PREVENTED", f"{page}: the page may be framed by any site", "RFC9700-4.16",
               expected="X-Frame-Options: DENY|SAMEORIGIN or CSP frame-ancestors without *",
               actual={"X-Frame-Options": header_values(headers, "X-Frame-Options") or None,
                       "Content-Security-Policy": header_values(headers, "Content-Security-Policy") or None})


def check_csp_present(page: str, headers: Sequence[tuple[str, str]]) -> None:
    """The page carries an enforced Content-Security-Policy with ``frame-ancestors``.

    RFC 9700 §4.16: "In addition to those, authorization servers SHOULD also use Content Security Policy
    (CSP) level 2 [W3C.CSP-2] or greater. To be effective, CSP must be used on the authorization endpoint
    and, if applicable, other endpoints used to authenticate the user and authorize the client".
    (``Content-Security-Policy-Report-Only`` enforces nothing, CSP3 §3.2.)
    """
    policies = csp_directives(header_values(headers, "Content-Security-Policy"))
    if not policies:
        raise fail("CSP_MISSING", f"{page}: no Content-Security-Policy header", "RFC9700-4.16-csp",
                   expected="Content-Security-Policy: ... frame-ancestors ...", actual=None, level=Level.SHOULD)
    if not any("frame-ancestors" in p for p in policies):
        raise fail("CSP_WITHOUT_FRAME_ANCESTORS", f"{page}: the CSP has no frame-ancestors directive",
                   "RFC9700-4.16-csp", expected="frame-ancestors 'none' | 'self' | <origins>",
                   actual=header_values(headers, "Content-Security-Policy"), level=Level.SHOULD)


REFERRER_POLICIES = frozenset({"no-referrer", "no-referrer-when-downgrade", "same-origin", "origin",
                               "strict-origin", "origin-when-cross-origin", "strict-origin-when-cross-origin",
                               "unsafe-url"})
"""The policy tokens of W3C Referrer Policy §3 (an unknown token is ignored, §8.1)."""

LEAKING_POLICIES = frozenset({"no-referrer-when-downgrade", "unsafe-url"})
"""Policies that send the full URL (path and query) to other origins (Referrer Policy §3.3, §3.8)."""

_META_REFERRER = re.compile(r"<meta\s[^>]*name\s*=\s*[\"']?referrer[\"']?[^>]*>", re.IGNORECASE)
_CONTENT = re.compile(r"content\s*=\s*[\"']?([^\"'>\s]+)", re.IGNORECASE)


def referrer_policy(headers: Sequence[tuple[str, str]], body: str) -> tuple[str | None, str]:
    """The effective policy of a document and where it came from (``header``, ``meta`` or ``none``).

    Referrer Policy §8.1: the header is a comma-separated list; the last recognised token wins. A
    ``<meta name="referrer">`` (§4.1) overrides the header for the document's later requests.
    """
    policy: str | None = None
    source = "none"
    for value in header_values(headers, "Referrer-Policy"):
        for token in value.split(","):
            if token.strip().lower() in REFERRER_POLICIES:
                policy, source = token.strip().lower(), "header"
    for tag in _META_REFERRER.findall(body or ""):
        content = _CONTENT.search(tag)
        if content and content.group(1).lower() in REFERRER_POLICIES:
            policy, source = content.group(1).lower(), "meta"
    return policy, source


def check_referrer_policy(page: str, headers: Sequence[tuple[str, str]], body: str) -> None:
    """The page applies a Referrer Policy that keeps its URL (query included) from other origins.

    RFC 9700 §4.2.4: "Suppress the Referer header by applying an appropriate Referrer Policy
    [W3C.webappsec-referrer-policy] to the document (either as part of the "referrer" meta attribute or
    by setting a Referrer-Policy header)." — one of the measures that "further reduce the chances of a
    successful attack" (no keyword: a warning). ``unsafe-url`` and ``no-referrer-when-downgrade`` send
    the full URL to other origins.
    """
    policy, source = referrer_policy(headers, body)
    if policy is None:
        raise fail("REFERRER_POLICY_MISSING", f"{page}: no Referrer Policy (header or meta)", "RFC9700-4.2.4-referrer",
                   expected="Referrer-Policy: no-referrer (or another policy that strips the URL cross-origin)",
                   actual=None, level=Level.SHOULD)
    if policy in LEAKING_POLICIES:
        raise fail("REFERRER_POLICY_LEAKS", f"{page}: Referrer Policy {policy} ({source}) sends the full URL to other "
                   "origins", "RFC9700-4.2.4-referrer", expected="a policy that strips path and query cross-origin",
                   actual=policy, level=Level.SHOULD)


def check_not_stored(what: str, headers: Sequence[tuple[str, str]], *, level: Level) -> None:
    """A response carrying a credential has ``Cache-Control: no-store``.

    RFC 6749 §5.1: "The authorization server MUST include the HTTP "Cache-Control" response header field
    [RFC2616] with a value of "no-store" in any response containing tokens, credentials, or other
    sensitive information". The sentence is written for the token response (MUST there); for the other
    responses the transport suite judges (an authorization response carrying a code) it is applied at
    ``level`` SHOULD.
    """
    values = header_values(headers, "Cache-Control")
    if "no-store" not in directive_names(", ".join(values)):
        raise fail("RESPONSE_CACHEABLE", f"{what}: Cache-Control lacks no-store", "RFC6749-5.1-no_store",
                   expected="Cache-Control: no-store", actual=", ".join(values) or None, level=level)
