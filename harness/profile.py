"""The target profile: where a deployment is, which clients to use, and what it is documented to do.

A profile is a YAML file validated into the typed models below (``extra="forbid"``
everywhere, so a misspelt key is an error, not a silently ignored setting). Strings may
reference environment variables as ``${NAME}`` (``$${`` escapes a literal ``${``); any
``*_file`` path is resolved relative to the profile file. Every problem is reported with
the YAML path of the offending value and a hint, before anything runs.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from harness.curl import is_secret_key, register_placeholder
from harness.documented_settings import removed_settings_in, unverified_stated
from harness.redaction import register_secret
from harness.results import ProfileError


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuthMethod(StrEnum):
    """Client authentication methods (RFC 6749 §2.3, OIDC Core §9, RFC 8705)."""

    CLIENT_SECRET_BASIC = "client_secret_basic"
    CLIENT_SECRET_POST = "client_secret_post"
    CLIENT_SECRET_JWT = "client_secret_jwt"
    PRIVATE_KEY_JWT = "private_key_jwt"
    TLS_CLIENT_AUTH = "tls_client_auth"
    SELF_SIGNED_TLS_CLIENT_AUTH = "self_signed_tls_client_auth"
    NONE = "none"


SECRET_METHODS = {AuthMethod.CLIENT_SECRET_BASIC, AuthMethod.CLIENT_SECRET_POST,
                  AuthMethod.CLIENT_SECRET_JWT}
TLS_METHODS = {AuthMethod.TLS_CLIENT_AUTH, AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH}


class EncryptionSetting(_Model):
    """A documented JWE setting: key-management ``alg`` and content ``enc``."""

    alg: str
    enc: str


class ClientDocumented(_Model):
    """Per-client settings the deployment is documented to enforce (each becomes a check)."""

    require_pkce: bool = False
    require_par: bool = Field(default=False, description=(
        'PingFederate "Require Pushed Authorization Requests" (RFC 9126 require_pushed_authorization_requests): '
        "authorization requests without a pushed request_uri are refused"))
    require_signed_requests: bool = Field(default=False, description=(
        'PingFederate "Require Signed Requests" (RFC 9101 require_signed_request_object): authorization '
        "requests without a signed request object are refused"))
    request_object_signing_alg: str | None = Field(default=None, description=(
        'PingFederate "Request Object Signing Algorithm" (request_object_signing_alg): the only JWS alg '
        "accepted for this client's request objects"))
    request_object_encryption: EncryptionSetting | None = Field(default=None, description=(
        "Key-management alg and content enc this client uses to encrypt request objects to the server "
        "(request_object_encryption_alg/_enc; Ubisecure, Keycloak \"Request object encryption\")"))
    request_object_max_lifetime_s: int | None = Field(default=None, gt=0, description=(
        'Longest exp - nbf window accepted in a request object (Keycloak client policy executor '
        '"secure-request-object" "Available Period"; FAPI 1.0 Advanced requires 3600)'))
    require_jarm: bool = Field(default=False, description=(
        'PingFederate "Require JWT Secured Authorization Response Mode": requests without a JWT '
        "response_mode (jwt, query.jwt, fragment.jwt, form_post.jwt) are refused"))
    jarm_signing_alg: str | None = Field(default=None, description=(
        'PingFederate "JARM Signing Algorithm" (authorization_signed_response_alg; default RS256)'))
    jarm_encryption: EncryptionSetting | None = Field(default=None, description=(
        'PingFederate "JARM Key Management Encryption Algorithm" / "JARM Content Encryption Algorithm" '
        "(authorization_encrypted_response_alg/_enc)"))
    restrict_response_types: bool = Field(default=False, description=(
        'PingFederate "Restrict Response Types": the server refuses a response_type not in this client\'s '
        "response_types (OIDC Registration response_types)"))
    restrict_scopes: bool = Field(default=False, description=(
        'PingFederate "Restrict Common Scopes": a known scope not in this client\'s scope is refused with '
        "invalid_scope"))
    id_token_signing_alg: str = "RS256"
    id_token_encryption: EncryptionSetting | None = None
    userinfo_signing_alg: str | None = Field(default=None, description=(
        "userinfo_signed_response_alg the client is registered with (OIDC Registration §2): its UserInfo "
        "responses are JWTs (application/jwt) signed with this alg"))
    userinfo_encryption: EncryptionSetting | None = Field(default=None, description=(
        "userinfo_encrypted_response_alg/_enc the client is registered with (OIDC Registration §2): its UserInfo "
        "responses are JWEs (signed then encrypted when userinfo_signing_alg is set too); needs jwks_file"))
    refresh_token_rolling: bool | None = None
    assertion_replay_prevention: bool = Field(
        default=False, description="A client assertion (jti) is accepted only once (PingFederate private_key_jwt "
        "\"Replay Prevention\"; RFC 7523 §3)")
    token_endpoint_auth_signing_alg: str | None = Field(
        default=None, description="The only algorithm accepted for the client's authentication JWTs (PingFederate "
        "private_key_jwt \"Signing Algorithm\"; OIDC Registration token_endpoint_auth_signing_alg)")
    dpop_bound: bool = Field(default=False, description=(
        'Access tokens are DPoP-bound (RFC 9449 §5.2 dpop_bound_access_tokens; Keycloak "OAuth 2.0 DPoP '
        'Bound Access Tokens Enabled"): the client sends DPoP proofs and gets token_type DPoP'))
    certificate_bound: bool = Field(default=False, description=(
        "Access tokens are bound to the client's TLS certificate (RFC 8705 §3.4 "
        'tls_client_certificate_bound_access_tokens; Keycloak "OAuth 2.0 Mutual TLS Certificate Bound '
        'Access Tokens Enabled"); cert_file/key_file are the certificate'))
    ciba_delivery_mode: Literal["poll", "ping", "push"] | None = Field(
        default=None, description='CIBA token delivery (PingFederate "Token Delivery Method"; poll when not stated)')
    ciba_notification_endpoint: str | None = Field(
        default=None, description='https URL the server notifies in ping/push mode (PingFederate "Notification '
                                  'Endpoint"); the harness hosts it (login.ciba.receiver)')
    ciba_signed_requests: bool = Field(
        default=False, description='Backchannel requests must be signed request objects (PingFederate "Require '
                                   'CIBA Signed Requests")')
    ciba_request_signing_alg: str | None = Field(
        default=None, description='The only accepted signing alg of CIBA request objects (PingFederate "CIBA '
                                  'Request Object Signing Algorithm")')


class Client(_Model):
    """A test client registered at the target."""

    id: str = Field(min_length=1)
    description: str = ""
    auth_method: AuthMethod
    secret: SecretStr | None = None
    jwks_file: Path | None = Field(default=None, description="Private JWKS (signing/decryption keys)")
    cert_file: Path | None = Field(default=None, description="PEM client certificate for mTLS")
    key_file: Path | None = Field(default=None, description="PEM private key for cert_file")
    redirect_uris: list[str] = Field(default_factory=list)
    grant_types: list[str] = Field(default_factory=lambda: ["authorization_code"])
    response_types: list[str] = Field(default_factory=lambda: ["code"])
    scope: str = "openid"
    documented: ClientDocumented = ClientDocumented()
    use_in_suites: bool = Field(default=True, description="False: never pick this client automatically")
    fapi: Literal["2.0-security", "2.0-message-signing", "1.0-advanced", "ciba"] | None = Field(
        default=None, description=(
            "The FAPI profile this client is registered under: checks apply FAPI's stricter or different "
            "expectations to it (e.g. FAPI 2.0 SP 5.3.2.1: the AS accepts only its issuer as assertion aud)"))

    @property
    def is_fapi2(self) -> bool:
        """Whether the client is a FAPI 2.0 (Security Profile or Message Signing) client."""
        return self.fapi in ("2.0-security", "2.0-message-signing")

    @property
    def is_public(self) -> bool:
        """A public client has no credentials (``auth_method: none``)."""
        return self.auth_method is AuthMethod.NONE

    @model_validator(mode="after")
    def _credentials_match_method(self) -> Client:
        if self.auth_method in SECRET_METHODS and self.secret is None:
            raise ValueError(f"auth_method {self.auth_method.value} needs 'secret'")
        if self.auth_method is AuthMethod.PRIVATE_KEY_JWT and self.jwks_file is None:
            raise ValueError("auth_method private_key_jwt needs 'jwks_file' (the private JWKS)")
        if self.auth_method in TLS_METHODS and (self.cert_file is None or self.key_file is None):
            raise ValueError(f"auth_method {self.auth_method.value} needs 'cert_file' and 'key_file'")
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("'cert_file' and 'key_file' go together")
        if "authorization_code" in self.grant_types and not self.redirect_uris:
            raise ValueError("a client with the authorization_code grant needs 'redirect_uris'")
        return self


class User(_Model):
    """A test user the login drivers can sign in."""

    username: str
    password: SecretStr
    claims: dict[str, Any] = Field(default_factory=dict, description=(
        "Claims the user is documented to have (OIDC Core §5.1 standard claims), released with these values "
        "when a scope value (§5.4) or the claims parameter (§5.5) requests them and the user approves"))


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


class CibaApproval(_Model):
    """How the user approves a CIBA request on "the other device" (CIBA §8).

    ``none`` skips the checks that need a decision; ``manual`` prints what to do and waits,
    bounded by the request lifetime. ``command`` is an argv list; its items may use
    ``{auth_req_id}``, ``{decision}``, ``{client_id}``, ``{login_hint}``, ``{binding_message}``
    (also exported as ``CIBA_AUTH_REQ_ID``, ``CIBA_DECISION``, ...).
    """

    mode: Literal["none", "http", "browser", "command", "manual"] = "none"
    login_hint: str = Field(default="{username}", description="login_hint for a user: {username} or a claim, "
                                                             "e.g. {email}")
    http: CibaHttpApproval | None = None
    browser: CibaBrowserApproval | None = None
    command: list[str] | None = Field(default=None, min_length=1)
    command_timeout_s: float = Field(default=30.0, gt=0)
    receiver: CibaReceiver = CibaReceiver()

    @model_validator(mode="after")
    def _mode_settings(self) -> CibaApproval:
        needed = {"http": self.http, "browser": self.browser, "command": self.command}
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


class Tls(_Model):
    """How the harness trusts the target's TLS certificates."""

    verify: bool = True
    ca_file: Path | None = None


