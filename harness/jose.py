"""JOSE for the harness: decode, verify, decrypt, fingerprint and build JWTs.

Thin wrappers over joserfc that

* make every algorithm decision explicit: callers pass an allow-list, and ``none`` is
  accepted only when the list names it (joserfc's default registry silently refuses PS*,
  EdDSA, RSA-OAEP-256 …; here whatever is listed works);
* tolerate what servers legitimately put in JOSE headers (unknown members, ``iss``/``aud``
  copied into a JWE header, long ``x5c`` chains);
* classify failures into a few :class:`JoseError` subclasses whose ``code`` is stable, so a
  check can turn "unknown kid", "alg not allowed" and "bad signature" into distinct findings;
* build tokens for negative tests: builders accept ``header_overrides``/``claim_overrides``
  (use :data:`REMOVE` to drop a member) and :func:`sign_jws` signs whatever header it is
  given, so a test can send a lying ``alg``, a private ``jwk`` or a wrong ``typ``.

Nothing here does I/O except :func:`load_private_jwks`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from joserfc import jwe, jws
from joserfc.errors import BadSignatureError, ExceededSizeError, SecurityWarning
from joserfc.errors import JoseError as _LibError
from joserfc.jwk import ECKey, JWKRegistry, Key, OctKey, OKPKey, RSAKey

__all__ = [
    "HS_ALGS",
    "REMOVE",
    "AlgNotAllowed",
    "AmbiguousKey",
    "BadSignature",
    "DecodedJWT",
    "DecryptionFailed",
    "InvalidHeader",
    "JWKS",
    "Key",
    "JoseError",
    "KeyMismatch",
    "MalformedToken",
    "NestedJWT",
    "NoSuitableKey",
    "SkippedKey",
    "UnknownKid",
    "b64url",
    "b64url_decode",
    "build_client_assertion",
    "build_client_secret_jwt",
    "build_dpop_proof",
    "build_request_object",
    "decode_jose_header",
    "decode_unverified",
    "decrypt_jwe",
    "default_alg_for_key",
    "encrypt_jwe",
    "generate_key",
    "half_hash",
    "import_jwk",
    "is_jwe",
    "key_size_bits",
    "load_private_jwks",
    "normalize_htu",
    "parse_jwks",
    "public_jwk",
    "secret_key",
    "select_key",
    "sign_jws",
    "sign_unsecured",
    "thumbprint",
    "thumbprint_uri",
    "unwrap_nested",
    "verify_hs",
    "verify_jws",
    "x5t_s256",
]

HS_ALGS: Final[tuple[str, ...]] = ("HS256", "HS384", "HS512")


# --------------------------------------------------------------------------- errors


class JoseError(Exception):
    """A token or key could not be processed; ``code`` says why (stable identifier)."""

    code: str = "jose_error"


class MalformedToken(JoseError):
    """Not a JWS/JWE compact serialization, or its parts do not decode."""

    code = "malformed"


class InvalidHeader(JoseError):
    """The JOSE header is unusable (bad ``crit``, wrongly typed registered member…)."""

    code = "invalid_header"


class AlgNotAllowed(JoseError):
    """The ``alg`` (or ``enc``) is not on the caller's allow-list."""

    code = "alg_not_allowed"


class UnknownKid(JoseError):
    """The header names a ``kid`` that no key in the set has."""

    code = "unknown_kid"


class AmbiguousKey(JoseError):
    """Several keys fit and the header does not say which one (no or duplicated ``kid``)."""

    code = "ambiguous_key"


class NoSuitableKey(JoseError):
    """No key in the set can be used with this algorithm (type, curve, ``use``, ``alg``)."""

    code = "no_suitable_key"


class KeyMismatch(JoseError):
    """The selected key cannot be used with the token's algorithm."""

    code = "key_mismatch"


class BadSignature(JoseError):
    """The signature does not verify with the selected key."""

    code = "bad_signature"


class DecryptionFailed(JoseError):
    """The JWE could not be decrypted with the given keys."""

    code = "decryption_failed"


class _Remove:
    def __repr__(self) -> str:
        return "REMOVE"


#: Sentinel for ``header_overrides``/``claim_overrides``: drop this member.
REMOVE: Final = _Remove()


