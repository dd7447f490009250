"""The vendor README's table of stated settings matches the vendor profiles and the check table (issue 21).

``fixtures/vendor_profiles/README.md`` § "Stated settings and the checks that verify them" lists
every documented setting the PingFederate, PingAM and Keycloak profiles state with the ids of the
checks that verify it; this test recomputes the rows from the profiles and
``harness.documented_settings.VERIFIED_BY`` and compares.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from harness.documented_settings import VERIFIED_BY

VENDOR = Path(__file__).resolve().parents[1] / "fixtures" / "vendor_profiles"
PROFILES = {"PingFederate": "pingfederate.yaml", "PingAM": "pingam.yaml", "Keycloak": "keycloak.yaml"}
ENCRYPTION = {"encryption", "jarm_encryption", "id_token_encryption", "introspection_encryption",
              "userinfo_encryption", "request_object_encryption"}


def _stated(data: dict[str, Any]) -> set[str]:
    keys: set[str] = set()

    def walk(node: dict[str, Any], prefix: str) -> None:
        for name, value in node.items():
            key = f"{prefix}{name}"
            if name == "resources" and isinstance(value, list):
                for resource in value:
                    walk(resource, prefix + "resources[].")
            elif isinstance(value, dict) and key not in VERIFIED_BY and name not in ENCRYPTION:
                walk(value, key + ".")
            else:
                keys.add(key)

    walk(data.get("documented") or {}, "documented.")
    for client in data.get("clients") or []:
        walk(client.get("documented") or {}, "clients[].documented.")
    return keys


def _expected_rows() -> dict[str, tuple[str, str]]:
    by_key: dict[str, list[str]] = {}
    for product, name in PROFILES.items():
        data = yaml.safe_load((VENDOR / name).read_text().replace("${", "$_{"))
        for key in _stated(data):
            by_key.setdefault(key, []).append(product)
    return {key: (", ".join(products), ", ".join(f"`{c}`" for c in VERIFIED_BY.get(key, ())))
            for key, products in by_key.items()}


def _readme_rows() -> dict[str, tuple[str, str]]:
    text = (VENDOR / "README.md").read_text()
    section = text.split("## Stated settings and the checks that verify them", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for match in re.finditer(r"^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \|$", section, re.M):
        rows[match.group(1)] = (match.group(2).strip(), match.group(3).strip())
    return rows


def test_readme_lists_every_stated_setting_with_its_checks() -> None:
    expected = _expected_rows()
    assert all(checks for _, checks in expected.values()), "a vendor profile states a setting no check reads"
    assert _readme_rows() == expected
