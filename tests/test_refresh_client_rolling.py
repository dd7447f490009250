"""Per-client refresh-token rolling interval and grace period, proven both ways on the reference target (issue 21).

PingFederate's client "Refresh Token Rolling Interval" ("Overrides the Minimum Interval to Roll
Refresh Tokens value set in the Authorization Server Settings window") and "Refresh Token Rolling
Grace Period (seconds)" are ``clients[].documented.refresh_token_rolling_interval_s`` and
``refresh_token_grace_period_s``; the refresh checks read the client's value, else the server-wide
``documented.refresh.rolling_interval_s`` / ``grace_period_s``.

* The bundled profile states them for ``roll-interval`` (1 hour) and ``roll-grace`` (4 s), which
  src/areas/token_lifecycle.mjs configures so: ``refresh.client_rolling_interval`` and
  ``refresh.client_grace_period`` pass clean and fail with ``refresh_client_interval_ignored`` /
  ``refresh_client_grace_ignored`` (the server-wide policy used instead), and the grace check fails
  with ``refresh_old_token_reusable`` (the rolled token still valid after the grace period).
* Profile copies state what the bundled profile does not: a per-client value on ``conf-basic`` (the
  refresh client of the generic checks) over a server-wide one, and the reverse, so
  ``refresh.rolling_policy`` / ``refresh.rotated_token_refused`` are seen reading the client's value
  first and the server-wide one otherwise; a stated grace of 0 on ``roll-grace`` (overriding a
  server-wide 4 s) makes its grace check expect the refusal at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.reference_target import RunningTarget
from tests.suite_runs import profile_copy, run_checks

INTERVAL, GRACE = "refresh.client_rolling_interval", "refresh.client_grace_period"
OVERRIDE_KEYWORD = "test_client_rolling_interval or test_client_grace_period"


def _outcome(record: dict[str, Any]) -> tuple[str, set[str]]:
    return record["outcome"], {f["code"] for f in record["findings"]}


def _requirements(record: dict[str, Any]) -> set[str]:
    return {f["requirement"] for f in record["findings"]}


CASES = [
    ([], {INTERVAL: ("passed", set()), GRACE: ("passed", set())}),
    (["refresh_client_interval_ignored"], {INTERVAL: ("failed", {"REFRESH_ROTATED_UNEXPECTEDLY"}),
                                           GRACE: ("passed", set())}),
    (["refresh_client_grace_ignored"], {INTERVAL: ("passed", set()),
                                        GRACE: ("failed", {"REFRESH_GRACE_TOKEN_REFUSED"})}),
    (["refresh_old_token_reusable"], {GRACE: ("failed", {"TOKEN_REQUEST_ACCEPTED"})}),
]


@pytest.mark.parametrize(("defects", "expected"), CASES,
                         ids=["as-documented", "refresh_client_interval_ignored", "refresh_client_grace_ignored",
                              "refresh_old_token_reusable"])
def test_client_overrides_both_ways(reference: RunningTarget, tmp_path: Path, defects: list[str],
                                    expected: dict[str, tuple[str, set[str]]]) -> None:
    records = run_checks(reference, reference.profile_path(), tmp_path / "report", suites=["refresh"],
                         keyword=OVERRIDE_KEYWORD, defects=defects)
    for check, want in expected.items():
        assert _outcome(records[check]) == want, (check, records[check]["message"])
    for check, want in expected.items():
        if want[0] == "failed":
            assert _requirements(records[check]) <= {"DOC-refresh_token_rolling_interval_s",
                                                     "DOC-refresh_token_grace_period_s"}, records[check]["findings"]


def _conf_basic(data: dict[str, Any]) -> dict[str, Any]:
    client = next(c for c in data["clients"] if c["id"] == "conf-basic")
    documented: dict[str, Any] = client.setdefault("documented", {})
    return documented


def _server_interval(data: dict[str, Any]) -> None:
    data["documented"]["refresh"]["rolling_interval_s"] = 3600


def _client_zero_over_server(data: dict[str, Any]) -> None:
    _server_interval(data)
    _conf_basic(data)["refresh_token_rolling_interval_s"] = 0


def _client_interval(data: dict[str, Any]) -> None:
    _conf_basic(data)["refresh_token_rolling_interval_s"] = 3600


GENERIC = ["refresh.rolling_policy", "refresh.rotated_token_refused"]
COPIES = [
    # conf-basic rolls on every use: its stated 0 wins over the server-wide hour (no wait, nothing skipped)
    (_client_zero_over_server, {GENERIC[0]: ("passed", set()), GENERIC[1]: ("passed", set())}, None),
    # the server-wide hour applies to conf-basic (no client value): a roll is a failure, the wait is over the cap
    (_server_interval, {GENERIC[0]: ("failed", {"REFRESH_ROTATED_UNEXPECTEDLY"}), GENERIC[1]: ("skipped", set())},
     "DOC-refresh.rolling_interval_s"),
    # conf-basic's own hour is read by the generic checks too
    (_client_interval, {GENERIC[0]: ("failed", {"REFRESH_ROTATED_UNEXPECTEDLY"}), GENERIC[1]: ("skipped", set())},
     "DOC-refresh_token_rolling_interval_s"),
]


@pytest.mark.parametrize(("edit", "expected", "requirement"), COPIES,
                         ids=["client-0-over-server-wide-interval", "server-wide-interval-only", "client-interval"])
def test_generic_checks_read_the_client_value_first(reference: RunningTarget, tmp_path: Path, edit: Any,
                                                    expected: dict[str, tuple[str, set[str]]],
                                                    requirement: str | None) -> None:
    profile = profile_copy(tmp_path, "rolling-interval", edit)
    records = run_checks(reference, profile, tmp_path / "report", suites=["refresh"],
                         keyword="test_rolling_policy or test_rotated_token_refused")
    for check, want in expected.items():
        assert _outcome(records[check]) == want, (check, records[check]["message"])
    if requirement is not None:
        assert _requirements(records[GENERIC[0]]) == {requirement}
        assert "raise limits.max_expiry_wait_s to at least 3601" in records[GENERIC[1]]["message"]


def test_stated_zero_grace_overrides_server_wide(reference: RunningTarget, tmp_path: Path) -> None:
    """roll-grace states 0 over a server-wide 4 s: its rolled token (valid 4 s on the target) is to be refused."""

    def edit(data: dict[str, Any]) -> None:
        data["documented"]["refresh"]["grace_period_s"] = 4
        client = next(c for c in data["clients"] if c["id"] == "roll-grace")
        client["documented"]["refresh_token_grace_period_s"] = 0

    records = run_checks(reference, profile_copy(tmp_path, "zero-grace", edit), tmp_path / "report",
                         suites=["refresh"], keyword="test_client_grace_period")
    assert _outcome(records[GRACE]) == ("failed", {"TOKEN_REQUEST_ACCEPTED"}), records[GRACE]["message"]
    assert _requirements(records[GRACE]) == {"DOC-refresh_token_grace_period_s"}
