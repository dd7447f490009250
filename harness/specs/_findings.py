"""Building findings without raising, for checks that report several problems at once."""

from __future__ import annotations

from typing import Any

from harness.results import Finding, Level


def finding(code: str, message: str, requirement: str, expected: Any = None, actual: Any = None,
            level: Level = Level.MUST) -> Finding:
    """A :class:`~harness.results.Finding` (add it to a :class:`~harness.results.Findings`)."""
    return Finding(code=code, message=message, requirement=requirement, level=level,
                   expected=expected, actual=actual)
