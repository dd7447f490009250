"""Request objects: RFC 9101 (JAR) and OpenID Connect Core §6, by value, via PAR, signed and encrypted."""

from __future__ import annotations

import secrets
import time
from typing import Any

import pytest

from harness import jose
from harness.flows.authorization import AuthorizationOutcome, AuthorizationRequest, build_authorization_request
from harness.flows.par import by_reference, push, pushed_or_fail
from harness.flows.request_object import (
    OIDC_OUTSIDE_PARAMS,
    by_value,
    client_signing_key,
    request_object_alg,
    request_object_claims,
    sign_request_object,
)
from harness.profile import Client
from harness.results import Findings, Level, ProfileError
from harness.specs import documented, rfc9101, rfc9126
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement

SIGNATURE_ERRORS = {"invalid_request_object"}
OTHER_AUDIENCE = "https://other-audience.example.test/"
#: FAPI 1.0 Advanced §5.2.2-13: "shall require the request object to contain an exp claim that has a
#: lifetime of no longer than 60 minutes after the nbf claim" (for FAPI 1.0 Advanced clients only).
FAPI_MAX_LIFETIME_S = 3600


def _candidates(target: Target) -> list[Client]:
    return [c for c in target.profile.clients if c.use_in_suites and "authorization_code" in c.grant_types
            and c.jwks_file is not None and not c.documented.require_par and not c.documented.require_jarm]


def _jar_client(target: Target) -> Client:
    """A client documented to require signed requests, else any code client with a private JWKS."""
    candidates = _candidates(target)
    for client in candidates:
        if client.documented.require_signed_requests:
            return client
    for client in candidates:
        try:
            request_object_alg(target, client)
        except NotApplicable:
            continue
        return client
    raise NotApplicable("the profile has no code-flow client with a private JWKS to sign request objects")


def _supported(target: Target) -> Client:
    client = _jar_client(target)
    if target.metadata.get("request_parameter_supported") is not True and not client.documented.require_signed_requests:
        raise NotApplicable("the target does not advertise request_parameter_supported and no client is documented "
                            "to require signed requests")
    return client


def _signed(target: Target, client: Client, *, claims: dict[str, Any] | None = None, alg: str | None = None,
            key: jose.Key | None = None, header: dict[str, Any] | None = None, encrypt: bool = False,
            enc: tuple[str, str] | None = None, outside: dict[str, str] | None = None,
            keep: tuple[str, ...] = OIDC_OUTSIDE_PARAMS) -> tuple[AuthorizationRequest, AuthorizationRequest]:
    """(the request the object carries, the front-channel request passing it by value)."""
    request = build_authorization_request(target, client)
    body = request_object_claims(target, request, overrides=claims)
    enc_alg, enc_enc = enc or ("RSA-OAEP-256", "A256GCM")
    token = sign_request_object(target, client, body, alg=alg, key=key, header_overrides=header, encrypt=encrypt,
                                enc_alg=enc_alg, enc=enc_enc)
    return request, by_value(target, request, token, outside=outside, keep=keep)


def _send(target: Target, user_agent: Any, request: AuthorizationRequest) -> AuthorizationOutcome:
    outcome: AuthorizationOutcome = user_agent().authorize(request.url(), user=target.user(0),
                                                           redirect_uri=request.redirect_uri)
    return outcome


def _refused(target: Target, user_agent: Any, front: AuthorizationRequest, *, code: str, message: str,
             requirement_id: str, errors: set[str] | frozenset[str] = rfc9101.REQUEST_OBJECT_ERRORS,
             level: Level = Level.MUST) -> None:
    outcome = _send(target, user_agent, front)
    rfc9101.check_request_object_refused(outcome.params if outcome.redirected else {}, redirected=outcome.redirected,
                                         code=code, message=message, requirement=requirement_id,
                                         expected_errors=errors, level=level)


