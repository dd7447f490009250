"""What the transport suite checks beyond the defaults: FAPI 2.0 TLS rules, extra pages (``transport:``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator

from harness.profile._base import _Model


class TransportPolicy(_Model):
    """Transport and browser-facing security rules the deployment is held to (transport suite)."""

    fapi2_tls: bool = Field(default=False, description=(
        "FAPI 2.0 SP §5.2.2: on endpoints not used by browsers, TLS 1.2 only with the RFC 9325 §4.2 "
        "suites (a failure otherwise)"))
    require_bcp195_ciphers: bool = Field(default=False, description=(
        "Check TLS 1.2 suites against RFC 9325 §4.2's recommended list without FAPI 2.0 (a warning)"))
    plain_http: bool = Field(default=True, description=(
        "Try http:// on the https endpoints (refused or redirected without serving); false skips those checks"))
    pages: list[str] = Field(default_factory=list, description=(
        "Further browser-facing pages (absolute URLs on the profile's origins) whose headers are checked"))

    @field_validator("pages")
    @classmethod
    def _absolute(cls, values: list[str]) -> list[str]:
        for value in values:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"a page is an absolute http(s) URL, got {value!r}")
        return values
