"""Guarded, set-based state transitions.

Every transition is ``UPDATE ... WHERE <current state> ...`` so a replay or a second writer can
never move an instance twice. Transitions work on whole sets at once (one statement per wave),
which is what lets the loop complete thousands of zero-load instances a second.
"""

from __future__ import annotations

import sqlite_utils

from engine.scheduler import events
from engine.scheduler.model import NodeType, SchedType, State

NOT_RUN, WAIT_TIME, WAIT_RESOURCE, RUNNING, FAILURE, SUCCESS = (
    int(State.NOT_RUN), int(State.WAIT_TIME), int(State.WAIT_RESOURCE), int(State.RUNNING),
    int(State.FAILURE), int(State.SUCCESS),
)  # fmt: skip
DRY = ",".join(str(int(t)) for t in SchedType if t.dry)
ZERO_LOAD = ",".join(f"'{t.value}'" for t in NodeType if t.zero_load)
PAUSE = int(SchedType.PAUSE)
UNCHOSEN = int(SchedType.CONDITION_UNCHOOSE)


def advance(db: sqlite_utils.Database, now: str, operator: str) -> int:
    """Move every instance as far as dependencies and time allow without running code.

    Repeats until nothing moves: a zero-load or dry-run success can release its children in the
    same call. Returns the number of transitions made.
    """
    total = 0
    conn = db.conn
    while True:
        moved = 0
        rows = conn.execute(
            f"UPDATE instances SET state = {WAIT_TIME}, wait_time_at = ? "
            f"WHERE state = {NOT_RUN} AND pending_upstream = 0 AND frozen = 0 RETURNING id, node_name",
            [now],
        ).fetchall()
        events.record_status(db, now, operator, ((r[0], r[1], WAIT_TIME) for r in rows))
        moved += len(rows)
        if rows:
            _propagate_unchosen([r[0] for r in rows], db)
        due = f"state = {WAIT_TIME} AND frozen = 0 AND cyctime <= ? AND (next_try_at IS NULL OR next_try_at <= ?)"
        rows = conn.execute(
            f"UPDATE instances SET state = {SUCCESS}, finished_at = ?, run_no = run_no + 1 "
            f"WHERE {due} AND (sched_type IN ({DRY}) OR (node_type IN ({ZERO_LOAD}) AND sched_type != {PAUSE})) "
            "RETURNING id, node_name",
            [now, now, now],
        ).fetchall()
        if rows:
            events.record_status(db, now, operator, ((r[0], r[1], SUCCESS) for r in rows))
            release([r[0] for r in rows], db)
            moved += len(rows)
        rows = conn.execute(
            f"UPDATE instances SET state = {FAILURE}, finished_at = ?, error = 'frozen (skip execution): "
            f"the node is paused, so this instance fails and blocks its descendants' "
            f"WHERE {due} AND sched_type = {PAUSE} RETURNING id, node_name",
            [now, now, now],
        ).fetchall()
        events.record_status(db, now, operator, ((r[0], r[1], FAILURE) for r in rows))
        moved += len(rows)
        rows = conn.execute(
            f"UPDATE instances SET state = {WAIT_RESOURCE}, wait_res_at = ? WHERE {due} RETURNING id, node_name",
            [now, now, now],
        ).fetchall()
        events.record_status(db, now, operator, ((r[0], r[1], WAIT_RESOURCE) for r in rows))
        moved += len(rows)
        total += moved
        if moved == 0:
            return total


def _propagate_unchosen(ids: list[int], db: sqlite_utils.Database) -> None:
    """Below an unselected branch: dry-run, unless this is a merge node (a merge always runs)."""
    conn = db.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS just_waiting (id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM just_waiting")
    conn.executemany("INSERT OR IGNORE INTO just_waiting VALUES (?)", [(i,) for i in ids])
    conn.execute(
        f"""UPDATE instances SET sched_type = {UNCHOSEN}
            WHERE id IN (SELECT id FROM just_waiting) AND sched_type = 0 AND node_type != 'merge'
            AND EXISTS (SELECT 1 FROM instance_deps d JOIN instances u ON u.id = d.upstream_id
                        WHERE d.instance_id = instances.id AND d.removed = 0 AND u.sched_type = {UNCHOSEN})"""
    )


def release(succeeded: list[int], db: sqlite_utils.Database) -> None:
    """Children of instances that just succeeded have one upstream fewer to wait for."""
    conn = db.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS just_succeeded (id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM just_succeeded")
    conn.executemany("INSERT OR IGNORE INTO just_succeeded VALUES (?)", [(i,) for i in succeeded])
    conn.execute(
        """UPDATE instances SET pending_upstream = pending_upstream - c.n
           FROM (SELECT d.instance_id AS iid, count(*) AS n FROM instance_deps d
                 JOIN just_succeeded s ON s.id = d.upstream_id WHERE d.removed = 0
                 GROUP BY d.instance_id) AS c
           WHERE instances.id = c.iid"""
    )


def block(left_success: list[int], db: sqlite_utils.Database) -> None:
    """Instances that left SUCCESS (rerun) hold back children that have not started yet."""
    if not left_success:
        return
    conn = db.conn
    marks = ",".join("?" for _ in left_success)
    conn.execute(
        f"""UPDATE instances SET pending_upstream = pending_upstream + c.n, state = {NOT_RUN}
            FROM (SELECT d.instance_id AS iid, count(*) AS n FROM instance_deps d
                  WHERE d.upstream_id IN ({marks}) AND d.removed = 0 GROUP BY d.instance_id) AS c
            WHERE instances.id = c.iid AND instances.state IN ({NOT_RUN}, {WAIT_TIME}, {WAIT_RESOURCE})""",
        left_success,
    )


def recount(ids: list[int], db: sqlite_utils.Database) -> None:
    """Recompute pending_upstream from scratch (after structural changes)."""
    for i in range(0, len(ids), 900):
        chunk = ids[i : i + 900]
        marks = ",".join("?" for _ in chunk)
        db.conn.execute(
            f"""UPDATE instances SET pending_upstream = (
                    SELECT count(*) FROM instance_deps d JOIN instances u ON u.id = d.upstream_id
                    WHERE d.instance_id = instances.id AND d.removed = 0 AND u.state != {SUCCESS})
                WHERE id IN ({marks})""",
            chunk,
        )
