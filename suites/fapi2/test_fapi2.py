"""FAPI 2.0 Security Profile (Final): the authorization server rules of the OIDF FAPI2 SP plan.

Every check runs with the profile's FAPI 2.0 client (``clients[].fapi: 2.0-security`` or
``2.0-message-signing``, private_key_jwt, DPoP-bound tokens) and is skipped, before any request,
when the profile has none. Generic suites keep their RFC rules; here only what FAPI 2.0 adds
or makes stricter is judged.
"""

from __future__ import annotations

import json
import secrets
import time
from contextvars import ContextVar
from typing import Any

import pytest

from harness import evidence, jose
from harness.flows.authorization import build_authorization_request
from harness.flows.dpop import DpopSession, redeem_params
from harness.flows.expiry import require_wait_within_cap
from harness.flows.fapi2 import (
    authorize_pushed,
    code_or_fail,
    fapi2_client,
    obtain_fapi_tokens,
    push_with_auth,
    push_with_dpop,
    pushed_params,
    rsa_signing_key,
)
from harness.flows.par import by_reference, par_endpoint, push, pushed_or_fail
from harness.flows.resource import call_resource, pick_resource
from harness.flows.token import assertion_auth, build_assertion, token_request
from harness.http import try_json_document
from harness.profile import Client
from harness.results import NeedsReview, fail
from harness.specs import fapi2_security as fapi2
from harness.specs import oidc_claims, oidc_core
from harness.target import Target

requirement = pytest.mark.requirement
needs_par = pytest.mark.needs("pushed_authorization_request_endpoint")

#: Seconds added to a code lifetime before redeeming it (clock skew), as in the authorization_code suite.
EXPIRY_GRACE_S = 2
FAPI_CODE_LIFETIME_S = 60


#: True while a check runs as its Message Signing variant (``fapi2.ms_<check>``, test_fapi2_ms_variants.py):
#: the check then uses the Message Signing client, whose pushes are signed request objects.
SIGNED_VARIANT: ContextVar[bool] = ContextVar("fapi2_signed_variant", default=False)


def _client(target: Target) -> Client:
    return fapi2_client(target, message_signing=SIGNED_VARIANT.get())


def _front(target: Target, user_agent: Any, url: str, redirect_uri: str) -> Any:
    return user_agent().authorize(url, user=target.user(0), redirect_uri=redirect_uri)


def _bogus_code_params(client: Client) -> dict[str, str]:
    return {"grant_type": "authorization_code", "code": secrets.token_urlsafe(32),
            "redirect_uri": client.redirect_uris[0], "code_verifier": secrets.token_urlsafe(48)}


def _assertion_refused_at_token(target: Target, client: Client, assertion: str, *, what: str,
                                requirement_id: str, code: str) -> None:
    """The token endpoint answers a request authenticated with ``assertion`` with invalid_client.

    The grant is a made-up code: a server that accepted the assertion goes on to the grant and
    answers invalid_grant (RFC 6749 §5.2), so only invalid_client shows the assertion refused.
    """
    result = token_request(target, client, _bogus_code_params(client), label=f"token request, {what}",
                           auth=assertion_auth(client, assertion))
    if result.error != "invalid_client":
        raise fail(code, f"the token endpoint did not refuse the client authentication ({what})", requirement_id,
                   expected="HTTP 400/401 error=invalid_client", actual=f"HTTP {result.status} error={result.error}")


# ------------------------------------------------------------------ the happy flow and metadata


@needs_par
@requirement("FAPI2SP-5.3.2.2-PAR", "FAPI2SP-5.3.2.2-PKCE", "FAPI2SP-5.3.2.1-SENDER", "FAPI2SP-5.3.4-RESOURCE",
             "FAPI2SP-5.3.2.2-ISS")
def test_happy_flow(target: Target, user_agent: Any) -> None:
    """PAR + PKCE S256 + private_key_jwt (issuer aud) + DPoP-bound token + resource call all succeed."""
    client = _client(target)
    grant = obtain_fapi_tokens(target, user_agent, client)
    fapi2.check_iss_in_response(grant.outcome.params, target.profile.issuer)
    fapi2.check_token_type_dpop(grant.body)
    resource = pick_resource(target, dpop=True, purpose="the FAPI 2.0 happy flow")
    result, _ = grant.session.resource_request(resource, grant.access_token, label="FAPI 2.0 resource call")
    if not result.ok:
        raise fail("FAPI2_RESOURCE_REFUSED_BOUND_TOKEN", "the resource refused the DPoP-bound token presented with "
                   "its proof", "FAPI2SP-5.3.4-RESOURCE", expected="2xx", actual=result.describe())


@requirement("FAPI2SP-5.3.2.1-METADATA", "FAPI2SP-5.3.2.1-CLIENTAUTH", "FAPI2SP-5.4.1-ALGS", "FAPI2SP-5.3.2.2-PKCE")
def test_discovery_metadata(target: Target) -> None:
    """The metadata names the FAPI flow's endpoints, the client's auth method, S256 and FAPI signing algorithms."""
    client = _client(target)
    fapi2.check_metadata(target.fetch_metadata_fresh(), dpop=client.documented.dpop_bound,
                         auth_method=client.auth_method.value, openid="openid" in client.scope.split())


# ------------------------------------------------------------------ authorization endpoint flows (§5.3.2.2)


