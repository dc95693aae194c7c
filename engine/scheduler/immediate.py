"""Instance generation mode "immediately after deployment" (reference §2.2).

Deploying such a node regenerates today's instances of it at once; an instance whose scheduled time
is less than 10 minutes after the deployment is generated expired (a dry run that succeeds). T+1
nodes (the default) wait for the next daily generation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlite_utils

from engine.scheduler.deployed import load_deployed
from engine.scheduler.generation import EXPIRY_MARGIN, TS, Planner, write_plan
from engine.scheduler.model import DagType, InstanceMode, State
from engine.store import write_transaction


def generate_on_deploy(
    db: sqlite_utils.Database, project: str, names: Sequence[str], now: datetime
) -> int:
    """Regenerate today's instances of the deployed "immediately" nodes among ``names``."""
    day = now.date()
    with write_transaction(db):
        if (
            db.conn.execute(
                "SELECT 1 FROM generated_days WHERE day = ?", [day.isoformat()]
            ).fetchone()
            is None
        ):
            return 0  # today's generation has not run yet; it will include them
        nodes = load_deployed(db, project)
        chosen = [
            n
            for n in names
            if n in nodes and nodes[n].spec.schedule.instance_mode == InstanceMode.IMMEDIATELY
        ]
        if not chosen:
            return 0
        start, end = day.strftime(TS), f"{day.isoformat()} 23:59:59"
        for name in chosen:
            # instances that have not started yet are replaced; history is kept
            db.conn.execute(
                f"DELETE FROM instances WHERE node_name = ? AND dag_type = {int(DagType.NORMAL)} AND cyctime BETWEEN ? AND ? "
                f"AND state IN ({int(State.NOT_RUN)}, {int(State.WAIT_TIME)}) AND run_no = 0",
                [name, start, end],
            )
        existing = {
            r[0]
            for r in db.conn.execute(
                f"SELECT DISTINCT node_name FROM instances WHERE dag_type = {int(DagType.NORMAL)} AND cyctime BETWEEN ? AND ?",
                [start, end],
            ).fetchall()
        }
        frozen = frozenset(r[0] for r in db.conn.execute("SELECT node_name FROM node_freezes"))
        plan = Planner(db, nodes, now=now).plan(
            [n for n in chosen if n not in existing],
            run_day=day,
            dag_type=DagType.NORMAL,
            frozen_nodes=frozen,
            expire_before=now + EXPIRY_MARGIN,
        )
        write_plan(db, plan)
        return len(plan.rows)
