"""Certification profiles as data: named selections of checks with the level each carries.

A profile (``profiles/<name>.yaml``) lists requirements; each selects checks by id pattern
and gives the level the requirement has *in this profile* (a SHOULD in plain OAuth can be a
MUST in a stricter profile). The verdict of a run against a profile:

* ``passed``  — every MUST requirement's checks passed (SHOULD shortfalls are listed as warnings);
* ``failed``  — a MUST requirement's check failed (or warned, where the profile escalates the
  SHOULD to a MUST), or was skipped because the target
  does not support the feature ("not supported"), or no check of a MUST requirement ran;
* ``broken``  — no MUST failed, but some could not be judged (harness, profile or network problem);
* ``incomplete`` — every MUST requirement passed, but the profile names an OpenID Foundation
  conformance-suite module it corresponds to that no project check covers (``oidf_modules``,
  coverage ``not covered``): passing the project's checks is then not the same as passing the
  certification plan, and the verdict says so.

``oidf_modules`` lists, as data, the OIDF test modules (plan and module name, as the OIDF
conformance suite publishes them) the profile corresponds to, with the project checks that cover
each one (``covered``: the same kind of request and expected outcome; ``partial``: a subset, the
note says what is missing) or ``not covered``. ``oauth-harness profiles --coverage NAME`` prints
that table; ``certification.html`` shows it with the run's outcomes.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from harness.results import CheckRecord, Outcome, ProfileError
from harness.specs.catalogue import SAFE_LOADER

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"


class Requirement(BaseModel):
    """One requirement of a profile: the checks that test it and its level in this profile."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Requirement id in this profile, e.g. FAPI2SP-5.3.1.2-1 or a spec id")
    title: str
    checks: list[str] = Field(min_length=1, description="Check id patterns (shell-style wildcards)")
    level: Literal["must", "should"] = "must"
    mode: Literal["all", "any"] = Field(
        default="all", description="all: every matched check must pass; any: one passing alternative is enough")
    escalate: bool = Field(
        default=False, description="SHOULD-level findings (check warnings) count as failures in this profile")


Coverage = Literal["covered", "partial", "not covered"]


class OidfModule(BaseModel):
    """One OIDF conformance-suite test module the profile corresponds to, and the project checks covering it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    plan: str = Field(description="OIDF test plan name, e.g. oidcc-basic-certification-test-plan")
    module: str = Field(description="OIDF test module name (its testName), e.g. oidcc-userinfo-get")
    variant: str = Field(default="", description="The plan variant the module runs under (response_type=id_token)")
    coverage: Coverage
    checks: list[str] = Field(default_factory=list, description="Covering check id patterns (shell-style wildcards)")
    note: str = Field(default="", description="What a partial coverage misses, or why a module is not covered")
    required: bool = Field(default=True, description="False for modules the plan runs only when a feature exists")

    @model_validator(mode="after")
    def _checks_match_coverage(self) -> OidfModule:
        if self.coverage == "not covered" and self.checks:
            raise ValueError(f"{self.module}: a module that is not covered names no checks")
        if self.coverage != "not covered" and not self.checks:
            raise ValueError(f"{self.module}: a {self.coverage} module names the checks that cover it")
        if self.coverage == "partial" and not self.note:
            raise ValueError(f"{self.module}: a partial coverage says what is missing (note)")
        return self


class CertificationProfile(BaseModel):
    """A named certification profile."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    title: str
    description: str = ""
    requirements: list[Requirement] = Field(min_length=1)
    oidf_modules: list[OidfModule] = Field(
        default_factory=list, description="The OIDF conformance-suite modules this profile corresponds to")

    def uncovered(self) -> list[OidfModule]:
        """Required OIDF modules no project check covers."""
        return [m for m in self.oidf_modules if m.required and m.coverage == "not covered"]

    def patterns(self) -> list[str]:
        """Every check pattern the profile needs (what ``run --profile`` selects).

        The requirements' checks and the checks that cover its OIDF modules: a run of the profile
        reports an outcome for every module it maps, not only for the modules whose checks a
        requirement also names.
        """
        return sorted({p for r in self.requirements for p in r.checks}
                      | {p for m in self.oidf_modules for p in m.checks})

    def suites(self) -> list[str]:
        """The suites the profile's checks live in."""
        return sorted({p.split(".", 1)[0] for p in self.patterns()})


