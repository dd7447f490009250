"""Unit tests of the logout judging (RP-Initiated, Back-Channel, Front-Channel Logout, Session Management)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from harness import jose
from harness.results import CheckFailed, Level
from harness.specs import oidc_backchannel as bcl
from harness.specs import oidc_logout as rpi

REG = ["https://rp.example.test/logout"]
ISS = "https://op.example.test"


def _code(exc: pytest.ExceptionInfo[CheckFailed]) -> str:
    return exc.value.findings[0].code


# -- RP-Initiated Logout ----------------------------------------------------------------

def test_end_session_endpoint() -> None:
    rpi.check_end_session_endpoint("https://op.example.test/logout?x=1")
    for bad in ("http://op.example.test/logout", None, "https:///x"):
        with pytest.raises(CheckFailed) as exc:
            rpi.check_end_session_endpoint(bad)
        assert _code(exc) == "END_SESSION_ENDPOINT_NOT_HTTPS"


def test_post_logout_redirect_good() -> None:
    rpi.check_post_logout_redirect(left_to=f"{REG[0]}?state=abc", expected_uri=REG[0], state="abc", registered=REG)


@pytest.mark.parametrize(("left_to", "code", "level"), [
    (None, "POST_LOGOUT_NO_REDIRECT", Level.SHOULD),
    ("https://evil.example.test/?state=abc", "POST_LOGOUT_REDIRECT_UNREGISTERED", Level.MUST),
    (f"{REG[0]}?state=abc&x=1", "POST_LOGOUT_REDIRECT_UNREGISTERED", Level.MUST),
    (f"{REG[0]}", "POST_LOGOUT_STATE_NOT_RETURNED", Level.MUST),
    (f"{REG[0]}?state=other", "POST_LOGOUT_STATE_NOT_RETURNED", Level.MUST),
])
def test_post_logout_redirect_bad(left_to: str | None, code: str, level: Level) -> None:
    with pytest.raises(CheckFailed) as exc:
        rpi.check_post_logout_redirect(left_to=left_to, expected_uri=REG[0], state="abc", registered=REG)
    assert _code(exc) == code
    assert exc.value.findings[0].level is level


def test_no_post_logout_redirect() -> None:
    forbidden = f"{REG[0]}?harness_extra=1"
    kwargs: dict[str, Any] = {"forbidden": forbidden, "registered": REG, "requirement": "OIDCRPI-3-exact",
                              "code": "X_ACCEPTED", "why": "test"}
    rpi.check_no_post_logout_redirect(left_to=None, **kwargs)
    rpi.check_no_post_logout_redirect(left_to=f"{REG[0]}?state=s", **kwargs)  # registered: not this rule
    with pytest.raises(CheckFailed) as exc:
        rpi.check_no_post_logout_redirect(left_to=f"{forbidden}&state=s", **kwargs)
    assert _code(exc) == "X_ACCEPTED"
    with pytest.raises(CheckFailed) as exc:
        rpi.check_no_post_logout_redirect(left_to="https://anywhere.example.test/", **kwargs)
    assert _code(exc) == "POST_LOGOUT_REDIRECT_UNREGISTERED"


def test_no_redirect_unrequested() -> None:
    rpi.check_no_redirect_unrequested(None, REG)
    with pytest.raises(CheckFailed) as exc:
        rpi.check_no_redirect_unrequested(REG[0], REG)
    assert _code(exc) == "POST_LOGOUT_REDIRECT_UNREQUESTED"
    with pytest.raises(CheckFailed) as exc:
        rpi.check_no_redirect_unrequested("https://evil.example.test/", REG)
    assert _code(exc) == "POST_LOGOUT_REDIRECT_UNREGISTERED"


def test_served_and_asked() -> None:
    rpi.check_served(first_status=200, what="x")
    rpi.check_served(first_status=303, what="x")
    with pytest.raises(CheckFailed) as exc:
        rpi.check_served(first_status=403, what="x")
    assert _code(exc) == "LOGOUT_REQUEST_REFUSED"
    rpi.check_asked_end_user(confirm_shown=True, what="x")
    with pytest.raises(CheckFailed) as exc:
        rpi.check_asked_end_user(confirm_shown=False, what="x")
    assert _code(exc) == "LOGOUT_NOT_CONFIRMED_BY_USER"


def test_session_ended() -> None:
    rpi.check_session_ended(code_returned=False, params={"error": "login_required"})
    rpi.check_session_ended(code_returned=False, params={"error": "interaction_required"})
    rpi.check_session_ended(code_returned=False, params={}, login_form_shown=True)
    for code_returned, params in ((True, {"code": "c"}), (False, {"error": "consent_required"})):
        with pytest.raises(CheckFailed) as exc:
            rpi.check_session_ended(code_returned=code_returned, params=params)
        assert _code(exc) == "SESSION_NOT_ENDED"
    with pytest.raises(CheckFailed) as exc:
        rpi.check_session_ended(code_returned=False, params={})
    assert _code(exc) == "PRECONDITION_AUTHORIZATION_FAILED"
    with pytest.raises(CheckFailed) as exc:
        rpi.check_session_ended(code_returned=True, params={"code": "c"}, asked=False)
    assert _code(exc) == "LOGOUT_REQUEST_IGNORED"
    assert rpi.session_probe_conclusive(code_returned=False, params={"error": "consent_required"},
                                        login_form_shown=False)
    assert not rpi.session_probe_conclusive(code_returned=False, params={"error": "invalid_request"},
                                            login_form_shown=False)


# -- Session Management and Front-Channel Logout ----------------------------------------

def test_check_session_iframe() -> None:
    rpi.check_check_session_iframe("https://op/check", status=200, content_type="text/html; charset=utf-8")
    with pytest.raises(CheckFailed) as exc:
        rpi.check_check_session_iframe("http://op/check", status=200, content_type="text/html")
    assert _code(exc) == "CHECK_SESSION_IFRAME_NOT_HTTPS"
    with pytest.raises(CheckFailed) as exc:
        rpi.check_check_session_iframe("https://op/check", status=404, content_type="text/html")
    assert _code(exc) == "CHECK_SESSION_IFRAME_UNSERVED"


def test_session_state() -> None:
    rpi.check_session_state({"code": "c", "session_state": "abc.def"})
    cases = (({"code": "c"}, "SESSION_STATE_MISSING"), ({"session_state": "a b"}, "SESSION_STATE_HAS_SPACE"))
    for params, code in cases:
        with pytest.raises(CheckFailed) as exc:
            rpi.check_session_state(params)
        assert _code(exc) == code


def test_frontchannel_iframe() -> None:
    uri = "https://rp.example.test/fc"
    rpi.check_frontchannel_iframe([f"{uri}?iss={ISS}&sid=s1"], logout_uri=uri, session_required=True,
                                  issuer=ISS, sid="s1")
    rpi.check_frontchannel_iframe([uri], logout_uri=uri, session_required=False, issuer=ISS, sid=None)
    with pytest.raises(CheckFailed) as exc:
        rpi.check_frontchannel_iframe(["https://other.example.test/"], logout_uri=uri, session_required=False,
                                      issuer=ISS, sid=None)
    assert _code(exc) == "FRONTCHANNEL_IFRAME_MISSING"
    with pytest.raises(CheckFailed) as exc:
        rpi.check_frontchannel_iframe([f"{uri}?iss={ISS}&sid=s2"], logout_uri=uri, session_required=True,
                                      issuer=ISS, sid="s1")
    assert _code(exc) == "FRONTCHANNEL_SESSION_PARAMS"


# -- Back-Channel Logout -----------------------------------------------------------------

def test_logout_request() -> None:
    token = bcl.check_logout_request(method="POST", content_type="application/x-www-form-urlencoded; charset=utf-8",
                                     body=b"logout_token=a.b.c")
    assert token == "a.b.c"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"method": None, "content_type": "", "body": b""}, "BACKCHANNEL_LOGOUT_NOT_SENT"),
        ({"method": "GET", "content_type": "", "body": b""}, "BACKCHANNEL_LOGOUT_NOT_POST"),
        ({"method": "POST", "content_type": "application/json", "body": b'{"logout_token":"a"}'},
         "BACKCHANNEL_LOGOUT_NOT_FORM"),
        ({"method": "POST", "content_type": "application/x-www-form-urlencoded", "body": b"x=1"},
         "BACKCHANNEL_LOGOUT_NO_TOKEN"),
    ]
    for kwargs, code in cases:
        with pytest.raises(CheckFailed) as exc:
            bcl.check_logout_request(**kwargs)
        assert _code(exc) == code


def _claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {"iss": ISS, "aud": "rp", "iat": int(time.time()), "jti": "j1", "sub": "alice",
                              "sid": "s1", "events": {bcl.LOGOUT_EVENT: {}}}
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def test_signed() -> None:
    key = jose.generate_key("RSA", label="logout-unit")
    jwks = {"keys": [key.as_dict(private=False) | {"kid": key.as_dict()["kid"], "alg": "RS256"}]}
    good = jose.sign_jws({"alg": "RS256", "kid": key.as_dict()["kid"], "typ": "logout+jwt"}, _claims(), key)
    assert bcl.check_signed(good, jwks, ["RS256"]).claims["jti"] == "j1"
    unsigned = jose.sign_unsecured(None, _claims())
    with pytest.raises(CheckFailed) as exc:
        bcl.check_signed(unsigned, jwks, ["RS256"])
    assert _code(exc) == "LOGOUT_TOKEN_UNSIGNED"
    head, body, sig = good.split(".")
    flipped = bytearray(jose.b64url_decode(sig))
    flipped[0] ^= 1
    with pytest.raises(CheckFailed) as exc:
        bcl.check_signed(f"{head}.{body}.{jose.b64url(bytes(flipped))}", jwks, ["RS256"])
    assert _code(exc) == "LOGOUT_TOKEN_SIGNATURE_INVALID"
    with pytest.raises(CheckFailed) as exc:
        bcl.check_signed("not-a-jwt", jwks, ["RS256"])
    assert _code(exc) == "LOGOUT_TOKEN_MALFORMED"


@pytest.mark.parametrize(("changes", "code"), [
    ({"iss": "https://other"}, "LOGOUT_TOKEN_ISS"),
    ({"aud": "other"}, "LOGOUT_TOKEN_AUD"),
    ({"iat": None}, "LOGOUT_TOKEN_IAT"),
    ({"iat": 1000}, "LOGOUT_TOKEN_IAT"),
    ({"jti": None}, "LOGOUT_TOKEN_JTI"),
])
def test_required_claims(changes: dict[str, Any], code: str) -> None:
    bcl.check_required_claims(_claims(aud=["rp", "x"]), issuer=ISS, client_id="rp", now=time.time())
    with pytest.raises(CheckFailed) as exc:
        bcl.check_required_claims(_claims(**changes), issuer=ISS, client_id="rp", now=time.time())
    assert _code(exc) == code


def test_events_sub_sid_nonce_typ() -> None:
    bcl.check_events(_claims())
    bcl.check_sub_or_sid(_claims(sub=None))
    bcl.check_sub_or_sid(_claims(sid=None))
    bcl.check_no_nonce(_claims())
    bcl.check_typ({"alg": "RS256", "typ": "logout+jwt"})
    bcl.check_typ({"alg": "RS256"})
    for fn, claims, code in ((bcl.check_events, _claims(events={"other": {}}), "LOGOUT_TOKEN_EVENTS"),
                             (bcl.check_events, _claims(events=[bcl.LOGOUT_EVENT]), "LOGOUT_TOKEN_EVENTS"),
                             (bcl.check_sub_or_sid, _claims(sub=None, sid=None), "LOGOUT_TOKEN_NO_SUB_SID"),
                             (bcl.check_no_nonce, _claims(nonce="n"), "LOGOUT_TOKEN_NONCE")):
        with pytest.raises(CheckFailed) as exc:
            fn(claims)
        assert _code(exc) == code
    with pytest.raises(CheckFailed) as exc:
        bcl.check_typ({"alg": "RS256", "typ": "JWT"})
    assert _code(exc) == "LOGOUT_TOKEN_TYP"
    assert exc.value.findings[0].level is Level.SHOULD


def test_session_sid() -> None:
    bcl.check_session_sid(id_token_claims={"sid": "s1"}, logout_claims=_claims())
    with pytest.raises(CheckFailed) as exc:
        bcl.check_session_sid(id_token_claims={}, logout_claims=_claims())
    assert _code(exc) == "ID_TOKEN_NO_SID"
    with pytest.raises(CheckFailed) as exc:
        bcl.check_session_sid(id_token_claims={"sid": "s1"}, logout_claims=_claims(sid="s2"))
    assert _code(exc) == "LOGOUT_TOKEN_SID"
