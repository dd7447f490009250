"""The client side of RFC 8628 §3.5 / CIBA §11 polling: interval-exact waits, +5 s per slow_down, deadlines."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from harness import evidence
from harness.flows.polling import PolledGrantAnswer, Poller, PollOutcome, poll, require_asked_before_expiry
from harness.flows.token import TokenResult
from harness.results import HarnessError


class FakeClock:
    """A monotonic clock that only moves when told (sleeps and request durations)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float, reason: str) -> None:
        assert seconds > 0 and reason
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def _answer(error: str | None) -> TokenResult:
    if error is None:
        response = httpx.Response(200, json={"access_token": "at", "token_type": "Bearer"})
    else:
        response = httpx.Response(400, json={"error": error})
    return TokenResult(response=response, body=json.loads(response.content))


def _server(clock: FakeClock, answers: list[str | None], *, latency: float = 0.1) -> tuple[
        Callable[[int], TokenResult], list[float]]:
    sent_at: list[float] = []

    def send(n: int) -> TokenResult:
        sent_at.append(clock.now)
        clock.now += latency
        return _answer(answers[n - 1])

    return send, sent_at


def test_first_poll_goes_at_once_then_exactly_the_interval_after_each_response() -> None:
    clock = FakeClock()
    send, sent_at = _server(clock, ["authorization_pending", "authorization_pending", None])
    outcome = poll(send, Poller(interval=2, clock=clock, sleep=clock.sleep), deadline=clock.now + 60, what="t")
    assert outcome.error is None and outcome.polls == 3 and not outcome.gave_up
    assert clock.sleeps == [2.0, 2.0]  # counted from the previous response, not from the previous request
    assert [round(b - a, 6) for a, b in zip(sent_at, sent_at[1:], strict=False)] == [2.1, 2.1]


def test_slow_down_adds_five_seconds_for_this_and_all_later_polls() -> None:
    clock = FakeClock()
    send, _ = _server(clock, ["slow_down", "authorization_pending", "slow_down", "authorization_pending", None])
    poller = Poller(interval=1, clock=clock, sleep=clock.sleep)
    outcome = poll(send, poller, deadline=clock.now + 600, what="t")
    assert clock.sleeps == [6.0, 6.0, 11.0, 11.0]
    assert outcome.slow_downs == 2 and poller.interval == 11 and outcome.polls == 5
    assert poller.waited_s == pytest.approx(34.0)


@pytest.mark.parametrize("error", ["access_denied", "expired_token", "invalid_grant", None])
def test_polling_stops_at_any_other_answer(error: str | None) -> None:
    clock = FakeClock()
    send, _ = _server(clock, ["authorization_pending", error])
    outcome = poll(send, Poller(interval=1, clock=clock, sleep=clock.sleep), deadline=clock.now + 60, what="t")
    assert outcome.error == error and outcome.polls == 2 and not outcome.gave_up


def test_deadline_stops_polling_before_a_poll_that_would_pass_it() -> None:
    clock = FakeClock()
    send, sent_at = _server(clock, ["authorization_pending"] * 50, latency=0.0)
    start = clock.now
    outcome = poll(send, Poller(interval=2, clock=clock, sleep=clock.sleep), deadline=start + 7, what="t")
    assert outcome.gave_up and outcome.error == "authorization_pending"
    assert sent_at == [start, start + 2, start + 4, start + 6]  # the poll at +8 would pass the deadline


def test_a_slow_response_shortens_the_wait_never_the_interval() -> None:
    clock = FakeClock()
    poller = Poller(interval=3, clock=clock, sleep=clock.sleep)
    poller.record("authorization_pending")
    clock.now += 1.25  # the caller did something else meanwhile
    assert poller.wait_turn("t") == pytest.approx(1.75)
    clock.now += 10
    assert poller.wait_turn("t") == 0.0 and clock.sleeps == [1.75]


