"""The user's side of the device flow (RFC 8628 §3.3), with the same drivers as the code flow.

The user visits the verification URI, enters the user code, confirms it, logs in and consents.

:func:`complete_user_side` takes a user agent made by the suites' ``user_agent`` factory: an
:class:`~harness.login.http_form.HttpFormUserAgent` walks the pages as HTML forms
(``login.device.http_form`` plus ``login.http_form`` for login/consent); a
:class:`~harness.login.browser.BrowserUserAgent` runs the declared browser steps
(``login.device.browser`` plus ``login.browser``). Neither leaves the target's origins.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from harness import evidence
from harness.http import OutsideTarget, origin_of
from harness.login.html_forms import HtmlForm, find_form, form_post_headers, parse_forms
from harness.login.loops import RedirectChain, redirect_loop
from harness.profile import User
from harness.results import CheckFailed, HarnessError, ProfileError

Decision = Literal["approve", "deny", "abort"]
_EXCERPT = 600


@dataclass
class DeviceUserOutcome:
    """What the user saw on the verification pages."""

    completed: bool = False
    """The server said the device is now authorized (the success page)."""
    declined: bool = False
    """The user denied (consent) or aborted (confirmation) and the server took it."""
    code_refused: bool = False
    """The server showed the user-code page again after the code was entered (without a decline)."""
    confirmation_shown: bool = False
    user_code_displayed: bool = False
    login_shown: bool = False
    consent_shown: bool = False
    final_url: str = ""
    excerpt: str = ""

    def describe(self) -> str:
        """A short human description for messages."""
        state = ("completed" if self.completed else "declined" if self.declined
                 else "code refused" if self.code_refused else "stopped")
        pages = [name for name, shown in (("confirmation", self.confirmation_shown), ("login", self.login_shown),
                                          ("consent", self.consent_shown)) if shown]
        return f"{state} at {urlsplit(self.final_url).path or self.final_url} after {', '.join(pages) or 'no'} pages"


def _norm(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


class _TextOnly(HTMLParser):
    """The text a user sees: character data outside ``script``/``style`` (attribute values excluded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The visible text of an HTML page (hidden inputs and attributes do not count)."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    return " ".join(parser.parts)


def _shows_code(text: str, user_code: str) -> bool:
    wanted = _norm(user_code)
    return bool(wanted) and (user_code in text or wanted in _norm(text))


def complete_user_side(target: Any, agent: Any, *, verification_uri: str, user_code: str, user: User,
                       decision: Decision = "approve", verification_uri_complete: str | None = None
                       ) -> DeviceUserOutcome:
    """Play the user on the verification pages with ``agent``; return what happened.

    With ``verification_uri_complete`` the user opens that URI (the code travels in it) instead
    of typing the code at ``verification_uri``. ``decision``: ``approve`` (confirm, log in,
    consent), ``deny`` (refuse consent) or ``abort`` (refuse at the confirmation page).
    """
    from harness.login.http_form import HttpFormUserAgent

    start_url = verification_uri_complete or verification_uri
    for url in (verification_uri, start_url):
        if not target.on_target(url):
            raise OutsideTarget(f"the verification URI {origin_of(url)} is not an origin of the target profile "
                                "(hint: add it to 'allowed_origins')")
    if hasattr(agent, "complete_device_user_side"):  # a driver with its own device pages (e.g. glewlwyd)
        outcome: DeviceUserOutcome = agent.complete_device_user_side(start_url, user_code, user, decision)
        return outcome
    if isinstance(agent, HttpFormUserAgent):
        return _HttpFormDevice(target, agent).run(start_url, user_code, user, decision)
    return _BrowserDevice(target, agent).run(start_url, user_code, user, decision)


def _find(forms: list[HtmlForm], form_id: str | None) -> HtmlForm | None:
    if form_id is None:
        return None
    return next((f for f in forms if f.id == form_id), None)


class _HttpFormDevice:
    def __init__(self, target: Any, agent: Any) -> None:
        self.target = target
        self.session = agent.session
        self.login = target.profile.login.http_form
        self.settings = target.profile.login.device.http_form

    def run(self, start_url: str, user_code: str, user: User, decision: Decision) -> DeviceUserOutcome:
        out = DeviceUserOutcome()
        method, url, data = "GET", start_url, None
        page_url = start_url
        code_sent = declined = False
        logins = 0
        chain = RedirectChain("DEVICE_VERIFICATION_REDIRECT_LOOP", "RFC8628-3.3", "the end of the verification pages")
        for step in range(self.settings.max_steps):
            if not self.target.on_target(url):
                raise HarnessError(f"the device verification pages sent the user agent outside the target "
                                   f"({origin_of(url)})")
            headers = form_post_headers(page_url) if method == "POST" else {}
            response = self.session.request(method, url, data=data, headers=headers,
                                            label=f"device user step {step + 1}")
            out.final_url = url
            if response.is_redirect:
                following = urljoin(url, response.headers.get("location", ""))
                chain.hop(url, following, method=method)
                method, url, data = "GET", following, None
                continue
            chain.page()
            page_url = url  # a form on this page is submitted from this origin
            text = response.text if "html" in response.headers.get("content-type", "") else ""
            out.excerpt = text[:_EXCERPT]
            if self.settings.success_marker and self.settings.success_marker in text:
                out.completed = True
                return out
            forms = parse_forms(text)
            confirm = _find(forms, self.settings.confirm_form_id)
            code_form = _find(forms, self.settings.user_code_form_id)
            login = _find(forms, self.login.login_form_id)
            consent = (_find(forms, self.settings.consent_form_id) if self.settings.consent_form_id
                       else find_form(forms, self.login.consent_form_id, self.login.consent_form_action))
            fields: dict[str, str]
            if confirm is not None:
                out.confirmation_shown = True
                out.user_code_displayed = _shows_code(visible_text(text), user_code)
                fields = dict(confirm.fields)
                button = self.settings.abort if decision == "abort" else self.settings.confirm
                if decision == "abort":
                    if button is None:
                        raise ProfileError("login.device.http_form.abort is not configured")
                    declined = True
                if button is not None:
                    fields[button.name] = button.value
                evidence.note(f"device page: {'aborted' if decision == 'abort' else 'confirmed'} the code")
                method, url, data = "POST", urljoin(url, confirm.action or url), fields
            elif code_form is not None:
                if code_sent:
                    out.declined, out.code_refused = declined, not declined
                    return out
                fields = dict(code_form.fields)
                fields[self.settings.user_code_field] = user_code
                code_sent = True
                method, url, data = "POST", urljoin(url, code_form.action or url), fields
            elif login is not None:
                out.login_shown = True
                logins += 1
                if logins > 1:
                    raise HarnessError("the login form came back after submitting credentials: check the profile's "
                                       "user and login.http_form settings")
                fields = dict(login.fields)
                fields[self.login.username_field] = user.username
                fields[self.login.password_field] = user.password.get_secret_value()
                method, url, data = "POST", urljoin(url, login.action or url), fields
            elif consent is not None:
                out.consent_shown = True
                button = ((self.settings.consent_approve or self.login.approve) if decision == "approve"
                          else (self.settings.consent_deny or self.login.deny))
                if button is None:
                    raise ProfileError("login.http_form.approve/deny is not configured but the consent page appeared")
                declined = declined or decision != "approve"
                fields = dict(consent.fields)
                fields[button.name] = button.value
                evidence.note(f"consent page: pressed {button.name}={button.value}")
                method, url, data = "POST", urljoin(url, consent.action or url), fields
            else:
                auto = self._auto_post(forms, url)
                if auto is None:
                    out.declined = declined
                    return out
                if self.settings.user_code_field in auto.fields:
                    code_sent = True
                method, url, data = "POST", urljoin(url, auto.action), dict(auto.fields)
        raise HarnessError(f"the device verification pages did not finish within {self.settings.max_steps} steps")

    def _auto_post(self, forms: list[HtmlForm], url: str) -> HtmlForm | None:
        """An auto-submitting form (e.g. the answer to verification_uri_complete) that a browser would post."""
        posts = [f for f in forms if f.method == "post" and f.action
                 and self.target.on_target(urljoin(url, f.action))]
        return posts[0] if len(posts) == 1 and not posts[0].buttons else None


class _BrowserDevice:
    def __init__(self, target: Any, agent: Any) -> None:
        self.target = target
        self.agent = agent
        self.login = target.profile.login.browser
        self.settings = target.profile.login.device.browser

    def run(self, start_url: str, user_code: str, user: User, decision: Decision) -> DeviceUserOutcome:
        out = DeviceUserOutcome()
        page = self.agent.context.new_page()

        def guard(route: Any) -> None:
            if self.target.on_target(route.request.url):
                route.continue_()
            else:
                evidence.note(f"browser: blocked a request outside the profile: {origin_of(route.request.url)}")
                route.abort()

        page.route("**/*", guard)
        chain = RedirectChain("DEVICE_VERIFICATION_REDIRECT_LOOP", "RFC8628-3.3", "the end of the verification pages")
        loops: list[CheckFailed] = []

        def on_response(response: Any) -> None:
            if not response.request.is_navigation_request():
                return
            location = response.headers.get("location") if 300 <= response.status < 400 else None
            if not location:
                chain.page()
            elif not loops and self.target.on_target(response.url):
                try:
                    chain.hop(response.url, urljoin(response.url, location), method=response.request.method)
                except CheckFailed as exc:  # raised on the driver's thread below
                    loops.append(exc)

        page.on("response", on_response)
        page.set_default_timeout(self.login.step_timeout_s * 1000)
        extra = {"user_code": user_code}
        code_sent = declined = login_done = False
        try:
            try:
                page.goto(start_url, wait_until="domcontentloaded")
            except Exception as exc:
                if loops:
                    raise loops[0] from exc
                if "ERR_TOO_MANY_REDIRECTS" in str(exc):
                    raise redirect_loop(chain.urls or [start_url], code=chain.code, requirement=chain.requirement,
                                        what=chain.what) from exc
                raise
            deadline = time.monotonic() + self.login.step_timeout_s * 4
            while time.monotonic() < deadline:
                if loops:
                    raise loops[0]
                out.final_url = page.url
                if page.locator(self.settings.success_selector).count():
                    out.completed = True
                    break
                if self.settings.confirm_page_selector and page.locator(self.settings.confirm_page_selector).count():
                    out.confirmation_shown = True
                    out.user_code_displayed = _shows_code(page.inner_text("body"), user_code)
                    declined = declined or decision == "abort"
                    self.agent.run_steps(page, self.settings.abort_steps if decision == "abort"
                                         else self.settings.confirm_steps, user, extra)
                elif page.locator(self.settings.user_code_page_selector).count():
                    if code_sent:
                        out.declined, out.code_refused = declined, not declined
                        break
                    code_sent = True
                    self.agent.run_steps(page, self.settings.user_code_steps, user, extra)
                elif page.locator(self.login.login_page_selector).count():
                    out.login_shown = True
                    if login_done:
                        raise HarnessError("the login page came back after submitting credentials: check the "
                                           "profile's user and login.browser steps")
                    self.agent.run_steps(page, self.login.login_steps, user, extra)
                    login_done = True
                elif self.login.consent_page_selector and page.locator(self.login.consent_page_selector).count():
                    out.consent_shown = True
                    declined = declined or decision != "approve"
                    self.agent.run_steps(page, self.login.approve_steps if decision == "approve"
                                         else self.login.deny_steps, user, extra)
                else:
                    code_sent = code_sent or "user_code=" in page.url
                    page.wait_for_timeout(50)  # an auto-submitting page is still navigating
                    continue
                page.wait_for_timeout(20)
            else:
                out.declined = declined
            if loops:
                raise loops[0]
            out.final_url = page.url
            out.excerpt = page.content()[:_EXCERPT]
            self.agent.screenshot(page, "device-final")
            return out
        finally:
            page.close()
