"""String, conditional, math, aggregate and complex-type functions; refusals."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from engine.errors import SqlError, UnsupportedSqlError
from engine.sql.dialect import parse_statement
from engine.sql.functions import TranslateContext, install_macros, to_duckdb

TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def conn() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    install_macros(c, TZ)
    return c


def run(conn: duckdb.DuckDBPyConnection, sql: str, ctx: TranslateContext | None = None) -> Any:
    tree = to_duckdb(parse_statement(sql), ctx or TranslateContext(timezone=TZ))
    rows = conn.sql(tree.sql(dialect="duckdb")).fetchall()
    return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows


CASES: list[tuple[str, Any]] = [
    # INSTR
    ("INSTR('Tech on the net', 'e', 3, 2)", 14),
    ("INSTR('Tech on the net', 'e')", 2),
    ("INSTR('Tech on the net', 'e', 3)", 11),
    ("INSTR('Tech on the net', 'e', -3, 2)", 2),
    ("INSTR('Tech on the net', 'x')", 0),
    ("INSTR('abc', '')", 1),
    ("INSTR('aaa', 'aa', 1, 2)", 2),
    ("INSTR(NULL, 'a')", None),
    ("LOCATE('b', 'abcb', 3)", 4),
    # SPLIT_PART
    ("SPLIT_PART('a,b,c,d', ',', 2, 3)", "b,c"),
    ("SPLIT_PART('a,b,c,d', ',', 2)", "b"),
    ("SPLIT_PART('a,b,c,d', ',', 10)", ""),
    ("SPLIT_PART('abc', ';', 1)", "abc"),
    ("SPLIT_PART('abc', ';', 2)", ""),
    ("SPLIT_PART('abc', '', 1)", "abc"),
    ("SPLIT_PART('a,b,c,d', ',', 3, 10)", "c,d"),
    # SPLIT: regex, trailing empties dropped, 0-based index
    ("SPLIT('a,b,,', ',')", ["a", "b"]),
    ("SPLIT('a1b22c', '[0-9]+')", ["a", "b", "c"]),
    ("SPLIT(',a', ',')", ["", "a"]),
    ("SPLIT('a##@@b', '##@@')[0]", "a"),
    ("SPLIT('a##@@b', '##@@')[1]", "b"),
    ("SPLIT('a##@@b', '##@@')[7]", None),
    # KEYVALUE
    ("KEYVALUE('0:1;1:2', '1')", "2"),
    ("KEYVALUE('a=1&b=2', '&', '=', 'b')", "2"),
    ("KEYVALUE('a=1&b=2', '&', '=', 'c')", None),
    ("KEYVALUE(';decreaseStore:1;xcard:1;tf:21910;', ';', ':', 'tf')", "21910"),
    ("KEYVALUE('a=1', NULL, '=', 'a')", None),
    # GET_JSON_OBJECT
    ("GET_JSON_OBJECT('{\"a\":{\"b\":1}}', '$.a.b')", "1"),
    ('GET_JSON_OBJECT(\'{"a":{"b":"x"}}\', \'$.a.b\')', "x"),
    ("GET_JSON_OBJECT('{\"a\":{\"b\":1}}', '$.a')", '{"b":1}'),
    ("GET_JSON_OBJECT('{\"a\":[1,2]}', '$.a[1]')", "2"),
    ("GET_JSON_OBJECT('{bad', '$.a')", None),
    ("GET_JSON_OBJECT('{\"a\":1}', '$.z')", None),
    # regex family
    ("REGEXP_EXTRACT('foothebar', 'foo(.*?)(bar)')", "the"),
    ("REGEXP_EXTRACT('foothebar', 'foo(.*?)(bar)', 2)", "bar"),
    ("REGEXP_EXTRACT('foothebar', 'foo(.*?)(bar)', 0)", "foothebar"),
    ("REGEXP_EXTRACT('abc', 'x(y)')", None),
    ("REGEXP_REPLACE('abab', 'a', 'x')", "xbxb"),
    ("REGEXP_REPLACE('abab', 'a', 'x', 1)", "xbab"),
    ("REGEXP_REPLACE('abab', '(a)', '\\\\1\\\\1')", "aabaab"),
    ("REGEXP_SUBSTR('I love aliyun very much', 'a[[:alpha:]]{5}')", "aliyun"),
    ("REGEXP_SUBSTR('a1b2c3', '[0-9]', 1, 2)", "2"),
    ("REGEXP_SUBSTR('abc', '[0-9]')", None),
    ("REGEXP_COUNT('abababc', 'ab')", 3),
    ("'abc' RLIKE 'b'", True),
    # case functions
    ("TOLOWER('AbC')", "abc"),
    ("TOUPPER('abc')", "ABC"),
    # CONCAT / CONCAT_WS: NULL propagates
    ("CONCAT('a', NULL)", None),
    ("CONCAT('a', 'b', 'c')", "abc"),
    ("CONCAT('a', 1)", "a1"),
    ("CONCAT_WS(':', 'avg', NULL, '34')", None),
    ("CONCAT_WS(':', 'name', 'hanmeimei')", "name:hanmeimei"),
    ("CONCAT_WS(':', ARRAY('name', 'hanmeimei'))", "name:hanmeimei"),
    ("'a' || 'b'", "ab"),
    # SUBSTR
    ("SUBSTR('abc', 2)", "bc"),
    ("SUBSTR('abc', 2, 1)", "b"),
    ("SUBSTR('abc', -2, 2)", "bc"),
    ("SUBSTRING('abc', -3, 2)", "ab"),
    ("SUBSTR('abc', 0)", ""),
    ("SUBSTR('abc', 0, 2)", ""),
    ("SUBSTR('abc', -5)", ""),
    ("SUBSTR('abc', 1, 0)", ""),
    ("SUBSTR('abc', 1, -1)", ""),
    ("SUBSTR(NULL, 1)", None),
    ("SUBSTRING_INDEX('a.b.c', '.', 2)", "a.b"),
    ("SUBSTRING_INDEX('a.b.c', '.', -2)", "b.c"),
    # other strings
    ("LENGTH('中文ab')", 4),
    ("LENGTHB('中文ab')", 8),
    ("TRIM('  a  ')", "a"),
    ("LTRIM('  a ')", "a "),
    ("RTRIM(' a  ')", " a"),
    ("REPLACE('abcb', 'b', 'x')", "axcx"),
    ("LPAD('abc', 5, 'x')", "xxabc"),
    ("LPAD('abc', 2, 'x')", "ab"),
    ("RPAD('abc', 5, 'xy')", "abcxy"),
    ("REVERSE('abc')", "cba"),
    ("REPEAT('ab', 2)", "abab"),
    ("MD5('a')", "0cc175b9c0f1b6a831c399e269772661"),
    ("SHA1('a')", "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"),
    ("SHA2('a', 256)", "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"),
    # conditional
    ("NVL(NULL, 1)", 1),
    ("NVL(2, 1)", 2),
    ("DECODE(NULL, NULL, 'x', 'y')", "x"),
    ("DECODE(1, 1, 'one', 2, 'two', 'other')", "one"),
    ("DECODE(3, 1, 'one', 2, 'two', 'other')", "other"),
    ("DECODE(3, 1, 'one')", None),
    ("IF(1 > 2, 'a', 'b')", "b"),
    ("IF(NULL, 'a', 'b')", "b"),
    ("COALESCE(NULL, NULL, 3)", 3),
    ("CASE WHEN 1 = 1 THEN 'y' ELSE 'n' END", "y"),
    ("GREATEST(1, NULL, 3)", 3),
    ("GREATEST(NULL, NULL)", None),
    ("LEAST(2, 1, 3)", 1),
    ("LEAST(1, NULL, 3)", None),  # NULL is the smallest value
    ("NULLIF(1, 1)", None),
    # math
    ("ABS(-3)", 3),
    ("ROUND(2.5)", 3.0),
    ("ROUND(-2.5)", -3.0),
    ("ROUND(3.14159, 2)", 3.14),
    ("ROUND(1234.5, -2)", 1200.0),
    ("FLOOR(2.7)", 2),
    ("FLOOR(-2.2)", -3),
    ("CEIL(2.1)", 3),
    ("POW(2, 10)", 1024.0),
    ("POWER(2, 3)", 8.0),
    ("LN(0)", None),
    ("LN(-1)", None),
    ("LOG(10, 100)", 2.0),
    ("LOG(2, -1)", None),
    ("SQRT(-1)", None),
    ("SQRT(4)", 2.0),
    ("TRUNC(3.789, 2)", 3.78),
    ("EXP(0)", 1.0),
    ("SIGN(-5)", -1),
    ("-7 % 3", -1),
    ("7 DIV 2", 3),
    # complex types
    ("ARRAY(1, 2, 3)[0]", 1),
    ("ARRAY(1, 2, 3)[2]", 3),
    ("MAP('a', 1, 'b', 2)['b']", 2),
    ("MAP(1, 'x', 2, 'y')[2]", "y"),
    ("NAMED_STRUCT('a', 1, 'b', 'x')", {"a": 1, "b": "x"}),
    ("STRUCT(1, 'x')", {"col1": 1, "col2": "x"}),
    ("ARRAY_CONTAINS(ARRAY(1, 2), 2)", True),
    ("ARRAY_CONTAINS(ARRAY(1, 2), 5)", False),
    ("SIZE(ARRAY(1, 2, 3))", 3),
    ("SIZE(MAP('a', 1))", 1),
    ("SIZE(NULL)", -1),
    ("SORT_ARRAY(ARRAY(3, 1, 2))", [1, 2, 3]),
]


@pytest.mark.parametrize(("expr", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_scalar_functions(conn: duckdb.DuckDBPyConnection, expr: str, expected: Any) -> None:
    value = run(conn, f"SELECT {expr}")
    if isinstance(expected, float):
        assert value == pytest.approx(expected)
    else:
        assert value == expected


DATA = (
    "(SELECT 1 AS x, 'a' AS y, 'g' AS g UNION ALL SELECT 2, 'b', 'g' "
    "UNION ALL SELECT NULL, 'c', 'g' UNION ALL SELECT 2, NULL, 'g') t"
)


def test_aggregates(conn: duckdb.DuckDBPyConnection) -> None:
    row = run(
        conn,
        "SELECT WM_CONCAT(',', x), COUNT_IF(x > 1), ARG_MAX(x, y), ARG_MIN(x, y), MAX_BY(y, x), "
        "MIN_BY(y, x), COUNT(*), COUNT(x), COUNT(DISTINCT x), COUNT(DISTINCT x, y), SUM(x), "
        f"AVG(x), MIN(x), MAX(x) FROM {DATA}",
    )[0]
    assert row[0] in ("1,2,2", "2,1,2", "2,2,1")
    assert row[1:] == (2, "b", "a", "b", "a", 4, 3, 2, 2, 5, pytest.approx(5 / 3), 1, 2)


def test_population_statistics(conn: duckdb.DuckDBPyConnection) -> None:
    row = run(
        conn,
        "SELECT STDDEV(x), VARIANCE(x), STDDEV_SAMP(x), VAR_SAMP(x), PERCENTILE(x, 0.5) "
        "FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) t",
    )[0]
    assert row == pytest.approx((1.118033988749895, 1.25, 1.2909944487358056, 5 / 3, 2.5))


def test_collect_list_and_set(conn: duckdb.DuckDBPyConnection) -> None:
    row = run(conn, f"SELECT COLLECT_LIST(x), COLLECT_SET(x) FROM {DATA}")[0]
    assert sorted(row[0]) == [1, 2, 2]
    assert sorted(row[1]) == [1, 2]
    empty = run(conn, f"SELECT WM_CONCAT(',', x), COLLECT_LIST(x) FROM {DATA} WHERE x > 5")
    assert empty == [(None, [])]


def test_wm_concat_distinct_ordered(conn: duckdb.DuckDBPyConnection) -> None:
    value = run(
        conn, f"SELECT WM_CONCAT(DISTINCT ',', x) WITHIN GROUP (ORDER BY x DESC) FROM {DATA}"
    )
    assert value == "2,1"
    ordered = run(conn, f"SELECT WM_CONCAT('|', y) WITHIN GROUP (ORDER BY y) FROM {DATA}")
    assert ordered == "a|b|c"


def test_windows(conn: duckdb.DuckDBPyConnection) -> None:
    rows = run(
        conn,
        "SELECT y, ROW_NUMBER() OVER (PARTITION BY g ORDER BY y), "
        "RANK() OVER (ORDER BY x), DENSE_RANK() OVER (ORDER BY x), "
        "LAG(y, 1, 'none') OVER (ORDER BY y), LEAD(y) OVER (ORDER BY y), "
        "SUM(x) OVER (PARTITION BY g), COLLECT_LIST(y) OVER (PARTITION BY g) "
        "FROM (SELECT 1 AS x, 'a' AS y, 'g' AS g UNION ALL SELECT 2, 'b', 'g') t ORDER BY y LIMIT 10",
    )
    assert rows[0][:7] == ("a", 1, 1, 1, "none", "b", 3)
    assert sorted(rows[0][7]) == ["a", "b"]


def test_lateral_view_explode(conn: duckdb.DuckDBPyConnection) -> None:
    rows = run(
        conn,
        "SELECT k, tag FROM (SELECT 1 AS k, 'a,b,,' AS s) t "
        "LATERAL VIEW EXPLODE(SPLIT(s, ',')) tt AS tag",
    )
    assert sorted(rows) == [(1, "a"), (1, "b")]
    rows = run(
        conn,
        "SELECT k, pos, v FROM (SELECT 1 AS k, ARRAY('a', 'b') AS arr) t "
        "LATERAL VIEW POSEXPLODE(arr) tt AS pos, v",
    )
    assert sorted(rows) == [(1, 0, "a"), (1, 1, "b")]


def test_array_column_index_is_zero_based(conn: duckdb.DuckDBPyConnection) -> None:
    rows = run(
        conn,
        "SELECT arr[0], m[1], ms['k'] FROM (SELECT ARRAY(10, 20) AS arr, "
        "MAP(1, 'one') AS m, MAP('k', 'v') AS ms) t",
    )
    assert rows == [(10, "one", "v")]


def test_trans_array(conn: duckdb.DuckDBPyConnection) -> None:
    rows = run(
        conn,
        "SELECT TRANS_ARRAY(1, ',', k, c1, c2) AS (k, a, b) "
        "FROM (SELECT 1 AS k, 'a,b,c' AS c1, 'x,y' AS c2) t",
    )
    assert sorted(rows, key=lambda r: r[1]) == [(1, "a", "x"), (1, "b", "y"), (1, "c", None)]


def test_mapjoin_hint_is_dropped(conn: duckdb.DuckDBPyConnection) -> None:
    value = run(
        conn,
        "SELECT /*+ MAPJOIN(b) */ a.x FROM (SELECT 1 AS x) a JOIN (SELECT 1 AS x) b ON a.x = b.x",
    )
    assert value == 1


def test_hive_compatible_concat_ws_and_greatest(conn: duckdb.DuckDBPyConnection) -> None:
    hive = TranslateContext(hive_compatible=True, timezone=TZ)
    assert run(conn, "SELECT CONCAT_WS(':', 'avg', NULL, '34')", hive) == "avg:34"
    assert run(conn, "SELECT GREATEST(1, NULL, 3)", hive) is None
    assert run(conn, "SELECT SUBSTR('abc', 0, 2)", hive) == "ab"


def test_translates_inside_dml(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("CREATE TEMP TABLE dml_t (a VARCHAR, b BIGINT)")
    for sql in (
        "INSERT INTO dml_t SELECT TOLOWER('X'), INSTR('abcb', 'b', 1, 2)",
        "UPDATE dml_t SET a = CONCAT(a, TOUPPER('y')) WHERE b = 4",
        "DELETE FROM dml_t WHERE SPLIT_PART(a, 'Y', 1) = 'zzz'",
    ):
        tree = to_duckdb(parse_statement(sql), TranslateContext(timezone=TZ))
        conn.execute(tree.sql(dialect="duckdb"))
    assert conn.sql("SELECT * FROM dml_t").fetchall() == [("xY", 4)]
    conn.execute("DROP TABLE dml_t")


# ---------------------------------------------------------------------------------------------
# refusals
# ---------------------------------------------------------------------------------------------

REFUSED = [
    "SELECT FOO(1)",
    "SELECT my_udf(a) FROM t",
    "SELECT strftime(now(), '%Y')",  # a DuckDB function is not a MaxCompute built-in
    "SELECT INITCAP('abc')",
    "SELECT REGEXP_INSTR('abc', 'b')",
    "SELECT REGEXP_REPLACE('abab', 'a', 'x', 2)",
    "SELECT SHA2('a', 512)",
    "SELECT TO_CHAR(d, f) FROM t",
    "SELECT DATE_FORMAT(d, 'EEE yyyy') FROM t",
    "SELECT RAND(42)",
    "SELECT CONV('a', 16, 10)",
    "SELECT ARRAY_DISTINCT(ARRAY(1, 1))",
    "SELECT TRUNC(d, 'MM') FROM t",
    "SELECT DECODE(b, 'utf-8') FROM t",
]


@pytest.mark.parametrize("sql", REFUSED)
def test_unknown_or_unverified_functions_are_refused(sql: str) -> None:
    with pytest.raises(UnsupportedSqlError, match="not supported by the local engine"):
        to_duckdb(parse_statement(sql), TranslateContext())


def test_refusal_names_the_function() -> None:
    with pytest.raises(UnsupportedSqlError, match="function MY_UDF"):
        to_duckdb(parse_statement("SELECT my_udf(1)"), TranslateContext())


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT SPLIT_PART('a,b', ',', 0)",
        "SELECT INSTR('abc', 'b', 1, 0)",
        "SELECT DATEDIFF(DATETIME '2025-01-01 00:00:00', DATETIME '2025-01-01 00:00:00', 'xx')",
        "SELECT TRANS_ARRAY(1, ',', k, c) FROM t",
    ],
)
def test_invalid_arguments_are_errors(sql: str) -> None:
    with pytest.raises(SqlError):
        to_duckdb(parse_statement(sql), TranslateContext())
