"""Defect map of the example plugin suite (examples/org_policy)."""

from __future__ import annotations

DEFECT_CHECKS: dict[str, list[str]] = {
    "access_token_long_lived": ["org_policy.access_token_lifetime_within_policy"],
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {
    "org_policy.refresh_tokens_rotate": "unproven until the token-lifecycle area adds a no-rotation defect",
}
