"""`maxworks init`."""

from __future__ import annotations

from pathlib import Path

import click

from engine.api import Api


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--project", required=True, help="MaxCompute project name (standard mode adds NAME_dev)."
)
@click.option(
    "--mode",
    type=click.Choice(["standard", "basic"]),
    default="standard",
    show_default=True,
    help="standard: dev + prod projects, deploy to go live; basic: one project, commit is live.",
)
@click.option(
    "--timezone", default="Asia/Shanghai", show_default=True, help="Time zone of all schedule math."
)
def init(directory: Path, project: str, mode: str, timezone: str) -> None:
    """Create a workspace in DIRECTORY (refuses if one is already there)."""
    ws = Api.init_workspace(directory, project=project, mode=mode, timezone=timezone)
    cfg = ws.config
    envs = (
        f"dev {cfg.projects.dev}, prod {cfg.projects.prod}"
        if cfg.projects.dev
        else f"prod {cfg.projects.prod}"
    )
    click.echo(f"Created workspace {cfg.name} in {ws.root}")
    click.echo(f"  mode {cfg.mode} ({envs}), engine {cfg.engine}, time zone {cfg.timezone}")
    click.echo(f'Next: maxworks -w {directory} sql -e "SELECT 1"')
