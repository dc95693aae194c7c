"""``maxworks demo [DIR]``: build a demo workspace (once) and open the app on it.

Running it again on the same directory just opens the demo; ``--force`` rebuilds it, and refuses
for anything that is not a previous demo.
"""

from __future__ import annotations

import importlib
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

DEFAULT_DIR = "maxworks-demo"


@click.command("demo")
@click.argument(
    "directory",
    required=False,
    default=DEFAULT_DIR,
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option("--no-app", is_flag=True, help="Only build (or find) the demo and print what to try.")
@click.option(
    "--force", is_flag=True, help="Rebuild DIRECTORY from scratch (only if it holds a demo)."
)
@click.option(
    "--days",
    type=click.IntRange(1, 30),
    default=3,
    show_default=True,
    help="Business days of history to run.",
)
@click.option("--now", "now_text", hidden=True, help="Build as of 'YYYY-MM-DD HH:MM:SS' (tests).")
@click.option("--scale", type=click.FloatRange(0.01, 10.0), default=1.0, hidden=True)
@click.pass_context
def demo(
    ctx: click.Context,
    directory: Path,
    no_app: bool,
    force: bool,
    days: int,
    now_text: str | None,
    scale: float,
) -> None:
    """Create a demo workspace in DIRECTORY (default ./maxworks-demo) and open the app on it.

    The demo is a small online shop's warehouse: users, web and app access logs and orders
    generated locally; two workflows of ODPS SQL, shell, assignment, branch and merge nodes
    (ODS -> DWD -> DWS -> ADS), committed and deployed; and a few business days of history
    from really running the scheduler, with a failure that was rerun and one that is still
    open. If DIRECTORY already holds the demo, it is opened as it is.
    """
    from engine.demo import create_demo, is_demo
    from engine.errors import MaxworksError

    root = directory.absolute()
    try:
        if is_demo(root) and not force:
            click.echo(f"The demo is already in {root}; opening it as it is (--force rebuilds it).")
        else:
            if is_demo(root):
                _check_not_running(root)
            else:
                _check_target(root, force)
            now = _parse_now(now_text)
            click.echo(f"Building the demo workspace in {root} ...", err=True)
            started = time.perf_counter()
            create_demo(
                root,
                now=now,
                days=days,
                scale=scale,
                replace=force,
                progress=lambda line: click.echo(f"  {line}", err=True),
            )
            click.echo(f"Built the demo in {time.perf_counter() - started:.1f} s.")
        _describe(root)
    except MaxworksError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(err.exit_code)
    if no_app:
        _next_steps(directory)
        return
    reason = _cannot_open()
    if reason is None and _open_app(ctx, root):
        return
    if reason:
        click.echo(reason, err=True)
    _next_steps(directory)


def _check_target(root: Path, force: bool) -> None:
    from engine.errors import WorkspaceError

    if not root.exists():
        return
    if not root.is_dir():
        raise WorkspaceError(f"{root}: exists and is not a directory")
    if not any(root.iterdir()):
        return
    what = (
        "a maxworks workspace that is not a demo"
        if (root / "maxworks.toml").is_file()
        else "a directory that is not empty"
    )
    if force:
        raise WorkspaceError(
            f"{root} is {what}: --force only replaces a previous demo; nothing was changed",
            hint="choose another directory for the demo",
        )
    raise WorkspaceError(
        f"{root} is {what}; nothing was changed",
        hint="give the demo a directory of its own: `maxworks demo DIR`",
    )


def _check_not_running(root: Path) -> None:
    """A demo whose scheduler is running (the app, or `maxworks scheduler`) is not replaced."""
    from engine.api import Api
    from engine.errors import WorkspaceError

    holder = Api.open(root).ops.leader()
    if holder is not None:
        raise WorkspaceError(
            f"{root}: its scheduler is running (pid {holder.pid} on {holder.host}); nothing was changed",
            hint="stop it (quit the app or the scheduler) before rebuilding the demo",
        )


def _parse_now(text: str | None) -> datetime:
    from engine.demo.build import TIMEZONE

    if not text:
        return datetime.now(ZoneInfo(TIMEZONE)).replace(tzinfo=None, microsecond=0)
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not 'YYYY-MM-DD HH:MM:SS'", param_hint="--now"
        ) from None


