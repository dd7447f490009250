"""Defect map of the decoupled suites: device (RFC 8628) and ciba (CIBA Core).

Defects live in ``fixtures/reference_target/src/areas/decoupled.defects.json``.
"""

from __future__ import annotations

_RULE = "ciba.signed_request_rules[{}]"

DEFECT_CHECKS: dict[str, list[str]] = {
    # device
    "device_response_no_expires_in": ["device.authorization_response"],
    "device_interval_not_documented": ["device.documented_polling_interval"],
    "device_expires_in_wrong": ["device.documented_code_lifetime"],
    "device_pending_wrong_error": ["device.pending_before_approval"],
    "device_no_slow_down": ["device.slow_down_when_polling_too_fast"],
    "device_approval_ignored": ["device.approval_issues_tokens[public]", "device.approval_issues_tokens[confidential]"],
    "device_denied_wrong_error": ["device.denial_gives_access_denied"],
    "device_code_never_expires": ["device.expired_code_refused"],
    "device_code_reusable": ["device.device_code_single_use"],
    "device_code_not_client_bound": ["device.device_code_bound_to_client"],
    "device_user_code_weak": ["device.user_code_entropy_and_charset"],
    "device_no_confirmation": ["device.complete_uri_asks_confirmation"],
    "device_verification_redirect_loop": ["device.approval_issues_tokens[public]",
                                          "device.approval_issues_tokens[confidential]"],
    # ciba: acknowledgement and polling
    "ciba_response_no_expires_in": ["ciba.authentication_response"],
    "ciba_interval_not_documented": ["ciba.documented_polling_interval"],
    "ciba_auth_req_id_low_entropy": ["ciba.auth_req_id_entropy"],
    "ciba_pending_wrong_error": ["ciba.poll_pending_before_decision"],
    "ciba_no_slow_down": ["ciba.poll_slow_down"],
    "ciba_approval_ignored": ["ciba.poll_approval_issues_tokens"],
    "ciba_denied_wrong_error": ["ciba.poll_denial_access_denied"],
    "ciba_request_never_expires": ["ciba.poll_expired_token"],
    "ciba_auth_req_id_reusable": ["ciba.auth_req_id_single_use"],
    "ciba_auth_req_id_not_client_bound": ["ciba.auth_req_id_bound_to_client"],
    # ciba: ping
    "ciba_ping_no_bearer": ["ciba.ping_notification"],
    "ciba_ping_wrong_token": ["ciba.ping_notification"],
    "ciba_ping_not_sent_on_denial": ["ciba.ping_on_denial"],
    "ciba_ping_token_optional": ["ciba.ping_requires_notification_token"],
    # ciba: request validation
    "ciba_multiple_hints_accepted": ["ciba.multiple_hints_refused"],
    "ciba_missing_hint_accepted": ["ciba.missing_hint_refused"],
    "ciba_unknown_user_accepted": ["ciba.unknown_user_refused"],
    "ciba_binding_message_unchecked": ["ciba.binding_message_unacceptable_refused"],
    "ciba_requested_expiry_string_refused": ["ciba.requested_expiry_string_accepted"],
    # ciba: signed requests
    "ciba_signed_request_not_required": ["ciba.signed_request_required"],
    "ciba_request_wrong_alg_accepted": ["ciba.signed_request_wrong_alg_refused"],
    "ciba_request_aud_unchecked": [_RULE.format("missing_aud"), _RULE.format("wrong_aud")],
    "ciba_request_iss_unchecked": [_RULE.format("missing_iss"), _RULE.format("wrong_iss")],
    "ciba_request_exp_unchecked": [_RULE.format("missing_exp"), _RULE.format("expired")],
    "ciba_request_iat_unchecked": [_RULE.format("missing_iat")],
    "ciba_request_nbf_unchecked": [_RULE.format("missing_nbf"), _RULE.format("nbf_in_future")],
    "ciba_request_jti_unchecked": [_RULE.format("missing_jti")],
    "ciba_request_signature_unchecked": [_RULE.format("wrong_key")],
    "ciba_request_alg_none_accepted": [_RULE.format("alg_none")],
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {
    "ciba.push_mode": "skipped against the reference target: oidc-provider does not support push mode",
    "ciba.binding_message_accepted": "accept check: a short plain binding_message must not be refused",
    "ciba.id_token_hint_accepted": "accept check: an ID Token the OP issued to the client is a valid id_token_hint",
    "ciba.signed_request_accepted": "accept check: a correct signed request with the documented alg must work",
}