@requirement("RFC9101-5-request", "RFC9101-6.2", "OIDCC-6.1")
def test_signed_request_by_value(target: Target, user_agent: Any) -> None:
    """A request object signed with the client's key and algorithm, passed in ``request``, completes the flow."""
    client = _supported(target)
    request, front = _signed(target, client)
    outcome = _send(target, user_agent, front)
    rfc9101.check_request_object_accepted(outcome.params if outcome.redirected else {}, state=request.state)


@pytest.mark.needs("pushed_authorization_request_endpoint")
@requirement("RFC9126-3", "RFC9101-5")
def test_signed_request_via_par(target: Target, user_agent: Any) -> None:
    """A signed request object pushed to the PAR endpoint is used through its ``request_uri``."""
    client = _supported(target)
    request = build_authorization_request(target, client)
    token = sign_request_object(target, client, request_object_claims(target, request))
    result = push(target, client, {"client_id": client.id, "request": token}, label="push a signed request object",
                  request=request)
    front = by_reference(target, request, pushed_or_fail(result))
    outcome = _send(target, user_agent, front)
    rfc9101.check_request_object_accepted(outcome.params if outcome.redirected else {}, state=request.state,
                                          requirement="RFC9126-3")


def _encryption(target: Target, client: Client) -> tuple[str, str]:
    documented = client.documented.request_object_encryption
    if documented is not None:
        return documented.alg, documented.enc
    algs = target.metadata.get("request_object_encryption_alg_values_supported") or []
    encs = target.metadata.get("request_object_encryption_enc_values_supported") or ["A128CBC-HS256"]
    for alg in ("RSA-OAEP-256", "RSA-OAEP"):
        if alg in algs:
            return alg, "A256GCM" if "A256GCM" in encs else str(encs[0])
    raise NotApplicable("the target advertises no RSA key-management algorithm for request object encryption")


@requirement("RFC9101-6.1", "RFC9101-4-nested", "OIDCC-6.3.1")
def test_nested_signed_then_encrypted(target: Target, user_agent: Any) -> None:
    """A signed request object encrypted to the server's key (nested JWT) is decrypted and used."""
    client = _supported(target)
    if not target.metadata.get("request_object_encryption_alg_values_supported") \
            and client.documented.request_object_encryption is None:
        pytest.skip("the target does not advertise request object encryption")
    request, front = _signed(target, client, encrypt=True, enc=_encryption(target, client))
    outcome = _send(target, user_agent, front)
    rfc9101.check_request_object_accepted(outcome.params if outcome.redirected else {}, state=request.state,
                                          requirement="RFC9101-6.1")


@requirement("RFC9101-6.2", "OIDCC-6.3.2")
def test_invalid_signature_refused(target: Target, user_agent: Any) -> None:
    """A request object whose signature does not verify is refused (``invalid_request_object``)."""
    client = _supported(target)
    request, front = _signed(target, client)
    head, payload, signature = front.params["request"].split(".")
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    front.params["request"] = f"{head}.{payload}.{flipped}"
    _refused(target, user_agent, front, code="JAR_INVALID_SIGNATURE_ACCEPTED",
             message="a request object with a broken signature was accepted", requirement_id="RFC9101-6.2",
             errors=SIGNATURE_ERRORS)


@requirement("RFC9101-5", "DOC-require_signed_requests", "OIDCC-6.1-unsigned")
def test_unsigned_refused(target: Target, user_agent: Any) -> None:
    """An unsigned request object (``alg: none``) is refused where signing is required or ``none`` is not offered."""
    client = _supported(target)
    offered = target.metadata.get("request_object_signing_alg_values_supported") or []
    if "none" in offered and not client.documented.require_signed_requests:
        pytest.skip("the target offers alg none for request objects and the client does not require signing")
    _, front = _signed(target, client, alg="none")
    documented = client.documented.require_signed_requests
    _refused(target, user_agent, front, code="JAR_UNSIGNED_ACCEPTED",
             message="an unsigned (alg none) request object was accepted",
             requirement_id="DOC-require_signed_requests" if documented else "RFC9101-5")


