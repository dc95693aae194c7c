"""DataWorks' six-field cron: ``ss mi hh dd MM week`` (reference §2.1).

Examples: ``00 30 00 * * ?`` (daily 00:30), ``00 00-59/10 08-17 * * ?`` (every 10 minutes
08:00-17:59), ``00 00 00-23/6 * * ?`` (every 6 hours), ``00 05 00 ? * 1,4`` (Mondays and
Thursdays 00:05), ``00 20 00 1,L * ?`` (1st and last day of the month), ``00 00 00 1 1,7 ?``.

Choices, and why:

* **Weekdays are numbered 1=Monday ... 7=Sunday** (0 is also Sunday; MON..SUN are accepted).
  DataWorks documents its cron as Spring's ``CronSequenceGenerator`` format, whose day-of-week is
  0-7 with 0 and 7 Sunday, and Alibaba's own EMR-to-DataWorks converter (aliyun/dataworks-spec,
  ``aliyunemr/CronUtil.rotateWeek``) maps Quartz's 2 (Monday) to DataWorks' 1 and Quartz's 1
  (Sunday) to 7. So this is NOT Quartz's 1=Sunday. It equals ``date.isoweekday()``.
* Seconds must be 0: DataWorks does not schedule below the minute.
* ``?`` and ``*`` mean the same. Restricting both the day of month and the day of week is refused:
  Unix cron ORs them, Spring ANDs them, and a silently different schedule is worse than an error.
* Minute and hour schedules run every day (as DataWorks' forms make them); a restricted day,
  weekday or month with several times a day is refused.
* Week, month and year nodes get an instance every day at their time of day; :meth:`Cron.runs_on`
  says which days really run (the others are dry-run, ``SchedType.SKIP_CYCLE``).
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache

from engine.errors import ConfigError
from engine.scheduler.model import Cycle

DEFAULT_CRON = "00 00 00 * * ?"
WEEKDAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")  # 1..7
MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
LAST_DAY = 32  # "L" in the day-of-month field

CYCLE_ALIASES: dict[str, Cycle] = {
    **{c.value: c for c in Cycle},
    "minutely": Cycle.MINUTE,
    "hourly": Cycle.HOUR,
    "daily": Cycle.DAY,
    "weekly": Cycle.WEEK,
    "monthly": Cycle.MONTH,
    "yearly": Cycle.YEAR,
}

_ITEM = re.compile(r"^(?:(\*)|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:/(\d+))?$")
_FIELD_NAMES = ("seconds", "minutes", "hours", "day of month", "month", "day of week")
_BOUNDS = ((0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (1, 7))


def parse_cycle(text: str) -> Cycle:
    """``daily``/``day``/... -> Cycle (ConfigError naming the choices)."""
    try:
        return CYCLE_ALIASES[text.strip().lower()]
    except KeyError:
        raise ConfigError(
            f"unknown cycle {text!r}",
            hint="use minute, hour, day, week, month or year (or minutely, hourly, daily, ...)",
        ) from None


@dataclass(frozen=True)
class Cron:
    """A parsed expression; build with :func:`parse_cron` (cached, so parse freely)."""

    text: str
    times: tuple[time, ...]  # times of day, sorted
    monthdays: frozenset[int] | None  # None: any day; LAST_DAY means "L"
    months: frozenset[int] | None
    weekdays: frozenset[int] | None  # 1=Monday .. 7=Sunday
    last_weekdays: frozenset[int] = frozenset()  # "5L": the last Friday of the month
    nth_weekdays: frozenset[tuple[int, int]] = frozenset()  # "5#2": (weekday, n)
    cycle: Cycle = field(default=Cycle.DAY)

    def runs_on(self, day: date) -> bool:
        """Is ``day`` a real run day (week/month/year nodes dry-run on the others)?"""
        if self.months is not None and day.month not in self.months:
            return False
        if self.monthdays is not None:
            last = calendar.monthrange(day.year, day.month)[1]
            if day.day not in self.monthdays and not (
                LAST_DAY in self.monthdays and day.day == last
            ):
                return False
        if self.weekdays is None and not self.last_weekdays and not self.nth_weekdays:
            return True
        iso = day.isoweekday()
        if self.weekdays is not None and iso in self.weekdays:
            return True
        if iso in self.last_weekdays and day.day + 7 > calendar.monthrange(day.year, day.month)[1]:
            return True
        return (iso, (day.day - 1) // 7 + 1) in self.nth_weekdays

    def times_on(self, day: date) -> list[datetime]:
        """Scheduled times on ``day``: every time of the window (minute/hour), one otherwise.

        Week/month/year nodes get their time every day: DataWorks generates an instance daily
        and dry-runs the days :meth:`runs_on` rejects.
        """
        y, m, d = day.year, day.month, day.day
        return [datetime(y, m, d, t.hour, t.minute, t.second) for t in self.times]

    def describe(self) -> str:
        at = _hhmm(self.times[0])
        if self.cycle is Cycle.DAY:
            return f"daily at {at}"
        if self.cycle in (Cycle.MINUTE, Cycle.HOUR):
            return _describe_intraday(self)
        days = self._describe_days()
        if self.cycle is Cycle.WEEK:
            return f"weekly on {days} at {at}"
        if self.cycle is Cycle.MONTH:
            return f"monthly on {days} at {at}"
        months = ", ".join(MONTH_NAMES[m - 1].title() for m in sorted(self.months or ()))
        return f"yearly in {months}" + (f" on {days}" if days else " every day") + f" at {at}"

    def _describe_days(self) -> str:
        parts: list[str] = []
        if self.monthdays is not None:
            parts += [f"day {d}" for d in sorted(self.monthdays) if d != LAST_DAY]
            if LAST_DAY in self.monthdays:
                parts.append("the last day")
        if self.weekdays is not None:
            parts += [WEEKDAY_NAMES[w - 1].title() for w in sorted(self.weekdays)]
        parts += [f"the last {WEEKDAY_NAMES[w - 1].title()}" for w in sorted(self.last_weekdays)]
        parts += [f"{WEEKDAY_NAMES[w - 1].title()} #{n}" for w, n in sorted(self.nth_weekdays)]
        return ", ".join(parts)


def parse_cron(text: str) -> Cron:
    """Parse and validate; ConfigError names the expression and says why."""
    return _parse(" ".join(str(text).split()))


@lru_cache(maxsize=65536)
def _parse(text: str) -> Cron:
    parts = text.split(" ") if text else []
    if len(parts) != 6:
        raise _error(text, f"expected 6 fields (ss mi hh dd MM week), found {len(parts)}")
    seconds, minutes, hours = (_field(text, i, parts[i]) for i in range(3))
    if seconds != frozenset({0}):
        raise _error(text, "the seconds field must be 00 (DataWorks schedules by the minute)")
    monthdays = _field(text, 3, parts[3])
    months = _field(text, 4, parts[4])
    weekdays, last_weekdays, nth_weekdays = _weekday_field(text, parts[5])
    week_restricted = weekdays is not None or bool(last_weekdays or nth_weekdays)
    if monthdays is not None and week_restricted:
        raise _error(
            text,
            "restrict either the day of month or the day of week, not both",
            hint="put ? in the other field, e.g. 00 00 00 ? * 1 or 00 00 00 1 * ?",
        )
    times = tuple(
        time(h, m) for h in sorted(hours or range(24)) for m in sorted(minutes or range(60))
    )
    if len(times) > 1:
        if monthdays is not None or months is not None or week_restricted:
            raise _error(
                text,
                "minute and hour schedules run every day; they cannot restrict days, weekdays or months",
                hint="schedule once a day (one time) for week, month and year nodes",
            )
        cycle = Cycle.MINUTE if minutes is None or len(minutes) > 1 else Cycle.HOUR
    elif months is not None:
        cycle = Cycle.YEAR
        if monthdays is not None and LAST_DAY not in monthdays:
            longest = max(calendar.monthrange(2024, m)[1] for m in months)  # a leap year
            if min(monthdays) > longest:
                raise _error(
                    text,
                    f"it never runs: month{'s' if len(months) > 1 else ''} {parts[4]} "
                    f"{'have' if len(months) > 1 else 'has'} no day {min(monthdays)}",
                    hint="use L for the last day of the month, e.g. 00 00 00 L 2 ?",
                )
    elif monthdays is not None:
        cycle = Cycle.MONTH
    elif week_restricted:
        cycle = Cycle.WEEK
    else:
        cycle = Cycle.DAY
    return Cron(text, times, monthdays, months, weekdays, last_weekdays, nth_weekdays, cycle)


def _error(text: str, why: str, hint: str | None = None) -> ConfigError:
    return ConfigError(f"cron {text!r}: {why}", hint=hint)


def _field(text: str, index: int, raw: str) -> frozenset[int] | None:
    """Values of one field; None for ``*``/``?`` (any)."""
    name = _FIELD_NAMES[index]
    if raw in ("*", "?"):
        if raw == "?" and index not in (3, 5):
            raise _error(
                text, f"'?' is allowed only in the day of month or day of week, not in {name}"
            )
        return None
    lo, hi = _BOUNDS[index]
    values: set[int] = set()
    for item in raw.split(","):
        if index == 3 and item.upper() == "L":
            values.add(LAST_DAY)
            continue
        values.update(_item(text, name, item, lo, hi, MONTH_NAMES if index == 4 else ()))
    if values == set(range(lo, hi + 1)):
        return None
    return frozenset(values)


def _item(text: str, name: str, item: str, lo: int, hi: int, names: Sequence[str]) -> range:
    m = _ITEM.match(item)
    if not m:
        raise _error(text, f"{item!r} in {name} is not a value, a range a-b or a step a/n")
    star, first, last, step = m.groups()
    start = lo if star else _number(text, name, first, lo, hi, names)
    end = hi if star or (step and last is None) else start
    if last is not None:
        end = _number(text, name, last, lo, hi, names)
        if end < start:
            raise _error(text, f"range {item!r} in {name} runs backwards")
    stride = int(step) if step else 1
    if stride < 1:
        raise _error(text, f"step {item!r} in {name} must be at least 1")
    return range(start, end + 1, stride)


def _number(text: str, name: str, token: str, lo: int, hi: int, names: Sequence[str]) -> int:
    upper = token.upper()
    if upper in names:
        return names.index(upper) + 1  # JAN and MON are 1
    if not token.isdigit():
        raise _error(text, f"{token!r} in {name} is not a number")
    value = int(token)
    if not lo <= value <= hi:
        raise _error(text, f"{value} in {name} is outside {lo}-{hi}")
    return value


def _weekday_field(
    text: str, raw: str
) -> tuple[frozenset[int] | None, frozenset[int], frozenset[tuple[int, int]]]:
    if raw in ("*", "?"):
        return None, frozenset(), frozenset()
    plain: list[str] = []
    last: set[int] = set()
    nth: set[tuple[int, int]] = set()
    for item in raw.split(","):
        if "#" in item:
            day, _, n = item.partition("#")
            if not n.isdigit() or not 1 <= int(n) <= 5:
                raise _error(text, f"{item!r} in day of week: the n of d#n must be 1-5")
            nth.add((_weekday(text, day), int(n)))
        elif len(item) > 1 and item.upper().endswith("L"):
            last.add(_weekday(text, item[:-1]))
        else:
            plain.append(item)
    values: set[int] = set()
    for item in plain:
        # 0 is Sunday as well as 7 (Spring), so 0-6 reads Sunday to Saturday.
        values.update(
            7 if v == 0 else v for v in _item(text, "day of week", item, 0, 7, WEEKDAY_NAMES)
        )
    weekdays = None if not plain or values == set(range(1, 8)) else frozenset(values)
    return weekdays, frozenset(last), frozenset(nth)


def _weekday(text: str, token: str) -> int:
    value = _number(text, "day of week", token, 0, 7, WEEKDAY_NAMES)
    return 7 if value == 0 else value


def _hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _step_of(values: Sequence[int]) -> int | None:
    """The common difference of an ascending progression of 2+ values, else None."""
    if len(values) < 2:
        return None
    step = values[1] - values[0]
    return step if all(b - a == step for a, b in itertools.pairwise(values)) else None


def _describe_intraday(cron: Cron) -> str:
    hours = sorted({t.hour for t in cron.times})
    minutes = sorted({t.minute for t in cron.times})
    if cron.cycle is Cycle.HOUR:
        step = _step_of(hours)
        if step is not None:
            window = f"{hours[0]:02d}:{minutes[0]:02d}-{hours[-1]:02d}:{minutes[0]:02d}"
            return f"every {step} hour{'s' if step > 1 else ''} {window}"
        return "hourly at " + ", ".join(_hhmm(t) for t in cron.times)
    step = _step_of(minutes) if len(minutes) > 1 else None
    hour_step = _step_of(hours) if len(hours) > 1 else 1
    if step is not None and minutes[0] < step and 60 - minutes[-1] <= step and hour_step == 1:
        every = f"every {step} minute{'s' if step > 1 else ''}"
        if hours[0] == 0 and hours[-1] == 23 and minutes[0] == 0:
            return every
        return f"{every} {hours[0]:02d}:{minutes[0]:02d}-{hours[-1]:02d}:59"
    return (
        f"{len(cron.times)} times a day, "
        + ", ".join(_hhmm(t) for t in cron.times[:6])
        + (", ..." if len(cron.times) > 6 else "")
    )


def cron_for(
    cycle: Cycle | str,
    *,
    at: time | None = None,
    times: Sequence[time] = (),
    interval_minutes: int | None = None,
    interval_hours: int | None = None,
    start: time | None = None,
    end: time | None = None,
    weekdays: Iterable[int | str] = (),
    monthdays: Iterable[int | str] = (),
    months: Iterable[int | str] = (),
) -> str:
    """The DataWorks cron for a form-style schedule (what the Scheduling panel generates).

    minute: ``interval_minutes`` in [``start``, ``end``] (default 00:00-23:59); hour:
    ``interval_hours`` in [start, end] or explicit ``times``; day: ``at``; week: ``weekdays``
    (1=Monday..7=Sunday or names) + at; month: ``monthdays`` (1-31, "L" = last day) + at; year:
    ``months`` + ``monthdays`` + at. Refuses windows one cron cannot express exactly.
    """
    cycle = parse_cycle(cycle) if isinstance(cycle, str) else cycle
    at = at or time(0, 0)
    if cycle is Cycle.MINUTE:
        return _intraday(interval_minutes, start, end, minutes=True)
    if cycle is Cycle.HOUR:
        if times:
            minutes = {t.minute for t in times}
            if len(minutes) != 1:
                raise ConfigError("hourly times must share the same minute, e.g. 01:30, 05:30")
            hours = ",".join(f"{t.hour:02d}" for t in sorted(times))
            return _checked(f"00 {min(minutes):02d} {hours} * * ?")
        return _intraday(interval_hours, start, end, minutes=False)
    hhmm = f"00 {at.minute:02d} {at.hour:02d}"
    if cycle is Cycle.DAY:
        return _checked(f"{hhmm} * * ?")
    if cycle is Cycle.WEEK:
        days = sorted({_form_value("weekday", w, 0, 7, WEEKDAY_NAMES) or 7 for w in weekdays})
        if not days:
            raise ConfigError(
                "a weekly schedule needs weekdays (1=Monday .. 7=Sunday, or MON..SUN)"
            )
        return _checked(f"{hhmm} ? * {','.join(map(str, days))}")
    mdays = _monthdays(monthdays)
    if cycle is Cycle.MONTH:
        if mdays == "*":
            raise ConfigError(
                "a monthly schedule needs days of the month (1-31, or L for the last day)"
            )
        return _checked(f"{hhmm} {mdays} * ?")
    chosen = sorted({_form_value("month", m, 1, 12, MONTH_NAMES) for m in months})
    if not chosen:
        raise ConfigError("a yearly schedule needs months (1-12 or JAN..DEC)")
    return _checked(f"{hhmm} {mdays} {','.join(map(str, chosen))} ?")


def _monthdays(days: Iterable[int | str]) -> str:
    values: set[int] = set()
    for d in days:
        if str(d).upper() == "L":
            values.add(LAST_DAY)
        else:
            values.add(_form_value("day of month", d, 1, 31, ()))
    if not values:
        return "*"
    return ",".join("L" if v == LAST_DAY else str(v) for v in sorted(values))


def _form_value(kind: str, value: int | str, lo: int, hi: int, names: Sequence[str]) -> int:
    token = str(value).strip().upper()
    if token[:3] in names and len(token) >= 3:
        return names.index(token[:3]) + 1
    if token.isdigit() and lo <= int(token) <= hi:
        return int(token)
    named = f" or {names[0]}..{names[-1]}" if names else ""
    extra = " (1=Monday .. 7=Sunday)" if names is WEEKDAY_NAMES else ""
    raise ConfigError(f"{kind} {value!r} is not {lo}-{hi}{named}{extra}")


def _intraday(interval: int | None, start: time | None, end: time | None, *, minutes: bool) -> str:
    unit = "minute" if minutes else "hour"
    if interval is None or interval < 1:
        raise ConfigError(f"a {unit} schedule needs an interval of at least 1 {unit}")
    start = start or time(0, 0)
    end = end or time(23, 59)
    if end < start:
        raise ConfigError(f"the window {_hhmm(start)}-{_hhmm(end)} ends before it starts")
    step = interval if minutes else interval * 60
    first, last = start.hour * 60 + start.minute, end.hour * 60 + end.minute
    wanted = [time(v // 60, v % 60) for v in range(first, last + 1, step)]
    if minutes:
        candidates = [f"00 {start.minute:02d}-59/{interval} {start.hour:02d}-{end.hour:02d} * * ?"]
    else:
        hours = f"{start.hour:02d}-{{:02d}}/{interval}"
        candidates = [
            f"00 {start.minute:02d} {hours.format(h)} * * ?" for h in (end.hour, wanted[-1].hour)
        ]
    for text in candidates:
        if list(_parse(text).times) == wanted:
            return text
    raise ConfigError(
        f"every {interval} {unit}s from {_hhmm(start)} to {_hhmm(end)} is not one DataWorks schedule",
        hint="use an interval that divides 60, a start minute below the interval and an end at :59 "
        "(e.g. every 10 minutes 08:00-17:59)",
    )


def _checked(text: str) -> str:
    _parse(text)
    return text
