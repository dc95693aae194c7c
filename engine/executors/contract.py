"""The executor contract: one small ABC that every backend implements (harlequin's adapter idea).

A job goes ``submit`` -> :class:`JobHandle` (persist it *before* waiting) -> ``poll`` until it is
finished (persist ``status.handle`` whenever it differs: a backend may advance it, e.g. when the
next statement of an ODPS SQL node is submitted) -> ``fetch`` a bounded result as Arrow. A handle
carries everything needed to re-attach after a restart, so a job is never submitted twice.

What a statement did, including its failure, is a value (:class:`JobStatus` holds
:class:`~engine.executors.records.StatementResult` records). Only infrastructure problems raise,
and only :class:`ExecutorError` (or another ``MaxworksError``). Capability flags say what else a
backend supports; the optional methods have safe defaults instead of raising.
"""

from __future__ import annotations

import json
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from engine.errors import MaxworksError, SqlError
from engine.executors.credentials import Identity as Identity  # re-exported
from engine.executors.local.types import split_top_level
from engine.executors.records import ResultColumn, StatementResult

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

SubmitMode = Literal[
    "statements", "script"
]  # ODPS SQL node: one job per statement; Script: one job
JobState = Literal["submitting", "running", "succeeded", "failed", "cancelled"]
FINISHED: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
DEFAULT_FETCH_LIMIT = 10_000


class ExecutorError(MaxworksError):
    """A backend could not do what was asked (never a statement's own failure: that is a value)."""


class BackendUnavailable(ExecutorError):
    """The backend did not answer (network, endpoint, timeout); the job's fate is unknown."""


class AccessDenied(ExecutorError):
    """The backend refused the identity: bad AccessKey, or no permission on the project."""


class NotFound(ExecutorError):
    """No such project, table, partition or job."""


class NotSupported(ExecutorError):
    """The backend lacks this capability (check its ``IMPLEMENTS_*`` flag first)."""


@dataclass(frozen=True)
class JobHandle:
    """A submitted job: persisted by the caller before it waits, enough to re-attach later."""

    job_id: str  # stable: "<backend>:<key>"; the key is the backend's unique identifier root
    backend: str
    project: str
    identity: Identity
    mode: SubmitMode
    script: str  # the user's SQL after parameter substitution
    flags: tuple[tuple[str, str], ...] = ()
    submitted_at: float = 0.0  # epoch seconds
    instance_ids: tuple[str, ...] = ()  # the backend's job ids, one per unit submitted so far
    pending: bool = False  # the next unit's submission may have reached the backend: look it up

    @property
    def key(self) -> str:
        return self.job_id.split(":", 1)[1]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> JobHandle:
        data = json.loads(text)
        data["flags"] = tuple(tuple(kv) for kv in data.get("flags", ()))
        data["instance_ids"] = tuple(data.get("instance_ids", ()))
        return cls(**data)


@dataclass(frozen=True)
class StageProgress:
    name: str
    percent: int
    total_workers: int = 0
    running_workers: int = 0
    terminated_workers: int = 0


@dataclass(frozen=True)
class JobStatus:
    handle: JobHandle  # persist it when it differs from the handle that was polled
    state: JobState
    statements: tuple[StatementResult, ...] = ()  # finished statements, in order
    stages: tuple[StageProgress, ...] = ()
    percent: float | None = None  # of the whole job, where the backend can tell
    error: SqlError | None = None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def ok(self) -> bool:
        return self.state == "succeeded"


@dataclass(frozen=True)
class ResultSet:
    """A bounded query result: Arrow data, MaxCompute column types, shown vs total rows."""

    table: pa.Table
    columns: tuple[ResultColumn, ...]
    total_rows: int | None  # rows the query produced; None when the backend cannot tell
    statement_index: int = 0

    @property
    def shown_rows(self) -> int:
        return int(self.table.num_rows)

    @property
    def truncated(self) -> bool:
        return self.total_rows is None or self.total_rows > self.shown_rows


@dataclass(frozen=True)
class CostEstimate:
    """A dry run: what the script would read, without reading it."""

    input_bytes: int
    complexity: float
    udf_count: int
    statements: int = 1


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    odps_type: str
    comment: str | None = None