@requirement("DOC-request_object_signing_alg", "OIDCC-6.3.2", "OIDCR-2-request_object_signing_alg")
def test_unregistered_alg_refused(target: Target, user_agent: Any) -> None:
    """A request object signed with an algorithm other than the documented one is refused."""
    client = _supported(target)
    registered = client.documented.request_object_signing_alg
    if registered is None:
        pytest.skip("the profile documents no request_object_signing_alg for the client")
    other = None
    for alg in ("RS256", "PS256", "ES256", "PS384", "RS384", "ES384"):
        if alg == registered:
            continue
        try:
            key = client_signing_key(client, alg)
        except (ProfileError, NotApplicable):  # no key for this alg: try the next one
            continue
        other = (alg, key)
        break
    if other is None:
        pytest.skip(f"the client's JWKS has no key for an algorithm other than {registered}")
    _, front = _signed(target, client, alg=other[0], key=other[1])
    _refused(target, user_agent, front, code="JAR_UNREGISTERED_ALG_ACCEPTED",
             message=f"a request object signed with {other[0]} was accepted although {registered} is registered",
             requirement_id="DOC-request_object_signing_alg", errors=SIGNATURE_ERRORS)


def _foreign_key(target: Target, client: Client, alg: str) -> jose.Key:
    for other in target.profile.clients:
        if other.id == client.id or other.jwks_file is None:
            continue
        try:
            return client_signing_key(other, alg)
        except (ProfileError, NotApplicable):  # this client has no key for alg
            continue
    kind = "EC" if alg.startswith("ES") else "RSA"
    return jose.generate_key(kind, label="jar-foreign-key")


@requirement("RFC9101-6.2", "OIDCC-6.3.2")
def test_other_client_key_refused(target: Target, user_agent: Any) -> None:
    """A request object signed with a key that does not belong to the client is refused."""
    client = _supported(target)
    alg = request_object_alg(target, client)
    _, front = _signed(target, client, alg=alg, key=_foreign_key(target, client, alg))
    _refused(target, user_agent, front, code="JAR_FOREIGN_KEY_ACCEPTED",
             message="a request object signed with another party's key was accepted", requirement_id="RFC9101-6.2",
             errors=SIGNATURE_ERRORS)


@requirement("RFC7519-4.1.4", "RFC9101-6.3-error")
def test_expired_refused(target: Target, user_agent: Any) -> None:
    """A request object whose ``exp`` lies five minutes in the past is refused."""
    client = _supported(target)
    now = int(time.time())
    _, front = _signed(target, client, claims={"iat": now - 600, "nbf": now - 600, "exp": now - 300})
    _refused(target, user_agent, front, code="JAR_EXPIRED_ACCEPTED", message="an expired request object was accepted",
             requirement_id="RFC7519-4.1.4")


def _lifetime_client(target: Target) -> Client:
    """A client with a lifetime limit that applies: documented, or FAPI 1.0 Advanced's 60 minutes.

    No general rule bounds ``exp - nbf`` of a request object (RFC 9101 and OIDC Core set
    none), so a client neither documented with ``request_object_max_lifetime_s`` nor
    registered as ``fapi: 1.0-advanced`` has no limit to test (known from the profile).
    """
    _supported(target)
    for client in _candidates(target):
        if client.documented.request_object_max_lifetime_s is not None or client.fapi == "1.0-advanced":
            try:
                request_object_alg(target, client)
            except NotApplicable:
                continue
            return client
    raise NotApplicable("no client documents request_object_max_lifetime_s or is a FAPI 1.0 Advanced client; "
                        "no other rule limits a request object's lifetime")