class Timeouts(_Model):
    """Network timeouts in seconds; every exchange is bounded by them."""

    connect: float = Field(default=5.0, gt=0)
    read: float = Field(default=10.0, gt=0, description="Longest silence while waiting for bytes")
    exchange: float | None = Field(default=None, gt=0,
                                   description="Whole request/response deadline (default connect + 2 x read)")


class AccessTokenSettings(_Model):
    """Documented access-token settings (RFC 9068; PingFederate JSON Token Management instance)."""

    format: Literal["opaque", "jwt"] = Field(
        default="opaque", description="Format of access tokens issued without a resource indicator")
    lifetime_s: int | None = Field(
        default=None, gt=0, description="JWT access-token lifetime exp - iat (PingFederate \"Token Lifetime\", "
        "default 120 minutes)")
    typ: str = Field(default="at+jwt", description="JWT header typ (PingFederate \"Type Header Value\"; "
                     "RFC 9068 requires at+jwt)")
    signing_alg: str | None = Field(default=None, description="JWS algorithm of JWT access tokens "
                                    "(PingFederate \"JWS Algorithm\")")
    kid_header: bool | None = Field(default=None, description="kid header present (PingFederate \"Include Key "
                                    "ID Header Parameter\", selected by default)")
    x5t_header: bool | None = Field(default=None, description="x5t header present (PingFederate \"Include "
                                    "X.509 Thumbprint Header Parameter\", not selected by default)")
    client_id_claim: str = Field(default="client_id", description="Claim carrying the client id (PingFederate "
                                 "\"Client ID Claim Name\")")
    scope_claim: str = Field(default="scope", description="Claim carrying the scope (PingFederate \"Scope "
                             "Claim Name\")")
    scope_format: Literal["string", "array"] = Field(
        default="string", description="string: space-delimited (PingFederate \"Space Delimit Scope Values\" "
        "selected; RFC 9068); array: JSON array (PingFederate default)")
    jti_length: int | None = Field(default=None, ge=0, description="Length of the jti claim (PingFederate "
                                   "\"JWT ID Claim Length\"; 0 = no jti)")
    audience: str | None = Field(default=None, description="Fixed aud value (PingFederate \"Audience Claim "
                                 "Value\"); unset: aud is the requested resource")
    encryption: EncryptionSetting | None = Field(
        default=None, description="JWT access tokens are JWE with this alg/enc (PingFederate \"JWE Algorithm\" / "
        "\"JWE Content Encryption Algorithm\")")


