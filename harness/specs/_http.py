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


#: Deepest nesting of arrays/objects accepted from a target (no protocol message nests more than a few levels).
MAX_JSON_DEPTH = 64


class JSONRejected(ValueError):
    """A body that is not strict, bounded JSON (RFC 8259); the message says why."""


def _refuse_constant(name: str) -> Any:
    raise JSONRejected(f"{name} is not a JSON number (RFC 8259 §6)")


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a parsed value, computed without recursion; stops counting past ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def loads_strict(data: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON strictly and within bounds, or raise :class:`JSONRejected` (a ``ValueError``).

    RFC 8259 §6: "Numeric values that cannot be represented in the grammar below (such as
    Infinity and NaN) are not permitted." Python's ``json`` accepts them, so they are refused
    here; nesting deeper than ``max_depth`` is refused too (a target's garbage must never
    exhaust the interpreter's recursion limit).
    """
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except JSONRejected:
        raise
    except json.JSONDecodeError as exc:
        raise JSONRejected(f"{exc.msg} at position {exc.pos}") from exc
    except RecursionError as exc:
        raise JSONRejected(f"nested deeper than {max_depth} levels") from exc
    except (ValueError, TypeError) as exc:  # e.g. bytes that are not UTF-8/16/32
        raise JSONRejected(str(exc)) from exc
    if _depth(value, max_depth) > max_depth:
        raise JSONRejected(f"nested deeper than {max_depth} levels")
    return value


def parse_json(body: Body) -> tuple[Any, str | None]:
    """Parse a body as strict JSON (:func:`loads_strict`): ``(value, None)`` or ``(None, reason)``."""
    if body is None:
        return None, "empty body"
    if isinstance(body, (Mapping, list)):
        return body, None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if not text.strip():
        return None, "empty body"
    try:
        return loads_strict(text), None
    except JSONRejected as exc:
        return None, f"not JSON ({exc})"


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
