"""Syntax errors in plain words: what was expected, after which word, what came instead, on which
line. No sqlglot token reprs or class names reach the user."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.api import Api
from engine.errors import SqlError
from engine.sql.dialect import parse_statement, parse_statements
from tests.conftest import Clock

END = "the end of the statement"

BAD: list[tuple[str, str]] = [
    ("SELEC * FRM foo;", "unknown statement 'SELEC' (did you mean SELECT?)"),
    ("selec 1", "unknown statement 'selec' (did you mean SELECT?)"),
    ("foo", "unknown statement 'foo'"),
    ("1 + 1", "a statement cannot start with '1'"),
    ("'abc'", "a statement cannot start with the string 'abc'"),
    ("select 1 from", f"expected a table name after FROM, got {END}"),
    ("select * from t join", f"expected a table name after JOIN, got {END}"),
    ("insert into", f"expected a table name after INTO, got {END}"),
    ("drop table", f"expected a table name after TABLE, got {END}"),
    ("select 1 from t where", f"expected a condition after WHERE, got {END}"),
    ("select a from t order by", f"expected the columns to sort by after ORDER BY, got {END}"),
    ("select a from t limit", f"expected a number after LIMIT, got {END}"),
    ("select 1 from t union", f"expected a query after UNION, got {END}"),
    ("select a from t where a = ", f"expected an expression after '=', got {END}"),
    ("select (1", f"expected ')' after '1', got {END}"),
    ("create table t (a int", f"expected ')' after INT, got {END}"),
    ("with a as select 1", "expected '(' after AS, got SELECT"),
    ("select a b c from t", "unexpected 'c' after 'b'"),
    ("select 1 form t", "unexpected 't' after 'form' ('form': did you mean FROM?)"),
    ("select * from t where (a = 1))", "unexpected ')' after ')'"),
    ("select case when a then b from t", "expected END after CASE, got FROM"),
    ("select cast(a as) from t", "expected TYPE after CAST, got ')'"),
]


@pytest.mark.parametrize(("sql", "reason"), BAD, ids=[b[0] for b in BAD])
def test_syntax_errors_say_what_was_expected(sql: str, reason: str) -> None:
    with pytest.raises(SqlError) as info:
        parse_statement(sql)
    err = info.value
    assert err.reason == f"syntax error: {reason}"
    assert err.line == 1
    assert "<" not in err.reason and "Token" not in err.reason and "sqlglot" not in err.reason


def test_the_line_is_the_line_of_the_problem() -> None:
    with pytest.raises(SqlError) as info:
        parse_statements("SELECT 1;\n\nSELECT a\nFROM")
    assert info.value.line == 4
    assert str(info.value) == f"line 4: syntax error: expected a table name after FROM, got {END}"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "(SELECT 1) UNION ALL (SELECT 2)",
        "WITH a AS (SELECT 1 AS x) SELECT x FROM a",
        "WITH a AS (SELECT 1 AS x) INSERT INTO t SELECT x FROM a",
        "FROM s INSERT OVERWRITE TABLE a SELECT x INSERT OVERWRITE TABLE b SELECT y",
        "VALUES (1), (2)",
        "SET odps.sql.allow.fullscan=true",
    ],
)
def test_statements_that_start_without_a_statement_keyword_still_parse(sql: str) -> None:
    assert parse_statement(sql) is not None


def test_the_local_engine_reports_them_on_the_statement_line(tmp_path: Path) -> None:
    ws = Api.init_workspace(tmp_path / "ws", project="shop")
    api = Api(ws, clock=Clock())
    cases = {
        "SELEC * FRM foo;": "line 1: syntax error: unknown statement 'SELEC' (did you mean SELECT?)",
        "select 1 from": f"line 1: syntax error: expected a table name after FROM, got {END}",
    }
    for sql, message in cases.items():
        run = api.run_sql(sql)
        assert run.result.error is not None
        assert str(run.result.error) == message