# --------------------------------------------------------------------------- base64url


def b64url(data: bytes | str) -> str:
    """Base64url without padding (RFC 7515 §2); ``str`` input is encoded as UTF-8."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes) -> bytes:
    """Decode base64url, with or without padding; raise :class:`MalformedToken` on garbage."""
    value = text.decode("ascii", "replace") if isinstance(text, bytes) else text
    stripped = value.rstrip("=")
    if any(c not in _B64URL_CHARS for c in stripped) or len(stripped) % 4 == 1:
        raise MalformedToken(f"not base64url: {value[:40]!r}")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - guarded above
        raise MalformedToken(f"not base64url: {value[:40]!r}") from exc


_B64URL_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _b64json(value: Any) -> str:
    return b64url(_json_bytes(value))


# --------------------------------------------------------------------------- decoding


@dataclass(frozen=True)
class DecodedJWT:
    """A JWS compact serialization taken apart (nothing verified)."""

    header: dict[str, Any]
    claims: dict[str, Any]
    payload: bytes
    signing_input: bytes
    signature: bytes
    compact: str

    @property
    def alg(self) -> str | None:
        """The ``alg`` header member, when it is a string."""
        value = self.header.get("alg")
        return value if isinstance(value, str) else None

    @property
    def kid(self) -> str | None:
        """The ``kid`` header member, when it is a string."""
        value = self.header.get("kid")
        return value if isinstance(value, str) else None

    @property
    def typ(self) -> str | None:
        """The ``typ`` header member, when it is a string."""
        value = self.header.get("typ")
        return value if isinstance(value, str) else None


def is_jwe(token: str) -> bool:
    """True for a JWE compact serialization (five parts), false for a JWS (three)."""
    return isinstance(token, str) and token.count(".") == 4


def _decode_json_object(segment: str, what: str) -> dict[str, Any]:
    raw = b64url_decode(segment)
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedToken(f"{what} is not UTF-8 JSON") from exc
    if not isinstance(value, dict):
        raise MalformedToken(f"{what} is JSON but not an object ({type(value).__name__})")
    return value


def decode_jose_header(token: str) -> dict[str, Any]:
    """The protected header of a JWS or JWE compact serialization (not verified)."""
    if not isinstance(token, str) or token.count(".") not in (2, 4):
        raise MalformedToken("not a compact JWS (3 parts) or JWE (5 parts)")
    return _decode_json_object(token.split(".", 1)[0], "JOSE header")


def decode_unverified(token: str) -> DecodedJWT:
    """Split a JWS compact serialization into header, claims and signature, verifying nothing.

    Raises :class:`MalformedToken` for anything that is not three base64url parts whose
    header is a JSON object with a string ``alg`` and whose payload is a JSON object.
    """
    if not isinstance(token, str):
        raise MalformedToken(f"token is {type(token).__name__}, not str")
    token = token.strip()
    if is_jwe(token):
        raise MalformedToken("token is a JWE (5 parts); decrypt it first")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedToken(f"a compact JWS has 3 parts, this has {len(parts)}")
    header_b64, payload_b64, signature_b64 = parts
    header = _decode_json_object(header_b64, "JOSE header")
    if not isinstance(header.get("alg"), str):
        raise MalformedToken("JOSE header has no string 'alg'")
    payload = b64url_decode(payload_b64)
    claims = _decode_json_object(payload_b64, "JWT payload")
    return DecodedJWT(
        header=header,
        claims=claims,
        payload=payload,
        signing_input=f"{header_b64}.{payload_b64}".encode("ascii"),
        signature=b64url_decode(signature_b64),
        compact=token,
    )


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class SkippedKey:
    """A member of a JWK Set that could not be imported, and why."""

    member: Any
    reason: str


@dataclass(frozen=True)
class JWKS:
    """An imported JWK Set: usable keys plus the JSON each was imported from.

    ``members[i]`` is the published JSON of ``keys[i]`` (so a key's published ``kid``
    is known even though joserfc may derive one); ``skipped`` lists members that RFC 7517
    §5 says to ignore (unknown ``kty``, missing members).
    """

    keys: tuple[Key, ...]
    members: tuple[dict[str, Any], ...]
    skipped: tuple[SkippedKey, ...] = ()

    @classmethod
    def from_keys(cls, keys: Iterable[Key]) -> JWKS:
        """A set made of keys the harness holds (their ``kid`` is kept)."""
        key_list = tuple(keys)
        return cls(keys=key_list, members=tuple(public_jwk(k) for k in key_list))

    def kids(self) -> list[str | None]:
        """The published ``kid`` of every usable key (``None`` where absent)."""
        return [_member_kid(m) for m in self.members]

    def public_document(self) -> dict[str, Any]:
        """A JWK Set document with only public members (what a client would publish)."""
        return {"keys": [public_jwk(k) for k in self.keys]}

    def __iter__(self) -> Iterator[Key]:
        return iter(self.keys)

    def __len__(self) -> int:
        return len(self.keys)


def _member_kid(member: Mapping[str, Any]) -> str | None:
    kid = member.get("kid")
    return kid if isinstance(kid, str) else None


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence joserfc's SecurityWarnings: judging keys is the checks' job, not the library's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        yield


def import_jwk(member: Mapping[str, Any]) -> Key:
    """Import one JWK dict (public or private); raise :class:`JoseError` if unusable."""
    kty = member.get("kty")
    if not isinstance(kty, str):
        raise JoseError("JWK has no string 'kty'")
    try:
        with _quiet():
            return JWKRegistry.import_key(dict(member), kty)
    except (_LibError, ValueError, TypeError, KeyError) as exc:
        raise JoseError(f"cannot import {kty} JWK: {exc}") from exc


def parse_jwks(data: Any) -> JWKS:
    """Import a JWK Set document (``{"keys": [...]}``).

    Members that cannot be imported are kept in ``skipped`` rather than failing the whole
    set (RFC 7517 §5: implementations SHOULD ignore JWKs they do not understand). Raises
    :class:`JoseError` when the document is not an object with a ``keys`` array.
    """
    if not isinstance(data, Mapping):
        raise JoseError(f"JWK Set is {type(data).__name__}, not a JSON object")
    members = data.get("keys")
    if not isinstance(members, list):
        raise JoseError("JWK Set has no 'keys' array")
    keys: list[Key] = []
    kept: list[dict[str, Any]] = []
    skipped: list[SkippedKey] = []
    for member in members:
        if not isinstance(member, Mapping):
            skipped.append(SkippedKey(member, "not a JSON object"))
            continue
        try:
            key = import_jwk(member)
        except JoseError as exc:
            skipped.append(SkippedKey(dict(member), str(exc)))
            continue
        keys.append(key)
        kept.append(dict(member))
    return JWKS(keys=tuple(keys), members=tuple(kept), skipped=tuple(skipped))


# Which key types can serve an algorithm: (kty, crv or None for "any").
_SIG_KEYS: Final[dict[str, tuple[tuple[str, str | None], ...]]] = {
    **{f"RS{n}": (("RSA", None),) for n in (256, 384, 512)},
    **{f"PS{n}": (("RSA", None),) for n in (256, 384, 512)},
    **{f"HS{n}": (("oct", None),) for n in (256, 384, 512)},
    "ES256": (("EC", "P-256"),),
    "ES384": (("EC", "P-384"),),
    "ES512": (("EC", "P-521"),),
    "ES256K": (("EC", "secp256k1"),),
    "EdDSA": (("OKP", "Ed25519"), ("OKP", "Ed448")),
    "Ed25519": (("OKP", "Ed25519"),),
    "Ed448": (("OKP", "Ed448"),),
}
_ENC_KEYS: Final[dict[str, tuple[tuple[str, str | None], ...]]] = {
    **{a: (("RSA", None),) for a in ("RSA1_5", "RSA-OAEP", "RSA-OAEP-256", "RSA-OAEP-384",
                                     "RSA-OAEP-512")},
    **{a: (("EC", None), ("OKP", "X25519"), ("OKP", "X448"))
       for a in ("ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW")},
    **{a: (("oct", None),) for a in ("dir", "A128KW", "A192KW", "A256KW", "A128GCMKW",
                                     "A192GCMKW", "A256GCMKW")},
}


def _key_fits(member: Mapping[str, Any], alg: str, use: str) -> bool:
    table = _SIG_KEYS if use == "sig" else _ENC_KEYS
    kinds = table.get(alg)
    if kinds is not None and not any(
        member.get("kty") == kty and (crv is None or member.get("crv") == crv)
        for kty, crv in kinds
    ):
        return False
    member_use = member.get("use")
    if isinstance(member_use, str) and member_use != use:
        return False
    member_alg = member.get("alg")
    return not (isinstance(member_alg, str) and member_alg != alg)


def select_key(jwks: JWKS, header: Mapping[str, Any], *, use: str = "sig") -> Key:
    """Pick the key a JOSE header designates, by ``kid`` first, then by ``alg``/``kty``.

    A key whose ``use`` matches beats keys without ``use``. Raises :class:`UnknownKid`
    when the header's ``kid`` is not in the set, :class:`NoSuitableKey` when no key can
    serve the algorithm, and :class:`AmbiguousKey` when several keys fit and nothing tells
    them apart.
    """
    alg = header.get("alg")
    alg_name = alg if isinstance(alg, str) else ""
    kid = header.get("kid")
    pairs = list(zip(jwks.keys, jwks.members, strict=True))
    if kid is not None:
        pairs = [(k, m) for k, m in pairs if _member_kid(m) == kid]
        if not pairs:
            raise UnknownKid(f"no key with kid {kid!r}; the set has kids {jwks.kids()!r}")
    fitting = [(k, m) for k, m in pairs if _key_fits(m, alg_name, use)]
    if not fitting:
        where = f"with kid {kid!r}" if kid is not None else "in the set"
        raise NoSuitableKey(f"no key {where} can be used for {use} with alg {alg_name!r}")
    if len(fitting) > 1:
        declared = [(k, m) for k, m in fitting if m.get("use") == use]
        if len(declared) == 1:  # a key that says "use": "<use>" beats keys that say nothing
            return declared[0][0]
        why = f"{len(fitting)} keys share kid {kid!r}" if kid is not None else (
            f"no kid in the header and {len(fitting)} keys fit alg {alg_name!r}")
        raise AmbiguousKey(why)
    return fitting[0][0]


def public_jwk(key: Key) -> dict[str, Any]:
    """The public members of ``key`` as a dict, keeping its ``kid`` and ``use``/``alg``."""
    member: dict[str, Any] = dict(key.as_dict(private=False))
    for name in ("kid", "use", "alg"):
        value = key.get(name)
        if value is not None:
            member.setdefault(name, value)
    return member


def key_size_bits(key: Key | Mapping[str, Any]) -> int:
    """RSA modulus size, EC/OKP curve size, or symmetric key length, in bits."""
    if isinstance(key, RSAKey):
        return int(key.public_key.key_size)
    member: Mapping[str, Any] = key if isinstance(key, Mapping) else key.as_dict(private=True)
    kty = member.get("kty")
    if kty == "RSA":
        n = member.get("n")
        if not isinstance(n, str):
            raise JoseError("RSA JWK has no string 'n'")
        return int.from_bytes(b64url_decode(n), "big").bit_length()
    if kty in ("EC", "OKP"):
        crv = member.get("crv")
        if crv not in _CURVE_BITS:
            raise JoseError(f"unknown curve {crv!r}")
        return _CURVE_BITS[str(crv)]
    if kty == "oct":
        k = member.get("k")
        if not isinstance(k, str):
            raise JoseError("oct JWK has no string 'k'")
        return len(b64url_decode(k)) * 8
    raise JoseError(f"unknown kty {kty!r}")


_CURVE_BITS: Final[dict[str, int]] = {
    "P-256": 256, "P-384": 384, "P-521": 521, "secp256k1": 256,
    "Ed25519": 256, "Ed448": 456, "X25519": 256, "X448": 448,
}

_GENERATED: dict[tuple[str, str], Key] = {}

_KINDS: Final[dict[str, tuple[str, str | int]]] = {
    "RSA": ("RSA", 2048), "RSA-1024": ("RSA", 1024), "RSA-2048": ("RSA", 2048),
    "RSA-3072": ("RSA", 3072), "RSA-4096": ("RSA", 4096),
    "EC": ("EC", "P-256"), "P-256": ("EC", "P-256"), "P-384": ("EC", "P-384"),
    "P-521": ("EC", "P-521"), "secp256k1": ("EC", "secp256k1"),
    "Ed25519": ("OKP", "Ed25519"), "Ed448": ("OKP", "Ed448"),
    "X25519": ("OKP", "X25519"), "X448": ("OKP", "X448"),
    "oct": ("oct", 256), "oct-128": ("oct", 128), "oct-256": ("oct", 256),
    "oct-384": ("oct", 384), "oct-512": ("oct", 512),
}


def generate_key(kind: str, *, label: str = "default", use: str | None = None,
                 fresh: bool = False) -> Key:
    """A private key of ``kind``, generated once and cached.

    Kinds: ``RSA`` (2048), ``RSA-1024``…``RSA-4096``, ``EC``/``P-256``, ``P-384``,
    ``P-521``, ``secp256k1``, ``Ed25519``, ``Ed448``, ``X25519``, ``X448``,
    ``oct``/``oct-128``…``oct-512``.
    Keys are cached per ``(kind, label, use)`` so tests do not regenerate RSA keys; pass
    another ``label`` for a distinct key, or ``fresh=True`` to bypass the cache. The key's
    ``kid`` is its RFC 7638 thumbprint.
    """
    if kind not in _KINDS:
        raise ValueError(f"unknown key kind {kind!r}; choose from {sorted(_KINDS)}")
    cache_key = (kind, f"{label}\x00{use or ''}")
    if not fresh and cache_key in _GENERATED:
        return _GENERATED[cache_key]
    kty, size = _KINDS[kind]
    with _quiet():
        key: Key = JWKRegistry.generate_key(kty, size, private=True, auto_kid=False)
    member = dict(key.as_dict(private=True))
    member["kid"] = thumbprint(member)
    if use:
        member["use"] = use
    key = import_jwk(member)
    if not fresh:
        _GENERATED[cache_key] = key
    return key


def load_private_jwks(path: str | Path) -> JWKS:
    """Load keys from a JSON file holding a JWK Set or a single JWK (private members kept)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise JoseError(f"cannot read JWK file {path}: {exc}") from exc
    if isinstance(data, Mapping) and "keys" not in data:
        data = {"keys": [data]}
    jwks = parse_jwks(data)
    if jwks.skipped:
        reasons = "; ".join(s.reason for s in jwks.skipped)
        raise JoseError(f"{path}: {len(jwks.skipped)} key(s) unusable: {reasons}")
    return jwks


