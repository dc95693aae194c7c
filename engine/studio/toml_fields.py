"""Typed reads of a node file's TOML values, whose errors name the file and the key."""

from __future__ import annotations

import contextlib
import re
from datetime import date, time
from pathlib import Path
from typing import Any

from engine.errors import ConfigError


class Fields:
    """Typed reads of TOML values whose errors name the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _err(self, key: str, why: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"{self.path}: {key}: {why}", hint=hint)

    def no_unknown(self, raw: dict[str, Any], allowed: set[str], prefix: str) -> None:
        for key in raw:
            if key not in allowed:
                raise self._err(
                    f"{prefix}{key}", f"unknown key (expected one of: {', '.join(sorted(allowed))})"
                )

    def table(self, raw: dict[str, Any], key: str) -> dict[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            raise self._err(key, f"must be a table ([{key}])")
        return value

    def string(
        self,
        raw: dict[str, Any],
        key: str,
        default: str | None,
        prefix: str = "",
        *,
        required: bool = False,
    ) -> str | None:
        if key not in raw:
            if required:
                raise self._err(f"{prefix}{key}", "is required")
            return default
        value = raw[key]
        if not isinstance(value, str) or (required and not value.strip()):
            raise self._err(
                f"{prefix}{key}", "must be a non-empty string" if required else "must be a string"
            )
        return value

    def choice(
        self,
        raw: dict[str, Any],
        key: str,
        choices: dict[str, Any],
        prefix: str = "",
        default: Any = None,
        *,
        required: bool = False,
    ) -> Any:
        if key not in raw:
            if required:
                raise self._err(
                    f"{prefix}{key}", "is required", hint="one of: " + ", ".join(choices)
                )
            return default
        value = raw[key]
        found = choices.get(value.strip().lower()) if isinstance(value, str) else None
        if found is None:
            raise self._err(f"{prefix}{key}", f"{value!r} is not one of: {', '.join(choices)}")
        return found

    def integer(
        self, raw: dict[str, Any], key: str, default: int, lo: int, hi: int, prefix: str = ""
    ) -> int:
        value = self.optional_integer(raw, key, lo, hi, prefix)
        return default if value is None else value

    def optional_integer(
        self, raw: dict[str, Any], key: str, lo: int, hi: int, prefix: str = ""
    ) -> int | None:
        if key not in raw:
            return None
        value = raw[key]
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise self._err(
                f"{prefix}{key}", f"must be an integer from {lo} to {hi} (got {value!r})"
            )
        return value

    def boolean(self, raw: dict[str, Any], key: str, default: bool, prefix: str = "") -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            raise self._err(f"{prefix}{key}", f"must be true or false (got {value!r})")
        return value

    def day(self, raw: dict[str, Any], key: str, default: date, prefix: str) -> date:
        value = raw.get(key, default)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = date.fromisoformat(value)
        if not isinstance(value, date) or hasattr(value, "hour"):
            raise self._err(f"{prefix}{key}", f"must be a date like 2025-01-31 (got {value!r})")
        return value

    def clock(self, raw: dict[str, Any], key: str, prefix: str) -> time | None:
        value = raw.get(key)
        if value is None or isinstance(value, time):
            return value
        if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value):
            hh, mm = map(int, value.split(":"))
            if hh < 24 and mm < 60:
                return time(hh, mm)
        raise self._err(f"{prefix}{key}", f"must be a time of day HH:MM (got {value!r})")

    def items(self, raw: dict[str, Any], key: str, prefix: str) -> list[int | str]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(v, (int, str)) and not isinstance(v, bool) for v in value
        ):
            raise self._err(f"{prefix}{key}", "must be an array of numbers or names")
        return value

    def names(
        self, raw: dict[str, Any], key: str, prefix: str, pattern: re.Pattern[str]
    ) -> tuple[str, ...]:
        value = raw.get(key, [])
        if not isinstance(value, list):
            raise self._err(f"{prefix}{key}", "must be an array of strings")
        for item in value:
            if not isinstance(item, str) or not pattern.match(item):
                raise self._err(f"{prefix}{key}", f"{item!r} is not a valid name")
        return tuple(value)
