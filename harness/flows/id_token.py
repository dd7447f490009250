"""The ID Token of a token response, validated as its client must (OIDC Core §3.1.3.7).

Used where a suite judges a token response whose ID Token is checked by the same rules
whatever the grant (the device grant's and CIBA's approved polls): the target's JWK Set is
fetched (recorded as an exchange), :func:`harness.specs.oidc_core.validate_id_token` judges
the token, the decoded token goes into the evidence and every finding joins the check's.
"""

from __future__ import annotations

import time

from harness import evidence, jose
from harness.http import json_object
from harness.profile import Client
from harness.results import Findings
from harness.specs import oidc_core
from harness.target import Target


def check_issued_id_token(target: Target, client: Client, body: object, findings: Findings, *,
                          client_secret: str | None = None) -> None:
    """Validate the ``id_token`` of token response ``body`` issued to ``client``, if it carries one.

    Allowed algorithms: those in ``id_token_signing_alg_values_supported`` but ``none`` (RS256
    when none is advertised); keys: the target's ``jwks_uri``, and ``client_secret`` for an
    HS* signature (None: the harness offers no secret); expected: the client's documented
    ``id_token_signing_alg``. Findings go into ``findings``.
    """
    id_token = body.get("id_token") if isinstance(body, dict) else None
    if not isinstance(id_token, str):
        return
    keys = jose.parse_jwks(json_object(target.http.get(target.endpoint("jwks_uri"), label="jwks"), "JWK Set"))
    expect = oidc_core.IdTokenExpectations(
        issuer=str(target.metadata.get("issuer")), client_id=client.id, keys=keys,
        allowed_algs=tuple(a for a in target.metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
                           if a != "none"),
        expected_alg=client.documented.id_token_signing_alg, client_secret=client_secret)
    decoded, token_findings = oidc_core.validate_id_token(id_token, expect, now=time.time())
    if decoded is not None:
        evidence.record_token(f"id_token ({client.id})", decoded.header, decoded.claims)
    for item in token_findings.items:
        findings.add(item)
