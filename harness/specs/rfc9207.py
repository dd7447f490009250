"""RFC 9207 (Authorization Server Issuer Identification): the ``iss`` response parameter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from harness.results import Findings, Level, fail
from harness.specs._findings import finding

__all__ = ["check_iss_parameter", "check_iss_support_advertised"]


def check_iss_parameter(params: Mapping[str, str], issuer: str, advertised: bool, *,
                        metadata_published: bool = True, documented: bool | None = None) -> None:
    """RFC 9207 §2 / §2.3: ``iss`` in authorization responses, including error responses.

    §2: "In authorization responses to the client, including error responses, an
    authorization server supporting this specification MUST indicate its identity by
    including the iss parameter in the response." and "Its value MUST be a URL that uses
    the "https" scheme without any query or fragment components." §2.3: "The issuer
    identifier included in the server's metadata value issuer MUST be identical to the iss
    parameter's value." and "The server MUST indicate its support for the iss parameter by
    setting the metadata parameter authorization_response_iss_parameter_supported … to
    true." ``params`` are the decoded response parameters; ``advertised`` is the metadata
    flag; ``metadata_published`` is false for servers without RFC 8414 metadata.

    ``documented`` is ``documented.authorization_response_iss``: true makes a missing ``iss`` a
    DOC failure also where the metadata does not advertise it (a documented value only adds
    findings; the RFC ones stay). False documents its absence: an ``iss`` sent anyway is what
    RFC 9207 asks of a supporting server, so it is no RFC finding, only a DOC finding at SHOULD
    level (a *warning*: the deployment or its statement is not as documented, but nothing is
    weaker for it).
    """
    iss = params.get("iss")
    findings = Findings()
    if iss is None:
        if advertised:
            findings.add(finding("ISS_MISSING", "the server advertises the iss parameter but this response has none",
                                 "RFC9207-2", issuer, None))
        if documented:
            findings.add(finding("DOC_ISS_MISSING", "the iss parameter is documented to be included in authorization "
                                 "responses but this response has none", "DOC-authorization_response_iss", issuer,
                                 None))
        findings.raise_if_any()
        return
    if documented is False:
        findings.add(finding("DOC_ISS_PRESENT", "the iss parameter is documented to be left out of authorization "
                             "responses but this response carries it (allowed by RFC 9207: the deployment or the "
                             "statement differs from the documentation)", "DOC-authorization_response_iss", None, iss,
                             level=Level.SHOULD))
    if iss != issuer:
        findings.add(finding("ISS_MISMATCH", "iss is not identical to the issuer identifier",
                             "RFC9207-2.3-identical", issuer, iss))
    parts = urlsplit(iss)
    if parts.scheme != "https" or parts.query or parts.fragment or "#" in iss:
        findings.add(finding("ISS_SYNTAX", "iss must be an https URL without query or fragment",
                             "RFC9207-2-syntax", "https URL", iss))
    if metadata_published and not advertised:
        findings.add(finding("ISS_NOT_ADVERTISED", "iss is sent but "
                             "authorization_response_iss_parameter_supported is not true",
                             "RFC9207-2.3", True, advertised))
    findings.raise_if_any()


def check_iss_support_advertised(metadata: Mapping[str, Any], iss_observed: bool) -> None:
    """RFC 9207 §2.3 / §3: the metadata flag agrees with what the responses carry.

    §3: "authorization_response_iss_parameter_supported: Boolean parameter indicating
    whether the authorization server provides the iss parameter in the authorization
    response as defined in Section 2. If omitted, the default value is false." §2.3: "The
    server MUST indicate its support for the iss parameter by setting the metadata
    parameter authorization_response_iss_parameter_supported … to true."
    """
    advertised = metadata.get("authorization_response_iss_parameter_supported") is True
    if iss_observed and not advertised:
        raise fail("ISS_NOT_ADVERTISED", "responses carry iss but the metadata does not say so",
                   "RFC9207-2.3", expected=True,
                   actual=metadata.get("authorization_response_iss_parameter_supported"))
    if advertised and not iss_observed:
        raise fail("ISS_MISSING", "the metadata advertises iss but responses lack it",
                   "RFC9207-2", expected="iss in every authorization response", actual=None)
