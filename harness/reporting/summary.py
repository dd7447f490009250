"""Counting outcomes: per run and per suite."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

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
    for suite, items in sorted(by_suite(records).items()):
        tally = counts(items)
        lines.append(f"{suite:<22}" + "".join(f"{tally[c]:>9}" for c in COLUMNS)
                     + f"  {suite_verdict(items)}")
    total = counts(records)
    lines.append("-" * len(header))
    lines.append(f"{'total':<22}" + "".join(f"{total[c]:>9}" for c in COLUMNS))
    return lines


EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_HARNESS_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 5
EXIT_CODES = {
    EXIT_OK: "every check passed, warned, was skipped, needs review or is a known deviation",
    EXIT_FAILED: "the target failed a requirement (a failure no known deviation covers), or a known-deviations "
                 "entry is stale",
    EXIT_USAGE: "bad usage or an invalid profile (before the run, or checks broken by a profile problem)",
    EXIT_UNREACHABLE: "the target could not be reached: before the run, or checks broken by the network",
    EXIT_HARNESS_ERROR: "a harness bug: a check ended broken by an unexpected error (traceback in its evidence)",
    EXIT_INTERRUPTED: "the run was interrupted (SIGINT, SIGTERM or the run deadline); the reports cover what ran",
}
"""The one exit-code table of ``oauth-harness run``; the first that applies wins, in the order 5, 4, 1, 2, 3, 0."""


def exit_code(records: Iterable[CheckRecord], *, stale_deviations: int = 0, interrupted: bool = False) -> int:
    """The run's exit code from its records (the rule ``oauth-harness run`` applies; see :data:`EXIT_CODES`).

    Precedence: interrupted (5) > a harness bug (4: the verdicts may be incomplete, so it is not hidden
    behind target failures — they stay in the report) > a target failure or stale deviation (1) > checks
    broken by the profile (2) > checks broken by the network or setup (3) > 0.
    """
    items = list(records)
    if interrupted:
        return EXIT_INTERRUPTED
    if any(r.outcome is Outcome.BROKEN and r.broken_by == "harness" for r in items):
        return EXIT_HARNESS_ERROR
    tally = counts(items)
    if tally["failed"] or stale_deviations:
        return EXIT_FAILED
    broken = [r for r in items if r.outcome is Outcome.BROKEN and not r.deviation]
    if broken and all(r.broken_by == "profile" for r in broken):
        return EXIT_USAGE
    if broken:
        return EXIT_UNREACHABLE
    return EXIT_OK


def exit_code_of_document(document: dict[str, Any]) -> int:
    """:func:`exit_code` applied to a written ``results.json`` document (its checks, staleness, completeness)."""
    records = [CheckRecord(id=c["id"], suite=c["suite"], title=c.get("title", ""), outcome=Outcome(c["outcome"]),
                           requirements=[], deviation=c.get("deviation"), broken_by=c.get("broken_by"))
               for c in document.get("checks", [])]
    return exit_code(records, stale_deviations=document["summary"].get("stale_deviations", 0),
                     interrupted=bool(document["run"].get("incomplete")))
