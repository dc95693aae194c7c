"""Date and time functions with MaxCompute semantics (format tokens, units, time zone)."""

from __future__ import annotations

from sqlglot import exp

from engine.errors import SqlError
from engine.sql.functions.core import (
    TranslateContext,
    arity,
    by_class,
    by_name,
    call,
    cast,
    const_string,
    is_string_literal,
    lit,
    refuse,
)

# ODPS datepart spellings -> DuckDB date_part / date_trunc / date_diff unit.
UNITS: dict[str, str] = {
    "yyyy": "year",
    "year": "year",
    "q": "quarter",
    "quarter": "quarter",
    "mm": "month",
    "mon": "month",
    "month": "month",
    "week": "week",
    "dd": "day",
    "day": "day",
    "hh": "hour",
    "hour": "hour",
    "mi": "minute",
    "ss": "second",
    "ff3": "millisecond",
    "ff6": "microsecond",
}

# DATEADD interval builders (DuckDB to_* functions).
_INTERVALS: dict[str, tuple[str, int]] = {
    "year": ("to_months", 12),
    "quarter": ("to_months", 3),
    "month": ("to_months", 1),
    "week": ("to_days", 7),
    "day": ("to_days", 1),
    "hour": ("to_hours", 1),
    "minute": ("to_minutes", 1),
    "second": ("to_seconds", 1),
    "millisecond": ("to_milliseconds", 1),
    "microsecond": ("to_microseconds", 1),
}


def unit(name: str, arg: exp.Expr, allowed: frozenset[str] | None = None) -> str:
    part = const_string(name, arg, "the datepart").strip().lower()
    duck = UNITS.get(part)
    if duck is None or (allowed is not None and duck not in allowed):
        raise SqlError(f"function {name}: unsupported datepart '{part}'")
    return duck


def ts(arg: exp.Expr) -> exp.Expr:
    """A temporal argument as a DuckDB TIMESTAMP (strings in 'yyyy-mm-dd[ hh:mi:ss]' convert)."""
    if isinstance(arg, exp.Cast) and arg.to.this in (
        exp.DataType.Type.TIMESTAMP,
        exp.DataType.Type.TIMESTAMP_MS,
    ):
        return arg
    return cast(arg, "TIMESTAMP")


