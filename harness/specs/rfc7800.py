"""RFC 7800 (proof-of-possession key semantics for JWTs): the ``cnf`` claim.

:func:`check_cnf` validates one ``cnf`` value — from a JWT access token, an ID token or an
introspection response — for shape (each confirmation method's syntax, RFC 7800 §3) and
for binding to the key the harness actually used (:class:`BoundKey`): ``jwk``, ``jkt``
(RFC 9449 §6.1), ``x5t#S256`` (RFC 8705 §3.1), ``jwe``, ``jku`` and ``kid``. What the harness
cannot verify (a ``jwe`` without the recipient's key, a ``jku`` it may not fetch) is
returned as a note, never a finding.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from harness import jose
from harness.results import Findings, Level, fail
from harness.specs._findings import finding
from harness.specs._http import is_https_url, loads_strict
from harness.specs.rfc8705 import check_x5t_s256_syntax
from harness.specs.rfc9449 import check_jkt_syntax

__all__ = [
    "KEY_METHODS",
    "PRIVATE_JWK_MEMBERS",
    "BoundKey",
    "check_cnf",
    "check_cnf_binding",
    "check_cnf_present",
    "check_cnf_shape",
    "find_cnf",
]

#: RFC 7800 §3.1: "at most one of the jwk, jwe, and jku (JWK Set URL) confirmation values
#: defined below may be present".
KEY_METHODS: tuple[str, ...] = ("jwk", "jwe", "jku")
#: JWK members that carry private or secret key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037).
PRIVATE_JWK_MEMBERS: frozenset[str] = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


@dataclass(frozen=True)
class BoundKey:
    """What the harness knows about the key a token should be bound to.

    ``jwk``: the public JWK the client proved possession of (a DPoP proof key);
    ``certificate_thumbprint``/``certificate_jwk``: the client certificate's ``x5t#S256`` and
    public key (mTLS); ``decryption_keys``: the recipient's private keys, to open a
    ``cnf.jwe``; ``jku_document``: the JWK Set at ``cnf.jku`` when the harness was allowed to
    fetch it.
    """

    jwk: Mapping[str, Any] | None = None
    certificate_thumbprint: str | None = None
    certificate_jwk: Mapping[str, Any] | None = None
    decryption_keys: jose.JWKS | None = None
    jku_document: Mapping[str, Any] | None = None

    def thumbprints(self) -> set[str]:
        """RFC 7638 thumbprints of every public key the token may be bound to."""
        out: set[str] = set()
        for member in (self.jwk, self.certificate_jwk):
            if member is not None:
                try:
                    out.add(jose.thumbprint(member))
                except jose.JoseError:
                    continue
        return out


def check_cnf_present(found_in: Collection[str], where: str, *, requirement: str, level: Level = Level.MUST) -> None:
    """The ``cnf`` of a sender-constrained token is where the binding's rule puts it.

    RFC 9449 §6: "Resource servers MUST be able to reliably identify whether an access token is
    DPoP-bound and ascertain sufficient information to verify the binding"; §6.1 (JWT access
    tokens: "the public key information is represented using the jkt confirmation method
    member") and §6.2 (introspection: "conveyed using the same cnf content with jkt member
    structure ... as a top-level member of the introspection response JSON"). RFC 8705 §3.1 (JWT:
    "SHOULD be represented using the x5t#S256 confirmation method member") and §3.2
    (introspection). ``found_in`` names the places a ``cnf`` was found; ``where`` is the one the
    rule (``requirement``, at ``level``) names.
    """
    if where not in found_in:
        raise fail("CNF_MISSING", f"the {where} of a sender-constrained token carries no cnf", requirement,
                   expected="cnf naming the key used", actual=sorted(found_in) or None, level=level)


def find_cnf(claims: Mapping[str, Any]) -> Any:
    """The ``cnf`` member of a claims set or introspection response (``None`` when absent)."""
    return claims.get("cnf")


def check_cnf_shape(cnf: Any) -> list[str]:
    """RFC 7800 §3: the ``cnf`` claim and each confirmation method it carries are well formed.

    §3.1: "The cnf claim value MUST represent only a single proof-of-possession key; thus,
    at most one of the jwk, jwe, and jku (JWK Set URL) confirmation values defined below may
    be present." and "all confirmation members not understood by implementations MUST be
    ignored". §3.2: "the jwk member is a JSON Web Key [JWK] representing the corresponding
    asymmetric public key". §3.3: "the jwe member is an encrypted JSON Web Key (JWK) [JWK]
    encrypted to a key known to the recipient using the JWE Compact Serialization". §3.4:
    "a cnf claim in the JWT whose value is a JSON object containing a kid member identifying
    the key". §3.5: "Its value is a URI [RFC3986] that refers to a resource for a set of
    JSON-encoded public keys represented as a JWK Set" and "The protocol used to acquire
    the resource MUST provide integrity protection; an HTTP GET request to retrieve the JWK
    Set MUST use TLS". ``jkt`` (RFC 9449 §6.1) and ``x5t#S256`` (RFC 8705 §3.1) are checked
    by their own rules. Returns notes about members ignored as not understood.
    """
    findings = Findings()
    notes: list[str] = []
    if not isinstance(cnf, Mapping):
        findings.add(finding("CNF_NOT_OBJECT", "cnf is not a JSON object", "RFC7800-3", "object", cnf))
        findings.raise_if_any()
        return notes
    if not cnf:
        findings.add(finding("CNF_EMPTY", "cnf has no confirmation member", "RFC7800-3",
                             "a confirmation method", {}, Level.SHOULD))
    present = [m for m in KEY_METHODS if m in cnf]
    if len(present) > 1:
        findings.add(finding("CNF_MULTIPLE_KEYS", f"cnf carries {' and '.join(present)}: more than one "
                             "proof-of-possession key", "RFC7800-3.1", "at most one of jwk, jwe, jku", present))
    if "jwk" in cnf:
        _check_jwk_shape(cnf["jwk"], findings)
    if "jwe" in cnf and not (isinstance(cnf["jwe"], str) and jose.is_jwe(cnf["jwe"])):
        findings.add(finding("CNF_JWE_SYNTAX", "cnf.jwe is not a JWE Compact Serialization",
                             "RFC7800-3.3", "five base64url parts", cnf["jwe"]))
    if "jku" in cnf and not is_https_url(cnf["jku"]):
        findings.add(finding("CNF_JKU_NOT_HTTPS", "cnf.jku is not an https URL", "RFC7800-3.5-tls",
                             "https URL", cnf["jku"]))
    if "kid" in cnf and (not isinstance(cnf["kid"], str) or not cnf["kid"]):
        findings.add(finding("CNF_KID_SYNTAX", "cnf.kid is not a non-empty string", "RFC7800-3.4",
                             "string", cnf["kid"]))
    if "jkt" in cnf:
        findings.check(check_jkt_syntax, cnf["jkt"])
    if "x5t#S256" in cnf:
        findings.check(check_x5t_s256_syntax, cnf["x5t#S256"])
    known = {*KEY_METHODS, "kid", "jkt", "x5t#S256"}
    ignored = sorted(str(m) for m in cnf if m not in known)
    if ignored:
        notes.append(f"cnf members not understood and ignored (RFC 7800 §3.1): {ignored}")
    findings.raise_if_any()
    return notes


def _check_jwk_shape(member: Any, findings: Findings) -> None:
    if not isinstance(member, Mapping):
        findings.add(finding("CNF_JWK_INVALID", "cnf.jwk is not a JSON object", "RFC7800-3.2-members", "JWK", member))
        return
    leaked = sorted(PRIVATE_JWK_MEMBERS & set(member))
    if member.get("kty") == "oct":
        findings.add(finding("CNF_JWK_SYMMETRIC", "cnf.jwk is a symmetric key in the clear (RFC 7800 §3.3 "
                             "puts symmetric keys in an encrypted jwe)", "RFC7800-3.2-symmetric",
                             "asymmetric public key", "kty oct"))
    elif leaked:
        findings.add(finding("CNF_JWK_PRIVATE", "cnf.jwk contains private key members", "RFC7800-3.2",
                             "public members only", leaked))
    try:
        jose.import_jwk(member)
    except jose.JoseError as exc:
        findings.add(finding("CNF_JWK_INVALID", f"cnf.jwk is not a usable JWK: {exc}", "RFC7800-3.2-members",
                             "JWK", sorted(member)))


def check_cnf_binding(cnf: Mapping[str, Any], bound: BoundKey) -> list[str]:
    """RFC 7800 §3 (with RFC 9449 §6.1 and RFC 8705 §3): the confirmation names the key used.

    RFC 7800 §3: the issuer "declares that the presenter possesses a particular key and
    that the recipient can cryptographically confirm proof of possession of the key by the
    presenter"; a ``cnf`` naming another key breaks that declaration. RFC 9449 §6.1: "the
    JWK SHA-256 Thumbprint ... of the DPoP public key ... to which the access token is
    bound". RFC 8705 §3: "MUST verify that the certificate matches the certificate
    associated with the access token". Returns notes for members the harness could not
    verify (no recipient key for ``jwe``, ``jku`` not fetched).
    """
    findings = Findings()
    notes: list[str] = []
    thumbprints = bound.thumbprints()
    if "jkt" in cnf and bound.jwk is not None and cnf["jkt"] not in thumbprints:
        findings.add(finding("CNF_JKT_MISMATCH", "cnf.jkt is not the thumbprint of the key used",
                             "RFC9449-6.1", sorted(thumbprints), cnf["jkt"]))
    if "x5t#S256" in cnf and bound.certificate_thumbprint is not None \
            and cnf["x5t#S256"] != bound.certificate_thumbprint:
        findings.add(finding("CNF_X5T_MISMATCH", "cnf x5t#S256 is not the thumbprint of the client "
                             "certificate used", "RFC8705-3", bound.certificate_thumbprint, cnf["x5t#S256"]))
    if isinstance(cnf.get("jwk"), Mapping) and thumbprints:
        try:
            actual = jose.thumbprint(cnf["jwk"])
        except jose.JoseError:
            actual = None  # reported by the shape check
        if actual is not None and actual not in thumbprints:
            findings.add(finding("CNF_JWK_MISMATCH", "cnf.jwk is not the key the client proved possession "
                                 "of", "RFC7800-3.2", sorted(thumbprints), actual))
    if isinstance(cnf.get("jwe"), str):
        notes.extend(_check_jwe_binding(cnf["jwe"], bound, findings))
    if "jku" in cnf:
        notes.extend(_check_jku_binding(cnf, bound, thumbprints, findings))
    elif isinstance(cnf.get("kid"), str):
        kids = {str(m.get("kid")) for m in (bound.jwk, bound.certificate_jwk) if m and m.get("kid")}
        if kids and cnf["kid"] not in kids:
            findings.add(finding("CNF_KID_MISMATCH", "cnf.kid does not identify the key used", "RFC7800-3.4",
                                 sorted(kids), cnf["kid"]))
        elif not kids:
            notes.append("cnf.kid names a key the harness cannot resolve (no kid on the key used)")
    findings.raise_if_any()
    return notes


def _check_jwe_binding(token: str, bound: BoundKey, findings: Findings) -> list[str]:
    if bound.decryption_keys is None or not len(bound.decryption_keys):
        return ["cnf.jwe not verified: the profile gives no key of the intended recipient"]
    try:
        header = jose.decode_jose_header(token)
        allowed = [str(header.get(m)) for m in ("alg", "enc") if isinstance(header.get(m), str)]
        _header, plaintext = jose.decrypt_jwe(token, bound.decryption_keys, allowed)
    except jose.JoseError as exc:
        findings.add(finding("CNF_JWE_UNDECRYPTABLE", f"cnf.jwe cannot be decrypted by the intended "
                             f"recipient: {exc}", "RFC7800-3.3", "decryptable JWE", exc.code))
        return []
    try:
        key = loads_strict(plaintext)
    except ValueError:  # JSONRejected, and UnicodeDecodeError (a ValueError)
        key = None
    if not isinstance(key, Mapping) or "kty" not in key:
        findings.add(finding("CNF_JWE_NOT_JWK", "the decrypted cnf.jwe is not a JWK", "RFC7800-3.3",
                             "JWK", type(key).__name__))
    return []


def _check_jku_binding(cnf: Mapping[str, Any], bound: BoundKey, thumbprints: set[str],
                       findings: Findings) -> list[str]:
    document = bound.jku_document
    if document is None:
        return ["cnf.jku not fetched: the profile does not allow fetching key-set URLs from tokens"]
    try:
        keyset = jose.parse_jwks(document)
    except jose.JoseError as exc:
        findings.add(finding("CNF_JKU_NOT_JWKS", f"cnf.jku does not serve a JWK Set: {exc}", "RFC7800-3.5",
                             "JWK Set", None))
        return []
    kid = cnf.get("kid")
    if len(keyset.members) > 1 and not isinstance(kid, str):
        findings.add(finding("CNF_JKU_KID_MISSING", "the JWK Set at cnf.jku has several keys but cnf has no "
                             "kid", "RFC7800-3.5-kid", "kid", None))
        return []
    members = [m for m in keyset.members if not isinstance(kid, str) or m.get("kid") == kid]
    if not members:
        findings.add(finding("CNF_JKU_KEY_MISSING", "the JWK Set at cnf.jku has no key with cnf.kid",
                             "RFC7800-3.5-kid", kid, keyset.kids()))
        return []
    if thumbprints and not any(jose.thumbprint(m) in thumbprints for m in members):
        findings.add(finding("CNF_JKU_KEY_MISMATCH", "the key referenced by cnf.jku is not the key used",
                             "RFC7800-3.5", sorted(thumbprints), [jose.thumbprint(m) for m in members]))
    return []


def check_cnf(cnf: Any, bound: BoundKey) -> list[str]:
    """Shape and binding of one ``cnf`` value; every finding of both is reported together."""
    findings = Findings()
    notes = findings.check(check_cnf_shape, cnf) or []
    if isinstance(cnf, Mapping):
        notes += findings.check(check_cnf_binding, cnf, bound) or []
    findings.raise_if_any()
    return list(notes)
