"""Where the authorization response may arrive: at the ``redirect_uri`` of the request, nowhere else.

RFC 6749 §3.1.2.4: "If an authorization request fails validation due to a missing, invalid, or
mismatching redirection URI, the authorization server SHOULD inform the resource owner of the
error and MUST NOT automatically redirect the user-agent to the invalid redirection URI." and
§4.1.2: the server "delivers it to the client by adding the following parameters to the query
component of the redirection URI". RFC 9700 §4.1.3: "the authorization server MUST ensure that
the two URIs are equal". A response sent to any other place than the URI the client asked for is
not an authorization response for that client, whatever it carries: the user agent judges it
off target and no check may build on it.

The comparison: same scheme, host (case-insensitive), port (the scheme's default when absent) and
path (an empty path is "/"); the landing URL may add query parameters (RFC 6749 §3.1.2: the
endpoint URI "MAY include an [...] query component [...] which MUST be retained when adding
additional query parameters"), so every query parameter of the sent URI must still be there.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from harness.redaction import redact_url
from harness.results import CheckFailed, Finding, Level

__all__ = ["OFF_REDIRECT_URI", "at_redirect_uri", "check_at_redirect_uri", "host_of", "off_redirect_uri_finding"]

OFF_REDIRECT_URI = "AUTHORIZATION_RESPONSE_OFF_REDIRECT_URI"

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _endpoint(url: str) -> tuple[str, str, int | None, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is no number matches nothing
        port = -1
    if port is None:
        port = _DEFAULT_PORTS.get(scheme)
    path = parts.path or ("/" if scheme in _DEFAULT_PORTS else "")
    return scheme, (parts.hostname or "").lower(), port, path


def at_redirect_uri(landed: str, sent: str) -> bool:
    """Whether ``landed`` is the ``sent`` redirect URI: same scheme, host, port and path; query may add parameters."""
    if _endpoint(landed) != _endpoint(sent):
        return False
    landed_query = parse_qsl(urlsplit(landed).query, keep_blank_values=True)
    return all(pair in landed_query for pair in parse_qsl(urlsplit(sent).query, keep_blank_values=True))


def host_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, for messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}" if parts.netloc else url[:80]


def off_redirect_uri_finding(landed: str, sent: str, *, via: str) -> Finding:
    """The MUST finding for an authorization response delivered to ``landed`` instead of ``sent``."""
    how = "an auto-posting form aimed at" if via == "form_post" else "a redirect to"
    return Finding(
        code=OFF_REDIRECT_URI,
        message=(f"the authorization response went to {host_of(landed)} ({how} {redact_url(landed.split('#', 1)[0])}), "
                 f"not to the redirect_uri of the request: RFC 6749 §3.1.2.4 forbids redirecting to any "
                 f"other redirection URI (RFC 9700 §4.1: the two URIs must be equal), so nothing "
                 f"delivered there is a response to the client"),
        requirement="RFC6749-3.1.2.4",
        level=Level.MUST,
        expected=redact_url(sent),
        actual=redact_url(landed),
    )


def check_at_redirect_uri(landed: str, sent: str, *, via: str = "redirect") -> None:
    """Raise the off-target finding unless ``landed`` is the ``sent`` redirect URI."""
    if not at_redirect_uri(landed, sent):
        raise CheckFailed(off_redirect_uri_finding(landed, sent, via=via))
