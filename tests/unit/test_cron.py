"""DataWorks cron: parsing, cycle inference, times of a day, run days, descriptions, forms."""

from __future__ import annotations

import time as timer
from datetime import date, datetime, time, timedelta

import pytest
from croniter import croniter
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import ConfigError
from engine.scheduler.cron import cron_for, parse_cron, parse_cycle
from engine.scheduler.model import Cycle

DAY = date(2025, 3, 15)  # a Saturday


@pytest.mark.parametrize(
    ("text", "cycle", "described", "count"),
    [
        ("00 30 00 * * ?", Cycle.DAY, "daily at 00:30", 1),
        ("00 00/10 * * * ?", Cycle.MINUTE, "every 10 minutes", 144),
        ("00 00-59/10 8-17 * * ?", Cycle.MINUTE, "every 10 minutes 08:00-17:59", 60),
        ("00 00 00-23/6 * * ?", Cycle.HOUR, "every 6 hours 00:00-18:00", 4),
        ("00 30 01,05,11 * * ?", Cycle.HOUR, "hourly at 01:30, 05:30, 11:30", 3),
        ("00 20 00 1 * ?", Cycle.MONTH, "monthly on day 1 at 00:20", 1),
        ("00 20 00 1,L * ?", Cycle.MONTH, "monthly on day 1, the last day at 00:20", 1),
        ("00 05 00 * * 2,5", Cycle.WEEK, "weekly on Tue, Fri at 00:05", 1),
        ("00 05 00 ? * MON-FRI", Cycle.WEEK, "weekly on Mon, Tue, Wed, Thu, Fri at 00:05", 1),
        ("00 00 00 1,L 1,4,7,10 ?", Cycle.YEAR, "yearly in Jan, Apr, Jul, Oct on day 1, the last day at 00:00", 1),
    ],
)  # fmt: skip
def test_cycle_description_and_times(text: str, cycle: Cycle, described: str, count: int) -> None:
    cron = parse_cron(text)
    assert cron.cycle is cycle
    assert cron.describe() == described
    times = cron.times_on(DAY)
    assert len(times) == count
    assert all(t.date() == DAY for t in times) and times == sorted(times)


def test_minute_window_times_are_exact() -> None:
    times = parse_cron("00 00-59/10 8-17 * * ?").times_on(DAY)
    assert times[0] == datetime(2025, 3, 15, 8, 0) and times[-1] == datetime(2025, 3, 15, 17, 50)


def test_hour_window_is_closed_like_dataworks() -> None:
    # "00:00-03:00 every 1 hour -> 4 instances (00, 01, 02, 03)" (reference §2.1)
    text = cron_for(Cycle.HOUR, interval_hours=1, start=time(0, 0), end=time(3, 0))
    assert [t.hour for t in parse_cron(text).times_on(DAY)] == [0, 1, 2, 3]


def test_weekdays_are_numbered_from_monday() -> None:
    # DataWorks (Spring CronSequenceGenerator): 1=Monday .. 7=Sunday, 0 is Sunday too.
    monday, sunday = date(2025, 3, 17), date(2025, 3, 16)
    assert parse_cron("00 00 00 ? * 1").runs_on(monday)
    assert not parse_cron("00 00 00 ? * 1").runs_on(sunday)
    assert parse_cron("00 00 00 ? * 7").runs_on(sunday)
    assert parse_cron("00 00 00 ? * 0").runs_on(sunday)
    assert parse_cron("00 00 00 ? * SUN").weekdays == frozenset({7})


def test_week_month_year_nodes_get_a_time_every_day_and_run_on_some() -> None:
    weekly = parse_cron("00 05 00 ? * 1,4")
    days = [DAY + timedelta(days=i) for i in range(7)]
    assert all(len(weekly.times_on(d)) == 1 for d in days)
    assert [d.isoweekday() for d in days if weekly.runs_on(d)] == [1, 4]
    monthly = parse_cron("00 00 00 1,L * ?")
    assert monthly.runs_on(date(2024, 2, 29)) and not monthly.runs_on(date(2024, 2, 28))
    assert monthly.runs_on(date(2025, 2, 28)) and monthly.runs_on(date(2025, 3, 1))
    yearly = parse_cron("00 00 00 L 12 ?")
    assert yearly.runs_on(date(2025, 12, 31)) and not yearly.runs_on(date(2025, 11, 30))
    daily = parse_cron("00 00 00 * * ?")
    assert all(daily.runs_on(d) for d in days)


