"""The ``maxworks`` command line.

Commands live one group per module and are imported lazily, so ``maxworks params eval`` never
pays for DuckDB, sqlglot or pyodps. Every command talks to :mod:`engine.api`, never to the stores.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click

from engine.errors import MaxworksError

# command name -> "module:attribute"; one line per command keeps `--help` fast and complete.
COMMANDS: dict[str, str] = {
    "app": "engine.cli.app_cmd:app",
    "demo": "engine.cli.demo_cmd:demo",
    "init": "engine.cli.workspace_cmd:init",
    "sql": "engine.cli.sql_cmd:sql",
    "params": "engine.cli.params_cmd:params",
    "lifecycle": "engine.cli.lifecycle_cmd:lifecycle",
    "node": "engine.cli.node_cmd:node",
    "commit": "engine.cli.studio_cmd:commit",
    "deploy": "engine.cli.studio_cmd:deploy",
    "diff": "engine.cli.studio_cmd:diff",
    "versions": "engine.cli.studio_cmd:versions",
    "scheduler": "engine.cli.ops_cmd:scheduler",
    "instances": "engine.cli.ops_cmd:instances",
    "instance": "engine.cli.ops_cmd:instance",
    "backfill": "engine.cli.ops_cmd:backfill",
    "dag": "engine.cli.ops_cmd:dag",
    "why": "engine.cli.ops_cmd:why",
    "doctor": "engine.cli.doctor_cmd:doctor",
    "map": "engine.cli.map_cmd:map_group",
    "lineage": "engine.cli.map_cmd:lineage",
    "grant": "engine.cli.security_cmd:grant",
    "approvals": "engine.cli.security_cmd:approvals",
    "approve": "engine.cli.security_cmd:approve",
    "reject": "engine.cli.security_cmd:reject",
    "grants": "engine.cli.security_cmd:grants",
    "members": "engine.cli.security_cmd:members",
    "classify": "engine.cli.security_cmd:classify",
    "audit": "engine.cli.security_cmd:audit",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when used (or listed in --help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MaxworksError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(err.exit_code)


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "-w",
    "--workspace",
    "workspace",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Workspace directory (default: the nearest maxworks.toml at or above the current directory).",
)
@click.version_option(package_name="maxworks", prog_name="maxworks")
@click.pass_context
def main(ctx: click.Context, workspace: Path | None) -> None:
    """maxworks: a DataWorks-style data warehouse platform for MaxCompute, in the terminal.

    Without a command, opens the terminal app on the workspace (`maxworks app`).
    """
    ctx.obj = {"workspace": workspace}
    if ctx.invoked_subcommand is None:
        app = main.get_command(ctx, "app")
        assert app is not None
        ctx.invoke(app)


def workspace_option(ctx: click.Context) -> Path | None:
    """The ``-w/--workspace`` given before the command, if any."""
    root = ctx.find_root()
    obj = root.obj or {}
    value = obj.get("workspace")
    return value if isinstance(value, Path) else None
