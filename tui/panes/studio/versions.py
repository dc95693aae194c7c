"""Version history of a node: every commit, its diff, and roll back (reference §6.1).

Rolling back writes the chosen version's config and code back to the working files (a new
draft, as in DataWorks); committing it then makes a new version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from engine.errors import MaxworksError
from tui.panes.studio.dialogs import StudioDialog, diff_view

if TYPE_CHECKING:
    from engine.api import Api
    from engine.studio.versions import Version

HINT = "↑↓ pick · w diff with working copy · p diff with previous · r roll back (twice) · Esc close"


class VersionsScreen(StudioDialog[int | None]):
    """Dismissed with the version rolled back to (None: closed without rolling back)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="studio.versions.close"),
        Binding("w", "diff('working')", "Diff with working copy", id="studio.versions.working"),
        Binding("p", "diff('previous')", "Diff with previous", id="studio.versions.previous"),
        Binding("r", "rollback", "Roll back", id="studio.versions.rollback"),
    ]

    class _Loaded(Message):
        def __init__(self, versions: list[Version], error: str | None) -> None:
            super().__init__()
            self.versions = versions
            self.error = error

    class _Diff(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class _RolledBack(Message):
        def __init__(self, version: int, error: str | None) -> None:
            super().__init__()
            self.version = version
            self.error = error

    def __init__(self, api: Api, node: str) -> None:
        super().__init__()
        self.api = api
        self.node = node
        self.versions: list[Version] = []
        self.diff_mode = "working"
        self._armed: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="studio-dialog studio-dialog--wide"):
            yield Label(f"Versions of {self.node}", classes="studio-dialog--title")
            table: DataTable[str] = DataTable(id="versions-table", cursor_type="row")
            table.add_columns("version", "change", "by", "at", "prod", "message")
            yield table
            yield Static("", id="versions-status", markup=False)
            yield diff_view("", id="versions-diff")
            yield Static(HINT, markup=False, classes="studio-dialog--hint")

    def on_mount(self) -> None:
        self.query_one("#versions-table").focus()
        self._load()

    @work(thread=True, group="versions-load")
    def _load(self) -> None:
        try:
            self.post_message(self._Loaded(self.api.studio.versions(self.node), None))
        except MaxworksError as err:
            self.post_message(self._Loaded([], str(err)))

    @on(_Loaded)
    def _loaded(self, event: _Loaded) -> None:
        event.stop()
        self.versions = event.versions
        table = self.query_one("#versions-table", DataTable)
        table.clear()
        for v in event.versions:
            table.add_row(
                f"v{v.version}", v.change, v.committed_by, f"{v.committed_at:%Y-%m-%d %H:%M}",
                "●" if v.deployed else "", v.message, key=str(v.version),
            )  # fmt: skip
        status = event.error or ("never committed" if not event.versions else "")
        self.query_one("#versions-status", Static).update(status)
        if event.versions:
            self._show_diff()

    @property
    def selected(self) -> Version | None:
        table = self.query_one("#versions-table", DataTable)
        if not self.versions or table.cursor_row < 0:
            return None
        return self.versions[min(table.cursor_row, len(self.versions) - 1)]

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._armed = None
        self._show_diff()

    def action_diff(self, mode: str) -> None:
        self.diff_mode = mode
        self._show_diff()

    def _show_diff(self) -> None:
        version = self.selected
        if version is not None:
            self._diff(version.version, self.diff_mode)

    @work(thread=True, group="versions-diff", exclusive=True)
    def _diff(self, number: int, mode: str) -> None:
        studio = self.api.studio
        try:
            if mode == "previous" and number == 1:
                text = "# v1 is the first version: it created the node\n"
            elif mode == "previous":
                text = studio.diff(self.node, number - 1, number)
            else:
                text = studio.diff(self.node, number)
        except MaxworksError as err:
            text = f"# cannot diff: {err}\n"
        self.post_message(self._Diff(text or "(no differences)\n"))

    @on(_Diff)
    def _diffed(self, event: _Diff) -> None:
        event.stop()
        self.query_one("#versions-diff").load_text(event.text)  # type: ignore[attr-defined]
        version = self.selected
        against = "the working copy" if self.diff_mode == "working" else "the previous version"
        if version is not None:
            self.query_one("#versions-status", Static).update(
                f"v{version.version} against {against}"
            )

    def action_rollback(self) -> None:
        version = self.selected
        if version is None:
            return
        status = self.query_one("#versions-status", Static)
        if version.spec is None:
            status.update(f"v{version.version} deleted the node: pick an earlier version")
            return
        if self._armed != version.version:
            self._armed = version.version
            status.update(f"press r again to write v{version.version} back to the working files")
            return
        status.update(f"rolling back to v{version.version}…")
        self._rollback(version.version)

    @work(thread=True, group="versions-rollback", exclusive=True)
    def _rollback(self, number: int) -> None:
        try:
            self.api.studio.rollback(self.node, number)
        except MaxworksError as err:
            self.post_message(self._RolledBack(number, str(err)))
            return
        self.post_message(self._RolledBack(number, None))

    @on(_RolledBack)
    def _rolled_back(self, event: _RolledBack) -> None:
        event.stop()
        if event.error:
            self.query_one("#versions-status", Static).update(f"not rolled back: {event.error}")
            return
        self.dismiss(event.version)

    def action_close(self) -> None:
        self.dismiss(None)
