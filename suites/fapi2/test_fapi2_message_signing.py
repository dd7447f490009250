"""FAPI 2.0 Message Signing (Final): signed request objects at PAR (§5.3.2), JARM responses (§5.4.2), signed
introspection responses (RFC 9701) with a FAPI algorithm.

Every check uses the profile's Message Signing client (``clients[].fapi: 2.0-message-signing``,
private_key_jwt, DPoP-bound tokens) and is skipped before any request when there is none. A
request object is signed with PS256 (the client's RSA key) and carries ``aud`` = issuer,
``nbf`` = now and ``exp`` = now + 5 minutes unless the check changes one of them.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pytest

from harness import jose
from harness.flows.authorization import AuthorizationRequest, build_authorization_request
from harness.flows.dpop import DpopSession, redeem_params
from harness.flows.fapi2 import code_or_fail, fapi2_client, rsa_signing_key
from harness.flows.introspection import introspect
from harness.flows.jarm import issuer_keys, open_response, require_response
from harness.flows.par import ParResult, by_reference, push, pushed_or_fail
from harness.flows.request_object import request_object_claims
from harness.profile import Client
from harness.results import fail
from harness.specs import fapi2_security as fapi2
from harness.specs import jarm as jarm_spec
from harness.specs import rfc9701
from harness.target import Target

requirement = pytest.mark.requirement
needs_par = pytest.mark.needs("pushed_authorization_request_endpoint")

#: FAPI 2.0 Message Signing §5.3.2: exp "no longer than 60 minutes after the nbf claim".
MAX_WINDOW_S = 3600
#: The OIDF module's nbf "70 minutes in the past" (FAPI 2.0 MS §5.3.2: "no longer than 60 minutes in the past").
OLD_NBF_S = 70 * 60
#: FAPI 2.0 SP §5.3.2.1: "shall accept JWTs with an iat or nbf timestamp between 0 and 10 seconds in the future".
FUTURE_NBF_S = 8


def _client(target: Target) -> Client:
    return fapi2_client(target, message_signing=True)


def _push_signed(target: Target, client: Client, request: AuthorizationRequest, *, alg: str = "PS256",
                 overrides: dict[str, Any] | None = None, key: Any = None, broken_signature: bool = False,
                 label: str = "push a signed request object") -> ParResult:
    """Push ``request`` as a request object (PS256 with the client's RSA key unless ``alg``/``key`` say otherwise).

    ``alg="none"`` sends it unsigned; ``broken_signature`` flips one character of the signature.
    """
    claims = request_object_claims(target, request, lifetime=300, overrides=overrides)
    signing_key = None if alg == "none" else (key if key is not None else rsa_signing_key(client))
    token = jose.build_request_object(claims, signing_key, alg, typ="oauth-authz-req+jwt")
    if broken_signature:
        head, payload, signature = token.split(".")
        token = f"{head}.{payload}.{('B' if signature[0] == 'A' else 'A') + signature[1:]}"
    return push(target, client, {"client_id": client.id, "request": token}, label=label, request=request)


def _front(target: Target, user_agent: Any, request: AuthorizationRequest, request_uri: str) -> Any:
    front = by_reference(target, request, request_uri)
    return user_agent().authorize(front.url(), user=target.user(0), redirect_uri=request.redirect_uri)


@needs_par
@requirement("FAPI2MS-5.3.2-1", "FAPI2SP-5.3.2.1-SENDER")
def test_ms_signed_request_happy_flow(target: Target, user_agent: Any) -> None:
    """A PS256 request object pushed to PAR yields a code, redeemed for a DPoP-bound token."""
    client = _client(target)
    request = build_authorization_request(target, client)
    result = _push_signed(target, client, request)
    uri = fapi2.accepted_push_or_fail(result.status, result.body, what="a valid signed request object",
                                      requirement="FAPI2MS-5.3.2-1")
    code = code_or_fail(_front(target, user_agent, request, uri), "a pushed signed request object",
                        "FAPI2MS-5.3.2-1")
    token, _ = DpopSession(target).token_request(client, redeem_params(request, code), label="redeem with DPoP")
    if not token.ok:
        raise fail("PRECONDITION_FAPI2_TOKEN_REQUEST_FAILED", "the code of a signed pushed request was not "
                   "redeemable", "FAPI2SP-5.3.2.1-SENDER", expected="HTTP 200 with tokens",
                   actual=f"HTTP {token.status} error={token.error}")
    fapi2.check_token_type_dpop(token.body or {})


@needs_par
@requirement("FAPI2MS-5.3.2-2")
def test_ms_request_object_multiple_aud_accepted(target: Target, user_agent: Any) -> None:
    """A request object whose ``aud`` is an array containing the issuer is accepted."""
    client = _client(target)
    request = build_authorization_request(target, client)
    result = _push_signed(target, client, request,
                          overrides={"aud": [target.profile.issuer, "https://other-audience.example.test/"]},
                          label="push a request object with an aud array")
    uri = fapi2.accepted_push_or_fail(result.status, result.body, what="a request object whose aud is an array "
                                      "containing the issuer", requirement="FAPI2MS-5.3.2-2")
    code_or_fail(_front(target, user_agent, request, uri), "a request object with an aud array", "FAPI2MS-5.3.2-2")


def _now() -> int:
    return int(time.time())


_REFUSED: dict[str, tuple[str, str, Any]] = {
    # case: (requirement, finding code, claim overrides (a callable: decided at run time))
    "without_exp": ("FAPI2MS-5.3.2-4", "FAPI2MS_REQUEST_OBJECT_WITHOUT_EXP_ACCEPTED",
                    lambda: {"exp": jose.REMOVE}),
    "without_nbf": ("FAPI2MS-5.3.2-3", "FAPI2MS_REQUEST_OBJECT_WITHOUT_NBF_ACCEPTED",
                    lambda: {"nbf": jose.REMOVE}),
    "exp_over_60_minutes": ("FAPI2MS-5.3.2-4", "FAPI2MS_REQUEST_OBJECT_WINDOW_ACCEPTED",
                            lambda: {"nbf": _now(), "exp": _now() + MAX_WINDOW_S + 60}),
    # OIDF ensure-request-object-with-nbf-over-60-fails: nbf 70 minutes ago, exp 5 minutes ahead
    "nbf_over_60_minutes": ("FAPI2MS-5.3.2-3", "FAPI2MS_REQUEST_OBJECT_OLD_NBF_ACCEPTED",
                            lambda: {"nbf": _now() - OLD_NBF_S}),
}


@needs_par
@pytest.mark.parametrize("case", sorted(_REFUSED))
@requirement("FAPI2MS-5.3.2-3", "FAPI2MS-5.3.2-4")
def test_ms_request_object_claims_enforced(target: Target, case: str) -> None:
    """A pushed request object without ``exp`` or ``nbf``, living over 60 minutes after ``nbf``, or with an ``nbf``
    70 minutes old is refused."""
    requirement_id, code, overrides = _REFUSED[case]
    client = _client(target)
    request = build_authorization_request(target, client)
    result = _push_signed(target, client, request, overrides=overrides(), label=f"push a request object ({case})")
    fapi2.check_push_refused(result.status, result.body, code=code, what=f"a request object {case.replace('_', ' ')}",
                             requirement=requirement_id)


@needs_par
@requirement("FAPI2SP-5.3.2.1-CLOCK", "FAPI2MS-5.3.2-1")
def test_ms_request_object_nbf_8s_ahead_accepted(target: Target, user_agent: Any) -> None:
    """A request object whose ``iat`` and ``nbf`` lie 8 s in the future is accepted at PAR and yields a code.

    FAPI 2.0 SP §5.3.2.1: "shall accept JWTs with an iat or nbf timestamp between 0 and 10 seconds in the
    future" (OIDF ensure-request-object-with-nbf-8-seconds-in-the-future-is-accepted, which grades a
    refusal at PAR as a warning and expects the flow to succeed once the push is accepted).
    """
    client = _client(target)
    request = build_authorization_request(target, client)
    ahead = _now() + FUTURE_NBF_S
    result = _push_signed(target, client, request, overrides={"iat": ahead, "nbf": ahead, "exp": ahead + 300},
                          label=f"push a request object whose iat/nbf lie {FUTURE_NBF_S} s ahead")
    uri = fapi2.future_jwt_push_accepted(result.status, result.body,
                                         what=f"a request object whose nbf lies {FUTURE_NBF_S} s in the future")
    code_or_fail(_front(target, user_agent, request, uri), f"a request object whose nbf lies {FUTURE_NBF_S} s ahead",
                 "FAPI2SP-5.3.2.1-CLOCK")


@dataclass(frozen=True)
class _SignedCase:
    """A Security Profile (or JAR) negative sent as the Message Signing client's signed push."""

    requirement: str
    code: str
    what: str
    pkce: Literal["S256", "plain", "none"] = "S256"
    overrides: Callable[[], dict[str, Any]] = dict
    alg: str = "PS256"
    foreign_key: bool = False
    broken_signature: bool = False


