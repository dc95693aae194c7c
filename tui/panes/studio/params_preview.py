"""The Parameters section: DataWorks' parameter box, with the values it gives on a business date.

The preview evaluates every expression with the engine (``engine.params``) for the business
date chosen here and the node's scheduled time of day, exactly as instance generation would,
and lists the ``${name}`` references of the code that nothing assigns.
"""

from __future__ import annotations

from datetime import date, time

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from engine.errors import MaxworksError
from engine.params import (
    ParamContext,
    evaluate,
    format_assignments,
    parse_assignments,
    parse_bizdate,
    unresolved_references,
)
from engine.params.implicit import IMPLICIT_PARAMS
from tui.panes.studio.formfield import Field, text_input
from tui.panes.studio.validators import Assignments, BizDate


def preview_lines(
    params: dict[str, str], bizdate: date, time_of_day: time
) -> list[tuple[str, str, str, bool]]:
    """(name, expression, value or reason, ok) for each parameter, then the built-in ones."""
    ctx = ParamContext.for_bizdate(bizdate, time_of_day=time_of_day)
    out: list[tuple[str, str, str, bool]] = []
    for name, expr in params.items():
        try:
            out.append((name, expr, evaluate(expr, ctx), True))
        except MaxworksError as err:
            out.append((name, expr, err.message, False))
    for name in IMPLICIT_PARAMS:
        if name not in params:
            out.append((name, f"${name}", evaluate(f"${name}", ctx), True))
    return out


def unassigned(code: str, params: dict[str, str]) -> list[str]:
    """``${name}`` references of ``code`` that neither the parameters nor the built-ins give."""
    return [n for n in unresolved_references(code) if n not in params and n not in IMPLICIT_PARAMS]


class ParamsPreview(Vertical):
    class Edited(Message):
        """The parameter list changed."""

    def __init__(
        self, params: tuple[tuple[str, str], ...], bizdate: date, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.initial = format_assignments(dict(params))
        self.bizdate = bizdate
        self.code = ""
        self.time_of_day = time(0, 0)

    def compose(self) -> ComposeResult:
        yield Label("Parameters", classes="section-title")
        yield Field(
            "parameters",
            text_input(self.initial, id="params-text", validators=[Assignments()],
                       placeholder="name=$bizdate other=${yyyymmdd-1}"),
        )  # fmt: skip
        yield Field(
            "preview for",
            text_input(f"{self.bizdate:%Y%m%d}", id="params-bizdate", validators=[BizDate()]),
        )
        yield Static("", id="params-preview", markup=False, classes="preview")
        yield Static("", id="params-unassigned", markup=False, classes="preview preview--warning")

    def on_mount(self) -> None:
        self.refresh_preview()

    def set_code(self, code: str) -> None:
        self.code = code
        if self.is_mounted:
            self.refresh_preview()

    def set_time(self, time_of_day: time) -> None:
        self.time_of_day = time_of_day
        if self.is_mounted:
            self.refresh_preview()

    def params(self) -> dict[str, str]:
        """The parameters as typed (ParamError when the list is invalid)."""
        return parse_assignments(self.query_one("#params-text", Input).value)

    def errors(self) -> list[str]:
        return [f"{f.label}: {f.error}" for f in self.query(Field) if f.error]

    def refresh_preview(self) -> None:
        preview = self.query_one("#params-preview", Static)
        try:
            params = self.params()
        except MaxworksError:
            params = None
        try:
            day = parse_bizdate(self.query_one("#params-bizdate", Input).value.strip())
        except MaxworksError:
            day = None
        if params is None or day is None:
            preview.update("(fix the values above to see the preview)")
        else:
            lines = [
                f"{name} = {expr}  →  {value if ok else 'refused: ' + value}"
                for name, expr, value, ok in preview_lines(params, day, self.time_of_day)
            ]
            preview.update("\n".join(lines))
        missing = unassigned(self.code, params or {})
        warning = self.query_one("#params-unassigned", Static)
        warning.update(
            "no value for " + ", ".join(f"${{{n}}}" for n in missing) + " (Run asks for it)"
            if missing
            else ""
        )
        warning.display = bool(missing)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self.refresh_preview()
        if event.input.id == "params-text":
            self.post_message(self.Edited())
