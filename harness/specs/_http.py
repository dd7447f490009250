"""Helpers shared by the checks: header lookup, media types, JSON bodies, URLs, charsets."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeAlias
from urllib.parse import urlsplit


class _MultiItems(Protocol):
    def multi_items(self) -> list[tuple[str, str]]: ...


#: Response headers as observed: a mapping (``httpx.Headers`` works) or (name, value) pairs.
Headers: TypeAlias = Mapping[str, str] | Iterable[tuple[str, str]]
#: A response body: raw text/bytes, or JSON the caller already parsed.
Body: TypeAlias = str | bytes | Mapping[str, Any] | list[Any] | None


def header_values(headers: Headers, name: str) -> list[str]:
    """Every value of header ``name`` (case-insensitive), in order."""
    wanted = name.lower()
    if hasattr(headers, "multi_items"):
        pairs: Iterable[tuple[str, str]] = headers.multi_items()
    elif isinstance(headers, Mapping):
        pairs = headers.items()
    else:
        pairs = headers
    return [value for key, value in pairs if key.lower() == wanted]


def header_value(headers: Headers, name: str) -> str | None:
    """The values of header ``name`` joined with ``", "``, or ``None`` when absent."""
    values = header_values(headers, name)
    return ", ".join(values) if values else None


def media_type(headers: Headers) -> str | None:
    """The lower-cased media type of ``Content-Type`` (parameters dropped)."""
    value = header_value(headers, "content-type")
    if value is None:
        return None
    return value.split(";", 1)[0].strip().lower()


def directive_names(value: str | None) -> set[str]:
    """Lower-cased directive names of a comma-separated header (``Cache-Control``, ``Pragma``)."""
    if not value:
        return set()
    return {part.split("=", 1)[0].strip().lower() for part in value.split(",") if part.strip()}


def parse_json(body: Body) -> tuple[Any, str | None]:
    """Parse a body as JSON: ``(value, None)`` or ``(None, reason)``."""
    if body is None:
        return None, "empty body"
    if isinstance(body, (Mapping, list)):
        return body, None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if not text.strip():
        return None, "empty body"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"not JSON ({exc.msg} at position {exc.pos})"


def is_absolute_url(value: Any) -> bool:
    """True for a string URL with a scheme and a host."""
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return bool(parts.scheme) and bool(parts.netloc)


def is_https_url(value: Any) -> bool:
    """True for an absolute ``https`` URL."""
    return is_absolute_url(value) and urlsplit(value).scheme == "https"


def chars_outside(value: str, allowed: frozenset[int]) -> list[str]:
    """Characters of ``value`` whose code point is not in ``allowed`` (deduplicated, ordered)."""
    seen: list[str] = []
    for char in value:
        if ord(char) not in allowed and char not in seen:
            seen.append(char)
    return seen


def code_points(*ranges: tuple[int, int]) -> frozenset[int]:
    """The code points of inclusive ``(low, high)`` ranges (ABNF ``%xNN-MM``)."""
    return frozenset(c for low, high in ranges for c in range(low, high + 1))
