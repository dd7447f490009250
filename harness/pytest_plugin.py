"""The pytest plugin (entry point ``pytest11: oauth_harness``).

It provides ``--target`` and ``--report-dir``, the ``target``/``user_agent`` fixtures, the
``requirement`` marker, and the outcome model: each test becomes one check record whose
outcome is mapped from how the test ended (design R6):

==============================  ==========
test ended with                 outcome
==============================  ==========
returned normally               passed
CheckFailed, a MUST finding     failed
CheckFailed, SHOULD findings    warning
NotApplicable / pytest.skip     skipped
NeedsReview                     review
anything else                   broken
==============================  ==========
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import evidence
from harness.redaction import scrub_text
from harness.results import (
    CheckFailed,
    CheckRecord,
    HarnessError,
    NeedsReview,
    Outcome,
    ProfileError,
    TargetUnreachable,
    outcome_for_findings,
)
from harness.specs.registry import UnknownRequirementPrefix, validate_requirement_id
from harness.target import NotApplicable, Target

RECORD_KEY = "oauth_harness_record"
pytest_plugins = ["harness.pytest_waits"]  # waiting checks start early and wait side by side
_EVIDENCE_ATTR = "_oauth_harness_evidence"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the harness's command-line options."""
    group = parser.getgroup("oauth-harness")
    group.addoption("--target", dest="harness_target", default=None,
                    help="target profile YAML (default: start the bundled reference target)")
    group.addoption("--report-dir", dest="harness_report_dir", default=None,
                    help="write results.json, junit.xml and index.html into this directory")
    group.addoption("--harness-progress", dest="harness_progress", action="store_true",
                    help="print one progress line per check and a summary table")
    group.addoption("--harness-verbose", dest="harness_verbose", action="store_true",
                    help="progress lines with every finding (requirement, expected, actual)")
    group.addoption("--harness-quiet", dest="harness_quiet", action="store_true",
                    help="with --harness-progress: no line per check (the summary table and reports stay)")
    group.addoption("--run-deadline", dest="harness_run_deadline", type=float, default=None,
                    help="seconds; checks not started by then end broken, and 5 s later a check still running is "
                         "interrupted: the run ends incomplete with its reports (oauth-harness run: "
                         "limits.run_deadline_s)")
    group.addoption("--checks", dest="harness_checks", default=None,
                    help="comma-separated check-id patterns (e.g. 'pkce.*,id_token.issuer'); others are deselected")
    group.addoption("--certification", dest="harness_certification", action="append", default=[],
                    help="certification profile to judge the run against (repeatable); its verdict sets the exit")
    group.addoption("--deviations", dest="harness_deviations", default=None,
                    help="known-deviations YAML of the target: listed failures are 'known', stale entries fail")
    group.addoption("--shard", dest="harness_shard", default=None, metavar="K/N",
                    help="run shard K of N: a deterministic share of the selected checks (harness.sharding)")
    group.addoption("--shard-durations", dest="harness_shard_durations", default=None, metavar="FILE",
                    help="with --shard: balance by the durations of this results.json (default: the reports "
                         "named in the history file beside --report-dir)")


def pytest_configure(config: pytest.Config) -> None:
    """Register markers and the session state."""
    config.addinivalue_line("markers", "requirement(*ids): requirement IDs the check tests (RFC6749-4.1.2, ...)")
    config.addinivalue_line("markers", "slow_wait: the check waits for a protocol-mandated expiry")
    config.addinivalue_line("markers", "needs(*members): discovery metadata members the check needs; "
                            "the check is skipped, naming them, when the target does not publish them")
    config.stash[_STATE] = _State()
    if config.getoption("harness_report_dir", None):
        _install_sigterm(config)
        _arm_run_deadline(config)
    if config.getoption("harness_shard", None):
        from harness.sharding import ShardError, parse_shard

        try:
            config.option.harness_shard = str(parse_shard(str(config.getoption("harness_shard"))))
        except ShardError as exc:
            raise pytest.UsageError(str(exc)) from None
    path = config.getoption("harness_deviations", None)
    if path:
        from harness.reporting.deviations import load_deviations

        try:
            config.stash[_STATE].deviations = load_deviations(path)
        except ProfileError as exc:
            raise pytest.UsageError(str(exc)) from None


