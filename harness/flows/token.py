"""Token endpoint requests with each client authentication method (RFC 6749 §2.3, RFC 7523, RFC 8705)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from harness import jose
from harness.flows.client_assertion import assertion_audience
from harness.flows.result import EndpointResult
from harness.http import try_json_document, try_json_object
from harness.profile import AuthMethod, Client
from harness.results import ProfileError, fail
from harness.specs import rfc6749
from harness.target import NotApplicable, Target

OMIT = "omit"


@dataclass
class TokenResult(EndpointResult):
    """A token endpoint answer."""

    @property
    def ok(self) -> bool:
        """HTTP 200 with an ``access_token``."""
        return self.response.status_code == 200 and bool(self.body and self.body.get("access_token"))

    @property
    def error(self) -> str | None:
        """The ``error`` member of an error response."""
        return None if not self.body else (str(self.body["error"]) if "error" in self.body else None)


def require_tokens(result: TokenResult, client: Client) -> TokenResult:
    """A fresh code's redemption must return tokens (the precondition of most checks); return ``result``.

    A 200 that carries tokens under another media type breaks RFC 6749 §5.1 ("using the
    "application/json" media type"), so that is the rule cited; anything else breaks §4.1.4 (the
    authorization server issues an access token for a valid request).
    """
    if result.ok:
        return result
    if result.status == 200 and try_json_object(result.response) is not None:
        raise fail("PRECONDITION_TOKEN_RESPONSE_NOT_JSON", f"redeeming a fresh code for client {client.id} answered "
                   "tokens that are not labelled application/json", "RFC6749-5.1-json",
                   expected="application/json", actual=result.describe())
    raise fail("PRECONDITION_TOKEN_REQUEST_FAILED", f"redeeming a fresh code for client {client.id} did not return "
               "tokens", "RFC6749-4.1.4", expected="HTTP 200 with access_token", actual=result.describe())


def basic_credentials(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined and base64-encoded."""
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def signing_key(client: Client) -> tuple[Any, str]:
    """The client's signing key from its private JWKS and the algorithm to use with it.

    With a documented ``token_endpoint_auth_signing_alg`` the key that can sign with it (its
    type, and its ``alg`` when it names one); otherwise the first signing key with the algorithm
    the key itself names (``alg``: a PS256 or ES256 key signs PS256 / ES256), falling back to the
    usual one for its type only when the key names none (:func:`harness.jose.default_alg_for_key`).
    """
    if client.jwks_file is None:
        raise ProfileError(f"client {client.id} has no jwks_file")
    keyset = jose.load_private_jwks(client.jwks_file)
    documented = client.documented.token_endpoint_auth_signing_alg
    signing = [(k, m) for k, m in zip(keyset.keys, keyset.members, strict=True) if m.get("use") in (None, "sig")]
    if documented:
        for key, member in signing:
            if member.get("alg") in (None, documented) and _can_sign(key, documented):
                return key, documented
        raise ProfileError(f"client {client.id}: no key of its jwks_file can sign with the documented "
                           f"token_endpoint_auth_signing_alg {documented}")
    for key, _member in signing:
        try:
            return key, jose.default_alg_for_key(key)
        except jose.JoseError as exc:
            raise ProfileError(f"client {client.id}: {exc}") from exc
    raise ProfileError(f"client {client.id}: jwks_file has no signing key")


def _can_sign(key: Any, alg: str) -> bool:
    try:
        jose.select_key(jose.JWKS.from_keys([key]), {"alg": alg}, use="sig")
    except jose.JoseError:
        return False
    return True


ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ClientAuth = tuple[dict[str, str], dict[str, str], "tuple[str, str] | None"]


