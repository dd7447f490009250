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

from pathlib import Path
from typing import Any

import pytest

from harness.reference_target import RunningTarget
from tests.suite_runs import profile_copy, run_checks


def _profile(tmp_path: Path, status: str) -> Path:
    def edit(data: dict[str, Any]) -> None:
        data["documented"]["par"]["status"] = status
    return profile_copy(tmp_path, f"par-{status}", edit)


def _run(reference: RunningTarget, profile: Path, report_dir: Path, defects: list[str]) -> dict[str, Any]:
    return run_checks(reference, profile, report_dir, suites=["documented"], keyword="test_par_status",
                      defects=defects)["documented.par_status"]


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
