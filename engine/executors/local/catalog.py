"""Table metadata of the local warehouse, kept inside each project's DuckDB file.

MaxCompute keeps comments, partitions, lifecycle, owner and times as table metadata; DuckDB has
none of that, so each warehouse file holds a ``_mw`` schema with it. Metadata changes run in the
same DuckDB transaction as the data they describe, so the two can never disagree.

Partitions are stored as trailing columns of the DuckDB table (``SELECT *`` then lists them last,
as MaxCompute does); ``_mw.partitions`` also records empty partitions made by ADD PARTITION.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

META = "_mw"
_MISSING = object()
FORMAT_VERSION = "1"

_SCHEMA_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {META};
CREATE TABLE IF NOT EXISTS {META}.info (key VARCHAR, value VARCHAR);
CREATE TABLE IF NOT EXISTS {META}.tables (
    name VARCHAR NOT NULL,
    comment VARCHAR,
    lifecycle INTEGER,
    owner VARCHAR,
    transactional BOOLEAN NOT NULL DEFAULT FALSE,
    primary_key VARCHAR,          -- JSON list
    properties VARCHAR,           -- JSON object of TBLPROPERTIES
    is_view BOOLEAN NOT NULL DEFAULT FALSE,
    view_text VARCHAR,
    created_at TIMESTAMP NOT NULL,
    ddl_at TIMESTAMP NOT NULL,
    modified_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS {META}.columns (
    table_name VARCHAR NOT NULL,
    pos INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    odps_type VARCHAR NOT NULL,
    comment VARCHAR,
    is_partition BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS {META}.partitions (
    table_name VARCHAR NOT NULL,
    spec VARCHAR NOT NULL,        -- dt=20250101/hh=01, MaxCompute's spelling
    vals VARCHAR NOT NULL,        -- JSON list of the values, in partition-column order
    created_at TIMESTAMP NOT NULL,
    modified_at TIMESTAMP NOT NULL,
    row_count BIGINT NOT NULL
);
"""


@dataclass(frozen=True)
class ColumnMeta:
    name: str
    odps_type: str
    comment: str | None = None


@dataclass
class TableMeta:
    project: str
    name: str
    columns: list[ColumnMeta]
    partition_columns: list[ColumnMeta] = field(default_factory=list)
    comment: str | None = None
    lifecycle: int | None = None
    owner: str | None = None
    transactional: bool = False
    primary_key: list[str] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    is_view: bool = False
    view_text: str | None = None
    created_at: datetime | None = None
    ddl_at: datetime | None = None
    modified_at: datetime | None = None

    @property
    def is_partitioned(self) -> bool:
        return bool(self.partition_columns)

    @property
    def partition_names(self) -> list[str]:
        return [c.name for c in self.partition_columns]

    @property
    def all_columns(self) -> list[ColumnMeta]:
        return self.columns + self.partition_columns

    @property
    def qualified(self) -> str:
        return f"{self.project}.{self.name}"


@dataclass(frozen=True)
class PartitionMeta:
    spec: str
    values: tuple[str, ...]
    created_at: datetime
    modified_at: datetime
    row_count: int


def create_warehouse(path: Path) -> None:
    """A new, empty warehouse file with the metadata schema."""
    conn = duckdb.connect(str(path))
    try:
        conn.execute(_SCHEMA_DDL)
        conn.execute(f"INSERT INTO {META}.info VALUES ('format_version', ?)", [FORMAT_VERSION])
    finally:
        conn.close()


def partition_spec(names: Sequence[str], values: Sequence[Any]) -> str:
    return "/".join(f"{n}={v}" for n, v in zip(names, values, strict=True))


# Table metadata shared by every Catalog of one warehouse file in this process (the DuckDB file is
# open in one process only, so nothing else can change it). Writers forget what they touch when
# they write and again when their transaction ends, so a reader never keeps a stale entry.
_shared_lock = threading.Lock()
_shared: dict[str, dict[str, TableMeta | None]] = {}
# A generation per warehouse file, renewed (from one process-wide counter, so a value is never
# seen twice) whenever its table metadata may have changed: at each write, after each COMMIT or
# ROLLBACK of a writer, and when the file is forgotten. What was derived from metadata (a query's
# translation) and is stored with the generation read *before* the metadata stays valid exactly
# as long as the generation is unchanged.
_counter = itertools.count(1)
_generations: dict[str, int] = {}


