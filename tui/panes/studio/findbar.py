"""The one-line bar under the editor for Find (Ctrl+F) and Go to line (Ctrl+G)."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Label

Mode = Literal["find", "goto"]
_LINE = re.compile(r"\s*(\d+)(?:\s*[:,]\s*(\d+))?\s*\Z")


class FindBar(Horizontal):
    """Find: Enter finds the next match, Shift+Enter (or Up) the previous; Esc closes.
    Go to line: ``LINE`` or ``LINE:COLUMN``, Enter jumps."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=False, id="studio.find.close"),
        Binding("up,shift+enter", "previous", "Previous match", show=False, id="studio.find.prev"),
        Binding("down", "next", "Next match", show=False, id="studio.find.next"),
    ]

    class FindRequested(Message):
        def __init__(self, needle: str, forward: bool, from_cursor: bool) -> None:
            super().__init__()
            self.needle = needle
            self.forward = forward
            self.from_cursor = from_cursor

    class GotoRequested(Message):
        def __init__(self, line: int, column: int) -> None:
            super().__init__()
            self.line = line
            self.column = column

    class Closed(Message):
        """The bar was closed: focus goes back to the editor."""

    mode: reactive[Mode] = reactive("find")

    def compose(self) -> ComposeResult:
        yield Label("Find:", id="find-label")
        yield Input(id="find-input", compact=True)
        yield Label("", id="find-status")

    def open(self, mode: Mode, initial: str = "") -> None:
        self.mode = mode
        self.display = True
        self.set_status("")
        box = self.query_one("#find-input", Input)
        box.placeholder = "text to find" if mode == "find" else "line or line:column"
        box.value = initial
        box.focus()

    def watch_mode(self, mode: Mode) -> None:
        self.query_one("#find-label", Label).update("Find:" if mode == "find" else "Go to line:")

    def set_status(self, text: str) -> None:
        self.query_one("#find-status", Label).update(text)

    @on(Input.Changed, "#find-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self.mode == "find" and event.value:
            self.post_message(self.FindRequested(event.value, True, from_cursor=False))

    @on(Input.Submitted, "#find-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.mode == "find":
            self.action_next()
            return
        match = _LINE.match(event.value)
        if match is None:
            self.set_status("type a line number, e.g. 12 or 12:5")
            return
        self.post_message(self.GotoRequested(int(match.group(1)), int(match.group(2) or 1)))
        self.action_close()

    def action_next(self) -> None:
        needle = self.query_one("#find-input", Input).value
        if self.mode == "find" and needle:
            self.post_message(self.FindRequested(needle, True, from_cursor=True))

    def action_previous(self) -> None:
        needle = self.query_one("#find-input", Input).value
        if self.mode == "find" and needle:
            self.post_message(self.FindRequested(needle, False, from_cursor=True))

    def action_close(self) -> None:
        self.display = False
        self.post_message(self.Closed())
