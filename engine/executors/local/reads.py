"""Resolve, guard and rename every table a statement reads."""

from __future__ import annotations

import time

from sqlglot import exp

from engine.executors.local.catalog import TableMeta
from engine.executors.local.session import Session
from engine.sql import analysis
from engine.sql.functions import TranslateContext, to_duckdb


def prepare_reads(
    session: Session, tree: exp.Expr, line: int, *, skip: tuple[exp.Table, ...] = ()
) -> list[TableMeta]:
    """Resolve every table read by ``tree``, enforce MaxCompute's guards, and rewrite the names to
    the DuckDB catalog of their project. Returns the tables read (in first-seen order)."""
    skip_ids = {id(t) for t in skip}
    surveyed = analysis.survey(tree)  # one walk for the tables and the guards
    found: list[tuple[exp.Table, TableMeta]] = []
    for table in surveyed.tables:
        if id(table) in skip_ids:
            continue
        found.append((table, session.require(table, line)))
    by_node = {id(t): m for t, m in found}

    if session.flag("odps.sql.validate.orderby.limit"):
        analysis.check_order_by_limit(surveyed, line)
    if not session.flag("odps.sql.allow.fullscan"):
        analysis.check_full_scan(
            surveyed,
            lambda t: _name_and_parts(by_node[id(t)]) if id(t) in by_node else None,
            line,
        )
    for table, meta in found:
        rename_table(table, meta.project, meta.name)
    seen: dict[str, TableMeta] = {}
    for _, meta in found:
        seen.setdefault(meta.qualified, meta)
    return list(seen.values())


def _name_and_parts(meta: TableMeta) -> tuple[analysis.TableName, list[str]]:
    return analysis.TableName(meta.project, meta.name), meta.partition_names


def rename_table(table: exp.Table, project: str, name: str) -> None:
    alias = table.args.get("alias")
    if alias is None:
        # Keep the name the query uses for the table, so `t.col` still binds after renaming.
        table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name)))
    table.set("this", exp.to_identifier(name, quoted=True))
    table.set("db", exp.to_identifier("main"))
    table.set("catalog", exp.to_identifier(project, quoted=True))


def translate_context(session: Session) -> TranslateContext:
    return TranslateContext(
        odps2=session.flag("odps.sql.type.system.odps2"),
        hive_compatible=session.flag("odps.sql.hive.compatible"),
        timezone=session.timezone,
    )


def to_sql(session: Session, tree: exp.Expr, *, consume: bool = False) -> str:
    """DuckDB SQL for a tree whose tables were already prepared (the translation rewrites it in
    place). ``consume``: the caller drops the tree afterwards, so SQL generation may rewrite it
    too instead of working on a copy (a deep copy costs about as much as the translation)."""
    started = time.perf_counter()
    sql: str = to_duckdb(tree, translate_context(session)).sql(dialect="duckdb", copy=not consume)
    session.translate_ms += (time.perf_counter() - started) * 1000
    return sql
