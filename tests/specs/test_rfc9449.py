from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from harness import jose
from harness.flows.dpop import DpopSession, choose_alg, is_nonce_challenge
from harness.results import Finding, Level
from harness.specs import rfc9449 as d

JSON = {"Content-Type": "application/json"}
NOW = 1_800_000_000


# --- RFC 9449 and RFC 7638 examples ------------------------------------------------------------


@pytest.mark.parametrize("name", ["token_request_proof", "refresh_request_proof", "resource_request_proof"])
def test_rfc9449_example_proofs_verify_with_their_jwk(vector: Callable[[str], Any], name: str) -> None:
    v = vector("rfc9449_examples")
    decoded = jose.decode_unverified(v[name])
    assert decoded.header == {"typ": "dpop+jwt", "alg": "ES256", "jwk": v["jwk"]}
    jose.verify_jws(v[name], jose.import_jwk(decoded.header["jwk"]), ["ES256"])


def test_rfc9449_example_thumbprint_is_the_cnf_jkt(vector: Callable[[str], Any]) -> None:
    v = vector("rfc9449_examples")
    assert jose.thumbprint(v["jwk"]) == v["jkt"] == v["jwt_claims_with_cnf"]["cnf"]["jkt"]
    d.check_jkt_syntax(v["jkt"])
    d.check_jkt_binding(v["jwt_claims_with_cnf"], jose.thumbprint(v["jwk"]), where="JWT access token")


def test_rfc7638_example_thumbprint(vector: Callable[[str], Any]) -> None:
    v = vector("rfc7638_thumbprint")
    assert jose.thumbprint(v["jwk"]) == v["thumbprint_sha256"]
    d.check_jkt_syntax(v["thumbprint_sha256"])  # the dpop_jkt of RFC 9449 Figure 25


def test_builder_reproduces_the_example_claims(vector: Callable[[str], Any]) -> None:
    v = vector("rfc9449_examples")
    key = jose.generate_key("EC")
    claims = v["resource_request_claims"]
    proof = jose.build_dpop_proof(key, claims["htm"], claims["htu"], access_token=v["access_token"],
                                  now=claims["iat"], jti=claims["jti"])
    decoded = jose.decode_unverified(proof)
    assert decoded.claims == claims
    assert decoded.header["typ"] == "dpop+jwt" and decoded.alg == "ES256"
    assert not set(decoded.header["jwk"]) & {"d", "p", "q"}
    jose.verify_jws(proof, jose.import_jwk(decoded.header["jwk"]), ["ES256"])
    token = jose.build_dpop_proof(key, "POST", "https://server.example.com/token", now=v["token_request_claims"]["iat"],
                                  jti=v["token_request_claims"]["jti"])
    assert jose.decode_unverified(token).claims == v["token_request_claims"]


def _target(algs: Any = None) -> Any:
    return SimpleNamespace(metadata={} if algs is None else {"dpop_signing_alg_values_supported": algs})


def test_session_proofs_use_the_advertised_alg_and_drop_query_from_htu() -> None:
    session = DpopSession(_target(["PS256", "ES256"]))
    assert session.alg == "ES256"
    proof = session.proof("GET", "https://rs.example/r?x=1#f", access_token="at", nonce="n")
    claims = jose.decode_unverified(proof).claims
    assert claims["htu"] == "https://rs.example/r" and claims["nonce"] == "n"
    assert claims["ath"] == jose.b64url(__import__("hashlib").sha256(b"at").digest())
    assert session.jkt == jose.thumbprint(jose.decode_unverified(proof).header["jwk"])


@pytest.mark.parametrize(("algs", "expected"), [(None, "ES256"), (["EdDSA"], "EdDSA"), (["PS256"], "PS256"),
                                                 (["Ed25519", "ES256"], "ES256"), (["XYZ"], "ES256")])
def test_choose_alg(algs: list[Any] | None, expected: str) -> None:
    assert choose_alg(_target(algs)) == expected