@requirement("DOC-request_object_max_lifetime_s", "FAPI1ADV-5.2.2-13")
def test_lifetime_window_refused(target: Target, user_agent: Any) -> None:
    """A request object whose ``exp`` lies far beyond its ``nbf`` is refused (documented maximum, or FAPI 1.0's 60 min).

    Applies to clients documented with ``request_object_max_lifetime_s`` (``DOC-…``) and to
    ``fapi: 1.0-advanced`` clients (FAPI 1.0 Advanced §5.2.2-13 "shall"); both are MUSTs.
    """
    client = _lifetime_client(target)
    documented = client.documented.request_object_max_lifetime_s
    window = documented or FAPI_MAX_LIFETIME_S
    now = int(time.time())
    _, front = _signed(target, client, claims={"iat": now, "nbf": now, "exp": now + window + 3600})
    _refused(target, user_agent, front, code="JAR_LIFETIME_TOO_LONG_ACCEPTED",
             message=f"a request object valid for {window + 3600}s (more than {window}s after nbf) was accepted",
             requirement_id="DOC-request_object_max_lifetime_s" if documented else "FAPI1ADV-5.2.2-13")


@requirement("RFC7519-4.1.3", "RFC9101-4")
def test_wrong_audience_refused(target: Target, user_agent: Any) -> None:
    """A request object whose ``aud`` is not the issuer is refused."""
    client = _supported(target)
    _, front = _signed(target, client, claims={"aud": OTHER_AUDIENCE})
    _refused(target, user_agent, front, code="JAR_AUDIENCE_ACCEPTED",
             message="a request object addressed to another audience was accepted", requirement_id="RFC7519-4.1.3")


@requirement("OIDCC-3.1.2.1-redirect_uri", "RFC6749-3.1.2.3", "RFC9101-6.3-error")
def test_missing_redirect_uri_refused(target: Target, user_agent: Any) -> None:
    """A request object without ``redirect_uri`` (OpenID request, several registered URIs) is refused."""
    client = _supported(target)
    if "openid" not in client.scope.split() and len(client.redirect_uris) < 2:
        pytest.skip("without openid and with one registered redirect URI the parameter is optional")
    _, front = _signed(target, client, claims={"redirect_uri": jose.REMOVE})
    _refused(target, user_agent, front, code="JAR_MISSING_REDIRECT_URI_ACCEPTED",
             message="a request object without redirect_uri was accepted", requirement_id="OIDCC-3.1.2.2")


@requirement("RFC9101-6.3-client_id", "RFC9101-6.3")
def test_client_id_mismatch_refused(target: Target, user_agent: Any) -> None:
    """A request object whose ``client_id`` differs from the ``client_id`` outside it is refused."""
    client = _supported(target)
    others = [c.id for c in target.profile.clients if c.id != client.id]
    _, front = _signed(target, client, claims={"client_id": others[0] if others else "some-other-client"})
    _refused(target, user_agent, front, code="JAR_CLIENT_ID_MISMATCH_ACCEPTED",
             message="a request object whose client_id differs from the request's client_id was accepted",
             requirement_id="RFC9101-6.3-client_id")


@requirement("RFC9101-6.3", "OIDCC-6.3.3")
def test_inside_parameters_win(target: Target, user_agent: Any) -> None:
    """Where a parameter is both inside and outside the request object, the inside value is used (``state``)."""
    client = _supported(target)
    outside = "outside-" + secrets.token_urlsafe(8)
    request, front = _signed(target, client, outside={"state": outside})
    outcome = _send(target, user_agent, front)
    if not outcome.redirected:
        rfc9101.check_request_object_accepted({}, state=request.state)
    assert request.state is not None
    rfc9101.check_inside_parameters_win(outcome.params, inside_state=request.state, outside_state=outside)


def _signed_required_client(target: Target) -> Client:
    for client in target.profile.clients:
        if client.documented.require_signed_requests and client.use_in_suites \
                and "authorization_code" in client.grant_types:
            return client
    raise NotApplicable("the profile documents no client that requires signed requests")


@requirement("DOC-require_signed_requests", "RFC9101-10.5")
def test_documented_require_signed_requests(target: Target, user_agent: Any) -> None:
    """A client documented as "Require Signed Requests" gets no code for a plain authorization request."""
    client = _signed_required_client(target)
    outcome = _send(target, user_agent, build_authorization_request(target, client))
    rfc9101.check_signed_requests_required(outcome.params if outcome.redirected else {}, redirected=outcome.redirected)