class RefreshSettings(_Model):
    """Documented refresh-token policy (RFC 6749 §6, RFC 9700 §4.14)."""

    rotation: bool | None = Field(default=None, description="A new refresh token is issued on every use and the "
                                  "old one is refused (PingFederate \"Roll Refresh Token Values\"; a client's "
                                  "refresh_token_rolling overrides it)")
    reuse_revokes_family: bool | None = Field(
        default=None, description="Presenting a rotated-out refresh token revokes the whole grant (RFC 9700 "
        "§4.14.2 refresh token reuse detection)")
    lifetime_s: int | None = Field(default=None, gt=0, description="Refresh token lifetime (PingFederate "
                                   "\"Persistent Grants Max Lifetime\")")
    rolling_interval_s: int | None = Field(default=None, ge=0, description=(
        'Minimum time between two rolls (PingFederate "Minimum Interval to Roll Refresh Tokens" / client "Refresh '
        'Token Rolling Interval", in hours there: give seconds); a refresh sooner keeps the refresh token'))
    grace_period_s: int | None = Field(default=None, ge=0, description=(
        'How long a rolled-out refresh token stays valid (PingFederate "Refresh Token Rolling Grace Period", '
        "seconds); the rotation checks reuse it only after this time"))


class IntrospectionSettings(_Model):
    """Documented introspection behaviour (RFC 7662, RFC 9701)."""

    client: str | None = Field(default=None, description="Client id used to call introspection (PingFederate "
                               "client with the \"Access Token Validation (Client is a Resource Server)\" grant)")
    jwt_response: bool = Field(default=False, description="Answers Accept: application/token-introspection+jwt "
                               "with an RFC 9701 JWT")
    jwt_signing_alg: str | None = Field(default=None, description="JWS algorithm of JWT introspection responses "
                                        "(PingFederate \"Token Introspection Signing Algorithm\", default RS256)")
    foreign_tokens_inactive: bool | None = Field(
        default=None, description="A client other than 'client' introspecting another client's token gets "
        "{\"active\": false} (RFC 7662 §2.2: not allowed to introspect this token)")


