"""Control of a started reference target: lifecycle and the ``/__test/`` admin API."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from harness.interop import processes
from harness.interop.processes import log_tail
from harness.reference_target.defects import check_defects
from harness.reference_target.install import PROFILE_PATH, ReferenceTargetError

__all__ = ["STOP_TIMEOUT_S", "RunningTarget"]

STOP_TIMEOUT_S = 5.0

class RunningTarget(processes.ServerProcess):
    """A started reference target; stop it with :meth:`stop` or use it as a context manager.

    Attributes:
        issuer: the issuer identifier, ``https://127.0.0.1:<port>``.
        mtls_base: base URL of the mTLS listener (``mtls_endpoint_aliases`` live there).
        state_dir: directory with the CA, certificates, private JWKS and the node config.
        admin_token: bearer token of the ``/__test/`` admin API.
        ca_file: PEM of the test CA that issued the server certificate.
        env: the ``REFTARGET_*`` variables that ``profile.yaml`` references.
        client_secrets: client id -> secret for the clients that have one.
        ttls: the artefact lifetimes in force (seconds).
        startup_seconds: wall time of :meth:`ReferenceTarget.start` for this target.
        variant: the legitimate variant it was started as (``None``: the default target).
    """

    def __init__(self, *, process: subprocess.Popen[bytes], issuer: str, mtls_base: str, state_dir: Path,
                 owns_state_dir: bool, admin_token: str, env: dict[str, str], client_secrets: dict[str, str],
                 ttls: dict[str, int], startup_seconds: float, profile: Path = PROFILE_PATH,
                 variant: str | None = None) -> None:
        """Wrap an already started server process (use :meth:`ReferenceTarget.start`)."""
        super().__init__(process, state_dir)
        self.issuer = issuer
        self.mtls_base = mtls_base
        self._owns_state_dir = owns_state_dir
        self.admin_token = admin_token
        self.ca_file = state_dir / "ca.pem"
        self.env = env
        self.client_secrets = client_secrets
        self.ttls = ttls
        self.startup_seconds = startup_seconds
        self.variant = variant
        self._profile = profile
        self._version: str | None = None
        self._admin = httpx.Client(
            base_url=issuer,
            verify=ssl.create_default_context(cafile=str(self.ca_file)),
            headers={"Authorization": f"Bearer {admin_token}"},
            timeout=10.0,
        )

    # -- lifecycle ----------------------------------------------------------
    stop_timeout_s = STOP_TIMEOUT_S

    def _close(self) -> None:
        self._admin.close()

    def _keeps_state(self) -> bool:
        return not self._owns_state_dir  # a state directory the caller gave stays

    # -- admin API ----------------------------------------------------------

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = self._admin.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ReferenceTargetError(f"admin call {method} {path} failed: {exc}{self._stderr_hint()}") from exc
        if response.status_code == 400:
            raise ValueError(response.json().get("error_description", response.text))
        if response.status_code >= 300:
            raise ReferenceTargetError(f"admin call {method} {path}: HTTP {response.status_code} {response.text}")
        return response.json()

    def _stderr_hint(self) -> str:
        if self.is_running():
            return ""
        stderr = log_tail(self.state_dir / "node.stderr.log")
        return f"\nthe node process exited ({self.process.returncode}):\n{stderr}"

    def set_defects(self, names: Sequence[str]) -> list[str]:
        """Replace the active defect set; returns the active defects. ``[]`` restores normal behaviour.

        Raises:
            ValueError: a name is not in :data:`KNOWN_DEFECTS`.
        """
        active: list[str] = self._call("PUT", "/__test/defects", {"defects": check_defects(names)})["active"]
        return active

    def defects(self) -> list[str]:
        """The active defects."""
        active: list[str] = self._call("GET", "/__test/defects")["active"]
        return active

    def server_defects(self) -> dict[str, str]:
        """Defect name -> description, as the server reports them."""
        descriptions: dict[str, str] = self._call("GET", "/__test/defects")["descriptions"]
        return descriptions

    def set_faults(self, faults: Mapping[str, str]) -> dict[str, str]:
        """Make one or more paths misbehave (``{"/token": "trickle_head"}``; ``{}`` heals them).

        Transport and garbage faults for the robustness proof (``src/areas/transport_faults.mjs``):
        every other path stays healthy, so a full run shows one endpoint failing mid-run.
        """
        result: dict[str, str] = self._call("PUT", "/__test/faults", {"faults": dict(faults)})["faults"]
        return result

    def faulted(self) -> dict[str, int]:
        """How many answers each faulted path has had faulted so far."""
        result: dict[str, int] = self._call("GET", "/__test/faults")["faulted"]
        return result

    def fault_modes(self) -> dict[str, str]:
        """Fault mode -> what it does, as the server describes it."""
        result: dict[str, str] = self._call("GET", "/__test/faults")["modes"]
        return result

    def reset(self) -> None:
        """Clear all defects and restore the default settings."""
        self._call("POST", "/__test/reset")

    def settings(self) -> dict[str, Any]:
        """The runtime settings (e.g. ``dpop_require_nonce``)."""
        result: dict[str, Any] = self._call("GET", "/__test/settings")
        return result

    def set_settings(self, **changes: bool) -> dict[str, Any]:
        """Change runtime settings, e.g. ``set_settings(dpop_require_nonce=True)``."""
        result: dict[str, Any] = self._call("PUT", "/__test/settings", changes)
        return result

    def clients(self) -> list[dict[str, Any]]:
        """Registered clients as the server reports them (no secrets)."""
        result: list[dict[str, Any]] = self._call("GET", "/__test/clients")["clients"]
        return result

    def pending_ciba(self) -> list[dict[str, Any]]:
        """CIBA requests waiting for a decision."""
        result: list[dict[str, Any]] = self._call("GET", "/__test/ciba")["pending"]
        return result

    def approve_ciba(self, auth_req_id: str, *, acr: str | None = None) -> dict[str, Any]:
        """Approve a pending CIBA request (sends the ping for ping-mode clients)."""
        body = {"acr": acr} if acr else {}
        result: dict[str, Any] = self._call("POST", f"/__test/ciba/{auth_req_id}/approve", body)
        return result

    def deny_ciba(self, auth_req_id: str) -> dict[str, Any]:
        """Deny a pending CIBA request (``access_denied``)."""
        result: dict[str, Any] = self._call("POST", f"/__test/ciba/{auth_req_id}/deny", {})
        return result

    def server_version(self) -> str:
        """The oidc-provider version, e.g. ``"oidc-provider 9.13.3"``'s ``"9.13.3"``."""
        if self._version is None:
            self._version = str(self._call("GET", "/__test/version")["oidc_provider"])
        return self._version

    def profile_path(self) -> Path:
        """The target profile: ``fixtures/reference_target/profile.yaml``, or a variant's merged profile."""
        return self._profile

    def variant_state(self) -> dict[str, Any]:
        """A variant's configuration and what it observed (``GET /__test/variant``; client assertion algs).

        Raises:
            ReferenceTargetError: the target was not started as a variant.
        """
        if self.variant is None:
            raise ReferenceTargetError("this reference target was not started as a variant")
        result: dict[str, Any] = self._call("GET", "/__test/variant")
        return result

    def ssl_context(self, client: str | None = None) -> ssl.SSLContext:
        """An SSL context trusting the test CA, presenting ``client``'s certificate if given."""
        ctx = ssl.create_default_context(cafile=str(self.ca_file))
        if client is not None:
            ctx.load_cert_chain(str(self.state_dir / f"{client}.crt"), str(self.state_dir / f"{client}.key"))
        return ctx
