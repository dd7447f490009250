"""Login and consent through Glewlwyd's JSON API (driver ``glewlwyd``).

Glewlwyd's authorization endpoint does not render forms: it redirects the user agent to its
login app (``login.html``, JavaScript) with ``client_id``, ``scope`` and ``callback_url``. The
app logs the user in with ``POST /api/auth/`` (a session cookie), records the user's consent
with ``PUT /api/auth/grant/{client_id}`` and then sends the browser back to ``callback_url``
with ``&g_continue``. This driver does the same calls with a recording, origin-restricted
session of the target (:meth:`harness.target.Target.new_session`); it never follows a redirect
that leaves the target's origins: that redirect is the authorization response.

Glewlwyd's app has no "deny" action, so ``consent="deny"`` ends the check as not applicable
unless the profile says otherwise (``login.glewlwyd.deny_supported``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import httpx

from harness import evidence
from harness.flows.authorization import AuthorizationOutcome, ErrorPage
from harness.http import OutsideTarget, TargetHttp, origin_of
from harness.login import Consent
from harness.login.html_forms import HtmlForm, parse_forms
from harness.profile import GlewlwydLogin, User
from harness.results import HarnessError
from harness.target import NotApplicable, Target

_EXCERPT = 600


class LoginFailed(HarnessError):
    """The login API refused the profile's credentials or the flow did not converge."""


@dataclass(frozen=True)
class LoginRequest:
    """What the server asked the login app to do (the query of the ``login.html`` redirect)."""

    url: str
    client_id: str
    scope: str
    callback_url: str
    params: dict[str, str]

    @classmethod
    def parse(cls, url: str) -> LoginRequest:
        """Read ``client_id``, ``scope`` and ``callback_url`` from the login app URL."""
        params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        return cls(url=url, client_id=params.get("client_id", ""), scope=params.get("scope", ""),
                   callback_url=params.get("callback_url", ""), params=params)


def continue_url(callback_url: str, parameter: str) -> str:
    """``callback_url`` with the continue flag appended, as the login app does."""
    return callback_url + ("&" if "?" in callback_url else "?") + parameter


