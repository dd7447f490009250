"""The profile of one deployment under test: where it is and what the harness may use."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from harness.profile._base import _Model
from harness.profile.clients import Client, User
from harness.profile.documented import Documented
from harness.profile.login import Login
from harness.profile.logout import LogoutSettings
from harness.profile.registration import Registration
from harness.profile.run_settings import KeyRotationHook, Limits, RequestObjectHost
from harness.profile.transport import Timeouts, Tls
from harness.profile.transport_policy import TransportPolicy
from harness.results import ProfileError


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
    logout: LogoutSettings = Field(default_factory=LogoutSettings, description=(
        "How the logout suite answers the OP's logout page and hosts back-channel logout URIs"))
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
    registration: Registration = Field(default_factory=Registration, description=(
        "Dynamic client registration (registration suite): endpoint override, initial access token, documented rules"))
    transport: TransportPolicy = Field(default_factory=TransportPolicy, description=(
        "Transport-security rules beyond the defaults (transport suite): FAPI 2.0 TLS suites, plain-http probes, "
        "pages"))
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
