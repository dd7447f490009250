"""CIBA Core: backchannel requests, poll/ping/push delivery, hints, binding messages, signed requests."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from harness import evidence, jose
from harness.flows import ciba, hosted_clients
from harness.flows.ciba import CibaRequest
from harness.flows.ciba_approval import CibaApprover
from harness.flows.hosted_clients import HostedClient
from harness.flows.id_token import check_issued_id_token
from harness.flows.token import TokenResult
from harness.profile import Client
from harness.results import Findings, Level, NeedsReview, fail
from harness.specs import documented as documented_spec
from harness.specs import oidc_ciba
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement
needs_ciba = pytest.mark.needs("backchannel_authentication_endpoint")


def _poll_client(target: Target) -> Client:
    ciba.require_mode_supported(target, "poll")
    return ciba.pick_client(target, "poll", signed=False)


def _approver(target: Target, user_agent: Any) -> CibaApprover:
    approver = CibaApprover(target, user_agent)
    approver.require()
    return approver


def _judge_response(request: CibaRequest) -> dict[str, Any]:
    return oidc_ciba.check_authentication_response(request.status, request.response.headers,
                                                   request.response.content)


def _judge_tokens(target: Target, client: Client, result: TokenResult, findings: Findings) -> None:
    body = findings.check(oidc_ciba.check_approved_poll, result.status, result.response.headers, result.judged_body)
    check_issued_id_token(target, client, body, findings)


def _refused(request: CibaRequest, expected: str, requirement_id: str) -> None:
    oidc_ciba.check_authentication_error(request.status, request.response.headers, request.response.content,
                                         expected, requirement=requirement_id)


# -- the acknowledgement ------------------------------------------------------------------

@needs_ciba
@requirement("CIBA-7.1-hint", "CIBA-7.3")
def test_authentication_response(target: Target) -> None:
    """A valid request is acknowledged with auth_req_id, expires_in and interval (JSON, 200)."""
    client = _poll_client(target)
    request = ciba.send(target, client, ciba.request_params(target, client))
    _judge_response(request)


@needs_ciba
@requirement("CIBA-7.3-entropy")
def test_auth_req_id_entropy(target: Target) -> None:
    """auth_req_id values carry at least 128 bits of entropy (160 recommended), estimated from samples."""
    client = _poll_client(target)
    samples = [ciba.start(target, client).auth_req_id for _ in range(max(target.profile.limits.entropy_samples, 5))]
    oidc_ciba.check_auth_req_id_entropy(samples)


@needs_ciba
@requirement("DOC-ciba_polling_interval", "CIBA-7.3-interval")
def test_documented_polling_interval(target: Target) -> None:
    """The acknowledgement states the documented polling interval (PingFederate CIBA "Polling Interval")."""
    documented = target.profile.documented.ciba.polling_interval_s
    if documented is None:
        pytest.skip("the profile does not document a CIBA polling interval (documented.ciba.polling_interval_s)")
    oidc_ciba.check_documented_interval(ciba.start(target, _poll_client(target)).body, documented)


# -- poll mode ----------------------------------------------------------------------------

@needs_ciba
@requirement("CIBA-11-authorization_pending")
def test_poll_pending_before_decision(target: Target) -> None:
    """Polling before the user decided is answered ``authorization_pending``."""
    client = _poll_client(target)
    request = ciba.start(target, client)
    result = ciba.token(target, client, request.auth_req_id, label="poll before the user decided")
    oidc_ciba.check_authorization_pending(result.status, result.response.headers, result.judged_body)


@pytest.mark.slow_wait
@needs_ciba
@requirement("DOC-ciba_slow_down", "CIBA-11-slow_down")
def test_poll_slow_down(target: Target, user_agent: Any) -> None:
    """Polling sooner than the interval gives ``slow_down``; waiting interval + 5 s then yields the tokens."""
    if not target.profile.documented.ciba.slow_down:
        pytest.skip("the profile does not document slow_down for CIBA (documented.ciba.slow_down)")
    client = _poll_client(target)
    approver = _approver(target, user_agent)
    request = ciba.start(target, client)
    poller = request.poller()
    first = ciba.token(target, client, request.auth_req_id, label="first poll")
    poller.record(first.error)
    oidc_ciba.check_authorization_pending(first.status, first.response.headers, first.judged_body)
    second = ciba.token(target, client, request.auth_req_id, label="second poll at once (too fast)")
    poller.record(second.error)
    oidc_ciba.check_slow_down(second.status, second.response.headers, second.judged_body)
    approver.decide(request.pending(), "approve")
    outcome = ciba.poll_after_decision(target, request, poller=poller)
    evidence.note(f"after slow_down the client polled every {poller.interval:g}s ({outcome.polls} polls)")
    findings = Findings()
    _judge_tokens(target, client, outcome.result, findings)
    findings.raise_if_any()


@needs_ciba
@requirement("CIBA-10.1", "CIBA-10.1.1")
def test_poll_approval_issues_tokens(target: Target, user_agent: Any) -> None:
    """After the user approves, the poll-mode client receives an access token and a valid ID Token."""
    client = _poll_client(target)
    approver = _approver(target, user_agent)
    request = ciba.start(target, client, binding_message="TX-1234")
    approver.decide(request.pending(), "approve")
    findings = Findings()
    _judge_tokens(target, client, ciba.poll_after_decision(target, request).result, findings)
    findings.raise_if_any()


@needs_ciba
@requirement("CIBA-11-access_denied")
def test_poll_denial_access_denied(target: Target, user_agent: Any) -> None:
    """When the user denies, polling is answered ``access_denied``."""
    client = _poll_client(target)
    approver = _approver(target, user_agent)
    request = ciba.start(target, client)
    approver.decide(request.pending(), "deny")
    result = ciba.poll_after_decision(target, request).result
    oidc_ciba.check_access_denied(result.status, result.response.headers, result.judged_body)


@pytest.mark.slow_wait(lifetime=True)
@needs_ciba
@requirement("CIBA-11-expired_token", "CIBA-7.3-expires_in")
def test_poll_expired_token(target: Target) -> None:
    """Polling after ``expires_in`` has passed is answered ``expired_token`` (a short requested_expiry is asked)."""
    client = _poll_client(target)
    documented = target.profile.documented.ciba.request_lifetime_s
    cap = target.profile.limits.max_expiry_wait_s
    # §7.1 requested_expiry: the OP "MAY use this value" -- a short lifetime keeps the mandated wait short.
    request = ciba.send(target, client, ciba.request_params(target, client, extra={"requested_expiry": "2"}),
                        label="request with requested_expiry=2")
    if request.status != 200 or "auth_req_id" not in request.body:
        request = ciba.start(target, client)
    known = [v for v in (request.expires_in, documented) if v is not None]
    if not known:
        raise fail("CIBA_RESPONSE_MEMBER_MISSING", "the acknowledgement has no expires_in, so the client cannot know "
                   "when auth_req_id expires", "CIBA-7.3-expires_in", expected="expires_in",
                   actual=sorted(request.body))
    lifetime = min(known)
    wait = request.received_at + lifetime + 1 - time.monotonic()
    if wait > cap:
        raise NeedsReview(f"auth_req_id lives {lifetime:g}s (expires_in; requested_expiry=2 was not used), longer than "
                          f"limits.max_expiry_wait_s={cap}: document ciba.request_lifetime_s or raise the limit")
    evidence.mandated_wait(wait, f"CIBA request lifetime {lifetime:g}s plus 1s")
    result = ciba.token(target, client, request.auth_req_id, label="poll after expiry")
    oidc_ciba.check_expired_token(result.status, result.response.headers, result.judged_body)


@needs_ciba
@requirement("CIBA-11-invalid_grant")
def test_auth_req_id_single_use(target: Target, user_agent: Any) -> None:
    """An auth_req_id that already produced tokens is refused with ``invalid_grant``."""
    client = _poll_client(target)
    approver = _approver(target, user_agent)
    request = ciba.start(target, client)
    approver.decide(request.pending(), "approve")
    first = ciba.poll_after_decision(target, request).result
    if not first.ok:
        raise fail("PRECONDITION_TOKEN_REQUEST_FAILED", "an approved auth_req_id did not return tokens",
                   "CIBA-10.1.1", expected="token response", actual=f"HTTP {first.status} error={first.error}")
    again = ciba.token(target, client, request.auth_req_id, label="redeem the auth_req_id again")
    oidc_ciba.check_invalid_grant(again.status, again.response.headers, again.judged_body)


@needs_ciba
@requirement("CIBA-11-invalid_grant")
def test_auth_req_id_bound_to_client(target: Target, user_agent: Any) -> None:
    """Another client presenting an approved auth_req_id is refused with ``invalid_grant``."""
    owner = _poll_client(target)
    others = [c for c in target.profile.clients
              if c.use_in_suites and c.id != owner.id and ciba.GRANT_TYPE in c.grant_types]
    if not others:
        pytest.skip("the profile has only one client with the CIBA grant")
    approver = _approver(target, user_agent)
    request = ciba.start(target, owner)
    approver.decide(request.pending(), "approve")
    result = ciba.token(target, others[0], request.auth_req_id,
                        label=f"{others[0].id} redeems {owner.id}'s auth_req_id")
    oidc_ciba.check_invalid_grant(result.status, result.response.headers, result.judged_body)


# -- ping and push --------------------------------------------------------------------------

@contextmanager
def _notification_client(target: Target, mode: ciba.DeliveryMode, user_agent: Any = None) -> Iterator[HostedClient]:
    """The ping/push client: a profile client whose endpoint the harness hosts, else one registered for the check.

    Every skip (mode not advertised, no approval, no client and no registration) is decided first.
    """
    ciba.require_mode_supported(target, mode)
    choice = hosted_clients.choose_notification_client(target, "ping" if mode == "ping" else "push", signed=None)
    if user_agent is not None:
        _approver(target, user_agent)
    with hosted_clients.hosted_client(target, choice) as hosted:
        yield hosted


def _ping_flow(target: Target, user_agent: Any, hosted: HostedClient,
               decision: str) -> tuple[Client, CibaRequest, Any, float]:
    client = hosted.client
    approver = _approver(target, user_agent)
    receiver = hosted.notification_receiver(target)
    wait_s = target.profile.login.ciba.receiver.wait_s
    with receiver:
        request = ciba.start(target, client)
        approver.decide(request.pending(), "approve" if decision == "approve" else "deny")
        if not approver.automated:
            wait_s = max(request.expires_at(60) - time.monotonic(), wait_s)
        notifications = receiver.wait_for(1, timeout_s=wait_s)
    for note in notifications:
        note.record(hosted.endpoint, status=receiver.status)
    oidc_ciba.check_ping_received(len(notifications), wait_s)
    return client, request, notifications[0], wait_s


@needs_ciba
@requirement("CIBA-10.2", "CIBA-10.1.1")
def test_ping_notification(target: Target, user_agent: Any) -> None:
    """In ping mode the OP POSTs {"auth_req_id"} with Bearer client_notification_token; the tokens then follow."""
    with _notification_client(target, "ping", user_agent) as hosted:
        client, request, note, _ = _ping_flow(target, user_agent, hosted, "approve")
        findings = Findings()
        findings.check(oidc_ciba.check_ping_notification, note.method, note.headers, note.body,
                       expected_token=str(request.notification_token), auth_req_id=request.auth_req_id)
        _judge_tokens(target, client, ciba.token(target, client, request.auth_req_id,
                                                 label="token request after ping"), findings)
        findings.raise_if_any()


@needs_ciba
@requirement("CIBA-10.2", "CIBA-11-access_denied")
def test_ping_on_denial(target: Target, user_agent: Any) -> None:
    """A denial is pinged too ("after a successful or failed end-user authentication"), then access_denied."""
    with _notification_client(target, "ping", user_agent) as hosted:
        client, request, note, _ = _ping_flow(target, user_agent, hosted, "deny")
        findings = Findings()
        findings.check(oidc_ciba.check_ping_notification, note.method, note.headers, note.body,
                       expected_token=str(request.notification_token), auth_req_id=request.auth_req_id)
        result = ciba.token(target, client, request.auth_req_id, label="token request after the denial ping")
        findings.check(oidc_ciba.check_access_denied, result.status, result.response.headers, result.judged_body)
        findings.raise_if_any()


@needs_ciba
@requirement("CIBA-7.1-client_notification_token")
def test_ping_requires_notification_token(target: Target) -> None:
    """A ping-mode request without ``client_notification_token`` is refused with ``invalid_request``."""
    ciba.require_mode_supported(target, "ping")
    try:  # a plain-request profile client, else any ping client the harness hosts (or registers)
        choice = hosted_clients.HostedChoice(purpose="ping", profile_client=ciba.pick_client(target, "ping",
                                                                                             signed=False))
    except NotApplicable:
        choice = hosted_clients.choose_notification_client(target, "ping", signed=False)
    with hosted_clients.hosted_client(target, choice) as hosted:
        client = hosted.client
        request = ciba.send(target, client, ciba.request_params(target, client, drop=("client_notification_token",)),
                            label="ping-mode request without client_notification_token")
        _refused(request, "invalid_request", "CIBA-7.1-client_notification_token")


@needs_ciba
@requirement("CIBA-7.1-client_notification_token", "CIBA-10.3.1")
def test_push_mode(target: Target, user_agent: Any) -> None:
    """In push mode the OP delivers the tokens to the notification endpoint with the Bearer token."""
    with _notification_client(target, "push", user_agent) as hosted:
        client = hosted.client
        approver = _approver(target, user_agent)
        receiver = hosted.notification_receiver(target)
        wait_s = target.profile.login.ciba.receiver.wait_s
        with receiver:
            request = ciba.start(target, client)
            approver.decide(request.pending(), "approve")
            notifications = receiver.wait_for(1, timeout_s=wait_s)
        for note in notifications:
            note.record(hosted.endpoint, status=receiver.status)
        if not notifications:
            raise fail("CIBA_PUSH_NOT_RECEIVED", "no push delivery reached the client notification endpoint",
                       "CIBA-10.3.1", expected="one POST", actual="none")
        oidc_ciba.check_push_notification(notifications[0].method, notifications[0].headers, notifications[0].body,
                                          expected_token=str(request.notification_token),
                                          auth_req_id=request.auth_req_id)


# -- request validation -------------------------------------------------------------------

@needs_ciba
@requirement("CIBA-7.1-hint", "CIBA-7.2-multiple_hints")
def test_multiple_hints_refused(target: Target) -> None:
    """A request with more than one hint (login_hint and login_hint_token) is refused with ``invalid_request``."""
    client = _poll_client(target)
    params = ciba.request_params(target, client, extra={"login_hint_token": jose.sign_unsecured(
        None, {"subject": {"format": "email", "email": "alice@example.test"}})})
    _refused(ciba.send(target, client, params, label="request with two hints"), "invalid_request",
             "CIBA-7.2-multiple_hints")


@needs_ciba
@requirement("CIBA-7.1-hint", "CIBA-13")
def test_missing_hint_refused(target: Target) -> None:
    """A request without any hint is refused with ``invalid_request``."""
    client = _poll_client(target)
    params = ciba.request_params(target, client, drop=("login_hint",))
    _refused(ciba.send(target, client, params, label="request without a hint"), "invalid_request", "CIBA-7.1-hint")


@needs_ciba
@requirement("CIBA-13-unknown_user_id")
def test_unknown_user_refused(target: Target) -> None:
    """A login_hint that identifies no user is refused with ``unknown_user_id``."""
    client = _poll_client(target)
    nobody = f"nobody-{secrets.token_hex(6)}"
    real = target.user(0)
    # the profile's login_hint template (its format is the server's: an email, a username, JSON...)
    unknown = real.model_copy(update={"username": nobody, "claims": {
        name: f"{nobody}@unknown.invalid" if name == "email" else nobody for name in real.claims}})
    hint = ciba.login_hint(target, unknown)
    params = ciba.request_params(target, client, extra={"login_hint": hint})
    _refused(ciba.send(target, client, params, label="request for an unknown user"), "unknown_user_id",
             "CIBA-13-unknown_user_id")


@needs_ciba
@requirement("CIBA-7.1-binding_message")
def test_binding_message_accepted(target: Target) -> None:
    """A short plain binding_message is accepted (accept)."""
    client = _poll_client(target)
    request = ciba.send(target, client, ciba.request_params(target, client, binding_message="TX-1234"))
    oidc_ciba.check_request_accepted(request.status, request.response.headers, request.response.content,
                                     requirement="CIBA-7.1-binding_message", level=Level.SHOULD)


@needs_ciba
@requirement("CIBA-7.1-binding_message", "CIBA-13")
def test_binding_message_unacceptable_refused(target: Target) -> None:
    """A 1000-character binding_message with control characters is refused with ``invalid_binding_message`` (SHOULD)."""
    client = _poll_client(target)
    message = "\x07bind\nmessage\t" + "x" * 1000
    request = ciba.send(target, client, ciba.request_params(target, client, binding_message=message),
                        label="request with an unacceptable binding_message")
    oidc_ciba.check_binding_message_refused(request.status, request.response.headers, request.response.content)


@needs_ciba
@requirement("CIBA-7.1-requested_expiry", "CIBA-7.1.1")
def test_requested_expiry_string_accepted(target: Target) -> None:
    """``requested_expiry`` sent as a string is accepted (form parameter; and as a JSON string in a signed request)."""
    client = _poll_client(target)
    findings = Findings()
    plain = ciba.send(target, client, ciba.request_params(target, client, extra={"requested_expiry": "30"}),
                      label="requested_expiry=30 (form parameter)")
    findings.check(oidc_ciba.check_request_accepted, plain.status, plain.response.headers, plain.response.content,
                   requirement="CIBA-7.1-requested_expiry", level=Level.MAY)
    try:
        signer = ciba.pick_client(target, "poll", signed=True)
    except NotApplicable:
        signer = None
    if signer is not None:
        signed = ciba.send(target, signer, ciba.request_params(target, signer), signed=True,
                           claim_overrides={"requested_expiry": "30"},
                           label='signed request with "requested_expiry": "30"')
        findings.check(oidc_ciba.check_request_accepted, signed.status, signed.response.headers,
                       signed.response.content, requirement="CIBA-7.1-requested_expiry", level=Level.MAY)
    findings.raise_if_any()


@needs_ciba
@requirement("CIBA-7.1-id_token_hint")
def test_id_token_hint_accepted(target: Target, user_agent: Any) -> None:
    """An ID Token the OP issued to the client is accepted as ``id_token_hint`` (accept)."""
    client = _poll_client(target)
    approver = _approver(target, user_agent)
    first = ciba.start(target, client)
    approver.decide(first.pending(), "approve")
    tokens = ciba.poll_after_decision(target, first).result
    id_token = (tokens.body or {}).get("id_token")
    if not tokens.ok or not isinstance(id_token, str):
        raise fail("PRECONDITION_TOKEN_REQUEST_FAILED", "an approved CIBA request did not return an ID Token",
                   "CIBA-10.1.1", expected="token response with id_token", actual=f"HTTP {tokens.status}")
    params = ciba.request_params(target, client, drop=("login_hint",), extra={"id_token_hint": id_token})
    request = ciba.send(target, client, params, label="request with id_token_hint")
    oidc_ciba.check_request_accepted(request.status, request.response.headers, request.response.content,
                                     requirement="CIBA-7.1-id_token_hint", level=Level.MAY)


# -- signed authentication requests ----------------------------------------------------------

def _signed_client(target: Target) -> Client:
    ciba.require_mode_supported(target, "poll")
    return ciba.pick_client(target, "poll", signed=True)


@needs_ciba
@requirement("CIBA-7.1.1")
def test_signed_request_accepted(target: Target) -> None:
    """A request object signed with the documented algorithm and all required claims is accepted (accept)."""
    client = _signed_client(target)
    request = ciba.send(target, client, ciba.request_params(target, client), signed=True,
                        label=f"signed request ({ciba.request_alg(target, client)})")
    oidc_ciba.check_request_accepted(request.status, request.response.headers, request.response.content,
                                     requirement="CIBA-7.1.1")


@needs_ciba
@requirement("DOC-ciba_signed_requests", "CIBA-7.1.1")
def test_signed_request_required(target: Target) -> None:
    """A client documented as "Require CIBA Signed Requests" cannot send a plain request."""
    client = _signed_client(target)
    request = ciba.send(target, client, ciba.request_params(target, client), signed=False,
                        label="plain request from a client that must sign")
    _refused(request, "invalid_request", "DOC-ciba_signed_requests")


@needs_ciba
@requirement("DOC-ciba_request_signing_alg", "CIBA-7.1.1")
def test_signed_request_wrong_alg_refused(target: Target) -> None:
    """A request object signed with another algorithm than the documented one is refused."""
    client = _signed_client(target)
    documented = client.documented.ciba_request_signing_alg
    if not documented:
        pytest.skip(f"client {client.id} has no documented ciba_request_signing_alg")
    other = {"PS256": "RS256", "RS256": "PS256", "ES256": "ES384"}.get(documented)
    if other is None:
        pytest.skip(f"no alternative algorithm with the same key for {documented}")
    key = ciba.signing_key_for(client, documented)
    request = ciba.send(target, client, ciba.request_params(target, client), signed=True, alg=other, key=key,
                        label=f"request object signed with {other} instead of {documented}")
    oidc_ciba.check_request_object_refused(request.status, request.response.headers, request.response.content,
                                           requirement="DOC-ciba_request_signing_alg")


_RULES: dict[str, dict[str, Any]] = {
    "missing_aud": {"claim_overrides": {"aud": jose.REMOVE}},
    "wrong_aud": {"claim_overrides": {"aud": "https://other-op.example.test"}},
    "missing_iss": {"claim_overrides": {"iss": jose.REMOVE}},
    "wrong_iss": {"claim_overrides": {"iss": "another-client"}},
    "missing_exp": {"claim_overrides": {"exp": jose.REMOVE}},
    "expired": {"past_exp": True},
    "missing_iat": {"claim_overrides": {"iat": jose.REMOVE}},
    "missing_nbf": {"claim_overrides": {"nbf": jose.REMOVE}},
    "nbf_in_future": {"future_nbf": True},
    "missing_jti": {"claim_overrides": {"jti": jose.REMOVE}},
    "wrong_key": {"wrong_key": True},
    "alg_none": {"alg": "none"},
}


@needs_ciba
@pytest.mark.parametrize("rule", sorted(_RULES))
@requirement("CIBA-7.1.1", "CIBA-7.2")
def test_signed_request_rules(target: Target, rule: str) -> None:
    """A signed request that breaks one request-object rule (aud, iss, exp, iat, nbf, jti, key, alg) is refused."""
    client = _signed_client(target)
    options = dict(_RULES[rule])
    now = int(time.time())
    overrides: dict[str, Any] = dict(options.pop("claim_overrides", {}))
    if options.pop("past_exp", False):
        overrides.update(iat=now - 600, nbf=now - 600, exp=now - 300)
    if options.pop("future_nbf", False):
        overrides.update(nbf=now + 600, exp=now + 900)
    if options.pop("wrong_key", False):
        alg = ciba.request_alg(target, client)
        options.update(alg=alg, key=jose.generate_key("RSA" if alg.startswith(("RS", "PS")) else "EC",
                                                      label="not-the-client"))
    request = ciba.send(target, client, ciba.request_params(target, client), signed=True,
                        claim_overrides=overrides, label=f"signed request: {rule.replace('_', ' ')}", **options)
    oidc_ciba.check_request_object_refused(request.status, request.response.headers, request.response.content)


@needs_ciba
@requirement("DOC-ciba.user_code", "CIBA-4-backchannel_user_code_parameter_supported")
def test_documented_user_code(target: Target) -> None:
    """Documented "User Code Support": discovery advertises it and a request with ``user_code`` is acknowledged."""
    if not target.profile.documented.ciba.user_code:
        pytest.skip("the profile does not document CIBA user-code support (documented.ciba.user_code)")
    client = _poll_client(target)
    advertised = target.metadata.get("backchannel_user_code_parameter_supported")
    request = ciba.send(target, client, ciba.request_params(target, client, extra={"user_code": "harness-1234"}),
                        label="backchannel authentication request with user_code")
    documented_spec.check_user_code_support(advertised, request.status, request.body)
