"""``authorization_code.code_reuse_after_30_seconds_refused`` proven both ways (OIDF ``oidcc-codereuse-30seconds``).

The check waits 30 s between the first and the second redemption of a code, so it is opt-in:
the bundled profiles cap waits at ``limits.max_expiry_wait_s`` 15 s and it is skipped there,
before any request, with the limit to raise in the reason. This test starts its own reference
target whose codes live 60 s (so the reused code has not also expired), states that lifetime and
a 31 s cap in a copy of the reference profile, and runs the check clean (passed), with
``code_reusable`` (failed) and with ``code_reuse_keeps_tokens`` (warning).
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli import SUITES_DIR, SUITES_INI
from harness.reference_target import ReferenceTarget, RunningTarget

CHECK = "authorization_code.code_reuse_after_30_seconds_refused"
REFERENCE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "reference_target"


@pytest.fixture(scope="module")
def long_codes() -> Iterator[RunningTarget]:
    """A reference target whose authorization codes live 60 s (its variables exported while it runs)."""
    with ReferenceTarget.start(ttl_overrides={"AuthorizationCode": 60}) as running:
        saved = {k: os.environ.get(k) for k in running.env}
        os.environ.update(running.env)
        try:
            yield running
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _profile(tmp_path: Path, *, cap: float, lifetime: int) -> Path:
    data = yaml.safe_load((REFERENCE_DIR / "profile.yaml").read_text())
    data["deviations_file"] = str(REFERENCE_DIR / "deviations.yaml")
    data["documented"]["authorization_code_lifetime_s"] = lifetime
    data.setdefault("limits", {})["max_expiry_wait_s"] = cap
    path = tmp_path / f"profile-cap{cap:g}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _run(running: RunningTarget, profile: Path, report_dir: Path, defects: list[str]) -> dict[str, Any]:
    args = ["-c", str(SUITES_INI), "--rootdir", str(SUITES_DIR.parent), "-q", "-p", "no:cacheprovider",
            "-p", "no:xdist", "--target", str(profile), "--report-dir", str(report_dir),
            "-W", "ignore::pytest.PytestAssertRewriteWarning", "--alluredir", str(report_dir / "allure-results"),
            str(SUITES_DIR / "authorization_code"), "-k", "test_code_reuse_after_30_seconds_refused"]
    running.set_defects(defects)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pytest.main(args)
    finally:
        running.set_defects([])
    document = json.loads((report_dir / "results.json").read_text())
    return next(c for c in document["checks"] if c["id"] == CHECK)


def _codes(record: dict[str, Any]) -> set[str]:
    return {f["code"] for f in record["findings"]}


def test_skipped_under_the_bundled_cap(long_codes: RunningTarget, tmp_path: Path) -> None:
    """With the reference profile's cap (15 s) the check is skipped before any request, naming the limit."""
    record = _run(long_codes, _profile(tmp_path, cap=15, lifetime=60), tmp_path / "capped", [])
    assert record["outcome"] == "skipped"
    assert "raise limits.max_expiry_wait_s to at least 30" in record["message"]
    assert record["exchange_count"] == 0


@pytest.mark.parametrize(("defects", "outcome", "code"), [
    ([], "passed", None),
    (["code_reusable"], "failed", "TOKEN_REQUEST_ACCEPTED"),
    (["code_reuse_keeps_tokens"], "warning", "CODE_REUSE_TOKENS_NOT_REVOKED"),
], ids=["clean", "code_reusable", "code_reuse_keeps_tokens"])
def test_both_ways(long_codes: RunningTarget, tmp_path: Path, defects: list[str], outcome: str,
                   code: str | None) -> None:
    record = _run(long_codes, _profile(tmp_path, cap=31, lifetime=60), tmp_path / "run", defects)
    assert record["outcome"] == outcome, record["message"]
    assert record["evidence"]["mandated_wait_s"] >= 30
    if code is not None:
        assert code in _codes(record), _codes(record)
