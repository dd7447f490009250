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

import math
import string
from collections.abc import Sequence

from harness.results import HarnessError, Level, fail
from harness.specs._entropy import estimate_entropy

__all__ = ["check_credential_entropy", "check_documented_code_entropy"]


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


_HEX = frozenset(string.hexdigits)
_BASE64 = frozenset(string.ascii_letters + string.digits + "-_+/")


def _common_prefix(values: Sequence[str]) -> int:
    shortest = min(len(v) for v in values)
    return next((i for i in range(shortest) if len({v[i] for v in values}) > 1), shortest)


def check_documented_code_entropy(samples: Sequence[str], documented_bytes: int) -> str:
    """Codes are long enough to hold the documented entropy in their alphabet; return how it was judged.

    ``documented.authorization_code_entropy_bytes`` N (PingFederate "Authorization Code Entropy
    (Bytes)") says each code carries N random bytes, 8N bits. Encoded, N bytes need 2N hex
    characters or ceil(4N/3) base64/base64url characters (any other alphabet: N characters, one
    byte each, the most a character can carry). The part of the codes that varies (the samples
    without their common prefix and suffix) is compared with that: a shorter one cannot hold the
    documented bytes, a conclusive DOC failure. The alphabet is credited generously (any
    alphanumeric code counts as base64), so a deployment issuing N random bytes never fails;
    RFC 6749 §10.10's own bound is judged separately (``authorization_code.code_entropy``).
    """
    values = list(samples)
    if len(values) < 2:
        raise HarnessError(f"need at least 2 codes to judge their length (got {len(values)})")
    if len(set(values)) < len(values):  # the target's answer, not the harness's: a repeated code holds no new bytes
        raise fail("CODE_REPEATED", f"the same authorization code was issued twice, so codes cannot carry the "
                   f"documented {documented_bytes} random bytes", "DOC-authorization_code_entropy_bytes",
                   expected="distinct codes", actual=f"{len(values)} codes, {len(set(values))} distinct")
    prefix = _common_prefix(values)
    suffix = _common_prefix([v[::-1] for v in values])
    regions = [v[prefix: max(len(v) - suffix, prefix)] for v in values]
    chars = {c for r in regions for c in r}
    if chars <= _HEX:
        alphabet, needed = "hex", 2 * documented_bytes
    elif chars <= _BASE64:
        alphabet, needed = "base64/base64url", math.ceil(4 * documented_bytes / 3)
    else:
        alphabet, needed = "other characters (8 bits each at most)", documented_bytes
    shortest = min(len(r) for r in regions)
    how = (f"{shortest} varying {alphabet} characters (shortest of {len(values)} codes, common prefix {prefix} / "
           f"suffix {suffix} left out); {documented_bytes} bytes need {needed}")
    if shortest < needed:
        raise fail("CODE_SHORTER_THAN_DOCUMENTED_ENTROPY", f"authorization codes cannot hold the documented "
                   f"{documented_bytes} bytes of entropy: {how}", "DOC-authorization_code_entropy_bytes",
                   expected=f">= {needed} {alphabet} characters", actual=shortest)
    return how