@requirement("FAPI2SP-5.3.2.2-PAR")
def test_request_without_par_refused(target: Target, user_agent: Any) -> None:
    """An unsigned authorization request sent to the authorization endpoint without PAR gets no code."""
    client = _client(target)
    request = build_authorization_request(target, client, pkce="S256")
    outcome = _front(target, user_agent, request.url(), request.redirect_uri)
    fapi2.check_plain_request_refused(outcome.params if outcome.redirected else {}, redirected=outcome.redirected)


@needs_par
@requirement("FAPI2SP-5.3.2.2-PKCE")
def test_pkce_required_at_par(target: Target) -> None:
    """A push without ``code_challenge`` is refused."""
    client = _client(target)
    request = build_authorization_request(target, client, pkce="none")
    result = push(target, client, pushed_params(target, client, request), label="push without code_challenge")
    fapi2.check_push_refused(result.status, result.body, code="FAPI2_PKCE_NOT_REQUIRED",
                             what="a request without code_challenge", requirement="FAPI2SP-5.3.2.2-PKCE")


@needs_par
@requirement("FAPI2SP-5.3.2.2-PKCE")
def test_plain_pkce_refused_at_par(target: Target) -> None:
    """A push with ``code_challenge_method=plain`` is refused (S256 only)."""
    client = _client(target)
    request = build_authorization_request(target, client, pkce="plain")
    result = push(target, client, pushed_params(target, client, request), label="push with a plain PKCE challenge")
    fapi2.check_push_refused(result.status, result.body, code="FAPI2_PLAIN_PKCE_ACCEPTED",
                             what="code_challenge_method=plain", requirement="FAPI2SP-5.3.2.2-PKCE")


@needs_par
@pytest.mark.parametrize("response_type", ["code id_token", "token"])
@requirement("FAPI2SP-5.3.2.2-RESPONSE_TYPE")
def test_response_type_other_than_code_refused(target: Target, user_agent: Any, response_type: str) -> None:
    """A pushed ``response_type`` other than ``code`` is refused at PAR or answered with an error."""
    client = _client(target)
    request = build_authorization_request(target, client, response_type=response_type)
    result = push(target, client, pushed_params(target, client, request),
                  label=f"push with response_type={response_type}")
    if not result.ok:
        return
    evidence.note("the PAR endpoint accepted the push: following it to the authorization endpoint")
    front = by_reference(target, request, pushed_or_fail(result))
    outcome = _front(target, user_agent, front.url(), request.redirect_uri)
    fapi2.check_front_channel_no_tokens(outcome.params if outcome.redirected else {}, response_type=response_type)


@needs_par
@requirement("FAPI2SP-5.3.2.2-REDIRECT")
def test_redirect_uri_required_at_par(target: Target) -> None:
    """A push without ``redirect_uri`` is refused."""
    client = _client(target)
    request = build_authorization_request(target, client, drop=("redirect_uri",))
    result = push(target, client, pushed_params(target, client, request), label="push without redirect_uri")
    fapi2.check_push_refused(result.status, result.body, code="FAPI2_REDIRECT_URI_NOT_REQUIRED",
                             what="a request without redirect_uri", requirement="FAPI2SP-5.3.2.2-REDIRECT")


@needs_par
@requirement("FAPI2SP-5.3.2.2-REQUEST_URI_LIFETIME")
def test_request_uri_lifetime_under_600s(target: Target) -> None:
    """The PAR answer's ``expires_in`` is under 600 seconds."""
    client = _client(target)
    request = build_authorization_request(target, client)
    result = push(target, client, pushed_params(target, client, request), request=request)
    pushed_or_fail(result)
    fapi2.check_request_uri_lifetime(result.status, result.body)


@needs_par
@requirement("FAPI2SP-5.3.2.2-ISS")
def test_iss_in_authorization_response(target: Target, user_agent: Any) -> None:
    """The authorization response carries ``iss`` equal to the issuer identifier (RFC 9207)."""
    client = _client(target)
    _, outcome = authorize_pushed(target, user_agent, client)
    code_or_fail(outcome, "a valid pushed authorization request")
    fapi2.check_iss_in_response(outcome.params, target.profile.issuer)


@needs_par
@requirement("FAPI2SP-5.3.2.2-PAR_AUTH", "FAPI2SP-5.3.2.1-CONFIDENTIAL")
def test_par_without_client_authentication_refused(target: Target) -> None:
    """A push carrying only ``client_id`` (no client authentication) is refused with invalid_client."""
    client = _client(target)
    request = build_authorization_request(target, client)
    result = push(target, client, pushed_params(target, client, request),
                  authenticate=False, label="push without authentication")
    fapi2.check_client_authentication_required(result.status, result.body, endpoint="PAR endpoint",
                                               requirement="FAPI2SP-5.3.2.2-PAR_AUTH")


_VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "without_state": ("RFC6749-4.1.2", {"drop": ("state",)}),
    "without_nonce": ("OIDCC-3.1.2.1-nonce", {"drop": ("nonce",)}),
    "nonce_64_chars": ("FAPI2SP-5.3.2.2-NONCE", {"extra": {"nonce": secrets.token_hex(32)}}),
    "long_state": ("RFC6749-4.1.2-state", {"extra": {"state": secrets.token_urlsafe(1200)[:1500]}}),
}