def load_profile_file(path: Path) -> CertificationProfile:
    """Read and validate one certification profile."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        return CertificationProfile.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"cannot read certification profile {path}: {exc}") from exc
    except ValidationError as exc:
        raise ProfileError(f"{path}: invalid certification profile: {exc}") from None


def all_profiles() -> dict[str, CertificationProfile]:
    """The shipped certification profiles by name.

    Read once per state of the profile directory (names, sizes and modification times): every run's
    report step judges the run against all of them, and an in-process run of one check would
    otherwise spend a third of its time reading the same files again.
    """
    files = sorted(PROFILES_DIR.glob("*.yaml"))
    state = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    return dict(_profiles_of(state))


@functools.lru_cache(maxsize=4)
def _profiles_of(state: tuple[tuple[str, int, int], ...]) -> tuple[tuple[str, CertificationProfile], ...]:
    profiles = [load_profile_file(Path(path)) for path, _size, _mtime in state]
    return tuple((p.name, p) for p in profiles)


def get_profile(name: str) -> CertificationProfile:
    """A shipped profile by name; unknown names get the closest match."""
    profiles = all_profiles()
    if name not in profiles:
        import difflib

        close = difflib.get_close_matches(name, list(profiles), 1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ProfileError(f"unknown certification profile {name!r}{hint}; available: {', '.join(profiles)}")
    return profiles[name]


@dataclass
class RequirementVerdict:
    """How one requirement fared in a run."""

    id: str
    title: str
    level: str
    verdict: str  # passed | failed | warning | not supported | not run | broken
    checks: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (what ``dataclasses.asdict`` gives, without its recursive deep copy)."""
        return {"id": self.id, "title": self.title, "level": self.level, "verdict": self.verdict,
                "checks": [dict(check) for check in self.checks]}


@dataclass
class ProfileVerdict:
    """A run judged against one certification profile."""

    profile: str
    version: str
    title: str
    verdict: str  # passed | failed | broken | incomplete
    requirements: list[RequirementVerdict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    modules: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``results.json`` ``certification``).

        What ``dataclasses.asdict`` gives (the same keys in the same order; tested), built directly:
        its recursive deep copy of every module row and check made the report step of a one-check run
        spend a fifth of the run's time here.
        """
        return {"profile": self.profile, "version": self.version, "title": self.title, "verdict": self.verdict,
                "requirements": [r.as_dict() for r in self.requirements], "warnings": list(self.warnings),
                "modules": [{**row, "patterns": list(row["patterns"]), "checks": [dict(c) for c in row["checks"]]}
                            for row in self.modules]}


def _requirement_verdict(requirement: Requirement, records: list[CheckRecord]) -> RequirementVerdict:
    matches = id_matcher(tuple(requirement.checks))
    matched = [r for r in records if matches(r.id)]
    checks = [{"check": r.id, "outcome": r.outcome.value, "message": r.message[:300]} for r in matched]
    outcomes = {r.outcome for r in matched}
    if requirement.mode == "any" and Outcome.PASSED in outcomes:
        outcomes = {Outcome.PASSED}  # one working alternative satisfies the requirement
    verdict = outcomes_verdict(outcomes, must=requirement.level == "must", escalate=requirement.escalate)
    return RequirementVerdict(id=requirement.id, title=requirement.title, level=requirement.level,
                              verdict=verdict, checks=checks)


def outcomes_verdict(outcomes: set[Outcome], *, must: bool = True, escalate: bool = False) -> str:
    """The verdict of a requirement (or an OIDF module) from the outcomes of the checks it names.

    ``not run`` when none ran; a failure is ``failed`` at MUST (a known deviation is still a
    shortfall for certification), else ``warning``; then ``broken``; a check warning (a SHOULD of
    the specification) is ``warning`` unless the profile escalates it; only skips: ``not supported``.
    """
    if not outcomes:
        verdict = "not run"
    elif Outcome.FAILED in outcomes:
        # a known deviation is still a shortfall for certification
        verdict = "failed" if must else "warning"
    elif Outcome.BROKEN in outcomes:
        verdict = "broken"
    elif Outcome.WARNING in outcomes:
        # a SHOULD in the specification; a MUST in this profile only when it escalates it
        verdict = "failed" if must and escalate else "warning"
    elif outcomes <= {Outcome.SKIPPED}:
        verdict = "not supported"
    else:
        verdict = "passed"
    return verdict


@functools.lru_cache(maxsize=4096)
def id_matcher(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a check id matches any of these glob patterns (``fnmatchcase``), as one compiled regex.

    Judging a run matches every record against every module's patterns; one regex per pattern set
    instead of one ``fnmatchcase`` per pattern and record.
    """
    if not patterns:
        return lambda _id: False
    regex = re.compile("|".join(fnmatch.translate(p) for p in patterns))
    return lambda check_id: regex.match(check_id) is not None


