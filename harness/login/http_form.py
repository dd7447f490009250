"""Login by plain HTTP form posts, for servers whose login and consent are HTML forms.

The driver behaves like a minimal browser with its own cookie jar: it follows redirects
*within the target's origins only*, fills the login form identified in the profile, submits
the consent form with the approve or deny button, and stops as soon as the server sends the
user agent anywhere else (that is the authorization response) or shows a page it does not
recognise (an error page).
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import httpx

from harness import evidence
from harness.flows.authorization import AuthorizationOutcome, ErrorPage, at_sent_redirect_uri
from harness.http import OutsideTarget, TargetHttp, origin_of
from harness.login import Consent
from harness.login.html_forms import HtmlForm, find_form, form_post_headers, parse_forms
from harness.login.loops import RedirectChain
from harness.profile import HttpFormLogin, User
from harness.results import HarnessError, ProfileError
from harness.target import Target

_EXCERPT = 600


class LoginFailed(HarnessError):
    """The driver could not log in (wrong credentials in the profile, or unknown page shape).

    What the target does wrong on the way is not a login failure: a redirect loop is a failed
    finding (:mod:`harness.login.loops`), an error page or a refusal an outcome the flows judge.
    """


class HttpFormUserAgent:
    """A cookie-keeping user agent that walks login and consent forms."""

    def __init__(self, target: Target, settings: HttpFormLogin | None = None) -> None:
        self.target = target
        self.settings = settings or target.profile.login.http_form
        self.session: TargetHttp = target.new_session()
        self.login_prefill: str | None = None
        """The username field's value when the last :meth:`authorize` first showed the login form (``login_hint``)."""

    def close(self) -> None:
        """Forget the session."""
        self.session.close()

    def authorize(self, url: str, *, user: User | None, consent: Consent = "approve",
                  redirect_uri: str, form: dict[str, str] | None = None) -> AuthorizationOutcome:
        """Visit the authorization URL and play the user until control returns to the client.

        With ``form``, the first request is a form POST of those parameters to ``url`` (OIDC Core
        §3.1.2.1: the authorization endpoint MUST support POST), answered like the GET would be: a
        redirect, the login page itself, or an error page.
        """
        if not self.target.on_target(url):
            raise OutsideTarget(f"refusing to open {origin_of(url)}: the authorization endpoint is not an origin "
                                "of the target profile (hint: add it to 'allowed_origins' if it is yours)")
        method, next_url, data = ("GET", url, None) if form is None else ("POST", url, dict(form))
        headers: dict[str, str] = {} if form is None else form_post_headers(url)
        login_attempts = 0
        login_shown = consent_shown = False
        self.login_prefill = None
        chain = RedirectChain()
        for step in range(self.settings.max_steps):
            if not self.target.on_target(next_url):
                # the user agent leaves the target: this is the authorization response, if it
                # arrives at the redirect_uri of the request (RFC 6749 §3.1.2.4)
                return at_sent_redirect_uri(AuthorizationOutcome.from_redirect(
                    next_url, login_form_shown=login_shown, consent_form_shown=consent_shown), redirect_uri)
            response = self.session.request(method, next_url, data=data, headers=headers,
                                            label=f"user agent step {step + 1}")
            if response.is_redirect:
                location = response.headers.get("location", "")
                if not location:
                    return error_page_outcome(next_url, response, login_shown, consent_shown)
                chain.hop(next_url, urljoin(next_url, location), method=method)
                method, next_url, data, headers = "GET", urljoin(next_url, location), None, {}
                continue
            chain.page()
            headers = form_post_headers(next_url)  # the next step, if any, submits a form of this page
            forms = parse_forms(response.text) if "html" in response.headers.get("content-type", "") else []
            login_form = _find(forms, self.settings.login_form_id)
            consent_form = find_form(forms, self.settings.consent_form_id, self.settings.consent_form_action)
            auto_post = auto_post_form(forms, self.target)
            if auto_post is not None and login_form is None and consent_form is None:
                # response_mode=form_post: the page posts the response to the client.
                target_url = urljoin(next_url, auto_post.action)
                outcome = AuthorizationOutcome(redirect_url=target_url, form=dict(auto_post.fields),
                                               via="form_post", login_form_shown=login_shown,
                                               consent_form_shown=consent_shown)
                return at_sent_redirect_uri(outcome, redirect_uri)
            if login_form is not None:
                if not login_shown:
                    self.login_prefill = login_form.fields.get(self.settings.username_field) or None
                login_shown = True
                if user is None:
                    return error_page_outcome(next_url, response, login_shown, consent_shown)
                login_attempts += 1
                if login_attempts > 1:
                    raise LoginFailed(
                        f"the login form came back after submitting credentials for {user.username!r}: "
                        "the profile's username/password or login.http_form settings are wrong")
                fields = dict(login_form.fields)
                fields[self.settings.username_field] = user.username
                fields[self.settings.password_field] = user.password.get_secret_value()
                method, next_url, data = "POST", urljoin(next_url, login_form.action or next_url), fields
                continue
            if consent_form is not None:
                consent_shown = True
                button = self.settings.approve if consent == "approve" else self.settings.deny
                if button is None:
                    raise ProfileError(f"login.http_form.{consent} is not configured but the consent page appeared")
                fields = dict(consent_form.fields)
                fields[button.name] = button.value
                evidence.note(f"consent page: pressed {button.name}={button.value}")
                method, next_url, data = "POST", urljoin(next_url, consent_form.action or next_url), fields
                continue
            return error_page_outcome(next_url, response, login_shown, consent_shown)
        raise LoginFailed(f"no authorization response after {self.settings.max_steps} steps")



def _find(forms: list[HtmlForm], form_id: str | None) -> HtmlForm | None:
    if form_id is None:
        return None
    for form in forms:
        if form.id == form_id:
            return form
    return None


def error_page_outcome(url: str, response: httpx.Response, login_shown: bool,
                       consent_shown: bool) -> AuthorizationOutcome:
    """The user agent stopped on a page that is neither login, consent nor a response to the client."""
    page = ErrorPage(url=url, status=response.status_code, text_excerpt=response.text[:_EXCERPT])
    return AuthorizationOutcome(via="error_page", error_page=page, login_form_shown=login_shown,
                                consent_form_shown=consent_shown)


def auto_post_form(forms: list[HtmlForm], target: Target) -> HtmlForm | None:
    """The self-submitting form of ``response_mode=form_post``: a POST to an origin outside the target."""
    for form in forms:
        if form.method == "post" and form.action and urlsplit(form.action).scheme and \
                not target.on_target(form.action):
            return form
    return None
