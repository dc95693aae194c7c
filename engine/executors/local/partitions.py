"""Partition specs: ``PARTITION (dt='20250101', hh)`` as static pairs and dynamic names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp

from engine.errors import SqlError
from engine.executors.local.catalog import TableMeta, partition_spec

# MaxCompute refuses partition values with these (ODPS-0123031 for dynamic values).
_BAD_VALUE = re.compile(r"[=/\\'\"\x00-\x1f]")


@dataclass(frozen=True)
class PartitionClause:
    static: tuple[tuple[str, str], ...]  # (column, value) in table order
    dynamic: tuple[str, ...]  # column names, in table order

    @property
    def is_full_static(self) -> bool:
        return not self.dynamic


def spec_items(node: exp.Expr) -> list[exp.Expr]:
    """The items of a PARTITION (...) clause, whatever node the parser built for it."""
    if isinstance(node, (exp.Partition, exp.Anonymous, exp.Tuple)):
        return list(node.expressions)
    inner = node.args.get("this")
    if isinstance(inner, exp.Expr) and inner is not node:
        return spec_items(inner)
    return list(node.expressions)


def literal_value(value: exp.Expr, line: int) -> str:
    if isinstance(value, exp.Neg) and isinstance(value.this, exp.Literal):
        return "-" + str(value.this.this)
    if isinstance(value, exp.Literal):
        return str(value.this)
    raise SqlError(
        f"partition value {value.sql()} must be a constant (MaxCompute does not allow expressions here)",
        line=line,
        code="ODPS-0130071",
    )


def parse_clause(
    items: list[exp.Expr], meta: TableMeta, line: int, *, allow_dynamic: bool
) -> PartitionClause:
    if not meta.is_partitioned:
        raise SqlError(
            f"table {meta.qualified} is not partitioned, but a PARTITION clause was given",
            line=line,
            code="ODPS-0130071",
        )
    given: dict[str, str | None] = {}
    order: list[str] = []
    for item in items:
        if isinstance(item, exp.EQ):
            name = (
                item.this.name.lower()
                if isinstance(item.this, exp.Column | exp.Identifier)
                else item.this.sql()
            )
            value: str | None = literal_value(item.expression, line)
        elif isinstance(item, exp.Column | exp.Identifier):
            name, value = item.name.lower(), None
        else:
            raise SqlError(f"invalid partition item {item.sql()}", line=line, code="ODPS-0130161")
        if name in given:
            raise SqlError(f"partition column {name} given twice", line=line, code="ODPS-0130071")
        given[name] = value
        order.append(name)
    names = meta.partition_names
    unknown = [n for n in given if n not in names]
    if unknown:
        raise SqlError(
            f"{unknown[0]} is not a partition column of {meta.qualified} (partition columns: {', '.join(names)})",
            line=line,
            code="ODPS-0130071",
        )
    missing = [n for n in names if n not in given]
    if missing:
        raise SqlError(
            f"partition spec of {meta.qualified} must name every partition column; missing: {', '.join(missing)}",
            line=line,
            code="ODPS-0130071",
        )
    static: list[tuple[str, str]] = []
    dynamic: list[str] = []
    for n in names:
        v = given[n]
        if v is None:
            dynamic.append(n)
            continue
        if dynamic:
            raise SqlError(
                f"static partition column {n} cannot follow dynamic partition column {dynamic[0]}: "
                "static values must be given for the higher levels",
                line=line,
                code="ODPS-0130071",
            )
        check_value(n, v, line)
        static.append((n, v))
    if dynamic and not allow_dynamic:
        raise SqlError(
            f"partition {', '.join(dynamic)} needs a value here (dynamic partitions are only for INSERT)",
            line=line,
            code="ODPS-0130071",
        )
    return PartitionClause(tuple(static), tuple(dynamic))


def check_value(column: str, value: str, line: int) -> None:
    if value == "" or _BAD_VALUE.search(value):
        raise SqlError(
            f"Partition exception - invalid partition value {value!r} for {column}",
            line=line,
            code="ODPS-0123031",
        )


def static_spec(meta: TableMeta, clause: PartitionClause) -> str:
    return partition_spec([n for n, _ in clause.static], [v for _, v in clause.static])


def where_static(clause: PartitionClause) -> tuple[str, list[str]]:
    """A DuckDB predicate (with parameters) selecting the static part of a clause."""
    if not clause.static:
        return "TRUE", []
    cond = " AND ".join(f'"{n}" = ?' for n, _ in clause.static)
    return cond, [v for _, v in clause.static]


__all__ = [
    "PartitionClause",
    "check_value",
    "literal_value",
    "parse_clause",
    "partition_spec",
    "spec_items",
    "static_spec",
    "where_static",
]
