"""Logout through the user agent that holds the session (OIDC RP-Initiated Logout 1.0 §2).

:func:`end_session` sends one logout request to the ``end_session_endpoint`` with the agent's
cookies (GET with the parameters in the query, or POST as a form), follows redirects *within
the profile's origins only*, answers the OP's "log out?" page as the profile says
(``logout.confirm``), a self-posting form and a ``<meta http-equiv="refresh">`` as a browser
would, and stops as soon as the OP sends the user agent anywhere else: that redirect is
recorded (``left_to``) and never followed, so a logout endpoint that redirects anywhere ends
as a judged outcome, not a visit.

The agent is a login driver with a recording HTTP session (``http_form`` or ``glewlwyd``);
the browser driver has none, and the logout checks say so before asking the target.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from harness import evidence
from harness.http import TargetHttp
from harness.login.html_forms import HtmlForm, form_post_headers, parse_forms
from harness.target import NotApplicable, Target

__all__ = ["LogoutOutcome", "agent_session", "end_session", "end_session_url"]

_EXCERPT = 400
_IFRAME = re.compile(r"<iframe\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.IGNORECASE)
_REFRESH = re.compile(r"<meta\b[^>]*?http-equiv\s*=\s*[\"']?refresh[\"']?[^>]*?"
                      r"content\s*=\s*\"\s*\d+\s*;\s*url\s*=\s*([^\"]+)\"", re.IGNORECASE)


@dataclass
class LogoutOutcome:
    """Where one logout request ended."""

    method: str
    left_to: str | None = None
    """The URL outside the profile's origins the OP sent the user agent to (never visited)."""
    first_status: int | None = None
    """The end_session endpoint's answer to the logout request itself."""
    final_url: str | None = None
    final_status: int | None = None
    final_excerpt: str = ""
    confirm_shown: bool = False
    confirmed: bool = False
    iframes: list[str] = field(default_factory=list)
    """``src`` of every iframe on the pages the user agent saw (front-channel logout)."""

    @property
    def redirect_params(self) -> dict[str, str]:
        """The query parameters of ``left_to`` (empty when the user agent stayed at the OP)."""
        if self.left_to is None:
            return {}
        return dict(parse_qsl(urlsplit(self.left_to).query, keep_blank_values=True))

    def describe(self) -> str:
        """One line for the evidence."""
        asked = "confirmation page shown" if self.confirm_shown else "no confirmation page"
        if self.left_to is not None:
            return f"{self.method} logout: {asked}; redirected to {_without_query(self.left_to)}"
        return f"{self.method} logout: {asked}; ended at the OP on HTTP {self.final_status} ({self.final_url})"


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…" if parts.query else "")


def agent_session(agent: Any) -> TargetHttp:
    """The recording HTTP session of a login driver; not applicable for a driver without one (browser)."""
    session = getattr(agent, "session", None)
    if not isinstance(session, TargetHttp):
        raise NotApplicable("the logout checks drive the end_session endpoint over HTTP with the login driver's "
                            "cookies; this login driver (browser) has no HTTP session to share")
    return session


def end_session_url(endpoint: str, params: dict[str, str]) -> str:
    """``endpoint`` with ``params`` added to its query (URI Query String Serialization)."""
    if not params:
        return endpoint
    return endpoint + ("&" if urlsplit(endpoint).query else "?") + urlencode(params)


def _confirmation(forms: list[HtmlForm], form_id: str | None, url: str, target: Target) -> HtmlForm | None:
    if form_id is not None:
        return next((f for f in forms if f.id == form_id), None)
    posts = [f for f in forms if f.method == "post" and target.on_target(urljoin(url, f.action or url))]
    return posts[0] if len(posts) == 1 else None


def _self_posting(html: str, forms: list[HtmlForm], url: str, target: Target) -> HtmlForm | None:
    """A form the page submits on load (``document.forms[0].submit()``), posting within the target."""
    if "submit()" not in html or len(forms) != 1:
        return None
    form = forms[0]
    if form.method != "post" or not target.on_target(urljoin(url, form.action or url)):
        return None
    return form


def end_session(target: Target, session: TargetHttp, params: dict[str, str], *, method: str = "GET",
                confirm: bool = True, app: Callable[[str], str | None] | None = None) -> LogoutOutcome:
    """Send one logout request through ``session`` and play the user until it leaves the OP or stops.

    ``app``: the login driver's end-session step for OPs whose logout page is a JavaScript app
    (Glewlwyd): given the page URL it plays the app (the user confirms) and returns where the app
    sends the user agent (``""``: nowhere), or ``None`` for a page it does not know.
    """
    endpoint = target.endpoint("end_session_endpoint")
    settings = target.profile.logout
    outcome = LogoutOutcome(method=method)
    if method == "GET":
        verb, url, data, headers = "GET", end_session_url(endpoint, params), None, {}
    else:
        verb, url, data = "POST", endpoint, dict(params)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    auto_posts = 0
    for step in range(settings.max_steps):
        if not target.on_target(url):
            outcome.left_to = url
            break
        response = session.request(verb, url, data=data, headers=headers, label=f"logout step {step + 1}")
        outcome.final_url, outcome.final_status = url, response.status_code
        if outcome.first_status is None:
            outcome.first_status = response.status_code
        if response.is_redirect and response.headers.get("location"):
            status = response.status_code
            url = urljoin(url, response.headers["location"])
            if status not in (307, 308):
                verb, data, headers = "GET", None, {}
            continue
        step_to = app(url) if app is not None and confirm and not outcome.confirmed else None
        if step_to is not None:
            outcome.confirm_shown = outcome.confirmed = True
            evidence.note("logout page of the login app: confirmed through its API")
            if not step_to:
                break
            verb, url, data, headers = "GET", urljoin(url, step_to), None, {}
            continue
        html = response.text if "html" in response.headers.get("content-type", "") else ""
        outcome.final_excerpt = response.text[:_EXCERPT]
        outcome.iframes += [unescape(a or b) for a, b in _IFRAME.findall(html)]
        forms = parse_forms(html) if html else []
        form = _confirmation(forms, settings.confirm.form_id, url, target) if not outcome.confirmed else None
        if form is not None:
            outcome.confirm_shown = True
            if not confirm:
                break
            fields = dict(form.fields)
            if settings.confirm.button is not None:
                fields[settings.confirm.button.name] = settings.confirm.button.value
            evidence.note("logout confirmation page: confirmed")
            outcome.confirmed = True
            headers = form_post_headers(url)
            verb, url, data = "POST", urljoin(url, form.action or url), fields
            continue
        refresh = _REFRESH.search(html)
        if refresh is not None and auto_posts < 2:
            # the page moves the user agent on (front-channel logout pages do, after their iframes)
            auto_posts += 1
            verb, url, data, headers = "GET", urljoin(url, unescape(refresh.group(1)).strip()), None, {}
            continue
        auto = _self_posting(html, forms, url, target)
        if auto is not None and auto_posts < 2:
            auto_posts += 1
            headers = form_post_headers(url)
            verb, url, data = "POST", urljoin(url, auto.action or url), dict(auto.fields)
            continue
        break
    evidence.note(outcome.describe())
    return outcome
