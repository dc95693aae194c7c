"""The request-access form: table, columns, action, validity and reason, sent through the engine
(``Api.security.request``). The Data Map pane opens it with the table it shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from engine.errors import MaxworksError
from engine.security.grants import GRANT_ACTIONS, Request

if TYPE_CHECKING:
    from engine.api import Api

CSS = """
RequestAccessScreen { align: center middle; background: $background 60%; }
RequestAccessScreen #request-form {
    width: 72; max-width: 95%; height: auto; max-height: 95%;
    background: $panel; border: round $primary; padding: 0 1;
}
RequestAccessScreen .form-title { text-style: bold; color: $primary; }
RequestAccessScreen .form-hint { color: $text-muted; }
RequestAccessScreen #request-error { color: $error; height: auto; }
RequestAccessScreen Input, RequestAccessScreen Select { margin-bottom: 0; }
RequestAccessScreen #request-row { height: auto; }
RequestAccessScreen #request-row Vertical { height: auto; width: 1fr; }
RequestAccessScreen #request-buttons { height: auto; margin-top: 1; }
RequestAccessScreen #request-buttons Button { margin-right: 1; }
"""


class RequestAccessScreen(ModalScreen[Request | None]):
    """Ask for a permission; dismisses with the created request, or None when cancelled."""

    DEFAULT_CSS = CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="approvals.request.cancel"),
        Binding("ctrl+s", "submit", "Submit", id="approvals.request.submit"),
    ]

    def __init__(self, api: Api, table: str = "") -> None:
        super().__init__()
        self.api = api
        self.table = table

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="request-form"):
            yield Static("Request access", classes="form-title")
            yield Static(
                "Production tables need a granted permission; the approval flow decides who approves.",
                classes="form-hint",
            )
            yield Label("Table (project.table)")
            yield Input(self.table, placeholder="shop.ods_user_info_d", id="request-table")
            yield Label("Columns (comma-separated; empty: the whole table)")
            yield Input("", placeholder="user_id,city", id="request-columns")
            with Horizontal(id="request-row"):
                with Vertical():
                    yield Label("Action")
                    yield Select(
                        [(a, a) for a in GRANT_ACTIONS],
                        value="select",
                        allow_blank=False,
                        id="request-action",
                    )
                with Vertical():
                    yield Label("Valid for (days)")
                    yield Input("30", placeholder="days", id="request-days", type="integer")
            yield Label("Reason (shown to the approver)")
            yield Input("", placeholder="why you need it", id="request-reason")
            yield Static("", id="request-error")
            with Horizontal(id="request-buttons"):
                yield Button("Submit", variant="primary", id="request-submit")
                yield Button("Cancel", id="request-cancel")

    def on_mount(self) -> None:
        self.query_one("#request-reason" if self.table else "#request-table", Input).focus()

    @on(Button.Pressed, "#request-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#request-submit")
    @on(Input.Submitted, "#request-reason")
    def action_submit(self) -> None:
        table = self.query_one("#request-table", Input).value.strip()
        columns = [
            c for c in self.query_one("#request-columns", Input).value.split(",") if c.strip()
        ]
        action = str(self.query_one("#request-action", Select).value)
        days_text = self.query_one("#request-days", Input).value.strip() or "30"
        reason = self.query_one("#request-reason", Input).value
        error = self.query_one("#request-error", Static)
        if not table:
            error.update("give the table")
            return
        if not days_text.isdigit():
            error.update("days must be a number")
            return
        error.update("sending…")
        self._send(table, columns or None, action, int(days_text), reason)

    @work(thread=True, exclusive=True, group="request-access")
    def _send(
        self, table: str, columns: list[str] | None, action: str, days: int, reason: str
    ) -> None:
        try:
            req = self.api.security.request(
                table, columns=columns, action=action, days=days, reason=reason
            )
        except MaxworksError as err:
            self.app.call_from_thread(self._failed, str(err))
            return
        self.app.call_from_thread(self.dismiss, req)

    def _failed(self, message: str) -> None:
        self.query_one("#request-error", Static).update(Text(message))
