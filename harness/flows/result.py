"""The answer of a back-channel endpoint (token, PAR, introspection, revocation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class EndpointResult:
    """The raw response, its JSON body (``None`` if not JSON) and whether HTTP Basic was used."""

    response: httpx.Response
    body: dict[str, Any] | None
    used_basic: bool = False

    @property
    def status(self) -> int:
        """The HTTP status code."""
        return self.response.status_code

    @property
    def judged_body(self) -> dict[str, Any] | bytes:
        """The JSON body, or the raw bytes when it is not JSON (for format checks)."""
        return self.body if self.body is not None else self.response.content

    def describe(self) -> str:
        """Status, media type and ``error`` member, for a finding's *actual* (``HTTP 200 text/plain``)."""
        kind = self.response.headers.get("content-type", "no Content-Type").split(";", 1)[0].strip()
        error = self.body.get("error") if self.body else None
        return f"HTTP {self.status} {kind}" + (f" error={error}" if error else "")
