"""The two time baselines of one instance: business date and scheduled time.

Both are fixed when the instance is generated (never when it starts), so a ``ParamContext`` is a
frozen value. ``cyctime`` is naive and in the workspace time zone.

Choices where the reference leaves room:

* ``$gmtdate`` ("current date") is the date of the scheduled time in a normal run (the worked
  example: 2025-11-01 00:00 gives 20251101), and the selected business date + 1 in a backfill, as
  documented. It never reads the wall clock, so a rerun replays the same value.
* ``$bizmonth`` compares the business month with the month of ``$gmtdate``: same month -> the
  month before the business date's month, otherwise the business date's month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from engine.errors import ParamError

_BIZDATE_TEXT = re.compile(r"\d{8}")
_CYCTIME_TEXT = re.compile(r"\d{14}")
_ISO_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ParamContext:
    """What parameter expressions are evaluated against (one instance of one node)."""

    bizdate: date
    cyctime: datetime
    backfill: bool = False
    jobid: str = ""
    nodeid: str = ""
    taskid: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.bizdate, datetime):  # a datetime is a date; keep day precision exact
            object.__setattr__(self, "bizdate", self.bizdate.date())
        if self.cyctime.tzinfo is not None:
            raise ParamError(
                f"the scheduled time {self.cyctime.isoformat()} must be naive",
                hint="convert it to the workspace time zone and drop tzinfo",
            )
        if self.cyctime.microsecond:
            object.__setattr__(self, "cyctime", self.cyctime.replace(microsecond=0))

    @classmethod
    def for_cyctime(
        cls, cyctime: datetime, *, jobid: str = "", nodeid: str = "", taskid: str = ""
    ) -> ParamContext:
        """A normally scheduled instance: the business date is the day before the scheduled time."""
        return cls(
            bizdate=cyctime.date() - timedelta(days=1),
            cyctime=cyctime,
            jobid=jobid,
            nodeid=nodeid,
            taskid=taskid,
        )

    @classmethod
    def for_bizdate(
        cls,
        bizdate: date,
        *,
        backfill: bool = False,
        time_of_day: time = time(0, 0, 0),
        jobid: str = "",
        nodeid: str = "",
        taskid: str = "",
    ) -> ParamContext:
        """A daily node at ``time_of_day`` whose business date is ``bizdate``.

        With ``backfill`` the date is the one selected in a data backfill: ``${...}`` gives it,
        ``$[...]`` starts from the next day at the node's time, ``$gmtdate`` is the next day.
        """
        if isinstance(bizdate, datetime):
            bizdate = bizdate.date()
        cyctime = datetime.combine(bizdate + timedelta(days=1), time_of_day.replace(tzinfo=None))
        return cls(
            bizdate=bizdate,
            cyctime=cyctime,
            backfill=backfill,
            jobid=jobid,
            nodeid=nodeid,
            taskid=taskid,
        )

    @property
    def gmtdate(self) -> date:
        if self.backfill:
            return self.bizdate + timedelta(days=1)
        return self.cyctime.date()

    @property
    def bizmonth(self) -> tuple[int, int]:
        """(year, month) of ``$bizmonth``."""
        year, month = self.bizdate.year, self.bizdate.month
        if (year, month) == (self.gmtdate.year, self.gmtdate.month):
            return (year - 1, 12) if month == 1 else (year, month - 1)
        return year, month


def parse_bizdate(text: str) -> date:
    """``YYYYMMDD`` (or ``YYYY-MM-DD``) as a date; ParamError says what is wrong."""
    if _BIZDATE_TEXT.fullmatch(text):
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError as err:
            raise ParamError(f"invalid business date '{text}': {err}") from None
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        reason = str(err) if _ISO_DATE_TEXT.fullmatch(text) else "expected YYYYMMDD, e.g. 20251031"
        raise ParamError(f"invalid business date '{text}': {reason}") from None


def parse_cyctime(text: str) -> datetime:
    """``YYYYMMDDHHMISS`` (or ISO ``YYYY-MM-DD HH:MM:SS``) as a naive datetime."""
    if _CYCTIME_TEXT.fullmatch(text):
        year, month, day = int(text[:4]), int(text[4:6]), int(text[6:8])
        hour, minute, second = int(text[8:10]), int(text[10:12]), int(text[12:])
        try:
            return datetime(year, month, day, hour, minute, second)
        except ValueError as err:
            raise ParamError(f"invalid scheduled time '{text}': {err}") from None
    try:
        if text.isdigit():  # 20251101 is more likely a business date given by mistake
            raise ValueError(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ParamError(
            f"invalid scheduled time '{text}': expected YYYYMMDDHHMISS, e.g. 20251101000000"
        ) from None
    if moment.tzinfo is not None:
        raise ParamError(f"invalid scheduled time '{text}': give it without a time zone")
    return moment
