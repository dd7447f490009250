"""OpenID Connect authentication-request parameters: OIDC Core §3.1.2.1, §5.2, §5.4, §5.5.

Scope values and the ``claims`` parameter against the claims the profile documents for the
test user (``users[].claims``); ``prompt``, ``max_age``, ``id_token_hint``, ``login_hint``,
``display``, ``ui_locales``, ``claims_locales`` and ``acr_values``; a code-flow request without
``nonce``, with the scope values reordered, and sent with POST; a request object whose
``redirect_uri`` differs from the one outside it (§6.3.3). Session checks log in once and
send the second request through the same user agent (:mod:`harness.flows.oidc_session`).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest

from harness import evidence
from harness.flows.authorization import AuthorizationOutcome, OffRedirectUri, build_authorization_request
from harness.flows.oidc_session import Reauthorization, reauthorize
from harness.flows.request_object import by_value, request_object_alg, request_object_claims, sign_request_object
from harness.flows.userinfo import UserInfoGrant, obtain_grant, openid_client, userinfo_claims
from harness.login.http_form import HttpFormUserAgent
from harness.profile import Client
from harness.results import Level, NeedsReview, fail
from harness.specs import oidc_claims, oidc_core, oidc_prompt
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement
SCOPES = ("profile", "email", "address", "phone")


def _claims_of_user(target: Target, scopes: tuple[str, ...] = SCOPES) -> dict[str, Any]:
    """The user's documented claims the scopes request; not applicable when the profile documents none."""
    documented = oidc_claims.claims_for_scopes(target.user(0).claims, scopes)
    if not documented:
        raise NotApplicable(f"the profile documents no claims of users[0] that {' '.join(scopes)} request "
                            "(users[].claims)")
    return documented


def _advertised_scopes(target: Target, scopes: tuple[str, ...]) -> None:
    supported = target.metadata.get("scopes_supported")
    if isinstance(supported, list):
        missing = [s for s in scopes if s not in supported]
        if missing:
            raise NotApplicable(f"the target does not list {' '.join(missing)} in scopes_supported")


def _claims_parameter(target: Target) -> None:
    if target.metadata.get("claims_parameter_supported") is not True:
        raise NotApplicable("the target does not advertise claims_parameter_supported: true")


# --------------------------------------------------------------------------- scopes and claims (§5.4, §5.5)


@requirement("DOC-users.claims", "OIDCC-5.4")
@pytest.mark.parametrize("scope", [*SCOPES, "all"])
def test_scope_claims(target: Target, user_agent: Any, scope: str) -> None:
    """Each scope value returns the user's documented claims it requests, at UserInfo, with their values.

    §5.4: "The Claims requested by the profile, email, address, and phone scope values are
    returned from the UserInfo Endpoint, as described in Section 5.3.2, when a response_type value
    is used that results in an Access Token being issued." The values are the profile's
    (``DOC-users.claims``); claims the profile does not state are not expected.
    """
    scopes = SCOPES if scope == "all" else (scope,)
    expected = _claims_of_user(target, scopes)
    _advertised_scopes(target, scopes)
    target.endpoint("userinfo_endpoint")
    client = openid_client(target, signed_userinfo=None, scopes=scopes, purpose=f"scope {' '.join(scopes)}")
    grant = obtain_grant(target, user_agent, client, scope=" ".join(("openid", *scopes)))
    claims = userinfo_claims(target, grant)
    oidc_claims.check_claims_released(claims, expected, where="UserInfo response", asked_by=f"scope {scope}")


@requirement("OIDCC-5.4")
def test_no_claims_beyond_scope(target: Target, user_agent: Any) -> None:
    """With ``scope=openid`` alone, UserInfo carries none of the user's documented profile/email/address/phone claims.

    §5.4: each scope value "requests access to" its claims; without them (and without a claims
    request) returning them is a SHOULD finding (no RFC 2119 keyword; see the catalogue note).
    """
    documented = _claims_of_user(target)
    target.endpoint("userinfo_endpoint")
    client = openid_client(target, signed_userinfo=None)
    grant = obtain_grant(target, user_agent, client, scope="openid")
    claims = userinfo_claims(target, grant)
    oidc_claims.check_no_unrequested_claims(claims, documented, set(), where="UserInfo response")


