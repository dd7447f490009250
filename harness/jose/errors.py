"""Errors of the JOSE layer: each :class:`JoseError` subclass has a stable ``code``.

A check turns them into distinct findings ("unknown kid", "alg not allowed", "bad signature").
"""

from __future__ import annotations


class JoseError(Exception):
    """A token or key could not be processed; ``code`` says why (stable identifier)."""

    code: str = "jose_error"


class MalformedToken(JoseError):
    """Not a JWS/JWE compact serialization, or its parts do not decode."""

    code = "malformed"


class InvalidHeader(JoseError):
    """The JOSE header is unusable (bad ``crit``, wrongly typed registered member…)."""

    code = "invalid_header"


class AlgNotAllowed(JoseError):
    """The ``alg`` (or ``enc``) is not on the caller's allow-list."""

    code = "alg_not_allowed"


class UnknownKid(JoseError):
    """The header names a ``kid`` that no key in the set has."""

    code = "unknown_kid"


class AmbiguousKey(JoseError):
    """Several keys fit and the header does not say which one (no or duplicated ``kid``)."""

    code = "ambiguous_key"


class NoSuitableKey(JoseError):
    """No key in the set can be used with this algorithm (type, curve, ``use``, ``alg``)."""

    code = "no_suitable_key"


class KeyMismatch(JoseError):
    """The selected key cannot be used with the token's algorithm."""

    code = "key_mismatch"


class BadSignature(JoseError):
    """The signature does not verify with the selected key."""

    code = "bad_signature"


class DecryptionFailed(JoseError):
    """The JWE could not be decrypted with the given keys."""

    code = "decryption_failed"
