"""Every requirement ID literal in the project's sources, with where it is cited.

``python tests/specs/catalogue_scan.py`` lists the cited IDs missing from the catalogue
(``--all`` lists every cited ID with its call sites).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("harness", "suites", "examples")
_PREFIXES = r"RFC\d{4}|OIDCC|OIDCD|OIDCR|JARM|CIBA|FAPI2SP|FAPI2MS|FAPI1ADV|FAPICIBA|OAUTHMR|DOC|ORGPOL"
_LITERAL = re.compile(rf"""["'](?P<id>(?:{_PREFIXES})-[A-Za-z0-9_.\-]+)["']""")


def cited_ids() -> dict[str, list[str]]:
    """ID -> ``path:line`` of every literal citing it."""
    found: dict[str, list[str]] = {}
    for base in SOURCES:
        for path in sorted((ROOT / base).rglob("*.py")):
            if ".venv" in path.parts or "node_modules" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for match in _LITERAL.finditer(line):
                    found.setdefault(match.group("id"), []).append(f"{path.relative_to(ROOT)}:{number}")
    return found


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from harness.registry import all_suites
    from harness.specs.catalogue import catalogue

    all_suites()  # suite plugins register their own requirements
    known = catalogue()
    cited = cited_ids()
    show_all = "--all" in sys.argv
    missing = 0
    for rid in sorted(cited):
        if show_all or rid not in known:
            flag = "" if rid in known else "MISSING "
            missing += rid not in known
            print(f"{flag}{rid}: {', '.join(cited[rid][:6])}{' …' if len(cited[rid]) > 6 else ''}")  # noqa: T201
    print(f"{len(cited)} cited, {missing} missing from the catalogue", file=sys.stderr)  # noqa: T201
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
