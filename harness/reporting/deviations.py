"""Known deviations: expected findings of one target, matched so they cannot hide regressions.

An entry names one check and the finding code(s) the target is known to produce there (and,
optionally, the requirement those findings cite). A check whose every finding is covered by its
entries is *known*: shown as known everywhere (console, suite table, pytest footer, junit.xml,
Allure, HTML, ``results.json``) and not failing the run. Anything else stays what it is:

* a finding with a code (or requirement) the entry does not list is a **new failure**;
* a listed check that ran and no longer shows any listed finding is **stale** (the run fails
  until the entry is removed), as is an entry naming a check that a full run does not have;
* a check that did not run (filtered out, skipped, broken) neither matches nor goes stale;
* an ``intermittent: true`` entry (a race the target loses in some runs only) whose check passed
  neither matches nor goes stale.

Wildcards are allowed only over the parameters of a parametrised check: ``pkce.lengths[*]``
matches ``pkce.lengths[42]`` and ``pkce.lengths[129]``; a wildcard inside a check name is
refused, so an entry can never cover a check that does not exist yet.

File format (YAML)::

    target: reference            # optional, informational
    deviations:
      - check: dpop.replayed_proof_error_code
        findings: [DPOP_REPLAY_WRONG_ERROR]      # finding codes the target is known to produce
        requirement: RFC9449-11.1                # optional: the findings must cite it
        expected: failed                         # optional: failed or warning
        reason: oidc-provider answers invalid_grant instead of invalid_dpop_proof
        link: https://github.com/panva/node-oidc-provider/...   # optional
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.results import CheckRecord, Finding, Outcome, ProfileError

_CHECK_NAME = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
_PARAMS = re.compile(r"^\[[^\]]*\]$")
_JUDGED = {Outcome.FAILED, Outcome.WARNING}


class Deviation(BaseModel):
    """One known deviation: a check and the findings it is known to produce."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: str = Field(min_length=1, description="check id; '[*]' (or a glob inside [...]) only over parameters")
    findings: list[str] = Field(min_length=1, description="finding codes the target is known to produce")
    requirement: str | None = None
    expected: Literal["failed", "warning"] | None = None
    intermittent: bool = Field(
        default=False, description="the findings come from a race the target does not lose in every run (two "
        "parallel redemptions): a run where the check passed leaves the entry neither matched nor stale")
    reason: str = Field(min_length=1)
    link: str | None = None

    @field_validator("check")
    @classmethod
    def _wildcards_only_over_parameters(cls, value: str) -> str:
        name, bracket, params = value.partition("[")
        if not _CHECK_NAME.match(name):
            raise ValueError(f"{value!r}: the check name must be exact (suite.check, no wildcard); "
                             "wildcards are allowed only over parameters, e.g. 'suite.check[*]'")
        if bracket and not _PARAMS.match(bracket + params):
            raise ValueError(f"{value!r}: parameters go in one trailing [...]")
        return value

    def covers_check(self, check_id: str) -> bool:
        """Whether this entry names ``check_id`` (exactly, or one of its parameter cases)."""
        if "[" not in self.check:
            return check_id == self.check
        return fnmatch.fnmatchcase(check_id, self.check.replace("[", "[[]", 1))

    def covers_finding(self, finding: Finding) -> bool:
        """Whether ``finding`` is one this entry lists (code, and requirement when given)."""
        if finding.code not in self.findings:
            return False
        return self.requirement is None or finding.requirement == self.requirement


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
        problems = "; ".join(_describe_error(data, error) for error in exc.errors())
        raise ProfileError(f"{file_path}: invalid deviations file: {problems}") from None


def _describe_error(data: Any, error: Any) -> str:
    location = ".".join(str(p) for p in error["loc"])
    entry = ""
    loc = error["loc"]
    if len(loc) >= 2 and loc[0] == "deviations" and isinstance(loc[1], int):
        try:
            entry = f" (entry for {data['deviations'][loc[1]].get('check')!r})"
        except (KeyError, IndexError, TypeError, AttributeError):
            entry = ""
    return f"{location}{entry}: {error['msg']}"


