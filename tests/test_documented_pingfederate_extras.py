"""PingFederate client settings the profile can state since issue 21's last rows, proven both ways.

* "Client TLS Certificate" Issuer / Subject DN (``clients[].documented.tls_subject_dn`` with
  ``other_subject_dn_certificate``): ``mtls.other_subject_dn_refused`` presents a certificate from
  the client's CA with another subject DN. The reference profile states it for the ``mtls``
  client (the launcher writes ``mtls-other-dn.crt``); it passes clean, fails with
  ``mtls_subject_dn_unchecked`` (the CA alone is checked), is *broken* when the profile's
  certificate comes from another CA or the documented DN is not the client certificate's, and is
  skipped when the profile states no subject DN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.reference_target import RunningTarget
from tests.suite_runs import profile_copy, run_checks

SUBJECT_DN_CHECK = "mtls.other_subject_dn_refused"


def _mtls_client(data: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in data["clients"] if c["id"] == "mtls")


def _run_subject_dn(reference: RunningTarget, tmp_path: Path, name: str, edit: Any = None,
                    defects: tuple[str, ...] = ()) -> dict[str, Any]:
    profile = profile_copy(tmp_path, name, edit or (lambda data: None))
    return run_checks(reference, profile, tmp_path / f"report-{name}", suites=["mtls"],
                      keyword="test_other_subject_dn_refused", defects=defects)[SUBJECT_DN_CHECK]


def _other_ca(data: dict[str, Any]) -> None:  # the self-signed mtls-self certificate: not from the client's CA
    _mtls_client(data)["documented"]["other_subject_dn_certificate"] = {
        "cert_file": "${REFTARGET_STATE_DIR}/mtls-self.crt", "key_file": "${REFTARGET_STATE_DIR}/mtls-self.key"}


def _wrong_documented_dn(data: dict[str, Any]) -> None:
    _mtls_client(data)["documented"]["tls_subject_dn"] = "CN=someone-else, OU=Clients, O=OAuth Harness Reference Target"


def _unstated(data: dict[str, Any]) -> None:
    documented = _mtls_client(data)["documented"]
    del documented["tls_subject_dn"], documented["other_subject_dn_certificate"]


SUBJECT_DN_CASES = [
    ("as-documented", None, (), "passed"),
    ("subject-dn-unchecked", None, ("mtls_subject_dn_unchecked",), "failed"),
    ("other-ca", _other_ca, (), "broken"),
    ("documented-dn-not-the-certificate", _wrong_documented_dn, (), "broken"),
    ("unstated", _unstated, (), "skipped"),
]


@pytest.mark.parametrize(("name", "edit", "defects", "outcome"), SUBJECT_DN_CASES,
                         ids=[case[0] for case in SUBJECT_DN_CASES])
def test_other_subject_dn_refused_both_ways(reference: RunningTarget, tmp_path: Path, name: str, edit: Any,
                                            defects: tuple[str, ...], outcome: str) -> None:
    record = _run_subject_dn(reference, tmp_path, name, edit, defects)
    assert record["outcome"] == outcome, record["message"]
    if outcome == "failed":
        assert {f["requirement"] for f in record["findings"]} == {"RFC8705-2"}
    if outcome == "broken":
        assert record["findings"] == []
