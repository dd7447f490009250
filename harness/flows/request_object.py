"""Request objects (RFC 9101, OIDC Core §6): authorization parameters in a signed (and encrypted) JWT.

:func:`request_object_claims` turns a valid authorization request into the claims of its
request object (all parameters plus ``iss``, ``aud``, ``iat``, ``nbf``, ``exp``, ``jti``);
:func:`sign_request_object` signs them with the client's key (optionally nesting the JWS in a
JWE encrypted to the server's key, RFC 9101 §4); :func:`by_value` makes the front-channel
request that carries the object in ``request``. Negative checks change exactly one claim,
header member, key or algorithm through the overrides.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from harness import jose
from harness.flows.authorization import AuthorizationRequest
from harness.profile import Client
from harness.results import NeedsReview, ProfileError
from harness.specs import rfc7517
from harness.target import NotApplicable, Target

__all__ = [
    "OIDC_OUTSIDE_PARAMS",
    "by_value",
    "client_signing_key",
    "request_object_alg",
    "request_object_claims",
    "server_encryption_key",
    "sign_request_object",
]

#: Parameters OIDC Core §6.1 wants outside the object too ("so that the request is a valid
#: OAuth 2.0 Authorization Request"); RFC 9101 §5 lets a client duplicate any of them.
OIDC_OUTSIDE_PARAMS: tuple[str, ...] = ("response_type", "scope")


def request_object_alg(target: Target, client: Client) -> str:
    """The algorithm to sign ``client``'s request objects with.

    The documented ``request_object_signing_alg`` when there is one, else the first
    asymmetric algorithm the server advertises that one of the client's keys can serve.
    """
    documented = client.documented.request_object_signing_alg
    if documented:
        return documented
    advertised = target.metadata.get("request_object_signing_alg_values_supported") or ["RS256"]
    keys = _client_keys(client)
    for alg in advertised:
        if not isinstance(alg, str) or alg == "none" or alg in jose.HS_ALGS:
            continue
        if _key_for(keys, alg) is not None:
            return alg
    raise NotApplicable(f"client {client.id} has no key for any advertised request object algorithm "
                        f"{advertised}")


def _client_keys(client: Client) -> jose.JWKS:
    if client.jwks_file is None:
        raise NotApplicable(f"client {client.id} has no jwks_file to sign request objects with")
    return jose.load_private_jwks(client.jwks_file)


def _key_for(keys: jose.JWKS, alg: str) -> jose.Key | None:
    try:
        return jose.select_key(keys, {"alg": alg}, use="sig")
    except jose.AmbiguousKey:
        for key, member in zip(keys.keys, keys.members, strict=True):
            if member.get("use") in (None, "sig") and jose.default_alg_for_key(key)[:2] == alg[:2]:
                return key
        return None
    except jose.JoseError:
        return None


def client_signing_key(client: Client, alg: str) -> jose.Key:
    """The key of ``client``'s private JWKS that signs with ``alg`` (a profile problem when none does)."""
    key = _key_for(_client_keys(client), alg)
    if key is None:
        raise ProfileError(f"client {client.id}: jwks_file has no key for {alg}")
    return key


def server_encryption_key(target: Target, alg: str) -> jose.Key:
    """The server's public key for encrypting request objects with ``alg`` (from ``jwks_uri``).

    Called once request object encryption is advertised or documented. A ``jwks_uri`` answer
    that is no JWK Set fails (RFC 7517 §5); a set without a suitable key cannot be judged by
    a rule (OIDC Discovery §3 lets the JWK Set hold encryption keys, it does not require
    them: the key may be exchanged out of band), so a human must look (review).
    """
    response = target.http.get_idempotent(target.endpoint("jwks_uri"), label="jwks (request object encryption key)")
    keys = rfc7517.published_keys(response.status_code, response.content)
    try:
        return jose.select_key(keys, {"alg": alg}, use="enc")
    except jose.JoseError as exc:
        raise NeedsReview(f"request object encryption is advertised or documented, but the JWK Set publishes no "
                          f"key to encrypt to with {alg}: {exc}") from exc


def request_object_claims(target: Target, request: AuthorizationRequest, *, lifetime: int = 300,
                          now: float | None = None,
                          overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The claims of a request object for ``request`` (RFC 9101 §4, OIDC Core §6.1).

    Every authorization parameter, plus ``iss`` = client id and ``aud`` = issuer (RFC 9101 §4:
    SHOULD), ``iat``, ``nbf``, ``exp`` = ``iat`` + ``lifetime`` and a fresh ``jti``.
    ``overrides`` replace members last (:data:`harness.jose.REMOVE` drops one).
    """
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {**request.params, "iss": request.client.id, "aud": target.profile.issuer,
                              "iat": issued, "nbf": issued, "exp": issued + lifetime,
                              "jti": secrets.token_urlsafe(16)}
    for name, value in (overrides or {}).items():
        if value is jose.REMOVE:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def sign_request_object(target: Target, client: Client, claims: Mapping[str, Any], *, alg: str | None = None,
                        key: jose.Key | None = None, encrypt: bool = False, enc_alg: str = "RSA-OAEP-256",
                        enc: str = "A256GCM", header_overrides: Mapping[str, Any] | None = None,
                        typ: str | None = "oauth-authz-req+jwt") -> str:
    """Sign ``claims`` as ``client`` (``alg`` default: :func:`request_object_alg`); optionally nest in a JWE.

    ``key`` overrides the signing key (e.g. another client's); ``alg="none"`` makes an
    unsigned object. With ``encrypt`` the JWS is encrypted to the server's ``enc_alg`` key.
    """
    used_alg = alg or request_object_alg(target, client)
    signing_key = key if key is not None or used_alg == "none" else client_signing_key(client, used_alg)
    encrypt_to = server_encryption_key(target, enc_alg) if encrypt else None
    return jose.build_request_object(claims, signing_key, used_alg, encrypt_to=encrypt_to, enc_alg=enc_alg,
                                     enc=enc, typ=typ, header_overrides=header_overrides)


def by_value(target: Target, request: AuthorizationRequest, request_object: str, *,
             outside: Mapping[str, str] | None = None,
             keep: tuple[str, ...] = OIDC_OUTSIDE_PARAMS) -> AuthorizationRequest:
    """The front-channel request passing ``request_object`` by value (RFC 9101 §5.1).

    It carries ``client_id``, ``request`` and the ``keep`` parameters duplicated from the
    object (OIDC Core §6.1 needs ``response_type`` and ``scope`` outside); ``outside``
    adds or replaces parameters outside the object. ``state``, ``nonce`` and the PKCE
    verifier stay those of ``request``.
    """
    params = {"client_id": request.client.id}
    for name in keep:
        if name in request.params:
            params[name] = request.params[name]
    params.update(outside or {})
    params["request"] = request_object
    return replace(request, endpoint=target.endpoint("authorization_endpoint"), params=params)
