"""String, regex and JSON functions with MaxCompute semantics."""

from __future__ import annotations

from sqlglot import exp

from engine.errors import SqlError
from engine.sql.functions.core import (
    IDENTICAL,
    TranslateContext,
    arity,
    by_class,
    by_name,
    call,
    cast,
    const_int,
    is_string_literal,
    lit,
    refuse,
)

# DuckDB computes the same value for these (checked in tests/unit/test_functions*.py).
IDENTICAL.update(
    {
        exp.Lower,
        exp.Upper,
        exp.Length,
        exp.Trim,
        exp.Replace,
        exp.Repeat,
        exp.Ascii,
        exp.Chr,
        exp.Pad,
        exp.MD5,
        exp.RegexpLike,
        exp.Reverse,
    }
)


@by_name("TOLOWER")
def _tolower(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("TOLOWER", args, 1)
    return exp.Lower(this=args[0])


@by_name("TOUPPER")
def _toupper(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("TOUPPER", args, 1)
    return exp.Upper(this=args[0])


@by_name("LENGTHB")
def _lengthb(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("LENGTHB", args, 1)
    return call("strlen", cast(args[0], "VARCHAR"))


@by_class(exp.Concat)
def _concat(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """CONCAT: NULL if any argument is NULL (strings); arrays concatenate."""
    args = list(node.expressions)
    if not args:
        return exp.Null()
    out: exp.Expr = args[0]
    for arg in args[1:]:
        out = exp.DPipe(this=out, expression=arg, safe=False)
    return out if len(args) > 1 else exp.DPipe(this=out, expression=lit(""))


@by_name("CONCAT_WS")
def _concat_ws(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """CONCAT_WS: NULL if any argument is NULL (Hive-compatible edition: NULLs are skipped);
    ``CONCAT_WS(sep, array)`` joins the array."""
    if len(args) < 2:
        raise SqlError("function CONCAT_WS takes a separator and at least one value")
    sep, values = args[0], args[1:]
    if len(values) == 1 and not is_string_literal(values[0]):
        return call("array_to_string", values[0], sep)
    strings = [cast(v, "VARCHAR") for v in values]
    if ctx.hive_compatible:
        return call("concat_ws", sep, *strings)
    out: exp.Expr = strings[0]
    for value in strings[1:]:
        out = exp.DPipe(
            this=exp.DPipe(this=out, expression=sep.copy(), safe=False),
            expression=value,
            safe=False,
        )
    return out


@by_class(exp.Substring)
def _substring(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """SUBSTR/SUBSTRING: start 0 -> '' (Hive edition: from the first character); a negative
    start counts from the end ('' when beyond the start); length <= 0 -> ''."""
    this = node.this
    start = node.args.get("start")
    length = node.args.get("length")
    if start is None:
        raise SqlError("function SUBSTR needs a start position")
    hive = lit(1 if ctx.hive_compatible else 0)
    if length is None:
        return call("odps_substr", cast(this, "VARCHAR"), start, hive)
    return call("odps_substr_len", cast(this, "VARCHAR"), start, length, hive)


@by_name("SUBSTRING_INDEX")
def _substring_index(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("SUBSTRING_INDEX", args, 3)
    return call("odps_substring_index", *args)


@by_name("SPLIT")
def _split(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("SPLIT", args, 2)
    return call("odps_split", *args)


@by_name("SPLIT_PART")
def _split_part(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("SPLIT_PART", args, 3, 4)
    for arg in args[2:]:
        if const_int("SPLIT_PART", arg, "the start/end position") <= 0:
            raise SqlError("function SPLIT_PART: start and end must be constants greater than 0")
    if len(args) == 3:
        return call("odps_split_part", *args)
    return call("odps_split_part_range", *args)


@by_name("INSTR")
def _instr(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("INSTR", args, 2, 4)
    if len(args) == 2:
        return call("strpos", *args)
    start = args[2]
    nth = args[3] if len(args) == 4 else lit(1)
    if isinstance(nth, exp.Literal) and const_int("INSTR", nth, "nth") <= 0:
        raise SqlError("function INSTR: nth_appearance must be greater than 0")
    return call("odps_instr", args[0], args[1], start, nth)


@by_name("LOCATE")
def _locate(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("LOCATE", args, 2, 3)
    if len(args) == 2:
        return call("strpos", args[1], args[0])
    return call("odps_instr", args[1], args[0], args[2], lit(1))


@by_name("KEYVALUE")
def _keyvalue(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    if len(args) == 2:
        return call("odps_keyvalue", args[0], lit(";"), lit(":"), args[1])
    arity("KEYVALUE", args, 4)
    return call("odps_keyvalue", *args)


@by_name("GET_JSON_OBJECT")
def _get_json_object(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("GET_JSON_OBJECT", args, 2)
    return call("odps_get_json_object", *args)


@by_name("REGEXP_EXTRACT")
def _regexp_extract(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("REGEXP_EXTRACT", args, 2, 3)
    group = const_int("REGEXP_EXTRACT", args[2], "the group index") if len(args) == 3 else 1
    if group < 0:
        raise SqlError("function REGEXP_EXTRACT: the group index must be >= 0")
    return call("odps_regexp_extract", args[0], args[1], lit(group))


@by_name("REGEXP_REPLACE")
def _regexp_replace(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("REGEXP_REPLACE", args, 3, 4)
    occurrence = const_int("REGEXP_REPLACE", args[3], "the occurrence") if len(args) == 4 else 0
    if occurrence == 0:
        return call("regexp_replace", args[0], args[1], args[2], lit("g"))
    if occurrence == 1:
        return call("regexp_replace", args[0], args[1], args[2])
    raise refuse("REGEXP_REPLACE", "replacing only the n-th (n > 1) occurrence is not implemented")


@by_name("REGEXP_SUBSTR")
def _regexp_substr(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("REGEXP_SUBSTR", args, 2, 4)
    start = args[2] if len(args) > 2 else lit(1)
    occurrence = args[3] if len(args) > 3 else lit(1)
    return call("odps_regexp_substr", args[0], args[1], start, occurrence)


@by_name("REGEXP_COUNT")
def _regexp_count(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("REGEXP_COUNT", args, 2, 3)
    start = args[2] if len(args) > 2 else lit(1)
    return call("odps_regexp_count", args[0], args[1], start)


@by_name("SHA", "SHA1")
def _sha1(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("SHA1", args, 1)
    return call("sha1", args[0])


@by_name("SHA2")
def _sha2(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("SHA2", args, 2)
    bits = const_int("SHA2", args[1], "the bit length")
    if bits in (0, 256):
        return call("sha256", args[0])
    raise refuse("SHA2", f"only 256-bit digests are available locally (asked for {bits})")
