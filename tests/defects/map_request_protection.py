"""Defect map of the request protection suites: par, jar, jarm.

Each defect of ``fixtures/reference_target/src/areas/request_protection.defects.json`` names the
checks that must detect it; checks no defect can prove are listed with the reason.
"""

from __future__ import annotations

MODES = ["jarm.response_mode[jwt]", "jarm.response_mode[query.jwt]", "jarm.response_mode[fragment.jwt]",
         "jarm.response_mode[form_post.jwt]"]

DEFECT_CHECKS: dict[str, list[str]] = {
    # --- PAR (RFC 9126) ---------------------------------------------------------------
    "par_response_status_200": ["par.response_format"],
    "par_response_no_expires_in": ["par.response_format"],
    "par_reference_needs_params": ["par.authorization_by_reference"],
    "par_request_uri_reusable": ["par.request_uri_single_use"],
    "par_request_uri_never_expires": ["par.expired_request_uri_refused"],
    "par_request_uri_not_client_bound": ["par.request_uri_bound_to_client"],
    "par_request_uri_param_accepted": ["par.request_uri_parameter_refused"],
    "par_get_accepted": ["par.non_post_refused"],
    "par_redirect_uri_unchecked": ["par.unregistered_redirect_uri_refused"],
    "par_client_auth_skipped": ["par.client_authentication_required"],
    "par_assertion_aud_unchecked": ["par.assertion_wrong_audience_refused"],
    "par_assertion_aud_par_url_refused": ["par.assertion_audiences_accepted"],
    "par_not_required": ["par.documented_require_par"],
    "par_request_uri_low_entropy": ["par.request_uri_entropy"],
    "par_request_uri_consumed_on_first_visit": ["par.reload_before_login"],
    "par_discovery_require_advertised": ["par.require_par_advertised"],
    # --- request objects (RFC 9101, OIDC Core §6) ------------------------------------------
    "jar_signature_unchecked": ["jar.invalid_signature_refused"],
    "jar_alg_none_accepted": ["jar.unsigned_refused"],
    "jar_registered_alg_unchecked": ["jar.unregistered_alg_refused"],
    "jar_foreign_key_accepted": ["jar.other_client_key_refused"],
    "jar_exp_unchecked": ["jar.expired_refused"],
    "jar_window_unchecked": ["jar.lifetime_window_refused"],
    "jar_aud_unchecked": ["jar.wrong_audience_refused"],
    "jar_redirect_uri_defaulted": ["jar.missing_redirect_uri_refused"],
    "jar_client_id_mismatch_accepted": ["jar.client_id_mismatch_refused"],
    "jar_outside_params_win": ["jar.inside_parameters_win"],
    "jar_not_required": ["jar.documented_require_signed_requests", "jar.documented_require_signed_requests_at_par"],
    # jar_request_uri_wrong_error (jar.request_uri_by_reference) is no longer provable here: the reference
    # target supports request_uri by reference since issue 17 item 5, so that check skips (map_request_by_reference)
    "jar_encrypted_request_refused": ["jar.nested_signed_then_encrypted"],
    "jar_discovery_request_parameter_unadvertised": ["jar.request_object_support_advertised"],
    # --- JARM ------------------------------------------------------------------------------
    "jarm_fragment_as_query": ["jarm.response_mode[fragment.jwt]"],
    "jarm_form_post_as_query": ["jarm.response_mode[form_post.jwt]"],
    "jarm_code_outside_jwt": MODES,
    "jarm_errors_plain": ["jarm.error_response_is_jarm"],
    "jarm_no_iss": [*MODES, "jarm.encrypted_response"],
    "jarm_wrong_aud": MODES,
    "jarm_no_exp": MODES,
    "jarm_long_lifetime": ["jarm.response_mode[jwt]"],
    "jarm_wrong_alg": ["jarm.signature"],
    "jarm_unsigned": ["jarm.signature"],
    "jarm_bad_signature": ["jarm.signature", "jarm.encrypted_response"],
    "jarm_not_encrypted": ["jarm.encrypted_response"],
    "jarm_enc_wrong_alg": ["jarm.encrypted_response"],
    "jarm_not_required": ["jarm.documented_require_jarm"],
    "jarm_discovery_modes_unadvertised": ["jarm.jarm_advertised"],
    "jwks_keys_not_array": ["jarm.signature"],  # area metadata_rules: a failed finding, not a harness error
    "jarm_fragment_jwt_unavailable": ["jarm.jarm_advertised", "jarm.response_mode[fragment.jwt]"],  # metadata_rules
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {
    "jar.signed_request_by_value": "accept check: the precondition of every request object check (each of their "
                                   "defects is detected only because this valid object passes)",
    "jar.signed_request_via_par": "accept check: a signed request object pushed to PAR is used; no defect breaks "
                                  "only this path without also breaking par.authorization_by_reference",
}
