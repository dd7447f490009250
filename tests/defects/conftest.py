"""Runs the conformance suites in-process against the reference target, with or without defects."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import gc
import json
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

import harness.certification
from harness.cli import SUITES_DIR, SUITES_INI, available_suites
from harness.redaction import contains_compact_jwt
from harness.reference_target import RunningTarget
from harness.reporting.writer import results_only
from tests.suite_runs import exported_env, profile_copy


def load_maps() -> tuple[dict[str, list[str]], dict[str, str]]:
    """Merge every ``map_<area>.py`` in this folder (a defect may be mapped by several areas)."""
    import importlib

    defect_checks: dict[str, list[str]] = {}
    accept: dict[str, str] = {}
    for path in sorted(Path(__file__).parent.glob("map_*.py")):
        module = importlib.import_module(f"{__package__}.{path.stem}")
        for defect, checks in module.DEFECT_CHECKS.items():
            defect_checks.setdefault(defect, []).extend(c for c in checks if c not in defect_checks.get(defect, []))
        accept.update(module.ACCEPT_OR_UNPROVEN)
    return defect_checks, accept


DEVIATIONS = Path(__file__).resolve().parents[2] / "fixtures" / "reference_target" / "deviations.yaml"


_shipped_certification_profiles = functools.cache(harness.certification.all_profiles)
"""The shipped certification profiles, read once per test process (every run's results.json evaluates them)."""


class SuiteRunner:
    """Run selected checks of the suites against a running reference target.

    ``shared`` is a directory every xdist worker of the session sees: the clean run of every suite is
    made once per session there (by the first worker that needs it) and read by the others.
    """

    def __init__(self, running: RunningTarget, workdir: Path, shared: Path | None = None, *,
                 profile: Path | None = None) -> None:
        self.running = running
        self.workdir = workdir
        self.shared = shared
        # the profile of the runs: the target's own, or a copy that states other lifetimes (short_lived_runner)
        self.profile = profile or running.profile_path()
        self.runs = 0
        self.last_report_dir: Path | None = None
        self.last_document: dict[str, Any] = {}
        self.clean_document: dict[str, Any] = {}
        self.clean_report_dir: Path | None = None
        self._defect_runs: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[dict[str, Any], Path | None]] = {}

    def run(self, *, defects: tuple[str, ...] = (), checks: list[str] | None = None,
            suites: list[str] | None = None, deviations: Path | None = None,
            results_only: bool = False) -> dict[str, dict[str, Any]]:
        """Run the checks (ids like ``pkce.wrong_verifier_refused``) and return records by id.

        A clean run of whole suites with the reference deviations is served from one clean run of
        every suite, made once per test session on a target of its own (:func:`_make_clean_run`, longer
        lifetimes): in it the mandated waits of all suites overlap (harness.wait_overlap), where one run
        per suite would wait each suite's longest wait.

        ``results_only``: the run writes ``results.json`` only (no junit, HTML or Allure, no pytest
        tracebacks on the console) — for proofs that read nothing else. Every other run writes every
        report; the clean run's are searched for secrets (:func:`_assert_no_secrets_in_reports`).
        """
        if suites and not defects and not checks and deviations == DEVIATIONS:
            records = self._clean_everything()
            return {cid: r for cid, r in records.items() if r["suite"] in set(suites)}
        if defects and checks and results_only and not suites and deviations is None:
            return self._defect_run(defects, checks)
        return self._run(defects=defects, checks=checks, suites=suites, deviations=deviations,
                         results_only=results_only)

    def _defect_run(self, defects: tuple[str, ...], checks: list[str]) -> dict[str, dict[str, Any]]:
        """A results-only run of ``checks`` with ``defects``, made once: the both-ways proof of a defect and
        its certification flip ask for the same run, and each asserts its own things on it."""
        key = (defects, tuple(checks))
        if key not in self._defect_runs:
            self._run(defects=defects, checks=checks, results_only=True)
            self._defect_runs[key] = (self.last_document, self.last_report_dir)
        self.last_document, self.last_report_dir = self._defect_runs[key]
        return {c["id"]: c for c in self.last_document["checks"]}

    def _clean_everything(self) -> dict[str, dict[str, Any]]:
        if not self.clean_document:
            with self._shared_clean_run() as made:
                if made is None:
                    self.clean_document, self.clean_report_dir = _make_clean_run(self.workdir / "clean")
                else:
                    self.clean_report_dir = made
                    self.clean_document = json.loads((made / "results.json").read_text())
        self.last_document, self.last_report_dir = self.clean_document, self.clean_report_dir
        return {c["id"]: c for c in self.clean_document["checks"]}

    @contextlib.contextmanager
    def _shared_clean_run(self) -> Iterator[Path | None]:
        """Under xdist the first worker makes the clean run and names its report directory; the others wait and read it.

        Yields the report directory of the clean run another worker made, or ``None`` (make it here).
        A clean run that failed its secrets search fails every worker's tests that need it.
        """
        if self.shared is None:
            yield None
            return
        done, failed = self.shared / "clean-run.done", self.shared / "clean-run.failed"
        with (self.shared / "clean-run.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes (or the worker dies)
            if failed.exists():
                raise AssertionError(f"the clean run on another worker failed: {failed.read_text()}")
            if done.exists():
                yield Path(done.read_text())
                return
            try:
                yield None
            except BaseException as exc:
                failed.write_text(f"{type(exc).__name__}: {exc}"[:2000])
                raise
            assert self.clean_report_dir is not None
            done.write_text(str(self.clean_report_dir))

    def _run(self, *, defects: tuple[str, ...] = (), checks: list[str] | None = None,
             suites: list[str] | None = None, deviations: Path | None = None,
             results_only: bool = False) -> dict[str, dict[str, Any]]:
        self.runs += 1
        report_dir = self.workdir / f"run{self.runs}"
        from harness.registry import select

        names = suites or sorted({c.split(".", 1)[0] for c in checks or []})
        paths = [str(s.path) for s in select(names)]
        args = ["-c", str(SUITES_INI), "--rootdir", str(SUITES_DIR.parent), "-q", "-p", "no:cacheprovider",
                "-p", "no:xdist", "--target", str(self.profile), "--report-dir", str(report_dir),
                "-W", "ignore::pytest.PytestAssertRewriteWarning", *paths]
        if results_only:
            args += ["--tb=no"]  # nobody reads the console; the records carry the findings
        else:
            args += ["--alluredir", str(report_dir / "allure-results")]
        if deviations is not None:
            args += ["--deviations", str(deviations)]
        if checks:
            names = sorted({c.split(".", 1)[1].split("[", 1)[0] for c in checks})
            args += ["-k", " or ".join(names)]
        # what earlier runs left alive (the clean run's document above all) is not scanned again by
        # the garbage collections pytest makes at the end of every run
        gc.freeze()
        self.running.set_defects(list(defects))
        try:
            # the profile reads the target's REFTARGET_* variables: this runner's, for this run
            with warnings.catch_warnings(), self._writing(results_only), exported_env(self.running):
                warnings.simplefilter("ignore")
                pytest.main(args)
        finally:
            self.running.set_defects([])
        self.last_report_dir = report_dir
        self.last_document = json.loads((report_dir / "results.json").read_text())
        return {c["id"]: c for c in self.last_document["checks"]}


    @staticmethod
    @contextlib.contextmanager
    def _writing(results_only_: bool) -> Iterator[None]:
        if not results_only_:
            yield
            return
        with results_only(), mock.patch.object(harness.certification, "all_profiles", _shipped_certification_profiles):
            yield


@pytest.fixture(scope="session")
def suite_runner(reference: RunningTarget, tmp_path_factory: pytest.TempPathFactory) -> SuiteRunner:
    # under xdist every worker's base temp sits in one session directory (pytest-of-<user>/pytest-N/popen-gwK)
    shared = tmp_path_factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") else None
    return SuiteRunner(reference, tmp_path_factory.mktemp("suite-runs"), shared)


LIFETIME_MODELS = ("AuthorizationCode", "PushedAuthorizationRequest", "DeviceCode", "BackchannelAuthenticationRequest")
"""The reference target's lifetimes (oidc-provider models) that the expiry checks wait out."""

SHORT_TTL_S = 4
"""The lifetime of codes, PAR request URIs, device codes and CIBA requests on the short-lived target."""

SHORT_TTLS = dict.fromkeys(LIFETIME_MODELS, SHORT_TTL_S)

CLEAN_TTL_S = 25
"""The same lifetimes on the target of the shared clean run (the bundled target's are 10 s).

The clean run is every suite in one process, made while the other workers keep both cores busy: in a
full ``make test`` it takes 2-3 min, and a decoupled grant's user side (login, consent, each request
through the harness) has been seen to take the whole of a 10 s lifetime before the first poll (the check
is then broken, harness too slow: ``harness.flows.polling.require_asked_before_expiry``). 25 s leaves a
margin of 2.5x; the expiry checks wait it out beside the other checks (``harness.wait_overlap``), and
:data:`CLEAN_MAX_EXPIRY_WAIT_S` lets them. The defect runs stay on the bundled target's 10 s lifetimes.
"""

CLEAN_MAX_EXPIRY_WAIT_S = 28
"""``limits.max_expiry_wait_s`` of the clean run's profile: the lifetimes plus the checks' margins fit, and the
OIDF 30 s code-reuse delay (``authorization_code.code_reuse_after_30_seconds_refused``) stays skipped by
the cap as in the bundled profile (proven in tests/test_code_reuse_30_seconds.py)."""


def _documented_lifetimes(seconds: int, *, max_expiry_wait_s: float | None = None) -> Callable[[dict[str, Any]], None]:
    """An edit of the reference profile: its documented lifetimes of the :data:`LIFETIME_MODELS` set to ``seconds``."""

    def edit(data: dict[str, Any]) -> None:
        documented = data["documented"]
        documented["authorization_code_lifetime_s"] = seconds
        documented["par"]["request_uri_lifetime_s"] = seconds
        documented["device"]["code_lifetime_s"] = seconds
        documented["ciba"]["request_lifetime_s"] = seconds
        for client in data["clients"]:
            if "device_code_lifetime_s" in client.get("documented", {}):
                client["documented"]["device_code_lifetime_s"] = seconds
        if max_expiry_wait_s is not None:
            data["limits"]["max_expiry_wait_s"] = max_expiry_wait_s

    return edit


def _make_clean_run(directory: Path) -> tuple[dict[str, Any], Path]:
    """The clean run of every suite, on a target of its own with :data:`CLEAN_TTL_S` lifetimes (stated in a profile
    copy); its reports searched for that target's secrets. Returns the results document and the report directory."""
    from harness.reference_target import ReferenceTarget

    directory.mkdir(parents=True)
    profile = profile_copy(directory, "clean", _documented_lifetimes(CLEAN_TTL_S,
                                                                     max_expiry_wait_s=CLEAN_MAX_EXPIRY_WAIT_S))
    with ReferenceTarget.start(ttl_overrides=dict.fromkeys(LIFETIME_MODELS, CLEAN_TTL_S)) as running:
        runner = SuiteRunner(running, directory, profile=profile)
        runner._run(suites=available_suites(), deviations=DEVIATIONS)  # not run(): that serves the clean run
        # the run's own target's secrets: searched for in every report file of the run that made them
        _assert_no_secrets_in_reports(runner)
    assert runner.last_report_dir is not None
    return runner.last_document, runner.last_report_dir


@pytest.fixture(scope="session")
def short_lived_runner(reference: RunningTarget, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SuiteRunner]:
    """Runs against a second reference target whose codes, request URIs, device codes and CIBA requests live
    :data:`SHORT_TTL_S` seconds, with a profile copy that documents those lifetimes.

    For the defects whose checks sit in those lifetimes (a check waits for an expiry, or polls until the
    grant expires): the same checks, waits of seconds instead of ten. ``reference`` comes first: its
    variables stay exported around this target's runs.
    """
    from harness.reference_target import ReferenceTarget

    directory = tmp_path_factory.mktemp("short-lived")
    with ReferenceTarget.start(ttl_overrides=SHORT_TTLS) as running:
        profile = profile_copy(directory, "short-lived", _documented_lifetimes(SHORT_TTL_S))
        yield SuiteRunner(running, directory, profile=profile)


def _profile_secrets(runner: SuiteRunner) -> list[str]:
    """Every secret of the reference profile: client secrets, passwords, private key material."""
    secrets = [*runner.running.client_secrets.values(), "alice-Secret-1", "bob-Secret-2",
               runner.running.admin_token]
    state = runner.running.state_dir
    for jwks in state.glob("*.jwks.json"):
        for key in json.loads(jwks.read_text()).get("keys", []):
            secrets += [str(key[m]) for m in ("d", "p", "q", "dp", "dq", "qi", "k") if m in key]
    for pem in state.glob("*.key"):
        body = "".join(line for line in pem.read_text().splitlines() if not line.startswith("-----"))
        secrets.append(body[10:60])  # a slice of the base64 body is enough to spot a leak
    return [s for s in secrets if len(s) >= 8]


def _assert_no_secrets_in_reports(runner: SuiteRunner) -> None:
    """Zero hits: no secret of the profile appears in any report file (JSON, JUnit, HTML, Allure)."""
    assert runner.last_report_dir is not None
    secrets = _profile_secrets(runner)
    assert len(secrets) > 20
    files = [p for p in runner.last_report_dir.rglob("*") if p.is_file() and p.suffix in (".json", ".xml", ".html",
                                                                                          ".txt")]
    assert any("allure-results" in str(p) for p in files) and any(p.name == "index.html" for p in files)
    for path in files:
        text = path.read_text()
        leaked = [s[:6] + "..." for s in secrets if s in text]
        assert leaked == [], f"{path} leaks secrets"
        assert not contains_compact_jwt(text), f"{path} contains a compact JWT"


@pytest.fixture(scope="session")
def clean_run(suite_runner: SuiteRunner) -> dict[str, dict[str, object]]:
    """The clean run of every suite (its reports searched for the secrets of the target it ran against)."""
    return suite_runner.run(suites=available_suites(), deviations=DEVIATIONS)