def _two_claims(target: Target) -> tuple[str, str]:
    """Two documented claims of the user: an essential and a voluntary one (e.g. name, email)."""
    documented = _claims_of_user(target)
    names = [n for n in ("name", "email", "given_name", "family_name", "phone_number") if n in documented]
    if len(names) < 2:
        raise NotApplicable("the claims-parameter checks need two documented claims of users[0] among name, email, "
                            "given_name, family_name, phone_number")
    return names[0], names[1]


@requirement("OIDCC-5.5", "DOC-users.claims", "OIDCC-5.5.1-no_error")
@pytest.mark.parametrize("member", ["userinfo", "id_token"])
def test_claims_parameter(target: Target, user_agent: Any, member: str) -> None:
    """``claims`` asking for one essential and one voluntary claim, with ``scope=openid`` only, returns both.

    §5.5: "This parameter is used to request that specific Claims be returned." Requested for
    ``userinfo`` they come from UserInfo, for ``id_token`` in the ID Token; the values are the
    profile's (``DOC-users.claims``).
    """
    _claims_parameter(target)
    essential, voluntary = _two_claims(target)
    if member == "userinfo":
        target.endpoint("userinfo_endpoint")
    request = {member: {essential: {"essential": True}, voluntary: None}}
    client = openid_client(target, signed_userinfo=None)
    grant = obtain_grant(target, user_agent, client, scope="openid", extra={"claims": json.dumps(request)})
    claims = userinfo_claims(target, grant) if member == "userinfo" else grant.id_token_claims
    documented = target.user(0).claims
    oidc_claims.check_claims_released(claims, {n: documented[n] for n in (essential, voluntary)},
                                      where="UserInfo response" if member == "userinfo" else "ID Token",
                                      asked_by=f"the claims parameter ({member})")


@requirement("OIDCC-5.5.1-no_error")
def test_unavailable_essential_claim_no_error(target: Target, user_agent: Any) -> None:
    """An essential claim the OP cannot provide does not make the request fail.

    §5.5.1: "the Authorization Server MUST NOT generate an error when Claims are not returned,
    whether they are Essential or Voluntary".
    """
    _claims_parameter(target)
    client = openid_client(target, signed_userinfo=None)
    request = {"userinfo": {"urn:harness:unavailable_claim": {"essential": True}},
               "id_token": {"urn:harness:unavailable_claim": {"essential": True}}}
    agent = user_agent()
    result = reauthorize(target, client, agent, user=target.user(0), extra={"claims": json.dumps(request)})
    oidc_prompt.check_request_served(code_returned=result.code, params=result.params,
                                     requirement="OIDCC-5.5.1-no_error",
                                     what="a request for an essential claim it does not hold")


@requirement("OIDCC-5.5.1-sub_value")
def test_sub_value_for_other_user_refused(target: Target, user_agent: Any) -> None:
    """An ID Token requested for another ``sub`` is never issued for the logged-in user.

    §5.5.1: "The Authorization Server MUST NOT reply with an ID Token or Access Token for a
    different user, even if they have an active session with the Authorization Server." The
    user is logged in; the second request asks for a ``sub`` no user has and logs in no one.
    """
    _claims_parameter(target)
    client = openid_client(target, signed_userinfo=None)
    agent = user_agent()
    first = obtain_grant(target, user_agent, client, agent=agent)
    requested = "harness-other-" + secrets.token_hex(8)
    result = reauthorize(target, client, agent, user=None,
                         extra={"claims": json.dumps({"id_token": {"sub": {"value": requested}}})})
    issued = (result.id_token_claims or {}).get("sub")
    evidence.note(f"logged-in sub {first.id_token_claims.get('sub')!r}; requested sub {requested!r}; issued {issued!r}")
    oidc_claims.check_sub_value_honoured(requested_sub=requested, issued_sub=issued)


# --------------------------------------------------------------------------- request shape (accept checks)