_SIGNED_PUSHES: dict[str, _SignedCase] = {
    # OIDF fapi2-security-profile-final-par-ensure-pkce-required (signed variant)
    "without_code_challenge": _SignedCase("FAPI2SP-5.3.2.2-PKCE", "FAPI2_PKCE_NOT_REQUIRED",
                                          "a request object without code_challenge", pkce="none"),
    # ...-par-plain-pkce-rejected
    "plain_pkce": _SignedCase("FAPI2SP-5.3.2.2-PKCE", "FAPI2_PLAIN_PKCE_ACCEPTED",
                              "a request object with code_challenge_method=plain", pkce="plain"),
    # ...-ensure-request-object-without-redirect-uri-fails, -ensure-redirect-uri-in-authorization-request
    "without_redirect_uri": _SignedCase("FAPI2SP-5.3.2.2-REDIRECT", "FAPI2_REDIRECT_URI_NOT_REQUIRED",
                                        "a request object without redirect_uri",
                                        overrides=lambda: {"redirect_uri": jose.REMOVE}),
    # ...-ensure-expired-request-object-fails
    "expired": _SignedCase("RFC7519-4.1.4", "FAPI2MS_EXPIRED_REQUEST_OBJECT_ACCEPTED",
                           "a request object whose exp lies five minutes in the past",
                           overrides=lambda: {"iat": _now() - 600, "nbf": _now() - 600, "exp": _now() - 300}),
    # ...-ensure-request-object-with-bad-aud-fails
    "wrong_aud": _SignedCase("FAPI2MS-5.3.2-2", "FAPI2MS_REQUEST_OBJECT_AUDIENCE_ACCEPTED",
                             "a request object addressed to another audience",
                             overrides=lambda: {"aud": "https://other-audience.example.test/"}),
    # ...-ensure-request-object-signature-algorithm-is-not-none
    "alg_none": _SignedCase("FAPI2SP-5.4.1-ALGS", "FAPI2MS_UNSIGNED_REQUEST_OBJECT_ACCEPTED",
                            "an unsigned (alg none) request object", alg="none"),
    # ...-ensure-request-object-with-invalid-signature-fails
    "invalid_signature": _SignedCase("RFC9101-6.2", "FAPI2MS_INVALID_SIGNATURE_ACCEPTED",
                                     "a request object whose signature does not verify", broken_signature=True),
    # ...-ensure-matching-key-in-authorization-request
    "other_key": _SignedCase("RFC9101-6.2", "FAPI2MS_FOREIGN_KEY_ACCEPTED",
                             "a request object signed with a key the client never registered", foreign_key=True),
}


