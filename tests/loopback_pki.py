"""A test CA and a 127.0.0.1 server certificate on disk, and a free loopback port, for tests of loopback HTTPS.

The harness's hosted endpoints (CIBA notification receiver, authentication channel, approval
callbacks) serve HTTPS on loopback with a certificate from the profile; their tests issue one
from a throwaway CA the client side trusts.
"""

from __future__ import annotations

from pathlib import Path

import trustme

from harness.interop.processes import free_port as free_port  # a free loopback port, for the tests too


def write_loopback_pki(directory: Path) -> tuple[Path, Path, Path]:
    """A fresh CA and a server certificate for 127.0.0.1 in ``directory``: ``(ca.pem, rp.crt, rp.key)``."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ca.cert_pem.write_to_path(str(directory / "ca.pem"))
    cert.cert_chain_pems[0].write_to_path(str(directory / "rp.crt"))
    cert.private_key_pem.write_to_path(str(directory / "rp.key"))
    return directory / "ca.pem", directory / "rp.crt", directory / "rp.key"

