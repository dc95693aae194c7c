"""Put parameter values into node code: ``${name}`` -> value.

Rules, and why:

* A reference is ``${name}``: an identifier, optionally dotted or indexed (``${workspace.env}``,
  ``${dag.foreach.current[0]}``) so later features can pass those names in ``values`` too.
* Every reference needs a value, in comments and string literals as well (DataWorks substitutes the
  whole text, so a commented-out ``${x}`` still has to be assigned). A missing one is an error naming
  the parameter and its line, before anything runs.
* ``${bdp.system.bizdate}`` and ``${bdp.system.cyctime}`` resolve from the context without being
  declared (old DataWorks nodes rely on it); a value given explicitly wins.
* ``$1 $2`` and ``${10}`` are shell positional arguments (see :func:`shell_args`), and other
  ``${...}`` contents (``${f:-x}``, ``${#a}``) are not parameter references: all are left alone.
* One pass: a value that itself contains ``${x}`` is inserted as is.
* Line numbers survive: nothing adds or removes a line break, and a value containing one is refused,
  so an SQL error on line 12 is on line 12 of what the user wrote.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from engine.errors import ParamError
from engine.params.context import ParamContext
from engine.params.system import LEGACY_PARAMETERS

_REFERENCE = re.compile(r"\$\{([^{}\n]*)\}")
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
REFERENCE_NAME = re.compile(rf"{_IDENTIFIER}(?:\.{_IDENTIFIER})*(?:\[[0-9]+\])*\Z")


def substitute(code: str, values: Mapping[str, str], ctx: ParamContext | None = None) -> str:
    """``code`` with every ``${name}`` replaced by ``values[name]`` (see the module rules)."""
    missing: list[tuple[str, int]] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if not REFERENCE_NAME.match(name):
            return match.group(0)
        if name in values:
            value = values[name]
        elif name in LEGACY_PARAMETERS and ctx is not None:
            value = LEGACY_PARAMETERS[name](ctx)
        else:
            missing.append((name, _line_of(code, match.start())))
            return match.group(0)
        if value and value.splitlines() != [value]:
            raise ParamError(
                f"the value of parameter '{name}' (line {_line_of(code, match.start())}) "
                "contains a line break",
                hint="parameter values are single-line; line numbers of the code must not move",
            )
        return value

    result = _REFERENCE.sub(replace, code)
    if missing:
        raise _missing_error(missing, ctx)
    return result


def unresolved_references(code: str) -> list[str]:
    """Names referenced as ``${name}`` that need a value, in order of first use, once each.

    The legacy ``${bdp.system.*}`` names resolve by themselves and are not listed.
    """
    names: dict[str, None] = {}
    for match in _REFERENCE.finditer(code):
        name = match.group(1)
        if REFERENCE_NAME.match(name) and name not in LEGACY_PARAMETERS:
            names.setdefault(name)
    return list(names)


def shell_args(values: Mapping[str, str]) -> list[str]:
    """Values in declaration order: ``$1 $2 ...`` (``${10}`` onwards) of a Shell node."""
    return list(values.values())


def _line_of(code: str, offset: int) -> int:
    return code.count("\n", 0, offset) + 1


def _missing_error(missing: list[tuple[str, int]], ctx: ParamContext | None) -> ParamError:
    lines: dict[str, list[int]] = {}
    for name, line in missing:
        lines.setdefault(name, [])
        if line not in lines[name]:
            lines[name].append(line)
    described = [
        f"'{name}' (${{{name}}} on line{'s' if len(found) > 1 else ''} "
        f"{', '.join(map(str, found))})"
        for name, found in lines.items()
    ]
    first = next(iter(lines))
    if first in LEGACY_PARAMETERS and ctx is None:
        hint = f"${{{first}}} needs the instance's business date and scheduled time"
    else:
        hint = f"assign it in the node's scheduling parameters, e.g. {first}=$bizdate"
    if len(described) == 1:
        return ParamError(f"no value for parameter {described[0]}", hint=hint)
    return ParamError(f"no value for parameters {', '.join(described)}", hint=hint)