def _describe(root: Path) -> None:
    """What the demo holds: tables, nodes and the state of its instances."""
    from engine.api import Api
    from engine.demo import read_marker
    from engine.ops.queries import InstanceFilter

    api = Api.open(root)
    marker = read_marker(root)
    raw_tables = marker.get("tables")
    tables: dict[str, Any] = raw_tables if isinstance(raw_tables, dict) else {}
    nodes = api.studio.list_nodes()
    flows = sorted({n.workflow for n in nodes})
    counts: dict[str, int] = {}
    reruns = 0
    after: int | None = None
    while True:
        page = api.ops.instances(InstanceFilter(), after_id=after, limit=500)
        for info in page:
            counts[info.status_label] = counts.get(info.status_label, 0) + 1
            reruns += info.run_no > 1
        if len(page) < 500:
            break
        after = page[-1].id
    cfg = api.workspace.config
    click.echo(
        f"  workspace {cfg.name}: projects {cfg.projects.prod} (prod) and {cfg.projects.dev} (dev), "
        f"time zone {cfg.timezone}"
    )
    click.echo(f"  {len(nodes)} nodes in {len(flows)} workflows: {', '.join(flows)}")
    if tables:
        total = sum(int(v) for v in tables.values())
        ods = ", ".join(
            f"{k} {int(v):,}" for k, v in sorted(tables.items()) if k.startswith("ods_")
        )
        click.echo(f"  {len(tables)} tables in {cfg.projects.prod}, {total:,} rows; sources: {ods}")
    order = ["succeeded", "failed", "not run", "dry run"]
    labels = sorted(counts, key=lambda label: (order.index(label) if label in order else 9, label))
    summary = ", ".join(f"{counts[label]} {label}" for label in labels)
    if reruns:
        summary += f"; {reruns} rerun after a failure"
    click.echo(f"  instances: {summary or 'none'}")
    modified = [n.name for n in nodes if n.uncommitted]
    if modified:
        click.echo(f"  uncommitted edits: {', '.join(modified)}")


def _next_steps(directory: Path) -> None:
    from engine.cli import COMMANDS

    w = _quote(str(directory))
    steps = [
        (f"maxworks -w {w} instances", "Operation Center: what ran, failed and was rerun"),
        (f"maxworks -w {w} node list", "DataStudio: nodes, versions, the uncommitted edit"),
        (f'maxworks -w {w} sql --env prod -e "SHOW TABLES"', "the warehouse"),
        (f"cat {_quote(str(directory / 'README.md'))}", "the story, and more to try"),
    ]
    if "app" in COMMANDS:
        steps.insert(0, (f"maxworks -w {w} app", "the terminal app"))
    width = max(len(cmd) for cmd, _ in steps)
    click.echo("Explore it:")
    for cmd, what in steps:
        click.echo(f"  {cmd.ljust(width)}  # {what}")


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _cannot_open() -> str | None:
    """Why the app cannot open here (None: it can)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return "Not a terminal, so the app was not opened."
    return None


def _open_app(ctx: click.Context, root: Path) -> bool:
    """Run ``maxworks app`` on the demo; False if the app is not available in this build."""
    try:
        module = importlib.import_module("engine.cli.app_cmd")
    except ModuleNotFoundError as err:
        if err.name == "engine.cli.app_cmd":
            click.echo("The terminal app is not part of this build yet.", err=True)
            return False
        raise
    command = getattr(module, "app", None)
    if not isinstance(command, click.Command):
        return False
    top = ctx.find_root()
    top.obj = {**(top.obj or {}), "workspace": root}
    try:
        ctx.invoke(command)
    except ModuleNotFoundError as err:
        if err.name and err.name.split(".")[0] in ("tui", "textual"):
            click.echo(f"The terminal app cannot start here ({err.name} is missing).", err=True)
            return False
        raise
    return True
