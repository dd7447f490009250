"""How joserfc is used: its warnings silenced and size limits widened for what servers send."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from joserfc import jwe, jws
from joserfc.errors import SecurityWarning


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence joserfc's SecurityWarnings: judging keys is the checks' job, not the library's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        yield


class _LenientJWSRegistry(jws.JWSRegistry):
    """Allow-list registry that accepts large headers (x5c chains) and big payloads."""

    max_header_length = 64 * 1024
    max_payload_length = 1024 * 1024
    max_signature_length = 4096


class _LenientJWERegistry(jwe.JWERegistry):
    max_protected_header_length = 64 * 1024
    max_encrypted_key_length = 4096
    max_ciphertext_length = 1024 * 1024
