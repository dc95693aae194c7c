"""Opening state.db: WAL, a busy timeout for concurrent clients, migrations applied at start-up."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from engine.errors import WorkspaceError
from engine.store.migrations import MIGRATIONS


def open_state(path: Path, *, create: bool = False) -> sqlite_utils.Database:
    if not create and not path.exists():
        raise WorkspaceError(
            f"{path}: state database is missing",
            hint="the workspace's .maxworks/ folder was removed; restore it or run `maxworks init` in a new directory",
        )
    try:
        conn = sqlite3.connect(
            str(path), timeout=10.0, isolation_level=None, check_same_thread=False
        )
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        MIGRATIONS.apply(db)
    except sqlite3.OperationalError as err:
        raise WorkspaceError(f"{path}: cannot open the state database: {err}") from None
    except sqlite3.DatabaseError as err:
        raise WorkspaceError(f"{path}: the state database is damaged: {err}") from None
    return db


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A transaction that takes the write lock up front (BEGIN IMMEDIATE).

    Every writer of state.db (the leader and clients) reads then writes; taking the lock first
    means two of them serialise instead of failing on a stale snapshot.
    """
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
