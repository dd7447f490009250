"""Secret redaction for evidence, logs and reports.

Secrets never appear unredacted in reports or logs: client secrets, private keys, tokens,
passwords, code verifiers, client assertions, DPoP proofs, cookies. Redaction happens when
evidence is recorded, so nothing downstream can leak what it never received.

Two mechanisms work together: sensitive *names* (form fields, JSON members, headers) have
their values masked, and every secret *value* the profile loaded (client secrets, passwords)
is scrubbed wherever it appears in text.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[REDACTED]"

SENSITIVE_KEYS: frozenset[str] = frozenset({
    "client_secret", "client_assertion", "code_verifier", "access_token", "refresh_token",
    "id_token", "password", "code", "device_code", "auth_req_id", "request", "response",
    "assertion", "subject_token", "actor_token", "token", "logout_token", "login_hint_token",
    "client_notification_token", "id_token_hint", "dpop", "authorization", "cookie", "set-cookie",
    "proxy-authorization", "private_key", "d", "p", "q", "dp", "dq", "qi", "k",
})
# JWTs that are *issued by the target* (ID tokens, JARM responses) are evidence, not secrets:
# their decoded header and claims are shown, but the compact form that could be replayed is not.

_registered: set[str] = set()
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)?")
# a credential (token68) after an auth scheme; a plain lower-case word or an auth-param is
# not one, so server messages such as "DPoP iat is not recent" or 'Bearer realm="x"' stay readable
_BEARER_RE = re.compile(r"\b(Bearer|DPoP|Basic|bearer|dpop|basic)\s+(?![a-z]+(?:[\s=,]|$))[A-Za-z0-9._~+/-]+=*")


def register_secret(value: str | None) -> None:
    """Remember a secret value so it is scrubbed from any text that is redacted later."""
    if value and len(value) >= 4:
        _registered.add(value)


def registered_secret_count() -> int:
    """How many secret values are registered (for tests)."""
    return len(_registered)


def contains_compact_jwt(text: str) -> bool:
    """Whether ``text`` holds something shaped like a compact JWS/JWE (for leak tests)."""
    return _JWT_RE.search(text) is not None


def mask(value: str) -> str:
    """A masked form that keeps a hint of the length but nothing of the content."""
    return f"{REDACTED}({len(value)} chars)" if value else value


def scrub_text(text: str) -> str:
    """Remove registered secret values, JWT compact serialisations and credentials in text."""
    for secret in sorted(_registered, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _BEARER_RE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _JWT_RE.sub(lambda m: f"{REDACTED}(jwt)", text)


def redact_mapping(data: Any) -> Any:
    """Recursively mask values of sensitive keys and scrub all strings."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            if str(key).lower() in SENSITIVE_KEYS and isinstance(value, (str, int)) and value != "":
                out[key] = mask(str(value))
            else:
                out[key] = redact_mapping(value)
        return out
    if isinstance(data, list):
        return [redact_mapping(v) for v in data]
    if isinstance(data, str):
        return scrub_text(data)
    return data


def redact_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Mask credential-carrying headers; keep the auth scheme so evidence stays readable."""
    out: list[tuple[str, str]] = []
    for name, value in headers:
        lower = name.lower()
        if lower in ("authorization", "proxy-authorization"):
            scheme = value.split(" ", 1)[0] if " " in value else ""
            out.append((name, f"{scheme} {REDACTED}".strip()))
        elif lower in ("cookie", "set-cookie", "dpop"):
            out.append((name, REDACTED))
        else:
            out.append((name, scrub_text(value)))
    return out


def redact_query_string(query: str) -> str:
    """Mask sensitive parameters of an ``application/x-www-form-urlencoded`` string."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    masked = [(k, mask(v) if k.lower() in SENSITIVE_KEYS and v else scrub_text(v)) for k, v in pairs]
    return urlencode(masked, safe="[]()")


def redact_url(url: str) -> str:
    """Mask sensitive query and fragment parameters of a URL."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path,
                       redact_query_string(parts.query), redact_query_string(parts.fragment)))


def redact_body(body: str, content_type: str) -> str:
    """Redact a request or response body according to its media type."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        return redact_query_string(body)
    if media.endswith("json"):
        try:
            return json.dumps(redact_mapping(json.loads(body)), indent=2, sort_keys=True)
        except ValueError:
            return scrub_text(body)
    return scrub_text(body)
