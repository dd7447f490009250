"""The check review (docs/check-review/) has a row for every check of every built-in suite and plugin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REVIEW_DIR = Path(__file__).resolve().parents[1] / "docs" / "check-review"
_ROW = re.compile(r"^\|\s*`(?P<id>[a-z0-9_]+\.[a-z0-9_]+)(?:\[[^\]]*\])?`")


def _reviewed() -> set[str]:
    found: set[str] = set()
    for path in REVIEW_DIR.glob("*.md"):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = _ROW.match(line)
            if match:
                found.add(match.group("id"))
    return found


def _checks(capsys: pytest.CaptureFixture[str]) -> set[str]:
    from harness.cli import main

    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    return {line.split()[0].split("[", 1)[0] for line in lines if line.startswith("  ") and "." in line.split()[0]}


def test_every_check_has_a_review_row(capsys: pytest.CaptureFixture[str]) -> None:
    checks = _checks(capsys)
    assert len(checks) > 200
    reviewed = _reviewed()
    assert sorted(checks - reviewed) == [], "add a row to docs/check-review/<suite>.md"
    assert sorted(reviewed - checks) == [], "the review names checks that do not exist"
