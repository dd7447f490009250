"""Polling the token endpoint in the decoupled grants (RFC 8628 §3.5, CIBA §10.1 / §11).

The client's side of the rules, exactly and no more: the first poll may go at once; before
every further poll the client waits the current interval, counted from the previous
response; each ``slow_down`` adds 5 s "for this and all subsequent requests". Every wait goes
through :func:`harness.evidence.mandated_wait`, so a check's report says how long it waited
because the protocol said so. Polling stops at the first answer other than
``authorization_pending`` / ``slow_down``, or when the next poll would fall after the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness import evidence
from harness.flows.token import TokenResult
from harness.results import HarnessError
from harness.specs import rfc8628

PENDING = frozenset({"authorization_pending", "slow_down"})


def _mandated_wait(seconds: float, reason: str) -> None:
    evidence.mandated_wait(seconds, reason)


@dataclass
class Poller:
    """The polling clock of one device_code / auth_req_id."""

    interval: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float, str], None] = field(default=_mandated_wait)
    last_response_at: float | None = None
    polls: int = 0
    slow_downs: int = 0
    waited_s: float = 0.0

    def wait_turn(self, what: str) -> float:
        """Wait until the current interval has passed since the previous response; return the wait."""
        if self.last_response_at is None:
            return 0.0
        remaining = self.last_response_at + self.interval - self.clock()
        if remaining <= 0:
            return 0.0
        self.sleep(remaining, f"{what}: polling interval {self.interval:g}s"
                   + (f" (+{rfc8628.SLOW_DOWN_STEP_S:g}s per slow_down x{self.slow_downs})" if self.slow_downs else ""))
        self.waited_s += remaining
        return remaining

    def record(self, error: str | None) -> None:
        """Note a response (its ``error``, ``None`` for success): restart the clock, apply slow_down."""
        self.polls += 1
        self.last_response_at = self.clock()
        if error == "slow_down":
            self.slow_downs += 1
        self.interval = rfc8628.next_interval(self.interval, error)

    def next_poll_at(self) -> float:
        """When the next poll may go (now for the first one)."""
        return self.clock() if self.last_response_at is None else self.last_response_at + self.interval


class PolledGrantAnswer:
    """The answer that starts a decoupled grant: its lifetime and the interval polling starts at.

    Shared by the device authorization response (RFC 8628 §3.2) and the CIBA acknowledgement
    (CIBA §7.3), which state ``expires_in`` and ``interval`` alike: "If no value is provided,
    clients MUST use 5 as the default". A dataclass that mixes this in has ``body`` (the JSON
    answer), ``received_at`` (when it arrived, monotonic clock) and ``sent_at`` (when the request
    that started the grant was sent, same clock).
    """

    body: dict[str, Any]
    received_at: float
    sent_at: float

    @property
    def expires_in(self) -> float | None:
        """The lifetime in seconds, when stated as a number."""
        value = self.body.get("expires_in")
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    @property
    def interval(self) -> float:
        """The polling interval the client must use (the answer's, else 5 s)."""
        return rfc8628.effective_interval(self.body)

    def expires_at(self, fallback_s: float) -> float:
        """When the answer expires on the monotonic clock (``fallback_s`` when expires_in is missing)."""
        lifetime = self.expires_in
        return self.received_at + (lifetime if lifetime is not None else fallback_s)

    def poller(self) -> Poller:
        """A fresh polling clock starting at the server's interval."""
        return Poller(interval=self.interval)

    def polling_deadline(self, poller: Poller, cap_s: float) -> float:
        """When polling stops: 1 s past the expiry (3 default intervals without expires_in), at most ``cap_s`` on."""
        return min(self.expires_at(rfc8628.DEFAULT_INTERVAL_S * 3) + 1, poller.clock() + cap_s)


@dataclass
class PollOutcome:
    """How polling ended: the last token response, and whether the deadline cut it short.

    ``first_answered_at``: when the answer to this loop's first poll arrived (the poller's clock).
    """

    result: TokenResult
    polls: int
    slow_downs: int
    gave_up: bool
    first_answered_at: float | None = None

    @property
    def error(self) -> str | None:
        """The last response's ``error`` (``None`` for tokens)."""
        return self.result.error


def poll(send: Callable[[int], TokenResult], poller: Poller, *, deadline: float, what: str) -> PollOutcome:
    """Poll with ``send(n)`` (n = 1, 2, …) until an answer other than pending, or the deadline.

    ``deadline`` is on the poller's clock; a poll that could only go after it is not sent.
    """
    first_answered_at: float | None = None
    while True:
        poller.wait_turn(what)
        result = send(poller.polls + 1)
        poller.record(result.error)
        if first_answered_at is None:
            first_answered_at = poller.last_response_at
        if result.error not in PENDING:
            return PollOutcome(result, poller.polls, poller.slow_downs, gave_up=False,
                               first_answered_at=first_answered_at)
        if poller.next_poll_at() > deadline:
            evidence.note(f"{what}: stopped polling after {poller.polls} polls, the next one would pass the deadline")
            return PollOutcome(result, poller.polls, poller.slow_downs, gave_up=True,
                               first_answered_at=first_answered_at)


EXPIRY_ROUNDING_S = 1.0
"""How much earlier than ``expires_in`` after its answer a server may count a grant expired: servers
keep expiry times in whole seconds (JWT-style ``exp``), and the grant was issued before its answer arrived."""


def require_asked_before_expiry(answer: PolledGrantAnswer, outcome: PollOutcome, *, what: str) -> None:
    """Raise :class:`HarnessError` when polling after the user's decision began only as the grant expired.

    RFC 8628 §3.5: "expired_token: The "device_code" has expired, and the device authorization
    session has concluded"; CIBA §11: "expired_token: The auth_req_id has expired". When the
    harness's own steps (the user side, a mandated interval) took so long that even the first poll
    after them was answered within :data:`EXPIRY_ROUNDING_S` of the lifetime, counted from
    ``answer.sent_at`` (the server cannot have issued the grant earlier), an ``expired_token`` or
    pending answer is lawful and says nothing about the decision: the check is broken, not failed.
    A first poll answered earlier is judged as usual, and so are answers of any other kind.
    """
    lifetime = answer.expires_in
    late_answers = (*PENDING, "expired_token")
    if lifetime is None or outcome.first_answered_at is None or outcome.result.error not in late_answers:
        return
    sent_at = answer.sent_at
    late_by = outcome.first_answered_at - (sent_at + lifetime - EXPIRY_ROUNDING_S)
    if late_by >= 0:
        raise HarnessError(
            f"{what}: the first poll after the user's decision was answered "
            f"{outcome.first_answered_at - sent_at:.1f} s after the grant was requested, with its lifetime "
            f"(expires_in {lifetime:g} s) over or within {EXPIRY_ROUNDING_S:g} s of its end: the harness was too "
            f"slow to judge the decision, nothing is held against the target "
            f"(answer {outcome.result.error!r})")
