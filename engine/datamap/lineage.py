"""Lineage from the deployed SQL: table edges per statement and column edges of INSERT ... SELECT.

Only what production runs counts: the deployed snapshot of each node (``deployed`` in state.db),
parsed with the MaxCompute dialect after parameters are replaced by placeholder values. A node is
re-parsed only when its deployed version changes. Unqualified names are the production project's.

Column lineage maps the i-th output of the SELECT to the i-th target column (the INSERT's column
list, else the target's data columns, then any dynamic partition columns) and follows each output
back to base-table columns with ``sqlglot.lineage`` (through CTEs, subqueries and joins). The
columns of tables come from the collected catalog and from CREATE TABLE statements of the
deployed scripts; a statement sqlglot cannot trace keeps its table edges.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import sqlite_utils
from sqlglot import exp

from engine.datamap import store
from engine.datamap.records import Lineage, LineageEdge
from engine.errors import MaxworksError, SqlError, UnsupportedSqlError
from engine.sql.analysis import real_tables
from engine.store import write_transaction
from engine.studio.spec import NodeSpec

if TYPE_CHECKING:
    from engine.sql.splitter import Statement

PARSER_VERSION = "1"
_REFERENCE = re.compile(r"\$\{([^{}\n]*)\}")
_SQL_TYPES = ("odps_sql", "odps_script", "assignment")
Schema = dict[str, list[str]]  # "project.table" -> column names (data columns, then partitions)


@dataclass
class NodeLineage:
    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    table_edges: set[tuple[str, str]] = field(default_factory=set)
    column_edges: set[tuple[str, str, str, str]] = field(default_factory=set)  # tgt, col, src, col
    error: str | None = None


def _placeholders(code: str, params: tuple[tuple[str, str], ...]) -> str:
    from engine.params import ParamContext, evaluate

    ctx = ParamContext.for_cyctime(datetime(2000, 1, 2))
    values: dict[str, str] = {}
    for name, expr in params:
        try:
            values[name] = evaluate(expr, ctx)
        except MaxworksError:
            values[name] = "0"

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1), "0")
        return value if "\n" not in value else "0"

    return _REFERENCE.sub(replace, code)


def _statements(script: str) -> list[Statement]:
    """The script's statements; none when it cannot be split (an unterminated quote): such code
    never ran, and its node's parse error says why."""
    from engine.sql.splitter import split_statements

    try:
        return list(split_statements(script))
    except SqlError:
        return []


def qualified(table: exp.Table, default_project: str) -> str:
    catalog, db = table.args.get("catalog"), table.args.get("db")
    project = catalog.name if catalog is not None else (db.name if db is not None else None)
    return f"{(project or default_project).lower()}.{table.name.lower()}"


def _target(node: exp.Expr | None) -> exp.Table | None:
    if isinstance(node, exp.Schema):
        node = node.this
    return node if isinstance(node, exp.Table) else None


def _defined_columns(tree: exp.Create) -> list[str]:
    """Data columns then partition columns of ``CREATE TABLE t (...) PARTITIONED BY (...)``."""
    names: list[str] = []
    if isinstance(tree.this, exp.Schema):
        names += [c.name.lower() for c in tree.this.expressions if isinstance(c, exp.ColumnDef)]
    for prop in tree.find_all(exp.PartitionedByProperty):
        names += [c.name.lower() for c in prop.find_all(exp.ColumnDef)]
    return names


def parse_node(
    spec: NodeSpec, default_project: str, columns_of: Callable[[str], list[str] | None]
) -> NodeLineage:
    """Tables read and written, table edges and column edges of one node's code."""
    from engine.sql.dialect import parse_statement
    from engine.sql.splitter import parse_set

    out = NodeLineage()
    if spec.type.value not in _SQL_TYPES or not spec.code.strip():
        return out
    local: Schema = {}  # tables the script itself creates (CREATE TABLE ... (cols))

    def cols(name: str) -> list[str] | None:
        return local.get(name) or columns_of(name)

    code = _placeholders(spec.code, spec.params)
    statements = _statements(code)
    if not statements and code.strip():
        out.error = "the code cannot be split into statements (an unterminated quote?)"
    for statement in statements:
        if parse_set(statement.text) is not None:
            continue
        try:
            tree = parse_statement(statement.text)
        except UnsupportedSqlError:
            continue
        except SqlError as err:
            out.error = f"line {statement.line}: {err.reason}"
            continue
        _statement(tree, default_project, cols, local, out)
    return out


