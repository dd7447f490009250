"""Device authorization grant (RFC 8628): the device's requests, polling, and the user's side."""

from __future__ import annotations

import time
from typing import Any

import pytest

from harness import evidence
from harness.flows import device
from harness.flows.device import DeviceAuthorization
from harness.flows.expiry import require_wait_within_cap
from harness.flows.id_token import check_issued_id_token
from harness.login.device import Decision, DeviceUserOutcome, complete_user_side
from harness.profile import Client
from harness.results import Findings, NeedsReview, fail
from harness.specs import documented as documented_spec
from harness.specs import rfc8628
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement
needs_device = pytest.mark.needs("device_authorization_endpoint")


def _clients(target: Target) -> list[Client]:
    found = [c for c in target.profile.clients if c.use_in_suites and device.GRANT_TYPE in c.grant_types]
    if not found:
        raise NotApplicable("the profile has no client with the device_code grant")
    return found


def _client(target: Target) -> Client:
    return _clients(target)[0]


def _user_side(target: Target, user_agent: Any, auth: DeviceAuthorization, decision: Decision = "approve", *,
               complete_uri: bool = False) -> DeviceUserOutcome:
    """Play the user; an approval that does not reach the success page is a precondition failure."""
    outcome = complete_user_side(
        target, user_agent(), verification_uri=auth.verification_uri, user_code=auth.user_code, user=target.user(0),
        decision=decision, verification_uri_complete=auth.verification_uri_complete if complete_uri else None)
    evidence.note(f"user side: {outcome.describe()}")
    if decision == "approve" and not outcome.completed:
        raise fail("PRECONDITION_DEVICE_USER_FLOW_FAILED", "entering a valid user code, logging in and consenting "
                   "did not authorize the device", "RFC8628-3.3", expected="the device is authorized",
                   actual=outcome.describe())
    return outcome


def _deny_possible(target: Target) -> None:
    """Skip, before asking, when the profile's login driver has no way to refuse consent."""
    login = target.profile.login
    if login.driver == "glewlwyd" and not login.glewlwyd.deny_supported:
        raise NotApplicable("the login driver has no way to refuse consent (login.glewlwyd.deny_supported is false)")
    if login.driver == "http_form" and login.http_form.deny is None and login.device.http_form.consent_deny is None:
        raise NotApplicable("the profile configures no deny button (login.http_form.deny)")


def _judge_tokens(target: Target, client: Client, result: Any, findings: Findings) -> None:
    body = findings.check(rfc8628.check_approved_poll, result.status, result.response.headers, result.judged_body)
    check_issued_id_token(target, client, body, findings,
                          client_secret=client.secret.get_secret_value() if client.secret else None)


@needs_device
@requirement("RFC8628-3.1", "RFC8628-3.2")
def test_authorization_response(target: Target) -> None:
    """The device authorization response carries device_code, user_code, verification_uri, expires_in (JSON, 200)."""
    auth = device.request_authorization(target, _client(target))
    rfc8628.check_device_authorization_response(auth.response.status_code, auth.response.headers,
                                                auth.response.content)


@needs_device
@requirement("DOC-device_polling_interval", "RFC8628-3.2")
def test_documented_polling_interval(target: Target) -> None:
    """The response states the documented polling interval (PingFederate "Device Polling Interval")."""
    documented = target.profile.documented.device.polling_interval_s
    if documented is None:
        pytest.skip("the profile does not document a device polling interval (documented.device.polling_interval_s)")
    rfc8628.check_documented_interval(device.start(target, _client(target)).body, documented)


@needs_device
@requirement("DOC-device_code_lifetime", "RFC8628-3.2")
def test_documented_code_lifetime(target: Target) -> None:
    """``expires_in`` equals the documented code lifetime (PingFederate "Pending Authorization Timeout")."""
    documented = target.profile.documented.device.code_lifetime_s
    if documented is None:
        pytest.skip("the profile does not document the device code lifetime (documented.device.code_lifetime_s)")
    rfc8628.check_documented_lifetime(device.start(target, _client(target)).body, documented)


@needs_device
@requirement("RFC8628-3.5")
def test_pending_before_approval(target: Target) -> None:
    """Polling before the user acted is answered ``authorization_pending``."""
    client = _client(target)
    auth = device.start(target, client)
    result = device.poll_token(target, client, auth.device_code, label="poll before the user acted")
    rfc8628.check_authorization_pending(result.status, result.response.headers, result.judged_body,
                                        basic_auth_used=result.used_basic)


