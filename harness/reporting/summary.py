"""Counting outcomes: per run and per suite."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from harness.results import CheckRecord, Outcome

ORDER = [Outcome.FAILED, Outcome.BROKEN, Outcome.WARNING, Outcome.REVIEW, Outcome.SKIPPED, Outcome.PASSED]


def counts(records: Iterable[CheckRecord]) -> dict[str, int]:
    """Number of records per outcome (every outcome present, zero included)."""
    tally = Counter(r.outcome for r in records)
    return {o.value: tally.get(o, 0) for o in Outcome}


def suite_verdict(records: Iterable[CheckRecord]) -> Outcome:
    """A suite's verdict: its worst outcome in the order failed > broken > warning > review > passed."""
    present = {r.outcome for r in records}
    for outcome in ORDER:
        if outcome in present and outcome is not Outcome.SKIPPED:
            return outcome
    return Outcome.SKIPPED if present else Outcome.PASSED


def by_suite(records: Iterable[CheckRecord]) -> dict[str, list[CheckRecord]]:
    """Records grouped by suite, in first-seen order."""
    groups: dict[str, list[CheckRecord]] = {}
    for record in records:
        groups.setdefault(record.suite, []).append(record)
    return groups


def summary_table(records: list[CheckRecord]) -> list[str]:
    """A plain-text table: one row per suite, one column per outcome."""
    columns = [o.value for o in Outcome]
    header = f"{'suite':<22}" + "".join(f"{c:>9}" for c in columns) + "  verdict"
    lines = [header, "-" * len(header)]
    for suite, items in by_suite(records).items():
        tally = counts(items)
        lines.append(f"{suite:<22}" + "".join(f"{tally[c]:>9}" for c in columns)
                     + f"  {suite_verdict(items).value}")
    total = counts(records)
    lines.append("-" * len(header))
    lines.append(f"{'total':<22}" + "".join(f"{total[c]:>9}" for c in columns))
    return lines


def exit_code(records: Iterable[CheckRecord], *, stale_deviations: int = 0) -> int:
    """The run's exit code from its records.

    0: no unexpected failure; 1: a failure not listed as a known deviation, or a stale
    deviation; 3: checks could not run (broken) and nothing failed.
    """
    items = list(records)
    unexpected = sum(1 for r in items if r.outcome is Outcome.FAILED and not r.deviation)
    if unexpected or stale_deviations:
        return 1
    if counts(items)[Outcome.BROKEN.value]:
        return 3
    return 0