class RevocationSettings(_Model):
    """Documented revocation behaviour (RFC 7009).

    ``client`` (a revocation caller) was removed: RFC 7009 §2.1 binds revocation to the client the
    token was issued to, so no check could verify it (``harness.documented_settings.REMOVED``).
    """

    refresh_revokes_access_tokens: bool | None = Field(
        default=None, description="Revoking a refresh token also invalidates the access tokens of the same grant "
        "(RFC 7009 §2.1 SHOULD)")


class ParSettings(_Model):
    """Documented PAR behaviour (RFC 9126)."""

    request_uri_lifetime_s: int | None = Field(default=None, gt=0, description=(
        'Lifetime of a pushed request_uri in seconds (Keycloak realm setting "Pushed Authorization Request '
        'Lifespan"); the PAR response\'s expires_in must equal it'))
    request_uri_single_use: bool | None = Field(default=None, description=(
        "A request_uri is accepted once (RFC 9126 §4 SHOULD); true makes reuse a failure instead of a warning"))


class DeviceSettings(_Model):
    """Documented device-grant behaviour (RFC 8628; PingFederate device settings)."""

    polling_interval_s: int | None = Field(
        default=None, ge=1, description='The "interval" of device authorization responses (PingFederate "Device '
                                        'Polling Interval")')
    code_lifetime_s: int | None = Field(
        default=None, ge=1, description='Lifetime of device_code and user_code (PingFederate "Pending '
                                        'Authorization Timeout")')
    slow_down: bool = Field(default=False, description="Polling faster than the interval gives slow_down "
                                                       "(RFC 8628 §3.5)")
    bypass_activation_code_confirmation: bool = Field(
        default=False, description='verification_uri_complete skips the user-code confirmation (PingFederate '
                                   '"Bypass Activation Code Confirmation")')


