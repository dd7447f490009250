"""Defect map of the checks that verify documented settings read by no check before (issue 21).

The defects live in ``fixtures/reference_target/src/areas/documented_settings.mjs`` /
``documented_settings.defects.json``: the target behaves differently from what
``fixtures/reference_target/profile.yaml`` documents.
"""

from __future__ import annotations

DEFECT_CHECKS: dict[str, list[str]] = {
    "doc_id_token_lifetime_differs": ["id_token.documented_lifetime"],
    "doc_refresh_lifetime_differs": ["refresh.documented_lifetime"],
    "doc_ciba_user_code_unsupported": ["ciba.documented_user_code"],
    "doc_response_types_unrestricted": ["response_types.documented_restriction_enforced"],
    "doc_scopes_unrestricted": ["authorization_code.documented_scope_restriction"],
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {}
