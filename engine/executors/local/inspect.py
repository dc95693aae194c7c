"""DESC, SHOW TABLES and SHOW PARTITIONS: answered from the ``_mw`` metadata.

These simple forms are recognised before parsing (sqlglot has no tree for them).
"""

from __future__ import annotations

import re

from sqlglot import exp

from engine.errors import SqlError
from engine.executors.local import partitions as P
from engine.executors.local.session import Session
from engine.executors.records import ResultColumn, StatementResult
from engine.sql.dialect import parse_statement
from engine.sql.splitter import Statement, strip_comments

_NAME = r"(`[^`]+`|[A-Za-z_][\w]*)(\.(`[^`]+`|[A-Za-z_][\w]*)){0,2}"
_DESC = re.compile(
    rf"^\s*(?:desc|describe)\s+(?:extended\s+)?(?:table\s+)?(?P<name>{_NAME})\s*(?P<part>partition\s*\(.*\))?\s*$",
    re.I | re.S,
)
_SHOW_TABLES = re.compile(
    r"^\s*show\s+tables(?:\s+(?:in|from)\s+(?P<project>\w+))?(?:\s+(?:like\s+)?'(?P<like>[^']*)')?\s*$",
    re.I,
)
_SHOW_PARTS = re.compile(
    rf"^\s*show\s+partitions\s+(?P<name>{_NAME})\s*(?P<part>partition\s*\(.*\))?\s*$", re.I | re.S
)

_STR = "STRING"


def match(text: str) -> str | None:
    body = strip_comments(text)
    if _DESC.match(body):
        return "desc"
    if _SHOW_TABLES.match(body):
        return "show_tables"
    if _SHOW_PARTS.match(body):
        return "show_partitions"
    return None


def run(session: Session, kind: str, stmt: Statement, sql: str) -> StatementResult:
    body = strip_comments(sql)
    if kind == "desc":
        return _desc(session, _DESC.match(body), stmt, sql)  # type: ignore[arg-type]
    if kind == "show_tables":
        return _show_tables(session, _SHOW_TABLES.match(body), stmt, sql)  # type: ignore[arg-type]
    return _show_partitions(session, _SHOW_PARTS.match(body), stmt, sql)  # type: ignore[arg-type]


def _table_node(name: str) -> exp.Table:
    tree = parse_statement(f"SELECT * FROM {name}")
    table = tree.find(exp.Table)
    assert table is not None
    return table


def _desc(session: Session, m: re.Match[str], stmt: Statement, sql: str) -> StatementResult:
    meta = session.require(_table_node(m.group("name")), stmt.line)
    rows: list[tuple[str, str, str, str]] = []
    for c in meta.columns:
        rows.append((c.name, c.odps_type, c.comment or "", ""))
    for c in meta.partition_columns:
        rows.append((c.name, c.odps_type, c.comment or "", "partition"))
    info = [
        f"Table: {meta.qualified}" + (" (view)" if meta.is_view else ""),
        f"Owner: {meta.owner or ''}",
        f"Comment: {meta.comment or ''}",
        f"CreateTime: {_t(meta.created_at)}   LastDDLTime: {_t(meta.ddl_at)}   LastModifiedTime: {_t(meta.modified_at)}",
        f"Lifecycle: {meta.lifecycle if meta.lifecycle is not None else '-'}"
        + (
            f"   Transactional: true   PrimaryKey: {', '.join(meta.primary_key) or '-'}"
            if meta.transactional
            else ""
        ),
    ]
    if meta.is_partitioned:
        parts = session.catalog(meta.project).partitions(meta.name)
        info.append(f"Partitions: {len(parts):,}, rows: {sum(p.row_count for p in parts):,}")
    if m.group("part"):
        clause = P.parse_clause(
            P.spec_items(
                parse_statement(f"ALTER TABLE x ADD {m.group('part')}").args["actions"][0]
            ),
            meta,
            stmt.line,
            allow_dynamic=False,
        )
        spec = P.static_spec(meta, clause)
        part = session.catalog(meta.project).partition(meta.name, spec)
        if part is None:
            raise SqlError(
                f"Partition not found - {spec} of {meta.qualified}",
                line=stmt.line,
                code="ODPS-0130131",
            )
        info.append(
            f"Partition: {spec}   CreateTime: {_t(part.created_at)}   LastModifiedTime: {_t(part.modified_at)}   Rows: {part.row_count:,}"
        )
    return StatementResult(
        index=stmt.index,
        line=stmt.line,
        sql=sql,
        kind="show",
        message="\n".join(info),
        columns=(
            ResultColumn("name", _STR),
            ResultColumn("type", _STR),
            ResultColumn("comment", _STR),
            ResultColumn("partition", _STR),
        ),
        rows=rows,
        tables_read=(meta.qualified,),
    )


def _show_tables(session: Session, m: re.Match[str], stmt: Statement, sql: str) -> StatementResult:
    project = (m.group("project") or session.project).lower()
    if project not in session.projects:
        raise SqlError(
            f"project {project!r} is not a project of this workspace",
            line=stmt.line,
            code="ODPS-0130131",
        )
    like = m.group("like")
    pattern = (
        re.compile("^" + re.escape(like).replace(r"\*", ".*").replace("%", ".*") + "$", re.I)
        if like
        else None
    )
    rows = [
        (t.owner or "", t.name)
        for t in session.catalog(project).tables()
        if pattern is None or pattern.match(t.name)
    ]
    return StatementResult(
        index=stmt.index,
        line=stmt.line,
        sql=sql,
        kind="show",
        columns=(ResultColumn("owner", _STR), ResultColumn("table_name", _STR)),
        rows=rows,
        message=f"{len(rows):,} table{'s' if len(rows) != 1 else ''} in {project}",
    )


def _show_partitions(
    session: Session, m: re.Match[str], stmt: Statement, sql: str
) -> StatementResult:
    meta = session.require(_table_node(m.group("name")), stmt.line)
    if not meta.is_partitioned:
        raise SqlError(
            f"Table {meta.qualified} is not partitioned", line=stmt.line, code="ODPS-0130071"
        )
    parts = session.catalog(meta.project).partitions(meta.name)
    prefix = None
    if m.group("part"):
        action = parse_statement(f"ALTER TABLE x ADD {m.group('part')}").args["actions"][0]
        items = P.spec_items(
            action.this if isinstance(action, exp.AddPartition) else action.expressions[0]
        )
        given = {
            i.this.name.lower(): P.literal_value(i.expression, stmt.line)
            for i in items
            if isinstance(i, exp.EQ)
        }
        prefix = given
    rows = [
        (p.spec,)
        for p in parts
        if prefix is None
        or all(
            dict(zip(meta.partition_names, p.values, strict=True)).get(k) == v
            for k, v in prefix.items()
        )
    ]
    return StatementResult(
        index=stmt.index,
        line=stmt.line,
        sql=sql,
        kind="show",
        columns=(ResultColumn("partition", _STR),),
        rows=rows,
        tables_read=(meta.qualified,),
        message=f"{len(rows):,} partition{'s' if len(rows) != 1 else ''} of {meta.qualified}",
    )


def _t(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "strftime") else "-"
