"""Evaluating one parameter expression: every worked example of the reference, then edge cases."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import ParamError
from engine.params import ParamContext, check_expression, evaluate


def at(*parts: int) -> ParamContext:
    """A normal instance scheduled at ``datetime(*parts)``."""
    return ParamContext.for_cyctime(datetime(*parts))


# --- §1.2: daily task at 00:00, current time 2025-11-01 ------------------------------------------

NOV_1 = at(2025, 11, 1, 0, 0, 0)


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("${yyyymmdd}", "20251031"),
        ("$[yyyymmddhh24miss]", "20251101000000"),
        ("$bizdate", "20251031"),
        ("$cyctime", "20251101000000"),
        ("$gmtdate", "20251101"),
        ("$bizmonth", "202510"),
    ],
)
def test_system_parameter_worked_examples(expr: str, value: str) -> None:
    assert evaluate(expr, NOV_1) == value


def test_bizmonth_in_the_current_month_is_the_previous_month() -> None:
    # The reference's second case: business date 20251102 while "now" is 2025-11-01.
    ctx = ParamContext(bizdate=date(2025, 11, 2), cyctime=datetime(2025, 11, 1))
    assert evaluate("$bizmonth", ctx) == "202510"


def test_ids_come_from_the_context() -> None:
    ctx = ParamContext.for_cyctime(datetime(2025, 1, 1), jobid="wf7", nodeid="n42", taskid="i9")
    assert [evaluate(e, ctx) for e in ("$jobid", "$nodeid", "$taskid")] == ["wf7", "n42", "i9"]
    assert evaluate("$jobid", NOV_1) == ""


# --- §1.3 baseline example: daily task at 02:30:45, business date 20251031 -----------------------

AT_023045 = ParamContext.for_bizdate(
    date(2025, 10, 31), time_of_day=datetime(1, 1, 1, 2, 30, 45).time()
)


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("${yyyymmdd}", "20251031"),
        ("$[yyyymmddhh24miss]", "20251101023045"),
        ("${yyyy}", "2025"),
        ("$[yyyy]", "2025"),
        ("${mm}", "10"),
        ("$[mm]", "11"),
        ("${dd}", "31"),
        ("$[dd]", "01"),
        ("$[hh24]", "02"),
        ("$[hh]", "02"),
        ("$[hh12]", "02"),
        ("$[mi]", "30"),
        ("$[ss]", "45"),
        ("${yyyymm}", "202510"),
        ("$[yyyymm]", "202511"),
        ("${yyyy-mm-dd}", "2025-10-31"),
        ("$[yyyy-mm-dd]", "2025-11-01"),
    ],
)
def test_baseline_token_table(expr: str, value: str) -> None:
    assert evaluate(expr, AT_023045) == value


# --- §1.3 worked table: scheduled time 2025-07-20 10:30:00 ----------------------------------------

JUL_20 = at(2025, 7, 20, 10, 30, 0)


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("${yyyy}", "2025"),
        ("$[yyyy]", "2025"),
        ("${yy}", "25"),
        ("$[yy]", "25"),
        ("${yyyy-1}", "2024"),
        # The doc prints 2024; the yyyymmdd format decides (see expressions.py).
        ("$[add_months(yyyymmdd,-12)]", "20240720"),
        ("${mm}", "07"),
        ("$[mm]", "07"),
        ("${dd}", "19"),  # the doc's table prints 20 for ${dd}, but ${} is the business date 07-19
        ("$[dd]", "20"),
        ("${yyyy-mm-dd-29}", "2025-06-20"),
        ("$[add_months(yyyymmdd,-1)]", "20250620"),
        ("$[add_months(yyyy-mm-dd,-1)]", "2025-06-20"),
        ("${yyyy-mm-dd}", "2025-07-19"),
        ("$[yyyy-mm-dd-1]", "2025-07-19"),
        ("${yyyy-mm-dd-364}", "2024-07-20"),
        ("$[add_months(yyyy-mm-dd,-12)]", "2024-07-20"),
        ("$[hh24:mi:ss]", "10:30:00"),
        ("$[yyyy-mm-dd]", "2025-07-20"),
        ("$[hh24:mi:ss-1/24/60]", "10:29:00"),
        ("$[hh24:mi:ss-1/24]", "09:30:00"),
        # The doc prints 2025071910:30:00 (sic); the format has no separators.
        ("$[yyyymmddhh24miss-1]", "20250719103000"),
        ("$[yyyymmdd-1]", "20250719"),
    ],
)
def test_worked_table_of_july_20(expr: str, value: str) -> None:
    assert evaluate(expr, JUL_20) == value


def test_first_day_of_month_by_concatenation() -> None:
    ctx = ParamContext.for_bizdate(date(2023, 10, 27))
    assert evaluate("${yyyymm}01", ctx) == "20231001"


# --- §1.4: normal run vs backfill ------------------------------------------------------------------


def test_task_a_normal_instance() -> None:
    ctx = ParamContext.for_cyctime(datetime(2025, 3, 15, 0, 0, 0))
    assert evaluate("${yyyymmdd}", ctx) == "20250314"
    assert evaluate("$[yyyymmddhh24miss]", ctx) == "20250315000000"


def test_task_a_backfill_of_march_15() -> None:
    ctx = ParamContext.for_bizdate(date(2025, 3, 15), backfill=True)
    assert evaluate("${yyyymmdd}", ctx) == "20250315"
    assert evaluate("$[yyyymmddhh24miss]", ctx) == "20250316000000"
    assert evaluate("$gmtdate", ctx) == "20250316"


def test_backfill_keeps_the_time_of_day_of_the_node() -> None:
    node_time = datetime(1, 1, 1, 2, 30, 45).time()
    ctx = ParamContext.for_bizdate(date(2025, 3, 15), backfill=True, time_of_day=node_time)
    assert evaluate("$[yyyymmddhh24miss]", ctx) == "20250316023045"
    assert evaluate("$cyctime", ctx) == "20250316023045"


# --- ${...}: offsets in the smallest unit of the format --------------------------------------------


@pytest.mark.parametrize(
    ("bizdate", "expr", "value"),
    [
        (date(2025, 1, 15), "${yyyy-1}", "2024"),
        (date(2025, 1, 15), "${yyyy+1}", "2026"),
        (date(2000, 6, 1), "${yy-1}", "99"),
        (date(2009, 6, 1), "${yy+1}", "10"),
        (date(2025, 1, 15), "${yyyymm-1}", "202412"),
        (date(2025, 12, 15), "${yyyymm+1}", "202601"),
        (date(2025, 3, 31), "${yyyymm-1}", "202502"),  # no 02-31: month arithmetic, not 30 days
        (date(2025, 3, 31), "${yyyy-mm-1}", "2025-02"),
        (date(2025, 1, 31), "${mm-1}", "12"),
        (date(2025, 5, 31), "${yyyymm-13}", "202404"),
        (date(2025, 3, 1), "${yyyymmdd-1}", "20250228"),
        (date(2024, 3, 1), "${yyyymmdd-1}", "20240229"),
        (date(2024, 2, 28), "${yyyymmdd+1}", "20240229"),
        (date(2023, 2, 28), "${yyyymmdd+1}", "20230301"),
        (date(2025, 1, 1), "${yyyymmdd-1}", "20241231"),
        (date(2025, 12, 31), "${yyyymmdd+1}", "20260101"),
        (date(2025, 10, 31), "${yyyymmdd-7*2}", "20251017"),
        (date(2025, 10, 31), "${yyyymmdd+7*2}", "20251114"),
        (date(2025, 10, 31), "${yyyymmdd-2*7}", "20251017"),
        (date(2025, 10, 31), "${yyyymmdd-1-1}", "20251029"),
        (date(2025, 10, 31), "${yyyymmdd+1-1}", "20251031"),
        (date(2025, 10, 31), "${dd+1}", "01"),
        (date(2025, 10, 31), "${mmdd-31}", "0930"),
        (date(2024, 2, 29), "${yyyy-1}", "2023"),
        (date(2024, 2, 29), "${yyyymm-12}", "202302"),
        (date(2025, 10, 31), "${yyyy/mm/dd}", "2025/10/31"),
        (date(2025, 10, 31), "${yyyy_mm_dd}", "2025_10_31"),
        (date(2025, 10, 31), "${yyyy年mm月dd日}", "2025年10月31日"),
        (date(2025, 10, 31), "${yyyymmdd-0}", "20251031"),
        (date(2025, 10, 31), "${yyyymmdd-007}", "20251024"),
    ],
)
def test_bizdate_offsets(bizdate: date, expr: str, value: str) -> None:
    assert evaluate(expr, ParamContext.for_bizdate(bizdate)) == value


def test_bizdate_expressions_ignore_the_time_of_day() -> None:
    late = ParamContext.for_cyctime(datetime(2025, 11, 1, 23, 59, 59))
    assert evaluate("${yyyymmdd}", late) == "20251031"
    assert evaluate("${yyyymmdd-1}", late) == "20251030"


# --- $[...]: offsets in days on the scheduled time, then format -----------------------------------


@pytest.mark.parametrize(
    ("cyctime", "expr", "value"),
    [
        # The offset moves the whole timestamp before formatting: crossing midnight at 00:xx.
        (datetime(2025, 11, 1, 0, 30), "$[hh24-1/24]", "23"),
        (datetime(2025, 11, 1, 0, 30), "$[yyyymmdd-1/24]", "20251031"),
        (datetime(2025, 11, 1, 0, 30), "$[yyyymmddhh24miss-1/24]", "20251031233000"),
        (datetime(2025, 11, 1, 0, 30), "$[mm-1/24]", "10"),
        (datetime(2025, 1, 1, 0, 30), "$[yyyy-1/24]", "2024"),
        (datetime(2025, 1, 1, 0, 30), "$[yyyymm-1/24]", "202412"),
        (datetime(2025, 11, 1, 0, 30), "$[hh24miss-1/24]", "233000"),
        (datetime(2025, 11, 1, 1, 30), "$[hh24-1/24]", "00"),
        (datetime(2025, 11, 1, 23, 30), "$[hh24+1/24]", "00"),
        (datetime(2025, 11, 1, 23, 30), "$[yyyymmdd+1/24]", "20251102"),
        (datetime(2025, 7, 27, 0, 5), "$[yyyymmddhh24miss-15/24/60]", "20250726235000"),
        (datetime(2025, 7, 27, 0, 5), "$[yyyymmdd-15/24/60]", "20250726"),
        (datetime(2025, 7, 27, 0, 5), "$[yyyy-mm-15/24/60]", "2025-07"),
        (datetime(2025, 7, 27, 10, 5), "$[mi-15/24/60]", "50"),
        (datetime(2025, 7, 27, 10, 5), "$[hh24:mi-15/24/60]", "09:50"),
        (datetime(2025, 7, 27, 10, 5, 7), "$[ss-1/24/60/60]", "06"),
        # Day and hour combined.
        (datetime(2025, 3, 1, 0, 30), "$[yyyymmddhh24-1-1/24]", "2025022723"),
        (datetime(2025, 3, 1, 0, 30), "$[yyyymmdd-1-1/24]", "20250227"),
        (datetime(2025, 3, 1, 5, 0), "$[yyyymmddhh24+1+2/24]", "2025030207"),
        (datetime(2025, 3, 1, 5, 0), "$[hh24-1/24*2]", "03"),
        # Year and month offsets in $[] count DAYS.
        (datetime(2025, 1, 1, 8, 0), "$[yyyy-1]", "2024"),
        (datetime(2025, 7, 20, 8, 0), "$[yyyy-1]", "2025"),
        (datetime(2025, 3, 1, 8, 0), "$[mm-1]", "02"),
        (datetime(2025, 3, 15, 8, 0), "$[mm-1]", "03"),
        (datetime(2025, 3, 15, 8, 0), "$[yyyymm-1]", "202503"),
        (datetime(2024, 3, 1, 8, 0), "$[yyyymmdd-1]", "20240229"),
        (datetime(2025, 1, 1, 8, 0), "$[yyyy-mm-dd-1]", "2024-12-31"),
        (datetime(2025, 1, 1, 8, 0), "$[yyyymmdd-7*2]", "20241218"),
        # Not a whole number of seconds: rounded to the nearest second.
        (datetime(2025, 7, 20, 10, 30), "$[hh24:mi:ss-1/7]", "07:04:17"),
    ],
)
def test_cyctime_offsets(cyctime: datetime, expr: str, value: str) -> None:
    assert evaluate(expr, ParamContext.for_cyctime(cyctime)) == value


@pytest.mark.parametrize(
    ("cyctime", "expr", "value"),
    [
        (datetime(2025, 3, 31, 0, 0), "$[add_months(yyyymmdd,-1)]", "20250228"),
        (datetime(2024, 3, 31, 0, 0), "$[add_months(yyyymmdd,-1)]", "20240229"),
        (datetime(2024, 2, 29, 0, 0), "$[add_months(yyyymmdd,12)]", "20250228"),
        (datetime(2024, 2, 29, 0, 0), "$[add_months(yyyymmdd,+48)]", "20280229"),
        (datetime(2025, 1, 15, 0, 0), "$[add_months(yyyymmdd,-1)]", "20241215"),
        (datetime(2025, 12, 15, 0, 0), "$[add_months(yyyymm,+1)]", "202601"),
        (datetime(2025, 5, 31, 0, 0), "$[add_months(yyyy-mm-dd,-12*2)]", "2023-05-31"),
        (datetime(2025, 8, 31, 0, 0), "$[add_months(yyyymmdd,1)]", "20250930"),
        # Plain clamping, not Oracle's month-end to month-end rule.
        (datetime(2025, 2, 28, 0, 0), "$[add_months(yyyymmdd,1)]", "20250328"),
        (datetime(2025, 7, 20, 10, 30, 15), "$[add_months(yyyymmddhh24miss,-1)]", "20250620103015"),
        (datetime(2025, 7, 20, 10, 30), "$[add_months(yyyymmdd,0)]", "20250720"),
    ],
)
def test_add_months(cyctime: datetime, expr: str, value: str) -> None:
    assert evaluate(expr, ParamContext.for_cyctime(cyctime)) == value


# --- format tokens ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "hh24", "hh12"),
    [
        (0, "00", "12"),
        (1, "01", "01"),
        (11, "11", "11"),
        (12, "12", "12"),
        (13, "13", "01"),
        (23, "23", "11"),
    ],
)
def test_hh_is_the_12_hour_clock_and_hh24_the_24_hour_clock(
    hour: int, hh24: str, hh12: str
) -> None:
    ctx = at(2025, 7, 20, hour, 5, 0)
    assert evaluate("$[hh24]", ctx) == hh24
    assert evaluate("$[hh]", ctx) == hh12
    assert evaluate("$[hh12]", ctx) == hh12


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("$[yyyymmddhh24miss]", "20250704091502"),
        ("$[yyyymmddhhmiss]", "20250704091502"),
        ("$[mm]", "07"),
        ("$[mi]", "15"),
        ("$[mmmi]", "0715"),
        ("$[mimm]", "1507"),
        ("$[yyyy/mm/dd]", "2025/07/04"),
        ("$[yyyy-mm-dd_hh24:mi:ss]", "2025-07-04_09:15:02"),
        ("$[hh24:mi:ss]", "09:15:02"),
        ("$[yy.mm.dd]", "25.07.04"),
        ("$[ddmmyyyy]", "04072025"),
    ],
)
def test_tokens_and_separators(expr: str, value: str) -> None:
    assert evaluate(expr, at(2025, 7, 4, 9, 15, 2)) == value


def test_years_before_1000_are_zero_padded() -> None:
    ctx = at(999, 1, 2, 3, 4, 5)
    assert evaluate("$[yyyy-mm-dd]", ctx) == "0999-01-02"
    assert evaluate("$bizdate", ctx) == "09990101"
    assert evaluate("$cyctime", ctx) == "09990102030405"


# --- constants and concatenation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("'abc'", "abc"),
        ("'123'", "123"),
        ("123", "123"),
        ("-1", "-1"),
        ("''", ""),
        ("abc", "abc"),
        ("'p_'${yyyy}", "p_2025"),
        ("${yyyymm}01", "20251001"),
        ("$[yyyy-mm-dd]T$[hh24]", "2025-11-01T02"),
        ("$[yyyy-mm-dd]'T'$[hh24:mi:ss]", "2025-11-01T02:30:45"),
        ("${yyyymmdd}_$[hh24]", "20251031_02"),
        ("$bizdate$cyctime", "2025103120251101023045"),
        ("$bizdate_x", "20251031_x"),
        ("$bizmonth01", "20251001"),
        ("'a,b:c'", "a,b:c"),
        ("${yyyy}-${mm}", "2025-10"),
    ],
)
def test_constants_and_concatenation(expr: str, value: str) -> None:
    assert evaluate(expr, AT_023045) == value


def test_legacy_system_names() -> None:
    assert evaluate("${bdp.system.bizdate}", AT_023045) == "20251031"
    assert evaluate("${bdp.system.cyctime}", AT_023045) == "20251101023045"
    assert evaluate("${bdp.system.bizdate}00", AT_023045) == "2025103100"


# --- invalid expressions ---------------------------------------------------------------------------


def test_hour_offset_in_braces_names_the_expression_and_the_fix() -> None:
    with pytest.raises(ParamError) as raised:
        evaluate("${yyyy-mm-dd-1/24}", NOV_1)
    assert raised.value.message == (
        "invalid parameter expression '${yyyy-mm-dd-1/24}': "
        "hour offsets are not allowed in ${...}; use $[...]"
    )


@pytest.mark.parametrize(
    ("expr", "why"),
    [
        ("", "empty"),
        ("${}", "empty"),
        ("$[]", "empty"),
        ("$[yyyy mm]", "spaces"),
        (" $bizdate", "spaces"),
        ("$bizdate ", "spaces"),
        ("'a b'", "spaces"),
        ("${yyyymmdd}\t", "spaces"),
        ("a=b", "'='"),
        ("'a=b'", "'='"),
        ("${yyyymmdd-1/24}", "hour offsets are not allowed in ${...}"),
        ("${yyyymmdd-15/24/60}", "hour offsets are not allowed in ${...}"),
        ("${hh24}", "'hh24' is not allowed in ${...}"),
        ("${yyyymmddhh24miss}", "'hh24' is not allowed in ${...}"),
        ("${hh}", "'hh' is not allowed in ${...}"),
        ("${mi}", "'mi' is not allowed in ${...}"),
        ("${ss}", "'ss' is not allowed in ${...}"),
        ("${yyyymmddx}", "unknown format token 'x'"),
        ("${abc}", "unknown format token 'abc'"),
        ("${YYYYMMDD}", "unknown format token 'YYYYMMDD'"),
        ("$[hour]", "unknown format token"),
        ("$[yyy]", "unknown format token 'y'"),
        ("$[yyyymmdd-h]", "unknown format token 'h'"),
        ("${yyyy", "'${' is not closed by '}'"),
        ("$[yyyy", "'$[' is not closed by ']'"),
        ("${yyyy]", "'${' is not closed by '}'"),
        ("yyyy}", "unbalanced '}'"),
        ("]", "unbalanced ']'"),
        ("{", "unbalanced '{'"),
        ("${${yyyy}}", "nested"),
        ("$[a[b]]", "nested"),
        ("$foo", "unknown system parameter '$foo'"),
        ("$BIZDATE", "unknown system parameter '$BIZDATE'"),
        ("$bizdatex", "unknown system parameter '$bizdatex'"),
        ("$1", "'$' must start"),
        ("$", "'$' must start"),
        ("'abc", "quote is not closed"),
        ("${add_months(yyyymmdd,-1)}", "add_months is only available in $[...]"),
        ("$[add_months(yyyymmdd)]", "expected add_months(<format>,<months>)"),
        ("$[add_months(yyyymmdd,x)]", "expected add_months(<format>,<months>)"),
        ("$[add_months(yyyymmdd,-1/2)]", "whole number of months"),
        ("$[add_months(yyyymmdd-1,-1)]", "cannot carry an offset"),
        ("$[add_months(,-1)]", "format is missing"),
        ("$[add_months(hour,-1)]", "unknown format token"),
        ("${yyyy0101}", "digits ('0101') are not allowed"),
        ("${-1}", "format is missing before the offset"),
        ("${yyyymmdd--1}", "two signs"),
        ("$[hh24-1/0]", "division by zero"),
        ("${yyyymmdd*2}", "unexpected '*'"),
        ("${--}", "no date or time token"),
        ("${bizdate}", "'bizdate' is not a format"),
    ],
)
def test_invalid_expressions(expr: str, why: str) -> None:
    with pytest.raises(ParamError) as raised:
        evaluate(expr, NOV_1)
    assert f"invalid parameter expression '{expr}'" in raised.value.message
    assert why in raised.value.message
    with pytest.raises(ParamError):
        check_expression(expr)  # the same check without a context


def test_a_bad_piece_of_a_long_value_is_pointed_at() -> None:
    with pytest.raises(ParamError) as raised:
        evaluate("${yyyymm}01_${hh24}", NOV_1)
    assert "in '${hh24}'" in raised.value.message


def test_tokens_are_lowercase_only_and_the_hint_says_so() -> None:
    with pytest.raises(ParamError) as raised:
        evaluate("$[YYYY]", NOV_1)
    assert raised.value.hint is not None and "lowercase" in raised.value.hint


@pytest.mark.parametrize(
    ("ctx", "expr"),
    [
        (ParamContext.for_bizdate(date(2025, 1, 1)), "${yyyy+8000}"),
        (ParamContext.for_bizdate(date(2025, 1, 1)), "${yyyymm-30000}"),
        (ParamContext.for_cyctime(datetime(1, 1, 2)), "$[yyyymmdd-2]"),
        (ParamContext.for_cyctime(datetime(9999, 12, 31)), "$[add_months(yyyymmdd,1)]"),
        (ParamContext.for_cyctime(datetime(2025, 1, 1)), "$[yyyymmdd+99999999999]"),
    ],
)
def test_out_of_range_results_are_param_errors(ctx: ParamContext, expr: str) -> None:
    with pytest.raises(ParamError, match="outside the years 1-9999"):
        evaluate(expr, ctx)


def test_valid_expressions_pass_the_check() -> None:
    for expr in ("$bizdate", "${yyyymmdd-7*2}", "$[add_months(yyyymmdd,-12*3)]", "'x'", "42"):
        check_expression(expr)


# --- properties ------------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(9998, 12, 31))


@given(moments)
def test_default_expressions_equal_the_system_parameters(moment: datetime) -> None:
    ctx = ParamContext.for_cyctime(moment)
    assert evaluate("${yyyymmdd}", ctx) == evaluate("$bizdate", ctx)
    assert evaluate("$[yyyymmddhh24miss]", ctx) == evaluate("$cyctime", ctx)
    assert evaluate("$bizdate", ctx) == (moment.date() - timedelta(days=1)).strftime("%Y%m%d")


@given(moments, st.integers(min_value=-400, max_value=400))
def test_day_offsets_match_date_arithmetic(moment: datetime, days: int) -> None:
    ctx = ParamContext.for_cyctime(moment)
    sign = "-" if days < 0 else "+"
    expected = (ctx.bizdate + timedelta(days=days)).strftime("%Y%m%d")
    assert evaluate(f"${{yyyymmdd{sign}{abs(days)}}}", ctx) == expected


@given(moments, st.integers(min_value=-200, max_value=200), st.integers(min_value=0, max_value=59))
def test_hour_and_minute_offsets_match_timestamp_arithmetic(
    moment: datetime, hours: int, minutes: int
) -> None:
    ctx = ParamContext.for_cyctime(moment)
    sign = "-" if hours < 0 else "+"
    expr = f"$[yyyymmddhh24miss{sign}{abs(hours)}/24-{minutes}/24/60]"
    expected = ctx.cyctime + timedelta(hours=hours) - timedelta(minutes=minutes)
    assert evaluate(expr, ctx) == expected.strftime("%Y%m%d%H%M%S")


@given(moments, st.integers(min_value=-120, max_value=120))
def test_add_months_lands_in_the_right_month_and_never_overshoots(
    moment: datetime, months: int
) -> None:
    ctx = ParamContext.for_cyctime(moment)
    value = evaluate(f"$[add_months(yyyymmdd,{months})]", ctx)
    result = date(int(value[:4]), int(value[4:6]), int(value[6:]))
    index = ctx.cyctime.year * 12 + ctx.cyctime.month - 1 + months
    assert (result.year, result.month - 1) == divmod(index, 12)
    assert result.day == ctx.cyctime.day or result.day < ctx.cyctime.day
