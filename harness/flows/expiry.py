"""Waiting for a documented lifetime to pass, bounded by ``limits.max_expiry_wait_s``.

A check that must watch a token or code expire waits its documented lifetime (plus a margin);
the profile caps such waits so a long lifetime cannot stall a run. A wait over the cap is decided
*before* any request to the target, so the check is skipped (not broken), and the reason names
the limit to raise and the value that would let the check run.

Raising the cap costs less than it seems: a check marked ``slow_wait`` is started first and
parks at its wait while the other checks run (:mod:`harness.wait_overlap`), so the waits of a
run overlap and its wall time grows by about the longest wait, not by their sum.
"""

from __future__ import annotations

import math

from harness.target import NotApplicable, Target

__all__ = ["cap_exceeded", "require_wait_within_cap"]


def cap_exceeded(target: Target, wait_s: float, what: str) -> str | None:
    """Why waiting ``wait_s`` for ``what`` is not allowed (the limit and the value to raise it to), or ``None``."""
    cap = target.profile.limits.max_expiry_wait_s
    if wait_s <= cap:
        return None
    return (f"waiting {wait_s:g}s for {what} exceeds limits.max_expiry_wait_s={cap:g}: raise "
            f"limits.max_expiry_wait_s to at least {math.ceil(wait_s)} in the profile to run this check")


def require_wait_within_cap(target: Target, wait_s: float, what: str) -> None:
    """Skip (:class:`NotApplicable`) when waiting ``wait_s`` for ``what`` exceeds ``limits.max_expiry_wait_s``."""
    reason = cap_exceeded(target, wait_s, what)
    if reason is not None:
        raise NotApplicable(reason)
