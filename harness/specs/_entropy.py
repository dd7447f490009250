"""An upper-bound entropy estimate for opaque server-generated values (codes, tokens, URIs).

From a handful of samples the only sound statement is about the *format*: how many bits a
value of this length over this alphabet can carry once the parts that never change are
removed. :func:`estimate_entropy` computes that capacity:

1. characters at positions that are identical in every sample (fixed prefixes and suffixes,
   UUID dashes and version nibbles, separators) contribute nothing;
2. the alphabet is the smallest common encoding alphabet (decimal, hex, base32,
   alphanumeric, base64url, …) that contains every character seen at the varying
   positions, so a hex code is credited 4 bits per character even if it is long;
3. counter-like values (decimal or hex, equal length, whose numeric spread is far smaller
   than their format allows) are capped at the bits of that spread.

Limits, stated plainly: the estimate is an *upper bound*. A value that fails is weak for
sure (the format cannot hold the required bits); a value that passes may still be
predictable, e.g. an HMAC of a counter or a timestamp-seeded PRNG looks random to any
black-box test. With very few samples the estimate can be slightly *low*: a random
position may coincide in every sample, or a rare character may never show (use at least
five samples; ten for short values).
"""

from __future__ import annotations

import math
import string
from collections.abc import Sequence
from dataclasses import dataclass

_ALPHABETS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (name, frozenset(chars))
    for name, chars in sorted(
        [
            ("decimal", string.digits),
            ("hex (lower case)", string.digits + "abcdef"),
            ("hex (upper case)", string.digits + "ABCDEF"),
            ("hex (mixed case)", string.hexdigits),
            ("base32", string.ascii_uppercase + "234567"),
            ("base32 (lower case)", string.ascii_lowercase + "234567"),
            ("base32hex", string.digits + "ABCDEFGHIJKLMNOPQRSTUV"),
            ("lower-case alphanumeric", string.digits + string.ascii_lowercase),
            ("upper-case alphanumeric", string.digits + string.ascii_uppercase),
            ("letters", string.ascii_letters),
            ("alphanumeric", string.digits + string.ascii_letters),
            ("base64url", string.digits + string.ascii_letters + "-_"),
            ("base64", string.digits + string.ascii_letters + "+/"),
            ("URL-unreserved", string.digits + string.ascii_letters + "-._~"),
            ("base64 and base64url", string.digits + string.ascii_letters + "+/-_"),
            ("printable ASCII", "".join(chr(c) for c in range(0x21, 0x7F))),
        ],
        key=lambda item: len(set(item[1])),
    )
)


@dataclass(frozen=True)
class EntropyEstimate:
    """The estimate and how it was reached (for messages and evidence)."""

    bits: float
    alphabet: str
    alphabet_size: int
    varying_positions: int
    samples: int
    repeated: bool
    counter_like: bool
    note: str

    def describe(self) -> str:
        """One line explaining the estimate."""
        text = (f"{self.bits:.1f} bits = {self.varying_positions} varying characters x "
                f"log2({self.alphabet_size}) ({self.alphabet}), from {self.samples} samples")
        return f"{text}; {self.note}" if self.note else text


def _alphabet_for(chars: set[str]) -> tuple[str, int]:
    for name, alphabet in _ALPHABETS:
        if chars <= alphabet:
            return name, len(alphabet)
    return "observed characters", max(len(chars), 2)


def _common_prefix(values: Sequence[str]) -> int:
    shortest = min(len(v) for v in values)
    for i in range(shortest):
        if len({v[i] for v in values}) > 1:
            return i
    return shortest


def _varying(values: Sequence[str]) -> tuple[int, set[str], str]:
    if len({len(v) for v in values}) == 1:
        positions = [i for i in range(len(values[0])) if len({v[i] for v in values}) > 1]
        return len(positions), {v[i] for v in values for i in positions}, ""
    prefix = _common_prefix(values)
    suffix = _common_prefix([v[::-1] for v in values])
    shortest = min(len(v) for v in values)
    count = max(shortest - prefix - suffix, 0)
    chars = {c for v in values for c in v[prefix: len(v) - suffix]}
    return count, chars, "lengths differ: counted the shortest sample minus common prefix/suffix"


def _spread_bits(values: Sequence[str], alphabet: str) -> float | None:
    base = {"decimal": 10, "hex (lower case)": 16, "hex (upper case)": 16,
            "hex (mixed case)": 16}.get(alphabet)
    if base is None or len({len(v) for v in values}) != 1:
        return None
    try:
        numbers = [int(v, base) for v in values]
    except ValueError:  # constant separators, e.g. dashes
        return None
    return math.log2(max(numbers) - min(numbers) + 1)


def estimate_entropy(samples: Sequence[str]) -> EntropyEstimate:
    """Estimate (upper bound) the entropy of one value from several samples; see module doc."""
    values = list(samples)
    if len(values) < 2:
        raise ValueError("entropy estimation needs at least 2 samples (5 or more recommended)")
    if len(set(values)) < len(values):
        return EntropyEstimate(0.0, "n/a", 0, 0, len(values), True, False,
                               "the same value was issued more than once")
    count, chars, note = _varying(values)
    alphabet, size = _alphabet_for(chars) if chars else ("n/a", 1)
    bits = count * math.log2(size) if count else 0.0
    spread = _spread_bits(values, alphabet) if count else None
    counter_like = spread is not None and spread < bits - 16
    if counter_like and spread is not None:
        note = (f"values are numerically close (spread {spread:.1f} bits): counter- or "
                f"time-based")
        bits = spread
    return EntropyEstimate(bits, alphabet, size, count, len(values), False, counter_like, note)