def _served(target: Target, user_agent: Any, requirement_id: str, what: str, *, level: Level = Level.MUST,
            client: Client | None = None, **build: Any) -> Reauthorization:
    client = client or openid_client(target, signed_userinfo=None)
    result = reauthorize(target, client, user_agent(), user=target.user(0), **build)
    oidc_prompt.check_request_served(code_returned=result.code, params=result.params, requirement=requirement_id,
                                     level=level, what=what)
    return result


@requirement("OIDCC-3.1.2.1-nonce")
def test_code_flow_without_nonce(target: Target, user_agent: Any) -> None:
    """A code-flow request without ``nonce`` is served (nonce is OPTIONAL in the code flow)."""
    _served(target, user_agent, "OIDCC-3.1.2.1-nonce", "a code-flow request without nonce", drop=("nonce",))


@requirement("RFC6749-3.3-order")
def test_scope_order(target: Target, user_agent: Any) -> None:
    """The scope values in another order (``openid`` last) work the same.

    RFC 6749 §3.3: "If the value contains multiple space-delimited strings, their order does not matter".
    """
    client = openid_client(target, signed_userinfo=None)
    values = client.scope.split()
    if len(values) < 2:
        raise NotApplicable(f"client {client.id} requests a single scope value")
    reordered = " ".join([*(v for v in reversed(values) if v != "openid"), "openid"])
    _served(target, user_agent, "RFC6749-3.3-order", f"scope={reordered!r}", client=client, scope=reordered)


@requirement("OIDCC-3.1.2.1-post")
def test_post_authorization_request(target: Target, user_agent: Any) -> None:
    """The authorization request sent as a form POST is served like the GET.

    §3.1.2.1: "Authorization Servers MUST support the use of the HTTP GET and POST methods ... at
    the Authorization Endpoint." Sent by the ``http_form`` driver as its first step: whatever the
    POST's answer is (a redirect to the login page or to the client, or the login page itself), the
    driver goes on from it as from the GET's.
    """
    if target.profile.login.driver != "http_form":
        raise NotApplicable("the POST authorization request is sent through the http_form login driver")
    client = openid_client(target, signed_userinfo=None)
    agent = user_agent()
    assert isinstance(agent, HttpFormUserAgent)
    request = build_authorization_request(target, client)
    outcome = agent.authorize(request.endpoint, user=target.user(0), redirect_uri=request.redirect_uri,
                              form={k: str(v) for k, v in request.params.items()})
    code = outcome.redirected and bool(outcome.params.get("code"))
    shown = "an error page" if outcome.error_page is not None else "no code"
    oidc_prompt.check_request_served(code_returned=code, params=outcome.params if outcome.redirected else {},
                                     requirement="OIDCC-3.1.2.1-post",
                                     what=f"a POST authorization request ({'a code' if code else shown})")


@requirement("OIDCC-3.1.2.1-display")
@pytest.mark.parametrize("display", ["page", "popup"])
def test_display(target: Target, user_agent: Any, display: str) -> None:
    """``display=page`` (the default) and ``display=popup`` are served (SHOULD display accordingly)."""
    advertised = target.metadata.get("display_values_supported")
    if isinstance(advertised, list) and display not in advertised:
        raise NotApplicable(f"the target does not list {display} in display_values_supported")
    _served(target, user_agent, "OIDCC-3.1.2.1-display", f"display={display}", level=Level.SHOULD,
            extra={"display": display})


@requirement("OIDCC-3.1.2.1-ui_locales")
def test_ui_locales(target: Target, user_agent: Any) -> None:
    """``ui_locales`` with a locale no OP supports does not make the request fail (SHOULD NOT)."""
    _served(target, user_agent, "OIDCC-3.1.2.1-ui_locales", "ui_locales with an unsupported locale",
            level=Level.SHOULD, extra={"ui_locales": "x-harness-unsupported de-CH en"})


@requirement("OIDCC-5.2-claims_locales")
def test_claims_locales(target: Target, user_agent: Any) -> None:
    """``claims_locales`` with a locale no OP supports does not make the request fail (SHOULD NOT)."""
    _served(target, user_agent, "OIDCC-5.2-claims_locales", "claims_locales with an unsupported locale",
            level=Level.SHOULD, extra={"claims_locales": "x-harness-unsupported fr-CA"})


