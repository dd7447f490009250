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
    "doc_request_object_replay_accepted": ["jar.documented_request_object_replay_refused"],
    "doc_outside_only_parameter_used": ["jar.documented_outside_only_parameter_ignored"],
    "doc_disabled_client_accepted": ["client_auth.documented_disabled_client_refused"],
    "doc_consent_shown_despite_bypass": ["documented.authorization_approval"],
    "doc_consent_bypassed": ["documented.authorization_approval"],
    "doc_atm_jwks_incomplete": ["jwt_access_token.documented_jwks_url", "id_token.documented_relying_party"],
    "doc_jwks_cache_duration_differs": ["keys.documented_jwks_cache_duration"],
    "doc_access_token_issuer_differs": ["jwt_access_token.documented_issuer", "jwt_access_token.issuer"],
    "doc_device_verification_uri_differs": ["documented.device_verification_uri"],
    "doc_par_globally_required": ["documented.par_status"],
    "doc_grant_id_claim_missing": ["jwt_access_token.documented_grant_id_claim"],
    "doc_wildcard_matches_too_much": ["documented.redirect_uri_wildcard"],
    "doc_wildcard_redirect_uri_optional": ["documented.redirect_uri_mandatory"],
    "doc_existing_grant_ignored": ["documented.existing_grant_reused"],
    "doc_pairwise_sub_public": ["documented.pairwise_subject"],
    "doc_grant_idle_timeout_ignored": ["documented.persistent_grant_idle_timeout"],
    "doc_introspection_not_encrypted": ["documented.introspection_encrypted"],
    "doc_client_device_settings_differ": ["documented.client_device_settings"],
    "doc_client_ciba_interval_differs": ["documented.client_ciba_polling_interval"],
    "doc_exclusive_scope_unrestricted": ["documented.exclusive_scope_refused"],
    "doc_exclusive_scope_refused_for_client": ["documented.exclusive_scope_refused"],
    "doc_default_scope_refused": ["documented.default_scope_allowed"],
    "doc_sector_sub_per_client": ["documented.sector_identifier_shared"],
    "doc_jarm_query_jwt_tokens_in_query": ["documented.jarm_query_jwt_implicit_refused"],
    "doc_request_object_replay_by_reference_accepted": ["documented.request_object_replay_by_reference"],
    "doc_par_push_refused": ["documented.par_status"],
    "doc_jarm_jwt_mode_query_for_implicit": ["documented.jarm_implicit_modes"],
    "doc_jarm_query_jwt_encrypted_refused": ["documented.jarm_implicit_modes"],
    "doc_atm_x509_wrong_certificate": ["documented.access_token_x509_urls"],
    "doc_jwt_access_token_not_validated": ["documented.jwt_access_token_introspection"],
    "doc_revoked_grant_token_active": ["documented.jwt_access_token_introspection"],
    "doc_public_client_credentials_issued": ["documented.public_client_credentials_refused"],
    "doc_ciba_request_lifetime_differs": ["documented.ciba_request_lifetime"],
    "doc_id_token_encryption_alg_differs": ["documented.id_token_encrypted_with_secret"],
    "doc_outside_state_wins": ["documented.signed_request_inside_wins"],
    "doc_client_grant_lifetime_differs": ["documented.persistent_grant_max_lifetime"],
    "doc_atm_weak_signing_key": ["documented.access_token_signing_key_size"],
    "doc_scope_group_expanded": ["documented.scope_groups_expansion"],
    "doc_redirect_uri_optional_several": ["documented.redirect_uri_mandatory"],
    # area pop: cnf left out, or given extra jku / jwe members
    "cnf_missing": ["documented.confirmation_members"],
    "cnf_malformed": ["documented.confirmation_members"],
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {
    "documented.access_token_hmac_signature": (
        "skipped on the clean reference target, whose JWT access tokens are RS256-signed; proven both ways by "
        "tests/test_documented_atm_validation.py (signing_alg HS256 and hmac_key stated, runtime setting doc_atm_hmac, "
        "defect doc_atm_hmac_wrong_key)"),
    "documented.access_token_claims_omitted": (
        "skipped on the clean reference target, whose JWT access tokens carry client_id, scope and aud; proven both "
        "ways by tests/test_documented_atm_validation.py (omitted_claims stated, runtime setting "
        "doc_atm_claims_omitted on and off)"),
    "documented.access_token_signing_kid": (
        "skipped on the clean reference target, whose profile cannot state the per-start kid of its signing key; "
        "proven both ways by tests/test_documented_atm_validation.py (the RS256 key's kid stated: passes; the PS256 "
        "key's: fails AT_SIGNING_KID_NOT_DOCUMENTED)"),
    "documented.access_token_x5t_certificate": (
        "skipped on the clean reference target, whose profile documents no x5t (PingFederate's default); proven "
        "both ways by tests/test_documented_x5t.py (runtime setting doc_atm_x5t_header, defect doc_atm_x5t_mismatch)"),
    "documented.access_token_jwe_headers": (
        "skipped on the clean reference target, whose profile documents signed JWT access tokens; proven both ways by "
        "tests/test_documented_jwe_headers.py (runtime settings doc_atm_encrypted, doc_atm_jwe_x5t_header, defects "
        "doc_atm_jwe_kid_missing, doc_atm_jwe_x5t_present, doc_atm_jwe_x5t_mismatch)"),
    "documented.access_token_jwe_decrypts": (
        "skipped on the clean reference target (signed tokens documented); proven both ways by "
        "tests/test_documented_jwe_headers.py (runtime setting doc_atm_encrypted, defect doc_atm_jwe_wrong_key)"),
}

#: Defects proven outside the clean reference profile (which documents PAR Status Enabled):
#: tests/test_documented_par_status.py states Required and Disabled and injects them.
PROVEN_ELSEWHERE: dict[str, str] = {
    "doc_par_status_not_enforced": "tests/test_documented_par_status.py (PAR Status Required and Disabled)",
    "doc_atm_x5t_mismatch": "tests/test_documented_x5t.py (x5t_header: true, runtime setting doc_atm_x5t_header)",
    "doc_atm_jwe_kid_missing": "tests/test_documented_jwe_headers.py (runtime setting doc_atm_encrypted)",
    "doc_atm_jwe_x5t_present": "tests/test_documented_jwe_headers.py (runtime setting doc_atm_encrypted)",
    "doc_atm_hmac_wrong_key": "tests/test_documented_atm_validation.py (hmac_key stated, runtime setting doc_atm_hmac)",
    "doc_atm_jwe_x5t_mismatch": ("tests/test_documented_jwe_headers.py (jwe_x5t_header: true, runtime settings "
                                 "doc_atm_encrypted and doc_atm_jwe_x5t_header)"),
    "doc_atm_jwe_wrong_key": "tests/test_documented_jwe_headers.py (runtime setting doc_atm_encrypted)",
}