class GlewlwydUserAgent:
    """A cookie-keeping user agent that logs in and consents through Glewlwyd's JSON API."""

    def __init__(self, target: Target, settings: GlewlwydLogin | None = None) -> None:
        self.target = target
        self.settings = settings or target.profile.login.glewlwyd
        self.session: TargetHttp = target.new_session()
        self._logged_in: set[str] = set()

    def close(self) -> None:
        """Forget the session."""
        self.session.close()

    # -- the login app's API ------------------------------------------------------------
    def api_url(self, path: str) -> str:
        """An absolute URL on the issuer's origin for an API path of the login app."""
        return urljoin(origin_of(self.target.profile.issuer) + "/", path.lstrip("/"))

    def is_login_page(self, url: str) -> bool:
        """Whether ``url`` is the login app on one of the target's origins."""
        return self.target.on_target(url) and urlsplit(url).path == self.settings.login_page_path

    def login(self, user: User) -> None:
        """``POST /api/auth/`` with the user's credentials (once per user and session)."""
        if user.username in self._logged_in:
            return
        response = self.session.request(
            "POST", self.api_url(self.settings.auth_api_path), label=f"login API: sign in {user.username}",
            json_body={"username": user.username, "password": user.password.get_secret_value()})
        if response.status_code != 200:
            raise LoginFailed(f"the login API refused {user.username!r} (HTTP {response.status_code}): the profile's "
                              "username/password or login.glewlwyd settings are wrong")
        self._logged_in.add(user.username)

    def grant(self, client_id: str, scope: str) -> None:
        """``PUT /api/auth/grant/{client_id}`` with the scopes the server asked the user to grant."""
        path = self.settings.grant_api_path.replace("{client_id}", quote(client_id, safe=""))
        response = self.session.request("PUT", self.api_url(path), label=f"login API: grant {scope!r} to {client_id}",
                                        json_body={"scope": scope})
        if response.status_code != 200:
            raise LoginFailed(f"the grant API refused scopes {scope!r} for {client_id} (HTTP {response.status_code})")
        evidence.note(f"consent: granted {scope!r} to {client_id} through the grant API")

    # -- the front channel ----------------------------------------------------------------
    def authorize(self, url: str, *, user: User | None, consent: Consent = "approve",
                  redirect_uri: str) -> AuthorizationOutcome:
        """Visit the authorization URL and play the user until control returns to the client."""
        if not self.target.on_target(url):
            raise OutsideTarget(f"refusing to open {origin_of(url)}: the authorization endpoint is not an origin "
                                "of the target profile (hint: add it to 'allowed_origins' if it is yours)")
        next_url = url
        login_shown = consent_shown = False
        rounds = 0
        for step in range(self.settings.max_steps):
            if not self.target.on_target(next_url):
                return AuthorizationOutcome.from_redirect(next_url, login_form_shown=login_shown,
                                                          consent_form_shown=consent_shown)
            if self.is_login_page(next_url):
                request = LoginRequest.parse(next_url)
                login_shown = True
                if user is None or not request.callback_url:
                    page = ErrorPage(url=next_url, status=200, text_excerpt="(login app) " + str(request.params)[:400])
                    return AuthorizationOutcome(via="error_page", error_page=page, login_form_shown=login_shown,
                                                consent_form_shown=consent_shown)
                rounds += 1
                if rounds > 2:
                    raise LoginFailed("the server kept sending the user agent back to the login app after login and "
                                      f"grant (asked: {request.params})")
                if request.params.get("prompt") == "login":
                    self._logged_in.discard(user.username)
                self.login(user)
                if request.scope:
                    consent_shown = True
                    if consent == "deny":
                        self._deny()
                    self.grant(request.client_id, request.scope)
                next_url = continue_url(request.callback_url, self.settings.continue_parameter)
                continue
            response = self.session.request("GET", next_url, label=f"user agent step {step + 1}")
            if response.is_redirect:
                location = response.headers.get("location", "")
                if not location:
                    return self._error_page(next_url, response, login_shown, consent_shown)
                next_url = urljoin(next_url, location)
                continue
            auto_post = self._auto_post_form(response)
            if auto_post is not None:
                # response_mode=form_post: the page posts the response to the client.
                return AuthorizationOutcome(redirect_url=urljoin(next_url, auto_post.action),
                                            form=dict(auto_post.fields), via="form_post",
                                            login_form_shown=login_shown, consent_form_shown=consent_shown)
            return self._error_page(next_url, response, login_shown, consent_shown)
        raise LoginFailed(f"no authorization response after {self.settings.max_steps} steps")

    def _deny(self) -> None:
        if not self.settings.deny_supported:
            raise NotApplicable("the login app offers no way to refuse consent (login.glewlwyd.deny_supported is "
                                "false): a Glewlwyd user who does not grant the scopes just does not continue, so "
                                "the client never receives access_denied")
        raise HarnessError("login.glewlwyd.deny_supported is true but the driver knows no deny call for this server")

    def _auto_post_form(self, response: httpx.Response) -> HtmlForm | None:
        if "html" not in response.headers.get("content-type", ""):
            return None
        for form in parse_forms(response.text):
            if form.method == "post" and form.action and urlsplit(form.action).scheme and \
                    not self.target.on_target(form.action):
                return form
        return None

    @staticmethod
    def _error_page(url: str, response: httpx.Response, login_shown: bool,
                    consent_shown: bool) -> AuthorizationOutcome:
        page = ErrorPage(url=url, status=response.status_code, text_excerpt=response.text[:_EXCERPT])
        return AuthorizationOutcome(via="error_page", error_page=page, login_form_shown=login_shown,
                                    consent_form_shown=consent_shown)
