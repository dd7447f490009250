"""The ``results.json`` contract as typed models; its JSON Schema is generated from them.

Every renderer (HTML, JUnit, Allure, diff) reads documents of this shape. Fields are only
ever added (``schema_version`` changes when one is removed or changes meaning).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

OutcomeName = Literal["passed", "failed", "warning", "skipped", "broken", "review"]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FindingDoc(_Doc):
    """One way the target missed a requirement."""

    code: str
    message: str
    requirement: str
    level: Literal["must", "should", "may"]
    expected: Any = None
    actual: Any = None
    requirement_level: str | None = Field(default=None, description="The catalogued keyword of the requirement")
    requirement_text: str | None = Field(default=None, description="The catalogued normative sentence")
    requirement_url: str | None = None
    cause: str | None = Field(default=None, description="code@requirement: findings with one cause share it")


class CauseDoc(_Doc):
    """One root cause: a finding code citing one requirement, with every check that saw it."""

    key: str
    code: str
    requirement: str
    level: Literal["must", "should", "may"]
    message: str
    checks: list[str]
    known: bool = Field(description="Every check that saw it is a known deviation")
    requirement_level: str | None = None
    requirement_text: str | None = None
    requirement_url: str | None = None


class RequestDoc(_Doc):
    """A recorded (redacted) request."""

    method: str
    url: str
    headers: list[list[str]]
    body: str


class ResponseDoc(_Doc):
    """A recorded (redacted) response."""

    status: int
    headers: list[list[str]]
    body: str


class ExchangeDoc(_Doc):
    """One HTTP exchange of a check."""

    seq: int
    label: str
    request: RequestDoc
    response: ResponseDoc | None
    elapsed_s: float
    error: str | None
    curl: str
    curl_env: list[str] = Field(default_factory=list, description="Shell variables the curl line needs: the "
                                "profile's ${NAME} secrets and the run's own credentials (never their values)")


class TokenDoc(_Doc):
    """A decoded JWT the check judged."""

    label: str
    header: dict[str, Any]
    claims: dict[str, Any]


class EvidenceDoc(_Doc):
    """What the harness saw while the check ran."""

    exchanges: list[ExchangeDoc] = Field(default_factory=list)
    tokens: list[TokenDoc] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    screenshots: list[str] = Field(default_factory=list)
    mandated_wait_s: float = 0.0
    traceback: str | None = Field(default=None, description="For a check broken by a harness bug: the traceback")


class DeviationDoc(_Doc):
    """A known deviation that matched this check."""

    status: Literal["known"]
    reason: str
    link: str | None = None
    entries: list[int] = Field(default_factory=list, description="Indexes of the matching entries of the file")


class CheckDoc(_Doc):
    """One executed check."""

    id: str
    suite: str
    title: str
    outcome: OutcomeName
    requirements: list[str]
    message: str
    findings: list[FindingDoc]
    evidence: EvidenceDoc
    duration_s: float = Field(description="Wall time of the check, mandated waits included")
    exchange_count: int = Field(default=0, description="Number of HTTP exchanges the check made")
    deviation: DeviationDoc | None = None
    broken_by: Literal["network", "profile", "setup", "harness"] | None = Field(
        default=None, description="For a broken check, whose fault it is (never the target's); "
                                  "'harness' is a harness bug and makes the run exit 4")


class FeatureDoc(_Doc):
    """A capability the target's discovery metadata advertises (or not); see ``harness.features``."""

    key: str
    title: str
    supported: bool
    detail: str
    source: str = Field(description="The metadata member it was read from")


class RunDoc(_Doc):
    """Run metadata."""

    target: str
    issuer: str
    harness_version: str
    server: dict[str, Any]
    browser_version: str | None
    python_version: str
    started: str
    finished: str
    duration_s: float
    incomplete: bool = Field(default=False, description="The run was interrupted; not every check ran")
    features: list[FeatureDoc] = Field(default_factory=list,
                                       description="What the discovery metadata advertises (empty if unknown)")
    rerun: str = Field(default="", description="How to rerun one check of this run (append --check ID)")
    selection: str = Field(default="all", description="What the run selected; history compares like with like")
    shard: str = Field(default="", description="K/N for a run of one shard (run --shard K/N), empty otherwise")
    shard_plan: str = Field(default="", description="Digest of the shard plan: the same in every shard of one "
                                                    "run (merge refuses shards of different plans)")
    merged_from: int = Field(default=0, description="How many shard reports `oauth-harness merge` combined into "
                                                    "this one (0: a single run)")


