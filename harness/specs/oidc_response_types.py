"""Response types and modes: OAuth 2.0 Multiple Response Type Encoding Practices, Form Post, OIDC Core §3.2/§3.3.

Pure judging functions over where the authorization response arrived (query, fragment or a
form post) and what it carried.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.results import fail
from harness.specs._redirect_target import at_redirect_uri

__all__ = [
    "FRONT_CHANNEL_TOKEN",
    "check_default_response_mode",
    "check_form_post",
    "check_no_front_channel_refresh_token",
    "check_nonce_required",
    "check_token_response",
    "check_unsigned_id_token",
    "expected_members",
]

#: Response types whose response carries a token or ID Token in the front channel.
FRONT_CHANNEL_TOKEN = ("id_token", "token")


def expected_members(response_type: str) -> set[str]:
    """The members a successful response of ``response_type`` must carry (OAUTHMR §5, OIDC Core §3.2.2.5)."""
    values = set(response_type.split())
    members = set()
    if "code" in values:
        members.add("code")
    if "id_token" in values:
        members.add("id_token")
    if "token" in values:
        members |= {"access_token", "token_type"}
    return members


def check_default_response_mode(response_type: str, *, query: Mapping[str, str], fragment: Mapping[str, str],
                                via: str) -> None:
    """Without ``response_mode``, ``code`` answers in the query and every other response type in the fragment.

    OAUTHMR §2.1: "the default Response Mode for the OAuth 2.0 code Response Type is the query
    encoding"; §5 for ``code id_token`` (and likewise ``code token``, ``code id_token token``,
    ``id_token``): "The default Response Mode for this Response Type is the fragment encoding and
    the query encoding MUST NOT be used." A token, code or ID Token in the query of a fragment
    response type is a MUST finding; the response arriving elsewhere than the default is too.
    """
    values = set(response_type.split())
    if values == {"code"}:
        if via != "redirect" or "code" not in query or "code" in fragment:
            raise fail("RESPONSE_MODE_NOT_QUERY", "response_type=code without response_mode did not answer in the "
                       "query", "OAUTHMR-2.1", expected="code in the query",
                       actual={"via": via, "query": sorted(query), "fragment": sorted(fragment)})
        return
    leaked = sorted(set(query) & {"code", "id_token", "access_token", "token_type"})
    if via != "redirect" or leaked or not expected_members(response_type) <= set(fragment):
        raise fail("RESPONSE_MODE_NOT_FRAGMENT", f"response_type={response_type} without response_mode did not "
                   "answer in the fragment (the query encoding MUST NOT be used)", "OAUTHMR-5-fragment",
                   expected=f"{sorted(expected_members(response_type))} in the fragment",
                   actual={"via": via, "query": sorted(query), "fragment": sorted(fragment)})


def check_nonce_required(response_type: str, *, params: Mapping[str, str], redirected: bool) -> None:
    """An implicit or hybrid request with ``id_token`` but without ``nonce`` is refused.

    OIDC Core §3.2.2.1: "nonce REQUIRED." (hybrid: §3.3.2.11 "Use of the nonce Claim is REQUIRED
    for this flow"); §3.1.2.2: "The Authorization Server MUST verify that all the REQUIRED
    parameters are present". A response carrying an ID Token or code is the failure; an error
    (redirected or on an error page) passes.
    """
    if redirected and (params.get("id_token") or params.get("code") or params.get("access_token")):
        raise fail("NONCE_NOT_REQUIRED", f"response_type={response_type} was served without the REQUIRED nonce",
                   "OIDCC-3.1.2.2", expected="an error (nonce missing)", actual=sorted(params))


def check_token_response(*, via: str, query: Mapping[str, str], fragment: Mapping[str, str]) -> None:
    """RFC 6749 §4.2.2: the plain ``token`` response arrives in the fragment with ``access_token`` and ``token_type``.

    "the authorization server issues an access token and delivers it to the client by adding the
    following parameters to the fragment component of the redirection URI ... access_token
    REQUIRED ... token_type REQUIRED". A token in the query, or a response without either member in
    the fragment, is the finding (``state`` and the refresh token are judged by their own rules).
    """
    leaked = sorted(set(query) & {"access_token", "token_type", "refresh_token"})
    if via != "redirect" or leaked:
        raise fail("TOKEN_RESPONSE_NOT_FRAGMENT", "the response_type=token response did not arrive in the fragment "
                   "of the redirection URI", "RFC6749-4.2.2", expected="access_token, token_type in the fragment",
                   actual={"via": via, "query": sorted(query), "fragment": sorted(fragment)})
    missing = sorted({"access_token", "token_type"} - {k for k, v in fragment.items() if v})
    if missing:
        raise fail("TOKEN_RESPONSE_MEMBER_MISSING", f"the response_type=token response lacks {', '.join(missing)}",
                   "RFC6749-4.2.2", expected=["access_token", "token_type"], actual=sorted(fragment))


def check_no_front_channel_refresh_token(response_type: str, params: Mapping[str, str]) -> None:
    """No refresh token in an authorization response.

    RFC 6749 §4.2.2 (the front-channel token response): "The authorization server MUST NOT issue
    a refresh token."
    """
    if "refresh_token" in params:
        raise fail("FRONT_CHANNEL_REFRESH_TOKEN", f"the response_type={response_type} authorization response "
                   "carries a refresh_token", "RFC6749-4.2.2-no_refresh_token", expected="no refresh_token",
                   actual="refresh_token present")


def check_form_post(response_type: str, *, via: str, form: Mapping[str, str], action: str | None,
                    redirect_uri: str) -> None:
    """``response_mode=form_post``: the response is a form POST to the redirect URI carrying the response members.

    OAuth 2.0 Form Post Response Mode §2: "Authorization Response parameters are encoded as HTML
    form values that are auto-submitted in the User Agent, and thus are transmitted via the HTTP
    POST method to the Client ... The action attribute of the form MUST be the Client's
    Redirection URI. The method of the form attribute MUST be POST."
    """
    if via != "form_post" or action is None or not at_redirect_uri(action, redirect_uri):
        raise fail("FORM_POST_NOT_USED", f"response_type={response_type} with response_mode=form_post was not "
                   "answered with a form POST to the redirect URI", "OAUTHFP-2",
                   expected=f"POST form to {redirect_uri}", actual={"via": via, "action": action})
    missing = sorted(expected_members(response_type) - set(form))
    if missing:
        raise fail("FORM_POST_MEMBERS_MISSING", "the posted authorization response lacks members the response type "
                   "requires", "OAUTHFP-2", expected=sorted(expected_members(response_type)), actual=sorted(form))


def check_unsigned_id_token(header: Mapping[str, Any], signature: str) -> None:
    """A client registered with ``id_token_signed_response_alg`` ``none`` gets an unsecured ID Token.

    Registration §2: "id_token_signed_response_alg ... JWS alg algorithm [JWA] REQUIRED for signing
    the ID Token issued to this Client. The value none MUST NOT be used as the ID Token alg value
    unless the Client uses only Response Types that return no ID Token from the Authorization
    Endpoint (such as when only using the Authorization Code Flow)." RFC 7519 §6.1: an Unsecured
    JWT uses "alg" "none" and "the empty string for its JWS Signature value".
    """
    if header.get("alg") != "none" or signature:
        raise fail("ID_TOKEN_NOT_UNSIGNED", "the ID Token of a client registered for id_token_signed_response_alg "
                   "none is not an unsecured JWT", "OIDCR-2-id_token_signed_response_alg", expected="alg none, "
                   "empty signature", actual={"alg": header.get("alg"), "signature": "present" if signature else ""})
