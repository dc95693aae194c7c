"""Run with parameters: choose the business date and give each parameter a value or expression.

As in DataWorks' advanced run, every parameter the code uses is listed, prefilled with the
node's expression (or empty for a ``${name}`` nothing assigns), and previewed for the chosen
business date before anything runs, with the cost estimate for those values (computed in a
thread worker a moment after the last change).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Static

from engine.errors import MaxworksError
from engine.params import ParamContext, evaluate, parse_bizdate
from tui.panes.studio.dialogs import StudioDialog
from tui.panes.studio.formfield import Field, text_input
from tui.panes.studio.validators import BizDate, Expression


@dataclass(frozen=True)
class RunChoice:
    bizdate: date
    params: dict[str, str]


class RunParamsScreen(StudioDialog[RunChoice | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="studio.runparams.cancel"),
        Binding("ctrl+s", "run", "Run", id="studio.runparams.run"),
    ]

    def __init__(
        self,
        node: str,
        bizdate: date,
        params: dict[str, str],
        *,
        time_of_day: time = time(0, 0),
        cost_note: str = "",
        estimate: Callable[[date, dict[str, str]], str] | None = None,
    ) -> None:
        """``estimate(bizdate, values)``: the cost line for those values (blocking: it runs in
        a thread worker)."""
        super().__init__()
        self.node = node
        self.bizdate = bizdate
        self.params = params
        self.time_of_day = time_of_day
        self.cost_note = cost_note
        self.estimate = estimate
        self._estimate_timer: Timer | None = None
        self._asked = 0

    class _Estimated(Message):
        def __init__(self, asked: int, text: str) -> None:
            super().__init__()
            self.asked = asked
            self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="studio-dialog"):
            yield Label(f"Run {self.node} with parameters", classes="studio-dialog--title")
            with VerticalScroll(id="runparams-fields"):
                yield Field(
                    "business date",
                    text_input(f"{self.bizdate:%Y%m%d}", id="rp-bizdate", validators=[BizDate()]),
                )
                for name, expr in self.params.items():
                    yield Field(
                        name,
                        text_input(
                            expr,
                            id=f"rp-{name}",
                            validators=[Expression()],
                            placeholder="value or $expression",
                        ),
                    )
            yield Static("", id="rp-preview", markup=False, classes="preview")
            if self.estimate is not None:
                yield Static("cost estimate: …", id="rp-estimate", markup=False, classes="preview")
            if self.cost_note:
                yield Static(self.cost_note, id="rp-cost", markup=False, classes="preview")
            yield Label("", id="rp-error", classes="studio-error")
            yield Button("Run", id="rp-run", variant="primary", compact=True)
            yield Static(
                "Enter or Ctrl+S run · Esc cancel", markup=False, classes="studio-dialog--hint"
            )

    def on_mount(self) -> None:
        self._preview()
        first = next(iter(self.query(Input)), None)
        if first is not None:
            first.focus()

    def _values(self) -> tuple[date | None, dict[str, str]]:
        try:
            day = parse_bizdate(self.query_one("#rp-bizdate", Input).value.strip())
        except MaxworksError:
            day = None
        values = {name: self.query_one(f"#rp-{name}", Input).value.strip() for name in self.params}
        return day, values

    def _preview(self) -> None:
        day, values = self._values()
        preview = self.query_one("#rp-preview", Static)
        if day is None:
            preview.update("")
            return
        self._schedule_estimate()
        ctx = ParamContext.for_bizdate(day, time_of_day=self.time_of_day)
        lines = [f"bizdate {ctx.bizdate:%Y%m%d} · cyctime {ctx.cyctime:%Y%m%d%H%M%S}"]
        for name, expr in values.items():
            try:
                value = evaluate(expr, ctx) if "$" in expr else expr
                lines.append(f"${{{name}}} → {value}" if expr else f"${{{name}}} has no value yet")
            except MaxworksError as err:
                lines.append(f"${{{name}}}: {err.message}")
        preview.update("\n".join(lines))

    @on(Input.Changed)
    def _changed(self) -> None:
        self._preview()

    # -- the cost estimate -------------------------------------------------------------------
    def _schedule_estimate(self) -> None:
        if self.estimate is None:
            return
        if self._estimate_timer is not None:
            self._estimate_timer.stop()
        self._asked += 1
        asked = self._asked
        self._estimate_timer = self.set_timer(0.3, lambda: self._ask_estimate(asked))

    def _ask_estimate(self, asked: int) -> None:
        day, values = self._values()
        if day is None or asked != self._asked:
            return
        self.query_one("#rp-estimate", Static).update("cost estimate: …")
        self._run_estimate(asked, day, values)

    @work(thread=True, group="rp-estimate", exit_on_error=False)
    def _run_estimate(self, asked: int, day: date, values: dict[str, str]) -> None:
        assert self.estimate is not None
        try:
            text = self.estimate(day, values)
        except Exception as err:  # advice only: say why it is missing
            text = f"cost estimate unavailable: {getattr(err, 'message', err)}"
        self.post_message(self._Estimated(asked, text))

    @on(_Estimated)
    def _estimated(self, event: _Estimated) -> None:
        event.stop()
        if event.asked == self._asked and self.is_mounted:
            self.query_one("#rp-estimate", Static).update(event.text)

    @on(Input.Submitted)
    @on(Button.Pressed, "#rp-run")
    def _submit(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        problems = [f"{f.label}: {f.error}" for f in self.query(Field) if f.error]
        day, values = self._values()
        missing = [name for name, value in values.items() if not value]
        if missing:
            problems.append("give a value to " + ", ".join(missing))
        if problems or day is None:
            self.query_one("#rp-error", Label).update("; ".join(problems))
            return
        self.dismiss(RunChoice(day, values))

    def action_cancel(self) -> None:
        self.dismiss(None)
