"""Catalog listing and bulk table I/O on MaxCompute (the executor's catalog half).

Listing uses ``list_tables(extended=True)``, whose answer already carries each table's attributes;
attributes are read as loaded (``errors.attr``) so a listing never costs one call per table.
Bulk reads and writes go through the table tunnel as typed records, converted to and from Arrow.
Lineage is not asked of the service: maxworks derives it from the SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from engine.executors.contract import (
    ColumnInfo,
    ExecutorError,
    Identity,
    PartitionInfo,
    TableInfo,
    parse_partition_spec,
    to_arrow,
)
from engine.executors.maxcompute.errors import attr, service_error
from engine.executors.maxcompute.results import type_name
from engine.executors.maxcompute_config import MaxComputeConfig
from engine.executors.records import ResultColumn

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

BATCH_ROWS = 10_000
T = TypeVar("T")


class CatalogMixin:
    """Needs ``project``, ``projects``, ``config``, ``odps()`` and ``_read()`` from the executor."""

    project: str
    projects: list[str]
    config: MaxComputeConfig

    def odps(self, identity: Identity | None = None) -> Any:
        raise NotImplementedError

    def _read(self, call: Callable[[], T], what: str) -> T:
        raise NotImplementedError

    # -- listing --------------------------------------------------------------------------------
    def list_projects(self) -> list[str]:
        """The workspace's projects (dev and prod): the ones maxworks reads and writes."""
        return list(self.projects)

    def list_tables(self, project: str | None = None) -> list[TableInfo]:
        o, name = self.odps(), project or self.project
        listing = lambda: [_table_info(name, t) for t in o.list_tables(project=name, extended=True)]  # noqa: E731
        result: list[TableInfo] = self._read(listing, f"listing the tables of {name}")
        return result

    def describe_table(self, table: str, project: str | None = None) -> TableInfo:
        project, table = _split(table, project or self.project)
        t = self._table(project, table)
        return _table_info(project, t)

    def list_partitions(self, table: str, project: str | None = None) -> list[PartitionInfo]:
        project, table = _split(table, project or self.project)
        t = self._table(project, table)
        if not t.table_schema.partitions:
            return []
        listing = lambda: [_partition_info(p) for p in t.iterate_partitions()]  # noqa: E731
        result: list[PartitionInfo] = self._read(listing, f"listing partitions of {table}")
        return result

    def _table(self, project: str, table: str) -> Any:
        o = self.odps()

        def load() -> Any:
            t = o.get_table(table, project=project)
            t.reload()
            return t

        return self._read(load, f"reading table {project}.{table}")

    # -- bulk data ------------------------------------------------------------------------------
    def read_table(
        self, table: str, partition: str | None = None, *, project: str | None = None
    ) -> Iterator[pa.RecordBatch]:
        project, table = _split(table, project or self.project)
        t = self._table(project, table)
        if t.table_schema.partitions and partition is None:
            listing = lambda: [str(p.partition_spec) for p in t.iterate_partitions()]  # noqa: E731
            for spec in self._read(listing, f"listing partitions of {table}"):
                yield from self._download(project, t, spec, append=True)
        else:
            yield from self._download(project, t, _odps_spec(partition), append=False)

    def _download(self, project: str, t: Any, spec: str | None, *, append: bool) -> Iterator[Any]:
        from odps.tunnel import TableTunnel

        schema = t.table_schema
        data = list(schema.simple_columns)
        parts = list(schema.partitions) if append else []
        columns = [ResultColumn(c.name, type_name(c.type)) for c in data + parts]
        values = [v for _, v in parse_partition_spec(spec)] if append and spec else []
        tunnel = TableTunnel(self.odps(), project=project)
        session = self._read(
            lambda: tunnel.create_download_session(t.name, partition_spec=spec),
            f"opening a download of {t.name}",
        )
        count = int(session.count or 0)
        if count == 0:
            return
        chunk: list[tuple[Any, ...]] = []
        try:
            with session.open_record_reader(0, count) as reader:
                for record in reader:
                    chunk.append((*record.values[: len(data)], *values))
                    if len(chunk) == BATCH_ROWS:
                        yield from to_arrow(columns, chunk).to_batches()
                        chunk = []
        except Exception as err:
            raise service_error(
                err, what=f"reading {t.name}", endpoint=self.config.endpoint
            ) from None
        if chunk:
            yield from to_arrow(columns, chunk).to_batches()

    def write_table(
        self,
        table: str,
        batches: Iterable[pa.RecordBatch],
        partition: str | None = None,
        *,
        project: str | None = None,
        overwrite: bool = False,
    ) -> int:
        """One upload session, one block, committed once (an upload is never retried)."""
        from odps.tunnel import TableTunnel

        project, table = _split(table, project or self.project)
        t = self._table(project, table)
        if t.table_schema.partitions and partition is None:
            raise ExecutorError(
                f"{project}.{table} is partitioned: name the partition to write",
                hint="e.g. partition dt=20250101",
            )
        names = [c.name.lower() for c in t.table_schema.simple_columns]
        written = 0
        try:
            tunnel = TableTunnel(self.odps(), project=project)
            session = tunnel.create_upload_session(
                table,
                partition_spec=_odps_spec(partition),
                create_partition=partition is not None,
                overwrite=overwrite,
            )
            with session.open_record_writer(0) as writer:
                for batch in batches:
                    _check_columns(f"{project}.{table}", names, batch)
                    for row in batch.to_pylist():
                        lowered = {str(k).lower(): v for k, v in row.items()}
                        writer.write(session.new_record([lowered.get(n) for n in names]))
                        written += 1
            session.commit([0])
        except ExecutorError:
            raise
        except Exception as err:
            raise service_error(
                err, what=f"writing {table}", endpoint=self.config.endpoint
            ) from None
        return written


