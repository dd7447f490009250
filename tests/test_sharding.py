"""The shard plan (``run --shard K/N``): deterministic, complete, balanced, waits spread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.sharding import (
    Shard,
    ShardError,
    assign,
    durations_from_file,
    durations_from_history,
    parse_shard,
    plan_digest,
)

CHECKS = [f"suite{i % 5}.check_{i}" for i in range(53)]


def test_parse_shard() -> None:
    assert parse_shard("2/4") == Shard(2, 4)
    assert str(parse_shard(" 1 / 1 ")) == "1/1"
    for bad in ("0/2", "3/2", "2", "a/b", "1/0", ""):
        with pytest.raises(ShardError):
            parse_shard(bad)


def test_every_check_in_exactly_one_shard_and_the_plan_is_deterministic() -> None:
    plan = assign(CHECKS, 4)
    assert set(plan) == set(CHECKS) and set(plan.values()) == {1, 2, 3, 4}
    assert assign(reversed(CHECKS), 4) == plan  # the order the checks were collected in does not matter
    assert plan_digest(assign(list(CHECKS), 4)) == plan_digest(plan)
    assert plan_digest(assign(CHECKS, 3)) != plan_digest(plan)


def test_without_durations_the_shards_get_equal_counts() -> None:
    sizes = [list(assign(CHECKS, 4).values()).count(k) for k in (1, 2, 3, 4)]
    assert max(sizes) - min(sizes) <= 1


def test_waiting_checks_are_spread_before_any_shard_gets_a_second() -> None:
    waiting = CHECKS[:3]
    plan = assign(CHECKS, 3, waiting=waiting)
    assert sorted(plan[c] for c in waiting) == [1, 2, 3]
    plan = assign(CHECKS, 2, waiting=CHECKS[:4])
    assert sorted(plan[c] for c in CHECKS[:4]) == [1, 1, 2, 2]


def test_recorded_durations_balance_the_load() -> None:
    durations = {c: (30.0 if i < 2 else 0.5) for i, c in enumerate(CHECKS)}
    plan = assign(CHECKS, 2, durations=durations)
    loads = [sum(durations[c] for c, s in plan.items() if s == k) for k in (1, 2)]
    assert plan[CHECKS[0]] != plan[CHECKS[1]]  # the two long ones on different shards
    assert abs(loads[0] - loads[1]) <= 0.5
    # a check without a recorded duration (a new one) weighs the median, and is placed too
    assert set(assign([*CHECKS, "new.check"], 2, durations=durations)) == {*CHECKS, "new.check"}


def test_one_shard_holds_everything() -> None:
    assert set(assign(CHECKS, 1).values()) == {1}


def test_durations_from_a_results_file(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(json.dumps({"checks": [{"id": "a.b", "duration_s": 1.5}]}))
    assert durations_from_file(tmp_path) == {"a.b": 1.5}
    (tmp_path / "x.json").write_text("[]")
    with pytest.raises(ShardError):
        durations_from_file(tmp_path / "x.json")
    with pytest.raises(ShardError):
        durations_from_file(tmp_path / "missing.json")


def test_durations_from_history_skip_shard_runs_and_missing_reports(tmp_path: Path) -> None:
    def report(name: str, checks: dict[str, float]) -> str:
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps(
            {"checks": [{"id": k, "duration_s": v} for k, v in checks.items()]}))
        return str(tmp_path / name / "index.html")

    entries = [
        {"target": "t", "selection": "all", "report": report("old", {"a.x": 1.0, "a.y": 2.0})},
        {"target": "t", "selection": "all", "report": report("new", {"a.x": 3.0})},
        {"target": "t", "selection": "all shard=1/2", "report": report("shard", {"a.x": 9.0})},
        {"target": "other", "selection": "all", "report": report("other", {"a.z": 1.0})},
        {"target": "t", "selection": "all", "report": str(tmp_path / "gone" / "index.html")},
    ]
    assert durations_from_history(entries, "t") == {"a.x": 3.0, "a.y": 2.0}
