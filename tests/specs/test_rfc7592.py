"""RFC 7592 management answers (harness.specs.rfc7592), good and bad inputs."""

from __future__ import annotations

from typing import Any

import pytest

from harness.results import CheckFailed, NeedsReview
from harness.specs import rfc7592
from harness.specs.rfc7591 import RegistrationAnswer


def _answer(status: int, body: dict[str, Any] | None = None, kind: str | None = "application/json"
            ) -> RegistrationAnswer:
    return RegistrationAnswer(status=status, media_type=kind, body=body)


def test_read() -> None:
    assert rfc7592.check_read(_answer(200, {"client_id": "c"}), client_id="c") == {"client_id": "c"}
    for bad in (_answer(401, {"error": "invalid_token"}), _answer(200, {"client_id": "c"}, "text/plain"),
                _answer(200, {"client_id": "other"}), _answer(200, None)):
        with pytest.raises(CheckFailed):
            rfc7592.check_read(bad, client_id="c")


def test_read_refused() -> None:
    rfc7592.check_read_refused(_answer(401, {"error": "invalid_token"}), client_id="c",
                               www_authenticate='Bearer error="invalid_token"', how="without a token")
    rfc7592.check_read_refused(_answer(403, None), client_id="c", www_authenticate=None, how="x")
    with pytest.raises(CheckFailed) as exc:
        rfc7592.check_read_refused(_answer(200, {"client_id": "c"}), client_id="c", www_authenticate=None, how="x")
    assert exc.value.findings[0].code == "MGMT_READ_UNPROTECTED"
    with pytest.raises(CheckFailed) as exc:
        rfc7592.check_read_refused(_answer(401, {"error": "invalid_token"}), client_id="c", www_authenticate=None,
                                   how="x")
    assert exc.value.findings[0].code == "MGMT_NO_CHALLENGE"
    with pytest.raises(NeedsReview):
        rfc7592.check_read_refused(_answer(503, None), client_id="c", www_authenticate=None, how="x")


def test_update() -> None:
    rfc7592.check_update_applied(_answer(200, {"client_name": "n"}), {"client_name": "n"}, member="client_name",
                                 value="n")
    rfc7592.check_update_applied(_answer(200, {"client_name": "n"}), None, member="client_name", value="n")
    with pytest.raises(CheckFailed) as exc:
        rfc7592.check_update_applied(_answer(200, {"client_name": "old"}), {"client_name": "old"},
                                     member="client_name", value="n")
    assert {f.code for f in exc.value.findings} == {"MGMT_UPDATE_NOT_RETURNED", "MGMT_UPDATE_NOT_APPLIED"}
    with pytest.raises(CheckFailed):
        rfc7592.check_update_applied(_answer(400, {"error": "invalid_request"}), None, member="client_name",
                                     value="n")


def test_delete() -> None:
    rfc7592.check_deleted(204)
    with pytest.raises(CheckFailed):
        rfc7592.check_deleted(200)
    rfc7592.check_deleted_token_invalid(_answer(401, {"error": "invalid_token"}))
    with pytest.raises(CheckFailed):
        rfc7592.check_deleted_token_invalid(_answer(200, {"client_id": "c"}))


@pytest.mark.parametrize(("status", "error"), [(401, "invalid_client"), (400, "invalid_client"), (400, None)])
def test_deleted_client_refused(status: int, error: str | None) -> None:
    rfc7592.check_deleted_client_refused(status, error, unknown=(401, "invalid_client"))


def test_deleted_client_answered_like_an_unknown_one() -> None:
    rfc7592.check_deleted_client_refused(403, "unauthorized_client", unknown=(403, "unauthorized_client"))


@pytest.mark.parametrize(("status", "error"), [(400, "invalid_grant"), (400, "unauthorized_client"), (200, None)])
def test_deleted_client_still_authenticates(status: int, error: str | None) -> None:
    with pytest.raises(CheckFailed):
        rfc7592.check_deleted_client_refused(status, error, unknown=(401, "invalid_client"))
