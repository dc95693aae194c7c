"""Every table a script touches, and how: what the permission check looks at.

The script is split and parsed exactly as the executors do (parameters already substituted,
comments gone, ``SET odps.namespace.schema`` followed), and every table reference that SQL
analysis finds is reported: FROM and JOIN, subqueries, CTE bodies (a CTE name shadows a table
only where the CTE is in scope), UNION branches, INSERT/CTAS targets, DDL targets, DESC/SHOW
targets, and the base tables under every view (expanded recursively). What cannot be analysed is
refused: the check fails closed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlglot import exp

from engine.errors import PermissionDenied, SqlError
from engine.sql.analysis import TableName, resolve
from engine.sql.dialect import ShowPartitions, parse_statement
from engine.sql.splitter import parse_set, split_statements, strip_comments

Action = Literal["select", "describe", "update", "ddl"]

_NAME = r"(?:`[^`]+`|[A-Za-z_]\w*)(?:\s*\.\s*(?:`[^`]+`|[A-Za-z_]\w*)){0,2}"
_DESC = re.compile(
    rf"^\s*(?:desc|describe)\s+(?:extended\s+)?(?:table\s+)?(?P<name>{_NAME})\s*(?:partition\s*\(.*\))?\s*$",
    re.I | re.S,
)
_SHOW_TABLES = re.compile(r"^\s*show\s+tables\b", re.I)
_MAX_VIEW_DEPTH = 16

ViewLookup = Callable[[TableName], str | None]


@dataclass(frozen=True)
class Access:
    table: TableName
    action: Action
    line: int
    columns: frozenset[str] | None = None  # column names the statement mentions; None: all (*)
    via: str | None = None  # the view through which the table is read


def script_accesses(
    script: str,
    *,
    default_project: str,
    projects: set[str],
    views: ViewLookup,
) -> list[Access]:
    """Every access of ``script`` in order. Raises SqlError on what does not parse and
    PermissionDenied on what cannot be analysed (nothing has run at that point)."""
    out: list[Access] = []
    namespace_schema = False
    for stmt in split_statements(script):
        setting = parse_set(stmt.text)
        if setting is not None:
            key, value = setting
            if key.lower() == "odps.namespace.schema":
                namespace_schema = value.strip().lower() == "true"
            continue
        body = strip_comments(stmt.text)
        if _SHOW_TABLES.match(body):
            continue  # table names are metadata anyone in the workspace sees (Data Map)
        desc = _DESC.match(body)
        if desc is not None:
            tree: exp.Expr = parse_statement(f"SELECT * FROM {desc.group('name')}")
            table = tree.find(exp.Table)
            assert table is not None
            name = resolve(
                table, default_project=default_project, projects=projects,
                namespace_schema=namespace_schema, line=stmt.line,
            )  # fmt: skip
            out.append(Access(name, "describe", stmt.line))
            continue
        try:
            tree = parse_statement(stmt.text)
        except SqlError as err:
            raise SqlError(
                err.reason, line=(stmt.line + (err.line or 1) - 1), code=err.code,
                hint="nothing ran: a statement that cannot be analysed is not run",
            ) from None  # fmt: skip
        out += statement_accesses(
            tree, line=stmt.line, default_project=default_project, projects=projects,
            namespace_schema=namespace_schema, views=views,
        )  # fmt: skip
    return out


def statement_accesses(
    tree: exp.Expr,
    *,
    line: int,
    default_project: str,
    projects: set[str],
    namespace_schema: bool,
    views: ViewLookup,
    depth: int = 0,
    via: str | None = None,
) -> list[Access]:
    roles: dict[int, Action] = {}  # id(table node) -> action, for targets; the rest are reads

    def mark(node: exp.Expr | None, action: Action) -> None:
        if isinstance(node, exp.Schema):
            node = node.this
        if isinstance(node, exp.Table):
            roles[id(node)] = action

    if isinstance(tree, exp.Create):
        mark(tree.this, "ddl")
        for like in tree.find_all(exp.LikeProperty):
            mark(like.this, "describe")
    elif isinstance(tree, (exp.Drop, exp.Alter)):
        for t in tree.find_all(exp.Table):
            if not _inside_query(t, tree):
                roles[id(t)] = "ddl"
    elif isinstance(tree, exp.TruncateTable):
        for t in tree.expressions:
            mark(t, "update")
    elif isinstance(tree, (exp.Update, exp.Delete, exp.Merge)):
        mark(tree.this, "update")
    elif isinstance(tree, (exp.Show, ShowPartitions)):
        target = tree.args.get("target") if isinstance(tree, exp.Show) else tree.this
        if isinstance(tree, exp.Show) and tree.name.upper() != "CREATE TABLE":
            raise PermissionDenied(
                f"line {line}: SHOW {tree.name} cannot be checked for permissions",
                hint="use DESC TABLE or SHOW PARTITIONS",
            )
        mark(target, "describe")
    for insert in tree.find_all(exp.Insert):
        mark(insert.this, "update")

    columns, star = _columns(tree)
    out: list[Access] = []
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            raise PermissionDenied(
                f"line {line}: the table function {table.this.sql()[:60]} cannot be checked for permissions",
                hint="read stored tables by name",
            )
        action = roles.get(id(table), "select")
        if action == "select" and not table.args.get("db") and _cte_in_scope(table):
            continue
        name = resolve(
            table, default_project=default_project, projects=projects,
            namespace_schema=namespace_schema, line=line,
        )  # fmt: skip
        cols = None if star or via is not None else columns
        out.append(Access(name, action, line, cols if action == "select" else None, via))
        if action == "select":  # a view's data comes from its base tables: check them too
            out += _view_bases(name, line, projects, views, depth, via)
    return out


def _view_bases(
    name: TableName, line: int, projects: set[str], views: ViewLookup, depth: int, via: str | None
) -> list[Access]:
    text = views(name)
    if text is None:
        return []
    if depth >= _MAX_VIEW_DEPTH:
        raise PermissionDenied(
            f"line {line}: views nest deeper than {_MAX_VIEW_DEPTH} levels under {name}; cannot check them"
        )
    try:
        tree = parse_statement(text)
        query = tree.expression if isinstance(tree, exp.Create) else tree
        if not isinstance(query, exp.Expr):
            raise SqlError("no query")
        return [
            a
            for a in statement_accesses(
                query,
                line=line,
                default_project=name.project,
                projects=projects,
                namespace_schema=False,
                views=views,
                depth=depth + 1,
                via=via or str(name),
            )
            if a.action in ("select", "describe")
        ]
    except SqlError as err:
        raise PermissionDenied(
            f"line {line}: view {name} cannot be analysed for permissions ({err.reason})"
        ) from None


def _inside_query(node: exp.Expr, root: exp.Expr) -> bool:
    cur = node.parent
    while cur is not None and cur is not root:
        if isinstance(cur, exp.Query):
            return True
        cur = cur.parent
    return False


def _cte_in_scope(table: exp.Table) -> bool:
    """Is this unqualified name a CTE visible where it is used? A CTE is visible in the body of
    its WITH and in the CTEs after it (and in itself when RECURSIVE); nowhere else."""
    name = table.name.lower()
    node: exp.Expr = table
    came_from: exp.Expr = table
    while node.parent is not None:
        came_from, node = node, node.parent
        if isinstance(node, exp.With):
            ctes = list(node.expressions)
            idx = next((i for i, c in enumerate(ctes) if c is came_from), len(ctes))
            visible = ctes[: idx + 1] if node.args.get("recursive") else ctes[:idx]
            if any(c.alias_or_name.lower() == name for c in visible):
                return True
            continue
        with_ = node.args.get("with_") or node.args.get("with")
        if (
            isinstance(with_, exp.With)
            and with_ is not came_from
            and any(c.alias_or_name.lower() == name for c in with_.expressions)
        ):
            return True
    return False


def _columns(tree: exp.Expr) -> tuple[frozenset[str], bool]:
    names: set[str] = set()
    star = False
    for node in tree.walk():
        if isinstance(node, exp.Star):
            star = True
        elif isinstance(node, exp.Column):
            if isinstance(node.this, exp.Star):
                star = True
            else:
                names.add(node.name.lower())
    return frozenset(names), star
