"""O&M operations on instances, with DataWorks' refusals (reference §3.4).

Each operation is one guarded write transaction, records its event, and can run in any process:
the leader picks the new states up on its next tick (a kill of a running instance is a request the
leader carries out, since only it holds the running work).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from engine.errors import MaxworksError
from engine.scheduler import events, lease, transitions
from engine.scheduler.generation import TS
from engine.scheduler.model import RerunMode, State
from engine.store import write_transaction

FINISHED = (int(State.SUCCESS), int(State.FAILURE))
WAITING = (int(State.NOT_RUN), int(State.WAIT_TIME), int(State.WAIT_RESOURCE))


class Refused(MaxworksError):
    """DataWorks would refuse this operation; the message says why."""


@dataclass(frozen=True)
class InstanceRow:
    id: int
    node_name: str
    state: State
    rerun_mode: RerunMode
    frozen: bool
    dag_type: int
    dag_id: int


class InstanceOps:
    def __init__(
        self, db: sqlite_utils.Database, *, operator: str, clock: Callable[[], datetime]
    ) -> None:
        self.db = db
        self.operator = operator
        self.clock = clock

    # -- helpers ------------------------------------------------------------------------------
    def _now(self) -> str:
        return self.clock().strftime(TS)

    def get(self, iid: int) -> InstanceRow:
        row = self.db.conn.execute(
            "SELECT id, node_name, state, rerun_mode, frozen, dag_type, dag_id FROM instances WHERE id = ?",
            [iid],
        ).fetchone()
        if row is None:
            raise MaxworksError(
                f"instance {iid} does not exist", hint="`maxworks instances` lists instances"
            )
        return InstanceRow(
            int(row[0]),
            row[1],
            State(row[2]),
            RerunMode(row[3]),
            bool(row[4]),
            int(row[5]),
            int(row[6]),
        )

    def _rows(self, ids: Iterable[int]) -> list[InstanceRow]:
        rows = [self.get(i) for i in dict.fromkeys(ids)]
        if not rows:
            raise MaxworksError("no instance given")
        return rows

    # -- rerun ----------------------------------------------------------------------------------
    def rerun(self, ids: Iterable[int]) -> list[int]:
        with write_transaction(self.db):
            rows = self._rows(ids)
            for r in rows:
                self._check_rerun(r)
            self._reset([r.id for r in rows], [r.id for r in rows if r.state == State.SUCCESS])
            for r in rows:
                events.record(
                    self.db,
                    self._now(),
                    events.RERUN,
                    self.operator,
                    instance_id=r.id,
                    node_name=r.node_name,
                )
        return [r.id for r in rows]

    def rerun_downstream(self, iid: int) -> list[int]:
        """Rerun an instance and its finished descendants (same-cycle), all waiting for each other."""
        with write_transaction(self.db):
            chosen = self.downstream_plan(iid)
            chosen_ids = [r.id for r in chosen]
            self._reset(chosen_ids, [r.id for r in chosen if r.state == State.SUCCESS])
            transitions.recount(chosen_ids, self.db)
            for r in chosen:
                events.record(
                    self.db,
                    self._now(),
                    events.RERUN,
                    self.operator,
                    instance_id=r.id,
                    node_name=r.node_name,
                    downstream_of=iid,
                )
        return chosen_ids

    def downstream_plan(self, iid: int) -> list[InstanceRow]:
        """What ``rerun_downstream(iid)`` reruns: the instance (refused as ``rerun`` would) and
        its finished same-cycle descendants whose node allows a rerun."""
        root = self.get(iid)
        self._check_rerun(root)
        rows = [self.get(i) for i in (iid, *self._descendants(iid))]
        return [
            r
            for r in rows
            if r.state in (State.SUCCESS, State.FAILURE) and r.rerun_mode != RerunMode.DENIED
        ]

    def _check_rerun(self, r: InstanceRow) -> None:
        if r.state not in (State.SUCCESS, State.FAILURE):
            raise Refused(
                f"instance {r.id} ({r.node_name}) is {r.state.label}; only finished instances can be rerun"
            )
        if r.rerun_mode == RerunMode.DENIED:
            raise Refused(
                f"instance {r.id} ({r.node_name}) cannot be rerun: its node's rerun property is "
                "'disallow regardless of running status'"
            )
        if r.rerun_mode == RerunMode.FAILURE_ALLOWED and r.state == State.SUCCESS:
            raise Refused(
                f"instance {r.id} ({r.node_name}) succeeded, and its node allows rerun upon failure only"
            )

    def _reset(self, ids: list[int], left_success: list[int]) -> None:
        if not ids:
            return
        marks = ",".join("?" for _ in ids)
        self.db.conn.execute(
            f"UPDATE instances SET state = {int(State.NOT_RUN)}, forced_success = 0, kill_requested = 0, error = NULL, "
            f"next_try_at = NULL, finished_at = NULL, wait_time_at = NULL, wait_res_at = NULL "
            f"WHERE id IN ({marks}) AND state IN ({int(State.SUCCESS)}, {int(State.FAILURE)})",
            ids,
        )
        transitions.block(left_success, self.db)
        transitions.recount(ids, self.db)
        events.record_status(
            self.db, self._now(), self.operator, ((i, "", int(State.NOT_RUN)) for i in ids)
        )

    def _descendants(self, iid: int) -> list[int]:
        rows = self.db.conn.execute(
            """WITH RECURSIVE down(id) AS (
                   SELECT instance_id FROM instance_deps WHERE upstream_id = ? AND cross_cycle = 0 AND removed = 0
                   UNION SELECT d.instance_id FROM instance_deps d JOIN down ON d.upstream_id = down.id
                   WHERE d.cross_cycle = 0 AND d.removed = 0)
               SELECT id FROM down ORDER BY id""",
            [iid],
        ).fetchall()
        return [int(r[0]) for r in rows]

    # -- set success / kill ------------------------------------------------------------------------
    def set_success(self, ids: Iterable[int]) -> list[int]:
        with write_transaction(self.db):
            rows = self._rows(ids)
            for r in rows:
                if r.state == State.SUCCESS:
                    raise Refused(f"instance {r.id} ({r.node_name}) already succeeded")
                if r.state == State.RUNNING:
                    raise Refused(
                        f"instance {r.id} ({r.node_name}) is running; stop it first, then set it successful"
                    )
            now = self._now()
            ok = []
            for r in rows:
                cur = self.db.conn.execute(
                    f"UPDATE instances SET state = {int(State.SUCCESS)}, forced_success = 1, finished_at = ?, frozen = 0 "
                    f"WHERE id = ? AND state = ?",
                    [now, r.id, int(r.state)],
                )
                if cur.rowcount == 1:
                    ok.append(r.id)
                    events.record(
                        self.db,
                        now,
                        events.SET_SUCCESS,
                        self.operator,
                        instance_id=r.id,
                        node_name=r.node_name,
                    )
                    events.record_status(
                        self.db, now, self.operator, [(r.id, r.node_name, int(State.SUCCESS))]
                    )
            transitions.release(ok, self.db)
        return ok

    def kill(self, ids: Iterable[int]) -> list[int]:
        with write_transaction(self.db):
            rows = self._rows(ids)
            for r in rows:
                if r.state in (State.SUCCESS, State.FAILURE):
                    raise Refused(
                        f"instance {r.id} ({r.node_name}) is {r.state.label}; only running or waiting instances can be stopped"
                    )
            now = self._now()
            holder = lease.current(self.db)
            leader_alive = holder is not None and holder.alive
            for r in rows:
                if r.state == State.RUNNING and leader_alive:
                    self.db.conn.execute(
                        "UPDATE instances SET kill_requested = 1 WHERE id = ? AND state = ?",
                        [r.id, int(State.RUNNING)],
                    )
                else:
                    self.db.conn.execute(
                        f"UPDATE instances SET state = {int(State.FAILURE)}, finished_at = ?, error = 'killed by an operator' "
                        f"WHERE id = ? AND state = ?",
                        [now, r.id, int(r.state)],
                    )
                    events.record_status(
                        self.db, now, self.operator, [(r.id, r.node_name, int(State.FAILURE))]
                    )
                events.record(
                    self.db,
                    now,
                    events.KILL,
                    self.operator,
                    instance_id=r.id,
                    node_name=r.node_name,
                )
        return [r.id for r in rows]

    # -- freeze / dependencies -------------------------------------------------------------------------
    def freeze(self, ids: Iterable[int], frozen: bool = True) -> list[int]:
        with write_transaction(self.db):
            rows = self._rows(ids)
            for r in rows:
                if frozen and r.state not in (State.NOT_RUN, State.WAIT_TIME, State.WAIT_RESOURCE):
                    raise Refused(
                        f"instance {r.id} ({r.node_name}) is {r.state.label}; only instances that have not started can be frozen"
                    )
                if not frozen and not r.frozen:
                    raise Refused(f"instance {r.id} ({r.node_name}) is not frozen")
            now = self._now()
            for r in rows:
                if frozen:
                    # a frozen instance goes back to waiting, blocking itself and its descendants
                    self.db.conn.execute(
                        f"UPDATE instances SET frozen = 1, state = {int(State.NOT_RUN)} WHERE id = ? AND state = ?",
                        [r.id, int(r.state)],
                    )
                else:
                    self.db.conn.execute("UPDATE instances SET frozen = 0 WHERE id = ?", [r.id])
                code = events.FREEZE_INSTANCE if frozen else events.UNFREEZE_INSTANCE
                events.record(
                    self.db, now, code, self.operator, instance_id=r.id, node_name=r.node_name
                )
        return [r.id for r in rows]

    def remove_upstream(self, iid: int, upstream: Iterable[int] | None = None) -> list[int]:
        """Emergency: drop upstream dependencies so the instance can run without them."""
        with write_transaction(self.db):
            r = self.get(iid)
            if r.state not in (State.NOT_RUN, State.WAIT_TIME, State.WAIT_RESOURCE):
                raise Refused(
                    f"instance {iid} ({r.node_name}) is {r.state.label}; its dependencies no longer matter"
                )
            current = [int(x[0]) for x in self.db.conn.execute(
                "SELECT upstream_id FROM instance_deps WHERE instance_id = ? AND removed = 0", [iid]
            ).fetchall()]  # fmt: skip
            targets = current if upstream is None else [u for u in upstream if u in current]
            if upstream is not None and len(targets) != len(set(upstream)):
                missing = sorted(set(upstream) - set(current))
                raise Refused(f"instance {iid} does not depend on {', '.join(map(str, missing))}")
            for u in targets:
                self.db.conn.execute(
                    "UPDATE instance_deps SET removed = 1 WHERE instance_id = ? AND upstream_id = ?",
                    [iid, u],
                )
            transitions.recount([iid], self.db)
            events.record(
                self.db,
                self._now(),
                events.REMOVE_DEPS,
                self.operator,
                instance_id=iid,
                node_name=r.node_name,
                upstream=targets,
            )
        return targets


def freeze_node(
    db: sqlite_utils.Database, name: str, *, frozen: bool, operator: str, now: str
) -> None:
    """Freeze (pause) a deployed node: instances generated from now on are frozen; today's still run."""
    with write_transaction(db):
        exists = db.conn.execute(
            "SELECT 1 FROM deployed d JOIN nodes n ON n.id = d.node_id WHERE n.name = ?", [name]
        ).fetchone()
        if exists is None:
            raise MaxworksError(
                f"node {name!r} is not deployed",
                hint="only deployed (production) nodes can be frozen",
            )
        if frozen:
            db.conn.execute(
                "INSERT OR IGNORE INTO node_freezes VALUES (?, ?, ?)", [name, operator, now]
            )
        else:
            cur = db.conn.execute("DELETE FROM node_freezes WHERE node_name = ?", [name])
            if cur.rowcount == 0:
                raise Refused(f"node {name!r} is not frozen")
        events.record(
            db,
            now,
            events.FREEZE_NODE if frozen else events.UNFREEZE_NODE,
            operator,
            node_name=name,
        )
