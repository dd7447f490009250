"""Secret redaction for evidence, logs and reports.

Secrets never appear unredacted in reports or logs: client secrets, private keys, tokens,
passwords, code verifiers, client assertions, DPoP proofs, cookies. Redaction happens when
evidence is recorded, so nothing downstream can leak what it never received.

Redaction is by value, not only by shape. Sensitive *names* (form fields, JSON members,
URL parameters, headers, HTML form fields) have their values masked, and every value masked
that way is also *registered*: the per-process registry holds every credential the harness
created, sent or received (authorization codes, code verifiers, tokens, device codes,
auth_req_ids, client assertions, DPoP proofs, passwords, client secrets), and each registered
value is masked wherever it appears afterwards, whatever the shape of the text around it
(a ``Location`` header, an HTML page, an error description echoing a request, a text/plain
token response, a curl line). Values shorter than :data:`MIN_CREDENTIAL_CHARS` are not
registered from observed traffic: masking every ``"ok"`` would make evidence unreadable.
"""

from __future__ import annotations

import bisect
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote_plus, urlencode, urlsplit, urlunsplit

from harness.specs._http import MAX_JSON_DEPTH, loads_strict

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

#: Shortest observed credential value that is registered for masking by value.
MIN_CREDENTIAL_CHARS = 8

_registered: set[str] = set()
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)?")
# a credential (token68) after an auth scheme; a plain lower-case word or an auth-param is
# not one, so server messages such as "DPoP iat is not recent" or 'Bearer realm="x"' stay readable
_BEARER_RE = re.compile(r"\b(Bearer|DPoP|Basic|bearer|dpop|basic)\s+(?![a-z]+(?:[\s=,]|$))[A-Za-z0-9._~+/-]+=*")


# URL / form / JSON / XML / HTML spellings of a credential-carrying name in free text: the value
# is registered and masked even when the text is not a form or JSON (a "Redirecting to ...?code="
# page, a text/plain token response, an echoed request in an error_description).
_TEXT_KEYS = ("code", "code_verifier", "access_token", "refresh_token", "id_token", "device_code",
              "auth_req_id", "client_secret", "client_assertion", "password", "token", "assertion",
              "subject_token", "actor_token", "logout_token", "login_hint_token", "client_notification_token",
              "id_token_hint", "request", "response")
_KEY_ALT = "|".join(sorted(_TEXT_KEYS, key=len, reverse=True))
_PARAM_RE = re.compile(r"(?<![A-Za-z0-9_.-])(" + _KEY_ALT + r")(=)([^&#\s\"'<>;]+)")
_JSONISH_RE = re.compile(r"([\"'])(" + _KEY_ALT + r")\1(\s*:\s*)([\"'])((?:(?!\4)[^\\\n]|\\.){1,8192})\4")
_XML_RE = re.compile(r"<(" + _KEY_ALT + r")>([^<]{1,8192})</\1>")
_INPUT_RE = re.compile(r"<input\b[^>]{0,2048}>", re.IGNORECASE)
_INPUT_NAME_RE = re.compile(r"\bname\s*=\s*([\"']?)(" + _KEY_ALT + r")\1(?=[\s/>])", re.IGNORECASE)
_INPUT_VALUE_RE = re.compile(r"(\bvalue\s*=\s*)([\"'])([^\"']*)\2", re.IGNORECASE)
_WORDISH_RE = re.compile(r"[a-z_.:-]+")
_MAX_SCAN_CHARS = 1_000_000  # shape scans of longer texts are skipped (registered values are still masked)


#: Test hook: when set, every registered value is appended (in clear) to this file, so a leak test
#: can grep the reports for each credential a run saw. Never set it outside such a test.
DEBUG_DUMP_ENV = "OAUTH_HARNESS_DEBUG_CREDENTIALS_FILE"


def _add(value: str) -> None:
    for form in {value, quote(value, safe=""), quote_plus(value)}:
        if form not in _registered:
            _registered.add(form)
            _index(form)
            dump = os.environ.get(DEBUG_DUMP_ENV)
            if dump:  # leak tests only: the file holds credentials in clear, so it is private (0600)
                fd = os.open(dump, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(form) + "\n")


