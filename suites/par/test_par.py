"""Pushed authorization requests: RFC 9126 §2 (PAR endpoint), §4 (request_uri use), §5 (metadata)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from harness import evidence
from harness.flows.authorization import AuthorizationOutcome, AuthorizationRequest, build_authorization_request
from harness.flows.expiry import require_wait_within_cap
from harness.flows.par import ParResult, by_reference, par_endpoint, push, push_request, pushed_or_fail
from harness.flows.token import redeem_code
from harness.profile import AuthMethod, Client
from harness.results import Level, NeedsReview, fail
from harness.specs import rfc9126
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement
needs_par = pytest.mark.needs("pushed_authorization_request_endpoint")

#: Seconds added to the server's expires_in before using an expired request_uri (clock skew).
EXPIRY_GRACE_S = 2
JWT_AUTH = (AuthMethod.PRIVATE_KEY_JWT, AuthMethod.CLIENT_SECRET_JWT)
#: A redirect URI no client registers (the user agent never leaves the profile's origins).
UNREGISTERED_REDIRECT_URI = "https://attacker.example.test/cb"


def _par_client(target: Target) -> Client:
    """A client documented to require PAR, else any confidential code client (PAR is open to all)."""
    for client in target.profile.clients:
        doc = client.documented
        if (client.use_in_suites and "authorization_code" in client.grant_types and doc.require_par
                and not doc.require_signed_requests and not doc.require_jarm and not client.is_public):
            return client
    return target.pick_client(purpose="pushed authorization requests", confidential=True)


def _front(target: Target, user_agent: Any, request: AuthorizationRequest, *, agent: Any = None,
           login: bool = True) -> AuthorizationOutcome:
    ua = agent or user_agent()
    outcome: AuthorizationOutcome = ua.authorize(request.url(), user=target.user(0) if login else None,
                                                 redirect_uri=request.redirect_uri)
    return outcome


def _params(outcome: AuthorizationOutcome) -> dict[str, str]:
    return outcome.params if outcome.redirected else {}


def _pushed(target: Target, client: Client, **build: Any) -> tuple[ParResult, AuthorizationRequest]:
    result = push_request(target, client, **build)
    request_uri = pushed_or_fail(result)
    assert result.request is not None
    return result, by_reference(target, result.request, request_uri)


def _code_or_fail(outcome: AuthorizationOutcome, what: str) -> str:
    code = _params(outcome).get("code")
    if not code:
        raise fail("PRECONDITION_PAR_AUTHORIZATION_FAILED", f"{what} did not return a code", "RFC9126-4",
                   expected="redirect with code", actual=outcome.describe() + (
                       f" error={outcome.params.get('error')}" if outcome.params.get("error") else ""))
    return code


@needs_par
@requirement("RFC9126-2.2", "RFC9126-2")
def test_response_format(target: Target) -> None:
    """A valid push is answered with HTTP 201 and JSON ``request_uri`` and ``expires_in``."""
    result = push_request(target, _par_client(target))
    rfc9126.check_par_success_response(result.status, result.response.headers, result.judged_body,
                                       documented_lifetime=target.profile.documented.par.request_uri_lifetime_s)


@needs_par
@requirement("RFC9126-4")
def test_authorization_by_reference(target: Target, user_agent: Any) -> None:
    """An authorization request with only ``client_id`` and ``request_uri`` completes and the code redeems."""
    client = _par_client(target)
    result, request = _pushed(target, client)
    outcome = _front(target, user_agent, request)
    code = rfc9126.check_authorization_by_reference(_params(outcome), request.state)
    token = redeem_code(target, client, code, redirect_uri=request.redirect_uri,
                        code_verifier=request.code_verifier)
    if not token.ok:
        raise fail("PAR_CODE_NOT_REDEEMABLE", "the code issued for a pushed request could not be redeemed with "
                   "the pushed redirect_uri and PKCE verifier", "RFC9126-4", expected="HTTP 200 with tokens",
                   actual=f"HTTP {token.status} error={token.error}")


@needs_par
@requirement("RFC9126-4-one_time", "RFC9126-7.3", "DOC-par.request_uri_single_use")
def test_request_uri_single_use(target: Target, user_agent: Any) -> None:
    """A ``request_uri`` that already produced a code is refused when used again (SHOULD; MUST if documented)."""
    client = _par_client(target)
    _, request = _pushed(target, client)
    _code_or_fail(_front(target, user_agent, request), "the first use of a pushed request_uri")
    second = _front(target, user_agent, request)
    rfc9126.check_request_uri_single_use(_params(second),
                                         documented_single_use=target.profile.documented.par.request_uri_single_use)


@needs_par
@requirement("RFC9126-4-expired")
@pytest.mark.slow_wait(lifetime=True)
def test_expired_request_uri_refused(target: Target, user_agent: Any) -> None:
    """A ``request_uri`` used after its ``expires_in`` (plus 2 s of clock skew) is refused.

    The wait is decided from the documented lifetime before any request when the profile
    states one (``documented.par.request_uri_lifetime_s``); otherwise from the ``expires_in``
    the server announces (RFC 9126 §2.2 requires it). A lifetime longer than
    ``limits.max_expiry_wait_s`` known only from the answer cannot be waited for: review.
    """
    client = _par_client(target)
    cap = target.profile.limits.max_expiry_wait_s
    documented = target.profile.documented.par.request_uri_lifetime_s
    if documented is not None:
        require_wait_within_cap(target, documented + EXPIRY_GRACE_S,
                                f"the documented request_uri lifetime {documented}s")
    result, request = _pushed(target, client)
    lifetime = result.expires_in or documented
    if lifetime is None:
        raise fail("PRECONDITION_PAR_NO_EXPIRES_IN", "the PAR response states no expires_in, so the request_uri "
                   "lifetime is unknown", "RFC9126-2.2", expected="expires_in", actual=sorted(result.body or {}))
    wait = float(lifetime) + EXPIRY_GRACE_S
    if wait > cap:
        raise NeedsReview(f"the request_uri lives {lifetime}s (expires_in); waiting {wait:.0f}s exceeds "
                          f"limits.max_expiry_wait_s={cap}, so its expiry was not observed — raise the limit or "
                          "document documented.par.request_uri_lifetime_s")
    evidence.mandated_wait(wait, f"request_uri expires_in {lifetime}s plus {EXPIRY_GRACE_S}s clock-skew grace")
    rfc9126.check_expired_request_uri_refused(_params(_front(target, user_agent, request)))


@needs_par
@requirement("RFC9126-2.2-client_bound")
def test_request_uri_bound_to_client(target: Target, user_agent: Any) -> None:
    """A ``request_uri`` pushed by one client yields nothing when presented with another ``client_id``."""
    client = _par_client(target)
    others = [c for c in target.profile.clients if c.id != client.id and c.use_in_suites
              and "authorization_code" in c.grant_types and client.redirect_uris[0] in c.redirect_uris]
    if not others:
        pytest.skip("the profile has no second code-flow client registered with the same redirect URI")
    result, request = _pushed(target, client)
    assert result.request_uri is not None
    stolen = by_reference(target, request, result.request_uri, client_id=others[0].id)
    rfc9126.check_request_uri_bound_to_client(_params(_front(target, user_agent, stolen)))


@needs_par
@requirement("RFC9126-2.1-request_uri")
def test_request_uri_parameter_refused(target: Target) -> None:
    """A push that itself carries a ``request_uri`` parameter is refused."""
    client = _par_client(target)
    request = build_authorization_request(target, client)
    params = {**request.params, "request_uri": f"urn:ietf:params:oauth:request_uri:{secrets.token_urlsafe(24)}"}
    result = push(target, client, params, label="push carrying a request_uri")
    # §2.3: "using the appropriate error code from therein or from Section 4.1.2.1 of [RFC6749]"; the
    # §4.1.2.1 codes are extensible (RFC 6749 §8.5) and RFC 9101 §7 registers the request_uri ones
    rfc9126.check_par_error_response(result.status, result.response.headers, result.judged_body,
                                     {"invalid_request", "request_uri_not_supported", "invalid_request_uri"},
                                     basic_auth_used=result.used_basic, requirement="RFC9126-2.1-request_uri")


@needs_par
@requirement("RFC9126-2-post", "RFC9126-2.3-405")
def test_non_post_refused(target: Target) -> None:
    """A GET to the PAR endpoint issues no ``request_uri`` and is answered with 405."""
    client = _par_client(target)
    request = build_authorization_request(target, client)
    result = push(target, client, dict(request.params), http_method="GET", label="GET to the PAR endpoint")
    rfc9126.check_non_post_refused(result.status, result.judged_body)


@needs_par
@requirement("RFC9126-2.1-validate", "RFC9126-2.1")
def test_unregistered_redirect_uri_refused(target: Target, user_agent: Any) -> None:
    """An unregistered ``redirect_uri`` is refused at the PAR endpoint, or — RFC 9126 §2.4 — honoured.

    §2.4 lets a server accept redirect URIs a client with credentials did not register (the
    PAR client here is confidential). Either answer is legitimate: a refusal must be a proper
    §2.3 error (``invalid_request``); an accepted push must then work at the authorization
    endpoint with that very URI (§2.1: the push is validated "as it would an authorization
    request sent to the authorization endpoint"). Accepting the push and refusing it at the
    authorization endpoint is the failure.
    """
    client = _par_client(target)
    request = build_authorization_request(target, client, redirect_uri=UNREGISTERED_REDIRECT_URI)
    result = push(target, client, dict(request.params), label="push with an unregistered redirect_uri")
    if not 200 <= result.status < 300:
        rfc9126.check_par_error_response(result.status, result.response.headers, result.judged_body,
                                         {"invalid_request", "invalid_redirect_uri"},
                                         basic_auth_used=result.used_basic, requirement="RFC9126-2.1",
                                         preferred="invalid_request")
        return
    front = by_reference(target, request, pushed_or_fail(result))
    evidence.note("the PAR endpoint accepted the unregistered redirect_uri (RFC 9126 §2.4 policy): following it")
    outcome = _front(target, user_agent, front)
    rfc9126.check_unregistered_redirect_uri_outcome(
        redirected=outcome.redirected, redirect_url=outcome.redirect_url, params=_params(outcome),
        pushed_redirect_uri=UNREGISTERED_REDIRECT_URI, state=request.state)


@needs_par
@requirement("RFC9126-2.1-authenticate", "RFC6749-2.3")
def test_client_authentication_required(target: Target) -> None:
    """A confidential client's push without client authentication is refused with ``invalid_client``."""
    client = _par_client(target)
    if client.is_public:
        pytest.skip("the PAR client is public")
    request = build_authorization_request(target, client)
    result = push(target, client, dict(request.params), authenticate=False, label="push without authentication")
    rfc9126.check_par_error_response(result.status, result.response.headers, result.judged_body, "invalid_client",
                                     basic_auth_used=False, requirement="RFC9126-2.1-authenticate")


def _jwt_client(target: Target) -> Client:
    client = _par_client(target)
    if client.auth_method in JWT_AUTH:
        return client
    for other in target.profile.clients:
        doc = other.documented
        if (other.use_in_suites and other.auth_method in JWT_AUTH and "authorization_code" in other.grant_types
                and not doc.require_signed_requests and not doc.require_jarm):
            return other
    raise NotApplicable("the profile has no code-flow client authenticating with a JWT assertion")


@needs_par
@requirement("RFC9126-2", "RFC7523-3-aud")
def test_assertion_wrong_audience_refused(target: Target) -> None:
    """A client assertion whose ``aud`` names neither the issuer nor an endpoint is refused at PAR."""
    client = _jwt_client(target)
    request = build_authorization_request(target, client)
    result = push(target, client, dict(request.params), audience="https://other-audience.example.test/",
                  label="push with a client assertion for another audience")
    rfc9126.check_par_error_response(result.status, result.response.headers, result.judged_body, "invalid_client",
                                     basic_auth_used=False, requirement="RFC7523-3-aud")


@needs_par
@requirement("RFC9126-2", "FAPI2SP-5.3.2.1-8")
def test_assertion_audiences_accepted(target: Target) -> None:
    """Assertion ``aud`` at PAR: issuer, token and PAR endpoint accepted — for FAPI 2.0 clients the issuer only.

    RFC 9126 §2 makes the server accept all three; FAPI 2.0 (Final) §5.3.2.1 makes a FAPI
    2.0 server accept only its issuer identifier, so for a client with ``fapi: 2.0-*`` the
    endpoint URLs must be refused and the issuer must work.
    """
    client = _jwt_client(target)
    statuses: dict[str, int] = {}
    hollow: list[str] = []
    for label, audience in (("issuer", target.profile.issuer), ("token endpoint", target.endpoint("token_endpoint")),
                            ("PAR endpoint", par_endpoint(target, client))):
        request = build_authorization_request(target, client)
        result = push(target, client, dict(request.params), audience=audience,
                      label=f"push with assertion aud = {label}")
        statuses[f"{label} ({audience})"] = result.status
        if not (result.body and isinstance(result.body.get("request_uri"), str)):
            hollow.append(f"{label} ({audience})")
    issuer_label = next(iter(statuses))
    rfc9126.check_assertion_audiences_accepted(
        (issuer_label, statuses.pop(issuer_label)), statuses, fapi2=client.is_fapi2, without_request_uri=hollow)


@needs_par
@requirement("DOC-require_par", "RFC9126-4", "RFC9126-6")
def test_documented_require_par(target: Target, user_agent: Any) -> None:
    """A client documented as "Require PAR" gets no code for a plain authorization request (``invalid_request``)."""
    clients = [c for c in target.profile.clients if c.documented.require_par and c.use_in_suites
               and "authorization_code" in c.grant_types]
    if not clients:
        pytest.skip("the profile documents no client that requires PAR (documented.require_par)")
    request = build_authorization_request(target, clients[0])
    outcome = _front(target, user_agent, request)
    rfc9126.check_required_par_refusal(_params(outcome), redirected=outcome.redirected)


@requirement("RFC9126-5")
def test_require_par_advertised(target: Target, user_agent: Any) -> None:
    """``require_pushed_authorization_requests`` agrees with whether plain authorization requests work."""
    client = target.pick_client(purpose="a plain authorization request", confidential=True)
    request = build_authorization_request(target, client)
    outcome = _front(target, user_agent, request)
    rfc9126.check_require_par_advertised(target.fetch_metadata_fresh(),
                                         plain_refused="code" not in _params(outcome))


@needs_par
@requirement("RFC9126-4-reload")
def test_reload_before_login(target: Target, user_agent: Any) -> None:
    """Visiting the authorization endpoint twice with one ``request_uri`` before login still completes (accept).

    RFC 9126 §4: authorization servers "MAY allow for duplicate requests due to a user
    reloading/refreshing their user agent"; a server that refuses the reload is compliant but
    strands users who reload the login page, hence a warning.
    """
    client = _par_client(target)
    _, request = _pushed(target, client)
    agent = user_agent()
    first = _front(target, user_agent, request, agent=agent, login=False)
    if not first.login_form_shown:
        if first.redirected and "code" in first.params:
            raise NeedsReview("the server issued a code without showing a login page to a fresh user agent, so "
                              "there was no page to reload")
        raise fail("PRECONDITION_PAR_AUTHORIZATION_FAILED", "the first use of a pushed request_uri did not lead "
                   "to a login page", "RFC9126-4", expected="login page",
                   actual=first.describe() + (f" error={first.params.get('error')}"
                                              if first.params.get("error") else ""))
    second = _front(target, user_agent, request, agent=agent)
    if "code" not in _params(second):
        raise fail("PAR_RELOAD_REFUSED", "reloading the authorization request before login completed made the "
                   "request_uri unusable", "RFC9126-4-reload", expected="code after login",
                   actual=second.describe() + (f" error={second.params.get('error')}"
                                               if second.params.get("error") else ""), level=Level.MAY)


@needs_par
@requirement("RFC9126-2.2-entropy", "RFC6749-10.10")
def test_request_uri_entropy(target: Target) -> None:
    """``request_uri`` values are unguessable (at least 128 bits, estimated from samples)."""
    client = _par_client(target)
    samples = [pushed_or_fail(push_request(target, client)) for _ in range(target.profile.limits.entropy_samples)]
    rfc9126.check_request_uri_entropy(samples)
