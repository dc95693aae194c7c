"""Small modal screens of the DataStudio pane: a disk conflict, a cell's value, an export path."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.panes.studio.editor import CodeEditor, EditorPrefs

EXPORT_FORMATS = (".csv", ".parquet")
_HERE = Path(__file__).parent
DIALOG_CSS = (_HERE / "dialogs.tcss").read_text(encoding="utf-8") + (_HERE / "form.tcss").read_text(
    encoding="utf-8"
)
ResultT = TypeVar("ResultT")


class StudioDialog(ModalScreen[ResultT]):
    """Base of the pane's dialogs: their styles (``dialogs.tcss``, ``form.tcss``)."""

    DEFAULT_CSS = DIALOG_CSS


def unified(old: str, new: str, old_name: str, new_name: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), old_name, new_name
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def diff_view(text: str, *, id: str | None = None) -> CodeEditor:
    prefs = EditorPrefs(cursor_blink=False)
    return CodeEditor(
        text or "(no differences)\n", node="", language="diff", read_only=True, prefs=prefs, id=id
    )


class ConflictScreen(StudioDialog[str]):
    """A file changed on disk under unsaved edits: keep mine, keep and save mine, or take theirs.

    Esc keeps the buffer as it is (still unsaved, still checkpointed) to decide later.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "choose('mine')", "Keep mine", id="studio.conflict.mine"),
        Binding("m", "choose('mine')", "Keep mine", show=False),
        Binding("s", "choose('save')", "Save mine", show=False, id="studio.conflict.save"),
        Binding("t", "choose('theirs')", "Take file", show=False, id="studio.conflict.theirs"),
    ]

    def __init__(self, node: str, *, mine: str, theirs: str, restored: bool = False) -> None:
        super().__init__()
        self.node = node
        self.mine = mine
        self.theirs = theirs
        self.restored = restored

    def compose(self) -> ComposeResult:
        what = (
            "Restored unsaved edits, but the file changed since they were made"
            if self.restored
            else "The file changed on disk while you have unsaved edits"
        )
        with Vertical(classes="studio-dialog studio-dialog--wide"):
            yield Label(f"{self.node}: {what}", classes="studio-dialog--title")
            yield Static("Differences from the file (-) to your text (+):", markup=False)
            yield diff_view(unified(self.theirs, self.mine, "on disk", "yours"), id="conflict-diff")
            with Horizontal(classes="studio-dialog--buttons"):
                yield Button(Content("Keep mine [m]"), id="mine", variant="primary")
                yield Button(Content("Save mine [s]"), id="save")
                yield Button(Content("Take the file's [t]"), id="theirs", variant="warning")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "mine")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class CellViewerScreen(StudioDialog[None]):
    """The whole value of one result cell (Esc closes, c copies)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "app.pop_screen", "Close", id="studio.cell.close"),
        Binding("c", "copy", "Copy", id="studio.cell.copy"),
    ]

    def __init__(self, title: str, value: str) -> None:
        super().__init__()
        self.title_text = title
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="studio-dialog studio-dialog--wide"):
            yield Label(self.title_text, classes="studio-dialog--title")
            prefs = EditorPrefs(soft_wrap=True, line_numbers=False, cursor_blink=False)
            yield CodeEditor(
                self.value, node="", language=None, read_only=True, prefs=prefs, id="cell-value"
            )
            yield Static("Esc close · c copy", classes="studio-dialog--hint", markup=False)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.value)
        self.notify("copied")


class ExportScreen(StudioDialog[Path | None]):
    """Where to export the result; the format follows the extension (.csv or .parquet)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="studio.export.cancel"),
    ]

    def __init__(self, default: Path, rows: int) -> None:
        super().__init__()
        self.default = default
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="studio-dialog"):
            yield Label(f"Export {self.rows:,} rows", classes="studio-dialog--title")
            yield Input(str(self.default), id="export-path")
            yield Label("", id="export-error", classes="studio-error")
            yield Static("Enter export · Esc cancel · .csv or .parquet", markup=False)

    @on(Input.Submitted, "#export-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = Path(event.value.strip()).expanduser()
        error = self.query_one("#export-error", Label)
        if path.suffix.lower() not in EXPORT_FORMATS:
            error.update("the file name must end in .csv or .parquet")
            return
        if not path.parent.exists():
            error.update(f"{path.parent} does not exist")
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmRunScreen(StudioDialog[bool]):
    """The cost estimate says a run reads a lot: run it anyway (y / Enter) or not (n / Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "Don't run", id="studio.confirmrun.no"),
        Binding("y", "answer(True)", "Run", id="studio.confirmrun.yes"),
    ]

    def __init__(self, node: str, estimate: str, details: list[str], threshold: str) -> None:
        super().__init__()
        self.node = node
        self.estimate = estimate
        self.details = details
        self.threshold = threshold

    def compose(self) -> ComposeResult:
        with Vertical(classes="studio-dialog"):
            yield Label(f"Run {self.node}? It reads a lot", classes="studio-dialog--title")
            yield Static(
                f"cost estimate: {self.estimate}\n"
                + "".join(f"  {line}\n" for line in self.details)
                + f"(the app asks above {self.threshold})",
                id="confirmrun-estimate",
                markup=False,
            )
            with Horizontal(classes="studio-dialog--buttons"):
                yield Button(Content("Run [y]"), id="yes", variant="warning")
                yield Button(Content("Don't run [n]"), id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
