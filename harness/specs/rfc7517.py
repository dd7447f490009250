"""RFC 7517 (JSON Web Key): the JWK Set a server publishes at its ``jwks_uri``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from harness import jose
from harness.results import Findings, Level, fail
from harness.specs._findings import finding
from harness.specs._http import Body, parse_json

__all__ = ["PRIVATE_MEMBERS", "check_jwks_document", "check_jwks_response", "published_keys"]

#: Members that carry private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4;
#: RFC 8037 §2).
PRIVATE_MEMBERS: dict[str, tuple[str, ...]] = {
    "RSA": ("d", "p", "q", "dp", "dq", "qi", "oth"),
    "EC": ("d",),
    "OKP": ("d",),
    "oct": ("k",),
}
_ENC_ALGS = ("RSA1_5", "RSA-OAEP", "ECDH-ES", "A128KW", "A192KW", "A256KW", "dir")


def check_jwks_document(jwks: Any, *, use_requirement: str = "RFC8414-2-jwks_uri") -> None:
    """RFC 7517 §5 / §4.5 / §9.2: a published JWK Set is well formed and public.

    §5: "The JSON object MUST have a "keys" member, with its value being an array of JWKs."
    §4.1: "The "kty" (key type) parameter … MUST be present in a JWK." §4.5: "When "kid"
    values are used within a JWK Set, different keys within the JWK Set SHOULD use distinct
    "kid" values." (keys of different ``kty`` may share one). §9.2: "Private and symmetric
    decryption keys must be protected from disclosure to unintended parties" — a published
    set with private members (``d``, ``p``, ``q``, ``dp``, ``dq``, ``qi``, ``k``) discloses
    them, so this is a failure although the sentence's "must" is lower case. RFC 8414 §2 /
    OIDC Discovery §3 (``use_requirement``): "When both signing and encryption keys are
    made available, a "use" (public key use) parameter value is REQUIRED for all keys in
    the referenced JWK Set". OIDC Core §10.1: "If there are multiple keys in the referenced
    JWK Set document, a kid value MUST be provided in the JOSE Header" — keys without
    ``kid`` in a multi-key set make that impossible (warning).
    """
    _check_shape(jwks)
    keys = jwks["keys"]
    findings = Findings()
    members = [k for k in keys if isinstance(k, Mapping)]
    if len(members) != len(keys):
        findings.add(finding("JWK_NOT_OBJECT", "a member of keys is not a JSON object",
                             "RFC7517-5", "JSON object", [k for k in keys if k not in members]))
    if not keys:
        findings.add(finding("JWKS_EMPTY", "the JWK Set has no keys", use_requirement,
                             "at least one signing key", [], Level.SHOULD))
    for index, member in enumerate(members):
        _check_member(index, member, findings)
    _check_kids(members, findings)
    _check_use(members, use_requirement, findings)
    findings.raise_if_any()


def _check_shape(jwks: Any) -> None:
    """§5: a JSON object whose ``keys`` member is an array (the target's fault otherwise)."""
    if not isinstance(jwks, Mapping):
        raise fail("JWKS_NOT_OBJECT", "the JWK Set is not a JSON object", "RFC7517-5",
                   expected="JSON object", actual=type(jwks).__name__)
    if "keys" not in jwks:
        raise fail("JWKS_KEYS_MISSING", "the JWK Set has no keys member", "RFC7517-5",
                   expected="keys: [...]", actual=sorted(jwks))
    if not isinstance(jwks["keys"], list):
        raise fail("JWKS_KEYS_NOT_ARRAY", "the keys member of the JWK Set is not an array", "RFC7517-5",
                   expected="keys: [...]", actual=type(jwks["keys"]).__name__)


def check_jwks_response(status: int, body: Body, *, requirement: str = "OIDCD-3-jwks_uri") -> dict[str, Any]:
    """The answer of ``jwks_uri``: HTTP 200 with a JSON JWK Set; return the document.

    OIDC Discovery §3 / RFC 8414 §2 (``requirement``), ``jwks_uri``: "URL of the OP's JWK
    Set [JWK] document" — the URL must serve that document; RFC 7517 §5: "The JSON object
    MUST have a "keys" member, with its value being an array of JWKs." A wrong status or a
    body that is no JWK Set is the target's fault, reported as a finding (never *broken*).
    """
    if status != 200:
        raise fail("JWKS_STATUS", "jwks_uri did not answer with the JWK Set document", requirement,
                   expected=200, actual=status)
    data, problem = parse_json(body)
    if problem is not None:
        raise fail("JWKS_NOT_JSON", "jwks_uri did not serve JSON", "RFC7517-5", expected="JSON JWK Set",
                   actual=problem)
    _check_shape(data)
    return dict(data)


def published_keys(status: int, body: Body, *, requirement: str = "OIDCD-3-jwks_uri") -> jose.JWKS:
    """The issuer's keys from a ``jwks_uri`` answer, for checks that verify signatures with them.

    A document that is no JWK Set (not JSON, no ``keys`` array) fails the check with the
    rule it breaks (:func:`check_jwks_response`) instead of ending it as a harness error.
    """
    return jose.parse_jwks(check_jwks_response(status, body, requirement=requirement))


def _check_member(index: int, member: Mapping[str, Any], findings: Findings) -> None:
    kty = member.get("kty")
    label = member.get("kid", f"keys[{index}]")
    if not isinstance(kty, str):
        findings.add(finding("JWK_KTY_MISSING", f"key {label} has no kty", "RFC7517-4.1",
                             "string", kty))
        return
    leaked = [m for m in PRIVATE_MEMBERS.get(kty, ()) if m in member]
    if leaked:
        findings.add(finding("JWKS_PRIVATE_KEY_MATERIAL", f"key {label} publishes private or "
                             "symmetric key material", "RFC7517-7", "public members only",
                             leaked))


def _check_kids(members: list[Mapping[str, Any]], findings: Findings) -> None:
    pairs = Counter((m.get("kid"), m.get("kty")) for m in members if isinstance(m.get("kid"), str))
    duplicated = sorted({str(kid) for (kid, _kty), n in pairs.items() if n > 1})
    if duplicated:
        findings.add(finding("JWKS_DUPLICATE_KID", "several keys of one type share a kid",
                             "RFC7517-4.5", "distinct kid values", duplicated, Level.SHOULD))
    if len(members) > 1:
        missing = [i for i, m in enumerate(members) if not isinstance(m.get("kid"), str)]
        if missing:
            findings.add(finding("JWKS_KID_MISSING", "a multi-key set has keys without kid, "
                                 "so a JOSE header cannot designate them", "OIDCC-10.1-kid",
                                 "kid on every key", [f"keys[{i}]" for i in missing],
                                 Level.SHOULD))


def _is_encryption_key(member: Mapping[str, Any]) -> bool:
    if member.get("use") == "enc":
        return True
    ops = member.get("key_ops")
    if isinstance(ops, list) and {"encrypt", "wrapKey", "deriveKey"} & set(ops):
        return True
    alg = member.get("alg")
    return isinstance(alg, str) and alg.startswith(_ENC_ALGS)


def _check_use(members: list[Mapping[str, Any]], requirement: str, findings: Findings) -> None:
    encryption = [m for m in members if _is_encryption_key(m)]
    if not encryption or len(encryption) == len(members):
        return
    missing = [str(m.get("kid", f"keys[{i}]")) for i, m in enumerate(members) if "use" not in m]
    if missing:
        findings.add(finding("JWKS_USE_MISSING", "signing and encryption keys are published "
                             "together but some keys lack use", requirement, "use on every key",
                             missing))