@requirement("OIDCC-3.1.2.1-login_hint")
def test_login_hint(target: Target, user_agent: Any) -> None:
    """``login_hint`` naming the test user is accepted (its use is at the OP's discretion: MAY-level finding).

    §3.1.2.1: "The use of this parameter is left to the OP's discretion." Whether the login page
    pre-filled the username with the hint is recorded (the ``http_form`` driver reads the field;
    other drivers cannot tell) and never judged: ignoring a hint breaks no rule.
    """
    user = target.user(0)
    hint = str(user.claims.get("email") or user.username)
    client = openid_client(target, signed_userinfo=None)
    agent = user_agent()
    result = reauthorize(target, client, agent, user=user, extra={"login_hint": hint})
    evidence.note(oidc_prompt.describe_login_hint_use(hint, login_shown=result.outcome.login_form_shown,
                                                      prefill=getattr(agent, "login_prefill", None),
                                                      observable=isinstance(agent, HttpFormUserAgent)))
    oidc_prompt.check_request_served(code_returned=result.code, params=result.params,
                                     requirement="OIDCC-3.1.2.1-login_hint", level=Level.MAY,
                                     what=f"login_hint={hint!r}")


@requirement("OIDCC-3.1.2.1-acr_values", "OIDCC-5.5.1.1-voluntary")
def test_acr_values(target: Target, user_agent: Any) -> None:
    """``acr_values`` with a documented/advertised value is served and the ID Token carries an ``acr``.

    ``acr_values`` requests ``acr`` "as a Voluntary Claim"; §5.5.1.1: "If the Claim is not
    Essential and a requested value cannot be provided, the Authorization Server SHOULD return
    the session's current acr as the value of the acr Claim." A refusal is a MAY-level finding.
    """
    values = target.profile.documented.acr_values or target.metadata.get("acr_values_supported") or []
    if not values:
        raise NotApplicable("the target neither documents nor advertises acr values")
    result = _served(target, user_agent, "OIDCC-3.1.2.1-acr_values", "acr_values", level=Level.MAY,
                     extra={"acr_values": " ".join(reversed([str(v) for v in values]))})
    acr = (result.id_token_claims or {}).get("acr")
    if not isinstance(acr, str) or not acr:
        raise fail("ID_TOKEN_ACR_MISSING", "acr was requested with acr_values but the ID Token has none",
                   "OIDCC-5.5.1.1-voluntary", level=Level.SHOULD, expected=sorted(map(str, values)), actual=acr)


@requirement("OIDCC-5.5.1.1-essential", "OIDCC-5.5.1.1-failed_authentication")
def test_acr_essential_each_documented_value(target: Target, user_agent: Any) -> None:
    """Each documented ACR asked for alone as an essential ``acr``: the ID Token carries it, or authentication fails.

    One fresh login per value (``documented.acr_values``, else ``acr_values_supported``), with
    ``claims={"id_token": {"acr": {"essential": true, "values": [value]}}}``: §5.5.1.1 requires a
    matching ``acr`` or a failed authentication attempt, so a code whose ``acr`` is another value
    (e.g. the server's default) fails. Unlike ``id_token.acr_essential`` (all values at once) this
    tells a server that honours the request from one that always returns its default.
    """
    values = [str(v) for v in target.profile.documented.acr_values or target.metadata.get("acr_values_supported") or []]
    if not values:
        raise NotApplicable("the target neither documents nor advertises acr values (documented.acr_values)")
    _claims_parameter(target)
    client = openid_client(target, signed_userinfo=None)
    for value in values:
        request = {"id_token": {"acr": {"essential": True, "values": [value]}}}
        result = reauthorize(target, client, user_agent(), user=target.user(0), extra={"claims": json.dumps(request)})
        observed = oidc_claims.check_essential_acr_outcome(value, code_returned=result.code, params=result.params,
                                                           acr=(result.id_token_claims or {}).get("acr"))
        evidence.note(f"essential acr {value!r}: {observed}")


# --------------------------------------------------------------------------- prompt, max_age, hints (§3.1.2.1)


