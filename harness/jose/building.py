"""Building tokens: JWS signing without policy, client assertions, request objects, DPoP proofs.

Builders accept ``header_overrides``/``claim_overrides`` (:data:`REMOVE` drops a member) and
:func:`sign_jws` signs whatever header it is given, so a test can send a lying ``alg``, a
private ``jwk`` or a wrong ``typ``.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from joserfc import jws
from joserfc.jwk import Key

from harness.jose._library import _quiet
from harness.jose.encoding import _b64json, _json_bytes, b64url
from harness.jose.encryption import encrypt_jwe
from harness.jose.keys import default_alg_for_key
from harness.jose.overrides import _apply
from harness.jose.verification import secret_key


def sign_jws(header: Mapping[str, Any], payload: bytes | Mapping[str, Any], key: Key | None,
             *, alg: str | None = None) -> str:
    """Sign with no policy at all: ``header`` is serialized verbatim.

    ``alg`` (default: the header's ``alg``) is the algorithm actually used, so a test can
    make the header lie. ``alg="none"`` (or a header ``alg`` of ``none``) yields an empty
    signature. Payload dicts are serialized as compact JSON.
    """
    used = alg if alg is not None else header.get("alg")
    if not isinstance(used, str):
        raise ValueError("no signing algorithm: pass alg= or put a string alg in the header")
    body = payload if isinstance(payload, bytes) else _json_bytes(dict(payload))
    signing_input = f"{_b64json(dict(header))}.{b64url(body)}"
    if used == "none":
        return f"{signing_input}."
    model = jws.JWSRegistry.algorithms.get(used)
    if model is None:
        raise ValueError(f"unknown JWS algorithm {used!r}")
    if key is None:
        raise ValueError(f"alg {used!r} needs a key")
    with _quiet():
        signature = model.sign(signing_input.encode("ascii"), key)
    return f"{signing_input}.{b64url(signature)}"


def sign_unsecured(header: Mapping[str, Any] | None, claims: Mapping[str, Any]) -> str:
    """An unsecured JWT (RFC 7519 §6): ``alg`` ``none`` and an empty signature."""
    return sign_jws(_apply({"alg": "none"}, header), claims, None, alg="none")


def _signing_header(key: Key | None, alg: str, typ: str | None) -> dict[str, Any]:
    header: dict[str, Any] = {"alg": alg}
    if typ is not None:
        header["typ"] = typ
    kid = key.get("kid") if key is not None else None
    if isinstance(kid, str) and alg != "none":
        header["kid"] = kid
    return header


def _now(now: float | None) -> int:
    return int(time.time() if now is None else now)


def _jti() -> str:
    return secrets.token_urlsafe(24)


def build_client_assertion(client_id: str, audience: str | Sequence[str], key: Key | None,
                           alg: str, *, lifetime: int = 60, now: float | None = None,
                           extra_claims: Mapping[str, Any] | None = None,
                           claim_overrides: Mapping[str, Any] | None = None,
                           header_overrides: Mapping[str, Any] | None = None,
                           typ: str | None = None) -> str:
    """A ``private_key_jwt`` client assertion (RFC 7523 §3; OIDC Core §9).

    Claims: ``iss`` = ``sub`` = ``client_id``, ``aud``, ``jti``, ``iat`` and
    ``exp`` = ``iat`` + ``lifetime``. ``extra_claims`` are added, ``claim_overrides``
    replace (or, with :data:`REMOVE`, drop) members last.
    """
    issued = _now(now)
    aud: str | list[str] = audience if isinstance(audience, str) else list(audience)
    claims = {"iss": client_id, "sub": client_id, "aud": aud, "jti": _jti(),
              "iat": issued, "exp": issued + lifetime, **(extra_claims or {})}
    header = _apply(_signing_header(key, alg, typ), header_overrides)
    return sign_jws(header, _apply(claims, claim_overrides), key, alg=alg)


def build_client_secret_jwt(client_id: str, audience: str | Sequence[str], secret: str, *,
                            alg: str = "HS256", lifetime: int = 60, now: float | None = None,
                            extra_claims: Mapping[str, Any] | None = None,
                            claim_overrides: Mapping[str, Any] | None = None,
                            header_overrides: Mapping[str, Any] | None = None) -> str:
    """A ``client_secret_jwt`` assertion: HMAC keyed with the UTF-8 client secret."""
    return build_client_assertion(client_id, audience, secret_key(secret), alg,
                                  lifetime=lifetime, now=now, extra_claims=extra_claims,
                                  claim_overrides=claim_overrides,
                                  header_overrides=header_overrides)


def build_request_object(claims: Mapping[str, Any], key: Key | None, alg: str, *,
                         encrypt_to: Key | None = None, enc_alg: str = "RSA-OAEP-256",
                         enc: str = "A256GCM", typ: str | None = "oauth-authz-req+jwt",
                         header_overrides: Mapping[str, Any] | None = None) -> str:
    """A request object (RFC 9101 §4 / OIDC Core §6.1), optionally nested in a JWE.

    ``alg="none"`` with ``key=None`` makes an unsigned one. With ``encrypt_to`` the signed
    JWT becomes the plaintext of a JWE (``cty`` ``JWT``; RFC 9101 §4).
    """
    header = _apply(_signing_header(key, alg, typ), header_overrides)
    signed = sign_jws(header, dict(claims), key, alg=alg)
    if encrypt_to is None:
        return signed
    return encrypt_jwe(signed, encrypt_to, enc_alg, enc, header_extra={"cty": "JWT"})


def normalize_htu(url: str) -> str:
    """The DPoP ``htu`` for ``url``: the target URI without query and fragment (RFC 9449 §4.2)."""
    return url.split("#", 1)[0].split("?", 1)[0]


def build_dpop_proof(key: Key, htm: str, htu: str, *, access_token: str | None = None,
                     nonce: str | None = None, now: float | None = None,
                     alg: str | None = None, jti: str | None = None,
                     claim_overrides: Mapping[str, Any] | None = None,
                     header_overrides: Mapping[str, Any] | None = None) -> str:
    """A DPoP proof JWT (RFC 9449 §4.2).

    Header: ``typ`` ``dpop+jwt``, ``alg``, ``jwk`` (public members only). Claims: ``jti``,
    ``htm``, ``htu`` (used verbatim: see :func:`normalize_htu`), ``iat``, plus ``ath`` =
    base64url(SHA-256(access token)) and ``nonce`` when given. Negative variants go
    through the overrides (e.g. ``header_overrides={"jwk": key.as_dict(private=True)}``).
    """
    used_alg = alg or default_alg_for_key(key)
    header = {"typ": "dpop+jwt", "alg": used_alg, "jwk": dict(key.as_dict(private=False))}
    claims: dict[str, Any] = {"jti": jti or _jti(), "htm": htm, "htu": htu, "iat": _now(now)}
    if access_token is not None:
        claims["ath"] = b64url(hashlib.sha256(access_token.encode("ascii")).digest())
    if nonce is not None:
        claims["nonce"] = nonce
    return sign_jws(_apply(header, header_overrides), _apply(claims, claim_overrides), key,
                    alg=used_alg)
