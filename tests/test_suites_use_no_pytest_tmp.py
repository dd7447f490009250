"""No check or suite fixture asks pytest for a temporary directory (``tmp_path`` and its kin).

pytest's temporary directories live in ``/tmp/pytest-of-<user>``, keep the files of the last three runs
(a check's private key among them) and, on every run that asks for one, prune the older numbered
directories there — the user's own pytest sessions' included, tens of thousands of files at times,
inside the conformance run's wall time. A check that needs a file uses ``tempfile.TemporaryDirectory``,
removed when the check ends.
"""

from __future__ import annotations

import ast

from harness.cli import SUITES_DIR

PYTEST_TEMPORARY = {"tmp_path", "tmp_path_factory", "tmpdir", "tmpdir_factory"}


def _asks_for_temporary(source: str, filename: str) -> list[str]:
    tree = ast.parse(source, filename=filename)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names = {a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]}
            found += [f"{filename}:{node.lineno} {node.name}({arg})"
                      for arg in sorted(names & PYTEST_TEMPORARY)]
        elif isinstance(node, ast.Name) and node.id in PYTEST_TEMPORARY | {"getbasetemp"}:
            found.append(f"{filename}:{node.lineno} {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in {"getbasetemp", "mktemp"}:
            found.append(f"{filename}:{node.lineno} .{node.attr}")
    return found


def test_no_suite_asks_pytest_for_a_temporary_directory() -> None:
    files = sorted(SUITES_DIR.rglob("*.py"))
    assert len(files) > 30
    assert [hit for path in files
            for hit in _asks_for_temporary(path.read_text(), str(path.relative_to(SUITES_DIR.parent)))] == []


def test_the_scan_finds_a_check_that_asks() -> None:
    source = (SUITES_DIR / "registration" / "test_registration.py").read_text()
    asking = source.replace("def test_jwks_uri_client_code_flow(target: Target, user_agent: Any)",
                            "def test_jwks_uri_client_code_flow(target: Target, user_agent: Any, tmp_path)")
    assert asking != source
    line = asking[:asking.index("tmp_path)")].count("\n") + 1
    assert _asks_for_temporary(asking, "sample.py") == [f"sample.py:{line} test_jwks_uri_client_code_flow(tmp_path)"]
    assert _asks_for_temporary("def fixture(request):\n    return request.config._tmp_path_factory.getbasetemp()\n",
                               "f.py") == ["f.py:2 .getbasetemp"]
