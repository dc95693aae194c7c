"""Collecting metadata from each project's engine through the executor contract.

Both environments are read (dev and prod projects; basic mode has prod only): ``list_tables``,
``describe_table`` (row counts) and ``list_partitions`` of the executor contract, from the
MaxCompute executor, or for the local engine from its catalog directly (:class:`LocalCatalog`,
the same records without the executor's start-up). What is read is gathered first and written to
state.db in one short transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

import sqlite_utils

from engine.datamap import store
from engine.datamap.records import RefreshReport
from engine.errors import MaxworksError
from engine.executors.contract import ColumnInfo, NotFound, PartitionInfo, TableInfo
from engine.store import write_transaction
from engine.workspace import Environment, Workspace


@dataclass(frozen=True)
class Collected:
    info: TableInfo
    partitions: tuple[PartitionInfo, ...]
    env: Environment


def environments(workspace: Workspace) -> list[tuple[Environment, str]]:
    """(environment, project) pairs of the workspace: dev first in standard mode."""
    projects = workspace.config.projects
    pairs: list[tuple[Environment, str]] = []
    if projects.dev is not None:
        pairs.append(("dev", projects.dev.lower()))
    pairs.append(("prod", projects.prod.lower()))
    return pairs


def env_of(workspace: Workspace, project: str) -> Environment | None:
    for env, name in environments(workspace):
        if name == project.lower():
            return env
    return None


class CatalogSource(Protocol):
    """What collection reads: the catalog half of the executor contract."""

    def list_tables(self, project: str | None = None) -> list[TableInfo]: ...

    def describe_table(self, table: str, project: str | None = None) -> TableInfo: ...

    def list_partitions(self, table: str, project: str | None = None) -> list[PartitionInfo]: ...

    def __enter__(self) -> CatalogSource: ...

    def __exit__(self, *exc: object) -> None: ...


class LocalCatalog:
    """The local engine's catalog read straight from the warehouse's ``_mw`` metadata, answering
    with the contract's records. The local executor would install its SQL functions on a new
    connection first (15 ms) just to read metadata (4 ms a table); after every run that counts."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.conn: Any = None

    def __enter__(self) -> LocalCatalog:
        from engine.executors.local import warehouse

        self.conn = warehouse.acquire(self.workspace)
        return self

    def __exit__(self, *exc: object) -> None:
        from engine.executors.local import warehouse

        if self.conn is not None:
            warehouse.release(self.workspace, self.conn)
            self.conn = None

    def _catalog(self, project: str | None) -> Any:
        from engine.executors.local.catalog import Catalog

        name = (project or self.workspace.config.projects.prod).lower()
        return Catalog(self.conn, name, cache_key=str(self.workspace.warehouse_file(name)))

    def list_tables(self, project: str | None = None) -> list[TableInfo]:
        return [_local_info(m) for m in self._catalog(project).tables()]

    def describe_table(self, table: str, project: str | None = None) -> TableInfo:
        from engine.executors.local.session import duck_table

        catalog = self._catalog(project)
        meta = catalog.get(table)
        if meta is None:
            raise NotFound(f"table {catalog.project}.{table} does not exist")
        if meta.is_partitioned:
            count: int | None = sum(p.row_count for p in catalog.partitions(meta.name))
        elif meta.is_view:
            count = None  # counting would run the view's query
        else:
            row = self.conn.execute(
                f"SELECT count(*) FROM {duck_table(meta.project, meta.name)}"
            ).fetchone()
            count = int(row[0]) if row else 0
        return replace(_local_info(meta), row_count=count)

    def list_partitions(self, table: str, project: str | None = None) -> list[PartitionInfo]:
        return [
            PartitionInfo(p.spec, p.values, p.row_count, None, p.created_at, p.modified_at)
            for p in self._catalog(project).partitions(table)
        ]


def _local_info(meta: Any) -> TableInfo:
    return TableInfo(
        project=meta.project,
        name=meta.name,
        columns=tuple(ColumnInfo(c.name, c.odps_type, c.comment) for c in meta.columns),
        partition_columns=tuple(
            ColumnInfo(c.name, c.odps_type, c.comment) for c in meta.partition_columns
        ),
        comment=meta.comment,
        owner=meta.owner,
        lifecycle=meta.lifecycle,
        created_at=meta.created_at,
        modified_at=meta.modified_at,
        is_view=meta.is_view,
    )


