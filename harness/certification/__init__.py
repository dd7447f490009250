"""Certification profiles as data: named selections of checks with the level each carries.

A profile (``profiles/<name>.yaml``) lists requirements; each selects checks by id pattern
and gives the level the requirement has *in this profile* (a SHOULD in plain OAuth can be a
MUST in a stricter profile). The verdict of a run against a profile:

* ``passed``  — every MUST requirement's checks passed (SHOULD shortfalls are listed as warnings);
* ``failed``  — a MUST requirement's check failed (or warned, where the profile escalates the
  SHOULD to a MUST), or was skipped because the target
  does not support the feature ("not supported"), or no check of a MUST requirement ran;
* ``broken``  — no MUST failed, but some could not be judged (harness, profile or network problem).
"""

from __future__ import annotations

import fnmatch
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.results import CheckRecord, Outcome, ProfileError

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


class CertificationProfile(BaseModel):
    """A named certification profile."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    title: str
    description: str = ""
    requirements: list[Requirement] = Field(min_length=1)

    def patterns(self) -> list[str]:
        """Every check pattern the profile needs (what ``run --profile`` selects)."""
        return sorted({p for r in self.requirements for p in r.checks})

    def suites(self) -> list[str]:
        """The suites the profile's checks live in."""
        return sorted({p.split(".", 1)[0] for p in self.patterns()})


def load_profile_file(path: Path) -> CertificationProfile:
    """Read and validate one certification profile."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return CertificationProfile.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"cannot read certification profile {path}: {exc}") from exc
    except ValidationError as exc:
        raise ProfileError(f"{path}: invalid certification profile: {exc}") from None


def all_profiles() -> dict[str, CertificationProfile]:
    """The shipped certification profiles by name."""
    profiles = [load_profile_file(p) for p in sorted(PROFILES_DIR.glob("*.yaml"))]
    return {p.name: p for p in profiles}


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


@dataclass
class ProfileVerdict:
    """A run judged against one certification profile."""

    profile: str
    version: str
    title: str
    verdict: str  # passed | failed | broken
    requirements: list[RequirementVerdict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``results.json`` ``certification``)."""
        return asdict(self)


def _requirement_verdict(requirement: Requirement, records: list[CheckRecord]) -> RequirementVerdict:
    matched = [r for r in records if any(fnmatch.fnmatchcase(r.id, p) for p in requirement.checks)]
    checks = [{"check": r.id, "outcome": r.outcome.value, "message": r.message[:300]} for r in matched]
    outcomes = {r.outcome for r in matched}
    must = requirement.level == "must"
    if requirement.mode == "any" and Outcome.PASSED in outcomes:
        outcomes = {Outcome.PASSED}  # one working alternative satisfies the requirement
    if not matched:
        verdict = "not run"
    elif Outcome.FAILED in outcomes:
        # a known deviation is still a shortfall for certification
        verdict = "failed" if must else "warning"
    elif Outcome.BROKEN in outcomes:
        verdict = "broken"
    elif Outcome.WARNING in outcomes:
        # a SHOULD in the specification; a MUST in this profile only when it escalates it
        verdict = "failed" if must and requirement.escalate else "warning"
    elif outcomes <= {Outcome.SKIPPED}:
        verdict = "not supported"
    else:
        verdict = "passed"
    return RequirementVerdict(id=requirement.id, title=requirement.title, level=requirement.level,
                              verdict=verdict, checks=checks)


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
    return result
