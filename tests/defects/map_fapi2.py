"""Defect map of the fapi2 suite (FAPI 2.0 Security Profile Final).

The defects live in ``fixtures/reference_target/src/areas/fapi2.mjs`` / ``fapi2.defects.json``
and break one FAPI 2.0 rule for the FAPI client (``fapi2-dpop``) only.
"""

from __future__ import annotations


def _cases(check: str, cases: tuple[str, ...]) -> list[str]:
    return [f"fapi2.{check}[{case}]" for case in cases]


_AUD = ("token_endpoint", "par_endpoint", "array_with_issuer")
_TOKEN_AUD = ("token_endpoint", "array_with_issuer")

DEFECT_CHECKS: dict[str, list[str]] = {
    "fapi2_par_not_required": ["fapi2.request_without_par_refused"],
    "fapi2_pkce_not_required": ["fapi2.pkce_required_at_par", "fapi2.ms_signed_push_refused[without_code_challenge]"],
    "fapi2_plain_pkce_accepted": ["fapi2.plain_pkce_refused_at_par"],
    "fapi2_response_type_unrestricted": _cases("response_type_other_than_code_refused", ("code id_token", "token")),
    "fapi2_redirect_uri_optional": ["fapi2.redirect_uri_required_at_par"],
    "fapi2_request_uri_long_lived": ["fapi2.request_uri_lifetime_under_600s"],
    "fapi2_assertion_aud_relaxed": [*_cases("non_issuer_audience_refused_at_par", _AUD),
                                    *_cases("non_issuer_audience_refused_at_token_endpoint", _TOKEN_AUD)],
    "fapi2_assertion_alg_unrestricted": ["fapi2.rs256_assertion_refused_at_par",
                                         "fapi2.rs256_assertion_refused_at_token_endpoint"],
    "fapi2_unbound_token_issued": ["fapi2.token_request_without_proof_refused"],
    "fapi2_iss_omitted": ["fapi2.iss_in_authorization_response", "fapi2.happy_flow",
                          "fapi2.user_rejects_authentication"],
    "fapi2_dpop_nbf_exp_refused": ["fapi2.dpop_proof_with_nbf_exp_accepted"],
    "fapi2_dpop_iat_strict": _cases("dpop_proof_iat_skew_accepted", ("10s_before", "10s_after")),
    "fapi2_unauthenticated_accepted": ["fapi2.par_without_client_authentication_refused",
                                       "fapi2.token_request_without_client_authentication_refused"],
    "fapi2_refresh_token_rotated": ["fapi2.refresh_token_not_rotated"],
    "fapi2_password_grant_accepted": ["fapi2.password_grant_refused"],
    "fapi2_code_long_lived": ["fapi2.authorization_code_lifetime"],
    "fapi2_dpop_scheme_case_sensitive": ["fapi2.auth_scheme_case_insensitive"],
    "fapi2_metadata_without_par": ["fapi2.discovery_metadata"],
    "fapi2_front_channel_params_used": [*_cases("front_channel_state_not_used", ("different_state",
                                                                                 "state_only_outside")),
                                        "fapi2.front_channel_nonce_not_used"],
    "fapi2_long_nonce_truncated": ["fapi2.long_nonce_handled"],
    "fapi2_client_id_mismatch_ignored": ["fapi2.client_id_of_another_client_refused",
                                         "fapi2.ciba_client_id_of_another_client_refused"],
    # FAPI 2.0 Message Signing (client fapi2-ms)
    "fapi2ms_unsigned_accepted": ["fapi2.ms_unsigned_push_refused"],
    "fapi2ms_exp_not_required": ["fapi2.ms_request_object_claims_enforced[without_exp]"],
    "fapi2ms_nbf_not_required": ["fapi2.ms_request_object_claims_enforced[without_nbf]"],
    "fapi2ms_window_unchecked": ["fapi2.ms_request_object_claims_enforced[exp_over_60_minutes]"],
    "fapi2ms_request_object_lifetime_unchecked": _cases("ms_request_object_claims_enforced",
                                                        ("nbf_over_60_minutes", "exp_over_60_minutes")),
    "fapi2ms_request_object_clock_strict": ["fapi2.ms_request_object_nbf_8s_ahead_accepted"],
    "fapi2ms_request_object_alg_unrestricted": ["fapi2.ms_rs256_request_object_refused"],
    "fapi2ms_jarm_rs256": ["fapi2.ms_jarm_response_signed"],
    "fapi2ms_request_uri_in_object_accepted": ["fapi2.ms_request_uri_inside_request_object_refused"],
    "fapi2ms_introspection_rs256": ["fapi2.ms_introspection_response_fapi_alg"],
    # the Message Signing client's signed pushes (emulated acceptance, see the area's header)
    "fapi2ms_plain_pkce_accepted": ["fapi2.ms_signed_push_refused[plain_pkce]"],
    "fapi2ms_redirect_uri_optional": ["fapi2.ms_signed_push_refused[without_redirect_uri]"],
    "fapi2ms_expired_accepted": ["fapi2.ms_signed_push_refused[expired]"],
    "fapi2ms_audience_unchecked": ["fapi2.ms_signed_push_refused[wrong_aud]"],
    "fapi2ms_alg_none_accepted": ["fapi2.ms_signed_push_refused[alg_none]"],
    "fapi2ms_signature_unchecked": _cases("ms_signed_push_refused", ("invalid_signature", "other_key")),
    # FAPI-CIBA (client fapi-ciba)
    "fapiciba_unauthenticated_accepted": ["fapi2.ciba_unauthenticated_backchannel_refused",
                                          "fapi2.ciba_token_request_without_client_authentication_refused"],
    "fapiciba_assertion_alg_unrestricted": ["fapi2.ciba_rs256_assertion_refused_at_backchannel",
                                            "fapi2.ciba_rs256_assertion_refused_at_token_endpoint"],
    "fapiciba_request_alg_unrestricted": ["fapi2.ciba_rs256_request_object_refused"],
    "fapiciba_window_unchecked": ["fapi2.ciba_request_object_70_minutes_refused",
                                  "fapi2.ciba_request_object_nbf_70_minutes_in_past_refused"],
    "fapiciba_nbf_age_unchecked": ["fapi2.ciba_request_object_nbf_70_minutes_in_past_refused"],
    "fapiciba_request_signature_unchecked": ["fapi2.ciba_request_object_invalid_signature_refused"],
    "fapiciba_metadata_without_backchannel": ["fapi2.ciba_discovery_metadata"],
    "fapiciba_certificate_client_id_ignored": ["fapi2.ciba_tls_client_id_of_another_client_refused",
                                               "fapi2.ciba_tls_wrong_client_id_at_token_endpoint_refused"],
    "fapi2_assertion_sub_optional": _cases("assertion_without_sub_refused", ("par", "token_endpoint")),
    "fapi2_assertion_clock_unbounded": ["fapi2.assertion_nbf_over_60s_ahead_refused_at_par"],
    "fapi2_par_dpop_jkt_mismatch_accepted": ["fapi2.mismatched_dpop_jkt_refused_at_par"],
    "fapi2_refresh_unbound_issued": ["fapi2.refresh_without_proof_refused"],
    "fapi2_refresh_token_bad_charset": ["fapi2.refresh_without_proof_refused"],
    "fapi2_pushed_claims_ignored": ["fapi2.claims_parameter_pushed"],
    "fapi2_metadata_no_fapi_signing_alg": ["fapi2.discovery_metadata"],
    "fapi2_metadata_without_s256": ["fapi2.discovery_metadata"],
    # FAPI-CIBA ping callback (client fapi-ciba-ping; the harness receiver answers as the OIDF modules do)
    "fapiciba_ping_refusal_aborts": _cases("ciba_ping_answer_tolerated", ("401", "403")),
    "fapiciba_ping_body_aborts": ["fapi2.ciba_ping_answer_tolerated[200_with_body]"],
    "fapiciba_ping_redirect_followed": ["fapi2.ciba_ping_redirect_not_followed"],
    # FAPI 2.0 with mutual TLS (client fapi2-mtls: tls_client_auth, certificate-bound tokens)
    "fapi2_mtls_unbound_token_issued": ["fapi2.mtls_happy_flow", "fapi2.mtls_bound_token_without_certificate_refused"],
    "fapi2_mtls_certificate_optional": ["fapi2.mtls_par_without_certificate_refused",
                                        "fapi2.mtls_token_request_without_certificate_refused"],
    # FAPI-CIBA certificate-bound tokens (client fapi-ciba-mtls)
    "fapiciba_unbound_token_issued": ["fapi2.ciba_mtls_holder_of_key_required"],
    "fapiciba_refresh_unbound_issued": ["fapi2.ciba_refresh_sender_constrained"],
    # the pop area's resource defect breaks the same FAPI 2.0 resource rule (§5.3.4)
    "dpop_bound_token_accepted_as_bearer": ["fapi2.bound_token_as_bearer_refused"],
}

