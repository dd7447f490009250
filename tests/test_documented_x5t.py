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

from pathlib import Path
from typing import Any

import pytest

from harness.reference_target import RunningTarget
from tests.suite_runs import profile_copy, run_checks


def _profile(tmp_path: Path) -> Path:
    def edit(data: dict[str, Any]) -> None:
        data["documented"]["access_token"]["x5t_header"] = True
    return profile_copy(tmp_path, "x5t", edit)


def _run(reference: RunningTarget, profile: Path, report_dir: Path, defects: list[str]) -> dict[str, dict[str, Any]]:
    return run_checks(reference, profile, report_dir, suites=["documented", "jwt_access_token"],
                      keyword="test_access_token_x5t_certificate or test_x5t_header", defects=defects)


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