def evaluate(profile: CertificationProfile, records: list[CheckRecord]) -> ProfileVerdict:
    """Judge a run's records against a certification profile."""
    result = ProfileVerdict(profile=profile.name, version=profile.version, title=profile.title, verdict="passed")
    for requirement in profile.requirements:
        item = _requirement_verdict(requirement, records)
        result.requirements.append(item)
        if item.verdict == "warning" or (item.level == "should" and item.verdict != "passed"):
            result.warnings.append(f"{item.id}: {item.verdict}")
    must = [r for r in result.requirements if r.level == "must"]
    if any(r.verdict in ("failed", "not supported", "not run") for r in must):
        result.verdict = "failed"
    elif any(r.verdict == "broken" for r in must):
        result.verdict = "broken"
    result.modules = module_rows(profile, records)
    # a required OIDF module whose covering checks failed fails the profile, as a MUST requirement does
    required = [m for m in result.modules if m["required"]]
    if result.verdict == "passed" and any(m["verdict"] == "failed" for m in required):
        result.verdict = "failed"
    elif result.verdict == "passed" and any(m["verdict"] == "broken" for m in required):
        result.verdict = "broken"
    failed_modules = [m["module"] for m in required if m["verdict"] in ("failed", "broken")]
    if failed_modules:
        result.warnings.append(f"{len(failed_modules)} required OIDF module(s) failed or broken: "
                               + ", ".join(failed_modules))
    uncovered = profile.uncovered()
    if uncovered and result.verdict == "passed":
        result.verdict = "incomplete"
    if uncovered:
        result.warnings.append(f"{len(uncovered)} OIDF module(s) not covered by any check: "
                               + ", ".join(m.module for m in uncovered))
    partial = [m.module for m in profile.oidf_modules if m.coverage == "partial"]
    if partial:
        result.warnings.append(f"{len(partial)} OIDF module(s) only partly covered: {', '.join(partial)}")
    return result


def module_rows(profile: CertificationProfile, records: list[CheckRecord] | None = None) -> list[dict[str, Any]]:
    """The OIDF module table: plan, module, coverage, note, and the covering checks (with outcomes when run).

    With a run's records each row also has a ``verdict`` (:func:`outcomes_verdict` of its checks'
    outcomes, as for a MUST requirement); without them it is ``None``.
    """
    rows = []
    for module in profile.oidf_modules:
        checks: list[dict[str, str]] = []
        if records is not None:
            matches = id_matcher(tuple(module.checks))
            checks = [{"check": r.id, "outcome": r.outcome.value} for r in records if matches(r.id)]
        verdict = outcomes_verdict({Outcome(c["outcome"]) for c in checks}) if records is not None else None
        rows.append({"plan": module.plan, "module": module.module, "variant": module.variant,
                     "coverage": module.coverage, "verdict": verdict,
                     "required": module.required, "patterns": list(module.checks), "note": module.note,
                     "checks": checks})
    return rows


def coverage_summary(profile: CertificationProfile) -> dict[str, dict[str, int]]:
    """Per plan: how many modules are covered, partial and not covered."""
    summary: dict[str, dict[str, int]] = {}
    for module in profile.oidf_modules:
        counts = summary.setdefault(module.plan, {"covered": 0, "partial": 0, "not covered": 0})
        counts[module.coverage] += 1
    return summary
