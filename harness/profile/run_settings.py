"""Run limits and the hooks a target offers the harness: request-object host, key rotation."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from harness.profile._base import _Model


class Limits(_Model):
    """Caps on waits and resources, so a misbehaving target cannot stall or exhaust the run."""

    max_expiry_wait_s: float = Field(default=30.0, ge=0)
    entropy_samples: int = Field(default=4, ge=2, le=50)
    max_response_bytes: int = Field(default=5_000_000, ge=1024, description="Largest response body read")
    run_deadline_s: float | None = Field(
        default=None, gt=0, description=(
            "Whole-run deadline; checks not started by then end broken, and a check still running 5 s later is "
            "interrupted (the run ends incomplete, with its reports)"))
    max_workers: int | None = Field(
        default=None, ge=1, description=(
            "Most parallel workers the target tolerates (1: one check at a time), for servers that misbehave "
            "under concurrent requests, e.g. Glewlwyd on SQLite"))


class RequestObjectHost(_Model):
    """The HTTPS endpoint the harness hosts request objects on, for ``request_uri`` by reference.

    OIDC Core §6.2: "The request_uri value is a URL using the https scheme referencing a
    resource containing a Request Object value"; the target must be able to reach it (RFC 9101
    §5.2). The harness listens on loopback with this certificate (which the target must trust)
    at ``listen_port`` (0: a free port per check) and serves each object once under a random path.
    """

    cert_file: Path
    key_file: Path
    listen_host: str = Field(default="127.0.0.1", description="Loopback address to listen on")
    listen_port: int = Field(default=0, ge=0, le=65535, description="0: any free port (no pre-registration)")
    public_base_url: str | None = Field(default=None, description=(
        "https base URL the target uses to reach the listener when it differs from https://<listen_host>:<port> "
        "(e.g. a tunnel); needed when request_uris must be pre-registered"))


class KeyRotationHook(_Model):
    """How the harness asks the target to rotate its signing keys mid-run (OIDC Core §10.1.1).

    An HTTP POST of ``{"client_id": "<client>"}`` to ``url`` with ``Authorization: Bearer <token>``;
    after it answers 2xx, tokens issued to ``client`` are signed with a new key published at
    ``jwks_uri``. Without this section the rotation check is skipped.
    """

    url: str
    token: SecretStr | None = None
    client: str = Field(description="Client whose ID Tokens the check requests before and after the rotation")
