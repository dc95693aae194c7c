"""Evaluate one parameter value expression, exactly by DataWorks' rules.

A value is a concatenation of pieces, evaluated left to right and joined as a string:

* ``$bizdate $cyctime $gmtdate $bizmonth $jobid $nodeid $taskid`` (system parameters; the name is the
  longest run of letters after ``$``, so ``$bizmonth01`` is ``$bizmonth`` followed by ``01``);
* ``${fmt±N}`` on the business date, day precision. N is an integer expression (``-7*2``) in the
  SMALLEST unit of the format: ``${yyyy-1}`` years, ``${yyyymm-1}`` months, ``${yyyymmdd-1}`` days.
  Month and year offsets are calendar arithmetic, so ``${yyyymm-1}`` in March is February whatever
  the day. Hour tokens and fractional (``N/24``) offsets are refused: use ``$[...]``;
* ``$[fmt±N]`` on the scheduled time, second precision. N is always in DAYS, fractions allowed:
  ``-1/24`` one hour, ``-15/24/60`` fifteen minutes, ``-1-1/24`` a day and an hour. The offset moves
  the whole timestamp and THEN the format is applied, so at 00:30 ``$[hh24-1/24]`` is ``23`` and
  ``$[yyyymmdd-1/24]`` is the day before;
* ``$[add_months(fmt,±N)]``: N calendar months (``-12*N`` for years) from the scheduled time;
* ``'text'``: a constant, without its quotes; and any other character as itself (``${yyyymm}01``,
  ``$[yyyy-mm-dd]T$[hh24]``, plain numbers such as ``123``);
* ``${bdp.system.bizdate}`` and ``${bdp.system.cyctime}``, the legacy names of the two baselines.

Spaces and ``=`` are never part of an expression.

Choices where the reference is inconsistent or UNCONFIRMED (rule-consistent behaviour wins):

* ``$[yyyy-1]``, ``$[mm-1]``, ``$[yyyymm-1]`` are offsets in DAYS, as every ``$[...]`` offset is
  (``$[yyyy-1]`` on 2025-01-01 is 2024, on 2025-07-20 it is 2025). The reference says year and month
  offsets "are not supported" in ``$[...]``; DataWorks evaluates them as days, and so do we.
* The format always decides the output: ``$[add_months(yyyymmdd,-12)]`` at 2025-07-20 10:30:00 is
  ``20240720`` (the doc prints ``2024``), ``$[add_months(yyyymmdd,-1)]`` is ``20250620`` (the doc
  prints 2025-06-20) and ``$[yyyymmddhh24miss-1]`` is ``20250719103000`` (the doc prints
  ``2025071910:30:00``).
* ``${...}`` is always the business date: at 2025-07-20 10:30:00 ``${dd}`` is ``19`` (the doc's table
  lists ``${dd}`` under the target 20, while the same table gives ``${yyyy-mm-dd}`` = 2025-07-19).
* ``add_months`` clamps to the last day of a shorter month (2025-03-31 -1 month -> 2025-02-28) and
  otherwise keeps the day, like Java's ``Calendar.add(MONTH, n)`` that DataWorks runs on. Oracle's
  extra rule (a month-end maps to the target month-end, 02-28 +1 -> 03-31) is NOT applied:
  2025-02-28 +1 month is 2025-03-28.
* ``add_months`` takes no day offset of its own (``$[add_months(yyyymmdd-1,-1)]`` is refused) and
  exists only in ``$[...]``; in ``${...}`` use the month offset ``${yyyymm-1}``.
* A trailing ``±N`` is always an offset: ``${yyyy-mm-01}`` is the month before, not day 01.
  Other digits inside a format are refused; literal text goes outside: ``${yyyy-mm}-01``.
* A ``$[...]`` offset that is not a whole number of seconds (``$[hh24-1/7]``) is rounded to the
  nearest second, as Oracle date arithmetic does.
* An unquoted word is a constant like any literal text (``abc`` gives ``abc``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from functools import lru_cache

from engine.errors import ParamError
from engine.params.context import ParamContext
from engine.params.diagnostics import ExpressionSource
from engine.params.formats import TOKEN_NAMES, Format, Unit, parse_format
from engine.params.system import LEGACY_PARAMETERS, SYSTEM_PARAMETERS

SECONDS_PER_DAY = 86_400

# An offset is one or more signed terms at the very end: -1, +7*2, -1-1/24, -15/24/60.
_OFFSET_TAIL = re.compile(r"(?:[+-][0-9]+(?:[*/][0-9]+)*)+\Z")
_TERM = re.compile(r"([+-])([0-9]+(?:[*/][0-9]+)*)")
_ADD_MONTHS = re.compile(r"add_months\((?P<fmt>[^(),]*),(?P<months>[+-]?[0-9]+(?:[*/][0-9]+)*)\)\Z")
_LETTERS = re.compile(r"[A-Za-z]+")
_SYSTEM_NAMES = " ".join(f"${name}" for name in SYSTEM_PARAMETERS)


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class SystemParameter:
    """``$bizdate`` ... or a legacy ``${bdp.system.*}``; ``name`` is the key without ``$``."""

    name: str


@dataclass(frozen=True)
class BizdateExpression:
    """``${fmt±N}``: ``offset`` counted in ``unit`` (the format's smallest unit)."""

    fmt: Format
    offset: int
    unit: Unit


@dataclass(frozen=True)
class CyctimeExpression:
    """``$[fmt±N]`` (``days``) or ``$[add_months(fmt,N)]`` (``months``)."""

    fmt: Format
    days: Fraction = Fraction(0)
    months: int = 0


Piece = Literal | SystemParameter | BizdateExpression | CyctimeExpression


def evaluate(expr: str, ctx: ParamContext) -> str:
    """The value of one parameter expression, e.g. ``evaluate("${yyyymmdd-1}", ctx)``."""
    return "".join(_evaluate_piece(piece, ctx, expr) for piece in compile_expression(expr))


def check_expression(expr: str) -> None:
    """Raise ParamError if ``expr`` is not a valid expression (no context needed)."""
    compile_expression(expr)


@lru_cache(maxsize=4096)
def compile_expression(expr: str) -> tuple[Piece, ...]:
    """Parse ``expr`` into pieces once; errors name the expression and say why."""
    whole = ExpressionSource(expr, expr)
    if not expr:
        raise whole.error("the expression is empty", hint="an empty constant is written ''")
    pieces: list[Piece] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            pieces.append(Literal("".join(literal)))
            literal.clear()

    # Checked before anything else: not even a quoted constant may hold a space or '='.
    if any(char.isspace() for char in expr):
        raise whole.error(
            "spaces are not allowed in a parameter expression",
            hint="give each part its own parameter (d=$[yyyymmdd] t=$[hh24:mi:ss]) "
            "and join them in code: '${d} ${t}'",
        )
    if "=" in expr:
        raise whole.error(
            "'=' is not allowed in a parameter expression",
            hint="assign as name=expression in the parameter list, with no spaces",
        )
    pos = 0
    while pos < len(expr):
        char = expr[pos]
        if char == "'":
            end = expr.find("'", pos + 1)
            if end < 0:
                raise whole.error("the quote is not closed", hint="a constant is written 'abc'")
            literal.append(expr[pos + 1 : end])
            pos = end + 1
        elif char == "$":
            flush()
            piece, pos = _read_dollar(expr, pos)
            pieces.append(piece)
        elif char in "{}[]":
            raise whole.error(
                f"unbalanced '{char}'",
                hint="custom parameters are written ${...} (business date) or $[...] "
                "(scheduled time)",
            )
        else:
            literal.append(char)
            pos += 1
    flush()
    return tuple(pieces)


def _read_dollar(expr: str, pos: int) -> tuple[Piece, int]:
    """The piece starting at the ``$`` at ``pos``, and the position after it."""
    whole = ExpressionSource(expr, expr)
    opener = expr[pos + 1 : pos + 2]
    if opener in ("{", "["):
        closer = "}" if opener == "{" else "]"
        end = expr.find(closer, pos + 2)
        if end < 0:
            raise whole.error(f"'${opener}' is not closed by '{closer}'")
        body = expr[pos + 2 : end]
        source = ExpressionSource(expr, expr[pos : end + 1])
        stray = next((c for c in body if c in "${}[]"), None)
        if stray is not None:
            raise source.error(f"unbalanced or nested '{stray}'")
        if opener == "{":
            return _parse_bizdate_expression(body, source), end + 1
        return _parse_cyctime_expression(body, source), end + 1
    name_match = _LETTERS.match(expr, pos + 1)
    if name_match is None:
        raise whole.error(
            f"'$' must start a system parameter, ${{...}} or $[...]; got '{expr[pos : pos + 2]}'",
            hint=f"system parameters: {_SYSTEM_NAMES}",
        )
    name = name_match.group()
    if name not in SYSTEM_PARAMETERS:
        raise whole.error(
            f"unknown system parameter '${name}'", hint=f"system parameters: {_SYSTEM_NAMES}"
        )
    return SystemParameter(name), name_match.end()


def _split_offset(body: str, source: ExpressionSource) -> tuple[str, list[tuple[str, str]]]:
    """``yyyy-mm-dd-1-1/24`` -> (``yyyy-mm-dd``, [("-", "1"), ("-", "1/24")])."""
    tail = _OFFSET_TAIL.search(body)
    if tail is None:
        return body, []
    fmt = body[: tail.start()]
    if not fmt:
        raise source.error(
            "the format is missing before the offset", hint="e.g. ${yyyymmdd-1} or $[hh24-1/24]"
        )
    if fmt[-1] in "+-":
        raise source.error(f"the offset '{body[tail.start() - 1 :]}' has two signs")
    return fmt, _TERM.findall(tail.group())


def _term_value(sign: str, term: str, source: ExpressionSource) -> Fraction:
    numbers = re.split(r"([*/])", term)
    value = Fraction(int(numbers[0]))
    for operator, operand in zip(numbers[1::2], numbers[2::2], strict=True):
        if operator == "*":
            value *= int(operand)
        elif int(operand) == 0:
            raise source.error(f"division by zero in the offset '{sign}{term}'")
        else:
            value /= int(operand)
    return -value if sign == "-" else value


def _parse_bizdate_expression(body: str, source: ExpressionSource) -> Piece:
    if body in LEGACY_PARAMETERS:
        return SystemParameter(body)
    if not body:
        raise source.error(
            "the expression is empty", hint=f"e.g. ${{yyyymmdd}}; format tokens: {TOKEN_NAMES}"
        )
    if body in SYSTEM_PARAMETERS:
        raise source.error(f"'{body}' is not a format", hint=f"the system parameter is ${body}")
    if body.startswith("add_months"):
        raise source.error(
            "add_months is only available in $[...]",
            hint="${yyyymm-1} is the month before the business date; "
            "$[add_months(yyyymmdd,-1)] is a month before the scheduled time",
        )
    fmt_text, terms = _split_offset(body, source)
    if any("/" in term for _, term in terms):
        raise source.error(
            "hour offsets are not allowed in ${...}; use $[...]",
            hint="${...} has day precision; e.g. $[yyyymmddhh24miss-1/24] is one hour earlier",
        )
    fmt = parse_format(fmt_text, source, with_time=False)
    offset = sum((_term_value(sign, term, source) for sign, term in terms), Fraction(0))
    return BizdateExpression(fmt, int(offset), fmt.smallest_unit)


def _parse_cyctime_expression(body: str, source: ExpressionSource) -> Piece:
    if not body:
        raise source.error(
            "the expression is empty", hint=f"e.g. $[hh24:mi:ss]; format tokens: {TOKEN_NAMES}"
        )
    if body.startswith("add_months"):
        match = _ADD_MONTHS.match(body)
        if match is None:
            raise source.error(
                "expected add_months(<format>,<months>)",
                hint="e.g. $[add_months(yyyymmdd,-1)] or $[add_months(yyyy-mm-dd,-12*2)]",
            )
        fmt_text = match.group("fmt")
        if _OFFSET_TAIL.search(fmt_text):
            raise source.error(
                "the format inside add_months(...) cannot carry an offset",
                hint="add_months only moves by months; use one or the other",
            )
        months_text = match.group("months")
        sign = "-" if months_text.startswith("-") else "+"
        months = _term_value(sign, months_text.lstrip("+-"), source)
        if months.denominator != 1:
            raise source.error(f"add_months needs a whole number of months, not '{months_text}'")
        fmt = parse_format(fmt_text, source, with_time=True)
        return CyctimeExpression(fmt, months=int(months))
    fmt_text, terms = _split_offset(body, source)
    fmt = parse_format(fmt_text, source, with_time=True)
    days = sum((_term_value(sign, term, source) for sign, term in terms), Fraction(0))
    return CyctimeExpression(fmt, days=days)


def _evaluate_piece(piece: Piece, ctx: ParamContext, expr: str) -> str:
    if isinstance(piece, Literal):
        return piece.text
    if isinstance(piece, SystemParameter):
        resolve = SYSTEM_PARAMETERS.get(piece.name) or LEGACY_PARAMETERS[piece.name]
        return resolve(ctx)
    try:
        if isinstance(piece, BizdateExpression):
            day = shift_date(ctx.bizdate, piece.offset, piece.unit)
            return piece.fmt.render(datetime(day.year, day.month, day.day))
        moment = add_months(ctx.cyctime, piece.months)
        return piece.fmt.render(moment + timedelta(seconds=_round_seconds(piece.days)))
    except (OverflowError, ValueError):
        raise ParamError(
            f"parameter expression '{expr}' gives a date outside the years 1-9999"
        ) from None


def shift_date(day: date, offset: int, unit: Unit) -> date:
    """The business date moved by ``offset`` of ``unit`` (year, month or day)."""
    if unit is Unit.YEAR:
        return _with_clamped_day(day.year + offset, day.month, day.day)
    if unit is Unit.MONTH:
        moved = add_months(datetime(day.year, day.month, day.day), offset)
        return moved.date()
    return day + timedelta(days=offset)


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months later (or earlier), clamping the day to the target month's last day."""
    if months == 0:
        return moment
    year, month_index = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    day = _with_clamped_day(year, month_index + 1, moment.day)
    return moment.replace(year=day.year, month=day.month, day=day.day)


def _with_clamped_day(year: int, month: int, day: int) -> date:
    if not 1 <= year <= 9999:
        raise ValueError(f"year {year} is out of range")
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _round_seconds(days: Fraction) -> int:
    """Days as whole seconds, half away from zero (Oracle rounds DATE arithmetic to seconds)."""
    seconds = abs(days) * SECONDS_PER_DAY
    whole = int(seconds + Fraction(1, 2))
    return -whole if days < 0 else whole