def default_alg_for_key(key: Key) -> str:
    """A reasonable signing ``alg`` for ``key`` (RS256, ES256/384/512, EdDSA, HS256)."""
    member = key.as_dict(private=False)
    kty, crv = member.get("kty"), member.get("crv")
    if kty == "RSA":
        return "RS256"
    if kty == "EC":
        return {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512",
                "secp256k1": "ES256K"}.get(str(crv), "ES256")
    if kty == "OKP" and crv in ("Ed25519", "Ed448"):
        return "Ed448" if crv == "Ed448" else "EdDSA"
    if kty == "oct":
        return "HS256"
    raise JoseError(f"{kty}/{crv} key cannot sign")


# --------------------------------------------------------------------------- verification


class _LenientJWSRegistry(jws.JWSRegistry):
    """Allow-list registry that accepts large headers (x5c chains) and big payloads."""

    max_header_length = 64 * 1024
    max_payload_length = 1024 * 1024
    max_signature_length = 4096


class _LenientJWERegistry(jwe.JWERegistry):
    max_protected_header_length = 64 * 1024
    max_encrypted_key_length = 4096
    max_ciphertext_length = 1024 * 1024


def _as_jwks(keys: JWKS | Key | Sequence[Key]) -> JWKS:
    if isinstance(keys, JWKS):
        return keys
    if isinstance(keys, (OctKey, RSAKey, ECKey, OKPKey)):
        return JWKS.from_keys([keys])
    return JWKS.from_keys(keys)


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


