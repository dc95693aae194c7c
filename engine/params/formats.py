"""Format tokens of custom time parameters: ``yyyy yy mm dd hh24 hh hh12 mi ss``.

A format such as ``yyyy-mm-dd`` or ``yyyymmddhh24miss`` is read left to right, always taking the
longest token at each position, so ``mm`` is the month and ``mi`` the minute, and ``hh24`` is never
read as ``hh`` followed by a literal ``24``. Tokens are lowercase only, as DataWorks writes them.

Anything that is not an ASCII letter or a digit separates tokens (``-``, ``/``, ``:``, ``_``, ``.``,
even ``年``), except the characters that have a meaning in expressions (``$ { } [ ] ( ) ' " = *``).
Digits are refused: a trailing ``-01`` would be an offset, so literal digits belong outside the
brackets (``${yyyymm}01``).

``hh`` and ``hh12`` are the 12-hour clock (Oracle ``HH``): 00:30 is ``12``, 14:00 is ``02``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from engine.params.diagnostics import ExpressionSource


class Unit(enum.IntEnum):
    """The precision of a token; ordered, so ``max`` of a format's units is its smallest unit."""

    YEAR = 1
    MONTH = 2
    DAY = 3
    HOUR = 4
    MINUTE = 5
    SECOND = 6


@dataclass(frozen=True)
class Token:
    text: str
    unit: Unit

    def render(self, moment: datetime) -> str:
        return _RENDERERS[self.text](moment)


def _hour12(moment: datetime) -> str:
    return f"{moment.hour % 12 or 12:02d}"


_RENDERERS: dict[str, Callable[[datetime], str]] = {
    "yyyy": lambda m: f"{m.year:04d}",
    "yy": lambda m: f"{m.year % 100:02d}",
    "mm": lambda m: f"{m.month:02d}",
    "dd": lambda m: f"{m.day:02d}",
    "hh24": lambda m: f"{m.hour:02d}",
    "hh12": _hour12,
    "hh": _hour12,
    "mi": lambda m: f"{m.minute:02d}",
    "ss": lambda m: f"{m.second:02d}",
}

# Longest first: the reader takes the first entry that matches at each position.
TOKENS: tuple[Token, ...] = (
    Token("yyyy", Unit.YEAR),
    Token("yy", Unit.YEAR),
    Token("mm", Unit.MONTH),
    Token("dd", Unit.DAY),
    Token("hh24", Unit.HOUR),
    Token("hh12", Unit.HOUR),
    Token("hh", Unit.HOUR),
    Token("mi", Unit.MINUTE),
    Token("ss", Unit.SECOND),
)
TOKEN_NAMES = " ".join(token.text for token in TOKENS)

_RESERVED = set("${}[]()'\"=*")
_LETTERS = re.compile(r"[A-Za-z]+")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Format:
    """A parsed format: tokens and the literal separators between them, in order."""

    parts: tuple[Token | str, ...]

    @property
    def tokens(self) -> tuple[Token, ...]:
        return tuple(part for part in self.parts if isinstance(part, Token))

    @property
    def smallest_unit(self) -> Unit:
        return max(token.unit for token in self.tokens)

    def render(self, moment: datetime) -> str:
        return "".join(
            part.render(moment) if isinstance(part, Token) else part for part in self.parts
        )


def parse_format(text: str, source: ExpressionSource, *, with_time: bool) -> Format:
    """Read ``text``, the format part of ``source``; ``with_time`` allows hh24/hh/hh12/mi/ss."""
    parts: list[Token | str] = []
    pos = 0
    while pos < len(text):
        token = next((t for t in TOKENS if text.startswith(t.text, pos)), None)
        if token is not None:
            if token.unit > Unit.DAY and not with_time:
                raise source.error(
                    f"the time token '{token.text}' is not allowed in ${{...}}, which has day "
                    "precision; use $[...]",
                    hint="${...} is the business date, $[...] the scheduled time, e.g. $[hh24:mi:ss]",
                )
            parts.append(token)
            pos += len(token.text)
            continue
        char = text[pos]
        if char.isascii() and char.isalpha():
            run = _LETTERS.match(text, pos)
            assert run is not None
            raise source.error(
                f"unknown format token '{run.group()}'",
                hint=f"format tokens are lowercase: {TOKEN_NAMES}",
            )
        if char.isdigit():
            digits = _DIGITS.match(text, pos)
            assert digits is not None
            raise source.error(
                f"digits ('{digits.group()}') are not allowed inside the format",
                hint="put literal text outside the brackets, e.g. ${yyyymm}01; "
                "an offset goes last, e.g. ${yyyymmdd-1}",
            )
        if char in _RESERVED:
            raise source.error(f"unexpected '{char}' in the format '{text}'")
        if parts and isinstance(parts[-1], str):
            parts[-1] += char
        else:
            parts.append(char)
        pos += 1
    result = Format(tuple(parts))
    if not result.tokens:
        raise source.error(
            "no date or time token in the format" if text else "the format is missing",
            hint=f"format tokens: {TOKEN_NAMES}",
        )
    return result
