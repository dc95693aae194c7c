"""Building the demo workspace: data, nodes, a release, and a few days of real history.

The history is produced the way it would be in production: the scheduler runs the deployed
nodes in simulated time (no sleeping), and the people in the story act through the same API the
CLI and the app use, at the simulated moments they would:

* the first business day's afternoon: a developer creates the nodes, commits each workflow and
  deploys them (instances start the next day, T+1);
* the second-to-last business date: the log export lands late (a partial partition and no
  ``_SUCCESS`` marker), so ``check_raw_log_ready`` fails at 00:10 and the flow waits; at 09:30
  the log platform re-delivers the day, on-call reruns the failed instance at 09:42 and the flow
  completes; at 10:15 the developer makes the check retry 3 times and deploys that as v2;
* the last business date: one order of the export carries the amount "1,299.00" (a new POS
  client), so ``dwd_trade_order_di`` fails on its CAST and its descendants wait: an open
  incident for you to investigate.

Finally one node gets an uncommitted edit, so the working copy differs from its last version.
The workspace is built in a sibling directory and renamed into place, so an interrupted build
never leaves half a demo behind.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time as _time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.api import Api
from engine.demo import pipeline
from engine.demo.data import Sizes, SourceData, write_marker
from engine.errors import MaxworksError, WorkspaceError
from engine.identity import current_user
from engine.workspace import Workspace

DEMO_VERSION = 1
DEFAULT_SEED = 2025
MARKER = "demo.json"  # under .maxworks/: present only in a complete demo
TIMEZONE = "Asia/Shanghai"
LATE_LOG_FRACTION = 0.62  # the late export had delivered 62% of the day when the check ran
DAY_DONE = time(1, 0)  # every node of a day has run by 01:00

if TYPE_CHECKING:
    import duckdb

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoPlan:
    """Which dates play which part, for a build at ``now``."""

    now: datetime
    bizdates: tuple[date, ...]  # run by the scheduler, oldest first
    spare: date  # has source data but was never run: for backfill and DataStudio's Run
    source_days: tuple[date, ...]  # business dates with source data
    late_day: date | None  # the log export of this business date was late
    dirty_day: date  # the order export of this business date has a malformed amount

    @classmethod
    def of(cls, now: datetime, days: int) -> DemoPlan:
        if not 1 <= days <= 60:
            raise MaxworksError(f"days must be between 1 and 60, not {days}")
        # The runs of a business date happen just after midnight; before 01:00 today's have
        # not all run yet, so the history ends with yesterday's.
        last_run_day = now.date() if now.time() >= DAY_DONE else now.date() - timedelta(days=1)
        last = last_run_day - timedelta(days=1)
        bizdates = tuple(last - timedelta(days=i) for i in reversed(range(days)))
        spare = bizdates[0] - timedelta(days=1)
        newest = now.date() - timedelta(days=1)
        source = tuple(spare + timedelta(days=i) for i in range((newest - spare).days + 1))
        return cls(
            now=now,
            bizdates=bizdates,
            spare=spare,
            source_days=source,
            late_day=bizdates[-2] if days >= 2 else None,
            dirty_day=bizdates[-1],
        )

    @property
    def deploy_day(self) -> date:
        """The day of the first release (its instances start the next day)."""
        return self.bizdates[0]


class _Clock:
    """The simulated time the people in the story act at."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date, hh: int, mm: int) -> datetime:
        self.now = datetime.combine(day, time(hh, mm))
        return self.now


def is_demo(root: Path) -> bool:
    """True if ``root`` holds a complete demo workspace built by :func:`create_demo`."""
    return (root / "maxworks.toml").is_file() and (root / ".maxworks" / MARKER).is_file()


