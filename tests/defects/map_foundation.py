"""Defect map of the foundation suites: discovery, authorization_code, pkce, id_token.

Each area keeps its own ``map_<area>.py`` with ``DEFECT_CHECKS`` (defect -> checks that must
detect it) and ``ACCEPT_OR_UNPROVEN`` (check -> why no defect proves it).
"""

from __future__ import annotations

DEFECT_CHECKS: dict[str, list[str]] = {
    "discovery_wrong_issuer": ["discovery.issuer_matches"],
    "discovery_missing_jwks_uri": ["discovery.required_members"],
    "discovery_scalar_array": ["discovery.member_types"],
    "jwks_duplicate_kid": ["discovery.jwks_document"],
    "discovery_no_pkce_methods": ["discovery.pkce_advertised_matches_behaviour"],
    "discovery_iss_param_unadvertised": ["discovery.iss_parameter_advertised_matches_behaviour"],
    "jwks_private_key": ["discovery.jwks_document"],
    "authz_state_mismatch": ["authorization_code.state_echoed"],
    "authz_state_dropped": ["authorization_code.state_echoed"],
    "authz_iss_missing": ["authorization_code.iss_in_response"],
    "authz_iss_wrong": ["authorization_code.iss_in_response"],
    "authz_code_in_fragment": ["authorization_code.code_in_query_only"],
    "redirect_uri_prefix_match": ["authorization_code.redirect_uri_with_added_query_refused",
                                  "authorization_code.redirect_uri_with_changed_path_refused"],
    "authz_wrong_error_unsupported_response_type": ["authorization_code.unsupported_response_type_refused"],
    "authz_unknown_param_rejected": ["authorization_code.unknown_parameter_ignored"],
    "consent_denied_no_state": ["authorization_code.consent_denied"],
    "consent_denied_wrong_error": ["authorization_code.consent_denied"],
    "prompt_none_shows_login": ["authorization_code.prompt_none_without_session"],
    "error_redirect_includes_code": ["authorization_code.error_response_has_no_code"],
    "code_reusable": ["authorization_code.code_reuse_refused", "authorization_code.parallel_code_redemption"],
    "code_reuse_keeps_tokens": ["authorization_code.code_reuse_revokes_tokens"],
    "code_not_client_bound": ["authorization_code.code_bound_to_client"],
    "token_redirect_uri_unchecked": ["authorization_code.token_redirect_uri_must_match"],
    "code_never_expires": ["authorization_code.expired_code_refused"],
    "code_low_entropy": ["authorization_code.code_entropy"],
    "token_error_wrong_status": ["authorization_code.token_error_response_format"],
    "token_no_cache_control": ["authorization_code.token_success_response"],
    "pkce_verifier_unchecked": ["pkce.wrong_verifier_refused", "pkce.challenge_used_as_verifier_refused",
                                "discovery.pkce_advertised_matches_behaviour"],
    "pkce_verifier_optional": ["pkce.missing_verifier_refused"],
    "pkce_plain_accepted": ["pkce.plain_refused_when_not_supported"],
    "pkce_not_required": ["pkce.public_client_without_challenge_refused", "pkce.documented_require_pkce_enforced"],
    "pkce_verifier_without_challenge_accepted": ["pkce.verifier_without_challenge_refused"],
    "pkce_verifier_length_unchecked": ["pkce.verifier_length_bounds[42]", "pkce.verifier_length_bounds[129]"],
    "pkce_wrong_error": ["pkce.wrong_verifier_refused"],
    "idtoken_bad_signature": ["id_token.signature_verifies", "id_token.full_validation"],
    "idtoken_alg_none": ["id_token.alg_is_registered_and_not_none", "id_token.signature_verifies"],
    "idtoken_unknown_kid": ["id_token.signature_verifies"],
    "idtoken_wrong_iss": ["id_token.issuer", "id_token.full_validation"],
    "idtoken_wrong_aud": ["id_token.audience", "id_token.full_validation"],
    "idtoken_multi_aud_no_azp": ["id_token.audience"],  # an extra, untrusted audience (Core §3.1.3.7 rule 3)
    "idtoken_expired": ["id_token.not_expired", "id_token.full_validation"],
    "idtoken_iat_future": ["id_token.issued_at"],
    "idtoken_nonce_missing": ["id_token.nonce_echoed", "id_token.full_validation"],
    "idtoken_nonce_wrong": ["id_token.nonce_echoed"],
    "idtoken_no_auth_time": ["id_token.auth_time_with_max_age", "id_token.full_validation"],
    "idtoken_no_acr": ["id_token.acr_essential"],
    "idtoken_bad_at_hash": ["id_token.at_hash"],
    "idtoken_bad_c_hash": ["id_token.c_hash"],
    "idtoken_sub_mismatch": ["id_token.userinfo_sub_matches"],
    "idtoken_weak_rsa_key": ["id_token.signing_key_size", "discovery.jwks_rsa_key_sizes"],
    "idtoken_enc_wrong_alg": ["id_token.encrypted_id_token"],
    "idtoken_hs256_wrong_secret": ["id_token.hs256_id_token"],
    "discovery_not_json": ["discovery.document_served_as_json"],
    "discovery_issuer_query": ["discovery.issuer_syntax"],
    "discovery_http_endpoint": ["discovery.endpoints_use_https"],
    "discovery_no_rs256": ["discovery.id_token_signing_algs"],
    "discovery_scopes_no_openid": ["discovery.scopes_include_openid"],
    "discovery_bad_subject_type": ["discovery.subject_types"],
    "redirect_uri_any_host": ["authorization_code.unregistered_redirect_uri_refused"],
    "authz_missing_response_type_wrong_error": ["authorization_code.missing_response_type_refused"],
    "idtoken_implicit_nonce_missing": ["id_token.implicit_nonce"],
    "idtoken_sub_unstable": ["id_token.sub_stable"],
    "pkce_missing_method_accepted": ["pkce.challenge_without_method_defaults_to_plain"],
    # area metadata_rules: target faults reported as failed findings, never as harness errors
    "jwks_keys_not_array": ["discovery.jwks_document", "id_token.signature_verifies"],
    "idtoken_azp_other_client": ["id_token.azp"],
    "hs256_id_token_for_rs256_client": ["id_token.signature_verifies", "id_token.alg_is_registered_and_not_none",
                                        "id_token.signing_key_size", "id_token.full_validation"],
}

# Checks with no matching defect yet: accept checks (a stricter server would fail them, and
# the clean run proves they pass), or negative checks whose defect is still to be added.
ACCEPT_OR_UNPROVEN: dict[str, str] = {
    "discovery.recommended_members": "RECOMMENDED members: a warning at most, already one on the clean target",
    "authorization_code.happy_path_each_client": "accept: every client completes the flow",
    "pkce.s256_round_trip": "accept: the happy path",
    "pkce.ignored_when_unsupported": "accept: applies only to servers without PKCE (skipped here)",
}
