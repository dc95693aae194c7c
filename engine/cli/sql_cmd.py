"""`maxworks sql`: run an ODPS SQL script for a business date and print its last result."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from engine.cli import workspace_option
from engine.errors import MaxworksError

if TYPE_CHECKING:
    from engine.api import Api


def _param(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", ctx=ctx, param=param)
        out[name] = value
    return out


@click.command()
@click.option("-e", "--execute", "text", help="SQL text to run.")
@click.option(
    "-f",
    "--file",
    "file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQL file to run ('-' for stdin).",
)
@click.option(
    "--env",
    type=click.Choice(["dev", "prod"]),
    help="Environment (default: dev in standard mode, prod in basic).",
)
@click.option(
    "--bizdate", help="Business date YYYYMMDD (default: yesterday in the workspace time zone)."
)
@click.option("--cyctime", help="Scheduled time YYYYMMDDHHMISS (instead of --bizdate).")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    callback=_param,
    help="NAME=VALUE for ${NAME} (VALUE may be an expression like $[yyyymmdd-1]).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--engine",
    type=click.Choice(["local", "maxcompute"]),
    help="Run on this engine instead of the workspace's (this command only).",
)
@click.option(
    "--limit",
    type=click.IntRange(1, 1_000_000),
    default=10_000,
    show_default=True,
    help="Rows to fetch from the last query.",
)
@click.option(
    "--estimate",
    is_flag=True,
    help="Print what the script would read (a dry run: no data read) and stop.",
)
@click.option(
    "--max-read",
    "max_read",
    callback=lambda _c, _p, v: _size(v),
    help="Ask before running a script estimated to read more than this (e.g. 500M, 2G); "
    "default 1G on MaxCompute, no limit on the local engine.",
)
@click.option("-y", "--yes", is_flag=True, help="Run even above --max-read, without asking.")
@click.pass_context
def sql(
    ctx: click.Context,
    text: str | None,
    file: Path | None,
    env: str | None,
    bizdate: str | None,
    cyctime: str | None,
    params: dict[str, str],
    fmt: str,
    engine: str | None,
    limit: int,
    estimate: bool,
    max_read: int | None,
    yes: bool,
) -> None:
    """Run a script and print the result of its last query.

    DDL and DML print what they did; errors go to stderr with a non-zero exit, and a failing
    statement writes nothing (the statements before it stay done).
    """
    from engine.api import Api
    from engine.cli import output
    from engine.params.context import parse_bizdate, parse_cyctime

    if (text is None) == (file is None):
        raise click.UsageError("give exactly one of -e SQL or -f FILE")
    if bizdate and cyctime:
        raise click.UsageError("give --bizdate or --cyctime, not both")
    script = text if text is not None else _read(file)  # type: ignore[arg-type]
    api = Api.open(workspace_option(ctx))
    _check_cost(
        api, script, env, bizdate, params, engine, estimate=estimate, max_read=max_read, yes=yes
    )
    if estimate:
        return
    run = api.run_sql(
        script,
        env=env,  # type: ignore[arg-type]
        bizdate=parse_bizdate(bizdate) if bizdate else None,
        cyctime=parse_cyctime(cyctime) if cyctime else None,
        params=params,
        limit=limit,
        engine=engine,
    )
    result = run.result
    last = result.last_query
    for stmt in result.statements:
        if stmt.error is not None:
            break
        if stmt is last:
            continue
        if stmt.message and stmt.kind in ("ddl", "dml"):
            click.echo(stmt.message, err=fmt != "table")
    if last is not None:
        if fmt == "table" and last.kind == "show" and last.message and "\n" in last.message:
            click.echo(last.message)
        writer = {"table": output.write_table, "csv": output.write_csv, "json": output.write_json}[
            fmt
        ]
        writer(last, sys.stdout)
        if last.truncated:
            click.echo(f"(only the first {limit:,} rows are shown; use --limit)", err=True)
    if result.error is not None:
        raise result.error


def _size(text: str | None) -> int | None:
    from engine.studio.cost import parse_size

    if text is None:
        return None
    try:
        return parse_size(text)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


def _check_cost(
    api: Api,
    script: str,
    env: str | None,
    bizdate: str | None,
    params: dict[str, str],
    engine: str | None,
    *,
    estimate: bool,
    max_read: int | None,
    yes: bool,
) -> None:
    """The cost estimate before a run: printed with --estimate, and on MaxCompute (or with
    --max-read) a run above the limit is confirmed first — refused when nobody can answer."""
    from engine.executors.factory import engine_of
    from engine.params.context import parse_bizdate
    from engine.studio.cost import LARGE_READ_BYTES, format_bytes

    kind = engine_of(api.workspace, engine)
    limit = max_read if max_read is not None else (LARGE_READ_BYTES if kind != "local" else None)
    if not estimate and (limit is None or yes):
        return
    report = api.estimate_cost(
        script,
        env=env,  # type: ignore[arg-type]
        bizdate=parse_bizdate(bizdate) if bizdate else None,
        params=params,
        engine=engine,
    )
    if estimate:
        click.echo(f"cost estimate ({report.engine}): {report.summary()}")
        for table in report.tables:
            click.echo(f"  {table.describe()}")
        for note in report.notes:
            click.echo(f"  note: {note}")
        return
    assert limit is not None
    if not report.is_large(limit):
        return
    what = f"this script would read {report.summary()}, more than {format_bytes(limit)}"
    if not sys.stdin.isatty():
        raise MaxworksError(
            f"{what}; not run", hint="rerun with --yes to run it anyway, or raise --max-read"
        )
    if not click.confirm(f"{what}. Run it?", default=False, err=True):
        raise MaxworksError("not run")


def _read(file: Path) -> str:
    if str(file) == "-":
        return sys.stdin.read()
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MaxworksError(f"{file}: no such file") from None
    except PermissionError:
        raise MaxworksError(f"{file}: permission denied") from None
    except IsADirectoryError:
        raise MaxworksError(f"{file}: is a directory") from None
    except UnicodeDecodeError as err:
        raise MaxworksError(f"{file}: not UTF-8 text ({err.reason} at byte {err.start})") from None