class SummaryDoc(_Doc):
    """Counts per outcome plus the deviation bookkeeping."""

    passed: int
    failed: int
    warning: int
    skipped: int
    broken: int
    review: int
    known: int = Field(default=0, description="Checks whose findings are all known deviations "
                                              "(not counted in failed or warning)")
    total: int
    known_failures: int = Field(default=0, description="Known deviations whose target outcome is failed")
    stale_deviations: int = 0
    causes: int = Field(default=0, description="Distinct causes among the findings not known")
    harness_errors: int = Field(default=0, description="Broken checks caused by a harness bug (exit code 4)")


class SuiteDoc(_Doc):
    """A suite's verdict and counts."""

    verdict: Literal["passed", "failed", "warning", "skipped", "broken", "review", "known"]
    counts: dict[str, int]


class StaleDeviationDoc(_Doc):
    """A listed deviation that did not happen: the list must be updated."""

    check: str
    expected: str
    actual: str
    reason: str


class DeviationsDoc(_Doc):
    """Which deviations file applied, what matched and what is stale."""

    file: str
    known: list[str]
    stale: list[StaleDeviationDoc]


class RequirementVerdictDoc(_Doc):
    """How one requirement of a certification profile fared."""

    id: str
    title: str
    level: Literal["must", "should"]
    verdict: Literal["passed", "failed", "warning", "not supported", "not run", "broken"]
    checks: list[dict[str, str]]


class OidfModuleDoc(_Doc):
    """One OIDF conformance-suite module of a certification profile and the checks that cover it."""

    plan: str
    module: str
    variant: str = Field(default="", description="The plan's variant the module runs under (e.g. response_type)")
    coverage: Literal["covered", "partial", "not covered"]
    verdict: Literal["passed", "failed", "broken", "warning", "not supported", "not run"] | None = Field(
        default=None, description="The module judged from its covering checks' outcomes in this run (as a MUST "
                                  "requirement); a failed or broken required module fails or breaks the profile")
    required: bool
    patterns: list[str]
    note: str
    checks: list[dict[str, str]] = Field(description="The covering checks this run executed, with their outcomes")


class CertificationDoc(_Doc):
    """The run judged against one certification profile."""

    profile: str
    version: str
    title: str
    verdict: Literal["passed", "failed", "broken", "incomplete"] = Field(
        description="incomplete: every MUST requirement passed, but an OIDF module the profile corresponds to is "
                    "not covered by any check")
    requirements: list[RequirementVerdictDoc]
    warnings: list[str]
    modules: list[OidfModuleDoc] = Field(default_factory=list,
                                         description="The OIDF conformance-suite modules the profile corresponds to")
    selected: bool = Field(description="The run was made for this profile (run --profile)")


class BaselineDoc(_Doc):
    """The run this one is compared with: the previous run in the history, or ``run --baseline``."""

    source: str
    started: str | None = None
    new_failures: list[str] = Field(description="Checks failing now that did not fail in the baseline")


class HistoryPointDoc(_Doc):
    """One run of the trend (a line of ``history.jsonl``, without its failing ids)."""

    started: str
    harness_version: str
    counts: dict[str, int]
    suites: dict[str, dict[str, int]]
    failing: int = Field(description="Number of failing checks (not known deviations)")
    href: str | None = Field(default=None, description="That run's index.html relative to this report, if on disk")


class ResultsDoc(_Doc):
    """The whole ``results.json``."""

    schema_version: int
    run: RunDoc
    summary: SummaryDoc
    suites: dict[str, SuiteDoc]
    checks: list[CheckDoc]
    causes: list[CauseDoc] = Field(default_factory=list)
    deviations: DeviationsDoc | None = None
    certification: list[CertificationDoc] = Field(default_factory=list)
    baseline: BaselineDoc | None = Field(default=None, description="What 'new failures' are judged against")
    history: list[HistoryPointDoc] = Field(default_factory=list,
                                           description="The last runs of this target and selection, oldest first, "
                                                       "this run last (the report's trend)")


def results_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of ``results.json``."""
    schema = ResultsDoc.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "oauth-harness results.json"
    return schema
