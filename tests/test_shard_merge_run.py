"""Two shards of a run against the reference target, merged, equal an unsharded run of the same suites.

Needs a server (the ``reference`` fixture: one reference target for the three runs).
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness.reference_target import RunningTarget

sys.path.insert(0, str(Path(__file__).resolve().parent / "interop"))
from tests.interop.interop_cli import run_cli  # noqa: E402

SUITES = ["--suite", "discovery", "--suite", "token_endpoint", "--suite", "pkce"]


def _verdicts(path: Path) -> list[tuple[str, str]]:
    return sorted((c["id"], c["outcome"]) for c in json.loads(path.read_text())["checks"])


def test_merged_shards_equal_the_unsharded_run(reference: RunningTarget, tmp_path: Path) -> None:
    profile = ["--target", str(reference.profile_path())]
    reports = tmp_path / "runs"  # not "reports": the side-by-side runs would each refresh a shared "latest" copy
    runs = {"whole": [], "shard1": ["--shard", "1/2"], "shard2": ["--shard", "2/2"]}

    def run(name: str) -> tuple[int, str]:
        return run_cli(["run", *profile, *SUITES, *runs[name], "--quiet", "--report-dir", str(reports / name)],
                       timeout_s=120)

    with ThreadPoolExecutor(len(runs)) as pool:  # the three runs side by side (none changes the target)
        for code, output in pool.map(run, runs):
            assert code == 0, output
    one, two = (json.loads((reports / n / "results.json").read_text())["run"] for n in ("shard1", "shard2"))
    assert (one["shard"], two["shard"]) == ("1/2", "2/2") and one["shard_plan"] == two["shard_plan"]
    shares = [_verdicts(reports / n / "results.json") for n in ("shard1", "shard2")]
    assert shares[0] and shares[1]  # each shard ran a share

    code, output = run_cli(["merge", str(reports / "shard1"), str(reports / "shard2"),
                            "--report-dir", str(reports / "merged")], timeout_s=60)
    assert code == 0, output
    merged = json.loads((reports / "merged" / "results.json").read_text())
    assert _verdicts(reports / "merged" / "results.json") == _verdicts(reports / "whole" / "results.json")
    assert merged["run"]["merged_from"] == 2 and merged["run"]["shard"] == ""
    whole = json.loads((reports / "whole" / "results.json").read_text())
    assert merged["run"]["selection"] == whole["run"]["selection"]
    assert {k: v for k, v in merged["summary"].items()} == whole["summary"]
    junit = (reports / "merged" / "junit.xml").read_text()
    assert junit.count("<testcase ") == len(whole["checks"])
    assert len(list((reports / "merged" / "allure-results").glob("*-result.json"))) == len(whole["checks"])

    code, output = run_cli(["merge", str(reports / "shard1"), "--report-dir", str(reports / "bad")], timeout_s=60)
    assert code == 2 and "shard(s) 2/2 missing" in output
