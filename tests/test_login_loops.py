"""A redirect loop during login is the target's fault: a failed finding with the rule, not a harness error.

The HTTP form drivers (authorization and device verification pages) are run against a fake
target whose pages are a table of canned answers, so each case shows exactly what the driver
makes of it: a cycle (A -> B -> A) or an endless chain is ``*_REDIRECT_LOOP`` citing RFC 6749
§4.1.2 / RFC 8628 §3.3; post/redirect/get to the same URL and ordinary login flows are not loops.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from pydantic import SecretStr

from harness.login.device import _HttpFormDevice
from harness.login.http_form import HttpFormUserAgent, LoginFailed
from harness.login.loops import MAX_REDIRECTS, RedirectChain
from harness.profile import DeviceLogin, HttpFormLogin, User
from harness.results import CheckFailed, HarnessError, Level

OP = "https://op.test"
CLIENT = "https://rp.test/cb"
Page = Callable[[str, str], httpx.Response]


def _redirect(location: str) -> httpx.Response:
    return httpx.Response(302, headers={"location": location})


def _html(body: str) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/html"}, text=body)


LOGIN = '<form id="login-form" method="post" action="/login"><input name="username"><input name="password"></form>'


class FakeSession:
    """Answers from a route table: ``(method, path) -> response`` (or a function of the query)."""

    def __init__(self, routes: dict[tuple[str, str], Any]) -> None:
        self.routes = routes
        self.calls: list[tuple[str, str]] = []

    def request(self, method: str, url: str, **_: Any) -> httpx.Response:
        path = url[len(OP):] if url.startswith(OP) else url
        self.calls.append((method, path))
        answer = self.routes.get((method, path))
        if answer is None:
            answer = self.routes.get((method, path.split("?", 1)[0]))
        if callable(answer):
            return cast(httpx.Response, answer(path))
        assert answer is not None, f"unexpected request {method} {path}"
        return cast(httpx.Response, answer)

    def close(self) -> None:
        return None


def _target(routes: dict[tuple[str, str], Any]) -> Any:
    session = FakeSession(routes)
    profile = SimpleNamespace(login=SimpleNamespace(http_form=HttpFormLogin(), device=DeviceLogin()))
    return SimpleNamespace(on_target=lambda url: url.startswith(OP), new_session=lambda: session,
                           profile=profile, session=session)


USER = User(username="alice", password=SecretStr("pw"))


def _authorize(routes: dict[tuple[str, str], Any]) -> Any:
    target = _target(routes)
    agent = HttpFormUserAgent(target)
    return agent.authorize(f"{OP}/auth?client_id=c", user=USER, redirect_uri=CLIENT)


def test_redirect_cycle_is_a_failed_finding_with_the_rule() -> None:
    routes = {("GET", "/auth"): _redirect("/a"), ("GET", "/a"): _redirect("/b"), ("GET", "/b"): _redirect("/a")}
    with pytest.raises(CheckFailed) as info:
        _authorize(routes)
    finding = info.value.findings[0]
    assert finding.code == "AUTHORIZATION_REDIRECT_LOOP"
    assert finding.requirement == "RFC6749-4.1.2" and finding.level is Level.MUST
    assert "cycle" in finding.message and "/a" in str(finding.actual)
    assert not isinstance(info.value, HarnessError)  # broken would blame the harness


def test_redirect_loop_after_login_is_the_targets_fault_not_login_failed() -> None:
    routes = {("GET", "/auth"): _redirect("/login"), ("GET", "/login"): _html(LOGIN),
              ("POST", "/login"): _redirect("/resume"), ("GET", "/resume"): _redirect("/resume2"),
              ("GET", "/resume2"): _redirect("/resume")}
    with pytest.raises(CheckFailed) as info:
        _authorize(routes)
    assert info.value.findings[0].code == "AUTHORIZATION_REDIRECT_LOOP"


def test_endless_redirect_chain_is_a_loop() -> None:
    def next_hop(path: str) -> httpx.Response:
        n = int(path.rsplit("=", 1)[1]) if "=" in path else 0
        return _redirect(f"/hop?n={n + 1}")

    routes = {("GET", "/auth"): _redirect("/hop?n=0"), ("GET", "/hop"): next_hop}
    target = _target(routes)
    agent = HttpFormUserAgent(target, HttpFormLogin(max_steps=50))
    with pytest.raises(CheckFailed) as info:
        agent.authorize(f"{OP}/auth", user=USER, redirect_uri=CLIENT)
    assert info.value.findings[0].code == "AUTHORIZATION_REDIRECT_LOOP"
    assert len(target.session.calls) == MAX_REDIRECTS + 1


def test_post_redirect_get_and_a_normal_login_are_not_loops() -> None:
    routes = {("GET", "/auth"): _redirect("/login"), ("GET", "/login"): _html(LOGIN),
              ("POST", "/login"): _redirect("/login?done=1"),
              ("GET", "/login?done=1"): _redirect(f"{CLIENT}?code=abc&state=s")}
    outcome = _authorize(routes)
    assert outcome.redirected and outcome.params["code"] == "abc"


def test_same_url_again_after_a_page_is_not_a_cycle() -> None:
    chain = RedirectChain()
    chain.hop(f"{OP}/auth", f"{OP}/login")
    chain.page()
    chain.hop(f"{OP}/login", f"{OP}/auth", method="POST")
    chain.hop(f"{OP}/auth", f"{OP}/consent")
    with pytest.raises(CheckFailed):
        chain.hop(f"{OP}/consent", f"{OP}/auth")


def test_login_form_coming_back_is_still_a_login_problem() -> None:
    """Credentials refused is ambiguous (profile or target), so it stays a harness-side LoginFailed."""
    routes = {("GET", "/auth"): _redirect("/login"), ("GET", "/login"): _html(LOGIN),
              ("POST", "/login"): _redirect("/login")}
    with pytest.raises(LoginFailed):
        _authorize(routes)


def test_device_verification_redirect_loop() -> None:
    routes = {("GET", "/device"): _redirect("/device/x"), ("GET", "/device/x"): _redirect("/device")}
    target = _target(routes)
    agent = SimpleNamespace(session=target.session)
    with pytest.raises(CheckFailed) as info:
        _HttpFormDevice(target, agent).run(f"{OP}/device", "ABCD-EFGH", USER, "approve")
    finding = info.value.findings[0]
    assert finding.code == "DEVICE_VERIFICATION_REDIRECT_LOOP" and finding.requirement == "RFC8628-3.3"
