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

import argparse
import json
import os
import ssl
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import httpx

from harness import evidence
from harness.flows.authorization import AuthorizationOutcome, ErrorPage, at_sent_redirect_uri
from harness.http import OutsideTarget, TargetHttp, origin_of
from harness.login import Consent
from harness.login.html_forms import HtmlForm, parse_forms
from harness.login.http_form import auto_post_form, error_page_outcome
from harness.login.loops import RedirectChain, redirect_loop
from harness.profile import GlewlwydLogin, User
from harness.results import HarnessError
from harness.target import NotApplicable, Target

if TYPE_CHECKING:
    from harness.login.device import Decision, DeviceUserOutcome

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

    def end_session_step(self, url: str) -> str | None:
        """Play the login app's end-session page (``login.html?prompt=end_session``), as the user saying "yes".

        The app lists the session's clients (``GET /api/{plugin}/session/{sid}/{client_id}``), ends
        the session (``DELETE /api/{plugin}/session/{sid}``: back-channel logouts), signs out
        (``DELETE`` of the auth API) and opens the server-given ``callback_url`` when the listing
        says ``post_redirect_to``. Returns that URL, ``""`` when the app stays (session closed),
        ``None`` for any other page (the logout walk of :mod:`harness.flows.logout` calls this).
        """
        if not self.is_login_page(url):
            return None
        params = dict(parse_qsl(urlsplit(url).query))
        if params.get("prompt") != "end_session" or not all(params.get(k) for k in ("plugin", "sid", "client_id")):
            return None
        base = f"/api/{quote(params['plugin'], safe='')}/session/{quote(params['sid'], safe='')}"
        query = f"?post_redirect_to={quote(params['post_redirect_to'], safe='')}" if params.get("post_redirect_to") \
            else ""
        listing = self.session.request("GET", self.api_url(f"{base}/{quote(params['client_id'], safe='')}{query}"),
                                       label="login app: the session's clients")
        self.session.request("DELETE", self.api_url(base), label="login app: end the session")
        self.session.request("DELETE", self.api_url(self.settings.auth_api_path), label="login app: sign out")
        self._logged_in.clear()
        try:
            body = listing.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("post_redirect_to") and params.get("callback_url"):
            return params["callback_url"]
        return ""

    def session_users(self) -> list[str] | None:
        """Who is logged in at Glewlwyd in this session (``GET /api/profile_list``), ``None`` if it does not say."""
        response = self.session.request("GET", self.api_url("/api/profile_list"), label="login API: who is logged in")
        if response.status_code == 401:
            return []
        try:
            body = response.json()
        except ValueError:
            return None
        if response.status_code != 200 or not isinstance(body, list):
            return None
        return [str(u.get("username")) for u in body if isinstance(u, dict)]

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
        chain = RedirectChain()
        visited: list[str] = []
        for step in range(self.settings.max_steps):
            if not self.target.on_target(next_url):
                # the authorization response, if it arrives at the request's redirect_uri (RFC 6749 §3.1.2.4)
                return at_sent_redirect_uri(AuthorizationOutcome.from_redirect(
                    next_url, login_form_shown=login_shown, consent_form_shown=consent_shown), redirect_uri)
            if self.is_login_page(next_url):
                chain.page()  # the login app is a page the user acts on
                request = LoginRequest.parse(next_url)
                login_shown = True
                if user is None or not request.callback_url:
                    page = ErrorPage(url=next_url, status=200, text_excerpt="(login app) " + str(request.params)[:400])
                    return AuthorizationOutcome(via="error_page", error_page=page, login_form_shown=login_shown,
                                                consent_form_shown=consent_shown)
                rounds += 1
                visited.append(next_url)
                if rounds > 2:
                    # the login and grant calls were accepted (HTTP 200), yet the server keeps sending the
                    # user agent back to the login app: the target's loop, not the profile's credentials
                    raise redirect_loop(visited, code="AUTHORIZATION_REDIRECT_LOOP", requirement="RFC6749-4.1.2",
                                        what="the authorization response")
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
                    return error_page_outcome(next_url, response, login_shown, consent_shown)
                chain.hop(next_url, urljoin(next_url, location))
                next_url = urljoin(next_url, location)
                continue
            chain.page()
            auto_post = self._auto_post_form(response)
            if auto_post is not None:
                # response_mode=form_post: the page posts the response to the client.
                return at_sent_redirect_uri(AuthorizationOutcome(
                    redirect_url=urljoin(next_url, auto_post.action), form=dict(auto_post.fields), via="form_post",
                    login_form_shown=login_shown, consent_form_shown=consent_shown), redirect_uri)
            return error_page_outcome(next_url, response, login_shown, consent_shown)
        raise LoginFailed(f"no authorization response after {self.settings.max_steps} steps")

    # -- the device flow's user side (RFC 8628 §3.3) ---------------------------------------
    def complete_device_user_side(self, start_url: str, user_code: str, user: User,
                                  decision: Decision = "approve") -> DeviceUserOutcome:
        """Enter the user code, log in and grant, the way Glewlwyd's login app does.

        The verification URI redirects to the login app with ``prompt=device`` (the code form:
        the app opens ``callback_url?code=...``), then with ``client_id``/``scope`` (login and
        grant), then ``prompt=deviceComplete`` (success) or ``prompt=deviceCodeError``.
        Glewlwyd shows no confirmation page, so ``abort`` is not applicable.
        """
        from harness.login.device import DeviceUserOutcome

        out = DeviceUserOutcome()
        url = start_url
        code_sent = "code" in dict(parse_qsl(urlsplit(start_url).query))
        chain = RedirectChain("DEVICE_VERIFICATION_REDIRECT_LOOP", "RFC8628-3.3", "the end of the verification pages")
        for step in range(self.settings.max_steps):
            if not self.target.on_target(url):
                raise HarnessError(f"the device verification pages sent the user agent outside the target "
                                   f"({origin_of(url)})")
            out.final_url = url
            if self.is_login_page(url):
                chain.page()
                request = LoginRequest.parse(url)
                prompt = request.params.get("prompt", "")
                out.excerpt = f"(login app) {request.params}"[:_EXCERPT]
                if prompt == "deviceComplete":
                    out.completed = True
                    return out
                if prompt == "deviceCodeError" or (prompt == "device" and code_sent):
                    out.code_refused = True
                    return out
                if prompt == "device":
                    url = request.callback_url + ("&" if "?" in request.callback_url else "?") + \
                        "code=" + quote(user_code, safe="")
                    code_sent = True
                    continue
                if not request.callback_url:
                    return out
                if decision == "abort":
                    raise NotApplicable("Glewlwyd shows no device confirmation page that the user could abort")
                out.login_shown = True
                self.login(user)
                if request.scope:
                    out.consent_shown = True
                    if decision == "deny":
                        self._deny()
                    self.grant(request.client_id, request.scope)
                url = continue_url(request.callback_url, self.settings.continue_parameter)
                continue
            response = self.session.request("GET", url, label=f"device user step {step + 1}")
            if response.is_redirect and response.headers.get("location"):
                chain.hop(url, urljoin(url, response.headers["location"]))
                url = urljoin(url, response.headers["location"])
                continue
            out.excerpt = response.text[:_EXCERPT]
            return out
        raise HarnessError(f"the device verification pages did not finish within {self.settings.max_steps} steps")

    def _deny(self) -> None:
        if not self.settings.deny_supported:
            raise NotApplicable("the login app offers no way to refuse consent (login.glewlwyd.deny_supported is "
                                "false): a Glewlwyd user who does not grant the scopes just does not continue, so "
                                "the client never receives access_denied")
        raise HarnessError("login.glewlwyd.deny_supported is true but the driver knows no deny call for this server")

    def _auto_post_form(self, response: httpx.Response) -> HtmlForm | None:
        content_type = response.headers.get("content-type", "")
        # Glewlwyd's form_post page has no Content-Type; a browser sniffs it as HTML, so do we
        sniffed = not content_type and response.text.lstrip()[:6].lower() == "<html>"
        if "html" not in content_type and not sniffed:
            return None
        return auto_post_form(parse_forms(response.text), self.target)