class CibaSettings(_Model):
    """Documented CIBA behaviour (OpenID CIBA Core; PingFederate CIBA settings)."""

    polling_interval_s: int | None = Field(
        default=None, ge=1, description='The "interval" of backchannel authentication responses (PingFederate CIBA '
                                        '"Polling Interval (seconds)", default 3)')
    request_lifetime_s: int | None = Field(
        default=None, ge=1, description='Lifetime of auth_req_id (PingFederate CIBA request policy: maximum '
                                        'lifetime of authentication requests)')
    slow_down: bool = Field(
        default=False, description='Polling faster than the interval gives slow_down (PingFederate CIBA "Polling '
                                   'Interval": "it returns a slow_down error message")')
    user_code: bool = Field(default=False, description='The server accepts user_code (PingFederate CIBA "User Code '
                                                       'Support")')


class DpopSettings(_Model):
    """Documented DPoP behaviour (RFC 9449)."""

    nonce_required: bool = Field(default=False, description=(
        "The token endpoint (and UserInfo) demand a server nonce in every DPoP proof (RFC 9449 §8; "
        "oidc-provider features.dPoP.requireNonce, Curity DPoP nonces when use-legacy-dpop is false)"))
    replay_prevention: bool = Field(default=True, description=(
        "A DPoP proof (its jti) is accepted only once (RFC 9449 §11.1; oidc-provider "
        "features.dPoP.allowReplay: false); false skips the replay checks"))


class ResourceServer(_Model):
    """A protected resource the harness may call with access tokens (for RS-side checks)."""

    url: str
    access_token_format: Literal["opaque", "jwt"] = "opaque"
    audience: str | None = Field(default=None, description="The resource indicator / JWT aud for this RS")
    dpop: bool = False
    mtls: bool = False
    scope: str | None = Field(default=None, description="Scope to request for tokens for this resource")
    method: Literal["GET", "POST"] = Field(
        default="GET", description="HTTP method of a harmless request to this resource (for RS-side checks)")
    dpop_nonce_required: bool = Field(default=False, description=(
        "This resource demands a server nonce in DPoP proofs (RFC 9449 §9: 401 use_dpop_nonce + DPoP-Nonce)"))
    jwks_file: Path | None = Field(default=None, description=(
        "Private JWKS of this resource, to check that a cnf.jwe in its tokens is decryptable by it (RFC 7800 §3.3)"))
    fetch_jku: bool = Field(default=False, description=(
        "The harness may fetch cnf.jku key-set URLs of tokens for this resource (RFC 7800 §3.5); their "
        "origin must also be in allowed_origins"))
    access_token_lifetime_s: int | None = Field(
        default=None, gt=0, description="Documented lifetime of access tokens issued for this resource")


