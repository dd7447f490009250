"""The outcome model: what a check can conclude, and why.

Six outcomes, never confused (design R6):

* ``passed``  – the target met the requirement;
* ``failed``  – the target broke a MUST-level requirement (a :class:`CheckFailed` was raised);
* ``warning`` – the target broke a SHOULD-level requirement;
* ``skipped`` – the check does not apply (the target lacks the capability), with the reason;
* ``broken``  – the harness, the profile or the network failed: never the target's fault;
* ``review``  – a human must judge (a :class:`NeedsReview` was raised).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from harness.redaction import redact_mapping, scrub_text


class Outcome(StrEnum):
    """The verdict of one executed check."""

    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"
    SKIPPED = "skipped"
    BROKEN = "broken"
    REVIEW = "review"


class Level(StrEnum):
    """The normative level of a requirement (RFC 2119 keywords)."""

    MUST = "must"
    SHOULD = "should"
    MAY = "may"


@dataclass(frozen=True)
class Finding:
    """One way in which the target did not meet a requirement.

    ``code`` is stable across releases (reports and known-deviation files key on it);
    ``requirement`` is a requirement ID such as ``RFC6749-4.1.2``.
    """

    code: str
    message: str
    requirement: str
    level: Level = Level.MUST
    expected: Any = None
    actual: Any = None

    def describe(self) -> str:
        """One human line: requirement, message, expected vs. actual."""
        text = f"[{self.requirement}] {self.message}"
        if self.expected is not None or self.actual is not None:
            text += f" (expected: {self.expected!r}; actual: {self.actual!r})"
        return text

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form used in ``results.json``."""
        return {
            "code": self.code,
            "message": scrub_text(self.message),
            "requirement": self.requirement,
            "level": self.level.value,
            "expected": redact_mapping(_jsonable(self.expected)),
            "actual": redact_mapping(_jsonable(self.actual)),
        }


class CheckFailed(AssertionError):
    """Raised by a check when the target does not meet a requirement.

    A test that ends with this exception is ``failed`` when any finding is MUST-level and
    ``warning`` when all of them are SHOULD-level.
    """

    def __init__(self, *findings: Finding) -> None:
        if not findings:
            raise ValueError("CheckFailed needs at least one finding")
        self.findings: tuple[Finding, ...] = findings
        super().__init__("; ".join(f.describe() for f in findings))

    def __str__(self) -> str:
        """The findings with credentials masked, also those registered after the raise.

        pytest, Allure and tracebacks print this text.
        """
        return scrub_text(super().__str__())


class HarnessError(Exception):
    """The harness itself could not carry out a step (reported as ``broken``)."""

    def __str__(self) -> str:
        """Credentials masked, as for :class:`CheckFailed`."""
        return scrub_text(super().__str__())


class ProfileError(HarnessError):
    """The target profile is invalid or inconsistent with what a check needs."""


class TargetUnreachable(HarnessError):
    """The target could not be reached, timed out, or answered something unparseable."""


class NeedsReview(Exception):
    """A human must judge the evidence (reported as ``review``)."""

    def __str__(self) -> str:
        """Credentials masked, as for :class:`CheckFailed`."""
        return scrub_text(super().__str__())


def fail(
    code: str,
    message: str,
    requirement: str,
    *,
    expected: Any = None,
    actual: Any = None,
    level: Level = Level.MUST,
) -> CheckFailed:
    """Build the :class:`CheckFailed` for a single finding (to be raised by the caller)."""
    return CheckFailed(
        Finding(code=code, message=message, requirement=requirement, level=level,
                expected=expected, actual=actual)
    )


def outcome_for_findings(findings: Iterable[Finding]) -> Outcome:
    """Map findings to an outcome: any MUST → failed; only SHOULD/MAY → warning; none → passed."""
    levels = {f.level for f in findings}
    if not levels:
        return Outcome.PASSED
    if Level.MUST in levels:
        return Outcome.FAILED
    return Outcome.WARNING


class Findings:
    """Collects several findings so one test can report every problem it saw.

    Use ``collector.check(fn, *args)`` for each check, then ``collector.raise_if_any()``.
    """

    def __init__(self) -> None:
        self.items: list[Finding] = []

    def check(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Call ``fn`` and keep its findings instead of stopping at the first failure."""
        try:
            return fn(*args, **kwargs)
        except CheckFailed as exc:
            self.items.extend(exc.findings)
            return None

    def add(self, finding: Finding) -> None:
        """Record a finding directly."""
        self.items.append(finding)

    def raise_if_any(self) -> None:
        """Raise :class:`CheckFailed` with everything collected so far."""
        if self.items:
            raise CheckFailed(*self.items)


BROKEN_CAUSES = {
    "network": "the target could not be reached or did not answer in time (connection, TLS, deadline)",
    "profile": "the target profile lacks or misstates something the check needs",
    "setup": "the harness could not drive the flow here (login driver, browser, approval call, local listener)",
    "harness": "a harness bug: an unexpected exception or a rule the harness broke itself (see the traceback)",
}
"""Why a check ended *broken* — never the target's fault. ``harness`` makes the run exit 4."""


@dataclass
class CheckRecord:
    """One record of ``results.json``: a check as executed against the target."""

    id: str
    suite: str
    title: str
    outcome: Outcome
    requirements: list[str]
    message: str = ""
    findings: list[Finding] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    deviation: dict[str, Any] | None = None  # set when a known-deviations entry matched
    broken_by: str | None = None
    """For a broken check, whose fault it is: one of :data:`BROKEN_CAUSES`."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form; field names are part of the stable ``results.json`` shape."""
        return {
            "id": self.id,
            "suite": self.suite,
            "title": self.title,
            "outcome": self.outcome.value,
            "requirements": list(self.requirements),
            "message": scrub_text(self.message),
            "findings": [f.as_dict() for f in self.findings],
            "evidence": self.evidence,
            "duration_s": round(self.duration_s, 4),
            "exchange_count": len(self.evidence.get("exchanges", [])),
            "deviation": self.deviation,
            "broken_by": self.broken_by,
        }


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return repr(value)
