"""The ``aud`` of the client assertions the flows send (RFC 7523 §3, OIDC Core §9, RFC 9126 §2, FAPI 2.0 SP).

Every flow that authenticates a ``private_key_jwt`` / ``client_secret_jwt`` client with the client's own,
valid credentials takes the assertion's ``aud`` from :func:`assertion_audience`, so a FAPI 2.0 client
presents the issuer everywhere (token, PAR, introspection, revocation, ...) and every other client
what works today. Checks that deliberately send another ``aud`` (the audience negatives) build their
assertions themselves; probes that must not mistake an audience for a missing method try every value
of :func:`assertion_audiences` in turn.
"""

from __future__ import annotations

from harness.profile import Client
from harness.target import Target

PAR_ENDPOINT = "pushed_authorization_request_endpoint"


def assertion_audience(target: Target, client: Client, endpoint_url: str, *, member: str | None = None) -> str:
    """The one ``aud`` a valid assertion of ``client`` sent to ``endpoint_url`` carries.

    * FAPI 2.0 clients (``fapi: 2.0-security`` / ``2.0-message-signing``): the issuer, at every endpoint.
      FAPI 2.0 SP Final §5.3.2.1: the AS "shall only accept its issuer identifier value (as defined in
      [RFC8414]) as a string in the aud claim received in client authentication assertions".
    * The PAR endpoint (``member`` = ``pushed_authorization_request_endpoint``): the issuer. RFC 9126 §2:
      "the issuer identifier URL of the authorization server according to [RFC8414] SHOULD be used as
      the value of the audience".
    * Any other endpoint: the URL of the endpoint called (for the token endpoint that is the token
      endpoint URL). RFC 7523 §3: the JWT "MUST contain an "aud" (audience) claim containing a value that
      identifies the authorization server as an intended audience. The token endpoint URL of the
      authorization server MAY be used as a value for an "aud" element"; OIDC Core §9: "The Audience
      SHOULD be the URL of the Authorization Server's Token Endpoint" — a section that defines the
      methods "used by Clients to authenticate to the Authorization Server when using the Token
      Endpoint". At the introspection, revocation, device authorization and CIBA endpoints no
      specification names the token endpoint, so the harness keeps the URL of the endpoint that receives
      the assertion: it identifies the authorization server as RFC 7523 §3 requires, it is the value
      CIBA §7.1 makes the OP accept at its endpoint ("The OP MUST accept its Issuer Identifier, Token
      Endpoint URL, or Backchannel Authentication Endpoint URL"), and it is what every bundled and
      interop target accepts today. A server that insists on another string is found by the metadata
      probes (:func:`assertion_audiences`), which try the endpoint, the token endpoint and the issuer.
    """
    issuer = target.profile.issuer
    if client.is_fapi2 or member == PAR_ENDPOINT:
        return issuer
    return endpoint_url


def assertion_audiences(target: Target, client: Client, endpoint_url: str) -> list[str]:
    """The ``aud`` values a client assertion sent to ``endpoint_url`` may legitimately have to carry, in order.

    RFC 7523 §3: "The JWT MUST contain an "aud" (audience) claim containing a value that identifies the
    authorization server as an intended audience. The token endpoint URL of the authorization server MAY
    be used as a value for an "aud" element"; "the precise strings to be used as the audience for a given
    authorization server must be configured out of band" (§5). So a server may require the endpoint
    called, its token endpoint or its issuer identifier: an assertion refused for one of them shows
    nothing about the authentication method. FAPI 2.0 SP §5.3.2.1: the AS "shall only accept its issuer
    identifier value" — a FAPI client sends the issuer only. The first value is always
    :func:`assertion_audience`'s.
    """
    first = assertion_audience(target, client, endpoint_url)
    if client.is_fapi2:
        return [first]
    ordered = [first, endpoint_url, target.token_endpoint_for(client), target.profile.issuer]
    return list(dict.fromkeys(ordered))
