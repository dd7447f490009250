"""OpenID Connect Core §5.4 and §5.5: which claims a response carries for the scopes and claims requested.

The expected values come from the profile (``users[].claims``, requirement ``DOC-users.claims``):
a claim the profile states for the test user is released, with that value, when a scope value
(§5.4) or the ``claims`` parameter (§5.5) asks for it and the user approves. Claims the profile
does not state are never expected (the deployment may not hold them).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from harness.results import Findings, Level, fail
from harness.specs._findings import finding

__all__ = [
    "SCOPE_CLAIMS",
    "check_claims_released",
    "check_essential_acr_outcome",
    "check_no_unrequested_claims",
    "check_sub_value_honoured",
    "claims_for_scopes",
]

#: §5.4: the standard claims each scope value requests.
SCOPE_CLAIMS: Mapping[str, tuple[str, ...]] = {
    "profile": ("name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile",
                "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at"),
    "email": ("email", "email_verified"),
    "address": ("address",),
    "phone": ("phone_number", "phone_number_verified"),
}


def claims_for_scopes(documented: Mapping[str, Any], scopes: Iterable[str]) -> dict[str, Any]:
    """The documented claims of the user that ``scopes`` request (§5.4), with their documented values."""
    names = {name for scope in scopes for name in SCOPE_CLAIMS.get(scope, ())}
    return {name: value for name, value in documented.items() if name in names}


def _same(expected: Any, actual: Any) -> bool:
    """Equal; for an object claim (``address``, §5.1.1) the documented members must match."""
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return all(_same(value, actual.get(key)) for key, value in expected.items())
    return bool(expected == actual)


def check_claims_released(returned: Mapping[str, Any], expected: Mapping[str, Any], *, where: str,
                          asked_by: str) -> None:
    """Every documented claim that was requested and approved is returned with its documented value.

    ``DOC-users.claims`` (the profile states the user's claims and that they are released when
    requested and approved). §5.4: "The Claims requested by the profile, email, address, and phone
    scope values are returned from the UserInfo Endpoint, as described in Section 5.3.2, when a
    response_type value is used that results in an Access Token being issued." §5.5: the claims
    parameter "requests that specific Claims be returned from the UserInfo Endpoint and/or in the
    ID Token". ``where``: "UserInfo" or "ID Token"; ``asked_by``: what requested them (for messages).

    Levels: a returned claim whose value differs from the documented one is a failure (the
    profile states the value). A requested claim that is missing is a warning only: §5.4 "Claims
    requested by the following scopes are treated by Authorization Servers as Voluntary Claims"
    and §5.5.1 "even if the Claims are not available because the End-User did not authorize their
    release or they are not present, the Authorization Server MUST NOT generate an error when
    Claims are not returned" — the OP may withhold a claim (e.g. one it releases only for a scope),
    so the documented claim's absence is reported, not failed.
    """
    findings = Findings()
    missing = sorted(name for name in expected if name not in returned)
    if missing:
        findings.add(finding("CLAIMS_NOT_RELEASED", f"the {where} lacks documented claims requested by {asked_by}",
                             "DOC-users.claims", sorted(expected), missing, Level.SHOULD))
    differing = sorted(name for name, value in expected.items() if name in returned and not _same(value,
                                                                                                   returned[name]))
    for name in differing:
        findings.add(finding("CLAIM_VALUE_DIFFERS", f"the {where} claim {name!r} differs from the documented value",
                             "DOC-users.claims", expected[name], returned[name]))
    findings.raise_if_any()


def check_no_unrequested_claims(returned: Mapping[str, Any], documented: Mapping[str, Any],
                                allowed: Collection[str], *, where: str) -> None:
    """No documented claim of the user is returned that neither a granted scope nor the claims parameter asked for.

    §5.4: "profile OPTIONAL. This scope value requests access to the End-User's default profile
    Claims" (and likewise email, address, phone): access to those claims is what the scope value
    requests, so a response to a request without it should not carry them. The sentence has no
    RFC 2119 keyword and the privacy considerations (§17) speak of consent only in lower case, so
    this is a SHOULD finding (warning). Only claims the profile documents for the user are judged.
    """
    extra = sorted(name for name in documented if name in returned and name not in allowed and name != "sub")
    if extra:
        raise fail("CLAIMS_NOT_REQUESTED", f"the {where} carries documented claims that no granted scope or claims "
                   "request asked for", "OIDCC-5.4", level=Level.SHOULD, expected=sorted(allowed), actual=extra)


def check_sub_value_honoured(*, requested_sub: str, issued_sub: str | None) -> None:
    """§5.5.1: an ID Token requested for a specific ``sub`` is never issued for another user.

    "If the sub (subject) Claim is requested with a specific value for the ID Token, the
    Authorization Server MUST only send a positive response if the End-User identified by that sub
    value has an active session with the Authorization Server or has been Authenticated as a result
    of the request. The Authorization Server MUST NOT reply with an ID Token or Access Token for a
    different user". ``issued_sub`` is the ``sub`` of the ID Token the flow produced (``None``: no
    positive response, which passes).
    """
    if issued_sub is not None and issued_sub != requested_sub:
        raise fail("SUB_VALUE_IGNORED", "an ID Token requested for a specific sub was issued for a different user",
                   "OIDCC-5.5.1-sub_value", expected=f"no tokens, or sub={requested_sub}", actual=issued_sub)


def check_essential_acr_outcome(requested: str, *, code_returned: bool, acr: Any, params: Mapping[str, str]) -> str:
    """§5.5.1.1: an essential ``acr`` requested with one value: that value in the ID Token, or a failed authentication.

    "If the acr Claim is requested as an Essential Claim for the ID Token with a value or values
    parameter requesting specific Authentication Context Class Reference values and the
    implementation supports the claims parameter, the Authorization Server MUST return an acr
    Claim Value that matches one of the requested values. ... If this is an Essential Claim and
    the requirement cannot be met, then the Authorization Server MUST treat that outcome as a
    failed authentication attempt." An error response (or no response at all) is that failed
    attempt; a code whose ID Token carries another ``acr``, or none, breaks the first sentence.
    Returns what was observed.
    """
    if not code_returned:
        error = params.get("error")
        return f"refused (error={error!r}): a failed authentication" if error else \
            "no response: a failed authentication"
    if acr is None:
        raise fail("ID_TOKEN_ACR_MISSING", f"an essential acr {requested!r} was requested, a code was issued, and the "
                   "ID Token has no acr", "OIDCC-5.5.1.1-essential", expected=requested, actual=None)
    if acr != requested:
        raise fail("ID_TOKEN_ACR_NOT_REQUESTED", f"an essential acr {requested!r} was requested, but the ID Token "
                   "of a successful authentication carries another one (the unmet requirement must be a failed "
                   "authentication)", "OIDCC-5.5.1.1-failed_authentication", expected=requested, actual=acr)
    return f"acr {acr!r} as requested"
