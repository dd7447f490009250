"""A harness too slow to poll before a device code expires is broken, not the target's failure (end to end).

The reference target answers ``expired_token`` once its 10 s device codes are over, as RFC 8628 §3.5
says it must. Here the harness is made to start polling only after that (the user side "took" the
whole lifetime): the approval check must come out *broken* (cause ``setup``), never *failed*. The
same check fails when the target itself ignores an approval (defect ``device_approval_ignored``,
tests/defects) and passes on the clean target.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from harness.flows import device
from harness.flows.polling import PollOutcome
from harness.reference_target import RunningTarget
from tests.suite_runs import run_checks


def test_a_first_poll_after_the_expiry_is_broken_not_failed(reference: RunningTarget, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    polled_at: list[float] = []
    original = device.poll_for_tokens

    def late_poll(target: Any, auth: device.DeviceAuthorization, **options: Any) -> PollOutcome:
        lifetime = auth.expires_in
        assert lifetime is not None
        # past the code's lifetime counted from when its answer arrived: the server issued the code no later
        # (counted from the request, a loaded machine's slow answer left the code alive: a token, not broken)
        time.sleep(max(0.0, auth.received_at + lifetime + 0.3 - time.monotonic()))
        polled_at.append(time.monotonic() - auth.sent_at)
        return original(target, auth, **options)

    monkeypatch.setattr(device, "poll_for_tokens", late_poll)
    records = run_checks(reference, reference.profile_path(), tmp_path / "report", suites=["device"],
                         keyword="approval_issues_tokens and public")
    record = records["device.approval_issues_tokens[public]"]
    assert polled_at and min(polled_at) > 10
    assert record["outcome"] == "broken", record
    assert record["broken_by"] == "setup"
    assert "too slow to judge the decision" in str(record["message"]) and "expired_token" in str(record["message"])
    assert not record.get("findings")
