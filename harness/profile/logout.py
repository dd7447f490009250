"""Logout: what each client registered for logout, and how the harness plays the user and the RP's endpoint.

Clients state their logout registration in ``clients[].logout`` (OIDC RP-Initiated Logout 1.0
§3.1 ``post_logout_redirect_uris``, Back-Channel Logout 1.0 §2.2, Front-Channel Logout 1.0 §2);
the profile's ``logout`` section says how to answer the OP's "log out?" page over HTTP and
where the harness hosts the back-channel logout URI (loopback HTTPS).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from harness.profile._base import _Model
from harness.profile.login import FormButton


def _https_url(value: str | None, what: str) -> str | None:
    if value is None:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{what} must be an absolute http(s) URL, got {value!r}")
    return value


class ClientLogout(_Model):
    """A client's logout registration (the values registered at the OP)."""

    post_logout_redirect_uris: list[str] = Field(default_factory=list, description=(
        "post_logout_redirect_uris registered for the client (RP-Initiated Logout 1.0 §3.1)"))
    backchannel_logout_uri: str | None = Field(default=None, description=(
        "The client's registered backchannel_logout_uri (Back-Channel Logout 1.0 §2.2); the harness hosts "
        "it on loopback HTTPS (logout.receiver)"))
    backchannel_logout_session_required: bool = Field(default=False, description=(
        "backchannel_logout_session_required as registered: the Logout Token must carry sid"))
    frontchannel_logout_uri: str | None = Field(default=None, description=(
        "The client's registered frontchannel_logout_uri (Front-Channel Logout 1.0 §2)"))
    frontchannel_logout_session_required: bool = Field(default=False, description=(
        "frontchannel_logout_session_required as registered: iss and sid are added to the iframe URL"))

    @field_validator("post_logout_redirect_uris")
    @classmethod
    def _uris(cls, values: list[str]) -> list[str]:
        for value in values:
            _https_url(value, "post_logout_redirect_uris[]")
        return values

    @field_validator("backchannel_logout_uri", "frontchannel_logout_uri")
    @classmethod
    def _uri(cls, value: str | None) -> str | None:
        return _https_url(value, "a logout URI")


class LogoutConfirm(_Model):
    """How the harness answers the OP's logout confirmation page ("log out of the OP as well?")."""

    form_id: str | None = Field(default=None, description="id attribute of the confirmation form")
    button: FormButton | None = Field(default=None, description="The button meaning 'yes, log me out'")


class LogoutReceiver(_Model):
    """The HTTPS endpoint the harness hosts at a client's ``backchannel_logout_uri`` (loopback only)."""

    cert_file: Path | None = None
    key_file: Path | None = None
    listen_host: str | None = Field(default=None, description="Default: the URI's host (must be loopback)")
    listen_port: int | None = Field(default=None, ge=1, le=65535, description="Default: the URI's port")
    wait_s: float = Field(default=5.0, gt=0, le=60, description=(
        "How long to wait for the Logout Token after the logout was confirmed"))

    @model_validator(mode="after")
    def _pair(self) -> LogoutReceiver:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("'cert_file' and 'key_file' go together")
        return self


class LogoutSettings(_Model):
    """The profile's ``logout`` section."""

    confirm: LogoutConfirm = LogoutConfirm()
    receiver: LogoutReceiver = LogoutReceiver()
    max_steps: int = Field(default=8, ge=1, le=30, description="Most requests one logout may take")
