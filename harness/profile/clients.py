"""Clients and users of a target profile: credentials, registered metadata, per-client documented settings."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator

from harness.profile._base import _Model
from harness.profile.logout import ClientLogout


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


class CertificateFiles(_Model):
    """A PEM certificate and its private key (paths relative to the profile file)."""

    cert_file: Path = Field(description="PEM certificate (for other_subject_dn_certificate: issued by the client "
                            "certificate's CA, with a subject DN other than tls_subject_dn)")
    key_file: Path = Field(description="PEM private key of cert_file")


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
    refresh_token_rolling_interval_s: int | None = Field(default=None, ge=0, description=(
        'PingFederate client "Refresh Token Rolling Interval" ("Overrides the Minimum Interval to Roll Refresh Tokens '
        'value set in the Authorization Server Settings window"; a custom value in hours there: give hours x 3600 '
        "seconds, like documented.refresh.rolling_interval_s); unset (\"Use Global Setting\", the default): the "
        "server-wide value applies; within it a refresh returns no new refresh token, 0: a roll on every use"))
    refresh_token_grace_period_s: int | None = Field(default=None, ge=0, description=(
        'PingFederate client "Refresh Token Rolling Grace Period (seconds)": "The amount of time in seconds that a '
        'rolled refresh token is still valid in the event that the client failed to receive an updated one during a '
        'roll"; unset ("Use Global Setting", the default): documented.refresh.grace_period_s applies; 0: the rolled '
        "token is refused at once"))
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
    tls_subject_dn: str | None = Field(default=None, description=(
        'PingFederate client authentication "Client TLS Certificate" "Subject DN" (RFC 8705 §2.1.2 '
        "tls_client_auth_subject_dn, an RFC 4514 string): the subject DN of cert_file; a certificate from the same "
        "trusted CA with another subject DN (other_subject_dn_certificate) is refused with invalid_client"))
    other_subject_dn_certificate: CertificateFiles | None = Field(default=None, description=(
        "A certificate issued by the same CA as cert_file but with a subject DN other than tls_subject_dn, and its "
        "key: the certificate mtls.other_subject_dn_refused presents for this tls_client_auth client"))
    confirmation_members: list[Literal["jkt", "x5t#S256", "jwk", "jwe", "jku", "kid"]] = Field(
        default_factory=list, description=(
            "The RFC 7800 §3 confirmation members the deployment puts in the cnf of this client's sender-constrained "
            "access tokens (JWT access token or introspection response), e.g. [jkt] for DPoP (RFC 9449 §6), "
            "[x5t#S256] for mTLS (RFC 8705 §3); with dpop_bound or certificate_bound"))
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
    request_object_replay_prevention: bool = Field(default=False, description=(
        'PingFederate "Replay Prevention" applied to signed request objects: a request object (its jti) is '
        "accepted only once"))
    outside_parameters_ignored: bool = Field(default=False, description=(
        'PingFederate "Require Signed Requests": an authorization parameter sent only outside the signed request '
        "object is ignored without error (RFC 9101 §6.3: only the request object's parameters are used)"))
    enabled: bool = Field(default=True, description=(
        "PingFederate client \"Enabled\" toggle: false, the client is disabled and every authorization and token "
        "request by it is refused (state it on a client kept for this check, with use_in_suites: false)"))
    bypass_authorization_approval: bool | None = Field(default=None, description=(
        'PingFederate "Bypass Authorization Approval": true, no consent page is shown to the user; false, the '
        "consent page is shown (needs the login driver's consent form detection)"))
    redirect_uri_wildcards: list[str] = Field(default_factory=list, description=(
        'PingFederate Redirection URIs with wildcards ("Wildcards are allowed"; * stands for any run of characters): '
        "a matching redirect_uri is accepted, another refused, and redirect_uri is mandatory at the authorization "
        "and token endpoints; keep a matching concrete URI in redirect_uris"))
    redirect_uri_required: bool = Field(default=False, description=(
        'PingFederate "Redirection URIs": "If more than one URI is added or if a single URI uses wildcards, then the '
        'authorization code grant and the token requests must contain a specific matching redirect_uri parameter"; '
        "true for a client with several redirect_uris (a wildcard implies it)"))
    reuse_existing_grants: bool | None = Field(default=None, description=(
        'PingFederate "Reuse Existing Persistent Access Grants for Grant Types": true, a user who approved the '
        "client is not asked again in the same session (\"requests consent from the user only one time\"); false, "
        "the consent page comes on every authorization"))
    pairwise_identifier: bool = Field(default=False, description=(
        'PingFederate "Use pairwise identifier": the client gets a pairwise sub (OIDC Core §8.1), different from '
        "the sub other clients get for the same user and stable for this client"))
    persistent_grant_max_lifetime_s: int | None = Field(default=None, gt=0, description=(
        'PingFederate client "Persistent Grants Max Lifetime" ("Overrides the Persistent Grant Max Lifetime value set '
        'globally"; a custom value, in seconds here): the lifetime of this client\'s refresh tokens'))
    persistent_grant_idle_timeout_s: int | None = Field(default=None, gt=0, description=(
        'PingFederate client "Persistent Grants Idle Timeout" (a custom value; give seconds): a refresh token of a '
        "grant unused for longer is refused"))
    introspection_encryption: EncryptionSetting | None = Field(default=None, description=(
        'PingFederate "Token Introspection Key Management Encryption Algorithm" / "Content Encryption Algorithm" '
        "(introspection_encrypted_response_alg/_enc): this client's JWT introspection responses are JWEs with this "
        "alg/enc, decryptable with its jwks_file"))
    device_polling_interval_s: int | None = Field(default=None, ge=1, description=(
        'PingFederate client Device Authorization Grant "Override" of "Device Polling Interval (seconds)": the '
        "interval of this client's device authorization responses"))
    device_code_lifetime_s: int | None = Field(default=None, ge=1, description=(
        'PingFederate client "Override" of "Pending Authorization Timeout (seconds)": the expires_in of this '
        "client's device authorization responses"))
    ciba_polling_interval_s: int | None = Field(default=None, ge=1, description=(
        'PingFederate client CIBA "Polling Interval (seconds)" (default 3): the interval of this client\'s '
        "backchannel authentication responses"))
    sector_identifier_uri: str | None = Field(default=None, description=(
        'PingFederate "Sector Identifier URI" (with "Use pairwise identifier"; OIDC Core §8.1): clients stating '
        "the same URI get the same pairwise sub for a user"))
    request_uris: list[str] = Field(default_factory=list, description=(
        "request_uri values pre-registered for this client (OIDC Registration §2 request_uris), for targets with "
        "require_request_uri_registration: URLs on request_object_host (public_base_url or a fixed listen_port) "
        "the harness serves its request objects at"))


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
    logout: ClientLogout = Field(default_factory=ClientLogout, description=(
        "The client's logout registration: post_logout_redirect_uris, back-/front-channel logout URIs"))

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
        if (self.documented.tls_subject_dn or self.documented.other_subject_dn_certificate) and (
                self.auth_method is not AuthMethod.TLS_CLIENT_AUTH or self.documented.tls_subject_dn is None):
            raise ValueError("documented.tls_subject_dn (and other_subject_dn_certificate) need auth_method "
                             "tls_client_auth, and other_subject_dn_certificate needs tls_subject_dn")
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