def test_is_nonce_challenge() -> None:
    as_nonce = httpx.Response(400, json={"error": "use_dpop_nonce"}, headers={"DPoP-Nonce": "n1"})
    rs_nonce = httpx.Response(401, headers={"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": "n1"})
    assert is_nonce_challenge(as_nonce, "as") and is_nonce_challenge(rs_nonce, "rs")
    assert not is_nonce_challenge(httpx.Response(400, json={"error": "invalid_dpop_proof"}), "as")
    assert not is_nonce_challenge(as_nonce, "rs")


# --- WWW-Authenticate parsing ---------------------------------------------------------------------


def test_parse_rfc_challenge_examples(vector: Callable[[str], Any]) -> None:
    examples = vector("rfc9449_examples")["www_authenticate"]
    no_token = d.parse_challenges({"www-authenticate": examples["no_token"]})
    assert [c.scheme for c in no_token] == ["Bearer", "DPoP"] and no_token[1].params == {"algs": "ES256 PS256"}
    invalid = d.parse_challenges({"www-authenticate": examples["invalid_token"]})[0]
    assert invalid.error == "invalid_token" and invalid.params["algs"] == "ES256"
    ambiguous = d.parse_challenges({"www-authenticate": examples["ambiguous"]})
    assert [(c.scheme, c.error) for c in ambiguous] == [("Bearer", "invalid_request"), ("DPoP", "invalid_request")]
    assert ambiguous[1].params["algs"] == "ES256 PS256"


def test_parse_challenges_across_header_lines_quotes_and_token68() -> None:
    headers = [("WWW-Authenticate", 'Bearer realm="a, \\"b\\"", error=invalid_token'),
               ("www-authenticate", "Basic abc=="), ("WWW-Authenticate", "dpop algs=ES256")]
    parsed = d.parse_challenges(headers)
    assert parsed[0].params == {"realm": 'a, "b"', "error": "invalid_token"}
    assert parsed[1].token68 == "abc==" and parsed[1].params == {}
    assert d.find_challenge(parsed, "DPoP") is parsed[2]
    assert d.parse_challenges({}) == [] and d.parse_challenges({"www-authenticate": "=x, ,"}) == []


# --- token endpoint -------------------------------------------------------------------------------


def test_token_type_dpop(fails: Callable[..., Finding]) -> None:
    d.check_token_type_dpop({"token_type": "DPoP"})
    d.check_token_type_dpop({"token_type": "dpop"})
    fails(d.check_token_type_dpop, {"token_type": "Bearer"}, code="DPOP_TOKEN_TYPE_NOT_DPOP",
          req="RFC9449-5-token_type")
    fails(d.check_token_type_dpop, {}, code="DPOP_TOKEN_TYPE_NOT_DPOP", requirement="DOC-dpop_bound",
          req="DOC-dpop_bound")


def test_token_request_accepted(fails: Callable[..., Finding]) -> None:
    assert d.check_token_request_accepted(200, {"access_token": "x"})["access_token"] == "x"
    fails(d.check_token_request_accepted, 400, {"error": "invalid_grant"}, code="DPOP_VALID_REQUEST_REFUSED")
    fails(d.check_token_request_accepted, 200, b"not json", code="DPOP_VALID_REQUEST_REFUSED")


def test_proof_refused_at_token_endpoint(fails: Callable[..., Finding]) -> None:
    d.check_proof_refused_at_token_endpoint(400, JSON, {"error": "invalid_dpop_proof"})
    # accepted: the validation rule the proof broke; wrong error: RFC 9449 §5 (invalid_dpop_proof)
    fails(d.check_proof_refused_at_token_endpoint, 200, JSON, {"access_token": "x"}, code="TOKEN_REQUEST_ACCEPTED",
          req="RFC9449-4.3")
    fails(d.check_proof_refused_at_token_endpoint, 200, JSON, {"access_token": "x"}, rule="RFC9449-11.1",
          code="TOKEN_REQUEST_ACCEPTED", req="RFC9449-11.1")
    fails(d.check_proof_refused_at_token_endpoint, 400, JSON, {"error": "invalid_grant"}, rule="RFC9449-4.3",
          code="TOKEN_ERROR_WRONG_CODE", req="RFC9449-5-invalid_dpop_proof")
    fails(d.check_proof_refused_at_token_endpoint, 401, JSON, {"error": "invalid_dpop_proof"},
          code="TOKEN_ERROR_STATUS")
    d.check_proof_refused_at_token_endpoint(400, JSON, {"error": "use_dpop_nonce"},
                                            expected=("invalid_dpop_proof", "use_dpop_nonce"))
    # a code bound to another key (§10): invalid_grant or invalid_dpop_proof; invalid_request is wrong
    for error in ("invalid_grant", "invalid_dpop_proof"):
        d.check_proof_refused_at_token_endpoint(400, JSON, {"error": error}, expected=("invalid_grant",
                                                "invalid_dpop_proof"), rule="RFC9449-10")
    fails(d.check_proof_refused_at_token_endpoint, 400, JSON, {"error": "invalid_request"},
          expected=("invalid_grant", "invalid_dpop_proof"), rule="RFC9449-10", code_rule="RFC9449-10",
          code="TOKEN_ERROR_WRONG_CODE", req="RFC9449-10")


