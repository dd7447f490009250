"""The interoperability matrix and the feature detection it shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.features import detect_features
from harness.reporting.matrix import NOT_RUN, build_matrix, write_matrix
from harness.reporting.summary import EXIT_OK, EXIT_USAGE


def _check(cid: str, outcome: str, requirements: list[str], *, known: bool = False) -> dict[str, Any]:
    return {"id": cid, "suite": cid.split(".")[0], "title": cid.replace("_", " "), "outcome": outcome,
            "requirements": requirements, "message": f"{cid} {outcome}", "findings": [],
            "evidence": {}, "duration_s": 0.1,
            "deviation": {"status": "known", "reason": "listed"} if known else None}


def _run(tmp_path: Path, name: str, target: str, checks: list[dict[str, Any]],
         metadata: dict[str, Any] | None = None) -> Path:
    run_dir = tmp_path / name
    run_dir.mkdir()
    counts = {o: sum(1 for c in checks if c["outcome"] == o)
              for o in ("passed", "failed", "warning", "skipped", "broken", "review")}
    document = {"schema_version": 1,
                "run": {"target": target, "issuer": f"https://{target}.example.test", "server": {
                    "software_version": f"{target} 1.0"}, "duration_s": 1.5,
                        "features": [f.as_dict() for f in detect_features(metadata or {})]},
                "summary": {**counts, "total": len(checks), "known_failures": sum(1 for c in checks
                                                                                 if c["deviation"])},
                "suites": {}, "checks": checks}
    (run_dir / "results.json").write_text(json.dumps(document))
    (run_dir / "index.html").write_text("<html></html>")
    return run_dir


@pytest.fixture
def three_runs(tmp_path: Path) -> list[Path]:
    reference = _run(tmp_path, "ref", "reference", [
        _check("pkce.s256_accepted", "passed", ["RFC7636-4.6"]),
        _check("pkce.plain_refused", "passed", ["RFC7636-4.2"]),
        _check("dpop.replay", "failed", ["RFC9449-11.1"], known=True),
        _check("par.request_uri_single_use", "passed", ["RFC9126-2.2"]),
    ], {"code_challenge_methods_supported": ["S256"], "dpop_signing_alg_values_supported": ["ES256"],
        "pushed_authorization_request_endpoint": "https://reference.example.test/par"})
    dot = _run(tmp_path, "dot", "dot", [
        _check("pkce.s256_accepted", "passed", ["RFC7636-4.6"]),
        _check("pkce.plain_refused", "failed", ["RFC7636-4.2"]),
        _check("dpop.replay", "skipped", ["RFC9449-11.1"]),
    ], {"code_challenge_methods_supported": ["S256", "plain"]})
    glew = _run(tmp_path, "glew", "glewlwyd", [
        _check("pkce.s256_accepted", "warning", ["RFC7636-4.6"]),
        _check("pkce.plain_refused", "passed", ["RFC7636-4.2"]),
        _check("dpop.replay", "failed", ["RFC9449-11.1"]),
    ], {"dpop_signing_alg_values_supported": ["RS256"]})
    return [reference, dot, glew]


def test_rows_are_grouped_by_suite_and_requirement(three_runs: list[Path]) -> None:
    matrix = build_matrix(list(three_runs))
    assert [c.label for c in matrix.columns] == ["reference", "dot", "glewlwyd"]
    assert [(r.suite, r.group, r.id) for r in matrix.rows] == [
        ("dpop", "RFC9449-11.1", "dpop.replay"),
        ("par", "RFC9126-2.2", "par.request_uri_single_use"),
        ("pkce", "RFC7636-4.2", "pkce.plain_refused"),
        ("pkce", "RFC7636-4.6", "pkce.s256_accepted"),
    ]
    par = next(r for r in matrix.rows if r.suite == "par")
    assert par.cells["dot"].outcome == NOT_RUN and par.cells["reference"].outcome == "passed"


def test_differing_verdicts_ignore_skips_and_count_known_deviations_apart(three_runs: list[Path]) -> None:
    rows = {r.id: r for r in build_matrix(list(three_runs)).rows}
    assert rows["pkce.plain_refused"].differs()
    assert rows["pkce.s256_accepted"].differs()
    # reference: known deviation, dot: skipped (ignored), glewlwyd: failed -> known vs failed differ
    assert rows["dpop.replay"].cells["reference"].shown == "known"
    assert rows["dpop.replay"].differs()
    # a check only one target ran does not "differ"
    assert not rows["par.request_uri_single_use"].differs()


def test_matrix_html_links_every_cell_into_its_run_report(three_runs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "out" / "matrix"
    html_path, matrix = write_matrix(list(three_runs), out)
    html = html_path.read_text()
    assert 'href="../../dot/index.html#check-pkce-plain-refused"' in html
    assert 'href="../../glew/index.html#check-dpop-replay"' in html
    assert html.count('class="check differs"') == 3
    assert "glewlwyd 1.0" in html and ">failed (known)<" in html
    assert "<script src" not in html and "http://" not in html.replace("http://www.w3.org", "")
    document = json.loads((out / "matrix.json").read_text())
    assert [t["label"] for t in document["targets"]] == ["reference", "dot", "glewlwyd"]
    assert document["features"]["par"] == {"reference": True, "dot": False, "glewlwyd": False}
    assert document["features"]["dpop"] == {"reference": True, "dot": False, "glewlwyd": True}
    cells = {c["id"]: c["cells"] for c in document["checks"]}
    assert cells["dpop.replay"]["reference"] == {"outcome": "failed", "known": True}


def test_matrix_features_table_shows_detected_support(three_runs: list[Path], tmp_path: Path) -> None:
    html_path, _ = write_matrix(list(three_runs), tmp_path / "m")
    html = html_path.read_text()
    row = html.split("<td>PAR (RFC 9126)</td>")[1].split("</tr>")[0]
    assert row.count('class="yes"') == 1 and row.count('class="no"') == 2


def test_same_target_twice_is_told_apart_by_run_directory(tmp_path: Path) -> None:
    first = _run(tmp_path, "monday", "reference", [_check("pkce.x", "passed", ["RFC7636-4.6"])])
    second = _run(tmp_path, "tuesday", "reference", [_check("pkce.x", "failed", ["RFC7636-4.6"])])
    matrix = build_matrix([first, second])
    assert [c.label for c in matrix.columns] == ["reference (monday)", "reference (tuesday)"]


def test_matrix_cli(three_runs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    assert main(["matrix", *map(str, three_runs), "--output", str(out)]) == EXIT_OK
    printed = capsys.readouterr().out
    assert "3 targets, 4 checks, 3 with differing verdicts" in printed
    assert "dot: 1 passed, 1 failed" in printed
    assert (out / "matrix.html").exists()


def test_matrix_cli_rejects_a_directory_without_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", str(tmp_path), "--output", str(tmp_path / "o")]) == EXIT_USAGE
    assert "cannot read results" in capsys.readouterr().err


def test_features_follow_rfc8414_defaults() -> None:
    features = {f.key: f for f in detect_features({"token_endpoint": "https://as/token"})}
    # RFC 8414 §2: grant_types_supported defaults to authorization_code and implicit
    assert not features["refresh"].supported and not features["client_credentials"].supported
    assert features["refresh"].detail == "authorization_code, implicit"
    # ... and token_endpoint_auth_methods_supported to client_secret_basic
    assert not features["private_key_jwt"].supported
    assert not features["par"].supported and features["par"].detail == "not advertised"


def test_features_read_the_members_that_advertise_them() -> None:
    features = {f.key: f for f in detect_features({
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "response_modes_supported": ["query", "query.jwt"],
        "request_parameter_supported": True,
        "backchannel_authentication_endpoint": "https://as/bc",
        "backchannel_token_delivery_modes_supported": ["poll"],
        "token_endpoint_auth_methods_supported": ["tls_client_auth"],
        "authorization_response_iss_parameter_supported": False,
    })}
    assert features["refresh"].supported and features["jarm"].supported and features["jar"].supported
    assert features["ciba"].supported and features["ciba"].detail == "modes: poll"
    assert features["mtls"].supported and features["mtls"].detail == "tls_client_auth"
    assert not features["iss_parameter"].supported and features["iss_parameter"].detail == "false"
    assert not features["device"].supported
