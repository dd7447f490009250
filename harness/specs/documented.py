"""Documented settings of the target profile held against what the deployment does.

Each function judges one statement of the profile's ``documented:`` section (``DOC-<key>``,
see ``harness/specs/requirements/doc.yaml``): the vendor documents the behaviour, so a
deployment that behaves otherwise fails. A documented value never waives a specification rule;
the spec checks run next to these (issue 21: documented settings only make checks stricter).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from harness import jose
from harness.results import Finding, Findings, NeedsReview, fail

__all__ = ["check_access_token_issuer", "check_authorization_approval", "check_client_decoupled_settings",
           "check_confirmation_bypassed",
           "check_disabled_client_refused", "check_documented_lifetime", "check_grant_id_claim",
           "check_existing_grant_reused", "check_grant_idle_timeout", "check_jwks_cache_duration",
           "check_introspection_encrypted", "check_pairwise_subject",
           "check_outside_only_parameter_ignored", "check_par_status", "check_redirect_uri_mandatory",
           "check_response_type_restricted", "check_wildcard_redirect", "wildcard_candidates", "wildcard_matches",
           "check_scope_restricted", "check_typ_omitted", "check_default_scope_allowed",
           "check_query_jwt_without_tokens", "check_replay_by_reference_refused", "check_sector_subject_shared",
           "check_user_code_support", "check_verification_uri", "check_x5t_matches_certificate",
           "check_jwe_headers", "check_jarm_implicit_delivery", "decrypt_access_token",
           "max_age", "check_signing_kid", "certificate_der", "check_published_certificate",
           "check_jwt_access_token_introspected", "check_revoked_grant_token_inactive",
           "check_public_client_credentials_refused", "sha1_thumbprint", "check_claims_omitted",
           "check_hmac_signature", "check_ciba_request_lifetime", "SYMMETRIC_KEY_ALGS", "secret_derived_key",
           "decrypt_with_client_secret", "CONFIRMATION_MEMBERS", "check_confirmation_members",
           "check_signed_request_inside_wins", "check_signing_key_size", "scope_values",
           "check_scope_group_expansion"]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_documented_lifetime(claims: Mapping[str, Any], documented_s: int, *, requirement: str, what: str,
                              code_prefix: str, tolerance_s: int = 2) -> int:
    """``exp - iat`` of a token (its claims, or its introspection answer) equals the documented lifetime.

    ``code_prefix`` prefixes the finding codes (``<prefix>_LIFETIME_UNKNOWN`` / ``_MISMATCH``);
    ``tolerance_s`` absorbs the rounding of ``iat`` and ``exp`` to whole seconds. Returns the lifetime.
    """
    exp, iat = claims.get("exp"), claims.get("iat")
    if not (isinstance(exp, (int, float)) and isinstance(iat, (int, float)) and _is_number(exp)
            and _is_number(iat)):
        raise fail(f"{code_prefix}_LIFETIME_UNKNOWN", f"the {what} carries no numeric exp and iat, so its "
                   "lifetime cannot be compared with the documented one", requirement, expected=documented_s,
                   actual={"exp": exp, "iat": iat})
    lifetime = int(exp - iat)
    if abs(lifetime - documented_s) > tolerance_s:
        raise fail(f"{code_prefix}_LIFETIME_MISMATCH", f"the {what} lifetime (exp - iat) differs from the "
                   "documented one", requirement, expected=documented_s, actual=lifetime)
    return lifetime


def check_user_code_support(advertised: Any, status: int, body: Mapping[str, Any]) -> None:
    """Documented CIBA "User Code Support": advertised in discovery and a request with ``user_code`` accepted.

    CIBA Core §4: "backchannel_user_code_parameter_supported OPTIONAL. Boolean value specifying
    whether the OP supports the use of the user_code parameter, with true indicating support. If
    omitted, the default value is false." A deployment documented to support user codes therefore
    advertises ``true`` and acknowledges (§7.3, HTTP 200 with ``auth_req_id``) a valid request that
    carries one.
    """
    findings = Findings()
    if advertised is not True:
        findings.add(Finding(code="CIBA_USER_CODE_UNADVERTISED", message="user_code support is documented but "
                             "discovery does not advertise backchannel_user_code_parameter_supported true",
                             requirement="DOC-ciba.user_code", expected=True, actual=advertised))
    auth_req_id = body.get("auth_req_id")
    if status != 200 or not isinstance(auth_req_id, str) or not auth_req_id:
        findings.add(Finding(code="CIBA_USER_CODE_REFUSED", message="a valid backchannel request carrying user_code "
                             "was not acknowledged although user_code support is documented",
                             requirement="DOC-ciba.user_code", expected="HTTP 200 with auth_req_id",
                             actual=f"HTTP {status} error={body.get('error')}"))
    findings.raise_if_any()


#: Authorization response members that carry a credential (a code or a token).
CREDENTIAL_MEMBERS = ("code", "access_token", "id_token")


def check_response_type_restricted(response_type: str, allowed: list[str], delivered: Mapping[str, str]) -> None:
    """Documented "Restrict Response Types": a ``response_type`` the client is not allowed is refused.

    PingFederate's client setting restricts the client to the selected response types (the
    profile's ``clients[].response_types``); OIDC Registration §2 ``response_types`` is the list the
    client "will restrict itself to using". A request for another type must end without a code or
    token in the authorization response (RFC 6749 §4.1.2.1: an error such as ``unauthorized_client``
    or ``unsupported_response_type``, or an error page).
    """
    issued = sorted(m for m in CREDENTIAL_MEMBERS if delivered.get(m))
    if issued:
        raise fail("RESPONSE_TYPE_NOT_RESTRICTED", f"response_type {response_type!r} is not among the client's "
                   "allowed response types but the authorization response carries credentials",
                   "DOC-restrict_response_types", expected=f"refused (allowed: {' | '.join(allowed)})",
                   actual=f"delivered {', '.join(issued)}")


def check_confirmation_bypassed(bypass_documented: bool, confirmation_shown: bool) -> None:
    """Documented "Bypass Activation Code Confirmation": ``verification_uri_complete`` shows no confirmation page.

    PingFederate's device setting skips the user-code confirmation when the user arrives through
    ``verification_uri_complete``. The RFC 8628 §3.3.1 recommendation to confirm still applies and is
    judged separately (:func:`harness.specs.rfc8628.check_confirmation_shown`).
    """
    if bypass_documented and confirmation_shown:
        raise fail("DEVICE_CONFIRMATION_DESPITE_BYPASS", "a confirmation page appeared although Bypass Activation "
                   "Code Confirmation is documented", "DOC-device_bypass_activation_code_confirmation",
                   expected="no confirmation page", actual="confirmation page")


def check_scope_restricted(extra_scope: str, allowed: list[str], redirected: bool, params: Mapping[str, str], *,
                           requirement: str = "DOC-restrict_scopes",
                           finding_code: str = "SCOPE_NOT_RESTRICTED") -> None:
    """Documented "Restrict Common Scopes": a known scope the client was not given is refused with ``invalid_scope``.

    PingFederate's client setting: with common scopes restricted, a request for a common scope not
    selected for the client gets ``invalid_scope`` (RFC 6749 §4.1.2.1: "invalid_scope The requested
    scope is invalid, unknown, or malformed."). The profile's ``clients[].scope`` is the selection.
    A success, or any other answer, differs from the documented behaviour. "Exclusive Scopes" reads
    the same ("if the client tries to use such scope or scope group, it will receive an invalid_scope
    error message"), with ``requirement`` ``DOC-exclusive_scopes`` and its own ``finding_code``.
    """
    error = params.get("error") if redirected else None
    if error != "invalid_scope":
        if error:
            actual = f"error={error}"
        elif not redirected:
            actual = "no redirect to the client"
        else:
            actual = f"success (scope={params.get('scope')!r})"
        raise fail(finding_code, f"the scope {extra_scope!r} is not among the client's scopes but the "
                   "request was not refused with invalid_scope", requirement,
                   expected=f"error=invalid_scope (allowed: {' '.join(allowed)})", actual=actual)


def check_outside_only_parameter_ignored(params: Mapping[str, str], *, redirected: bool, outside_state: str) -> None:
    """Documented "Require Signed Requests": a parameter only outside the request object is ignored without error.

    PingFederate documents that with a signed request object the parameters outside it are not
    used; a parameter sent only outside is dropped, and the request still succeeds. Observed
    through ``state``, sent outside only: the response carries a code and not that ``state``.
    """
    if not redirected or params.get("error") or not params.get("code"):
        actual = f"error={params.get('error')}" if redirected and params.get("error") else (
            "no code" if redirected else "no redirect to the client")
        raise fail("JAR_OUTSIDE_ONLY_PARAMETER_ERROR", "a signed request with state only outside the request "
                   "object was not completed; the outside-only parameter is documented to be ignored without error",
                   "DOC-outside_parameters_ignored", expected="code, without the outside state", actual=actual)
    if params.get("state") == outside_state:
        raise fail("JAR_OUTSIDE_ONLY_PARAMETER_USED", "the state sent only outside the signed request object was "
                   "used in the response", "DOC-outside_parameters_ignored", expected="no state",
                   actual="the outside state echoed")


def check_disabled_client_refused(token_status: int, token_body: Mapping[str, Any], *, code_issued: bool) -> None:
    """Documented disabled client: its token requests get ``invalid_client`` and its authorization requests no code.

    A disabled client cannot authenticate: RFC 6749 §5.2 "invalid_client Client authentication
    failed (e.g., unknown client, no client authentication included, or unsupported
    authentication method)". The token request carries the client's valid credentials and an
    unknown code, so an enabled client would get ``invalid_grant`` instead.
    """
    findings = Findings()
    if token_status < 400 or token_body.get("error") != "invalid_client":
        findings.add(Finding(code="DISABLED_CLIENT_AUTHENTICATED", message="a token request by the disabled client "
                             "was not refused with invalid_client", requirement="DOC-enabled",
                             expected="HTTP 400/401 error=invalid_client",
                             actual=f"HTTP {token_status} error={token_body.get('error')}"))
    if code_issued:
        findings.add(Finding(code="DISABLED_CLIENT_AUTHORIZED", message="an authorization request by the disabled "
                             "client got an authorization code", requirement="DOC-enabled",
                             expected="refused (no code)", actual="code issued"))
    findings.raise_if_any()


def check_authorization_approval(bypass: bool, consent_shown: bool) -> None:
    """Documented "Bypass Authorization Approval": no consent page when selected, a consent page when not.

    PingFederate: "When selected, resource-owner approval for client access is assumed and
    PingFederate no longer presents to the user an authorization consent page". Not selected
    (the default), the first authorization of the client asks the user.
    """
    if bypass and consent_shown:
        raise fail("CONSENT_SHOWN_DESPITE_BYPASS", "a consent page was presented although Bypass Authorization "
                   "Approval is documented", "DOC-bypass_authorization_approval", expected="no consent page",
                   actual="consent page")
    if not bypass and not consent_shown:
        raise fail("CONSENT_NOT_SHOWN", "no consent page was presented although the client is documented without "
                   "Bypass Authorization Approval", "DOC-bypass_authorization_approval", expected="consent page",
                   actual="no consent page")


def max_age(cache_control: str | None) -> int | None:
    """The ``max-age`` directive of a ``Cache-Control`` header (RFC 9111 §5.2.2.1), or None."""
    for directive in (cache_control or "").split(","):
        name, _, value = directive.strip().partition("=")
        if name.strip().lower() == "max-age":
            value = value.strip().strip('"')
            return int(value) if value.isdigit() else None
    return None


def check_jwks_cache_duration(cache_control: str | None, documented_s: int) -> None:
    """Documented "JWKS Endpoint Cache Duration": the JWKS response's ``Cache-Control: max-age`` equals it.

    PingFederate: "Informs the clients of the duration that they could cache the content from the
    JWKS endpoint path." The duration reaches clients as ``max-age`` (RFC 9111 §5.2.2.1).
    """
    if max_age(cache_control) != documented_s:
        raise fail("JWKS_CACHE_DURATION_MISMATCH", "the JWKS endpoint's Cache-Control max-age differs from the "
                   "documented cache duration", "DOC-access_token.jwks_cache_duration_s",
                   expected=f"max-age={documented_s}", actual=cache_control)


def check_access_token_issuer(claims: Mapping[str, Any], documented: str) -> None:
    """Documented "Issuer Claim Value": ``iss`` equals it, or is absent when documented blank.

    PingFederate: "The value of the Issuer claim (iss) in the JWT. If left blank, this field is
    omitted." RFC 9068's own ``iss`` rule is judged by ``jwt_access_token.issuer``; this one only
    adds the documented expectation (issue 21 item 2: both findings appear where they disagree).
    """
    iss = claims.get("iss")
    if documented == "" and iss is not None:
        raise fail("AT_ISS_PRESENT", "the JWT access token carries iss although the Issuer Claim Value is "
                   "documented blank (omitted)", "DOC-access_token.issuer", expected=None, actual=iss)
    if documented != "" and iss != documented:
        raise fail("AT_ISS_NOT_DOCUMENTED", "the JWT access token's iss differs from the documented Issuer Claim "
                   "Value", "DOC-access_token.issuer", expected=documented, actual=iss)


def check_typ_omitted(header: Mapping[str, Any]) -> None:
    """Documented "Type Header Value" left blank: the JWT access token has no ``typ`` header.

    PingFederate: "If you do not specify a header, it is omitted."

    Only the documented expectation; RFC 9068 §2.1's ``at+jwt`` MUST is judged next to it, so a
    deployment that behaves as documented still fails RFC 9068 (issue 21 item 2).
    """
    if "typ" in header:
        raise fail("AT_TYP_PRESENT", "the JWT access token has a typ header although the Type Header Value is "
                   "documented blank (omitted)", "DOC-access_token.typ", expected=None, actual=header.get("typ"))


def check_verification_uri(body: Mapping[str, Any], documented: str) -> None:
    """Documented device "User Authorization URL": ``verification_uri`` is it, ``_complete`` it with ``?user_code=``.

    PingFederate: "if this field is configured with a value of https://www.example.org/welcome,
    PingFederate returns https://www.example.org/welcome and
    https://www.example.org/welcome?user_code=<activationcode> as the verification URIs."
    ``verification_uri_complete`` is OPTIONAL (RFC 8628 §3.2); where present it must start so.
    """
    findings = Findings()
    if body.get("verification_uri") != documented:
        findings.add(Finding(code="DEVICE_VERIFICATION_URI_NOT_DOCUMENTED", message="verification_uri differs from "
                             "the documented User Authorization URL", requirement="DOC-device.verification_uri",
                             expected=documented, actual=body.get("verification_uri")))
    complete = body.get("verification_uri_complete")
    if complete is not None and not (isinstance(complete, str) and complete.startswith(f"{documented}?")
                                     and "user_code=" in complete):
        findings.add(Finding(code="DEVICE_VERIFICATION_URI_COMPLETE_NOT_DOCUMENTED", message=(
            "verification_uri_complete is not the documented User Authorization URL with ?user_code="),
            requirement="DOC-device.verification_uri", expected=f"{documented}?user_code=…",
            actual="another URL"))
    findings.raise_if_any()


def check_par_status(status: str, *, plain_code_issued: bool, push_status: int | None) -> None:
    """Documented authorization-server "PAR Status" (PingFederate), for a client not documented with Require PAR.

    "If PAR is Enabled on the AS but not required on the client, then the client can use PAR"
    (and, not required, plain requests too); "If PAR is Required on the AS but not required on
    the client, then the client must use PAR"; Disabled: the PAR endpoint accepts no request.
    ``push_status`` is the HTTP status of a valid push (None: not tried).
    """
    findings = Findings()
    if status == "required" and plain_code_issued:
        findings.add(Finding(code="PAR_STATUS_REQUIRED_NOT_ENFORCED", message="a plain authorization request got "
                             "a code although PAR Status is documented Required", requirement="DOC-par.status",
                             expected="refused (PAR required)", actual="code issued"))
    if status in ("enabled", "disabled") and not plain_code_issued:
        findings.add(Finding(code="PAR_STATUS_PLAIN_REFUSED", message=f"a plain authorization request by a client "
                             f"not required to use PAR got no code although PAR Status is documented {status}",
                             requirement="DOC-par.status", expected="code issued", actual="no code"))
    if status in ("enabled", "required") and push_status is not None and push_status != 201:
        findings.add(Finding(code="PAR_STATUS_PUSH_REFUSED", message=f"a valid pushed authorization request was "
                             f"not accepted although PAR Status is documented {status}", requirement="DOC-par.status",
                             expected="HTTP 201", actual=f"HTTP {push_status}"))
    if status == "disabled" and push_status is not None and 200 <= push_status < 300:
        findings.add(Finding(code="PAR_STATUS_DISABLED_PUSH_ACCEPTED", message="a pushed authorization request was "
                             "accepted although PAR Status is documented Disabled", requirement="DOC-par.status",
                             expected="refused", actual=f"HTTP {push_status}"))
    findings.raise_if_any()


def check_grant_id_claim(claims: Mapping[str, Any], name: str) -> None:
    """Documented "Access Grant GUID Claim Name": the JWT access token carries the grant's GUID in that claim.

    PingFederate: "The name of the JWT claim used to carry the persistent access grant GUID. If left
    blank, this field is omitted." A token issued from a grant (the code flow) therefore carries a
    non-empty string there.
    """
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise fail("AT_GRANT_ID_CLAIM_MISSING", f"the JWT access token has no non-empty {name!r} claim although the "
                   "Access Grant GUID Claim Name is documented", "DOC-access_token.grant_id_claim",
                   expected=f"{name}: <grant GUID>", actual=value)


def wildcard_matches(pattern: str, uri: str) -> bool:
    """Whether ``uri`` matches a redirection-URI ``pattern`` in which ``*`` stands for any run of characters."""
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), uri) is not None


def wildcard_candidates(pattern: str, token: str) -> tuple[str, list[str]]:
    """A URI the ``pattern`` matches (each ``*`` replaced by ``token``) and URIs it does not match.

    The non-matching URIs keep the pattern's scheme and change what its fixed parts pin down: the
    host (``<token>.not-registered.example.test``) and the path (``/not-registered-<token>``).
    Candidates the pattern matches anyway (e.g. ``https://*``) are dropped.
    """
    matching = pattern.replace("*", token)
    parts = urlsplit(matching)
    others = [urlunsplit((parts.scheme, f"{token}.not-registered.example.test", parts.path, parts.query, "")),
              urlunsplit((parts.scheme, parts.netloc, f"/not-registered-{token}", "", ""))]
    return matching, [uri for uri in others if not wildcard_matches(pattern, uri)]


def check_wildcard_redirect(pattern: str, uri: str, *, matches: bool, redirected: bool,
                            params: Mapping[str, str]) -> None:
    """Documented wildcard Redirection URI: a URI the pattern matches is used, one it does not match is refused.

    PingFederate: "Enter a fully qualified URL ... Wildcards are allowed." A matching
    ``redirect_uri`` must get the authorization response (a code); a non-matching one must not
    receive it (RFC 6749 §3.1.2.4: the server "MUST NOT automatically redirect the user-agent to
    the invalid redirection URI").
    """
    if matches and not (redirected and params.get("code")):
        raise fail("WILDCARD_REDIRECT_URI_REFUSED", f"a redirect_uri the documented wildcard {pattern!r} matches "
                   "did not get the authorization response", "DOC-redirect_uri_wildcards",
                   expected=f"code delivered to {uri}", actual=f"error={params.get('error')}" if redirected
                   else "no redirect to it")
    if not matches and redirected:
        raise fail("WILDCARD_REDIRECT_URI_OVERBROAD", f"a redirect_uri the documented wildcard {pattern!r} does not "
                   "match received the authorization response", "DOC-redirect_uri_wildcards",
                   expected="refused (no redirect to it)", actual=f"redirected to {uri}")


def check_redirect_uri_mandatory(*, authorization_code_issued: bool, token_issued: bool | None,
                                 reason: str = "a wildcard Redirection URI",
                                 requirement: str = "DOC-redirect_uri_wildcards") -> None:
    """Documented: with a wildcard or several Redirection URIs, ``redirect_uri`` is mandatory at both endpoints.

    PingFederate: "If more than one URI is added or if a single URI uses wildcards, then the
    authorization code grant and the token requests must contain a specific matching
    redirect_uri parameter". ``token_issued`` is None when the token side was not tried; ``reason``
    names why the client needs it (a wildcard, several URIs).
    """
    findings = Findings()
    if authorization_code_issued:
        findings.add(Finding(code="REDIRECT_URI_OPTIONAL_AT_AUTHORIZATION", message="an authorization request "
                             f"without redirect_uri got a code although the client has {reason}",
                             requirement=requirement, expected="refused", actual="code issued"))
    if token_issued:
        findings.add(Finding(code="REDIRECT_URI_OPTIONAL_AT_TOKEN", message="a token request without redirect_uri "
                             f"returned tokens although the client has {reason}",
                             requirement=requirement, expected="refused", actual="tokens issued"))
    findings.raise_if_any()


def check_existing_grant_reused(reuse: bool, consent_shown_again: bool) -> None:
    """Documented "Reuse Existing Persistent Access Grants": no second consent page for an approved client, or one.

    PingFederate: "PingFederate requests consent from the user only one time. The user isn't asked
    for authorization on subsequent requests until the access grant is revoked." (with reuse
    selected for the grant type). Not selected, every authorization asks again.
    """
    if reuse and consent_shown_again:
        raise fail("EXISTING_GRANT_NOT_REUSED", "the consent page came again for a client the user already "
                   "approved, although reusing existing persistent grants is documented",
                   "DOC-reuse_existing_grants", expected="no consent page the second time", actual="consent page")
    if not reuse and not consent_shown_again:
        raise fail("EXISTING_GRANT_REUSED", "the second authorization showed no consent page although reusing "
                   "existing persistent grants is documented off", "DOC-reuse_existing_grants",
                   expected="consent page again", actual="no consent page")


def check_pairwise_subject(pairwise_subs: list[str], other_sub: str) -> None:
    """Documented "Use pairwise identifier": the client's ``sub`` is its own and stable.

    OIDC Core §8.1: a pairwise identifier gives "a different sub value to each Client, so as to
    prevent correlation of the End-User's activities across Clients"; §8: the subject is "locally
    unique and never reassigned". ``pairwise_subs`` are the subs of two logins of the same user
    at the pairwise client, ``other_sub`` the sub another client got for that user.
    """
    findings = Findings()
    if len(set(pairwise_subs)) != 1:
        findings.add(Finding(code="PAIRWISE_SUB_UNSTABLE", message="two logins of the same user gave the pairwise "
                             "client different sub values", requirement="DOC-pairwise_identifier",
                             expected="the same sub", actual=f"{len(set(pairwise_subs))} distinct values"))
    if other_sub in pairwise_subs:
        findings.add(Finding(code="PAIRWISE_SUB_SHARED", message="the client documented with a pairwise identifier "
                             "got the same sub as another client for the same user",
                             requirement="DOC-pairwise_identifier", expected="a client-specific sub",
                             actual="the other client's sub"))
    findings.raise_if_any()


def check_grant_idle_timeout(status: int, body: Mapping[str, Any], idle_s: int) -> None:
    """Documented "Persistent Grants Idle Timeout": a refresh after more than the idle time is refused.

    The grant expires when unused for the documented time, so its refresh token no longer works:
    RFC 6749 §5.2 ``invalid_grant`` ("The provided authorization grant ... or refresh token is
    invalid, expired, revoked ..."). Any answer that returns an access token differs.
    """
    if status == 200 and body.get("access_token"):
        raise fail("GRANT_IDLE_TIMEOUT_NOT_ENFORCED", f"a refresh token unused for longer than the documented "
                   f"idle timeout ({idle_s}s) still returned tokens", "DOC-persistent_grant_idle_timeout_s",
                   expected="refused (invalid_grant)", actual="HTTP 200 with access_token")


def check_introspection_encrypted(content: bytes, keys: jose.JWKS, alg: str, enc: str) -> dict[str, Any]:
    """Documented introspection encryption: the JWT response is a JWE with the documented alg/enc, decryptable.

    PingFederate's client "Token Introspection Key Management Encryption Algorithm" and "Content
    Encryption Algorithm" (RFC 9701 §5: the response JWT "MAY be ... signed and then encrypted"
    with ``introspection_encrypted_response_alg``/``_enc``). Returns the protected header of the
    JWE and, as ``inner``, the protected header of the signed JWT it carries.
    """
    raw = content.decode("utf-8", "replace").strip()
    if not jose.is_jwe(raw):
        raise fail("INTROSPECTION_NOT_ENCRYPTED", "the JWT introspection response is not a JWE although its "
                   "encryption is documented", "DOC-introspection_encryption", expected=f"JWE {alg}/{enc}",
                   actual=f"{raw.count('.') + 1} dot-separated parts" if raw else "empty body")
    header = jose.decode_jose_header(raw)
    if header.get("alg") != alg or header.get("enc") != enc:
        raise fail("INTROSPECTION_ENCRYPTION_MISMATCH", "the introspection response JWE uses another alg/enc than "
                   "documented", "DOC-introspection_encryption", expected=f"{alg}/{enc}",
                   actual=f"{header.get('alg')}/{header.get('enc')}")
    try:
        _, plaintext = jose.decrypt_jwe(raw, keys, allowed=[alg, enc])
    except jose.JoseError as exc:
        raise fail("INTROSPECTION_UNDECRYPTABLE", f"the introspection response JWE does not decrypt with the "
                   f"client's keys ({exc.code})", "DOC-introspection_encryption", expected="decryptable",
                   actual=exc.code) from exc
    inner = plaintext.decode("utf-8", "replace").strip()
    try:
        inner_header = jose.decode_jose_header(inner)
    except jose.JoseError as exc:
        raise fail("INTROSPECTION_INNER_NOT_JWT", "the decrypted introspection response is not a JWT",
                   "DOC-introspection_encryption", expected="a signed JWT inside", actual=exc.code) from exc
    return {**header, "inner": inner_header}


def check_client_decoupled_settings(body: Mapping[str, Any], *, interval_s: int | None, lifetime_s: int | None,
                                    requirement: str, what: str, tolerance_s: int = 2) -> None:
    """A client's own documented polling interval (and code lifetime) in its device or CIBA responses.

    PingFederate lets a client override the server-wide device settings ("Device Polling Interval
    (seconds)", "Pending Authorization Timeout (seconds)") and sets the CIBA "Polling Interval
    (seconds)" per client; the responses state them in ``interval`` and ``expires_in`` (RFC 8628
    §3.2, CIBA Core §7.3). ``expires_in`` may be a little lower (time already elapsed).
    """
    findings = Findings()
    interval = body.get("interval")
    if interval_s is not None and interval != interval_s:
        findings.add(Finding(code="CLIENT_INTERVAL_NOT_DOCUMENTED", message=f"the {what} response does not state the "
                             "client's documented polling interval", requirement=requirement, expected=interval_s,
                             actual=interval))
    expires_in = body.get("expires_in")
    in_range = isinstance(expires_in, (int, float)) and _is_number(expires_in) and lifetime_s is not None \
        and lifetime_s - tolerance_s <= expires_in <= lifetime_s
    if lifetime_s is not None and not in_range:
        findings.add(Finding(code="CLIENT_LIFETIME_NOT_DOCUMENTED", message=f"the {what} response's expires_in "
                             "differs from the client's documented lifetime", requirement=requirement,
                             expected=lifetime_s, actual=expires_in))
    findings.raise_if_any()


def check_default_scope_allowed(*, redirected: bool, params: Mapping[str, str], token_issued: bool | None) -> None:
    """Documented default scope: an authorization request without ``scope`` works for a scope-restricted client.

    PingFederate (Restrict Common Scopes, Exclusive Scopes): "The default scope, however, is always
    allowed for and available to all clients." A request naming no scope gets the default scope, so
    a client whose scopes are restricted gets a code (and tokens for it); ``invalid_scope`` or no
    code differs. ``token_issued`` is None when no code came to redeem.
    """
    if not (redirected and params.get("code")):
        actual = f"error={params.get('error')}" if redirected and params.get("error") else (
            "no code" if redirected else "no redirect to the client")
        raise fail("DEFAULT_SCOPE_REFUSED", "an authorization request without scope by a scope-restricted client got "
                   "no code although the default scope is documented as always allowed", "DOC-default_scope_allowed",
                   expected="code (the default scope)", actual=actual)
    if token_issued is False:
        raise fail("DEFAULT_SCOPE_TOKEN_REFUSED", "the code of a request without scope was not exchanged for tokens "
                   "although the default scope is documented as always allowed", "DOC-default_scope_allowed",
                   expected="HTTP 200 with access_token", actual="refused")


def check_sector_subject_shared(subs_by_client: Mapping[str, str], uri: str) -> None:
    """Documented "Sector Identifier URI": pairwise clients stating the same URI get the same ``sub``.

    OIDC Core §8.1: "The Sector Identifier can be a host component of a URL ... or the
    sector_identifier_uri", and the pairwise ``sub`` is computed per sector, so every client of one
    sector gets the same ``sub`` for a user (PingFederate "Sector Identifier URI", with "Use
    pairwise identifier"). ``subs_by_client`` maps each client of the sector to the sub it got.
    """
    if len(set(subs_by_client.values())) > 1:
        raise fail("SECTOR_SUB_NOT_SHARED", f"clients documented with the same Sector Identifier URI {uri} got "
                   "different sub values for the same user", "DOC-sector_identifier_uri",
                   expected="one sub for the sector", actual=f"{len(set(subs_by_client.values()))} distinct values "
                   f"for {', '.join(sorted(subs_by_client))}")


#: Members of an authorization response that are tokens (JARM §2.3.1 names response types with these).
TOKEN_MEMBERS = ("access_token", "id_token")


def check_query_jwt_without_tokens(response_type: str, query: Mapping[str, str]) -> None:
    """JARM §2.3.1: ``query.jwt`` with a response type containing ``token`` or ``id_token`` carries no token in the URL.

    "Note: "query.jwt" MUST NOT be used in conjunction with response types that contain "token" or
    "id_token" unless the response JWT is encrypted to prevent token leakage in the URL." PingFederate
    documents the same ("Failure in the case of the implicit grant unless the response is an encrypted
    JWT"). ``query`` are the query parameters of the redirect; a ``response`` JWS there whose claims
    carry a token, or a token in the query itself, leaked it. A JWE (encrypted) or an error is fine.
    """
    leaked = sorted(m for m in TOKEN_MEMBERS if query.get(m))
    response = query.get("response")
    if isinstance(response, str) and response and not jose.is_jwe(response):
        try:
            claims = jose.decode_unverified(response).claims
        except jose.JoseError:
            claims = {}
        leaked += sorted(m for m in TOKEN_MEMBERS if claims.get(m) and m not in leaked)
    if leaked:
        raise fail("JARM_QUERY_JWT_TOKEN_LEAKED", f"response_mode query.jwt with response_type {response_type!r} "
                   "put tokens into the redirect URI's query in an unencrypted response", "JARM-2.3.1",
                   expected="refused, or an encrypted response JWT",
                   actual=f"unencrypted {', '.join(leaked)} in the query")


def check_replay_by_reference_refused(*, second_push_status: int, second_code_issued: bool | None) -> None:
    """Documented "Replay Prevention" for signed request objects passed by reference (pushed, RFC 9126).

    PingFederate: "mandate a unique signed JSON Web Token (JWT) from the client for each request when
    the client is configured ... to transmit request parameters using in signed request objects". A
    request object already used, pushed again, must not start a second authorization: the push is
    refused, or the ``request_uri`` it got gives no code (``second_code_issued`` None: not tried).
    """
    if 200 <= second_push_status < 300 and second_code_issued:
        raise fail("JAR_REPLAY_BY_REFERENCE_ACCEPTED", "a request object (same jti) pushed a second time was "
                   "accepted and gave a code although Replay Prevention is documented",
                   "DOC-request_object_replay_prevention", expected="the second push or its request_uri refused",
                   actual=f"push HTTP {second_push_status}, code issued")


def sha1_thumbprint(x5c_entry: str) -> str | None:
    """base64url SHA-1 of the DER certificate an ``x5c`` entry holds (standard base64, RFC 7517 §4.7)."""
    try:
        der = base64.b64decode(x5c_entry, validate=True)
    except (binascii.Error, ValueError):
        return None
    return jose.b64url(hashlib.sha1(der, usedforsecurity=False).digest())


def check_x5t_matches_certificate(header: Mapping[str, Any], keys: Sequence[Mapping[str, Any]]) -> str:
    """Documented "Include X.509 Thumbprint Header Parameter": ``x5t`` is the signing certificate's SHA-1 thumbprint.

    PingFederate: "When selected, the X.509 certificate thumbprint is used in the x5t header
    parameter for the token." RFC 7515 §4.1.7: x5t "is a base64url-encoded SHA-1 thumbprint (a.k.a.
    digest) of the DER encoding of the X.509 certificate [RFC5280] corresponding to the key used to
    digitally sign the JWS". ``keys`` are the published JWKs; the signing key is the one the ``kid``
    header names (else any key with a certificate), its certificate the first ``x5c`` entry (RFC 7517
    §4.7). No published certificate to compare with needs review. Returns the matched ``kid``.
    """
    x5t = header.get("x5t")
    if not (isinstance(x5t, str) and x5t):
        raise fail("AT_X5T_MISSING", "the documented x5t header is missing", "DOC-access_token.x5t_header",
                   expected="x5t", actual=x5t)
    kid = header.get("kid")
    candidates = [k for k in keys if kid is None or k.get("kid") == kid]
    with_certificate = [k for k in candidates if isinstance(k.get("x5c"), list) and k["x5c"]
                        and isinstance(k["x5c"][0], str)]
    if not with_certificate:
        raise NeedsReview(f"the JWK Set publishes no certificate (x5c) for the signing key (kid {kid!r}), so the "
                          "x5t header cannot be compared with its certificate")
    thumbprints = {str(k.get("kid")): sha1_thumbprint(k["x5c"][0]) for k in with_certificate}
    matched = [name for name, value in thumbprints.items() if value == x5t]
    if not matched:
        raise fail("AT_X5T_CERTIFICATE_MISMATCH", "the x5t header is not the SHA-1 thumbprint of the signing key's "
                   "certificate", "DOC-access_token.x5t_header",
                   expected=f"SHA-1 thumbprint of x5c[0] of {', '.join(sorted(thumbprints))}", actual=x5t)
    return matched[0]


def check_jwe_headers(header: Mapping[str, Any], *, kid: bool | None, x5t: bool | None,
                      recipient_kids: set[str] | None = None,
                      recipient_certificates: Mapping[str, str] | None = None) -> str | None:
    """Documented JWE header parameters of encrypted JWT access tokens: ``kid`` and ``x5t`` present or absent.

    PingFederate's JWT access-token manager: "Include JWE Key ID header parameter When selected,
    indicates whether the key ID (kid) header parameter will be included in the encryption header of
    the token ... This check box is selected by default." and "Include JWE X.509 Thumbprint Header
    Parameter When selected, the X.509 certificate thumbprint is used as the x5t header parameter value
    in the encryption header of the token ... This check box is not selected by default." ``None``
    leaves a parameter unjudged; ``recipient_kids`` (the resource server's keys, when the profile has
    them) must contain a present ``kid`` (it names "the appropriate key during decryption").
    ``recipient_certificates`` (kid -> ``x5c[0]`` of the resource server's keys that have a
    certificate) make a documented ``x5t`` the SHA-1 thumbprint of the DER of the certificate of the
    key ``kid`` names (else of any of them): RFC 7516 §4.1.7, the certificate "contains the public key
    to which the JWE was encrypted". Returns the kid whose certificate matched (None: not compared).
    """
    findings = Findings()
    for name, documented in (("kid", kid), ("x5t", x5t)):
        value = header.get(name)
        if documented and not (isinstance(value, str) and value):
            findings.add(Finding(code=f"AT_JWE_{name.upper()}_MISSING", message=f"the access token's JWE header has no "
                                 f"{name} although it is documented", requirement=f"DOC-access_token.jwe_{name}_header",
                                 expected=name, actual=value))
        if documented is False and value is not None:
            findings.add(Finding(code=f"AT_JWE_{name.upper()}_PRESENT", message=f"the access token's JWE header has "
                                 f"{name} although it is documented as not included",
                                 requirement=f"DOC-access_token.jwe_{name}_header", expected=None, actual=value))
    value = header.get("kid")
    if kid and isinstance(value, str) and value and recipient_kids is not None and value not in recipient_kids:
        findings.add(Finding(code="AT_JWE_KID_UNKNOWN", message="the access token's JWE kid names no key of the "
                             "resource server", requirement="DOC-access_token.jwe_kid_header",
                             expected=sorted(recipient_kids), actual=value))
    matched = None
    x5t_value = header.get("x5t")
    if x5t and isinstance(x5t_value, str) and x5t_value and recipient_certificates:
        named = header.get("kid")
        candidates = {k: v for k, v in recipient_certificates.items() if not isinstance(named, str) or k == named}
        thumbprints = {k: sha1_thumbprint(v) for k, v in (candidates or recipient_certificates).items()}
        matched = next((k for k, v in thumbprints.items() if v == x5t_value), None)
        if matched is None:
            findings.add(Finding(code="AT_JWE_X5T_CERTIFICATE_MISMATCH", message="the access token's JWE x5t is not "
                                 "the SHA-1 thumbprint of the resource server's encryption certificate",
                                 requirement="DOC-access_token.jwe_x5t_header",
                                 expected=f"SHA-1 thumbprint of x5c[0] of {', '.join(sorted(thumbprints))}",
                                 actual=x5t_value))
    findings.raise_if_any()
    return matched


def check_jarm_implicit_delivery(mode: str, response_type: str, *, delivered_in: str | None, encrypted: bool,
                                 error: str | None) -> None:
    """Documented JARM modes for response types that issue tokens from the authorization endpoint.

    PingFederate ("Require JWT Secured Authorization Response Mode"): "jwt: ... fragment JWT response
    in the case of the implicit grant" and "query.jwt: ... Failure in the case of the implicit grant
    unless the response is an encrypted JWT based on the client settings". JARM §2.3.4: the default of
    ``jwt`` "for "token" and the response types defined in [OIDM], except "none", is "fragment.jwt"".
    ``mode`` ``jwt``: the response JWT must come in the fragment; ``query.jwt`` for a client with JARM
    encryption: an encrypted response JWT in the query (not an error). ``delivered_in`` is where the
    ``response`` parameter came (None: none came), ``error`` an error answer instead.
    """
    if mode == "jwt":
        if delivered_in != "fragment":
            raise fail("JARM_JWT_MODE_NOT_FRAGMENT", f"response_mode=jwt with response_type {response_type!r} did not "
                       "deliver the response JWT in the fragment", "JARM-2.3.4", expected="fragment",
                       actual=delivered_in or (f"error={error}" if error else "no response JWT"))
        return
    if delivered_in != "query" or not encrypted:
        actual = f"error={error}" if error else (f"{'encrypted' if encrypted else 'unencrypted'} JWT in the "
                                                 f"{delivered_in}" if delivered_in else "no response JWT")
        raise fail("JARM_QUERY_JWT_ENCRYPTED_REFUSED", f"response_mode=query.jwt with response_type {response_type!r} "
                   "did not deliver an encrypted response JWT in the query although the client's JARM encryption makes "
                   "it allowed", "DOC-require_jarm", expected="encrypted response JWT in the query", actual=actual)


def decrypt_access_token(raw: str, keys: jose.JWKS, alg: str, enc: str) -> str:
    """Documented "JWE Algorithm" / "JWE Content Encryption Algorithm": the token decrypts to a signed JWT.

    PingFederate's access-token manager encrypts the token "to encrypt or otherwise determine the value
    of the content encryption key" (JWE Algorithm) and "to perform authenticated encryption on the plain
    text payload of the token" (JWE Content Encryption Algorithm), to the partner's key ("Asymmetric
    Encryption Key"). With the resource server's private ``keys`` (and only the documented ``alg`` /
    ``enc`` allowed) the JWE must decrypt, and its plaintext must be a compact JWS (nested JWT, RFC 7519
    §5.2). Returns the inner token; its signature and claims are RFC 9068's to judge.
    """
    try:
        _, plaintext = jose.decrypt_jwe(raw, keys, allowed=[alg, enc])
    except jose.JoseError as exc:
        raise fail("AT_JWE_UNDECRYPTABLE", f"the access token JWE does not decrypt with the resource server's keys "
                   f"and the documented {alg}/{enc} ({exc.code})", "DOC-access_token.encryption",
                   expected=f"decryptable with {alg}/{enc}", actual=exc.code) from exc
    return _inner_jws(plaintext, "AT_JWE_INNER_NOT_JWS", "the decrypted access token is not a signed JWT",
                      "DOC-access_token.encryption")


def _inner_jws(plaintext: bytes, code: str, message: str, requirement_id: str) -> str:
    """The decrypted plaintext of a nested JWT: it must be a compact JWS (signed, then encrypted)."""
    inner = plaintext.decode("utf-8", "replace").strip()
    if inner.count(".") != 2:
        raise fail(code, message, requirement_id, expected="a compact JWS inside",
                   actual=f"{inner.count('.') + 1} dot-separated parts")
    return inner


def check_signing_kid(header: Mapping[str, Any], documented: str) -> None:
    """Documented "Active Signing Certificate Key ID": the JWS ``kid`` header of JWT access tokens names that key.

    PingFederate's JWT access-token manager: "Active Signing Certificate Key ID The ID of the key pair
    and certificate to use when producing JWTs using an EC-based or RSA-based algorithm." (and "Active
    Symmetric Key ID" for HMAC). With "Include Key ID Header Parameter" the ``kid`` header carries it.
    """
    kid = header.get("kid")
    if kid != documented:
        raise fail("AT_SIGNING_KID_NOT_DOCUMENTED", "the access token is not signed with the documented active key "
                   "(its kid header names another one)", "DOC-access_token.signing_kid", expected=documented,
                   actual=kid)


def certificate_der(body: bytes) -> bytes | None:
    """The DER of a certificate served as PEM, as DER, or as base64 of the DER (None: none of these)."""
    text = body.decode("ascii", "replace").strip()
    match = re.search(r"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", text, re.S)
    candidate = "".join(match.group(1).split()) if match else "".join(text.split())
    if body[:1] == b"\x30" and not match:  # DER: a SEQUENCE
        return body
    try:
        der = base64.b64decode(candidate, validate=True)
    except (binascii.Error, ValueError):
        return None
    return der if der[:1] == b"\x30" else None


def check_published_certificate(status: int, body: bytes, x5c_entry: str, *, setting: str, what: str) -> None:
    """Documented "Publish Key ID X.509 URL" / "Publish Thumbprint X.509 URL": the URL serves the signing certificate.

    PingFederate: "Indicates whether certificates will be made accessible by the key ID at
    https://<pf_host>:<pf.https.port>/ext/oauth/x509/kid?v=<id>" (and "by thumbprint at .../x5t?v=<base64url
    encoded SHA-1 thumbprint>"). The certificate served must be the one the JWK Set publishes for the
    signing key (``x5c[0]``, RFC 7517 §4.7); the documents do not say its encoding, so PEM, DER and
    base64 of the DER are accepted.
    """
    requirement = f"DOC-access_token.{setting}"
    if status != 200:
        raise fail("AT_CERTIFICATE_NOT_PUBLISHED", f"the documented {what} does not serve the signing certificate",
                   requirement, expected="HTTP 200 with the certificate", actual=f"HTTP {status}")
    der = certificate_der(body)
    try:
        expected = base64.b64decode(x5c_entry, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NeedsReview(f"the JWK Set's x5c entry of the signing key is not base64 ({exc})") from exc
    if der != expected:
        raise fail("AT_PUBLISHED_CERTIFICATE_MISMATCH", f"the {what} serves a certificate other than the signing "
                   "key's (x5c in the JWK Set)", requirement, expected="the DER of x5c[0]",
                   actual="no certificate" if der is None else f"a certificate of {len(der)} bytes that differs")


def check_jwt_access_token_introspected(status: int, body: Mapping[str, Any], *, client_id: str) -> None:
    """Documented validation of JWT access tokens by the authorization server: an issued one introspects active.

    PingFederate: "This allows the target resource server to validate the access tokens locally or to
    send the access tokens to PingFederate for validation." RFC 7662 §2.2: ``active`` REQUIRED; the
    ``client_id`` of an active answer, when given, is the client the token was issued to.
    """
    if status != 200 or body.get("active") is not True:
        raise fail("JWT_AT_NOT_VALIDATED", "an issued, unexpired JWT access token sent for validation is not active",
                   "DOC-introspection.jwt_access_tokens", expected={"active": True},
                   actual=f"HTTP {status} active={body.get('active')!r}")
    given = body.get("client_id")
    if given is not None and given != client_id:
        raise fail("JWT_AT_CLIENT_MISMATCH", "the introspection answer of a JWT access token names another client",
                   "DOC-introspection.jwt_access_tokens", expected=client_id, actual=given)


def check_revoked_grant_token_inactive(status: int, body: Mapping[str, Any]) -> None:
    """Documented grant check: a JWT access token whose grant was revoked introspects inactive.

    PingFederate "Access Grant GUID Claim Name": "If the claim is present during validation,
    PingFederate checks the grant database to ensure the grant is still valid." The grant is revoked
    by revoking its refresh token (RFC 7009 §2.1).
    """
    if status == 200 and body.get("active") is False:
        return
    raise fail("JWT_AT_REVOKED_GRANT_ACTIVE", "a JWT access token whose grant was revoked is still validated",
               "DOC-access_token.grant_id_claim", expected={"active": False},
               actual=f"HTTP {status} active={body.get('active')!r}")


def check_public_client_credentials_refused(status: int, body: Mapping[str, Any]) -> None:
    """A public client (client authentication None) is refused the client credentials grant.

    PingFederate: "A selection other than None is required for any of the following use cases: This
    client uses the Client Credentials grant type." (RFC 6749 §4.4 restricts the grant to
    confidential clients; its sentence is quoted from memory, so the finding cites the vendor's.) Any
    error answer without an access token is a refusal.
    """
    if status >= 400 or not body.get("access_token"):
        return
    raise fail("PUBLIC_CLIENT_CREDENTIALS_ISSUED", "a public client (no client authentication) got an access token "
               "with the client credentials grant", "DOC-public_client_grants",
               expected="an error (e.g. unauthorized_client)",
               actual=f"HTTP {status} with an access token")


def check_claims_omitted(claims: Mapping[str, Any], omitted: Sequence[str]) -> None:
    """Documented omissions: the JWT access token carries none of the claims the profile documents as left out.

    PingFederate's JWT access-token manager: "Client ID Claim Name ... If the field value is empty,
    PingFederate will not include the client ID of the requesting client in the self-contained
    tokens."; "Scope Claim Name ... If the field value is empty, PingFederate will not include any
    scope information in the self-contained token."; "Audience Claim Value ... If left blank, this
    field is omitted." The RFC 9068 checks still require the claims (issue 21: both findings appear).
    """
    present = [name for name in omitted if name in claims]
    if present:
        raise fail("AT_CLAIM_NOT_OMITTED", f"the access token carries {', '.join(present)} although documented as "
                   "omitted", "DOC-access_token.omitted_claims", expected=f"no {', '.join(omitted)}",
                   actual={name: claims[name] for name in present})


def check_hmac_signature(token: str, key: str, alg: str) -> jose.DecodedJWT:
    """Documented HMAC "JWS Algorithm": the JWT access token verifies with the shared key and that HS algorithm.

    PingFederate: "JWS Algorithm The hash-based message authentication code (HMAC) or the signing
    algorithm (EC or RSA) used to protect the integrity of the token." with the key of "Active
    Symmetric Key ID". ``key`` is the UTF-8 text of that key (as a client secret is, OIDC Core §10.1).
    """
    try:
        return jose.verify_hs(token, key, allowed_algs=[alg])
    except jose.JoseError as exc:
        raise fail("AT_HMAC_SIGNATURE_INVALID", f"the access token does not verify as {alg} with the documented "
                   f"symmetric key ({exc})", "DOC-access_token.hmac_key", expected=f"{alg} with the documented key",
                   actual=exc.code) from exc


def check_ciba_request_lifetime(body: Mapping[str, Any], maximum_s: int, *, requested_s: int) -> None:
    """Documented maximum CIBA request lifetime: ``expires_in`` of the acknowledgement is at most the documented one.

    PingFederate: "PingFederate uses CIBA request policies to determine various aspects of CIBA
    authentication request, such as the maximum lifetime of authentication requests". The request
    asked for ``requested_s`` (CIBA Core §7.1 ``requested_expiry``, longer than the maximum); CIBA
    Core §7.3: ``expires_in`` REQUIRED, a positive number of seconds.
    """
    expires_in = body.get("expires_in")
    if not (isinstance(expires_in, (int, float)) and _is_number(expires_in) and 0 < expires_in <= maximum_s):
        raise fail("CIBA_REQUEST_LIFETIME_NOT_DOCUMENTED", f"the backchannel authentication response's expires_in "
                   f"exceeds the documented maximum request lifetime (requested_expiry {requested_s} was asked)",
                   "DOC-ciba.request_lifetime_s", expected=f"0 < expires_in <= {maximum_s}", actual=expires_in)


#: Key-management algorithms that use a symmetric key (RFC 7518 §4.4, §4.5, §4.7), with their key length in bytes
#: (``dir``: the content encryption key, so the length comes from ``enc``).
SYMMETRIC_KEY_ALGS: dict[str, int | None] = {"dir": None, "A128KW": 16, "A192KW": 24, "A256KW": 32,
                                             "A128GCMKW": 16, "A192GCMKW": 24, "A256GCMKW": 32}
_ENC_KEY_BYTES = {"A128GCM": 16, "A192GCM": 24, "A256GCM": 32, "A128CBC-HS256": 32, "A192CBC-HS384": 48,
                  "A256CBC-HS512": 64}


def secret_derived_key(secret: str, alg: str, enc: str) -> bytes | None:
    """The symmetric key OIDC Core §10.2 derives from a client secret for ``alg``/``enc`` (None: not derivable).

    OIDC Core §10.2 (quoted from memory, agreeing with oidc-provider's implementation): the key is "a left
    truncated SHA-2 hash of the octets of the UTF-8 representation of the client_secret" — SHA-256 for
    keys up to 256 bits, SHA-384 up to 384, SHA-512 up to 512.
    """
    length = SYMMETRIC_KEY_ALGS.get(alg, 0) if alg != "dir" else _ENC_KEY_BYTES.get(enc)
    if not length:
        return None
    digest = hashlib.sha256 if length <= 32 else hashlib.sha384 if length <= 48 else hashlib.sha512
    return digest(secret.encode("utf-8")).digest()[:length]


def decrypt_with_client_secret(raw: str, secret: str, alg: str, enc: str) -> str:
    """Documented symmetric ID-token encryption: the JWE decrypts with the key derived from the client secret.

    PingFederate "ID Token Key Management Encryption Algorithm": "If you select a symmetric algorithm,
    you should provide a Client Secret. The client secret will be used as the symmetric key even if
    your client doesn't use the client secret for authentication." Only the documented ``alg``/``enc``
    are allowed; the plaintext must be a compact JWS (a nested JWT, OIDC Core §10.2: signed, then
    encrypted). Returns the inner token.
    """
    derived = secret_derived_key(secret, alg, enc)
    if derived is None:
        raise NeedsReview(f"no client-secret key derivation is defined for {alg}/{enc}")
    if not jose.is_jwe(raw):
        raise fail("ID_TOKEN_NOT_ENCRYPTED", "the ID token is not a JWE although symmetric encryption is documented",
                   "DOC-id_token_encryption", expected=f"{alg}/{enc}", actual="not a JWE")
    key = jose.import_jwk({"kty": "oct", "k": jose.b64url(derived)})
    try:
        _, plaintext = jose.decrypt_jwe(raw, key, allowed=[alg, enc])
    except jose.JoseError as exc:
        raise fail("ID_TOKEN_SECRET_UNDECRYPTABLE", f"the ID token does not decrypt with the key derived from the "
                   f"client secret and the documented {alg}/{enc} ({exc.code})", "DOC-id_token_encryption",
                   expected=f"decryptable with {alg}/{enc} and the client secret", actual=exc.code) from exc
    return _inner_jws(plaintext, "ID_TOKEN_INNER_NOT_JWS", "the decrypted ID token is not a signed JWT",
                      "DOC-id_token_encryption")


#: The registered confirmation members (RFC 7800 §3.2-3.5, RFC 9449 §6.1, RFC 8705 §3.1); others are ignored (§3.1).
CONFIRMATION_MEMBERS = ("jwk", "jwe", "jku", "kid", "jkt", "x5t#S256")


def check_confirmation_members(cnf: Any, documented: Sequence[str], *, where: str) -> None:
    """The ``cnf`` of a sender-constrained token uses exactly the documented confirmation members.

    RFC 7800 §3.1: "Members that are not understood must be ignored", so only the registered members
    are compared; a missing ``cnf`` is a finding here too (``confirmation.*`` judge its content).
    """
    present = sorted(m for m in CONFIRMATION_MEMBERS if isinstance(cnf, Mapping) and m in cnf)
    if present != sorted(documented):
        raise fail("CNF_MEMBERS_NOT_DOCUMENTED", f"the cnf of the {where} does not use the documented confirmation "
                   "members", "DOC-confirmation_members", expected=sorted(documented),
                   actual=present if isinstance(cnf, Mapping) else cnf)


def check_signed_request_inside_wins(params: Mapping[str, str], id_token: Mapping[str, Any] | None, *,
                                     inside: Mapping[str, str | None], outside: Mapping[str, str]) -> None:
    """Documented Require Signed Requests: a parameter inside and outside the request object takes the inside value.

    PingFederate: "If a client includes in an authorization request a request parameter other than
    client_id, as a parameter outside of the signed request object and a claim inside of the signed
    request object, PingFederate always uses the claim value found inside the signed request object to
    process the request further." ``params`` is the authorization response (empty: none came back),
    ``id_token`` the claims of the ID token the code gave (None: none); ``state`` is judged in the
    response, ``nonce`` in the ID token.
    """
    if not params.get("code"):
        raise fail("SIGNED_REQUEST_NOT_PROCESSED", "a signed request whose parameters differ outside the request "
                   "object did not give a code", "DOC-require_signed_requests",
                   expected="a code, the request object's values used", actual=params.get("error") or "no redirect")
    findings = Findings()
    for name, where, value in (("state", "authorization response", params.get("state")),
                               ("nonce", "ID token", None if id_token is None else id_token.get("nonce"))):
        if name == "nonce" and id_token is None:
            continue
        if value != inside.get(name):
            findings.add(Finding(code="OUTSIDE_PARAMETER_USED" if value == outside.get(name) else
                                 "INSIDE_PARAMETER_NOT_USED",
                                 message=f"the {where} carries a {name} other than the request object's",
                                 requirement="DOC-require_signed_requests", expected=inside.get(name), actual=value))
    findings.raise_if_any()


_EC_CURVE_FOR_ALG = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}


def check_signing_key_size(jwk: Mapping[str, Any], alg: str) -> int:
    """Documented key size of the access-token signing key: RSA at least 2,048 bits, EC the curve of the algorithm.

    PingFederate: "To use an RSA-based algorithm for JSON web signature (JWS), the key size of the
    signing certificate must be at least 2,048 bits. For an EC-based JWS algorithm, the key size
    depends on the chosen algorithm." (RFC 7518 §3.4: ES256 uses P-256, ES384 P-384, ES512 P-521.)
    Returns the key size in bits.
    """
    try:
        bits = jose.key_size_bits(jwk)
    except jose.JoseError as exc:
        raise fail("AT_SIGNING_KEY_UNUSABLE", f"the access token's signing key cannot be measured ({exc})",
                   "DOC-access_token.signing_key_size", expected=f"a key for {alg}", actual=exc.code) from exc
    kty = jwk.get("kty")
    if alg.startswith(("RS", "PS")) and (kty != "RSA" or bits < 2048):
        raise fail("AT_SIGNING_KEY_TOO_SMALL", "the access token's RSA signing key is smaller than 2,048 bits",
                   "DOC-access_token.signing_key_size", expected="an RSA key of at least 2048 bits",
                   actual=f"{kty} {bits} bits")
    curve = _EC_CURVE_FOR_ALG.get(alg)
    if curve is not None and (kty != "EC" or jwk.get("crv") != curve):
        raise fail("AT_SIGNING_KEY_WRONG_CURVE", f"the access token's {alg} signing key is not on {curve}",
                   "DOC-access_token.signing_key_size", expected=f"EC {curve}", actual=f"{kty} {jwk.get('crv')}")
    return bits


def scope_values(value: Any) -> list[str] | None:
    """The scope values of a ``scope`` member: a space-delimited string or a JSON array (None: neither)."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def check_scope_group_expansion(scope: Any, group: str, members: Sequence[str], *, expand: bool, where: str) -> None:
    """Documented "Expand Scope Groups": a granted scope group appears expanded (its scopes) or as the group.

    PingFederate: "Expand Scope Groups Determines whether to expand scope groups into their
    corresponding scopes in the access token contents and introspection response. This check box is
    not selected by default."
    """
    values = scope_values(scope)
    if values is None:
        raise fail("SCOPE_GROUP_SCOPE_UNREADABLE", f"the {where} has no readable scope",
                   "DOC-access_token.expand_scope_groups", expected="a scope string or array", actual=scope)
    if expand:
        ok = all(m in values for m in members) and group not in values
        expected = f"{' '.join(members)} (the group {group} expanded)"
    else:
        ok = group in values
        expected = f"the group scope {group} as granted"
    if not ok:
        raise fail("SCOPE_GROUP_NOT_AS_DOCUMENTED", f"the {where}'s scope does not show the scope group "
                   f"{'expanded' if expand else 'unexpanded'} as documented", "DOC-access_token.expand_scope_groups",
                   expected=expected, actual=values)
