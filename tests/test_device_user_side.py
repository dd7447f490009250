"""The user side of the device flow against the reference target: HTTP forms and headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import evidence
from harness.flows import device
from harness.login.browser import BrowserSession, BrowserUserAgent
from harness.login.device import complete_user_side
from harness.login.http_form import HttpFormUserAgent
from harness.profile import load_profile
from harness.reference_target import ReferenceTarget
from harness.results import HarnessError
from harness.target import Target
from tests.suite_runs import exported_env

chromium = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(),
                              reason="Debian chromium is not installed (make install does it)")


DEVICE_CODE_TTL_S = 60
"""The device code lifetime of this module's own reference target (the bundled one's is 10 s).

These tests prove the user-side drivers, not expiry: a headless Chromium started, navigated and
screenshotted on a loaded machine took more than 10 s (the code expired before the first poll)."""


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    with ReferenceTarget.start(ttl_overrides={"DeviceCode": DEVICE_CODE_TTL_S}) as running, exported_env(running):
        target = Target.from_profile(load_profile(running.profile_path()))
        yield target
        target.close()


@pytest.fixture
def log() -> Iterator[evidence.EvidenceLog]:
    current = evidence.EvidenceLog()
    with evidence.collecting(current):
        yield current


def _start(target: Target) -> device.DeviceAuthorization:
    return device.start(target, target.profile.client("device"))


def test_http_forms_approve_then_tokens(target: Target, log: evidence.EvidenceLog) -> None:
    auth = _start(target)
    agent = HttpFormUserAgent(target)
    try:
        outcome = complete_user_side(target, agent, verification_uri=auth.verification_uri,
                                     user_code=auth.user_code, user=target.user(0))
    finally:
        agent.close()
    assert outcome.completed and outcome.confirmation_shown and outcome.user_code_displayed
    assert outcome.login_shown and outcome.consent_shown
    assert device.poll_for_tokens(target, auth).result.ok
    assert log.mandated_wait_s == 0  # approved before the first poll: no interval to wait


@pytest.mark.parametrize("decision", ["deny", "abort"])
def test_http_forms_decline(target: Target, log: evidence.EvidenceLog, decision: str) -> None:
    auth = _start(target)
    agent = HttpFormUserAgent(target)
    try:
        outcome = complete_user_side(target, agent, verification_uri=auth.verification_uri,
                                     user_code=auth.user_code, user=target.user(0), decision=decision)  # type: ignore[arg-type]
    finally:
        agent.close()
    assert outcome.declined and not outcome.completed
    assert outcome.consent_shown is (decision == "deny")
    assert device.poll_for_tokens(target, auth).error == "access_denied"


def test_http_forms_wrong_code_is_refused(target: Target, log: evidence.EvidenceLog) -> None:
    auth = _start(target)
    agent = HttpFormUserAgent(target)
    try:
        outcome = complete_user_side(target, agent, verification_uri=auth.verification_uri,
                                     user_code="BBBB-BBBB", user=target.user(0))
    finally:
        agent.close()
    assert outcome.code_refused and not outcome.completed and not outcome.declined


def test_verification_uri_outside_the_profile_is_not_visited(target: Target) -> None:
    agent = HttpFormUserAgent(target)
    try:
        with pytest.raises(HarnessError, match="not an origin"):
            complete_user_side(target, agent, verification_uri="https://attacker.example.test/device",
                               user_code="ABCD-EFGH", user=target.user(0))
    finally:
        agent.close()


@chromium
@pytest.mark.parametrize(("decision", "complete_uri"), [("approve", False), ("approve", True), ("abort", False)])
def test_browser_driver(target: Target, tmp_path: Path, log: evidence.EvidenceLog, decision: str,
                        complete_uri: bool) -> None:
    session = BrowserSession(target.profile.login.browser, allowed_hosts=target.allowed_hosts())
    auth = _start(target)
    assert auth.body["expires_in"] == DEVICE_CODE_TTL_S
    try:
        agent = BrowserUserAgent(target, session, screenshot_dir=tmp_path)
        try:
            outcome = complete_user_side(
                target, agent, verification_uri=auth.verification_uri, user_code=auth.user_code, user=target.user(0),
                decision=decision,  # type: ignore[arg-type]
                verification_uri_complete=auth.verification_uri_complete if complete_uri else None)
        finally:
            agent.close()
    finally:
        session.close()
    assert outcome.confirmation_shown and outcome.user_code_displayed
    if decision == "approve":
        assert outcome.completed and outcome.login_shown and outcome.consent_shown
        assert device.poll_for_tokens(target, auth).result.ok
    else:
        assert outcome.declined and device.poll_for_tokens(target, auth).error == "access_denied"
    assert log.screenshots