def test_nonce_challenge_at_token_endpoint(fails: Callable[..., Finding], vector: Callable[[str], Any]) -> None:
    nonce = vector("rfc9449_examples")["nonce_example"]
    body = {"error": "use_dpop_nonce", "error_description": "Authorization server requires nonce in DPoP proof"}
    assert d.check_nonce_challenge_at_token_endpoint(400, {**JSON, "DPoP-Nonce": nonce}, body) == nonce
    fails(d.check_nonce_challenge_at_token_endpoint, 400, JSON, body, code="DPOP_NONCE_HEADER_MISSING")
    fails(d.check_nonce_challenge_at_token_endpoint, 400, [*JSON.items(), ("DPoP-Nonce", "a"), ("DPoP-Nonce", "b")],
          body, code="DPOP_NONCE_HEADER_MULTIPLE")
    fails(d.check_nonce_challenge_at_token_endpoint, 400, {**JSON, "DPoP-Nonce": 'a"b'}, body,
          code="DPOP_NONCE_SYNTAX", req="RFC9449-8.1")
    fails(d.check_nonce_challenge_at_token_endpoint, 401, {**JSON, "DPoP-Nonce": nonce}, body,
          code="TOKEN_ERROR_STATUS")


def test_nonce_challenge_at_resource(fails: Callable[..., Finding], vector: Callable[[str], Any]) -> None:
    v = vector("rfc9449_examples")
    headers = {"WWW-Authenticate": v["www_authenticate"]["use_dpop_nonce"], "DPoP-Nonce": v["nonce_example"]}
    assert d.check_nonce_challenge_at_resource(401, headers) == v["nonce_example"]
    fails(d.check_nonce_challenge_at_resource, 401, {"WWW-Authenticate": headers["WWW-Authenticate"]},
          code="DPOP_NONCE_HEADER_MISSING", req="RFC9449-9")
    fails(d.check_nonce_challenge_at_resource, 400, headers, code="RESOURCE_ERROR_STATUS")


def test_nonce_required(fails: Callable[..., Finding]) -> None:
    d.check_nonce_required(True, documented=True, where="the token endpoint")
    d.check_nonce_required(False, documented=False, where="the token endpoint")
    fails(d.check_nonce_required, False, documented=True, where="the token endpoint", code="DPOP_NONCE_NOT_REQUIRED",
          req="DOC-dpop_nonce_required")


@pytest.mark.parametrize("nonce", ["eyJ7S_zG.eyJH0-Z.HX4w-7v", "!", "~}|{"])
def test_nonce_syntax_ok(nonce: str) -> None:
    d.check_nonce_syntax(nonce)


@pytest.mark.parametrize("nonce", ["", "a b", 'a"b', "a\\b", "é"])
def test_nonce_syntax_bad(fails: Callable[..., Finding], nonce: str) -> None:
    fails(d.check_nonce_syntax, nonce, code="DPOP_NONCE_SYNTAX")


# --- binding --------------------------------------------------------------------------------------


JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"  # RFC 9449 Figure 9 (fixed: it appears in test ids)


