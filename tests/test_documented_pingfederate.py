"""PingFederate's documented JWT access-token defaults, stated and verified against the reference target (issue 21).

The PingFederate vendor profile (``fixtures/vendor_profiles/pingfederate.yaml``) states the JSON
Web Token access-token manager's defaults from its documentation: no ``typ`` header ("If you do
not specify a header, it is omitted"), the scope as a JSON array ("Space Delimit Scope Values"
not selected), no ``jti`` ("JWT ID Claim Length" 0), ``kid`` present, no ``x5t``, ``client_id``
and ``scope`` claims. This test copies those statements into the reference profile and runs the
``jwt_access_token`` suite twice:

* with the reference target configured like a default PingFederate ATM (runtime setting
  ``doc_pingfederate_atm_defaults``), the documented expectations are all met, and the RFC 9068
  findings remain next to them (item 2: a documented value never waives a spec rule): ``typ``
  fails RFC 9068 §2.1 only, the missing ``jti`` fails RFC 9068 §2.2;
* with the reference target as it is (``at+jwt``, a space-delimited scope, a 43-character
  ``jti``), the same statements fail: the deployment differs from what is documented.

The PingFederate profile's other documented behaviours of JWT access tokens and clients —
validation of JWT access tokens at the introspection endpoint ("send the access tokens to
PingFederate for validation"), no claim omitted with the default claim names, the public client
refused the client credentials grant ("A selection other than None is required"), the RS256 signing
key of at least 2,048 bits, "Expand Scope Groups" not selected — are stated the
same way and pass against the reference target configured like a default ATM; the defects that
break them are in ``tests/test_documented_atm_validation.py``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli import SUITES_DIR, SUITES_INI
from harness.reference_target import RunningTarget
from tests.suite_runs import profile_copy, run_checks

ROOT = Path(__file__).resolve().parents[1]
PINGFEDERATE = ROOT / "fixtures" / "vendor_profiles" / "pingfederate.yaml"
REFERENCE_DIR = ROOT / "fixtures" / "reference_target"

#: The ATM settings taken from the PingFederate profile (the others stay the reference target's own).
ATM_DEFAULTS = ("typ", "kid_header", "x5t_header", "client_id_claim", "scope_claim", "scope_format", "jti_length")
CHECKS = ("typ_header", "kid_header", "x5t_header", "client_id", "scope", "jti_length", "required_claims")


def _pingfederate_atm() -> dict[str, Any]:
    stated = yaml.safe_load(PINGFEDERATE.read_text())["documented"]["access_token"]
    return {key: stated[key] for key in ATM_DEFAULTS}


def test_pingfederate_profile_states_the_documented_atm_defaults() -> None:
    assert _pingfederate_atm() == {"typ": None, "kid_header": True, "x5t_header": False, "client_id_claim": "client_id",
                                   "scope_claim": "scope", "scope_format": "array", "jti_length": 0}


def _profile(tmp_path: Path) -> Path:
    data = yaml.safe_load((REFERENCE_DIR / "profile.yaml").read_text())
    data["deviations_file"] = str(REFERENCE_DIR / "deviations.yaml")
    data["documented"]["access_token"].update(_pingfederate_atm())
    path = tmp_path / "pingfederate-defaults.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _run(profile: Path, report_dir: Path) -> dict[str, dict[str, Any]]:
    args = ["-c", str(SUITES_INI), "--rootdir", str(SUITES_DIR.parent), "-q", "-p", "no:cacheprovider",
            "-p", "no:xdist", "--target", str(profile), "--report-dir", str(report_dir),
            "-W", "ignore::pytest.PytestAssertRewriteWarning", "--alluredir", str(report_dir / "allure-results"),
            str(SUITES_DIR / "jwt_access_token"), "-k", " or ".join(f"test_{name}" for name in CHECKS)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pytest.main(args)
    document = json.loads((report_dir / "results.json").read_text())
    return {c["id"].split(".", 1)[1]: c for c in document["checks"]}


def _codes(record: dict[str, Any]) -> set[str]:
    return {f["code"] for f in record["findings"]}


def _doc_findings(record: dict[str, Any]) -> set[str]:
    return {f["code"] for f in record["findings"] if f["requirement"].startswith("DOC-")}


def test_reference_configured_as_pingfederate_defaults(reference: RunningTarget, tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    reference.set_settings(doc_pingfederate_atm_defaults=True)
    try:
        records = _run(profile, tmp_path / "as-documented")
    finally:
        reference.set_settings(doc_pingfederate_atm_defaults=False)
    assert {name: _doc_findings(r) for name, r in records.items()} == {name: set() for name in CHECKS}
    for name in ("kid_header", "x5t_header", "client_id", "jti_length"):
        assert records[name]["outcome"] == "passed", (name, records[name]["message"])
    # item 2: the RFC 9068 findings stay next to the passing documented expectations
    assert records["typ_header"]["outcome"] == "failed" and _codes(records["typ_header"]) == {"AT_TYP_NOT_AT_JWT"}
    assert records["required_claims"]["outcome"] == "failed"
    assert any("jti" in f["message"] for f in records["required_claims"]["findings"])
    assert records["scope"]["outcome"] == "warning"

    differs = _run(profile, tmp_path / "differs")  # the reference target as it is: at+jwt, string scope, jti
    assert "AT_TYP_PRESENT" in _codes(differs["typ_header"])
    assert differs["jti_length"]["outcome"] == "failed" and _doc_findings(differs["jti_length"])
    assert differs["scope"]["outcome"] == "failed" and _doc_findings(differs["scope"])


def _pingfederate_documented() -> dict[str, Any]:
    documented: dict[str, Any] = yaml.safe_load(PINGFEDERATE.read_text())["documented"]
    return documented


def test_pingfederate_profile_states_the_documented_validation_defaults() -> None:
    stated = _pingfederate_documented()
    assert stated["introspection"]["jwt_access_tokens"] is True
    assert stated["access_token"]["omitted_claims"] == []
    assert stated["access_token"]["expand_scope_groups"] is False   # "This check box is not selected by default."
    public = [c for c in yaml.safe_load(PINGFEDERATE.read_text())["clients"] if c["auth_method"] == "none"]
    assert public, "the PingFederate profile has a public client (Client Authentication None, the default)"


def test_reference_configured_as_pingfederate_validates_jwt_access_tokens(reference: RunningTarget,
                                                                           tmp_path: Path) -> None:
    stated = _pingfederate_documented()

    def edit(data: dict[str, Any]) -> None:
        data["documented"]["access_token"].update(_pingfederate_atm())
        data["documented"]["access_token"]["omitted_claims"] = stated["access_token"]["omitted_claims"]
        data["documented"]["introspection"]["jwt_access_tokens"] = stated["introspection"]["jwt_access_tokens"]
        data["documented"]["access_token"]["expand_scope_groups"] = stated["access_token"]["expand_scope_groups"]
    checks = ("documented.jwt_access_token_introspection", "documented.public_client_credentials_refused",
              "documented.access_token_signing_key_size", "documented.scope_groups_expansion")
    records = run_checks(reference, profile_copy(tmp_path, "pingfederate-validation", edit), tmp_path / "report",
                         suites=["documented"],
                         keyword="test_jwt_access_token_introspection or test_public_client_credentials_refused "
                                 "or test_access_token_claims_omitted or test_access_token_signing_key_size "
                                 "or test_scope_groups_expansion",
                         settings={"doc_pingfederate_atm_defaults": True})
    assert {cid: records[cid]["outcome"] for cid in checks} == {cid: "passed" for cid in checks}, \
        {cid: records[cid]["message"] for cid in checks}
    assert records["documented.access_token_claims_omitted"]["outcome"] == "skipped"   # nothing omitted by default
