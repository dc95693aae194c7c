"""How parameter errors are worded: every message quotes the expression the user wrote."""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import ParamError


def invalid_expression(expr: str, why: str, *, hint: str | None = None) -> ParamError:
    """The error for an expression that cannot be evaluated, e.g. ``${yyyy-mm-dd-1/24}``."""
    return ParamError(f"invalid parameter expression '{expr}': {why}", hint=hint)


def invalid_assignment(item: str, why: str, *, hint: str | None = None) -> ParamError:
    """The error for one ``name=expr`` item of a parameter list."""
    return ParamError(f"invalid parameter assignment '{item}': {why}", hint=hint)


@dataclass(frozen=True)
class ExpressionSource:
    """Where a piece sits: the whole value (named in the error) and the piece being read.

    In ``${yyyymm}01$[hh]x`` a bad piece is pointed at, so long values stay easy to fix.
    """

    expr: str
    piece: str

    def error(self, why: str, *, hint: str | None = None) -> ParamError:
        if self.piece != self.expr:
            why = f"in '{self.piece}': {why}"
        return invalid_expression(self.expr, why, hint=hint)
