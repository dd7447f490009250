"""Defect map of the keys suite (area key_rotation, issue 17 item 6)."""

from __future__ import annotations

DEFECT_CHECKS: dict[str, list[str]] = {
    "rotated_key_unpublished": ["keys.signing_key_rotation"],
    "rotation_drops_previous_key": ["keys.signing_key_rotation"],
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {}
