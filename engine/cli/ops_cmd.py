"""Operation Center on the command line: the scheduler, instances, backfill, DAG, diagnosis."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta
from typing import Any

import click

from engine.cli import workspace_option


def _api(ctx: click.Context) -> Any:
    from engine.api import Api

    return Api.open(workspace_option(ctx))


def _date(text: str, what: str) -> date:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date YYYYMMDD", param_hint=what) from None


# -- scheduler ---------------------------------------------------------------------------------------
@click.command()
@click.option(
    "--until-idle",
    is_flag=True,
    help="Run simulated time until nothing is left to do, without sleeping.",
)
@click.option(
    "--now",
    "now_text",
    help="Simulated start 'YYYY-MM-DD HH:MM:SS' (with --until-idle; default: now).",
)
@click.option(
    "--days",
    type=click.IntRange(0, 3650),
    default=0,
    help="With --until-idle: also simulate N more days.",
)
@click.pass_context
def scheduler(ctx: click.Context, until_idle: bool, now_text: str | None, days: int) -> None:
    """Run the scheduler loop as this workspace's leader (Ctrl+C stops it).

    With --until-idle, time is simulated: the loop jumps from event to event (scheduled times,
    retries, the daily generation) and only waits for work that really runs.
    """
    from engine.scheduler.loop import NotLeader

    api = _api(ctx)
    if now_text and not until_idle:
        raise click.UsageError(
            "--now needs --until-idle (the real scheduler runs on the real clock)"
        )
    start = api.clock()
    if now_text:
        try:
            start = datetime.strptime(now_text, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise click.BadParameter(
                f"{now_text!r} is not 'YYYY-MM-DD HH:MM:SS'", param_hint="--now"
            ) from None
    sched = api.ops.scheduler()
    try:
        sched.start(start if until_idle else None)
    except NotLeader as err:
        sched.stop()
        raise err
    try:
        if until_idle:
            end = sched.run_until_idle(start, until=start + timedelta(days=days) if days else None)
            counts = sched.db.conn.execute(
                "SELECT state, count(*) FROM instances GROUP BY state"
            ).fetchall()
            from engine.scheduler.model import State

            summary = (
                ", ".join(f"{n} {State(s).label}" for s, n in sorted(counts)) or "no instances"
            )
            click.echo(f"idle at {end:%Y-%m-%d %H:%M:%S}: {summary}")
        else:
            click.echo(
                f"scheduler running for {api.workspace.root} (leader {sched.holder}); Ctrl+C to stop",
                err=True,
            )
            try:
                sched.run_forever()
            except KeyboardInterrupt:
                click.echo("stopping", err=True)
    finally:
        sched.stop()


# -- instances -----------------------------------------------------------------------------------------
STATES = {
    "not_run": 1, "notrun": 1, "waiting": 2, "wait_time": 2, "wait_resource": 3, "running": 4,
    "failed": 5, "failure": 5, "succeeded": 6, "success": 6,
}  # fmt: skip


@click.command()
@click.option("--bizdate", help="Business date YYYYMMDD.")
@click.option("--status", type=click.Choice(sorted(STATES)), help="Only instances in this state.")
@click.option("--node", help="Node name (a trailing * matches a prefix).")
@click.option("--backfill", "backfill_id", type=int, help="Only the instances of this backfill.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--after", type=int, help="Page: instances with an id below this one.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def instances(
    ctx: click.Context,
    bizdate: str | None,
    status: str | None,
    node: str | None,
    backfill_id: int | None,
    limit: int,
    after: int | None,
    fmt: str,
) -> None:
    """List instances, newest first (keyset-paged: --after ID for the next page)."""
    from engine.ops.queries import InstanceFilter
    from engine.scheduler.model import DagType, State

    if bizdate:
        _date(bizdate, "--bizdate")
    flt = InstanceFilter(
        bizdate=bizdate,
        state=State(STATES[status]) if status else None,
        node=node,
        dag_type=DagType.BACKFILL if backfill_id is not None else None,
        dag_id=backfill_id,
    )
    rows = _api(ctx).ops.instances(flt, after_id=after, limit=limit)
    if fmt == "json":
        click.echo(
            json.dumps([r.to_dict() for r in rows], indent=2, ensure_ascii=False, default=str)
        )
        return
    from engine.cli.node_cmd import columns

    kinds = {"normal": "cycle", "smoke_test": "test", "backfill": "backfill", "manual": "manual"}
    body = [
        [str(r.id), r.node_name, kinds.get(r.dag_type.name.lower(), r.dag_type.name.lower()), r.bizdate,
         r.cyctime[:16], r.status_label, str(r.run_no), (r.finished_at or "")[:19]]
        for r in rows
    ]  # fmt: skip
    click.echo(
        columns(["ID", "NODE", "KIND", "BIZDATE", "SCHEDULED", "STATUS", "RUN", "FINISHED"], body)
    )
    if len(rows) == limit:
        click.echo(f"(more: --after {rows[-1].id})", err=True)


@click.group()
def instance() -> None:
    """Show and operate one instance (or several: IDs are space-separated)."""


@instance.command("show")
@click.argument("iid", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def instance_show(ctx: click.Context, iid: int, fmt: str) -> None:
    """Details of an instance."""
    info = _api(ctx).ops.instance(iid)
    if fmt == "json":
        click.echo(json.dumps(info.to_dict(), indent=2, ensure_ascii=False, default=str))
        return
    d = info.to_dict()
    for key in ("id", "node_name", "node_type", "dag_type", "env", "bizdate", "cyctime", "status", "run_no",
                "priority", "resource_group", "created_at", "wait_time_at", "wait_res_at", "started_at", "finished_at",
                "retries_left", "next_try_at", "error"):  # fmt: skip
        if d.get(key) not in (None, ""):
            click.echo(f"{key:>15}: {d[key]}")
    if info.params:
        click.echo(
            f"{'params':>15}: "
            + " ".join(f"{k}={v}" for k, v in info.params.items() if not k.startswith("bdp."))
        )


@instance.command("log")
@click.argument("iid", type=int)
@click.option("--run", "run_no", type=int, help="Run number (default: the latest).")
@click.pass_context
def instance_log(ctx: click.Context, iid: int, run_no: int | None) -> None:
    """The log of an instance's run (readable while it runs)."""
    path, text = _api(ctx).ops.log(iid, run_no)
    if path is None:
        click.echo(text, err=True)
        sys.exit(1)
    click.echo(text, nl=False)


