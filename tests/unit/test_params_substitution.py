"""Putting values into code: ${name}, legacy names, line numbers, shell positional args."""

from __future__ import annotations

from datetime import datetime

import pytest

from engine.errors import ParamError
from engine.params import ParamContext, shell_args, substitute, unresolved_references

CTX = ParamContext.for_cyctime(datetime(2025, 11, 1, 2, 30, 45))


def test_references_are_replaced() -> None:
    code = "insert overwrite table t partition (pt='${bizdate}') select * from s where ds='${ds}';"
    out = substitute(code, {"bizdate": "20251031", "ds": "20251030"})
    assert out == (
        "insert overwrite table t partition (pt='20251031') select * from s where ds='20251030';"
    )


def test_repeated_and_adjacent_references() -> None:
    assert substitute("${a}${a}-${b}", {"a": "1", "b": "2"}) == "11-2"


def test_values_may_be_empty() -> None:
    assert substitute("x${a}y", {"a": ""}) == "xy"


def test_line_numbers_survive() -> None:
    code = "select 1;\n\n-- ${a}\nselect '${a}'\n  from t\n where x = ${b};\n"
    out = substitute(code, {"a": "20251031", "b": "42"})
    assert out.count("\n") == code.count("\n")
    assert out.splitlines()[3] == "select '20251031'"
    assert out.splitlines()[5] == " where x = 42;"


def test_references_in_comments_are_substituted_too() -> None:
    assert substitute("-- pt=${pt}\nselect 1", {"pt": "1"}) == "-- pt=1\nselect 1"


def test_a_missing_value_names_the_parameter_and_its_line() -> None:
    code = "select 1\nfrom t\nwhere pt = '${pt}'"
    with pytest.raises(ParamError) as raised:
        substitute(code, {})
    assert raised.value.message == "no value for parameter 'pt' (${pt} on line 3)"
    assert raised.value.hint is not None and "pt=$bizdate" in raised.value.hint


def test_every_missing_value_is_listed_with_its_lines() -> None:
    code = "${a}\n${b}\n${a}\n${c}"
    with pytest.raises(ParamError) as raised:
        substitute(code, {"c": "1"})
    assert raised.value.message == (
        "no value for parameters 'a' (${a} on lines 1, 3), 'b' (${b} on line 2)"
    )


def test_legacy_names_resolve_from_the_context() -> None:
    code = "pt=${bdp.system.bizdate} at ${bdp.system.cyctime}"
    assert substitute(code, {}, CTX) == "pt=20251031 at 20251101023045"


def test_legacy_names_need_a_context() -> None:
    with pytest.raises(
        ParamError, match=r"'bdp\.system\.bizdate' \(\$\{bdp\.system\.bizdate\} on line 2\)"
    ) as raised:
        substitute("x\n${bdp.system.bizdate}", {})
    assert raised.value.hint is not None and "business date" in raised.value.hint


def test_an_explicit_value_wins_over_the_legacy_one() -> None:
    assert substitute("${bdp.system.bizdate}", {"bdp.system.bizdate": "x"}, CTX) == "x"


@pytest.mark.parametrize(
    "code",
    [
        "echo $1 $2",
        "echo ${10} ${11}",
        "echo ${f:-default} ${#arr[@]} ${x/a/b}",
        "select '${ spaced }'",
        "$[yyyymmdd] and $bizdate stay as written",
        "a ${\nb}",
        "${}",
    ],
)
def test_non_references_are_left_alone(code: str) -> None:
    assert substitute(code, {}) == code
    assert unresolved_references(code) == []


def test_dotted_and_indexed_names() -> None:
    code = "${workspace.env} ${dag.foreach.current[0]} ${dag.offset}"
    values = {"workspace.env": "prod", "dag.foreach.current[0]": "x", "dag.offset": "0"}
    assert substitute(code, values) == "prod x 0"


def test_substitution_is_one_pass() -> None:
    assert substitute("${a}", {"a": "${b}", "b": "no"}) == "${b}"


@pytest.mark.parametrize("value", ["a\nb", "a\r\nb", "a\rb", "x\n", "a\u2028b"])
def test_a_value_with_a_line_break_is_refused(value: str) -> None:
    with pytest.raises(ParamError, match="'p' \\(line 2\\) contains a line break"):
        substitute("select 1\nwhere x=${p}", {"p": value})


def test_unresolved_references_in_order_once_each() -> None:
    code = "${b} ${a}\n${b} ${bdp.system.bizdate} ${dag.offset} $1 ${2}"
    assert unresolved_references(code) == ["b", "a", "dag.offset"]


def test_shell_args_are_the_values_in_order() -> None:
    assert shell_args({"first": "20251031", "second": "x", "third": ""}) == ["20251031", "x", ""]
    assert shell_args({}) == []