class Documented(_Model):
    """Server-wide documented behaviour; each stated setting becomes a check (``DOC-<name>``)."""

    authorization_code_lifetime_s: int | None = None
    id_token_lifetime_s: int | None = None
    access_token: AccessTokenSettings = AccessTokenSettings()
    pkce_methods: list[str] | None = None
    acr_values: list[str] = Field(default_factory=list)
    refresh: RefreshSettings = RefreshSettings()
    introspection: IntrospectionSettings = IntrospectionSettings()
    revocation: RevocationSettings = RevocationSettings()
    par: ParSettings = ParSettings()
    device: DeviceSettings = DeviceSettings()
    ciba: CibaSettings = CibaSettings()
    dpop: DpopSettings = DpopSettings()
    resources: list[ResourceServer] = Field(default_factory=list)


class Limits(_Model):
    """Caps on waits and resources, so a misbehaving target cannot stall or exhaust the run."""

    max_expiry_wait_s: float = Field(default=30.0, ge=0)
    entropy_samples: int = Field(default=4, ge=2, le=50)
    max_response_bytes: int = Field(default=5_000_000, ge=1024, description="Largest response body read")
    run_deadline_s: float | None = Field(
        default=None, gt=0, description=(
            "Whole-run deadline; checks not started by then end broken, and a check still running 5 s later is "
            "interrupted (the run ends incomplete, with its reports)"))
    max_workers: int | None = Field(
        default=None, ge=1, description=(
            "Most parallel workers the target tolerates (1: one check at a time), for servers that misbehave "
            "under concurrent requests, e.g. Glewlwyd on SQLite"))


class RequestObjectHost(_Model):
    """The HTTPS endpoint the harness hosts request objects on, for ``request_uri`` by reference.

    OIDC Core §6.2: "The request_uri value is a URL using the https scheme referencing a
    resource containing a Request Object value"; the target must be able to reach it (RFC 9101
    §5.2). The harness listens on loopback with this certificate (which the target must trust)
    at ``listen_port`` (0: a free port per check) and serves each object once under a random path.
    """

    cert_file: Path
    key_file: Path
    listen_host: str = Field(default="127.0.0.1", description="Loopback address to listen on")
    listen_port: int = Field(default=0, ge=0, le=65535, description="0: any free port (no pre-registration)")
    public_base_url: str | None = Field(default=None, description=(
        "https base URL the target uses to reach the listener when it differs from https://<listen_host>:<port> "
        "(e.g. a tunnel); needed when request_uris must be pre-registered"))


class KeyRotationHook(_Model):
    """How the harness asks the target to rotate its signing keys mid-run (OIDC Core §10.1.1).

    An HTTP POST of ``{"client_id": "<client>"}`` to ``url`` with ``Authorization: Bearer <token>``;
    after it answers 2xx, tokens issued to ``client`` are signed with a new key published at
    ``jwks_uri``. Without this section the rotation check is skipped.
    """

    url: str
    token: SecretStr | None = None
    client: str = Field(description="Client whose ID Tokens the check requests before and after the rotation")


