"""Launcher of the bundled reference target (node-oidc-provider with defect injection).

The reference target lives in ``fixtures/reference_target/``. This package installs its npm
dependencies (``npm ci``), generates everything secret per start (test CA, TLS certificates,
provider signing keys, client key pairs, client secrets, admin token), writes one JSON config
for ``node server.mjs`` and starts it on free loopback ports.

Typical use::

    with ReferenceTarget.start(defects=["authz_iss_missing"]) as target:
        os.environ.update(target.env)           # REFTARGET_* for profile.yaml
        target.set_defects([])                   # switch defects at runtime

Key pairs are generated once per Python process and reused by later starts (RSA key
generation dominates start-up time); secrets, tokens and certificates' trust anchors are
fresh per process as well, client secrets and the admin token are fresh per start.

One module per job:

* :mod:`~harness.reference_target.install` — where the fixture lives, ``npm ci``;
* :mod:`~harness.reference_target.defects` — the defect registry (core + area modules);
* :mod:`~harness.reference_target.material` — key and certificate material, the client list;
* :mod:`~harness.reference_target.running` — a started target and its admin API;
* :mod:`~harness.reference_target.launcher` — config writing and process start;
* :mod:`~harness.reference_target.variants` — legitimate, spec-permitted variants
  (``ReferenceTarget.start(variant="no_pkce")``, ``oauth-harness run --local reference:no_pkce``).
"""

from __future__ import annotations

from harness.reference_target.defects import AREAS_DIR, CORE_DEFECTS, KNOWN_DEFECTS
from harness.reference_target.install import (
    FIXTURE_DIR,
    PROFILE_PATH,
    SERVER_SCRIPT,
    ReferenceTargetError,
    ensure_installed,
)
from harness.reference_target.launcher import (
    CLOCK_TOLERANCE_S,
    DEFAULT_SETTINGS,
    DEFAULT_TTLS,
    ReferenceTarget,
    start_default,
    start_variant,
)
from harness.reference_target.material import CLIENTS, ClientSpec, public_jwk
from harness.reference_target.running import RunningTarget
from harness.reference_target.variants import Variant, load_variant, variant_names

__all__ = [
    "AREAS_DIR",
    "CLIENTS",
    "CLOCK_TOLERANCE_S",
    "CORE_DEFECTS",
    "DEFAULT_SETTINGS",
    "DEFAULT_TTLS",
    "FIXTURE_DIR",
    "KNOWN_DEFECTS",
    "PROFILE_PATH",
    "SERVER_SCRIPT",
    "ClientSpec",
    "ReferenceTarget",
    "ReferenceTargetError",
    "RunningTarget",
    "ensure_installed",
    "public_jwk",
    "Variant",
    "load_variant",
    "start_default",
    "start_variant",
    "variant_names",
]
