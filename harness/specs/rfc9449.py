"""RFC 9449 (DPoP): token responses, key binding, nonces and refusals at the AS and the RS.

The checks take what the harness observed (a token response, a ``cnf`` claim, the status,
headers and body of a refused request) and judge it; the flows in
:mod:`harness.flows.dpop` build the proofs and do the nonce dance. Refusals at the token
endpoint reuse :func:`harness.specs.rfc6749.check_token_error_response`; refusals at a
protected resource are judged on their ``WWW-Authenticate`` challenge (RFC 9110 §11.6.1,
RFC 6750 §3, RFC 9449 §7.1), parsed by :func:`parse_challenges`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.jose import JoseError as _JoseError
from harness.jose import b64url_decode
from harness.results import Findings, Level, fail
from harness.specs._findings import finding
from harness.specs._http import Body, Headers, header_values, parse_json
from harness.specs.rfc6749 import check_token_error_response

__all__ = [
    "NQCHAR",
    "Challenge",
    "check_bound_token_refused_as_bearer",
    "check_challenge_algs",
    "check_jkt_binding",
    "check_jkt_syntax",
    "check_nonce_challenge_at_resource",
    "check_nonce_challenge_at_token_endpoint",
    "check_nonce_required",
    "check_nonce_syntax",
    "check_proof_refused_at_resource",
    "check_proof_refused_at_token_endpoint",
    "check_replay_refused_at_token_endpoint",
    "check_resource_accepted",
    "check_resource_refused",
    "check_token_request_accepted",
    "check_token_type_dpop",
    "find_challenge",
    "parse_challenges",
]

#: RFC 6749 Appendix A: ``NQCHAR = %x21 / %x23-5B / %x5D-7E`` (the DPoP nonce alphabet, §8.1).
NQCHAR: frozenset[str] = frozenset(chr(c) for c in (0x21, *range(0x23, 0x5C), *range(0x5D, 0x7F)))

_TOKEN68 = re.compile(r"^[A-Za-z0-9\-._~+/]+=*$")


# --------------------------------------------------------------------------- challenges


@dataclass
class Challenge:
    """One ``WWW-Authenticate`` challenge: scheme, auth-params (lower-cased names), token68."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)
    token68: str | None = None

    @property
    def error(self) -> str | None:
        """The ``error`` auth-param, if any."""
        return self.params.get("error")

    def is_scheme(self, name: str) -> bool:
        """Scheme names are case-insensitive (RFC 9110 §11.1)."""
        return self.scheme.lower() == name.lower()


_PARAM = re.compile(r'^([!#$%&\'*+\-.^_`|~0-9A-Za-z]+)[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[^\s",]*)[ \t]*$')
_SCHEME = re.compile(r"^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?:[ \t]+(.*))?$")


def _split_items(value: str) -> list[str]:
    """Split a header value at commas outside quoted strings."""
    items: list[str] = []
    buf: list[str] = []
    quoted = escaped = False
    for char in value:
        if quoted:
            buf.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
            buf.append(char)
        elif char == ",":
            items.append("".join(buf))
            buf = []
        else:
            buf.append(char)
    items.append("".join(buf))
    return [item.strip() for item in items if item.strip()]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _parse_one_header(value: str) -> list[Challenge]:
    challenges: list[Challenge] = []
    current: Challenge | None = None
    for item in _split_items(value):
        param = _PARAM.match(item)
        if param and current is not None:
            current.params[param.group(1).lower()] = _unquote(param.group(2))
            continue
        scheme = _SCHEME.match(item)
        if not scheme:
            continue  # garbage (a parameter before any scheme, stray characters)
        current = Challenge(scheme=scheme.group(1))
        challenges.append(current)
        rest = scheme.group(2)
        if rest:
            first = _PARAM.match(rest)
            if _TOKEN68.match(rest):
                current.token68 = rest
            elif first:
                current.params[first.group(1).lower()] = _unquote(first.group(2))
    return challenges


def parse_challenges(headers: Headers) -> list[Challenge]:
    """Every challenge in every ``WWW-Authenticate`` header (RFC 9110 §11.6.1)."""
    result: list[Challenge] = []
    for value in header_values(headers, "www-authenticate"):
        result.extend(_parse_one_header(value))
    return result


def find_challenge(challenges: Sequence[Challenge], scheme: str) -> Challenge | None:
    """The first challenge of ``scheme`` (case-insensitive)."""
    for challenge in challenges:
        if challenge.is_scheme(scheme):
            return challenge
    return None


