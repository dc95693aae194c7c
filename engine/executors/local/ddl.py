"""DDL on the local warehouse: CREATE TABLE/VIEW, DROP, ALTER, TRUNCATE.

Every handler changes the DuckDB table and its ``_mw`` metadata in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlglot import exp

from engine.errors import SqlError, UnsupportedSqlError
from engine.executors.local import partitions as P
from engine.executors.local.catalog import ColumnMeta, TableMeta
from engine.executors.local.reads import prepare_reads, to_sql
from engine.executors.local.session import Session, duck_ident, duck_table
from engine.executors.local.types import odps_type_of
from engine.executors.records import StatementResult
from engine.sql import analysis
from engine.sql.functions import duckdb_type, odps_type_name
from engine.sql.splitter import Statement

EXISTS_CODE = "ODPS-0110061"


def _result(stmt: Statement, sql: str, message: str, **kw: Any) -> StatementResult:
    return StatementResult(
        index=stmt.index, line=stmt.line, sql=sql, kind="ddl", message=message, **kw
    )


# -- CREATE ---------------------------------------------------------------------------------
def create(session: Session, tree: exp.Create, stmt: Statement, sql: str) -> StatementResult:
    kind = (tree.args.get("kind") or "").upper()
    if kind == "VIEW":
        return _create_view(session, tree, stmt, sql)
    if kind != "TABLE":
        raise UnsupportedSqlError(
            f"CREATE {kind} is not supported by the local engine", line=stmt.line
        )
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    assert isinstance(target, exp.Table)
    name = session.resolve(target, stmt.line)
    catalog = session.catalog(name.project)
    existing = catalog.get(name.name)
    props = _properties(tree)
    if existing is not None:
        if tree.args.get("exists"):
            return _result(
                stmt, sql, f"table {name} already exists; nothing changed", tables_written=()
            )
        if not tree.args.get("replace"):
            raise SqlError(
                f"Failed to run ddltask - AlreadyExistsException(message:Table {name} already exists)",
                line=stmt.line,
                code=EXISTS_CODE,
                hint="use CREATE TABLE IF NOT EXISTS, or DROP TABLE first",
            )
        _drop_physical(session, existing)
        catalog.drop(name.name)

    now = session.clock()
    like = props.get("like")
    query = tree.expression
    if isinstance(like, exp.Table):
        source = session.require(like, stmt.line)
        meta = TableMeta(
            project=name.project,
            name=name.name,
            columns=list(source.columns),
            partition_columns=list(source.partition_columns),
            comment=props.get("comment", source.comment),
            lifecycle=props.get("lifecycle"),
            owner=session.user,
            transactional=source.transactional,
            primary_key=list(source.primary_key),
            properties=dict(source.properties),
        )
        session.conn.execute(
            f"CREATE TABLE {duck_table(name.project, name.name)} AS "
            f"SELECT * FROM {duck_table(source.project, source.name)} LIMIT 0"
        )
        catalog.put(meta, now)
        return _result(
            stmt, sql, f"created table {name} like {source.qualified}", tables_written=(str(name),)
        )
    if query is not None:
        read = prepare_reads(session, query, stmt.line)
        if isinstance(query, exp.Select):
            analysis.name_expressions(query)
        session.conn.execute(
            f"CREATE TABLE {duck_table(name.project, name.name)} AS {to_sql(session, query)}"
        )
        described = session.conn.execute(
            f"DESCRIBE {duck_table(name.project, name.name)}"
        ).fetchall()
        meta = TableMeta(
            project=name.project,
            name=name.name,
            columns=[ColumnMeta(r[0].lower(), odps_type_of(str(r[1]))) for r in described],
            comment=props.get("comment"),
            lifecycle=props.get("lifecycle"),
            owner=session.user,
        )
        count = session.conn.execute(
            f"SELECT count(*) FROM {duck_table(name.project, name.name)}"
        ).fetchone()
        catalog.put(meta, now)
        rows = int(count[0]) if count else 0
        return _result(
            stmt,
            sql,
            f"created table {name} with {rows:,} rows",
            rows_affected=rows,
            tables_read=tuple(m.qualified for m in read),
            tables_written=(str(name),),
        )

    if not isinstance(tree.this, exp.Schema):
        raise SqlError(
            f"CREATE TABLE {name} needs a column list, AS SELECT or LIKE", line=stmt.line
        )
    columns, primary_key, defs = _column_defs(tree.this.expressions, stmt.line)
    part_defs: list[exp.ColumnDef] = props.get("partitioned_by", [])
    pcols, _, pdefs = _column_defs(part_defs, stmt.line)
    names = [c.name for c in columns + pcols]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise SqlError(
            f"column {sorted(dupes)[0]} is defined twice in {name}",
            line=stmt.line,
            code="ODPS-0130071",
        )
    if len(pcols) > 6:
        raise SqlError(
            "a table has at most 6 partition levels", line=stmt.line, code="ODPS-0130071"
        )
    tblprops: dict[str, str] = props.get("tblproperties", {})
    transactional = tblprops.get("transactional", "false").lower() == "true"
    if primary_key and not transactional:
        raise SqlError(
            "a PRIMARY KEY table (Delta table) needs TBLPROPERTIES ('transactional'='true')",
            line=stmt.line,
            code="ODPS-0130071",
        )
    meta = TableMeta(
        project=name.project,
        name=name.name,
        columns=columns,
        partition_columns=pcols,
        comment=props.get("comment"),
        lifecycle=props.get("lifecycle"),
        owner=session.user,
        transactional=transactional,
        primary_key=primary_key,
        properties=tblprops,
    )
    session.conn.execute(
        f"CREATE TABLE {duck_table(name.project, name.name)} ({', '.join(defs + pdefs)})"
    )
    catalog.put(meta, now)
    extra = f", partitioned by ({', '.join(c.name for c in pcols)})" if pcols else ""
    life = f", lifecycle {meta.lifecycle} days" if meta.lifecycle is not None else ""
    return _result(stmt, sql, f"created table {name}{extra}{life}", tables_written=(str(name),))


def _create_view(session: Session, tree: exp.Create, stmt: Statement, sql: str) -> StatementResult:
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    assert isinstance(target, exp.Table)
    name = session.resolve(target, stmt.line)
    catalog = session.catalog(name.project)
    existing = catalog.get(name.name)
    if existing is not None:
        if tree.args.get("exists"):
            return _result(stmt, sql, f"view {name} already exists; nothing changed")
        if not tree.args.get("replace"):
            raise SqlError(f"Table or view {name} already exists", line=stmt.line, code=EXISTS_CODE)
        _drop_physical(session, existing)
        catalog.drop(name.name)
    query = tree.expression
    read = prepare_reads(session, query, stmt.line)
    if isinstance(query, exp.Select):
        analysis.name_expressions(query)
    session.conn.execute(
        f"CREATE VIEW {duck_table(name.project, name.name)} AS {to_sql(session, query)}"
    )
    described = session.conn.execute(f"DESCRIBE {duck_table(name.project, name.name)}").fetchall()
    meta = TableMeta(
        project=name.project,
        name=name.name,
        columns=[ColumnMeta(r[0].lower(), odps_type_of(str(r[1]))) for r in described],
        owner=session.user,
        is_view=True,
        view_text=stmt.text,
        comment=_properties(tree).get("comment"),
    )
    catalog.put(meta, session.clock())
    return _result(
        stmt,
        sql,
        f"created view {name}",
        tables_read=tuple(m.qualified for m in read),
        tables_written=(str(name),),
    )


def _column_defs(
    items: Sequence[exp.Expr], line: int
) -> tuple[list[ColumnMeta], list[str], list[str]]:
    columns: list[ColumnMeta] = []
    primary_key: list[str] = []
    defs: list[str] = []
    for item in items:
        if isinstance(item, exp.PrimaryKey):
            primary_key = [e.name.lower() for e in item.expressions]
            continue
        if not isinstance(item, exp.ColumnDef):
            raise UnsupportedSqlError(f"table element {item.sql()} is not supported", line=line)
        kind = item.args.get("kind")
        if not isinstance(kind, exp.DataType):
            raise SqlError(f"column {item.name} needs a type", line=line, code="ODPS-0130161")
        comment = None
        not_null = False
        default: exp.Expr | None = None
        for constraint in item.args.get("constraints") or []:
            ckind = constraint.args.get("kind")
            if isinstance(ckind, exp.CommentColumnConstraint):
                comment = ckind.this.name
            elif isinstance(ckind, exp.NotNullColumnConstraint) and not ckind.args.get(
                "allow_null"
            ):
                not_null = True
            elif isinstance(ckind, exp.DefaultColumnConstraint):
                default = ckind.this
            elif isinstance(ckind, exp.PrimaryKeyColumnConstraint):
                primary_key.append(item.name.lower())
            else:
                raise UnsupportedSqlError(
                    f"column constraint {constraint.sql()} is not supported", line=line
                )
        name = item.name.lower()
        columns.append(ColumnMeta(name, odps_type_name(kind), comment))
        ddl = f"{duck_ident(name)} {duckdb_type(kind).sql(dialect='duckdb')}"
        if not_null:
            ddl += " NOT NULL"
        if default is not None:
            ddl += f" DEFAULT {default.sql(dialect='duckdb')}"
        defs.append(ddl)
    return columns, primary_key, defs


def _properties(tree: exp.Create) -> dict[str, Any]:
    """The table properties MaxCompute knows, from whatever nodes the dialect produced."""
    out: dict[str, Any] = {}
    props = tree.args.get("properties")
    for prop in props.expressions if props is not None else []:
        cls = type(prop).__name__
        if isinstance(prop, exp.PartitionedByProperty):
            schema = prop.this
            out["partitioned_by"] = (
                list(schema.expressions) if isinstance(schema, exp.Schema) else []
            )
        elif isinstance(prop, exp.SchemaCommentProperty):
            out["comment"] = prop.this.name
        elif isinstance(prop, exp.LikeProperty):
            out["like"] = prop.this
        elif "Lifecycle" in cls:
            value = prop.this if prop.this is not None else prop.args.get("value")
            out["lifecycle"] = _positive_int(value, "LIFECYCLE")
        elif isinstance(prop, exp.Property):
            key = prop.name.lower()
            value = prop.args.get("value")
            text = value.name if isinstance(value, exp.Expr) else str(value)
            if key == "lifecycle":
                out["lifecycle"] = _positive_int(value, "LIFECYCLE")
            else:
                out.setdefault("tblproperties", {})[key] = text
        else:
            raise UnsupportedSqlError(f"table property {prop.sql(dialect='hive')} is not supported")
    return out


def _positive_int(value: Any, what: str) -> int:
    text = value.name if isinstance(value, exp.Expr) else str(value)
    if not text.isdigit() or int(text) < 1:
        raise SqlError(
            f"{what} must be a positive number of days, not {text!r}", code="ODPS-0130161"
        )
    return int(text)


# -- DROP -----------------------------------------------------------------------------------
def drop(session: Session, tree: exp.Drop, stmt: Statement, sql: str) -> StatementResult:
    kind = (tree.args.get("kind") or "").upper()
    if kind not in ("TABLE", "VIEW"):
        raise UnsupportedSqlError(
            f"DROP {kind} is not supported by the local engine", line=stmt.line
        )
    tables = tree.args.get("tables") or [tree.this]
    if len(tables) != 1 or not isinstance(tables[0], exp.Table):
        raise UnsupportedSqlError("DROP one table at a time", line=stmt.line)
    name = session.resolve(tables[0], stmt.line)
    meta = session.meta(name)
    if meta is None:
        if tree.args.get("exists"):
            return _result(stmt, sql, f"{kind.lower()} {name} does not exist; nothing changed")
        raise SqlError(
            f"Table not found - table {name} cannot be resolved",
            line=stmt.line,
            code=analysis.NOT_FOUND_CODE,
            hint="use DROP TABLE IF EXISTS to ignore a missing table",
        )
    if kind == "VIEW" and not meta.is_view:
        raise SqlError(f"{name} is a table, not a view; use DROP TABLE", line=stmt.line)
    if kind == "TABLE" and meta.is_view:
        raise SqlError(f"{name} is a view; use DROP VIEW", line=stmt.line)
    _drop_physical(session, meta)
    session.catalog(name.project).drop(name.name)
    return _result(stmt, sql, f"dropped {kind.lower()} {name}", tables_written=(str(name),))


def _drop_physical(session: Session, meta: TableMeta) -> None:
    what = "VIEW" if meta.is_view else "TABLE"
    session.conn.execute(f"DROP {what} IF EXISTS {duck_table(meta.project, meta.name)}")


# -- TRUNCATE -------------------------------------------------------------------------------
def truncate(
    session: Session, tree: exp.TruncateTable, stmt: Statement, sql: str
) -> StatementResult:
    tables = tree.expressions
    if len(tables) != 1:
        raise UnsupportedSqlError("TRUNCATE one table at a time", line=stmt.line)
    table = tables[0]
    meta = session.require(table, stmt.line)
    now = session.clock()
    part = table.args.get("partition") or tree.args.get("partition")
    catalog = session.catalog(meta.project)
    target = duck_table(meta.project, meta.name)
    if part is not None:
        clause = P.parse_clause(P.spec_items(part), meta, stmt.line, allow_dynamic=False)
        cond, params = P.where_static(clause)
        deleted = _count(session.conn.execute(f"DELETE FROM {target} WHERE {cond}", params))
        values = tuple(v for _, v in clause.static)
        if catalog.partition(meta.name, P.static_spec(meta, clause)) is not None:
            catalog.upsert_partitions(meta.name, [(values, 0)], meta, now)
        what = f"partition {P.static_spec(meta, clause)} of {meta.qualified}"
    else:
        deleted = _count(session.conn.execute(f"DELETE FROM {target}"))
        parts = catalog.partitions(meta.name)
        catalog.upsert_partitions(meta.name, [(p.values, 0) for p in parts], meta, now)
        what = meta.qualified
    catalog.touch(meta.name, now)
    return _result(
        stmt,
        sql,
        f"truncated {what} ({deleted:,} rows removed)",
        rows_affected=deleted,
        tables_written=(meta.qualified,),
    )


def _count(cursor: Any) -> int:
    row = cursor.fetchone()
    return int(row[0]) if row else 0


# -- ALTER ----------------------------------------------------------------------------------
def alter(session: Session, tree: exp.Alter, stmt: Statement, sql: str) -> StatementResult:
    if (tree.args.get("kind") or "").upper() != "TABLE":
        raise UnsupportedSqlError(
            "only ALTER TABLE is supported by the local engine", line=stmt.line
        )
    table = tree.this
    assert isinstance(table, exp.Table)
    meta = session.require(table, stmt.line)
    messages: list[str] = []
    for action in tree.args.get("actions") or []:
        messages.append(_alter_action(session, meta, action, stmt))
        meta = session.catalog(meta.project).get(meta.name) or meta
    return _result(stmt, sql, "; ".join(messages), tables_written=(meta.qualified,))


def _alter_action(session: Session, meta: TableMeta, action: exp.Expr, stmt: Statement) -> str:
    catalog = session.catalog(meta.project)
    now = session.clock()
    target = duck_table(meta.project, meta.name)
    if isinstance(action, exp.AddPartition) or type(action).__name__ == "AddPartitions":
        specs = action.expressions if type(action).__name__ == "AddPartitions" else [action.this]
        added = []
        for spec in specs:
            clause = P.parse_clause(P.spec_items(spec), meta, stmt.line, allow_dynamic=False)
            spec_text = P.static_spec(meta, clause)
            if catalog.partition(meta.name, spec_text) is not None:
                if action.args.get("exists"):
                    continue
                raise SqlError(
                    f"Partition already exists - {spec_text} of {meta.qualified}",
                    line=stmt.line,
                    code=EXISTS_CODE,
                    hint="use ADD IF NOT EXISTS PARTITION",
                )
            catalog.upsert_partitions(
                meta.name, [(tuple(v for _, v in clause.static), 0)], meta, now
            )
            added.append(spec_text)
        catalog.touch(meta.name, now, ddl=True)
        return (
            f"added partition {', '.join(added)} to {meta.qualified}"
            if added
            else "partition exists; nothing changed"
        )
    if isinstance(action, exp.DropPartition):
        dropped = []
        for spec in action.expressions:
            clause = P.parse_clause(P.spec_items(spec), meta, stmt.line, allow_dynamic=False)
            spec_text = P.static_spec(meta, clause)
            if catalog.partition(meta.name, spec_text) is None:
                if action.args.get("exists"):
                    continue
                raise SqlError(
                    f"Partition not found - {spec_text} of {meta.qualified}",
                    line=stmt.line,
                    code="ODPS-0130131",
                    hint="use DROP IF EXISTS PARTITION",
                )
            cond, params = P.where_static(clause)
            session.conn.execute(f"DELETE FROM {target} WHERE {cond}", params)
            catalog.drop_partition(meta.name, spec_text)
            dropped.append(spec_text)
        catalog.touch(meta.name, now, ddl=True)
        return (
            f"dropped partition {', '.join(dropped)} of {meta.qualified}"
            if dropped
            else "no such partition; nothing changed"
        )
    if isinstance(action, exp.Schema) or type(action).__name__ == "AddColumns":
        items = action.expressions
        new_cols, _, defs = _column_defs(items, stmt.line)
        existing = {c.name for c in meta.all_columns}
        for c in new_cols:
            if c.name in existing:
                raise SqlError(
                    f"column {c.name} already exists in {meta.qualified}",
                    line=stmt.line,
                    code="ODPS-0130071",
                )
        _add_columns(session, meta, new_cols, defs)
        updated = TableMeta(**{**meta.__dict__, "columns": meta.columns + new_cols})
        updated.ddl_at = now
        catalog.put(updated, now)
        return f"added column {', '.join(c.name for c in new_cols)} to {meta.qualified}"
    if isinstance(action, exp.AlterRename):
        new = action.this
        assert isinstance(new, exp.Table)
        new_name = new.name.lower()
        if catalog.get(new_name) is not None:
            raise SqlError(
                f"table {meta.project}.{new_name} already exists", line=stmt.line, code=EXISTS_CODE
            )
        session.conn.execute(
            f"ALTER {'VIEW' if meta.is_view else 'TABLE'} {target} RENAME TO {duck_ident(new_name)}"
        )
        parts = catalog.partitions(meta.name)
        catalog.drop(meta.name)
        renamed = TableMeta(**{**meta.__dict__, "name": new_name})
        catalog.put(renamed, now)
        catalog.upsert_partitions(
            new_name, [(p.values, p.row_count) for p in parts], renamed, now, touched=False
        )
        return f"renamed {meta.qualified} to {meta.project}.{new_name}"
    raise UnsupportedSqlError(
        f"ALTER TABLE action {action.sql(dialect='hive')} is not supported", line=stmt.line
    )


def _add_columns(
    session: Session, meta: TableMeta, cols: list[ColumnMeta], defs: list[str]
) -> None:
    """New columns go before the partition columns, so the partitions stay the trailing columns."""
    target = duck_table(meta.project, meta.name)
    if not meta.is_partitioned:
        for d in defs:
            session.conn.execute(f"ALTER TABLE {target} ADD COLUMN {d}")
        return
    tmp = duck_table(meta.project, f"__mw_rebuild_{meta.name}")
    data = ", ".join(duck_ident(c.name) for c in meta.columns)
    news = ", ".join(
        f"CAST(NULL AS {d.split(' ', 1)[1].split(' NOT NULL')[0]}) AS {duck_ident(c.name)}"
        for c, d in zip(cols, defs, strict=True)
    )
    parts = ", ".join(duck_ident(c.name) for c in meta.partition_columns)
    session.conn.execute(f"CREATE TABLE {tmp} AS SELECT {data}, {news}, {parts} FROM {target}")
    session.conn.execute(f"DROP TABLE {target}")
    session.conn.execute(f"ALTER TABLE {tmp} RENAME TO {duck_ident(meta.name)}")
