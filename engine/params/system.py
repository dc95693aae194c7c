"""Built-in system parameters (``$bizdate`` ...) and the legacy ``${bdp.system.*}`` names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from engine.params.context import ParamContext


# f-strings, not strftime: %Y does not zero-pad years before 1000 on every platform.
def _yyyymmdd(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _cyctime(ctx: ParamContext) -> str:
    moment = ctx.cyctime
    return f"{_yyyymmdd(moment.date())}{moment.hour:02d}{moment.minute:02d}{moment.second:02d}"


def _bizmonth(ctx: ParamContext) -> str:
    year, month = ctx.bizmonth
    return f"{year:04d}{month:02d}"


SYSTEM_PARAMETERS: dict[str, Callable[[ParamContext], str]] = {
    "bizdate": lambda ctx: _yyyymmdd(ctx.bizdate),
    "cyctime": _cyctime,
    "gmtdate": lambda ctx: _yyyymmdd(ctx.gmtdate),
    "bizmonth": _bizmonth,
    "jobid": lambda ctx: ctx.jobid,
    "nodeid": lambda ctx: ctx.nodeid,
    "taskid": lambda ctx: ctx.taskid,
}

# Referenced in code as ${bdp.system.bizdate} without being declared (old DataWorks nodes).
LEGACY_PARAMETERS: dict[str, Callable[[ParamContext], str]] = {
    "bdp.system.bizdate": SYSTEM_PARAMETERS["bizdate"],
    "bdp.system.cyctime": SYSTEM_PARAMETERS["cyctime"],
}
