"""`oauth-harness run --check ID` against the bundled reference target: exactly that check, and history.

Two runs into one reports directory: the second's report has a two-point trend, its what-broke
block, and nothing that loads from the network.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "interop"))
from harness.cli import check_patterns, suites_of_checks  # noqa: E402
from tests.interop.interop_cli import run_cli  # noqa: E402


def test_check_patterns_cover_parametrised_cases() -> None:
    assert check_patterns(["discovery.issuer_matches"]) == ["discovery.issuer_matches", "discovery.issuer_matches[*]"]
    assert check_patterns(["pkce.verifier_length_bounds[4*]"]) == ["pkce.verifier_length_bounds[4*]"]
    assert suites_of_checks(["pkce.*", "discovery.issuer_matches"]) == ["discovery", "pkce"]
    assert suites_of_checks(["*.issuer_matches"]) is None


def test_run_check_runs_exactly_that_check_and_keeps_history(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    outputs = []
    for name in ("first", "second"):
        code, output = run_cli(["run", "--check", "discovery.issuer_matches", "--report-dir", str(reports / name)],
                               timeout_s=180)
        assert code == 0, output
        outputs.append(output)
    document = json.loads((reports / "second" / "results.json").read_text())
    assert [c["id"] for c in document["checks"]] == ["discovery.issuer_matches"]
    assert document["run"]["selection"] == "check=discovery.issuer_matches check=discovery.issuer_matches[*] " \
                                           "suite=discovery"
    assert [p["href"] for p in document["history"]] == ["../first/index.html", "index.html"]
    assert document["baseline"]["new_failures"] == []
    html = (reports / "second" / "index.html").read_text()
    assert 'id="what-broke"' in html and "Nothing broke: all 1 checks passed" in html
    assert len(re.findall(r'class="run-point"', html)) == 2
    # links to the specifications are fine; nothing is *loaded*: no external script, style, font or image
    assert not re.search(r'src="(?!data:)|<link\b|url\(|@import', html)
    assert "[  1/1 " in outputs[1] and "what broke: Nothing broke" in outputs[1]
    assert "rerun" not in outputs[1]  # nothing to rerun when nothing broke
    history = [json.loads(line) for line in (reports / "history.jsonl").read_text().splitlines()]
    assert [h["counts"]["total"] for h in history] == [1, 1]


def test_unknown_check_is_a_usage_error(tmp_path: Path) -> None:
    code, output = run_cli(["run", "--check", "discovery.no_such_check", "--report-dir", str(tmp_path / "r")],
                           timeout_s=180)
    assert code == 2, output
    assert "no check matches --check discovery.no_such_check" in output
