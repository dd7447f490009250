"""The authorization response counts only at the ``redirect_uri`` the client sent (RFC 6749 §3.1.2.4).

The comparison is exact on scheme, host, port and path; the response may add query parameters.
A response delivered anywhere else is ``AUTHORIZATION_RESPONSE_OFF_REDIRECT_URI`` (a MUST finding
naming the host), raised by the drivers so that no check builds on it; the checks that send a
redirect URI the server should refuse still see an answer at a registered URI.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from harness.flows.authorization import AuthorizationOutcome, OffRedirectUri, at_sent_redirect_uri
from harness.login.glewlwyd import GlewlwydUserAgent
from harness.login.http_form import HttpFormUserAgent
from harness.profile import DeviceLogin, GlewlwydLogin, HttpFormLogin, User
from harness.results import CheckFailed, HarnessError, Level
from harness.specs._redirect_target import OFF_REDIRECT_URI, at_redirect_uri, check_at_redirect_uri

SENT = "https://rp.test/cb"
OP = "https://op.test"


@pytest.mark.parametrize("landed", [
    "https://rp.test/cb?code=abc&state=s",
    "https://rp.test/cb",
    "https://RP.test/cb?code=abc",           # the host is case-insensitive
    "HTTPS://rp.test/cb?code=abc",           # so is the scheme
    "https://rp.test:443/cb?code=abc",       # the default port, spelled out
    "https://rp.test/cb#code=abc&state=s",   # fragment responses
])
def test_same_redirect_uri_accepted(landed: str) -> None:
    assert at_redirect_uri(landed, SENT)
    check_at_redirect_uri(landed, SENT)


@pytest.mark.parametrize("landed", [
    "https://attacker.test/cb?code=abc",     # another host
    "https://rp.test.attacker.test/cb",      # a host that only starts like it
    "https://rp.test:8443/cb?code=abc",      # another port
    "https://rp.test/other?code=abc",        # another path
    "https://rp.test/cb/extra?code=abc",     # a longer path
    "https://rp.test/CB?code=abc",           # the path is case-sensitive
    "http://rp.test/cb?code=abc",            # http instead of https
    "https://rp.test:nope/cb",               # a port that is no number
])
def test_other_redirect_uri_refused(landed: str) -> None:
    assert not at_redirect_uri(landed, SENT)
    with pytest.raises(CheckFailed) as info:
        check_at_redirect_uri(landed, SENT)
    finding = info.value.findings[0]
    assert finding.code == OFF_REDIRECT_URI and finding.level is Level.MUST
    assert finding.requirement == "RFC6749-3.1.2.4"
    host = landed.split("/")[2].split("?")[0]
    assert host.lower() in finding.message.lower()


def test_query_of_the_sent_uri_must_be_kept() -> None:
    sent = "https://rp.test/cb?tenant=a"
    assert at_redirect_uri("https://rp.test/cb?tenant=a&code=x", sent)
    assert at_redirect_uri("https://rp.test/cb?code=x&tenant=a", sent)
    assert not at_redirect_uri("https://rp.test/cb?code=x", sent)
    assert not at_redirect_uri("https://rp.test/cb?tenant=b&code=x", sent)


def test_empty_path_is_the_root() -> None:
    assert at_redirect_uri("https://rp.test/?code=x", "https://rp.test")
    assert not at_redirect_uri("https://rp.test/x", "https://rp.test")


def test_loopback_port_is_compared() -> None:
    assert at_redirect_uri("http://127.0.0.1:8765/cb?code=x", "http://127.0.0.1:8765/cb")
    assert not at_redirect_uri("http://127.0.0.1:8766/cb?code=x", "http://127.0.0.1:8765/cb")


def test_error_pages_are_not_judged_here() -> None:
    outcome = AuthorizationOutcome(via="error_page")
    assert at_sent_redirect_uri(outcome, SENT) is outcome


def test_form_post_elsewhere_is_refused() -> None:
    outcome = AuthorizationOutcome(redirect_url="https://evil.test/cb", form={"code": "c"}, via="form_post")
    with pytest.raises(OffRedirectUri) as info:
        at_sent_redirect_uri(outcome, SENT)
    assert "auto-posting form" in info.value.findings[0].message
    assert info.value.outcome is outcome


def test_outcome_if_registered() -> None:
    """A check that sent a redirect URI to be refused sees an answer at a registered URI, nothing else."""
    at_registered = AuthorizationOutcome.from_redirect("https://rp.test/cb?error=invalid_request")
    with pytest.raises(OffRedirectUri) as info:
        at_sent_redirect_uri(at_registered, "https://rp.test/cb/extra")
    assert info.value.outcome_if_registered([SENT]) is at_registered
    elsewhere = AuthorizationOutcome.from_redirect("https://evil.test/cb?code=c")
    with pytest.raises(OffRedirectUri) as info:
        at_sent_redirect_uri(elsewhere, "https://rp.test/cb/extra")
    with pytest.raises(OffRedirectUri):
        info.value.outcome_if_registered([SENT])


# -- the HTTP form driver ----------------------------------------------------------------------

class _Session:
    def __init__(self, routes: dict[str, httpx.Response]) -> None:
        self.routes = routes

    def request(self, method: str, url: str, **_: Any) -> httpx.Response:
        return self.routes[url.split("?", 1)[0][len(OP):]]

    def close(self) -> None:
        return None


def _fake_target(routes: dict[str, httpx.Response]) -> Any:
    session = _Session(routes)
    profile = SimpleNamespace(issuer=OP, login=SimpleNamespace(http_form=HttpFormLogin(), device=DeviceLogin(),
                                                               glewlwyd=GlewlwydLogin()))
    return SimpleNamespace(on_target=lambda url: url.startswith(OP), new_session=lambda: session, profile=profile)


def _agent(routes: dict[str, httpx.Response]) -> HttpFormUserAgent:
    return HttpFormUserAgent(_fake_target(routes))


USER = User(username="alice", password=SecretStr("pw"))


def test_driver_returns_the_response_at_the_sent_uri() -> None:
    agent = _agent({"/auth": httpx.Response(302, headers={"location": f"{SENT}?code=c&state=s"})})
    outcome = agent.authorize(f"{OP}/auth?x=1", user=USER, redirect_uri=SENT)
    assert outcome.redirected and outcome.params == {"code": "c", "state": "s"}


@pytest.mark.parametrize("location", [
    "https://evil.test/cb?code=c", "http://rp.test/cb?code=c", "https://rp.test:444/cb?code=c",
    "https://rp.test/elsewhere?code=c",
])
def test_driver_refuses_a_response_elsewhere(location: str) -> None:
    agent = _agent({"/auth": httpx.Response(302, headers={"location": location})})
    with pytest.raises(OffRedirectUri) as info:
        agent.authorize(f"{OP}/auth?x=1", user=USER, redirect_uri=SENT)
    assert info.value.findings[0].code == OFF_REDIRECT_URI
    assert not isinstance(info.value, HarnessError)  # the target's fault: failed, not broken
    assert "code=c" not in info.value.findings[0].message  # the code is not repeated in clear


def test_driver_refuses_an_auto_post_form_elsewhere() -> None:
    page = ('<html><body onload="document.forms[0].submit()"><form method="post" action="https://evil.test/cb">'
            '<input type="hidden" name="code" value="c"></form></body></html>')
    agent = _agent({"/auth": httpx.Response(200, headers={"content-type": "text/html"}, text=page)})
    with pytest.raises(OffRedirectUri) as info:
        agent.authorize(f"{OP}/auth?x=1", user=USER, redirect_uri=SENT)
    assert "evil.test" in info.value.findings[0].message


@pytest.mark.parametrize(("location", "refused"), [
    (f"{SENT}?code=c&state=s", False), ("https://evil.test/cb?code=c", True), ("https://rp.test/cb2?code=c", True),
])
def test_glewlwyd_driver_compares_too(location: str, refused: bool) -> None:
    agent = GlewlwydUserAgent(_fake_target({"/auth": httpx.Response(302, headers={"location": location})}))
    if refused:
        with pytest.raises(OffRedirectUri):
            agent.authorize(f"{OP}/auth?x=1", user=USER, redirect_uri=SENT)
    else:
        assert agent.authorize(f"{OP}/auth?x=1", user=USER, redirect_uri=SENT).params["code"] == "c"