def read_marker(root: Path) -> dict[str, object]:
    try:
        data = json.loads((root / ".maxworks" / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def create_demo(
    root: Path,
    *,
    now: datetime,
    days: int = 3,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    user: str | None = None,
    replace: bool = False,
    progress: Progress | None = None,
) -> Workspace:
    """Build the demo workspace in ``root`` (which must be absent or empty, or with ``replace``
    a previous demo) as of ``now`` (naive, in Asia/Shanghai) with ``days`` business days of
    history. ``scale`` multiplies the row counts (tests use a small one)."""
    if now.tzinfo is not None:
        now = now.astimezone(ZoneInfo(TIMEZONE)).replace(tzinfo=None)
    plan = DemoPlan.of(now.replace(microsecond=0), days)
    sizes = Sizes.at(scale)
    root = root.absolute()
    if root.exists():
        if not root.is_dir():
            raise WorkspaceError(f"{root}: exists and is not a directory")
        if any(root.iterdir()) and not (replace and is_demo(root)):
            raise WorkspaceError(
                f"{root}: the directory is not empty; nothing was changed",
                hint="choose a new directory for the demo",
            )
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = root.parent / f".{root.name}.building-{uuid.uuid4().hex[:12]}"
    started = _time.perf_counter()
    try:
        rows = _build(
            staging, plan, sizes, seed, user or current_user(), progress or (lambda _: None)
        )
        _write_marker(staging, plan, sizes, seed, rows, _time.perf_counter() - started)
        _forget_catalog(staging)
        _swap(staging, root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _forget_catalog(root)
    return Workspace.load(root)


def _forget_catalog(root: Path) -> None:
    """Drop this process's cached table metadata of the warehouse files under ``root``: they
    are keyed by path, and the files there are new (or gone)."""
    import duckdb

    from engine.executors.local.catalog import Catalog

    conn = duckdb.connect(":memory:")
    try:
        for path in (root / ".maxworks" / "warehouse").resolve().glob("*.duckdb"):
            Catalog(conn, path.stem, cache_key=str(path)).invalidate()
    finally:
        conn.close()


def _swap(staging: Path, root: Path) -> None:
    """Move the finished build into place (a previous demo is moved aside, then removed)."""
    if root.exists() and any(root.iterdir()):
        old = root.parent / f".{root.name}.old-{uuid.uuid4().hex[:12]}"
        os.replace(root, old)
        os.replace(staging, root)
        shutil.rmtree(old, ignore_errors=True)
    else:
        if root.exists():
            root.rmdir()
        os.replace(staging, root)


def _write_marker(
    root: Path, plan: DemoPlan, sizes: Sizes, seed: int, rows: dict[str, int], seconds: float
) -> None:
    data = {
        "demo": DEMO_VERSION,
        "now": plan.now.isoformat(sep=" "),
        "bizdates": [d.strftime("%Y%m%d") for d in plan.bizdates],
        "spare_bizdate": plan.spare.strftime("%Y%m%d"),
        "late_bizdate": plan.late_day.strftime("%Y%m%d") if plan.late_day else None,
        "dirty_bizdate": plan.dirty_day.strftime("%Y%m%d"),
        "seed": seed,
        "sizes": dataclasses.asdict(sizes),
        "tables": rows,
        "build_seconds": round(seconds, 2),
    }
    path = root / ".maxworks" / MARKER
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


# -- the build --------------------------------------------------------------------------------------
def _build(
    root: Path, plan: DemoPlan, sizes: Sizes, seed: int, user: str, say: Progress
) -> dict[str, int]:
    """Build the workspace in ``root``; returns the production tables' row counts."""
    from engine.executors.local import warehouse

    ws = Workspace.init(root, project=pipeline.PROJECT, mode="standard", timezone=TIMEZONE)
    clock = _Clock(datetime.combine(plan.deploy_day, time(9, 0)))
    api = Api(ws, user=user, clock=clock)
    hold = warehouse.acquire(ws)  # one warehouse for the whole build (no reopening per script)
    try:
        t0 = _time.perf_counter()
        source = SourceData(api, seed=seed, sizes=sizes, last_day=plan.source_days[-1])
        _load_sources(ws, source, plan)
        say(
            f"generated sample data for {len(plan.source_days)} business dates "
            f"({plan.source_days[0]:%Y%m%d}-{plan.source_days[-1]:%Y%m%d}) "
            f"in {_time.perf_counter() - t0:.1f} s"
        )
        t0 = _time.perf_counter()
        _develop(api, clock, plan)
        say(
            f"created, committed and deployed {len(pipeline.NODES)} nodes in "
            f"{len(pipeline.WORKFLOWS)} workflows"
        )
        _history(api, clock, plan, source)
        say(
            f"ran {len(plan.bizdates)} business days on the scheduler in simulated time "
            f"in {_time.perf_counter() - t0:.1f} s"
        )
        clock.now = plan.now
        source.copy_to_dev(plan.source_days)
        _edit_working_copy(ws)
        _write_readme(ws, plan)
        return _table_rows(hold, ws.config.projects.prod)
    finally:
        warehouse.release(ws, hold)


def _table_rows(conn: duckdb.DuckDBPyConnection, project: str) -> dict[str, int]:
    from engine.executors.local.catalog import Catalog

    out: dict[str, int] = {}
    for name in Catalog(conn, project).names():
        row = conn.execute(f'SELECT count(*) FROM "{project}".main."{name}"').fetchone()
        out[name] = int(row[0]) if row else 0
    return out


def _load_sources(ws: Workspace, source: SourceData, plan: DemoPlan) -> None:
    source.create_tables()
    for day in plan.source_days:
        late = day == plan.late_day
        loaded = source.load_day(
            day,
            log_fraction=LATE_LOG_FRACTION if late else 1.0,
            dirty_orders=day == plan.dirty_day,
        )
        if not late:
            write_marker(ws.root, "raw_log", day, loaded.log_lines)
        write_marker(ws.root, "trade_order", day, loaded.orders)


def _develop(api: Api, clock: _Clock, plan: DemoPlan) -> None:
    """The developer's afternoon: nodes, one commit per workflow, one release."""
    from engine.studio import files

    studio = api.studio
    clock.at(plan.deploy_day, 14, 0)
    for node in pipeline.NODES:
        clock.now += timedelta(minutes=3)
        studio.create_node(
            node.name,
            node.workflow,
            node.type,
            code=node.code or None,
            cycle="day",
            at=node.at,
            depends=node.depends,
            params=node.params,
            description=node.description,
        )
        if node.outputs or node.branches:
            draft = files.load_node(api.workspace, node.name)
            files.write_node(
                api.workspace,
                dataclasses.replace(
                    draft, outputs=(*draft.outputs, *node.outputs), branches=node.branches
                ),
            )
    messages = {
        pipeline.USER_FLOW: "user behavior flow: parse access logs (DWD), daily visitors and "
        "7-day actives (DWS), visitor segments (ADS)",
        pipeline.TRADE_FLOW: "trade flow: clean orders (DWD), buyers and item sales (DWS), "
        "GMV report behind a volume check, top items (ADS)",
    }
    clock.at(plan.deploy_day, 16, 0)
    for flow in pipeline.WORKFLOWS:
        clock.now += timedelta(minutes=10)
        names = [n.name for n in pipeline.NODES if n.workflow == flow]
        studio.commit(names, messages[flow])
    clock.at(plan.deploy_day, 17, 0)
    studio.deploy(None, "first release: user behavior and trade daily pipelines")


def _history(api: Api, clock: _Clock, plan: DemoPlan, source: SourceData) -> None:
    from engine.ops.queries import InstanceFilter
    from engine.scheduler.model import DagType, State

    sched = api.ops.scheduler(clock=clock)
    start = clock.at(plan.deploy_day, 17, 5)
    sched.start(start)
    try:
        if plan.late_day is not None:
            run_day = plan.late_day + timedelta(days=1)
            sched.run_until_idle(start, until=clock.at(run_day, 9, 30))
            # 09:30: the log platform re-delivers the complete day and writes the marker
            lines = source.reload_logs(plan.late_day)
            write_marker(api.workspace.root, "raw_log", plan.late_day, lines)
            # 09:42: on-call reruns the failed check; the flow continues
            failed = api.ops.instances(
                InstanceFilter(
                    bizdate=plan.late_day.strftime("%Y%m%d"),
                    node=pipeline.LATE_NODE,
                    state=State.FAILURE,
                    dag_type=DagType.NORMAL,
                )
            )
            if not failed:
                raise MaxworksError(
                    f"demo: {pipeline.LATE_NODE} did not fail on {plan.late_day:%Y%m%d} as the story needs"
                )
            start = clock.at(run_day, 9, 42)
            api.ops.rerun([f.id for f in failed])
            sched.run_until_idle(start, until=clock.at(run_day, 10, 15))
            # 10:15: the developer makes the check retry instead of failing at once
            _retry_late_exports(api, clock, run_day)
            start = clock.now
        sched.run_until_idle(start, until=plan.now)
    finally:
        sched.stop()


def _retry_late_exports(api: Api, clock: _Clock, day: date) -> None:
    from engine.studio import files

    draft = files.load_node(api.workspace, pipeline.LATE_NODE)
    schedule = dataclasses.replace(draft.schedule, rerun_times=3, rerun_interval_minutes=10)
    files.write_node(api.workspace, dataclasses.replace(draft, schedule=schedule))
    clock.at(day, 10, 20)
    api.studio.commit(
        [pipeline.LATE_NODE],
        "check_raw_log_ready: retry 3 times, 10 minutes apart; the log export is sometimes late",
    )
    clock.at(day, 10, 25)
    api.studio.deploy([pipeline.LATE_NODE], "hotfix: retry late raw-log exports")


def _edit_working_copy(ws: Workspace) -> None:
    """Work in progress: an edit the developer has not committed yet."""
    from engine.studio import files

    path = files.scan_nodes(ws)[pipeline.WIP_NODE].with_suffix(".sql")
    text = path.read_text(encoding="utf-8")
    if pipeline.WIP_OLD not in text:
        raise MaxworksError(f"demo: cannot find the line to edit in {path}")
    path.write_text(text.replace(pipeline.WIP_OLD, pipeline.WIP_NEW, 1), encoding="utf-8")


def _write_readme(ws: Workspace, plan: DemoPlan) -> None:
    from engine.demo.readme import readme_text

    (ws.root / "README.md").write_text(readme_text(ws, plan), encoding="utf-8")