# --------------------------------------------------------------------------- token endpoint


def check_token_type_dpop(body: Mapping[str, Any], *, requirement: str = "RFC9449-5-token_type") -> None:
    """RFC 9449 §5: a DPoP-bound access token is announced with ``token_type`` ``DPoP``.

    "A token_type of DPoP MUST be included in the access token response to signal to the
    client that the access token was bound to its DPoP key". RFC 6749 §5.1 makes the value
    case-insensitive. (§5 also lets an AS "elect to issue access tokens that are not DPoP
    bound", signalled with ``Bearer``; callers cite the documented setting that rules this
    out, e.g. ``DOC-dpop_bound``, as ``requirement``.)
    """
    token_type = body.get("token_type")
    if not isinstance(token_type, str) or token_type.lower() != "dpop":
        raise fail("DPOP_TOKEN_TYPE_NOT_DPOP", "the token response for a request with a DPoP proof "
                   "does not announce a DPoP-bound token", requirement, expected="DPoP",
                   actual=token_type)


def check_token_request_accepted(status: int, body: Body, *, requirement: str = "RFC9449-5",
                                 what: str = "a token request with a valid DPoP proof") -> dict[str, Any]:
    """A valid request was answered with tokens (accept checks); return the JSON body.

    RFC 9449 §5: "To request an access token that is bound to a public key using DPoP, the
    client MUST provide a valid DPoP proof JWT in a DPoP header when making an access
    token request to the authorization server's token endpoint."
    """
    data, _problem = parse_json(body)
    if status != 200 or not isinstance(data, Mapping) or not data.get("access_token"):
        error = data.get("error") if isinstance(data, Mapping) else None
        raise fail("DPOP_VALID_REQUEST_REFUSED", f"{what} was refused", requirement,
                   expected="HTTP 200 with access_token", actual=f"HTTP {status} error={error}")
    return dict(data)


def check_proof_refused_at_token_endpoint(status: int, headers: Headers, body: Body, *,
                                          basic_auth_used: bool = False,
                                          expected: Collection[str] = ("invalid_dpop_proof",),
                                          rule: str = "RFC9449-4.3",
                                          code_rule: str | None = None) -> dict[str, Any]:
    """RFC 9449 §5 / §4.3: an invalid DPoP proof at the token endpoint gets ``invalid_dpop_proof``.

    §4.3: "To validate a DPoP proof, the receiving server MUST ensure the following: ...";
    §5: "The DPoP HTTP header field MUST contain a valid DPoP proof JWT. If the DPoP proof is
    invalid, the authorization server issues an error response per Section 5.2 of [RFC6749]
    with invalid_dpop_proof as the value of the error parameter." A request that was accepted
    breaks ``rule`` (the validation rule the proof violates: ``TOKEN_REQUEST_ACCEPTED``); a
    refusal with another error breaks ``code_rule`` (default: RFC 9449 §5 when ``expected``
    names ``invalid_dpop_proof``, else ``rule``). ``expected`` widens the accepted errors where
    another one is legitimate (``use_dpop_nonce`` for an old proof sent without a nonce, §8;
    ``invalid_grant`` for a code or refresh token bound to another key, §10, §5). The RFC 6749
    §5.2 format (HTTP 400, JSON) is judged too.
    """
    wanted = set(expected)
    if 200 <= status < 300:
        raise fail("TOKEN_REQUEST_ACCEPTED", "the token endpoint accepted a request it must refuse", rule,
                   expected=sorted(wanted), actual=status)
    cited = code_rule or ("RFC9449-5-invalid_dpop_proof" if "invalid_dpop_proof" in wanted else rule)
    return check_token_error_response(status, headers, body, wanted, basic_auth_used=basic_auth_used,
                                      requirement=cited)


def check_nonce_required(nonce_demanded: bool, *, documented: bool, where: str,
                         requirement: str = "DOC-dpop_nonce_required") -> None:
    """A server documented to require DPoP nonces refuses a proof that has none.

    RFC 9449 §8: "An authorization server MAY supply a nonce value to be included by the
    client in DPoP proofs sent. In this case, the authorization server responds to requests
    that do not include a nonce with an HTTP 400 (Bad Request) error response ... using
    use_dpop_nonce as the error code value." Nonces are optional in the RFC, so this only
    fails when the profile documents them (``requirement`` names that setting).
    """
    if documented and not nonce_demanded:
        raise fail("DPOP_NONCE_NOT_REQUIRED", f"{where} accepted a DPoP proof without a nonce although "
                   "the deployment is documented to require server nonces", requirement,
                   expected="use_dpop_nonce with a DPoP-Nonce header", actual="accepted")