#: The Security Profile checks run again as the Message Signing client (signed pushes,
#: suites/fapi2/test_fapi2_ms_variants.py): the same defects break them (for signed pushes the
#: area unwraps the verified request object before the rewrite, see fapi2.mjs's header).
_MS_VARIANTS: dict[str, list[str]] = {
    "fapi2_par_not_required": ["fapi2.ms_request_without_par_refused"],
    "fapi2_response_type_unrestricted": _cases("ms_response_type_other_than_code_refused", ("code id_token", "token")),
    "fapi2_assertion_aud_relaxed": _cases("ms_non_issuer_audience_refused_at_par", _AUD),
    "fapi2_assertion_alg_unrestricted": ["fapi2.ms_rs256_assertion_refused_at_par",
                                         "fapi2.ms_rs256_assertion_refused_at_token_endpoint"],
    "fapi2_unbound_token_issued": ["fapi2.ms_token_request_without_proof_refused"],
    "fapi2_iss_omitted": ["fapi2.ms_user_rejects_authentication"],
    "fapi2_dpop_nbf_exp_refused": ["fapi2.ms_dpop_proof_with_nbf_exp_accepted"],
    "fapi2_dpop_iat_strict": _cases("ms_dpop_proof_iat_skew_accepted", ("10s_before", "10s_after")),
    "fapi2_unauthenticated_accepted": ["fapi2.ms_token_request_without_client_authentication_refused"],
    "fapi2_refresh_token_rotated": ["fapi2.ms_refresh_token_not_rotated"],
    "fapi2_code_long_lived": ["fapi2.ms_authorization_code_lifetime"],
    "fapi2_dpop_scheme_case_sensitive": ["fapi2.ms_auth_scheme_case_insensitive"],
    "fapi2_front_channel_params_used": [*_cases("ms_front_channel_state_not_used", ("different_state",
                                                                                    "state_only_outside")),
                                        "fapi2.ms_front_channel_nonce_not_used"],
    "fapi2_long_nonce_truncated": ["fapi2.ms_long_nonce_handled"],
    "fapi2_client_id_mismatch_ignored": ["fapi2.ms_client_id_of_another_client_refused"],
    "fapi2_assertion_sub_optional": _cases("ms_assertion_without_sub_refused", ("par", "token_endpoint")),
    "fapi2_assertion_clock_unbounded": ["fapi2.ms_assertion_nbf_over_60s_ahead_refused_at_par"],
    "fapi2_par_dpop_jkt_mismatch_accepted": ["fapi2.ms_mismatched_dpop_jkt_refused_at_par"],
    "fapi2_refresh_unbound_issued": ["fapi2.ms_refresh_without_proof_refused"],
    "fapi2_refresh_token_bad_charset": ["fapi2.ms_refresh_without_proof_refused"],
    "fapi2_pushed_claims_ignored": ["fapi2.ms_claims_parameter_pushed"],
}
for _defect, _checks in _MS_VARIANTS.items():
    DEFECT_CHECKS[_defect] = [*DEFECT_CHECKS[_defect], *_checks]

