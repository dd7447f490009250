"""Login in a real browser: Playwright driving the system Chromium, steps declared in the profile.

Every request the page makes is routed through a guard: requests to the target's origins go
through; a request to the client's redirect URI is captured (never sent) and ends the flow;
anything else is aborted, so the browser never talks to a host outside the profile.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from harness import evidence
from harness.flows.authorization import AuthorizationOutcome, ErrorPage, at_sent_redirect_uri
from harness.http import OutsideTarget, origin_of
from harness.login import Consent
from harness.login.loops import RedirectChain, redirect_loop
from harness.profile import BrowserAction, BrowserLogin, User
from harness.results import CheckFailed, HarnessError, TargetUnreachable
from harness.target import Target

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]


def resolver_rules(allowed_hosts: set[str]) -> str:
    """Chromium flag that makes every host outside the profile unresolvable.

    Defence in depth for "never contact a host outside the profile": even a redirect the
    route guard cannot see (Playwright does not route redirect hops) cannot leave.
    """
    excludes = "".join(f", EXCLUDE {host}" for host in sorted(allowed_hosts))
    return f"--host-resolver-rules=MAP * ~NOTFOUND{excludes}"


class BrowserUnavailable(HarnessError):
    """Chromium or Playwright could not be started."""


class BrowserSession:
    """One Playwright + Chromium process, shared by the browser user agents of a run."""

    def __init__(self, settings: BrowserLogin, allowed_hosts: set[str] | None = None) -> None:
        self.settings = settings
        self.allowed_hosts = allowed_hosts or set()
        self._playwright: Any = None
        self._browser: Any = None
        self._lock = threading.Lock()

    def browser(self) -> Any:
        """The running browser (started on first use)."""
        with self._lock:
            if self._browser is None:
                if not Path(self.settings.executable).exists():
                    raise BrowserUnavailable(
                        f"{self.settings.executable} not found (hint: `apt-get install chromium`, "
                        "or set login.browser.executable)")
                from playwright.sync_api import sync_playwright

                try:
                    self._playwright = sync_playwright().start()
                    self._browser = self._playwright.chromium.launch(
                        executable_path=self.settings.executable, headless=self.settings.headless,
                        args=[*CHROMIUM_ARGS, resolver_rules(self.allowed_hosts)])
                except Exception as exc:  # playwright raises its own Error types
                    raise BrowserUnavailable(f"cannot start Chromium: {exc}") from exc
            return self._browser

    def version(self) -> str | None:
        """The browser version, when it has been started."""
        return str(self._browser.version) if self._browser is not None else None

    def close(self) -> None:
        """Stop the browser and Playwright."""
        with self._lock:
            if self._browser is not None:
                self._browser.close()
                self._browser = None
            if self._playwright is not None:
                self._playwright.stop()
                self._playwright = None


def _navigation_failed(exc: Exception, loops: list[CheckFailed], chain: RedirectChain, url: str) -> None:
    """Classify a failed navigation: the target's redirect loop, the target unreachable, or the browser's problem."""
    text = str(exc)
    if loops:
        raise loops[0] from exc
    if "ERR_TOO_MANY_REDIRECTS" in text:
        raise redirect_loop(chain.urls or [url], code=chain.code, requirement=chain.requirement,
                            what=chain.what) from exc
    if "net::ERR_" in text:
        raise TargetUnreachable(f"the browser could not reach the authorization URL: {text}") from exc
    raise HarnessError(f"browser could not open the authorization URL: {exc}") from exc


class BrowserUserAgent:
    """A browser context (its own cookies) that runs the profile's declarative steps."""

    def __init__(self, target: Target, session: BrowserSession, screenshot_dir: Path | None = None) -> None:
        self.target = target
        self.settings = session.settings
        self.context: Any = session.browser().new_context(ignore_https_errors=self.settings.ignore_https_errors)
        self.screenshot_dir = screenshot_dir

    def close(self) -> None:
        """Close the browser context."""
        self.context.close()

    def authorize(self, url: str, *, user: User | None, consent: Consent = "approve",
                  redirect_uri: str) -> AuthorizationOutcome:
        """Open the authorization URL and run login/consent steps until the client is reached."""
        if not self.target.on_target(url):
            raise OutsideTarget(f"refusing to open {origin_of(url)}: the authorization endpoint is not an origin "
                                "of the target profile (hint: add it to 'allowed_origins' if it is yours)")
        captured: list[tuple[str, str]] = []
        client_origin = origin_of(redirect_uri)
        page = self.context.new_page()
        chain = RedirectChain()
        loops: list[CheckFailed] = []

        def on_response(response: Any) -> None:
            # Playwright routes do not see redirect hops: read the Location of 3xx answers.
            navigation = response.request.is_navigation_request()
            if 300 <= response.status < 400 and self.target.on_target(response.url):
                location = response.headers.get("location")
                if location:
                    absolute = urljoin(response.url, location)
                    if not self.target.on_target(absolute):
                        captured.append((absolute, ""))
                    elif navigation and not loops:
                        try:
                            chain.hop(response.url, absolute, method=response.request.method)
                        except CheckFailed as exc:  # raised on the driver's thread below
                            loops.append(exc)
            elif navigation:
                chain.page()

        page.on("response", on_response)

        def guard(route: Any) -> None:
            request = route.request
            if origin_of(request.url) == client_origin:
                captured.append((request.url, request.post_data or ""))
                route.fulfill(status=200, content_type="text/html", body="<html><body>client</body></html>")
            elif self.target.on_target(request.url):
                route.continue_()
            else:
                evidence.note(f"browser: blocked a request outside the profile: {origin_of(request.url)}")
                route.abort()

        page.route("**/*", guard)
        timeout_ms = self.settings.step_timeout_s * 1000
        page.set_default_timeout(timeout_ms)
        login_done = login_shown = consent_shown = False
        try:
            try:
                page.goto(url, wait_until="domcontentloaded")
            except Exception as exc:  # navigation to the captured client URL may abort
                if not captured:
                    _navigation_failed(exc, loops, chain, url)
            deadline = time.monotonic() + self.settings.step_timeout_s * 4
            while not captured and time.monotonic() < deadline:
                if loops:
                    raise loops[0]
                if page.locator(self.settings.login_page_selector).count() and user is not None:
                    login_shown = True
                    if login_done:
                        raise HarnessError("the login page came back after submitting credentials: "
                                           "check the profile's user and login.browser steps")
                    self._run(page, self.settings.login_steps, user)
                    login_done = True
                elif self.settings.consent_page_selector and page.locator(
                        self.settings.consent_page_selector).count():
                    consent_shown = True
                    steps = self.settings.approve_steps if consent == "approve" else self.settings.deny_steps
                    self._run(page, steps, user)
                elif page.locator(self.settings.login_page_selector).count():
                    login_shown = True
                    break  # login required but no user: the caller wants to see the page
                else:
                    page.wait_for_load_state("domcontentloaded")
                    if not captured:
                        break
                page.wait_for_timeout(50)
            self._screenshot(page, "final")
            if loops and not captured:
                raise loops[0]
            if captured:
                final_url, body = captured[-1]
                # the authorization response, if it arrives at the request's redirect_uri (RFC 6749 §3.1.2.4)
                if body:
                    return at_sent_redirect_uri(AuthorizationOutcome(
                        redirect_url=final_url, form=dict(parse_qsl(body)), via="form_post",
                        login_form_shown=login_shown, consent_form_shown=consent_shown), redirect_uri)
                return at_sent_redirect_uri(AuthorizationOutcome.from_redirect(
                    final_url, login_form_shown=login_shown, consent_form_shown=consent_shown), redirect_uri)
            return AuthorizationOutcome(
                via="error_page", login_form_shown=login_shown, consent_form_shown=consent_shown,
                error_page=ErrorPage(url=page.url, status=200, text_excerpt=page.content()[:600]))
        finally:
            page.close()

    def run_steps(self, page: Any, steps: list[BrowserAction], user: User | None,
                  extra: Mapping[str, str] | None = None) -> None:
        """Run declarative steps on ``page``; ``value`` placeholders: ``{username}``, ``{password}``, ``extra``."""
        self._run(page, steps, user, extra)

    def screenshot(self, page: Any, name: str) -> None:
        """Save a screenshot of ``page`` as evidence (when a screenshot directory is set)."""
        self._screenshot(page, name)

    def _run(self, page: Any, steps: list[BrowserAction], user: User | None,
             extra: Mapping[str, str] | None = None) -> None:
        values = {**(extra or {}), "username": user.username if user else "",
                  "password": user.password.get_secret_value() if user else ""}
        for step in steps:
            if step.fill is not None:
                page.fill(step.fill, (step.value or "").format(**values))
            elif step.click is not None:
                page.click(step.click)
            elif step.wait_for is not None:
                page.wait_for_selector(step.wait_for)
        page.wait_for_load_state("domcontentloaded")
        where = urlsplit(page.url)
        evidence.note(f"browser: ran {len(steps)} steps, now at {where.scheme}://{where.netloc}{where.path}")

    def _screenshot(self, page: Any, name: str) -> None:
        if self.screenshot_dir is None:
            return
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        path = self.screenshot_dir / f"{int(time.time() * 1000)}-{name}.png"
        try:
            page.screenshot(path=str(path))
        except Exception:  # a screenshot is evidence, not a step: never fail the flow for it
            return
        evidence.current().screenshots.append(str(path))
