"""Defect map of the userinfo and oidc_request suites (area ``userinfo``, issue 17)."""

from __future__ import annotations

DEFECT_CHECKS: dict[str, list[str]] = {
    "userinfo_post_refused": ["userinfo.authorization_header[POST]"],
    "userinfo_json_as_text": ["userinfo.authorization_header[GET]", "userinfo.authorization_header[POST]",
                              "userinfo.form_body_token", "userinfo.lowercase_scheme_accepted"],
    "userinfo_sub_differs": ["userinfo.authorization_header[GET]", "userinfo.form_body_token"],
    "userinfo_null_claims": ["userinfo.authorization_header[GET]"],
    "userinfo_no_challenge": ["userinfo.missing_token_refused[GET]", "userinfo.missing_token_refused[POST]",
                              "userinfo.invalid_token_refused[unknown]", "userinfo.invalid_token_refused[altered]",
                              "userinfo.revoked_token_refused"],
    "userinfo_error_without_token": ["userinfo.missing_token_refused[GET]", "userinfo.missing_token_refused[POST]"],
    "userinfo_invalid_token_as_invalid_request": ["userinfo.invalid_token_refused[unknown]",
                                                  "userinfo.invalid_token_refused[altered]",
                                                  "userinfo.revoked_token_refused"],
    "userinfo_query_token_cacheable": ["userinfo.query_token"],
    "userinfo_scheme_case_sensitive": ["userinfo.lowercase_scheme_accepted"],
    "userinfo_jwt_as_json": ["userinfo.signed_response"],
    "revocation_noop": ["userinfo.revoked_token_refused"],  # a token-lifecycle defect
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {}
