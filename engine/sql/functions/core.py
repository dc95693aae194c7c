"""The translation walk: one post-order pass over a tree, with an allowlist of functions.

Every function call in the tree is either

* an ``exp.Anonymous`` named after an ODPS function, handled by a translator in ``BY_NAME``;
* a sqlglot class handled by a translator in ``BY_CLASS``; or
* a sqlglot class in ``IDENTICAL`` (DuckDB computes the same value as MaxCompute);

anything else is refused with ``UnsupportedSqlError``: a silently different answer is worse than a
loud refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from engine.errors import SqlError, UnsupportedSqlError


@dataclass(frozen=True)
class TranslateContext:
    """Session facts the translation depends on.

    ``odps2``: the ``odps.sql.type.system.odps2`` flag (type system 2.0); ``hive_compatible``: the
    ``odps.sql.hive.compatible`` flag; ``timezone``: the workspace (``odps.sql.timezone``) zone used
    by GETDATE, UNIX_TIMESTAMP, FROM_UNIXTIME and TO_MILLIS.
    """

    odps2: bool = True
    hive_compatible: bool = False
    timezone: str = "Asia/Shanghai"
    flags: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


NameTranslator = Callable[[list[exp.Expr], exp.Expr, TranslateContext], exp.Expr]
ClassTranslator = Callable[[exp.Expr, TranslateContext], exp.Expr]

BY_NAME: dict[str, NameTranslator] = {}
BY_CLASS: dict[type[exp.Expr], ClassTranslator] = {}
IDENTICAL: set[type[exp.Expr]] = set()


def by_name(*names: str) -> Callable[[NameTranslator], NameTranslator]:
    def register(fn: NameTranslator) -> NameTranslator:
        for name in names:
            BY_NAME[name] = fn
        return fn

    return register


def by_class(*classes: type[exp.Expr]) -> Callable[[ClassTranslator], ClassTranslator]:
    def register(fn: ClassTranslator) -> ClassTranslator:
        for cls in classes:
            BY_CLASS[cls] = fn
        return fn

    return register


# ---------------------------------------------------------------------------------------------
# small builders
# ---------------------------------------------------------------------------------------------


def call(name: str, *args: exp.Expr) -> exp.Anonymous:
    """A DuckDB function or macro call rendered verbatim as ``name(args)``."""
    return exp.Anonymous(this=name, expressions=list(args))


def lit(value: str | int | float) -> exp.Expr:
    if isinstance(value, str):
        return exp.Literal.string(value)
    return exp.Literal.number(value)


_BUILT_TYPES: dict[str, exp.DataType] = {}


def cast(value: exp.Expr, to: str) -> exp.Cast:
    built = _BUILT_TYPES.get(to)
    if built is None:  # parsing the type name costs more than the rest of the node
        built = _BUILT_TYPES[to] = exp.DataType.build(to, dialect="duckdb")
    return exp.Cast(this=value, to=built.copy())


def refuse(name: str, why: str) -> UnsupportedSqlError:
    return UnsupportedSqlError(f"function {name} is not supported by the local engine: {why}")


def arity(name: str, args: Sequence[exp.Expr], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        want = str(low) if low == high else f"{low} to {high}"
        raise SqlError(f"function {name} takes {want} arguments, got {len(args)}")


def const_string(name: str, arg: exp.Expr, what: str) -> str:
    """The value of a string-literal argument (ODPS requires these to be constants)."""
    if isinstance(arg, exp.Literal) and arg.is_string:
        return str(arg.this)
    raise refuse(name, f"{what} must be a string constant")


def const_int(name: str, arg: exp.Expr, what: str) -> int:
    node = arg
    negative = False
    if isinstance(node, exp.Neg):
        negative, node = True, node.this
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            value = int(str(node.this))
        except ValueError:
            raise refuse(name, f"{what} must be an integer constant") from None
        return -value if negative else value
    raise refuse(name, f"{what} must be an integer constant")


def is_string_literal(arg: exp.Expr) -> bool:
    return isinstance(arg, exp.Literal) and arg.is_string


def as_timestamp(arg: exp.Expr) -> exp.Expr:
    """Temporal argument for date functions: string literals become TIMESTAMP values."""
    if is_string_literal(arg):
        return cast(arg, "TIMESTAMP")
    return arg


# ---------------------------------------------------------------------------------------------
# the walk
# ---------------------------------------------------------------------------------------------

# Nodes the walk never needs to look at (no semantics of their own).
_SKIP: tuple[type[exp.Expr], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Star,
    exp.Table,
    exp.TableAlias,
    exp.DataType,
    exp.DataTypeParam,
    exp.Var,
)


_FLOATS = {exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT}


def _prune(node: exp.Expr) -> bool:
    return isinstance(node, exp.Hint | exp.DataType)


def _is_fractional_literal(node: exp.Expr) -> bool:
    """A number literal with a decimal point or exponent: DOUBLE in MaxCompute (DECIMAL needs BD),
    DECIMAL in DuckDB."""
    if not isinstance(node, exp.Literal) or node.is_string:
        return False
    text = str(node.this)
    return "." in text or "e" in text or "E" in text


def _translate_node(node: exp.Expr, ctx: TranslateContext) -> exp.Expr | None:
    cls = type(node)
    if cls is exp.Literal:
        parent = node.parent
        if isinstance(parent, exp.Cast) and parent.to.this in _FLOATS:
            return None
        return cast(node.copy(), "DOUBLE")
    if cls is exp.Hint:
        node.pop()
        return node
    if cls is exp.Anonymous:
        name = str(node.this).upper()
        fn = BY_NAME.get(name)
        if fn is None:
            raise refuse(
                name,
                "it is not a MaxCompute built-in this engine knows (or a UDF, which cannot run locally)",
            )
        return fn(list(node.expressions), node, ctx)
    translator = BY_CLASS.get(cls)
    if translator is not None:
        return translator(node, ctx)
    if cls in IDENTICAL:
        return None
    if isinstance(node, exp.Func):
        name = node.sql_name() if hasattr(node, "sql_name") else cls.__name__
        raise refuse(str(name), "its MaxCompute semantics are not verified on DuckDB")
    return None


def to_duckdb(tree: exp.Expr, ctx: TranslateContext | None = None) -> exp.Expr:
    """Rewrite ``tree`` in place so that ``tree.sql(dialect="duckdb")`` computes MaxCompute's
    answers. Returns the (possibly replaced) root.

    One post-order pass: children are rewritten before their parents, and the nodes a translator
    builds are never visited again.
    """
    ctx = ctx or TranslateContext()
    nodes = [
        n
        for n in tree.walk(bfs=False, prune=_prune)
        if not isinstance(n, _SKIP) or _is_fractional_literal(n)
    ]
    root = tree
    for node in reversed(nodes):
        new = _translate_node(node, ctx)
        if new is None or new is node:
            continue
        if node is root:
            root = new
        else:
            node.replace(new)
    return root