def _logged_in(target: Target, user_agent: Any) -> tuple[Any, UserInfoGrant]:
    """A user agent with a live, consented session of users[0] for the OpenID client."""
    client = openid_client(target, signed_userinfo=None)
    agent = user_agent()
    return agent, obtain_grant(target, user_agent, client, agent=agent)


@requirement("OIDCC-3.1.2.1-prompt_none")
def test_prompt_none_with_session(target: Target, user_agent: Any) -> None:
    """``prompt=none`` with a live, consented session returns a code without any page, for the same ``sub``."""
    agent, first = _logged_in(target, user_agent)
    result = reauthorize(target, first.client, agent, user=None, extra={"prompt": "none"})
    oidc_prompt.check_silent_response(login_shown=result.outcome.login_form_shown,
                                      consent_shown=result.outcome.consent_form_shown, code_returned=result.code,
                                      params=result.params)


def _consent_page_observable(target: Target) -> None:
    """The login driver reports consent pages (decided before any request)."""
    login = target.profile.login
    if login.driver == "http_form" and login.http_form.consent_form_id is None:
        raise NotApplicable("the profile names no consent form (login.http_form.consent_form_id)")
    if login.driver == "browser" and login.browser.consent_page_selector is None:
        raise NotApplicable("the profile names no consent page (login.browser.consent_page_selector)")
    if login.driver not in ("http_form", "browser"):
        raise NotApplicable(f"the {login.driver} driver does not report whether a consent page was shown")


@requirement("OIDCC-3.1.2.1-prompt_none", "OIDCC-3.1.2.6")
def test_prompt_none_without_consent(target: Target, user_agent: Any) -> None:
    """``prompt=none`` by a logged-in user for a client they never consented to: ``consent_required``, no page.

    Two OpenID clients (chosen before any request). A fresh user agent first shows whether the
    second client asks for consent at all; the user then logs in with the first client and sends
    the second client's ``prompt=none`` request. Where the second client asked for consent, that
    request must end in an error redirect; a client without a consent page has pre-configured
    consent, and its request is judged like ``prompt_none_with_session`` (no page; a code).
    """
    _consent_page_observable(target)
    first_client = openid_client(target, signed_userinfo=None)
    second_client = openid_client(target, signed_userinfo=None, exclude=(first_client.id,),
                                  purpose="a second client for prompt=none without consent")
    probe = obtain_grant(target, user_agent, second_client)
    agent = user_agent()
    obtain_grant(target, user_agent, first_client, agent=agent)
    result = reauthorize(target, second_client, agent, user=None, extra={"prompt": "none"})
    if not probe.flow.outcome.consent_form_shown:
        evidence.note(f"client {second_client.id} shows no consent page (pre-configured consent): prompt=none is "
                      "judged as with a consented session")
        oidc_prompt.check_silent_response(login_shown=result.outcome.login_form_shown,
                                          consent_shown=result.outcome.consent_form_shown,
                                          code_returned=result.code, params=result.params)
        return
    oidc_prompt.check_consent_required(redirected=result.outcome.redirected,
                                       login_shown=result.outcome.login_form_shown,
                                       consent_shown=result.outcome.consent_form_shown, code_returned=result.code,
                                       params=result.params)


@requirement("OIDCC-3.1.2.1-prompt_none_alone")
def test_prompt_none_with_other_value_refused(target: Target, user_agent: Any) -> None:
    """``prompt=none login`` is answered with an error.

    §3.1.2.1: "If this parameter contains none with any other value, an error is returned."
    """
    client = openid_client(target, signed_userinfo=None)
    result = reauthorize(target, client, user_agent(), user=target.user(0), extra={"prompt": "none login"})
    oidc_prompt.check_error_returned(code_returned=result.code, params=result.params,
                                     requirement="OIDCC-3.1.2.1-prompt_none_alone", what="prompt='none login'")


