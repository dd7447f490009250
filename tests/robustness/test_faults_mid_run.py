"""Each fault at one endpoint of the real reference target, mid-run: the run ends in time, writes its
reports, passes nothing that received the fault, blames the target and leaks nothing (issue 15 item 8).

A selection keeps ``make test`` short: every fault mode once and every endpoint at least once, each run on
one worker (the CLI's own choice for a few suites) but the timeout-bound faults on two (fault_runs.workers_for).
``bench/fault_matrix.py`` runs every mode at every endpoint and reports wall time and peak memory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.reference_target import RunningTarget
from harness.registry import all_suites

from .fault_runs import ENDPOINTS, run_with_fault, workers_for

SELECTION: list[tuple[str, str, str | None]] = [
    # (endpoint, mode, -k expression narrowing the endpoint's suites, or None)
    ("discovery", "flaky503", None),
    ("discovery", "html", None),  # answered but unusable: the run goes on, document_served_as_json fails
    ("jwks", "badjson", None),
    ("authorization", "offhost_https", "not entropy"),
    ("authorization", "offhost_chained", "not entropy"),
    ("authorization", "offhost_http", "pkce"),
    ("authorization", "redirect_loop", "pkce"),
    ("authorization", "html", "pkce"),
    ("token", "trickle_head", "token_endpoint"),
    ("token", "plaintext", None),
    ("token", "echo", None),
    ("token", "nanjson", "token_endpoint or pkce"),
    ("token", "wrongtype", "token_endpoint or pkce"),
    ("token", "huge", "token_endpoint"),
    ("par", "reset", None),
    ("introspection", "deepjson", None),
    ("revocation", "http503", None),
    ("device_authorization", "hang", None),
    ("backchannel_authentication", "trickle_body", "poll"),
    ("userinfo", "header_bomb", None),
]


@pytest.mark.parametrize(("endpoint", "mode", "keyword"), SELECTION, ids=[f"{e}-{m}" for e, m, _k in SELECTION])
def test_fault_mid_run(reference: RunningTarget, tmp_path: Path, endpoint: str, mode: str,
                       keyword: str | None) -> None:
    missing = [s for s in ENDPOINTS[endpoint][1] if s not in all_suites()]
    if missing:
        pytest.skip(f"suite(s) {missing} not installed")
    result = run_with_fault(reference, endpoint, mode, tmp_path, keyword=keyword, workers=workers_for(mode))
    assert result.problems == [], (result.outcomes, result.problems)


def test_selection_covers_every_mode_and_endpoint(reference: RunningTarget) -> None:
    modes = set(reference.fault_modes())
    assert {m for _e, m, _k in SELECTION} == modes
    assert {e for e, _m, _k in SELECTION} == set(ENDPOINTS)
