"""The embedded engine behind the executor contract.

Submitting runs the script at once on the workspace's DuckDB warehouse (the local engine has no
queue), so every handle it returns is already finished; the outcome is kept in memory for poll
and fetch. A local job cannot outlive its process: polling a handle this process did not run says
the job failed, as the architecture's crash recovery expects (DuckDB kept no partial write).
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb

from engine.errors import SqlError
from engine.executors.contract import (
    DEFAULT_FETCH_LIMIT,
    ColumnInfo,
    Executor,
    ExecutorError,
    Identity,
    JobHandle,
    JobStatus,
    NotFound,
    PartitionInfo,
    ResultSet,
    SubmitMode,
    TableInfo,
    arrow_type,
    parse_partition_spec,
    to_arrow,
)
from engine.executors.local.catalog import Catalog, TableMeta
from engine.executors.local.executor import LocalExecutor
from engine.executors.local.partitions import check_value
from engine.executors.local.session import duck_ident, duck_table
from engine.executors.records import ScriptResult
from engine.workspace import Environment, Workspace

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

KEEP_JOBS = 256  # finished jobs whose results stay fetchable (oldest forgotten first)
BATCH_ROWS = 65_536


class LocalAdapter(Executor):
    backend: ClassVar[str] = "local"
    SYNCHRONOUS: ClassVar[bool] = True

    def __init__(
        self,
        workspace: Workspace,
        env: Environment | None = None,
        *,
        identity: Identity = "personal",
        user: str | None = None,
        clock: Callable[[], datetime] | None = None,
        result_limit: int = DEFAULT_FETCH_LIMIT,
    ) -> None:
        self.workspace = workspace
        self.identity = identity
        self.local = LocalExecutor(
            workspace, env, user=user, clock=clock, result_limit=result_limit
        )
        self.project = self.local.project
        self._jobs: OrderedDict[str, ScriptResult] = OrderedDict()

    def close(self) -> None:
        self.local.close()

    # -- jobs -----------------------------------------------------------------------------------
    def submit(
        self,
        script: str,
        *,
        flags: Mapping[str, str] | None = None,
        identity: Identity | None = None,
        mode: SubmitMode = "statements",
        key: str | None = None,
        resume: bool = False,
    ) -> JobHandle:
        handle = JobHandle(
            job_id=f"local:{key or uuid.uuid4().hex}",
            backend=self.backend,
            project=self.project,
            identity=identity or self.identity,
            mode=mode,
            script=script,
            flags=tuple(sorted((flags or {}).items())),
            submitted_at=time.time(),
        )
        if handle.job_id in self._jobs or resume:
            return handle  # ran already here, or died with another process: never run twice
        result = self.local.run_script(script, flags=flags, one_job=mode == "script")
        self._jobs[handle.job_id] = result
        while len(self._jobs) > KEEP_JOBS:
            self._jobs.popitem(last=False)
        return handle

    def poll(self, handle: JobHandle) -> JobStatus:
        result = self._jobs.get(handle.job_id)
        if result is None:
            return JobStatus(
                handle,
                "failed",
                error=SqlError(
                    "the process that ran this local job ended before its outcome was recorded; "
                    "statements it committed stay done, nothing after them ran",
                    hint="run it again (local jobs run inside the maxworks process)",
                ),
            )
        return JobStatus(
            handle,
            "succeeded" if result.ok else "failed",
            statements=result.statements,
            percent=100.0,
            error=result.error,
        )

    def fetch(
        self, handle: JobHandle, limit: int = DEFAULT_FETCH_LIMIT, *, statement: int | None = None
    ) -> ResultSet:
        result = self._jobs.get(handle.job_id)
        if result is None:
            raise NotFound(f"job {handle.job_id} has no result in this process")
        if statement is None:
            chosen = result.last_query
        else:
            chosen = next((s for s in result.statements if s.index == statement), None)
        if chosen is None or chosen.rows is None or not chosen.ok:
            which = "its last query" if statement is None else f"statement {statement}"
            raise NotFound(f"job {handle.job_id}: {which} returned no rows")
        rows = list(chosen.rows)
        total = None if chosen.truncated else len(rows)
        table = to_arrow(chosen.columns, rows[:limit])
        return ResultSet(table, chosen.columns, total, chosen.index)

    # -- catalog --------------------------------------------------------------------------------
    def list_projects(self) -> list[str]:
        return list(self.workspace.config.all_projects)

    def list_tables(self, project: str | None = None) -> list[TableInfo]:
        return [_table_info(meta) for meta in self._catalog(project).tables()]

    def describe_table(self, table: str, project: str | None = None) -> TableInfo:
        meta = self._meta(table, project)
        if meta.is_partitioned:
            count = sum(p.row_count for p in self._catalog(project).partitions(meta.name))
        else:
            row = self._conn().execute(f"SELECT count(*) FROM {_duck(meta)}").fetchone()
            count = int(row[0]) if row else 0
        return _table_info(meta, row_count=count)

    def list_partitions(self, table: str, project: str | None = None) -> list[PartitionInfo]:
        meta = self._meta(table, project)
        return [
            PartitionInfo(p.spec, p.values, p.row_count, None, p.created_at, p.modified_at)
            for p in self._catalog(project).partitions(meta.name)
        ]

    # -- bulk data ------------------------------------------------------------------------------
    def read_table(
        self, table: str, partition: str | None = None, *, project: str | None = None
    ) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

        meta = self._meta(table, project)
        where, params = _partition_filter(meta, partition, full=False)
        cols = meta.columns + (meta.partition_columns if partition is None else [])
        schema = pa.schema([(c.name, arrow_type(c.odps_type)) for c in cols])
        select = ", ".join(duck_ident(c.name) for c in cols)
        cursor = self._conn().cursor()
        try:
            reader = cursor.sql(
                f"SELECT {select} FROM {_duck(meta)} WHERE {where}", params=params
            ).to_arrow_reader(BATCH_ROWS)
            for batch in reader or ():
                yield _cast(batch, schema)
        finally:
            cursor.close()

    def write_table(
        self,
        table: str,
        batches: Iterable[pa.RecordBatch],
        partition: str | None = None,
        *,
        project: str | None = None,
        overwrite: bool = False,
    ) -> int:
        meta = self._meta(table, project)
        where, params = _partition_filter(meta, partition, full=True)
        catalog = self._catalog(project)
        conn = self._conn()
        written = 0
        conn.execute("BEGIN TRANSACTION")
        try:
            if overwrite:
                conn.execute(f"DELETE FROM {_duck(meta)} WHERE {where}", params)
            for batch in batches:
                written += self._insert(conn, meta, batch, params)
            now = self.local.clock()
            if meta.is_partitioned:
                row = conn.execute(f"SELECT count(*) FROM {_duck(meta)} WHERE {where}", params)
                count = row.fetchone()
                catalog.upsert_partitions(
                    meta.name, [(tuple(params), int(count[0]) if count else 0)], meta, now
                )
            catalog.touch(meta.name, now)
            conn.execute("COMMIT")
        except BaseException as err:
            conn.execute("ROLLBACK")
            catalog.settle()
            if isinstance(err, duckdb.Error):
                raise ExecutorError(
                    f"cannot write {meta.qualified}: {str(err).splitlines()[0]}",
                    hint="the batches' columns must match the table's data columns",
                ) from None
            raise
        catalog.settle()
        return written

    def _insert(
        self,
        conn: duckdb.DuckDBPyConnection,
        meta: TableMeta,
        batch: pa.RecordBatch,
        parts: list[str],
    ) -> int:
        known = {c.name.lower(): c.name for c in meta.columns}
        names = [str(n) for n in batch.schema.names]
        unknown = [n for n in names if n.lower() not in known]
        if unknown:
            raise ExecutorError(
                f"{meta.qualified} has no data column {unknown[0]!r}",
                hint=f"its data columns: {', '.join(known.values())}",
            )
        if batch.num_rows == 0:
            return 0
        view = f"_mw_write_{uuid.uuid4().hex}"
        conn.register(view, batch)
        try:
            targets = [known[n.lower()] for n in names] + meta.partition_names
            values = [duck_ident(n) for n in names] + ["?" for _ in parts]
            conn.execute(
                f"INSERT INTO {_duck(meta)} ({', '.join(duck_ident(t) for t in targets)}) "
                f"SELECT {', '.join(values)} FROM {view}",
                parts,
            )
        finally:
            conn.unregister(view)
        return int(batch.num_rows)

    # -- plumbing -------------------------------------------------------------------------------
    def _conn(self) -> duckdb.DuckDBPyConnection:
        return self.local.connect()

    def _catalog(self, project: str | None) -> Catalog:
        name = project or self.project
        if name not in self.workspace.config.all_projects:
            raise NotFound(
                f"project {name!r} is not a project of this workspace",
                hint=f"its projects: {', '.join(self.workspace.config.all_projects)}",
            )
        return self.local.session().catalog(name)

    def _meta(self, table: str, project: str | None) -> TableMeta:
        if project is None and "." in table:
            project, table = table.split(".", 1)
        meta = self._catalog(project).get(table)
        if meta is None:
            raise NotFound(
                f"table {project or self.project}.{table} does not exist",
                hint="`maxworks sql -e 'SHOW TABLES;'` lists the tables",
            )
        return meta


def _duck(meta: TableMeta) -> str:
    return duck_table(meta.project, meta.name)


def _partition_filter(meta: TableMeta, spec: str | None, *, full: bool) -> tuple[str, list[str]]:
    """A DuckDB predicate for a partition spec, and its values in partition-column order."""
    if spec is None:
        if full and meta.is_partitioned:
            raise ExecutorError(
                f"{meta.qualified} is partitioned: name the partition to write",
                hint=f"e.g. partition {meta.partition_names[0]}=20250101",
            )
        return "TRUE", []
    if not meta.is_partitioned:
        raise ExecutorError(f"{meta.qualified} is not partitioned, so it has no partition {spec!r}")
    given = dict(parse_partition_spec(spec))
    unknown = [n for n in given if n not in meta.partition_names]
    missing = [n for n in meta.partition_names if n not in given]
    if unknown or (full and missing):
        raise ExecutorError(
            f"{spec!r} does not match the partition columns of {meta.qualified} "
            f"({', '.join(meta.partition_names)})"
        )
    for name, value in given.items():
        try:
            check_value(name, value, 1)
        except SqlError as err:
            raise ExecutorError(err.reason) from None
    names = [n for n in meta.partition_names if n in given]
    where = " AND ".join(f"CAST({duck_ident(n)} AS VARCHAR) = ?" for n in names) or "TRUE"
    return where, [given[n] for n in names]


def _table_info(meta: TableMeta, *, row_count: int | None = None) -> TableInfo:
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
        row_count=row_count,
        is_view=meta.is_view,
    )


def _cast(batch: Any, schema: Any) -> Any:
    try:
        return batch.cast(schema)
    except Exception:  # a value the MaxCompute type cannot hold exactly: keep DuckDB's type
        return batch
