"""JWE: decrypting what servers send, encrypting what the harness sends, nested JWTs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from joserfc import jwe
from joserfc.errors import ExceededSizeError
from joserfc.errors import JoseError as _LibError
from joserfc.jwk import Key

from harness.jose._library import _LenientJWERegistry, _quiet
from harness.jose.decoding import DecodedJWT, decode_jose_header, is_jwe
from harness.jose.errors import AlgNotAllowed, DecryptionFailed, MalformedToken
from harness.jose.keys import JWKS, _as_jwks, select_key
from harness.jose.overrides import _apply
from harness.jose.verification import verify_jws


def decrypt_jwe(token: str, private_keys: JWKS | Key | Sequence[Key],
                allowed: Sequence[str]) -> tuple[dict[str, Any], bytes]:
    """Decrypt a JWE compact serialization; return (protected header, plaintext).

    ``allowed`` must list both the key-management ``alg`` and the content ``enc``
    (and ``DEF`` if compression is acceptable). Header members that are not JWE
    parameters (servers copy ``iss``/``aud`` there) are accepted.
    """
    if not is_jwe(token):
        raise MalformedToken("not a JWE compact serialization (5 parts)")
    header = decode_jose_header(token)
    for member in ("alg", "enc", "zip"):
        value = header.get(member)
        if member == "zip" and value is None:
            continue
        if not isinstance(value, str) or value not in allowed:
            raise AlgNotAllowed(f"JWE {member} {value!r} is not allowed "
                                f"(allowed: {list(allowed)!r})")
    key = select_key(_as_jwks(private_keys), header, use="enc")
    registry = _LenientJWERegistry(algorithms=list(allowed), strict_check_header=False)
    try:
        with _quiet():
            obj = jwe.decrypt_compact(token, key, registry=registry)
    except ExceededSizeError as exc:
        raise MalformedToken(str(exc)) from exc
    except (_LibError, ValueError, TypeError) as exc:
        raise DecryptionFailed(f"cannot decrypt JWE ({header.get('alg')}/"
                               f"{header.get('enc')}): {exc}") from exc
    plaintext = obj.plaintext
    if plaintext is None:  # pragma: no cover - joserfc always sets it after decryption
        raise DecryptionFailed("JWE decrypted to nothing")
    return dict(obj.headers()), plaintext


def encrypt_jwe(plaintext: bytes | str, key: Key, alg: str, enc: str, *,
                header_extra: Mapping[str, Any] | None = None) -> str:
    """Encrypt to ``key`` (public part used) with ``alg``/``enc``; ``kid`` is copied.

    ``header_extra`` adds protected-header members (:data:`REMOVE` drops one, e.g. ``kid``).
    """
    header: dict[str, Any] = {"alg": alg, "enc": enc}
    kid = key.get("kid")
    if isinstance(kid, str):
        header["kid"] = kid
    header = _apply(header, header_extra)
    registry = _LenientJWERegistry(algorithms=[alg, enc, "DEF"], strict_check_header=False)
    with _quiet():
        return jwe.encrypt_compact(header, plaintext, key, registry=registry)


@dataclass(frozen=True)
class NestedJWT:
    """A JWT opened by :func:`unwrap_nested`: the JWE header (if any) and the inner JWS."""

    jwe_header: dict[str, Any] | None
    jws: DecodedJWT


def unwrap_nested(token: str, *, verify_keys: JWKS | Key | Sequence[Key],
                  allowed_algs: Sequence[str],
                  decrypt_keys: JWKS | Key | Sequence[Key] | None = None,
                  allowed_enc: Sequence[str] = ()) -> NestedJWT:
    """Open a signed JWT that may be wrapped in a JWE (sign-then-encrypt, RFC 7519 §5.2).

    A JWE is decrypted with ``decrypt_keys``/``allowed_enc`` and its plaintext must be a
    JWS, which is verified with ``verify_keys``/``allowed_algs``.
    """
    if not is_jwe(token):
        return NestedJWT(None, verify_jws(token, verify_keys, allowed_algs))
    if decrypt_keys is None:
        raise DecryptionFailed("token is a JWE but no decryption keys were given")
    header, plaintext = decrypt_jwe(token, decrypt_keys, allowed_enc)
    try:
        inner = plaintext.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise MalformedToken("JWE plaintext is not a compact JWS") from exc
    return NestedJWT(header, verify_jws(inner, verify_keys, allowed_algs))