@needs_par
@pytest.mark.parametrize("variant", sorted(_VARIANTS))
@requirement("RFC6749-4.1.2", "RFC6749-4.1.2-state", "OIDCC-3.1.2.1-nonce", "FAPI2SP-5.3.2.2-NONCE")
def test_valid_request_variant_accepted(target: Target, user_agent: Any, variant: str) -> None:
    """A valid pushed request without state, without nonce, with a 64-character nonce or a long state succeeds."""
    requirement_id, build = _VARIANTS[variant]
    client = _client(target)
    request = build_authorization_request(target, client, **build)
    result = push(target, client, pushed_params(target, client, request), label=f"push ({variant})", request=request)
    request_uri = fapi2.accepted_push_or_fail(result.status, result.body, what=f"a valid request ({variant})",
                                              requirement=requirement_id)
    front = by_reference(target, request, request_uri)
    outcome = _front(target, user_agent, front.url(), request.redirect_uri)
    code_or_fail(outcome, f"a valid pushed request ({variant})", requirement_id)
    if variant == "long_state" and outcome.params.get("state") != request.state:
        raise fail("FAPI2_LONG_STATE_NOT_ECHOED", "the long state was not returned unchanged", requirement_id,
                   expected=f"state of {len(request.state or '')} characters",
                   actual=f"{len(outcome.params.get('state') or '')} characters")


@needs_par
@requirement("RFC6749-3.3-order")
def test_other_scope_order_accepted(target: Target, user_agent: Any) -> None:
    """A pushed request whose scope values come in another order succeeds."""
    client = _client(target)
    scopes = [s for s in (target.metadata.get("scopes_supported") or []) if s in ("openid", "profile", "email")]
    scope = " ".join(reversed(scopes or client.scope.split()))
    _, outcome = authorize_pushed(target, user_agent, client, scope=scope)
    code_or_fail(outcome, f"a pushed request with scope '{scope}'", "RFC6749-3.3-order")


# ------------------------------------------------------------------ client authentication (§5.3.2.1, §5.4.1)

_AUDIENCES = ("token_endpoint", "par_endpoint", "array_with_issuer")


def _audience(target: Target, client: Client, which: str) -> str | list[str]:
    if which == "token_endpoint":
        return target.token_endpoint_for(client)
    if which == "par_endpoint":
        return par_endpoint(target, client)
    return [target.profile.issuer, "https://other-audience.example.test/"]


@needs_par
@pytest.mark.parametrize("audience", _AUDIENCES)
@requirement("FAPI2SP-5.3.2.1-8")
def test_non_issuer_audience_refused_at_par(target: Target, audience: str) -> None:
    """At PAR, an assertion whose ``aud`` is the token or PAR endpoint URL, or an array with the issuer, is refused."""
    client = _client(target)
    request = build_authorization_request(target, client)
    assertion = build_assertion(client, _audience(target, client, audience))
    result = push_with_auth(target, client, pushed_params(target, client, request), assertion_auth(client, assertion),
                            label=f"push with assertion aud = {audience}")
    fapi2.check_push_refused(result.status, result.body, code="FAPI2_NON_ISSUER_AUDIENCE_ACCEPTED",
                             what=f"a client assertion whose aud is the {audience.replace('_', ' ')}",
                             requirement="FAPI2SP-5.3.2.1-8")


@pytest.mark.parametrize("audience", ("token_endpoint", "array_with_issuer"))
@requirement("FAPI2SP-5.3.2.1-8")
def test_non_issuer_audience_refused_at_token_endpoint(target: Target, audience: str) -> None:
    """At the token endpoint, an assertion whose ``aud`` is the token endpoint URL or an array is refused.

    (The PAR endpoint URL is no audience of the token endpoint under RFC 7523 either, so that case
    could not tell a FAPI 2.0 server from a plain one and is sent to the PAR endpoint only.)
    """
    client = _client(target)
    assertion = build_assertion(client, _audience(target, client, audience))
    _assertion_refused_at_token(target, client, assertion, what=f"assertion aud = {audience}",
                                requirement_id="FAPI2SP-5.3.2.1-8", code="FAPI2_NON_ISSUER_AUDIENCE_ACCEPTED")


@needs_par
@requirement("FAPI2SP-5.4.1-ALGS")
def test_rs256_assertion_refused_at_par(target: Target) -> None:
    """At PAR, a client assertion signed with RS256 (the client's own RSA key) is refused."""
    client = _client(target)
    request = build_authorization_request(target, client)
    assertion = build_assertion(client, target.profile.issuer, key=rsa_signing_key(client), alg="RS256")
    result = push_with_auth(target, client, pushed_params(target, client, request), assertion_auth(client, assertion),
                            label="push with an RS256 client assertion")
    fapi2.check_push_refused(result.status, result.body, code="FAPI2_RS256_ASSERTION_ACCEPTED",
                             what="a client assertion signed with RS256", requirement="FAPI2SP-5.4.1-ALGS")


@requirement("FAPI2SP-5.4.1-ALGS")
def test_rs256_assertion_refused_at_token_endpoint(target: Target) -> None:
    """At the token endpoint, a client assertion signed with RS256 is refused (invalid_client)."""
    client = _client(target)
    assertion = build_assertion(client, target.profile.issuer, key=rsa_signing_key(client), alg="RS256")
    _assertion_refused_at_token(target, client, assertion, what="RS256 client assertion",
                                requirement_id="FAPI2SP-5.4.1-ALGS", code="FAPI2_RS256_ASSERTION_ACCEPTED")


@requirement("FAPI2SP-5.4.1-ALGS", "FAPI2SP-5.3.2.1-CLIENTAUTH")
def test_ps256_assertion_accepted(target: Target) -> None:
    """A PS256 assertion with the same RSA key authenticates (so the RS256 refusals are about the algorithm)."""
    client = _client(target)
    assertion = build_assertion(client, target.profile.issuer, key=rsa_signing_key(client), alg="PS256")
    result = token_request(target, client, _bogus_code_params(client), label="token request, PS256 assertion",
                           auth=assertion_auth(client, assertion))
    if result.error == "invalid_client" or result.status >= 500:
        raise fail("FAPI2_PS256_ASSERTION_REFUSED", "a client assertion signed with PS256 was refused",
                   "FAPI2SP-5.4.1-ALGS", expected="client authenticated (invalid_grant for the made-up code)",
                   actual=f"HTTP {result.status} error={result.error}")


