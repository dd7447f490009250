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