def check_nonce_syntax(nonce: str, *, requirement: str = "RFC9449-8.1") -> None:
    """RFC 9449 §8.1: ``nonce = 1*NQCHAR`` (RFC 6749 Appendix A: %x21 / %x23-5B / %x5D-7E).

    "The nonce syntax in ABNF as used by [RFC6749] (which is the same as the scope-token
    syntax) is shown below. nonce = 1*NQCHAR"
    """
    bad = sorted({c for c in nonce if c not in NQCHAR})
    if not nonce or bad:
        raise fail("DPOP_NONCE_SYNTAX", "the DPoP-Nonce value is not 1*NQCHAR", requirement,
                   expected="1*( %x21 / %x23-5B / %x5D-7E )", actual=bad or "empty")


def _nonce_header(headers: Headers, findings: Findings, requirement: str) -> str | None:
    values = header_values(headers, "dpop-nonce")
    if not values:
        findings.add(finding("DPOP_NONCE_HEADER_MISSING", "use_dpop_nonce came without a DPoP-Nonce "
                             "header carrying the nonce to use", requirement, "DPoP-Nonce: <nonce>", None))
        return None
    if len(values) > 1 or "," in values[0]:
        findings.add(finding("DPOP_NONCE_HEADER_MULTIPLE", "more than one DPoP-Nonce header",
                             "RFC9449-8-one_nonce_header",
                             "exactly one", values))
    nonce = values[0].strip()
    findings.check(check_nonce_syntax, nonce)
    return nonce


def check_nonce_challenge_at_token_endpoint(status: int, headers: Headers, body: Body, *,
                                            requirement: str = "DOC-dpop_nonce_required") -> str:
    """RFC 9449 §8: the token endpoint asks for a nonce; return the nonce it supplied.

    "the authorization server responds to requests that do not include a nonce with an HTTP
    400 (Bad Request) error response per Section 5.2 of [RFC6749] using use_dpop_nonce as
    the error code value. The authorization server includes a DPoP-Nonce HTTP header in the
    response supplying a nonce value to be used when sending the subsequent request." and
    "Other HTTP headers and JSON fields MAY also be included in the error response, but
    there MUST NOT be more than one DPoP-Nonce header." Nonces are optional (MAY), so the
    answer's shape binds through the documented setting (``requirement``); one header only is
    RFC 9449 §8's own MUST NOT.
    """
    findings = Findings()
    findings.check(check_token_error_response, status, headers, body, "use_dpop_nonce",
                   basic_auth_used=False, requirement=requirement)
    nonce = _nonce_header(headers, findings, requirement)
    findings.raise_if_any()
    assert nonce is not None
    return nonce


def check_nonce_challenge_at_resource(status: int, headers: Headers) -> str:
    """RFC 9449 §9: a resource asks for a nonce with 401, a DPoP challenge and ``DPoP-Nonce``.

    "Resource servers use an HTTP 401 (Unauthorized) error code with an accompanying
    WWW-Authenticate: DPoP value and DPoP-Nonce value to accomplish this." (with
    ``error="use_dpop_nonce"``, §7.1: "The value use_dpop_nonce can be used as described in
    Section 9 to signal that a nonce is needed in the DPoP proof of a subsequent request(s).")
    """
    findings = Findings()
    findings.check(check_resource_refused, status, headers, {"use_dpop_nonce"}, requirement="RFC9449-9",
                   error_requirement="RFC9449-9", error_level=Level.MUST)
    nonce = _nonce_header(headers, findings, "RFC9449-9")
    findings.raise_if_any()
    assert nonce is not None
    return nonce


# --------------------------------------------------------------------------- binding


_JKT = re.compile(r"^[A-Za-z0-9_-]{43}$")


def check_jkt_syntax(value: Any, *, requirement: str = "RFC9449-6.1") -> None:
    """RFC 9449 §6.1: ``jkt`` is the base64url SHA-256 JWK thumbprint (43 characters, no padding).

    "The value of the jkt member MUST be the base64url encoding (as defined in [RFC7515])
    of the JWK SHA-256 Thumbprint (according to [RFC7638]) of the DPoP public key (in JWK
    format) to which the access token is bound."
    """
    if not isinstance(value, str) or not _JKT.match(value):
        raise fail("DPOP_JKT_SYNTAX", "cnf.jkt is not a base64url SHA-256 thumbprint", requirement,
                   expected="43 base64url characters", actual=value)
    try:
        if len(b64url_decode(value)) != 32:
            raise fail("DPOP_JKT_SYNTAX", "cnf.jkt does not decode to 32 octets", requirement,
                       expected="SHA-256 (32 octets)", actual=value)
    except _JoseError as exc:
        raise fail("DPOP_JKT_SYNTAX", "cnf.jkt is not base64url", requirement,
                   expected="base64url", actual=value) from exc