def same_type(result: exp.Expr, arg: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """Keep the input's type (DATE stays DATE, TIMESTAMP_NS stays TIMESTAMP_NS)."""
    if is_string_literal(arg) or not ctx.odps2:
        return result
    return call("cast_to_type", result, arg.copy())


def temporal(arg: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """The argument of a type-preserving date function (DATEADD, DATETRUNC)."""
    if is_string_literal(arg) or not ctx.odps2:
        # 1.0 edition: STRING 'yyyy-mm-dd hh:mi:ss' converts implicitly to DATETIME.
        return ts(arg)
    return arg


# ---------------------------------------------------------------------------------------------
# format strings
# ---------------------------------------------------------------------------------------------

_ODPS_TOKENS: tuple[tuple[str, str, int], ...] = (
    ("yyyy", "%Y", 4),
    ("ff3", "%g", 3),
    ("mm", "%m", 2),
    ("dd", "%d", 2),
    ("hh", "%H", 2),
    ("mi", "%M", 2),
    ("ss", "%S", 2),
)


def odps_format(fmt: str) -> tuple[str, int, int]:
    """ODPS classic format (yyyy mm dd hh mi ss ff3, case-insensitive) -> (strftime format, fixed
    width of a matching value, number of yyyy tokens)."""
    out: list[str] = []
    width = 0
    years = 0
    i = 0
    lower = fmt.lower()
    while i < len(fmt):
        for token, directive, size in _ODPS_TOKENS:
            if lower.startswith(token, i):
                out.append(directive)
                width += size
                years += token == "yyyy"
                i += len(token)
                break
        else:
            out.append("%%" if fmt[i] == "%" else fmt[i])
            width += 1
            i += 1
    return "".join(out), width, years


def java_format(name: str, fmt: str, ctx: TranslateContext) -> str:
    """Java/Hive-style DATE_FORMAT pattern -> strftime format (refuses what it cannot map)."""
    mapping = {
        "yyyy": "%Y",
        "yy": "%y",
        "MM": "%m",
        "dd": "%d",
        "HH": "%H",
        "hh": "%I" if ctx.hive_compatible else "%H",
        "mm": "%M",
        "mi": "%M",
        "ss": "%S",
        "SSS": "%g",
    }
    out: list[str] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if fmt.startswith("mi", i):
            out.append("%M")
            i += 2
            continue
        if ch.isalpha():
            j = i
            while j < len(fmt) and fmt[j] == ch:
                j += 1
            token = fmt[i:j]
            directive = mapping.get(token)
            if directive is None:
                raise refuse(name, f"format token '{token}' is not supported locally")
            out.append(directive)
            i = j
            continue
        if ch == "'":
            raise refuse(name, "quoted literals in the format are not supported locally")
        out.append("%%" if ch == "%" else ch)
        i += 1
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# functions
# ---------------------------------------------------------------------------------------------


@by_name("DATEADD")
def _dateadd(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("DATEADD", args, 3)
    part = unit("DATEADD", args[2])
    fn, factor = _INTERVALS[part]
    delta: exp.Expr = cast(args[1], "BIGINT")
    if factor != 1:
        delta = exp.Mul(this=delta, expression=lit(factor))
    if fn != "to_seconds":
        delta = cast(delta, "INTEGER") if fn in ("to_months", "to_days") else delta
    value = temporal(args[0], ctx)
    return same_type(exp.Add(this=value, expression=call(fn, delta)), args[0], ctx)


@by_name("DATEDIFF")
def _datediff(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("DATEDIFF", args, 2, 3)
    part = unit("DATEDIFF", args[2]) if len(args) == 3 else "day"
    return call("date_diff", lit(part), ts(args[1]), ts(args[0]))


@by_name("DATETRUNC")
def _datetrunc(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("DATETRUNC", args, 2)
    part = unit("DATETRUNC", args[1])
    value = temporal(args[0], ctx)
    return same_type(call("date_trunc", lit(part), value), args[0], ctx)


@by_name("DATEPART")
def _datepart(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("DATEPART", args, 2)
    part = unit(
        "DATEPART",
        args[1],
        frozenset({"year", "quarter", "month", "day", "hour", "minute", "second", "millisecond"}),
    )
    value: exp.Expr = call("date_part", lit(part), ts(args[0]))
    if part == "millisecond":
        value = exp.Mod(this=value, expression=lit(1000))
    return cast(value, "BIGINT")


def _simple_part(part: str, offset: int = 0, fn: str = "date_part") -> object:
    def translate(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
        arity(str(node.this).upper(), args, 1)
        value: exp.Expr = (
            call(fn, lit(part), ts(args[0])) if fn == "date_part" else call(fn, ts(args[0]))
        )
        if offset:
            value = exp.Add(this=value, expression=lit(offset))
        return cast(value, "BIGINT")

    return translate


for _name, _part in (
    ("YEAR", "year"),
    ("QUARTER", "quarter"),
    ("MONTH", "month"),
    ("DAY", "day"),
    ("DAYOFMONTH", "day"),
    ("HOUR", "hour"),
    ("MINUTE", "minute"),
    ("SECOND", "second"),
    ("DAYOFYEAR", "doy"),
    ("WEEKOFYEAR", "week"),
):
    by_name(_name)(_simple_part(_part))  # type: ignore[arg-type]
by_name("WEEKDAY")(_simple_part("isodow", -1))  # type: ignore[arg-type]
by_name("DAYOFWEEK")(_simple_part("dow", 1))  # type: ignore[arg-type]


@by_name("TO_CHAR")
def _to_char(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("TO_CHAR", args, 1, 2)
    if len(args) == 1:
        return cast(args[0], "VARCHAR")
    fmt, _, _ = odps_format(const_string("TO_CHAR", args[1], "the format"))
    return call("strftime", ts(args[0]), lit(fmt))


def _parse_with_format(name: str, value: exp.Expr, fmt_arg: exp.Expr) -> exp.Expr:
    fmt, width, years = odps_format(const_string(name, fmt_arg, "the format"))
    if years != 1:
        return exp.Null()
    text = cast(value, "VARCHAR")
    parsed = call("try_strptime", text, lit(fmt))
    # ODPS fields are fixed width: '2025112' does not match 'yyyymmdd'.
    fits = exp.EQ(this=call("length", text.copy()), expression=lit(width))
    return exp.Case(ifs=[exp.If(this=fits, true=parsed)])


@by_name("TO_DATE")
def _to_date(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("TO_DATE", args, 1, 2)
    if len(args) == 1:
        return exp.TryCast(this=args[0], to=exp.DataType.build("DATE"))
    return _parse_with_format("TO_DATE", args[0], args[1])


@by_name("ISDATE")
def _isdate(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("ISDATE", args, 2)
    parsed = _parse_with_format("ISDATE", args[0], args[1])
    return exp.Not(this=exp.Is(this=parsed, expression=exp.Null()))


def _now(ctx: TranslateContext) -> exp.Expr:
    return call("timezone", lit(ctx.timezone), call("now"))


@by_name("GETDATE", "NOW")
def _getdate(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("GETDATE", args, 0)
    return call("date_trunc", lit("millisecond"), _now(ctx))


@by_name("CURRENT_TIMESTAMP")
def _current_timestamp_fn(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("CURRENT_TIMESTAMP", args, 0)
    return _now(ctx)


@by_class(exp.CurrentTimestamp)
def _current_timestamp(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    return _now(ctx)


@by_class(exp.CurrentDate)
def _current_date(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    return cast(_now(ctx), "DATE")


@by_name("LASTDAY")
def _lastday(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("LASTDAY", args, 1)
    return cast(call("last_day", ts(args[0])), "TIMESTAMP")


@by_name("LAST_DAY")
def _last_day(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("LAST_DAY", args, 1, 2)
    if len(args) == 1:
        return call("strftime", call("last_day", ts(args[0])), lit("%Y-%m-%d"))
    part = unit("LAST_DAY", args[1], frozenset({"year", "quarter", "month"}))
    start = call("date_trunc", lit(part), ts(args[0]))
    months = {"year": 12, "quarter": 3, "month": 1}[part]
    end = exp.Sub(
        this=exp.Add(this=start, expression=call("to_months", lit(months))),
        expression=call("to_days", lit(1)),
    )
    return cast(end, "DATE")


@by_name("UNIX_TIMESTAMP")
def _unix_timestamp(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("UNIX_TIMESTAMP", args, 0, 1)
    if not args:
        return cast(call("floor", call("epoch", call("now"))), "BIGINT")
    zoned = call("timezone", lit(ctx.timezone), ts(args[0]))
    return cast(call("floor", call("epoch", zoned)), "BIGINT")


@by_name("FROM_UNIXTIME")
def _from_unixtime(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("FROM_UNIXTIME", args, 1, 2)
    value = call("timezone", lit(ctx.timezone), call("to_timestamp", cast(args[0], "BIGINT")))
    if len(args) == 1:
        return value
    fmt = java_format("FROM_UNIXTIME", const_string("FROM_UNIXTIME", args[1], "the format"), ctx)
    return call("strftime", value, lit(fmt))


@by_name("TO_MILLIS")
def _to_millis(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("TO_MILLIS", args, 1)
    return call("epoch_ms", call("timezone", lit(ctx.timezone), ts(args[0])))


@by_name("DATE_FORMAT")
def _date_format(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("DATE_FORMAT", args, 2)
    fmt = java_format("DATE_FORMAT", const_string("DATE_FORMAT", args[1], "the format"), ctx)
    return call("strftime", ts(args[0]), lit(fmt))


@by_name("ADD_MONTHS")
def _add_months(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("ADD_MONTHS", args, 2)
    moved = exp.Add(this=ts(args[0]), expression=call("to_months", cast(args[1], "INTEGER")))
    return call("strftime", moved, lit("%Y-%m-%d"))


@by_name("DATE_ADD", "DATE_SUB")
def _date_add(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    name = str(node.this).upper()
    arity(name, args, 2)
    delta: exp.Expr = cast(args[1], "INTEGER")
    if name == "DATE_SUB":
        delta = exp.Neg(this=delta)
    day = cast(args[0], "DATE")
    return cast(exp.Add(this=day, expression=call("to_days", delta)), "DATE")


@by_name("MONTHS_BETWEEN")
def _months_between(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("MONTHS_BETWEEN", args, 2)
    return call("odps_months_between", ts(args[0]), ts(args[1]))