def _split(table: str, project: str) -> tuple[str, str]:
    if "." in table:
        first, rest = table.split(".", 1)
        return first, rest
    return project, table


def _odps_spec(partition: str | None) -> str | None:
    if partition is None:
        return None
    return ",".join(f"{k}={v}" for k, v in parse_partition_spec(partition))


def _check_columns(table: str, names: list[str], batch: Any) -> None:
    for name in batch.schema.names:
        if str(name).lower() not in names:
            raise ExecutorError(
                f"{table} has no data column {name!r}", hint=f"its data columns: {', '.join(names)}"
            )


def _table_info(project: str, t: Any) -> TableInfo:
    schema = attr(t, "table_schema")
    columns = tuple(_column(c) for c in schema.simple_columns) if schema is not None else ()
    parts = tuple(_column(c) for c in schema.partitions) if schema is not None else ()
    lifecycle = attr(t, "lifecycle")
    table_type = attr(t, "type")
    return TableInfo(
        project=project,
        name=str(t.name),
        columns=columns,
        partition_columns=parts,
        comment=attr(t, "comment") or None,
        owner=attr(t, "owner"),
        lifecycle=lifecycle if isinstance(lifecycle, int) and lifecycle > 0 else None,
        created_at=attr(t, "creation_time"),
        modified_at=attr(t, "last_data_modified_time"),
        size_bytes=_count(attr(t, "size")),
        row_count=_count(attr(t, "record_num")),
        is_view=bool(attr(t, "is_virtual_view"))
        or getattr(table_type, "value", None) == "VIRTUAL_VIEW",
    )


def _column(c: Any) -> ColumnInfo:
    return ColumnInfo(str(c.name), type_name(c.type), c.comment or None)


def _partition_info(p: Any) -> PartitionInfo:
    kv = dict(p.partition_spec.kv)
    return PartitionInfo(
        spec="/".join(f"{k}={v}" for k, v in kv.items()),
        values=tuple(str(v) for v in kv.values()),
        row_count=_count(attr(p, "record_num")),
        size_bytes=_count(attr(p, "size")),
        created_at=attr(p, "creation_time"),
        modified_at=attr(p, "last_data_modified_time"),
    )


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and value >= 0 else None
