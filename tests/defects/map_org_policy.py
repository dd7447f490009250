"""Defect map of the example plugin suite (examples/org_policy)."""

from __future__ import annotations

DEFECT_CHECKS: dict[str, list[str]] = {
    "access_token_long_lived": ["org_policy.access_token_lifetime_within_policy"],
    "refresh_no_rotation": ["org_policy.refresh_tokens_rotate"],  # a token-lifecycle defect
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {}
