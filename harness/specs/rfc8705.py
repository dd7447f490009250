"""RFC 8705 (OAuth mutual TLS): client authentication, certificate-bound tokens, endpoint aliases.

Pure checks over what the harness observed: the ``cnf`` of a JWT access token or of an
introspection response, the refusal of a request made without (or with another) client
certificate, and the ``mtls_endpoint_aliases`` metadata member.

A request that got no HTTP answer is a refusal only when the server ended the TLS handshake
with a certificate alert (:data:`CERTIFICATE_REFUSAL_ALERTS`, RFC 8446 §4.4.2.4: the server
"MAY at its discretion ... abort the handshake"); the callers pass the alert they saw
(``tls_alert``). A timeout, a refused or reset connection, or any other alert says nothing about
the certificate: the check cannot judge it and raises
:class:`~harness.results.TargetUnreachable` (*broken*), never a pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cryptography import x509

from harness.results import CheckFailed, Findings, Level, ProfileError, TargetUnreachable, fail
from harness.specs._findings import finding
from harness.specs._http import Body, Headers, is_https_url
from harness.specs.rfc6749 import check_token_error_response
from harness.specs.rfc9449 import parse_challenges

__all__ = [
    "CERTIFICATE_REFUSAL_ALERTS",
    "check_bound_token_refused_at_resource",
    "check_client_auth_refused",
    "check_mtls_endpoint_aliases",
    "check_other_subject_dn_material",
    "check_tls_refusal",
    "check_x5t_s256_binding",
    "check_x5t_s256_syntax",
]

_X5T = re.compile(r"^[A-Za-z0-9_-]{43}$")

#: TLS alerts (RFC 8446 §6.2, RFC 5246 §7.2.2) with which a server refuses a client certificate or
#: its absence: the certificate alerts, ``access_denied``, and ``handshake_failure`` (what TLS 1.2
#: stacks send when a required certificate is missing).
CERTIFICATE_REFUSAL_ALERTS: frozenset[str] = frozenset({
    "certificate_required", "bad_certificate", "unsupported_certificate", "certificate_revoked",
    "certificate_expired", "certificate_unknown", "unknown_ca", "access_denied", "handshake_failure",
})


def check_tls_refusal(tls_alert: str | None, transport_error: str, *, what: str) -> None:
    """A request without an HTTP answer counts as refused only if TLS refused the certificate.

    RFC 8446 §4.4.2.4: "If the client does not send any certificates (i.e., it sends an empty
    Certificate message), the server MAY at its discretion either continue the handshake
    without client authentication or abort the handshake with a "certificate_required"
    alert." and "if some aspect of the certificate chain was unacceptable (e.g., it was not
    signed by a known, trusted CA), the server MAY at its discretion either continue the
    handshake (considering the client unauthenticated) or abort the handshake." Such an
    abort is a legitimate refusal of ``what``. Anything else (no alert: a timeout, a refused
    or reset connection; or an alert unrelated to certificates) is an outage or a harness
    problem, not evidence of a refusal: :class:`TargetUnreachable` (*broken*).
    """
    if tls_alert in CERTIFICATE_REFUSAL_ALERTS:
        return
    why = f"the TLS alert {tls_alert!r} is not a certificate refusal" if tls_alert else "no TLS alert was received"
    raise TargetUnreachable(f"{what} got no HTTP answer and {why}, so the refusal cannot be judged: "
                            f"{transport_error}")


def check_x5t_s256_syntax(value: Any, *, requirement: str = "RFC8705-3.1-syntax") -> None:
    """RFC 8705 §3.1: ``x5t#S256`` is the unpadded base64url SHA-256 hash of the DER certificate.

    "The value of the x5t#S256 member is a base64url-encoded [RFC4648] SHA-256 [SHS] hash
    (a.k.a., thumbprint, fingerprint, or digest) of the DER encoding [X690] of the X.509
    certificate [RFC5280]. The base64url-encoded value MUST omit all trailing pad '='
    characters and MUST NOT include any line breaks, whitespace, or other additional
    characters."
    """
    if not isinstance(value, str) or not _X5T.match(value):
        raise fail("MTLS_X5T_SYNTAX", "cnf x5t#S256 is not an unpadded base64url SHA-256 hash",
                   requirement, expected="43 base64url characters", actual=value)


def check_x5t_s256_binding(claims: Mapping[str, Any], expected: str, *, where: str,
                           requirement: str | None = None) -> None:
    """RFC 8705 §3.1 / §3.2: the token's ``cnf`` carries the client certificate's thumbprint.

    §3: "When mutual TLS is used by the client on the connection to the token endpoint, the
    authorization server is able to bind the issued access token to the client
    certificate. Such a binding is accomplished by associating the certificate with the
    token in a way that can be accessed by the protected resource". §3.1 (JWT): "the
    certificate hash information SHOULD be represented using the x5t#S256 confirmation
    method member". §3.2 (introspection): "the hash of the certificate to which the token is
    bound is conveyed to the protected resource as metainformation in a token introspection
    response. The hash is conveyed using the same cnf with x5t#S256 member structure".

    A JWT without ``x5t#S256`` is a SHOULD-level finding (another method may carry the
    binding); a missing member in introspection, or a value that is not the hash of the
    certificate used, is MUST-level. ``where`` is ``"jwt"`` or ``"introspection"``.
    """
    req = requirement or ("RFC8705-3.1" if where == "jwt" else "RFC8705-3.2")
    level = Level.SHOULD if where == "jwt" else Level.MUST
    cnf = claims.get("cnf")
    value = cnf.get("x5t#S256") if isinstance(cnf, Mapping) else None
    if value is None:
        raise fail("MTLS_CNF_MISSING", f"the {where} of a certificate-bound access token carries no "
                   "cnf x5t#S256", req, expected={"x5t#S256": expected},
                   actual=dict(cnf) if isinstance(cnf, Mapping) else cnf, level=level)
    if value != expected:
        findings = Findings()
        findings.check(check_x5t_s256_syntax, value)
        findings.add(finding("MTLS_X5T_MISMATCH", f"the {where} cnf x5t#S256 is not the SHA-256 "
                             "thumbprint of the client certificate used at the token endpoint", "RFC8705-3",
                             expected, value))
        findings.raise_if_any()


def check_bound_token_refused_at_resource(status: int | None, headers: Headers, *,
                                          tls_alert: str | None = None,
                                          transport_error: str | None = None) -> None:
    """RFC 8705 §3: a certificate-bound token without its certificate gets 401 ``invalid_token``.

    "The protected resource MUST obtain, from its TLS implementation layer, the client
    certificate used for mutual TLS and MUST verify that the certificate matches the
    certificate associated with the access token. If they do not match, the resource access
    attempt MUST be rejected with an error, per [RFC6750], using an HTTP 401 status code
    and the invalid_token error code." A TLS handshake the resource aborts with a
    certificate alert is a refusal too (``status`` is then ``None``; see
    :func:`check_tls_refusal`); any other transport failure is *broken*.
    """
    if status is None:
        if transport_error is None:
            raise ValueError("give the status or the transport error")
        check_tls_refusal(tls_alert, transport_error, what="the resource request with a certificate-bound token")
        return
    if 200 <= status < 300:
        raise fail("MTLS_BOUND_TOKEN_ACCEPTED", "the resource served a certificate-bound access token "
                   "without the certificate it is bound to", "RFC8705-3-resource", expected="401 invalid_token",
                   actual=status)
    findings = Findings()
    if status != 401:
        findings.add(finding("RESOURCE_ERROR_STATUS", "the refusal is not HTTP 401", "RFC8705-3-resource", 401,
                             status))
    challenges = parse_challenges(headers)
    errors = sorted({c.error for c in challenges if c.error})
    if not challenges:
        findings.add(finding("RESOURCE_CHALLENGE_MISSING", "the refusal has no WWW-Authenticate challenge",
                             "RFC6750-3", "WWW-Authenticate: Bearer error=\"invalid_token\"", None))
    elif "invalid_token" not in errors:
        findings.add(finding("RESOURCE_ERROR_WRONG_CODE", "no challenge names invalid_token", "RFC8705-3-resource",
                             "invalid_token", errors or None))
    findings.raise_if_any()


def check_client_auth_refused(status: int | None, headers: Headers, body: Body, *,
                              basic_auth_used: bool = False, tls_alert: str | None = None,
                              transport_error: str | None = None,
                              expected: str | set[str] = "invalid_client",
                              requirement: str = "RFC8705-2", level: Level = Level.MUST) -> None:
    """RFC 8705 §2: mutual-TLS client authentication without the expected certificate fails.

    "If no certificate is presented, or that which is presented doesn't match that which is
    expected for the given client_id, the authorization server returns a normal OAuth 2.0
    error response per Section 5.2 of [RFC6749] with the invalid_client error code to
    indicate failed client authentication." A TLS handshake the server aborts with a
    certificate alert also refuses the request (:func:`check_tls_refusal`); any other
    transport failure is *broken*. ``expected`` is the error the case requires; ``level`` caps
    the findings for rules weaker than §2 (a public client's certificate-bound refresh token,
    §4: the server "SHOULD also bind the refresh token to the respective certificate and check
    the binding", refused with ``invalid_grant``).
    """
    if status is None:
        if transport_error is None:
            raise ValueError("give the status or the transport error")
        check_tls_refusal(tls_alert, transport_error, what="the token request")
        return
    try:
        check_token_error_response(status, headers, body, expected, basic_auth_used=basic_auth_used,
                                   requirement=requirement)
    except CheckFailed as exc:
        if level is Level.MUST:
            raise
        raise CheckFailed(*(replace(f, level=level) if f.level is Level.MUST else f for f in exc.findings)) from exc


_ENDPOINT_MEMBERS = frozenset({
    "token_endpoint", "revocation_endpoint", "introspection_endpoint", "userinfo_endpoint",
    "pushed_authorization_request_endpoint", "device_authorization_endpoint",
    "backchannel_authentication_endpoint", "registration_endpoint",
})


def check_mtls_endpoint_aliases(metadata: Mapping[str, Any]) -> dict[str, str]:
    """RFC 8705 §5: ``mtls_endpoint_aliases`` is an object of endpoint URLs; return it.

    "mtls_endpoint_aliases OPTIONAL. A JSON object containing alternative authorization
    server endpoints that, when present, an OAuth client intending to do mutual TLS uses in
    preference to the conventional endpoints. The parameter value itself consists of one or
    more endpoint parameters, such as token_endpoint, revocation_endpoint,
    introspection_endpoint, etc., conventionally defined for the top level of authorization
    server metadata." Endpoints are https URLs (RFC 8414 §2). Members that are not
    endpoints "have no meaning and SHOULD be ignored", so unknown names are not findings.
    """
    aliases = metadata.get("mtls_endpoint_aliases")
    if aliases is None:
        return {}
    if not isinstance(aliases, Mapping):
        raise fail("MTLS_ALIASES_NOT_OBJECT", "mtls_endpoint_aliases is not a JSON object", "RFC8705-5",
                   expected="object", actual=aliases)
    findings = Findings()
    if not aliases:
        findings.add(finding("MTLS_ALIASES_EMPTY", "mtls_endpoint_aliases has no endpoint", "RFC8705-5",
                             "one or more endpoint parameters", {}))
    result: dict[str, str] = {}
    for name, value in aliases.items():
        if name in _ENDPOINT_MEMBERS or name.endswith("_endpoint"):
            if not is_https_url(value):
                findings.add(finding("MTLS_ALIAS_NOT_HTTPS", f"alias {name} is not an absolute https URL",
                                     "RFC8705-5", "https URL", value))
                continue
            result[str(name)] = str(value)
    findings.raise_if_any()
    return result


_SEPARATOR_BLANKS = re.compile(r"(?<!\\)\s*,\s*(?=[A-Za-z][A-Za-z0-9-]*=|[0-9.]+=)")


def _name(pem: bytes, what: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise ProfileError(f"{what} is not a PEM certificate ({exc})") from exc


def check_other_subject_dn_material(documented_dn: str, own_pem: bytes, other_pem: bytes) -> str:
    """The profile's material for a subject-DN refusal is consistent; return the other certificate's DN.

    RFC 8705 §2.1.2: ``tls_client_auth_subject_dn`` is "A string representation -- as defined in
    [RFC4514] -- of the expected subject distinguished name of the certificate that the OAuth client
    will use in mutual-TLS authentication". A refusal of the other certificate proves that the
    server checks the subject DN only when the client's own certificate has the documented DN, the
    other one has another DN, and both come from the same CA (else the server may refuse it for
    its issuer). Any inconsistency is the profile's (:class:`~harness.results.ProfileError`,
    *broken*), decided before the target is asked. DNs are compared as parsed names (attribute
    types and values in order), not as strings.
    """
    try:  # "CN=a, O=b" as consoles show it: the blanks after a separator are not part of a value
        expected = x509.Name.from_rfc4514_string(_SEPARATOR_BLANKS.sub(",", documented_dn.strip()))
    except ValueError as exc:
        raise ProfileError(f"documented.tls_subject_dn {documented_dn!r} is not an RFC 4514 DN ({exc})") from exc
    own = _name(own_pem, "cert_file")
    other = _name(other_pem, "documented.other_subject_dn_certificate.cert_file")
    if own.subject != expected:
        raise ProfileError(f"the client's cert_file has the subject {own.subject.rfc4514_string()!r}, not the "
                           f"documented tls_subject_dn {documented_dn!r}")
    if other.subject == expected:
        raise ProfileError("documented.other_subject_dn_certificate has the documented subject DN itself; "
                           "give a certificate with another subject DN")
    if other.issuer != own.issuer:
        raise ProfileError(f"documented.other_subject_dn_certificate is issued by {other.issuer.rfc4514_string()!r}, "
                           f"the client's certificate by {own.issuer.rfc4514_string()!r}: give one from the same CA, "
                           "so that only its subject DN differs")
    return other.subject.rfc4514_string()
