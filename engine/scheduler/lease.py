"""The leader lease: one process per workspace runs the loop and owns the engines.

A row in ``leases`` renewed by a heartbeat. Times are wall-clock seconds (``time.time()``), even in
simulated runs, because the lease protects real processes from each other.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass

import sqlite_utils

NAME = "scheduler"
TTL_SECONDS = 15.0


@dataclass(frozen=True)
class LeaseHolder:
    holder: str
    pid: int
    host: str
    heartbeat_at: float
    expires_at: float

    @property
    def alive(self) -> bool:
        return self.expires_at > time.time()


def new_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(db: sqlite_utils.Database, holder: str, ttl: float = TTL_SECONDS) -> bool:
    """Take the lease if it is free, expired or already ours (one guarded statement).

    A holder on this host whose process is gone (killed -9) is treated as expired at once, so a
    restarted scheduler does not wait out the TTL.
    """
    now = time.time()
    other = current(db)
    if other is not None and other.holder != holder and other.alive and _dead_here(other):
        db.conn.execute(
            "UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ?", [NAME, other.holder]
        )
    cur = db.conn.execute(
        """INSERT INTO leases (name, holder, pid, host, acquired_at, heartbeat_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET
             holder = excluded.holder, pid = excluded.pid, host = excluded.host,
             acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,
             heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
           WHERE leases.holder = excluded.holder OR leases.expires_at < ?""",
        [NAME, holder, os.getpid(), socket.gethostname(), now, now, now + ttl, now],
    )
    return cur.rowcount == 1


def _dead_here(other: LeaseHolder) -> bool:
    if other.host != socket.gethostname():
        return False
    try:
        os.kill(other.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's process
    return False


def renew(db: sqlite_utils.Database, holder: str, ttl: float = TTL_SECONDS) -> bool:
    now = time.time()
    cur = db.conn.execute(
        "UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE name = ? AND holder = ?",
        [now, now + ttl, NAME, holder],
    )
    return cur.rowcount == 1


def release(db: sqlite_utils.Database, holder: str) -> None:
    db.conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", [NAME, holder])


def current(db: sqlite_utils.Database) -> LeaseHolder | None:
    row = db.conn.execute(
        "SELECT holder, pid, host, heartbeat_at, expires_at FROM leases WHERE name = ?", [NAME]
    ).fetchone()
    return (
        None
        if row is None
        else LeaseHolder(row[0], int(row[1]), row[2], float(row[3]), float(row[4]))
    )
