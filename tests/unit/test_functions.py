"""ODPS function semantics on a real DuckDB: each case asserts MaxCompute's documented value."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from sqlglot import exp

from engine.errors import SqlError, UnsupportedSqlError
from engine.sql.dialect import parse_statement
from engine.sql.functions import (
    TranslateContext,
    duckdb_type,
    install_macros,
    odps_type_name,
    to_duckdb,
)

D = dt.datetime
TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def conn() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    install_macros(c, TZ)
    return c


def types(conn: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    tree = to_duckdb(parse_statement(sql), TranslateContext(timezone=TZ))
    return [str(t) for t in conn.sql(tree.sql(dialect="duckdb")).types]


def run(conn: duckdb.DuckDBPyConnection, sql: str, ctx: TranslateContext | None = None) -> Any:
    tree = to_duckdb(parse_statement(sql), ctx or TranslateContext(timezone=TZ))
    rows = conn.sql(tree.sql(dialect="duckdb")).fetchall()
    return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows


CASES: list[tuple[str, Any]] = [
    # DATEADD: units, month-end clamping, result type = input type
    ("DATEADD(DATETIME '2005-01-31 00:00:00', 1, 'mm')", D(2005, 2, 28)),
    ("DATEADD(DATETIME '2005-01-31 00:00:00', 1, 'month')", D(2005, 2, 28)),
    ("DATEADD(DATETIME '2005-02-28 00:00:00', 1, 'dd')", D(2005, 3, 1)),
    ("DATEADD(DATETIME '2005-02-28 00:00:00', -1, 'yyyy')", D(2004, 2, 28)),
    ("DATEADD(DATETIME '2005-02-28 00:00:00', 1, 'q')", D(2005, 5, 28)),
    ("DATEADD(DATETIME '2005-02-28 00:00:00', 2, 'week')", D(2005, 3, 14)),
    ("DATEADD(DATETIME '2005-02-28 23:00:00', 2, 'hh')", D(2005, 3, 1, 1)),
    ("DATEADD(DATETIME '2005-02-28 00:00:00', 90, 'mi')", D(2005, 2, 28, 1, 30)),
    ("DATEADD(DATETIME '2005-02-28 00:00:00', 61, 'ss')", D(2005, 2, 28, 0, 1, 1)),
    ("DATEADD(DATETIME '2005-02-28 00:00:00', 5, 'ff3')", D(2005, 2, 28, 0, 0, 0, 5000)),
    ("DATEADD(DATE '2005-01-31', 1, 'mm')", dt.date(2005, 2, 28)),
    ("DATEADD(DATETIME '2005-02-28 00:00:00', NULL, 'dd')", None),
    # DATEDIFF: boundaries crossed; default day
    ("DATEDIFF(DATETIME '2025-03-01 00:00:00', DATETIME '2025-01-31 00:00:00', 'mm')", 2),
    ("DATEDIFF(DATETIME '2025-01-01 10:00:00', DATETIME '2025-01-01 08:30:00', 'hh')", 2),
    ("DATEDIFF(DATETIME '2025-03-01 00:00:00', DATETIME '2025-01-31 23:59:59', 'dd')", 29),
    ("DATEDIFF(DATETIME '2026-01-01 00:00:00', DATETIME '2025-12-31 00:00:00', 'yyyy')", 1),
    ("DATEDIFF(DATE '2025-03-01', DATE '2025-01-31')", 29),
    ("DATEDIFF(DATETIME '2025-01-01 00:00:01', DATETIME '2025-01-01 00:00:00', 'ss')", 1),
    # DATETRUNC / DATEPART
    ("DATETRUNC(DATETIME '2011-12-07 16:28:46', 'mm')", D(2011, 12, 1)),
    ("DATETRUNC(DATETIME '2011-12-07 16:28:46', 'yyyy')", D(2011, 1, 1)),
    ("DATETRUNC(DATETIME '2011-12-07 16:28:46', 'hh')", D(2011, 12, 7, 16)),
    ("DATETRUNC(DATE '2025-03-12', 'week')", dt.date(2025, 3, 10)),
    ("DATEPART(DATETIME '2011-12-07 16:28:46', 'yyyy')", 2011),
    ("DATEPART(DATETIME '2011-12-07 16:28:46', 'mm')", 12),
    ("DATEPART(DATETIME '2011-12-07 16:28:46', 'mi')", 28),
    # TO_CHAR: ODPS tokens
    ("TO_CHAR(DATETIME '2011-12-07 16:28:46', 'yyyy-mm-dd hh:mi:ss')", "2011-12-07 16:28:46"),
    ("TO_CHAR(DATETIME '2011-03-07 16:28:46', 'yyyymmdd')", "20110307"),
    ("TO_CHAR(DATETIME '2011-03-07 16:28:46', 'yyyy%mm')", "2011%03"),
    ("TO_CHAR(123)", "123"),
    # TO_DATE: with a format -> DATETIME; yyyy once; fixed-width fields
    ("TO_DATE('20250312', 'yyyymmdd')", D(2025, 3, 12)),
    ("TO_DATE('20250112', 'yyyymmdd')", D(2025, 1, 12)),
    ("TO_DATE('202501281212', 'yyyymmddhhmi')", D(2025, 1, 28, 12, 12)),
    ("TO_DATE('Alibaba2025-01*27', 'Alibabayyyy-mm*dd')", D(2025, 1, 27)),
    ("TO_DATE('2025112', 'yyyymmdd')", None),
    ("TO_DATE('1234-2234', 'yyyy-yyyy')", None),
    (
        "TO_DATE('20251030 15-13-12.345', 'yyyymmdd hh-mi-ss.ff3')",
        D(2025, 10, 30, 15, 13, 12, 345000),
    ),
    ("TO_DATE('2025-01-29')", dt.date(2025, 1, 29)),
    ("TO_DATE(NULL, 'yyyymmdd')", None),
    # LASTDAY vs LAST_DAY
    ("LASTDAY(DATETIME '2025-02-10 10:00:00')", D(2025, 2, 28)),
    ("LAST_DAY('2025-10-01')", "2025-10-31"),
    ("LAST_DAY('2025-07-04 11:40:00')", "2025-07-31"),
    ("LAST_DAY('2025-05-04', 'yyyy')", dt.date(2025, 12, 31)),
    # weekday family
    ("WEEKDAY(DATETIME '2025-03-10 00:00:00')", 0),  # Monday
    ("WEEKDAY(DATETIME '2025-03-16 00:00:00')", 6),  # Sunday
    ("DAYOFWEEK(DATE '2025-03-09')", 1),  # Sunday
    ("DAYOFWEEK(DATE '2025-03-15')", 7),  # Saturday
    ("WEEKOFYEAR(DATE '2025-01-01')", 1),
    ("YEAR('2025-03-12')", 2025),
    ("MONTH(DATETIME '2025-03-12 00:00:00')", 3),
    ("DAY(DATE '2025-03-12')", 12),
    ("HOUR(DATETIME '2025-03-12 07:08:09')", 7),
    ("QUARTER(DATE '2025-05-12')", 2),
    # epoch functions in the workspace zone
    ("UNIX_TIMESTAMP(DATETIME '1970-01-01 08:00:00')", 0),
    ("UNIX_TIMESTAMP(DATETIME '2025-01-01 00:00:00')", 1735660800),
    ("FROM_UNIXTIME(0)", D(1970, 1, 1, 8)),
    ("FROM_UNIXTIME(1735660800)", D(2025, 1, 1)),
    ("TO_MILLIS(DATETIME '1970-01-01 08:00:01')", 1000),
    # ADD_MONTHS / MONTHS_BETWEEN / DATE_ADD / DATE_SUB / DATE_FORMAT
    ("ADD_MONTHS('2017-02-14', 3)", "2017-05-14"),
    ("ADD_MONTHS(DATE '2005-01-31', 1)", "2005-02-28"),
    ("MONTHS_BETWEEN(DATETIME '1997-02-28 10:30:00', DATETIME '1996-10-30 00:00:00')", 3.94959677),
    ("MONTHS_BETWEEN(DATE '2025-03-31', DATE '2025-02-28')", 1.0),
    ("DATE_ADD(DATETIME '2005-02-28 00:00:00', 1)", dt.date(2005, 3, 1)),
    ("DATE_ADD(DATE '2005-02-28', -1)", dt.date(2005, 2, 27)),
    ("DATE_SUB('2005-03-01', 1)", dt.date(2005, 2, 28)),
    ("DATE_FORMAT(DATETIME '2025-03-12 08:09:10', 'yyyy-MM-dd HH:mm:ss')", "2025-03-12 08:09:10"),
    ("DATE_FORMAT(DATETIME '2025-03-12 08:09:10', 'yyyyMMdd')", "20250312"),
    ("DATE_FORMAT(DATETIME '2025-03-12 08:09:10', 'yyyy-mm-dd')", "2025-09-12"),
    ("ISDATE('2025-03-12', 'yyyy-mm-dd')", True),
    ("ISDATE('2025-13-12', 'yyyy-mm-dd')", False),
]


@pytest.mark.parametrize(("expr", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_date_functions(conn: duckdb.DuckDBPyConnection, expr: str, expected: Any) -> None:
    value = run(conn, f"SELECT {expr}")
    if isinstance(expected, float):
        assert value == pytest.approx(expected)
    else:
        assert value == expected


def test_getdate_is_workspace_time(conn: duckdb.DuckDBPyConnection) -> None:
    value = run(conn, "SELECT GETDATE()")
    from zoneinfo import ZoneInfo

    now = dt.datetime.now(ZoneInfo(TZ)).replace(tzinfo=None)
    assert abs((now - value).total_seconds()) < 60
    assert value.microsecond % 1000 == 0  # DATETIME has millisecond precision
    other = run(conn, "SELECT GETDATE()", TranslateContext(timezone="UTC"))
    assert abs((value - other).total_seconds() - 8 * 3600) < 60


def test_current_timestamp_and_date(conn: duckdb.DuckDBPyConnection) -> None:
    assert isinstance(run(conn, "SELECT CURRENT_TIMESTAMP"), dt.datetime)
    assert isinstance(run(conn, "SELECT CURRENT_TIMESTAMP()"), dt.datetime)


def test_datetime_cast_truncates_to_millis(conn: duckdb.DuckDBPyConnection) -> None:
    value = run(conn, "SELECT CAST('2025-01-01 10:00:00.123456' AS DATETIME)")
    assert value == D(2025, 1, 1, 10, 0, 0, 123000)


def test_date_function_unit_must_be_constant(conn: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(UnsupportedSqlError):
        run(conn, "SELECT DATEADD(DATETIME '2005-01-31 00:00:00', 1, u) FROM (SELECT 'mm' AS u) t")
    with pytest.raises(SqlError):
        run(conn, "SELECT DATEADD(DATETIME '2005-01-31 00:00:00', 1, 'fortnight')")


def test_dateadd_on_column_keeps_type(conn: duckdb.DuckDBPyConnection) -> None:
    rows = run(
        conn,
        "SELECT DATEADD(d, 1, 'dd'), DATEADD(t, 1, 'dd') "
        "FROM (SELECT DATE '2025-01-31' AS d, DATETIME '2025-01-31 10:00:00' AS t) x",
    )
    assert rows == [(dt.date(2025, 2, 1), D(2025, 2, 1, 10))]


def test_one_zero_edition_accepts_strings(conn: duckdb.DuckDBPyConnection) -> None:
    ctx = TranslateContext(odps2=False, timezone=TZ)
    rows = run(conn, "SELECT DATEADD(s, 1, 'dd') FROM (SELECT '2025-01-31 00:00:00' AS s) x", ctx)
    assert rows == D(2025, 2, 1)


def test_translate_time_per_statement() -> None:
    sql = (
        "select l_returnflag, l_linestatus, sum(l_quantity) as sum_qty, "
        "sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) as sum_charge, "
        "avg(l_discount) as avg_disc, count(*) as count_order from lineitem "
        "where l_shipdate <= dateadd(datetime '1998-12-01 00:00:00', -90, 'dd') "
        "group by l_returnflag, l_linestatus order by l_returnflag, l_linestatus limit 10"
    )
    ctx = TranslateContext()
    to_duckdb(parse_statement(sql), ctx).sql(dialect="duckdb")
    start = time.perf_counter()
    for _ in range(20):
        to_duckdb(parse_statement(sql), ctx).sql(dialect="duckdb")
    assert (time.perf_counter() - start) / 20 < 0.02  # generous bound for slow CI machines


# ---------------------------------------------------------------------------------------------
# types
# ---------------------------------------------------------------------------------------------

TYPES = [
    # (MaxCompute DDL type, DuckDB type as sqlglot renders it, MaxCompute spelling)
    ("STRING", "TEXT", "STRING"),
    ("DATETIME", "TIMESTAMP", "DATETIME"),
    ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP"),
    ("DATE", "DATE", "DATE"),
    ("DECIMAL", "DECIMAL(38, 18)", "DECIMAL(38,18)"),
    ("DECIMAL(10,2)", "DECIMAL(10, 2)", "DECIMAL(10,2)"),
    ("TINYINT", "TINYINT", "TINYINT"),
    ("SMALLINT", "SMALLINT", "SMALLINT"),
    ("INT", "INT", "INT"),
    ("BIGINT", "BIGINT", "BIGINT"),
    ("FLOAT", "REAL", "FLOAT"),
    ("DOUBLE", "DOUBLE", "DOUBLE"),
    ("BOOLEAN", "BOOLEAN", "BOOLEAN"),
    ("BINARY", "VARBINARY", "BINARY"),
    ("VARCHAR(10)", "TEXT(10)", "VARCHAR(10)"),
    ("CHAR(3)", "TEXT(3)", "CHAR(3)"),
    ("ARRAY<STRING>", "TEXT[]", "ARRAY<STRING>"),
    ("MAP<STRING,BIGINT>", "MAP(TEXT, BIGINT)", "MAP<STRING,BIGINT>"),
    ("STRUCT<x:BIGINT,y:STRING>", "STRUCT(x BIGINT, y TEXT)", "STRUCT<x:BIGINT,y:STRING>"),
    ("ARRAY<DATETIME>", "TIMESTAMP[]", "ARRAY<DATETIME>"),
]


@pytest.mark.parametrize(("odps", "duck", "name"), TYPES)
def test_type_mapping(odps: str, duck: str, name: str) -> None:
    ddl = parse_statement(f"CREATE TABLE t (c {odps})")
    odps_type = ddl.this.expressions[0].args["kind"]
    mapped = duckdb_type(odps_type)
    assert mapped.sql(dialect="duckdb") == duck
    assert odps_type_name(odps_type) == name


def test_odps_type_name_from_duckdb_strings() -> None:
    assert odps_type_name("VARCHAR") == "STRING"
    assert odps_type_name("TIMESTAMP") == "DATETIME"
    assert odps_type_name("DECIMAL(38,18)") == "DECIMAL(38,18)"
    assert odps_type_name("BIGINT[]") == "ARRAY<BIGINT>"
    assert odps_type_name("TIMESTAMP_NS") == "TIMESTAMP"
    assert odps_type_name("BLOB") == "BINARY"
    assert odps_type_name("MAP(VARCHAR, TIMESTAMP)") == "MAP<STRING,DATETIME>"


def test_duckdb_types_create_tables(conn: duckdb.DuckDBPyConnection) -> None:
    cols = ", ".join(
        f"c{i} {duckdb_type(parse_statement(f'CREATE TABLE t (c {o})').this.expressions[0].args['kind']).sql(dialect='duckdb')}"
        for i, (o, _, _) in enumerate(TYPES)
    )
    conn.execute(f"CREATE TEMP TABLE all_types ({cols})")
    conn.execute("DROP TABLE all_types")


def test_unknown_type_is_refused() -> None:
    with pytest.raises(SqlError):
        duckdb_type(exp.DataType.build("GEOMETRY"))


# ---------------------------------------------------------------------------------------------
# casts and literals
# ---------------------------------------------------------------------------------------------


def test_literals(conn: duckdb.DuckDBPyConnection) -> None:
    rows = run(
        conn,
        "SELECT 1Y, 1S, 100L, 3.5BD, 3.14D, DATETIME '2017-11-11 00:00:00', DATE '2017-11-11'",
    )
    assert rows == [
        (
            1,
            1,
            100,
            Decimal("3.5"),
            3.14,
            D(2017, 11, 11),
            dt.date(2017, 11, 11),
        )
    ]
    # an unsuffixed fractional literal is DOUBLE in MaxCompute (DECIMAL needs BD)
    assert types(conn, "SELECT 1Y, 1S, 100L, 3.14D, 2.5, 3.5BD") == [
        "TINYINT",
        "SMALLINT",
        "BIGINT",
        "DOUBLE",
        "DOUBLE",
        "DECIMAL(2,1)",
    ]


def test_cast_semantics(conn: duckdb.DuckDBPyConnection) -> None:
    assert run(conn, "SELECT CAST('12' AS BIGINT)") == 12
    assert run(conn, "SELECT CAST(1.7 AS BIGINT)") == 1
    assert run(conn, "SELECT CAST(-1.7 AS INT)") == -1
    assert run(conn, "SELECT CAST(x AS BIGINT) FROM (SELECT 2.7D AS x) t") == 2
    assert run(conn, "SELECT CAST(1 AS STRING)") == "1"
    assert run(conn, "SELECT CAST(NULL AS BIGINT)") is None
    with pytest.raises(duckdb.Error):
        run(conn, "SELECT CAST('abc' AS BIGINT)")  # documented choice: a failed CAST errors


def test_integer_and_double_division(conn: duckdb.DuckDBPyConnection) -> None:
    assert run(conn, "SELECT 7 / 2") == 3.5
    assert run(conn, "SELECT 7 DIV 2") == 3
    assert run(conn, "SELECT -7 % 3") == -1
    assert types(conn, "SELECT 4 / 2") == ["DOUBLE"]
    with pytest.raises(duckdb.Error, match="division by zero"):
        run(conn, "SELECT 7 / 0")
    hive = TranslateContext(hive_compatible=True, timezone=TZ)
    assert run(conn, "SELECT 7 / 0", hive) is None
