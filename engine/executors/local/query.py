"""SELECT / WITH / UNION: run a query and fetch a bounded result."""

from __future__ import annotations

from sqlglot import exp

from engine.executors.local.reads import prepare_reads, to_sql
from engine.executors.local.session import Session
from engine.executors.local.types import odps_type_of
from engine.executors.records import ResultColumn, StatementResult
from engine.sql import analysis
from engine.sql.splitter import Statement


def run_query(session: Session, tree: exp.Expr, stmt: Statement, sql_text: str) -> StatementResult:
    read = prepare_reads(session, tree, stmt.line)
    first = tree
    while isinstance(first, exp.SetOperation):
        first = first.this
    if isinstance(first, exp.Select):
        analysis.name_expressions(first)
    sql = to_sql(session, tree)
    cursor = session.conn.execute(sql)
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
        tables_read=tuple(m.qualified for m in read),
        message=f"{min(len(rows), limit):,} row{'s' if len(rows) != 1 else ''}"
        + (f" (first {limit:,} shown)" if truncated else ""),
    )
