"""A tiny HTML form extractor (stdlib only) for the HTTP form driver."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit


@dataclass
class HtmlForm:
    """One ``<form>``: where it posts and its successful controls."""

    id: str | None
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._current: HtmlForm | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._current = HtmlForm(id=a.get("id"), action=a.get("action", ""),
                                     method=(a.get("method") or "get").lower())
            self.forms.append(self._current)
        elif self._current is not None and tag == "input":
            kind = a.get("type", "text").lower()
            name = a.get("name")
            if not name:
                return
            if kind in ("submit", "image"):
                self._current.buttons.append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._current.fields[name] = a.get("value", "on")
            else:
                self._current.fields[name] = a.get("value", "")
        elif self._current is not None and tag == "button":
            if a.get("type", "submit").lower() == "submit" and a.get("name"):
                self._current.buttons.append((a["name"], a.get("value", "")))
        elif self._current is not None and tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._current.fields[self._textarea] = ""

    def handle_data(self, data: str) -> None:
        if self._current is not None and self._textarea is not None:
            self._current.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "textarea":
            self._textarea = None


def _neutralise_unterminated(html: str) -> str:
    """Escape every ``<`` after the last ``>``: markup there can never complete.

    ``html.parser`` rescans an unterminated tag from every ``<`` that follows it, so a hostile
    page of ``<a <a <a ...`` (20 KB: 3 s, 100 KB: 90 s) would stall the run; text after the last
    ``>`` holds no form control either way.
    """
    last = html.rfind(">")
    tail = html[last + 1:]
    return html[:last + 1] + tail.replace("<", "&lt;") if "<" in tail else html


def parse_forms(html: str) -> list[HtmlForm]:
    """Every form in ``html`` (malformed markup is tolerated, in time linear in its size)."""
    parser = _FormParser()
    parser.feed(_neutralise_unterminated(html))
    parser.close()
    return parser.forms


_NAVIGATION_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def form_post_headers(page_url: str) -> dict[str, str]:
    """The ``Origin`` and ``Accept`` headers a browser sends when it submits a form of ``page_url`` by POST.

    Browsers send ``Origin`` with every POST form submission (Fetch: the request's origin,
    serialised per RFC 6454 with the default port omitted); CSRF defences such as Django's
    rely on it over https. A navigation asks for HTML (Fetch's default ``Accept`` of a
    document request); servers that negotiate on it (Keycloak's ``/device`` answers a
    ``*/*`` POST as a device authorization request) then show the page a browser gets.
    """
    parts = urlsplit(page_url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"https": 443, "http": 80}.get(parts.scheme)
    port = "" if parts.port is None or parts.port == default else f":{parts.port}"
    return {"Origin": f"{parts.scheme}://{host}{port}", "Accept": _NAVIGATION_ACCEPT}


def find_form(forms: list[HtmlForm], form_id: str | None, action_part: str | None = None) -> HtmlForm | None:
    """The form with id ``form_id``, else the first without an id whose action contains ``action_part``."""
    if form_id is not None:
        for form in forms:
            if form.id == form_id:
                return form
    if action_part:
        for form in forms:
            if not form.id and action_part in (form.action or ""):
                return form
    return None

