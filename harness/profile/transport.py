"""How the harness reaches the target: TLS trust and network timeouts."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from harness.profile._base import _Model


class Tls(_Model):
    """How the harness trusts the target's TLS certificates."""

    verify: bool = True
    ca_file: Path | None = None


class Timeouts(_Model):
    """Network timeouts in seconds; every exchange is bounded by them."""

    connect: float = Field(default=5.0, gt=0)
    read: float = Field(default=10.0, gt=0, description="Longest silence while waiting for bytes")
    exchange: float | None = Field(default=None, gt=0,
                                   description="Whole request/response deadline (default connect + 2 x read)")