def _op(
    name: str, help_text: str, method: str, *, single: bool = False, **extra: Any
) -> click.Command:
    @click.pass_context
    def cmd(ctx: click.Context, ids: tuple[int, ...]) -> None:
        ops = _api(ctx).ops
        if single and len(ids) != 1:
            raise click.UsageError(f"{name} takes one instance")
        done = getattr(ops, method)(ids[0] if single else list(ids), **extra)
        click.echo(f"{name}: {', '.join(map(str, done)) if done else 'nothing to do'}")

    cmd.__doc__ = help_text
    return click.command(name)(click.argument("ids", type=int, nargs=-1, required=True)(cmd))


instance.add_command(
    _op("rerun", "Rerun finished instances (subject to the node's rerun property).", "rerun")
)
instance.add_command(
    _op(
        "rerun-downstream",
        "Rerun an instance and its finished descendants.",
        "rerun_downstream",
        single=True,
    )
)
instance.add_command(
    _op(
        "set-success",
        "Mark failed or waiting instances successful so descendants proceed.",
        "set_success",
    )
)
instance.add_command(_op("kill", "Stop running or waiting instances (they fail).", "kill"))
instance.add_command(
    _op(
        "freeze",
        "Freeze instances that have not started (they and their descendants wait).",
        "freeze",
    )
)
instance.add_command(_op("unfreeze", "Unfreeze instances.", "freeze", frozen=False))
instance.add_command(
    _op(
        "remove-deps",
        "Drop all upstream dependencies of a waiting instance (emergency).",
        "remove_upstream",
        single=True,
    )
)


