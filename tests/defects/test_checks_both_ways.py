"""Every negative check is proven both ways against the reference target.

For each defect of the reference target, the checks listed here must pass against the clean
target (``test_clean_reference_run``) and must fail — or warn, for SHOULD-level rules — with the
defect injected. ``test_every_check_is_accounted_for`` keeps the table honest: a new check must
either get a defect here or be listed in ``ACCEPT_OR_UNPROVEN`` with the reason.
"""

from __future__ import annotations

from typing import cast

import pytest

from harness.cli import available_suites
from harness.reference_target import KNOWN_DEFECTS

from .conftest import DEVIATIONS, SuiteRunner, load_maps

SUITES = available_suites()

DEFECT_CHECKS, ACCEPT_OR_UNPROVEN = load_maps()

DETECTED = {"failed", "warning"}

SHORT_LIVED = frozenset({"code_never_expires", "fapi2_code_long_lived", "par_request_uri_never_expires",
                         "device_code_never_expires", "device_approval_ignored", "ciba_approval_ignored"})
"""Defects whose checks wait out a lifetime (or poll until the grant expires): proven on the short-lived target
(``short_lived_runner``, lifetimes of seconds, documented in its profile), where the checks pass clean too."""


def _codes(record: dict[str, object]) -> set[str]:
    findings = cast(list[dict[str, object]], record["findings"])
    return {str(f["code"]) for f in findings}


def _catalogue_problems(records: dict[str, dict[str, object]]) -> list[str]:
    """Findings citing an uncatalogued requirement, or stronger than their requirement's level."""
    from harness.results import Level
    from harness.specs.catalogue import find, level_too_strong

    problems = []
    for cid, record in records.items():
        for f in record["findings"]:  # type: ignore[attr-defined]
            if find(f["requirement"]) is None:
                problems.append(f"{cid}: {f['code']} cites uncatalogued {f['requirement']}")
            elif level_too_strong(Level(f["level"]), f["requirement"]):
                problems.append(f"{cid}: {f['code']} is {f['level']} but {f['requirement']} is "
                                f"{find(f['requirement']).level}")  # type: ignore[union-attr]
    return problems


_clean_by_suite: dict[str, dict[str, dict[str, object]]] = {}


def _clean_records(runner: SuiteRunner, suite: str) -> dict[str, dict[str, object]]:
    """The clean run of one suite (cached), so a defect test only runs the suites it needs."""
    if suite not in _clean_by_suite:
        _clean_by_suite[suite] = runner.run(suites=[suite], deviations=DEVIATIONS)
    return _clean_by_suite[suite]


_short_lived_clean: dict[str, dict[str, object]] = {}


def _short_lived_clean_records(runner: SuiteRunner) -> dict[str, dict[str, object]]:
    """The clean run, on the short-lived target, of every check a :data:`SHORT_LIVED` defect maps to (once)."""
    if not _short_lived_clean:
        checks = sorted({check for defect in SHORT_LIVED for check in DEFECT_CHECKS.get(defect, [])})
        _short_lived_clean.update(runner.run(checks=checks, deviations=DEVIATIONS, results_only=True))
    return _short_lived_clean


def _clean_ok(record: dict[str, object]) -> bool:
    """Passed or warned on the clean target, or failed only with the findings its known deviation lists."""
    deviation = record.get("deviation")
    known = isinstance(deviation, dict) and deviation.get("status") == "known"
    return record["outcome"] in ("passed", "warning") or (record["outcome"] == "failed" and known)


def test_clean_reference_run(suite_runner: SuiteRunner, clean_run: dict[str, dict[str, object]]) -> None:
    """The clean reference target: no unexpected failure, no broken check, no stale deviation."""
    bad = {cid: (c["outcome"], c["message"]) for cid, c in clean_run.items()
           if c["outcome"] == "broken" or (c["outcome"] == "failed" and not c.get("deviation"))}
    assert bad == {}
    assert suite_runner.clean_document["deviations"]["stale"] == []
    assert _catalogue_problems(clean_run) == []
    executed = [c for c in clean_run.values() if c["outcome"] != "skipped"]
    assert len(executed) >= 60, len(executed)
    for defect, checks in DEFECT_CHECKS.items():
        for check in checks:
            # a SHOULD-level warning on the clean target is allowed (e.g. no Pragma header);
            # the defect run must then add a finding the clean run does not have
            # (or a known deviation: the defect run must then show a finding the deviation does not list)
            assert _clean_ok(clean_run[check]), (defect, check, clean_run[check]["message"])


def test_every_check_is_accounted_for(clean_run: dict[str, dict[str, object]]) -> None:
    proven = {check for checks in DEFECT_CHECKS.values() for check in checks}
    unaccounted = sorted(set(clean_run) - proven - set(ACCEPT_OR_UNPROVEN))
    assert unaccounted == [], "add a defect for these checks or list them in ACCEPT_OR_UNPROVEN (map_<area>.py)"
    assert set(DEFECT_CHECKS) <= set(KNOWN_DEFECTS)
    assert proven <= set(clean_run), "the maps name checks that do not exist"


@pytest.mark.parametrize("defect", sorted(DEFECT_CHECKS))
def test_defect_detected(suite_runner: SuiteRunner, request: pytest.FixtureRequest, defect: str) -> None:
    """With the defect injected, every check mapped to it fails (or warns, for a SHOULD) with a new finding.

    A :data:`SHORT_LIVED` defect is injected on the short-lived target: its checks pass clean there as well
    as in the clean run, and the finding must be new against both clean records.
    """
    checks = DEFECT_CHECKS[defect]
    runner: SuiteRunner = request.getfixturevalue("short_lived_runner") if defect in SHORT_LIVED else suite_runner
    records = runner.run(defects=(defect,), checks=checks, results_only=True)
    missed = {}
    for check in checks:
        record = records[check]
        clean = _clean_records(suite_runner, check.split(".", 1)[0])[check]
        assert _clean_ok(clean), (check, clean["message"])
        clean_codes = _codes(clean)
        if defect in SHORT_LIVED:
            short_clean = _short_lived_clean_records(runner)[check]
            assert _clean_ok(short_clean), (check, "short-lived target", short_clean["message"])
            clean_codes |= _codes(short_clean)
        new_codes = _codes(record) - clean_codes
        if record["outcome"] not in DETECTED or not new_codes:
            missed[check] = (record["outcome"], record["message"])
    assert missed == {}, f"{defect} not detected"
    assert _catalogue_problems({c: records[c] for c in checks}) == []