def build_assertion(client: Client, audience: str | list[str], *, claim_overrides: dict[str, Any] | None = None,
                    header_overrides: dict[str, Any] | None = None, key: Any = None, alg: str | None = None,
                    now: float | None = None, lifetime: int = 60, secret: str | None = None) -> str:
    """A client assertion for ``client`` (``client_secret_jwt`` or ``private_key_jwt``, RFC 7523 §3).

    ``claim_overrides``/``header_overrides`` replace members (``jose.REMOVE`` drops one); ``key``/``alg``
    sign with another key or algorithm (``alg="none"`` makes it unsigned); ``secret`` replaces the
    client secret of a ``client_secret_jwt`` client.
    """
    if client.auth_method is AuthMethod.CLIENT_SECRET_JWT or (secret is not None and key is None):
        shared = secret if secret is not None else (client.secret.get_secret_value() if client.secret else None)
        if shared is None:
            raise ProfileError(f"client {client.id} has no secret for client_secret_jwt")
        used_alg = alg or client.documented.token_endpoint_auth_signing_alg or "HS256"
        signer = None if used_alg == "none" else (key if key is not None else jose.secret_key(shared))
        return jose.build_client_assertion(client.id, audience, signer, used_alg, lifetime=lifetime, now=now,
                                           claim_overrides=claim_overrides, header_overrides=header_overrides)
    own_key, own_alg = signing_key(client)
    used_alg = alg or own_alg
    signer = None if used_alg == "none" else (key if key is not None else own_key)
    return jose.build_client_assertion(client.id, audience, signer, used_alg, lifetime=lifetime, now=now,
                                       claim_overrides=claim_overrides, header_overrides=header_overrides)


def assertion_auth(client: Client, assertion: str | None, *, include_client_id: bool = True) -> ClientAuth:
    """Form fields that present ``assertion`` (``None``: the assertion type without an assertion)."""
    data = {"client_assertion_type": ASSERTION_TYPE}
    if include_client_id:
        data["client_id"] = client.id
    if assertion is not None:
        data["client_assertion"] = assertion
    return data, {}, None


def secret_auth(client: Client, secret: str, method: AuthMethod = AuthMethod.CLIENT_SECRET_BASIC) -> ClientAuth:
    """Credentials with an explicit (possibly wrong) secret, by HTTP Basic or in the body."""
    if method is AuthMethod.CLIENT_SECRET_BASIC:
        return {}, {"Authorization": basic_credentials(client.id, secret)}, None
    return {"client_id": client.id, "client_secret": secret}, {}, None


def client_auth(target: Target, client: Client, audience: str, *, method: AuthMethod | None = None,
                assertion_overrides: dict[str, Any] | None = None,
                ) -> tuple[dict[str, str], dict[str, str], tuple[str, str] | None]:
    """Form fields, headers and TLS certificate that authenticate ``client`` with ``method``."""
    chosen = method or client.auth_method
    data: dict[str, str] = {}
    headers: dict[str, str] = {}
    cert = (str(client.cert_file), str(client.key_file)) if client.cert_file and client.key_file else None
    secret = client.secret.get_secret_value() if client.secret else None
    if chosen is AuthMethod.CLIENT_SECRET_BASIC:
        if secret is None:
            raise ProfileError(f"client {client.id} has no secret for client_secret_basic")
        headers["Authorization"] = basic_credentials(client.id, secret)
    elif chosen is AuthMethod.CLIENT_SECRET_POST:
        if secret is None:
            raise ProfileError(f"client {client.id} has no secret for client_secret_post")
        data.update(client_id=client.id, client_secret=secret)
    elif chosen is AuthMethod.CLIENT_SECRET_JWT:
        if secret is None:
            raise ProfileError(f"client {client.id} has no secret for client_secret_jwt")
        data.update(client_id=client.id,
                    client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    client_assertion=jose.build_client_secret_jwt(
                        client.id, audience, secret, extra_claims=assertion_overrides))
    elif chosen is AuthMethod.PRIVATE_KEY_JWT:
        key, alg = signing_key(client)
        data.update(client_id=client.id,
                    client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    client_assertion=jose.build_client_assertion(
                        client.id, audience, key, alg, extra_claims=assertion_overrides))
    else:  # tls_client_auth, self_signed_tls_client_auth, none
        data["client_id"] = client.id
    if chosen not in (AuthMethod.TLS_CLIENT_AUTH, AuthMethod.SELF_SIGNED_TLS_CLIENT_AUTH) and \
            not client.documented.certificate_bound:
        cert = None
    return data, headers, cert


def token_request(target: Target, client: Client, params: dict[str, str], *, label: str = "token request",
                  method: AuthMethod | None = None, authenticate: bool = True,
                  endpoint: str | None = None, extra_headers: dict[str, str] | None = None,
                  auth: ClientAuth | None = None) -> TokenResult:
    """POST a token request; ``authenticate=False`` sends only ``client_id``; ``auth`` sends given credentials."""
    url = endpoint or target.token_endpoint_for(client)
    if auth is not None:
        auth_data, headers, cert = dict(auth[0]), dict(auth[1]), auth[2]
    elif authenticate:
        audience = assertion_audience(target, client, url)  # FAPI 2.0: the issuer; else the token endpoint
        auth_data, headers, cert = client_auth(target, client, audience, method=method)
    else:
        auth_data, headers, cert = {"client_id": client.id}, {}, None
    headers.update(extra_headers or {})
    data = {**params, **auth_data}
    response = target.http.post(url, label=label, data=data, headers=headers, cert=cert)
    return TokenResult(response=response, body=try_json_document(response),
                       used_basic="Authorization" in headers and headers["Authorization"].startswith("Basic "))


