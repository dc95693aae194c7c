"""Results of ad-hoc runs the leader makes for clients (``maxworks sql`` while a scheduler runs)
and of test instances (DataStudio's Run shows them in its grid).

A bounded result file per instance under ``.maxworks/results/<instance>/``: ``statements.json``
(what each statement did, errors included) and ``result.parquet`` (the last query's rows, typed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import SqlError
from engine.executors.records import ResultColumn, ScriptResult, StatementResult

if TYPE_CHECKING:
    from engine.executors.contract import ResultSet

STATEMENTS = "statements.json"
ROWS = "result.parquet"


def with_last_rows(
    statements: Sequence[StatementResult], fetch: Callable[[int], ResultSet]
) -> list[StatementResult]:
    """A job engine's statements with the last query's rows attached (``fetch(statement index)``
    reads them: the MaxCompute instance tunnel), as a local run returns them."""
    from dataclasses import replace

    out = list(statements)
    shown = [i for i, s in enumerate(out) if s.kind in ("query", "show") and s.ok]
    if not shown:
        return out
    last = out[shown[-1]]
    rows = fetch(last.index)
    columns = [c.to_pylist() for c in rows.table.columns]
    total = f" of {rows.total_rows:,}" if rows.truncated and rows.total_rows else ""
    out[shown[-1]] = replace(
        last,
        columns=rows.columns,
        rows=list(zip(*columns, strict=True)),
        truncated=rows.truncated,
        message=f"{rows.shown_rows:,} rows{total}",
    )
    return out


def save(folder: Path, statements: Sequence[StatementResult]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    last_query = max(
        (i for i, s in enumerate(statements) if s.rows is not None and s.ok), default=None
    )
    for i, s in enumerate(statements):
        err = s.error
        records.append(
            {
                "index": s.index, "line": s.line, "sql": s.sql, "kind": s.kind, "message": s.message,
                "rows_affected": s.rows_affected, "tables_read": list(s.tables_read),
                "tables_written": list(s.tables_written), "partitions_written": list(s.partitions_written),
                "truncated": s.truncated, "elapsed_ms": s.elapsed_ms, "translate_ms": s.translate_ms,
                "columns": [[c.name, c.odps_type] for c in s.columns], "has_rows": i == last_query,
                "error": None if err is None else {"reason": err.reason, "line": err.line, "code": err.code, "hint": err.hint},
            }
        )  # fmt: skip
        if i == last_query:
            cols = list(zip(*s.rows, strict=True)) if s.rows else [() for _ in s.columns]
            arrays = []
            for values in cols:
                try:
                    arrays.append(pa.array(list(values)))
                except (pa.ArrowInvalid, pa.ArrowTypeError):
                    arrays.append(pa.array([None if v is None else str(v) for v in values]))
            names = [
                f"{n}\x00{k}" for k, n in enumerate(c.name for c in s.columns)
            ]  # names may repeat
            pq.write_table(pa.Table.from_arrays(arrays, names=names), folder / ROWS)
    tmp = folder / (STATEMENTS + ".tmp")
    tmp.write_text(json.dumps(records, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(folder / STATEMENTS)


def load(folder: Path) -> ScriptResult:
    records = json.loads((folder / STATEMENTS).read_text(encoding="utf-8"))
    out: list[StatementResult] = []
    for r in records:
        rows = None
        if r["has_rows"]:
            import pyarrow.parquet as pq

            table = pq.read_table(folder / ROWS)
            columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
            rows = list(zip(*columns, strict=True)) if columns else []
        err = r["error"]
        out.append(
            StatementResult(
                index=r["index"], line=r["line"], sql=r["sql"], kind=r["kind"], message=r["message"],
                columns=tuple(ResultColumn(n, t) for n, t in r["columns"]), rows=rows, truncated=r["truncated"],
                rows_affected=r["rows_affected"], tables_read=tuple(r["tables_read"]),
                tables_written=tuple(r["tables_written"]), partitions_written=tuple(r["partitions_written"]),
                translate_ms=r["translate_ms"], elapsed_ms=r["elapsed_ms"],
                error=None if err is None else SqlError(err["reason"], line=err["line"], code=err["code"], hint=err["hint"]),
            )
        )  # fmt: skip
    return ScriptResult(statements=tuple(out))


def read_result(folder: Path, limit: int | None = None) -> ResultSet | None:
    """The last query's rows of a run's result file as Arrow (typed from the MaxCompute column
    types), without turning them into Python rows; None when the run returned no rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from engine.executors.contract import ResultSet, arrow_type

    try:
        records = json.loads((folder / STATEMENTS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    record = next((r for r in records if r["has_rows"]), None)
    if record is None:
        return None
    columns = tuple(ResultColumn(n, t) for n, t in record["columns"])
    table = pq.read_table(folder / ROWS)
    arrays = []
    for column, array in zip(columns, table.columns, strict=True):
        try:
            arrays.append(array.cast(arrow_type(column.odps_type)))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            arrays.append(array)
    names = [c.name for c in columns]
    data = pa.Table.from_arrays(arrays, names=names) if names else pa.table({})
    total = None if record["truncated"] else data.num_rows
    if limit is not None and data.num_rows > limit:
        data = data.slice(0, limit)
    return ResultSet(data, columns, total, record["index"])
