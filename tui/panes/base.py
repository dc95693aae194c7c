"""What every pane is: a widget built from the engine API that the shell can route commands to."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.widget import Widget

if TYPE_CHECKING:
    from engine.api import Api


class Pane(Widget):
    """A top-level view (DataStudio, Operation Center, ...).

    The shell sets ``api`` and shows one pane at a time. Blocking work runs in workers that post
    messages; a pane never opens SQLite or DuckDB itself, it calls ``self.api``.
    """

    PANE_ID: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""

    def __init__(self, api: Api, *, id: str | None = None) -> None:
        super().__init__(id=id or self.PANE_ID)
        self.api = api

    def open_target(self, target: str) -> bool:
        """Command-mode routing (``:node NAME``, ``:inst bizdate=D status=failed``): show ``target``
        if this pane understands it; return False otherwise."""
        return False

    def help_keys(self) -> list[tuple[str, str]]:
        """(key, description) pairs for the `?` help of this pane, beyond its BINDINGS."""
        return []
