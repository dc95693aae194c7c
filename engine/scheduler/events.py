"""Event records: every status change and every operation, with DataWorks' event codes (§12.2)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

INSTANCE_STATUS = "instance-status-changes"
RERUN = "rerun-instance"
SET_SUCCESS = "set-instance-success"
KILL = "kill-instance"
FREEZE_INSTANCE = "freeze-instance"
UNFREEZE_INSTANCE = "unfreeze-instance"
REMOVE_DEPS = "delete-task-instance-dependencies"
FREEZE_NODE = "freeze-node"
UNFREEZE_NODE = "unfreeze-node"
BACKFILL = "backfill-data"
TEST_RUN = "run-smoke-test"
NODE_CREATED = "node-change-created"
NODE_UPDATED = "node-change-updated"
NODE_DELETED = "node-change-deleted"


def record(
    db: sqlite_utils.Database,
    at: str,
    code: str,
    operator: str,
    *,
    instance_id: int | None = None,
    node_name: str | None = None,
    **data: Any,
) -> None:
    db.execute(
        "INSERT INTO events (at, code, instance_id, node_name, operator, data) VALUES (?, ?, ?, ?, ?, ?)",
        [
            at,
            code,
            instance_id,
            node_name,
            operator,
            json.dumps(data, ensure_ascii=False, default=str),
        ],
    )


def record_status(
    db: sqlite_utils.Database, at: str, operator: str, rows: Iterable[tuple[int, str, int]]
) -> None:
    """Status-change events for (instance_id, node_name, new_state) rows, in one statement."""
    db.conn.executemany(
        "INSERT INTO events (at, code, instance_id, node_name, operator, data) VALUES (?, ?, ?, ?, ?, ?)",
        [(at, INSTANCE_STATUS, i, n, operator, f'{{"status": {s}}}') for i, n, s in rows],
    )