def register_secret(value: str | None) -> None:
    """Remember a configured secret (profile client secret, password) so it is scrubbed from any text.

    Configured secrets are masked from 4 characters on: the profile author declared them secret.
    """
    if value and len(value) >= 4:
        _add(value)


def register_credential(value: object) -> None:
    """Remember a credential the harness created or received; it is masked wherever it appears later.

    Ignored, so that ordinary words never get masked everywhere: values shorter than
    :data:`MIN_CREDENTIAL_CHARS`, masks already applied, protocol words (``invalid_request``,
    ``authorization_code``: only lower-case letters and ``_-.:``), text with white space, URLs.
    """
    if not isinstance(value, str) or len(value) < MIN_CREDENTIAL_CHARS or value.startswith(REDACTED):
        return
    if _WORDISH_RE.fullmatch(value) or any(c.isspace() for c in value) or "://" in value:
        return
    _add(value)


def registered_secret_count() -> int:
    """How many secret values are registered (for tests)."""
    return len(_registered)


def registered_values() -> list[str]:
    """Every registered value (to hand from an xdist worker to the controller, which scrubs shared files)."""
    return sorted(_registered)


def adopt_registered(values: list[str]) -> None:
    """Register values another process registered (each exactly as it was, all forms included)."""
    for value in values:
        if isinstance(value, str) and value and value not in _registered:
            _registered.add(value)
            _index(value)


