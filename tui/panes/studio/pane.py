"""The DataStudio pane: workflow tree, code tabs, properties, run log and result grid.

The pane routes: its children post messages, it calls their methods (attributes down, messages
up). Engine calls run in thread workers that post messages back; no worker touches a widget.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import TabbedContent, TabPane, TextArea

from tui.panes.base import Pane
from tui.panes.studio.buffers import EditorTabs
from tui.panes.studio.commit import CommitScreen
from tui.panes.studio.drafts import DraftStore
from tui.panes.studio.editor import EditorPrefs
from tui.panes.studio.formfield import apply_cursor_blink
from tui.panes.studio.loader import StudioLoader
from tui.panes.studio.properties import PropertiesForm
from tui.panes.studio.results import ResultView
from tui.panes.studio.runner import RunConsole, RunMode
from tui.panes.studio.tree import WorkflowTree
from tui.panes.studio.versions import VersionsScreen

if TYPE_CHECKING:
    from engine.api import Api
    from engine.studio.status import NodeDetail

_HERE = Path(__file__).parent
CSS = (_HERE / "studio.tcss").read_text(encoding="utf-8") + (_HERE / "form.tcss").read_text(
    encoding="utf-8"
)
HELP = [
    ("Enter", "open the node under the cursor (tree)"),
    ("/", "filter the tree; search the result grid"),
    ("Tab / →", "accept the completion shown after the cursor"),
    ("Ctrl+Z / Ctrl+Y", "undo / redo"),
    ("Ctrl+Home / Ctrl+End", "start / end of the code"),
    ("s", "result grid: sort by the cursor's column (asc, desc, off)"),
    ("n / N", "result grid: next / previous match"),
    ("Enter / Space", "result grid: the cell's whole value"),
    ("e", "result grid: export to .csv or .parquet"),
]


class StudioPane(Pane):
    PANE_ID: ClassVar[str] = "studio"
    TITLE: ClassVar[str] = "DataStudio"
    DEFAULT_CSS = CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="studio.save"),
        Binding("f5", "run", "Run", priority=True, id="studio.run"),
        Binding("f6", "run_with_params", "Run with params", priority=True, id="studio.run_params"),
        Binding(
            "ctrl+j",
            "run_selection",
            "Run selection",
            show=False,
            priority=True,
            id="studio.run_selection",
        ),
        Binding(
            "f9", "cancel_run", "Cancel run", show=False, priority=True, id="studio.cancel_run"
        ),
        Binding("ctrl+f", "find", "Find", show=False, id="studio.find"),
        Binding("ctrl+g", "go_to_line", "Go to line", show=False, id="studio.goto_line"),
        Binding("f2", "commit", "Commit", priority=True, id="studio.commit"),
        Binding("f3", "deploy", "Deploy", show=False, priority=True, id="studio.deploy"),
        Binding("f4", "versions", "Versions", show=False, priority=True, id="studio.versions"),
        Binding(
            "alt+w", "close_tab", "Close tab", show=False, priority=True, id="studio.close_tab"
        ),
        Binding(
            "alt+t", "focus('tree')", "Tree", show=False, priority=True, id="studio.focus_tree"
        ),
        Binding(
            "alt+e",
            "focus('editor')",
            "Editor",
            show=False,
            priority=True,
            id="studio.focus_editor",
        ),
        Binding(
            "alt+p",
            "dock('dock-props')",
            "Properties",
            show=False,
            priority=True,
            id="studio.properties",
        ),
        Binding(
            "alt+l", "dock('dock-log')", "Run log", show=False, priority=True, id="studio.run_log"
        ),
        Binding(
            "alt+r", "dock('dock-result')", "Result", show=False, priority=True, id="studio.result"
        ),
    ]

    def __init__(self, api: Api, *, id: str | None = None, watch: bool = True) -> None:
        super().__init__(api, id=id)
        self.cursor_blink: bool | None = None
        """None: as the shell's ``[editor]`` options say; tests and snapshots set False."""
        self.watch_files = watch
        self.drafts = DraftStore(api.workspace.state_dir / "drafts")
        self.details: dict[str, NodeDetail] = {}

    def compose(self) -> ComposeResult:
        self.prefs = EditorPrefs.of(self.app, cursor_blink=self.cursor_blink)
        yield StudioLoader(self.api, self.drafts)
        with Horizontal(id="studio-body"):
            yield WorkflowTree(id="studio-tree")
            with Vertical(id="studio-main"):
                yield EditorTabs(self.api, self.drafts, prefs=self.prefs, id="studio-editor")
                with TabbedContent(id="studio-dock", initial="dock-props"):
                    with TabPane("Properties", id="dock-props"):
                        yield PropertiesForm(self.api, id="studio-props")
                    with TabPane("Run log", id="dock-log"):
                        yield RunConsole(self.api, id="studio-run")
                    with TabPane("Result", id="dock-result"):
                        yield ResultView(export_dir=self.api.workspace.root, id="studio-result")

    @property
    def loader(self) -> StudioLoader:
        return self.query_one(StudioLoader)

    @property
    def workflows(self) -> WorkflowTree:
        return self.query_one(WorkflowTree)

    @property
    def buffers(self) -> EditorTabs:
        return self.query_one(EditorTabs)

    @property
    def props(self) -> PropertiesForm:
        return self.query_one(PropertiesForm)

    @property
    def console(self) -> RunConsole:
        return self.query_one(RunConsole)

    def on_mount(self) -> None:
        apply_cursor_blink(self, self.prefs.cursor_blink)
        self.props.cursor_blink = self.prefs.cursor_blink
        self.loader.load_nodes()
        self.loader.load_vocabulary()
        self.loader.restore_drafts()
        if self.watch_files:
            self.loader.watch_disk()
        self.workflows.node_tree.focus()

    # -- command mode ---------------------------------------------------------------------------
    def open_target(self, target: str) -> bool:
        words = target.split()
        if len(words) == 2 and words[0] == "node":
            words = words[1:]
        if len(words) != 1:
            return False
        name = words[0]
        if self.workflows.loaded:
            status = self.workflows.status_of(name)
            if status is None:
                return False
            name = status.name
        self.open_node(name)
        return True

    def help_keys(self) -> list[tuple[str, str]]:
        return list(HELP)

    # -- loading --------------------------------------------------------------------------------
    def open_node(self, name: str, *, front: bool = True) -> None:
        self.workflows.select_node(name)
        self.loader.load_node(name, front)

    # -- routing --------------------------------------------------------------------------------
    @on(StudioLoader.NodesLoaded)
    def _nodes_loaded(self, event: StudioLoader.NodesLoaded) -> None:
        self.workflows.set_nodes(event.statuses)

    @on(StudioLoader.NodeLoaded)
    async def _node_loaded(self, event: StudioLoader.NodeLoaded) -> None:
        detail = event.detail
        name = detail.status.name
        self.details[name] = detail
        if detail.draft is None:
            self.notify(f"{name} is deleted in the working copy", severity="warning")
            return
        await self.buffers.open(name, detail.status.type, event.code, event.draft)
        if event.front or self.props.node in (None, name):
            await self.props.show(detail, self._code_of(name, event.code))

    def _code_of(self, name: str, fallback: str) -> str:
        editor = self.buffers.editor(name)
        return editor.text if editor is not None else fallback

    @on(StudioLoader.LoadFailed)
    def _load_failed(self, event: StudioLoader.LoadFailed) -> None:
        self.notify(f"cannot load {event.what}: {event.error}", severity="error", timeout=8)

    @on(StudioLoader.VocabularyLoaded)
    def _vocabulary_loaded(self, event: StudioLoader.VocabularyLoaded) -> None:
        self.buffers.set_vocabulary(event.vocabulary)

    @on(WorkflowTree.NodeChosen)
    def _node_chosen(self, event: WorkflowTree.NodeChosen) -> None:
        self.open_node(event.name)

    @on(EditorTabs.ActiveChanged)
    async def _active_changed(self, event: EditorTabs.ActiveChanged) -> None:
        node = event.node
        if node is None:
            await self.props.clear()
            return
        self.workflows.select_node(node)
        if node != self.props.node and node in self.details:
            await self.props.show(self.details[node], self._code_of(node, ""))

    @on(TextArea.Changed)
    def _code_changed(self, event: TextArea.Changed) -> None:
        editor = event.text_area
        if getattr(editor, "node", None) == self.props.node and self.props.node:
            self.props.set_code(editor.text)

    @on(EditorTabs.BufferSaved)
    @on(RunConsole.CodeSaved)
    def _saved(self, event: EditorTabs.BufferSaved | RunConsole.CodeSaved) -> None:
        self.buffers.mark_saved(event.node, event.text)
        self._refresh(event.node)

    @on(PropertiesForm.ConfigSaved)
    def _config_saved(self, event: PropertiesForm.ConfigSaved) -> None:
        self.notify(f"{event.node}: properties applied")
        self._refresh(event.node)

    def _refresh(self, node: str) -> None:
        self.loader.load_nodes()
        self.loader.load_node(node, False)

    @on(StudioLoader.FilesChanged)
    def _files_changed(self, event: StudioLoader.FilesChanged) -> None:
        self.loader.load_nodes()
        open_nodes = [e.node for e in self.buffers.editors()]
        touched = sorted(n for n in event.nodes if n in open_nodes or n == self.props.node)
        if touched:
            self.loader.reread(touched)

    @on(StudioLoader.DiskRead)
    def _disk_read(self, event: StudioLoader.DiskRead) -> None:
        self.buffers.reconcile(event.node, event.text)
        if event.node == self.props.node and event.text is not None:
            self.loader.load_node(event.node, False)

    @on(RunConsole.ResultReady)
    def _result_ready(self, event: RunConsole.ResultReady) -> None:
        self.query_one(ResultView).show(event.table, returned=event.returned, title=event.title)
        self.query_one("#studio-dock", TabbedContent).active = "dock-result"

    @on(RunConsole.RunFinished)
    def _run_finished(self, event: RunConsole.RunFinished) -> None:
        self.notify(f"run {event.summary}", severity="information" if event.ok else "error")
        if event.ok:
            self.loader.load_vocabulary()  # the run may have made tables to complete

    # -- actions --------------------------------------------------------------------------------
    def action_save(self) -> None:
        focused = self.app.focused
        if focused is not None and self.props in focused.ancestors_with_self:
            self.props.apply()
        elif not self.buffers.save():
            self.notify("no code to save: open a node first")

    def action_find(self) -> None:
        self.buffers.open_bar("find")

    def action_go_to_line(self) -> None:
        self.buffers.open_bar("goto")

    def action_close_tab(self) -> None:
        node = self.buffers.active_node
        if node is not None:
            self.run_worker(self.buffers.close(node))

    def action_focus(self, where: str) -> None:
        if where == "tree":
            self.workflows.node_tree.focus()
        elif self.buffers.active_editor is not None:
            self.buffers.active_editor.focus()

    def action_dock(self, tab: str) -> None:
        """Show a tab of the lower dock and put the focus in it (the grid, the log, the form)."""
        self.query_one("#studio-dock", TabbedContent).active = tab
        self.call_after_refresh(self._focus_dock, tab)

    def _focus_dock(self, tab: str) -> None:
        pane = self.query_one(f"#{tab}", TabPane)
        target = {"dock-result": "#result-grid", "dock-log": "#run-log"}.get(tab, "Input, Select")
        found = pane.query(target)
        if found:
            found.first().focus()

    def _run(self, mode: RunMode) -> None:
        editor = self.buffers.active_editor
        if editor is None or editor.node not in self.details:
            self.notify("open a node first (Enter in the tree)", severity="warning")
            return
        self.console.request(mode, self.details[editor.node], editor, self.props.first_time())

    def action_run(self) -> None:
        self._run("run")

    def action_run_with_params(self) -> None:
        self._run("params")

    def action_run_selection(self) -> None:
        self._run("selection")

    @on(RunConsole.RunStarted)
    def _run_started(self) -> None:
        self.query_one("#studio-dock", TabbedContent).active = "dock-log"

    def action_cancel_run(self) -> None:
        if not self.console.cancel():
            self.notify("nothing is running")

    def action_commit(self) -> None:
        node = self.buffers.active_node
        editor = self.buffers.active_editor
        if editor is not None and editor.dirty:
            self.notify(f"{node} has unsaved edits: Ctrl+S saves them first", severity="warning")
            return
        self.app.push_screen(CommitScreen(self.api, "commit", node), self._committed)

    def action_deploy(self) -> None:
        if self.api.workspace.config.mode == "basic":
            self.notify("basic mode: a commit deploys at once, there is no separate deploy")
            return
        self.app.push_screen(CommitScreen(self.api, "deploy"), self._committed)

    def _committed(self, summary: str | None) -> None:
        if summary:
            self.notify(summary)
            self.loader.load_nodes()
            if self.props.node is not None:
                self.loader.load_node(self.props.node, False)

    def action_versions(self) -> None:
        cursor = self.workflows.node_tree.cursor_node
        node = self.buffers.active_node or (cursor.data.name if cursor and cursor.data else None)
        if node is None:
            self.notify("open a node first", severity="warning")
            return
        self.app.push_screen(VersionsScreen(self.api, node), lambda v: self._rolled_back(node, v))

    def _rolled_back(self, node: str, version: int | None) -> None:
        if version is not None:
            self.notify(
                f"{node}: working copy rolled back to v{version} (commit to make it a new version)"
            )
            self.loader.load_nodes()
            self.loader.reread([node])
