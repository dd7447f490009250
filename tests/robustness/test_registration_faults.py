"""A registration endpoint that answers garbage, hangs or resets: the registration suite ends failed or broken
within the exchange deadline, passes nothing it received faulted, and leaks no credential (issue 18).

The registration paths (``/reg`` and the client configuration endpoint ``/reg/<id>``) are faulted
on the real reference target with ``transport_faults``; the judgement is ``fault_runs``' (in time,
reports written, no traceback, exit code, no pass on a faulted answer, broken only by the network,
no registered credential in any report).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.reference_target import RunningTarget

from . import fault_runs

MODES = ["badjson", "html", "wrongtype", "plaintext", "nanjson", "deepjson", "http503", "hang", "reset", "huge",
         "trickle_head", "echo"]

STATUS_JUDGED = ("registration.without_initial_access_token_refused", "registration.read_without_token_refused",
                 "registration.read_with_wrong_token_refused")
"""Refusals judged by status and ``WWW-Authenticate`` alone (RFC 6750 §3), which the body faults keep: a 401
with a garbled body is still a refusal."""


@pytest.fixture
def registration_endpoint(monkeypatch: pytest.MonkeyPatch) -> str:
    """``registration`` as a faultable endpoint of fault_runs (its table names the built-in endpoints only)."""
    monkeypatch.setitem(fault_runs.ENDPOINTS, "registration", ("/reg*", ["registration"]))
    for check in STATUS_JUDGED:
        monkeypatch.setitem(fault_runs.STATUS_JUDGED, check, fault_runs.BODY_MODES)
    return "registration"


@pytest.mark.parametrize("mode", MODES)
def test_registration_endpoint_fault(reference: RunningTarget, tmp_path: Path, registration_endpoint: str,
                                     mode: str) -> None:
    if mode not in reference.fault_modes():
        pytest.skip(f"fault mode {mode} not offered by transport_faults")
    result = fault_runs.run_with_fault(reference, registration_endpoint, mode, tmp_path, deadline_s=45.0,
                                       workers=fault_runs.workers_for(mode))
    assert result.problems == [], (result.outcomes, result.problems)
    if mode not in fault_runs.HARMLESS:  # echo breaks no rule; it proves the redaction of what is echoed
        passed_ok = len(STATUS_JUDGED) if mode in fault_runs.BODY_MODES else 0
        assert result.outcomes.get("passed", 0) <= passed_ok, result.outcomes
