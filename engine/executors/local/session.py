"""State shared by the statement handlers of one local script run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
from sqlglot import exp

from engine.errors import SqlError
from engine.executors.local.catalog import Catalog, TableMeta
from engine.sql import analysis
from engine.sql.analysis import TableName

TRUE_VALUES = {"true", "1", "yes", "on"}

# Session flags the local engine emulates, with MaxCompute's defaults.
FLAG_DEFAULTS: dict[str, str] = {
    "odps.sql.allow.fullscan": "false",
    "odps.sql.validate.orderby.limit": "true",
    "odps.sql.type.system.odps2": "true",
    "odps.sql.decimal.odps2": "true",
    "odps.sql.hive.compatible": "false",
    "odps.namespace.schema": "false",
}


@dataclass
class Session:
    conn: duckdb.DuckDBPyConnection
    project: str
    projects: set[str]
    catalogs: dict[str, Catalog]
    user: str
    timezone: str
    clock: Callable[[], datetime]
    result_limit: int
    flags: dict[str, str] = field(default_factory=dict)
    translate_ms: float = 0.0  # parse + translation time of the current statement

    def flag(self, key: str) -> bool:
        return self.flags.get(key, FLAG_DEFAULTS.get(key, "false")).lower() in TRUE_VALUES

    def catalog(self, project: str) -> Catalog:
        return self.catalogs[project]

    def resolve(self, table: exp.Table, line: int | None) -> TableName:
        return analysis.resolve(
            table,
            default_project=self.project,
            projects=self.projects,
            namespace_schema=self.flag("odps.namespace.schema"),
            line=line,
        )

    def meta(self, name: TableName) -> TableMeta | None:
        return self.catalogs[name.project].get(name.name)

    def require(self, table: exp.Table, line: int | None) -> TableMeta:
        name = self.resolve(table, line)
        meta = self.meta(name)
        if meta is None:
            raise SqlError(
                f"Semantic analysis exception - Table not found - table {name} cannot be resolved",
                line=line,
                code=analysis.NOT_FOUND_CODE,
                hint=self._not_found_hint(name),
            )
        return meta

    def _not_found_hint(self, name: TableName) -> str:
        """Where the table is, when it is in another project of the workspace (a dev run reading a
        table only production has, typically)."""
        elsewhere = [
            p for p in self.projects if p != name.project and p in self.catalogs
            and self.catalogs[p].get(name.name) is not None
        ]  # fmt: skip
        if not elsewhere:
            return "check the name; `SHOW TABLES;` lists this project's tables"
        there = ", ".join(f"{p}.{name.name}" for p in elsewhere)
        return (
            f"it exists as {there}: name the project to read it there, or create it in "
            f"{name.project} (run the node that writes it)"
        )


def duck_table(project: str, name: str) -> str:
    """The DuckDB name of a MaxCompute table: "project".main."name"."""
    return f'"{project}".main."{name}"'


def duck_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