def scrub_file(path: Path) -> bool:
    """Mask every registered value and compact JWT in a file another component wrote; return whether it changed.

    Used for allure-pytest's result files, which hold exception text the harness did not write.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    cleaned = _JWT_RE.sub(lambda m: f"{REDACTED}(jwt)", scrub_values(text))
    if cleaned == text:
        return False
    path.write_text(cleaned, encoding="utf-8")
    return True


def is_registered(value: str) -> bool:
    """Whether ``value`` is in the per-process credential registry (for tests)."""
    return value in _registered


_WINDOW = 8
_INDEXED_MIN = 2 * _WINDOW - 1
"""Values holding a base64url run at least this long are found through the window index (see :func:`_scrub_indexed`)."""
_RUN_RE = re.compile(r"[A-Za-z0-9_-]{15,}")  # runs that can hold (part of) an indexed value
_windows: dict[str, list[tuple[str, int]]] = {}  # 8-char window -> (value, offset of the window in the value)
_complex: list[str] = []  # every other registered value (no base64url run of 15), longest first


def _index(value: str) -> None:
    """Add a registered value to the lookup structures (incrementally: no rebuild per registration).

    A value with a base64url run of at least 15 characters (codes, tokens, JWTs — whose signature
    segment is such a run —, URL-encoded forms of them) is indexed by the 8-character windows at
    offsets 0..7 of its longest such run; only the rest (short or punctuation-heavy secrets, a few
    per run) is searched one by one.
    """
    runs = [m for m in _RUN_RE.finditer(value)]
    if runs:
        longest = max(runs, key=lambda m: m.end() - m.start())
        for offset in range(longest.start(), longest.start() + _WINDOW):
            _windows.setdefault(value[offset:offset + _WINDOW], []).append((value, offset))
    else:
        bisect.insort(_complex, value, key=lambda v: -len(v))


def _scrub_indexed(text: str) -> str:
    """Mask the indexed values wherever they occur in ``text``.

    An indexed value's longest run R (15 characters or more) lies inside one base64url run of the
    text, and any 15 characters of a run cover a whole 8-character window starting at a multiple of
    8 of that run, at an offset of 0..7 within R. So only every 8th window of a run is looked up,
    among the windows at offsets 0..7 of every value's R, and each candidate is confirmed in place
    (the value may extend past the run: a JWT's other segments). Overlapping matches keep the
    leftmost, then the longest.
    """
    matches: list[tuple[int, int]] = []
    for run in _RUN_RE.finditer(text):
        chunk, start = run.group(0), run.start()
        for q in range(0, len(chunk) - _WINDOW + 1, _WINDOW):
            for value, offset in _windows.get(chunk[q:q + _WINDOW], ()):
                at = start + q - offset
                if at >= 0 and text.startswith(value, at):
                    matches.append((at, len(value)))
    if not matches:
        return text
    matches.sort(key=lambda m: (m[0], -m[1]))
    pieces: list[str] = []
    last = 0
    for at, length in matches:
        if at < last:
            continue
        pieces += [text[last:at], mask(text[at:at + length])]
        last = at + length
    pieces.append(text[last:])
    return "".join(pieces)


def contains_compact_jwt(text: str) -> bool:
    """Whether ``text`` holds something shaped like a compact JWS/JWE (for leak tests)."""
    return _JWT_RE.search(text) is not None


def mask(value: str) -> str:
    """A masked form that keeps a hint of the length but nothing of the content."""
    return f"{REDACTED}({len(value)} chars)" if value else value


def _mask_param(match: re.Match[str]) -> str:
    value = match.group(3)
    if value.startswith(("%5BREDACTED", "[REDACTED")):
        return match.group(0)
    register_credential(unquote_plus(value))
    register_credential(value)
    return f"{match.group(1)}={mask(value)}"


def _mask_jsonish(match: re.Match[str]) -> str:
    value = match.group(5)
    if value.startswith(REDACTED):
        return match.group(0)
    register_credential(value)
    quote_char = match.group(4)
    return f"{match.group(1)}{match.group(2)}{match.group(1)}{match.group(3)}{quote_char}{mask(value)}{quote_char}"


def _mask_xml(match: re.Match[str]) -> str:
    value = match.group(2).strip()
    if not value or value.startswith(REDACTED):
        return match.group(0)
    register_credential(value)
    return f"<{match.group(1)}>{mask(value)}</{match.group(1)}>"


def _mask_input(match: re.Match[str]) -> str:
    tag = match.group(0)
    if not _INPUT_NAME_RE.search(tag):
        return tag

    def masked_value(found: re.Match[str]) -> str:
        value = found.group(3)
        if not value or value.startswith(REDACTED):
            return found.group(0)
        register_credential(value)
        return f"{found.group(1)}{found.group(2)}{mask(value)}{found.group(2)}"

    return _INPUT_VALUE_RE.sub(masked_value, tag, count=1)


def _mask_by_shape(text: str) -> str:
    """Mask (and register) values of credential names in free text, whatever its media type."""
    if len(text) > _MAX_SCAN_CHARS:
        return text
    if "=" in text:
        text = _PARAM_RE.sub(_mask_param, text)
    if ":" in text:
        text = _JSONISH_RE.sub(_mask_jsonish, text)
    if "</" in text:
        text = _XML_RE.sub(_mask_xml, text)
    if "<input" in text.lower():
        text = _INPUT_RE.sub(_mask_input, text)
    return text


def scrub_values(text: str) -> str:
    """Mask every registered credential value in ``text`` (longest first), keeping its length."""
    if len(text) < 4 or not _registered:
        return text
    if _windows:
        text = _scrub_indexed(text)
    for secret in _complex:
        if secret in text:
            text = text.replace(secret, mask(secret))
    return text


def scrub_text(text: str) -> str:
    """Remove credentials from free text.

    Credential-named values (``code=...``, ``"refresh_token": "..."``, ``<device_code>``, a hidden
    ``code`` input) are masked and registered; then every registered value, bearer credential and
    compact JWT is masked wherever it appears.
    """
    if not text:
        return text
    text = _mask_by_shape(text)
    text = scrub_values(text)
    text = _BEARER_RE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _JWT_RE.sub(lambda m: f"{REDACTED}(jwt)", text)


def scrub_all(data: Any) -> Any:
    """A copy of a JSON-ready structure with every registered value and compact JWT masked in its strings.

    Used when evidence is serialised: a credential registered *after* an exchange was recorded
    (e.g. a code parsed from a page recorded earlier) is masked there too. Iterative, so no depth
    of nesting can exhaust the recursion limit.
    """
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return _JWT_RE.sub(lambda m: f"{REDACTED}(jwt)", scrub_values(value))
        return value

    def shell(value: Any) -> Any:
        if isinstance(value, dict):
            return dict(value)
        if isinstance(value, (list, tuple)):
            return list(value)
        return clean(value)

    root = shell(data)
    stack: list[Any] = [root] if isinstance(root, (dict, list)) else []
    while stack:
        container = stack.pop()
        keys = list(container.keys()) if isinstance(container, dict) else range(len(container))
        for key in keys:
            copied = shell(container[key])
            container[key] = copied
            if isinstance(copied, (dict, list)):
                stack.append(copied)
    return root


def redact_mapping(data: Any, _depth: int = 0) -> Any:
    """Recursively mask (and register) values of sensitive keys and scrub all strings.

    Nesting deeper than the strict JSON bound is replaced by a marker instead of recursing.
    """
    if _depth > MAX_JSON_DEPTH:
        return f"{REDACTED}(nested deeper than {MAX_JSON_DEPTH} levels)"
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            if str(key).lower() in SENSITIVE_KEYS and isinstance(value, (str, int)) and value != "":
                register_credential(str(value))
                out[key] = mask(str(value))
            else:
                out[key] = redact_mapping(value, _depth + 1)
        return out
    if isinstance(data, (list, tuple)):
        return [redact_mapping(v, _depth + 1) for v in data]
    if isinstance(data, str):
        return scrub_text(data)
    return data


def redact_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Mask credential-carrying headers; keep the auth scheme so evidence stays readable."""
    out: list[tuple[str, str]] = []
    for name, value in headers:
        lower = name.lower()
        if lower in ("authorization", "proxy-authorization"):
            scheme, _, credential = value.partition(" ") if " " in value else ("", "", value)
            register_credential(credential.strip())
            out.append((name, f"{scheme} {REDACTED}".strip()))
        elif lower in ("cookie", "set-cookie", "dpop"):
            register_credential(value.strip())
            # Cookie: every name=value pair; Set-Cookie: only the first (the rest are attributes: Path, ...)
            pairs = value.split(";") if lower == "cookie" else value.split(";", 1)[:1] if lower == "set-cookie" else []
            for pair in pairs:
                register_credential(pair.partition("=")[2].strip())
            out.append((name, REDACTED))
        else:
            out.append((name, scrub_text(value)))
    return out


def redact_query_string(query: str) -> str:
    """Mask sensitive parameters of an ``application/x-www-form-urlencoded`` string."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    masked: list[tuple[str, str]] = []
    for key, value in pairs:
        if key.lower() in SENSITIVE_KEYS and value:
            register_credential(value)
            masked.append((key, mask(value)))
        else:
            masked.append((key, scrub_text(value)))
    return urlencode(masked, safe="[]()")


def redact_url(url: str) -> str:
    """Mask sensitive query and fragment parameters of a URL (and any registered value in it)."""
    try:
        parts = urlsplit(url)
        redacted = urlunsplit((parts.scheme, parts.netloc, parts.path,
                               redact_query_string(parts.query), redact_query_string(parts.fragment)))
    except ValueError:  # not a URL a parser accepts: mask it as text
        return scrub_text(url)
    return scrub_text(redacted)


def redact_body(body: str, content_type: str) -> str:
    """Redact a request or response body according to its media type."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        return redact_query_string(body)
    stripped = body.lstrip()
    if media.endswith("json") or stripped[:1] in ("{", "["):
        try:
            return json.dumps(redact_mapping(loads_strict(body)), indent=2, sort_keys=True)
        except (ValueError, RecursionError):
            return scrub_text(body)
    if media != "text/html" and "=" in stripped[:200] and "\n" not in stripped.rstrip() and " " not in stripped:
        return redact_query_string(stripped)  # a form-encoded answer under another (or no) media type
    return scrub_text(body)
