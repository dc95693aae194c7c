"""What executing SQL returns: frozen records, with errors as values (harlequin's query.py idea).

Callers keep the context of every statement and never catch driver exceptions themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from engine.errors import SqlError

StatementKind = Literal["query", "ddl", "dml", "set", "show"]


@dataclass(frozen=True)
class ResultColumn:
    name: str
    odps_type: str  # MaxCompute's spelling: BIGINT, STRING, DATETIME, DECIMAL(38,18), ...


@dataclass(frozen=True)
class StatementResult:
    index: int
    line: int
    sql: str  # the statement as the user wrote it, after parameter substitution
    kind: StatementKind
    message: str = ""  # what it did, e.g. "1,024 rows written to demo.t partition dt=20250101"
    columns: tuple[ResultColumn, ...] = ()
    rows: Sequence[tuple[Any, ...]] | None = None
    truncated: bool = False  # more rows existed than the limit
    rows_affected: int | None = None
    tables_read: tuple[str, ...] = ()
    tables_written: tuple[str, ...] = ()
    partitions_written: tuple[str, ...] = ()
    translate_ms: float = 0.0
    elapsed_ms: float = 0.0
    error: SqlError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ScriptResult:
    statements: tuple[StatementResult, ...]
    flags: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.statements)

    @property
    def error(self) -> SqlError | None:
        for s in self.statements:
            if s.error is not None:
                return s.error
        return None

    @property
    def last_query(self) -> StatementResult | None:
        for s in reversed(self.statements):
            if s.rows is not None and s.ok:
                return s
        return None

    @property
    def tables_read(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for s in self.statements for t in s.tables_read))

    @property
    def tables_written(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for s in self.statements for t in s.tables_written))
