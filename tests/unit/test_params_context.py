"""ParamContext: the two baselines of an instance, normal runs and backfills."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta, timezone

import pytest

from engine.errors import ParamError
from engine.params import ParamContext, parse_bizdate, parse_cyctime


def test_for_cyctime_puts_the_business_date_the_day_before() -> None:
    ctx = ParamContext.for_cyctime(datetime(2025, 3, 15, 0, 0, 0))
    assert ctx.bizdate == date(2025, 3, 14)
    assert ctx.cyctime == datetime(2025, 3, 15, 0, 0, 0)
    assert ctx.backfill is False


@pytest.mark.parametrize(
    ("cyctime", "bizdate"),
    [
        (datetime(2025, 1, 1, 0, 0), date(2024, 12, 31)),
        (datetime(2024, 3, 1, 23, 59, 59), date(2024, 2, 29)),
        (datetime(2025, 3, 1, 0, 0), date(2025, 2, 28)),
    ],
)
def test_for_cyctime_across_boundaries(cyctime: datetime, bizdate: date) -> None:
    assert ParamContext.for_cyctime(cyctime).bizdate == bizdate


def test_for_bizdate_is_a_daily_node_at_midnight_by_default() -> None:
    ctx = ParamContext.for_bizdate(date(2025, 10, 31))
    assert ctx.cyctime == datetime(2025, 11, 1, 0, 0, 0)
    assert ctx == ParamContext.for_cyctime(datetime(2025, 11, 1))


def test_for_bizdate_keeps_the_node_time_of_day() -> None:
    ctx = ParamContext.for_bizdate(date(2025, 12, 31), time_of_day=time(2, 30, 45))
    assert ctx.cyctime == datetime(2026, 1, 1, 2, 30, 45)


def test_backfill_baselines() -> None:
    ctx = ParamContext.for_bizdate(date(2025, 3, 15), backfill=True, time_of_day=time(8, 0))
    assert ctx.backfill
    assert ctx.bizdate == date(2025, 3, 15)
    assert ctx.cyctime == datetime(2025, 3, 16, 8, 0)
    assert ctx.gmtdate == date(2025, 3, 16)


def test_gmtdate_is_the_scheduled_date_in_a_normal_run() -> None:
    assert ParamContext.for_cyctime(datetime(2025, 11, 1, 0, 0)).gmtdate == date(2025, 11, 1)
    assert ParamContext.for_cyctime(datetime(2025, 11, 1, 23, 0)).gmtdate == date(2025, 11, 1)


def test_gmtdate_in_a_backfill_follows_the_selected_date_not_the_scheduled_time() -> None:
    ctx = ParamContext(bizdate=date(2025, 3, 15), cyctime=datetime(2025, 3, 20), backfill=True)
    assert ctx.gmtdate == date(2025, 3, 16)


@pytest.mark.parametrize(
    ("bizdate", "cyctime", "bizmonth"),
    [
        (date(2025, 10, 31), datetime(2025, 11, 1), (2025, 10)),  # different month: its own
        (date(2025, 11, 2), datetime(2025, 11, 1), (2025, 10)),  # same month: the one before
        (date(2025, 11, 14), datetime(2025, 11, 15), (2025, 10)),
        (date(2025, 1, 14), datetime(2025, 1, 15), (2024, 12)),  # January wraps the year
        (date(2024, 12, 31), datetime(2025, 1, 1), (2024, 12)),
    ],
)
def test_bizmonth_rule(bizdate: date, cyctime: datetime, bizmonth: tuple[int, int]) -> None:
    assert ParamContext(bizdate=bizdate, cyctime=cyctime).bizmonth == bizmonth


def test_context_is_frozen_and_hashable() -> None:
    ctx = ParamContext.for_cyctime(datetime(2025, 1, 1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.bizdate = date(2020, 1, 1)  # type: ignore[misc]
    assert {ctx: 1}[ParamContext.for_cyctime(datetime(2025, 1, 1))] == 1


def test_scheduled_time_has_second_precision() -> None:
    ctx = ParamContext.for_cyctime(datetime(2025, 1, 1, 0, 0, 0, 999_999))
    assert ctx.cyctime == datetime(2025, 1, 1, 0, 0, 0)


def test_a_datetime_business_date_is_cut_to_the_day() -> None:
    ctx = ParamContext(bizdate=datetime(2025, 1, 1, 13, 0), cyctime=datetime(2025, 1, 2))
    assert type(ctx.bizdate) is date
    assert ParamContext.for_bizdate(datetime(2025, 1, 1, 13, 0)).cyctime == datetime(2025, 1, 2)


def test_aware_scheduled_times_are_refused() -> None:
    with pytest.raises(ParamError, match="naive"):
        ParamContext.for_cyctime(datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=8))))


def test_ids() -> None:
    ctx = ParamContext.for_bizdate(date(2025, 1, 1), jobid="j", nodeid="n", taskid="t")
    assert (ctx.jobid, ctx.nodeid, ctx.taskid) == ("j", "n", "t")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20251031", date(2025, 10, 31)),
        ("2024-02-29", date(2024, 2, 29)),
        ("00010101", date(1, 1, 1)),
    ],
)
def test_parse_bizdate(text: str, expected: date) -> None:
    assert parse_bizdate(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("20250230", "day is out of range"),
        ("20251301", "month must be in 1..12"),
        ("2025-02-29", "day is out of range"),
        ("2025", "expected YYYYMMDD"),
        ("yesterday", "expected YYYYMMDD"),
        ("", "expected YYYYMMDD"),
    ],
)
def test_parse_bizdate_errors(text: str, why: str) -> None:
    with pytest.raises(ParamError, match=why) as raised:
        parse_bizdate(text)
    assert f"'{text}'" in raised.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20251101000000", datetime(2025, 11, 1)),
        ("20251101023045", datetime(2025, 11, 1, 2, 30, 45)),
        ("2025-11-01 02:30:45", datetime(2025, 11, 1, 2, 30, 45)),
        ("2025-11-01T02:30:45", datetime(2025, 11, 1, 2, 30, 45)),
    ],
)
def test_parse_cyctime(text: str, expected: datetime) -> None:
    assert parse_cyctime(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("20251101240000", "hour must be in 0..23"),
        ("20250230000000", "day is out of range"),
        ("20251101", "expected YYYYMMDDHHMISS"),
        ("2025-11-01T00:00:00+08:00", "without a time zone"),
        ("now", "expected YYYYMMDDHHMISS"),
    ],
)
def test_parse_cyctime_errors(text: str, why: str) -> None:
    with pytest.raises(ParamError, match=why):
        parse_cyctime(text)