def _renew(key: str | None) -> None:
    """New generation of a file's metadata (call with ``_shared_lock`` held)."""
    if key is not None:
        _generations[key] = next(_counter)


def forget_files(keys: list[str]) -> None:
    """Drop the shared metadata of warehouse files this process no longer has open."""
    with _shared_lock:
        for key in keys:
            _shared.pop(key, None)
            _renew(key)


class Catalog:
    """Reads and writes ``_mw`` of one attached project (``catalog`` = the DuckDB alias).

    ``cache_key`` (the warehouse file) shares looked-up metadata across sessions and threads.
    """

    def __init__(
        self, conn: duckdb.DuckDBPyConnection, project: str, cache_key: str | None = None
    ) -> None:
        self.conn = conn
        self.project = project
        self.m = f'"{project}".{META}'
        self._cache: dict[str, TableMeta | None] = {}
        self._key = cache_key
        self._written: set[str] = set()
        if cache_key is not None:
            with _shared_lock:
                self._cache = _shared.setdefault(cache_key, {})

    @property
    def cache_key(self) -> str | None:
        return self._key

    def generation(self) -> int | None:
        """The current generation of this file's metadata (see ``_generations``); None when the
        catalog is not shared (no ``cache_key``), so nothing may be derived and kept from it."""
        if self._key is None:
            return None
        with _shared_lock:
            return _generations.get(self._key, 0)

    def invalidate(self, name: str | None = None) -> None:
        with _shared_lock:
            if name is None:
                self._cache.clear()
            else:
                self._cache.pop(name.lower(), None)
            _renew(self._key)

    def settle(self) -> None:
        """After COMMIT or ROLLBACK: forget what this session wrote (other threads may have cached it)."""
        if not self._written:
            return
        with _shared_lock:
            for key in self._written:
                self._cache.pop(key, None)
            _renew(self._key)
        self._written.clear()

    def _forget(self, key: str) -> None:
        self._written.add(key)
        with _shared_lock:
            self._cache.pop(key, None)
            _renew(self._key)

    # -- tables ---------------------------------------------------------------------------
    def get(self, name: str) -> TableMeta | None:
        key = name.lower()
        cached = self._cache.get(key, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        row = self.conn.execute(
            f"SELECT name, comment, lifecycle, owner, transactional, primary_key, properties, "
            f"is_view, view_text, created_at, ddl_at, modified_at FROM {self.m}.tables WHERE name = ?",
            [key],
        ).fetchone()
        if row is None:
            if key not in self._written:
                self._cache[key] = None
            return None
        cols = self.conn.execute(
            f"SELECT name, odps_type, comment, is_partition FROM {self.m}.columns "
            f"WHERE table_name = ? ORDER BY pos",
            [key],
        ).fetchall()
        meta = TableMeta(
            project=self.project,
            name=row[0],
            comment=row[1],
            lifecycle=row[2],
            owner=row[3],
            transactional=bool(row[4]),
            primary_key=json.loads(row[5]) if row[5] else [],
            properties=json.loads(row[6]) if row[6] else {},
            is_view=bool(row[7]),
            view_text=row[8],
            created_at=row[9],
            ddl_at=row[10],
            modified_at=row[11],
            columns=[ColumnMeta(c[0], c[1], c[2]) for c in cols if not c[3]],
            partition_columns=[ColumnMeta(c[0], c[1], c[2]) for c in cols if c[3]],
        )
        if key not in self._written:
            self._cache[key] = meta
        return meta

    def names(self) -> list[str]:
        return [
            r[0]
            for r in self.conn.execute(f"SELECT name FROM {self.m}.tables ORDER BY name").fetchall()
        ]

    def tables(self) -> list[TableMeta]:
        return [t for t in (self.get(n) for n in self.names()) if t is not None]

    def put(self, meta: TableMeta, now: datetime) -> None:
        """Insert or replace a table's metadata (columns included)."""
        key = meta.name.lower()
        self.drop(key)
        self.conn.execute(
            f"INSERT INTO {self.m}.tables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                key,
                meta.comment,
                meta.lifecycle,
                meta.owner,
                meta.transactional,
                json.dumps(meta.primary_key) if meta.primary_key else None,
                json.dumps(meta.properties) if meta.properties else None,
                meta.is_view,
                meta.view_text,
                meta.created_at or now,
                meta.ddl_at or now,
                meta.modified_at or now,
            ],
        )
        rows = [
            (key, i, c.name.lower(), c.odps_type, c.comment, False)
            for i, c in enumerate(meta.columns)
        ] + [
            (key, len(meta.columns) + i, c.name.lower(), c.odps_type, c.comment, True)
            for i, c in enumerate(meta.partition_columns)
        ]
        if rows:
            self.conn.executemany(f"INSERT INTO {self.m}.columns VALUES (?, ?, ?, ?, ?, ?)", rows)
        self._forget(key)

    def drop(self, name: str) -> None:
        key = name.lower()
        for table in ("tables", "columns", "partitions"):
            col = "name" if table == "tables" else "table_name"
            self.conn.execute(f"DELETE FROM {self.m}.{table} WHERE {col} = ?", [key])
        self._forget(key)

    def touch(self, name: str, now: datetime, *, ddl: bool = False) -> None:
        sets = "modified_at = ?, ddl_at = ?" if ddl else "modified_at = ?"
        params: list[Any] = [now, now] if ddl else [now]
        self.conn.execute(
            f"UPDATE {self.m}.tables SET {sets} WHERE name = ?", [*params, name.lower()]
        )
        self._forget(name.lower())

    def update(self, name: str, **fields: Any) -> None:
        assignments = ", ".join(f"{k} = ?" for k in fields)
        self.conn.execute(
            f"UPDATE {self.m}.tables SET {assignments} WHERE name = ?",
            [*fields.values(), name.lower()],
        )
        self._forget(name.lower())

    # -- partitions -----------------------------------------------------------------------
    def partitions(self, name: str) -> list[PartitionMeta]:
        rows = self.conn.execute(
            f"SELECT spec, vals, created_at, modified_at, row_count FROM {self.m}.partitions "
            f"WHERE table_name = ? ORDER BY spec",
            [name.lower()],
        ).fetchall()
        return [PartitionMeta(r[0], tuple(json.loads(r[1])), r[2], r[3], r[4]) for r in rows]

    def partition(self, name: str, spec: str) -> PartitionMeta | None:
        row = self.conn.execute(
            f"SELECT spec, vals, created_at, modified_at, row_count FROM {self.m}.partitions "
            f"WHERE table_name = ? AND spec = ?",
            [name.lower(), spec],
        ).fetchone()
        return (
            None
            if row is None
            else PartitionMeta(row[0], tuple(json.loads(row[1])), row[2], row[3], row[4])
        )

    def upsert_partitions(
        self,
        name: str,
        parts: Sequence[tuple[tuple[str, ...], int]],
        meta: TableMeta,
        now: datetime,
        *,
        touched: bool = True,
    ) -> None:
        """Record partitions (values, row_count); ``touched`` moves their modification time."""
        key = name.lower()
        for values, count in parts:
            spec = partition_spec(meta.partition_names, values)
            existing = self.partition(key, spec)
            if existing is None:
                self.conn.execute(
                    f"INSERT INTO {self.m}.partitions VALUES (?, ?, ?, ?, ?, ?)",
                    [key, spec, json.dumps(list(values)), now, now, count],
                )
            else:
                self.conn.execute(
                    f"UPDATE {self.m}.partitions SET row_count = ?, modified_at = ? "
                    f"WHERE table_name = ? AND spec = ?",
                    [count, now if touched else existing.modified_at, key, spec],
                )

    def drop_partition(self, name: str, spec: str) -> None:
        self.conn.execute(
            f"DELETE FROM {self.m}.partitions WHERE table_name = ? AND spec = ?",
            [name.lower(), spec],
        )
