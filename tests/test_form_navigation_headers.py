"""A form submission of the HTTP-form user agent asks for HTML, as a browser's navigation does."""

from __future__ import annotations

from harness.login.html_forms import form_post_headers


def test_form_post_asks_for_html_first() -> None:
    headers = form_post_headers("https://127.0.0.1:8443/realms/harness/device")
    assert headers["Origin"] == "https://127.0.0.1:8443"
    # Keycloak's /device answers a POST with Accept */* as a device authorization request
    # (invalid_client) and only a document request as the user-code form
    assert headers["Accept"].split(",")[0] == "text/html"


def test_default_port_omitted_from_origin() -> None:
    assert form_post_headers("https://op.example.test:443/login")["Origin"] == "https://op.example.test"


def test_form_without_id_found_by_action() -> None:
    from harness.login.html_forms import find_form, parse_forms

    page = ('<form id="other" action="/x" method="post"></form>'
            '<form class="pf" action="/realms/r/login-actions/consent?client_id=c" method="POST">'
            '<input type="hidden" name="code" value="k"><button name="accept" id="kc-login">Yes</button></form>')
    forms = parse_forms(page)
    found = find_form(forms, None, "/login-actions/consent")
    assert found is not None and found.fields.get("code") == "k"
    assert find_form(forms, "other", "/login-actions/consent") is forms[0]   # the id wins
    assert find_form(forms, None, None) is None
    assert find_form(forms, None, "/nowhere") is None