# -- CIBA: the user's decision on "the other device" (login.ciba.mode: command) ---------------

def ciba_decide(base_url: str, ca_file: str, *, username: str, password: str, client_id: str, decision: str,
                binding_message: str = "", plugin: str = "oidc", timeout: float = 10.0) -> str:
    """Approve or deny the user's pending CIBA request of ``client_id`` through Glewlwyd's API.

    Logs in as the user, lists ``/api/<plugin>/ciba_user_list``, picks the newest request of the
    client (with the binding message when one was sent), then approves it (grant the scopes and
    open its ``connect_uri`` with ``&g_continue``) or denies it (open its ``cancel_uri``).
    Returns the login app's final ``ciba_message``.
    """
    context = ssl.create_default_context(cafile=ca_file)
    with httpx.Client(base_url=base_url, verify=context, timeout=timeout, follow_redirects=False) as client:
        response = client.post("/api/auth/", json={"username": username, "password": password})
        if response.status_code != 200:
            raise HarnessError(f"CIBA approval: login of {username!r} refused (HTTP {response.status_code})")
        listed = client.get(f"/api/{plugin}/ciba_user_list")
        if listed.status_code != 200:
            raise HarnessError(f"CIBA approval: ciba_user_list answered HTTP {listed.status_code}")
        pending: list[dict[str, Any]] = [entry for entry in listed.json() if entry.get("client_id") == client_id
                                         and (not binding_message or entry.get("binding_message") == binding_message)]
        if not pending:
            raise HarnessError(f"CIBA approval: no pending request of {client_id} for {username}")
        entry = pending[-1]
        if decision == "approve":
            scope = " ".join(entry.get("scopes") or [])
            granted = client.put(f"/api/auth/grant/{quote(client_id, safe='')}", json={"scope": scope})
            if granted.status_code != 200:
                raise HarnessError(f"CIBA approval: grant of {scope!r} refused (HTTP {granted.status_code})")
            target = continue_url(str(entry["connect_uri"]), "g_continue")
        else:
            target = str(entry["cancel_uri"])
        answer = client.get(target)
        location = str(answer.headers.get("location", ""))
        message = dict(parse_qsl(urlsplit(location).query)).get("ciba_message", "")
        expected = "complete" if decision == "approve" else "cancelled"
        if message != expected:
            raise HarnessError(f"CIBA approval: expected ciba_message={expected}, got HTTP {answer.status_code} "
                               f"{answer.headers.get('location', '')!r}")
        return message