@requirement("FAPI2SP-5.3.2.1-CONFIDENTIAL")
def test_token_request_without_client_authentication_refused(target: Target) -> None:
    """A token request carrying only ``client_id`` is refused with invalid_client (no public FAPI clients)."""
    client = _client(target)
    result = token_request(target, client, _bogus_code_params(client), authenticate=False,
                           label="token request without client authentication")
    fapi2.check_client_authentication_required(result.status, result.body, endpoint="token endpoint",
                                               requirement="FAPI2SP-5.3.2.1-CONFIDENTIAL")


@requirement("FAPI2SP-5.3.2.1-PASSWORD")
def test_password_grant_refused(target: Target) -> None:
    """A resource owner password credentials request is refused."""
    client = _client(target)
    user = target.user(0)
    result = token_request(target, client, {"grant_type": "password", "username": user.username,
                                            "password": user.password.get_secret_value(), "scope": client.scope},
                           label="password grant request")
    fapi2.check_token_refused(result.status, result.body, code="FAPI2_PASSWORD_GRANT_ACCEPTED",
                              what="the resource owner password credentials grant",
                              requirement="FAPI2SP-5.3.2.1-PASSWORD")


# ------------------------------------------------------------------ tokens (§5.3.2.1, §5.3.4)


@needs_par
@requirement("FAPI2SP-5.3.2.1-SENDER")
def test_token_request_without_proof_refused(target: Target, user_agent: Any) -> None:
    """Redeeming a code with neither a DPoP proof nor a client certificate issues no access token."""
    client = _client(target)
    request, outcome = authorize_pushed(target, user_agent, client)
    code = code_or_fail(outcome, "a valid pushed authorization request")
    result = token_request(target, client, redeem_params(request, code), label="redeem code without a DPoP proof")
    fapi2.check_sender_constrained_issuance(result.status, result.body)


@needs_par
@requirement("FAPI2SP-5.3.4-RESOURCE")
def test_bound_token_as_bearer_refused(target: Target, user_agent: Any) -> None:
    """The DPoP-bound access token presented as a Bearer token (no proof) is refused by the resource."""
    client = _client(target)
    grant = obtain_fapi_tokens(target, user_agent, client)
    resource = pick_resource(target, dpop=True, purpose="FAPI 2.0 resource checks")
    result = call_resource(target, resource, grant.access_token, scheme="Bearer", label="bound token as Bearer")
    if result.ok:
        raise fail("FAPI2_BOUND_TOKEN_ACCEPTED_AS_BEARER", "the resource accepted a DPoP-bound token without its proof",
                   "FAPI2SP-5.3.4-RESOURCE", expected="401", actual=result.describe())


@needs_par
@requirement("FAPI2SP-5.3.4-HEADER")
def test_auth_scheme_case_insensitive(target: Target, user_agent: Any) -> None:
    """The resource accepts the DPoP-bound token with the scheme spelled ``dpop`` (schemes are case-insensitive)."""
    client = _client(target)
    grant = obtain_fapi_tokens(target, user_agent, client)
    resource = pick_resource(target, dpop=True, purpose="FAPI 2.0 resource checks")
    result, _ = grant.session.resource_request(resource, grant.access_token, scheme="dpop",
                                               label="DPoP token with the scheme in lower case")
    if not result.ok:
        raise fail("FAPI2_SCHEME_CASE_SENSITIVE", "the resource refused the scheme 'dpop' (lower case)",
                   "FAPI2SP-5.3.4-HEADER", expected="2xx", actual=result.describe())


@needs_par
@requirement("FAPI2SP-5.3.2.1-ROTATION")
def test_refresh_token_not_rotated(target: Target, user_agent: Any) -> None:
    """A refresh of a FAPI 2.0 client's token returns no new refresh token (no rotation; SHOULD-level here)."""
    client = _client(target)
    if "refresh_token" not in client.grant_types:
        pytest.skip(f"client {client.id} has no refresh_token grant in the profile")
    grant = obtain_fapi_tokens(target, user_agent, client, offline=True)
    old = grant.body.get("refresh_token")
    if not isinstance(old, str) or not old:
        raise fail("PRECONDITION_FAPI2_NO_REFRESH_TOKEN", "no refresh token was issued for offline_access with "
                   "prompt=consent", "FAPI2SP-5.3.2.1-ROTATION", expected="refresh_token", actual=sorted(grant.body))
    params = {"grant_type": "refresh_token", "refresh_token": old}
    result, _ = grant.session.token_request(client, params, label="refresh with a DPoP proof")
    if not result.ok:
        raise fail("PRECONDITION_FAPI2_REFRESH_FAILED", "the refresh request with the same DPoP key was refused",
                   "FAPI2SP-5.3.2.1-ROTATION", expected="HTTP 200", actual=f"HTTP {result.status} error={result.error}")
    fapi2.check_refresh_not_rotated(old, result.body or {})