@pytest.mark.slow_wait
@needs_device
@requirement("DOC-device_slow_down", "RFC8628-3.5")
def test_slow_down_when_polling_too_fast(target: Target, user_agent: Any) -> None:
    """Polling sooner than the interval gives ``slow_down``; waiting interval + 5 s then yields the tokens."""
    if not target.profile.documented.device.slow_down:
        pytest.skip("the profile does not document slow_down for the device grant (documented.device.slow_down)")
    client = _client(target)
    auth = device.start(target, client)
    poller = auth.poller()
    first = device.poll_token(target, client, auth.device_code, label="first poll")
    poller.record(first.error)
    rfc8628.check_authorization_pending(first.status, first.response.headers, first.judged_body,
                                        basic_auth_used=first.used_basic)
    second = device.poll_token(target, client, auth.device_code, label="second poll at once (too fast)")
    poller.record(second.error)
    rfc8628.check_slow_down(second.status, second.response.headers, second.judged_body,
                            basic_auth_used=second.used_basic)
    _user_side(target, user_agent, auth)
    outcome = device.poll_after_decision(target, auth, poller=poller)
    evidence.note(f"after slow_down the client polled every {poller.interval:g}s ({outcome.polls} polls)")
    findings = Findings()
    _judge_tokens(target, client, outcome.result, findings)
    findings.raise_if_any()


@needs_device
@requirement("RFC8628-3.5", "RFC6749-5.1")
@pytest.mark.parametrize("kind", ["public", "confidential"])
def test_approval_issues_tokens(target: Target, user_agent: Any, kind: str) -> None:
    """After the user approves, polling returns a token response (ID Token valid), judged per kind of client.

    Public and confidential device clients are separate checks, so a known deviation of one kind (a
    confidential client's authentication refused) cannot mask the other's approval. Every device client
    of the kind is judged, each one's problems collected (one failing client does not hide the next).
    """
    clients = [c for c in _clients(target) if c.is_public == (kind == "public")]
    if not clients:
        raise NotApplicable(f"the profile has no {kind} client with the device_code grant")
    findings = Findings()
    for client in clients:
        evidence.note(f"device client {client.id} ({kind})")
        findings.check(_approve_and_judge, target, user_agent, client, findings)
    findings.raise_if_any()


def _approve_and_judge(target: Target, user_agent: Any, client: Client, findings: Findings) -> None:
    auth = device.start(target, client)
    _user_side(target, user_agent, auth)
    outcome = device.poll_after_decision(target, auth)
    _judge_tokens(target, client, outcome.result, findings)


@needs_device
@requirement("RFC8628-3.5")
def test_denial_gives_access_denied(target: Target, user_agent: Any) -> None:
    """When the user denies, polling is answered ``access_denied``."""
    client = _client(target)
    _deny_possible(target)
    auth = device.start(target, client)
    outcome = _user_side(target, user_agent, auth, "deny")
    if not outcome.declined:
        if outcome.completed and not outcome.consent_shown:
            raise NeedsReview("the verification pages asked no consent, so the user could not deny (RFC 8628 §3.3: "
                              "the server \"should ... ask them to approve or deny\", lower-case): judge whether this "
                              "deployment is meant to ask")
        raise fail("PRECONDITION_DEVICE_USER_FLOW_FAILED", "denying consent on the verification pages did not end "
                   "the request", "RFC8628-3.3", expected="declined", actual=outcome.describe())
    result = device.poll_after_decision(target, auth).result
    rfc8628.check_access_denied(result.status, result.response.headers, result.judged_body,
                                basic_auth_used=result.used_basic)


