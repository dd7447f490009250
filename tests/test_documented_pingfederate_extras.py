"""PingFederate client settings the profile can state since issue 21's last rows, proven both ways.

* "Client TLS Certificate" Issuer / Subject DN (``clients[].documented.tls_subject_dn`` with
  ``other_subject_dn_certificate``): ``mtls.other_subject_dn_refused`` presents a certificate from
  the client's CA with another subject DN. The reference profile states it for the ``mtls``
  client (the launcher writes ``mtls-other-dn.crt``); it passes clean, fails with
  ``mtls_subject_dn_unchecked`` (the CA alone is checked), is *broken* when the profile's
  certificate comes from another CA or the documented DN is not the client certificate's, and is
  skipped when the profile states no subject DN.
* "Include Issuer in Authorization Response" (``documented.authorization_response_iss``):
  ``authorization_code.iss_in_response`` with ``authz_iss_missing`` plus
  ``discovery_iss_param_unadvertised`` (no iss, not advertised: no RFC 9207 finding) passes
  unless the profile documents iss, then fails with ``DOC_ISS_MISSING`` alone; documented false,
  the clean target's iss is a DOC warning (RFC 9207 allows it), its absence passes.
* "Authorization Code Entropy (Bytes)" (``documented.authorization_code_entropy_bytes``):
  ``token_entropy.documented_code_entropy`` passes for the clean target's 43-character codes
  (32 bytes) documented as 32, fails documented as 33, and fails with
  ``code_entropy_below_documented`` (21-byte codes) while ``authorization_code.code_entropy``
  (RFC 6749 §10.10) still passes; unstated, it is skipped.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

from harness.reference_target import RunningTarget
from harness.reference_target.material import get_material
from harness.results import CheckFailed, Level, ProfileError
from harness.specs import rfc8705, rfc9207, token_entropy
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


def _documented(key: str, value: Any) -> Any:
    def edit(data: dict[str, Any]) -> None:
        if value is None:
            data["documented"].pop(key, None)
        else:
            data["documented"][key] = value
    return edit


NO_ISS = ("authz_iss_missing", "discovery_iss_param_unadvertised")
ISS_CASES = [
    ("documented-true", True, (), "passed", set()),
    ("documented-true-no-iss", True, NO_ISS, "failed", {"DOC_ISS_MISSING"}),
    ("unstated-no-iss", None, NO_ISS, "passed", set()),
    ("documented-false", False, (), "warning", {"DOC_ISS_PRESENT"}),
    ("documented-false-no-iss", False, NO_ISS, "passed", set()),
    ("documented-true-advertised-no-iss", True, ("authz_iss_missing",), "failed", {"ISS_MISSING", "DOC_ISS_MISSING"}),
]


@pytest.mark.parametrize(("name", "value", "defects", "outcome", "codes"), ISS_CASES, ids=[c[0] for c in ISS_CASES])
def test_iss_in_response_documented_both_ways(reference: RunningTarget, tmp_path: Path, name: str, value: Any,
                                              defects: tuple[str, ...], outcome: str, codes: set[str]) -> None:
    profile = profile_copy(tmp_path, name, _documented("authorization_response_iss", value))
    record = run_checks(reference, profile, tmp_path / "report", suites=["authorization_code"],
                        keyword="test_iss_in_response", defects=defects)["authorization_code.iss_in_response"]
    assert record["outcome"] == outcome, record["message"]
    assert {f["code"] for f in record["findings"]} == codes
    doc = [f for f in record["findings"] if f["code"].startswith("DOC_")]
    assert all(f["requirement"] == "DOC-authorization_response_iss" for f in doc)
    assert all(f["level"] == "should" for f in doc if f["code"] == "DOC_ISS_PRESENT")


ENTROPY_CASES = [
    ("documented-32", 32, (), "passed"),
    ("documented-33", 33, (), "failed"),
    ("below-documented", 32, ("code_entropy_below_documented",), "failed"),
    ("unstated", None, (), "skipped"),
]


@pytest.mark.parametrize(("name", "value", "defects", "outcome"), ENTROPY_CASES, ids=[c[0] for c in ENTROPY_CASES])
def test_documented_code_entropy_both_ways(reference: RunningTarget, tmp_path: Path, name: str, value: Any,
                                           defects: tuple[str, ...], outcome: str) -> None:
    profile = profile_copy(tmp_path, name, _documented("authorization_code_entropy_bytes", value))
    records = run_checks(reference, profile, tmp_path / "report", suites=["token_entropy", "authorization_code"],
                         keyword="test_documented_code_entropy or test_code_entropy", defects=defects)
    record = records["token_entropy.documented_code_entropy"]
    assert record["outcome"] == outcome, record["message"]
    if outcome == "failed":
        assert {(f["code"], f["requirement"]) for f in record["findings"]} == {
            ("CODE_SHORTER_THAN_DOCUMENTED_ENTROPY", "DOC-authorization_code_entropy_bytes")}
    # the documented value only adds a finding: RFC 6749 §10.10 is judged apart and holds for 21 random bytes
    assert records["authorization_code.code_entropy"]["outcome"] == "passed"



# --------------------------------------------------------------------------- the pure judges


def test_documented_code_entropy_lengths() -> None:
    """N bytes need ceil(4N/3) base64url or 2N hex characters; fixed prefixes count for nothing."""
    b64 = [secrets.token_urlsafe(32) for _ in range(5)]  # 43 characters
    assert "43 varying" in token_entropy.check_documented_code_entropy(b64, 32)
    with pytest.raises(CheckFailed) as short:
        token_entropy.check_documented_code_entropy(b64, 33)
    assert short.value.findings[0].requirement == "DOC-authorization_code_entropy_bytes"
    hexes = [secrets.token_hex(16) for _ in range(5)]  # 32 hex characters hold 16 bytes, not 17
    token_entropy.check_documented_code_entropy(hexes, 16)
    with pytest.raises(CheckFailed):
        token_entropy.check_documented_code_entropy(hexes, 17)
    with pytest.raises(CheckFailed):  # the constant prefix carries nothing
        token_entropy.check_documented_code_entropy(["code-" + v[5:] for v in b64], 32)


def test_iss_documented_findings() -> None:
    issuer = "https://as.example.test"
    rfc9207.check_iss_parameter({"code": "c"}, issuer, advertised=False, documented=False)
    with pytest.raises(CheckFailed) as missing:
        rfc9207.check_iss_parameter({"code": "c"}, issuer, advertised=False, documented=True)
    assert [(f.code, f.level) for f in missing.value.findings] == [("DOC_ISS_MISSING", Level.MUST)]
    with pytest.raises(CheckFailed) as present:
        rfc9207.check_iss_parameter({"code": "c", "iss": issuer}, issuer, advertised=True, documented=False)
    assert [(f.code, f.level) for f in present.value.findings] == [("DOC_ISS_PRESENT", Level.SHOULD)]


def test_subject_dn_material_is_checked_before_asking() -> None:
    material = get_material()
    own, other = material.client_certs["mtls"][0], material.other_subject_dn_cert[0]
    dn = "CN=mtls, OU=Clients, O=OAuth Harness Reference Target"  # blanks after separators, as consoles show it
    assert rfc8705.check_other_subject_dn_material(dn, own, other).startswith("CN=mtls-other-dn,")
    for bad_dn, bad_other in [("CN=mtls-other-dn,OU=Clients,O=OAuth Harness Reference Target", other),
                              (dn, own), (dn, material.client_certs["mtls-self"][0]), ("not a DN", other)]:
        with pytest.raises(ProfileError):
            rfc8705.check_other_subject_dn_material(bad_dn, own, bad_other)