@needs_par
@pytest.mark.slow_wait(lifetime=True)
@requirement("FAPI2SP-5.3.2.1-CODE_LIFETIME")
def test_authorization_code_lifetime(target: Target, user_agent: Any) -> None:
    """A code redeemed after at most 60 s (the documented lifetime when shorter) plus 2 s is refused.

    The wait is decided before any request: the documented authorization code lifetime when it
    is under 60 s, else 60 s, plus the clock-skew grace; a wait over ``limits.max_expiry_wait_s``
    is a review, not a verdict.
    """
    client = _client(target)
    documented = target.profile.documented.authorization_code_lifetime_s
    lifetime = min(documented, FAPI_CODE_LIFETIME_S) if documented else FAPI_CODE_LIFETIME_S
    wait = lifetime + EXPIRY_GRACE_S
    require_wait_within_cap(target, wait, f"the authorization code lifetime {lifetime}s")
    request, outcome = authorize_pushed(target, user_agent, client)
    code = code_or_fail(outcome, "a valid pushed authorization request")
    issued = time.monotonic()
    evidence.mandated_wait(wait, f"authorization code lifetime {lifetime}s plus {EXPIRY_GRACE_S}s clock-skew grace")
    session = DpopSession(target)
    result, _ = session.token_request(client, redeem_params(request, code), label="redeem the expired code")
    fapi2.check_code_expired(result.status, result.body, waited_s=time.monotonic() - issued)



# ------------------------------------------------------------------ pushed versus front-channel parameters

_FRONT_STATE = {"state_only_outside": False, "different_state": True}


@needs_par
@pytest.mark.parametrize("case", sorted(_FRONT_STATE))
@requirement("RFC9101-6.3", "RFC9126-4")
def test_front_channel_state_not_used(target: Target, user_agent: Any, case: str) -> None:
    """A ``state`` sent only in the front channel, next to ``request_uri``, is not returned (the pushed one is).

    RFC 9126 §4 builds the authorization request "as defined in [RFC9101]", whose §6.3 says the
    server "MUST only use the parameters in the Request Object even if the same parameter is
    provided in the query parameter". An error response is also acceptable (OIDF
    state-only-outside-request-object-not-used / ensure-different-state-inside-and-outside).
    """
    client = _client(target)
    drop = () if _FRONT_STATE[case] else ("state",)
    request = build_authorization_request(target, client, drop=drop)
    result = push(target, client, pushed_params(target, client, request), request=request, label=f"push ({case})")
    outside = "outside-" + secrets.token_urlsafe(12)
    front = by_reference(target, request, pushed_or_fail(result), extra={"state": outside})
    outcome = _front(target, user_agent, front.url(), request.redirect_uri)
    returned = outcome.params.get("state") if outcome.redirected else None
    if returned == outside:
        raise fail("FAPI2_FRONT_CHANNEL_STATE_USED", "the state sent only in the front channel next to request_uri "
                   "was used", "RFC9101-6.3", expected=request.state or "no state",
                   actual="the front-channel state")


@needs_par
@requirement("RFC7521-5.2-issuer", "RFC6749-4.1.3")
def test_client_id_of_another_client_refused(target: Target, user_agent: Any) -> None:
    """A code redeemed with the FAPI client's assertion but another client's ``client_id`` issues no token."""
    client = _client(target)
    others = [c.id for c in target.profile.clients if c.id != client.id]
    if not others:
        pytest.skip("the profile names no second client")
    request, outcome = authorize_pushed(target, user_agent, client)
    code = code_or_fail(outcome, "a valid pushed authorization request")
    session = DpopSession(target)
    params = {**redeem_params(request, code), "client_id": others[0]}

    def send(proof: str) -> Any:
        # a fresh assertion (new jti) on every nonce retry, so a refusal is never a replay refusal
        auth = assertion_auth(client, build_assertion(client, target.profile.issuer), include_client_id=False)
        return token_request(target, client, params, label=f"redeem with client_id={others[0]}",
                             auth=auth, extra_headers={"DPoP": proof}).response

    exchange = session.exchange("POST", target.token_endpoint_for(client), send, kind="as")
    answer = try_json_document(exchange.response)
    fapi2.check_token_refused(exchange.response.status_code, answer, code="FAPI2_CLIENT_ID_MISMATCH_ACCEPTED",
                              what=f"an assertion of {client.id} sent with client_id={others[0]}",
                              requirement="RFC7521-5.2-issuer")


@needs_par
@requirement("RFC9449-10.1")
def test_dpop_proof_at_par_binding_accepted(target: Target, user_agent: Any) -> None:
    """A push carrying a DPoP proof, redeemed with a proof of the same key, returns a DPoP-bound token."""
    client = _client(target)
    session = DpopSession(target)
    request = build_authorization_request(target, client)
    front = by_reference(target, request, pushed_or_fail(push_with_dpop(target, client, request, session)))
    outcome = _front(target, user_agent, front.url(), request.redirect_uri)
    code = code_or_fail(outcome, "a pushed request that carried a DPoP proof")
    result, _ = session.token_request(client, redeem_params(request, code), label="redeem with the PAR key")
    if not result.ok:
        raise fail("FAPI2_PAR_DPOP_BINDING_REFUSED", "the code of a push with a DPoP proof was not redeemable with a "
                   "proof of the same key", "RFC9449-10.1", expected="HTTP 200 with tokens",
                   actual=f"HTTP {result.status} error={result.error}")
    fapi2.check_token_type_dpop(result.body or {})


