"""How a script becomes MaxCompute jobs, the way DataWorks submits it.

An ODPS SQL node runs statement by statement: each statement is its own job, and the ``SET k=v;``
statements before it are its hints. An ODPS Script node is one job (``odps.sql.submit.mode`` =
``script``) whose SET statements become hints too. What is sent is always the user's text after
parameter substitution: a script keeps every other character in place (SET statements are blanked,
newlines kept), so the line and column in a MaxCompute error point into the user's script.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.errors import SqlError
from engine.executors.records import StatementKind, StatementResult
from engine.sql.splitter import Statement, parse_set, split_statements, strip_comments

SCRIPT_MODE_HINTS = {"odps.sql.submit.mode": "script"}
_NAMESPACE = uuid.UUID("9b7c2f0e-5d1a-4c3e-9a51-6d2f8e4b7a10")
_FIRST_WORD = re.compile(r"^\s*\(*\s*([A-Za-z]+)")
_KINDS: dict[str, StatementKind] = {
    "select": "query", "with": "query", "from": "query", "values": "query",
    "insert": "dml", "update": "dml", "delete": "dml", "merge": "dml",
    "create": "ddl", "drop": "ddl", "alter": "ddl", "truncate": "ddl", "msck": "ddl",
    "show": "show", "desc": "show", "describe": "show", "explain": "show",
}  # fmt: skip


@dataclass(frozen=True)
class Unit:
    """One MaxCompute job: a statement (ODPS SQL node) or the whole script (Script node)."""

    number: int  # position among the units (0-based)
    statement: int  # index of its statement in the script (the last one, for a script)
    line: int  # 1-based line of its first character in the user's script
    sql: str  # exactly what is sent
    hints: dict[str, str]
    kind: StatementKind


@dataclass(frozen=True)
class Plan:
    units: tuple[Unit, ...]
    settings: tuple[StatementResult, ...] = ()  # the SET statements, done before any job runs
    error: SqlError | None = None  # the script could not even be split
    statements: tuple[Statement, ...] = field(default=(), repr=False)

    def settings_before(self, unit: Unit | None) -> list[StatementResult]:
        limit = unit.statement if unit is not None else 1 << 30
        return [s for s in self.settings if s.index < limit]


def plan_script(script: str, flags: Mapping[str, str], mode: str) -> Plan:
    try:
        statements = split_statements(script)
    except SqlError as err:
        return Plan((), error=err)
    hints = dict(flags)
    settings: list[StatementResult] = []
    units: list[Unit] = []
    runnable: list[Statement] = []
    for stmt in statements:
        setting = parse_set(stmt.text)
        if setting is not None:
            hints[setting[0]] = setting[1]
            settings.append(
                StatementResult(
                    stmt.index,
                    stmt.line,
                    stmt.text,
                    "set",
                    message=f"set {setting[0]}={setting[1]}",
                )
            )
        elif mode == "statements":
            units.append(
                Unit(len(units), stmt.index, stmt.line, stmt.text, dict(hints), kind_of(stmt.text))
            )
        else:
            runnable.append(stmt)
    if mode == "script" and runnable:
        last = runnable[-1]
        text = blank_settings(script, [s for s in statements if parse_set(s.text) is not None])
        units.append(
            Unit(0, last.index, 1, text, {**hints, **SCRIPT_MODE_HINTS}, kind_of(last.text))
        )
    return Plan(tuple(units), tuple(settings), statements=tuple(statements))


def kind_of(text: str) -> StatementKind:
    m = _FIRST_WORD.match(strip_comments(text))
    return _KINDS.get(m.group(1).lower(), "dml") if m else "dml"


def blank_settings(script: str, settings: list[Statement]) -> str:
    """The script with each SET statement (and its ';') replaced by spaces, newlines kept."""
    chars = list(script)
    cursor = 0
    for stmt in settings:
        start = script.find(stmt.text, cursor)
        if start < 0:
            continue
        end = start + len(stmt.text)
        semicolon = script.find(";", end)
        if semicolon >= 0 and not script[end:semicolon].strip():
            end = semicolon + 1
        for i in range(start, end):
            if chars[i] not in "\r\n":
                chars[i] = " "
        cursor = end
    return "".join(chars)


def guid(key: str, unit: int) -> str:
    """The unique identifier MaxCompute deduplicates a submission by (same key+unit, same job)."""
    return str(uuid.uuid5(_NAMESPACE, f"{key}/{unit}"))
