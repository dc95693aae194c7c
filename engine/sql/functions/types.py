"""MaxCompute types on DuckDB: DDL/CAST type mapping, MaxCompute type names, CAST semantics."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.expressions import DType

from engine.errors import SqlError
from engine.sql.functions.core import TranslateContext, by_class, call, cast

_SIMPLE: dict[DType, DType] = {
    DType.TINYINT: DType.TINYINT,
    DType.SMALLINT: DType.SMALLINT,
    DType.INT: DType.INT,
    DType.BIGINT: DType.BIGINT,
    DType.FLOAT: DType.FLOAT,
    DType.DOUBLE: DType.DOUBLE,
    DType.BOOLEAN: DType.BOOLEAN,
    DType.TEXT: DType.VARCHAR,
    DType.VARCHAR: DType.VARCHAR,
    DType.CHAR: DType.CHAR,
    DType.BINARY: DType.BLOB,
    DType.VARBINARY: DType.BLOB,
    DType.BLOB: DType.BLOB,
    DType.DATE: DType.DATE,
    DType.DATETIME: DType.TIMESTAMP,
    DType.TIMESTAMP: DType.TIMESTAMP_NS,
    DType.TIMESTAMPNTZ: DType.TIMESTAMP_NS,
    DType.JSON: DType.JSON,
}

_NAMES: dict[DType, str] = {
    DType.TINYINT: "TINYINT",
    DType.SMALLINT: "SMALLINT",
    DType.INT: "INT",
    DType.BIGINT: "BIGINT",
    DType.FLOAT: "FLOAT",
    DType.DOUBLE: "DOUBLE",
    DType.BOOLEAN: "BOOLEAN",
    DType.TEXT: "STRING",
    DType.BINARY: "BINARY",
    DType.VARBINARY: "BINARY",
    DType.BLOB: "BINARY",
    DType.DATE: "DATE",
    DType.DATETIME: "DATETIME",
    DType.TIMESTAMP: "TIMESTAMP",
    DType.TIMESTAMP_NS: "TIMESTAMP",
    DType.TIMESTAMPNTZ: "TIMESTAMP_NTZ",
    DType.JSON: "JSON",
}


def duckdb_type(odps_type: exp.DataType) -> exp.DataType:
    """The DuckDB storage type for a MaxCompute column / CAST type.

    STRING->VARCHAR, DATETIME->TIMESTAMP (values are truncated to milliseconds where they are
    created), TIMESTAMP->TIMESTAMP_NS, BINARY->BLOB, DECIMAL->DECIMAL(38,18) by default (Hive
    edition: DECIMAL(10,0)), ARRAY<T>->T[], MAP<K,V>->MAP(K,V), STRUCT<a:T>->STRUCT(a T).
    """
    kind = odps_type.this
    if kind in (DType.DECIMAL, DType.BIGDECIMAL):
        params = list(odps_type.expressions)
        if not params:
            params = [
                exp.DataTypeParam(this=exp.Literal.number(38)),
                exp.DataTypeParam(this=exp.Literal.number(18)),
            ]
        elif len(params) == 1:
            params = [params[0], exp.DataTypeParam(this=exp.Literal.number(0))]
        return exp.DataType(this=DType.DECIMAL, expressions=[p.copy() for p in params])
    if kind in (DType.VARCHAR, DType.CHAR) and odps_type.expressions:
        return exp.DataType(this=kind, expressions=[p.copy() for p in odps_type.expressions])
    if kind == DType.ARRAY:
        inner = odps_type.expressions[0] if odps_type.expressions else None
        if not isinstance(inner, exp.DataType):
            raise SqlError("ARRAY type needs an element type, e.g. ARRAY<STRING>")
        return exp.DataType(this=DType.ARRAY, expressions=[duckdb_type(inner)], nested=True)
    if kind == DType.MAP:
        key, value = odps_type.expressions
        return exp.DataType(
            this=DType.MAP, expressions=[duckdb_type(key), duckdb_type(value)], nested=True
        )
    if kind == DType.STRUCT:
        fields: list[exp.Expr] = []
        for col in odps_type.expressions:
            if isinstance(col, exp.ColumnDef) and isinstance(col.args.get("kind"), exp.DataType):
                fields.append(
                    exp.ColumnDef(this=col.this.copy(), kind=duckdb_type(col.args["kind"]))
                )
            else:
                raise SqlError(f"cannot map STRUCT field {col.sql()} to a local type")
        return exp.DataType(this=DType.STRUCT, expressions=fields, nested=True)
    mapped = _SIMPLE.get(kind)
    if mapped is None:
        raise SqlError(
            f"type {odps_type.sql(dialect='hive')} is not a MaxCompute type this engine stores"
        )
    return exp.DataType(this=mapped)


def odps_type_name(dt: exp.DataType | str) -> str:
    """MaxCompute's spelling of a type (for DESC output): ``STRING``, ``DECIMAL(38,18)``,
    ``ARRAY<STRING>``, ``MAP<STRING,BIGINT>``, ``STRUCT<a:BIGINT,b:STRING>``.

    Accepts a sqlglot DataType parsed from MaxCompute DDL, or a DuckDB column type string (as
    DESCRIBE / information_schema report it: TIMESTAMP is a stored DATETIME, TIMESTAMP_NS a
    TIMESTAMP, BLOB a BINARY).
    """
    if isinstance(dt, str):
        dt = _from_duckdb(exp.DataType.build(dt, dialect="duckdb"))
    kind = dt.this
    params = [p.sql() for p in dt.expressions] if dt.expressions else []
    if kind in (DType.DECIMAL, DType.BIGDECIMAL):
        return f"DECIMAL({','.join(params) or '38,18'})"
    if kind in (DType.VARCHAR, DType.CHAR):
        base = "VARCHAR" if kind == DType.VARCHAR else "CHAR"
        return f"{base}({params[0]})" if params else "STRING"
    if kind == DType.ARRAY:
        return f"ARRAY<{odps_type_name(dt.expressions[0])}>"
    if kind == DType.MAP:
        return f"MAP<{odps_type_name(dt.expressions[0])},{odps_type_name(dt.expressions[1])}>"
    if kind == DType.STRUCT:
        parts = []
        for col in dt.expressions:
            if isinstance(col, exp.ColumnDef):
                parts.append(f"{col.name}:{odps_type_name(col.args['kind'])}")
        return f"STRUCT<{','.join(parts)}>"
    name = _NAMES.get(kind)
    return name if name is not None else dt.sql(dialect="hive").upper()


def _from_duckdb(dt: exp.DataType) -> exp.DataType:
    """Reinterpret a DuckDB storage type as the MaxCompute type it stores."""
    renames = {
        DType.TIMESTAMP: DType.DATETIME,
        DType.TIMESTAMPNTZ: DType.DATETIME,
        DType.TIMESTAMP_NS: DType.TIMESTAMP,
        DType.VARCHAR: DType.TEXT,
    }
    out = dt.copy()
    for node in out.find_all(exp.DataType):
        if node.this == DType.VARCHAR and node.expressions:
            continue
        node.set("this", renames.get(node.this, node.this))
    return out


def _target(node: exp.Cast) -> exp.DataType:
    to = node.args["to"]
    assert isinstance(to, exp.DataType)
    return to


@by_class(exp.Cast, exp.TryCast)
def _cast(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """CAST semantics (documented choice, see the package docstring): a failed conversion of a
    string raises an error, as DuckDB's CAST does; Hive's TRY_CAST (NULL) is not used. DATETIME
    values are truncated to milliseconds.
    """
    assert isinstance(node, exp.Cast)
    to = _target(node)
    this = node.this
    kind = to.this
    if isinstance(node, exp.TryCast):
        return exp.TryCast(this=this, to=duckdb_type(to))
    if kind == DType.DATETIME:
        # DATETIME has millisecond precision.
        return cast(cast(this, "TIMESTAMP_MS"), "TIMESTAMP")
    if kind in (DType.BIGINT, DType.INT, DType.SMALLINT, DType.TINYINT) and not isinstance(
        this, exp.Literal
    ):
        # MaxCompute truncates a fractional value towards zero; DuckDB rounds.
        return exp.Cast(this=call("odps_trunc_int", this), to=duckdb_type(to))
    return exp.Cast(this=this, to=duckdb_type(to))
