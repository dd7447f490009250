"""Server-wide documented behaviour: each stated setting becomes a check."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from harness.profile._base import _Model
from harness.profile.clients import EncryptionSetting
from harness.profile.relying_party import RelyingPartySettings


class AccessTokenSettings(_Model):
    """Documented access-token settings (RFC 9068; PingFederate JSON Token Management instance)."""

    format: Literal["opaque", "jwt"] = Field(
        default="opaque", description="Format of access tokens issued without a resource indicator")
    lifetime_s: int | None = Field(
        default=None, gt=0, description="JWT access-token lifetime exp - iat (PingFederate \"Token Lifetime\", "
        "default 120 minutes)")
    typ: str | None = Field(default="at+jwt", description="JWT header typ (PingFederate \"Type Header Value\"; "
                            "RFC 9068 requires at+jwt); null: documented as omitted (PingFederate's default, "
                            "\"If you do not specify a header, it is omitted\"), RFC 9068 §2.1 still fails")
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
    issuer: str | None = Field(default=None, description=(
        'The iss claim value (PingFederate "Issuer Claim Value"); "" documents it as omitted ("If left blank, this '
        'field is omitted"); RFC 9068 §2.2/§4 still require the issuer identifier'))
    jwks_url: str | None = Field(default=None, description=(
        "URL where the access-token manager publishes its signing keys (PingFederate \"JWKS Endpoint Path\": "
        "https://<pf_host>/ext/<path>); JWT access tokens verify with a key published there"))
    grant_id_claim: str | None = Field(default=None, min_length=1, description=(
        'Claim carrying the persistent access grant GUID (PingFederate "Access Grant GUID Claim Name"; blank by '
        "default, the claim omitted)"))
    jwe_kid_header: bool | None = Field(default=None, description=(
        'The JWE header of encrypted JWT access tokens has kid (PingFederate "Include JWE Key ID header parameter", '
        '"selected by default"); with documented.access_token.encryption'))
    jwe_x5t_header: bool | None = Field(default=None, description=(
        'The JWE header of encrypted JWT access tokens has x5t (PingFederate "Include JWE X.509 Thumbprint Header '
        'Parameter", "not selected by default"); with documented.access_token.encryption'))
    expand_scope_groups: bool | None = Field(default=None, description=(
        'PingFederate "Expand Scope Groups" ("whether to expand scope groups into their corresponding scopes in the '
        'access token contents and introspection response"; not selected by default), with documented.scope_groups'))
    hmac_key: SecretStr | None = Field(default=None, description=(
        'The symmetric key of HMAC-signed JWT access tokens (PingFederate "JWS Algorithm" HS256/384/512 with the key '
        'of "Active Symmetric Key ID"), as its UTF-8 text; use ${ENV}: it is a secret'))
    omitted_claims: list[Literal["client_id", "scope", "aud"]] = Field(default_factory=list, description=(
        'Claims left out of JWT access tokens (PingFederate "Client ID Claim Name" / "Scope Claim Name" empty: "will '
        'not include"; "Audience Claim Value" blank: "this field is omitted"); RFC 9068 §2.2 still requires them'))
    signing_kid: str | None = Field(default=None, min_length=1, description=(
        'The kid of the key JWT access tokens are signed with (PingFederate "Active Signing Certificate Key ID" / '
        '"Active Symmetric Key ID"): the JWS kid header names it'))
    x509_kid_url: str | None = Field(default=None, description=(
        'PingFederate "Publish Key ID X.509 URL" (not selected by default): the URL '
        "https://<pf_host>:<pf.https.port>/ext/oauth/x509/kid; GET <url>?v=<kid> serves the signing certificate"))
    x509_x5t_url: str | None = Field(default=None, description=(
        'PingFederate "Publish Thumbprint X.509 URL" (not selected by default): the URL '
        "https://<pf_host>:<pf.https.port>/ext/oauth/x509/x5t; GET <url>?v=<x5t> serves the signing certificate"))
    jwks_cache_duration_s: int | None = Field(default=None, ge=0, description=(
        'Cache-Control max-age of the JWKS endpoint (PingFederate "JWKS Endpoint Cache Duration", default 720 '
        "minutes; at jwks_url, else at the discovery jwks_uri)"))


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
    jwt_access_tokens: bool | None = Field(default=None, description=(
        "JWT access tokens can be sent to the introspection endpoint for validation (PingFederate JWT access-token "
        'manager: "send the access tokens to PingFederate for validation"): an issued one is active, and one whose '
        "grant (access_token.grant_id_claim) was revoked is not"))
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

    status: Literal["enabled", "required", "disabled"] | None = Field(default=None, description=(
        'Authorization-server "PAR Status" (PingFederate): enabled, a client not documented with require_par may '
        "use plain requests; required, every client must use PAR; disabled, pushed requests are refused"))
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
    verification_uri: str | None = Field(
        default=None, description='The verification_uri of device authorization responses (PingFederate "User '
                                  'Authorization URL"; verification_uri_complete is it with ?user_code=)')


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
    authorization_response_iss: bool | None = Field(default=None, description=(
        'PingFederate authorization server setting "Include Issuer in Authorization Response" (RFC 9207): true, '
        "every authorization response carries iss (missing: a DOC failure even where discovery does not advertise "
        "authorization_response_iss_parameter_supported); false, documented absent (an iss sent anyway: a DOC "
        "warning, RFC 9207 itself allows it)"))
    authorization_code_entropy_bytes: int | None = Field(default=None, ge=1, description=(
        'PingFederate authorization server setting "Authorization Code Entropy (Bytes)": codes carry at least this '
        "many random bytes; a code whose varying part is too short to hold them in its alphabet (base64url: ceil(4N/3) "
        "characters, hex: 2N) is a DOC failure (RFC 6749 §10.10's 128-bit bound applies anyway)"))
    id_token_lifetime_s: int | None = None
    access_token: AccessTokenSettings = AccessTokenSettings()
    pkce_methods: list[str] | None = None
    acr_values: list[str] = Field(default_factory=list)
    exclusive_scopes: list[str] = Field(default_factory=list, description=(
        'PingFederate "Exclusive Scopes" defined on the authorization server: a client may use one only when it is '
        "selected for it (in its clients[].scope); any other client asking for it gets invalid_scope (\"When "
        'cleared, no exclusive scopes and scope groups are available to the client")'))
    scope_groups: dict[str, list[str]] = Field(default_factory=dict, description=(
        'PingFederate scope groups of the authorization server (Scope Management): group scope -> the scopes it '
        "stands for; read with documented.access_token.expand_scope_groups"))
    default_scope_allowed: bool | None = Field(default=None, description=(
        'PingFederate: "The default scope, however, is always allowed for and available to all clients": true, '
        "an authorization request without scope succeeds also for a client documented with restrict_scopes"))
    refresh: RefreshSettings = RefreshSettings()
    introspection: IntrospectionSettings = IntrospectionSettings()
    revocation: RevocationSettings = RevocationSettings()
    par: ParSettings = ParSettings()
    device: DeviceSettings = DeviceSettings()
    ciba: CibaSettings = CibaSettings()
    dpop: DpopSettings = DpopSettings()
    relying_party: RelyingPartySettings = Field(default_factory=RelyingPartySettings, description=(
        "How the harness, as relying party, validates ID Tokens (PingAM OpenID Connect module settings)"))
    resources: list[ResourceServer] = Field(default_factory=list)