def check_refused(result: TokenResult, expected: str | set[str], requirement: str, *,
                  error_requirement: str | None = None) -> None:
    """The token endpoint refused the request with ``expected`` (RFC 6749 §5.2 format included).

    ``requirement`` is required: it is the rule the request breaks, cited when the server
    accepted it (e.g. ``RFC6749-4.1.3`` for a code redeemed by another client) — never the
    error-format section by default. ``error_requirement`` is the sentence naming the error
    code (default: ``requirement``), cited when the error value is wrong.
    """
    rfc6749.check_token_error_response(result.status, result.response.headers, result.judged_body, expected,
                                       basic_auth_used=result.used_basic, requirement=requirement,
                                       error_requirement=error_requirement)


def redeem_code(target: Target, client: Client, code: str, *, redirect_uri: str | None,
                code_verifier: str | None, label: str = "redeem authorization code",
                extra: dict[str, str] | None = None, method: AuthMethod | None = None,
                auth: ClientAuth | None = None) -> TokenResult:
    """RFC 6749 §4.1.3 access token request for an authorization code."""
    params = {"grant_type": "authorization_code", "code": code}
    if redirect_uri is not None:
        params["redirect_uri"] = redirect_uri
    if code_verifier is not None:
        params["code_verifier"] = code_verifier
    params.update(extra or {})
    return token_request(target, client, params, label=label, method=method, auth=auth)


def refresh(target: Target, client: Client, refresh_token: str, *, label: str = "refresh token request",
            scope: str | None = None, authenticate: bool = True, auth: ClientAuth | None = None) -> TokenResult:
    """RFC 6749 §6 refresh request."""
    params = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if scope is not None:
        params["scope"] = scope
    return token_request(target, client, params, label=label, authenticate=authenticate, auth=auth)


# --------------------------------------------------------------------------------------
# Obtaining tokens for lifecycle checks
# --------------------------------------------------------------------------------------


@dataclass
class TokenSet:
    """Tokens from one successful token response, with the client and what was asked for."""

    client: Client
    result: TokenResult
    requested_scope: str | None = None
    resource: str | None = None

    @property
    def body(self) -> dict[str, Any]:
        """The JSON token response."""
        return self.result.body or {}

    @property
    def access_token(self) -> str:
        """The access token."""
        return str(self.body["access_token"])

    @property
    def refresh_token(self) -> str | None:
        """The refresh token, when one was issued."""
        value = self.body.get("refresh_token")
        return value if isinstance(value, str) and value else None

    @property
    def granted_scope(self) -> str | None:
        """The ``scope`` member of the response (RFC 6749 §5.1), if any."""
        value = self.body.get("scope")
        return value if isinstance(value, str) else None


def offline_request(target: Target, client: Client, scope: str | None = None) -> tuple[str, dict[str, str]]:
    """Scope and extra parameters that ask for a refresh token.

    OpenID Connect Core §11: ``offline_access`` is requested as a scope value where the server
    lists it in ``scopes_supported`` (or the client's scope already names it), and "When
    offline access is requested, a prompt parameter value of consent MUST be used unless other
    conditions for processing the request permitting offline access to the requested resources
    are in place." — so it goes with ``prompt=consent``. Servers that issue refresh tokens
    without ``offline_access`` simply ignore both.
    """
    base = scope or client.scope
    scopes = base.split()
    supported = target.metadata.get("scopes_supported")
    extra: dict[str, str] = {}
    if "openid" in scopes:
        if isinstance(supported, list) and "offline_access" in supported and "offline_access" not in scopes:
            scopes.append("offline_access")
        if "offline_access" in scopes:
            extra["prompt"] = "consent"
    return " ".join(scopes), extra


