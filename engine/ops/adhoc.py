"""Ad-hoc SQL for a client while another process leads: an instance the leader runs for it.

The embedded warehouse allows one process; when a scheduler is running, ``maxworks sql`` does not
open DuckDB itself but asks the leader (an ad-hoc instance: manual, not billed, never retried),
waits, and reads the result file the leader writes.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import sqlite_utils

from engine.scheduler.generation import TS
from engine.scheduler.model import DagType, NodeType, SchedType, State
from engine.store import write_transaction
from engine.studio.spec import NodeSpec

ADHOC_NODE = "__adhoc__"


def submit(
    db: sqlite_utils.Database,
    script: str,
    *,
    env: str,
    bizdate: date,
    resource_group: str,
    limit: int,
    user: str,
    now: datetime,
) -> tuple[int, int]:
    """(instance id, dag id) of a new ad-hoc run of ``script`` (parameters already substituted)."""
    spec = NodeSpec(name=ADHOC_NODE, workflow="", type=NodeType.ODPS_SQL, code=script, owner=user)
    with write_transaction(db):
        dag_id = int(db.conn.execute(
            f"SELECT coalesce(max(dag_id), 0) + 1 FROM instances WHERE dag_type = {int(DagType.MANUAL)}"
        ).fetchone()[0])  # fmt: skip
        cur = db.conn.execute(
            "INSERT INTO instances (node_id, node_name, node_type, version, dag_type, dag_id, env, bizdate, cyctime, "
            "state, sched_type, pending_upstream, priority, resource_group, rerun_mode, retries_left, params, "
            "spec_override, billable, created_at) VALUES (0, ?, 'odps_sql', 0, ?, ?, ?, ?, ?, ?, ?, 0, 8, ?, 'never', 0, ?, ?, 0, ?)",
            [
                ADHOC_NODE, int(DagType.MANUAL), dag_id, env, bizdate.strftime("%Y%m%d"), now.strftime(TS),
                int(State.NOT_RUN), int(SchedType.MANUAL), resource_group, json.dumps({"__limit": str(limit)}),
                spec.to_json(), now.strftime(TS),
            ],
        )  # fmt: skip
        iid = int(cur.lastrowid or 0)
    return iid, dag_id
