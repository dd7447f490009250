"""RFC 7591 (OAuth 2.0 Dynamic Client Registration Protocol): the registration answer and its refusals.

Pure functions over what a registration exchange returned: the status, the media type and the
JSON object (``None`` when the body was not one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.results import Findings, Level, fail
from harness.specs._findings import finding

__all__ = [
    "SECRET_AUTH_METHODS",
    "RegistrationAnswer",
    "check_invalid_value_not_registered",
    "check_jwks_pair_not_registered",
    "check_registered",
    "check_registration_refused",
    "check_software_statement_returned",
    "replaced_members",
]

#: Token endpoint authentication methods that authenticate with a ``client_secret``.
SECRET_AUTH_METHODS = frozenset({"client_secret_basic", "client_secret_post", "client_secret_jwt"})


@dataclass(frozen=True)
class RegistrationAnswer:
    """What the registration endpoint answered: status, media type, JSON object body (or ``None``)."""

    status: int
    media_type: str | None
    body: Mapping[str, Any] | None
    excerpt: str = ""

    @property
    def error(self) -> str | None:
        """The ``error`` member of a JSON body, if any."""
        value = self.body.get("error") if self.body is not None else None
        return value if isinstance(value, str) else None

    def describe(self) -> str:
        """One line for findings: status, type, error."""
        error = f" error={self.error}" if self.error else ""
        kind = self.media_type or "no content type"
        return f"HTTP {self.status} {kind}{error}" + ("" if self.body is not None or not self.excerpt
                                                     else f" {self.excerpt[:80]!r}")


def _registered_auth_method(body: Mapping[str, Any]) -> str:
    value = body.get("token_endpoint_auth_method")
    return value if isinstance(value, str) else "client_secret_basic"  # RFC 7591 §2 default


def check_registered(answer: RegistrationAnswer, *, requested: Mapping[str, Any],
                     judge_status: bool = False) -> Mapping[str, Any]:
    """RFC 7591 §3.2 / §3.2.1: a valid registration answers 201 with the client information.

    §3.2: "The server responds with an HTTP 201 Created status code and a body of type
    "application/json" with content as described in Section 3.2.1." §3.2.1: "client_id
    REQUIRED", "client_secret_expires_at REQUIRED if "client_secret" is issued", and "the
    authorization server MUST return all registered metadata about this client, including any
    fields provisioned by the authorization server itself". A refused valid registration is a
    failed precondition (``PRECONDITION_REGISTRATION_REFUSED``); another 2xx with the client
    information is used (its status judged only with ``judge_status``, by one check, so the
    other checks still test what they are about). The server "MAY reject or
    replace any of the client's requested metadata values", so a changed value is no finding;
    ``redirect_uris`` of a client that registered them and got a client_id are registered, so
    they must be in the answer, and a client registered with a secret method needs its secret.
    Returns the body.
    """
    if not 200 <= answer.status < 300 or answer.body is None:
        raise fail("PRECONDITION_REGISTRATION_REFUSED", "a valid registration request did not get a success answer "
                   "with a JSON object", "RFC7591-3.2-201", expected="HTTP 201 application/json",
                   actual=answer.describe())
    body = answer.body
    findings = Findings()
    if judge_status and answer.status != 201:
        findings.add(finding("REG_NOT_201", "a successful registration is not answered 201 Created", "RFC7591-3.2-201",
                             expected=201, actual=answer.status))
    if answer.media_type != "application/json":
        findings.add(finding("REG_NOT_JSON", "the registration answer is not labelled application/json",
                             "RFC7591-3.2-201", expected="application/json", actual=answer.media_type))
    client_id = body.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        findings.add(finding("REG_NO_CLIENT_ID", "the registration answer has no client_id string",
                             "RFC7591-3.2.1-client_id", expected="client_id", actual=client_id))
    secret = body.get("client_secret")
    if isinstance(secret, str) and secret:
        expires = body.get("client_secret_expires_at")
        if isinstance(expires, bool) or not isinstance(expires, int) or expires < 0:
            findings.add(finding("REG_SECRET_EXPIRY_MISSING", "a client_secret was issued without a valid "
                                 "client_secret_expires_at", "RFC7591-3.2.1-client_secret_expires_at",
                                 expected="client_secret_expires_at: 0 or a time", actual=expires))
    elif _registered_auth_method(body) in SECRET_AUTH_METHODS:
        how = (f"the client was registered with {body['token_endpoint_auth_method']}"
               if "token_endpoint_auth_method" in body else
               "the answer names no token_endpoint_auth_method (RFC 7591 §2 default: client_secret_basic)")
        findings.add(finding("REG_SECRET_NOT_RETURNED", f"{how} but carries no client_secret",
                             "RFC7591-3.2.1", expected="client_secret", actual="absent"))
    if requested.get("redirect_uris") and not isinstance(body.get("redirect_uris"), list):
        findings.add(finding("REG_METADATA_NOT_RETURNED", "the registered redirect_uris are not in the "
                             "registration answer", "RFC7591-3.2.1", expected="redirect_uris",
                             actual=body.get("redirect_uris", "absent")))
    findings.raise_if_any()
    return body


def replaced_members(requested: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """Requested members the answer shows with another value (RFC 7591 §3.2.1: the server MAY replace them)."""
    return {name: body.get(name, "absent") for name, value in requested.items() if body.get(name) != value}


def check_registration_refused(answer: RegistrationAnswer, *, code: str, message: str, requirement: str,
                               errors: Sequence[str], error_requirement: str) -> None:
    """A registration that breaks ``requirement`` is refused, in the RFC 7591 §3.2.2 error form.

    A 2xx answer is the failure ``code`` (the invalid registration was accepted). A refusal
    should be "an HTTP 400 status code (unless otherwise specified) with content type
    "application/json"" and "error REQUIRED" (``RFC7591-3.2.2``); the error code should be one
    of ``errors`` (``error_requirement``, SHOULD: the OIDF modules warn on another code).
    """
    if 200 <= answer.status < 300:
        raise fail(code, message, requirement, expected="refused (HTTP 400)", actual=answer.describe())
    findings = Findings()
    if answer.status != 400 or answer.body is None or answer.error is None or answer.media_type != "application/json":
        findings.add(finding("REG_ERROR_FORMAT", "the refusal is not an HTTP 400 JSON object with an error "
                             "member", "RFC7591-3.2.2", expected="HTTP 400 application/json {error}",
                             actual=answer.describe()))
    elif answer.error not in errors:
        findings.add(finding("REG_ERROR_CODE", f"the refusal's error code is not {' or '.join(errors)}",
                             error_requirement, expected=" or ".join(errors), actual=answer.error,
                             level=Level.SHOULD))
    findings.raise_if_any()


def check_invalid_value_not_registered(answer: RegistrationAnswer, *, member: str, value: Any, code: str,
                                       message: str, requirement: str, errors: Sequence[str],
                                       error_requirement: str) -> str:
    """An invalid ``member`` value is refused or replaced, never registered as sent.

    RFC 7591 §2: "The authorization server MAY reject any requested client metadata values by
    replacing requested values with suitable defaults as described in Section 3.2.1 or by
    returning an error response as described in Section 3.2.2." So a 201 answer is accepted
    when it does not show ``value`` for ``member`` (replaced or dropped: §3.2.1 makes it return
    every registered value) — a 2xx that is no client information response (no JSON object,
    no ``client_id``) is no such replacement and fails; a refusal is judged as
    :func:`check_registration_refused`.
    Returns ``"refused"`` or ``"replaced"``.
    """
    if 200 <= answer.status < 300:
        if answer.body is None or not answer.body.get("client_id"):
            raise fail("REG_SUCCESS_UNUSABLE", f"the registration with an invalid {member} got a success answer that "
                       "is no JSON client information response", "RFC7591-3.2-201",
                       expected=f"refused, or 201 application/json with {member} replaced", actual=answer.describe())
        if answer.body.get(member) == value:
            raise fail(code, message, requirement, expected=f"refused, or {member} replaced",
                       actual=f"{answer.describe()} with {member}={value!r} registered")
        return "replaced"
    check_registration_refused(answer, code=code, message=message, requirement=requirement, errors=errors,
                               error_requirement=error_requirement)
    return "refused"


def check_jwks_pair_not_registered(answer: RegistrationAnswer) -> str:
    """A registration carrying both ``jwks`` and ``jwks_uri`` is refused, or answered with one of them only.

    RFC 7591 §2: "The "jwks_uri" and "jwks" parameters MUST NOT both be present in the same
    request or response." (OIDC Registration §2: "MUST NOT be used together".) A server may
    refuse the request (judged as :func:`check_registration_refused`, ``invalid_client_metadata``)
    or register one of the two (RFC 7591 §2, "MAY reject ... by replacing"); an answer that
    carries both breaks the rule itself. Returns ``"refused"`` or ``"replaced"``.
    """
    if 200 <= answer.status < 300:
        if answer.body is None or not answer.body.get("client_id"):
            raise fail("REG_SUCCESS_UNUSABLE", "the registration with both jwks and jwks_uri got a success answer that "
                       "is no JSON client information response", "RFC7591-3.2-201",
                       expected="refused, or one of jwks / jwks_uri registered", actual=answer.describe())
        if "jwks" in answer.body and "jwks_uri" in answer.body:
            raise fail("REG_JWKS_AND_JWKS_URI_ACCEPTED", "a registration with both jwks and jwks_uri was accepted and "
                       "the answer carries both", "RFC7591-2-jwks", expected="refused, or only one of them registered",
                       actual=f"{answer.describe()} with jwks and jwks_uri")
        return "replaced"
    check_registration_refused(answer, code="REG_JWKS_AND_JWKS_URI_ACCEPTED", message="unused",
                               requirement="OIDCR-2-jwks", errors=("invalid_client_metadata",),
                               error_requirement="RFC7591-3.2.2-invalid_client_metadata")
    return "refused"


def check_software_statement_returned(body: Mapping[str, Any], statement: str) -> None:
    """The software statement used in the registration comes back unmodified.

    RFC 7591 §3.2.1: "If a software statement was used as part of the registration, its value
    MUST be returned unmodified in the response along with other metadata using the
    "software_statement" member name."
    """
    returned = body.get("software_statement")
    if returned != statement:
        raise fail("REG_SOFTWARE_STATEMENT_NOT_RETURNED", "the software statement used in the registration is not "
                   "returned unmodified", "RFC7591-3.2.1-software_statement",
                   expected="software_statement as sent",
                   actual="absent" if returned is None else "a different value")