# --------------------------------------------------------------------------- JWE


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


# --------------------------------------------------------------------------- fingerprints

_THUMBPRINT_MEMBERS: Final[dict[str, tuple[str, ...]]] = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "oct": ("k", "kty"),
}


def thumbprint(jwk: Mapping[str, Any] | Key, hash_name: str = "sha256") -> str:
    """RFC 7638 JWK thumbprint: hash of the *required* members only, in lexical order.

    Unlike ``joserfc.jwk.thumbprint(dict)``, members such as ``kid``/``alg``/``use`` and
    private members are filtered out first.
    """
    member: Mapping[str, Any] = jwk if isinstance(jwk, Mapping) else jwk.as_dict(private=False)
    kty = member.get("kty")
    required = _THUMBPRINT_MEMBERS.get(str(kty))
    if required is None:
        raise JoseError(f"no RFC 7638 member list for kty {kty!r}")
    missing = [m for m in required if not isinstance(member.get(m), str)]
    if missing:
        raise JoseError(f"{kty} JWK lacks required member(s) {missing}")
    canonical = json.dumps({m: member[m] for m in required}, separators=(",", ":"),
                           sort_keys=True, ensure_ascii=False).encode("utf-8")
    return b64url(hashlib.new(hash_name, canonical).digest())


