"""``authorization_code.code_reuse_after_30_seconds_refused`` proven both ways (OIDF ``oidcc-codereuse-30seconds``).

The check waits 30 s between the first and the second redemption of a code, so it is opt-in:
the bundled profiles cap waits at ``limits.max_expiry_wait_s`` 15 s and it is skipped there,
before any request, with the limit to raise in the reason. This test starts its own reference
target whose codes live 60 s (so the reused code has not also expired), states that lifetime and
a 31 s cap in a copy of the reference profile, and runs the check clean (passed), with
``code_reusable`` (failed) and with ``code_reuse_keeps_tokens`` (warning).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.reference_target import ReferenceTarget, RunningTarget
from tests.suite_runs import exported_env, profile_copy, run_checks

CHECK = "authorization_code.code_reuse_after_30_seconds_refused"


@pytest.fixture(scope="module")
def long_codes() -> Iterator[RunningTarget]:
    """A reference target whose authorization codes live 60 s (its variables exported while it runs)."""
    with ReferenceTarget.start(ttl_overrides={"AuthorizationCode": 60}) as running, exported_env(running):
        yield running


def _profile(tmp_path: Path, *, cap: float, lifetime: int) -> Path:
    def edit(data: dict[str, Any]) -> None:
        data["documented"]["authorization_code_lifetime_s"] = lifetime
        data.setdefault("limits", {})["max_expiry_wait_s"] = cap
    return profile_copy(tmp_path, f"profile-cap{cap:g}", edit)


def _run(running: RunningTarget, profile: Path, report_dir: Path, defects: list[str]) -> dict[str, Any]:
    return run_checks(running, profile, report_dir, suites=["authorization_code"],
                      keyword="test_code_reuse_after_30_seconds_refused", defects=defects)[CHECK]


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
