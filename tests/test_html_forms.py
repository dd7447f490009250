"""The HTML form extractor used by the HTTP form login driver."""

from __future__ import annotations

from harness.login.html_forms import parse_forms

PAGE = """<html><body>
<form id="login-form" method="post" action="/interaction/abc/login">
  <input type="hidden" name="csrf" value="tok">
  <input name="username" id="username"><input type="password" name="password">
  <input type="checkbox" name="remember" checked><input type="checkbox" name="other">
  <button id="submit" type="submit">Sign in</button>
</form>
<form id="consent-form" method="POST" action="/interaction/abc/confirm">
  <button name="decision" value="approve">Allow</button><button name="decision" value="deny">Deny</button>
  <textarea name="note">hi</textarea>
</form></body></html>"""


def test_forms_fields_and_buttons() -> None:
    login, consent = parse_forms(PAGE)
    assert login.id == "login-form" and login.method == "post" and login.action == "/interaction/abc/login"
    assert login.fields == {"csrf": "tok", "username": "", "password": "", "remember": "on"}
    assert consent.buttons == [("decision", "approve"), ("decision", "deny")]
    assert consent.fields == {"note": "hi"}


def test_malformed_markup_tolerated() -> None:
    assert parse_forms("<form><input name=a value=1>")[0].fields == {"a": "1"}
    assert parse_forms("no forms here") == []
