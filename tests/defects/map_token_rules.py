"""Defect map of the token rules area (fixtures/reference_target/src/areas/token_rules.*): the defects that
prove the case-keyed expectations, exact error codes and preconditions of the authorization_code,
token_endpoint, client_auth, pkce and refresh suites."""

from __future__ import annotations

_REFRESH_CHECKS = [
    "refresh.refresh_works", "refresh.rolling_policy", "refresh.rotated_token_refused",
    "refresh.reuse_revokes_family", "refresh.other_client_refused", "refresh.unauthenticated_refused",
    "refresh.scope_narrowing", "refresh.scope_widening_refused", "refresh.parallel_refresh",
    "refresh.public_client_rotation", "token_endpoint.success_response[refresh_token]",
]

DEFECT_CHECKS: dict[str, list[str]] = {
    # a failed Basic authentication answered 400 invalid_request: 401 + Basic challenge are still owed
    "client_auth_basic_wrong_error": ["client_auth.wrong_secret_basic_refused"],
    "client_assertion_sub_invalid_request": ["client_auth.assertion_wrong_subject_refused[private_key_jwt]",
                                             "client_auth.assertion_wrong_subject_refused[client_secret_jwt]"],
    # rotation is documented: no refresh token is a failure (PRECONDITION_REFRESH_TOKEN_NOT_ISSUED), not a skip
    "refresh_token_not_issued": _REFRESH_CHECKS,
    "refresh_scope_widening_granted": ["refresh.scope_widening_refused"],
    "refresh_scope_ignored_unreported": ["refresh.scope_widening_refused"],
    "token_unregistered_grant_unsupported": ["token_endpoint.unregistered_grant_type_refused"],
    "authz_missing_response_type_unsupported": ["authorization_code.missing_response_type_refused"],
    "redirect_uri_unregistered_auto_submit": ["authorization_code.unregistered_redirect_uri_refused"],
    "pkce_missing_method_error_page": ["pkce.challenge_without_method_defaults_to_plain"],
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {}
