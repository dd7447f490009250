"""How the harness, as relying party, validates the ID Tokens it receives (``documented.relying_party``).

PingAM's OpenID Connect authentication module (``OpenIdConnectModule``) is a relying party: it
accepts an ID Token only from the configured issuer, for the configured audience and authorized
parties, verified with keys from a discovery URL, a JWK Set URL or the client secret. Stated here,
the same settings configure the harness's own ID Token validation (check
``id_token.documented_relying_party``). They only add expectations: OIDC Core §3.1.3.7 (``iss`` is
the discovery issuer, ``aud`` contains the client id, ``azp`` rules, keys from ``jwks_uri``) is still
applied by the spec checks of the ``id_token`` suite.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from harness.profile._base import _Model


class RelyingPartySettings(_Model):
    """The accepted issuer, audiences, authorized parties and key source of ID Token validation."""

    client: str | None = Field(default=None, min_length=1, description=(
        "The profile client the harness validates ID Tokens as (the PingAM module's OAuth client, whose \"Client "
        "Secret\" key_source client_secret uses); unset: the first confidential OpenID code client with asymmetric "
        "ID tokens, or with key_source client_secret the first documented with an HS* id_token_signing_alg"))
    accepted_issuer: str | None = Field(default=None, description=(
        'The iss an ID Token must carry (PingAM "Name of OpenID Connect ID Token Issuer": "Value must match the iss '
        'field in issued ID Token"); unset: the profile\'s issuer'))
    accepted_audiences: list[str] = Field(default_factory=list, description=(
        'Audiences the harness accepts ID Tokens for; aud must contain one of them (PingAM "Audience name": "used to '
        'check that the ID token received is intended for this module as an audience"); empty: the client\'s id'))
    accepted_authorized_parties: list[str] = Field(default_factory=list, description=(
        'Accepted authorized parties (PingAM "List of accepted authorized parties": "checked against the authorized '
        'party claim of the ID token"): azp, or the single aud without azp, must be one; empty: the client\'s id'))
    key_source: Literal["discovery", "jwks_url", "client_secret"] = Field(default="discovery", description=(
        'Where the verification keys come from (PingAM "OpenID Connect validation configuration type": "1. the issuer '
        'discovery url, 2. the issuer jwk url, or 3. the client_secret"): discovery, the jwks_uri of the discovery '
        "document; jwks_url, also the keys at relying_party.jwks_url; client_secret, HS* signatures with the client "
        "secret (OIDC Core §10.1)"))
    jwks_url: str | None = Field(default=None, description=(
        'The issuer JWK Set URL of key_source jwks_url (PingAM "OpenID Connect validation configuration value"); on an '
        "origin the profile allows (issuer, discovery or allowed_origins)"))

    @field_validator("jwks_url")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"must be an absolute http(s) URL, got {value!r}")
        return value

    @model_validator(mode="after")
    def _jwks_url_with_its_source(self) -> RelyingPartySettings:
        if (self.key_source == "jwks_url") != (self.jwks_url is not None):
            raise ValueError("jwks_url is given exactly when key_source is jwks_url")
        return self
