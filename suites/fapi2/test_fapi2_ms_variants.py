"""FAPI 2.0 Message Signing (Final): the Security Profile checks in the plan's "signed" variant.

The OIDF FAPI2 Message Signing plan runs the Security Profile's modules again with every
authorization request pushed as a signed request object. Each check here is the Security Profile
check of the same name (suites/fapi2/test_fapi2.py) run with the profile's Message Signing client
(``clients[].fapi: 2.0-message-signing``): its pushes are PS256 request objects carrying the
parameters (``harness.flows.fapi2.pushed_params``), so a negative is judged on a request the server
verified as signed, never on an unsigned push it refuses for that reason alone. Skipped before any
request when the profile has no Message Signing client. Check ids: ``fapi2.ms_<Security Profile check>``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from suites.fapi2 import test_fapi2 as sp

_MS_REQUIREMENT = pytest.mark.requirement("FAPI2MS-5.3.2-1")


def _signed(check: Callable[..., None]) -> Callable[..., None]:
    """``check`` run as the Message Signing client (its marks and parameters kept, FAPI2MS-5.3.2-1 added)."""

    @functools.wraps(check)
    def run(*args: Any, **kwargs: Any) -> None:
        token = sp.SIGNED_VARIANT.set(True)
        try:
            check(*args, **kwargs)
        finally:
            sp.SIGNED_VARIANT.reset(token)

    run.__name__ = "test_ms_" + check.__name__.removeprefix("test_")
    run.__qualname__ = run.__name__
    first, _, rest = (check.__doc__ or "").strip().partition("\n")
    run.__doc__ = f"{first.rstrip('.')} (Message Signing client, signed request objects).\n{rest}"
    return _MS_REQUIREMENT(run)  # type: ignore[no-any-return]


# authorization endpoint flows (§5.3.2.2)
test_ms_request_without_par_refused = _signed(sp.test_request_without_par_refused)
test_ms_response_type_other_than_code_refused = _signed(sp.test_response_type_other_than_code_refused)
test_ms_valid_request_variant_accepted = _signed(sp.test_valid_request_variant_accepted)
test_ms_other_scope_order_accepted = _signed(sp.test_other_scope_order_accepted)
test_ms_user_rejects_authentication = _signed(sp.test_user_rejects_authentication)
test_ms_front_channel_state_not_used = _signed(sp.test_front_channel_state_not_used)
test_ms_front_channel_nonce_not_used = _signed(sp.test_front_channel_nonce_not_used)
test_ms_long_nonce_handled = _signed(sp.test_long_nonce_handled)
test_ms_claims_parameter_pushed = _signed(sp.test_claims_parameter_pushed)

# client authentication (§5.3.2.1, §5.4.1)
test_ms_non_issuer_audience_refused_at_par = _signed(sp.test_non_issuer_audience_refused_at_par)
test_ms_rs256_assertion_refused_at_par = _signed(sp.test_rs256_assertion_refused_at_par)
test_ms_rs256_assertion_refused_at_token_endpoint = _signed(sp.test_rs256_assertion_refused_at_token_endpoint)
test_ms_token_request_without_client_authentication_refused = _signed(
    sp.test_token_request_without_client_authentication_refused)
test_ms_client_id_of_another_client_refused = _signed(sp.test_client_id_of_another_client_refused)
test_ms_assertion_without_sub_refused = _signed(sp.test_assertion_without_sub_refused)
test_ms_assertion_nbf_8s_ahead_accepted_at_par = _signed(sp.test_assertion_nbf_8s_ahead_accepted_at_par)
test_ms_assertion_nbf_over_60s_ahead_refused_at_par = _signed(sp.test_assertion_nbf_over_60s_ahead_refused_at_par)

# tokens, DPoP and the resource (§5.3.2.1, §5.3.4)
test_ms_token_request_without_proof_refused = _signed(sp.test_token_request_without_proof_refused)
test_ms_auth_scheme_case_insensitive = _signed(sp.test_auth_scheme_case_insensitive)
test_ms_dpop_proof_with_nbf_exp_accepted = _signed(sp.test_dpop_proof_with_nbf_exp_accepted)
test_ms_dpop_proof_iat_skew_accepted = _signed(sp.test_dpop_proof_iat_skew_accepted)
test_ms_dpop_proof_at_par_binding_accepted = _signed(sp.test_dpop_proof_at_par_binding_accepted)
test_ms_mismatched_dpop_jkt_refused_at_par = _signed(sp.test_mismatched_dpop_jkt_refused_at_par)
test_ms_refresh_token_not_rotated = _signed(sp.test_refresh_token_not_rotated)
test_ms_refresh_without_proof_refused = _signed(sp.test_refresh_without_proof_refused)
test_ms_authorization_code_lifetime = _signed(sp.test_authorization_code_lifetime)
