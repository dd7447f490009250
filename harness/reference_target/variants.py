"""Legitimate variants of the reference target: spec-permitted deployments the checks must not fail.

Each variant is one file ``fixtures/reference_target/variants/<name>.yaml`` with four parts:

* ``description`` and ``variations`` — what the deployment does differently and the sentence
  of the specification that permits it (documentation, and what the proof test prints);
* ``server`` — how the bundled server is configured: ``behaviours`` implemented by
  ``src/areas/variants.mjs``, client metadata changes (``clients``; ``null`` removes a member),
  FAPI 2.0 clients (``fapi2_clients``);
* ``client_keys`` — the signing keys in a client's private JWKS, in order, each with the
  ``alg`` it carries (``[[sig-rsa, PS256], [sig-ec, ES256]]``);
* ``profile`` — the changes to ``fixtures/reference_target/profile.yaml`` that state what the
  deployment documents: deep-merged into it (a ``null`` value removes the member), ``clients``
  keyed by client id (a ``null`` client is removed).

The launcher writes the merged profile into the target's state directory
(:meth:`~harness.reference_target.running.RunningTarget.profile_path`), so a variant never
drifts from the base profile: a client or setting added there is part of every variant.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness.reference_target.install import FIXTURE_DIR, PROFILE_PATH
from harness.reference_target.material import CLIENTS

__all__ = ["VARIANTS_DIR", "Variation", "Variant", "load_variant", "merge_profile", "variant_names",
           "write_profile"]

VARIANTS_DIR = FIXTURE_DIR / "variants"
BEHAVIOURS = frozenset({
    "pkce_unsupported",
    "pkce_unadvertised",
    "par_unregistered_redirect_uris",
    "refresh_scope_ignored",
    "no_client_credentials",
    "fapi2_clients",
    "request_uri_registration_required",
})
"""What ``src/areas/variants.mjs`` implements (kept equal by a test)."""

KEY_KINDS = frozenset({"sig-rsa", "sig-ec"})
KEY_ALGS = {"sig-rsa": frozenset({"RS256", "PS256"}), "sig-ec": frozenset({"ES256"})}


@dataclass(frozen=True)
class Variation:
    """One spec-permitted difference and the sentence that permits it."""

    variation: str
    permitted_by: str
    quote: str


@dataclass(frozen=True)
class Variant:
    """A named legitimate variant (``fixtures/reference_target/variants/<name>.yaml``)."""

    name: str
    description: str
    variations: tuple[Variation, ...]
    server: Mapping[str, Any]
    client_keys: Mapping[str, tuple[tuple[str, str], ...]]
    profile: Mapping[str, Any]
    path: Path

    @property
    def behaviours(self) -> tuple[str, ...]:
        """The server behaviours the variant switches on."""
        return tuple(self.server.get("behaviours", ()))

    def server_config(self) -> dict[str, Any]:
        """The ``variant`` member of the node config (read by ``src/areas/variants.mjs`` and ``clients.mjs``)."""
        return {"name": self.name, **copy.deepcopy(dict(self.server))}


def variant_names() -> list[str]:
    """Names of the variants that have a file in ``fixtures/reference_target/variants/``."""
    return sorted(p.stem for p in VARIANTS_DIR.glob("*.yaml"))


def _fail(path: Path, message: str) -> ValueError:
    return ValueError(f"{path}: {message}")


def load_variant(name: str) -> Variant:
    """Read and validate the variant ``name``.

    Raises:
        ValueError: no such variant, or its file is malformed.
    """
    path = VARIANTS_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ValueError(f"unknown reference target variant {name!r}; known: {', '.join(variant_names())}")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise _fail(path, "expected a mapping")
    unknown = set(raw) - {"description", "variations", "server", "client_keys", "profile"}
    if unknown:
        raise _fail(path, f"unknown top-level keys {sorted(unknown)}")
    try:
        variations = tuple(Variation(**v) for v in raw.get("variations") or ())
    except TypeError as exc:
        raise _fail(path, f"a variation has exactly 'variation', 'permitted_by' and 'quote' ({exc})") from exc
    if not variations:
        raise _fail(path, "a variant lists at least one variation")
    server = raw.get("server") or {}
    if not isinstance(server, dict):
        raise _fail(path, "'server' must be a mapping")
    bad = set(server.get("behaviours", ())) - BEHAVIOURS
    if bad:
        raise _fail(path, f"unknown behaviours {sorted(bad)}; known: {sorted(BEHAVIOURS)}")
    keys: dict[str, tuple[tuple[str, str], ...]] = {}
    for client_id, entries in (raw.get("client_keys") or {}).items():
        pairs = tuple((str(kind), str(alg)) for kind, alg in entries)
        for kind, alg in pairs:
            if kind not in KEY_KINDS or alg not in KEY_ALGS[kind]:
                raise _fail(path, f"client_keys.{client_id}: {kind}/{alg} is not a supported key and alg")
        keys[str(client_id)] = pairs
    known = {spec.client_id for spec in CLIENTS}
    named = set(keys) | set(server.get("clients") or {}) | set(server.get("fapi2_clients") or ())
    if named - known:
        raise _fail(path, f"names clients the reference target does not register: {sorted(named - known)}")
    profile = raw.get("profile") or {}
    if not isinstance(profile, dict):
        raise _fail(path, "'profile' must be a mapping")
    return Variant(name=name, description=str(raw.get("description", "")).strip(), variations=variations,
                   server=server, client_keys=keys, profile=profile, path=path)


def _merge(base: Any, patch: Any) -> Any:
    """Deep merge: mappings member by member, a ``None`` patch value removes the member, anything else replaces."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge(base.get(key), value)
    return out


def merge_profile(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The base profile with a variant's ``profile`` changes applied (``clients`` keyed by id).

    Raises:
        ValueError: the changes name a client the base profile does not have (use a full entry with ``id``
            under ``add_clients`` for a new one).
    """
    patch = dict(changes)
    client_patches: dict[str, Any] = dict(patch.pop("clients", None) or {})
    added: list[dict[str, Any]] = list(patch.pop("add_clients", None) or [])
    merged: dict[str, Any] = _merge(dict(base), patch)
    clients: list[dict[str, Any]] = []
    for client in base.get("clients", []):
        client_id = client["id"]
        if client_id in client_patches:
            change = client_patches.pop(client_id)
            if change is None:
                continue
            client = _merge(client, change)
        clients.append(client)
    if client_patches:
        raise ValueError(f"the variant changes clients the base profile does not have: {sorted(client_patches)}")
    merged["clients"] = clients + added
    return merged


def write_profile(variant: Variant, directory: Path) -> Path:
    """Write ``directory/profile.yaml``: the base profile with the variant's changes.

    ``deviations_file`` is made absolute (the base one lives next to ``profile.yaml``).
    """
    base = yaml.safe_load(PROFILE_PATH.read_text(encoding="utf-8"))
    merged = merge_profile(base, variant.profile)
    deviations = merged.get("deviations_file")
    if isinstance(deviations, str) and not Path(deviations).is_absolute():
        merged["deviations_file"] = str((PROFILE_PATH.parent / deviations).resolve())
    header = (f"# Generated by the reference target launcher: {PROFILE_PATH.name} with the changes of\n"
              f"# {variant.path} (variant {variant.name!r}).\n")
    target = directory / "profile.yaml"
    target.write_text(header + yaml.safe_dump(merged, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target
