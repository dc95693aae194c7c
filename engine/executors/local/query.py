"""SELECT / WITH / UNION: run a query and fetch a bounded result."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from engine.executors.local.reads import prepare_reads, to_sql
from engine.executors.local.session import Session
from engine.executors.local.types import odps_type_of
from engine.executors.records import ResultColumn, StatementResult
from engine.sql import analysis
from engine.sql.splitter import Statement


@dataclass(frozen=True)
class PreparedQuery:
    """A query ready to run: its DuckDB SQL (names resolved, guards passed, translated) and the
    tables it reads (``project.table``)."""

    sql: str
    tables_read: tuple[str, ...]


def prepare_query(session: Session, tree: exp.Expr, line: int) -> PreparedQuery:
    """Resolve, guard and translate a parsed query (the tree is consumed)."""
    read = prepare_reads(session, tree, line)
    first = tree
    while isinstance(first, exp.SetOperation):
        first = first.this
    if isinstance(first, exp.Select):
        analysis.name_expressions(first)
    sql = to_sql(session, tree, consume=True)
    return PreparedQuery(sql, tuple(m.qualified for m in read))


def run_prepared(
    session: Session, prepared: PreparedQuery, stmt: Statement, sql_text: str
) -> StatementResult:
    cursor = session.conn.execute(prepared.sql)
    limit = session.result_limit
    rows = cursor.fetchmany(limit + 1)
    truncated = len(rows) > limit
    description = cursor.description or []
    columns = tuple(ResultColumn(d[0], odps_type_of(str(d[1]))) for d in description)
    return StatementResult(
        index=stmt.index,
        line=stmt.line,
        sql=sql_text,
        kind="query",
        columns=columns,
        rows=rows[:limit],
        truncated=truncated,
        tables_read=prepared.tables_read,
        message=f"{min(len(rows), limit):,} row{'s' if len(rows) != 1 else ''}"
        + (f" (first {limit:,} shown)" if truncated else ""),
    )


def run_query(session: Session, tree: exp.Expr, stmt: Statement, sql_text: str) -> StatementResult:
    return run_prepared(session, prepare_query(session, tree, stmt.line), stmt, sql_text)
