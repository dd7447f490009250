"""Base64url (RFC 7515 §2) and the compact JSON that JOSE segments are made of."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Final

from harness.jose.errors import MalformedToken


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
