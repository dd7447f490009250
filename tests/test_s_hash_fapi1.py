"""``response_types.s_hash_fapi1_advanced`` proven both ways (FAPI 1.0 Advanced §5.2.2.1 ``s_hash``).

The bundled profile has no FAPI 1.0 Advanced client, so the check is skipped there (s_hash is a
FAPI 1.0 rule only). This test marks ``conf-basic`` ``fapi: 1.0-advanced`` in a copy of the
reference profile and runs the check with the reference target's runtime setting
``fapi1_conf_basic``, under which oidc-provider serves that client with its own FAPI '1.0 Final'
profile (``src/areas/response_types.mjs``): passed; with the defect ``fapi1_s_hash_omitted`` (the
FAPI 1.0 profile is not applied, so the library adds no ``s_hash``): failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.reference_target import RunningTarget
from tests.suite_runs import profile_copy, run_checks

CHECK = "response_types.s_hash_fapi1_advanced"


def _profile(tmp_path: Path) -> Path:
    def edit(data: dict[str, Any]) -> None:
        next(c for c in data["clients"] if c["id"] == "conf-basic")["fapi"] = "1.0-advanced"
    return profile_copy(tmp_path, "fapi1-conf-basic", edit)


def _run(reference: RunningTarget, profile: Path, report_dir: Path, defects: list[str]) -> dict[str, Any]:
    return run_checks(reference, profile, report_dir, suites=["response_types"], keyword="test_s_hash_fapi1_advanced",
                      defects=defects, settings={"fapi1_conf_basic": True})[CHECK]


@pytest.mark.parametrize(("defects", "outcome"), [([], "passed"), (["fapi1_s_hash_omitted"], "failed")],
                         ids=["fapi1", "fapi1_s_hash_omitted"])
def test_both_ways(reference: RunningTarget, tmp_path: Path, defects: list[str], outcome: str) -> None:
    record = _run(reference, _profile(tmp_path), tmp_path / "run", defects)
    assert record["outcome"] == outcome, record["message"]
    if defects:
        assert {f["code"] for f in record["findings"]} == {"ID_TOKEN_S_HASH_MISSING"}
    else:
        tokens = record["evidence"].get("tokens", [])
        assert any("s_hash" in (t.get("claims") or {}) for t in tokens), tokens
