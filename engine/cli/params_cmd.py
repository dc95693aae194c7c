"""``maxworks params``: see what a scheduling parameter gives for an instance.

Imports only :mod:`engine.params` (pure standard library), so it answers instantly; no workspace is
needed because parameter values depend on the instance's times alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from typing import TypeVar

import click

from engine.errors import ParamError
from engine.params import (
    ParamContext,
    evaluate,
    parse_assignments,
    parse_bizdate,
    parse_cyctime,
    resolve_assignments,
)

_T = TypeVar("_T")
_TIME_OF_DAY = re.compile(r"(\d{2}):?(\d{2}):?(\d{2})")


def _option_value(option: str, parse: Callable[[str], _T], text: str) -> _T:
    """Parse an option's text; a bad value is a usage error naming the option."""
    try:
        return parse(text)
    except ParamError as err:
        raise click.BadParameter(err.message, param_hint=f"'{option}'") from None


def _parse_time_of_day(text: str) -> time:
    match = _TIME_OF_DAY.fullmatch(text)
    try:
        if match is None:
            raise ValueError("expected HH:MI:SS, e.g. 02:30:00")
        hour, minute, second = (int(part) for part in match.groups())
        return time(hour, minute, second)
    except ValueError as err:
        raise ParamError(f"invalid time of day '{text}': {err}") from None


@click.group()
def params() -> None:
    """Scheduling parameters ($bizdate, ${yyyymmdd-1}, $[hh24-1/24], ...)."""


@params.command(name="eval")
@click.argument("exprs", metavar="EXPR...", nargs=-1, required=True)
@click.option(
    "--cyctime",
    metavar="YYYYMMDDHHMISS",
    help="Scheduled time of the instance; its business date is the day before.",
)
@click.option(
    "--bizdate",
    metavar="YYYYMMDD",
    help="Business date of a daily node (scheduled at 00:00:00 the next day, see --time).",
)
@click.option(
    "--backfill",
    is_flag=True,
    help="--bizdate is the business date selected in a data backfill.",
)
@click.option(
    "--time",
    "time_of_day",
    metavar="HH:MI:SS",
    default=None,
    help="With --bizdate: the node's time of day (default 00:00:00).",
)
@click.option("--jobid", default="", help="Value of $jobid (the workflow id).")
@click.option("--nodeid", default="", help="Value of $nodeid.")
@click.option("--taskid", default="", help="Value of $taskid (the instance id).")
def eval_command(
    exprs: tuple[str, ...],
    cyctime: str | None,
    bizdate: str | None,
    backfill: bool,
    time_of_day: str | None,
    jobid: str,
    nodeid: str,
    taskid: str,
) -> None:
    """Print the value of each EXPR, one per line; for NAME=EXPR print NAME=VALUE.

    \b
    Examples:
      maxworks params eval '$bizdate' '${yyyymm}01' --bizdate 20251031
      maxworks params eval 'today=$[yyyymmddhh24miss]' --bizdate 20250315 --backfill
      maxworks params eval '$[hh24-1/24]' --cyctime 20251101003000
    Quote expressions so the shell leaves $ alone.
    """
    if (cyctime is None) == (bizdate is None):
        raise click.UsageError("give exactly one of --cyctime and --bizdate")
    ids = {"jobid": jobid, "nodeid": nodeid, "taskid": taskid}
    if cyctime is not None:
        if backfill:
            raise click.UsageError(
                "--backfill selects a business date: use it with --bizdate, not --cyctime"
            )
        if time_of_day is not None:
            raise click.UsageError("--time goes with --bizdate; --cyctime already has a time")
        scheduled = _option_value("--cyctime", parse_cyctime, cyctime)
        context = ParamContext.for_cyctime(scheduled, **ids)
    else:
        assert bizdate is not None
        business_date = _option_value("--bizdate", parse_bizdate, bizdate)
        node_time = (
            _option_value("--time", _parse_time_of_day, time_of_day)
            if time_of_day is not None
            else time(0, 0, 0)
        )
        context = ParamContext.for_bizdate(
            business_date, backfill=backfill, time_of_day=node_time, **ids
        )
    lines: list[str] = []
    for expr in exprs:
        if "=" in expr:
            values = resolve_assignments(parse_assignments(expr), context)
            lines.extend(f"{name}={value}" for name, value in values.items())
        else:
            lines.append(evaluate(expr, context))
    # Print only once everything evaluated: a bad EXPR must not leave half an answer behind.
    for line in lines:
        click.echo(line)