@requirement("OIDCC-3.1.2.1-prompt_login", "OIDCC-2-auth_time")
@pytest.mark.slow_wait
def test_prompt_login_reauthenticates(target: Target, user_agent: Any) -> None:
    """``prompt=login`` with a live session shows the login page again and gives a later ``auth_time`` (SHOULD)."""
    agent, first = _logged_in(target, user_agent)
    evidence.mandated_wait(1.1, "auth_time has a resolution of one second: the re-login must get a later one")
    result = reauthorize(target, first.client, agent, user=target.user(0), extra={"prompt": "login"})
    oidc_prompt.check_reauthenticated(login_shown=result.outcome.login_form_shown, first=first.id_token_claims,
                                      later=result.id_token_claims, params=result.params,
                                      requirement="OIDCC-3.1.2.1-prompt_login", level=Level.SHOULD,
                                      what="prompt=login")


@requirement("OIDCC-3.1.2.1-prompt_consent")
def test_prompt_consent_shows_consent(target: Target, user_agent: Any) -> None:
    """``prompt=consent`` after a consented login shows the consent page again (SHOULD), or returns an error."""
    _consent_page_observable(target)
    agent, first = _logged_in(target, user_agent)
    if not first.flow.outcome.consent_form_shown:
        raise fail("PROMPT_CONSENT_NOT_OBSERVABLE", "the first login showed no consent page, so a consent prompt "
                   "cannot be told apart", "OIDCC-3.1.2.1-prompt_consent", level=Level.SHOULD,
                   expected="a consent page on first use", actual="no consent page")
    result = reauthorize(target, first.client, agent, user=target.user(0), extra={"prompt": "consent"})
    if result.code and not result.outcome.consent_form_shown:
        raise fail("PROMPT_CONSENT_SKIPPED", "prompt=consent returned a code without showing the consent page",
                   "OIDCC-3.1.2.1-prompt_consent", level=Level.SHOULD, expected="a consent page",
                   actual="no consent page")
    if not result.code and not result.params.get("error"):
        raise fail("AUTHZ_ERROR_EXPECTED", "prompt=consent returned neither a code nor an error",
                   "OIDCC-3.1.2.1-prompt_consent", level=Level.SHOULD, expected="code or error",
                   actual=result.outcome.describe())


@requirement("OIDCC-3.1.2.1-max_age", "OIDCC-2-auth_time")
@pytest.mark.slow_wait
def test_max_age_1_reauthenticates(target: Target, user_agent: Any) -> None:
    """``max_age=1`` two seconds after the login forces a new login (MUST) and a later ``auth_time``."""
    agent, first = _logged_in(target, user_agent)
    evidence.mandated_wait(2.1, "max_age=1 must have elapsed since the login")
    result = reauthorize(target, first.client, agent, user=target.user(0), extra={"max_age": "1"})
    oidc_prompt.check_reauthenticated(login_shown=result.outcome.login_form_shown, first=first.id_token_claims,
                                      later=result.id_token_claims, params=result.params,
                                      requirement="OIDCC-3.1.2.1-max_age", level=Level.MUST, what="max_age=1")


@requirement("OIDCC-2-auth_time", "OIDCC-3.1.2.1-max_age")
def test_max_age_10000_keeps_session(target: Target, user_agent: Any) -> None:
    """``max_age=10000`` right after a login: ``auth_time`` present and, without a new login, unchanged."""
    agent, first = _logged_in(target, user_agent)
    result = reauthorize(target, first.client, agent, user=target.user(0), extra={"max_age": "10000"})
    if result.id_token_claims is None:
        raise fail("PRECONDITION_AUTHORIZATION_FAILED", "a valid request with max_age=10000 did not return a code",
                   "RFC6749-4.1.2", expected="redirect with code", actual=result.outcome.describe())
    oidc_prompt.check_auth_time_kept(login_shown=result.outcome.login_form_shown, first=first.id_token_claims,
                                     later=result.id_token_claims)