@dataclass(frozen=True)
class TableInfo:
    project: str
    name: str
    columns: tuple[ColumnInfo, ...] = ()
    partition_columns: tuple[ColumnInfo, ...] = ()
    comment: str | None = None
    owner: str | None = None
    lifecycle: int | None = None  # days; None = kept forever
    created_at: datetime | None = None
    modified_at: datetime | None = None  # last data change
    size_bytes: int | None = None
    row_count: int | None = None
    is_view: bool = False


@dataclass(frozen=True)
class PartitionInfo:
    spec: str  # "dt=20250101/hh=01", MaxCompute's spelling
    values: tuple[str, ...]
    row_count: int | None = None
    size_bytes: int | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None


class Executor(ABC):
    """One backend bound to one workspace environment (its default project) and one identity."""

    backend: ClassVar[str]
    IMPLEMENTS_CANCEL: ClassVar[bool] = False
    IMPLEMENTS_COST: ClassVar[bool] = False
    IMPLEMENTS_PROGRESS: ClassVar[bool] = False
    IMPLEMENTS_LOGVIEW: ClassVar[bool] = False
    SYNCHRONOUS: ClassVar[bool] = False  # submit returns only when the job has finished

    project: str
    identity: Identity

    # -- jobs -----------------------------------------------------------------------------------
    @abstractmethod
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
        """Submit ``script`` (parameters already substituted); ``SET k=v;`` statements are flags.

        ``key`` (default: a new one) becomes the job's unique identifier: submitting the same key
        again re-attaches to the job instead of running it twice. ``resume=True`` says the key may
        already have been submitted (a crash before the handle was stored): the backend looks the
        job up first. Infrastructure failures raise ExecutorError; a failing statement does not.
        """

    @abstractmethod
    def poll(self, handle: JobHandle) -> JobStatus:
        """The job's state now (one round of cheap calls; never waits for the job)."""

    @abstractmethod
    def fetch(
        self, handle: JobHandle, limit: int = DEFAULT_FETCH_LIMIT, *, statement: int | None = None
    ) -> ResultSet:
        """The first ``limit`` rows of a finished query (default: the last query's)."""

    def logview(self, handle: JobHandle) -> str | None:
        """A diagnostic link for the job, where the backend has one."""
        return None

    def cancel(self, handle: JobHandle) -> bool:
        """Ask the backend to stop the job; False when it cannot (or it already finished)."""
        return False

    def estimate_cost(
        self, script: str, flags: Mapping[str, str] | None = None
    ) -> CostEstimate | None:
        """A dry-run cost estimate (no data read), or None where the backend has none."""
        return None

    def wait(
        self,
        handle: JobHandle,
        *,
        timeout: float | None = None,
        interval: float = 0.5,
        max_interval: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        on_status: Callable[[JobStatus], None] | None = None,
    ) -> JobStatus:
        """Poll until the job finishes (interactive use; the scheduler polls from its loop)."""
        started = time.monotonic()
        while True:
            status = self.poll(handle)
            handle = status.handle
            if on_status is not None:
                on_status(status)
            if status.finished:
                return status
            if timeout is not None and time.monotonic() - started > timeout:
                raise ExecutorError(
                    f"job {handle.job_id} is still {status.state} after {timeout:.0f} s",
                    hint="it keeps running; poll it again later, or cancel it",
                )
            sleep(interval)
            interval = min(interval * 2, max_interval)

    # -- catalog --------------------------------------------------------------------------------
    @abstractmethod
    def list_projects(self) -> list[str]: ...

    @abstractmethod
    def list_tables(self, project: str | None = None) -> list[TableInfo]:
        """Tables and views with what is cheap to know (columns may be left empty)."""

    @abstractmethod
    def describe_table(self, table: str, project: str | None = None) -> TableInfo: ...

    @abstractmethod
    def list_partitions(self, table: str, project: str | None = None) -> list[PartitionInfo]: ...

    # -- bulk data ------------------------------------------------------------------------------
    @abstractmethod
    def read_table(
        self, table: str, partition: str | None = None, *, project: str | None = None
    ) -> Iterator[pa.RecordBatch]:
        """The table's rows; partition columns are appended only when no partition is given."""

    @abstractmethod
    def write_table(
        self,
        table: str,
        batches: Iterable[pa.RecordBatch],
        partition: str | None = None,
        *,
        project: str | None = None,
        overwrite: bool = False,
    ) -> int:
        """Append (or with ``overwrite`` replace) the data columns of a table or partition.

        The partition is created when missing. Returns the number of rows written.
        """

    # -- lifetime -------------------------------------------------------------------------------
    def close(self) -> None:  # noqa: B027 (an optional hook: most backends hold nothing)
        """Release connections."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- helpers shared by the backends ---------------------------------------------------------------
def parse_partition_spec(spec: str) -> list[tuple[str, str]]:
    """``dt=20250101/hh=01`` or ``dt='20250101',hh='01'`` -> [("dt", "20250101"), ("hh", "01")]."""
    pairs: list[tuple[str, str]] = []
    for part in re.split(r"[/,]", spec):
        name, sep, value = part.partition("=")
        name, value = name.strip().lower(), value.strip().strip("'\"")
        if not sep or not name or not value:
            raise ExecutorError(
                f"{spec!r} is not a partition spec",
                hint="write it as dt=20250101 or dt=20250101/hh=01",
            )
        pairs.append((name, value))
    return pairs


def arrow_type(odps_type: str) -> pa.DataType:
    """The Arrow type for a MaxCompute type name (BIGINT, DECIMAL(10,2), ARRAY<STRING>, ...)."""
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    t = odps_type.strip().replace("`", "")
    upper = t.upper()
    scalar = {
        "BIGINT": pa.int64(), "INT": pa.int32(), "SMALLINT": pa.int16(), "TINYINT": pa.int8(),
        "DOUBLE": pa.float64(), "FLOAT": pa.float32(), "BOOLEAN": pa.bool_(), "STRING": pa.string(),
        "BINARY": pa.binary(), "DATE": pa.date32(), "DATETIME": pa.timestamp("ms"),
        "TIMESTAMP": pa.timestamp("ns"), "TIMESTAMP_NTZ": pa.timestamp("ns"), "JSON": pa.string(),
    }  # fmt: skip
    if upper in scalar:
        return scalar[upper]
    if upper.startswith(("VARCHAR", "CHAR")):
        return pa.string()
    decimal = re.fullmatch(r"DECIMAL\s*\((\d+)\s*,\s*(\d+)\)", upper)
    if decimal:
        return pa.decimal128(int(decimal.group(1)), int(decimal.group(2)))
    if upper == "DECIMAL":
        return pa.decimal128(38, 18)
    inner = re.fullmatch(r"(ARRAY|MAP|STRUCT)\s*<(.*)>", t, re.IGNORECASE | re.DOTALL)
    if inner:
        kind, body = inner.group(1).upper(), inner.group(2)
        if kind == "ARRAY":
            return pa.list_(arrow_type(body))
        parts = [p.strip() for p in split_top_level(body)]
        if kind == "MAP":
            return pa.map_(arrow_type(parts[0]), arrow_type(",".join(parts[1:])))
        fields = [p.split(":", 1) for p in parts]
        return pa.struct([(n.strip(), arrow_type(ft)) for n, ft in fields])
    return pa.string()  # INTERVAL types and anything newer: shown as text


def to_arrow(columns: Sequence[ResultColumn], rows: Iterable[Sequence[Any]]) -> pa.Table:
    """Rows (tuples in column order) as an Arrow table typed from the MaxCompute types."""
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    materialised = [tuple(r) for r in rows]
    arrays = []
    for i, col in enumerate(columns):
        values = [r[i] for r in materialised]
        try:
            arrays.append(pa.array(values, type=arrow_type(col.odps_type)))
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            arrays.append(pa.array([None if v is None else str(v) for v in values], pa.string()))
    names = [c.name for c in columns]
    return pa.Table.from_arrays(arrays, names=names) if names else pa.table({})