def check_jkt_binding(claims: Mapping[str, Any], expected_jkt: str, *, where: str,
                      requirement: str = "RFC9449-6.1") -> None:
    """RFC 9449 §6.1 / §6.2: ``cnf.jkt`` is the thumbprint of the key the proof was signed with.

    §6: "Resource servers MUST be able to reliably identify whether an access token is
    DPoP-bound and ascertain sufficient information to verify the binding to the public key
    of the DPoP proof". §6.1 (JWT access tokens): "the public key information is
    represented using the jkt confirmation method member". §6.2 (introspection): "the hash
    of the public key to which the token is bound is conveyed to the protected resource as
    metainformation in a token introspection response ... using the same cnf content with
    jkt member structure", and "If the token_type member is included in the introspection
    response, it MUST contain the value DPoP." ``where`` is ``"jwt"`` or ``"introspection"``.
    """
    findings = Findings()
    cnf = claims.get("cnf")
    if not isinstance(cnf, Mapping):
        raise fail("DPOP_CNF_MISSING", f"the {where} of a DPoP-bound access token has no cnf object",
                   requirement, expected={"jkt": expected_jkt}, actual=cnf)
    jkt = cnf.get("jkt")
    if jkt is None:
        findings.add(finding("DPOP_JKT_MISSING", f"the {where} cnf has no jkt member", requirement,
                             expected_jkt, dict(cnf)))
    elif jkt != expected_jkt:
        findings.check(check_jkt_syntax, jkt, requirement=requirement)
        findings.add(finding("DPOP_JKT_MISMATCH", f"the {where} cnf.jkt is not the thumbprint of the "
                             "DPoP proof key", requirement, expected_jkt, jkt))
    if where == "introspection" and "token_type" in claims:
        token_type = claims.get("token_type")
        if not isinstance(token_type, str) or token_type.lower() != "dpop":
            findings.add(finding("DPOP_INTROSPECTION_TOKEN_TYPE", "introspection token_type of a "
                                 "DPoP-bound token is not DPoP", "RFC9449-6.2", "DPoP", token_type))
    findings.raise_if_any()


# --------------------------------------------------------------------------- resource


def check_resource_accepted(status: int, *, requirement: str = "RFC9449-7.1",
                            what: str = "a request with a valid DPoP proof") -> None:
    """A protected resource served a valid request (accept checks).

    RFC 9449 §7.1: the resource checks the proof per §4.3 and the key binding; a request
    that passes them is served. ``requirement`` names the rule whose over-strict reading
    would refuse it.
    """
    if not 200 <= status < 300:
        raise fail("DPOP_VALID_REQUEST_REFUSED", f"the resource refused {what}", requirement,
                   expected="2xx", actual=status)