def thumbprint_uri(jwk: Mapping[str, Any] | Key) -> str:
    """RFC 9278 URI form of the SHA-256 thumbprint."""
    return f"urn:ietf:params:oauth:jwk-thumbprint:sha-256:{thumbprint(jwk)}"


def _certificate_der(cert: bytes | str | x509.Certificate) -> bytes:
    if isinstance(cert, x509.Certificate):
        return cert.public_bytes(Encoding.DER)
    raw = cert.encode("ascii") if isinstance(cert, str) else cert
    try:
        if raw.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(raw).public_bytes(Encoding.DER)
        if isinstance(cert, str):  # an x5c entry: standard base64 of the DER
            raw = base64.b64decode(cert, validate=True)
        x509.load_der_x509_certificate(raw)
    except (ValueError, binascii.Error) as exc:
        raise JoseError(f"not an X.509 certificate: {exc}") from exc
    return raw


def x5t_s256(cert: bytes | str | x509.Certificate) -> str:
    """``x5t#S256``: base64url SHA-256 of the DER certificate (RFC 7515 §4.1.8, RFC 8705 §3.1).

    Accepts DER bytes, PEM (str or bytes), an x5c entry (standard base64 str) or a
    ``cryptography`` certificate.
    """
    return b64url(hashlib.sha256(_certificate_der(cert)).digest())