class TargetProfile(_Model):
    """A deployment under test."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str = ""
    issuer: str
    discovery_url: str | None = None
    production: bool = Field(default=False, description="Production profiles require https everywhere")
    allowed_origins: list[str] = Field(
        default_factory=list, description="Further origins (scheme://host:port) the harness may contact")
    tls: Tls = Tls()
    timeouts: Timeouts = Timeouts()
    clients: list[Client] = Field(min_length=1)
    users: list[User] = Field(min_length=1)
    login: Login = Login()
    documented: Documented = Documented()
    limits: Limits = Limits()
    plugins: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Settings of plugin suites, one section per suite name")
    deviations_file: Path | None = Field(
        default=None, description="Known-deviations YAML of this target (expected failures and warnings)")
    endpoints: dict[str, str] = Field(default_factory=dict, description=(
        "Endpoints the deployment serves but does not advertise in its discovery document, by metadata "
        "member name (e.g. device_authorization_endpoint: https://as.example/device-authorization/); "
        "an advertised value always wins"))
    request_object_host: RequestObjectHost | None = Field(default=None, description=(
        "Where the harness hosts request objects for request_uri by reference (request_by_reference suite)"))
    key_rotation: KeyRotationHook | None = Field(default=None, description=(
        "Hook that rotates the target's signing keys mid-run (keys suite); without it the rotation check skips"))
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("issuer", "discovery_url")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"must be an absolute http(s) URL, got {value!r}")
        return value

    @field_validator("endpoints")
    @classmethod
    def _endpoint_urls(cls, values: dict[str, str]) -> dict[str, str]:
        for member, url in values.items():
            if not member.endswith("_endpoint"):
                raise ValueError(f"{member!r} is not an endpoint metadata member (name ends in _endpoint)")
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{member}: must be an absolute http(s) URL, got {url!r}")
        return values

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        for value in values:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
                raise ValueError(f"an origin is scheme://host[:port] with no path, got {value!r}")
        return [v.rstrip("/") for v in values]

    @model_validator(mode="after")
    def _unique_client_ids(self) -> TargetProfile:
        seen: set[str] = set()
        for client in self.clients:
            if client.id in seen:
                raise ValueError(f"client id {client.id!r} appears twice")
            seen.add(client.id)
        return self

    @property
    def effective_discovery_url(self) -> str:
        """The discovery document URL (OIDC Discovery §4 when not given explicitly)."""
        return self.discovery_url or self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def client(self, client_id: str) -> Client:
        """The client with this id, or a :class:`ProfileError`."""
        for client in self.clients:
            if client.id == client_id:
                return client
        raise ProfileError(f"the profile has no client {client_id!r}")


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------

_ENV_REF = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_FILE_KEYS = {"jwks_file", "cert_file", "key_file", "ca_file", "deviations_file"}


def _loc(parts: tuple[int | str, ...] | list[int | str]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "<root>"


def _substitute(node: Any, env: Mapping[str, str], path: list[int | str],
               missing: dict[str, list[str]] | None = None) -> Any:
    """``node`` with its ``${NAME}`` references replaced; unset names are collected in ``missing``.

    A secret read from a reference (``secret: ${NAME}``) is registered as the ``${NAME}`` placeholder
    of the curl lines, so a reproduce line names the variable and never holds the value.
    """
    top = missing is None
    missing = {} if missing is None else missing
    if isinstance(node, dict):
        out: Any = {k: _substitute(v, env, [*path, str(k)], missing) for k, v in node.items()}
    elif isinstance(node, list):
        out = [_substitute(v, env, [*path, i], missing) for i, v in enumerate(node)]
    elif isinstance(node, str):
        def repl(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            name = match.group(1)
            if name not in env:
                missing.setdefault(name, []).append(_loc(path))
                return ""
            if path and is_secret_key(str(path[-1])) and match.group(0) == node:
                register_placeholder(env[name], name)
            return env[name]
        out = _ENV_REF.sub(repl, node)
    else:
        out = node
    if top and missing:
        lines = [f"  environment variable {name} is not set (used at {', '.join(where)})"
                 for name, where in missing.items()]
        exports = "; ".join(f"export {name}=..." for name in missing)
        raise ProfileError(f"{len(missing)} environment variable(s) the profile references are not set:\n"
                           + "\n".join(lines) + f"\n(hint: {exports} — or replace the references)")
    return out


def _resolve_files(node: Any, base: Path, path: list[int | str]) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _FILE_KEYS and isinstance(value, str):
                file_path = Path(value) if Path(value).is_absolute() else base / value
                _check_readable(file_path, key, [*path, key])
                out[key] = str(file_path)
            elif key == "secret_file" and isinstance(value, str):
                file_path = Path(value) if Path(value).is_absolute() else base / value
                _check_readable(file_path, key, [*path, key])
                if "secret" in node:
                    raise ProfileError(f"{_loc(path)}: give either 'secret' or 'secret_file', not both")
                out["secret"] = file_path.read_text(encoding="utf-8").strip()
            elif key == "password_file" and isinstance(value, str):
                file_path = Path(value) if Path(value).is_absolute() else base / value
                _check_readable(file_path, key, [*path, key])
                out["password"] = file_path.read_text(encoding="utf-8").strip()
            else:
                out[key] = _resolve_files(value, base, [*path, key])
        return out
    if isinstance(node, list):
        return [_resolve_files(v, base, [*path, i]) for i, v in enumerate(node)]
    return node


def _check_readable(file_path: Path, key: str, path: list[int | str]) -> None:
    try:
        data = file_path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"{_loc(path)}: cannot read {file_path}: {exc.strerror or exc} "
                           f"(hint: paths are relative to the profile file)") from exc
    if key == "jwks_file":
        try:
            parsed = json.loads(data)
            if not isinstance(parsed.get("keys"), list):
                raise ValueError("no 'keys' array")
        except (ValueError, AttributeError) as exc:
            raise ProfileError(f"{_loc(path)}: {file_path} is not a JWK Set ({exc})") from exc
    elif key in ("cert_file", "key_file", "ca_file") and b"-----BEGIN " not in data:
        raise ProfileError(f"{_loc(path)}: {file_path} is not a PEM file")


def _hint_for(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "extra_forbidden":
        return "unknown key (hint: check the spelling; see fixtures/profile.schema.json)"
    if kind == "missing":
        return "required key is missing"
    if kind in ("enum", "literal_error"):
        return str(error.get("msg", ""))
    return str(error.get("msg", "invalid value"))


def parse_profile(data: Any, *, base_dir: Path, env: Mapping[str, str] | None = None,
                  source: str = "<profile>") -> TargetProfile:
    """Validate already-parsed YAML data into a :class:`TargetProfile`."""
    if not isinstance(data, dict):
        raise ProfileError(f"{source}: the profile must be a YAML mapping, got {type(data).__name__}")
    environment = dict(os.environ if env is None else env)
    data = _substitute(data, environment, [])
    data = _resolve_files(data, base_dir, [])
    removed = removed_settings_in(data)
    if removed:
        raise ProfileError(f"{source}: invalid target profile:\n" + "\n".join(f"  {line}" for line in removed))
    try:
        profile = TargetProfile.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: invalid target profile:"]
        for error in exc.errors():
            loc = [p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
            lines.append(f"  {_loc(loc)}: {_hint_for(error)}")
        raise ProfileError("\n".join(lines)) from None
    unread = unverified_stated(profile)
    if unread:
        raise ProfileError(f"{source}: invalid target profile:\n" + "\n".join(
            f"  {key}: no check verifies this documented setting, so stating it would suggest a verification "
            "that never happens (see oauth-harness documented)" for key in unread))
    for client in profile.clients:
        if client.secret is not None:
            register_secret(client.secret.get_secret_value())
    for user in profile.users:
        register_secret(user.password.get_secret_value())
    if profile.key_rotation is not None and profile.key_rotation.token is not None:
        register_secret(profile.key_rotation.token.get_secret_value())
    return profile


def load_profile(path: str | Path, *, env: Mapping[str, str] | None = None) -> TargetProfile:
    """Read, substitute and validate a profile file; raise :class:`ProfileError` on any problem."""
    file_path = Path(path)
    try:
        text = file_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"cannot read target profile {file_path}: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError(f"{file_path}: not valid YAML: {exc}") from exc
    profile = parse_profile(data, base_dir=file_path.resolve().parent, env=env, source=str(file_path))
    return profile.model_copy(update={"path": file_path.resolve()})


def profile_json_schema() -> dict[str, Any]:
    """The JSON Schema of the profile format, for editors."""
    schema = TargetProfile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "oauth-harness target profile"
    schema["properties"].pop("path", None)
    return schema