@pytest.mark.needs("pushed_authorization_request_endpoint")
@requirement("RFC9126-2.3", "DOC-require_signed_requests")
def test_documented_require_signed_requests_at_par(target: Target) -> None:
    """A plain push by a client that must sign its requests is refused with 400 ``invalid_request``."""
    client = _signed_required_client(target)
    request = build_authorization_request(target, client)
    result = push(target, client, dict(request.params), label="plain push by a client that must sign requests")
    rfc9126.check_par_error_response(result.status, result.response.headers, result.judged_body, "invalid_request",
                                     basic_auth_used=result.used_basic, requirement="RFC9126-2.3")


@requirement("RFC9101-5.2", "RFC9101-7", "OIDCD-3-request_uri_parameter_supported")
def test_request_uri_by_reference(target: Target, user_agent: Any) -> None:
    """``request_uri`` by reference: refused with ``request_uri_not_supported`` where support is not advertised."""
    if target.metadata.get("request_uri_parameter_supported", True) is not False:
        pytest.skip("the target advertises request_uri support; serving a request object to it needs a "
                    "harness-hosted https URL, which this suite does not provide")
    client = _jar_client(target)
    request = build_authorization_request(target, client,
                                          extra={"request_uri": "https://rp.example.test/request-object.jwt"})
    outcome = _send(target, user_agent, request)
    rfc9101.check_request_uri_by_reference(target.metadata, outcome.params if outcome.redirected else {},
                                           redirected=outcome.redirected)


@requirement("OIDCD-3-request_parameter_supported", "RFC9101-5-request")
def test_request_object_support_advertised(target: Target, user_agent: Any) -> None:
    """``request_parameter_supported`` and ``request_object_signing_alg_values_supported`` match what works."""
    client = _jar_client(target)
    alg = request_object_alg(target, client)
    request, front = _signed(target, client, alg=alg)
    outcome = _send(target, user_agent, front)
    # state travels inside the object only: a server that ignores ``request`` cannot echo it
    works = outcome.redirected and "code" in outcome.params and outcome.params.get("state") == request.state
    metadata = target.fetch_metadata_fresh()
    findings = Findings()
    findings.check(rfc9101.check_request_parameter_advertised, metadata, works=works)
    if works:
        findings.check(rfc9101.check_signing_alg_advertised, metadata, alg)
    findings.raise_if_any()


def _documented_client(target: Target, flag: str) -> Client:
    """The client documented with ``flag`` (a boolean of ``clients[].documented``) that can sign request objects."""
    for client in _candidates(target):
        if getattr(client.documented, flag):
            return client
    raise NotApplicable(f"the profile documents no code-flow client with a private JWKS and {flag}")


@requirement("DOC-request_object_replay_prevention")
def test_documented_request_object_replay_refused(target: Target, user_agent: Any) -> None:
    """A signed request object used once is refused the second time (PingFederate "Replay Prevention")."""
    client = _documented_client(target, "request_object_replay_prevention")
    request, front = _signed(target, client)
    first = _send(target, user_agent, front)
    rfc9101.check_request_object_accepted(first.params if first.redirected else {}, state=request.state)
    _refused(target, user_agent, front, code="JAR_REPLAY_ACCEPTED",
             message="a request object (same jti) was accepted a second time although Replay Prevention is "
                     "documented", requirement_id="DOC-request_object_replay_prevention")


@requirement("DOC-outside_parameters_ignored")
def test_documented_outside_only_parameter_ignored(target: Target, user_agent: Any) -> None:
    """``state`` sent only outside the signed request object is ignored, without an error (Require Signed Requests)."""
    client = _documented_client(target, "outside_parameters_ignored")
    outside = "outside-only-" + secrets.token_urlsafe(8)
    _, front = _signed(target, client, claims={"state": jose.REMOVE}, outside={"state": outside})
    outcome = _send(target, user_agent, front)
    documented.check_outside_only_parameter_ignored(outcome.params if outcome.redirected else {},
                                                    redirected=outcome.redirected, outside_state=outside)
