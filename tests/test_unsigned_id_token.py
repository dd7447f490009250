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

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli import SUITES_DIR, SUITES_INI
from harness.reference_target import RunningTarget

CHECK = "response_types.unsigned_id_token"
REFERENCE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "reference_target"


def _profile(tmp_path: Path) -> Path:
    data = yaml.safe_load((REFERENCE_DIR / "profile.yaml").read_text())
    data["deviations_file"] = str(REFERENCE_DIR / "deviations.yaml")
    client = next(c for c in data["clients"] if c["id"] == "conf-post")
    client.setdefault("documented", {})["id_token_signing_alg"] = "none"
    path = tmp_path / "unsigned-id-token.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _run(reference: RunningTarget, profile: Path, report_dir: Path, *, emulated: bool,
         defects: list[str]) -> dict[str, Any]:
    args = ["-c", str(SUITES_INI), "--rootdir", str(SUITES_DIR.parent), "-q", "-p", "no:cacheprovider",
            "-p", "no:xdist", "--target", str(profile), "--report-dir", str(report_dir),
            "-W", "ignore::pytest.PytestAssertRewriteWarning", "--alluredir", str(report_dir / "allure-results"),
            str(SUITES_DIR / "response_types"), "-k", "test_unsigned_id_token"]
    reference.set_settings(unsigned_id_token_emulated=emulated)
    reference.set_defects(defects)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pytest.main(args)
    finally:
        reference.set_defects([])
        reference.set_settings(unsigned_id_token_emulated=False)
    document = json.loads((report_dir / "results.json").read_text())
    return next(c for c in document["checks"] if c["id"] == CHECK)


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
