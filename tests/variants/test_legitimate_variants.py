"""No-false-failure proof: every suite against each legitimate variant of the reference target.

A variant (``fixtures/reference_target/variants/<name>.yaml``) is the bundled server configured
the way a real deployment legitimately may be — no PKCE, no client_credentials grant, RFC 9126
§2.4 unregistered redirect URIs, extra refresh scope quietly ignored, PS256/ES256 client keys,
a FAPI 2.0 client that accepts only the issuer as assertion ``aud``, ... — each difference
permitted by the sentence quoted in the variant file. For each variant this test

1. proves with plain HTTP (no harness code) that the server really behaves as the variant says,
   so the proof cannot pass vacuously;
2. runs every suite through the CLI against it;
3. proves from the server's own record that the run exercised the variation (for example that
   the harness's assertions for ``conf-pkjwt`` were PS256 and were accepted);
4. asserts that no check failed and none is broken, printing each offender with its findings.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from harness.reference_target import ReferenceTarget, RunningTarget, load_variant, variant_names
from tests.interop.interop_cli import run_cli
from tests.reference_target.rt_flows import (
    authz_params,
    code_flow,
    drive,
    http_client,
    pkce_pair,
    private_key,
    redeem,
    token_request,
)

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = variant_names()
UNREGISTERED = "https://unregistered.example.test/cb"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MIN_EXECUTED = 200
"""A full run executes (does not skip) at least this many checks; fewer means the run proves little."""


def test_there_are_variants() -> None:
    assert {"no_pkce", "fapi2"} <= set(VARIANTS)
    for name in VARIANTS:
        variant = load_variant(name)
        assert variant.description and variant.variations
        assert all(v.permitted_by and v.quote for v in variant.variations), name


# ---------------------------------------------------------------------------------------------
# Running the suites
# ---------------------------------------------------------------------------------------------


def run_all_suites(target: RunningTarget, report_dir: Path, *, timeout_s: float = 420) -> tuple[int, str]:
    """``oauth-harness run --target <variant profile>`` in a child process (its own session), on two workers.

    The harness's own tests run several of these beside each other on xdist workers: two workers each (the
    waits overlap in any worker, harness.wait_overlap) cost less CPU than the default four, which start and
    collect the suites twice more per run on a machine whose cores the other tests already keep busy.
    ``--no-allure``: the proof reads ``results.json`` only (a tenth less CPU a run); the Allure results
    of a full run are proven, scrubbed of secrets, by ``tests/defects`` and ``tests/robustness``.
    """
    argv = ["run", "--target", str(target.profile_path()), "--report-dir", str(report_dir), "--workers", "2",
            "--no-allure"]
    return run_cli(argv, env=target.env, timeout_s=timeout_s)


def describe_offenders(name: str, document: Mapping[str, Any]) -> tuple[list[str], str]:
    """The failed/broken check ids and a report naming each with its findings."""
    checks = document["checks"]

    def known(check: Mapping[str, Any]) -> bool:  # a listed deviation of the base target (deviations.yaml)
        return bool((check.get("deviation") or {}).get("status") == "known")

    offenders = [c for c in checks if c["outcome"] == "broken" or (c["outcome"] == "failed" and not known(c))]
    counts = {o: sum(1 for c in checks if c["outcome"] == o and not known(c)) for o in ("failed", "broken", "skipped")}
    counts["known"] = sum(1 for c in checks if known(c))
    lines = [f"variant {name}: {counts['failed']} failed, {counts['broken']} broken, {counts['known']} known, "
             f"{counts['skipped']} skipped of {len(checks)} checks"]
    for check in offenders:
        lines.append(f"  {check['outcome'].upper()} {check['id']}: {check['message']}")
        for finding in check.get("findings") or []:
            lines.append(f"      {finding.get('code')} [{finding.get('requirement')}, {finding.get('level')}] "
                         f"{finding.get('message')} (expected: {finding.get('expected')!r}; "
                         f"actual: {finding.get('actual')!r})")
    stale = (document.get("deviations") or {}).get("stale") or []
    if stale:
        lines.append(f"  (base deviations not seen in this variant, not counted: {stale})")
    return [c["id"] for c in offenders], "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Proofs that a variant is what it says (plain httpx, before the run)
# ---------------------------------------------------------------------------------------------


def _discovery(target: RunningTarget) -> dict[str, Any]:
    with http_client(target) as http:
        document: dict[str, Any] = http.get(f"{target.issuer}/.well-known/openid-configuration").json()
    return document


def _error(response: Any) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


def _assertion(target: RunningTarget, client_id: str, *, kty: str, alg: str, aud: str) -> dict[str, str]:
    """A client assertion signed ``alg`` with the client's ``kty`` key, whatever ``alg`` the key names."""
    labelled = private_key(target, client_id, kty).as_dict(private=True)
    labelled.pop("alg", None)
    key = RSAKey.import_key(labelled) if kty == "RSA" else ECKey.import_key(labelled)
    now = int(time.time())
    token = jwt.encode({"alg": alg, "kid": key.kid},
                       {"iss": client_id, "sub": client_id, "aud": aud, "jti": str(uuid.uuid4()),
                        "iat": now, "exp": now + 60}, key, algorithms=[alg])
    return {"client_id": client_id, "client_assertion": token, "client_assertion_type": ASSERTION_TYPE}


