"""Runs the conformance suites in-process against the reference target, with or without defects."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from harness.cli import SUITES_DIR, SUITES_INI, available_suites
from harness.redaction import contains_compact_jwt
from harness.reference_target import RunningTarget


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


class SuiteRunner:
    """Run selected checks of the suites against a running reference target."""

    def __init__(self, running: RunningTarget, workdir: Path) -> None:
        self.running = running
        self.workdir = workdir
        self.runs = 0
        self.last_report_dir: Path | None = None
        self.last_document: dict[str, Any] = {}
        self.clean_document: dict[str, Any] = {}
        self.clean_report_dir: Path | None = None

    def run(self, *, defects: tuple[str, ...] = (), checks: list[str] | None = None,
            suites: list[str] | None = None, deviations: Path | None = None) -> dict[str, dict[str, Any]]:
        """Run the checks (ids like ``pkce.wrong_verifier_refused``) and return records by id.

        A clean run of whole suites with the reference deviations is served from one clean run of
        every suite, made once per test process: in it the mandated waits of all suites overlap
        (harness.wait_overlap), where one run per suite would wait each suite's longest wait.
        """
        if suites and not defects and not checks and deviations == DEVIATIONS:
            records = self._clean_everything()
            return {cid: r for cid, r in records.items() if r["suite"] in set(suites)}
        return self._run(defects=defects, checks=checks, suites=suites, deviations=deviations)

    def _clean_everything(self) -> dict[str, dict[str, Any]]:
        if not self.clean_document:
            self._run(suites=available_suites(), deviations=DEVIATIONS)
            self.clean_document, self.clean_report_dir = self.last_document, self.last_report_dir
        self.last_document, self.last_report_dir = self.clean_document, self.clean_report_dir
        return {c["id"]: c for c in self.clean_document["checks"]}

    def _run(self, *, defects: tuple[str, ...] = (), checks: list[str] | None = None,
             suites: list[str] | None = None, deviations: Path | None = None) -> dict[str, dict[str, Any]]:
        self.runs += 1
        report_dir = self.workdir / f"run{self.runs}"
        from harness.registry import select

        names = suites or sorted({c.split(".", 1)[0] for c in checks or []})
        paths = [str(s.path) for s in select(names)]
        args = ["-c", str(SUITES_INI), "--rootdir", str(SUITES_DIR.parent), "-q", "-p", "no:cacheprovider",
                "-p", "no:xdist", "--target", str(self.running.profile_path()), "--report-dir", str(report_dir),
                "-W", "ignore::pytest.PytestAssertRewriteWarning",
                "--alluredir", str(report_dir / "allure-results"), *paths]
        if deviations is not None:
            args += ["--deviations", str(deviations)]
        if checks:
            names = sorted({c.split(".", 1)[1].split("[", 1)[0] for c in checks})
            args += ["-k", " or ".join(names)]
        self.running.set_defects(list(defects))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pytest.main(args)
        finally:
            self.running.set_defects([])
        self.last_report_dir = report_dir
        self.last_document = json.loads((report_dir / "results.json").read_text())
        return {c["id"]: c for c in self.last_document["checks"]}


@pytest.fixture(scope="session")
def suite_runner(reference: RunningTarget, tmp_path_factory: pytest.TempPathFactory) -> SuiteRunner:
    return SuiteRunner(reference, tmp_path_factory.mktemp("suite-runs"))


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
    records = suite_runner.run(suites=available_suites(), deviations=DEVIATIONS)
    _assert_no_secrets_in_reports(suite_runner)
    return records
