"""Defect map of the token_entropy suite (area token_entropy, issue 17 item 6)."""

from __future__ import annotations

DEFECT_CHECKS: dict[str, list[str]] = {
    "access_token_low_entropy": ["token_entropy.access_token_entropy"],
    "refresh_token_low_entropy": ["token_entropy.refresh_token_entropy"],
    "device_code_low_entropy": ["token_entropy.device_code_entropy"],
    "code_entropy_below_documented": ["token_entropy.documented_code_entropy"],
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {}
