"""request_uri pre-registration (OIDC Discovery §3 require_request_uri_registration, OIDC Registration §2
request_uris): the request_by_reference checks run through clients the harness registers with a URL
it reserved on its request object host, and delete (RFC 7592).

On the reference target's legitimate variant ``request_uri_registration`` (an unregistered https
request_uri is refused unfetched): with ``registration.register_hosted_clients: false`` the
by-reference checks are skipped naming both options; with ``true`` each registers its client
(``request_uris: [reserved URL]``), the target fetches exactly that URL, the check passes and the
client is deleted (HTTP 204); and the area's defect still fails the unfetchable check.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli import SUITES_DIR, SUITES_INI
from harness.reference_target import ReferenceTarget, RunningTarget

CHECKS = ["request_by_reference.signed_by_reference", "request_by_reference.unfetchable_request_uri_refused"]
UNSIGNED = "request_by_reference.unsigned_by_reference"


@pytest.fixture(scope="module")
def variant() -> Iterator[RunningTarget]:
    with ReferenceTarget.start(variant="request_uri_registration") as running:
        yield running


def _run(target: RunningTarget, directory: Path, name: str, *, defects: tuple[str, ...] = (),
         register: bool = True) -> dict[str, dict[str, Any]]:
    from harness.registry import select

    (directory / name).mkdir()
    document = yaml.safe_load(Path(target.profile_path()).read_text())
    document.pop("deviations_file", None)
    document.setdefault("registration", {})["register_hosted_clients"] = register
    profile = directory / name / "profile.yaml"
    profile.write_text(yaml.safe_dump(document, sort_keys=False))
    report_dir = directory / name / "report"
    args = ["-c", str(SUITES_INI), "--rootdir", str(SUITES_DIR.parent), "-q", "-p", "no:cacheprovider",
            "-p", "no:xdist", "--target", str(profile), "--report-dir", str(report_dir),
            "-W", "ignore::pytest.PytestAssertRewriteWarning", "-k", "by_reference or unfetchable",
            *[str(s.path) for s in select(["request_by_reference"])]]
    target.set_defects(list(defects))
    saved = {k: os.environ.get(k) for k in target.env}
    os.environ.update(target.env)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pytest.main(args)
    finally:
        target.set_defects([])
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    results = json.loads((report_dir / "results.json").read_text())
    return {c["id"]: c for c in results["checks"]}


def test_by_reference_checks_run_on_registered_request_uris(variant: RunningTarget, tmp_path: Path) -> None:
    before = _run(variant, tmp_path, "before", register=False)
    for check_id in [*CHECKS, UNSIGNED]:
        record = before[check_id]
        assert record["outcome"] == "skipped", (check_id, record)
        assert "clients[].documented.request_uris" in record["message"]
        assert "does not register one: registration.register_hosted_clients is false" in record["message"]

    after = _run(variant, tmp_path, "after")
    for check_id in CHECKS:
        record = after[check_id]
        assert record["outcome"] == "passed", (check_id, record["message"], record["findings"])
        notes = "\n".join(record["evidence"]["notes"])
        assert "registered for this check (RFC 7591" in notes and "the harness hosts its request_uris [" in notes
        assert "deleted at the end of the check (HTTP 204)" in notes, notes
        exchanges = record["evidence"]["exchanges"]
        registration = next(e for e in exchanges if e["label"].startswith("register a request_uri"))
        assert registration["response"]["status"] == 201
        assert '"client_secret": "[REDACTED]' in registration["response"]["body"]
        registered_uri = notes.split("request_uris [", 1)[1].split("]", 1)[0]
        assert registered_uri in json.dumps(registration["request"])
        fetched = [e for e in exchanges if e["label"] == "request object fetched from the harness"]
        assert [e["request"]["url"] for e in fetched] == [registered_uri]  # the registered URL, fetched once
        assert [e["response"]["status"] for e in fetched] == [200 if check_id.endswith("signed_by_reference")
                                                             else 404]
    # unsigned needs a client registered with "none", which the variant does not list: skipped before asking
    assert after[UNSIGNED]["outcome"] == "skipped"
    assert "request_object_signing_alg none, which the target does not list" in after[UNSIGNED]["message"]

    broken = _run(variant, tmp_path, "defect", defects=("request_uri_unfetchable_ignored",))
    record = broken["request_by_reference.unfetchable_request_uri_refused"]
    assert record["outcome"] == "failed", record["message"]
    assert broken["request_by_reference.signed_by_reference"]["outcome"] == "passed"


# -- selection (no server) -----------------------------------------------------------------------

def _unit_target(clients: list[dict[str, Any]], metadata: dict[str, Any] | None = None, **profile: Any) -> Any:
    from harness.http import TargetHttp
    from harness.profile import TargetProfile
    from harness.target import Target

    issuer = "https://op.example.test"
    document = {"name": "unit", "issuer": issuer, "clients": clients,
                "users": [{"username": "alice", "password": "pw-unit-test"}],
                "request_object_host": {"cert_file": "/nonexistent/rp.crt", "key_file": "/nonexistent/rp.key",
                                        **profile.pop("host", {})}, **profile}
    meta = {"issuer": issuer, "registration_endpoint": f"{issuer}/reg", "require_request_uri_registration": True,
            **(metadata or {})}
    return Target(profile=TargetProfile.model_validate(document), http=TargetHttp(allowed_origins={issuer}),
                  _metadata={k: v for k, v in meta.items() if v is not None})


CODE = {"id": "code", "auth_method": "client_secret_basic", "secret": "s3cret-unit-test",
        "redirect_uris": ["https://rp.example.test/cb"]}
FIXED = {**CODE, "id": "fixed", "documented": {"request_uris": ["https://127.0.0.1:8444/ro/fixed#h"]}}


def test_request_uri_selection() -> None:
    from harness.flows.hosted_clients import choose_request_uri_client
    from harness.target import NotApplicable

    # a documented request_uri counts only when the host's origin is fixed (here listen_port 8444)
    fixed = choose_request_uri_client(_unit_target([CODE, FIXED], host={"listen_port": 8444}), lambda c: True)
    assert fixed.source == "profile" and fixed.profile_client is not None and fixed.profile_client.id == "fixed"
    free = choose_request_uri_client(_unit_target([CODE, FIXED]), lambda c: True)  # free port: cannot serve it
    assert free.source == "registered" and free.registration is not None
    assert free.registration.request_object_alg == "RS256"
    assert free.registration.redirect_uri == "https://rp.example.test/cb"
    es = _unit_target([CODE], {"request_object_signing_alg_values_supported": ["none", "ES256"]})
    assert choose_request_uri_client(es, lambda c: True).registration.request_object_alg == "ES256"  # type: ignore[union-attr]
    assert choose_request_uri_client(es, lambda c: True, unsigned=True).registration.request_object_alg == "none"  # type: ignore[union-attr]
    with pytest.raises(NotApplicable, match="request_object_signing_alg none, which the target does not list"):
        choose_request_uri_client(_unit_target([CODE]), lambda c: True, unsigned=True)
    with pytest.raises(NotApplicable, match=r"clients\[\].documented.request_uris.*register_hosted_clients is false"):
        choose_request_uri_client(_unit_target([CODE], registration={"register_hosted_clients": False}),
                                  lambda c: True)


def test_profile_client_with_documented_request_uris(variant: RunningTarget, tmp_path: Path) -> None:
    """A profile client pre-registered with a fixed request_uri on the host (listen_port) is used; none registered."""
    import socket
    import ssl

    import httpx

    from harness import jose

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fixed = f"https://127.0.0.1:{port}/ro/pre-registered"
    key = jose.generate_key("RSA", label="pre-registered", use="sig", fresh=True)
    private = tmp_path / "pre.jwks.json"
    private.write_text(json.dumps({"keys": [{**key.as_dict(private=True), "alg": "RS256"}]}))
    metadata = {"redirect_uris": ["https://rp.example.test/cb"], "request_uris": [fixed],
                "token_endpoint_auth_method": "client_secret_basic", "request_object_signing_alg": "RS256",
                "jwks": {"keys": [{**jose.public_jwk(key), "alg": "RS256"}]}}
    with httpx.Client(verify=ssl.create_default_context(cafile=variant.env["REFTARGET_CA_FILE"])) as http:
        answer = http.post(f"{variant.issuer}/reg", json=metadata,
                           headers={"Authorization": f"Bearer {variant.env['REFTARGET_ADMIN_TOKEN']}"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    document = yaml.safe_load(Path(variant.profile_path()).read_text())
    document["clients"].insert(0, {"id": body["client_id"], "secret": body["client_secret"],
                                   "auth_method": "client_secret_basic", "redirect_uris": metadata["redirect_uris"],
                                   "jwks_file": str(private),
                                   "documented": {"request_uris": [fixed], "request_object_signing_alg": "RS256"}})
    document["request_object_host"]["listen_port"] = port
    (tmp_path / "profile").mkdir()
    base = tmp_path / "profile" / "base.yaml"
    base.write_text(yaml.safe_dump(document, sort_keys=False))
    patched = RunningProfile(variant, base)
    results = _run(patched, tmp_path, "profile-client", register=False)  # type: ignore[arg-type]
    for check_id in CHECKS:
        record = results[check_id]
        assert record["outcome"] == "passed", (check_id, record["message"], record["findings"])
        notes = "\n".join(record["evidence"]["notes"])
        assert f"client {body['client_id']}: a profile client" in notes and "registered for this check" not in notes
        labels = [e["label"] for e in record["evidence"]["exchanges"]]
        assert not [label for label in labels if label.startswith(("register a", "cleanup"))]
        fetched = [e for e in record["evidence"]["exchanges"]
                   if e["label"] == "request object fetched from the harness"]
        assert [e["request"]["url"] for e in fetched] == [fixed]


class RunningProfile:
    """The variant with another profile file (what _run reads)."""

    def __init__(self, running: RunningTarget, profile: Path) -> None:
        self._running, self._profile = running, profile
        self.env = running.env

    def profile_path(self) -> Path:
        return self._profile

    def set_defects(self, names: list[str]) -> list[str]:
        return self._running.set_defects(names)
