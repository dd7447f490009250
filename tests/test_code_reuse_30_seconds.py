"""``authorization_code.code_reuse_after_30_seconds_refused`` proven both ways (OIDF ``oidcc-codereuse-30seconds``).

The check waits 30 s between the first and the second redemption of a code, so it is opt-in:
the bundled profiles cap waits at ``limits.max_expiry_wait_s`` 15 s and it is skipped there,
before any request, with the limit to raise in the reason. This test starts reference targets
whose codes live 60 s (so the reused code has not also expired), states that lifetime and a 31 s
cap in a copy of the reference profile, and runs the check clean (passed), with ``code_reusable``
(failed) and with ``code_reuse_keeps_tokens`` (warning). The defects are global to a target, so each
case has its own target (its defects active from its start) and its own ``oauth-harness run`` in a
child process: the runs go side by side and their 30 s waits overlap.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from harness.reference_target import ReferenceTarget
from tests.interop.interop_cli import run_cli
from tests.suite_runs import profile_copy

CHECK = "authorization_code.code_reuse_after_30_seconds_refused"


CASES: dict[str, tuple[list[str], float]] = {
    # case -> (defects active on its target, limits.max_expiry_wait_s of its profile)
    "capped": ([], 15),
    "clean": ([], 31),
    "code_reusable": (["code_reusable"], 31),
    "code_reuse_keeps_tokens": (["code_reuse_keeps_tokens"], 31),
}


def _profile(tmp_path: Path, *, cap: float, lifetime: int) -> Path:
    def edit(data: dict[str, Any]) -> None:
        data["documented"]["authorization_code_lifetime_s"] = lifetime
        data.setdefault("limits", {})["max_expiry_wait_s"] = cap
    return profile_copy(tmp_path, f"profile-cap{cap:g}", edit)


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The check's record in each case of :data:`CASES`, from runs made side by side (one target each)."""
    directory = tmp_path_factory.mktemp("code-reuse")
    with ExitStack() as stack:
        targets = {case: stack.enter_context(ReferenceTarget.start(defects, ttl_overrides={"AuthorizationCode": 60}))
                   for case, (defects, _cap) in CASES.items()}

        def run(case: str) -> tuple[int, str]:
            profile = _profile(directory / case, cap=CASES[case][1], lifetime=60)
            argv = ["run", "--target", str(profile), "--check", CHECK, "--workers", "1",
                    "--report-dir", str(directory / case / "report")]
            return run_cli(argv, env=targets[case].env, timeout_s=180)

        for case in CASES:
            (directory / case).mkdir()
        with ThreadPoolExecutor(len(CASES)) as pool:
            outputs = dict(zip(CASES, pool.map(run, CASES), strict=True))
    found: dict[str, dict[str, Any]] = {}
    for case, (_code, output) in outputs.items():
        results = directory / case / "report" / "results.json"
        assert results.is_file(), output
        found[case] = {c["id"]: c for c in json.loads(results.read_text())["checks"]}[CHECK]
    return found


def _codes(record: dict[str, Any]) -> set[str]:
    return {f["code"] for f in record["findings"]}


def test_skipped_under_the_bundled_cap(records: dict[str, dict[str, Any]]) -> None:
    """With the reference profile's cap (15 s) the check is skipped before any request, naming the limit."""
    record = records["capped"]
    assert record["outcome"] == "skipped"
    assert "raise limits.max_expiry_wait_s to at least 30" in record["message"]
    assert record["exchange_count"] == 0


@pytest.mark.parametrize(("case", "outcome", "code"), [
    ("clean", "passed", None),
    ("code_reusable", "failed", "TOKEN_REQUEST_ACCEPTED"),
    ("code_reuse_keeps_tokens", "warning", "CODE_REUSE_TOKENS_NOT_REVOKED"),
], ids=["clean", "code_reusable", "code_reuse_keeps_tokens"])
def test_both_ways(records: dict[str, dict[str, Any]], case: str, outcome: str, code: str | None) -> None:
    record = records[case]
    assert record["outcome"] == outcome, record["message"]
    assert record["evidence"]["mandated_wait_s"] >= 30
    if code is not None:
        assert code in _codes(record), _codes(record)