@requirement("OIDCC-3.1.2.1-id_token_hint")
def test_id_token_hint_current_user(target: Target, user_agent: Any) -> None:
    """``id_token_hint`` with the logged-in user's ID Token and ``prompt=none``: a code for the same ``sub``."""
    agent, first = _logged_in(target, user_agent)
    hint = str(first.token_body["id_token"])
    result = reauthorize(target, first.client, agent, user=None, extra={"prompt": "none", "id_token_hint": hint})
    oidc_prompt.check_request_served(code_returned=result.code, params=result.params,
                                     requirement="OIDCC-3.1.2.1-id_token_hint",
                                     what="id_token_hint naming the logged-in user")
    oidc_claims.check_sub_value_honoured(requested_sub=str(first.id_token_claims.get("sub")),
                                         issued_sub=(result.id_token_claims or {}).get("sub"))


@requirement("OIDCC-3.1.2.1-id_token_hint_other")
def test_id_token_hint_other_user_refused(target: Target, user_agent: Any) -> None:
    """``id_token_hint`` naming another user than the logged-in one, with ``prompt=none``: an error (SHOULD)."""
    target.user(1)  # a second test user, before any request
    client = openid_client(target, signed_userinfo=None)
    other = obtain_grant(target, user_agent, client, user=target.user(1))
    agent, first = _logged_in(target, user_agent)
    if other.id_token_claims.get("sub") == first.id_token_claims.get("sub"):
        raise fail("PRECONDITION_SUB_NOT_UNIQUE", "two different test users got the same sub", "OIDCC-2-sub",
                   expected="different sub values", actual=other.id_token_claims.get("sub"))
    result = reauthorize(target, client, agent, user=None,
                         extra={"prompt": "none", "id_token_hint": str(other.token_body["id_token"])})
    oidc_prompt.check_error_returned(code_returned=result.code, params=result.params,
                                     requirement="OIDCC-3.1.2.1-id_token_hint_other", level=Level.SHOULD,
                                     what="id_token_hint naming a user other than the logged-in one")



# --------------------------------------------------------------------------- request object parameters (§6.3.3)


def _request_object_client(target: Target) -> Client:
    """A code-flow client that can sign request objects, where the target takes them (decided before asking)."""
    if target.metadata.get("request_parameter_supported") is not True:
        raise NotApplicable("the target does not advertise request_parameter_supported: true")
    for client in target.profile.clients:
        doc = client.documented
        if not (client.use_in_suites and "authorization_code" in client.grant_types and client.redirect_uris
                and client.jwks_file is not None and not doc.require_par and not doc.require_jarm):
            continue
        try:
            request_object_alg(target, client)
        except NotApplicable:
            continue
        return client
    raise NotApplicable("the profile has no code-flow client with a private JWKS to sign request objects")


@requirement("OIDCC-6.3.3")
def test_request_object_redirect_uri_wins(target: Target, user_agent: Any) -> None:
    """A request object's registered ``redirect_uri`` is used over an unregistered one sent outside it.

    §6.3.3: "If the same parameter exists both in the Request Object and the OAuth Authorization
    Request parameters, the parameter in the Request Object is used." (OIDF
    ``oidcc-ensure-request-object-with-redirect-uri``; the object is signed with the client's key,
    so the check does not depend on unsigned request objects.) A code at the inside URI passes, an
    error page at the server is accepted, anything sent to the outside URI or an error returned to
    the inside one fails.
    """
    client = _request_object_client(target)
    outside = "https://attacker.example.test/outside-request-object"
    request = build_authorization_request(target, client)
    token = sign_request_object(target, client, request_object_claims(target, request))
    front = by_value(target, request, token, outside={"redirect_uri": outside})
    try:
        outcome: AuthorizationOutcome = user_agent().authorize(front.url(), user=target.user(0),
                                                               redirect_uri=request.redirect_uri)
    except OffRedirectUri as off:
        outcome = off.outcome
    if not outcome.redirected and outcome.error_page is not None and outcome.error_page.status >= 500:
        raise NeedsReview(f"the authorization endpoint answered HTTP {outcome.error_page.status} (a server error, not "
                          "a refusal): whether it used the request object's redirect_uri cannot be told")
    landed = outcome.redirect_url if outcome.redirected else None
    observed = oidc_core.check_request_object_redirect_uri_used(landed=landed, params=outcome.params if landed else {},
                                                                inside=request.redirect_uri, outside=outside)
    evidence.note(f"request object redirect_uri {request.redirect_uri!r}, outside {outside!r}: {observed}")
