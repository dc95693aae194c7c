"""One error family for the engine. Every error says what is wrong and what to do next."""

from __future__ import annotations


class MaxworksError(Exception):
    """Base of every error the engine raises on purpose (the CLI prints these without a traceback)."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class ConfigError(MaxworksError):
    """maxworks.toml or the user config is missing or invalid (names the file and the key)."""


class WorkspaceError(MaxworksError):
    """No workspace here, or the workspace on disk is not usable."""


class ParamError(MaxworksError):
    """A scheduling-parameter expression is invalid (names the expression and why)."""


class SqlError(MaxworksError):
    """A SQL statement failed: parse error, unsupported construct, guard, or execution error.

    ``line`` is the 1-based line of the statement in the user's script (after parameter
    substitution the line numbers are preserved, because substitution never adds newlines).
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.line = line
        self.code = code
        prefix = f"{code}: " if code else ""
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{prefix}{message}", hint=hint)
        self.reason = message


class UnsupportedSqlError(SqlError):
    """The local engine cannot reproduce this construct exactly, so it refuses to run it."""


class PermissionDenied(MaxworksError):
    """The acting user's role or grants do not allow this (names the user, the role and what
    would allow it). Distinct exit code so scripts can tell a refusal from a failure."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        user: str | None = None,
        role: str | None = None,
        action: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(f"permission denied: {message}", hint=hint)
        self.user = user
        self.role = role
        self.action = action