def main(argv: list[str] | None = None) -> int:
    """``python -m harness.login.glewlwyd ciba ...``: the CIBA approval command of the Glewlwyd profile.

    The user's password is read from ``GLEWLWYD_PASSWORD_<USERNAME>`` (never from the command line).
    """
    parser = argparse.ArgumentParser(prog="python -m harness.login.glewlwyd")
    sub = parser.add_subparsers(dest="command", required=True)
    ciba = sub.add_parser("ciba", help="approve or deny a pending CIBA request")
    ciba.add_argument("--base-url", required=True)
    ciba.add_argument("--ca-file", required=True)
    ciba.add_argument("--login-hint", required=True, help='Glewlwyd login_hint: {"username":"..."} or a username')
    ciba.add_argument("--client-id", required=True)
    ciba.add_argument("--decision", choices=["approve", "deny"], required=True)
    ciba.add_argument("--binding-message", default="")
    args = parser.parse_args(argv)
    try:
        hint = json.loads(args.login_hint)
        username = str(hint["username"]) if isinstance(hint, dict) else str(hint)
    except (ValueError, KeyError):
        username = args.login_hint
    password = os.environ.get(f"GLEWLWYD_PASSWORD_{username.upper()}")
    if password is None:
        sys.stderr.write(f"GLEWLWYD_PASSWORD_{username.upper()} is not set\n")
        return 2
    try:
        ciba_decide(args.base_url, args.ca_file, username=username, password=password, client_id=args.client_id,
                    decision=args.decision, binding_message=args.binding_message)
    except (HarnessError, httpx.HTTPError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