def test_jkt_binding(fails: Callable[..., Finding]) -> None:
    d.check_jkt_binding({"cnf": {"jkt": JKT}}, JKT, where="jwt")
    d.check_jkt_binding({"cnf": {"jkt": JKT}, "token_type": "DPoP"}, JKT, where="introspection")
    fails(d.check_jkt_binding, {}, JKT, where="jwt", code="DPOP_CNF_MISSING", req="RFC9449-6.1")
    fails(d.check_jkt_binding, {"cnf": {"x5t#S256": "x"}}, JKT, where="jwt", code="DPOP_JKT_MISSING")
    other = jose.thumbprint(jose.generate_key("EC", fresh=True))
    fails(d.check_jkt_binding, {"cnf": {"jkt": other}}, JKT, where="introspection", code="DPOP_JKT_MISMATCH",
          requirement="RFC9449-6.2", req="RFC9449-6.2")
    fails(d.check_jkt_binding, {"cnf": {"jkt": JKT}, "token_type": "Bearer"}, JKT, where="introspection",
          code="DPOP_INTROSPECTION_TOKEN_TYPE")


@pytest.mark.parametrize("value", [None, 1, "abc", JKT + "=", JKT[:-1] + "+"])
def test_jkt_syntax_bad(fails: Callable[..., Finding], value: Any) -> None:
    fails(d.check_jkt_syntax, value, code="DPOP_JKT_SYNTAX")


# --- resource -------------------------------------------------------------------------------------


def test_resource_accepted(fails: Callable[..., Finding]) -> None:
    d.check_resource_accepted(200)
    fails(d.check_resource_accepted, 401, code="DPOP_VALID_REQUEST_REFUSED")


def test_resource_refused(fails: Callable[..., Finding], vector: Callable[[str], Any]) -> None:
    v = vector("rfc9449_examples")["www_authenticate"]
    assert d.check_resource_refused(401, {"WWW-Authenticate": v["invalid_token"]}, {"invalid_token"}).scheme == "DPoP"
    fails(d.check_resource_refused, 200, {}, {"invalid_token"}, code="RESOURCE_REQUEST_ACCEPTED", req="RFC9449-7.1",
          level=Level.MUST)
    # RFC 6750 §3: a refusal MUST carry WWW-Authenticate
    fails(d.check_resource_refused, 401, {}, {"invalid_token"}, code="RESOURCE_CHALLENGE_MISSING", req="RFC6750-3",
          level=Level.MUST)
    # a challenge of another scheme only: "The scheme name is DPoP" has no keyword (SHOULD)
    fails(d.check_resource_refused, 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, {"invalid_token"},
          code="RESOURCE_CHALLENGE_SCHEME", req="RFC9449-7.1", level=Level.SHOULD)
    # the error parameter and its value are a SHOULD (RFC 9449 §7.1) ...
    fails(d.check_resource_refused, 401, {"WWW-Authenticate": v["invalid_token"]}, {"invalid_dpop_proof"},
          code="RESOURCE_ERROR_WRONG_CODE", req="RFC9449-7.1-error", level=Level.SHOULD)
    fails(d.check_resource_refused, 401, {"WWW-Authenticate": 'DPoP algs="ES256"'}, {"invalid_token"},
          code="RESOURCE_CHALLENGE_NO_ERROR", req="RFC9449-7.1-error", level=Level.SHOULD)
    # ... unless the code is the mechanism (the nonce challenge of §9)
    fails(lambda: d.check_resource_refused(401, {"WWW-Authenticate": 'DPoP error="invalid_token"'}, {"use_dpop_nonce"},
                                           error_requirement="RFC9449-9", error_level=Level.MUST),
          code="RESOURCE_ERROR_WRONG_CODE", req="RFC9449-9", level=Level.MUST)
    fails(d.check_resource_refused, 403, {"WWW-Authenticate": v["invalid_token"]}, {"invalid_token"},
          code="RESOURCE_ERROR_STATUS", req="RFC6750-3.1", level=Level.SHOULD)
    fails(d.check_resource_refused, 401, {"WWW-Authenticate": 'DPoP error="invalid_request"'}, {"invalid_request"},
          code="RESOURCE_ERROR_STATUS", req="RFC6750-3.1")
    fails(d.check_resource_refused, 400, {"WWW-Authenticate": 'DPoP error="invalid_dpop_proof"'},
          {"invalid_dpop_proof"}, code="RESOURCE_ERROR_STATUS", req="RFC9449-7.1-error", level=Level.SHOULD)


