"""Defect map of the logout suite (area logout, src/areas/logout.mjs; issue 18 item 2)."""

from __future__ import annotations

_TOKEN_CHECKS = ["logout.logout_token_signed", "logout.logout_token_claims", "logout.logout_token_events",
                 "logout.logout_token_sub_or_sid", "logout.logout_token_no_nonce", "logout.logout_token_typ",
                 "logout.logout_token_session_sid"]

DEFECT_CHECKS: dict[str, list[str]] = {
    "rpi_end_session_http": ["logout.end_session_endpoint_https"],
    "rpi_post_refused": ["logout.redirect_with_state[POST]"],
    "rpi_state_dropped": ["logout.redirect_with_state[GET]", "logout.redirect_with_state[POST]"],
    "rpi_logout_noop": ["logout.session_ended", "logout.no_parameters[none]", "logout.no_parameters[only_state]",
                        "logout.without_post_logout_redirect_uri", "logout.redirect_without_state"],
    "rpi_redirect_without_hint": ["logout.no_id_token_hint_no_redirect"],
    "rpi_any_post_logout_redirect": ["logout.unregistered_redirect_refused", "logout.added_query_refused"],
    "rpi_post_logout_query_ignored": ["logout.added_query_refused"],
    "rpi_hint_unverified": ["logout.invalid_id_token_hint_refused[tampered]",
                            "logout.invalid_id_token_hint_refused[alg_none]",
                            "logout.invalid_id_token_hint_refused[foreign]"],
    "rpi_client_id_unchecked": ["logout.client_id_mismatch_refused"],
    "rpi_logout_without_asking": ["logout.no_parameters[none]"],
    "bcl_not_sent": ["logout.logout_request_delivered", *_TOKEN_CHECKS],
    "bcl_json_body": ["logout.logout_request_delivered", *_TOKEN_CHECKS],
    "bcl_unsigned": ["logout.logout_token_signed"],
    "bcl_bad_signature": ["logout.logout_token_signed"],
    "bcl_nonce": ["logout.logout_token_no_nonce"],
    "bcl_no_events": ["logout.logout_token_events"],
    "bcl_no_sub_sid": ["logout.logout_token_sub_or_sid", "logout.logout_token_session_sid"],
    "bcl_sid_differs": ["logout.logout_token_session_sid"],
    "bcl_wrong_aud": ["logout.logout_token_claims"],
    "bcl_no_jti": ["logout.logout_token_claims"],
    "bcl_typ_jwt": ["logout.logout_token_typ"],
    "fcl_no_iframe": ["logout.frontchannel_logout_iframe"],
    "fcl_no_session_params": ["logout.frontchannel_logout_iframe"],
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {
    "logout.check_session_iframe": "skipped on the reference target: oidc-provider 9 has no session management "
                                   "(no check_session_iframe) and the area does not emulate it; judging "
                                   "unit-tested (tests/specs/test_oidc_logout.py)",
    "logout.session_state_returned": "skipped on the reference target (no session management); judging "
                                     "unit-tested",
}