# -- backfill --------------------------------------------------------------------------------------------
@click.command()
@click.argument("node")
@click.option("--from", "from_", required=True, help="First business date YYYYMMDD.")
@click.option("--to", "to", required=True, help="Last business date YYYYMMDD.")
@click.option(
    "--range", "extra_ranges", multiple=True, help="Another range FROM-TO (YYYYMMDD-YYYYMMDD)."
)
@click.option("--downstream", is_flag=True, help="Also run the node's descendants.")
@click.option("--include", help="Only these descendants (comma-separated).")
@click.option("--exclude", help="Descendants to dry-run (comma-separated).")
@click.option(
    "--parallel",
    type=click.IntRange(1, 10),
    default=1,
    show_default=True,
    help="Parallel groups of dates.",
)
@click.option("--desc", is_flag=True, help="Newest business date first.")
@click.option("--preview", is_flag=True, help="Show the instances it would create; create nothing.")
@click.option(
    "--wait",
    is_flag=True,
    help="Wait for the backfill to finish (leading the scheduler if none runs).",
)
@click.pass_context
def backfill(
    ctx: click.Context,
    node: str,
    from_: str,
    to: str,
    extra_ranges: tuple[str, ...],
    downstream: bool,
    include: str | None,
    exclude: str | None,
    parallel: int,
    desc: bool,
    preview: bool,
    wait: bool,
) -> None:
    """Backfill data: run NODE (and chosen descendants) for past business dates."""
    from engine.scheduler.model import DagType

    ranges = [(_date(from_, "--from"), _date(to, "--to"))]
    for r in extra_ranges:
        lo, sep, hi = r.partition("-")
        if not sep:
            raise click.BadParameter(f"{r!r} is not FROM-TO", param_hint="--range")
        ranges.append((_date(lo, "--range"), _date(hi, "--range")))
    api = _api(ctx)
    run = api.ops.backfill(
        node, ranges, downstream=downstream,
        include=[n for n in (include or "").split(",") if n], exclude=[n for n in (exclude or "").split(",") if n],
        parallel=parallel, descending=desc, preview=preview,
    )  # fmt: skip
    verb = "would create" if preview else "created"
    click.echo(
        f"backfill {run.name}{'' if preview else f' (id {run.id})'}: {verb} {len(run.instance_ids)} instances of "
        f"{', '.join(run.nodes)} for {len(run.bizdates)} business date(s) "
        f"{min(run.bizdates):%Y%m%d}..{max(run.bizdates):%Y%m%d}"
        + (f"; dry-run: {', '.join(run.excluded)}" if run.excluded else "")
    )
    if preview or not wait:
        return
    infos = api.ops.wait(list(run.instance_ids), scope=(int(DagType.BACKFILL), run.id))
    failed = [i for i in infos if i.state.name == "FAILURE"]
    blocked = [i for i in infos if not i.state.finished]
    succeeded = len(infos) - len(failed) - len(blocked)
    summary = f"{succeeded} succeeded, {len(failed)} failed"
    click.echo(
        f"backfill {run.id} {'stopped' if blocked else 'finished'}: {summary}"
        + (f", {len(blocked)} blocked by them" if blocked else "")
    )
    for i in failed[:10]:
        click.echo(f"  {i.id} {i.node_name} {i.bizdate}: {i.error}", err=True)
    if failed or blocked:
        sys.exit(1)


# -- DAG and diagnosis ------------------------------------------------------------------------------------
@click.command()
@click.argument("target")
@click.option("--up", type=click.IntRange(0, 100), default=2, show_default=True)
@click.option("--down", type=click.IntRange(0, 100), default=2, show_default=True)
@click.pass_context
def dag(ctx: click.Context, target: str, up: int, down: int) -> None:
    """The DAG around a deployed NODE, or around an INSTANCE (by id) with states
    (┄ marks a previous-cycle dependency)."""
    if not target.isdigit():
        ups_n, downs_n = _api(ctx).ops.node_dag(target, up=up, down=down)
        for depth, name in reversed(ups_n):
            click.echo(f"{'    ' * (depth - 1)}↑─ {name}")
        click.echo(f"● {target}")
        for depth, name in downs_n:
            click.echo(f"{'    ' * (depth - 1)}↓─ {name}")
        return
    root, ups, downs = _api(ctx).ops.dag(int(target), up=up, down=down)

    def line(depth: int, info: Any, cross: bool, arrow: str) -> str:
        pad = "    " * (depth - 1)
        link = "┄" if cross else "─"
        return f"{pad}{arrow}{link} {info.id} {info.node_name} [{info.status_label}] {info.cyctime}"

    for depth, info, cross in reversed(ups):
        click.echo(line(depth, info, cross, "↑"))
    click.echo(
        f"● {root.id} {root.node_name} [{root.status_label}] {root.cyctime} bizdate {root.bizdate}"
    )
    for depth, info, cross in downs:
        click.echo(line(depth, info, cross, "↓"))


@click.command()
@click.argument("instance_id", type=int)
@click.pass_context
def why(ctx: click.Context, instance_id: int) -> None:
    """Why an instance is not running: upstream, time, slot, frozen, no scheduler."""
    lines = _api(ctx).ops.why(instance_id)
    click.echo(lines[0])
    for text in lines[1:]:
        click.echo(text if text.startswith("  ") else f"- {text}")


__all__ = ["backfill", "dag", "instance", "instances", "scheduler", "why"]
