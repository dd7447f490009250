"""``response_types.s_hash_fapi1_advanced`` proven both ways (FAPI 1.0 Advanced §5.2.2.1 ``s_hash``).

The bundled profile has no FAPI 1.0 Advanced client, so the check is skipped there (s_hash is a
FAPI 1.0 rule only). This test marks ``conf-basic`` ``fapi: 1.0-advanced`` in a copy of the
reference profile and runs the check with the reference target's runtime setting
``fapi1_conf_basic``, under which oidc-provider serves that client with its own FAPI '1.0 Final'
profile (``src/areas/response_types.mjs``): passed; with the defect ``fapi1_s_hash_omitted`` (the
FAPI 1.0 profile is not applied, so the library adds no ``s_hash``): failed.
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

CHECK = "response_types.s_hash_fapi1_advanced"
REFERENCE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "reference_target"


def _profile(tmp_path: Path) -> Path:
    data = yaml.safe_load((REFERENCE_DIR / "profile.yaml").read_text())
    data["deviations_file"] = str(REFERENCE_DIR / "deviations.yaml")
    next(c for c in data["clients"] if c["id"] == "conf-basic")["fapi"] = "1.0-advanced"
    path = tmp_path / "fapi1-conf-basic.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _run(reference: RunningTarget, profile: Path, report_dir: Path, defects: list[str]) -> dict[str, Any]:
    args = ["-c", str(SUITES_INI), "--rootdir", str(SUITES_DIR.parent), "-q", "-p", "no:cacheprovider",
            "-p", "no:xdist", "--target", str(profile), "--report-dir", str(report_dir),
            "-W", "ignore::pytest.PytestAssertRewriteWarning", "--alluredir", str(report_dir / "allure-results"),
            str(SUITES_DIR / "response_types"), "-k", "test_s_hash_fapi1_advanced"]
    reference.set_settings(fapi1_conf_basic=True)
    reference.set_defects(defects)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pytest.main(args)
    finally:
        reference.set_defects([])
        reference.set_settings(fapi1_conf_basic=False)
    document = json.loads((report_dir / "results.json").read_text())
    return next(c for c in document["checks"] if c["id"] == CHECK)


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