def script_tables(script: str, default_project: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tables read, tables written or altered) by a script whose parameters are substituted:
    for engines whose results do not say (MaxCompute jobs). DROP, ALTER and TRUNCATE count as
    writes here (the Data Map must re-read their tables), though they carry no lineage."""
    from engine.sql.dialect import parse_statement
    from engine.sql.splitter import parse_set

    out = NodeLineage()
    for statement in _statements(script):
        if parse_set(statement.text) is not None:
            continue
        try:
            tree = parse_statement(statement.text)
        except SqlError:
            continue
        if isinstance(tree, (exp.Drop, exp.Alter, exp.TruncateTable)):
            out.writes.update(qualified(t, default_project) for t in tree.find_all(exp.Table))
            continue
        _statement(tree, default_project, lambda _: None, {}, out, trace_columns=False)
    return tuple(sorted(out.reads)), tuple(sorted(out.writes))


def _statement(
    tree: exp.Expr,
    project: str,
    cols: Callable[[str], list[str] | None],
    local: Schema,
    out: NodeLineage,
    *,
    trace_columns: bool = True,
) -> None:
    targets: list[exp.Table] = []
    ignored: set[int] = set()
    query: exp.Expr | None = None
    target_columns: list[str] | None = None
    if isinstance(tree, exp.Create):
        target = _target(tree.this)
        kind = str(tree.args.get("kind") or "").upper()
        if target is None or kind not in ("TABLE", "VIEW"):
            return
        targets.append(target)
        ignored = {
            id(t) for like in tree.find_all(exp.LikeProperty) for t in like.find_all(exp.Table)
        }
        defined = _defined_columns(tree)
        if defined:
            local[qualified(target, project)] = defined
        if isinstance(tree.expression, exp.Query):
            query = tree.expression
            target_columns = [s.alias_or_name.lower() for s in query.selects]
            local[qualified(target, project)] = target_columns
    elif isinstance(tree, exp.Insert):
        target = _target(tree.this)
        if target is None:
            return
        targets.append(target)
        if isinstance(tree.expression, exp.Query):
            query = tree.expression
            name = qualified(target, project)
            if isinstance(tree.this, exp.Schema):
                target_columns = [i.name.lower() for i in tree.this.expressions]
            else:
                target_columns = _insert_columns(target, cols(name))
    elif isinstance(tree, (exp.MultitableInserts, exp.Merge, exp.Update, exp.Delete)):
        for node in tree.find_all(exp.Insert, exp.Merge, exp.Update, exp.Delete):
            t = _target(node.this)
            if t is not None:
                targets.append(t)
    elif not isinstance(tree, exp.Query):
        return  # DROP, ALTER, TRUNCATE, SHOW, DESC ...: no data flows
    ignored |= {id(t) for t in targets}
    written = [qualified(t, project) for t in targets]
    sources = [qualified(t, project) for t in real_tables(tree) if id(t) not in ignored]
    out.writes.update(written)
    out.reads.update(s for s in sources if s not in written)
    for written_name in written:
        for source in sources:
            if source != written_name:
                out.table_edges.add((source, written_name))
    if trace_columns and query is not None and target_columns and len(written) == 1:
        outer = tree.args.get("with_")  # WITH c AS (...) INSERT ... SELECT ... FROM c
        if outer is not None and query.args.get("with_") is None:
            query = query.copy()
            query.set("with_", outer.copy())
        _columns(query, written[0], target_columns, project, cols, out)


def _insert_columns(target: exp.Table, known: list[str] | None) -> list[str] | None:
    """The columns an INSERT without a column list fills, in order: data columns, then the
    partition columns given without a value (dynamic partitions)."""
    if not known:
        return None
    partition = target.args.get("partition")
    if partition is None:
        return known
    static = {e.this.name.lower() for e in partition.expressions if isinstance(e, exp.EQ)}
    dynamic = [e.name.lower() for e in partition.expressions if isinstance(e, exp.Column)]
    return [c for c in known if c not in static and c not in dynamic] + dynamic


def _columns(
    query: exp.Expr,
    target: str,
    target_columns: list[str],
    project: str,
    cols: Callable[[str], list[str] | None],
    out: NodeLineage,
) -> None:
    from sqlglot.lineage import lineage

    from engine.sql.dialect import MaxCompute

    q = query.copy()
    ctes = {c.alias_or_name.lower() for c in q.find_all(exp.CTE)}
    schema: dict[str, dict[str, dict[str, str]]] = {}
    for t in q.find_all(exp.Table):
        if not isinstance(t.this, exp.Identifier):
            continue
        if not t.args.get("db") and t.name.lower() in ctes:
            continue
        name = qualified(t, project)
        p, _, n = name.partition(".")
        t.set("catalog", None)
        t.set("db", exp.to_identifier(p))
        t.set("this", exp.to_identifier(n))
        known = cols(name)
        if known:
            schema.setdefault(p, {})[n] = {c: "STRING" for c in known}
    try:
        traced = lineage(None, q, schema=schema, dialect=MaxCompute, trim_selects=False, copy=False)
    except Exception:  # sqlglot could not trace this query: keep its table edges only
        return
    for position, node in enumerate(traced.values()):
        if position >= len(target_columns):
            break
        for leaf in node.walk():
            if leaf.downstream or not isinstance(leaf.expression, exp.Table):
                continue
            source = qualified(leaf.expression, project)
            column = leaf.name.rsplit(".", 1)[-1].lower()
            if source != target or column != target_columns[position]:
                out.column_edges.add((target, target_columns[position], source, column))


# -- the store -------------------------------------------------------------------------------------
def sync(db: sqlite_utils.Database, prod_project: str, *, recheck: bool = False) -> int:
    """Re-parse the deployed nodes whose version changed since the last sync; returns how many.

    ``recheck`` (after a full collection) also re-parses the nodes that write tables but got no
    column lineage: the columns of their tables may not have been known then."""
    row = db.execute("SELECT coalesce(max(id), 0) FROM deployments").fetchone()
    mark = f"{PARSER_VERSION}:{row[0] if row else 0}"
    if not recheck and store.get_meta(db, "lineage_mark") == mark:
        return 0
    again = (
        {
            str(r[0])
            for r in db.execute(
                "SELECT DISTINCT node FROM dm_table_edges WHERE node NOT IN "
                "(SELECT node FROM dm_column_edges)"
            ).fetchall()
        }
        if recheck
        else set()
    )
    deployed = {
        int(node_id): (int(version), text)
        for node_id, version, text in db.execute(
            "SELECT node_id, version, spec FROM deployed"
        ).fetchall()
    }
    parsed = {
        int(r[0]): (str(r[1]), int(r[2]))
        for r in db.execute("SELECT node_id, node, version FROM dm_node_parse").fetchall()
    }
    changed = [
        nid
        for nid, (version, _) in deployed.items()
        if parsed.get(nid, ("", -1))[1] != version or parsed[nid][0] in again
    ]
    specs = {nid: NodeSpec.from_json(deployed[nid][1]) for nid in changed}
    local: Schema = {}
    for spec in specs.values():  # CREATE TABLE in any deployed script describes its table
        _creates(spec, prod_project, local)
    cache: dict[str, list[str] | None] = {}

    def columns_of(name: str) -> list[str] | None:
        if name not in cache:
            p, _, n = name.partition(".")
            rows = db.execute(
                "SELECT c.name FROM dm_columns c JOIN dm_tables t ON t.id = c.table_id "
                "WHERE t.project = ? AND t.name = ? ORDER BY c.pos",
                [p, n],
            ).fetchall()
            cache[name] = [str(r[0]) for r in rows] or local.get(name)
        return cache[name]

    results = {nid: parse_node(spec, prod_project, columns_of) for nid, spec in specs.items()}
    with write_transaction(db):
        for nid in [n for n in parsed if n not in deployed or n in results]:
            _forget(db, parsed[nid][0])
            db.execute("DELETE FROM dm_node_parse WHERE node_id = ?", [nid])
        for nid, found in results.items():
            node = specs[nid].name
            _forget(db, node)
            db.execute(
                "INSERT INTO dm_node_parse (node_id, node, version, error) VALUES (?, ?, ?, ?)",
                [nid, node, deployed[nid][0], found.error],
            )
            db.conn.executemany(
                "INSERT OR IGNORE INTO dm_table_edges (source, target, node) VALUES (?, ?, ?)",
                [(s, t, node) for s, t in found.table_edges],
            )
            db.conn.executemany(
                "INSERT OR IGNORE INTO dm_column_edges (target, target_column, source, "
                "source_column, node) VALUES (?, ?, ?, ?, ?)",
                [(*edge, node) for edge in found.column_edges],
            )
        store.set_meta(db, "lineage_mark", mark)
    return len(results)


def sync_io(db: sqlite_utils.Database) -> None:
    """Producing and consuming nodes, from the deployed snapshots' inputs and outputs (resolved
    at commit: parsed from the code plus declared ones, so shell and sync nodes count too).
    No SQL is parsed here; rebuilt whenever something was deployed since."""
    row = db.execute("SELECT coalesce(max(id), 0) FROM deployments").fetchone()
    mark = str(row[0] if row else 0)
    if store.get_meta(db, "io_mark") == mark:
        return
    rows: list[tuple[str, str, str]] = []
    for (text,) in db.execute("SELECT spec FROM deployed").fetchall():
        spec = NodeSpec.from_json(text)
        rows += [(spec.name, name.lower(), "read") for name in spec.inputs]
        rows += [(spec.name, name.lower(), "write") for name in spec.outputs]
    with write_transaction(db):
        db.execute("DELETE FROM dm_node_tables")
        db.conn.executemany(
            "INSERT OR IGNORE INTO dm_node_tables (node, tbl, role) VALUES (?, ?, ?)", rows
        )
        store.set_meta(db, "io_mark", mark)


def _creates(spec: NodeSpec, project: str, local: Schema) -> None:
    from engine.sql.dialect import parse_statement

    if spec.type.value not in _SQL_TYPES or "create" not in spec.code.lower():
        return
    for statement in _statements(_placeholders(spec.code, spec.params)):
        if not re.match(r"\s*(--[^\n]*\n\s*)*create\b", statement.text, re.I):
            continue
        try:
            tree = parse_statement(statement.text)
        except SqlError:
            continue
        if isinstance(tree, exp.Create) and (target := _target(tree.this)) is not None:
            defined = _defined_columns(tree)
            if defined:
                local[qualified(target, project)] = defined


def _forget(db: sqlite_utils.Database, node: str) -> None:
    for table in ("dm_table_edges", "dm_column_edges"):
        db.execute(f"DELETE FROM {table} WHERE node = ?", [node])


def nodes_of(db: sqlite_utils.Database, table: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(producing nodes, consuming nodes) of an output name (``<prod project>.table``)."""
    rows = db.execute(
        "SELECT role, node FROM dm_node_tables WHERE tbl = ? ORDER BY node", [table]
    ).fetchall()
    return (
        tuple(str(n) for r, n in rows if r == "write"),
        tuple(str(n) for r, n in rows if r == "read"),
    )


