"""The user's decision on "the other device" in CIBA (CIBA §8), pluggable per profile.

``login.ciba.mode`` chooses how the harness plays the user who approves or denies a pending
backchannel authentication request:

* ``http`` — one HTTP call, e.g. a test-only approval API (the reference target's
  ``POST /__test/ciba/<auth_req_id>/approve|deny`` with its admin token);
* ``browser`` — open a page (the user's authentication device as a web app) in Chromium,
  log in when asked, and run the approve or deny steps;
* ``command`` — run a program (an SMS/app simulator, a script driving a real device);
* ``manual`` — print what the human must do and return; the caller's polling or the
  notification wait is bounded by the request lifetime;
* ``channel`` — the harness is the target's authentication channel
  (:mod:`harness.ciba_auth_channel`): it took the target's callout for the request and posts
  the decision to the target's callback with the callout's bearer token;
* ``none`` — no decision is possible: checks that need one are skipped.

The ``auth_req_id`` is a credential: it is masked wherever the harness records the call.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import httpx

from harness import evidence
from harness.evidence import Exchange
from harness.http import origin_of
from harness.profile import CibaApproval, Client
from harness.redaction import mask, redact_body, redact_headers, register_secret
from harness.results import HarnessError, ProfileError
from harness.target import NotApplicable, Target

CibaDecision = Literal["approve", "deny"]


@dataclass(frozen=True)
class PendingRequest:
    """What the other device knows about a pending request."""

    auth_req_id: str
    client: Client
    login_hint: str
    binding_message: str | None
    expires_at: float  # time.monotonic()

    def placeholders(self, decision: CibaDecision) -> dict[str, str]:
        """Values for ``{auth_req_id}``, ``{decision}``, ``{client_id}``, ``{login_hint}``, ``{binding_message}``."""
        return {"auth_req_id": self.auth_req_id, "decision": decision, "client_id": self.client.id,
                "login_hint": self.login_hint, "binding_message": self.binding_message or ""}


class CibaApprover:
    """Delivers the user's decision the way the profile says."""

    def __init__(self, target: Target, user_agent: Callable[..., Any] | None = None) -> None:
        self.target = target
        self.settings: CibaApproval = target.profile.login.ciba
        self.user_agent = user_agent

    @property
    def mode(self) -> str:
        """The configured mode."""
        return self.settings.mode

    @property
    def automated(self) -> bool:
        """Whether a decision is delivered without a human (http, browser, command)."""
        return self.mode in ("http", "browser", "command", "channel")

    def require(self) -> None:
        """Skip the calling check when the profile configures no way to decide."""
        if self.mode == "none":
            raise NotApplicable("the profile configures no CIBA approval (login.ciba.mode: none)")

    def decide(self, request: PendingRequest, decision: CibaDecision) -> None:
        """Approve or deny ``request`` on the other device."""
        self.require()
        register_secret(request.auth_req_id)
        if self.mode == "http":
            self._http(request, decision)
        elif self.mode == "command":
            self._command(request, decision)
        elif self.mode == "browser":
            self._browser(request, decision)
        elif self.mode == "channel":
            self._channel(request, decision)
        else:
            self._manual(request, decision)

    # -- modes ------------------------------------------------------------------------
    def _http(self, request: PendingRequest, decision: CibaDecision) -> None:
        settings = self.settings.http
        if settings is None:
            raise ProfileError("login.ciba.mode is http but login.ciba.http is missing")
        values = {k: quote(v, safe="") for k, v in request.placeholders(decision).items()}
        url = fill(settings.url, values)
        shown = fill(settings.url, {**values, "auth_req_id": mask(request.auth_req_id)})
        headers = {"Accept": "application/json"}
        if settings.token is not None:
            token = settings.token.get_secret_value()
            register_secret(token)
            headers["Authorization"] = f"Bearer {token}"
        body = settings.body if settings.body is not None else {}
        self._decision_call(settings.method, url, shown_url=shown, headers=headers,
                            body=None if settings.method == "GET" else body, mode="login.ciba.http",
                            label=f"other device: {decision} (login.ciba.http)", what="the CIBA approval call")

    def _channel(self, request: PendingRequest, decision: CibaDecision) -> None:
        from harness import ciba_auth_channel

        settings = self.settings.channel
        if settings is None:
            raise ProfileError("login.ciba.mode is channel but login.ciba.channel is missing")
        callout = ciba_auth_channel.claim(settings, binding_message=request.binding_message,
                                          login_hint=request.login_hint, client_id=request.client.id)
        evidence.note(f"other device: the target's authentication-channel callout for this request arrived "
                      f"(binding message {callout.field(settings.binding_message_field)!r})")
        body = settings.approve_body if decision == "approve" else settings.deny_body
        self._decision_call("POST", settings.callback_url, shown_url=settings.callback_url,
                            headers={"Authorization": f"Bearer {callout.token}", "Content-Type": "application/json"},
                            body=body, mode="login.ciba.channel",
                            label=f"other device: {decision} (login.ciba.channel callback)",
                            what="the CIBA channel callback")

    def _decision_call(self, method: str, url: str, *, shown_url: str, headers: dict[str, str],
                       body: object | None, mode: str, label: str, what: str) -> None:
        """Send the user's decision to the approval endpoint the profile names, recorded and redacted.

        The call is the user's other device, not the target's protocol: a transport error or a non-2xx
        answer is a :class:`HarnessError` (the harness could not play the user), never a target failure.
        """
        log = evidence.current()
        content = None if body is None else _json(body)
        exchange = Exchange(seq=log.next_seq(), label=label, method=method, url=shown_url,
                            request_headers=redact_headers(list(headers.items())),
                            request_body=redact_body(content or "", "application/json"))
        log.exchanges.append(exchange)
        started = time.monotonic()
        send_headers = dict(headers) if content is None else {"Content-Type": "application/json", **headers}
        try:
            with httpx.Client(verify=self.target.http.ssl_context(), timeout=self.target.profile.timeouts.read,
                              follow_redirects=False) as client:
                response = client.request(method, url, headers=send_headers, content=content)
        except httpx.HTTPError as exc:
            exchange.error = f"{type(exc).__name__}: {exc}"
            raise HarnessError(f"{what} to {origin_of(url)} failed: {exc}") from exc
        exchange.elapsed_s = time.monotonic() - started
        exchange.status = response.status_code
        exchange.response_headers = redact_headers(list(response.headers.items()))
        exchange.response_body = redact_body(response.text[:evidence.MAX_BODY_CHARS],
                                             response.headers.get("content-type", ""))
        if not 200 <= response.status_code < 300:
            raise HarnessError(f"{what} answered HTTP {response.status_code} ({mode})")

    def _command(self, request: PendingRequest, decision: CibaDecision) -> None:
        argv = self.settings.command
        if not argv:
            raise ProfileError("login.ciba.mode is command but login.ciba.command is missing")
        values = request.placeholders(decision)
        command = [fill(part, values) for part in argv]
        env = {**os.environ, **{f"CIBA_{k.upper()}": v for k, v in values.items()}}
        evidence.note(f"other device: ran {argv[0]} to {decision} (login.ciba.command)")
        try:
            result = subprocess.run(command, env=env, capture_output=True, text=True, check=False,
                                    timeout=self.settings.command_timeout_s)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise HarnessError(f"the CIBA approval command {argv[0]} failed: {exc}") from exc
        if result.returncode != 0:
            raise HarnessError(f"the CIBA approval command {argv[0]} exited with {result.returncode}: "
                               f"{(result.stderr or result.stdout).strip()[-300:]}")

    def _browser(self, request: PendingRequest, decision: CibaDecision) -> None:
        settings = self.settings.browser
        if settings is None:
            raise ProfileError("login.ciba.mode is browser but login.ciba.browser is missing")
        if self.user_agent is None:
            raise HarnessError("browser approval needs the user_agent factory")
        values = request.placeholders(decision)
        url = fill(settings.url, {k: quote(v, safe="") for k, v in values.items()})
        allowed = {origin_of(url)}
        agent = self.user_agent("browser")
        page = agent.context.new_page()

        def guard(route: Any) -> None:
            if origin_of(route.request.url) in allowed or self.target.on_target(route.request.url):
                route.continue_()
            else:
                route.abort()

        page.route("**/*", guard)
        login = self.target.profile.login.browser
        page.set_default_timeout(login.step_timeout_s * 1000)
        user = self.target.user(0)
        try:
            page.goto(url, wait_until="domcontentloaded")
            if page.locator(login.login_page_selector).count():
                agent.run_steps(page, login.login_steps, user, values)
            agent.run_steps(page, settings.approve_steps if decision == "approve" else settings.deny_steps,
                            user, values)
            agent.screenshot(page, f"ciba-{decision}")
        finally:
            page.close()
        evidence.note(f"other device: {decision} in the browser at {urlsplit(settings.url).path}")

    def _manual(self, request: PendingRequest, decision: CibaDecision) -> None:
        remaining = max(request.expires_at - time.monotonic(), 0)
        lines = [
            "",
            "=" * 70,
            f"CIBA: please {decision.upper()} the sign-in request on the user's authentication device",
            f"  client: {request.client.id}   user: {request.login_hint}",
            f"  binding message: {request.binding_message or '(none)'}",
            f"  the harness waits up to {remaining:.0f}s (the request lifetime)",
            "=" * 70,
        ]
        stream = sys.__stderr__ or sys.stderr
        stream.write("\n".join(lines) + "\n")
        stream.flush()
        evidence.note(f"other device: asked a human to {decision} (login.ciba.mode: manual)")


_PLACEHOLDER = re.compile(r"\{(auth_req_id|decision|client_id|login_hint|binding_message)\}")


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace the known ``{placeholders}``; other braces (JSON, shell) stay as they are."""
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def _json(value: Any) -> str:
    import json

    return json.dumps(value)
