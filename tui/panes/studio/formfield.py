"""One labelled form field whose invalid value is refused inline, with the reason beneath."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.validation import Validator
from textual.widget import Widget
from textual.widgets import Input, Label


def text_input(
    value: str, *, id: str, validators: list[Validator] | None = None, placeholder: str = ""
) -> Input:
    return Input(
        value,
        id=id,
        validators=validators or [],
        validate_on=["changed", "submitted"],
        placeholder=placeholder,
        compact=True,
    )


class Field(Vertical):
    """``label`` and ``widget`` on one line; the first failure of an Input's validators below."""

    def __init__(self, label: str, widget: Widget, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="field")
        self.label = label
        self.widget = widget

    def compose(self) -> ComposeResult:
        # one grid (label | widget, the error beneath both), no row container: a pane switch
        # shows, hides and lays out every widget of the form, so fewer is faster
        yield Label(self.label, classes="field--label")
        yield self.widget
        error = Label("", classes="field--error")
        error.display = False
        yield error

    @property
    def error(self) -> str:
        """Why the value is refused ('' when it is fine)."""
        if isinstance(self.widget, Input) and self.widget.validators:
            result = self.widget.validate(self.widget.value)
            if result is not None and not result.is_valid:
                return "; ".join(result.failure_descriptions)
        return ""

    def show_error(self, text: str) -> None:
        label = self.query_one(".field--error", Label)
        label.update(text)
        label.display = bool(text)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input is not self.widget:
            return
        result = event.validation_result
        self.show_error(
            "" if result is None or result.is_valid else "; ".join(result.failure_descriptions)
        )


def apply_cursor_blink(root: Widget, blink: bool) -> None:
    """Set cursor blinking on every text input under ``root`` (the shell's editor option; tests
    and snapshots turn it off)."""
    from textual.widgets import TextArea

    for widget in root.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = blink
