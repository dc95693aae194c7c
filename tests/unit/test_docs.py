"""The README stays true: every command has help and is documented; the test command is CI's."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from engine.cli import COMMANDS, main

ROOT = Path(__file__).parent.parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _all_commands() -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    ctx = click.Context(main)
    for name in COMMANDS:
        cmd = main.get_command(ctx, name)
        assert cmd is not None
        out.append((name,))
        if isinstance(cmd, click.Group):
            out.extend((name, sub) for sub in cmd.list_commands(ctx))
    return out


@pytest.mark.parametrize("path", _all_commands(), ids=" ".join)
def test_every_command_has_help_and_is_in_the_readme(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert _documented(path), f"`maxworks {' '.join(path)}` is not documented in README.md"


def _documented(path: tuple[str, ...]) -> bool:
    """`maxworks CMD` appears, or a README line names the group and the subcommand as a word
    (the command table lists alternatives: ``maxworks instance rerun|kill ID``)."""
    if f"maxworks {' '.join(path)}" in README or f"maxworks -w DIR {' '.join(path)}" in README:
        return True
    if len(path) == 2:
        group, sub = path
        word = re.compile(rf"(?<![\w-]){re.escape(sub)}(?![\w-])")
        return any(
            f"maxworks {group} " in line and word.search(line) for line in README.splitlines()
        )
    return False


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_second() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", section, re.S)
    commands = [
        line
        for block in blocks
        for line in block.splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(commands) == 2, commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1].strip() in ci
