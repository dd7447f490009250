"""The authorization server's documented "PAR Status" Required and Disabled, proven both ways (issue 21).

The reference profile documents PAR Status Enabled, which ``tests/defects`` proves both ways
(``doc_par_globally_required``, ``doc_par_push_refused``). Required and Disabled need another
statement and a target that behaves so: this test copies the reference profile with
``documented.par.status`` set to each, turns the reference target into an AS with that status
(runtime settings ``doc_par_status_required`` / ``doc_par_status_disabled``), and runs
``documented.par_status``:

* as documented, the check passes;
* with ``doc_par_status_not_enforced`` (the AS behaves as Enabled whatever its status), it fails
  with the finding of the broken rule: a plain request got a code although Required, a push was
  accepted although Disabled;
* Required with ``doc_par_push_refused``: a push refused although Required makes PAR the only way.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli import SUITES_DIR, SUITES_INI
from harness.reference_target import RunningTarget

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "reference_target"


def _profile(tmp_path: Path, status: str) -> Path:
    data = yaml.safe_load((REFERENCE_DIR / "profile.yaml").read_text())
    data["deviations_file"] = str(REFERENCE_DIR / "deviations.yaml")
    data["documented"]["par"]["status"] = status
    path = tmp_path / f"par-{status}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _run(reference: RunningTarget, profile: Path, report_dir: Path, defects: list[str]) -> dict[str, Any]:
    args = ["-c", str(SUITES_INI), "--rootdir", str(SUITES_DIR.parent), "-q", "-p", "no:cacheprovider",
            "-p", "no:xdist", "--target", str(profile), "--report-dir", str(report_dir),
            "-W", "ignore::pytest.PytestAssertRewriteWarning", "--alluredir", str(report_dir / "allure-results"),
            str(SUITES_DIR / "documented"), "-k", "test_par_status"]
    reference.set_defects(defects)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pytest.main(args)
    finally:
        reference.set_defects([])
    document = json.loads((report_dir / "results.json").read_text())
    records = {c["id"]: c for c in document["checks"]}
    record: dict[str, Any] = records["documented.par_status"]
    return record


CASES = [
    ("required", [], "passed", set()),
    ("required", ["doc_par_status_not_enforced"], "failed", {"PAR_STATUS_REQUIRED_NOT_ENFORCED"}),
    ("required", ["doc_par_push_refused"], "failed", {"PAR_STATUS_PUSH_REFUSED"}),
    ("disabled", [], "passed", set()),
    ("disabled", ["doc_par_status_not_enforced"], "failed", {"PAR_STATUS_DISABLED_PUSH_ACCEPTED"}),
]


@pytest.mark.parametrize(("status", "defects", "outcome", "codes"), CASES,
                         ids=[f"{s}-{'+'.join(d) or 'as-documented'}" for s, d, _, _ in CASES])
def test_par_status_both_ways(reference: RunningTarget, tmp_path: Path, status: str, defects: list[str],
                              outcome: str, codes: set[str]) -> None:
    reference.set_settings(**{f"doc_par_status_{status}": True})
    try:
        record = _run(reference, _profile(tmp_path, status), tmp_path / "report", defects)
    finally:
        reference.set_settings(**{f"doc_par_status_{status}": False})
    assert record["outcome"] == outcome, record["message"]
    assert {f["code"] for f in record["findings"]} == codes
    assert all(f["requirement"] == "DOC-par.status" for f in record["findings"])
