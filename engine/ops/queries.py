"""Read side of Operation Center: keyset-paged instance lists, details, DAG, diagnosis.

Every list is a keyset page over an index (never OFFSET, never the whole table), so its cost does
not grow with history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from engine.scheduler import lease
from engine.scheduler.model import DagType, SchedType, State

COLUMNS = (
    "id, node_name, node_type, dag_type, dag_id, env, bizdate, cyctime, state, sched_type, frozen, "
    "forced_success, priority, resource_group, run_no, pending_upstream, started_at, finished_at, error, "
    "wait_time_at, wait_res_at, created_at, version, params, outputs, retries_left, next_try_at"
)


@dataclass(frozen=True)
class InstanceInfo:
    id: int
    node_name: str
    node_type: str
    dag_type: DagType
    dag_id: int
    env: str
    bizdate: str
    cyctime: str
    state: State
    sched_type: SchedType
    frozen: bool
    forced_success: bool
    priority: int
    resource_group: str
    run_no: int
    pending_upstream: int
    started_at: str | None
    finished_at: str | None
    error: str | None
    wait_time_at: str | None
    wait_res_at: str | None
    created_at: str
    version: int
    params: dict[str, str]
    outputs: Any
    retries_left: int
    next_try_at: str | None

    @property
    def status_label(self) -> str:
        label = self.state.label
        if self.frozen:
            label += " (frozen)"
        elif self.sched_type == SchedType.PAUSE:
            label += " (frozen node)"
        elif self.sched_type.dry and self.state == State.SUCCESS:
            label = "dry run"
        elif self.forced_success:
            label += " (set manually)"
        return label

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["state"] = self.state.name.lower()
        d["sched_type"] = self.sched_type.name.lower()
        d["dag_type"] = self.dag_type.name.lower()
        d["status"] = self.status_label
        return d


def _info(row: tuple[Any, ...]) -> InstanceInfo:
    (iid, name, ntype, dag_type, dag_id, env, bizdate, cyctime, state, sched, frozen, forced, prio, group, run_no,
     pending, started, finished, error, wt, wr, created, version, params, outputs, retries, next_try) = row  # fmt: skip
    return InstanceInfo(
        int(iid), name, ntype, DagType(dag_type), int(dag_id), env, bizdate, cyctime, State(state), SchedType(sched),
        bool(frozen), bool(forced), int(prio), group, int(run_no), int(pending), started, finished, error, wt, wr,
        created, int(version), json.loads(params or "{}"), json.loads(outputs) if outputs else None, int(retries),
        next_try,
    )  # fmt: skip


@dataclass(frozen=True)
class InstanceFilter:
    bizdate: str | None = None
    state: State | None = None
    node: str | None = None  # exact name, or a prefix with a trailing '*'
    dag_type: DagType | None = None
    dag_id: int | None = None


def list_instances(
    db: sqlite_utils.Database,
    flt: InstanceFilter,
    *,
    after_id: int | None = None,
    limit: int = 100,
    descending: bool = True,
) -> list[InstanceInfo]:
    where: list[str] = []
    args: list[Any] = []
    if flt.bizdate:
        where.append("bizdate = ?")
        args.append(flt.bizdate)
    if flt.state is not None:
        where.append("state = ?")
        args.append(int(flt.state))
    if flt.node:
        if flt.node.endswith("*"):
            where.append("node_name >= ? AND node_name < ?")
            prefix = flt.node[:-1]
            args += [prefix, prefix + "\uffff"]
        else:
            where.append("node_name = ?")
            args.append(flt.node)
    if flt.dag_type is not None:
        where.append("dag_type = ?")
        args.append(int(flt.dag_type))
    if flt.dag_id is not None:
        where.append("dag_id = ?")
        args.append(flt.dag_id)
    if after_id is not None:
        where.append("id < ?" if descending else "id > ?")
        args.append(after_id)
    sql = f"SELECT {COLUMNS} FROM instances"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY id {'DESC' if descending else 'ASC'} LIMIT ?"
    args.append(limit)
    return [_info(r) for r in db.conn.execute(sql, args).fetchall()]


def get_instance(db: sqlite_utils.Database, iid: int) -> InstanceInfo | None:
    row = db.conn.execute(f"SELECT {COLUMNS} FROM instances WHERE id = ?", [iid]).fetchone()
    return None if row is None else _info(row)


def counts_by_state(db: sqlite_utils.Database, bizdate: str) -> dict[State, int]:
    rows = db.conn.execute(
        "SELECT state, count(*) FROM instances WHERE bizdate = ? GROUP BY state", [bizdate]
    ).fetchall()
    return {State(s): int(n) for s, n in rows}


def upstream_of(db: sqlite_utils.Database, iid: int) -> list[tuple[InstanceInfo, bool, bool]]:
    """(upstream instance, cross-cycle?, removed?) for an instance."""
    rows = db.conn.execute(
        f"SELECT {', '.join('u.' + c.strip() for c in COLUMNS.split(','))}, d.cross_cycle, d.removed "
        "FROM instance_deps d JOIN instances u ON u.id = d.upstream_id WHERE d.instance_id = ? ORDER BY u.id",
        [iid],
    ).fetchall()
    return [(_info(r[:-2]), bool(r[-2]), bool(r[-1])) for r in rows]


def downstream_of(db: sqlite_utils.Database, iid: int) -> list[tuple[InstanceInfo, bool, bool]]:
    rows = db.conn.execute(
        f"SELECT {', '.join('i.' + c.strip() for c in COLUMNS.split(','))}, d.cross_cycle, d.removed "
        "FROM instance_deps d JOIN instances i ON i.id = d.instance_id WHERE d.upstream_id = ? ORDER BY i.id",
        [iid],
    ).fetchall()
    return [(_info(r[:-2]), bool(r[-2]), bool(r[-1])) for r in rows]


def log_paths(logs_dir: Path, iid: int) -> list[Path]:
    folder = logs_dir / str(iid)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.log"), key=lambda p: int(p.stem) if p.stem.isdigit() else 0)


def why(db: sqlite_utils.Database, iid: int, now: str) -> list[str]:
    """Why an instance is not running (Intelligent Diagnosis, in words)."""
    info = get_instance(db, iid)
    if info is None:
        return [f"instance {iid} does not exist"]
    head = f"instance {iid} ({info.node_name}, bizdate {info.bizdate}, scheduled {info.cyctime}) is {info.status_label}"
    out = [head]
    if info.state == State.RUNNING:
        out.append(f"it has been running since {info.started_at} (run {info.run_no})")
        return out
    if info.state.finished:
        if info.error:
            out.append(f"it failed: {info.error}")
        return out
    if info.frozen:
        out.append("it is frozen: unfreeze it to let it run (its descendants wait for it)")
    blockers = [
        (u, cross)
        for u, cross, removed in upstream_of(db, iid)
        if not removed and u.state != State.SUCCESS
    ]
    for u, cross in blockers:
        kind = "previous-cycle " if cross else ""
        detail = f": {u.error}" if u.state == State.FAILURE and u.error else ""
        out.append(
            f"waiting for {kind}upstream instance {u.id} ({u.node_name}, {u.cyctime}), which is {u.status_label}{detail}"
        )
        if u.state == State.FAILURE:
            out.append(
                f"  -> rerun it (`maxworks instance rerun {u.id}`) or set it successful (`maxworks instance set-success {u.id}`)"
            )
    if info.state == State.WAIT_TIME or (
        info.state == State.NOT_RUN and not blockers and not info.frozen
    ):
        due = max(info.cyctime, info.next_try_at or "")
        if due > now:
            reason = (
                "its auto-rerun interval"
                if info.next_try_at and info.next_try_at >= info.cyctime
                else "its scheduled time"
            )
            out.append(f"waiting for {reason}: {due}")
    if info.state == State.WAIT_RESOURCE:
        running = db.conn.execute(
            f"SELECT count(*) FROM instances WHERE state = {int(State.RUNNING)} AND resource_group = ?",
            [info.resource_group],
        ).fetchone()[0]
        ahead = db.conn.execute(
            f"SELECT count(*) FROM instances WHERE state = {int(State.WAIT_RESOURCE)} AND resource_group = ? "
            "AND (priority > ? OR (priority = ? AND (cyctime < ? OR (cyctime = ? AND id < ?))))",
            [info.resource_group, info.priority, info.priority, info.cyctime, info.cyctime, iid],
        ).fetchone()[0]
        out.append(
            f"waiting for a slot in resource group {info.resource_group!r}: {running} running, queue position {ahead + 1}"
        )
    holder = lease.current(db)
    if holder is None or not holder.alive:
        out.append("no scheduler is running: start one with `maxworks scheduler` (or open the app)")
    return out