def test_proof_refused_at_resource(fails: Callable[..., Finding]) -> None:
    d.check_proof_refused_at_resource(401, {"WWW-Authenticate": 'DPoP error="invalid_dpop_proof", algs="ES256"'})
    fails(d.check_proof_refused_at_resource, 200, {}, code="RESOURCE_REQUEST_ACCEPTED")


def test_bound_token_refused_as_bearer(fails: Callable[..., Finding]) -> None:
    d.check_bound_token_refused_as_bearer(401, {"WWW-Authenticate": 'DPoP error="invalid_token"'})
    d.check_bound_token_refused_as_bearer(401, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    d.check_bound_token_refused_as_bearer(401, {"WWW-Authenticate": 'Bearer realm="x", error="invalid_token", '
                                                                    'DPoP algs="ES256"'})
    fails(d.check_bound_token_refused_as_bearer, 200, {}, code="DPOP_BOUND_TOKEN_ACCEPTED_AS_BEARER",
          req="RFC9449-7.2", level=Level.MUST)
    fails(d.check_bound_token_refused_as_bearer, 401, {}, code="RESOURCE_CHALLENGE_MISSING", req="RFC6750-3",
          level=Level.MUST)
    fails(d.check_bound_token_refused_as_bearer, 401, {"WWW-Authenticate": 'Basic realm="x"'},
          code="RESOURCE_CHALLENGE_MISSING")
    fails(d.check_bound_token_refused_as_bearer, 401, {"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
          code="RESOURCE_ERROR_WRONG_CODE", req="RFC9449-7.2", level=Level.MUST)
    fails(d.check_bound_token_refused_as_bearer, 403, {"WWW-Authenticate": 'Bearer error="invalid_token"'},
          code="RESOURCE_ERROR_STATUS", req="RFC6750-3.1", level=Level.SHOULD)
    fails(d.check_bound_token_refused_as_bearer, 401, {"WWW-Authenticate": 'Bearer realm="x"'},
          code="RESOURCE_CHALLENGE_NO_ERROR", req="RFC6750-3-error", level=Level.SHOULD)


def test_bound_token_as_bearer_invalid_request_is_not_a_pass(codes: Callable[..., list[str]]) -> None:
    """The lenient reading (400 invalid_request) is a wrong code (MUST) and a wrong status (SHOULD)."""
    found = codes(d.check_bound_token_refused_as_bearer, 400, {"WWW-Authenticate": 'Bearer error="invalid_request"'})
    assert found == ["RESOURCE_ERROR_WRONG_CODE", "RESOURCE_ERROR_STATUS"]


def test_replay_refused_at_token_endpoint(fails: Callable[..., Finding]) -> None:
    d.check_replay_refused_at_token_endpoint(400, JSON, {"error": "invalid_dpop_proof"})
    fails(d.check_replay_refused_at_token_endpoint, 200, JSON, {"access_token": "x"}, code="DPOP_REPLAY_ACCEPTED",
          req="DOC-dpop_replay_prevention", level=Level.MUST)
    for other in ("invalid_grant", "invalid_request", "use_dpop_nonce", "invalid_client"):
        fails(d.check_replay_refused_at_token_endpoint, 400, JSON, {"error": other}, code="TOKEN_ERROR_WRONG_CODE",
              req="RFC9449-5-invalid_dpop_proof")
    fails(d.check_replay_refused_at_token_endpoint, 500, JSON, {"error": "invalid_dpop_proof"},
          code="TOKEN_ERROR_STATUS")


def test_challenge_algs(fails: Callable[..., Finding]) -> None:
    assert d.check_challenge_algs(d.Challenge("DPoP", {"algs": "ES256 PS256"})) == ["ES256", "PS256"]
    fails(d.check_challenge_algs, d.Challenge("DPoP", {}), code="DPOP_CHALLENGE_NO_ALGS", level=Level.SHOULD)
    fails(d.check_challenge_algs, d.Challenge("DPoP", {"algs": "none HS256"}), code="DPOP_CHALLENGE_ALGS_INVALID")

