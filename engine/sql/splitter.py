"""Split an ODPS SQL script into statements.

Semicolons inside '...' and "..." (with backslash escapes, as ODPS string literals have),
`backticks`, ``-- comments`` and ``/* block comments */`` do not end a statement. Each statement
keeps the 1-based line it starts on, so errors can point at the user's line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import SqlError


@dataclass(frozen=True)
class Statement:
    text: str  # from its first code character to before its ';' (inner comments kept)
    line: int  # 1-based line of its first non-blank, non-comment character
    index: int  # 0-based position in the script


_SET = re.compile(r"^\s*set\s+([A-Za-z_][\w.\-]*)\s*=\s*(.*?)\s*$", re.IGNORECASE | re.DOTALL)


# The characters that can start a literal, an identifier, a comment or (when splitting) end a
# statement: everything between two of them is copied or skipped in one step.
_SPLIT_AT = re.compile(r"['\"`;]|--|/\*")
_STRIP_AT = re.compile(r"['\"`]|--|/\*")
# The rest of a literal/identifier after its opening quote, up to and including the closing one:
# backslash escapes (not in backticks) and doubled quotes. Possessive, so an unterminated literal
# never matches a shorter prefix.
_QUOTED_REST = {
    "'": re.compile(r"(?:[^'\\]++|\\.|'')*+'", re.S),
    '"': re.compile(r'(?:[^"\\]++|\\.|"")*+"', re.S),
    "`": re.compile(r"(?:[^`]++|``)*+`"),
}


def split_statements(script: str) -> list[Statement]:
    statements: list[Statement] = []
    buf_start = 0
    i = 0
    n = len(script)
    search = _SPLIT_AT.search
    while True:
        m = search(script, i)
        if m is None:
            break
        j = m.start()
        token = m.group()
        if token == ";":
            _emit(script, buf_start, j, statements)
            buf_start = i = j + 1
        elif token == "--":
            nl = script.find("\n", j)
            i = n if nl < 0 else nl + 1
        elif token == "/*":
            end = script.find("*/", j + 2)
            if end < 0:
                raise SqlError("unterminated /* comment", line=script.count("\n", 0, j) + 1)
            i = end + 2
        else:
            i = _skip_quoted(script, j, token)
    _emit(script, buf_start, n, statements)
    return statements


def parse_set(text: str) -> tuple[str, str] | None:
    """``SET key=value`` -> (key, value) with surrounding quotes removed; None if not a SET."""
    m = _SET.match(strip_comments(text))
    if not m:
        return None
    key, value = m.group(1), m.group(2).strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return key, value


def strip_comments(text: str) -> str:
    """The statement with comments removed (string literals untouched)."""
    out: list[str] = []
    i, n = 0, len(text)
    search = _STRIP_AT.search
    while True:
        m = search(text, i)
        if m is None:
            break
        j = m.start()
        out.append(text[i:j])
        token = m.group()
        if token == "--":
            nl = text.find("\n", j)
            i = n if nl < 0 else nl
        elif token == "/*":
            end = text.find("*/", j + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        else:
            i = _skip_quoted(text, j, token)
            out.append(text[j:i])
    out.append(text[i:])
    return "".join(out)


def _skip_quoted(text: str, i: int, quote: str) -> int:
    """Index just past the closing quote of the literal/identifier opened at ``i``."""
    m = _QUOTED_REST[quote].match(text, i + 1)
    if m is not None:
        return m.end()
    kind = "identifier" if quote == "`" else "string literal"
    raise SqlError(f"unterminated {kind} (opened with {quote})", line=text.count("\n", 0, i) + 1)


def _emit(script: str, start: int, end: int, out: list[Statement]) -> None:
    chunk = script[start:end]
    # first meaningful character: skip leading whitespace and comments (none: nothing to run)
    offset = _first_code_offset(chunk)
    if offset is None:
        return
    line = script.count("\n", 0, start + offset) + 1
    # Leading comments are dropped so that line ``line`` is the statement text's first line.
    out.append(Statement(text=chunk[offset:].rstrip(), line=line, index=len(out)))


_BLANK_OR_COMMENT = re.compile(r"(?:\s++|--[^\n]*+\n?|/\*.*?(?:\*/|\Z))*+", re.S)


def _first_code_offset(chunk: str) -> int | None:
    """Offset of the first character that is neither blank nor in a comment; None if none."""
    m = _BLANK_OR_COMMENT.match(chunk)
    offset = m.end() if m is not None else 0
    return offset if offset < len(chunk) else None
