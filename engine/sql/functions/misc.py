"""Operators, conditional, math, aggregate, window and complex-type functions."""

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
    refuse,
)

IDENTICAL.update(
    {
        # logical operators (sqlglot models them as functions)
        exp.And,
        exp.Or,
        exp.Xor,
        exp.Exists,
        # conditional
        exp.Case,
        exp.If,
        exp.Coalesce,
        exp.Nullif,
        # math
        exp.Abs,
        exp.Acos,
        exp.Asin,
        exp.Atan,
        exp.Cos,
        exp.Cosh,
        exp.Cot,
        exp.Exp,
        exp.Pow,
        exp.Sin,
        exp.Sinh,
        exp.Tan,
        exp.Tanh,
        exp.Cbrt,
        exp.Degrees,
        exp.Radians,
        exp.Sign,
        exp.Pi,
        exp.Round,
        # aggregates
        exp.Avg,
        exp.Max,
        exp.Min,
        exp.Sum,
        exp.Median,
        exp.StddevSamp,
        exp.StddevPop,
        exp.VariancePop,
        exp.Variance,
        exp.CovarPop,
        exp.CovarSamp,
        exp.Corr,
        exp.AnyValue,
        exp.ApproxDistinct,
        exp.ApproxQuantile,
        # windows
        exp.RowNumber,
        exp.Rank,
        exp.DenseRank,
        exp.PercentRank,
        exp.CumeDist,
        exp.Ntile,
        exp.Lag,
        exp.Lead,
        exp.FirstValue,
        exp.LastValue,
        exp.NthValue,
        # complex types
        exp.Array,
        exp.Explode,
        exp.Posexplode,
        exp.ArrayToString,
        exp.ArraySort,
        exp.MapKeys,
        exp.ArrayMax,
        exp.ArrayMin,
        exp.Extract,
        exp.Uuid,
    }
)


# ---------------------------------------------------------------------------------------------
# operators
# ---------------------------------------------------------------------------------------------


