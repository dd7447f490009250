"""Documented behaviour of the deployment that no protocol suite owns (issue 21).

Each check reads one setting of the profile's ``documented`` sections
(``harness/documented_settings.py``) and is skipped, before any request, where the profile does
not state it: PingFederate's "Bypass Authorization Approval" (per client), the authorization
server's "PAR Status", the device "User Authorization URL" and wildcard Redirection URIs. A documented value only adds
expectations; the specification checks of the other suites run next to these.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from harness import evidence
from harness.flows import device
from harness.flows.authorization import AuthorizationOutcome, OffRedirectUri, build_authorization_request
from harness.flows.code_flow import authorize, obtain_code
from harness.flows.par import push
from harness.flows.token import redeem_code
from harness.profile import Client
from harness.results import Findings
from harness.specs import documented
from harness.target import NotApplicable, Target

requirement = pytest.mark.requirement


def _code_client(client: Client) -> bool:
    doc = client.documented
    return (client.use_in_suites and doc.enabled and "authorization_code" in client.grant_types
            and bool(client.redirect_uris) and not doc.dpop_bound and not doc.certificate_bound
            and not (doc.require_par or doc.require_signed_requests or doc.require_jarm))


@requirement("DOC-bypass_authorization_approval")
def test_authorization_approval(target: Target, user_agent: Any) -> None:
    """A client documented with Bypass Authorization Approval gets no consent page; one documented without it does.

    Every client stating ``bypass_authorization_approval`` is tried with a fresh user agent (no
    earlier grant). Seeing a consent page needs the login driver's consent detection
    (``login.http_form.consent_form_id`` or ``login.browser.consent_page_selector``).
    """
    clients = [c for c in target.profile.clients if c.documented.bypass_authorization_approval is not None
               and c.documented.enabled and "authorization_code" in c.grant_types and c.redirect_uris]
    if not clients:
        pytest.skip("the profile documents Bypass Authorization Approval for no code-flow client "
                    "(clients[].documented.bypass_authorization_approval)")
    login = target.profile.login
    detection = {"http_form": login.http_form.consent_form_id,
                 "browser": login.browser.consent_page_selector}.get(login.driver)
    if not detection:
        pytest.skip(f"the login driver {login.driver} is not configured to recognise a consent page "
                    "(login.http_form.consent_form_id / login.browser.consent_page_selector)")
    findings = Findings()
    for client in clients:
        request = build_authorization_request(target, client)
        outcome = user_agent().authorize(request.url(), user=target.user(0), redirect_uri=request.redirect_uri)
        evidence.note(f"{client.id}: consent page {'shown' if outcome.consent_form_shown else 'not shown'}; "
                      f"{outcome.describe()}")
        findings.check(documented.check_authorization_approval,
                       bool(client.documented.bypass_authorization_approval), outcome.consent_form_shown)
    findings.raise_if_any()


@requirement("DOC-par.status")
def test_par_status(target: Target, user_agent: Any) -> None:
    """The authorization server's documented PAR Status, for a client not documented with Require PAR.

    Enabled: a plain request and a push both work; Required: a plain request gets no code, a push
    works; Disabled: a plain request works and a push is refused (or no PAR endpoint exists).
    """
    status = target.profile.documented.par.status
    if status is None:
        pytest.skip("the profile documents no PAR Status (documented.par.status)")
    client = next((c for c in target.profile.clients if _code_client(c)), None)
    if client is None:
        raise NotApplicable("the profile has no plain code-flow client (one not documented with require_par, "
                            "require_signed_requests or require_jarm)")
    request = build_authorization_request(target, client)
    outcome = user_agent().authorize(request.url(), user=target.user(0), redirect_uri=request.redirect_uri)
    plain_code = outcome.redirected and bool(outcome.params.get("code"))
    evidence.note(f"plain authorization request by {client.id}: {outcome.describe()}")
    push_status = None
    if target.metadata.get("pushed_authorization_request_endpoint"):
        pushed = build_authorization_request(target, client)
        result = push(target, client, dict(pushed.params), label="push by a client not required to use PAR",
                      request=pushed)
        push_status = result.status
    documented.check_par_status(status, plain_code_issued=plain_code, push_status=push_status)


@requirement("DOC-device.verification_uri")
def test_device_verification_uri(target: Target) -> None:
    """Device authorization responses name the documented User Authorization URL (and ``?user_code=`` complete)."""
    uri = target.profile.documented.device.verification_uri
    if uri is None:
        pytest.skip("the profile documents no device User Authorization URL (documented.device.verification_uri)")
    client = next((c for c in target.profile.clients if c.use_in_suites and device.GRANT_TYPE in c.grant_types), None)
    if client is None:
        raise NotApplicable("the profile has no client with the device_code grant")
    auth = device.start(target, client)
    documented.check_verification_uri(auth.body, uri)


def _wildcard_client(target: Target) -> tuple[Client, str]:
    for client in target.profile.clients:
        if client.documented.redirect_uri_wildcards and client.documented.enabled \
                and "authorization_code" in client.grant_types:
            return client, client.documented.redirect_uri_wildcards[0]
    raise NotApplicable("the profile documents no wildcard Redirection URI (clients[].documented."
                        "redirect_uri_wildcards)")


def _outcome(target: Target, user_agent: Any, client: Client, **build: Any) -> AuthorizationOutcome:
    """The authorization outcome; an answer at another registered URI counts as not redirected to the one sent."""
    try:
        _, outcome = authorize(target, user_agent, client, **build)
    except OffRedirectUri as off:
        off.outcome_if_registered(client.redirect_uris)  # re-raised unless it landed at a registered URI
        return AuthorizationOutcome(via="error_page")
    return outcome


@requirement("DOC-redirect_uri_wildcards")
def test_redirect_uri_wildcard(target: Target, user_agent: Any) -> None:
    """A ``redirect_uri`` the documented wildcard matches gets the code; URIs it does not match are refused."""
    client, pattern = _wildcard_client(target)
    token = "h" + secrets.token_hex(6)
    matching, others = documented.wildcard_candidates(pattern, token)
    findings = Findings()
    outcome = _outcome(target, user_agent, client, redirect_uri=matching)
    evidence.note(f"{matching} (matches {pattern}): {outcome.describe()}")
    findings.check(documented.check_wildcard_redirect, pattern, matching, matches=True,
                   redirected=outcome.redirected, params=outcome.params)
    for uri in others:
        outcome = _outcome(target, user_agent, client, redirect_uri=uri)
        evidence.note(f"{uri} (does not match {pattern}): {outcome.describe()}")
        findings.check(documented.check_wildcard_redirect, pattern, uri, matches=False,
                       redirected=outcome.redirected, params=outcome.params)
    findings.raise_if_any()


@requirement("DOC-redirect_uri_wildcards")
def test_redirect_uri_mandatory(target: Target, user_agent: Any) -> None:
    """With a wildcard Redirection URI, an authorization or token request without ``redirect_uri`` is refused."""
    client, pattern = _wildcard_client(target)
    request, outcome = authorize(target, user_agent, client, drop=("redirect_uri",))
    evidence.note(f"authorization request without redirect_uri: {outcome.describe()}")
    code_issued = outcome.redirected and bool(outcome.params.get("code"))
    matching, _ = documented.wildcard_candidates(pattern, "h" + secrets.token_hex(6))
    flow = obtain_code(target, user_agent, client, redirect_uri=matching)
    result = redeem_code(target, client, flow.code, redirect_uri=None, code_verifier=flow.request.code_verifier,
                         label="token request without redirect_uri")
    documented.check_redirect_uri_mandatory(authorization_code_issued=code_issued, token_issued=result.ok)
