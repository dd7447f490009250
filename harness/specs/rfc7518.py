"""RFC 7518 (JSON Web Algorithms): key sizes for the algorithms keys are used with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from joserfc.jwk import Key

from harness.jose import JoseError, key_size_bits
from harness.results import Findings, fail
from harness.specs._findings import finding

__all__ = ["check_hmac_key_length", "check_key_size", "check_rsa_key_sizes"]

# Longest prefixes first: "RSA-OAEP" must win over "RS".
_RSA_SECTION = {"RSA1_5": "RFC7518-4.2", "RSA-OAEP": "RFC7518-4.3", "RS": "RFC7518-3.3",
                "PS": "RFC7518-3.5"}


def check_rsa_key_sizes(jwks: Any, min_bits: int = 2048) -> None:
    """RFC 7518 §3.3: every RSA key in a JWK Set document is at least 2048 bits.

    "A key of size 2048 bits or larger MUST be used with these algorithms." (the same
    sentence governs PS* in §3.5 and RSA-OAEP in §4.3). Members that cannot be read are
    left to :func:`harness.specs.rfc7517.check_jwks_document`.
    """
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    findings = Findings()
    for index, member in enumerate(keys if isinstance(keys, list) else []):
        if not isinstance(member, Mapping) or member.get("kty") != "RSA":
            continue
        try:
            bits = key_size_bits(member)
        except JoseError:
            continue
        if bits < min_bits:
            findings.add(finding("RSA_KEY_TOO_SMALL", f"RSA key {member.get('kid', index)} has "
                                 f"{bits} bits", "RFC7518-3.3", f">= {min_bits}", bits))
    findings.raise_if_any()


def check_key_size(key: Key | Mapping[str, Any], alg: str, *, min_rsa_bits: int = 2048) -> int:
    """RFC 7518 §3.3 / §3.5 / §4.2 / §4.3: the RSA key used with ``alg`` is large enough.

    "A key of size 2048 bits or larger MUST be used with these algorithms." Returns the
    key size in bits (EC/OKP curve sizes are returned without judgement: the curve is fixed
    by the algorithm).
    """
    bits = key_size_bits(key)
    member = key if isinstance(key, Mapping) else key.as_dict(private=False)
    if member.get("kty") == "RSA" and bits < min_rsa_bits:
        prefix = next((p for p in _RSA_SECTION if alg.startswith(p)), "RS")
        raise fail("RSA_KEY_TOO_SMALL", f"the RSA key used with {alg} has {bits} bits",
                   _RSA_SECTION[prefix], expected=f">= {min_rsa_bits}", actual=bits)
    return bits


def check_hmac_key_length(secret: str | bytes, alg: str) -> None:
    """RFC 7518 §3.2: an HMAC key is at least as long as the hash output.

    "A key of the same size as the hash output (for instance, 256 bits for "HS256") or
    larger MUST be used with this algorithm." For client secrets the key is the UTF-8
    octets of the secret (OIDC Core §10.1).
    """
    size = {"HS256": 256, "HS384": 384, "HS512": 512}.get(alg)
    if size is None:
        raise ValueError(f"{alg!r} is not an HMAC algorithm")
    octets = secret.encode("utf-8") if isinstance(secret, str) else secret
    if len(octets) * 8 < size:
        raise fail("HMAC_KEY_TOO_SHORT", f"the {alg} key has {len(octets) * 8} bits",
                   "RFC7518-3.2", expected=f">= {size} bits", actual=len(octets) * 8)
