"""Small dialogs of the Approvals pane: a reason (approve / reject) and a number of days (renew)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

CSS = """
AskScreen { align: center middle; background: $background 60%; }
AskScreen #ask-box {
    width: 72; max-width: 95%; height: auto; background: $panel;
    border: round $primary; padding: 0 1;
}
AskScreen .ask-title { text-style: bold; color: $primary; }
AskScreen .ask-lines { color: $text-muted; height: auto; }
AskScreen #ask-error { color: $error; height: auto; }
"""


class AskScreen(ModalScreen[str | None]):
    """One line of input under a title and the lines that say what will happen. Enter answers
    (refused while empty when ``required``), Esc cancels (None)."""

    DEFAULT_CSS = CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="approvals.ask.cancel"),
    ]

    def __init__(
        self,
        title: str,
        lines: list[str],
        *,
        placeholder: str = "",
        value: str = "",
        required: bool = False,
        digits: bool = False,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.placeholder = placeholder
        self.value = value
        self.required = required
        self.digits = digits

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-box"):
            yield Static(self.title_text, classes="ask-title")
            yield Static("\n".join(self.lines), classes="ask-lines")
            yield Input(self.value, placeholder=self.placeholder, id="ask-input")
            yield Static("Enter to confirm, Esc to cancel", id="ask-error")

    def on_mount(self) -> None:
        self.query_one("#ask-input", Input).focus()

    @on(Input.Submitted, "#ask-input")
    def answer(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if self.required and not text:
            self.query_one("#ask-error", Static).update("a reason is required")
            return
        if self.digits and not text.isdigit():
            self.query_one("#ask-error", Static).update("a number of days, please")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
