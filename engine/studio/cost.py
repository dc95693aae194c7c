"""What a script would read, estimated before it runs (DataStudio shows it before a Run).

* Local engine: from the warehouse's own metadata, no data read. Each table a statement reads
  (CTEs, subqueries, joins; the tables an INSERT writes are not reads) is resolved as the executor
  resolves it; a partitioned table counts the rows of the partitions its partition predicates
  keep (predicates on partition columns and constants, evaluated against the partition list;
  anything else keeps every partition, so the figure is an upper bound), an unpartitioned table
  its row count. Bytes are rows times the width of the table's columns (fixed widths by type,
  ``STRING_BYTES`` for each string/binary/complex value), the figure MaxCompute bills on.
  A partitioned table read without any partition predicate is flagged as a full scan.
* MaxCompute: the executor contract's dry run (``execute_sql_cost``: input size, complexity,
  UDF count).

``LARGE_READ_BYTES`` is the default size above which the app asks before running.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.errors import MaxworksError, SqlError
from engine.workspace import Environment, Workspace

if TYPE_CHECKING:
    from sqlglot import exp

    from engine.executors.local.catalog import PartitionMeta, TableMeta
    from engine.executors.local.session import Session

LARGE_READ_BYTES = 1 << 30  # 1 GiB: above this the app asks before a run
STRING_BYTES = 32  # assumed size of one STRING/BINARY/complex value

_FIXED_BYTES = {
    "boolean": 1, "tinyint": 1, "smallint": 2, "int": 4, "float": 4, "date": 4,
    "bigint": 8, "double": 8, "datetime": 8, "timestamp": 8, "timestamp_ntz": 8,
    "decimal": 16, "interval_day_time": 16, "interval_year_month": 8,
}  # fmt: skip


@dataclass(frozen=True)
class TableRead:
    table: str  # project.name
    rows: int  # rows of the partitions read (all rows when not pruned)
    bytes: int
    partitions: int | None = None  # partitions read; None: not partitioned
    partitions_total: int | None = None
    full_scan: bool = False  # partitioned, and no partition predicate at all

    def describe(self) -> str:
        text = f"{self.table} {_rows(self.rows)} ~{format_bytes(self.bytes)}"
        if self.partitions is not None:
            text += f" ({self.partitions}/{self.partitions_total} partitions)"
        return text + (" FULL SCAN" if self.full_scan else "")


@dataclass(frozen=True)
class CostReport:
    engine: str
    input_bytes: int
    input_rows: int | None = None  # None where the backend does not say (MaxCompute)
    tables: tuple[TableRead, ...] = ()
    complexity: float | None = None
    udf_count: int | None = None
    statements: int = 0  # statements that read data
    notes: tuple[str, ...] = ()  # what the estimate could not see (unknown tables, parse errors)

    @property
    def full_scan(self) -> bool:
        return any(t.full_scan for t in self.tables)

    def is_large(self, threshold: int = LARGE_READ_BYTES) -> bool:
        return self.input_bytes >= threshold

    def summary(self) -> str:
        """One line: '~12.3 MB from 3 tables (1.2M rows) · full scan of ...'."""
        if not self.statements and not self.tables:
            return "reads no table"
        parts = [f"~{format_bytes(self.input_bytes)}"]
        if self.tables:
            parts.append(f"from {len(self.tables)} table{'s' if len(self.tables) != 1 else ''}")
        if self.input_rows is not None:
            parts.append(f"({_rows(self.input_rows)})")
        text = " ".join(parts)
        if self.complexity is not None:
            text += f" · complexity {self.complexity:g}"
        if self.udf_count:
            text += f" · {self.udf_count} UDF{'s' if self.udf_count != 1 else ''}"
        scans = [t.table for t in self.tables if t.full_scan]
        if scans:
            text += " · full scan of " + ", ".join(scans)
        return text


_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    """``500M``, ``2G``, ``1.5GiB``, ``1024`` -> bytes; ValueError says how to write it."""
    raw = text.strip().upper().removesuffix("IB").removesuffix("B")
    number, unit = (raw[:-1], raw[-1]) if raw and raw[-1] in _UNITS else (raw, "")
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"{text!r} is not a size; write e.g. 500M or 2G") from None
    if value < 0:
        raise ValueError(f"{text!r}: a size cannot be negative")
    return int(value * _UNITS[unit])


def format_bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _rows(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


def row_width(meta: TableMeta) -> int:
    width = 0
    for column in meta.all_columns:
        base = column.odps_type.lower().split("(", 1)[0].split("<", 1)[0].strip()
        width += _FIXED_BYTES.get(base, STRING_BYTES)
    return max(width, 1)


# -- local --------------------------------------------------------------------------------------
def estimate_local(workspace: Workspace, env: Environment, script: str, user: str) -> CostReport:
    """The local estimate of ``script`` (parameters already substituted) in ``env``."""
    from engine.executors.local.executor import LocalExecutor

    with LocalExecutor(workspace, env, user=user, read_only=True) as executor:
        session = executor.session()
        return _estimate(session, script)


def _estimate(session: Session, script: str) -> CostReport:
    from engine.executors.local import inspect
    from engine.sql.dialect import parse_statement
    from engine.sql.splitter import parse_set, split_statements
    from engine.studio.deps import table_refs

    reads: dict[str, TableRead] = {}
    notes: list[str] = []
    counted = 0
    for stmt in split_statements(script):
        setting = parse_set(stmt.text)
        if setting is not None:
            session.flags[setting[0]] = setting[1]
            continue
        if inspect.match(stmt.text) is not None:
            continue
        try:
            tree = parse_statement(stmt.text)
        except SqlError as err:
            notes.append(f"statement {stmt.index + 1} (line {stmt.line}): {err.reason}")
            continue
        refs, _ = table_refs(tree)
        if refs:
            counted += 1
        for table in refs:
            try:
                meta = session.require(table, stmt.line)
            except MaxworksError as err:
                notes.append(f"line {stmt.line}: {err.message}")
                continue
            read = _table_read(session, table, meta)
            seen = reads.get(read.table)  # read twice: the larger read counts
            reads[read.table] = read if seen is None else _merge(seen, read)
    tables = tuple(reads.values())
    return CostReport(
        engine="local",
        input_bytes=sum(t.bytes for t in tables),
        input_rows=sum(t.rows for t in tables),
        tables=tables,
        statements=counted,
        notes=tuple(notes),
    )


def _merge(a: TableRead, b: TableRead) -> TableRead:
    bigger = a if a.bytes >= b.bytes else b
    return TableRead(
        bigger.table,
        bigger.rows,
        bigger.bytes,
        bigger.partitions,
        bigger.partitions_total,
        a.full_scan or b.full_scan,
    )


def _table_read(session: Session, table: exp.Table, meta: TableMeta) -> TableRead:
    from engine.sql import analysis

    width = row_width(meta)
    if meta.is_view:
        return TableRead(meta.qualified, 0, 0)  # what the view reads is counted where it runs
    if not meta.is_partitioned:
        row = session.conn.execute(
            "SELECT estimated_size FROM duckdb_tables() "
            "WHERE database_name = ? AND schema_name = 'main' AND table_name = ?",
            [meta.project, meta.name],
        ).fetchone()
        rows = int(row[0]) if row and row[0] is not None else 0
        return TableRead(meta.qualified, rows, rows * width)
    parts = session.catalog(meta.project).partitions(meta.name)
    wanted = {p.lower() for p in meta.partition_names}
    full = not analysis._has_partition_predicate(table, wanted)
    kept = parts if full else _prune(table, meta, parts)
    rows = sum(p.row_count for p in kept)
    return TableRead(meta.qualified, rows, rows * width, len(kept), len(parts), full)


def _prune(
    table: exp.Table, meta: TableMeta, parts: Sequence[PartitionMeta]
) -> list[PartitionMeta]:
    """The partitions that the constant predicates on partition columns around ``table`` keep."""
    import duckdb
    from sqlglot import exp

    if not parts:
        return []
    names = [n.lower() for n in meta.partition_names]
    refs = {table.alias_or_name.lower(), table.name.lower()}
    conds: list[exp.Expr] = []
    node: exp.Expr | None = table
    while node is not None:
        node = node.parent
        if isinstance(node, exp.Select):
            where = node.args.get("where")
            sources = [where.this] if where is not None else []
            sources += [j.args["on"] for j in node.args.get("joins") or [] if j.args.get("on")]
            for source in sources:
                conds += [c for c in _conjuncts(source) if _only_partitions(c, names, refs)]
    if not conds:
        return list(parts)
    keep = set(range(len(parts)))
    conn = duckdb.connect(":memory:")
    try:
        values = ", ".join(
            "(" + ", ".join([str(i), *(_literal(v) for v in p.values)]) + ")"
            for i, p in enumerate(parts)
        )
        cols = ", ".join(['"__i"', *(f'"{n}"' for n in names)])
        conn.execute(f"CREATE TEMP TABLE p AS SELECT * FROM (VALUES {values}) AS t({cols})")
        for cond in conds:
            bare = cond.copy()
            for column in bare.find_all(exp.Column):
                column.set("table", None)
            try:
                rows = conn.execute(f"SELECT __i FROM p WHERE {bare.sql(dialect='duckdb')}")
                keep &= {int(r[0]) for r in rows.fetchall()}
            except duckdb.Error:
                continue  # a predicate DuckDB cannot evaluate as written keeps every partition
    finally:
        conn.close()
    return [p for i, p in enumerate(parts) if i in keep]


def _conjuncts(cond: exp.Expr) -> list[exp.Expr]:
    from sqlglot import exp

    if isinstance(cond, exp.And):
        return _conjuncts(cond.left) + _conjuncts(cond.right)
    if isinstance(cond, exp.Paren):
        return _conjuncts(cond.this)
    return [cond]


def _only_partitions(cond: exp.Expr, names: list[str], refs: set[str]) -> bool:
    """``cond`` compares only this table's partition columns with constants."""
    from sqlglot import exp

    columns = list(cond.find_all(exp.Column))
    if not columns or cond.find(exp.Subquery, exp.Select) is not None:
        return False
    for column in columns:
        if column.name.lower() not in names:
            return False
        if column.table and column.table.lower() not in refs:
            return False
    return True


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# -- MaxCompute (the executor contract) ---------------------------------------------------------
def estimate_remote(
    workspace: Workspace,
    env: Environment,
    script: str,
    user: str,
    engine: str,
    flags: Mapping[str, str] | None = None,
) -> CostReport:
    from engine.executors.factory import executor_for

    with executor_for(workspace, env, engine=engine, user=user) as executor:
        if not executor.IMPLEMENTS_COST:
            raise MaxworksError(f"the {executor.backend} engine gives no cost estimate")
        cost = executor.estimate_cost(script, flags)
    if cost is None:
        raise MaxworksError(f"the {engine} engine gave no cost estimate for this script")
    return CostReport(
        engine=engine,
        input_bytes=cost.input_bytes,
        complexity=cost.complexity,
        udf_count=cost.udf_count,
        statements=cost.statements,
    )
