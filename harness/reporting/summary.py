"""Counting outcomes: per run and per suite."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from harness.results import CheckRecord, Outcome

ORDER = [Outcome.FAILED, Outcome.BROKEN, Outcome.WARNING, Outcome.REVIEW, Outcome.SKIPPED, Outcome.PASSED]
KNOWN = "known"
"""How a known deviation is displayed and counted: apart from failed/warning, never as either."""

DISPLAY_ORDER = ["failed", "broken", "warning", "review", KNOWN, "skipped", "passed"]
COLUMNS = ["passed", "failed", "warning", KNOWN, "skipped", "broken", "review"]


def display_outcome(record: CheckRecord) -> str:
    """The outcome as shown and counted: ``known`` for a matched known deviation."""
    return KNOWN if record.deviation else record.outcome.value


def counts(records: Iterable[CheckRecord]) -> dict[str, int]:
    """Number of records per displayed outcome (every outcome and ``known`` present, zero included).

    ``failed`` and ``warning`` count only what no known deviation covers.
    """
    tally = Counter(display_outcome(r) for r in records)
    return {name: tally.get(name, 0) for name in COLUMNS}


def suite_verdict(records: Iterable[CheckRecord]) -> str:
    """A suite's verdict: its worst displayed outcome (failed > broken > warning > review > known > passed)."""
    present = {display_outcome(r) for r in records}
    for outcome in DISPLAY_ORDER:
        if outcome in present and outcome != Outcome.SKIPPED.value:
            return outcome
    return Outcome.SKIPPED.value if present else Outcome.PASSED.value


def by_suite(records: Iterable[CheckRecord]) -> dict[str, list[CheckRecord]]:
    """Records grouped by suite, in first-seen order."""
    groups: dict[str, list[CheckRecord]] = {}
    for record in records:
        groups.setdefault(record.suite, []).append(record)
    return groups


def summary_table(records: list[CheckRecord]) -> list[str]:
    """A plain-text table: one row per suite, one column per displayed outcome."""
    header = f"{'suite':<22}" + "".join(f"{c:>9}" for c in COLUMNS) + "  verdict"
    lines = [header, "-" * len(header)]
    for suite, items in by_suite(records).items():
        tally = counts(items)
        lines.append(f"{suite:<22}" + "".join(f"{tally[c]:>9}" for c in COLUMNS)
                     + f"  {suite_verdict(items)}")
    total = counts(records)
    lines.append("-" * len(header))
    lines.append(f"{'total':<22}" + "".join(f"{total[c]:>9}" for c in COLUMNS))
    return lines


def exit_code(records: Iterable[CheckRecord], *, stale_deviations: int = 0) -> int:
    """The run's exit code from its records (the same rule ``oauth-harness run`` applies).

    0: nothing failed except known deviations (warnings, reviews, skips and known deviations
    do not fail a run); 1: a failure not covered by a known deviation, or a stale deviation;
    3: checks could not run (broken) and nothing failed.
    """
    items = list(records)
    tally = counts(items)
    if tally["failed"] or stale_deviations:
        return 1
    if tally["broken"]:
        return 3
    return 0
