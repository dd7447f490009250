"""Build the user agent the profile's ``login.driver`` names (used by the pytest plugin and check-profile)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.results import ProfileError
from harness.target import Target

DRIVERS = ("http_form", "browser", "glewlwyd")


def new_user_agent(target: Target, kind: str | None = None, *, browser_session: Any = None,
                   screenshot_dir: Path | None = None) -> Any:
    """A fresh user agent (own cookies) of ``kind`` (default: the profile's driver).

    The browser driver needs a started :class:`~harness.login.browser.BrowserSession`.
    """
    chosen = kind or target.profile.login.driver
    if chosen == "browser":
        from harness.login.browser import BrowserUserAgent

        if browser_session is None:
            raise ProfileError("the browser login driver needs a browser session")
        return BrowserUserAgent(target, browser_session, screenshot_dir=screenshot_dir)
    if chosen == "glewlwyd":
        from harness.login.glewlwyd import GlewlwydUserAgent

        return GlewlwydUserAgent(target)
    if chosen == "http_form":
        from harness.login.http_form import HttpFormUserAgent

        return HttpFormUserAgent(target)
    raise ProfileError(f"unknown login driver {chosen!r}; known: {', '.join(DRIVERS)}")
