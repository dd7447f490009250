"""User-agent drivers: play the user through login and consent, declaratively."""

from __future__ import annotations

from typing import Literal, Protocol

from harness.flows.authorization import AuthorizationOutcome
from harness.profile import User

Consent = Literal["approve", "deny"]


class UserAgent(Protocol):
    """Drives the front channel from the authorization URL back to the client."""

    def authorize(self, url: str, *, user: User | None, consent: Consent = "approve",
                  redirect_uri: str) -> AuthorizationOutcome:
        """Visit ``url``; log in as ``user`` when asked (``None``: never log in)."""
        ...

    def close(self) -> None:
        """Release the session (cookies, browser context)."""
        ...
