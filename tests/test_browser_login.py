"""The browser login driver completes a real login against the reference target in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import evidence
from harness.flows.authorization import OffRedirectUri, build_authorization_request
from harness.flows.token import redeem_code
from harness.login.browser import BrowserSession, BrowserUserAgent
from harness.profile import load_profile
from harness.reference_target import RunningTarget
from harness.specs._redirect_target import OFF_REDIRECT_URI
from harness.target import Target

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(),
                                reason="Debian chromium is not installed (make install does it)")


@pytest.fixture(scope="module")
def target(reference: RunningTarget) -> Iterator[Target]:
    profile = load_profile(reference.profile_path())
    target = Target.from_profile(profile)
    yield target
    target.close()


@pytest.fixture(scope="module")
def browser(target: Target) -> Iterator[BrowserSession]:
    session = BrowserSession(target.profile.login.browser, allowed_hosts=target.allowed_hosts())
    yield session
    session.close()


def test_browser_login_and_consent(target: Target, browser: BrowserSession, tmp_path: Path) -> None:
    client = target.profile.client("conf-basic")
    request = build_authorization_request(target, client)
    agent = BrowserUserAgent(target, browser, screenshot_dir=tmp_path)
    log = evidence.EvidenceLog()
    try:
        with evidence.collecting(log):
            outcome = agent.authorize(request.url(), user=target.user(0), redirect_uri=request.redirect_uri)
            assert outcome.login_form_shown and outcome.consent_form_shown
            assert outcome.redirected and outcome.params.get("state") == request.state
            tokens = redeem_code(target, client, outcome.params["code"], redirect_uri=request.redirect_uri,
                                 code_verifier=request.code_verifier)
    finally:
        agent.close()
    assert tokens.ok, tokens.body
    version = browser.version()
    assert version and version.startswith(("1", "2"))
    assert log.screenshots and Path(log.screenshots[0]).stat().st_size > 1000


def test_browser_consent_denied(target: Target, browser: BrowserSession) -> None:
    client = target.profile.client("conf-basic")
    request = build_authorization_request(target, client)
    agent = BrowserUserAgent(target, browser)
    try:
        outcome = agent.authorize(request.url(), user=target.user(0), consent="deny",
                                  redirect_uri=request.redirect_uri)
    finally:
        agent.close()
    assert outcome.params.get("error") == "access_denied"


def test_browser_never_leaves_the_profile(target: Target, browser: BrowserSession) -> None:
    """A redirect_uri on a host outside the profile is captured, never contacted."""
    client = target.profile.client("conf-basic")
    request = build_authorization_request(target, client, redirect_uri="https://attacker.example.test/cb")
    agent = BrowserUserAgent(target, browser)
    try:
        outcome = agent.authorize(request.url(), user=target.user(0), redirect_uri=client.redirect_uris[0])
    finally:
        agent.close()
    assert not outcome.redirected  # the server refused the unregistered redirect_uri with an error page


def test_browser_refuses_a_response_off_the_sent_redirect_uri(target: Target, browser: BrowserSession) -> None:
    """A response that lands anywhere but the redirect_uri the client sent is a failed finding, not an outcome.

    The server redirects to the request's redirect_uri; the driver is told another one was sent
    (an extra path segment), so the landing URL differs in its path only.
    """
    client = target.profile.client("conf-basic")
    request = build_authorization_request(target, client)
    agent = BrowserUserAgent(target, browser)
    try:
        with pytest.raises(OffRedirectUri) as info:
            agent.authorize(request.url(), user=target.user(0), redirect_uri=request.redirect_uri + "/elsewhere")
    finally:
        agent.close()
    assert info.value.findings[0].code == OFF_REDIRECT_URI
    assert info.value.outcome.params.get("state") == request.state  # what the user agent saw is kept
