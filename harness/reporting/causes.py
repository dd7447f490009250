"""One root cause, reported once: findings grouped across checks, and the catalogue's sentence for each.

The same missing header on every token response is one problem of the target, seen by many
checks. :func:`group_causes` folds the findings of a run into causes — one per finding code and
requirement — each listing the checks it was seen in, so the summary counts it once.
:func:`enrich_finding` adds the catalogued level, sentence and URL of a finding's requirement.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harness.reporting.summary import display_outcome
from harness.results import CheckRecord, Level
from harness.specs.catalogue import find


def enrich_finding(finding: dict[str, Any]) -> dict[str, Any]:
    """``finding`` plus ``requirement_level``, ``requirement_text`` and ``requirement_url`` from the catalogue."""
    entry = find(str(finding.get("requirement", "")))
    return {**finding,
            "requirement_level": entry.level if entry else None,
            "requirement_text": entry.text if entry else None,
            "requirement_url": entry.url if entry else None}


def cause_key(finding: dict[str, Any]) -> str:
    """Findings with the same code citing the same requirement share a cause."""
    return f"{finding['code']}@{finding['requirement']}"


def group_causes(records: Iterable[CheckRecord]) -> list[dict[str, Any]]:
    """The run's causes, worst first: code, requirement, level, message, and the checks that saw it."""
    causes: dict[str, dict[str, Any]] = {}
    for record in records:
        shown = display_outcome(record)
        for finding in record.findings:
            data = finding.as_dict()
            key = cause_key(data)
            cause = causes.get(key)
            if cause is None:
                cause = causes[key] = {
                    "key": key, "code": finding.code, "requirement": finding.requirement,
                    "level": finding.level.value, "message": data["message"], "checks": [],
                    "known": True,
                }
            if record.id not in cause["checks"]:
                cause["checks"].append(record.id)
            cause["known"] = cause["known"] and shown == "known"
            if finding.level is Level.MUST:
                cause["level"] = Level.MUST.value
    ordered = sorted(causes.values(), key=lambda c: (c["known"], c["level"] != Level.MUST.value,
                                                     -len(c["checks"]), c["key"]))
    return [enrich_finding(c) for c in ordered]