@needs_par
@pytest.mark.parametrize("case", sorted(_SIGNED_PUSHES))
@requirement("FAPI2SP-5.3.2.2-PKCE", "FAPI2SP-5.3.2.2-REDIRECT", "RFC7519-4.1.4", "FAPI2MS-5.3.2-2",
             "FAPI2SP-5.4.1-ALGS", "RFC9101-6.2")
def test_ms_signed_push_refused(target: Target, case: str) -> None:
    """The Security Profile / JAR negatives as signed pushes of the Message Signing client are refused at PAR.

    The OIDF Message Signing plan runs every shared module with a signed request object; these are
    the ones a server decides at PAR (no code_challenge, plain PKCE, no redirect_uri, expired, wrong
    aud, alg none, broken signature, a foreign key). Everything else is a valid PS256 object.
    """
    spec = _SIGNED_PUSHES[case]
    client = _client(target)
    request = build_authorization_request(target, client, pkce=spec.pkce)
    key = jose.generate_key("RSA", label="fapi2ms-foreign-key") if spec.foreign_key else None
    result = _push_signed(target, client, request, alg=spec.alg, overrides=spec.overrides(), key=key,
                          broken_signature=spec.broken_signature, label=f"push a signed request object ({case})")
    fapi2.check_push_refused(result.status, result.body, code=spec.code, what=spec.what, requirement=spec.requirement)


