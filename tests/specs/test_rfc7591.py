"""RFC 7591 registration answers and refusals (harness.specs.rfc7591), good and bad inputs."""

from __future__ import annotations

from typing import Any

import pytest

from harness.results import CheckFailed, Level
from harness.specs import rfc7591
from harness.specs.rfc7591 import RegistrationAnswer

REQUESTED = {"redirect_uris": ["https://rp.example/cb"], "token_endpoint_auth_method": "client_secret_basic"}


def _answer(status: int = 201, body: dict[str, Any] | None = None, kind: str | None = "application/json"
            ) -> RegistrationAnswer:
    return RegistrationAnswer(status=status, media_type=kind, body=body)


def _good() -> dict[str, Any]:
    return {"client_id": "c1", "client_secret": "s" * 32, "client_secret_expires_at": 0,
            "redirect_uris": ["https://rp.example/cb"], "token_endpoint_auth_method": "client_secret_basic"}


def _codes(exc: pytest.ExceptionInfo[CheckFailed]) -> set[str]:
    return {f.code for f in exc.value.findings}


def test_registered_good() -> None:
    assert rfc7591.check_registered(_answer(body=_good()), requested=REQUESTED)["client_id"] == "c1"


def test_public_client_without_secret_is_fine() -> None:
    body = {"client_id": "c1", "token_endpoint_auth_method": "none", "redirect_uris": ["https://rp.example/cb"]}
    rfc7591.check_registered(_answer(body=body), requested=REQUESTED)


@pytest.mark.parametrize(("change", "code"), [
    ({"client_secret_expires_at": None}, "REG_SECRET_EXPIRY_MISSING"),
    ({"client_secret_expires_at": -1}, "REG_SECRET_EXPIRY_MISSING"),
    ({"client_secret_expires_at": True}, "REG_SECRET_EXPIRY_MISSING"),
    ({"client_id": ""}, "REG_NO_CLIENT_ID"),
    ({"client_secret": None}, "REG_SECRET_NOT_RETURNED"),
    ({"redirect_uris": None}, "REG_METADATA_NOT_RETURNED"),
])
def test_registered_bad(change: dict[str, Any], code: str) -> None:
    body = {k: v for k, v in {**_good(), **change}.items() if v is not None}
    with pytest.raises(CheckFailed) as exc:
        rfc7591.check_registered(_answer(body=body), requested=REQUESTED)
    assert code in _codes(exc)


def test_registered_wrong_type_and_status() -> None:
    with pytest.raises(CheckFailed) as exc:
        rfc7591.check_registered(_answer(body=_good(), kind="text/plain"), requested=REQUESTED)
    assert _codes(exc) == {"REG_NOT_JSON"}
    rfc7591.check_registered(_answer(status=200, body=_good()), requested=REQUESTED)  # status judged once
    with pytest.raises(CheckFailed) as exc:
        rfc7591.check_registered(_answer(status=200, body=_good()), requested=REQUESTED, judge_status=True)
    assert _codes(exc) == {"REG_NOT_201"}
    with pytest.raises(CheckFailed) as exc:
        rfc7591.check_registered(_answer(status=400, body={"error": "invalid_client_metadata"}), requested=REQUESTED)
    assert _codes(exc) == {"PRECONDITION_REGISTRATION_REFUSED"}
    with pytest.raises(CheckFailed):
        rfc7591.check_registered(_answer(body=None), requested=REQUESTED)


def _refused(answer: RegistrationAnswer) -> None:
    rfc7591.check_registration_refused(answer, code="X_ACCEPTED", message="accepted", requirement="OIDCR-2-jwks",
                                       errors=("invalid_client_metadata",),
                                       error_requirement="RFC7591-3.2.2-invalid_client_metadata")


def test_refused_good() -> None:
    _refused(_answer(status=400, body={"error": "invalid_client_metadata"}))


