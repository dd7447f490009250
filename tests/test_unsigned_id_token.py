"""``response_types.unsigned_id_token`` proven both ways (OIDF ``oidcc-idtoken-unsigned``).

oidc-provider 9 cannot sign ID Tokens with ``none``, so the bundled reference target does not list
it and the check is skipped there before any request. With the runtime setting
``unsigned_id_token_emulated`` the reference target lists ``none`` in
``id_token_signing_alg_values_supported`` and re-encodes the code-only client ``conf-post``'s ID
Token as an Unsecured JWT (``src/areas/response_types.mjs``). This test documents ``conf-post`` with
``id_token_signing_alg: none`` in a copy of the reference profile and runs the check: skipped
without the setting (none not advertised), passed with it, failed with the defect
``unsigned_id_token_signed`` (the ID Token stays signed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.reference_target import RunningTarget
from tests.suite_runs import profile_copy, run_checks

CHECK = "response_types.unsigned_id_token"


def _profile(tmp_path: Path) -> Path:
    def edit(data: dict[str, Any]) -> None:
        client = next(c for c in data["clients"] if c["id"] == "conf-post")
        client.setdefault("documented", {})["id_token_signing_alg"] = "none"
    return profile_copy(tmp_path, "unsigned-id-token", edit)


def _run(reference: RunningTarget, profile: Path, report_dir: Path, *, emulated: bool,
         defects: list[str]) -> dict[str, Any]:
    return run_checks(reference, profile, report_dir, suites=["response_types"], keyword="test_unsigned_id_token",
                      defects=defects, settings={"unsigned_id_token_emulated": emulated})[CHECK]


def test_skipped_where_none_is_not_advertised(reference: RunningTarget, tmp_path: Path) -> None:
    record = _run(reference, _profile(tmp_path), tmp_path / "plain", emulated=False, defects=[])
    assert record["outcome"] == "skipped"
    assert "does not list none in id_token_signing_alg_values_supported" in record["message"]
    labels = [e["label"] for e in record["evidence"].get("exchanges", [])]
    assert labels in ([], ["discovery"]), labels  # decided from discovery alone


@pytest.mark.parametrize(("defects", "outcome"), [([], "passed"), (["unsigned_id_token_signed"], "failed")],
                         ids=["emulated", "unsigned_id_token_signed"])
def test_both_ways(reference: RunningTarget, tmp_path: Path, defects: list[str], outcome: str) -> None:
    record = _run(reference, _profile(tmp_path), tmp_path / "run", emulated=True, defects=defects)
    assert record["outcome"] == outcome, record["message"]
    if defects:
        assert {f["code"] for f in record["findings"]} == {"ID_TOKEN_NOT_UNSIGNED"}
