"""Keys: JWK Set import, key selection by ``kid``/``alg``/``use``, generation and loading.

Nothing here does I/O except :func:`load_private_jwks`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from joserfc.errors import JoseError as _LibError
from joserfc.jwk import ECKey, JWKRegistry, Key, OctKey, OKPKey, RSAKey

from harness.jose._library import _quiet
from harness.jose.encoding import b64url_decode
from harness.jose.errors import AmbiguousKey, JoseError, NoSuitableKey, UnknownKid
from harness.jose.fingerprints import thumbprint


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


_RSA_PRIVATE: dict[str, Any] = {}
"""The JWK members of an RSA private key (canonical JSON) -> its immutable ``cryptography`` key object.

Building an RSA private key from its numbers validates it (about 35 ms of CPU each time); the
profile's client keys are imported again for every assertion and request object a check signs.
Every import still gets its own ``RSAKey`` (its own dict), only the validated number object is shared.
"""


def import_jwk(member: Mapping[str, Any]) -> Key:
    """Import one JWK dict (public or private); raise :class:`JoseError` if unusable."""
    kty = member.get("kty")
    if not isinstance(kty, str):
        raise JoseError("JWK has no string 'kty'")
    try:
        with _quiet():
            if kty == "RSA" and "d" in member:
                cache_key = json.dumps(dict(member), sort_keys=True, default=str)
                raw = _RSA_PRIVATE.get(cache_key)
                if raw is not None:
                    return RSAKey(raw, dict(member))
                key = JWKRegistry.import_key(dict(member), kty)
                _RSA_PRIVATE[cache_key] = key.raw_value
                return key
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
    """The signing ``alg`` for ``key``: the key's own ``alg`` member, else the usual one for its type.

    RFC 7517 §4.4: "The "alg" (algorithm) parameter identifies the algorithm intended for use
    with the key." A key that says ``PS256`` (or ``RS512``, ``ES256`` ...) signs with exactly that;
    an ``alg`` the key cannot serve (``ES256`` on an RSA key, an encryption algorithm) is a
    :class:`JoseError`. Only a key without ``alg`` falls back to RS256 (RSA), ES256/384/512 or
    ES256K (EC, by curve), EdDSA/Ed448 (OKP) or HS256 (oct).
    """
    member = key.as_dict(private=False)
    declared = key.get("alg")
    if isinstance(declared, str):
        if declared not in _SIG_KEYS:
            raise JoseError(f"the key's alg {declared!r} is not a JWS signing algorithm")
        if not _key_fits({**member, "use": "sig", "alg": declared}, declared, "sig"):
            raise JoseError(f"the key's alg {declared!r} cannot be used with a {member.get('kty')} key"
                            + (f" on {member.get('crv')}" if member.get("crv") else ""))
        return declared
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


def _as_jwks(keys: JWKS | Key | Sequence[Key]) -> JWKS:
    if isinstance(keys, JWKS):
        return keys
    if isinstance(keys, (OctKey, RSAKey, ECKey, OKPKey)):
        return JWKS.from_keys([keys])
    return JWKS.from_keys(keys)
