"""Entropy of access tokens, refresh tokens and device codes, with the authorization code's estimator.

RFC 6749 §10.10: "The probability of an attacker guessing generated tokens (and other
credentials not intended for handling by end-users) MUST be less than or equal to 2^(-128)
and SHOULD be less than or equal to 2^(-160)." Access tokens, refresh tokens and device codes
are such credentials (a device code is never shown to the user; RFC 8628 §5.2: "a very high
entropy code SHOULD be used"). User codes are meant for people and are judged by RFC 8628
§5.1/§6.1 instead (:func:`harness.specs.rfc8628.check_user_code_entropy`).

The estimate is :func:`harness.specs._entropy.estimate_entropy`, an upper bound computed from the
format of the samples, so a failure is conclusive and a pass only says the format can carry
enough bits. A structured token (a JWT) is estimated as a whole: its signature varies, so a
signed JWT passes, which is right — guessing one means forging its signature.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.results import HarnessError, Level, fail
from harness.specs._entropy import estimate_entropy

__all__ = ["check_credential_entropy"]


def check_credential_entropy(samples: Sequence[str], *, kind: str, label: str, min_bits: float = 128,
                             recommended_bits: float = 160, requirement: str = "RFC6749-10.10",
                             recommended_requirement: str = "RFC6749-10.10") -> float:
    """``samples`` of one credential carry >= ``min_bits`` (MUST) and >= ``recommended_bits`` (SHOULD).

    ``kind`` prefixes the finding codes (``ACCESS_TOKEN`` -> ``ACCESS_TOKEN_ENTROPY_LOW``);
    a repeated value or a counter-like series fails outright. Returns the estimate in bits.
    """
    try:
        estimate = estimate_entropy(samples)
    except ValueError as exc:
        raise HarnessError(str(exc)) from exc
    if estimate.repeated:
        raise fail(f"{kind}_REPEATED", f"the same {label} was issued twice", requirement,
                   expected="distinct values", actual=f"{len(samples)} samples, {len(set(samples))} distinct")
    if estimate.counter_like:
        raise fail(f"{kind}_PREDICTABLE", f"{label} values look sequential: {estimate.describe()}", requirement,
                   expected=f">= {min_bits} bits", actual=round(estimate.bits, 1))
    if estimate.bits < min_bits:
        raise fail(f"{kind}_ENTROPY_LOW", f"{label} carries too little entropy: {estimate.describe()}",
                   requirement, expected=f">= {min_bits} bits", actual=round(estimate.bits, 1))
    if estimate.bits < recommended_bits:
        raise fail(f"{kind}_ENTROPY_BELOW_RECOMMENDED", f"{label} entropy is below the recommended level: "
                   f"{estimate.describe()}", recommended_requirement, expected=f">= {recommended_bits} bits",
                   actual=round(estimate.bits, 1), level=Level.SHOULD)
    return estimate.bits
