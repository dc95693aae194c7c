"""`maxworks lifecycle sweep`."""

from __future__ import annotations

import click

from engine.cli import workspace_option


@click.group()
def lifecycle() -> None:
    """Table lifecycles: reclaim data older than each table's LIFECYCLE."""


@lifecycle.command()
@click.option(
    "--now",
    "now_text",
    help="Pretend it is this time ('YYYY-MM-DD HH:MM:SS'), for tests and what-ifs.",
)
@click.option("--dry-run", is_flag=True, help="List what would be reclaimed; change nothing.")
@click.pass_context
def sweep(ctx: click.Context, now_text: str | None, dry_run: bool) -> None:
    """Drop partitions (and non-partitioned tables) not modified within their lifecycle."""
    from datetime import datetime

    from engine.api import Api

    now = None
    if now_text:
        try:
            now = datetime.strptime(now_text, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise click.BadParameter(
                f"{now_text!r} is not 'YYYY-MM-DD HH:MM:SS'", param_hint="--now"
            ) from None
    api = Api.open(workspace_option(ctx))
    reclaimed = api.lifecycle_sweep(now=now, dry_run=dry_run)
    verb = "would reclaim" if dry_run else "reclaimed"
    for r in reclaimed:
        what = f"{r.project}.{r.table}" + (
            f" partition {r.partition}" if r.partition else " (table dropped)"
        )
        click.echo(
            f"{verb} {what}: last modified {r.modified_at:%Y-%m-%d %H:%M:%S}, lifecycle {r.lifecycle_days} days, {r.rows:,} rows"
        )
    if not reclaimed:
        click.echo("nothing to reclaim")
