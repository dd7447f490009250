"""Evidence: what the harness saw while a check ran.

Every HTTP exchange, decoded token, browser screenshot and protocol-mandated wait is
recorded on the *current* evidence log (a context variable set by the pytest plugin for
each test), already redacted. Checks then judge what was recorded; reports render it.
"""

from __future__ import annotations

import contextvars
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from harness.curl import Word, render, rescrub, variables
from harness.redaction import REDACTED, redact_mapping, scrub_all, scrub_text

MAX_BODY_CHARS = 20_000


@dataclass
class Exchange:
    """One HTTP request and its response (or the transport error), redacted."""

    seq: int
    label: str
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: str
    status: int | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: str = ""
    elapsed_s: float = 0.0
    error: str | None = None
    curl_words: list[Word] | None = None
    """The curl line built from the request when it was sent (:func:`harness.curl.curl_words`)."""

    def curl_variables(self) -> list[str]:
        """The shell variables the curl line needs (the profile's ``${NAME}`` secrets, the run's credentials)."""
        return variables(self.curl_words) if self.curl_words is not None else []

    def curl(self) -> str:
        """A "reproduce with curl" command line that runs as is once its variables are exported.

        Built from the request when it was sent: ``--cacert``/``-E`` from the profile, secrets as
        ``${NAME}`` variables (never a value), the rest exact. A record made without the request
        falls back to the redacted parts.
        """
        if self.curl_words is not None:
            return render(rescrub(self.curl_words))
        parts = ["curl", "-i", "-X", self.method]
        for name, value in self.request_headers:
            if name.lower() in ("host", "content-length", "accept-encoding", "connection", "user-agent"):
                continue
            parts += ["-H", f"{name}: {value}"]
        if self.request_body:
            parts += ["--data-raw", self.request_body]
        parts.append(self.url)
        return " ".join(shlex.quote(p) for p in parts)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form used in ``results.json``."""
        return {
            "seq": self.seq,
            "label": self.label,
            "request": {"method": self.method, "url": self.url,
                        "headers": [list(h) for h in self.request_headers], "body": self.request_body},
            "response": None if self.status is None else {
                "status": self.status, "headers": [list(h) for h in self.response_headers],
                "body": self.response_body},
            "elapsed_s": round(self.elapsed_s, 4),
            "error": self.error,
            "curl": self.curl(),
            "curl_env": self.curl_variables(),
        }


@dataclass
class DecodedToken:
    """A JWT the target issued, decoded for the report (the compact form is not kept)."""

    label: str
    header: dict[str, Any]
    claims: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form; private key members are masked even in decoded headers."""
        return {"label": self.label, "header": redact_jwk_members(self.header), "claims": self.claims}


def redact_jwk_members(header: dict[str, Any]) -> dict[str, Any]:
    """Mask private members of a JWK embedded in a header (e.g. a broken DPoP proof)."""
    out = dict(header)
    if isinstance(out.get("jwk"), dict):
        out["jwk"] = redact_mapping(out["jwk"])
    return out


@dataclass
class EvidenceLog:
    """Everything recorded while one check ran."""

    exchanges: list[Exchange] = field(default_factory=list)
    tokens: list[DecodedToken] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)
    mandated_wait_s: float = 0.0

    def next_seq(self) -> int:
        """Sequence number for the next exchange."""
        return len(self.exchanges) + 1

    def note(self, text: str) -> None:
        """Record a free-text observation (credentials in it are masked)."""
        self.notes.append(scrub_text(text))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form used in ``results.json``.

        Every string is scrubbed once more against the credential registry: a value registered
        after an exchange was recorded (a code read from a page, a verifier created later) is
        masked in the earlier exchanges too, and the curl lines are built from redacted parts.
        """
        document: dict[str, Any] = scrub_all({
            "exchanges": [e.as_dict() for e in self.exchanges],
            "tokens": [t.as_dict() for t in self.tokens],
            "notes": list(self.notes),
            "screenshots": list(self.screenshots),
            "mandated_wait_s": round(self.mandated_wait_s, 3),
        })
        return document


_current: contextvars.ContextVar[EvidenceLog | None] = contextvars.ContextVar("evidence", default=None)
_fallback = EvidenceLog()


def current() -> EvidenceLog:
    """The evidence log of the running check (a throwaway log outside of checks)."""
    log = _current.get()
    return log if log is not None else _fallback


@contextmanager
def collecting(log: EvidenceLog) -> Iterator[EvidenceLog]:
    """Make ``log`` the current evidence log for the duration of the block."""
    token = _current.set(log)
    try:
        yield log
    finally:
        _current.reset(token)


def record_token(label: str, header: dict[str, Any], claims: dict[str, Any]) -> None:
    """Record a decoded JWT on the current evidence log."""
    current().tokens.append(DecodedToken(label=label, header=dict(header), claims=dict(claims)))


def note(text: str) -> None:
    """Record a note on the current evidence log."""
    current().note(text)


def mandated_wait(seconds: float, reason: str) -> None:
    """Sleep for a protocol-mandated wait (expiry, polling interval) and account for it."""
    if seconds <= 0:
        return
    current().note(f"waited {seconds:.1f}s: {reason}")
    from harness.wait_overlap import sleep  # a started check parks here while others run (harness.wait_overlap)

    sleep(seconds)
    current().mandated_wait_s += seconds


__all__ = ["REDACTED", "DecodedToken", "EvidenceLog", "Exchange", "collecting", "current",
           "mandated_wait", "note", "record_token"]
