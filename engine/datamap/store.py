"""The Data Map's tables in state.db (migration ``m006_datamap``): writing collected metadata.

A table's row in ``dm_tables``, its columns, partitions and its ``dm_search`` document change
together in one transaction, so a search never finds a table whose detail is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlite_utils

from engine.executors.contract import PartitionInfo, TableInfo

TS = "%Y-%m-%d %H:%M:%S"


def stamp(value: datetime | None) -> str | None:
    return None if value is None else value.strftime(TS)


def document(
    name: str, comment: str | None, columns: Sequence[tuple[str, str | None]]
) -> tuple[str, str, str, str]:
    """The ``dm_search`` fields of a table: name, comment, column names (one space between
    them), column comments (one line each); search maps a match back to its column by offset."""
    return (
        name,
        comment or "",
        " ".join(c for c, _ in columns),
        "\n".join((c or "").replace("\n", " ") for _, c in columns),  # line i: column i
    )


def table_id(db: sqlite_utils.Database, project: str, name: str) -> int | None:
    row = db.execute(
        "SELECT id FROM dm_tables WHERE project = ? AND name = ?", [project, name]
    ).fetchone()
    return None if row is None else int(row[0])


def put_table(
    db: sqlite_utils.Database,
    info: TableInfo,
    partitions: Sequence[PartitionInfo],
    *,
    env: str,
    now: datetime,
) -> int:
    """Insert or replace one table's metadata (call inside a transaction)."""
    project, name = info.project.lower(), info.name.lower()
    tid = table_id(db, project, name)
    rows = [p.row_count for p in partitions]
    sizes = [p.size_bytes for p in partitions]
    partitioned = bool(info.partition_columns)
    row_count = info.row_count
    if partitioned and row_count is None and all(r is not None for r in rows):  # none: 0
        row_count = sum(r for r in rows if r is not None)
    size = info.size_bytes
    if partitioned and size is None and partitions and all(s is not None for s in sizes):
        size = sum(s for s in sizes if s is not None)
    modified = info.modified_at
    newest = [p.modified_at for p in partitions if p.modified_at is not None]
    if newest and (modified is None or max(newest) > modified):
        modified = max(newest)
    values = [
        project, name, env, info.comment, info.owner, info.lifecycle, int(info.is_view),
        int(partitioned), len(partitions), row_count, size, stamp(info.created_at),
        stamp(modified), now.strftime(TS),
    ]  # fmt: skip
    if tid is None:
        cur = db.execute(
            "INSERT INTO dm_tables (project, name, env, comment, owner, lifecycle, is_view, "
            "partitioned, partition_count, row_count, size_bytes, created_at, modified_at, "
            "collected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            values,
        )
        tid = int(cur.lastrowid or 0)
    else:
        db.execute(
            "UPDATE dm_tables SET project = ?, name = ?, env = ?, comment = ?, owner = ?, "
            "lifecycle = ?, is_view = ?, partitioned = ?, partition_count = ?, row_count = ?, "
            "size_bytes = ?, created_at = ?, modified_at = ?, collected_at = ? WHERE id = ?",
            [*values, tid],
        )
        _clear(db, tid)
    columns = [(c, False) for c in info.columns] + [(c, True) for c in info.partition_columns]
    db.conn.executemany(
        "INSERT INTO dm_columns (table_id, pos, name, type, comment, is_partition) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (tid, i, c.name.lower(), c.odps_type, c.comment, int(part))
            for i, (c, part) in enumerate(columns)
        ],
    )
    db.conn.executemany(
        "INSERT INTO dm_partitions (table_id, spec, row_count, size_bytes, created_at, "
        "modified_at) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (tid, p.spec, p.row_count, p.size_bytes, stamp(p.created_at), stamp(p.modified_at))
            for p in partitions
        ],
    )
    doc = document(name, info.comment, [(c.name.lower(), c.comment) for c, _ in columns])
    db.execute(
        "INSERT INTO dm_search (rowid, name, comment, columns, column_comments) "
        "VALUES (?, ?, ?, ?, ?)",
        [tid, *doc],
    )
    db.execute(
        "INSERT INTO dm_search_names (rowid, name, comment) VALUES (?, ?, ?)", [tid, *doc[:2]]
    )
    return tid


def _clear(db: sqlite_utils.Database, tid: int) -> None:
    db.execute("DELETE FROM dm_columns WHERE table_id = ?", [tid])
    db.execute("DELETE FROM dm_partitions WHERE table_id = ?", [tid])
    db.execute("DELETE FROM dm_search WHERE rowid = ?", [tid])
    db.execute("DELETE FROM dm_search_names WHERE rowid = ?", [tid])


def remove_table(db: sqlite_utils.Database, project: str, name: str) -> bool:
    tid = table_id(db, project.lower(), name.lower())
    if tid is None:
        return False
    _clear(db, tid)
    db.execute("DELETE FROM dm_tables WHERE id = ?", [tid])
    return True


def names_of(db: sqlite_utils.Database, project: str) -> set[str]:
    return {
        str(r[0]) for r in db.execute("SELECT name FROM dm_tables WHERE project = ?", [project])
    }


def note_access(
    db: sqlite_utils.Database,
    read: Iterable[str],
    written: Iterable[str],
    *,
    user: str,
    at: datetime,
) -> None:
    """Record that ``user`` read and wrote these ``project.table`` names at ``at``."""
    when = at.strftime(TS)
    for role, names in (("read", read), ("written", written)):
        for qualified in dict.fromkeys(n.lower() for n in names):
            project, dot, name = qualified.partition(".")
            if not dot:
                continue
            db.execute(
                f"INSERT INTO dm_access (project, name, {role}_at, {role}_by) VALUES (?, ?, ?, ?) "
                f"ON CONFLICT (project, name) DO UPDATE SET {role}_at = excluded.{role}_at, "
                f"{role}_by = excluded.{role}_by "
                f"WHERE dm_access.{role}_at IS NULL OR dm_access.{role}_at <= excluded.{role}_at",
                [project, name, when, user],
            )


def get_meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM dm_meta WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO dm_meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def mark_stale(db: sqlite_utils.Database, tables: Iterable[str], at: datetime) -> None:
    """Remember tables a run changed where re-reading them now would cost the caller (the
    scheduler's loop, with a remote engine); the next detail of one re-reads it first."""
    db.conn.executemany(
        "INSERT OR REPLACE INTO dm_meta (key, value) VALUES (?, ?)",
        [(f"stale:{t.lower()}", at.strftime(TS)) for t in dict.fromkeys(tables)],
    )


def is_stale(db: sqlite_utils.Database, table: str) -> bool:
    return get_meta(db, f"stale:{table}") is not None


def clear_stale(db: sqlite_utils.Database, tables: Iterable[str] | None = None) -> None:
    if tables is None:
        db.execute("DELETE FROM dm_meta WHERE key LIKE 'stale:%'")
        return
    db.conn.executemany(
        "DELETE FROM dm_meta WHERE key = ?", [(f"stale:{t.lower()}",) for t in tables]
    )