@pytest.mark.slow_wait(lifetime=True)
@needs_device
@requirement("RFC8628-3.5", "DOC-device_code_lifetime")
def test_expired_code_refused(target: Target) -> None:
    """Polling after ``expires_in`` has passed is answered ``expired_token``."""
    client = _client(target)
    documented = target.profile.documented.device.code_lifetime_s
    cap = target.profile.limits.max_expiry_wait_s
    if documented is not None:
        require_wait_within_cap(target, documented + 1, f"the documented device code lifetime {documented}s")
    auth = device.start(target, client)
    known = [v for v in (auth.expires_in, documented) if v is not None]
    if not known:
        raise fail("DEVICE_RESPONSE_MEMBER_MISSING", "the device authorization response has no expires_in, so the "
                   "client cannot know when the device code expires", "RFC8628-3.2-members",
                   expected="expires_in", actual=sorted(auth.body))
    lifetime = min(known)
    wait = auth.received_at + lifetime + 1 - time.monotonic()
    if wait > cap:
        raise NeedsReview(f"the device code lives {lifetime:g}s (expires_in), longer than limits.max_expiry_wait_s="
                          f"{cap}: document device.code_lifetime_s or raise the limit to judge its expiry")
    evidence.mandated_wait(wait, f"device code lifetime {lifetime:g}s plus 1s")
    result = device.poll_token(target, client, auth.device_code, label="poll after expiry")
    rfc8628.check_expired_token(result.status, result.response.headers, result.judged_body,
                                basic_auth_used=result.used_basic)


@needs_device
@requirement("RFC8628-3.5", "RFC6749-5.2")
def test_device_code_single_use(target: Target, user_agent: Any) -> None:
    """A device_code that already produced tokens is refused with ``invalid_grant``."""
    client = _client(target)
    auth = device.start(target, client)
    _user_side(target, user_agent, auth)
    first = device.poll_after_decision(target, auth).result
    if not first.ok:
        raise fail("PRECONDITION_TOKEN_REQUEST_FAILED", "an approved device_code did not return tokens",
                   "RFC8628-3.5", expected="token response", actual=f"HTTP {first.status} error={first.error}")
    again = device.poll_token(target, client, auth.device_code, label="redeem the device_code again")
    rfc8628.check_code_reuse_refused(again.status, again.response.headers, again.judged_body,
                                     basic_auth_used=again.used_basic)


@needs_device
@requirement("RFC6749-5.2", "RFC8628-3.4")
def test_device_code_bound_to_client(target: Target, user_agent: Any) -> None:
    """Another client presenting an approved device_code is refused with ``invalid_grant``."""
    clients = _clients(target)
    if len(clients) < 2:
        pytest.skip("the profile has only one client with the device_code grant")
    owner, other = clients[0], clients[1]
    auth = device.start(target, owner)
    _user_side(target, user_agent, auth)
    result = device.poll_token(target, other, auth.device_code, label=f"{other.id} redeems {owner.id}'s device_code")
    rfc8628.check_other_client_refused(result.status, result.response.headers, result.judged_body,
                                       basic_auth_used=result.used_basic)


@needs_device
@requirement("RFC8628-5.1", "RFC8628-6.1")
def test_user_code_entropy_and_charset(target: Target) -> None:
    """User codes resist guessing (SHOULD, about 20 bits or more) and avoid confusable characters."""
    client = _client(target)
    samples = [device.start(target, client).user_code for _ in range(max(target.profile.limits.entropy_samples, 4))]
    evidence.note(f"user codes: {', '.join(samples)}")
    findings = Findings()
    bits = findings.check(rfc8628.check_user_code_entropy, samples)
    findings.check(rfc8628.check_user_code_charset, samples)
    if bits is not None:
        evidence.note(f"user code entropy estimate: {bits:.1f} bits")
    findings.raise_if_any()


@needs_device
@requirement("RFC8628-5.4", "RFC8628-3.3.1", "DOC-device_bypass_activation_code_confirmation")
def test_complete_uri_asks_confirmation(target: Target, user_agent: Any) -> None:
    """Opening ``verification_uri_complete`` still shows the code for confirmation, then authorizes the device.

    A documented "Bypass Activation Code Confirmation" does not waive RFC 8628 §3.3.1's SHOULD (a
    deployment that bypasses as documented still gets the warning); it adds its own check: with
    the bypass documented, no confirmation page may appear.
    """
    bypass = target.profile.documented.device.bypass_activation_code_confirmation
    client = _client(target)
    auth = device.start(target, client)
    if auth.verification_uri_complete is None:
        raise NeedsReview("the target offers no verification_uri_complete (OPTIONAL, RFC 8628 §3.2), so there is no "
                          "code-less visit whose confirmation could be judged")
    outcome = _user_side(target, user_agent, auth, complete_uri=True)
    findings = Findings()
    findings.check(rfc8628.check_confirmation_shown, outcome.confirmation_shown, outcome.user_code_displayed)
    findings.check(documented_spec.check_confirmation_bypassed, bypass, outcome.confirmation_shown)
    _judge_tokens(target, client, device.poll_after_decision(target, auth).result, findings)
    findings.raise_if_any()
