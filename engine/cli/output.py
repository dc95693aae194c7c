"""Printing query results: a width-aware table, CSV, or JSON with types preserved."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TextIO

from engine.executors.records import ResultColumn, StatementResult
from engine.executors.values import format_value, to_text


def _dump(value: Any, indent: str = "") -> str:
    """JSON text; Decimals are written with their exact digits (json would round through float)."""
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else json.dumps(str(value))
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[" + ", ".join(_dump(v, indent) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        items = [
            f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {_dump(v, inner)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    return json.dumps(value, ensure_ascii=False)


def write_json(result: StatementResult, out: TextIO = sys.stdout) -> None:
    cols = result.columns
    objects = [
        {c.name: format_value(v, c.odps_type) for c, v in zip(cols, row, strict=True)}
        for row in result.rows or []
    ]
    if not objects:
        out.write("[]\n")
        return
    out.write("[\n" + ",\n".join("  " + _dump(o, "  ") for o in objects) + "\n]\n")


def write_csv(result: StatementResult, out: TextIO = sys.stdout) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in result.columns])
    for row in result.rows or []:
        writer.writerow(
            [
                "" if v is None else to_text(v, c.odps_type)
                for c, v in zip(result.columns, row, strict=True)
            ]
        )


def write_table(result: StatementResult, out: TextIO = sys.stdout) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, highlight=False, soft_wrap=False)
    table = Table(show_edge=True, header_style="bold", pad_edge=True)
    for col in result.columns:
        numeric = col.odps_type in NUMERIC or col.odps_type.startswith("DECIMAL")
        table.add_column(col.name, justify="right" if numeric else "left", overflow="fold")
    for row in result.rows or []:
        table.add_row(*[_cell(v, c) for c, v in zip(result.columns, row, strict=True)])
    console.print(table)


NUMERIC = {"BIGINT", "INT", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT"}


def _cell(value: Any, col: ResultColumn) -> str:
    from rich.markup import escape

    if value is None:
        return "[dim]NULL[/dim]"
    return escape(to_text(value, col.odps_type))


def columns_line(columns: Sequence[ResultColumn]) -> str:
    return ", ".join(f"{c.name} {c.odps_type}" for c in columns)
