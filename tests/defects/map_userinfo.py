"""Defect map of the userinfo, oidc_request and response_types suites (areas of the same names, issue 17)."""

from __future__ import annotations

_FRONT = ("id_token", "id_token token", "code id_token", "code token", "code id_token token")
_WITH_ID_TOKEN = ("id_token", "id_token token", "code id_token", "code id_token token")

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
    "userinfo_jwe_mislabelled": ["userinfo.encrypted_response"],
    "revocation_noop": ["userinfo.revoked_token_refused"],  # a token-lifecycle defect
    "idtoken_sub_mismatch": ["userinfo.authorization_header[GET]"],  # a core ID token defect
    # area oidc_request (src/areas/oidc_request.mjs)
    "userinfo_drops_scope_claims": ["oidc_request.scope_claims[email]", "oidc_request.scope_claims[address]",
                                    "oidc_request.scope_claims[phone]", "oidc_request.scope_claims[all]"],
    "userinfo_claim_value_altered": ["oidc_request.scope_claims[profile]", "oidc_request.claims_parameter[userinfo]"],
    "userinfo_releases_all_claims": ["oidc_request.no_claims_beyond_scope"],
    "claims_parameter_ignored": ["oidc_request.claims_parameter[userinfo]", "oidc_request.claims_parameter[id_token]",
                                 "oidc_request.sub_value_for_other_user_refused"],
    "essential_claim_unavailable_error": ["oidc_request.unavailable_essential_claim_no_error"],
    "nonce_required_for_code_flow": ["oidc_request.code_flow_without_nonce"],
    "scope_order_sensitive": ["oidc_request.scope_order"],
    "authorization_post_refused": ["oidc_request.post_authorization_request"],
    "display_refused": ["oidc_request.display[page]", "oidc_request.display[popup]"],
    "unsupported_locales_error": ["oidc_request.ui_locales", "oidc_request.claims_locales"],
    "login_hint_refused": ["oidc_request.login_hint"],
    "acr_values_refused": ["oidc_request.acr_values"],
    "prompt_none_treated_as_login": ["oidc_request.prompt_none_with_session", "oidc_request.id_token_hint_current_user",
                                     "authorization_code.prompt_none_without_session"],
    "prompt_none_ignored": ["oidc_request.prompt_none_without_consent",
                            "authorization_code.prompt_none_without_session"],
    "prompt_none_combined_accepted": ["oidc_request.prompt_none_with_other_value_refused"],
    "prompt_login_ignored": ["oidc_request.prompt_login_reauthenticates"],
    "prompt_consent_ignored": ["oidc_request.prompt_consent_shows_consent"],
    "max_age_ignored": ["oidc_request.max_age_1_reauthenticates"],
    "idtoken_no_auth_time": ["oidc_request.max_age_1_reauthenticates", "oidc_request.max_age_10000_keeps_session"],
    "id_token_hint_ignored": ["oidc_request.id_token_hint_other_user_refused"],
    "id_token_hint_rejected": ["oidc_request.id_token_hint_current_user"],
    "request_object_redirect_uri_mismatch_error": ["oidc_request.request_object_redirect_uri_wins"],
    "acr_essential_values_ignored": ["oidc_request.acr_essential_each_documented_value"],
    # area response_types (src/areas/response_types.mjs)
    "front_channel_in_query": [*(f"response_types.default_response_mode[{rt}]" for rt in _FRONT),
                               "response_types.token_response"],
    "nonce_optional_front_channel": [f"response_types.nonce_required[{rt}]" for rt in _WITH_ID_TOKEN],
    "front_channel_refresh_token": [*(f"response_types.no_refresh_token_in_front_channel[{rt}]" for rt in _FRONT),
                                    "response_types.token_response"],
    "token_response_state_dropped": ["response_types.token_response"],
    "form_post_ignored": [f"response_types.form_post[{rt}]" for rt in ("code", *_FRONT)],
    "idtoken_bad_at_hash": ["response_types.hashes[id_token token]", "response_types.hashes[code id_token token]"],
    "idtoken_bad_c_hash": ["response_types.hashes[code id_token]", "response_types.hashes[code id_token token]"],
    # the default mode of plain code (query), also judged by authorization_code.code_in_query_only
    "authz_code_in_fragment": ["response_types.default_response_mode[code]"],  # a core defect
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {
    "response_types.s_hash_fapi1_advanced": "skipped in these runs: the reference profile has no FAPI 1.0 Advanced "
                                            "client; proven both ways by tests/test_s_hash_fapi1.py (setting "
                                            "fapi1_conf_basic, defect fapi1_s_hash_omitted)",
    "authorization_code.code_reuse_after_30_seconds_refused": "opt-in (a 30 s wait over the reference profile's "
                                                              "limits.max_expiry_wait_s 15): skipped in these runs; "
                                                              "proven both ways by tests/test_code_reuse_30_seconds.py",
    "response_types.unsigned_id_token": "skipped on the reference target: oidc-provider 9 cannot issue unsecured ID "
                                        "Tokens (no 'none' in id_token_signing_alg_values_supported); proven both ways "
                                        "by tests/test_unsigned_id_token.py with the area's emulation (setting "
                                        "unsigned_id_token_emulated, defect unsigned_id_token_signed)",
}
