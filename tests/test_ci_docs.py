"""docs/ci.md: its YAML examples parse, and every oauth-harness command in them is a valid command line."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from harness.cli import build_parser
from harness.sharding import parse_shard

DOC = Path(__file__).resolve().parent.parent / "docs" / "ci.md"

SHELL_VALUES = {"${{ matrix.shard }}": "2", "${SHARDS}": "4", "$SHARDS": "4", "${CI_NODE_INDEX}": "2",
                "${CI_NODE_TOTAL}": "4", "$k": "2", "$durations": "--durations ci-state/results.json",
                "$(date -u +%Y%m%d)": "20260101"}


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def _commands() -> list[list[str]]:
    """Each ``oauth-harness ...`` command of the code blocks, continuation lines joined, variables filled in.

    A command continues on the next line after a trailing backslash (shell) or when the next line
    starts with an option (a folded YAML scalar, as in the GitLab example).
    """
    commands = []
    for block in _blocks("yaml") + _blocks("sh"):
        lines = block.splitlines()
        for number, line in enumerate(lines):
            start = line.find("oauth-harness ")
            if start < 0 or line.lstrip().startswith("#") or "image:" in line or "git+" in line:
                continue
            parts = [line[start:].rstrip()]
            for following in lines[number + 1:]:
                if parts[-1].endswith("\\"):
                    parts[-1] = parts[-1][:-1]
                elif not following.strip().startswith("--"):
                    break
                parts.append(following.strip())
            text = re.split(r";\s|\s(?:\|\||&&|2>|#)\s", " ".join(parts) + " ")[0]
            for name, value in SHELL_VALUES.items():
                text = text.replace(name, value)
            commands.append(shlex.split(text)[1:])
    return commands


def test_the_yaml_examples_parse() -> None:
    blocks = _blocks("yaml")
    assert len(blocks) >= 3
    for block in blocks:
        assert list(yaml.safe_load_all(block))


def test_every_command_of_the_examples_is_valid() -> None:
    commands = _commands()
    used = {argv[0] for argv in commands}
    assert {"run", "merge", "diff", "history"} <= used, used
    parser = build_parser()
    for argv in commands:
        args = parser.parse_args(argv)
        if getattr(args, "shard", None):
            parse_shard(args.shard)
    assert sum(1 for argv in commands if "--shard" in argv) >= 3
