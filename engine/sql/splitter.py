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


def split_statements(script: str) -> list[Statement]:
    statements: list[Statement] = []
    buf_start = 0
    i = 0
    n = len(script)
    while i < n:
        c = script[i]
        if c in ("'", '"', "`"):
            i = _skip_quoted(script, i, c)
            continue
        if c == "-" and script.startswith("--", i):
            nl = script.find("\n", i)
            i = n if nl < 0 else nl + 1
            continue
        if c == "/" and script.startswith("/*", i):
            end = script.find("*/", i + 2)
            if end < 0:
                raise SqlError("unterminated /* comment", line=script.count("\n", 0, i) + 1)
            i = end + 2
            continue
        if c == ";":
            _emit(script, buf_start, i, statements)
            buf_start = i + 1
        i += 1
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
    while i < n:
        c = text[i]
        if c in ("'", '"', "`"):
            j = _skip_quoted(text, i, c)
            out.append(text[i:j])
            i = j
        elif text.startswith("--", i):
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _skip_quoted(text: str, i: int, quote: str) -> int:
    """Index just past the closing quote of the literal/identifier opened at ``i``."""
    j = i + 1
    n = len(text)
    while j < n:
        ch = text[j]
        if ch == "\\" and quote != "`":
            j += 2
            continue
        if ch == quote:
            if j + 1 < n and text[j + 1] == quote:  # doubled quote is an escaped quote
                j += 2
                continue
            return j + 1
        j += 1
    kind = "identifier" if quote == "`" else "string literal"
    raise SqlError(f"unterminated {kind} (opened with {quote})", line=text.count("\n", 0, i) + 1)


def _emit(script: str, start: int, end: int, out: list[Statement]) -> None:
    chunk = script[start:end]
    if not strip_comments(chunk).strip():
        return
    # line of the first meaningful character: skip leading whitespace and comments
    offset = _first_code_offset(chunk)
    line = script.count("\n", 0, start + offset) + 1
    # Leading comments are dropped so that line ``line`` is the statement text's first line.
    out.append(Statement(text=chunk[offset:].rstrip(), line=line, index=len(out)))


def _first_code_offset(chunk: str) -> int:
    i, n = 0, len(chunk)
    while i < n:
        if chunk[i].isspace():
            i += 1
        elif chunk.startswith("--", i):
            nl = chunk.find("\n", i)
            i = n if nl < 0 else nl + 1
        elif chunk.startswith("/*", i):
            end = chunk.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            return i
    return 0
