"""Static analysis of one parsed statement: table references, name resolution, MaxCompute guards,
and MaxCompute's output column names.

Both executors use it: the local one to rewrite names and enforce the guards, and (later) the
permission checks and lineage, which must see every table a statement touches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlglot import exp

from engine.errors import SqlError, UnsupportedSqlError

FULL_SCAN_CODE = "ODPS-0130071"  # MaxCompute's code for semantic errors, these guards included
NOT_FOUND_CODE = "ODPS-0130131"


@dataclass(frozen=True)
class TableName:
    project: str
    name: str

    def __str__(self) -> str:
        return f"{self.project}.{self.name}"


def cte_names(tree: exp.Expr) -> set[str]:
    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def real_tables(tree: exp.Expr) -> Iterator[exp.Table]:
    """Every reference to a stored table or view (not CTEs, not table functions)."""
    yield from survey(tree).tables


@dataclass(frozen=True)
class Survey:
    """What one walk of a statement finds: the stored tables it references, and whether some
    query in it has ORDER BY without LIMIT."""

    tables: list[exp.Table]
    order_without_limit: bool


def survey(tree: exp.Expr) -> Survey:
    ctes: set[str] = set()
    candidates: list[exp.Table] = []
    order_without_limit = False
    for node in tree.walk():
        if isinstance(node, exp.Table):
            if isinstance(node.this, exp.Identifier):  # not UNNEST(...) or a table function
                candidates.append(node)
        elif isinstance(node, exp.CTE):
            ctes.add(node.alias_or_name.lower())
        elif (
            isinstance(node, (exp.Select, exp.SetOperation))
            and node.args.get("order") is not None
            and node.args.get("limit") is None
        ):
            order_without_limit = True
    tables = [t for t in candidates if t.args.get("db") or t.name.lower() not in ctes]
    return Survey(tables, order_without_limit)


def resolve(
    table: exp.Table,
    *,
    default_project: str,
    projects: set[str],
    namespace_schema: bool,
    line: int | None,
) -> TableName:
    """MaxCompute name resolution (reference A6).

    ``odps.namespace.schema=false`` (default): ``a.b`` is project.table; three parts are refused.
    ``=true``: ``a.b`` is schema.table and ``a.b.c`` project.schema.table. The local engine has only
    the ``default`` schema of each project.
    """
    name = table.name.lower()
    db = table.args.get("db")
    catalog = table.args.get("catalog")
    db_name = db.name.lower() if db is not None else None
    catalog_name = catalog.name.lower() if catalog is not None else None
    if namespace_schema:
        project = catalog_name or default_project
        schema = db_name or "default"
        if schema != "default":
            raise UnsupportedSqlError(
                f"schema {schema!r} of {table.sql()}: the local engine has only the DEFAULT schema of each project",
                line=line,
            )
    else:
        if catalog_name is not None:
            raise SqlError(
                f"{table.sql()}: three-part names need `SET odps.namespace.schema=true;`",
                line=line,
                code="ODPS-0130161",
            )
        project = db_name or default_project
    if project not in projects:
        raise SqlError(
            f"project {project!r} (in {table.sql()}) is not a project of this workspace "
            f"(known: {', '.join(sorted(projects))})",
            line=line,
            code=NOT_FOUND_CODE,
        )
    return TableName(project, name)


def check_order_by_limit(tree: exp.Expr | Survey, line: int | None) -> None:
    """MaxCompute rejects ORDER BY without LIMIT unless odps.sql.validate.orderby.limit=false."""
    found = tree if isinstance(tree, Survey) else survey(tree)
    if found.order_without_limit:
        raise SqlError(
            "Semantic analysis exception - ORDER BY must be used with a LIMIT clause, "
            "please set odps.sql.validate.orderby.limit=false to use it",
            line=line,
            code=FULL_SCAN_CODE,
            hint="add LIMIT n, or run `SET odps.sql.validate.orderby.limit=false;` first",
        )


def check_full_scan(
    tree: exp.Expr | Survey,
    partition_columns: Callable[[exp.Table], tuple[TableName, list[str]] | None],
    line: int | None,
) -> None:
    """Refuse a read of a partitioned table with no partition predicate (reference A5).

    A predicate counts when a partition column is compared in the WHERE or an ON clause of the
    query that reads the table or of any query around it (MaxCompute pushes predicates down
    through subqueries and CTEs before pruning).
    """
    tables = tree.tables if isinstance(tree, Survey) else list(real_tables(tree))
    for table in tables:
        found = partition_columns(table)
        if not found or not found[1]:
            continue
        name, parts = found
        wanted = {p.lower() for p in parts}
        if not _has_partition_predicate(table, wanted):
            raise SqlError(
                "Semantic analysis exception - physical plan generation failed: "
                f"Table({name.project},{name.name}) is full scan with all partitions, please specify partition predicates.",
                line=line,
                code=FULL_SCAN_CODE,
                hint=f"filter on {', '.join(parts)}, or run `SET odps.sql.allow.fullscan=true;` first",
            )


def _has_partition_predicate(table: exp.Table, wanted: set[str]) -> bool:
    node: exp.Expr | None = table
    while node is not None:
        node = node.parent
        if isinstance(node, (exp.Select, exp.Update, exp.Delete, exp.Merge)):
            conditions: list[exp.Expr] = []
            where = node.args.get("where")
            if where is not None:
                conditions.append(where)
            for join in node.args.get("joins") or []:
                on = join.args.get("on")
                if on is not None:
                    conditions.append(on)
            if isinstance(node, exp.Merge) and node.args.get("on") is not None:
                conditions.append(node.args["on"])
            for cond in conditions:
                for column in cond.find_all(exp.Column):
                    if column.name.lower() in wanted:
                        return True
    return False


def output_names(query: exp.Expr) -> list[str] | None:
    """MaxCompute's names for a query's columns: alias, column name, else ``_c<position>``.

    None where a ``*`` makes the names known only at run time.
    """
    select = query
    while isinstance(select, exp.SetOperation):
        select = select.this  # the first branch names the columns
    if isinstance(select, exp.Subquery):
        select = select.this
    if not isinstance(select, exp.Select):
        return None
    names: list[str] = []
    for i, projection in enumerate(select.expressions):
        if isinstance(projection, exp.Star) or (
            isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
        ):
            return None
        if isinstance(projection, exp.Alias):
            names.append(projection.alias)
        elif isinstance(projection, exp.Column):
            names.append(projection.name)
        else:
            names.append(f"_c{i}")
    return names


def name_expressions(select: exp.Select) -> None:
    """Give every unaliased expression MaxCompute's ``_c<position>`` name, in place."""
    for i, projection in enumerate(list(select.expressions)):
        if isinstance(projection, (exp.Alias, exp.Column, exp.Star)):
            continue
        projection.replace(exp.alias_(projection.copy(), f"_c{i}", quoted=True))