@needs_par
@requirement("RFC6749-4.1.2.1", "FAPI2SP-5.3.2.2-ISS")
def test_user_rejects_authentication(target: Target, user_agent: Any) -> None:
    """A user who denies consent to a pushed request gets ``access_denied`` with ``state`` and ``iss``."""
    client = _client(target)
    login = target.profile.login
    if login.driver == "glewlwyd" and not login.glewlwyd.deny_supported:
        pytest.skip("the profile's login app offers no way to refuse consent (login.glewlwyd.deny_supported)")
    request = build_authorization_request(target, client)
    front = by_reference(target, request, pushed_or_fail(push(target, client, pushed_params(target, client, request),
                                                         request=request)))
    outcome = user_agent().authorize(front.url(), user=target.user(0), redirect_uri=request.redirect_uri,
                                     consent="deny")
    if not outcome.consent_form_shown:
        raise NeedsReview(f"the target showed no consent page, so the user could not deny ({outcome.describe()})")
    params = outcome.params if outcome.redirected else {}
    if params.get("error") != "access_denied" or params.get("state") != request.state:
        raise fail("FAPI2_DENIAL_NOT_ACCESS_DENIED", "denying consent did not return access_denied with the state",
                   "RFC6749-4.1.2.1", expected="redirect with error=access_denied and state",
                   actual=outcome.describe() + (f" error={params.get('error')}" if params.get("error") else ""))
    fapi2.check_iss_in_response(params, target.profile.issuer)


@needs_par
@pytest.mark.parametrize("skew", ["10s_before", "10s_after"])
@requirement("FAPI2SP-5.3.2.1-CLOCK")
def test_dpop_proof_iat_skew_accepted(target: Target, user_agent: Any, skew: str) -> None:
    """A DPoP proof whose ``iat`` is 10 s in the past or in the future is accepted at the token endpoint."""
    client = _client(target)
    request, outcome = authorize_pushed(target, user_agent, client)
    code = code_or_fail(outcome, "a valid pushed authorization request")
    offset = -10 if skew == "10s_before" else 10
    session = DpopSession(target)
    result, _ = session.token_request(client, redeem_params(request, code), label=f"DPoP proof iat {skew}",
                                      now=time.time() + offset)
    if not result.ok:
        raise fail("FAPI2_DPOP_IAT_SKEW_REFUSED", f"a DPoP proof with iat {abs(offset)} s "
                   f"{'in the past' if offset < 0 else 'in the future'} was refused", "FAPI2SP-5.3.2.1-CLOCK",
                   expected="HTTP 200 with tokens", actual=f"HTTP {result.status} error={result.error}")


@needs_par
@requirement("RFC9449-4.2", "FAPI2SP-5.3.2.1-SENDER")
def test_dpop_proof_with_nbf_exp_accepted(target: Target, user_agent: Any) -> None:
    """DPoP proofs that also carry ``nbf`` (now) and ``exp`` (+5 min) work at the token endpoint and the resource.

    RFC 9449 §4.2: "A DPoP proof MAY contain other JOSE Header Parameters or claims as defined by
    extension, profile, or deployment-specific requirements" (OIDF check-dpop-proof-nbf-exp).
    """
    client = _client(target)
    request, outcome = authorize_pushed(target, user_agent, client)
    code = code_or_fail(outcome, "a valid pushed authorization request")
    now = int(time.time())
    extra = {"nbf": now, "exp": now + 300}
    session = DpopSession(target)
    token, _ = session.token_request(client, redeem_params(request, code), label="DPoP proof with nbf and exp",
                                     claim_overrides=extra)
    if not token.ok:
        raise fail("FAPI2_DPOP_NBF_EXP_REFUSED", "a DPoP proof carrying nbf and exp was refused at the token endpoint",
                   "RFC9449-4.2", expected="HTTP 200 with tokens", actual=f"HTTP {token.status} error={token.error}")
    resource = pick_resource(target, dpop=True, purpose="FAPI 2.0 resource checks")
    result, _ = session.resource_request(resource, str((token.body or {})["access_token"]),
                                         label="resource call, DPoP proof with nbf and exp", claim_overrides=extra)
    if not result.ok:
        raise fail("FAPI2_DPOP_NBF_EXP_REFUSED", "a DPoP proof carrying nbf and exp was refused at the resource",
                   "RFC9449-4.2", expected="2xx", actual=result.describe())


def _id_token_claims(grant_body: dict[str, Any]) -> dict[str, Any]:
    token = grant_body.get("id_token")
    if not isinstance(token, str):
        raise fail("PRECONDITION_FAPI2_NO_ID_TOKEN", "the token response of an openid request carries no ID token",
                   "OIDCC-3.1.3.7-11", expected="id_token", actual=sorted(grant_body))
    decoded = jose.decode_unverified(token)
    evidence.record_token("id_token", decoded.header, decoded.claims)
    return dict(decoded.claims)


@needs_par
@requirement("RFC9101-6.3", "OIDCC-3.1.3.7-11")
def test_front_channel_nonce_not_used(target: Target, user_agent: Any) -> None:
    """A ``nonce`` sent in the front channel next to ``request_uri`` does not reach the ID token (the pushed one does).

    OIDF ensure-different-nonce-inside-and-outside-request-object: an error is also acceptable.
    """
    client = _client(target)
    request = build_authorization_request(target, client)
    if request.nonce is None:
        pytest.skip(f"client {client.id} does not request openid, so there is no ID token nonce")
    result = push(target, client, pushed_params(target, client, request), request=request, label="push with a nonce")
    outside = "outside-" + secrets.token_urlsafe(12)
    front = by_reference(target, request, pushed_or_fail(result), extra={"nonce": outside})
    outcome = _front(target, user_agent, front.url(), request.redirect_uri)
    code = outcome.params.get("code") if outcome.redirected else None
    if not code:
        return  # an error response (or page) is one of the permitted answers
    token, _ = DpopSession(target).token_request(client, redeem_params(request, code), label="redeem with DPoP")
    if not token.ok:
        raise fail("PRECONDITION_FAPI2_TOKEN_REQUEST_FAILED", "the code was not redeemable", "FAPI2SP-5.3.2.1-SENDER",
                   expected="HTTP 200 with tokens", actual=f"HTTP {token.status} error={token.error}")
    claims = _id_token_claims(token.body or {})
    if claims.get("nonce") == outside:
        raise fail("FAPI2_FRONT_CHANNEL_NONCE_USED", "the nonce sent only in the front channel next to request_uri "
                   "reached the ID token", "RFC9101-6.3", expected="the pushed nonce", actual="the front-channel nonce")
    oidc_core.check_id_token_nonce(claims, request.nonce)


