"""Defect map of the proof-of-possession suites: dpop (RFC 9449), mtls (RFC 8705), confirmation (RFC 7800).

The defects live in ``fixtures/reference_target/src/areas/pop.mjs`` / ``pop.defects.json``.
"""

from __future__ import annotations


def _both(case: str) -> list[str]:
    return [f"dpop.invalid_proof_refused[{case}-token_endpoint]", f"dpop.invalid_proof_refused[{case}-resource]"]


def _rs(case: str) -> str:
    return f"dpop.invalid_proof_refused[{case}-resource]"


DEFECT_CHECKS: dict[str, list[str]] = {
    # --- DPoP proof rules (RFC 9449 §4.2/§4.3), at the token endpoint and at the resource
    "dpop_malformed_proof_accepted": [*_both("not_jwt"), *_both("two_proofs")],
    "dpop_typ_unchecked": _both("typ_wrong"),
    "dpop_alg_unchecked": [*_both("alg_none"), *_both("alg_hs256")],
    "dpop_required_members_unchecked": [*_both("jwk_missing"), *_both("jti_missing")],
    "dpop_jwk_private_accepted": _both("jwk_private"),
    "dpop_signature_unchecked": _both("bad_signature"),
    "dpop_htm_unchecked": [*_both("htm_wrong"), "dpop.challenge_lists_algs"],
    "dpop_htu_unchecked": _both("htu_wrong"),
    "dpop_proof_age_unbounded": [*_both("iat_past"), *_both("iat_future")],
    "dpop_ath_unchecked": [_rs("ath_missing"), _rs("ath_wrong")],
    "dpop_key_binding_unchecked": [_rs("other_key")],
    # --- issuance and binding (§5, §6)
    "dpop_token_type_bearer": ["dpop.token_response_is_dpop", "dpop.dpop_jkt_matching_key_accepted",
                               "dpop.refresh_with_same_key"],
    "dpop_cnf_jkt_wrong": ["dpop.access_token_bound_jwt", "dpop.access_token_bound_introspection",
                           "confirmation.cnf_of_dpop_bound_tokens[jwt]",
                           "confirmation.cnf_of_dpop_bound_tokens[introspection]"],
    # --- cnf presence (RFC 9449 §6.1/§6.2, RFC 8705 §3.1/§3.2) and shape (RFC 7800 §3)
    "cnf_missing": ["dpop.access_token_bound_jwt", "dpop.access_token_bound_introspection",
                    "mtls.certificate_bound_token_jwt", "mtls.certificate_bound_token_introspection",
                    "confirmation.cnf_of_dpop_bound_tokens[jwt]",
                    "confirmation.cnf_of_dpop_bound_tokens[introspection]",
                    "confirmation.cnf_of_certificate_bound_tokens[jwt]",
                    "confirmation.cnf_of_certificate_bound_tokens[introspection]"],
    "cnf_malformed": ["confirmation.cnf_of_dpop_bound_tokens[jwt]",
                      "confirmation.cnf_of_dpop_bound_tokens[introspection]"],
    # --- nonces (§8, §9)
    "dpop_nonce_not_required": ["dpop.nonce_at_token_endpoint", "dpop.nonce_at_resource"],
    "dpop_nonce_header_missing": ["dpop.nonce_at_token_endpoint"],
    "dpop_nonce_value_unchecked": ["dpop.unknown_nonce_refused[token_endpoint]",
                                   "dpop.unknown_nonce_refused[resource]"],
    # --- replay (§11.1), schemes (§7.1, §7.2)
    "dpop_replay_accepted": ["dpop.replayed_proof_refused_at_token_endpoint",
                             "dpop.replayed_proof_refused_at_resource"],
    "dpop_bound_token_accepted_as_bearer": ["dpop.bound_token_as_bearer_refused"],
    "dpop_bearer_refused_as_invalid_request": ["dpop.bound_token_as_bearer_refused"],
    "dpop_scheme_without_proof_accepted": ["dpop.dpop_scheme_without_proof_refused"],
    "dpop_challenge_no_algs": ["dpop.challenge_lists_algs"],
    # --- code binding (§10) and refresh tokens (§5)
    "dpop_jkt_ignored": ["dpop.dpop_jkt_binds_code", "dpop.par_binds_code[dpop_jkt]",
                         "dpop.par_binds_code[dpop_header]"],
    "dpop_refresh_key_unchecked": ["dpop.refresh_requires_same_key"],
    # --- mutual TLS (RFC 8705)
    "mtls_alias_points_to_plain_listener": ["mtls.endpoint_aliases"],
    "mtls_cnf_wrong_thumbprint": ["mtls.certificate_bound_token_jwt", "mtls.certificate_bound_token_introspection",
                                  "confirmation.cnf_of_certificate_bound_tokens[jwt]",
                                  "confirmation.cnf_of_certificate_bound_tokens[introspection]"],
    "mtls_resource_binding_unchecked": ["mtls.resource_refuses_bound_token_without_certificate",
                                        "mtls.resource_refuses_bound_token_with_other_certificate"],
    "mtls_client_certificate_unchecked": [
        "mtls.token_request_without_certificate_refused[tls_client_auth]",
        "mtls.token_request_without_certificate_refused[self_signed_tls_client_auth]",
        "mtls.token_request_with_other_certificate_refused[tls_client_auth]",
        "mtls.token_request_with_other_certificate_refused[self_signed_tls_client_auth]",
        "mtls.refresh_without_certificate_refused", "mtls.other_subject_dn_refused"],
    "mtls_subject_dn_unchecked": ["mtls.other_subject_dn_refused"],
    "mtls_refresh_unbound": ["mtls.refresh_keeps_binding"],
}

_ACCEPT = "accept: a valid (if unusual) request; a stricter server fails it, the clean target passes it"

ACCEPT_OR_UNPROVEN: dict[str, str] = {
    "dpop.resource_accepts_valid_proof": "accept: the DPoP happy path at the resource",
    "dpop.correct_proof_still_accepted": "accept: final sanity call after the negative checks",
    "mtls.resource_accepts_bound_token_with_certificate": "accept: the mTLS happy path at the resource",
    **{f"dpop.valid_variant_accepted[{case}]": _ACCEPT for case in (
        "htu_query_fragment-token_endpoint", "htu_query_fragment-resource", "request_query-resource",
        "extra_claims-token_endpoint", "extra_claims-resource",
        "htu_case-token_endpoint", "htu_case-resource", "lowercase_scheme-resource")},
}
