"""Verifying JWS signatures against an explicit algorithm allow-list (``none`` only when listed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from joserfc import jws
from joserfc.errors import BadSignatureError, ExceededSizeError
from joserfc.errors import JoseError as _LibError
from joserfc.jwk import Key, OctKey

from harness.jose._library import _LenientJWSRegistry, _quiet
from harness.jose.decoding import DecodedJWT, decode_unverified
from harness.jose.errors import AlgNotAllowed, BadSignature, InvalidHeader, JoseError, KeyMismatch, MalformedToken
from harness.jose.keys import JWKS, _as_jwks, select_key

HS_ALGS: Final[tuple[str, ...]] = ("HS256", "HS384", "HS512")


def verify_jws(token: str, keys: JWKS | Key | Sequence[Key],
               allowed_algs: Sequence[str]) -> DecodedJWT:
    """Verify a JWS compact serialization and return it decoded.

    ``allowed_algs`` is the complete allow-list (``none`` only if listed). Keys are
    chosen with :func:`select_key`. Unknown header members are tolerated; ``crit`` is
    honoured. Raises :class:`MalformedToken`, :class:`AlgNotAllowed`,
    :class:`UnknownKid`, :class:`AmbiguousKey`, :class:`NoSuitableKey`,
    :class:`KeyMismatch`, :class:`InvalidHeader` or :class:`BadSignature`.
    """
    decoded = decode_unverified(token)
    alg = decoded.alg or ""
    if alg not in allowed_algs:
        raise AlgNotAllowed(f"alg {alg!r} is not allowed (allowed: {list(allowed_algs)!r})")
    if alg == "none":
        if decoded.signature:
            raise BadSignature("alg 'none' but the signature part is not empty")
        return decoded
    key = select_key(_as_jwks(keys), decoded.header)
    _verify_with_key(decoded, key, alg)
    return decoded


def _verify_with_key(decoded: DecodedJWT, key: Key, alg: str) -> None:
    registry = _LenientJWSRegistry(algorithms=[alg], strict_check_header=False)
    try:
        with _quiet():
            jws.deserialize_compact(decoded.compact, key, registry=registry)
    except BadSignatureError as exc:
        raise BadSignature(f"{alg} signature does not verify with the selected key") from exc
    except ExceededSizeError as exc:
        raise MalformedToken(str(exc)) from exc
    except _LibError as exc:
        if exc.error in ("unsupported_header", "invalid_header_value", "missing_crit_header"):
            raise InvalidHeader(str(exc)) from exc
        if exc.error in ("invalid_key_type", "invalid_key_curve", "unsupported_key_use",
                         "unsupported_key_alg", "unsupported_key_operation"):
            raise KeyMismatch(str(exc)) from exc
        raise JoseError(str(exc)) from exc
    except ValueError as exc:
        raise KeyMismatch(str(exc)) from exc


def verify_hs(token: str, secret: str, allowed_algs: Sequence[str] = HS_ALGS) -> DecodedJWT:
    """Verify an HS256/384/512 JWS keyed with a client secret.

    OIDC Core §10.1: the key is "the octets of the UTF-8 representation of the
    client_secret". ``allowed_algs`` may only name HS algorithms.
    """
    if not allowed_algs or any(a not in HS_ALGS for a in allowed_algs):
        raise ValueError(f"verify_hs allows only {HS_ALGS}, got {list(allowed_algs)!r}")
    decoded = decode_unverified(token)
    alg = decoded.alg or ""
    if alg not in allowed_algs:
        raise AlgNotAllowed(f"alg {alg!r} is not allowed (allowed: {list(allowed_algs)!r})")
    _verify_with_key(decoded, secret_key(secret), alg)
    return decoded


def secret_key(secret: str) -> OctKey:
    """An oct key whose octets are the UTF-8 encoding of ``secret`` (OIDC Core §10.1)."""
    with _quiet():
        return OctKey.import_key(secret.encode("utf-8"))