def check_resource_refused(status: int, headers: Headers, expected_errors: Collection[str], *,
                           scheme: str = "DPoP", requirement: str = "RFC9449-7.1",
                           error_requirement: str = "RFC9449-7.1-error",
                           error_level: Level = Level.SHOULD) -> Challenge:
    """A protected resource refused a request with a challenge naming the expected error.

    RFC 9449 §7.1: "The resource server MUST NOT grant access to the resource unless all
    checks are successful." (``requirement``: the rule the request breaks, MUST.) RFC 6750 §3:
    the refusal "MUST include the HTTP "WWW-Authenticate" response header field". RFC 9449 §7.1:
    in such challenges "The scheme name is DPoP" (no keyword: a missing DPoP challenge next to
    other challenges is a SHOULD finding) and "An error parameter ([RFC6750], Section 3) SHOULD
    be included to indicate the reason why the request was declined ... invalid_dpop_proof is
    used to indicate that the DPoP proof itself was deemed invalid based on the criteria of
    Section 4.3." So a missing or different ``error`` breaks ``error_requirement`` at
    ``error_level`` (SHOULD; the nonce challenge of §9, where the code is the mechanism, passes
    RFC9449-9 at MUST). Status: RFC 6750 §3.1 ``invalid_request`` → 400 and ``invalid_token`` →
    401 (SHOULD); ``use_dpop_nonce`` and ``invalid_dpop_proof`` → 401 (§9, §7.1), at the level
    of the error rule. Returns the challenge (``DPoP``, else the first one).
    """
    if 200 <= status < 300:
        raise fail("RESOURCE_REQUEST_ACCEPTED", "the protected resource granted access to a request "
                   "it must refuse", requirement, expected=sorted(expected_errors), actual=status)
    findings = Findings()
    challenges = parse_challenges(headers)
    if not challenges:
        raise fail("RESOURCE_CHALLENGE_MISSING", "the refusal carries no WWW-Authenticate challenge", "RFC6750-3",
                   expected=f"WWW-Authenticate: {scheme} error=...", actual=None)
    challenge = find_challenge(challenges, scheme)
    if challenge is None:
        findings.add(finding("RESOURCE_CHALLENGE_SCHEME", f"the refusal carries no {scheme} challenge",
                             "RFC9449-7.1", f"WWW-Authenticate: {scheme} error=...",
                             [c.scheme for c in challenges], Level.SHOULD))
        challenge = challenges[0]
    error = challenge.error
    if error is None:
        findings.add(finding("RESOURCE_CHALLENGE_NO_ERROR", f"the {challenge.scheme} challenge names no error",
                             error_requirement, sorted(expected_errors), challenge.params, error_level))
    elif error not in expected_errors:
        findings.add(finding("RESOURCE_ERROR_WRONG_CODE", f"the {challenge.scheme} challenge says error={error!r}",
                             error_requirement, sorted(expected_errors), error, error_level))
    wanted_status = 400 if error == "invalid_request" else 403 if error == "insufficient_scope" else 401
    if status != wanted_status:
        by_6750 = error in ("invalid_request", "invalid_token", "insufficient_scope")
        findings.add(finding("RESOURCE_ERROR_STATUS", f"error {error!r} is answered with HTTP {status}",
                             "RFC6750-3.1" if by_6750 else error_requirement, wanted_status, status,
                             Level.SHOULD if by_6750 else error_level))
    findings.raise_if_any()
    return challenge


def check_proof_refused_at_resource(status: int, headers: Headers, *,
                                    expected: Collection[str] = ("invalid_dpop_proof",),
                                    requirement: str = "RFC9449-7.1") -> Challenge:
    """RFC 9449 §4.3 / §7.1: a resource refuses an invalid proof with a DPoP challenge.

    "To validate a DPoP proof, the receiving server MUST ensure the following: ..." and
    "invalid_dpop_proof is used to indicate that the DPoP proof itself was deemed invalid
    based on the criteria of Section 4.3." See :func:`check_resource_refused`.
    """
    return check_resource_refused(status, headers, expected, scheme="DPoP", requirement=requirement)


def check_bound_token_refused_as_bearer(status: int, headers: Headers) -> Challenge | None:
    """RFC 9449 §7.2 with RFC 6750 §3: a DPoP-bound token sent as a bearer token gets 401 ``invalid_token``.

    RFC 9449 §7.2: "such a protected resource MUST reject a DPoP-bound access token received
    as a bearer token per [RFC6750]." RFC 6750 §3: "If the protected resource request does not
    include authentication credentials or does not contain an access token that enables access
    to the protected resource, the resource server MUST include the HTTP "WWW-Authenticate"
    response header field"; "If the protected resource request included an access token and
    failed authentication, the resource server SHOULD include the "error" attribute"; §3.1:
    "invalid_token The access token provided is expired, revoked, malformed, or invalid for
    other reasons. The resource SHOULD respond with the HTTP 401 (Unauthorized) status code."

    The request is well formed (one token, the Bearer scheme): the token is what is invalid for
    this use, so the rejection "per RFC 6750" is ``invalid_token``; ``invalid_request`` (a
    malformed request, 400) is the wrong answer (MUST, §7.2). The challenge may be ``Bearer``
    (the scheme used) or ``DPoP`` (§7.2 lets a server that supports both challenge with either).
    Levels follow the sentences: accepted or no challenge → MUST; no ``error`` → SHOULD; another
    error → MUST; a status other than 401 → SHOULD (RFC 6750 §3.1).
    """
    if 200 <= status < 300:
        raise fail("DPOP_BOUND_TOKEN_ACCEPTED_AS_BEARER", "the resource served a DPoP-bound access "
                   "token presented with the Bearer scheme", "RFC9449-7.2", expected="401 invalid_token",
                   actual=status)
    challenges = parse_challenges(headers)
    relevant = [c for c in challenges if c.is_scheme("Bearer") or c.is_scheme("DPoP")]
    findings = Findings()
    if not relevant:
        findings.add(finding("RESOURCE_CHALLENGE_MISSING", "the refusal carries no WWW-Authenticate Bearer or DPoP "
                             "challenge", "RFC6750-3", 'WWW-Authenticate: Bearer error="invalid_token"',
                             [c.scheme for c in challenges] or None))
    else:
        errors = [c.error for c in relevant if c.error]
        if not errors:
            findings.add(finding("RESOURCE_CHALLENGE_NO_ERROR", "the challenge names no error", "RFC6750-3-error",
                                 "invalid_token", None, Level.SHOULD))
        elif "invalid_token" not in errors:
            findings.add(finding("RESOURCE_ERROR_WRONG_CODE", "the challenge does not say invalid_token: the "
                                 "token, not the request, is what is invalid", "RFC9449-7.2", "invalid_token",
                                 sorted(set(errors))))
    if status != 401:
        findings.add(finding("RESOURCE_ERROR_STATUS", "the refusal of an invalid token is not HTTP 401",
                             "RFC6750-3.1", 401, status, Level.SHOULD))
    findings.raise_if_any()
    return find_challenge(challenges, "Bearer") or find_challenge(challenges, "DPoP")


