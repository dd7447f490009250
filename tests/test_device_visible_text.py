"""What the device user side reads as the page's visible text (the user code shown to the user)."""

from __future__ import annotations

from harness.login.device import visible_text


def test_visible_text_ignores_attributes() -> None:
    page = '<p>code <b>WDJB-MJHT</b></p><input type="hidden" value="KVPL-MFQZ"><script>"ZZZZ"</script>'
    text = visible_text(page)
    assert "WDJB-MJHT" in text and "KVPL" not in text and "ZZZZ" not in text
