"""Operation Center's dialogs: one confirmation that lists exactly what will happen, a test run's
business date, and the backfill form with its preview."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, SelectionList, Static

from engine.errors import MaxworksError

if TYPE_CHECKING:
    from engine.api import Api
    from engine.ops.runs import BackfillRun

DIALOG_CSS = """
OpsDialog { align: center middle; background: $background 60%; }
.ops-dialog {
    width: 84; max-width: 95%; height: auto; max-height: 90%;
    background: $panel; border: round $primary; padding: 0 1;
}
.ops-dialog--title { text-style: bold; color: $primary; width: 1fr; }
.ops-dialog--hint { color: $text-muted; height: auto; }
.ops-dialog--error { color: $error; height: auto; }
.ops-dialog--list { height: auto; max-height: 16; }
.ops-dialog--buttons { height: auto; margin-top: 1; }
.ops-dialog--buttons Button { margin-right: 1; }
.ops-dialog Input { margin-bottom: 0; }
.ops-dialog SelectionList { height: auto; max-height: 10; }
#backfill-preview { height: auto; max-height: 10; }
.ops-dialog--row { height: auto; }
.ops-dialog--row > Static { width: auto; padding-top: 1; }
.ops-dialog--row > Input { width: 8; }
.ops-dialog--row > Checkbox { width: auto; }
"""


class OpsDialog(ModalScreen[object]):
    DEFAULT_CSS = DIALOG_CSS


class ConfirmScreen(OpsDialog):
    """``title`` and the exact list of what will happen; y/Enter confirms, n/Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="ops.confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="ops.confirm.no"),
    ]

    def __init__(self, title: str, lines: list[str], *, verb: str, danger: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.verb = verb
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="ops-dialog"):
            yield Label(self.title_text, classes="ops-dialog--title", markup=False)
            with VerticalScroll(classes="ops-dialog--list"):
                yield Static(Text("\n".join(self.lines)), id="confirm-lines")
            with Horizontal(classes="ops-dialog--buttons"):
                yield Button(
                    Content(f"{self.verb} [y]"),  # plain text: "[y]" is not markup here
                    id="yes",
                    variant="error" if self.danger else "primary",
                )
                yield Button(Content("Cancel [n]"), id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def parse_day(text: str) -> date:
    raw = text.strip()
    digits = raw.replace("-", "") if len(raw) == 10 else raw
    try:
        if len(digits) != 8 or not digits.isdigit():
            raise ValueError
        return datetime.strptime(digits, "%Y%m%d").date()
    except ValueError:
        raise MaxworksError(
            f"{raw or '(empty)'!r} is not a business date: write YYYYMMDD"
        ) from None


def parse_ranges(text: str) -> list[tuple[date, date]]:
    """``20250301-20250305, 20250310`` -> [(from, to), ...]."""
    out: list[tuple[date, date]] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        lo, dash, hi = part.partition("~") if "~" in part else part.partition(" - ")
        if not dash:
            bits = part.split("-")
            if len(bits) == 2 and all(len(b.strip()) == 8 for b in bits):
                lo, hi = bits
            else:
                lo = hi = part
        start, end = parse_day(lo), parse_day(hi)
        if start > end:
            raise MaxworksError(f"date range {part!r} ends before it starts")
        out.append((start, end))
    if not out:
        raise MaxworksError("give at least one business date or range, e.g. 20250301-20250305")
    return out


class RunTestDialog(OpsDialog):
    """A test run of a deployed node for one business date."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="ops.test.cancel")
    ]

    def __init__(self, node: str, default: str) -> None:
        super().__init__()
        self.node = node
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(classes="ops-dialog"):
            yield Label(f"Test run of {self.node}", classes="ops-dialog--title", markup=False)
            yield Static("Business date (YYYYMMDD):", classes="ops-dialog--hint")
            yield Input(self.default, id="test-bizdate")
            yield Label("", id="test-error", classes="ops-dialog--error")
            yield Static(
                "Enter runs the deployed version in production · Esc cancels",
                classes="ops-dialog--hint",
            )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.dismiss(parse_day(event.value))
        except MaxworksError as err:
            self.query_one("#test-error", Label).update(str(err))

    def action_cancel(self) -> None:
        self.dismiss(None)


class BackfillScreen(OpsDialog):
    """Backfill ("patch data") for a deployed node: its descendants to include, date ranges,
    parallel groups, order, and a preview of the instances it will create before anything is."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="ops.backfill.cancel"),
        Binding("f5", "preview", "Preview", priority=True, id="ops.backfill.preview"),
    ]

    def __init__(self, api: Api, root: str, default_day: str) -> None:
        super().__init__()
        self.api = api
        self.root = root
        self.default_day = default_day
        self.descendants: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="ops-dialog"):
            yield Label(f"Backfill {self.root}", classes="ops-dialog--title", markup=False)
            yield Static("Business dates (ranges, comma separated):", classes="ops-dialog--hint")
            yield Input(f"{self.default_day}-{self.default_day}", id="backfill-ranges")
            with Horizontal(classes="ops-dialog--row"):
                yield Static("Parallel groups (1-10): ", classes="ops-dialog--hint")
                yield Input("1", id="backfill-parallel", restrict=r"[0-9]*", max_length=2)
                yield Checkbox("Newest date first", id="backfill-desc")
            yield Static("Descendants to include (Space toggles):", classes="ops-dialog--hint")
            yield SelectionList[str](id="backfill-nodes")
            yield Static("", id="backfill-preview")
            yield Label("", id="backfill-error", classes="ops-dialog--error")
            with Horizontal(classes="ops-dialog--buttons"):
                yield Button(Content("Preview [F5]"), id="preview")
                yield Button("Create backfill", id="create", variant="primary")
                yield Button(Content("Cancel [esc]"), id="cancel")

    def on_mount(self) -> None:
        try:
            _, downs = self.api.ops.node_dag(self.root, up=0, down=99)
        except MaxworksError as err:
            self._error(str(err))
            downs = []
        self.descendants = sorted({name for _, name in downs})
        nodes = self.query_one(SelectionList)
        nodes.add_options([(name, name, False) for name in self.descendants])
        if not self.descendants:
            nodes.display = False
        self.query_one("#backfill-ranges", Input).focus()

    def _error(self, text: str) -> None:
        self.query_one("#backfill-error", Label).update(text)

    def _plan(self, *, preview: bool) -> BackfillRun | None:
        try:
            ranges = _ranges_of(self.query_one("#backfill-ranges", Input).value)
            parallel_text = self.query_one("#backfill-parallel", Input).value or "0"
            parallel = int(parallel_text)
            include = list(self.query_one(SelectionList).selected)
            run = self.api.ops.backfill(
                self.root,
                ranges,
                include=include,
                parallel=parallel,
                descending=self.query_one("#backfill-desc", Checkbox).value,
                preview=preview,
            )
        except MaxworksError as err:
            self._error(str(err))
            return None
        self._error("")
        return run

    def action_preview(self) -> None:
        run = self._plan(preview=True)
        if run is None:
            return
        self.query_one("#backfill-preview", Static).update(Text(preview_text(run)))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "preview":
            self.action_preview()
        elif event.button.id == "create":
            run = self._plan(preview=False)
            if run is not None:
                self.dismiss(run)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _ranges_of(text: str) -> list[tuple[date, date]]:
    return parse_ranges(text)


def preview_text(run: BackfillRun) -> str:
    """What a backfill will create, by date, in the order it runs."""
    days = [d.strftime("%Y%m%d") for d in run.bizdates]
    lines = [
        f"{len(run.instance_ids)} instances: {len(run.nodes)} node(s) x {len(days)} business date(s)",
        "nodes: " + ", ".join(run.nodes),
    ]
    if run.excluded:
        lines.append("dry-run (excluded): " + ", ".join(run.excluded))
    if days:
        lines.append("dates in order: " + ", ".join(days[:8]) + (" …" if len(days) > 8 else ""))
    return "\n".join(lines)
