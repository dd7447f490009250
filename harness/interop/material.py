"""Key material the launchers of real servers generate for each start.

A throwaway test CA with a server certificate for the loopback addresses, written into the
start's state directory (:func:`write_server_tls`; the key file private), and RSA signing
JWK Sets for the server's or a client's keys (:func:`rsa_signing_jwks`) with their public
halves (:func:`public_jwks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme
from joserfc.jwk import RSAKey

from harness.interop.processes import write_file


@dataclass(frozen=True)
class ServerTls:
    """The test CA of one start and the files of the server certificate it issued for 127.0.0.1 and localhost."""

    ca: trustme.CA
    ca_file: Path
    cert_file: Path
    key_file: Path


def write_server_tls(directory: Path, organization: str) -> ServerTls:
    """A fresh CA named ``organization`` and its loopback server certificate, written into ``directory``.

    ``ca.pem``, ``server.crt`` (the whole chain) and ``server.key`` (private, 0600).
    """
    ca = trustme.CA(organization_name=organization)
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    ca_file = write_file(directory / "ca.pem", ca.cert_pem.bytes())
    cert_file = write_file(directory / "server.crt", b"".join(p.bytes() for p in leaf.cert_chain_pems))
    key_file = write_file(directory / "server.key", leaf.private_key_pem.bytes(), private=True)
    return ServerTls(ca=ca, ca_file=ca_file, cert_file=cert_file, key_file=key_file)


def rsa_signing_jwks(kid: str, alg: str = "RS256") -> dict[str, Any]:
    """A JWK Set of one new 2048-bit RSA signing key (``kid``, ``alg``, ``use: sig``), private members included."""
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": alg, "use": "sig"}, private=True)
    return {"keys": [key.as_dict(private=True)]}


def public_jwks(jwks: Mapping[str, Any]) -> dict[str, Any]:
    """The public half of an RSA JWK Set, each key keeping its ``kid``, ``alg`` and ``use``."""
    keys = []
    for member in jwks["keys"]:
        public = RSAKey.import_key(member).as_dict(private=False)
        keys.append(public | {name: member[name] for name in ("kid", "alg", "use") if name in member})
    return {"keys": keys}
