"""Every negative check is proven both ways against the reference target.

For each defect of the reference target, the checks listed here must pass against the clean
target (``test_clean_reference_run``) and must fail — or warn, for SHOULD-level rules — with the
defect injected. ``test_every_check_is_accounted_for`` keeps the table honest: a new check must
either get a defect here or be listed in ``ACCEPT_OR_UNPROVEN`` with the reason.
"""

from __future__ import annotations

import json

import pytest

from harness.cli import available_suites
from harness.reference_target import KNOWN_DEFECTS

from .conftest import SuiteRunner, load_maps

SUITES = available_suites()

DEFECT_CHECKS, ACCEPT_OR_UNPROVEN = load_maps()

DETECTED = {"failed", "warning"}


def _codes(record: dict[str, object]) -> set[str]:
    return {str(f["code"]) for f in record["findings"]}  # type: ignore[union-attr, index]


@pytest.fixture(scope="session")
def clean_run(suite_runner: SuiteRunner) -> dict[str, dict[str, object]]:
    records = suite_runner.run(suites=SUITES)
    _assert_no_secrets_in_reports(suite_runner)
    return records


_clean_by_suite: dict[str, dict[str, dict[str, object]]] = {}


def _clean_records(runner: SuiteRunner, suite: str) -> dict[str, dict[str, object]]:
    """The clean run of one suite (cached), so a defect test only runs the suites it needs."""
    if suite not in _clean_by_suite:
        _clean_by_suite[suite] = runner.run(suites=[suite])
    return _clean_by_suite[suite]


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
        assert "eyJ" not in text, f"{path} contains a compact JWT"


def test_clean_reference_run(clean_run: dict[str, dict[str, object]]) -> None:
    """The clean reference target: no failed and no broken check, at least 60 executed."""
    bad = {cid: (c["outcome"], c["message"]) for cid, c in clean_run.items() if c["outcome"] in ("failed", "broken")}
    assert bad == {}
    executed = [c for c in clean_run.values() if c["outcome"] != "skipped"]
    assert len(executed) >= 60, len(executed)
    for defect, checks in DEFECT_CHECKS.items():
        for check in checks:
            # a SHOULD-level warning on the clean target is allowed (e.g. no Pragma header);
            # the defect run must then add a finding the clean run does not have
            assert clean_run[check]["outcome"] in ("passed", "warning"), (defect, check, clean_run[check]["message"])


def test_every_check_is_accounted_for(clean_run: dict[str, dict[str, object]]) -> None:
    proven = {check for checks in DEFECT_CHECKS.values() for check in checks}
    unaccounted = sorted(set(clean_run) - proven - set(ACCEPT_OR_UNPROVEN))
    assert unaccounted == [], "add a defect for these checks or list them in ACCEPT_OR_UNPROVEN (map_<area>.py)"
    assert set(DEFECT_CHECKS) <= set(KNOWN_DEFECTS)
    assert proven <= set(clean_run), "the maps name checks that do not exist"


@pytest.mark.parametrize("defect", sorted(DEFECT_CHECKS))
def test_defect_detected(suite_runner: SuiteRunner, defect: str) -> None:
    """With the defect injected, every check mapped to it fails (or warns, for a SHOULD) with a new finding."""
    checks = DEFECT_CHECKS[defect]
    records = suite_runner.run(defects=(defect,), checks=checks)
    missed = {}
    for check in checks:
        record = records[check]
        clean = _clean_records(suite_runner, check.split(".", 1)[0])[check]
        assert clean["outcome"] in ("passed", "warning"), (check, clean["message"])
        new_codes = _codes(record) - _codes(clean)
        if record["outcome"] not in DETECTED or not new_codes:
            missed[check] = (record["outcome"], record["message"])
    assert missed == {}, f"{defect} not detected"
