"""Defect map of the token lifecycle suites: client_auth, token_endpoint, refresh, jwt_access_token,
introspection, revocation (defects in fixtures/reference_target/src/areas/token_lifecycle.*)."""

from __future__ import annotations


def _both(check: str) -> list[str]:
    """A client-assertion check for both JWT methods."""
    return [f"client_auth.{check}[private_key_jwt]", f"client_auth.{check}[client_secret_jwt]"]


DEFECT_CHECKS: dict[str, list[str]] = {
    # client authentication
    "client_assertion_aud_unchecked": _both("assertion_wrong_audience_refused")
    + _both("assertion_audience_array_without_server_refused"),
    "client_assertion_iss_unchecked": _both("assertion_wrong_issuer_refused"),
    "client_assertion_sub_unchecked": _both("assertion_wrong_subject_refused"),
    "client_assertion_expired_accepted": _both("assertion_expired_refused"),
    "client_assertion_exp_optional": _both("assertion_without_exp_refused"),
    "client_assertion_nbf_ignored": _both("assertion_future_nbf_refused"),
    "client_assertion_alg_none_accepted": _both("assertion_alg_none_refused"),
    "client_assertion_signature_unchecked": _both("assertion_wrong_key_refused"),
    "client_assertion_alg_unchecked": ["client_auth.assertion_documented_alg_enforced"],
    "client_assertion_replay_accepted": ["client_auth.assertion_replay_refused"],
    "client_assertion_future_iat_accepted": _both("assertion_future_iat_refused"),
    "client_assertion_issuer_aud_refused": _both("assertion_issuer_audience_accepted"),
    "client_assertion_no_clock_skew": _both("assertion_small_clock_skew_accepted"),
    "client_secret_unchecked": ["client_auth.wrong_secret_basic_refused", "client_auth.wrong_secret_post_refused",
                                "introspection.invalid_credentials_refused"],
    "client_auth_no_www_authenticate": ["client_auth.wrong_secret_basic_refused"],
    "client_auth_invalid_client_status_400": ["client_auth.wrong_secret_basic_refused"],
    "client_auth_method_unchecked": ["client_auth.secret_jwt_client_plain_secret_refused"],
    "token_auth_optional": ["client_auth.confidential_client_without_credentials_refused",
                            "refresh.unauthenticated_refused"]
    + _both("assertion_missing_refused"),
    # token endpoint
    "token_type_missing": ["token_endpoint.success_response[refresh_token]",
                           "token_endpoint.success_response[client_credentials]"],
    "token_expires_in_string": ["token_endpoint.success_response[refresh_token]",
                                "token_endpoint.success_response[client_credentials]"],
    "token_unsupported_grant_wrong_error": ["token_endpoint.unsupported_grant_type_refused"],
    "token_missing_param_wrong_error": ["token_endpoint.missing_grant_type_refused",
                                        "token_endpoint.missing_code_refused"],
    "token_duplicate_params_accepted": ["token_endpoint.duplicate_parameter_refused"],
    "token_unauthorized_client_wrong_error": ["token_endpoint.unregistered_grant_type_refused"],
    "token_unknown_scope_silently_dropped": ["token_endpoint.unknown_scope_refused_or_reported"],
    # refresh
    "refresh_no_rotation": ["refresh.rolling_policy", "refresh.public_client_rotation"],
    "refresh_old_token_reusable": ["refresh.rotated_token_refused", "refresh.parallel_refresh",
                                   "refresh.public_client_rotation", "refresh.client_grace_period"],
    "refresh_reuse_keeps_family": ["refresh.reuse_revokes_family"],
    "refresh_not_client_bound": ["refresh.other_client_refused"],
    # per-client Refresh Token Rolling Interval / Grace Period (clients roll-interval, roll-grace) ignored: the
    # server-wide policy (a roll on every use, no grace) used instead
    "refresh_client_interval_ignored": ["refresh.client_rolling_interval"],
    "refresh_client_grace_ignored": ["refresh.client_grace_period"],
    # refresh_scope_widening_allowed (extra scope dropped, original scope reported) is spec-permitted
    # (RFC 6749 §3.3): scope_widening_refused passes on it; its defects are in map_token_rules.py
    "refresh_scope_narrowing_ignored": ["refresh.scope_narrowing"],
    # JWT access tokens
    "jwt_at_wrong_typ": ["jwt_access_token.typ_header"],
    "jwt_at_no_kid": ["jwt_access_token.kid_header"],
    "jwt_at_x5t_header": ["jwt_access_token.x5t_header"],
    "jwt_at_bad_signature": ["jwt_access_token.signature"],
    "jwt_at_unsigned": ["jwt_access_token.signature"],
    "jwt_at_wrong_iss": ["jwt_access_token.issuer"],
    "jwt_at_wrong_aud": ["jwt_access_token.audience"],
    "jwt_at_no_client_id": ["jwt_access_token.required_claims", "jwt_access_token.client_id"],
    "jwt_at_no_sub": ["jwt_access_token.required_claims"],
    "jwt_at_scope_array": ["jwt_access_token.scope"],
    "jwt_at_short_jti": ["jwt_access_token.jti_length"],
    "jwt_at_lifetime_mismatch": ["jwt_access_token.lifetime"],
    "jwt_at_expired": ["jwt_access_token.time_claims"],
    # area metadata_rules
    "jwks_keys_not_array": ["jwt_access_token.signature"],
    "access_token_typ_application_prefix": ["jwt_access_token.typ_header"],
    "access_token_scope_beyond_grant": ["jwt_access_token.scope"],
    # introspection
    "introspection_expired_active": ["introspection.expired_token_inactive"],
    "introspection_inactive_extra_members": ["introspection.unknown_token_inactive",
                                             "introspection.revoked_token_inactive"],
    "introspection_inactive_error": ["introspection.unknown_token_inactive", "introspection.revoked_token_inactive"],
    "introspection_foreign_active": ["introspection.foreign_token_inactive"],
    "introspection_auth_optional": ["introspection.unauthenticated_refused"],
    "introspection_unauthenticated_inactive": ["introspection.unauthenticated_refused"],  # area auth_refusals
    "introspection_hint_strict": ["introspection.wrong_hint_still_found"],
    "introspection_wrong_client_id": ["introspection.active_token_metadata"],
    "introspection_jwt_ignored": ["introspection.jwt_response_media_type"],
    "introspection_jwt_wrong_typ": ["introspection.jwt_response_claims"],
    "introspection_jwt_wrong_aud": ["introspection.jwt_response_claims", "introspection.jwt_response_inactive"],
    "introspection_jwt_no_iat": ["introspection.jwt_response_claims"],
    "introspection_jwt_bad_signature": ["introspection.jwt_response_signature"],
    # revocation
    "revocation_noop": ["revocation.revoked_access_token_refused", "revocation.revoked_refresh_token_refused",
                        "introspection.revoked_token_inactive"],
    "revocation_refresh_keeps_access_tokens": ["revocation.refresh_revocation_revokes_access_tokens"],
    "revocation_unknown_token_error": ["revocation.unknown_token_answered_200"],
    "revocation_cross_client": ["revocation.other_clients_token_not_revoked"],
    "revocation_auth_optional": ["revocation.unauthenticated_refused"],
    "revocation_unauthenticated_invalid_request": ["revocation.unauthenticated_refused"],  # area auth_refusals
    "revocation_hint_strict": ["revocation.wrong_hint_still_revoked"],
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {
    **{f"client_auth.registered_method_works[{m}]": "accept check: every registered method completes the flow"
       for m in ("client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt",
                 "tls_client_auth", "self_signed_tls_client_auth", "none")},
    "refresh.refresh_works": "accept check: a valid refresh works and its access token is usable",
    "revocation.jwt_access_token_revocation": "accept check: HTTP 200 or unsupported_token_type are both correct",
    "jwt_access_token.encrypted_when_documented": "skipped on the reference target (it documents no JWE access "
    "tokens; oidc-provider issues them only with a resource server encryption key)",
}