def half_hash(value: str, alg: str, *, crv: str | None = None) -> str:
    """OIDC ``at_hash``/``c_hash``/``s_hash``: base64url of the left-most half of the hash.

    The hash is the one the JWS ``alg`` uses: SHA-256 for ``*256``, SHA-384 for ``*384``,
    SHA-512 for ``*512``; for ``EdDSA``/``Ed25519`` (Ed25519 key) SHA-512 and for
    ``Ed448`` (or ``EdDSA`` with ``crv="Ed448"``) SHAKE256 with 114 bytes of output, as
    settled for OIDC Core (openid/connect issue 1125).
    """
    data = value.encode("ascii")
    if alg == "Ed448" or (alg == "EdDSA" and crv == "Ed448"):
        digest = hashlib.shake_256(data).digest(114)
    elif alg in ("EdDSA", "Ed25519"):
        digest = hashlib.sha512(data).digest()
    elif alg.endswith("256") or alg == "ES256K":
        digest = hashlib.sha256(data).digest()
    elif alg.endswith("384"):
        digest = hashlib.sha384(data).digest()
    elif alg.endswith("512"):
        digest = hashlib.sha512(data).digest()
    else:
        raise JoseError(f"no hash is defined for alg {alg!r}")
    return b64url(digest[: len(digest) // 2])


# --------------------------------------------------------------------------- building


def _apply(base: dict[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    result = dict(base)
    for name, value in (overrides or {}).items():
        if value is REMOVE:
            result.pop(name, None)
        else:
            result[name] = value
    return result


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