class _State:
    def __init__(self) -> None:
        self.records: list[CheckRecord] = []
        self.started = time.time()
        self.target: Target | None = None
        self.reference: Any = None
        self.browser: Any = None
        self.total = 0
        self.previous_duration: float | None = None  # the last comparable run's, for the progress estimate
        self.deviations: Any = None
        self.deviation_result: Any = None
        self.shard_plan = ""  # with --shard: the plan's digest (the same in every shard of one run)


_STATE = pytest.StashKey[_State]()



def check_pattern_matches(check: str, pattern: str) -> bool:
    """Whether a ``--check`` pattern selects ``check``: ``*`` and ``?`` are wildcards, ``[`` is literal.

    Check ids carry their parameters in brackets (``pkce.verifier_length_bounds[42]``), so a bracket
    in a pattern means a bracket (``x[*]``: every case of ``x``), not fnmatch's character class; a
    pattern already written with fnmatch's escape ``[[]`` is taken as it is.
    """
    import fnmatch

    escaped = pattern if "[[]" in pattern else pattern.replace("[", "[[]")
    return fnmatch.fnmatchcase(check, escaped)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Reject unknown requirement IDs at collection time."""
    from harness.specs.catalogue import CatalogueError, lookup

    problems: list[str] = []
    for item in items:
        for marker in item.iter_markers("requirement"):
            for requirement in marker.args:
                try:
                    validate_requirement_id(str(requirement))
                    lookup(str(requirement))
                except (UnknownRequirementPrefix, CatalogueError) as exc:
                    problems.append(f"{item.nodeid}: {exc}")
    if problems:
        raise pytest.UsageError("invalid requirement IDs:\n  " + "\n  ".join(problems))
    patterns = [p.strip() for p in (config.getoption("harness_checks") or "").split(",") if p.strip()]
    if patterns:
        keep = [i for i in items if not _is_check(i) or any(check_pattern_matches(check_id(i), p) for p in patterns)]
        dropped = [i for i in items if i not in keep]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    if config.getoption("harness_shard"):
        _select_shard(config, items)
    # checks that wait for a protocol-mandated expiry start first, so other checks run meanwhile
    from harness.pytest_waits import wait_priority

    items.sort(key=wait_priority)  # the waits for an artefact's lifetime first, then the other waits
    config.stash[_STATE].total = len(items)


def _select_shard(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep this shard's share of the checks (``--shard K/N``); the others are deselected."""
    from harness.sharding import ShardError, assign, durations_from_file, parse_shard, plan_digest

    try:
        shard = parse_shard(str(config.getoption("harness_shard")))
        durations_file = config.getoption("harness_shard_durations")
        durations = durations_from_file(Path(durations_file)) if durations_file else _history_durations(config)
    except ShardError as exc:
        raise pytest.UsageError(str(exc)) from None
    ids = {check_id(i) if _is_check(i) else i.nodeid: i for i in items}
    waiting = [name for name, i in ids.items() if i.get_closest_marker("slow_wait")]
    plan = assign(ids, shard.total, durations=durations, waiting=waiting)
    config.stash[_STATE].shard_plan = plan_digest(plan)
    keep = [i for name, i in ids.items() if plan[name] == shard.index]
    kept = {id(i) for i in keep}
    dropped = [i for i in items if id(i) not in kept]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep


def _history_durations(config: pytest.Config) -> dict[str, float]:
    """Recorded durations of the target's last runs (the history beside ``--report-dir``), or none."""
    report_dir, profile_path = config.getoption("harness_report_dir"), config.getoption("harness_target")
    if not report_dir or not profile_path:
        return {}
    from harness.reporting.history import history_path, read_history
    from harness.sharding import durations_from_history

    name = _profile_name(str(profile_path))
    return durations_from_history(read_history(history_path(Path(report_dir))), name) if name else {}


