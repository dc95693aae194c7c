"""DML on the local warehouse: INSERT INTO / OVERWRITE (static, dynamic and mixed partitions),
multi-insert, and UPDATE / DELETE / MERGE on transactional tables.

MaxCompute maps INSERT columns by position and stores partitions as metadata; here partitions
are the table's trailing columns, OVERWRITE is DELETE + INSERT in the caller's transaction (so a
failure leaves the previous rows intact), and partition metadata is updated in the same step.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from engine.errors import SqlError
from engine.executors.local import partitions as P
from engine.executors.local.catalog import TableMeta
from engine.executors.local.reads import prepare_reads, to_sql
from engine.executors.local.session import Session, duck_ident, duck_table
from engine.executors.records import StatementResult
from engine.sql.splitter import Statement

SRC = "__mw_src"
PAST = {"UPDATE": "updated", "DELETE": "deleted", "MERGE": "merged"}
MAX_DYNAMIC_PARTITIONS = {"into": 10_000, "overwrite": 60_000}


@dataclass(frozen=True)
class InsertOutcome:
    target: TableMeta
    rows: int
    partitions: tuple[str, ...]
    read: tuple[str, ...]
    overwrite: bool


def insert(session: Session, tree: exp.Insert, stmt: Statement, sql: str) -> StatementResult:
    outcome = _insert(session, tree, stmt, branch=0)
    return _result(stmt, sql, [outcome])


def multi_insert(session: Session, tree: exp.Expr, stmt: Statement, sql: str) -> StatementResult:
    branches = [e for e in tree.expressions if isinstance(e, exp.Insert)]
    source = tree.args.get("source")
    if not branches or source is None:
        raise SqlError("multi-insert needs FROM <source> and at least one INSERT", line=stmt.line)
    if len(branches) > 255:
        raise SqlError(
            "a multi-insert has at most 255 branches", line=stmt.line, code="ODPS-0130071"
        )
    source_from = source if isinstance(source, exp.From) else exp.From(this=source)
    seen: set[tuple[str, str]] = set()
    outcomes: list[InsertOutcome] = []
    for i, branch in enumerate(branches):
        select = branch.expression
        if isinstance(select, exp.Select) and select.args.get("from_") is None:
            select.from_(source_from.this.copy(), copy=False)
        key = _target_key(branch)
        if key in seen:
            raise SqlError(
                f"multi-insert writes {key[0]} {key[1] or ''} twice; each target partition may appear once",
                line=stmt.line,
                code="ODPS-0130071",
            )
        seen.add(key)
        outcomes.append(_insert(session, branch, stmt, branch=i))
    return _result(stmt, sql, outcomes)


def _target_key(ins: exp.Insert) -> tuple[str, str]:
    target = ins.this.this if isinstance(ins.this, exp.Schema) else ins.this
    part = target.args.get("partition")
    return target.sql().lower().split(" PARTITION")[
        0
    ], part.sql().lower() if part is not None else ""


def _result(stmt: Statement, sql: str, outcomes: list[InsertOutcome]) -> StatementResult:
    parts: list[str] = []
    messages: list[str] = []
    for o in outcomes:
        verb = "overwritten" if o.overwrite else "written"
        where = ""
        if o.partitions:
            shown = ", ".join(o.partitions[:5]) + (
                f" (+{len(o.partitions) - 5} more)" if len(o.partitions) > 5 else ""
            )
            where = f" partition{'s' if len(o.partitions) > 1 else ''} {shown}"
        messages.append(
            f"{o.rows:,} row{'s' if o.rows != 1 else ''} {verb} to {o.target.qualified}{where}"
        )
        parts.extend(f"{o.target.qualified}/{p}" for p in o.partitions)
    return StatementResult(
        index=stmt.index,
        line=stmt.line,
        sql=sql,
        kind="dml",
        message="; ".join(messages),
        rows_affected=sum(o.rows for o in outcomes),
        tables_read=tuple(dict.fromkeys(t for o in outcomes for t in o.read)),
        tables_written=tuple(dict.fromkeys(o.target.qualified for o in outcomes)),
        partitions_written=tuple(parts),
    )


def _insert(session: Session, ins: exp.Insert, stmt: Statement, branch: int) -> InsertOutcome:
    line = stmt.line
    schema = ins.this if isinstance(ins.this, exp.Schema) else None
    table = schema.this if schema is not None else ins.this
    assert isinstance(table, exp.Table)
    meta = session.require(table, line)
    if meta.is_view:
        raise SqlError(f"cannot insert into view {meta.qualified}", line=line, code="ODPS-0130071")
    overwrite = bool(ins.args.get("overwrite"))
    part_node = table.args.get("partition")
    if part_node is None and meta.is_partitioned:
        raise SqlError(
            f"{meta.qualified} is partitioned by {', '.join(meta.partition_names)}: "
            "the INSERT needs a PARTITION (...) clause",
            line=line,
            code="ODPS-0130071",
        )
    clause = (
        P.parse_clause(P.spec_items(part_node), meta, line, allow_dynamic=True)
        if part_node is not None
        else P.PartitionClause((), ())
    )
    if schema is not None:
        columns = [c.name.lower() for c in schema.expressions]
        known = {c.name for c in meta.columns}
        for c in columns:
            if c not in known:
                raise SqlError(
                    f"column {c} is not a data column of {meta.qualified}",
                    line=line,
                    code="ODPS-0130071",
                )
    else:
        columns = [c.name for c in meta.columns]

    source = ins.expression
    if source is None:
        raise SqlError("INSERT needs a SELECT or VALUES", line=line)
    if isinstance(source, exp.Values):
        source = exp.select("*").from_(
            exp.Subquery(this=source, alias=exp.TableAlias(this=exp.to_identifier("__mw_values")))
        )
    target_node_ids = (table,)
    read = prepare_reads(session, source, line, skip=target_node_ids)
    source_sql = to_sql(session, source)

    expected = len(columns) + len(clause.dynamic)
    described = session.conn.execute(f"SELECT * FROM ({source_sql}) LIMIT 0").description or []
    if len(described) != expected:
        raise SqlError(
            f"Semantic analysis exception - insert values columns count {len(described)} not equal to "
            f"the {expected} columns of {meta.qualified}"
            + (
                f" ({len(columns)} data + {len(clause.dynamic)} dynamic partition)"
                if clause.dynamic
                else ""
            ),
            line=line,
            code="ODPS-0130071",
        )
    alias = ", ".join(f"_c{i}" for i in range(expected))
    src_rel = f"({source_sql}) AS {SRC}_q({alias})"

    target = duck_table(meta.project, meta.name)
    conn = session.conn
    reads_target = meta.qualified in {m.qualified for m in read}
    materialize = bool(clause.dynamic) or reads_target or bool(meta.primary_key)
    tmp = f"{SRC}_{branch}"
    if materialize:
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {tmp} AS SELECT * FROM {src_rel}")
        src_rel = tmp

    dyn_cols = [f"_c{len(columns) + i}" for i in range(len(clause.dynamic))]
    dyn_values: list[tuple[str, ...]] = []
    if clause.dynamic:
        dyn_values = [
            tuple("" if v is None else str(v) for v in row)
            for row in conn.execute(
                f"SELECT DISTINCT {', '.join(f'CAST({c} AS VARCHAR)' for c in dyn_cols)} FROM {tmp}"
            ).fetchall()
        ]
        cap = MAX_DYNAMIC_PARTITIONS["overwrite" if overwrite else "into"]
        if len(dyn_values) > cap:
            raise SqlError(
                f"the INSERT would create {len(dyn_values):,} dynamic partitions; MaxCompute allows {cap:,}",
                line=line,
                code="ODPS-0123031",
            )
        for values in dyn_values:
            for name, v in zip(clause.dynamic, values, strict=True):
                if v == "":
                    raise SqlError(
                        f"Partition exception - invalid dynamic partition value: NULL or empty for {name}",
                        line=line,
                        code="ODPS-0123031",
                    )
                P.check_value(name, v, line)

    static_cond, static_params = P.where_static(clause)
    dyn_match = ""
    if clause.dynamic:
        dyn_src = ", ".join(f"CAST({c} AS VARCHAR)" for c in dyn_cols)
        dyn_match = f" AND ({', '.join(f'CAST({duck_ident(n)} AS VARCHAR)' for n in clause.dynamic)}) IN (SELECT DISTINCT {dyn_src} FROM {tmp})"
    if overwrite:
        conn.execute(f"DELETE FROM {target} WHERE {static_cond}{dyn_match}", static_params)
    elif meta.primary_key:
        # Delta tables: a row whose primary key exists replaces it (upsert), within its partition.
        pk_pos = {c: i for i, c in enumerate(columns)}
        missing = [k for k in meta.primary_key if k not in pk_pos]
        if missing:
            raise SqlError(
                f"INSERT into Delta table {meta.qualified} must give primary key column {missing[0]}",
                line=line,
                code="ODPS-0130071",
            )
        pk_target = ", ".join(duck_ident(k) for k in meta.primary_key)
        pk_src = ", ".join(f"_c{pk_pos[k]}" for k in meta.primary_key)
        conn.execute(
            f"DELETE FROM {target} WHERE {static_cond}{dyn_match} AND ({pk_target}) IN (SELECT {pk_src} FROM {tmp})",
            static_params,
        )
        dupes = conn.execute(f"SELECT count(*) - count(DISTINCT ({pk_src})) FROM {tmp}").fetchone()
        if dupes and dupes[0]:
            raise SqlError(
                f"the INSERT writes the same primary key of {meta.qualified} twice",
                line=line,
                code="ODPS-0130071",
            )

    target_cols = columns + [n for n, _ in clause.static] + list(clause.dynamic)
    select_items = [f"_c{i}" for i in range(len(columns))]
    select_items += ["?" for _ in clause.static]
    select_items += dyn_cols
    row = conn.execute(
        f"INSERT INTO {target} ({', '.join(duck_ident(c) for c in target_cols)}) "
        f"SELECT {', '.join(select_items)} FROM {src_rel}",
        [v for _, v in clause.static],
    ).fetchone()
    written = int(row[0]) if row else 0

    now = session.clock()
    catalog = session.catalog(meta.project)
    specs: list[str] = []
    if meta.is_partitioned:
        static_vals = tuple(v for _, v in clause.static)
        touched = [static_vals + d for d in dyn_values] if clause.dynamic else [static_vals]
        counts = _partition_counts(session, meta, touched)
        catalog.upsert_partitions(meta.name, [(t, counts.get(t, 0)) for t in touched], meta, now)
        specs = [P.partition_spec(meta.partition_names, t) for t in touched]
    catalog.touch(meta.name, now)
    if materialize:
        conn.execute(f"DROP TABLE IF EXISTS {tmp}")
    return InsertOutcome(meta, written, tuple(specs), tuple(m.qualified for m in read), overwrite)


def _partition_counts(
    session: Session, meta: TableMeta, touched: list[tuple[str, ...]]
) -> dict[tuple[str, ...], int]:
    if not touched:
        return {}
    names = meta.partition_names
    keys = ", ".join(f"CAST({duck_ident(n)} AS VARCHAR)" for n in names)
    placeholders = ", ".join("(" + ", ".join("?" for _ in names) + ")" for _ in touched)
    params = [v for t in touched for v in t]
    rows = session.conn.execute(
        f"SELECT {keys}, count(*) FROM {duck_table(meta.project, meta.name)} "
        f"WHERE ({keys}) IN ({placeholders}) GROUP BY ALL",
        params,
    ).fetchall()
    return {tuple(str(v) for v in r[:-1]): int(r[-1]) for r in rows}


# -- UPDATE / DELETE / MERGE --------------------------------------------------------------------
def update_delete_merge(
    session: Session, tree: exp.Expr, stmt: Statement, sql: str
) -> StatementResult:
    line = stmt.line
    target_node = tree.this
    if isinstance(target_node, exp.Alias):
        target_node = target_node.this
    if not isinstance(target_node, exp.Table):
        raise SqlError(f"cannot find the target table of {type(tree).__name__.upper()}", line=line)
    verb = (
        "UPDATE"
        if isinstance(tree, exp.Update)
        else "DELETE"
        if isinstance(tree, exp.Delete)
        else "MERGE"
    )
    meta = session.require(target_node, line)
    if not meta.transactional:
        raise SqlError(
            f"Semantic analysis exception - {verb} can only be applied to transactional tables; "
            f"{meta.qualified} is not transactional",
            line=line,
            code="ODPS-0130071",
            hint="create the table with TBLPROPERTIES ('transactional'='true')",
        )
    read = prepare_reads(session, tree, line)
    duck_sql = to_sql(session, tree)
    before = _partition_counts_all(session, meta)
    row = session.conn.execute(duck_sql).fetchone()
    affected = int(row[0]) if row else 0
    now = session.clock()
    catalog = session.catalog(meta.project)
    if meta.is_partitioned:
        after = _partition_counts_all(session, meta)
        changed = (
            [k for k in set(before) | set(after) if before.get(k) != after.get(k)]
            if verb != "UPDATE"
            else list(after)
        )
        if verb == "UPDATE" and affected == 0:
            changed = []
        catalog.upsert_partitions(meta.name, [(k, after.get(k, 0)) for k in changed], meta, now)
    catalog.touch(meta.name, now)
    return StatementResult(
        index=stmt.index,
        line=line,
        sql=sql,
        kind="dml",
        message=f"{affected:,} row{'s' if affected != 1 else ''} {PAST[verb]} in {meta.qualified}",
        rows_affected=affected,
        tables_read=tuple(m.qualified for m in read if m.qualified != meta.qualified),
        tables_written=(meta.qualified,),
    )


def _partition_counts_all(session: Session, meta: TableMeta) -> dict[tuple[str, ...], int]:
    if not meta.is_partitioned:
        return {}
    keys = ", ".join(f"CAST({duck_ident(n)} AS VARCHAR)" for n in meta.partition_names)
    rows = session.conn.execute(
        f"SELECT {keys}, count(*) FROM {duck_table(meta.project, meta.name)} GROUP BY ALL"
    ).fetchall()
    counts = {tuple(str(v) for v in r[:-1]): int(r[-1]) for r in rows}
    for p in session.catalog(meta.project).partitions(meta.name):
        counts.setdefault(p.values, 0)
    return counts


__all__ = ["insert", "multi_insert", "update_delete_merge"]