@needs_par
@requirement("FAPI2SP-5.4.1-ALGS", "FAPI2MS-5.3.2-1")
def test_ms_rs256_request_object_refused(target: Target) -> None:
    """A request object signed with RS256 (the client's own RSA key) is refused at PAR."""
    client = _client(target)
    request = build_authorization_request(target, client)
    result = _push_signed(target, client, request, alg="RS256", label="push an RS256 request object")
    fapi2.check_push_refused(result.status, result.body, code="FAPI2_RS256_REQUEST_OBJECT_ACCEPTED",
                             what="a request object signed with RS256", requirement="FAPI2SP-5.4.1-ALGS")


@needs_par
@requirement("FAPI2MS-5.3.2-1")
def test_ms_unsigned_push_refused(target: Target) -> None:
    """An unsigned pushed authorization request (plain form parameters) is refused for the client."""
    client = _client(target)
    request = build_authorization_request(target, client)
    result = push(target, client, dict(request.params), label="unsigned push", request=request)
    fapi2.check_push_refused(result.status, result.body, code="FAPI2MS_UNSIGNED_PUSH_ACCEPTED",
                             what="an unsigned request from a Message Signing client",
                             requirement="FAPI2MS-5.3.2-1")


@needs_par
@requirement("FAPI2MS-5.4.2-1", "FAPI2SP-5.4.1-ALGS", "JARM-2.1")
def test_ms_jarm_response_signed(target: Target, user_agent: Any) -> None:
    """``response_mode=jwt`` returns a JARM response signed with PS256/ES256/EdDSA by the issuer, carrying the code."""
    client = _client(target)
    request = build_authorization_request(target, client, response_mode="jwt")
    result = _push_signed(target, client, request, label="push a signed request object with response_mode=jwt")
    outcome = _front(target, user_agent, request, pushed_or_fail(result))
    delivered, raw, outer = require_response(outcome, "jwt")
    response = open_response(client, delivered, raw, outer)
    assert response.jws is not None
    fapi2.check_fapi_alg(response.jws.alg, what="the JARM response")
    jarm_spec.check_signature(response.jws, issuer_keys(target), expected_alg=str(response.jws.alg),
                              documented=False, allowed_algs=sorted(fapi2.FAPI_ALGS))
    jarm_spec.check_response_claims(response.claims, issuer=target.profile.issuer, client_id=client.id,
                                    state=request.state)


@needs_par
@requirement("RFC9126-2.1-request_uri", "FAPI2MS-5.3.2-1")
def test_ms_request_uri_inside_request_object_refused(target: Target) -> None:
    """A pushed request object that itself carries a ``request_uri`` claim is refused.

    RFC 9126 §2.1: "The request_uri authorization request parameter is one exception, and it
    MUST NOT be provided" — inside a pushed request object as much as next to it (OIDF
    par-authorization-request-containing-request_uri).
    """
    client = _client(target)
    request = build_authorization_request(target, client)
    inner = "urn:ietf:params:oauth:request_uri:" + secrets.token_urlsafe(24)
    result = _push_signed(target, client, request, overrides={"request_uri": inner},
                          label="push a request object carrying request_uri")
    fapi2.check_push_refused(result.status, result.body, code="FAPI2MS_REQUEST_URI_IN_REQUEST_OBJECT_ACCEPTED",
                             what="a request object carrying request_uri", requirement="RFC9126-2.1-request_uri")


@pytest.mark.needs("introspection_endpoint")
@requirement("FAPI2SP-5.4.1-ALGS", "RFC9701-5-signed")
def test_ms_introspection_response_fapi_alg(target: Target) -> None:
    """The Message Signing client's JWT introspection response is signed with PS256, ES256 or EdDSA.

    Skipped unless the profile documents JWT introspection responses. The token is made up: RFC 9701 §5
    signs the ``{"active": false}`` answer too, and the algorithm is the caller's, not the token's.
    """
    if not target.profile.documented.introspection.jwt_response:
        pytest.skip("the profile does not document JWT introspection responses (documented.introspection."
                    "jwt_response)")
    client = _client(target)
    # the flow's assertion carries aud = issuer for a FAPI 2.0 client (FAPI 2.0 SP §5.3.2.1)
    result = introspect(target, client, "harness-unknown-" + secrets.token_urlsafe(24), accept_jwt=True,
                        label=f"introspect as {client.id}, asking for a JWT")
    rfc9701.check_jwt_response_media_type(result.status, result.response.headers, documented=True)
    decoded = rfc9701.check_jwt_response_signature(result.response.text.strip(), jose.parse_jwks(target.jwks),
                                                   expected_alg=None)
    fapi2.check_fapi_alg(decoded.alg, what="the JWT introspection response")