def _profile_name(profile_path: str) -> str | None:
    """The ``name`` of the target profile at ``profile_path`` (the history's series), or ``None`` if unreadable.

    Parsed with libyaml where PyYAML has it (the catalogue's loader): the pure-Python loader takes
    ~0.09 s of CPU for the reference profile, ten times as long, once per run for the progress estimate.
    """
    import yaml

    from harness.specs.catalogue import SAFE_LOADER

    try:
        name = (yaml.load(Path(profile_path).read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}).get("name")
    except (OSError, yaml.YAMLError, AttributeError):
        return None
    return str(name) if name else None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """Under xdist the controller does not collect: take the total from the first worker."""
    config = _CONFIG.get("config")
    if config is not None and not config.stash[_STATE].total:
        from harness.pytest_waits import START_SUFFIX

        config.stash[_STATE].total = sum(1 for nodeid in ids if not nodeid.endswith(START_SUFFIX))


# -- fixtures -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The target under test (the bundled reference target when no ``--target`` is given)."""
    from harness.runtime import open_target

    state = request.config.stash[_STATE]
    path = request.config.getoption("harness_target")
    handle = open_target(path)
    state.target = handle.target
    state.reference = handle.reference
    try:
        yield handle.target
    finally:
        handle.close()


@pytest.fixture(scope="session")
def _browser_session(target: Target) -> Iterator[Any]:
    from harness.login.browser import BrowserSession

    session = BrowserSession(target.profile.login.browser, allowed_hosts=target.allowed_hosts())
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def user_agent(request: pytest.FixtureRequest, target: Target) -> Iterator[Callable[..., Any]]:
    """A factory of fresh user agents (own cookies) using the profile's login driver."""
    created: list[Any] = []

    def make(driver: str | None = None) -> Any:
        from harness.login.factory import new_user_agent

        kind = driver or target.profile.login.driver
        session = shots = None
        if kind == "browser":
            state = request.config.stash[_STATE]
            # a started check (harness.pytest_waits) may make an agent after its start item ended
            session = state.browser if state.browser is not None else request.getfixturevalue("_browser_session")
            state.browser = session
            report_dir = request.config.getoption("harness_report_dir")
            shots = Path(report_dir) / "screenshots" if report_dir else None
        agent = new_user_agent(target, kind, browser_session=session, screenshot_dir=shots)
        created.append(agent)
        return agent

    def close() -> None:
        for agent in created:
            agent.close()

    from harness.pytest_waits import defer_cleanup

    try:
        yield make
    finally:
        if not defer_cleanup(request.node, close):  # a started check keeps its agents until it ends
            close()


@pytest.fixture
def suite_settings(request: pytest.FixtureRequest, target: Target) -> Any:
    """The running suite's profile section (``plugins.<suite>``), validated by its ``SETTINGS_MODEL``."""
    from harness.registry import suite_of_path
    from harness.suite_settings import validate_section

    suite = suite_of_path(Path(str(request.node.path)))
    if suite is None:
        raise HarnessError(f"{request.node.nodeid} does not belong to a registered suite")
    return validate_section(suite, target.profile)


@pytest.fixture(autouse=True)
def _harness_evidence(request: pytest.FixtureRequest) -> Iterator[evidence.EvidenceLog]:
    log = evidence.EvidenceLog()
    setattr(request.node, _EVIDENCE_ATTR, log)
    state = request.config.stash[_STATE]
    deadline = request.config.getoption("harness_run_deadline")
    if deadline and time.time() - state.started > deadline and not _started_early(request.node):
        raise TargetUnreachable(f"run deadline of {deadline:.0f}s exceeded before this check started "
                                f"(--run-deadline)")
    with evidence.collecting(log):
        needed = [str(m) for marker in request.node.iter_markers("needs") for m in marker.args]
        if needed:
            target: Target = request.getfixturevalue("target")
            missing = [m for m in needed if not target.offers(m)]
            if missing:
                raise NotApplicable(f"the target does not advertise {', '.join(missing)}")
        yield log


def _started_early(item: pytest.Item) -> bool:
    """A waiting check whose start item ran (harness.pytest_waits): it started before the run deadline."""
    from harness.pytest_waits import was_started

    return was_started(item)


# -- outcome mapping ----------------------------------------------------------------------

def _suite_of(item: pytest.Item) -> str:
    return _suite_of_file(str(item.path))


