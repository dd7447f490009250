"""JOSE for the harness: decode, verify, decrypt, fingerprint and build JWTs.

Thin wrappers over joserfc that

* make every algorithm decision explicit: callers pass an allow-list, and ``none`` is
  accepted only when the list names it (joserfc's default registry silently refuses PS*,
  EdDSA, RSA-OAEP-256 …; here whatever is listed works);
* tolerate what servers legitimately put in JOSE headers (unknown members, ``iss``/``aud``
  copied into a JWE header, long ``x5c`` chains);
* classify failures into a few :class:`JoseError` subclasses whose ``code`` is stable, so a
  check can turn "unknown kid", "alg not allowed" and "bad signature" into distinct findings;
* build tokens for negative tests: builders accept ``header_overrides``/``claim_overrides``
  (use :data:`REMOVE` to drop a member) and :func:`sign_jws` signs whatever header it is
  given, so a test can send a lying ``alg``, a private ``jwk`` or a wrong ``typ``.

The package has one module per job, and every name below is importable from
``harness.jose`` itself:

* :mod:`~harness.jose.errors` – the :class:`JoseError` family;
* :mod:`~harness.jose.encoding` – base64url;
* :mod:`~harness.jose.overrides` – :data:`REMOVE` for negative-test header/claim edits;
* :mod:`~harness.jose.decoding` – taking compact serializations apart (nothing verified);
* :mod:`~harness.jose.fingerprints` – thumbprints, ``x5t#S256``, half hashes;
* :mod:`~harness.jose.keys` – JWK Sets, key selection, generation, loading, default ``alg``;
* :mod:`~harness.jose.verification` – JWS verification against an allow-list;
* :mod:`~harness.jose.encryption` – JWE and nested JWTs;
* :mod:`~harness.jose.building` – signing and token builders.

Nothing here does I/O except :func:`load_private_jwks`.
"""

from __future__ import annotations

from joserfc.jwk import Key

from harness.jose.building import (
    build_client_assertion,
    build_client_secret_jwt,
    build_dpop_proof,
    build_request_object,
    normalize_htu,
    sign_jws,
    sign_unsecured,
)
from harness.jose.decoding import (
    DecodedJWT,
    decode_jose_header,
    decode_unverified,
    is_jwe,
)
from harness.jose.encoding import (
    b64url,
    b64url_decode,
)
from harness.jose.encryption import (
    NestedJWT,
    decrypt_jwe,
    encrypt_jwe,
    unwrap_nested,
)
from harness.jose.errors import (
    AlgNotAllowed,
    AmbiguousKey,
    BadSignature,
    DecryptionFailed,
    InvalidHeader,
    JoseError,
    KeyMismatch,
    MalformedToken,
    NoSuitableKey,
    UnknownKid,
)
from harness.jose.fingerprints import (
    half_hash,
    thumbprint,
    thumbprint_uri,
    x5t_s256,
)
from harness.jose.keys import (
    JWKS,
    SkippedKey,
    default_alg_for_key,
    generate_key,
    import_jwk,
    key_size_bits,
    load_private_jwks,
    parse_jwks,
    public_jwk,
    select_key,
)
from harness.jose.overrides import (
    REMOVE,
)
from harness.jose.verification import (
    HS_ALGS,
    secret_key,
    verify_hs,
    verify_jws,
)

__all__ = [
    "HS_ALGS",
    "REMOVE",
    "AlgNotAllowed",
    "AmbiguousKey",
    "BadSignature",
    "DecodedJWT",
    "DecryptionFailed",
    "InvalidHeader",
    "JWKS",
    "Key",
    "JoseError",
    "KeyMismatch",
    "MalformedToken",
    "NestedJWT",
    "NoSuitableKey",
    "SkippedKey",
    "UnknownKid",
    "b64url",
    "b64url_decode",
    "build_client_assertion",
    "build_client_secret_jwt",
    "build_dpop_proof",
    "build_request_object",
    "decode_jose_header",
    "decode_unverified",
    "decrypt_jwe",
    "default_alg_for_key",
    "encrypt_jwe",
    "generate_key",
    "half_hash",
    "import_jwk",
    "is_jwe",
    "key_size_bits",
    "load_private_jwks",
    "normalize_htu",
    "parse_jwks",
    "public_jwk",
    "secret_key",
    "select_key",
    "sign_jws",
    "sign_unsecured",
    "thumbprint",
    "thumbprint_uri",
    "unwrap_nested",
    "verify_hs",
    "verify_jws",
    "x5t_s256",
]