def _executor(
    workspace: Workspace, env: Environment, user: str, clock: Callable[[], datetime]
) -> CatalogSource:
    """The local catalog, or the engine's executor (MaxCompute) through the contract."""
    if workspace.config.engine == "local":
        return LocalCatalog(workspace)
    from engine.executors.factory import executor_for

    return executor_for(workspace, env, user=user, clock=clock)


def _one(
    executor: CatalogSource,
    project: str,
    name: str,
    env: Environment,
    listed: TableInfo | None = None,
) -> Collected:
    """One table: what the listing gave when it is complete (columns, and a row count or
    partitions to count), else ``describe_table``; then its partitions."""
    complete = (
        listed is not None
        and bool(listed.columns)
        and (listed.row_count is not None or bool(listed.partition_columns))
    )
    info = listed if complete and listed is not None else executor.describe_table(name, project)
    partitions = tuple(executor.list_partitions(name, project)) if info.partition_columns else ()
    return Collected(info, partitions, env)


def collect_all(
    workspace: Workspace,
    db: sqlite_utils.Database,
    *,
    user: str,
    clock: Callable[[], datetime],
) -> RefreshReport:
    """Read every table of every project and replace what the Data Map holds."""
    started = time.perf_counter()
    gathered: dict[str, list[Collected]] = {}
    errors: list[str] = []
    for env, project in environments(workspace):
        with _executor(workspace, env, user, clock) as executor:
            found: list[Collected] = []
            for listed in executor.list_tables(project):
                try:
                    found.append(_one(executor, project, listed.name, env, listed))
                except NotFound:
                    continue  # dropped while we listed
                except MaxworksError as err:
                    errors.append(f"{project}.{listed.name}: {err}")
            gathered[project] = found
    now = clock()
    removed = 0
    with write_transaction(db):
        for project, found in gathered.items():
            present = {c.info.name.lower() for c in found}
            for gone in store.names_of(db, project) - present:
                removed += store.remove_table(db, project, gone)
            for c in found:
                store.put_table(db, c.info, c.partitions, env=c.env, now=now)
        store.set_meta(db, "collected_at", now.strftime(store.TS))
        store.clear_stale(db)
    count = sum(len(v) for v in gathered.values())
    return RefreshReport(
        count, removed, tuple(gathered), tuple(errors), (time.perf_counter() - started) * 1000
    )


def collect_tables(
    workspace: Workspace,
    db: sqlite_utils.Database,
    names: Iterable[str],
    *,
    user: str,
    clock: Callable[[], datetime],
) -> RefreshReport:
    """Re-read the named ``project.table`` tables (after a run touched them).

    A table that is gone is removed; if one is gone the project's list of names is compared
    too, so a renamed table appears under its new name.
    """
    started = time.perf_counter()
    wanted: dict[str, list[str]] = {}
    for qualified in dict.fromkeys(n.lower() for n in names):
        project, dot, name = qualified.partition(".")
        if dot and env_of(workspace, project) is not None:
            wanted.setdefault(project, []).append(name)
    found: list[Collected] = []
    gone: list[tuple[str, str]] = []
    listed: dict[str, set[str]] = {}
    errors: list[str] = []
    for project, tables in wanted.items():
        env = env_of(workspace, project)
        assert env is not None
        with _executor(workspace, env, user, clock) as executor:
            for name in tables:
                try:
                    found.append(_one(executor, project, name, env))
                except NotFound:
                    gone.append((project, name))
                except MaxworksError as err:
                    errors.append(f"{project}.{name}: {err}")
            if any(p == project for p, _ in gone):
                current = {t.name.lower() for t in executor.list_tables(project)}
                listed[project] = current
                new = current - store.names_of(db, project) - set(tables)
                for name in sorted(new):
                    found.append(_one(executor, project, name, env))
    now = clock()
    removed = 0
    with write_transaction(db):
        for project, name in gone:
            removed += store.remove_table(db, project, name)
        for project, current in listed.items():
            for stale in store.names_of(db, project) - current:
                removed += store.remove_table(db, project, stale)
        for c in found:
            store.put_table(db, c.info, c.partitions, env=c.env, now=now)
        store.clear_stale(db, [f"{p}.{n}" for p, names in wanted.items() for n in names])
    return RefreshReport(
        len(found), removed, tuple(wanted), tuple(errors), (time.perf_counter() - started) * 1000
    )
