"""What the security checks need to know about stored tables: view definitions, columns with
comments, owners, and a sample of rows for content rules.

``LocalReader`` reads the embedded warehouse (in this process, sharing its connection);
``StoredReader`` answers from state.db when another process holds the warehouse (the scheduler
leader) or the engine is MaxCompute: view texts recorded when views are created through the
engine API, columns recorded by the last classification.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import sqlite_utils

from engine.workspace import Workspace

if TYPE_CHECKING:
    from engine.sql.analysis import TableName


@dataclass(frozen=True)
class TableShape:
    columns: tuple[tuple[str, str | None], ...]  # (name, comment), partition columns last
    owner: str | None
    is_view: bool = False
    modified_at: str | None = None


class Reader(Protocol):
    def view_text(self, name: TableName) -> str | None: ...

    def table(self, name: TableName) -> TableShape | None: ...

    def sample(self, name: TableName, limit: int) -> list[tuple[Any, ...]] | None: ...

    def close(self) -> None: ...


class StoredReader:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def view_text(self, name: TableName) -> str | None:
        row = self.db.conn.execute(
            "SELECT text FROM view_texts WHERE project = ? AND name = ?", [name.project, name.name]
        ).fetchone()
        return None if row is None else str(row[0])

    def table(self, name: TableName) -> TableShape | None:
        """From the Data Map's collected metadata (columns with comments, owner), else from the
        last classification (column names only)."""
        try:
            found = self.db.conn.execute(
                "SELECT id, owner, is_view, modified_at FROM dm_tables WHERE project = ? AND name = ?",
                [name.project, name.name],
            ).fetchone()
        except sqlite3.OperationalError:  # no Data Map tables in this state.db
            found = None
        if found is not None:
            cols = self.db.conn.execute(
                "SELECT name, comment FROM dm_columns WHERE table_id = ? ORDER BY pos", [found[0]]
            ).fetchall()
            if cols:
                return TableShape(
                    tuple((str(c[0]), c[1]) for c in cols), found[1], bool(found[2]), found[3]
                )
        rows = self.db.conn.execute(
            "SELECT column FROM column_classes WHERE project = ? AND table_name = ? ORDER BY pos",
            [name.project, name.name],
        ).fetchall()
        if not rows:
            return None
        return TableShape(tuple((str(r[0]), None) for r in rows), None)

    def sample(self, name: TableName, limit: int) -> list[tuple[Any, ...]] | None:
        return None

    def close(self) -> None:
        self.db.close()


class LocalReader:
    """Reads the warehouse through this process's shared connection (opened if needed)."""

    def __init__(self, workspace: Workspace) -> None:
        from engine.executors.local import warehouse

        self.workspace = workspace
        self.conn = warehouse.acquire(workspace)

    def _meta(self, name: TableName) -> Any:
        from engine.executors.local.catalog import Catalog

        if name.project not in self.workspace.config.all_projects:
            return None
        catalog = Catalog(
            self.conn, name.project, cache_key=str(self.workspace.warehouse_file(name.project))
        )
        return catalog.get(name.name)

    def view_text(self, name: TableName) -> str | None:
        meta = self._meta(name)
        return meta.view_text if meta is not None and meta.is_view else None

    def views(self, project: str) -> list[tuple[str, str]]:
        rows = self.conn.execute(
            f'SELECT name, view_text FROM "{project}"._mw.tables WHERE is_view AND view_text IS NOT NULL'
        ).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def table(self, name: TableName) -> TableShape | None:
        meta = self._meta(name)
        if meta is None:
            return None
        return TableShape(
            tuple((c.name, c.comment) for c in meta.all_columns),
            meta.owner,
            bool(meta.is_view),
            meta.modified_at.isoformat(sep=" ") if meta.modified_at else None,
        )

    def sample(self, name: TableName, limit: int) -> list[tuple[Any, ...]] | None:
        from engine.executors.local.session import duck_table

        shape = self.table(name)
        if shape is None:
            return None
        cols = ", ".join('"' + c.replace('"', '""') + '"' for c, _ in shape.columns)
        return [
            tuple(r)
            for r in self.conn.execute(
                f"SELECT {cols} FROM {duck_table(name.project, name.name)} LIMIT {int(limit)}"
            ).fetchall()
        ]

    def close(self) -> None:
        from engine.executors.local import warehouse

        with contextlib.suppress(Exception):
            warehouse.release(self.workspace, self.conn)