@dataclass(frozen=True)
class Match:
    """How one check's record relates to the deviations file."""

    known: bool
    entries: tuple[int, ...] = ()
    unlisted: tuple[str, ...] = ()  # codes of findings no entry covers (the check names an entry)
    reason: str = ""
    link: str | None = None

    def as_deviation(self) -> dict[str, Any] | None:
        """The record's ``deviation`` member: set only when the check is a known deviation."""
        if not self.known:
            return None
        return {"status": "known", "reason": self.reason, "link": self.link, "entries": list(self.entries)}


def match_record(record: CheckRecord, deviations: DeviationsFile) -> Match:
    """Whether ``record`` is a known deviation: every finding covered by an entry naming its check."""
    indexed = [(i, e) for i, e in enumerate(deviations.deviations) if e.covers_check(record.id)]
    if not indexed or record.outcome not in _JUDGED or not record.findings:
        return Match(known=False)
    used: list[int] = []
    unlisted: list[str] = []
    for finding in record.findings:
        covering = [i for i, e in indexed if e.covers_finding(finding)
                    and (e.expected is None or e.expected == record.outcome.value)]
        if covering:
            used.extend(i for i in covering if i not in used)
        elif finding.code not in unlisted:
            unlisted.append(finding.code)
    if unlisted or not used:
        return Match(known=False, unlisted=tuple(unlisted))
    first = deviations.deviations[used[0]]
    reason = " / ".join(dict.fromkeys(deviations.deviations[i].reason for i in used))
    return Match(known=True, entries=tuple(used), reason=reason, link=first.link)


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


_NOT_EXECUTED = {Outcome.SKIPPED, Outcome.BROKEN}


def apply_deviations(records: Iterable[CheckRecord], deviations: DeviationsFile, source: str, *,
                     full_run: bool = False) -> DeviationResult:
    """Mark known records (if not yet marked) and list the entries that went stale.

    ``full_run``: every check of the suites that ran was selected (no ``--checks``/``-k``), so an
    entry naming a check that does not exist in a suite that ran is stale too.
    """
    items = list(records)
    result = DeviationResult(file=source)
    for record in items:
        if record.deviation is None:
            record.deviation = match_record(record, deviations).as_deviation()
        if record.deviation:
            result.known.append(record.id)
    suites_run = {r.suite for r in items}
    for entry in deviations.deviations:
        named = [r for r in items if entry.covers_check(r.id)]
        executed = [r for r in named if r.outcome not in _NOT_EXECUTED]
        listed = "/".join(entry.findings)
        if not named:
            if full_run and entry.check.split(".", 1)[0] in suites_run:
                result.stale.append(StaleDeviation(check=entry.check, expected=listed,
                                                   actual="no such check in this run", reason=entry.reason))
            continue
        if not executed:
            continue  # not executed: neither known nor stale
        # a listed finding that happened together with new ones is a new failure, not stale
        if not any(entry.covers_finding(f) for r in executed for f in r.findings):
            if entry.intermittent and all(r.outcome is Outcome.PASSED for r in executed):
                continue  # the race was not lost this time: a pass, neither known nor stale
            actual = ", ".join(sorted({_describe_outcome(r) for r in executed}))
            result.stale.append(StaleDeviation(check=entry.check, expected=listed, actual=actual,
                                               reason=entry.reason))
    return result


def _describe_outcome(record: CheckRecord) -> str:
    codes = ",".join(dict.fromkeys(f.code for f in record.findings))
    return f"{record.outcome.value}" + (f" ({codes})" if codes else "")


def unexpected_failures(records: Iterable[CheckRecord]) -> int:
    """Failures not covered by a known deviation."""
    return sum(1 for r in records if r.outcome is Outcome.FAILED and not r.deviation)