@needs_par
@requirement("FAPI2SP-5.3.2.2-NONCE", "OIDCC-3.1.3.7-11", "RFC9126-2.3")
def test_long_nonce_handled(target: Target, user_agent: Any) -> None:
    """A 384-character nonce is either refused (invalid_request) or returned unchanged in the ID token.

    §5.3.2.2: the server "may reject nonce values longer than 64 characters"; if it takes one, OIDC
    Core §2 makes the ID token carry "the nonce value sent in the Authentication Request".
    """
    client = _client(target)
    nonce = secrets.token_hex(192)
    request = build_authorization_request(target, client, extra={"nonce": nonce})
    result = push(target, client, pushed_params(target, client, request),
                  request=request, label="push with a 384-character nonce")
    if not result.ok:
        if result.error != "invalid_request":
            raise fail("FAPI2_LONG_NONCE_WRONG_ERROR", "a push with a 384-character nonce was refused with another "
                       "error than invalid_request", "RFC9126-2.3", expected="invalid_request",
                       actual=f"HTTP {result.status} error={result.error}")
        return
    outcome = _front(target, user_agent, by_reference(target, request, pushed_or_fail(result)).url(),
                     request.redirect_uri)
    code = outcome.params.get("code") if outcome.redirected else None
    if not code:
        return  # refused at the authorization endpoint: permitted
    token, _ = DpopSession(target).token_request(client, redeem_params(request, code), label="redeem with DPoP")
    if not token.ok:
        raise fail("PRECONDITION_FAPI2_TOKEN_REQUEST_FAILED", "the code was not redeemable", "FAPI2SP-5.3.2.1-SENDER",
                   expected="HTTP 200 with tokens", actual=f"HTTP {token.status} error={token.error}")
    oidc_core.check_id_token_nonce(_id_token_claims(token.body or {}), nonce)


# ------------------------------------------------------------------ OIDF SP Final modules (partial → covered)

_ENDPOINTS = ("par", "token_endpoint")


def _assertion_at(target: Target, client: Client, assertion: str, endpoint: str, *, what: str) -> tuple[int, Any]:
    """Send ``assertion`` to the PAR endpoint (a valid push) or the token endpoint (a made-up code)."""
    auth = assertion_auth(client, assertion)
    if endpoint == "par":
        request = build_authorization_request(target, client)
        result = push_with_auth(target, client, pushed_params(target, client, request), auth, label=f"push, {what}")
        return result.status, result.body
    token = token_request(target, client, _bogus_code_params(client), label=f"token request, {what}", auth=auth)
    return token.status, token.body


@pytest.mark.parametrize("endpoint", _ENDPOINTS)
@requirement("RFC7523-3-sub", "RFC7523-3.2")
def test_assertion_without_sub_refused(target: Target, endpoint: str) -> None:
    """A client assertion without ``sub`` (``client_id`` sent beside it) is refused at PAR and at the token endpoint.

    RFC 7523 §3: "The JWT MUST contain a "sub" (subject) claim ... For client authentication, the
    subject MUST be the "client_id" of the OAuth client." (OIDF ensure-client-assertion-with-no-sub-fails.)
    The request names the client by ``client_id``, so only the missing ``sub`` can make it fail.
    """
    client = _client(target)
    if endpoint == "par" and not target.metadata.get("pushed_authorization_request_endpoint"):
        pytest.skip("the metadata names no pushed_authorization_request_endpoint")
    assertion = build_assertion(client, target.profile.issuer, claim_overrides={"sub": jose.REMOVE})
    status, body = _assertion_at(target, client, assertion, endpoint, what="assertion without sub")
    fapi2.check_assertion_refused(status, body, endpoint=endpoint, what="a client assertion without sub",
                                  code="FAPI2_ASSERTION_WITHOUT_SUB_ACCEPTED", requirement="RFC7523-3-sub")


def _future_assertion(client: Client, target: Target, ahead_s: int) -> str:
    """An assertion whose ``iat`` and ``nbf`` lie ``ahead_s`` seconds ahead (``exp`` 60 s after them)."""
    issued = int(time.time()) + ahead_s
    return build_assertion(client, target.profile.issuer, now=issued, claim_overrides={"nbf": issued})


@needs_par
@requirement("FAPI2SP-5.3.2.1-CLOCK")
def test_assertion_nbf_8s_ahead_accepted_at_par(target: Target) -> None:
    """At PAR, a client assertion whose ``iat`` and ``nbf`` lie 8 s in the future is accepted.

    §5.3.2.1: "shall accept JWTs with an iat or nbf timestamp between 0 and 10 seconds in the
    future" (OIDF par-ensure-jwt-client-assertions-nbf-8-seconds-in-the-future-is-accepted).
    """
    client = _client(target)
    request = build_authorization_request(target, client)
    auth = assertion_auth(client, _future_assertion(client, target, 8))
    result = push_with_auth(target, client, pushed_params(target, client, request),
                            auth, label="push, assertion iat/nbf 8 s ahead")
    fapi2.accepted_push_or_fail(result.status, result.body, what="a client assertion whose iat/nbf lie 8 s in the "
                                "future", requirement="FAPI2SP-5.3.2.1-CLOCK")