def test_last_and_nth_weekday_of_month() -> None:
    last_friday = parse_cron("00 00 00 ? * 5L")
    assert last_friday.runs_on(date(2025, 3, 28)) and not last_friday.runs_on(date(2025, 3, 21))
    second_monday = parse_cron("00 00 00 ? * 1#2")
    assert second_monday.runs_on(date(2025, 3, 10)) and not second_monday.runs_on(date(2025, 3, 3))


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("00 00 00 * *", "expected 6 fields"),
        ("05 00 00 * * ?", "seconds field must be 00"),
        ("00 61 00 * * ?", "61 in minutes is outside 0-59"),
        ("00 00 24 * * ?", "24 in hours is outside 0-23"),
        ("00 00 00 32 * ?", "32 in day of month"),
        ("00 00 00 ? 13 ?", "13 in month"),
        ("00 00 00 ? * 8", "8 in day of week"),
        ("00 00 ? * * ?", "'?' is allowed only"),
        ("00 30-10 00 * * ?", "runs backwards"),
        ("00 0/0 00 * * ?", "must be at least 1"),
        ("00 xx 00 * * ?", "not a number"),
        ("00 00 00 1 * 2", "not both"),
        ("00 00/10 * ? * 1", "run every day"),
        ("00 00 00 ? * 1#6", "must be 1-5"),
    ],
)
def test_invalid_expressions_name_the_expression_and_why(text: str, why: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_cron(text)
    assert repr(text) in str(caught.value) and why in str(caught.value)


def test_cron_for_generates_dataworks_style_expressions() -> None:
    assert cron_for(Cycle.DAY, at=time(0, 30)) == "00 30 00 * * ?"
    assert cron_for("minute", interval_minutes=10, start=time(8), end=time(17, 59)) == (
        "00 00-59/10 08-17 * * ?"
    )
    assert cron_for("hourly", interval_hours=6) == "00 00 00-23/6 * * ?"
    assert cron_for("hour", times=[time(5, 30), time(1, 30)]) == "00 30 01,05 * * ?"
    assert cron_for("weekly", at=time(0, 5), weekdays=["mon", 4]) == "00 05 00 ? * 1,4"
    assert cron_for("monthly", at=time(0, 20), monthdays=[1, "L"]) == "00 20 00 1,L * ?"
    assert cron_for("yearly", monthdays=[1, "L"], months=["jan", 4, 7, 10]) == (
        "00 00 00 1,L 1,4,7,10 ?"
    )


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"cycle": "minute", "interval_minutes": 7}, "not one DataWorks schedule"),
        ({"cycle": "minute"}, "needs an interval"),
        ({"cycle": "week"}, "needs weekdays"),
        ({"cycle": "week", "weekdays": [9]}, "weekday 9"),
        ({"cycle": "month"}, "needs days of the month"),
        ({"cycle": "year", "monthdays": [1]}, "needs months"),
        ({"cycle": "hour", "times": [time(1, 0), time(2, 30)]}, "same minute"),
        ({"cycle": "fortnightly"}, "unknown cycle"),
    ],
)
def test_cron_for_refuses_what_one_cron_cannot_say(kwargs: dict[str, object], why: str) -> None:
    with pytest.raises(ConfigError, match=why):
        cron_for(**kwargs)  # type: ignore[arg-type]


def test_cycle_aliases() -> None:
    assert parse_cycle("Daily") is Cycle.DAY and parse_cycle("hour") is Cycle.HOUR


# Property: times_on and runs_on agree with croniter (day_or=False: DataWorks ANDs the day fields,
# and croniter numbers weekdays like DataWorks, 0/7 = Sunday, 1 = Monday).
EXPRESSIONS = [
    "00 30 00 * * ?",
    "00 00-59/15 08-17 * * ?",
    "00 00 00-23/4 * * ?",
    "00 05 00 ? * 1,4",
    "00 10 02 1,15 * ?",
    "00 00 03 L * ?",
    "00 00 00 1 1,7 ?",
]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(EXPRESSIONS), st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_matches_croniter(text: str, day: date) -> None:
    cron = parse_cron(text)
    start = datetime.combine(day, time(0)) - timedelta(seconds=1)
    it = croniter(text.replace("?", "*"), start, second_at_beginning=True, day_or=False)
    expected: list[datetime] = []
    while (nxt := it.get_next(datetime)).date() == day:
        expected.append(nxt)
    if cron.runs_on(day):
        assert cron.times_on(day) == expected
    else:
        assert expected == [] and len(cron.times_on(day)) == 1  # dry-run instance


def test_parsing_is_cached_and_fast() -> None:
    texts = [f"00 {i % 60:02d} {i % 24:02d} * * ?" for i in range(1440)]
    for t in texts:
        parse_cron(t)
    started = timer.perf_counter()
    total = sum(len(parse_cron(texts[i % 1440]).times_on(DAY)) for i in range(10_000))
    assert total == 10_000
    assert timer.perf_counter() - started < 1.0  # 10,000 deployed nodes, one generated day


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("00 00 00 31 2 ?", "month 2 has no day 31"),
        ("00 00 00 30,31 2 ?", "month 2 has no day 30"),
        ("00 00 00 31 4,6,9,11 ?", "months 4,6,9,11 have no day 31"),
    ],
)
def test_a_schedule_that_can_never_run_is_refused(text: str, why: str) -> None:
    with pytest.raises(ConfigError, match=f"it never runs: {why}") as err:
        parse_cron(text)
    assert "L" in (err.value.hint or "")
    for runs in ("00 00 00 29 2 ?", "00 00 00 L 2 ?", "00 00 00 30 2,4 ?"):
        assert parse_cron(runs).cycle == Cycle.YEAR  # leap days, the last day, some month
