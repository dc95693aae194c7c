"""Input validators of the properties form: each refuses a value with the engine's reason."""

from __future__ import annotations

import re
from datetime import date, time

from textual.validation import ValidationResult, Validator

from engine.errors import MaxworksError

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})\Z")


def parse_clock(text: str) -> time:
    match = _CLOCK.match(text.strip())
    if match is None:
        raise ValueError("a time of day is HH:MM, e.g. 02:30")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"{text.strip()} is not a time of day (00:00-23:59)")
    return time(hour, minute)


def split_items(text: str) -> list[str]:
    return [item.strip() for item in re.split(r"[,\s]+", text) if item.strip()]


class Clock(Validator):
    def validate(self, value: str) -> ValidationResult:
        try:
            parse_clock(value)
        except ValueError as err:
            return self.failure(str(err))
        return self.success()


class IntegerRange(Validator):
    def __init__(self, lo: int, hi: int, what: str) -> None:
        super().__init__()
        self.lo, self.hi, self.what = lo, hi, what

    def validate(self, value: str) -> ValidationResult:
        text = value.strip()
        if not re.fullmatch(r"-?\d+", text) or not self.lo <= int(text) <= self.hi:
            return self.failure(f"{self.what} is a whole number from {self.lo} to {self.hi}")
        return self.success()


class IsoDate(Validator):
    def validate(self, value: str) -> ValidationResult:
        try:
            date.fromisoformat(value.strip())
        except ValueError:
            return self.failure("a date is YYYY-MM-DD, e.g. 2025-01-31")
        return self.success()


class BizDate(Validator):
    def validate(self, value: str) -> ValidationResult:
        from engine.params import parse_bizdate

        try:
            parse_bizdate(value.strip())
        except MaxworksError as err:
            return self.failure(err.message)
        return self.success()


class Assignments(Validator):
    """Scheduling parameters as typed in DataWorks: ``a=$bizdate b=${yyyymmdd-1}``."""

    def validate(self, value: str) -> ValidationResult:
        from engine.params import parse_assignments

        try:
            parse_assignments(value)
        except MaxworksError as err:
            hint = f" ({err.hint})" if err.hint else ""
            return self.failure(err.message + hint)
        return self.success()


class Names(Validator):
    """Comma-separated names that must each match ``pattern`` (output names, node names)."""

    def __init__(self, pattern: re.Pattern[str], what: str) -> None:
        super().__init__()
        self.pattern, self.what = pattern, what

    def validate(self, value: str) -> ValidationResult:
        for item in split_items(value):
            if not self.pattern.match(item):
                return self.failure(f"{item!r} is not a valid {self.what}")
        return self.success()


class Expression(Validator):
    """One parameter expression (``$bizdate``, ``${yyyymmdd-1}``, a constant)."""

    def validate(self, value: str) -> ValidationResult:
        from engine.params import check_expression

        try:
            check_expression(value.strip())
        except MaxworksError as err:
            return self.failure(err.message)
        return self.success()
