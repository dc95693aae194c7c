"""Statement splitting respects quotes, backticks and comments, and keeps line numbers."""

from __future__ import annotations

import pytest

from engine.errors import SqlError
from engine.sql.splitter import parse_set, split_statements, strip_comments


def texts(script: str) -> list[str]:
    return [s.text for s in split_statements(script)]


def test_semicolons_inside_literals_and_comments_do_not_split() -> None:
    script = "SELECT 'a;b', \"c;d\", `e;f` FROM t; -- x; y\n/* p; q */ SELECT 2;"
    assert texts(script) == ["SELECT 'a;b', \"c;d\", `e;f` FROM t", "SELECT 2"]


def test_escaped_and_doubled_quotes() -> None:
    script = r"SELECT 'it\'s;' ; SELECT 'x''y;z'; SELECT 3"
    assert texts(script) == [r"SELECT 'it\'s;'", "SELECT 'x''y;z'", "SELECT 3"]


def test_empty_statements_and_comment_only_chunks_are_dropped() -> None:
    assert texts(";;  -- only a comment\n;/* c */;SELECT 1;;") == ["SELECT 1"]


def test_lines_point_at_first_code_line() -> None:
    script = "-- header\n\nSET a=b;\n\n/* doc\n block */\nSELECT 1\nFROM t;\nSELECT 2"
    stmts = split_statements(script)
    assert [(s.line, s.index) for s in stmts] == [(3, 0), (7, 1), (9, 2)]
    assert stmts[1].text == "SELECT 1\nFROM t"


def test_unterminated_literal_reports_its_line() -> None:
    with pytest.raises(SqlError) as info:
        split_statements("SELECT 1;\nSELECT 'oops")
    assert info.value.line == 2
    assert "unterminated string literal" in str(info.value)


def test_unterminated_block_comment() -> None:
    with pytest.raises(SqlError, match="unterminated /\\*"):
        split_statements("SELECT 1 /* never closed")


def test_comment_markers_inside_strings_are_kept() -> None:
    assert texts("SELECT '--not a comment', '/* nor this */'") == [
        "SELECT '--not a comment', '/* nor this */'"
    ]
    assert strip_comments("SELECT 1 -- c\n, '--x'") == "SELECT 1 \n, '--x'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("set odps.sql.allow.fullscan=true", ("odps.sql.allow.fullscan", "true")),
        ("SET odps.sql.type.system.odps2 = false", ("odps.sql.type.system.odps2", "false")),
        ("-- c\nset odps.namespace.schema='true'", ("odps.namespace.schema", "true")),
        ("select 1", None),
        ("settle = 1", None),
    ],
)
def test_parse_set(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_set(text) == expected


def test_unterminated_literal_is_not_closed_by_a_doubled_quote() -> None:
    # 'ab'' is an open literal holding ab' (a doubled quote escapes the quote)
    with pytest.raises(SqlError, match="unterminated string literal"):
        split_statements("SELECT 'ab''")
    with pytest.raises(SqlError, match="unterminated identifier"):
        split_statements("SELECT `a``")
    assert texts('SELECT `a``b;` FROM t; SELECT "x\\";"') == [
        "SELECT `a``b;` FROM t",
        'SELECT "x\\";"',
    ]


def test_leading_blanks_and_comments_of_every_kind() -> None:
    script = (
        "\u3000\t-- a\r\n/* b\n*/\n\nSELECT 1 /* unterminated at the end is fine here */;\n-- tail"
    )
    stmts = split_statements(script)
    assert [(s.text, s.line) for s in stmts] == [
        ("SELECT 1 /* unterminated at the end is fine here */", 5)
    ]
    assert strip_comments("a /* x */ b -- y") == "a   b "
    assert strip_comments("a /* never closed") == "a  "
