"""Data backfill and test runs: instances of deployed nodes for chosen business dates (§3.5, §3.6).

Parameters follow the backfill rules (§1.4): ``${...}`` is the selected business date and
``$[...]`` starts from the next day at the node's time. Dates run one after another within a
parallel group (each date waits for the whole previous date of its group), groups in parallel.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlite_utils

from engine.errors import MaxworksError
from engine.scheduler import events
from engine.scheduler.deployed import DeployedNode, load_deployed
from engine.scheduler.generation import TS, Plan, Planner, write_plan
from engine.scheduler.model import DagType
from engine.store import write_transaction
from engine.studio.spec import NodeSpec


@dataclass(frozen=True)
class BackfillRun:
    id: int
    name: str
    nodes: tuple[str, ...]
    excluded: tuple[str, ...]
    bizdates: tuple[date, ...]
    instance_ids: tuple[int, ...]


def descendants(nodes: dict[str, DeployedNode], root: str) -> list[str]:
    out: list[str] = []
    seen = {root}
    frontier = [root]
    while frontier:
        nxt: list[str] = []
        for name in frontier:
            for child in nodes[name].children:
                if child not in seen:
                    seen.add(child)
                    out.append(child)
                    nxt.append(child)
        frontier = nxt
    return out


def plan_backfill(
    db: sqlite_utils.Database,
    project: str,
    root: str,
    ranges: Sequence[tuple[date, date]],
    *,
    downstream: bool = False,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    parallel: int = 1,
    descending: bool = False,
    operator: str,
    now: datetime,
    preview: bool = False,
) -> BackfillRun:
    if not 1 <= parallel <= 10:
        raise MaxworksError(f"parallel groups must be 1-10, not {parallel}")
    nodes = load_deployed(db, project)
    if root not in nodes:
        raise MaxworksError(
            f"node {root!r} is not deployed",
            hint="backfill runs deployed (production) nodes; deploy it first",
        )
    for lo, hi in ranges:
        if lo > hi:
            raise MaxworksError(f"date range {lo:%Y%m%d}-{hi:%Y%m%d} ends before it starts")
    chosen = [root]
    if downstream or include:
        below = descendants(nodes, root)
        if include:
            unknown = [n for n in include if n not in below]
            if unknown:
                raise MaxworksError(
                    f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not downstream of {root}"
                )
            chosen += [n for n in below if n in include]
        else:
            chosen += below
    unknown_ex = [n for n in exclude if n not in chosen]
    if unknown_ex:
        raise MaxworksError(f"cannot exclude {', '.join(unknown_ex)}: not part of this backfill")
    if root in exclude:
        raise MaxworksError("the root node of a backfill cannot be excluded")
    days = sorted(
        {lo + timedelta(days=i) for lo, hi in ranges for i in range((hi - lo).days + 1)},
        reverse=descending,
    )
    if len(days) > 3660:
        raise MaxworksError(
            f"a backfill of {len(days)} business dates is too large (at most 3,660)"
        )
    name = f"P_{root}_{days[0]:%Y%m%d}_{now:%H%M%S}"
    with write_transaction(db):
        bid = int(db.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM backfills").fetchone()[0])
        planner = Planner(db, nodes, now=now)
        all_ids: list[int] = []
        previous_sinks: dict[int, list[int]] = {}
        extra = Plan()
        for index, bizdate in enumerate(days):
            plan = planner.plan(
                chosen, run_day=bizdate + timedelta(days=1), dag_type=DagType.BACKFILL, dag_id=bid,
                backfill=True, excluded=frozenset(exclude),
            )  # fmt: skip
            group = index % parallel
            ids = plan.ids
            has_upstream = {d[0] for d in plan.deps if d[2] == 0}
            is_upstream = {d[1] for d in plan.deps if d[2] == 0}
            sources = [i for i in ids if i not in has_upstream]
            for sink in previous_sinks.get(group, []):
                for src in sources:
                    extra.deps.append((src, sink, 1, None))
            previous_sinks[group] = [i for i in ids if i not in is_upstream]
            extra.rows += plan.rows
            extra.deps += plan.deps
            all_ids += ids
        if not preview:
            write_plan(db, extra)
            db.conn.execute(
                "INSERT INTO backfills VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [bid, name, root, json.dumps(chosen), json.dumps(list(exclude)),
                 json.dumps([[lo.isoformat(), hi.isoformat()] for lo, hi in ranges]), parallel, int(descending),
                 operator, now.strftime(TS)],
            )  # fmt: skip
            events.record(db, now.strftime(TS), events.BACKFILL, operator, node_name=root, backfill=bid, nodes=chosen,
                          excluded=list(exclude), dates=[d.strftime("%Y%m%d") for d in days], parallel=parallel)  # fmt: skip
    return BackfillRun(bid, name, tuple(chosen), tuple(exclude), tuple(days), tuple(all_ids))


def create_test_run(
    db: sqlite_utils.Database,
    project: str,
    spec: NodeSpec,
    bizdate: date,
    *,
    node_id: int,
    version: int,
    working_copy: bool,
    env: str,
    params: dict[str, str] | None,
    operator: str,
    now: datetime,
    result_limit: int | None = None,
) -> int:
    """A test instance of one node (no descendants) for a business date. Its last query's rows
    (at most ``result_limit``, default 10,000) are kept in its result file."""
    with write_transaction(db):
        dag_id = int(
            db.conn.execute(
                f"SELECT coalesce(max(dag_id), 0) + 1 FROM instances WHERE dag_type = {int(DagType.SMOKE_TEST)}"
            ).fetchone()[0]
        )
        node = DeployedNode(node_id, version, spec, (), ())
        planner = Planner(db, {spec.name: node}, now=now)
        plan = planner.plan(
            [spec.name], run_day=bizdate + timedelta(days=1), dag_type=DagType.SMOKE_TEST, dag_id=dag_id, env=env,
            spec_override=spec if working_copy else None, param_overrides=params,
        )  # fmt: skip
        if not plan.rows:
            raise MaxworksError(f"node {spec.name!r} has no scheduled time to test")
        write_plan(db, plan)
        iid = plan.ids[0]
        if working_copy:
            db.conn.execute("UPDATE instances SET billable = 0 WHERE id = ?", [iid])
        if result_limit is not None:
            db.conn.execute(
                "UPDATE instances SET params = json_set(params, '$.__limit', ?) WHERE id = ?",
                [str(result_limit), iid],
            )
        events.record(
            db,
            now.strftime(TS),
            events.TEST_RUN,
            operator,
            instance_id=iid,
            node_name=spec.name,
            bizdate=bizdate.strftime("%Y%m%d"),
        )
    return iid