def unparsed(db: sqlite_utils.Database) -> tuple[str, ...]:
    rows = db.execute(
        "SELECT node || ': ' || error FROM dm_node_parse WHERE error IS NOT NULL ORDER BY node"
    ).fetchall()
    return tuple(str(r[0]) for r in rows)


def walk(
    db: sqlite_utils.Database, table: str, *, up: int, down: int, column: str | None = None
) -> tuple[list[LineageEdge], list[LineageEdge]]:
    """Depth-first walks upstream and downstream (each table or column reached once)."""
    sides: list[list[LineageEdge]] = [[], []]
    for side, depth_max, upstream in ((sides[0], up, True), (sides[1], down, False)):
        seen = {(table, column)}
        stack: list[tuple[str, str | None, int]] = [(table, column, 0)]
        while stack:
            current, col, depth = stack.pop()
            if depth >= depth_max:
                continue
            steps = _steps(db, current, col, upstream)
            for other, other_col, nodes in steps:
                key = (other, other_col)
                if key in seen:
                    continue
                seen.add(key)
                side.append(LineageEdge(depth + 1, other, current, nodes, other_col, col))
                stack.append((other, other_col, depth + 1))
        # pre-order: re-sort so that every child follows its parent
        side[:] = _preorder(side, table, column)
    return sides[0], sides[1]


