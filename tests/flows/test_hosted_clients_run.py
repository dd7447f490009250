"""Run-level proof of hosted clients: a profile without ping/back-channel clients loses no check when
it may register.

The reference profile without a ping-mode and a back-channel logout client (tests/flows/hosted_variant_profile.py):
with ``registration.register_hosted_clients: false`` the ping-mode and back-channel logout checks
are skipped, naming both options; with ``true`` each registers its client (RFC 7591), passes,
deletes it (RFC 7592) and says so in its evidence; and the reference target's defects for those
behaviours still fail them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.reference_target import RunningTarget
from tests.flows.hosted_variant_profile import write_variant_profile
from tests.suite_runs import run_checks

PING_CHECKS = ["ciba.ping_notification", "ciba.ping_on_denial", "ciba.ping_requires_notification_token"]
BACKCHANNEL_CHECKS = ["logout.logout_request_delivered", "logout.logout_token_signed", "logout.logout_token_claims",
                      "logout.logout_token_events", "logout.logout_token_sub_or_sid", "logout.logout_token_no_nonce",
                      "logout.logout_token_typ", "logout.logout_token_session_sid"]
CHECKS = PING_CHECKS + BACKCHANNEL_CHECKS


def _run(reference: RunningTarget, directory: Path, name: str, *, defects: tuple[str, ...] = (),
         **registration: Any) -> dict[str, dict[str, Any]]:
    from harness.registry import select

    (directory / name).mkdir()
    profile = write_variant_profile(reference, directory / name, **registration)
    report_dir = directory / name / "report"
    paths = [str(s.path) for s in select(["ciba", "logout"])]
    names = " or ".join(c.split(".", 1)[1] for c in CHECKS)
    records = run_checks(reference, profile, report_dir, suites=paths, keyword=names, defects=defects)
    return {check_id: record for check_id, record in records.items() if check_id in CHECKS}


def test_hosted_checks_run_on_registered_clients(reference: RunningTarget, tmp_path: Path) -> None:
    before = _run(reference, tmp_path, "before", register_hosted_clients=False)
    assert sorted(before) == sorted(CHECKS)
    for record in before.values():
        assert record["outcome"] == "skipped", record
        assert "does not register one: registration.register_hosted_clients is false" in record["message"]
        assert "clients[]" in record["message"] or "backchannel_logout_uri" in record["message"]

    after = _run(reference, tmp_path, "after", register_hosted_clients=True)
    assert sorted(after) == sorted(CHECKS)
    for check_id, record in after.items():
        assert record["outcome"] in ("passed", "warning"), (check_id, record["message"])
        assert not [f for f in record["findings"] if f["level"] == "must"], record
        notes = "\n".join(record["evidence"]["notes"])
        assert "registered for this check (RFC 7591" in notes, notes
        assert "deleted at the end of the check (HTTP 204)" in notes, notes
        labels = [e["label"] for e in record["evidence"]["exchanges"]]
        assert [label for label in labels if label.startswith("register a")] == [labels[0] if labels[0] !=
                                                                                 "discovery" else labels[1]]
        registration = next(e for e in record["evidence"]["exchanges"] if e["label"].startswith("register a"))
        assert registration["response"]["status"] == 201
        for member in ("client_secret", "registration_access_token"):  # masked the moment they arrived
            assert f'"{member}": "[REDACTED]' in registration["response"]["body"]
        cleanups = [i for i, label in enumerate(labels) if label.startswith("cleanup: delete registered client")]
        assert len(cleanups) == 1 and all(label in ("discovery", "jwks") for label in labels[cleanups[0] + 1:])
    assert after["logout.logout_token_session_sid"]["outcome"] == "passed"  # registered with session_required

    # the same defects that fail the profile clients fail the registered ones
    defects = ("ciba_ping_no_bearer", "ciba_ping_token_optional", "bcl_nonce", "bcl_wrong_aud")
    broken = _run(reference, tmp_path, "defects", defects=defects, register_hosted_clients=True)
    expected = {"ciba.ping_notification": "CIBA_NOTIFICATION_NO_BEARER",
                "ciba.ping_on_denial": "CIBA_NOTIFICATION_NO_BEARER",
                "ciba.ping_requires_notification_token": "CIBA_REQUEST_ACCEPTED",
                "logout.logout_token_no_nonce": "LOGOUT_TOKEN_NONCE", "logout.logout_token_claims": "LOGOUT_TOKEN_AUD"}
    for check_id, code in expected.items():
        record = broken[check_id]
        assert record["outcome"] == "failed", (check_id, record["outcome"], record["message"])
        assert code in {f["code"] for f in record["findings"]} - {f["code"] for f in after[check_id]["findings"]}
    for check_id in set(CHECKS) - set(expected):
        assert broken[check_id]["outcome"] in ("passed", "warning"), (check_id, broken[check_id]["message"])