def _refresh_token(target: RunningTarget, client_id: str, scope: str) -> tuple[dict[str, Any], Any]:
    """A code flow for ``scope`` with prompt=consent (OIDC Core §11 offline access) and its token response."""
    with http_client(target) as http:
        result = drive(http, target, authz_params(client_id, scope=scope, prompt="consent"))
        response = redeem(http, target, client_id, result.params.get("code", "no-code"))
        body: dict[str, Any] = response.json()
    return body, response


def prove_no_pkce(target: RunningTarget) -> list[str]:
    problems: list[str] = []
    metadata = _discovery(target)
    if "code_challenge_methods_supported" in metadata:
        problems.append("discovery lists code_challenge_methods_supported")
    if "client_credentials" in metadata.get("grant_types_supported", []):
        problems.append("grant_types_supported lists client_credentials")
    with http_client(target) as http:
        response = token_request(http, target, "conf-basic", {"grant_type": "client_credentials"})
        if response.status_code != 400 or _error(response) != "unsupported_grant_type":
            problems.append(f"client_credentials: HTTP {response.status_code} {response.text[:200]}")

    # PKCE parameters are ignored: a plain challenge (a PKCE server of this kind refuses "plain")
    # for the public client, then a verifier that matches nothing.
    with http_client(target) as http:
        result = drive(http, target, authz_params("public", code_challenge="c" * 43, code_challenge_method="plain"))
        if "code" not in result.params:
            problems.append(f"a plain code_challenge was not ignored: {result.params or result.page}")
        else:
            response = redeem(http, target, "public", result.code, verifier="v" * 43)
            if response.status_code != 200:
                problems.append(f"a non-matching code_verifier was not ignored: {response.status_code} {response.text}")

    # RFC 9126 §2.4: an authenticated client pushes an unregistered redirect_uri and gets the code there.
    secret = target.client_secrets["conf-basic"]
    with http_client(target) as http:
        pushed = http.post(f"{target.issuer}/request", data=authz_params("conf-basic", redirect_uri=UNREGISTERED),
                           auth=("conf-basic", secret))
        if pushed.status_code != 201:
            problems.append(f"PAR refused an unregistered redirect_uri: {pushed.status_code} {pushed.text[:200]}")
        else:
            result = drive(http, target, {"client_id": "conf-basic", "request_uri": pushed.json()["request_uri"]})
            if not (result.location or "").startswith(UNREGISTERED) or "code" not in result.params:
                problems.append(f"the pushed unregistered redirect_uri got no code: {result.location}")

    # RFC 6749 §3.3: a refresh request for extra scope gets the granted scope (and says so).
    tokens, _ = _refresh_token(target, "conf-basic", "openid offline_access")
    if "refresh_token" not in tokens:
        problems.append(f"no refresh token for a granted offline_access: {tokens}")
    else:
        with http_client(target) as http:
            widened = token_request(http, target, "conf-basic", {
                "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                "scope": "openid offline_access email"})
        body = widened.json()
        granted = set(str(body.get("scope", "")).split())
        if widened.status_code != 200 or "email" in granted or not granted:
            problems.append(f"a refresh for extra scope was not answered with the granted scope: "
                            f"{widened.status_code} {body}")
    return problems


def prove_fapi2(target: RunningTarget) -> list[str]:
    problems: list[str] = []
    if "code_challenge_methods_supported" in _discovery(target):
        problems.append("discovery lists code_challenge_methods_supported")

    # S256 works and is required for public clients although it is not advertised.
    with http_client(target) as http:
        result = drive(http, target, authz_params("public"), stop_at_login=True)
        if result.params.get("error") != "invalid_request":
            problems.append(f"the public client was not required to use PKCE: {result.params or result.pages}")
    _, response, _ = code_flow(target, "public")
    if response.status_code != 200:
        problems.append(f"a PKCE S256 code flow failed: {response.status_code} {response.text[:200]}")

    # The private JWKS carry the algorithms the variant states.
    def algs(client_id: str) -> list[str | None]:
        keys = json.loads((target.state_dir / f"{client_id}.jwks.json").read_text())["keys"]
        return [k.get("alg") for k in keys if k.get("use") == "sig"]

    for client_id, expected in (("conf-pkjwt", ["PS256", "ES256"]), ("par-required", ["ES256"]),
                                ("jar-required", ["PS256", "ES256"]), ("ciba-poll", ["PS256", "ES256"]),
                                ("ciba-ping", ["ES256", "PS256"])):
        if algs(client_id) != expected:
            problems.append(f"{client_id}'s signing keys carry {algs(client_id)}, not {expected}")

    # conf-pkjwt is registered for PS256: an RS256 assertion with the same key is refused. A bogus
    # code after successful client authentication is invalid_grant; failed authentication invalid_client.
    bogus = {"grant_type": "authorization_code", "code": "not-a-code", "redirect_uri": "https://rp.example.test/cb"}
    token_url = f"{target.issuer}/token"
    with http_client(target) as http:
        for alg, expected_error in (("RS256", "invalid_client"), ("PS256", "invalid_grant")):
            data = {**bogus, **_assertion(target, "conf-pkjwt", kty="RSA", alg=alg, aud=token_url)}
            got = _error(http.post(token_url, data=data))
            if got != expected_error:
                problems.append(f"conf-pkjwt {alg} assertion: {got}, expected {expected_error}")

    # par-required is a FAPI 2.0 client: only the issuer is an accepted assertion aud; PKCE is required.
    par_url = f"{target.issuer}/request"
    _, challenge = pkce_pair()
    request = authz_params("par-required", code_challenge=challenge, code_challenge_method="S256")
    with http_client(target) as http:
        for aud, expected_status in ((target.issuer, 201), (par_url, 401), (token_url, 401)):
            data = {**request, **_assertion(target, "par-required", kty="EC", alg="ES256", aud=aud)}
            pushed = http.post(par_url, data=data)
            if pushed.status_code != expected_status:
                problems.append(f"par-required assertion aud {aud}: HTTP {pushed.status_code}, "
                                f"expected {expected_status} ({pushed.text[:150]})")
        no_pkce = {k: v for k, v in request.items() if not k.startswith("code_challenge")}
        pushed = http.post(par_url, data={**no_pkce, **_assertion(target, "par-required", kty="EC", alg="ES256",
                                                                  aud=target.issuer)})
        if pushed.status_code != 400 or _error(pushed) != "invalid_request":
            problems.append(f"par-required pushed without PKCE: HTTP {pushed.status_code} {pushed.text[:150]}")

    # OIDC Core §11: a refresh token only when offline_access is granted.
    without, _ = _refresh_token(target, "conf-basic", "openid profile")
    with_offline, _ = _refresh_token(target, "conf-basic", "openid offline_access")
    if "access_token" not in without or "refresh_token" in without:
        problems.append(f"tokens without offline_access: {sorted(without)}")
    if "refresh_token" not in with_offline:
        problems.append(f"no refresh token for a granted offline_access: {sorted(with_offline)}")
    return problems


def observed_no_pkce(state: Mapping[str, Any]) -> list[str]:
    return [] if state.get("name") == "no_pkce" else [f"the server reports variant {state.get('name')!r}"]


def observed_fapi2(state: Mapping[str, Any]) -> list[str]:
    """The run sent (and the server accepted) PS256/ES256 assertions, and only issuer-aud ones for the FAPI client."""
    problems: list[str] = []
    seen = state.get("client_assertions", {})

    def accepted(client_id: str, table: str, key: str) -> int:
        return int(seen.get(client_id, {}).get(table, {}).get(key, {}).get("accepted", 0))

    for client_id, alg in (("conf-pkjwt", "PS256"), ("par-required", "ES256"), ("jar-required", "PS256"),
                           ("ciba-poll", "PS256")):
        if accepted(client_id, "algs", alg) == 0:
            problems.append(f"the run sent no accepted {alg} assertion for {client_id}: {seen.get(client_id)}")
    if accepted("conf-pkjwt", "algs", "RS256"):
        problems.append("the server accepted RS256 assertions from conf-pkjwt (registered for PS256)")
    issuer_aud = json.dumps(state.get("issuer"))
    auds = seen.get("par-required", {}).get("auds", {})
    wrongly = [aud for aud, n in auds.items() if n.get("accepted") and aud != issuer_aud]
    if wrongly:
        problems.append(f"the FAPI 2.0 client's assertions were accepted with aud {wrongly}")
    return problems


def prove_request_uri_registration(target: RunningTarget) -> list[str]:
    """Discovery requires pre-registration, and an unregistered https request_uri is refused (invalid_request_uri)."""
    problems: list[str] = []
    if _discovery(target).get("require_request_uri_registration") is not True:
        problems.append("discovery does not say require_request_uri_registration: true")
    with http_client(target) as http:
        params = {**authz_params("conf-basic"), "request_uri": "https://127.0.0.1:9/ro/unregistered"}
        result = drive(http, target, params, stop_at_login=True)
        if result.params.get("error") != "invalid_request_uri":
            problems.append(f"an unregistered request_uri was not refused: {result.params or result.pages}")
    return problems


def observed_request_uri_registration(state: Mapping[str, Any]) -> list[str]:
    return [] if state.get("name") == "request_uri_registration" else [
        f"the server reports variant {state.get('name')!r}"]


PROOFS: dict[str, tuple[Callable[[RunningTarget], list[str]], Callable[[Mapping[str, Any]], list[str]]]] = {
    "no_pkce": (prove_no_pkce, observed_no_pkce),
    "fapi2": (prove_fapi2, observed_fapi2),
    "request_uri_registration": (prove_request_uri_registration, observed_request_uri_registration),
}


def test_every_variant_has_a_proof() -> None:
    assert set(PROOFS) == set(VARIANTS)


def test_cli_runs_against_a_variant_by_name(tmp_path: Path) -> None:
    """``oauth-harness run --local reference:<variant>`` starts the variant and uses its profile."""
    argv = ["run", "--local", "reference:no_pkce", "--suite", "discovery", "--report-dir", str(tmp_path)]
    code = f"import sys; from harness.cli import main; sys.exit(main({argv!r}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert "starting the local target 'reference:no_pkce'" in done.stdout, done.stdout + done.stderr
    assert "target reference-no-pkce" in done.stdout
    document = json.loads((tmp_path / "results.json").read_text())
    assert document["checks"] and not [c for c in document["checks"] if c["outcome"] in ("failed", "broken")]


# ---------------------------------------------------------------------------------------------
# The proof
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", VARIANTS)
def test_legitimate_variant_has_no_failed_or_broken_check(name: str, tmp_path: Path) -> None:
    """The variant is what it says, and all suites against it end with 0 failed and 0 broken checks."""
    prove, observed = PROOFS[name]
    with ReferenceTarget.start(variant=name) as target:
        problems = [f"variant is not what it says: {p}" for p in prove(target)]
        code, output = run_all_suites(target, tmp_path / "report")
        results = tmp_path / "report" / "results.json"
        assert results.is_file(), f"exit {code}, no results.json:\n{output[-3000:]}"
        document = json.loads(results.read_text())
        problems += [f"the run did not exercise the variant: {p}" for p in observed(target.variant_state())]
    offenders, report = describe_offenders(name, document)
    executed = [c for c in document["checks"] if c["outcome"] != "skipped"]
    if len(executed) < MIN_EXECUTED:
        problems.append(f"only {len(executed)} checks were executed (at least {MIN_EXECUTED} expected)")
    print(report)  # noqa: T201 - the report is the point of this test
    assert not offenders and not problems, report + "".join(f"\n  {p}" for p in problems)
