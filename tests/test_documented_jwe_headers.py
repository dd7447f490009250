"""PingFederate's encrypted JWT access tokens (JWE headers, decryption), proven both ways (issue 21).

The reference profile documents signed JWT access tokens, so ``documented.access_token_jwe_headers``,
``documented.access_token_jwe_decrypts`` and ``jwt_access_token.encrypted_when_documented`` are
skipped in the clean run. This test states PingFederate's ATM defaults for an encrypted token in a
copy of the reference profile — JWE ``RSA-OAEP-256`` / ``A256GCM``, "Include JWE Key ID header
parameter" selected (``kid``), "Include JWE X.509 Thumbprint Header Parameter" not selected (no
``x5t``), the resource server's private keys — and turns on the runtime setting
``doc_atm_encrypted`` (JWT access tokens nested in a JWE to that key, with ``kid``):

* as documented, all three pass;
* ``doc_atm_jwe_kid_missing`` fails ``AT_JWE_KID_MISSING``, ``doc_atm_jwe_x5t_present`` fails
  ``AT_JWE_X5T_PRESENT`` (the JWE's alg/enc stay right, so ``encrypted_when_documented`` passes);
* ``doc_atm_jwe_wrong_key`` (encrypted to a key nobody holds) fails ``documented.access_token_jwe_decrypts``
  with ``AT_JWE_UNDECRYPTABLE`` (as documented, the token decrypts to an RFC 9068 JWT that verifies);
* without the setting (signed tokens), all three fail ``AT_NOT_ENCRYPTED``;
* "Include JWE X.509 Thumbprint Header Parameter" selected (``jwe_x5t_header: true``) with the runtime
  setting ``doc_atm_jwe_x5t_header`` (the JWE ``x5t`` is the SHA-1 thumbprint of the DER of the resource
  server's encryption certificate, the ``x5c`` the launcher generates for conf-enc's key): passes;
  ``doc_atm_jwe_x5t_mismatch`` (the thumbprint of other bytes) fails ``AT_JWE_X5T_CERTIFICATE_MISMATCH``;
  without the setting (no ``x5t``) it fails ``AT_JWE_X5T_MISSING``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.reference_target import RunningTarget
from tests.suite_runs import profile_copy, run_checks

CHECKS = ("documented.access_token_jwe_headers", "jwt_access_token.encrypted_when_documented",
          "documented.access_token_jwe_decrypts")


def _profile(tmp_path: Path, *, x5t: bool = False) -> Path:
    def edit(data: dict[str, Any]) -> None:
        data["documented"]["access_token"].update({"encryption": {"alg": "RSA-OAEP-256", "enc": "A256GCM"},
                                                   "jwe_kid_header": True, "jwe_x5t_header": x5t})
        jwt_resource = next(r for r in data["documented"]["resources"] if r.get("access_token_format") == "jwt")
        jwt_resource["jwks_file"] = "${REFTARGET_STATE_DIR}/conf-enc.jwks.json"   # the key doc_atm_encrypted uses
    return profile_copy(tmp_path, "jwe-x5t" if x5t else "jwe", edit)


def _run(reference: RunningTarget, profile: Path, report_dir: Path, defects: list[str]) -> dict[str, dict[str, Any]]:
    records = run_checks(reference, profile, report_dir, suites=["documented", "jwt_access_token"], defects=defects,
                         keyword="test_access_token_jwe_headers or test_encrypted_when_documented or "
                                 "test_access_token_jwe_decrypts")
    return {cid: r for cid, r in records.items() if cid in CHECKS}


OK = ("passed", set[str]())
CASES = [
    (True, [], {CHECKS[0]: OK, CHECKS[1]: OK, CHECKS[2]: OK}),
    (True, ["doc_atm_jwe_kid_missing"], {CHECKS[0]: ("failed", {"AT_JWE_KID_MISSING"}), CHECKS[1]: OK, CHECKS[2]: OK}),
    (True, ["doc_atm_jwe_x5t_present"], {CHECKS[0]: ("failed", {"AT_JWE_X5T_PRESENT"}), CHECKS[1]: OK, CHECKS[2]: OK}),
    (True, ["doc_atm_jwe_wrong_key"], {CHECKS[0]: OK, CHECKS[1]: OK, CHECKS[2]: ("failed", {"AT_JWE_UNDECRYPTABLE"})}),
    (False, [], {CHECKS[0]: ("failed", {"AT_NOT_ENCRYPTED"}), CHECKS[1]: ("failed", {"AT_NOT_ENCRYPTED"}),
                 CHECKS[2]: ("failed", {"AT_NOT_ENCRYPTED"})}),
]


@pytest.mark.parametrize(("encrypted", "defects", "expected"), CASES,
                         ids=["as-documented", "doc_atm_jwe_kid_missing", "doc_atm_jwe_x5t_present",
                              "doc_atm_jwe_wrong_key", "signed-tokens"])
def test_jwe_headers_both_ways(reference: RunningTarget, tmp_path: Path, encrypted: bool, defects: list[str],
                               expected: dict[str, tuple[str, set[str]]]) -> None:
    reference.set_settings(doc_atm_encrypted=encrypted)
    try:
        records = _run(reference, _profile(tmp_path), tmp_path / "report", defects)
    finally:
        reference.set_settings(doc_atm_encrypted=False)
    got = {cid: (r["outcome"], {f["code"] for f in r["findings"]}) for cid, r in records.items()}
    assert got == expected, {cid: r["message"] for cid, r in records.items()}


X5T_CASES = [
    (True, [], {CHECKS[0]: OK, CHECKS[1]: OK, CHECKS[2]: OK}),
    (True, ["doc_atm_jwe_x5t_mismatch"], {CHECKS[0]: ("failed", {"AT_JWE_X5T_CERTIFICATE_MISMATCH"}), CHECKS[1]: OK,
                                          CHECKS[2]: OK}),
    (False, [], {CHECKS[0]: ("failed", {"AT_JWE_X5T_MISSING"}), CHECKS[1]: OK, CHECKS[2]: OK}),
]


@pytest.mark.parametrize(("x5t_sent", "defects", "expected"), X5T_CASES,
                         ids=["x5t-as-documented", "doc_atm_jwe_x5t_mismatch", "x5t-not-sent"])
def test_jwe_x5t_certificate_both_ways(reference: RunningTarget, tmp_path: Path, x5t_sent: bool,
                                       defects: list[str], expected: dict[str, tuple[str, set[str]]]) -> None:
    reference.set_settings(doc_atm_encrypted=True, doc_atm_jwe_x5t_header=x5t_sent)
    try:
        records = _run(reference, _profile(tmp_path, x5t=True), tmp_path / "report", defects)
    finally:
        reference.set_settings(doc_atm_encrypted=False, doc_atm_jwe_x5t_header=False)
    got = {cid: (r["outcome"], {f["code"] for f in r["findings"]}) for cid, r in records.items()}
    assert got == expected, {cid: r["message"] for cid, r in records.items()}