def check_replay_refused_at_token_endpoint(status: int, headers: Headers, body: Body, *,
                                           basic_auth_used: bool = False,
                                           requirement: str = "DOC-dpop_replay_prevention") -> dict[str, Any]:
    """A token request replaying a DPoP proof is refused with ``invalid_dpop_proof``; return the error JSON.

    RFC 9449 §11.1: "In the context of the target URI, servers can store the jti value of each
    DPoP proof for the time window in which the respective DPoP proof JWT would be accepted to
    prevent multiple uses of the same DPoP proof. HTTP requests to the same URI for which the jti
    value has been seen before would be declined." Single use is optional in the RFC; a server
    documented to prevent replay (``requirement``) must decline. §5: "If the DPoP proof is
    invalid, the authorization server issues an error response per Section 5.2 of [RFC6749] with
    invalid_dpop_proof as the value of the error parameter." Accepting the replay
    (``DPOP_REPLAY_ACCEPTED``, citing ``requirement``) and refusing it with another error
    (``TOKEN_ERROR_WRONG_CODE``, citing RFC 9449 §5) are distinct findings.
    """
    if 200 <= status < 300:
        raise fail("DPOP_REPLAY_ACCEPTED", "the token endpoint accepted a DPoP proof that had already been used",
                   requirement, expected="invalid_dpop_proof", actual=status)
    return check_token_error_response(status, headers, body, "invalid_dpop_proof",
                                      basic_auth_used=basic_auth_used, requirement="RFC9449-5-invalid_dpop_proof")


def check_challenge_algs(challenge: Challenge) -> list[str]:
    """RFC 9449 §7.1: a DPoP challenge SHOULD list the acceptable proof algorithms in ``algs``.

    "An algs parameter SHOULD be included to signal to the client the JWS algorithms that
    are acceptable for the DPoP proof JWT. The value of the parameter is a space-delimited
    list of JWS alg (Algorithm) header values". An empty list breaks the same SHOULD. Listing
    ``none`` or a MAC algorithm advertises what §11.6 forbids: "Implementers MUST ensure that
    only asymmetric digital signature algorithms (such as ES256) that are deemed secure can be
    used for signing DPoP proofs. In particular, the algorithm none MUST NOT be allowed."
    Returns the listed algorithms.
    """
    value = challenge.params.get("algs")
    if value is None:
        raise fail("DPOP_CHALLENGE_NO_ALGS", "the DPoP challenge has no algs parameter", "RFC9449-7.1-algs",
                   expected="algs=\"ES256 ...\"", actual=challenge.params, level=Level.SHOULD)
    algs = value.split()
    if not algs:
        raise fail("DPOP_CHALLENGE_NO_ALGS", "the DPoP challenge's algs parameter lists no algorithm",
                   "RFC9449-7.1-algs", expected="algs=\"ES256 ...\"", actual=value, level=Level.SHOULD)
    bad = [a for a in algs if a == "none" or a.startswith("HS")]
    if bad:
        raise fail("DPOP_CHALLENGE_ALGS_INVALID", "algs lists none or a MAC algorithm", "RFC9449-11.6",
                   expected="asymmetric JWS algs", actual=value)
    return algs
