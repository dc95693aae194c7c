"""`maxworks node create|list|show`: DataStudio nodes in the working copy."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime, time
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from engine.cli import workspace_option
from engine.errors import MaxworksError

if TYPE_CHECKING:
    from engine.studio.service import NodeDetail, NodeStatus

TYPE_NAMES = (
    "odps_sql",
    "sql",
    "odps_script",
    "shell",
    "virtual",
    "assignment",
    "branch",
    "merge",
    "pyodps3",
)
CYCLE_NAMES = ("minute", "hour", "day", "week", "month", "year", "minutely", "hourly", "daily", "weekly", "monthly", "yearly")  # fmt: skip


def _clock(ctx: click.Context, param: click.Parameter, value: str | None) -> time | None:
    if value is None:
        return None
    try:
        hh, mm = value.split(":")
        return time(int(hh), int(mm))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a time of day HH:MM", ctx=ctx, param=param
        ) from None


def _csv(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


@click.group()
def node() -> None:
    """Create, list and show DataStudio nodes (files under workflows/)."""


@node.command()
@click.argument("name")
@click.option("--workflow", "-W", required=True, help="Workflow (folder under workflows/).")
@click.option("--type", "node_type", required=True, type=click.Choice(TYPE_NAMES, case_sensitive=False), help="Node type (sql = odps_sql).")  # fmt: skip
@click.option("--file", "-f", "code_file", type=click.Path(dir_okay=False, path_type=Path), help="Take the node's code from this file.")  # fmt: skip
@click.option("--cron", help="DataWorks cron, e.g. '00 30 00 * * ?' (ss mi hh dd MM week).")
@click.option("--cycle", type=click.Choice(CYCLE_NAMES, case_sensitive=False), help="Schedule by form instead of --cron.")  # fmt: skip
@click.option("--at", callback=_clock, help="Time of day HH:MM (day/week/month/year cycles).")
@click.option("--interval", type=click.IntRange(1, 59), help="Minutes (minute cycle) or hours (hour cycle) between runs.")  # fmt: skip
@click.option("--start", callback=_clock, help="Window start HH:MM (minute/hour cycles, default 00:00).")  # fmt: skip
@click.option("--end", callback=_clock, help="Window end HH:MM (minute/hour cycles, default 23:59).")  # fmt: skip
@click.option("--weekdays", help="Week cycle: days, 1=Monday .. 7=Sunday or MON..SUN, e.g. 1,4.")
@click.option("--monthdays", help="Month/year cycle: days of month, L = last day, e.g. 1,L.")
@click.option("--months", help="Year cycle: months 1-12 or JAN..DEC, e.g. 1,4,7,10.")
@click.option("--depends", help="Upstream nodes (or output names project.table), comma-separated.")
@click.option("-p", "--param", "params", multiple=True, help="Scheduling parameter name=expression, e.g. -p bizdate=$bizdate.")  # fmt: skip
@click.option("--description", default="", help="What the node does.")
@click.pass_context
def create(
    ctx: click.Context,
    name: str,
    workflow: str,
    node_type: str,
    code_file: Path | None,
    cron: str | None,
    cycle: str | None,
    at: time | None,
    interval: int | None,
    start: time | None,
    end: time | None,
    weekdays: str | None,
    monthdays: str | None,
    months: str | None,
    depends: str | None,
    params: tuple[str, ...],
    description: str,
) -> None:
    """Create node NAME: writes workflows/WORKFLOW/NAME.toml (and its code file)."""
    from engine.api import Api

    if cron and cycle:
        raise click.UsageError("give --cron or --cycle, not both")
    form = {
        "--at": at,
        "--interval": interval,
        "--start": start,
        "--end": end,
        "--weekdays": weekdays,
    }
    form |= {"--monthdays": monthdays, "--months": months}
    if cycle is None and any(v is not None for v in form.values()):
        used = next(k for k, v in form.items() if v is not None)
        raise click.UsageError(f"{used} describes a --cycle schedule; add --cycle")
    studio = Api.open(workspace_option(ctx)).studio
    draft = studio.create_node(
        name, workflow, node_type, code=code_file, cron=cron, cycle=cycle, at=at,
        interval=interval, start=start, end=end, weekdays=_csv(weekdays),
        monthdays=_csv(monthdays), months=_csv(months), depends=_csv(depends),
        params=list(params), description=description,
    )  # fmt: skip
    from engine.scheduler.cron import parse_cron

    where = Path("workflows") / draft.workflow / f"{draft.name}.toml"
    suffix = draft.type.code_suffix
    click.echo(
        f"Created node {draft.name} ({draft.type.value}, {parse_cron(draft.schedule.cron).describe()})"
    )
    click.echo(f"  config {where}" + (f", code {where.with_suffix(suffix)}" if suffix else ""))
    click.echo(f'Next: edit it, then `maxworks commit {draft.name} -m "..."`')


@node.command(name="list")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def list_(ctx: click.Context, fmt: str) -> None:
    """List the nodes of the working copy with their commit and deploy status."""
    from engine.api import Api

    rows = Api.open(workspace_option(ctx)).studio.list_nodes()
    if fmt == "json":
        _write_json([_status_json(s) for s in rows])
        return
    if not rows:
        click.echo(
            "No nodes yet: create one with `maxworks node create NAME --workflow W --type sql`"
        )
        return
    header = ("NODE", "WORKFLOW", "TYPE", "SCHEDULE", "STATUS", "VERSION", "DEPLOYED", "OWNER")
    body = [
        (s.name, s.workflow, s.type, _describe(s.cron), s.status, _v(s.version), _v(s.deployed_version), s.owner)
        for s in rows
    ]  # fmt: skip
    click.echo(columns(header, body))
    for s in rows:
        if s.error:
            click.echo(f"error: {s.error}", err=True)


@node.command()
@click.argument("name")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def show(ctx: click.Context, name: str, fmt: str) -> None:
    """Show a node: schedule, dependencies, upstream/downstream, versions and status."""
    from engine.api import Api

    detail = Api.open(workspace_option(ctx)).studio.show_node(name)
    if fmt == "json":
        _write_json(_detail_json(detail))
        return
    s, d = detail.status, detail.draft
    lines = [f"{s.name}  ({s.type}, workflow {s.workflow}, node id {_v(s.node_id)})"]
    lines.append(
        f"status      {s.status} (committed {_v(s.version)}, deployed {_v(s.deployed_version)})"
    )
    if s.cron:
        lines.append(f"schedule    {s.cron}  {_describe(s.cron)}")
    if detail.config_path is not None:
        paths = [detail.config_path, *([detail.code_path] if detail.code_path else [])]
        lines.append("files       " + ", ".join(str(p) for p in paths))
    if d is not None:
        if d.description:
            lines.append(f"description {d.description}")
        lines.append("params      " + (" ".join(f"{k}={v}" for k, v in d.params) or "-"))
        lines.append(f"auto-parse  {'on' if d.auto_parse else 'off'}")
    lines += [
        "inputs      " + (", ".join(detail.inputs) or "-"),
        "outputs     " + (", ".join(detail.outputs) or "-"),
        "upstream    " + (", ".join(detail.upstream) or "-"),
        "downstream  " + (", ".join(detail.downstream) or "-"),
    ]
    if detail.invalid_inputs:
        lines.append("no producer " + ", ".join(detail.invalid_inputs) + "  (invalid dependencies)")
    lines.append("versions" + ("" if detail.versions else "    -"))
    for v in detail.versions[:10]:
        mark = "  (deployed)" if v.deployed else ""
        when = v.committed_at.strftime("%Y-%m-%d %H:%M")
        lines.append(f"  v{v.version:<4} {v.change:<7} {when}  {v.committed_by}  {v.message}{mark}")
    if len(detail.versions) > 10:
        lines.append(f"  ... {len(detail.versions) - 10} more: `maxworks versions {s.name}`")
    click.echo("\n".join(lines))
    for warning in detail.warnings:
        click.echo(f"warning: {warning}", err=True)


def columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Plain aligned columns: nothing truncated or wrapped, so it pipes into grep and awk."""
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    return "\n".join(
        "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    )


def _describe(cron: str) -> str:
    from engine.errors import ConfigError
    from engine.scheduler.cron import parse_cron

    try:
        return parse_cron(cron).describe() if cron else ""
    except ConfigError:
        return cron


def _v(value: int | None) -> str:
    return "-" if value is None else str(value)


def _status_json(s: NodeStatus) -> dict[str, Any]:
    return {**asdict(s), "uncommitted": s.uncommitted, "undeployed": s.undeployed}


def _detail_json(d: NodeDetail) -> dict[str, Any]:
    return {
        **_status_json(d.status),
        "config_path": str(d.config_path) if d.config_path else None,
        "code_path": str(d.code_path) if d.code_path else None,
        "spec": _plain(asdict(d.draft)) if d.draft else None,
        "parsed": _plain(asdict(d.parsed)) if d.parsed else None,
        "inputs": list(d.inputs),
        "outputs": list(d.outputs),
        "upstream": list(d.upstream),
        "downstream": list(d.downstream),
        "invalid_inputs": list(d.invalid_inputs),
        "versions": [
            {k: _plain(v) for k, v in asdict(x).items() if k != "spec"} for x in d.versions
        ],
        "warnings": list(d.warnings),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _write_json(value: Any) -> None:
    click.echo(json.dumps(_plain(value), ensure_ascii=False, indent=2))


# -- running and operating nodes ---------------------------------------------------------------
def _api(ctx: click.Context) -> Any:
    from engine.api import Api

    return Api.open(workspace_option(ctx))


@node.command()
@click.argument("name")
@click.option(
    "--bizdate", help="Business date YYYYMMDD (default: yesterday in the workspace time zone)."
)
@click.option("-p", "--param", "params", multiple=True, help="Run with parameters: name=value (value may be an expression).")  # fmt: skip
@click.option("--deployed", is_flag=True, help="Test the deployed version in production (Operation Center's test run) instead of the working copy.")  # fmt: skip
@click.pass_context
def run(
    ctx: click.Context, name: str, bizdate: str | None, params: tuple[str, ...], deployed: bool
) -> None:
    """Run a node: a test instance on the scheduler (the working copy against dev: DataStudio's
    Run, not billed; with --deployed, the production version), then print its log."""
    from datetime import timedelta

    from engine.params.context import parse_bizdate
    from engine.scheduler.model import DagType, State

    overrides: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not name=value", param_hint="-p")
        overrides[key] = value
    api = _api(ctx)
    day = parse_bizdate(bizdate) if bizdate else api.clock().date() - timedelta(days=1)
    iid = api.ops.test_run(name, day, working_copy=not deployed, params=overrides or None)
    info = api.ops.instance(iid)
    click.echo(
        f"test instance {iid} of {name} for bizdate {info.bizdate} ({'production' if deployed else 'working copy, dev'})",
        err=True,
    )
    (done,) = api.ops.wait([iid], scope=(int(DagType.SMOKE_TEST), info.dag_id))
    _, log = api.ops.log(iid)
    click.echo(log, nl=False)
    if done.state != State.SUCCESS:
        raise MaxworksError(f"{name} failed: {done.error or done.status_label}")


@node.command()
@click.argument("name")
@click.pass_context
def freeze(ctx: click.Context, name: str) -> None:
    """Freeze (pause) a deployed node: instances generated from now on are frozen and block their
    descendants; today's instances still run."""
    _api(ctx).ops.freeze_node(name, True)
    click.echo(f"froze {name}")


@node.command()
@click.argument("name")
@click.pass_context
def unfreeze(ctx: click.Context, name: str) -> None:
    """Unfreeze a deployed node."""
    _api(ctx).ops.freeze_node(name, False)
    click.echo(f"unfroze {name}")
