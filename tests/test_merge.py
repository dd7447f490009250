"""``oauth-harness merge``: shard reports into one run; refused when they are not every shard of one run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.reporting.merge import MergeError, base_selection, merge
from harness.reporting.writer import RunInfo, write_reports
from harness.results import CheckRecord, Finding, Level, Outcome


def _record(check: str, outcome: Outcome = Outcome.PASSED, code: str | None = None) -> CheckRecord:
    findings = [Finding(code=code, message="m", requirement="RFC6749-3.1.2", level=Level.MUST)] if code else []
    return CheckRecord(id=check, suite=check.split(".")[0], title=check, outcome=outcome,
                       requirements=["RFC6749-3.1.2"], message="", findings=findings, evidence={}, duration_s=0.1)


def _shard(root: Path, name: str, shard: str, records: list[CheckRecord], *, plan: str = "p1",
           target: str = "t", version: str = "1.0", started: str = "2026-01-01T00:00:00+00:00") -> Path:
    info = RunInfo(target=target, issuer="https://t", harness_version=version, started=started,
                   finished="2026-01-01T00:00:10+00:00", duration_s=10.0, selection=f"all shard={shard}",
                   shard=shard, shard_plan=plan)
    directory = root / "shards" / name
    write_reports(directory, records, info)
    (directory / "allure-results").mkdir()
    (directory / "allure-results" / f"{name}-result.json").write_text("{}")
    return directory


def test_merge_combines_the_shards_like_one_run(tmp_path: Path) -> None:
    one = _shard(tmp_path, "s1", "1/2", [_record("a.one"), _record("b.two", Outcome.FAILED, "X")])
    two = _shard(tmp_path, "s2", "2/2", [_record("a.three", Outcome.SKIPPED)],
                 started="2025-12-31T23:59:50+00:00")
    document = merge([two, one], tmp_path / "merged")
    assert [c["id"] for c in document["checks"]] == ["a.one", "a.three", "b.two"]
    assert document["summary"]["total"] == 3 and document["summary"]["failed"] == 1
    run = document["run"]
    assert (run["shard"], run["merged_from"], run["selection"]) == ("", 2, "all")
    assert run["started"] == "2025-12-31T23:59:50+00:00" and run["duration_s"] == 20.0
    assert sorted(p.name for p in (tmp_path / "merged" / "allure-results").iterdir()) == [
        "s1-result.json", "s2-result.json"]
    junit = (tmp_path / "merged" / "junit.xml").read_text()
    assert junit.count("<testcase") == 3 and junit.count("<failure") == 1
    assert "b.two" in (tmp_path / "merged" / "index.html").read_text()


@pytest.mark.parametrize(("change", "message"), [
    ({"target": "u"}, "different targets"),
    ({"version": "2.0"}, "different harness versions"),
    ({"plan": "p2"}, "different shard plans"),
])
def test_merge_refuses_shards_of_different_runs(tmp_path: Path, change: dict[str, str], message: str) -> None:
    one = _shard(tmp_path, "s1", "1/2", [_record("a.one")])
    two = _shard(tmp_path, "s2", "2/2", [_record("a.two")], **change)
    with pytest.raises(MergeError, match=message):
        merge([one, two], tmp_path / "merged")


def test_merge_refuses_a_missing_or_repeated_shard_and_duplicate_checks(tmp_path: Path) -> None:
    one = _shard(tmp_path, "s1", "1/3", [_record("a.one")])
    two = _shard(tmp_path, "s2", "2/3", [_record("a.two")])
    with pytest.raises(MergeError, match=r"shard\(s\) 3/3 missing"):
        merge([one, two], tmp_path / "merged")
    again = _shard(tmp_path, "s1b", "1/3", [_record("a.three")])
    with pytest.raises(MergeError, match="shard 1/3 given twice"):
        merge([one, again, two], tmp_path / "merged")
    three = _shard(tmp_path, "s3", "3/3", [_record("a.one")])
    with pytest.raises(MergeError, match="check a.one is in shard 1/3 and in shard 3/3"):
        merge([one, two, three], tmp_path / "merged")


def test_merge_refuses_a_report_that_is_not_a_shard(tmp_path: Path) -> None:
    info = RunInfo(target="t", issuer="https://t", harness_version="1.0")
    write_reports(tmp_path / "whole", [_record("a.one")], info)
    with pytest.raises(MergeError, match="not a shard report"):
        merge([tmp_path / "whole"], tmp_path / "merged")


def test_staleness_is_judged_over_the_merged_set(tmp_path: Path) -> None:
    deviations = tmp_path / "deviations.yaml"
    deviations.write_text("deviations:\n"
                          "  - check: b.two\n    findings: [X]\n    reason: listed (RFC 6749 3.1.2)\n"
                          "  - check: a.one\n    findings: [Y]\n    reason: fixed since (RFC 6749 3.1.2)\n")
    one = _shard(tmp_path, "s1", "1/2", [_record("a.one")])
    two = _shard(tmp_path, "s2", "2/2", [_record("b.two", Outcome.FAILED, "X")])
    document = merge([one, two], tmp_path / "merged", deviations=str(deviations))
    assert document["deviations"]["known"] == ["b.two"]
    assert [s["check"] for s in document["deviations"]["stale"]] == ["a.one"]
    assert document["summary"]["stale_deviations"] == 1


def test_merge_command_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = _shard(tmp_path, "s1", "1/2", [_record("a.one")])
    assert main(["merge", str(one), "--report-dir", str(tmp_path / "m")]) == 2
    assert "shard(s) 2/2 missing" in capsys.readouterr().err
    two = _shard(tmp_path, "s2", "2/2", [_record("a.two")])
    assert main(["merge", str(one), str(two), "--report-dir", str(tmp_path / "m")]) == 0
    assert json.loads((tmp_path / "m" / "results.json").read_text())["summary"]["total"] == 2
    assert main(["run", "--shard", "3/2"]) == 2
    assert main(["run", "--durations", "x.json"]) == 2


def test_base_selection() -> None:
    assert base_selection("all shard=1/2") == "all"
    assert base_selection("suite=a suite=b shard=2/3") == "suite=a suite=b"
