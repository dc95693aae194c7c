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
@click.option(
    "--engine",
    type=click.Choice(["local", "maxcompute"]),
    default="local",
    show_default=True,
    help="local: embedded DuckDB warehouse; maxcompute: run on MaxCompute (needs --endpoint).",
)
@click.option(
    "--endpoint",
    help="MaxCompute endpoint, e.g. https://service.cn-shanghai.maxcompute.aliyun.com/api.",
)
@click.option(
    "--tunnel-endpoint", help="MaxCompute tunnel endpoint (default: asked of the service)."
)
@click.option("--region", help="Region id, e.g. cn-shanghai (default: from the endpoint).")
def init(
    directory: Path,
    project: str,
    mode: str,
    timezone: str,
    engine: str,
    endpoint: str | None,
    tunnel_endpoint: str | None,
    region: str | None,
) -> None:
    """Create a workspace in DIRECTORY (refuses if one is already there).

    AccessKeys never go in the workspace: see `maxworks doctor` for where they are read from.
    """
    ws = Api.init_workspace(
        directory,
        project=project,
        mode=mode,
        timezone=timezone,
        engine=engine,
        endpoint=endpoint,
        tunnel_endpoint=tunnel_endpoint,
        region=region,
    )
    cfg = ws.config
    envs = (
        f"dev {cfg.projects.dev}, prod {cfg.projects.prod}"
        if cfg.projects.dev
        else f"prod {cfg.projects.prod}"
    )
    click.echo(f"Created workspace {cfg.name} in {ws.root}")
    click.echo(f"  mode {cfg.mode} ({envs}), engine {cfg.engine}, time zone {cfg.timezone}")
    if cfg.maxcompute is not None:
        click.echo(f"  MaxCompute endpoint {cfg.maxcompute.endpoint}")
        click.echo(
            f"Next: maxworks -w {directory} doctor   (checks credentials and project access)"
        )
    else:
        click.echo(f'Next: maxworks -w {directory} sql -e "SELECT 1"')
