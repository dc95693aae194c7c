"""Instance generation: recurring days, backfills and test runs become instance rows + deps.

Parameters and the business date are fixed here, at generation, never at start (reference §1.1).
A plan is built in memory and written with a handful of bulk statements, so a day of 10,000 nodes
is generated in well under the issue's 2 s.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any

import sqlite_utils

from engine.params import ParamContext, evaluate, resolve_assignments
from engine.params.implicit import implicit_values
from engine.scheduler.cron import Cron, parse_cron
from engine.scheduler.deployed import DeployedNode
from engine.scheduler.model import Cycle, DagType, NodeType, Recurrence, RerunMode, SchedType, State
from engine.scheduler.proximity import map_upstream
from engine.studio.spec import NodeSpec

TS = "%Y-%m-%d %H:%M:%S"
EXPIRY_MARGIN = timedelta(minutes=10)  # "immediately" instances need >= 10 minutes of notice

_COLUMNS = (
    "id", "node_id", "node_name", "node_type", "version", "dag_type", "dag_id", "env", "bizdate",
    "cyctime", "state", "sched_type", "pending_upstream", "priority", "resource_group",
    "rerun_mode", "retries_left", "retry_interval_minutes", "timeout_minutes", "params",
    "spec_override", "created_at",
)  # fmt: skip
_INSERT = (
    f"INSERT INTO instances ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
)


@lru_cache(maxsize=65536)
def cron_of(text: str) -> Cron:
    return parse_cron(text)


@dataclass
class Planned:
    id: int
    node: str
    cyctime: datetime


@dataclass
class Plan:
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    deps: list[tuple[int, int, int, str | None]] = field(
        default_factory=list
    )  # (id, upstream, cross, via)
    by_node: dict[str, list[Planned]] = field(default_factory=dict)

    @property
    def ids(self) -> list[int]:
        return [p.id for ps in self.by_node.values() for p in ps]


def next_instance_id(db: sqlite_utils.Database) -> int:
    row = db.execute("SELECT coalesce(max(id), 0) FROM instances").fetchone()
    return int(row[0]) + 1


class Planner:
    """Builds the instances of a set of nodes for one day of one DAG (recurring, backfill, test)."""

    def __init__(
        self, db: sqlite_utils.Database, nodes: dict[str, DeployedNode], *, now: datetime
    ) -> None:
        self.db = db
        self.nodes = nodes
        self.now = now
        self.next_id = next_instance_id(db)

    # -- planning ---------------------------------------------------------------------------
    def plan(
        self,
        names: Iterable[str],
        *,
        run_day: date,
        dag_type: DagType,
        dag_id: int = 0,
        env: str = "prod",
        backfill: bool = False,
        excluded: frozenset[str] = frozenset(),
        frozen_nodes: frozenset[str] = frozenset(),
        expire_before: datetime | None = None,
        spec_override: NodeSpec | None = None,
        param_overrides: dict[str, str] | None = None,
        plan: Plan | None = None,
    ) -> Plan:
        """Instances of ``names`` whose scheduled times fall on ``run_day`` (bizdate = run_day - 1)."""
        plan = plan or Plan()
        bizdate = run_day - timedelta(days=1)
        created = self.now.strftime(TS)
        chosen = [n for n in names if n in self.nodes]
        for name in chosen:
            node = self.nodes[name]
            spec = (
                spec_override
                if spec_override is not None and spec_override.name == name
                else node.spec
            )
            sched = spec.schedule
            if dag_type == DagType.NORMAL and not (sched.start_date <= run_day <= sched.end_date):
                continue
            cron = cron_of(sched.cron)
            times = cron.times_on(run_day)
            if dag_type == DagType.SMOKE_TEST:
                times = times[:1] or [datetime.combine(run_day, datetime.min.time())]
            if not times:
                continue
            sched_type = self._sched_type(
                spec, name, cron, run_day, dag_type, excluded, frozen_nodes
            )
            planned = plan.by_node.setdefault(name, [])
            for t in times:
                iid = self.next_id
                self.next_id += 1
                ctx = (
                    ParamContext.for_bizdate(
                        bizdate,
                        backfill=True,
                        time_of_day=t.time(),
                        jobid=spec.workflow,
                        nodeid=str(node.node_id),
                        taskid=str(iid),
                    )
                    if backfill
                    else ParamContext.for_cyctime(
                        t, jobid=spec.workflow, nodeid=str(node.node_id), taskid=str(iid)
                    )
                )
                params = implicit_values(ctx)
                if spec.params:
                    params.update(resolve_assignments(dict(spec.params), ctx))
                if param_overrides:
                    params.update(
                        {k: evaluate(v, ctx) if "$" in v else v for k, v in param_overrides.items()}
                    )
                # the node's own parameters, in order: a shell node gets them as $1 $2 ...
                declared = [k for k, _ in spec.params] + list(param_overrides or {})
                params["__declared"] = ",".join(dict.fromkeys(declared))
                st = sched_type
                if expire_before is not None and t < expire_before and st == SchedType.NORMAL:
                    st = SchedType.REALTIME_DEPRECATED
                retries = sched.rerun_times if sched.rerun_mode != RerunMode.DENIED else 0
                plan.rows.append(
                    (
                        iid, node.node_id, name, spec.type.value, node.version if spec_override is None else 0,
                        int(dag_type), dag_id, env, bizdate.strftime("%Y%m%d"), t.strftime(TS),
                        int(State.NOT_RUN), int(st), 0, sched.priority, sched.resource_group,
                        sched.rerun_mode.value, retries, sched.rerun_interval_minutes, sched.timeout_minutes,
                        json.dumps(params, ensure_ascii=False),
                        spec_override.to_json() if spec_override is not None else None, created,
                    )
                )  # fmt: skip
                planned.append(Planned(iid, name, t))
        for name in chosen:
            self._link(plan, name, dag_type, dag_id, backfill)
        return plan

    def _sched_type(
        self,
        spec: NodeSpec,
        name: str,
        cron: Cron,
        run_day: date,
        dag_type: DagType,
        excluded: frozenset[str],
        frozen_nodes: frozenset[str],
    ) -> SchedType:
        if name in excluded:
            return SchedType.SKIP_UNCHOOSE
        if spec.schedule.recurrence == Recurrence.PAUSE or name in frozen_nodes:
            return SchedType.PAUSE if dag_type != DagType.SMOKE_TEST else SchedType.NORMAL
        if spec.schedule.recurrence == Recurrence.SKIP and dag_type != DagType.SMOKE_TEST:
            return SchedType.SKIP
        if dag_type != DagType.SMOKE_TEST and not cron.runs_on(run_day):
            return SchedType.SKIP_CYCLE
        return SchedType.NORMAL

    def _link(self, plan: Plan, name: str, dag_type: DagType, dag_id: int, backfill: bool) -> None:
        node = self.nodes[name]
        mine = plan.by_node.get(name, [])
        if not mine:
            return
        day = mine[0].cyctime.date()
        my_times = [p.cyctime for p in mine]
        my_cycle = cron_of(node.spec.schedule.cron).cycle
        for parent, via in node.upstream:
            parent_planned = plan.by_node.get(parent)
            if parent_planned is not None:
                anc = [(p.id, p.cyctime) for p in parent_planned]
            elif dag_type == DagType.NORMAL:
                anc = self._existing(parent, dag_type, dag_id, day)
            else:
                continue  # a backfill or test only depends on nodes it runs
            if not anc:
                continue
            pnode = self.nodes.get(parent)
            pcycle = cron_of(pnode.spec.schedule.cron).cycle if pnode else my_cycle
            pself = bool(pnode and pnode.spec.cross_cycle.self_dependency)
            mapping = map_upstream(
                my_times,
                [t for _, t in anc],
                desc_cycle=my_cycle,
                anc_cycle=pcycle,
                anc_self_dependency=pself,
            )
            for planned, idxs in zip(mine, mapping, strict=True):
                for i in idxs:
                    plan.deps.append((planned.id, anc[i][0], 0, via))
        cc = node.spec.cross_cycle
        if dag_type == DagType.SMOKE_TEST:
            return
        if cc.self_dependency:
            # serial instances: each waits for the node's previous one (the first: the last before it)
            prev = self._previous(name, dag_type, dag_id, mine[0].cyctime)
            if prev is not None:
                plan.deps.append((mine[0].id, prev, 1, None))
            for a, b in pairwise(mine):
                plan.deps.append((b.id, a.id, 1, None))
        if dag_type == DagType.NORMAL:
            others = list(cc.nodes) + (list(node.children) if cc.children else [])
            for other in dict.fromkeys(others):
                if other not in self.nodes:
                    continue
                onode = self.nodes[other]
                many = cron_of(onode.spec.schedule.cron).cycle in (Cycle.HOUR, Cycle.MINUTE)
                if len(mine) == 1 and many and not onode.spec.cross_cycle.self_dependency:
                    # a daily node on an hourly/minute node's previous cycle: all of yesterday's (§2.7)
                    yesterday = mine[0].cyctime.date() - timedelta(days=1)
                    for upstream_id, _ in self._existing(other, dag_type, dag_id, yesterday):
                        plan.deps.append((mine[0].id, upstream_id, 1, None))
                    continue
                for planned in mine:
                    prev = self._previous(other, dag_type, dag_id, planned.cyctime, plan=plan)
                    if prev is not None:
                        plan.deps.append((planned.id, prev, 1, None))

    def _existing(
        self, name: str, dag_type: DagType, dag_id: int, day: date
    ) -> list[tuple[int, datetime]]:
        node = self.nodes.get(name)
        if node is None:
            return []
        rows = self.db.execute(
            "SELECT id, cyctime FROM instances WHERE node_id = ? AND dag_type = ? AND dag_id = ? "
            "AND cyctime >= ? AND cyctime < ? ORDER BY cyctime",
            [
                node.node_id,
                int(dag_type),
                dag_id,
                day.strftime(TS),
                (day + timedelta(days=1)).strftime(TS),
            ],
        ).fetchall()
        return [(int(r[0]), datetime.strptime(r[1], TS)) for r in rows]

    def _previous(
        self, name: str, dag_type: DagType, dag_id: int, before: datetime, plan: Plan | None = None
    ) -> int | None:
        """The latest instance of ``name`` scheduled strictly before ``before`` (previous cycle)."""
        best: tuple[datetime, int] | None = None
        if plan is not None:
            for p in plan.by_node.get(name, []):
                if p.cyctime < before and (best is None or p.cyctime > best[0]):
                    best = (p.cyctime, p.id)
        node = self.nodes.get(name)
        if node is not None:
            row = self.db.execute(
                "SELECT id, cyctime FROM instances WHERE node_id = ? AND dag_type = ? AND dag_id = ? "
                "AND cyctime < ? ORDER BY cyctime DESC LIMIT 1",
                [node.node_id, int(dag_type), dag_id, before.strftime(TS)],
            ).fetchone()
            if row is not None:
                t = datetime.strptime(row[1], TS)
                if best is None or t > best[0]:
                    best = (t, int(row[0]))
        return best[1] if best else None


def write_plan(db: sqlite_utils.Database, plan: Plan) -> None:
    """Insert a plan's instances and dependencies; pending counts reflect upstream states now."""
    if not plan.rows:
        return
    conn = db.conn
    conn.executemany(_INSERT, plan.rows)
    if plan.deps:
        conn.executemany(
            "INSERT OR IGNORE INTO instance_deps (instance_id, upstream_id, cross_cycle, via) VALUES (?, ?, ?, ?)",
            plan.deps,
        )
        ids = sorted({d[0] for d in plan.deps})
        for chunk in _chunks(ids, 900):
            marks = ",".join("?" for _ in chunk)
            conn.execute(
                f"""UPDATE instances SET pending_upstream = (
                        SELECT count(*) FROM instance_deps d JOIN instances u ON u.id = d.upstream_id
                        WHERE d.instance_id = instances.id AND d.removed = 0 AND u.state != {int(State.SUCCESS)})
                    WHERE id IN ({marks})""",
                chunk,
            )


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def zero_load(node_type: str) -> bool:
    return NodeType(node_type).zero_load
