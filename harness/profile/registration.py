"""Dynamic client registration settings of a target profile (registration suite: RFC 7591/7592, OIDC Registration)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from harness.profile._base import _Model
from harness.profile.run_settings import RequestObjectHost


class Registration(_Model):
    """How the harness registers throwaway clients at the target (RFC 7591 §3).

    The registration endpoint is the discovery document's ``registration_endpoint`` (RFC 8414 §2,
    OIDC Discovery §3) unless ``endpoint`` names it; without either the suite is skipped. Every
    client the suite registers is deleted again through RFC 7592 where the target offers it.

    ``register_hosted_clients`` lets other suites register a client whose endpoint the harness
    hosts (``harness/flows/hosted_clients.py``) when no profile client fits. Its default (unset)
    is what a user running a conformance harness expects -- coverage -- except on a server the
    profile says is in production (``production: true``), where creating clients is a side
    effect nobody asked for: there it takes ``true``.
    """

    endpoint: str | None = Field(default=None, description=(
        "Registration endpoint URL when discovery does not advertise registration_endpoint (an advertised "
        "value wins)"))
    initial_access_token: SecretStr | None = Field(default=None, description=(
        "Bearer token sent with every registration request (RFC 7591 §3: the endpoint MAY accept an initial "
        "access token to limit registration to previously authorized parties)"))
    initial_access_token_required: bool = Field(default=False, description=(
        "The deployment is documented to refuse registrations without the initial access token (checked: a "
        "registration without it must not succeed); needs initial_access_token"))
    software_statement: str | None = Field(default=None, description=(
        "A software statement (RFC 7591 §2.3, a JWT) the deployment's documentation issues to this harness; "
        "unset: the software_statement check is skipped"))
    web_redirect_uris_https_only: bool = Field(default=False, description=(
        "The deployment is documented to refuse http redirect URIs for web clients of every grant (OIDC "
        "Registration requires https only for web clients of the implicit grant)"))
    redirect_uri: str | None = Field(default=None, description=(
        "https redirect URI the registered clients use (the user agent stops there); unset: the first https "
        "redirect URI of the profile's code-flow clients"))
    second_redirect_uri: str | None = Field(default=None, description=(
        "A redirect URI on another host, for the pairwise check's second sector; unset: redirect_uri with "
        "its host prefixed by 'sector2.'"))
    scope: str = Field(default="openid", description="Scope the registered clients ask for in their code flows")
    register_hosted_clients: bool | None = Field(default=None, description=(
        "Whether checks that need a client whose endpoint the harness hosts (CIBA ping/push notification "
        "endpoint, backchannel_logout_uri, with keys at a harness-hosted jwks_uri where the target takes no "
        "client secret) may register one for the check (RFC 7591) when no profile client fits, and delete it "
        "at the check's end (RFC 7592). A fitting profile client is always used first. true: register whenever "
        "a registration endpoint is advertised (or named in endpoint); false: never (those checks are skipped, "
        "naming both options); unset: register unless the profile is a production profile (production: true) "
        "-- registering clients on a production server takes this explicit consent"))
    hosted_client_auth_method: Literal["client_secret_basic", "client_secret_post", "private_key_jwt"] | None = (
        Field(default=None, description=(
            "token_endpoint_auth_method of the clients registered for hosted endpoints; unset: client_secret_basic "
            "or client_secret_post when the target lists it (RFC 8414 default: client_secret_basic), else "
            "private_key_jwt with a fresh key the harness serves at the client's jwks_uri (sector_host)")))
    sector_host: RequestObjectHost | None = Field(default=None, description=(
        "Loopback HTTPS endpoint where the harness serves sector_identifier_uri documents (OIDC Registration "
        "§5), with a certificate the target trusts; unset: request_object_host's settings are used"))

    @field_validator("endpoint", "redirect_uri", "second_redirect_uri")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"must be an absolute http(s) URL, got {value!r}")
        return value