@by_class(exp.Div)
def _div(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """``/`` returns DOUBLE; division by zero is an error (Hive-compatible edition: NULL)."""
    assert isinstance(node, exp.Div)
    name = "odps_div_null" if ctx.hive_compatible else "odps_div"
    return call(name, node.this, node.expression)


@by_class(exp.Bracket)
def _bracket(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """``x[i]``: arrays are 0-based in MaxCompute, maps are keyed. The generator must not shift
    the index again (offset = DuckDB's INDEX_OFFSET)."""
    assert isinstance(node, exp.Bracket)
    if node.args.get("json_access") or len(node.expressions) != 1:
        raise refuse("[]", "only single-index subscripts are supported locally")
    index = node.expressions[0]
    this = node.this
    if isinstance(index, exp.Literal) and index.is_string:
        return exp.Bracket(this=this, expressions=[index], offset=1)
    return call("odps_at", this, index)


@by_class(exp.Count)
def _count(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """COUNT(DISTINCT a, b) counts the distinct tuples without a NULL member."""
    distinct = node.this
    if isinstance(distinct, exp.Distinct) and len(distinct.expressions) > 1:
        values = list(distinct.expressions)
        checks = [exp.Not(this=exp.Is(this=v.copy(), expression=exp.Null())) for v in values]
        tuple_ = exp.Case(ifs=[exp.If(this=exp.and_(*checks), true=exp.Tuple(expressions=values))])
        node.set("this", exp.Distinct(expressions=[tuple_]))
    return node


# ---------------------------------------------------------------------------------------------
# conditional
# ---------------------------------------------------------------------------------------------


@by_name("DECODE")
def _decode(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """DECODE(e, s1, r1, ..., [default]): NULL matches NULL."""
    if len(args) < 3:
        raise refuse("DECODE", "the binary DECODE(bin, charset) form is not supported locally")
    subject, rest = args[0], args[1:]
    default = rest.pop() if len(rest) % 2 else None
    ifs = [
        exp.If(
            this=exp.NullSafeEQ(this=subject.copy(), expression=rest[i]),
            true=rest[i + 1],
        )
        for i in range(0, len(rest), 2)
    ]
    return exp.Case(ifs=ifs, default=default)


def _null_if_any(args: list[exp.Expr], value: exp.Expr) -> exp.Expr:
    test = exp.or_(*[exp.Is(this=a.copy(), expression=exp.Null()) for a in args])
    return exp.Case(ifs=[exp.If(this=test, true=exp.Null())], default=value)


@by_name("GREATEST")
def _greatest(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """NULL is the smallest value: GREATEST ignores NULLs (Hive edition: any NULL -> NULL)."""
    if len(args) < 2:
        raise SqlError("function GREATEST takes at least 2 arguments")
    value = call("greatest", *args)
    return _null_if_any(args, value) if ctx.hive_compatible else value


@by_name("LEAST")
def _least(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """NULL is the smallest value, so any NULL argument makes LEAST NULL."""
    if len(args) < 2:
        raise SqlError("function LEAST takes at least 2 arguments")
    return _null_if_any(args, call("least", *args))


@by_class(exp.Nvl2)
def _nvl2(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    false = node.args.get("false")
    test = exp.Not(this=exp.Is(this=node.this, expression=exp.Null()))
    return exp.Case(ifs=[exp.If(this=test, true=node.args["true"])], default=false)


# ---------------------------------------------------------------------------------------------
# math
# ---------------------------------------------------------------------------------------------


@by_class(exp.Ln)
def _ln(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    return call("odps_ln", node.this)


@by_class(exp.Sqrt)
def _sqrt(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    return call("odps_sqrt", node.this)


@by_class(exp.Log)
def _log_class(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    base, value = node.this, node.args.get("expression")
    if value is None:
        return call("odps_ln", base)
    return call("odps_log", base, value)


@by_name("LOG")
def _log(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("LOG", args, 1, 2)
    if len(args) == 1:
        return call("odps_ln", args[0])
    return call("odps_log", args[0], args[1])


@by_class(exp.Floor, exp.Ceil)
def _floor_ceil(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """FLOOR/CEIL return BIGINT in MaxCompute (DuckDB keeps DOUBLE/DECIMAL)."""
    if node.args.get("decimals") is not None:
        raise refuse(type(node).__name__.upper(), "the decimals argument is not a MaxCompute form")
    name = "floor" if isinstance(node, exp.Floor) else "ceil"
    return cast(call(name, node.this), "BIGINT")


@by_name("TRUNC")
def _trunc(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("TRUNC", args, 1, 2)
    if len(args) == 2 and isinstance(args[1], exp.Literal) and args[1].is_string:
        raise refuse("TRUNC", "TRUNC(date, format) is not supported locally; use DATETRUNC")
    if len(args) == 1:
        return call("trunc", args[0])
    return call("odps_trunc", args[0], args[1])


@by_class(exp.Rand)
def _rand(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    if node.this is not None:
        raise refuse("RAND", "a seeded RAND cannot reproduce MaxCompute's sequence")
    return call("random")


# ---------------------------------------------------------------------------------------------
# aggregates
# ---------------------------------------------------------------------------------------------


def _under_window(node: exp.Expr) -> bool:
    parent = node.parent
    while isinstance(parent, exp.Filter | exp.IgnoreNulls | exp.RespectNulls):
        parent = parent.parent
    return isinstance(parent, exp.Window)


def _not_null(value: exp.Expr) -> exp.Where:
    return exp.Where(this=exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())))


def _list_agg(name: str, value: exp.Expr, node: exp.Expr, distinct: bool) -> exp.Expr:
    arg: exp.Expr = exp.Distinct(expressions=[value]) if distinct else value
    agg: exp.Expr = exp.Filter(this=call("list", arg), expression=_not_null(value))
    if _under_window(node):
        return agg
    # An all-NULL (or empty) group gives an empty array, not NULL.
    return exp.Coalesce(this=agg, expressions=[exp.Array(expressions=[])])


@by_name("COLLECT_LIST")
def _collect_list(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("COLLECT_LIST", args, 1)
    value, distinct = args[0], False
    if isinstance(value, exp.Distinct):
        value, distinct = value.expressions[0], True
    return _list_agg("COLLECT_LIST", value, node, distinct)


@by_name("COLLECT_SET")
def _collect_set(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("COLLECT_SET", args, 1)
    value = args[0].expressions[0] if isinstance(args[0], exp.Distinct) else args[0]
    return _list_agg("COLLECT_SET", value, node, True)


@by_name("WM_CONCAT")
def _wm_concat(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """WM_CONCAT([DISTINCT] sep, value): NULL values skipped, NULL for no value."""
    distinct = False
    if len(args) == 1 and isinstance(args[0], exp.Distinct):
        args, distinct = list(args[0].expressions), True
    arity("WM_CONCAT", args, 2)
    sep, value = args
    text: exp.Expr = value
    if distinct:
        text = exp.Distinct(expressions=[text])
    return exp.GroupConcat(this=text, separator=sep)


@by_class(exp.WithinGroup)
def _within_group(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    inner, order = node.this, node.expression
    if isinstance(inner, exp.GroupConcat) and isinstance(order, exp.Order):
        order.set("this", inner.this)
        inner.set("this", order)
        return inner
    raise refuse("WITHIN GROUP", "only WM_CONCAT(...) WITHIN GROUP (ORDER BY ...) is supported")


@by_name("COUNT_IF")
def _count_if(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("COUNT_IF", args, 1)
    return call("count_if", args[0])


@by_name("ARG_MAX", "ARG_MIN")
def _arg_max(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """ARG_MAX(value_to_maximize, value_to_return): DuckDB's arg_max takes them reversed."""
    name = str(node.this).lower()
    arity(name.upper(), args, 2)
    return call(name, args[1], args[0])


@by_name("MAX_BY", "MIN_BY")
def _max_by(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    name = str(node.this).lower()
    arity(name.upper(), args, 2)
    return call(name, args[0], args[1])


@by_name("STDDEV")
def _stddev(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """STDDEV is the population standard deviation in MaxCompute."""
    arity("STDDEV", args, 1)
    return call("stddev_pop", args[0])


@by_name("VARIANCE")
def _variance(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """VARIANCE is the population variance in MaxCompute."""
    arity("VARIANCE", args, 1)
    return call("var_pop", args[0])


@by_name("PERCENTILE")
def _percentile(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """PERCENTILE(col, p) interpolates (DuckDB's QUANTILE is discrete)."""
    arity("PERCENTILE", args, 2)
    return call("quantile_cont", args[0], args[1])


# ---------------------------------------------------------------------------------------------
# complex types
# ---------------------------------------------------------------------------------------------


@by_name("SIZE")
def _size(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("SIZE", args, 1)
    return call("odps_size", args[0])


@by_name("ARRAY_CONTAINS")
def _array_contains(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    arity("ARRAY_CONTAINS", args, 2)
    return call("list_contains", *args)


@by_name("MAP")
def _map(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    if len(args) % 2:
        raise SqlError("function MAP takes key, value pairs")
    keys = exp.Array(expressions=args[0::2])
    values = exp.Array(expressions=args[1::2])
    return call("map", keys, values)


@by_class(exp.VarMap)
def _var_map(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    return call("map", node.args["keys"], node.args["values"])


@by_name("STRUCT")
def _struct(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """STRUCT(v1, v2, ...) has fields col1, col2, ..."""
    fields = [
        exp.PropertyEQ(this=exp.to_identifier(f"col{i + 1}"), expression=arg)
        for i, arg in enumerate(args)
    ]
    return exp.Struct(expressions=fields)


@by_class(exp.Struct)
def _named_struct(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    if all(isinstance(e, exp.PropertyEQ) for e in node.expressions):
        return node
    raise refuse("STRUCT", "only named fields are supported locally")


# ---------------------------------------------------------------------------------------------
# TRANS_ARRAY (UDTF)
# ---------------------------------------------------------------------------------------------


@by_name("TRANS_ARRAY")
def _trans_array(args: list[exp.Expr], node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    if not isinstance(node.parent, exp.Aliases):
        raise SqlError("TRANS_ARRAY must be followed by AS (col, ...)")
    return node


@by_class(exp.Aliases)
def _aliases(node: exp.Expr, ctx: TranslateContext) -> exp.Expr:
    """``SELECT TRANS_ARRAY(n, sep, k1..kn, c1..cm) AS (a, b, ...)``: one row per array element,
    key columns repeated, shorter arrays padded with NULL (DuckDB zips unnests the same way)."""
    udtf = node.this
    if not (isinstance(udtf, exp.Anonymous) and str(udtf.this).upper() == "TRANS_ARRAY"):
        raise refuse("AS (...)", "multi-column aliases are only supported for TRANS_ARRAY")
    select = node.parent
    if not isinstance(select, exp.Select) or len(select.expressions) != 1:
        raise SqlError("TRANS_ARRAY must be the only expression of its SELECT")
    args = list(udtf.expressions)
    if len(args) < 3:
        raise SqlError("TRANS_ARRAY takes num_keys, separator, keys and columns")
    nkeys = const_int("TRANS_ARRAY", args[0], "num_keys")
    sep = args[1]
    keys, columns = args[2 : 2 + nkeys], args[2 + nkeys :]
    names = list(node.expressions)
    if not columns or len(names) != len(keys) + len(columns):
        raise SqlError("TRANS_ARRAY: the AS list must name every key and array column")
    projections: list[exp.Expr] = [exp.alias_(k, n) for k, n in zip(keys, names, strict=False)]
    for i, column in enumerate(columns):
        split = call("string_split", cast(column, "VARCHAR"), sep.copy())
        projections.append(exp.alias_(exp.Unnest(expressions=[split]), names[len(keys) + i]))
    select.set("expressions", projections)
    return projections[0]
