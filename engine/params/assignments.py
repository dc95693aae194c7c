"""Parameter lists as typed in a node's Scheduling Parameters: ``a=$bizdate b=${yyyymmdd+1}``.

Items are separated by whitespace; each is ``name=expression`` with no space anywhere in it (not
around ``=``, not inside ``${...}``, ``$[...]`` or a quoted constant).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from engine.errors import ParamError
from engine.params.context import ParamContext
from engine.params.diagnostics import invalid_assignment
from engine.params.expressions import check_expression, evaluate

PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NO_SPACES_HINT = "write name=expression with no spaces around '=', e.g. a=$bizdate b=${yyyymmdd+1}"


def parse_assignments(text: str) -> dict[str, str]:
    """``"a=$bizdate b=${yyyymmdd+1}"`` -> ``{"a": "$bizdate", "b": "${yyyymmdd+1}"}``.

    Every expression is checked, so a bad list fails here, where the user typed it, rather than
    when the instance is generated.
    """
    items = _split_items(text)
    assignments: dict[str, str] = {}
    for index, item in enumerate(items):
        name, equals, expr = item.partition("=")
        if not equals:
            following = items[index + 1] if index + 1 < len(items) else ""
            if following.startswith("="):
                raise invalid_assignment(
                    f"{item} {following}", "spaces around '=' are not allowed", hint=_NO_SPACES_HINT
                )
            raise invalid_assignment(item, "expected name=expression", hint=_NO_SPACES_HINT)
        if not name:
            raise invalid_assignment(
                item, "the parameter name before '=' is missing", hint=_NO_SPACES_HINT
            )
        if not expr:
            raise invalid_assignment(
                item,
                "the value after '=' is missing",
                hint=f"{_NO_SPACES_HINT}; an empty constant is written ''",
            )
        if not PARAMETER_NAME.match(name):
            raise invalid_assignment(
                item,
                f"'{name}' is not a valid parameter name",
                hint="use letters, digits and underscores, not starting with a digit",
            )
        if name in assignments:
            raise invalid_assignment(
                item,
                f"parameter '{name}' is assigned twice",
                hint=f"the first was {name}={assignments[name]}",
            )
        check_expression(expr)
        assignments[name] = expr
    return assignments


def format_assignments(assignments: Mapping[str, str]) -> str:
    """The inverse of :func:`parse_assignments`: ``name=expr`` items joined by one space."""
    return " ".join(f"{name}={expr}" for name, expr in assignments.items())


def resolve_assignments(assignments: Mapping[str, str], ctx: ParamContext) -> dict[str, str]:
    """Every expression evaluated against ``ctx``, in the same order."""
    values: dict[str, str] = {}
    for name, expr in assignments.items():
        try:
            values[name] = evaluate(expr, ctx)
        except ParamError as err:
            raise ParamError(f"parameter '{name}': {err.message}", hint=err.hint) from None
    return values


def _split_items(text: str) -> list[str]:
    """Split on whitespace, refusing whitespace inside ``${...}``, ``$[...]`` or quotes."""
    items: list[str] = []
    start: int | None = None
    closer = ""  # the bracket or quote that ends the construct we are inside, if any
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            if closer and start is not None:
                end = text.find(closer, pos)
                line_end = len(text) if "\n" not in text[pos:] else text.index("\n", pos)
                snippet = text[start : end + 1 if 0 <= end < line_end else line_end]
                raise invalid_assignment(
                    snippet,
                    "spaces are not allowed inside an expression",
                    hint="give each part its own parameter (d=$[yyyymmdd] t=$[hh24:mi:ss]) "
                    "and join them in code: '${d} ${t}'",
                )
            if start is not None:
                items.append(text[start:pos])
                start = None
            pos += 1
            continue
        if start is None:
            start = pos
        if closer:
            if char == closer:
                closer = ""
        elif char == "'":
            closer = "'"
        elif char == "$" and text[pos + 1 : pos + 2] in ("{", "["):
            closer = "}" if text[pos + 1] == "{" else "]"
            pos += 1
        pos += 1
    if start is not None:
        items.append(text[start:])
    return items
