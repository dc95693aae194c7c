"""Completion as you type: ODPS keywords, functions, and the workspace's tables and columns.

The editor shows the rest of the best candidate as a suggestion (Tab or → accepts it). After
``table.`` or ``alias.`` it offers that table's columns; otherwise columns of the tables the
code mentions come after keywords, functions and table names. Matching ignores case and the
completion keeps the case the user is typing in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.panes.studio.sqlwords import KEYWORDS, TYPES

if TYPE_CHECKING:
    from engine.executors.contract import TableInfo

MIN_PREFIX = 2
_WORD_BEFORE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_ALIAS = re.compile(
    r"\b(?:FROM|JOIN|TABLE|INTO|UPDATE)\s+([A-Za-z_][\w.]*)(?:\s+(?:AS\s+)?([A-Za-z_]\w*))?",
    re.IGNORECASE,
)
_NOT_ALIASES = KEYWORDS | {"PARTITION"}
_TABLE_CONTEXT = {"FROM", "JOIN", "TABLE", "INTO", "UPDATE"}
_PREVIOUS_WORD = re.compile(r"([A-Za-z_]+)\s+\Z")


@dataclass(frozen=True)
class Vocabulary:
    """What can be completed. ``tables`` maps lower-case names (bare and project-qualified) to
    their columns, in table order."""

    keywords: tuple[str, ...] = tuple(sorted(KEYWORDS | TYPES))
    functions: tuple[str, ...] = ()
    tables: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, functions: Iterable[str], tables: Mapping[str, Iterable[str]]) -> Vocabulary:
        return cls(
            functions=tuple(sorted({f.upper() for f in functions})),
            tables={name.lower(): tuple(cols) for name, cols in tables.items()},
        )

    @classmethod
    def from_catalog(cls, catalog: Iterable[TableInfo], default_project: str) -> Vocabulary:
        """ODPS functions, and every table as ``project.table`` (tables of ``default_project``
        also bare), with its columns and then its partition columns."""
        from tui.panes.studio.sqlwords import function_names

        tables: dict[str, list[str]] = {}
        for table in catalog:
            columns = [c.name for c in (*table.columns, *table.partition_columns)]
            tables[f"{table.project}.{table.name}"] = columns
            if table.project == default_project:
                tables[table.name] = columns
        return cls.build(function_names(), tables)

    def candidates(self, word: str, code: str = "", after: str = "") -> list[str]:
        """Completions of the last part of ``word`` (which may be ``owner.part``), best first.

        ``after`` is the keyword before the word: after FROM or JOIN tables come first."""
        if "." in word:
            owner, _, prefix = word.rpartition(".")
            columns = self._columns_of(owner, code)
            if columns is not None:
                return _matching(prefix, columns, min_prefix=0)
            qualified = owner.lower() + "."
            tables = [t[len(qualified) :] for t in self.tables if t.startswith(qualified)]
            return _matching(prefix, tables, min_prefix=0)
        mentioned = [c for t in _mentioned_tables(code, self.tables) for c in self.tables[t]]
        tables = [t for t in self.tables if "." not in t]
        if after.upper() in _TABLE_CONTEXT:
            pool = [*tables, *self.keywords]
        else:
            pool = [*self.keywords, *self.functions, *tables, *dict.fromkeys(mentioned)]
        return _matching(word, pool, min_prefix=MIN_PREFIX)

    def _columns_of(self, owner: str, code: str) -> tuple[str, ...] | None:
        owner = owner.lower()
        if owner in self.tables:
            return self.tables[owner]
        for table, alias in _ALIAS.findall(code):
            if alias and alias.lower() == owner and table.lower() in self.tables:
                return self.tables[table.lower()]
        return None


def _mentioned_tables(code: str, tables: Mapping[str, tuple[str, ...]]) -> list[str]:
    if not code or not tables:
        return []
    found = {t.lower() for t, _ in _ALIAS.findall(code)}
    return [t for t in found if t in tables]


def _matching(prefix: str, pool: Iterable[str], *, min_prefix: int) -> list[str]:
    if len(prefix) < min_prefix:
        return []
    lower = prefix.lower()
    out: dict[str, None] = {}
    for word in pool:
        if word.lower().startswith(lower) and word.lower() != lower:
            out.setdefault(_same_case(prefix, word))
    return list(out)


def _same_case(prefix: str, word: str) -> str:
    """Keep the user's case: ``sel`` -> ``select``, ``SEL`` -> ``SELECT``; names as written."""
    if not prefix:
        return word
    if word.isupper() and prefix.islower():
        return word.lower()
    if word.islower() and prefix.isupper():
        return word.upper()
    return prefix + word[len(prefix) :]


def word_before(line: str, column: int) -> str:
    """The identifier (with dots) that ends at ``column`` of ``line``; '' inside a word."""
    if column < len(line) and (line[column].isalnum() or line[column] == "_"):
        return ""
    match = _WORD_BEFORE.search(line[:column])
    if match is None or _in_quotes(line[: match.start()]):
        return ""
    return match.group(0)


def _in_quotes(text: str) -> bool:
    return text.count("'") % 2 == 1 or text.count('"') % 2 == 1 or text.count("--") > 0


def suggestion(vocabulary: Vocabulary, line: str, column: int, code: str = "") -> str:
    """What to show after the cursor: the rest of the best completion, or ''."""
    word = word_before(line, column)
    if not word or (word.upper() in _NOT_ALIASES and "." not in word):
        return ""
    previous = _PREVIOUS_WORD.search(line[: column - len(word)])
    found = vocabulary.candidates(word, code, previous.group(1) if previous else "")
    if not found:
        return ""
    typed = word.rpartition(".")[2]
    return found[0][len(typed) :]
