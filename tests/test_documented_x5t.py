"""PingFederate's "Include X.509 Thumbprint Header Parameter" selected, proven both ways (issue 21).

The reference profile documents no ``x5t`` in JWT access tokens (PingFederate's default), so
``documented.access_token_x5t_certificate`` is skipped in the clean run. This test states
``x5t_header: true`` in a copy of the reference profile and turns on the reference target's runtime
setting ``doc_atm_x5t_header`` (an ``x5t`` header: the SHA-1 thumbprint of the certificate the RS256
signing key is published with, ``x5c``):

* as documented, the check passes (and ``jwt_access_token.x5t_header`` with it);
* with ``doc_atm_x5t_mismatch`` (the thumbprint of other bytes) it fails
  ``AT_X5T_CERTIFICATE_MISMATCH``, while the presence-only ``jwt_access_token.x5t_header`` still passes.
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


def _profile(tmp_path: Path) -> Path:
    data = yaml.safe_load((REFERENCE_DIR / "profile.yaml").read_text())
    data["deviations_file"] = str(REFERENCE_DIR / "deviations.yaml")
    data["documented"]["access_token"]["x5t_header"] = True
    path = tmp_path / "x5t.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _run(reference: RunningTarget, profile: Path, report_dir: Path, defects: list[str]) -> dict[str, dict[str, Any]]:
    args = ["-c", str(SUITES_INI), "--rootdir", str(SUITES_DIR.parent), "-q", "-p", "no:cacheprovider",
            "-p", "no:xdist", "--target", str(profile), "--report-dir", str(report_dir),
            "-W", "ignore::pytest.PytestAssertRewriteWarning", "--alluredir", str(report_dir / "allure-results"),
            str(SUITES_DIR / "documented"), str(SUITES_DIR / "jwt_access_token"),
            "-k", "test_access_token_x5t_certificate or test_x5t_header"]
    reference.set_defects(defects)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pytest.main(args)
    finally:
        reference.set_defects([])
    document = json.loads((report_dir / "results.json").read_text())
    return {c["id"]: c for c in document["checks"]}


@pytest.mark.parametrize(("defects", "outcome", "codes"), [
    ([], "passed", set()),
    (["doc_atm_x5t_mismatch"], "failed", {"AT_X5T_CERTIFICATE_MISMATCH"}),
], ids=["as-documented", "doc_atm_x5t_mismatch"])
def test_x5t_matched_to_the_signing_certificate(reference: RunningTarget, tmp_path: Path, defects: list[str],
                                               outcome: str, codes: set[str]) -> None:
    reference.set_settings(doc_atm_x5t_header=True)
    try:
        records = _run(reference, _profile(tmp_path), tmp_path / "report", defects)
    finally:
        reference.set_settings(doc_atm_x5t_header=False)
    record = records["documented.access_token_x5t_certificate"]
    assert record["outcome"] == outcome, record["message"]
    assert {f["code"] for f in record["findings"]} == codes
    assert records["jwt_access_token.x5t_header"]["outcome"] == "passed"
