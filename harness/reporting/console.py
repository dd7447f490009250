"""The console of a run: one progress line per check, with elapsed time and an estimate of the time left.

The estimate comes from the last run of the same target and selection in the history (the
protocol-mandated expiry waits dominate a run and do not shrink with the number of checks left);
without a history it is the average pace so far. ``--verbose`` adds every finding of a check
(requirement, expected, actual); ``--quiet`` prints no progress lines at all.
"""

from __future__ import annotations

from typing import Any

MARKS = {"passed": "PASSED ", "failed": "FAILED ", "warning": "WARNING", "skipped": "SKIPPED", "broken": "BROKEN ",
         "review": "REVIEW "}


def clock(seconds: float) -> str:
    """``42s`` or ``3m05s``."""
    whole = max(0, int(round(seconds)))
    return f"{whole}s" if whole < 60 else f"{whole // 60}m{whole % 60:02d}s"


def estimate_left(elapsed: float, done: int, total: int, previous: float | None = None,
                  durations: list[float] | None = None, workers: int = 1) -> float | None:
    """Seconds left: the previous comparable run's duration minus the time elapsed.

    Without one: the median check duration times the checks left, shared by the workers (the checks
    that wait for an expiry start first, so a mean over them would overestimate the rest many times).
    """
    if total <= 0 or done >= total:
        return 0.0
    if previous is not None and previous > elapsed:
        return previous - elapsed
    if not durations:
        return None
    ordered = sorted(durations)
    return ordered[len(ordered) // 2] * (total - done) / max(1, workers)


def progress_line(data: dict[str, Any], *, done: int, total: int, elapsed: float, left: float | None,
                  verbose: bool = False) -> str:
    """One check's line (plus its message, or with ``verbose`` every finding, on the lines below)."""
    mark = "KNOWN  " if data.get("deviation") else MARKS.get(str(data["outcome"]), str(data["outcome"]).upper())
    timing = f"{clock(elapsed)}" + (f", ~{clock(left)} left" if left is not None and done < total else "")
    line = f"[{done:>3}/{total} {timing}] {mark} {data['id']} ({data['duration_s']:.2f}s)"
    if data.get("deviation"):
        line += f"\n           known deviation ({data['outcome']}): {str(data['deviation'].get('reason', ''))[:240]}"
    elif verbose and data.get("findings"):
        for finding in data["findings"]:
            line += (f"\n           [{finding['requirement']}] {finding['code']} ({finding['level'].upper()}): "
                     f"{finding['message']}\n             expected {finding.get('expected')!r}, "
                     f"got {finding.get('actual')!r}")
    elif data["outcome"] in ("failed", "broken", "warning", "skipped", "review") and data.get("message"):
        line += f"\n           {str(data['message'])[:None if verbose else 300]}"
    return line
