"""Known deviations: expected failures and warnings of one target, enforced both ways.

A listed check that fails (or warns) as expected is reported as *known* and does not fail
the run. A listed check that no longer fails is *stale*: the run fails until the entry is
removed, so the list cannot rot. A check that did not run (filtered out, skipped, broken)
neither matches nor goes stale.

File format (YAML)::

    target: reference            # optional, informational
    deviations:
      - check: dpop.replayed_proof_refused      # check id; shell-style wildcards allowed
        requirement: RFC9449-11.1               # optional, documents which rule is broken
        expected: failed                        # failed (default) or warning
        reason: oidc-provider answers invalid_grant instead of invalid_dpop_proof
        link: https://github.com/panva/node-oidc-provider/...   # optional
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.results import CheckRecord, Outcome, ProfileError


class Deviation(BaseModel):
    """One expected failure or warning."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: str = Field(min_length=1)
    requirement: str | None = None
    expected: Literal["failed", "warning"] = "failed"
    reason: str = Field(min_length=1)
    link: str | None = None


class DeviationsFile(BaseModel):
    """A target's known-deviations file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: str | None = None
    deviations: list[Deviation] = Field(default_factory=list)


def load_deviations(path: str | Path) -> DeviationsFile:
    """Read and validate a deviations file (errors name the entry and the key)."""
    file_path = Path(path)
    try:
        data = yaml.safe_load(file_path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ProfileError(f"cannot read deviations file {file_path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ProfileError(f"{file_path}: not valid YAML: {exc}") from exc
    try:
        return DeviationsFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors())
        raise ProfileError(f"{file_path}: invalid deviations file: {problems}") from None


@dataclass
class StaleDeviation:
    """A listed deviation that did not happen in this run."""

    check: str
    expected: str
    actual: str
    reason: str


@dataclass
class DeviationResult:
    """What applying a deviations file to a run found."""

    file: str
    known: list[str] = field(default_factory=list)
    stale: list[StaleDeviation] = field(default_factory=list)


_MATCHED = {"failed": {Outcome.FAILED}, "warning": {Outcome.WARNING}}
_NOT_EXECUTED = {Outcome.SKIPPED, Outcome.BROKEN}


def apply_deviations(records: Iterable[CheckRecord], deviations: DeviationsFile, source: str) -> DeviationResult:
    """Mark records that match a listed deviation as known; list entries that went stale."""
    result = DeviationResult(file=source)
    by_id = {r.id: r for r in records}
    for entry in deviations.deviations:
        matching = [r for cid, r in by_id.items() if fnmatch.fnmatchcase(cid, entry.check)]
        for record in matching:
            if record.outcome in _MATCHED[entry.expected]:
                record.deviation = {"status": "known", "reason": entry.reason, "link": entry.link}
                result.known.append(record.id)
            elif record.outcome in (Outcome.PASSED, Outcome.WARNING) and entry.expected == "failed" or \
                    record.outcome is Outcome.PASSED and entry.expected == "warning":
                result.stale.append(StaleDeviation(check=record.id, expected=entry.expected,
                                                   actual=record.outcome.value, reason=entry.reason))
            # failed where a warning was expected: an unexpected failure, reported as such;
            # skipped/broken: not executed, so neither known nor stale
    return result


def unexpected_failures(records: Iterable[CheckRecord]) -> int:
    """Failures not covered by a known deviation."""
    return sum(1 for r in records if r.outcome is Outcome.FAILED and not r.deviation)
