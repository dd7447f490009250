"""Taking JWS/JWE compact serializations apart without verifying anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.jose.encoding import b64url_decode
from harness.jose.errors import MalformedToken
from harness.specs._http import JSONRejected, loads_strict


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
        value = loads_strict(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise MalformedToken(f"{what} is not UTF-8 JSON") from exc
    except JSONRejected as exc:  # also NaN/Infinity and nesting past the bound (RFC 8259 §6)
        raise MalformedToken(f"{what} is not UTF-8 JSON ({exc})") from exc
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
