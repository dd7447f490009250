"""prompt / max_age / hint judging (harness/specs/oidc_prompt.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.results import Finding, Level
from harness.specs import oidc_prompt as p

CODE = {"code": "c", "state": "s"}
ERROR = {"error": "login_required", "state": "s"}


def test_request_served(fails: Callable[..., Finding]) -> None:
    p.check_request_served(code_returned=True, params=CODE, requirement="OIDCC-3.1.2.1-post", what="x")
    def served(**kw: object) -> None:
        p.check_request_served(code_returned=False, params=ERROR, requirement="OIDCC-3.1.2.1-ui_locales",
                               level=Level.SHOULD, what="x")
    fails(served, code="AUTHZ_VALID_REQUEST_REFUSED", req="OIDCC-3.1.2.1-ui_locales", level=Level.SHOULD)


def test_silent_response(fails: Callable[..., Finding]) -> None:
    p.check_silent_response(login_shown=False, consent_shown=False, code_returned=True, params=CODE)
    fails(p.check_silent_response, login_shown=True, consent_shown=False, code_returned=False, params={},
          code="PROMPT_NONE_SHOWED_UI", level=Level.MUST)
    fails(p.check_silent_response, login_shown=False, consent_shown=False, code_returned=False, params=ERROR,
          code="PROMPT_NONE_SESSION_NOT_USED", level=Level.SHOULD)


def test_error_returned(fails: Callable[..., Finding]) -> None:
    assert p.check_error_returned(code_returned=False, params={"error": "invalid_request"},
                                  requirement="OIDCC-3.1.2.1-prompt_none_alone", what="x") == "invalid_request"
    fails(p.check_error_returned, code_returned=True, params=CODE, requirement="OIDCC-3.1.2.1-prompt_none_alone",
          what="x", code="AUTHZ_ERROR_EXPECTED")
    finding = fails(p.check_error_returned, code_returned=False, params={},
                    requirement="OIDCC-3.1.2.1-id_token_hint_other", what="x", code="AUTHZ_ERROR_EXPECTED")
    assert finding.level is Level.MUST


def test_reauthenticated(fails: Callable[..., Finding]) -> None:
    def reauth(**kw: object) -> None:
        p.check_reauthenticated(requirement=str(kw.pop("requirement", "OIDCC-3.1.2.1-max_age")),
                                level=kw.pop("check_level", Level.MUST), what="x", **kw)  # type: ignore[arg-type]
    kw: dict[str, object] = {}
    reauth(login_shown=True, first={"auth_time": 100}, later={"auth_time": 103}, params=CODE)
    reauth(login_shown=False, first={"auth_time": 100}, later=None, params=ERROR)
    fails(reauth, login_shown=False, first={"auth_time": 100}, later={"auth_time": 100},
          params=CODE, **kw, code="REAUTHENTICATION_SKIPPED")
    fails(reauth, login_shown=True, first={"auth_time": 100}, later={"auth_time": 100},
          params=CODE, **kw, code="ID_TOKEN_AUTH_TIME_NOT_UPDATED", req="OIDCC-2-auth_time")
    fails(reauth, login_shown=True, first={"auth_time": 100}, later={}, params=CODE, **kw,
          code="ID_TOKEN_AUTH_TIME_MISSING", level=Level.MUST)
    fails(reauth, login_shown=False, first={}, later=None, params={}, **kw,
          code="REAUTHENTICATION_NO_ANSWER")
    soft: dict[str, object] = {"requirement": "OIDCC-3.1.2.1-prompt_login", "check_level": Level.SHOULD}
    fails(reauth, login_shown=False, first={"auth_time": 1}, later={"auth_time": 1}, params=CODE,
          **soft, code="REAUTHENTICATION_SKIPPED", level=Level.SHOULD)


def test_auth_time_kept(fails: Callable[..., Finding]) -> None:
    p.check_auth_time_kept(login_shown=False, first={"auth_time": 100}, later={"auth_time": 100})
    p.check_auth_time_kept(login_shown=True, first={"auth_time": 100}, later={"auth_time": 140})  # re-login allowed
    fails(p.check_auth_time_kept, login_shown=False, first={"auth_time": 100}, later={"auth_time": 140},
          code="ID_TOKEN_AUTH_TIME_CHANGED", req="OIDCC-2-auth_time")
    fails(p.check_auth_time_kept, login_shown=False, first={"auth_time": 100}, later={},
          code="ID_TOKEN_AUTH_TIME_MISSING")


def test_consent_required(fails: Callable[..., Finding]) -> None:
    kw = {"redirected": True, "login_shown": False, "consent_shown": False}
    assert p.check_consent_required(**kw, code_returned=False, params={"error": "consent_required"}) == \
        "consent_required"
    p.check_consent_required(**kw, code_returned=False, params={"error": "interaction_required"})
    fails(p.check_consent_required, redirected=True, login_shown=False, consent_shown=True, code_returned=True,
          params=CODE, code="PROMPT_NONE_SHOWED_UI", level=Level.MUST)
    fails(p.check_consent_required, **kw, code_returned=True, params=CODE, code="PROMPT_NONE_WITHOUT_CONSENT_SERVED",
          req="OIDCC-3.1.2.1-prompt_none")
    fails(p.check_consent_required, redirected=False, login_shown=False, consent_shown=False, code_returned=False,
          params={}, code="AUTHZ_ERROR_NOT_REDIRECTED")
    fails(p.check_consent_required, **kw, code_returned=False, params={"error": "login_required"},
          code="PROMPT_NONE_CONSENT_ERROR_CODE", level=Level.SHOULD)


@pytest.mark.parametrize(("login_shown", "prefill", "observable", "says"), [
    (True, "alice@example.test", True, "pre-filled the username with the hint"),
    (True, None, True, "left the username empty"),
    (True, "ALICE", True, "not the hint"),
    (True, None, False, "does not report"),
    (False, None, True, "no login page"),
])
def test_login_hint_use_is_described_never_judged(login_shown: bool, prefill: str | None, observable: bool,
                                                  says: str) -> None:
    assert says in p.describe_login_hint_use("alice@example.test", login_shown=login_shown, prefill=prefill,
                                             observable=observable)