def test_refused_accepted_fails() -> None:
    with pytest.raises(CheckFailed) as exc:
        _refused(_answer(status=201, body=_good()))
    assert _codes(exc) == {"X_ACCEPTED"} and exc.value.findings[0].level is Level.MUST


def test_refused_other_code_warns() -> None:
    with pytest.raises(CheckFailed) as exc:
        _refused(_answer(status=400, body={"error": "invalid_request"}))
    assert _codes(exc) == {"REG_ERROR_CODE"} and exc.value.findings[0].level is Level.SHOULD


@pytest.mark.parametrize("answer", [_answer(status=500, body={"error": "server_error"}),
                                    _answer(status=400, body=None, kind="text/html"),
                                    _answer(status=400, body={"error_description": "no"}),
                                    _answer(status=400, body={"error": "invalid_client_metadata"}, kind="text/plain")])
def test_refused_bad_form(answer: RegistrationAnswer) -> None:
    with pytest.raises(CheckFailed) as exc:
        _refused(answer)
    assert _codes(exc) == {"REG_ERROR_FORMAT"}


def _not_registered(answer: RegistrationAnswer) -> str:
    return rfc7591.check_invalid_value_not_registered(
        answer, member="initiate_login_uri", value="http://rp/login", code="X_REGISTERED", message="m",
        requirement="OIDCR-2-initiate_login_uri", errors=("invalid_client_metadata",),
        error_requirement="RFC7591-3.2.2-invalid_client_metadata")


def test_invalid_value_refused_or_replaced() -> None:
    assert _not_registered(_answer(status=400, body={"error": "invalid_client_metadata"})) == "refused"
    assert _not_registered(_answer(body={**_good(), "initiate_login_uri": "https://rp/login"})) == "replaced"
    assert _not_registered(_answer(body=_good())) == "replaced"


@pytest.mark.parametrize("answer", [_answer(status=200, body=None, kind="text/html"),
                                    _answer(status=200, body={"initiate_login_uri": "https://rp/login"})])
def test_invalid_value_unusable_success_fails(answer: RegistrationAnswer) -> None:
    with pytest.raises(CheckFailed) as exc:
        _not_registered(answer)
    assert _codes(exc) == {"REG_SUCCESS_UNUSABLE"}


def test_invalid_value_registered_fails() -> None:
    with pytest.raises(CheckFailed) as exc:
        _not_registered(_answer(body={**_good(), "initiate_login_uri": "http://rp/login"}))
    assert _codes(exc) == {"X_REGISTERED"}


def test_software_statement() -> None:
    rfc7591.check_software_statement_returned({"software_statement": "a.b.c"}, "a.b.c")
    for body in ({}, {"software_statement": "a.b.d"}):
        with pytest.raises(CheckFailed):
            rfc7591.check_software_statement_returned(body, "a.b.c")


def test_replaced_members() -> None:
    assert rfc7591.replaced_members({"a": 1, "b": 2}, {"a": 1, "b": 3}) == {"b": 3}
    assert rfc7591.replaced_members({"a": 1}, {}) == {"a": "absent"}


def test_jwks_pair() -> None:
    assert rfc7591.check_jwks_pair_not_registered(_answer(status=400, body={"error": "invalid_client_metadata"})) \
        == "refused"
    assert rfc7591.check_jwks_pair_not_registered(_answer(body={**_good(), "jwks": {"keys": []}})) == "replaced"
    with pytest.raises(CheckFailed) as exc:
        rfc7591.check_jwks_pair_not_registered(_answer(body={**_good(), "jwks": {"keys": []}, "jwks_uri": "https://x"}))
    assert _codes(exc) == {"REG_JWKS_AND_JWKS_URI_ACCEPTED"}
    with pytest.raises(CheckFailed) as exc:
        rfc7591.check_jwks_pair_not_registered(_answer(status=200, body=None, kind="text/html"))
    assert _codes(exc) == {"REG_SUCCESS_UNUSABLE"}