def obtain_tokens(target: Target, user_agent: Any, client: Client, *, scope: str | None = None,
                  offline: bool = False, resource: str | None = None,
                  build_extra: dict[str, str] | None = None) -> TokenSet:
    """Run the code flow for ``client`` and return its tokens (a failed step is a PRECONDITION failure).

    ``offline`` asks for a refresh token (see :func:`offline_request`); ``resource`` sends an
    RFC 8707 resource indicator to both endpoints.
    """
    from harness.flows.code_flow import obtain_code  # local: code_flow imports this module

    wanted = scope or client.scope
    extra: dict[str, str] = dict(build_extra or {})
    if offline:
        wanted, more = offline_request(target, client, wanted)
        extra.update(more)
    token_extra: dict[str, str] = {}
    if resource is not None:
        extra["resource"] = resource
        token_extra["resource"] = resource
    flow = obtain_code(target, user_agent, client, scope=wanted, extra=extra)
    result = redeem_code(target, client, flow.code, redirect_uri=flow.request.redirect_uri,
                         code_verifier=flow.request.code_verifier, extra=token_extra)
    require_tokens(result, client)
    return TokenSet(client=client, result=result, requested_scope=wanted, resource=resource)

def id_token_subject(target: Target, user_agent: Any, client: Client) -> str:
    """The ``sub`` of the ID token the first user gets at ``client`` (a code flow; unverified decoding).

    The signature and claims of the ID token are the ``id_token`` suite's; a flow without a readable
    ID token is a precondition failure (OIDC Core §3.1.3.3: the token response carries one for ``openid``).
    """
    tokens = obtain_tokens(target, user_agent, client)
    raw = (tokens.result.body or {}).get("id_token")
    if not isinstance(raw, str) or jose.is_jwe(raw):
        raise fail("PRECONDITION_NO_ID_TOKEN", f"the code flow of client {client.id} (scope openid) returned no "
                   "readable ID Token", "OIDCC-3.1.3.3", expected="id_token", actual="absent or encrypted")
    sub = jose.decode_unverified(raw).claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise fail("PRECONDITION_NO_ID_TOKEN", f"client {client.id}'s ID Token has no sub", "OIDCC-2-sub",
                   expected="sub", actual=sub)
    return sub


def refresh_documented_by(target: Target, client: Client) -> str | None:
    """The requirement ID of the profile statement that ``client`` gets refresh tokens, or ``None``.

    A documented rolling policy (the client's ``refresh_token_rolling``, rolling interval or grace
    period, the server's ``refresh.rotation``), reuse detection or refresh-token lifetime all
    describe refresh tokens the deployment issues.
    """
    if client.documented.refresh_token_rolling is not None:
        return "DOC-refresh_token_rolling"
    if client.documented.refresh_token_rolling_interval_s is not None:
        return "DOC-refresh_token_rolling_interval_s"
    if client.documented.refresh_token_grace_period_s is not None:
        return "DOC-refresh_token_grace_period_s"
    documented = target.profile.documented.refresh
    if documented.rotation is not None:
        return "DOC-refresh.rotation"
    if documented.reuse_revokes_family is not None:
        return "DOC-refresh.reuse_revokes_family"
    if documented.lifetime_s is not None:
        return "DOC-refresh.lifetime_s"
    return None


def obtain_refresh_token(target: Target, user_agent: Any, client: Client, *, scope: str | None = None) -> TokenSet:
    """Tokens including a refresh token (``offline_access`` with ``prompt=consent`` where advertised).

    The target has been asked by then, so a missing refresh token is never a skip: it is a
    failure where the profile documents a refresh-token policy for ``client``
    (:func:`refresh_documented_by`) and *review* otherwise (the server may legitimately issue
    none, e.g. without ``offline_access``), see :func:`harness.specs.rfc6749.check_refresh_token_issued`.
    """
    documented_by = refresh_documented_by(target, client)
    tokens = obtain_tokens(target, user_agent, client, scope=scope, offline=True)
    rfc6749.check_refresh_token_issued(tokens.body, documented_by=documented_by, client_id=client.id,
                                       requested_scope=tokens.requested_scope)
    return tokens


def refresh_client(target: Target, *, exclude: tuple[str, ...] = (), confidential: bool | None = True) -> Client:
    """A plain code-flow client registered for the refresh_token grant."""
    for client in target.profile.clients:
        doc = client.documented
        if (client.use_in_suites and client.id not in exclude and "authorization_code" in client.grant_types
                and "refresh_token" in client.grant_types
                and (confidential is None or client.is_public != confidential)
                and not (doc.require_par or doc.require_signed_requests or doc.require_jarm)
                and not doc.dpop_bound and client.cert_file is None):
            return client
    kind = {True: "confidential ", False: "public ", None: ""}[confidential]
    raise NotApplicable(f"the profile has no {kind}code-flow client with the refresh_token grant")
