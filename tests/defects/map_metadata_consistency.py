"""Defect map of the metadata suite (advertised versus actual, issue 16).

The defects live in ``fixtures/reference_target/src/areas/metadata_consistency.mjs`` /
``metadata_consistency.defects.json``: for each member, one defect makes the target advertise
something it does not do and/or one makes it do something it does not advertise.
"""

from __future__ import annotations

_GT = "metadata.grant_type_matches_behaviour"
_AM = "metadata.token_endpoint_auth_method_matches_behaviour"
_RT = "metadata.response_type_matches_behaviour"

DEFECT_CHECKS: dict[str, list[str]] = {
    # grant_types_supported: advertised but refused / works but not advertised / default hides grants
    "md_grant_jwt_bearer_advertised": [f"{_GT}[jwt_bearer]"],
    "md_client_credentials_unadvertised": [f"{_GT}[client_credentials]"],
    "md_grant_types_omitted": [f"{_GT}[refresh_token]", f"{_GT}[client_credentials]", f"{_GT}[device_code]",
                               f"{_GT}[ciba]", "metadata.member_coherence"],
    # token_endpoint_auth_methods_supported
    "md_auth_method_none_unadvertised": [f"{_AM}[none]"],
    "md_client_secret_post_refused": [f"{_AM}[client_secret_post]"],
    # response_types_supported / response_modes_supported
    "md_response_type_token_advertised": [f"{_RT}[token]"],
    "md_response_type_code_token_unlisted": [f"{_RT}[code+token]"],
    "md_form_post_unadvertised": ["metadata.response_mode_matches_behaviour[form_post]"],
    # scopes, claims and request_uri parameters, claims_supported
    "md_scope_email_refused": ["metadata.advertised_scopes_accepted"],
    "md_claims_parameter_unadvertised": ["metadata.claims_parameter_matches_behaviour"],
    "md_request_uri_member_omitted": ["metadata.request_uri_parameter_matches_behaviour"],
    "md_claims_supported_only_sub": ["metadata.userinfo_claims_listed"],
    # coherence and the two documents
    "md_device_endpoint_unadvertised": ["metadata.member_coherence"],
    "md_oauth_metadata_lacks_introspection": ["metadata.documents_agree"],
    # revocation_endpoint_auth_methods_supported (default client_secret_basic)
    "md_revocation_basic_refused": ["metadata.revocation_auth_method_matches_behaviour[client_secret_basic]"],
    # algorithm members
    "md_dpop_es384_advertised": ["metadata.dpop_signing_alg_matches_behaviour[ES384]"],
    "md_assertion_ps256_unlisted": ["metadata.assertion_signing_alg_matches_behaviour[PS256]"],
    "md_id_token_hs256_unlisted": ["metadata.id_token_signing_algs_match_behaviour"],
    "md_ciba_ping_unlisted": ["metadata.ciba_delivery_mode_matches_behaviour[ping]"],
    "md_certificate_binding_unadvertised": ["metadata.certificate_bound_tokens_match_behaviour"],
    "md_id_token_enc_unlisted": ["metadata.id_token_encryption_matches_behaviour"],
    "md_userinfo_rs256_unlisted": ["metadata.userinfo_signing_matches_behaviour"],
    # members that depend on client registration: subject types, request_uri pre-registration, CIBA user codes
    "md_pairwise_sub_public": ["metadata.pairwise_subject_type_matches_behaviour"],
    "md_public_sub_per_client": ["metadata.public_subject_type_matches_behaviour"],
    "md_request_uri_registration_advertised": ["metadata.request_uri_registration_matches_behaviour"],
    "md_ciba_user_code_refused": ["metadata.ciba_user_code_matches_behaviour"],
}

_SAME_PROBE = ("proven by the defects of the same check with another value (the probe and the judgement are the "
               "same function for every value); the clean target passes it")

ACCEPT_OR_UNPROVEN: dict[str, str] = {
    f"{_GT}[authorization_code]": _SAME_PROBE,
    f"{_GT}[password]": _SAME_PROBE,
    f"{_GT}[token_exchange]": _SAME_PROBE,
    "metadata.implicit_grant_matches_behaviour": _SAME_PROBE + " (response type probes)",
    f"{_AM}[client_secret_basic]": _SAME_PROBE,
    f"{_AM}[client_secret_jwt]": _SAME_PROBE,
    f"{_AM}[private_key_jwt]": _SAME_PROBE,
    f"{_AM}[tls_client_auth]": _SAME_PROBE,
    f"{_AM}[self_signed_tls_client_auth]": _SAME_PROBE,
    f"{_RT}[code]": _SAME_PROBE,
    f"{_RT}[id_token]": _SAME_PROBE,
    f"{_RT}[id_token+token]": _SAME_PROBE,
    f"{_RT}[code+id_token]": _SAME_PROBE,
    f"{_RT}[code+id_token+token]": _SAME_PROBE,
    f"{_RT}[none]": _SAME_PROBE,
    "metadata.response_mode_matches_behaviour[query]": _SAME_PROBE,
    "metadata.response_mode_matches_behaviour[fragment]": _SAME_PROBE,
    **{f"metadata.introspection_auth_method_matches_behaviour[{m}]": (
        "skipped on the reference target: oidc-provider publishes no introspection_endpoint_auth_methods_supported "
        "(no default to hold behaviour against); the probe is the revocation one's") for m in (
        "client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "tls_client_auth",
        "self_signed_tls_client_auth")},
    **{f"metadata.revocation_auth_method_matches_behaviour[{m}]": (
        "warns on the clean target (oidc-provider omits the member although every method works: a true finding); "
        "the advertised direction is proven by md_revocation_basic_refused") for m in (
        "client_secret_post", "client_secret_jwt", "private_key_jwt", "tls_client_auth",
        "self_signed_tls_client_auth")},
    **{f"metadata.assertion_signing_alg_matches_behaviour[{a}]": _SAME_PROBE for a in (
        "HS256", "HS384", "HS512", "RS256", "RS384", "ES256", "ES384", "EdDSA")},
    **{f"metadata.dpop_signing_alg_matches_behaviour[{a}]": _SAME_PROBE for a in (
        "ES256", "PS256", "RS256", "EdDSA", "Ed25519")},
    "metadata.ciba_delivery_mode_matches_behaviour[poll]": _SAME_PROBE,
    "metadata.ciba_delivery_mode_matches_behaviour[push]": (
        "skipped on the reference target (no push client, push not listed); the probe is the ping/poll one's"),
    "metadata.profile_supplied_endpoints_reported": (
        "the reference profile supplies no endpoints: (skipped); proven by tests/specs/test_metadata_consistency.py "
        "and on DOT, whose profile supplies three"),
}
