"""Fingerprints: RFC 7638 thumbprints, ``x5t#S256`` and the OIDC half hashes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from joserfc.jwk import Key

from harness.jose.encoding import b64url
from harness.jose.errors import JoseError

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