@needs_par
@requirement("FAPI2SP-5.3.2.1-CLOCK")
def test_assertion_nbf_over_60s_ahead_refused_at_par(target: Target) -> None:
    """At PAR, a client assertion whose ``iat``, ``nbf`` and ``exp`` lie 62 s further ahead is refused.

    §5.3.2.1: "shall reject JWTs with an iat or nbf timestamp greater than 60 seconds in the
    future" (OIDF par-ensure-jwt-client-assertions-nbf-over-60-seconds-in-the-future-fails).
    """
    client = _client(target)
    request = build_authorization_request(target, client)
    auth = assertion_auth(client, _future_assertion(client, target, 62))
    result = push_with_auth(target, client, pushed_params(target, client, request),
                            auth, label="push, assertion iat/nbf 62 s ahead")
    fapi2.check_push_refused(result.status, result.body, code="FAPI2_FUTURE_ASSERTION_ACCEPTED",
                             what="a client assertion whose iat/nbf lie 62 s in the future",
                             requirement="FAPI2SP-5.3.2.1-CLOCK")


@needs_par
@requirement("RFC9449-10.1-mismatch")
def test_mismatched_dpop_jkt_refused_at_par(target: Target) -> None:
    """A push whose ``dpop_jkt`` is another key's thumbprint than its DPoP proof's is refused.

    RFC 9449 §10.1: "If both mechanisms are used at the same time, the authorization server MUST
    reject the request if the JWK Thumbprint in dpop_jkt does not match the public key in the DPoP
    header." (OIDF ensure-mismatched-dpop-jkt-fails.)
    """
    client = _client(target)
    session, other = DpopSession(target), DpopSession(target)
    request = build_authorization_request(target, client, extra={"dpop_jkt": other.jkt})
    result = push_with_dpop(target, client, request, session)
    fapi2.check_push_refused(result.status, result.body, code="FAPI2_MISMATCHED_DPOP_JKT_ACCEPTED",
                             what="a dpop_jkt that is not the thumbprint of the DPoP proof's key",
                             requirement="RFC9449-10.1-mismatch")


@needs_par
@requirement("FAPI2SP-5.3.2.1-SENDER", "RFC6749-A.17")
def test_refresh_without_proof_refused(target: Target, user_agent: Any) -> None:
    """The FAPI client's refresh token is 1*VSCHAR; a refresh with it but no DPoP proof issues no access token.

    RFC 6749 Appendix A.17 "refresh-token = 1*VSCHAR" (checked first, on the token response);
    §5.3.2.1 "shall only issue sender-constrained access tokens". The refresh token of a
    confidential client is not bound to the DPoP key (RFC 9449 §5), so the refusal is about the
    new access token (OIDF refresh-token, "sender constrained refresh_token grant ... without
    proof of possession").
    """
    client = _client(target)
    if "refresh_token" not in client.grant_types:
        pytest.skip(f"client {client.id} has no refresh_token grant in the profile")
    grant = obtain_fapi_tokens(target, user_agent, client, offline=True)
    refresh_token = grant.body.get("refresh_token")
    if not isinstance(refresh_token, str) or not refresh_token:
        raise fail("PRECONDITION_FAPI2_NO_REFRESH_TOKEN", "no refresh token was issued for offline_access with "
                   "prompt=consent", "FAPI2SP-5.3.2.1-SENDER", expected="refresh_token", actual=sorted(grant.body))
    fapi2.check_refresh_token_syntax(refresh_token)
    result = token_request(target, client, {"grant_type": "refresh_token", "refresh_token": refresh_token},
                           label="refresh without a DPoP proof")
    fapi2.check_sender_constrained_issuance(result.status, result.body)


@needs_par
@requirement("OIDCC-5.5", "DOC-users.claims", "RFC9126-2.1")
def test_claims_parameter_pushed(target: Target, user_agent: Any) -> None:
    """A pushed ``claims`` parameter asking for two ID Token claims (scope ``openid`` only) returns them.

    OIDC Core §5.5 "This parameter is used to request that specific Claims be returned"; pushed,
    it is an authorization request parameter like any other (RFC 9126 §2.1). Skipped unless the
    metadata says ``claims_parameter_supported: true`` (OIDF test-claims-parameter-identity-claims).
    """
    client = _client(target)
    if target.metadata.get("claims_parameter_supported") is not True:
        pytest.skip("the target does not advertise claims_parameter_supported: true")
    documented = target.user(0).claims
    names = [n for n in ("name", "email", "given_name", "family_name", "phone_number") if n in documented][:2]
    if len(names) < 2 or "openid" not in client.scope.split():
        pytest.skip("needs an openid FAPI client and two documented claims of users[0] (users[].claims)")
    claims = {"id_token": {names[0]: {"essential": True}, names[1]: None}}
    grant = obtain_fapi_tokens(target, user_agent, client, scope="openid", extra={"claims": json.dumps(claims)})
    oidc_claims.check_claims_released(_id_token_claims(grant.body), {n: documented[n] for n in names},
                                      where="ID Token", asked_by="the pushed claims parameter")