@functools.lru_cache(maxsize=256)
def _suite_of_file(path: str) -> str:
    """The suite of a test file (resolved once per file: every check's record and id asks for it)."""
    from harness.registry import suite_of_path

    suite = suite_of_path(Path(path))
    if suite is not None:
        return suite.name
    parts = Path(path).parts
    if "suites" in parts:
        index = len(parts) - 1 - list(reversed(parts)).index("suites")
        if index + 1 < len(parts) - 1:
            return parts[index + 1]
    return Path(path).parent.name


def check_id(item: pytest.Item) -> str:
    """Stable check id: ``<suite>.<test name without test_>[params]``."""
    name = item.name.removeprefix("test_")
    return f"{_suite_of(item)}.{name}"


def _title(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    first = doc.strip().splitlines()[0] if doc.strip() else item.name
    return first.strip().replace("``", "")


def classify(excinfo: pytest.ExceptionInfo[BaseException] | None) -> tuple[Outcome, str, list[Any]]:
    """Map how a test phase ended to (outcome, message, findings)."""
    if excinfo is None:
        return Outcome.PASSED, "", []
    exc = excinfo.value
    if isinstance(exc, CheckFailed):
        findings = list(exc.findings)
        return outcome_for_findings(findings), str(exc), findings
    if isinstance(exc, NotApplicable):
        return Outcome.SKIPPED, str(exc), []
    if isinstance(exc, pytest.skip.Exception):
        return Outcome.SKIPPED, str(exc.msg) if hasattr(exc, "msg") else str(exc), []
    if isinstance(exc, NeedsReview):
        return Outcome.REVIEW, str(exc), []
    if isinstance(exc, ProfileError):
        return Outcome.BROKEN, f"profile problem: {exc}", []
    if isinstance(exc, HarnessError):
        return Outcome.BROKEN, f"{type(exc).__name__}: {exc}", []
    return Outcome.BROKEN, f"harness error {type(exc).__name__}: {exc}", []


def broken_cause(exc: BaseException) -> str:
    """Whose fault a broken check is (a key of :data:`harness.results.BROKEN_CAUSES`), never the target's.

    A transport failure or deadline is ``network``; a profile problem ``profile``; a flow the harness
    could not drive (:class:`HarnessError` raised on purpose) ``setup``; anything unexpected — a bare
    ``assert``, a ``KeyError`` — is a ``harness`` bug.
    """
    if isinstance(exc, TargetUnreachable):
        return "network"
    if isinstance(exc, ProfileError):
        return "profile"
    if isinstance(exc, HarnessError):
        return "setup"
    return "harness"


def _traceback_text(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """The traceback of a harness bug, for the evidence (credentials are masked when evidence is written)."""
    import traceback

    lines = traceback.format_exception(excinfo.type, excinfo.value, excinfo.tb)
    text = "".join(lines)
    return text if len(text) <= 20_000 else text[:10_000] + "\n[... traceback truncated ...]\n" + text[-10_000:]


_VERDICTS = (CheckFailed, NotApplicable, NeedsReview)
"""Exceptions that carry a check's verdict: their message (the findings) is the whole story."""

_REPR_METHODS = ("repr_failure", "_repr_failure_py")


def _verdict_repr(excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
    """The failure text pytest keeps for a verdict exception: its type and message, not a traceback.

    pytest renders a failed test's traceback with the source of every frame (it parses each frame's
    module): ~30 ms of CPU a failed check in a large suite module, for text a conformance run never
    prints (``--tb=no``) and that would only repeat the findings (and the frames' arguments) in the
    Allure trace. A harness bug (any other exception) keeps pytest's traceback.
    """
    return f"{excinfo.typename}: {excinfo.value}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Turn each phase result into the harness outcome; attach the record to the report."""
    verdict_raised = call.excinfo is not None and isinstance(call.excinfo.value, _VERDICTS) and _is_check(item)
    if verdict_raised:  # for this phase's report only: pytest's own rendering of it is skipped
        for name in _REPR_METHODS:
            setattr(item, name, _verdict_repr)
    try:
        outcome = yield
    finally:
        if verdict_raised:
            for name in _REPR_METHODS:
                delattr(item, name)
    report: pytest.TestReport = outcome.get_result()
    if not _is_check(item):
        return
    log: evidence.EvidenceLog = getattr(item, _EVIDENCE_ATTR, evidence.EvidenceLog())
    verdict, message, findings = classify(call.excinfo)
    if call.when == "setup" and verdict is Outcome.PASSED:
        return
    if call.when == "teardown" and verdict is Outcome.PASSED:
        return
    if call.when == "teardown" and item.stash.get(_RECORDED, False):
        return  # teardown problems after a recorded verdict do not change it
    if verdict is Outcome.WARNING or verdict is Outcome.REVIEW:
        report.outcome = "passed"
    elif verdict is Outcome.SKIPPED and call.excinfo is not None and not isinstance(
            call.excinfo.value, pytest.skip.Exception):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {message}")
    requirements = [str(r) for m in item.iter_markers("requirement") for r in m.args]
    for finding in findings:
        if finding.requirement not in requirements:
            requirements.append(finding.requirement)
    if verdict is Outcome.SKIPPED:
        asked = _target_exchanges(log)
        if asked:
            # design rule: a skip is decided before the target is asked; after that, a missing
            # behaviour is a failure and an unjudgeable answer is review — a skip here is a harness bug
            verdict = Outcome.BROKEN
            message = (f"harness bug: the check skipped after {asked} request(s) to the target "
                       f"(a skip must be decided before asking): {message}")
            report.outcome = "failed"
            report.longrepr = message
    message = _catalogue_problems(findings) + message
    evidence_dict = log.as_dict()
    cause: str | None = None
    if verdict is Outcome.BROKEN:
        cause = "harness" if call.excinfo is None else broken_cause(call.excinfo.value)
        if cause == "harness" and call.excinfo is not None and not message.startswith("harness bug"):
            evidence_dict["traceback"] = scrub_text(_traceback_text(call.excinfo))
    duration = report.duration if call.when == "call" else 0.0
    if call.when == "call":
        from harness.pytest_waits import active_time

        started = active_time(item)  # a started check: the time it ran plus its waits, as if run in one go
        duration = duration if started is None else started + log.mandated_wait_s
    record = CheckRecord(
        id=check_id(item), suite=_suite_of(item), title=_title(item), outcome=verdict,
        requirements=requirements, message=message, findings=findings, evidence=evidence_dict,
        duration_s=duration, broken_by=cause,
    )
    deviations = item.config.stash[_STATE].deviations
    if deviations is not None:
        from harness.reporting.deviations import match_record

        match = match_record(record, deviations)
        record.deviation = match.as_deviation()
        if match.known:
            report.outcome = "passed"  # shown as known, not failed: console, footer, junit, Allure
            report.longrepr = None
        elif match.unlisted:
            record.message = (f"new finding(s) {', '.join(match.unlisted)} not listed in the deviations entry "
                              f"for this check: {record.message}")
    report.user_properties.append((RECORD_KEY, json.dumps(record.as_dict())))
    item.stash[_RECORDED] = True
    if item.config.pluginmanager.hasplugin("allure_pytest"):
        from harness.reporting.allure import annotate

        annotate(record)


_RECORDED = pytest.StashKey[bool]()


_METADATA_LABELS = ("discovery", "jwks")


def _target_exchanges(log: evidence.EvidenceLog) -> int:
    """Requests the check made to the target beyond fetching its (cached) metadata and keys."""
    exchanges = log.as_dict().get("exchanges", [])
    return sum(1 for e in exchanges if not str(e.get("label") or "").startswith(_METADATA_LABELS))


def _catalogue_problems(findings: list[Any]) -> str:
    """A harness-bug prefix when a finding cites an uncatalogued ID or overstates its requirement's level."""
    from harness.specs.catalogue import find, level_too_strong

    problems = []
    for finding in findings:
        if find(finding.requirement) is None:
            problems.append(f"{finding.code} cites {finding.requirement}, which is not in the requirement catalogue")
        elif level_too_strong(finding.level, finding.requirement):
            problems.append(f"{finding.code} is a {finding.level.value.upper()} finding citing the "
                            f"{find(finding.requirement).level} requirement {finding.requirement}")  # type: ignore[union-attr]
    return f"HARNESS BUG ({'; '.join(problems)}): " if problems else ""


def _is_check(item: pytest.Item) -> bool:
    from harness.pytest_waits import is_starter

    return not is_starter(item) and any(True for _ in item.iter_markers("requirement"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collect records (also from xdist workers) and print progress."""
    for key, value in report.user_properties:
        if key == RECORD_KEY:
            config = _CONFIG.get("config")
            if config is None:
                return
            state = config.stash[_STATE]
            data = json.loads(str(value))
            state.records.append(_record_from_dict(data))
            if config.getoption("harness_progress"):
                _progress(config, state, data)


_CONFIG: dict[str, pytest.Config] = {}


@pytest.hookimpl(optionalhook=True)  # an xdist hook: unknown when xdist is not loaded
def pytest_testnodedown(node: Any, error: Any) -> None:
    """An xdist worker ended: adopt the credentials it registered (the controller scrubs the shared files)."""
    from harness.redaction import adopt_registered

    adopt_registered(list(getattr(node, "workeroutput", {}).get(_CREDENTIALS_KEY, [])))
    config = _CONFIG.get("config")
    plan = getattr(node, "workeroutput", {}).get(_SHARD_PLAN_KEY)
    if config is not None and plan:
        config.stash[_STATE].shard_plan = str(plan)


_CREDENTIALS_KEY = "oauth_harness_credentials"
_SHARD_PLAN_KEY = "oauth_harness_shard_plan"


def _scrub_allure_results(config: pytest.Config) -> None:
    """Mask every registered credential in allure-pytest's own files (its status messages and traces).

    allure-pytest writes a test's status details from the exception as raised, outside the
    harness's redacted records; in a worker run the values are known only after every worker has
    handed its registry to the controller, so the directory is scrubbed once at the end.
    """
    from harness.pytest_waits import drop_start_results
    from harness.redaction import scrub_file

    directory = config.getoption("allure_report_dir", None)
    if not directory or not Path(str(directory)).is_dir():
        return
    drop_start_results(Path(str(directory)))
    for path in Path(str(directory)).iterdir():
        if path.suffix in (".json", ".txt") and path.is_file():
            scrub_file(path)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Apply the deviations file to the whole run; a stale entry fails the session like a failure."""
    config = session.config
    if config.stash.get(_PREVIOUS_ALARM, None) is not None:
        import signal

        signal.setitimer(signal.ITIMER_REAL, 0)  # the checks are over: the reports are written unhurried
    if hasattr(config, "workeroutput"):
        from harness.redaction import registered_values

        config.workeroutput[_CREDENTIALS_KEY] = registered_values()
        config.workeroutput[_SHARD_PLAN_KEY] = config.stash[_STATE].shard_plan
    else:
        _scrub_allure_results(config)
    state = config.stash[_STATE]
    if state.deviations is None or hasattr(config, "workerinput") or not state.records:
        return
    from harness.reporting.deviations import apply_deviations

    # a shard holds a share of the checks: entries for the others' checks are judged by `merge`
    full_run = not config.getoption("harness_checks") and not config.getoption("keyword") \
        and not config.getoption("harness_shard")
    state.deviation_result = apply_deviations(state.records, state.deviations,
                                              str(config.getoption("harness_deviations")), full_run=full_run)
    if state.deviation_result.stale and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Remember the config so report hooks can reach the session state."""
    _CONFIG["config"] = session.config
    session.config.stash[_STATE].started = time.time()
    if session.config.getoption("harness_progress") and not hasattr(session.config, "workerinput"):
        session.config.stash[_STATE].previous_duration = _previous_duration(session.config)


def _selection(config: pytest.Config) -> str:
    """What this session selected (the history compares a run only with runs of the same selection)."""
    from harness.reporting.history import run_selection

    selection = run_selection(config.getoption("harness_checks"), config.getoption("keyword"), config.args)
    shard = config.getoption("harness_shard")
    return f"{selection} shard={shard}" if shard else selection


def _previous_duration(config: pytest.Config) -> float | None:
    """The duration of the last comparable run in the history, if any (the progress line's estimate)."""
    report_dir, profile_path = config.getoption("harness_report_dir"), config.getoption("harness_target")
    if not report_dir or not profile_path:
        return None
    from harness.reporting.history import previous_duration

    name = _profile_name(str(profile_path))
    return previous_duration(Path(report_dir), name, _selection(config)) if name else None


def _record_from_dict(data: dict[str, Any]) -> CheckRecord:
    from harness.results import Finding, Level

    findings = [Finding(code=f["code"], message=f["message"], requirement=f["requirement"],
                        level=Level(f["level"]), expected=f["expected"], actual=f["actual"])
                for f in data["findings"]]
    return CheckRecord(id=data["id"], suite=data["suite"], title=data["title"], outcome=Outcome(data["outcome"]),
                       requirements=data["requirements"], message=data["message"], findings=findings,
                       evidence=data["evidence"], duration_s=data["duration_s"], deviation=data.get("deviation"),
                       broken_by=data.get("broken_by"))


def _progress(config: pytest.Config, state: _State, data: dict[str, Any]) -> None:
    from harness.reporting.console import estimate_left, progress_line

    writer = config.pluginmanager.get_plugin("terminalreporter")
    if writer is None or config.getoption("harness_quiet"):
        return
    done = len(state.records)
    elapsed = time.time() - state.started
    workers = config.getoption("numprocesses", None) if config.pluginmanager.hasplugin("xdist") else None
    left = estimate_left(elapsed, done, state.total, state.previous_duration,
                         [r.duration_s for r in state.records], workers if isinstance(workers, int) else 1)
    writer.write_line(progress_line(data, done=done, total=state.total, elapsed=elapsed, left=left,
                                    verbose=bool(config.getoption("harness_verbose"))))


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
    """Warnings, reviews and known deviations are their own categories in pytest's footer.

    (``N warned``, ``N review``, ``N known``; letters ``W``, ``R``, ``K``.) With progress lines on,
    pytest's own progress letters are dropped (they would interleave).
    """
    shown = _displayed(report)
    progress = config.getoption("harness_progress")
    if shown in _OWN_CATEGORIES:
        category, letter = _OWN_CATEGORIES[shown]
        return category, "" if progress else letter, shown.upper()
    if progress and report.when == "call":
        return report.outcome, "", ""
    return None


_OWN_CATEGORIES = {"known": ("known", "K"), "warning": ("warned", "W"), "review": ("review", "R")}
"""Outcome -> (footer category, progress letter); 'warned' because pytest's 'warnings' are Python warnings."""


def _displayed(report: pytest.TestReport) -> str | None:
    for key, value in getattr(report, "user_properties", []):
        if key == RECORD_KEY:
            data = json.loads(str(value))
            return "known" if data.get("deviation") else str(data["outcome"])
    return None


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Print the per-suite summary table and write the reports."""
    state = config.stash[_STATE]
    if not state.records or hasattr(config, "workerinput"):
        return
    _shield_report_writing(config)
    from harness.reporting.summary import summary_table

    deviations = state.deviation_result
    if deviations is not None:
        terminalreporter.write_line(f"known deviations: {len(deviations.known)} matched")
        for stale in deviations.stale:
            terminalreporter.write_line(
                f"STALE DEVIATION {stale.check}: expected finding(s) {stale.expected}, got {stale.actual} — "
                f"update or remove it in the deviations file ({stale.reason})")
    terminalreporter.write_line("")
    for line in summary_table(state.records):
        terminalreporter.write_line(line)
    report_dir = config.getoption("harness_report_dir")
    if report_dir:
        from harness.reporting.writer import RunInfo, write_reports

        controller_target = _controller_target(config) if state.target is None else None
        if controller_target is not None:
            state.target = controller_target
        try:
            info = RunInfo.collect(state, started=state.started, finished=time.time())
        finally:
            if controller_target is not None:
                controller_target.close()
        info.incomplete = exitstatus == pytest.ExitCode.INTERRUPTED
        info.selection = _selection(config)
        if config.getoption("harness_shard"):
            info.shard, info.shard_plan = str(config.getoption("harness_shard")), state.shard_plan
        if info.incomplete:
            terminalreporter.write_line("run interrupted: the reports cover the checks that ran (incomplete)")
        from harness.certification import all_profiles, evaluate
        from harness.reporting.writer import results_only_active

        selected = set(config.getoption("harness_certification") or [])
        verdicts = [] if results_only_active() else [
            {**evaluate(profile, state.records).as_dict(), "selected": name in selected}
            for name, profile in all_profiles().items()]
        for verdict in verdicts:
            if verdict["selected"]:
                modules = Counter(str(m["verdict"]) for m in verdict["modules"])
                counts = ", ".join(f"{n} {v}" for v, n in modules.most_common())
                judged = f" (OIDF modules: {counts})" if modules else ""
                terminalreporter.write_line(
                    f"certification {verdict['profile']} {verdict['version']}: {verdict['verdict'].upper()}{judged}")
        paths = write_reports(Path(report_dir), state.records, info, deviations, certification=verdicts)
        terminalreporter.write_line(f"reports: {paths.parent if paths else report_dir}")


def _controller_target(config: pytest.Config) -> Target | None:
    """Under xdist the controller runs no check: open the profile's target to describe the run.

    One discovery request (the run metadata and ``run.features``); a failure leaves them unknown.
    """
    path = config.getoption("harness_target")
    if path is None:
        return None
    from harness.runtime import open_target

    try:
        target = open_target(path).target
    except HarnessError:
        return None
    with contextlib.suppress(HarnessError):
        target.metadata  # noqa: B018 - fetched once and cached for RunInfo
    return target


_PREVIOUS_SIGTERM = pytest.StashKey[Any]()


def _install_sigterm(config: pytest.Config) -> None:
    """SIGTERM ends a conformance run like Ctrl-C: the checks that ran are reported, marked incomplete.

    CI runners stop jobs with SIGTERM. The controller turns it into ``KeyboardInterrupt`` (pytest
    then ends the session as interrupted and the terminal summary writes the reports); xdist workers
    ignore it, so the controller can stop them and collect what they finished.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    handler = signal.SIG_IGN if hasattr(config, "workerinput") else interrupt
    config.stash[_PREVIOUS_SIGTERM] = signal.signal(signal.SIGTERM, handler)


def _shield_report_writing(config: pytest.Config) -> None:
    """From here on the reports are written: a SIGTERM (or the run deadline) no longer interrupts that.

    A CI runner that stops a job sends SIGTERM and, after its grace period, SIGKILL; a SIGTERM that
    arrives while the reports are being written would otherwise leave none at all.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    if config.stash.get(_PREVIOUS_SIGTERM, None) is not None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if config.stash.get(_PREVIOUS_ALARM, None) is not None:
        signal.setitimer(signal.ITIMER_REAL, 0)


RUN_DEADLINE_GRACE_S = 5.0
"""How long checks already running at the run deadline may take before the run is ended."""

_PREVIOUS_ALARM = pytest.StashKey[Any]()


def _arm_run_deadline(config: pytest.Config) -> None:
    """At the run deadline (plus a short grace), end the run even inside a stuck check.

    Checks not started by the deadline end broken (``_harness_evidence``); a check still running
    ``RUN_DEADLINE_GRACE_S`` after it is interrupted like Ctrl-C, so the run ends, writes its
    reports (incomplete) and exits — a target that holds a request open cannot hold the run.
    """
    import signal
    import threading

    deadline = config.getoption("harness_run_deadline", None)
    if not deadline or hasattr(config, "workerinput") or threading.current_thread() is not threading.main_thread():
        return

    def expire(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"run deadline of {deadline:.0f}s (+{RUN_DEADLINE_GRACE_S:.0f}s grace) reached")

    config.stash[_PREVIOUS_ALARM] = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, float(deadline) + RUN_DEADLINE_GRACE_S)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Forget the config reference; restore the SIGTERM handler and disarm the run deadline."""
    import signal

    previous = config.stash.get(_PREVIOUS_SIGTERM, None)
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)
    alarm = config.stash.get(_PREVIOUS_ALARM, None)
    if alarm is not None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, alarm)
    _CONFIG.pop("config", None)
    os.environ.pop("OAUTH_HARNESS_WORKER", None)
