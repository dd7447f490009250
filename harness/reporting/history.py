"""Run history: one compact line per run, so a report can show whether things got better or worse.

Each finished run appends one JSON object to ``history.jsonl`` beside its report directory
(``reports/history.jsonl`` for the default ``reports/<run id>/``): when it ran, against which
target, with which harness version and selection, its counts in total and per suite, and the ids
of its failing checks. The report of the next run reads the last runs of the same target and
selection from it (the trend chart, the baseline of "new failures"); ``oauth-harness history``
prints the same table. The file holds no evidence and no credentials: ids, counts and times only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HISTORY_FILE = "history.jsonl"
TREND_RUNS = 20
"""How many runs of the same target the report's trend shows."""

COUNTED = ("passed", "failed", "warning", "known", "skipped", "broken", "review")


def history_path(report_dir: Path) -> Path:
    """Where a run writing into ``report_dir`` keeps its history: beside the run directories."""
    return report_dir.resolve().parent / HISTORY_FILE


def selection_of(patterns: Iterable[str] | None = None, suites: Iterable[str] | None = None) -> str:
    """A key for what a run selected: runs are only compared with runs of the same selection."""
    parts = [f"check={p}" for p in sorted(patterns or [])] + [f"suite={s}" for s in sorted(suites or [])]
    return " ".join(parts) or "all"


def _failing(check: dict[str, Any]) -> bool:
    return check["outcome"] == "failed" and not check.get("deviation")


def entry_of(document: dict[str, Any], report_dir: Path, *, selection: str = "all") -> dict[str, Any]:
    """The history line of a written ``results.json`` document."""
    run = document["run"]
    summary = document["summary"]
    return {
        "started": run["started"],
        "target": run["target"],
        "harness_version": run["harness_version"],
        "selection": selection,
        "duration_s": run.get("duration_s", 0.0),
        "incomplete": bool(run.get("incomplete")),
        "report": str((report_dir / "index.html").resolve()),
        "counts": {k: int(summary.get(k, 0)) for k in (*COUNTED, "total")},
        "suites": {name: {k: int(info["counts"].get(k, 0)) for k in COUNTED}
                   for name, info in document.get("suites", {}).items()},
        "failing": sorted(c["id"] for c in document.get("checks", []) if _failing(c)),
        "warning": sorted(c["id"] for c in document.get("checks", [])
                          if c["outcome"] == "warning" and not c.get("deviation")),
    }


def read_history(path: Path) -> list[dict[str, Any]]:
    """Every readable line of a history file, oldest first (a damaged line is skipped, not fatal)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    entries = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("counts"), dict) and "target" in entry:
            entries.append(entry)
    return entries


def append_entry(path: Path, entry: dict[str, Any]) -> None:
    """Append one run's line (one ``write`` of one line, so concurrent runs do not interleave lines)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")


def same_series(entries: list[dict[str, Any]], target: str, selection: str = "all",
                limit: int = TREND_RUNS) -> list[dict[str, Any]]:
    """The last ``limit`` runs of ``target`` with ``selection``, oldest first (interrupted runs left out)."""
    series = [e for e in entries if e.get("target") == target and e.get("selection", "all") == selection
              and not e.get("incomplete")]
    return series[-limit:]


def new_failures(current: dict[str, Any], previous: dict[str, Any] | None) -> list[str]:
    """Checks failing in ``current`` that did not fail in ``previous`` (all of them without a previous run)."""
    before = set(previous.get("failing", [])) if previous else set()
    return [c for c in current.get("failing", []) if c not in before]


def with_report_links(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each entry plus ``report_exists``: whether its report is still on disk (a point then links to it)."""
    return [{**e, "report_exists": bool(e.get("report")) and Path(str(e["report"])).is_file()} for e in series]


def history_table(series: list[dict[str, Any]]) -> list[str]:
    """The trend as a terminal table: one row per run, oldest first, with what changed since the run before."""
    header = f"{'started':<26}{'version':<12}" + "".join(f"{c:>8}" for c in ("passed", "failed", "warning",
                                                                               "known", "broken", "total"))
    lines = [header, "-" * (len(header) + 16)]
    previous: dict[str, Any] | None = None
    for entry in series:
        counts = entry["counts"]
        row = f"{str(entry['started']):<26}{str(entry.get('harness_version', '?'))[:11]:<12}" + "".join(
            f"{counts.get(c, 0):>8}" for c in ("passed", "failed", "warning", "known", "broken", "total"))
        if previous is not None:
            new = new_failures(entry, previous)
            fixed = [c for c in previous.get("failing", []) if c not in entry.get("failing", [])]
            if new or fixed:
                row += f"  +{len(new)} new / -{len(fixed)} fixed"
        lines.append(row)
        previous = entry
    return lines


def run_selection(checks: str | None, keyword: str | None, paths: Iterable[str]) -> str:
    """The selection key of a pytest session: its ``--checks`` patterns, ``-k`` and suites (``all`` for every suite)."""
    from harness.registry import all_suites

    suites_by_path = {Path(s.path).resolve(): name for name, s in all_suites().items()}
    names = {suites_by_path.get(Path(p).resolve(), Path(p).name) for p in paths}
    every = set(suites_by_path.values())
    suites = [] if not names or every <= names else sorted(names & every) or sorted(names)
    patterns = [p.strip() for p in (checks or "").split(",") if p.strip()]
    key = selection_of(patterns, suites)
    if keyword:
        key = (key if key != "all" else "") + f" k={keyword}"
    return key.strip() or "all"


def previous_duration(report_dir: Path, target: str, selection: str) -> float | None:
    """How long the last complete run of ``target`` with ``selection`` took (the progress line's estimate)."""
    series = same_series(read_history(history_path(report_dir)), target, selection)
    return float(series[-1].get("duration_s") or 0) or None if series else None


def suite_table(series: list[dict[str, Any]]) -> list[str]:
    """Per suite: failed/warning of each run, oldest first (the report's per-suite trend)."""
    suites = sorted({name for entry in series for name in entry.get("suites", {})})
    lines = [f"{'suite':<22}failed/warning per run, oldest first"]
    for suite in suites:
        cells = []
        for entry in series:
            counts = entry.get("suites", {}).get(suite)
            cells.append(f"{counts.get('failed', 0)}/{counts.get('warning', 0)}" if counts else "-")
        lines.append(f"{suite:<22}" + " ".join(f"{c:>5}" for c in cells))
    return lines
