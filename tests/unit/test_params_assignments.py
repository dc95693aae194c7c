"""Parameter lists: ``a=$bizdate b=${yyyymmdd+1}``, parsed, checked and resolved."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from engine.errors import ParamError
from engine.params import (
    ParamContext,
    format_assignments,
    parse_assignments,
    resolve_assignments,
    substitute,
)


def test_the_reference_example() -> None:
    assert parse_assignments("a=$bizdate b=${yyyymmdd+1}") == {
        "a": "$bizdate",
        "b": "${yyyymmdd+1}",
    }


def test_any_whitespace_separates_items_and_order_is_kept() -> None:
    text = "  z=1\tA_1=$[hh24:mi:ss-1/24]\n\n  _m=${yyyymm}01  q='x' "
    parsed = parse_assignments(text)
    assert list(parsed) == ["z", "A_1", "_m", "q"]
    assert parsed["A_1"] == "$[hh24:mi:ss-1/24]"
    assert parsed["q"] == "'x'"


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_list(text: str) -> None:
    assert parse_assignments(text) == {}


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a = $bizdate", "spaces around '='"),
        ("a =$bizdate", "spaces around '='"),
        ("a= $bizdate", "value after '=' is missing"),
        ("a=", "value after '=' is missing"),
        ("=$bizdate", "name before '=' is missing"),
        ("a", "expected name=expression"),
        ("a=$bizdate b", "expected name=expression"),
        ("1a=$bizdate", "'1a' is not a valid parameter name"),
        ("a-b=$bizdate", "'a-b' is not a valid parameter name"),
        ("bdp.system.bizdate=1", "not a valid parameter name"),
        ("a=1 a=2", "parameter 'a' is assigned twice"),
        ("a=$[yyyy mm]", "spaces are not allowed inside an expression"),
        ("a=${yyyy mm} b=1", "spaces are not allowed inside an expression"),
        ("a='hello world'", "spaces are not allowed inside an expression"),
    ],
)
def test_malformed_lists_are_refused(text: str, why: str) -> None:
    with pytest.raises(ParamError, match="invalid parameter assignment") as raised:
        parse_assignments(text)
    assert why in raised.value.message


def test_a_space_inside_brackets_names_the_whole_item() -> None:
    with pytest.raises(ParamError) as raised:
        parse_assignments("x=1 d=$[yyyy-mm-dd hh24:mi:ss] y=2")
    assert "'d=$[yyyy-mm-dd hh24:mi:ss]'" in raised.value.message


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a=b=c", "'=' is not allowed"),
        ("a=${yyyymmdd-1/24}", "hour offsets are not allowed in ${...}"),
        ("a=${yyyy", "not closed"),
        ("a=$foo", "unknown system parameter"),
    ],
)
def test_expressions_are_checked_when_the_list_is_read(text: str, why: str) -> None:
    with pytest.raises(ParamError, match="invalid parameter expression") as raised:
        parse_assignments(text)
    assert why in raised.value.message


def test_format_assignments_round_trips() -> None:
    text = "a=$bizdate b=${yyyymmdd+1} c=$[add_months(yyyymmdd,-1)] d='x'"
    assert format_assignments(parse_assignments(text)) == text


def test_task_a_normal_and_backfill() -> None:
    params = parse_assignments("yesterday=${yyyymmdd} today=$[yyyymmddhh24miss]")
    normal = ParamContext.for_cyctime(datetime(2025, 3, 15, 0, 0, 0))
    backfill = ParamContext.for_bizdate(date(2025, 3, 15), backfill=True)
    assert resolve_assignments(params, normal) == {
        "yesterday": "20250314",
        "today": "20250315000000",
    }
    assert resolve_assignments(params, backfill) == {
        "yesterday": "20250315",
        "today": "20250316000000",
    }


def test_date_and_time_joined_by_a_space_in_code() -> None:
    ctx = ParamContext.for_cyctime(datetime(2025, 7, 20, 10, 30, 0))
    values = resolve_assignments(
        parse_assignments("datetime1=$[yyyy-mm-dd] datetime2=$[hh24:mi:ss]"), ctx
    )
    assert substitute("pt='${datetime1} ${datetime2}'", values) == "pt='2025-07-20 10:30:00'"
    values = resolve_assignments(
        parse_assignments("datetime1=$[yyyymmdd-1] datetime2=$[hh24:mi:ss]"), ctx
    )
    assert substitute("${datetime1} ${datetime2}", values) == "20250719 10:30:00"


def test_worked_examples_through_pt_equals_datetime() -> None:
    ctx = ParamContext.for_cyctime(datetime(2025, 11, 1, 0, 0))
    code = "select * from t where pt=${datetime};"
    for expr, value in [
        ("${yyyymmdd}", "20251031"),
        ("$[yyyymmddhh24miss]", "20251101000000"),
        ("$bizdate", "20251031"),
        ("$cyctime", "20251101000000"),
        ("$gmtdate", "20251101"),
        ("$bizmonth", "202510"),
    ]:
        values = resolve_assignments(parse_assignments(f"datetime={expr}"), ctx)
        assert substitute(code, values) == f"select * from t where pt={value};"


def test_resolve_errors_name_the_parameter() -> None:
    ctx = ParamContext.for_cyctime(datetime(2025, 1, 1))
    with pytest.raises(ParamError) as raised:
        resolve_assignments({"ok": "$bizdate", "bad": "${hh24}"}, ctx)
    assert raised.value.message.startswith(
        "parameter 'bad': invalid parameter expression '${hh24}'"
    )


def test_resolve_keeps_order() -> None:
    ctx = ParamContext.for_cyctime(datetime(2025, 1, 1))
    assert list(resolve_assignments({"b": "1", "a": "2", "c": "3"}, ctx)) == ["b", "a", "c"]
