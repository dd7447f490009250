"""How the harness plays the user: login drivers, device verification, CIBA approval."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator

from harness.profile._base import _Model


class FormButton(_Model):
    """A submit button identified by its ``name`` and ``value``."""

    name: str
    value: str


class HttpFormLogin(_Model):
    """Login by plain HTML form posts: forms are identified by their ``id`` attribute."""

    login_form_id: str = "login-form"
    username_field: str = "username"
    password_field: str = "password"
    consent_form_id: str | None = "consent-form"
    consent_form_action: str | None = Field(default=None, description=(
        "The consent form, when it has no id, by a part of its action URL (e.g. Keycloak's "
        "login-oauth-grant.ftl posts to '/login-actions/consent'); consent_form_id wins when both match"))
    approve: FormButton | None = FormButton(name="decision", value="approve")
    deny: FormButton | None = FormButton(name="decision", value="deny")
    max_steps: int = Field(default=12, ge=1, le=50)


class BrowserAction(_Model):
    """One declarative browser step: exactly one of ``fill``/``click``/``wait_for``.

    ``value`` may use ``{username}`` and ``{password}`` placeholders.
    """

    fill: str | None = None
    click: str | None = None
    wait_for: str | None = None
    value: str | None = None

    @model_validator(mode="after")
    def _one_action(self) -> BrowserAction:
        chosen = [a for a in (self.fill, self.click, self.wait_for) if a is not None]
        if len(chosen) != 1:
            raise ValueError("a browser step has exactly one of 'fill', 'click', 'wait_for'")
        if self.fill is not None and self.value is None:
            raise ValueError("a 'fill' step needs a 'value'")
        return self


class BrowserLogin(_Model):
    """Login driven by Playwright on the system Chromium, as declarative steps."""

    executable: str = "/usr/bin/chromium"
    headless: bool = True
    ignore_https_errors: bool = Field(
        default=False, description="Only for test deployments whose CA the browser cannot be given")
    login_page_selector: str = "#login-form"
    login_steps: list[BrowserAction] = Field(default_factory=lambda: [
        BrowserAction(fill="#username", value="{username}"),
        BrowserAction(fill="#password", value="{password}"),
        BrowserAction(click="#submit"),
    ])
    consent_page_selector: str | None = "#consent-form"
    approve_steps: list[BrowserAction] = Field(default_factory=lambda: [BrowserAction(click="#approve")])
    deny_steps: list[BrowserAction] = Field(default_factory=lambda: [BrowserAction(click="#deny")])
    step_timeout_s: float = Field(default=10.0, gt=0)


class DeviceHttpForm(_Model):
    """The device verification pages (RFC 8628 §3.3) as plain HTML forms, identified by their ``id``.

    Login and consent on the way use ``login.http_form``.
    """

    user_code_form_id: str = "op.deviceInputForm"
    user_code_field: str = "user_code"
    confirm_form_id: str | None = Field(
        default="op.deviceConfirmForm", description="The page asking to confirm the code (None: never shown)")
    confirm: FormButton | None = Field(default=None, description="Button pressed to confirm (None: plain submit)")
    abort: FormButton | None = FormButton(name="abort", value="yes")
    success_marker: str = Field(default='id="device-success"',
                                description="Text of the page that says the device is now authorized")
    consent_form_id: str | None = Field(default=None, description=(
        "The device flow's consent form when it is not login.http_form's (e.g. django-oauth-toolkit's "
        "Accept/Deny page); None: login.http_form.consent_form_id"))
    consent_approve: FormButton | None = Field(
        default=None, description="Button that approves on that form (None: login.http_form.approve)")
    consent_deny: FormButton | None = Field(
        default=None, description="Button that denies on that form (None: login.http_form.deny)")
    max_steps: int = Field(default=12, ge=1, le=50)


class DeviceBrowser(_Model):
    """The device verification pages as browser steps; ``value`` may use ``{user_code}``."""

    user_code_page_selector: str = "[id='op.deviceInputForm']"
    user_code_steps: list[BrowserAction] = Field(default_factory=lambda: [
        BrowserAction(fill="[id='op.deviceInputForm'] input[name='user_code']", value="{user_code}"),
        BrowserAction(click="#submit"),
    ])
    confirm_page_selector: str | None = "[id='op.deviceConfirmForm']"
    confirm_steps: list[BrowserAction] = Field(default_factory=lambda: [BrowserAction(click="#confirm")])
    abort_steps: list[BrowserAction] = Field(default_factory=lambda: [BrowserAction(click="#abort")])
    success_selector: str = "#device-success"


class DeviceLogin(_Model):
    """How the harness plays the user of the device flow (enter the user code, log in, consent)."""

    http_form: DeviceHttpForm = DeviceHttpForm()
    browser: DeviceBrowser = DeviceBrowser()


class CibaHttpApproval(_Model):
    """Approve or deny a CIBA request with one HTTP call (e.g. a test-only approval API).

    ``url`` may use ``{auth_req_id}``, ``{decision}`` (``approve``/``deny``), ``{client_id}``.
    """

    url: str
    method: Literal["POST", "PUT", "GET"] = "POST"
    token: SecretStr | None = Field(default=None, description="Sent as Authorization: Bearer")
    body: dict[str, Any] | None = Field(default=None, description="JSON body (default: {})")


class CibaBrowserApproval(_Model):
    """Approve or deny on a web page: open ``url``, log in when asked, run the steps.

    ``url`` and step values may use ``{auth_req_id}``, ``{binding_message}``, ``{client_id}``.
    """

    url: str
    approve_steps: list[BrowserAction] = Field(min_length=1)
    deny_steps: list[BrowserAction] = Field(min_length=1)


class CibaReceiver(_Model):
    """The HTTPS notification endpoint the harness hosts for ping/push clients (CIBA §10.2, §10.3).

    It listens where the client's ``documented.ciba_notification_endpoint`` points (host and
    port of that URL unless overridden) with this server certificate.
    """

    cert_file: Path | None = None
    key_file: Path | None = None
    listen_host: str | None = Field(default=None, description="Default: the endpoint's host (must be loopback)")
    listen_port: int | None = Field(default=None, ge=1, le=65535, description="Default: the endpoint's port")
    wait_s: float = Field(default=10.0, gt=0, description="How long to wait for a notification after a decision")

    @model_validator(mode="after")
    def _pair(self) -> CibaReceiver:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("'cert_file' and 'key_file' go together")
        return self


class CibaChannel(_Model):
    """The authentication channel the harness hosts for servers that hand CIBA requests to one (mode ``channel``).

    The target POSTs each backchannel authentication request to ``listen_url`` (JSON with the
    binding message and login hint, ``Authorization: Bearer <its token>``); the harness answers
    ``callout_status`` and delivers the decision as ``POST callback_url`` with that bearer token
    and ``approve_body`` or ``deny_body`` (Keycloak's HTTP authentication channel: 201, then
    ``{"status": "SUCCEED"}`` / ``{"status": "CANCELLED"}`` at ``.../ext/ciba/auth/callback``).
    Every request the harness sends without a binding message gets one of its own choosing,
    which identifies the callout.
    """

    listen_url: str = Field(description="https://<loopback>:<port>/<path> the target's channel URI points to")
    cert_file: Path = Field(description="Server certificate of the listener (the target must trust its CA)")
    key_file: Path
    callback_url: str = Field(description="Where the decision is POSTed with the callout's bearer token")
    approve_body: dict[str, Any] = Field(default_factory=lambda: {"status": "SUCCEED"})
    deny_body: dict[str, Any] = Field(default_factory=lambda: {"status": "CANCELLED"})
    callout_status: int = Field(default=201, ge=200, le=299, description="The answer to a callout")
    binding_message_field: str = "binding_message"
    login_hint_field: str = "login_hint"
    wait_s: float = Field(default=10.0, gt=0, description="How long to wait for the callout of a request")


class CibaApproval(_Model):
    """How the user approves a CIBA request on "the other device" (CIBA §8).

    ``none`` skips the checks that need a decision; ``manual`` prints what to do and waits,
    bounded by the request lifetime; ``channel`` hosts the target's authentication channel
    (:class:`CibaChannel`). ``command`` is an argv list; its items may use
    ``{auth_req_id}``, ``{decision}``, ``{client_id}``, ``{login_hint}``, ``{binding_message}``
    (also exported as ``CIBA_AUTH_REQ_ID``, ``CIBA_DECISION``, ...).
    """

    mode: Literal["none", "http", "browser", "command", "manual", "channel"] = "none"
    login_hint: str = Field(default="{username}", description="login_hint for a user: {username} or a claim, "
                                                             "e.g. {email}")
    http: CibaHttpApproval | None = None
    browser: CibaBrowserApproval | None = None
    command: list[str] | None = Field(default=None, min_length=1)
    command_timeout_s: float = Field(default=30.0, gt=0)
    channel: CibaChannel | None = None
    receiver: CibaReceiver = CibaReceiver()

    @model_validator(mode="after")
    def _mode_settings(self) -> CibaApproval:
        needed = {"http": self.http, "browser": self.browser, "command": self.command, "channel": self.channel}
        if self.mode in needed and needed[self.mode] is None:
            raise ValueError(f"mode {self.mode} needs '{self.mode}'")
        return self


class GlewlwydLogin(_Model):
    """Login and consent through Glewlwyd's JSON API instead of HTML forms (driver ``glewlwyd``).

    The authorization endpoint redirects to ``login_page_path`` (a JavaScript app) with
    ``client_id``, ``scope`` and ``callback_url``; the driver does what that app does: it posts the
    credentials to ``auth_api_path``, grants the scopes with ``PUT grant_api_path``, then opens
    ``callback_url`` with ``continue_parameter`` appended.
    """

    login_page_path: str = Field(default="/login.html", description="Path of the login app the server redirects to")
    auth_api_path: str = Field(default="/api/auth/", description="POST {username, password} here to log in")
    grant_api_path: str = Field(default="/api/auth/grant/{client_id}",
                                description="PUT {scope} here to grant scopes to a client")
    continue_parameter: str = Field(default="g_continue", description="Appended to callback_url after login/grant")
    deny_supported: bool = Field(default=False, description=(
        "Whether the user can refuse consent so that the client gets access_denied; Glewlwyd's login app "
        "offers no such action (a user who does not grant simply does not continue), so deny checks skip"))
    max_steps: int = Field(default=12, ge=1, le=50)


class Login(_Model):
    """How the harness plays the user."""

    driver: Literal["http_form", "browser", "glewlwyd"] = "http_form"
    http_form: HttpFormLogin = HttpFormLogin()
    glewlwyd: GlewlwydLogin = GlewlwydLogin()
    browser: BrowserLogin = BrowserLogin()
    device: DeviceLogin = DeviceLogin()
    ciba: CibaApproval = CibaApproval()