_ACCEPT = "accept: a valid FAPI 2.0 request the OIDF plan expects to succeed; a stricter server fails it"

ACCEPT_OR_UNPROVEN: dict[str, str] = {
    "fapi2.ps256_assertion_accepted": "accept: the PS256 assertion with the RSA key the RS256 refusals use",
    "fapi2.other_scope_order_accepted": _ACCEPT,
    "fapi2.assertion_nbf_8s_ahead_accepted_at_par": "accept: FAPI 2.0 SP §5.3.2.1 'shall accept' iat/nbf up to 10 s "
                                                    "ahead (the area's 10 s tolerance for FAPI client assertions)",
    "fapi2.ms_signed_request_happy_flow": "accept: the Message Signing happy flow (PS256 request object at PAR, DPoP)",
    "fapi2.ms_request_object_multiple_aud_accepted": _ACCEPT,
    "fapi2.ciba_signed_request_acknowledged": "accept: the FAPI-CIBA signed backchannel request",
    "fapi2.ciba_other_scope_order_accepted": _ACCEPT,
    "fapi2.ciba_issuer_audience_assertion_accepted": _ACCEPT,
    "fapi2.dpop_proof_at_par_binding_accepted": "accept: RFC 9449 §10.1 binding via a DPoP proof at PAR, same key "
                                                "at the token endpoint (dpop.par_binds_code proves the refusal side)",
    **{f"fapi2.{prefix}valid_request_variant_accepted[{case}]": _ACCEPT
       for prefix in ("", "ms_") for case in ("without_state", "without_nonce", "nonce_64_chars", "long_state")},
    "fapi2.ms_other_scope_order_accepted": _ACCEPT,
    "fapi2.ms_assertion_nbf_8s_ahead_accepted_at_par": "accept: as fapi2.assertion_nbf_8s_ahead_accepted_at_par, "
                                                       "with the Message Signing client's signed push",
    "fapi2.ms_dpop_proof_at_par_binding_accepted": "accept: as fapi2.dpop_proof_at_par_binding_accepted, with the "
                                                   "Message Signing client's signed push",
}
