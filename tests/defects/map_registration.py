"""Defect map of the registration suite (area registration, issue 18 item 1)."""

from __future__ import annotations

DEFECT_CHECKS: dict[str, list[str]] = {
    "reg_secret_expiry_missing": ["registration.confidential_client_registered"],
    "reg_redirect_uris_not_returned": ["registration.confidential_client_registered"],
    "reg_fragment_redirect_accepted": ["registration.redirect_uri_fragment_refused"],
    "reg_web_http_redirect_accepted": ["registration.web_http_redirect_refused"],
    "reg_implicit_http_redirect_accepted": ["registration.implicit_web_http_redirect_refused"],
    "reg_jwks_both_accepted": ["registration.jwks_and_jwks_uri_refused"],
    "reg_initiate_login_http_accepted": ["registration.http_initiate_login_uri_not_registered"],
    "reg_logo_uri_refused": ["registration.client_uris_accepted"],
    "reg_sector_mismatch_accepted": ["registration.sector_identifier_mismatch_refused"],
    "reg_pairwise_sub_shared": ["registration.pairwise_sub_per_sector"],
    "reg_sector_uri_ignored": ["registration.pairwise_sector_shared"],
    "reg_open_without_iat": ["registration.without_initial_access_token_refused"],
    "reg_read_unauthenticated": ["registration.read_without_token_refused",
                                 "registration.read_with_wrong_token_refused"],
    "reg_update_ignored": ["registration.update_with_registration_access_token"],
    "reg_delete_ignored": ["registration.delete_with_registration_access_token"],
}

ACCEPT_OR_UNPROVEN: dict[str, str] = {
    "registration.confidential_client_code_flow": "accept case: a registered confidential client completes a code "
                                                  "flow with its issued secret",
    "registration.jwks_uri_client_code_flow": "accept case: a private_key_jwt client whose keys are only at its "
                                              "jwks_uri (served by the harness) completes a code flow",
    "registration.public_client_code_flow": "accept case: a registered public client completes a code flow with PKCE",
    "registration.minimal_metadata_defaults": "accept case: a client registered with redirect_uris only works with "
                                              "the RFC 7591 §2 defaults (code, client_secret_basic)",
    "registration.read_with_registration_access_token": "accept case: RFC 7592 read with the registration access "
                                                        "token",
    "registration.software_statement_returned": "skipped on the reference target (oidc-provider documents no "
                                                "software statements; the profile gives none); judging unit-tested "
                                                "in tests/specs/test_rfc7591.py",
}
