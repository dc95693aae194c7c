"""The ``:`` prompt: one line with completion (Tab), history (Up/Down) and inline errors.

It edits and parses text only: a valid line is posted up as :class:`CommandLine.CommandEntered`
and the app routes it. Errors (unknown command, bad arguments, a target a pane cannot open) are
shown under the prompt, which stays open so the user can fix the line.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from tui.commands import (
    COMMANDS,
    Command,
    CommandError,
    CommandHistory,
    common_prefix,
    complete,
    parse_command,
)


class CommandLine(Widget):
    DEFAULT_CSS = """
    CommandLine {
        display: none;
        height: auto;
        background: $panel;
        &.-open { display: block; }
        Horizontal { height: 1; }
        #command-colon { width: 2; color: $accent; text-style: bold; padding-left: 1; }
        #command-input {
            border: none;
            height: 1;
            padding: 0;
            background: $panel;
            width: 1fr;
        }
        #command-hint { color: $text-muted; height: auto; max-height: 3; padding: 0 1; }
        #command-hint.-error { color: $text-error; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=True),
        Binding("tab", "complete", "Complete", show=True),
        Binding("up", "history(-1)", "Older", show=False),
        Binding("down", "history(1)", "Newer", show=False),
    ]

    class CommandEntered(Message):
        """A command line parsed and ready to route."""

        def __init__(self, command: Command, text: str) -> None:
            super().__init__()
            self.command = command
            self.text = text

    class Closed(Message):
        """The prompt closed (Esc or a command entered): focus goes back where it was."""

    def __init__(self, history: CommandHistory, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.history = history
        self.nodes: list[str] = []
        """Node names offered after ``:node`` (the app fills it in the background)."""
        self.themes: list[str] = []
        """Theme names offered after ``:theme``."""
        self.cursor_blink = True
        self._history_index = len(history.entries)
        self._draft = ""
        self._cycle: list[str] = []
        self._cycle_index = -1
        self._programmatic: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(":", id="command-colon")
            yield Input(id="command-input", select_on_focus=False)
        yield Static("", id="command-hint")

    @property
    def input(self) -> Input:
        return self.query_one("#command-input", Input)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    # -- what the app calls ----------------------------------------------------------------------
    def open(self, text: str = "", *, error: str | None = None) -> None:
        self.add_class("-open")
        self.input.cursor_blink = self.cursor_blink
        self._set_value(text)
        self._history_index = len(self.history.entries)
        self._draft = text
        if error:
            self.show_error(error)
        else:
            self.show_hint(_usage_summary())
        self.input.focus()

    def close(self) -> None:
        if self.is_open:
            self.remove_class("-open")
            self.post_message(self.Closed())

    def show_error(self, message: str) -> None:
        hint = self.query_one("#command-hint", Static)
        hint.update(Content(message))
        hint.add_class("-error")

    def show_hint(self, message: str) -> None:
        hint = self.query_one("#command-hint", Static)
        hint.update(Content(message))
        hint.remove_class("-error")

    # -- handlers ---------------------------------------------------------------------------------
    @on(Input.Submitted, "#command-input")
    def run_line(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        try:
            command = parse_command(text, themes=self.themes)
        except CommandError as err:
            self.show_error(str(err))
            return
        self.history.add(text.lstrip(":"), on_error=lambda m: self.notify(m, severity="warning"))
        self.close()
        self.post_message(self.CommandEntered(command, text))

    @on(Input.Changed, "#command-input")
    def forget_completion(self, event: Input.Changed) -> None:
        event.stop()
        if event.value == self._programmatic:
            return  # our own completion or history step, not the user typing
        if ":" in event.value:  # no command has a colon: ":" typed again starts a new line
            self._set_value(event.value.rsplit(":", 1)[1])
            self.show_hint(_usage_summary())
            return
        self._programmatic = None
        self._cycle = []
        self._cycle_index = -1
        self._draft = event.value
        self._history_index = len(self.history.entries)

    # -- actions ----------------------------------------------------------------------------------
    def action_close(self) -> None:
        self.close()

    def action_complete(self) -> None:
        if self._cycle:
            self._cycle_index = (self._cycle_index + 1) % len(self._cycle)
            self._set_value(self._cycle[self._cycle_index])
            return
        text = self.input.value
        candidates = complete(text, nodes=self.nodes, themes=self.themes)
        if not candidates:
            self.show_hint(f"nothing to complete after {text!r}" if text else _usage_summary())
            return
        if len(candidates) == 1:
            only = candidates[0]
            self._set_value(only if only.endswith("=") else only + " ")
            self.show_hint(_usage_of(only))
            return
        prefix = common_prefix(candidates)
        if len(prefix) > len(text):
            self._set_value(prefix)
        else:
            self._cycle = candidates
            self._cycle_index = 0
            self._set_value(candidates[0])
        shown = [c.split(" ")[-1] or c for c in candidates[:12]]
        more = f" (+{len(candidates) - 12} more)" if len(candidates) > 12 else ""
        self.show_hint("  ".join(shown) + more)

    def action_history(self, step: int) -> None:
        entries = self.history.entries
        if not entries:
            return
        index = min(max(self._history_index + step, 0), len(entries))
        if index == self._history_index:
            return
        self._history_index = index
        self._set_value(entries[index] if index < len(entries) else self._draft)

    def _set_value(self, text: str) -> None:
        self._programmatic = text
        self.input.value = text
        self.input.cursor_position = len(text)


def _usage_of(line: str) -> str:
    head = line.split(" ", 1)[0]
    info = next((c for c in COMMANDS if head in (c.name, *c.aliases)), None)
    return f"{info.usage}  — {info.help}" if info is not None else ""


def _usage_summary() -> str:
    return "  ".join(c.usage.split(" ")[0] for c in COMMANDS) + "   Tab completes · ↑↓ history"
