"""Runnable "reproduce with curl" lines, without a single credential in them.

A line is built when the request is sent, from the request itself: the profile's secrets
(client secrets, passwords, tokens referenced as ``${NAME}`` in the profile) become ``${NAME}``
shell variables named after those references, so ``export NAME=...`` (or ``. <serve env file>``)
and the line runs as is; credentials of the run itself (codes, tokens, DPoP proofs, assertions),
which were masked in the evidence, become variables named after where they appear
(``${CODE}``, ``${ACCESS_TOKEN}``). ``--cacert`` names the profile's CA bundle and ``-E``/``--key``
the mTLS client certificate. Everything else — method, URL, headers, body — is sent exactly.

A line is kept as *words* of literal and variable segments; literal text is scrubbed again with
the credential registry when the evidence is serialised (a value registered later becomes a
variable too), so no rendering can put a credential back.
"""

from __future__ import annotations

import base64
import binascii
import re
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote_plus, unquote_plus

from harness.redaction import SENSITIVE_KEYS, redact_body, redact_url, scrub_values

Segment = tuple[bool, str]
"""(is a variable, text): a variable segment holds a shell variable name, never a value."""
Word = list[Segment]

SKIPPED_HEADERS = frozenset({"host", "content-length", "accept-encoding", "connection", "user-agent"})
"""Headers curl sets itself (and must: it computes the length of the body it sends)."""

SECRET_KEYS = ("secret", "password", "token")
"""A profile value whose key ends in one of these is a secret: its ``${NAME}`` reference becomes the variable."""

_placeholders: dict[str, str] = {}  # secret value -> the environment variable the profile read it from
_MASK_RE = re.compile(r"\[REDACTED\](?:\((?:\d+ chars|jwt|nested[^)]*)\))?|%5BREDACTED%5D(?:%28\d+(?:\+|%20)chars%29)?")
_KEY_BEFORE_RE = re.compile(r"(?:^|[?&;,\s\"'{])([A-Za-z_][A-Za-z0-9_.-]*)(?:=|\"\s*:\s*\")$")
_SCHEME_BEFORE_RE = re.compile(r"(Bearer|DPoP|bearer|dpop)\s+$")
_NAME_RE = re.compile(r"[A-Z_][A-Z0-9_]*")
_HEADER_VARIABLES = {"dpop": "DPOP_PROOF", "cookie": "COOKIE", "proxy-authorization": "PROXY_AUTHORIZATION"}


class RequestLike(Protocol):
    """What the builder needs of an ``httpx.Request``."""

    method: str

    @property
    def content(self) -> bytes: ...  # noqa: D102

    @property
    def url(self) -> Any: ...  # noqa: D102

    @property
    def headers(self) -> Any: ...  # noqa: D102


def register_placeholder(value: str, name: str) -> None:
    """The profile read secret ``value`` from ``${name}``: curl lines show ``${name}`` instead."""
    if value and len(value) >= 4 and _NAME_RE.fullmatch(name):
        _placeholders[value] = name


def is_secret_key(key: str) -> bool:
    """Whether a profile key holds a secret (``secret``, ``password``, ``token``, ``admin_token``, ...)."""
    return key.lower().endswith(SECRET_KEYS)


def _variable_for(value: str) -> str | None:
    name = _placeholders.get(value)
    if name is None and ("%" in value or "+" in value):
        name = _placeholders.get(unquote_plus(value))
    return name


def _name_from_context(before: str, default: str) -> str:
    scheme = _SCHEME_BEFORE_RE.search(before)
    if scheme:
        return "DPOP_ACCESS_TOKEN" if scheme.group(1).lower() == "dpop" else "ACCESS_TOKEN"
    key = _KEY_BEFORE_RE.search(before)
    if key:
        name = re.sub(r"[^A-Za-z0-9]+", "_", key.group(1)).upper().strip("_")
        if name and _NAME_RE.fullmatch(name):
            return name
    return default


def literal(text: str, default: str = "CREDENTIAL") -> Word:
    """Scrub ``text`` and split it into segments: every mask becomes a variable named after its context."""
    clean = scrub_values(text)
    if "REDACTED" not in clean:
        return [(False, clean)] if clean else []
    word: Word = []
    last = 0
    for match in _MASK_RE.finditer(clean):
        before = clean[last:match.start()]
        if before:
            word.append((False, before))
        word.append((True, _name_from_context(clean[:match.start()], default)))
        last = match.end()
    if clean[last:]:
        word.append((False, clean[last:]))
    return word


def _with_secrets(text: str, default: str = "CREDENTIAL") -> Word:
    """``text`` with the profile's secrets as their variables, the rest scrubbed (see :func:`literal`)."""
    hits = sorted((v for v in _placeholders if v in text), key=len, reverse=True)
    if not hits:
        return literal(text, default)
    pattern = re.compile("|".join(re.escape(v) for v in hits))
    word: Word = []
    last = 0
    for match in pattern.finditer(text):
        word += literal(text[last:match.start()], default)
        word.append((True, _placeholders[match.group(0)]))
        last = match.end()
    return word + literal(text[last:], default)


