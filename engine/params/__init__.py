"""Scheduling parameters, exactly by DataWorks' rules.

``ParamContext`` holds an instance's business date and scheduled time; :func:`evaluate` gives the
value of one expression (``$bizdate``, ``${yyyymmdd-1}``, ``$[hh24:mi:ss-1/24]``, ...);
:func:`parse_assignments` reads a node's parameter list and :func:`substitute` puts the values into
its code. Rules and the choices made where DataWorks' documentation is unclear are in the docstrings
of :mod:`engine.params.expressions`, :mod:`engine.params.context` and
:mod:`engine.params.substitution`.
"""

from engine.params.assignments import (
    PARAMETER_NAME,
    format_assignments,
    parse_assignments,
    resolve_assignments,
)
from engine.params.context import ParamContext, parse_bizdate, parse_cyctime
from engine.params.expressions import add_months, check_expression, evaluate
from engine.params.formats import TOKEN_NAMES
from engine.params.substitution import shell_args, substitute, unresolved_references
from engine.params.system import LEGACY_PARAMETERS, SYSTEM_PARAMETERS

__all__ = [
    "LEGACY_PARAMETERS",
    "PARAMETER_NAME",
    "SYSTEM_PARAMETERS",
    "TOKEN_NAMES",
    "ParamContext",
    "add_months",
    "check_expression",
    "evaluate",
    "format_assignments",
    "parse_assignments",
    "parse_bizdate",
    "parse_cyctime",
    "resolve_assignments",
    "shell_args",
    "substitute",
    "unresolved_references",
]
