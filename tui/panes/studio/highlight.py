"""Syntax highlighting for the code editor, without tree-sitter.

Textual's TextArea highlights through tree-sitter, which is an optional extra this project does
not install; Pygments ships with Rich, so its lexers fill the same highlight map instead
(``{row: [(start_byte, end_byte | None, name)]}``). Scheduling-parameter references (``${bizdate}``,
``$[hh24miss]``, ``$bizdate``) are painted last, so they stand out inside strings and comments,
where DataWorks substitutes them too. Colours come from the app theme's variables, never hex.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.widgets.text_area import TextAreaTheme

Highlight = tuple[int, int | None, str]

PARAM_REFERENCE = re.compile(
    r"\$\{[^{}\n]*\}|\$\[[^\[\]\n]*\]|\$(?:bizdate|cyctime|gmtdate|bizmonth|jobid|nodeid|taskid)\b"
)
LANGUAGES = {"sql": "sql", "python": "python", "bash": "bash", "diff": "diff", "toml": "toml"}
# Highlight name -> (theme variable, bold, italic)
_STYLES: dict[str, tuple[str, bool, bool]] = {
    "keyword": ("primary", True, False),
    "type": ("secondary", False, False),
    "function": ("accent", False, False),
    "string": ("success", False, False),
    "number": ("warning", False, False),
    "comment": ("foreground-muted", False, True),
    "operator": ("foreground", False, False),
    "variable": ("secondary", False, False),
    "param": ("accent", True, False),
    "heading": ("primary", True, False),
    "diff.inserted": ("success", False, False),
    "diff.deleted": ("error", False, False),
}


@cache
def _lexer(language: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False, tabsize=0)
    except ClassNotFound:
        return None


@cache
def _token_names() -> list[tuple[Any, str]]:
    from pygments.token import Comment, Generic, Keyword, Name, Number, Operator, String

    return [
        (Comment, "comment"),
        (String, "string"),
        (Number, "number"),
        (Keyword.Type, "type"),
        (Keyword, "keyword"),
        (Name.Function, "function"),
        (Name.Builtin, "function"),
        (Name.Variable, "variable"),
        (Operator.Word, "keyword"),
        (Operator, "operator"),
        (Generic.Inserted, "diff.inserted"),
        (Generic.Deleted, "diff.deleted"),
        (Generic.Heading, "heading"),
        (Generic.Subheading, "heading"),
    ]


def _name_of(ttype: Any) -> str | None:
    for parent, name in _token_names():
        if ttype in parent:
            return name
    return None


_SQL_TOKEN = re.compile(
    r"(?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))"
    r"|(?P<string>'(?:[^'\\]|\\.)*(?:'|\Z)|\"(?:[^\"\\]|\\.)*(?:\"|\Z))"
    r"|(?P<quoted>`[^`\n]*`?)"
    r"|(?P<number>(?<![\w.])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:BD|[LSYDF])?(?![\w]))"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)(?P<call>\s*\()?",
    re.DOTALL,
)


def build_highlights(text: str, language: str | None) -> dict[int, list[Highlight]]:
    """The TextArea highlight map of ``text``: byte columns per row, names from ``_STYLES``."""
    out: dict[int, list[Highlight]] = defaultdict(list)
    lines = text.split("\n")
    if language == "sql":
        _lex_sql(text, lines, out)
    elif language in LANGUAGES:
        lexer = _lexer(LANGUAGES[language])
        if lexer is not None:
            _lex(text, lexer, out)
    if language in (None, "sql", "bash", "python"):
        for row, line in enumerate(lines):
            if "$" not in line:
                continue
            for match in PARAM_REFERENCE.finditer(line):
                start = _byte(line, match.start())
                out[row].append((start, start + len(match.group(0).encode()), "param"))
    return out


def _byte(line: str, column: int) -> int:
    return column if line.isascii() else len(line[:column].encode())


def _lex_sql(text: str, lines: list[str], out: dict[int, list[Highlight]]) -> None:
    from bisect import bisect_right

    from tui.panes.studio.sqlwords import KEYWORDS, TYPES

    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    names = {"comment": "comment", "string": "string", "number": "number"}
    for match in _SQL_TOKEN.finditer(text):
        kind = match.lastgroup or ""
        if kind == "call":
            kind = "word"
        start, end = match.span(kind)
        name: str | None
        if kind == "word":
            word = match.group("word").upper()
            if word in KEYWORDS:
                name = "keyword"
            elif word in TYPES:
                name = "type"
            elif match.group("call") is not None:
                name = "function"
            else:
                continue
        else:
            name = names.get(kind)
            if name is None:
                continue
        row = bisect_right(starts, start) - 1
        while True:
            line, base = lines[row], starts[row]
            stop = min(end, base + len(line))
            out[row].append((_byte(line, start - base), _byte(line, stop - base), name))
            if end <= base + len(line) + 1:
                break
            row, start = row + 1, base + len(line) + 1


def _lex(text: str, lexer: Any, out: dict[int, list[Highlight]]) -> None:
    row, col = 0, 0
    for ttype, value in lexer.get_tokens(text):
        name = _name_of(ttype)
        for index, piece in enumerate(value.split("\n")):
            if index:
                row, col = row + 1, 0
            width = len(piece.encode())
            if name is not None and width:
                out[row].append((col, col + width, name))
            col += width


def syntax_theme(app: App[Any], name: str = "maxworks") -> TextAreaTheme:
    """A TextAreaTheme whose syntax colours are the current app theme's variables."""
    from rich.style import Style
    from textual.color import Color
    from textual.widgets.text_area import TextAreaTheme

    variables = app.get_css_variables()
    background = Color.parse(variables.get("surface", variables.get("background", "black")))
    styles: dict[str, Style] = {}
    for highlight, (variable, bold, italic) in _STYLES.items():
        value = variables.get(variable)
        if value is None:
            continue
        try:
            colour = background + Color.parse(value)  # blend translucent "muted" colours
        except Exception:  # a variable that is not a colour ("auto 87%"): leave it plain
            continue
        styles[highlight] = Style(color=colour.rich_color, bold=bold, italic=italic)
    return TextAreaTheme(name=name, syntax_styles=styles)


def language_for(node_type: str) -> str | None:
    """The editor language of a node type's code (None: plain text or no code)."""
    return {
        "odps_sql": "sql",
        "odps_script": "sql",
        "assignment": "sql",
        "shell": "bash",
        "pyodps3": "python",
    }.get(node_type)