def _authorization(value: str) -> list[Word]:
    scheme, _, credential = value.partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credential.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        client_id, colon, secret = decoded.partition(":")
        name = _variable_for(secret) if colon else None
        if name is not None and quote_plus(unquote_plus(client_id)) == client_id:
            return [[(False, "-u")], [*literal(unquote_plus(client_id) + ":"), (True, name)]]
        return [[(False, "-H")], [(False, "Authorization: Basic "), (True, name or "BASIC_CREDENTIALS")]]
    name = _variable_for(credential.strip())
    token_name = name or ("DPOP_ACCESS_TOKEN" if scheme.lower() == "dpop" else "ACCESS_TOKEN")
    return [[(False, "-H")], [(False, f"Authorization: {scheme} "), (True, token_name)]]


def _form_words(body: str) -> list[Word]:
    plain: list[str] = []
    variables: list[Word] = []
    for key, value in parse_qsl(body, keep_blank_values=True):
        name = _variable_for(value)
        if name is None and key.lower() in SENSITIVE_KEYS and value:
            name = re.sub(r"[^A-Za-z0-9]+", "_", key).upper().strip("_") or "CREDENTIAL"
        if name is not None:
            variables += [[(False, "--data-urlencode")], [*literal(f"{key}="), (True, name)]]
        else:
            plain.append(f"{quote_plus(key)}={quote_plus(value)}")
    words: list[Word] = []
    if plain:
        words += [[(False, "--data-raw")], literal("&".join(plain))]
    return words + variables


def curl_words(request: RequestLike, *, ca_file: str | Path | None = None, verify: bool = True,
               cert: tuple[str, str] | None = None) -> list[Word]:
    """The words of a curl command reproducing ``request`` (secrets as variables, see the module docstring)."""
    words: list[Word] = [[(False, "curl")], [(False, "-i")], [(False, "-X")], [(False, request.method)]]
    if ca_file:
        words += [[(False, "--cacert")], [(False, str(ca_file))]]
    if not verify:
        words.append([(False, "-k")])
    if cert is not None:
        words += [[(False, "-E")], [(False, cert[0])], [(False, "--key")], [(False, cert[1])]]
    for name, value in request.headers.items():
        lower = name.lower()
        if lower in SKIPPED_HEADERS:
            continue
        if lower == "authorization":
            words += _authorization(value)
        elif lower in _HEADER_VARIABLES:
            words += [[(False, "-H")], [(False, f"{name}: "), (True, _variable_for(value) or _HEADER_VARIABLES[lower])]]
        else:
            words += [[(False, "-H")], [(False, f"{name}: "), *_with_secrets(value)]]
    body = request.content.decode("utf-8", "replace") if request.content else ""
    if len(body) > MAX_BODY_CHARS:
        words.append(literal(redact_url(str(request.url))))
        words.append([(False, f"{_COMMENT}# the {len(body)}-character request body is not reproduced (over the "
                               f"{MAX_BODY_CHARS}-character evidence cap)")])
        return words
    if body:
        media = str(request.headers.get("content-type", "")).split(";", 1)[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            words += _form_words(body)
        else:
            redacted = redact_body(_replace_secrets_for_body(body), media)
            words += [[(False, "--data-raw")], _restore_secrets(redacted)]
    words.append(literal(redact_url(str(request.url)), "CREDENTIAL"))
    return words


_SENTINEL = "OAUTHHARNESSVAR"
_COMMENT = "\x00comment:"  # a word rendered as a shell comment, unquoted (always the last word)
MAX_BODY_CHARS = 20_000
"""A longer request body is not put into the line (the evidence keeps the first 20,000 characters)."""


def _replace_secrets_for_body(body: str) -> str:
    for value in sorted(_placeholders, key=len, reverse=True):
        if value in body:
            body = body.replace(value, f"{_SENTINEL}{_placeholders[value]}{_SENTINEL}")
    return body


def _restore_secrets(text: str) -> Word:
    word: Word = []
    for index, piece in enumerate(text.split(_SENTINEL)):
        if index % 2 == 1 and _NAME_RE.fullmatch(piece):
            word.append((True, piece))
        else:
            word += literal(piece)
    return word


def rescrub(words: Iterable[Word]) -> list[Word]:
    """The words with their literal text scrubbed again (credentials registered since become variables)."""
    out: list[Word] = []
    for word in words:
        fresh: Word = []
        for is_variable, text in word:
            fresh += [(True, text)] if is_variable else literal(text)
        out.append(fresh)
    return out


def _quote_word(word: Word) -> str:
    if len(word) == 1 and not word[0][0] and word[0][1].startswith(_COMMENT):
        return word[0][1][len(_COMMENT):].replace("\n", " ")
    if not any(is_variable for is_variable, _ in word):
        return shlex.quote("".join(text for _, text in word))
    out = ['"']
    for is_variable, text in word:
        if is_variable:
            out.append("${" + text + "}")
        else:
            out.append(re.sub(r'([\\"$`])', r"\\\1", text))
    out.append('"')
    return "".join(out)


def render(words: Iterable[Word]) -> str:
    """The command line (POSIX shell)."""
    return " ".join(_quote_word(w) for w in words)


def variables(words: Iterable[Word]) -> list[str]:
    """The shell variables a line needs, in order of first use."""
    return list(dict.fromkeys(text for word in words for is_variable, text in word if is_variable))
