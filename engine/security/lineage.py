"""Where each column of a query result comes from: the stored (table, column) pairs behind it,
followed through CTEs, subqueries, ``*`` and views (sqlglot's column lineage on a qualified tree).

None for a column means its origin could not be traced: masking then fails closed.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp
from sqlglot.lineage import Node, to_node
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import build_scope
from sqlglot.schema import MappingSchema

from engine.security.refs import _cte_in_scope
from engine.sql.analysis import TableName
from engine.sql.dialect import MaxCompute, parse_statement

Origin = frozenset[tuple[TableName, str]]
Columns = Callable[[TableName], list[str] | None]
ViewText = Callable[[TableName], str | None]
_MAX_DEPTH = 8


def result_origins(
    query: exp.Expr,
    width: int,
    *,
    default_project: str,
    columns: Columns,
    views: ViewText,
) -> list[Origin | None]:
    """One entry per result column (``width`` of them)."""
    try:
        return _origins(query, default_project, columns, views, 0, width)
    except Exception:  # sqlglot cannot qualify it (unknown columns, dialect corners): fail closed
        return [None] * width


def _origins(
    query: exp.Expr, project: str, columns: Columns, views: ViewText, depth: int, width: int | None
) -> list[Origin | None]:
    tree = query.copy()
    schema: dict[str, object] = {}
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            raise ValueError("table function")
        if not table.args.get("db"):
            if _cte_in_scope(table):
                continue
            table.set("db", exp.to_identifier(project))
        name = TableName(table.args["db"].name.lower(), table.name.lower())
        table.set("db", exp.to_identifier(name.project))
        table.set("this", exp.to_identifier(name.name))
        cols = columns(name)
        if cols is None:
            raise ValueError(f"unknown columns of {name}")
        tables = schema.setdefault(name.project, {})
        assert isinstance(tables, dict)
        tables[name.name] = {c.lower(): "string" for c in cols}
    mapping = MappingSchema(schema, dialect=MaxCompute)
    qualified = qualify(tree, schema=mapping, dialect=MaxCompute, validate_qualify_columns=False)
    selects = qualified.selects if isinstance(qualified, exp.Query) else []
    if width is not None and len(selects) != width:
        raise ValueError("result width differs from the query's")
    scope = build_scope(qualified)
    if scope is None:
        raise ValueError("no scope")
    out: list[Origin | None] = []
    for i in range(len(selects)):
        node = to_node(i, scope, MaxCompute, mapping)
        out.append(_leaves(node, columns, views, depth))
    return out


def _leaves(node: Node, columns: Columns, views: ViewText, depth: int) -> Origin | None:
    found: set[tuple[TableName, str]] = set()
    for n in node.walk():
        if n.downstream:
            continue
        source = n.source
        if not isinstance(source, exp.Table):
            if isinstance(n.expression, (exp.Literal, exp.Null)) or not list(
                n.expression.find_all(exp.Column)
            ):
                continue  # a constant: no origin
            return None
        db = source.args.get("db")
        if db is None:
            return None
        table = TableName(db.name.lower(), source.name.lower())
        column = n.name.split(".")[-1].strip('"`').lower()
        text = views(table)
        if text is not None:
            if depth >= _MAX_DEPTH:
                return None
            view_tree = parse_statement(text)
            view_query = view_tree.expression if isinstance(view_tree, exp.Create) else view_tree
            names = columns(table)
            if not isinstance(view_query, exp.Expr) or names is None or column not in names:
                return None
            inner = _origins(view_query, table.project, columns, views, depth + 1, len(names))
            sub = inner[names.index(column)]
            if sub is None:
                return None
            found |= sub
        else:
            found.add((table, column))
    return frozenset(found)