def test_real_waits_are_reported_as_mandated() -> None:
    log = evidence.EvidenceLog()
    calls: list[int] = []

    def send(n: int) -> TokenResult:
        calls.append(n)
        return _answer("authorization_pending" if n < 3 else None)

    with evidence.collecting(log):
        outcome = poll(send, Poller(interval=0.02), deadline=float("inf"), what="device code")
    assert outcome.polls == 3 and calls == [1, 2, 3]
    assert 0.03 <= log.mandated_wait_s <= 0.05
    assert sum("device code: polling interval 0.02s" in n for n in log.notes) == 2


class _Grant(PolledGrantAnswer):
    """A grant answer stated with ``expires_in`` 10 s, requested at ``sent_at`` on the fake clock."""

    def __init__(self, sent_at: float, body: dict[str, object] | None = None) -> None:
        self.body = {"expires_in": 10, "interval": 1} if body is None else body
        self.sent_at = sent_at
        self.received_at = sent_at + 0.2


def _poll_after_decision(clock: FakeClock, grant: _Grant, decided_at: float, answers: list[str | None]) -> PollOutcome:
    clock.now = decided_at  # the user side ended here
    send, _ = _server(clock, answers)
    return poll(send, Poller(interval=1, clock=clock, sleep=clock.sleep), deadline=grant.expires_at(15) + 1, what="t")


@pytest.mark.parametrize("answer", ["expired_token", "authorization_pending", "slow_down"])
def test_a_first_poll_answered_at_the_expiry_is_the_harness_being_late_not_the_target(answer: str) -> None:
    """RFC 8628 §3.5 / CIBA §11: once the lifetime is over, expired_token (or pending) is lawful: broken."""
    clock = FakeClock()
    grant = _Grant(sent_at=clock.now)
    outcome = _poll_after_decision(clock, grant, grant.sent_at + 8.95, [answer] * 5)  # answered at +9.05 s
    assert outcome.first_answered_at == pytest.approx(grant.sent_at + 9.05)
    with pytest.raises(HarnessError, match=r"answered 9\.\d s after the grant was requested.*expires_in 10 s"):
        require_asked_before_expiry(grant, outcome, what="device code")


@pytest.mark.parametrize("answer", ["expired_token", "authorization_pending"])
def test_a_first_poll_answered_in_time_is_judged(answer: str) -> None:
    """Answered before the lifetime (less the rounding): the target's answer counts (a check can fail on it)."""
    clock = FakeClock()
    grant = _Grant(sent_at=clock.now)
    outcome = _poll_after_decision(clock, grant, grant.sent_at + 8.5, [answer] * 5)  # answered at +8.6 s
    require_asked_before_expiry(grant, outcome, what="device code")  # no exception: judged as usual
    assert outcome.result.error == answer


@pytest.mark.parametrize("answer", [None, "access_denied", "invalid_grant"])
def test_other_answers_are_judged_however_late(answer: str | None) -> None:
    clock = FakeClock()
    grant = _Grant(sent_at=clock.now)
    outcome = _poll_after_decision(clock, grant, grant.sent_at + 30, [answer])
    require_asked_before_expiry(grant, outcome, what="device code")  # no exception: the answer is judged
    assert outcome.result.error == answer and outcome.polls == 1


def test_without_expires_in_nothing_is_excused() -> None:
    clock = FakeClock()
    grant = _Grant(sent_at=clock.now, body={"interval": 1})
    outcome = _poll_after_decision(clock, grant, grant.sent_at + 30, ["expired_token"])
    assert grant.expires_in is None
    require_asked_before_expiry(grant, outcome, what="device code")  # no stated lifetime: no excuse


def test_the_first_poll_of_the_loop_counts_not_the_last() -> None:
    """Pending from an in-time first poll until the deadline is the target ignoring the decision: judged."""
    clock = FakeClock()
    grant = _Grant(sent_at=clock.now)
    outcome = _poll_after_decision(clock, grant, grant.sent_at + 2, ["authorization_pending"] * 20)
    assert outcome.gave_up and outcome.polls > 5
    require_asked_before_expiry(grant, outcome, what="device code")  # no exception: the target is judged