def _preorder(edges: list[LineageEdge], root: str, column: str | None) -> list[LineageEdge]:
    children: dict[tuple[str, str | None], list[LineageEdge]] = {}
    for e in edges:
        children.setdefault((e.parent, e.parent_column), []).append(e)
    out: list[LineageEdge] = []
    stack = list(reversed(children.get((root, column), [])))
    while stack:
        e = stack.pop()
        out.append(e)
        stack.extend(reversed(children.get((e.table, e.column), [])))
    return out


def _steps(
    db: sqlite_utils.Database, table: str, column: str | None, upstream: bool
) -> list[tuple[str, str | None, tuple[str, ...]]]:
    if column is None:
        me, other = ("target", "source") if upstream else ("source", "target")
        rows = db.execute(
            f"SELECT {other}, group_concat(node, ',') FROM dm_table_edges WHERE {me} = ? "
            f"GROUP BY {other} ORDER BY {other}",
            [table],
        ).fetchall()
        return [(str(r[0]), None, tuple(sorted(str(r[1]).split(",")))) for r in rows]
    if upstream:
        sql = (
            "SELECT source, source_column, group_concat(node, ',') FROM dm_column_edges "
            "WHERE target = ? AND target_column = ? GROUP BY source, source_column "
            "ORDER BY source, source_column"
        )
    else:
        sql = (
            "SELECT target, target_column, group_concat(node, ',') FROM dm_column_edges "
            "WHERE source = ? AND source_column = ? GROUP BY target, target_column "
            "ORDER BY target, target_column"
        )
    rows = db.execute(sql, [table, column]).fetchall()
    return [(str(r[0]), str(r[1]), tuple(sorted(str(r[2]).split(",")))) for r in rows]


def lineage_of(
    db: sqlite_utils.Database,
    table: str,
    *,
    up: int,
    down: int,
    columns: bool,
    column_names: list[str],
) -> Lineage:
    if not columns:
        ups, downs = walk(db, table, up=up, down=down)
        return Lineage(table, tuple(ups), tuple(downs), False, unparsed(db))
    all_up: list[LineageEdge] = []
    all_down: list[LineageEdge] = []
    names = list(column_names)
    for (extra,) in db.execute(
        "SELECT DISTINCT target_column FROM dm_column_edges WHERE target = ? UNION "
        "SELECT DISTINCT source_column FROM dm_column_edges WHERE source = ?",
        [table, table],
    ).fetchall():
        if extra not in names:
            names.append(str(extra))
    for name in names:
        ups, downs = walk(db, table, up=up, down=down, column=name)
        all_up += ups
        all_down += downs
    return Lineage(table, tuple(all_up), tuple(all_down), True, unparsed(db))
