"""Open code buffers as tabs: unsaved markers, save, checkpoints, and changes made on disk.

Unsaved work is never lost: every buffer that differs from its file is checkpointed (see
``drafts``) half a second after the last keystroke and when the pane goes away; closing a tab
with unsaved edits keeps the checkpoint, and a file changed on disk under unsaved edits opens a
conflict in which the user chooses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static, TabbedContent, TabPane, TextArea

from engine.errors import MaxworksError
from tui.panes.studio.dialogs import ConflictScreen
from tui.panes.studio.editor import CodeEditor, EditorPrefs
from tui.panes.studio.findbar import FindBar
from tui.panes.studio.highlight import language_for
from tui.panes.studio.tree import TYPE_ICONS

if TYPE_CHECKING:
    from engine.api import Api
    from tui.panes.studio.completion import Vocabulary
    from tui.panes.studio.drafts import Draft, DraftStore

CHECKPOINT_DELAY = 0.5
EMPTY = "No node open.\n\nPick one in the tree (Enter), or type :node NAME."


def pane_id(node: str) -> str:
    return f"buf-{node}"


class EditorTabs(Vertical):
    class BufferSaved(Message):
        """A buffer was written to its file."""

        def __init__(self, node: str, text: str) -> None:
            super().__init__()
            self.node = node
            self.text = text

    class SaveFailed(Message):
        def __init__(self, node: str, error: str) -> None:
            super().__init__()
            self.node = node
            self.error = error

    class ActiveChanged(Message):
        """Another buffer (or none) is in front."""

        def __init__(self, node: str | None) -> None:
            super().__init__()
            self.node = node

    def __init__(
        self, api: Api, drafts: DraftStore, *, prefs: EditorPrefs, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.api = api
        self.drafts = drafts
        self.prefs = prefs
        self.vocabulary: Vocabulary | None = None
        self._checkpoints: dict[str, Timer] = {}

    def compose(self) -> ComposeResult:
        yield TabbedContent(id="buffers")
        yield Static(EMPTY, id="buffers-empty", markup=False)
        bar = FindBar(id="find-bar")
        bar.display = False
        yield bar

    # -- queries -----------------------------------------------------------------------------
    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#buffers", TabbedContent)

    def editors(self) -> list[CodeEditor]:
        return list(self.query(CodeEditor))

    def editor(self, node: str) -> CodeEditor | None:
        return next((e for e in self.editors() if e.node == node), None)

    @property
    def active_editor(self) -> CodeEditor | None:
        pane = self.tabs.active_pane
        return None if pane is None else next(iter(pane.query(CodeEditor)), None)

    @property
    def active_node(self) -> str | None:
        editor = self.active_editor
        return editor.node if editor is not None else None

    # -- opening and closing -----------------------------------------------------------------
    async def open(self, node: str, node_type: str, code: str, draft: Draft | None = None) -> None:
        """Show ``node`` in front (opening a tab, restoring its checkpoint if there is one)."""
        existing = self.editor(node)
        if existing is not None:
            self.tabs.active = pane_id(node)
            existing.focus()
            return
        has_code = language_for(node_type) is not None
        restored = draft.text if draft is not None and has_code and draft.text != code else None
        text = code if has_code else f"-- {node_type} nodes have no code"
        editor = CodeEditor(
            text if restored is None else restored,  # a draft opens as is, never the file first
            node=node,
            language=language_for(node_type),
            vocabulary=self.vocabulary,
            read_only=not has_code,
            prefs=self.prefs,
        )
        if restored is not None:
            editor.saved_text = code  # the restored text stays "unsaved"
        icon = TYPE_ICONS.get(node_type, "?")
        await self.tabs.add_pane(TabPane(f"{icon} {node}", editor, id=pane_id(node)))
        self.tabs.active = pane_id(node)
        self._show_placeholder()
        if draft is not None and restored is not None:
            self._label(editor)
            if draft.based_on(code):
                self.notify(f"{node}: restored unsaved edits from {draft.saved_at}")
            else:
                self.app.push_screen(
                    ConflictScreen(node, mine=draft.text, theirs=code, restored=True),
                    lambda choice: self._resolve(node, choice, code),
                )
        elif draft is not None:
            self.drafts.discard(node)
        editor.focus()

    async def close(self, node: str) -> None:
        editor = self.editor(node)
        if editor is None:
            return
        if editor.dirty:
            self.drafts.save(node, editor.text, editor.saved_text)
            self.notify(f"{node}: unsaved edits kept as a draft; open the node again to go on")
        await self.tabs.remove_pane(pane_id(node))
        self._show_placeholder()
        self.post_message(self.ActiveChanged(self.active_node))

    def _show_placeholder(self) -> None:
        empty = self.tabs.tab_count == 0
        self.query_one("#buffers-empty").display = empty
        self.tabs.display = not empty

    # -- unsaved state and checkpoints ---------------------------------------------------------
    def _label(self, editor: CodeEditor) -> None:
        tab = self.tabs.get_tab(pane_id(editor.node))
        base = tab.label_text.rstrip(" ●")
        tab.label = f"{base} ●" if editor.dirty else base

    @on(TextArea.Changed)
    def _changed(self, event: TextArea.Changed) -> None:
        editor = event.text_area
        if not isinstance(editor, CodeEditor):
            return
        self._label(editor)
        timer = self._checkpoints.pop(editor.node, None)
        if timer is not None:
            timer.stop()
        self._checkpoints[editor.node] = self.set_timer(
            CHECKPOINT_DELAY, lambda: self.checkpoint(editor.node)
        )

    def checkpoint(self, node: str) -> None:
        editor = self.editor(node)
        if editor is None:
            return
        ticket = self.drafts.ticket(node)
        self._checkpoint(node, ticket, editor.text if editor.dirty else None, editor.saved_text)

    @work(thread=True, group="drafts")
    def _checkpoint(self, node: str, ticket: int, text: str | None, base: str) -> None:
        self.drafts.checkpoint(node, ticket, text, base)

    def on_unmount(self) -> None:
        for editor in self.editors():
            if editor.dirty:
                self.drafts.save(editor.node, editor.text, editor.saved_text)

    # -- saving ------------------------------------------------------------------------------
    def save(self, node: str | None = None) -> bool:
        """Write the buffer to its file (in a worker); False when there is nothing to save."""
        editor = self.editor(node) if node else self.active_editor
        if editor is None or editor.read_only:
            return False
        self._save(editor.node, editor.text)
        return True

    @work(thread=True, group="save")
    def _save(self, node: str, text: str) -> None:
        try:
            self.api.studio.save_code(node, text)
        except MaxworksError as err:
            self.post_message(self.SaveFailed(node, str(err)))
            return
        self.drafts.discard(node)
        self.post_message(self.BufferSaved(node, text))

    @on(SaveFailed)
    def _save_failed(self, event: SaveFailed) -> None:
        event.stop()
        self.notify(f"{event.node} was not saved: {event.error}", severity="error", timeout=8)

    def mark_saved(self, node: str, text: str) -> None:
        editor = self.editor(node)
        if editor is not None:
            editor.mark_saved(text)
            self._label(editor)

    # -- files changed on disk -----------------------------------------------------------------
    def reconcile(self, node: str, disk_text: str | None) -> None:
        """The file of ``node`` now holds ``disk_text`` (None: the node was deleted)."""
        editor = self.editor(node)
        if editor is None or editor.read_only or disk_text == editor.saved_text:
            return
        if disk_text is None:
            if editor.dirty:
                self.drafts.save(node, editor.text, editor.saved_text)
            self.notify(
                f"{node} was deleted on disk; the tab stays open, your text is kept as a draft",
                severity="warning",
            )
            return
        if not editor.dirty or editor.text == disk_text:
            editor.reload(disk_text)
            self._label(editor)
            self.notify(f"{node}: reloaded, the file changed on disk")
            return
        self.app.push_screen(
            ConflictScreen(node, mine=editor.text, theirs=disk_text),
            lambda choice: self._resolve(node, choice, disk_text),
        )

    def _resolve(self, node: str, choice: str | None, disk_text: str) -> None:
        editor = self.editor(node)
        if editor is None:
            return
        if choice == "theirs":
            path = self.drafts.backup(node, editor.text)
            editor.reload(disk_text)
            self.drafts.discard(node)
            self.notify(f"{node}: took the file's version; yours is kept in {path}")
        else:  # keep mine: it stays unsaved, based on the file's new text
            editor.saved_text = disk_text
            self.checkpoint(node)
            if choice == "save":
                self.save(node)
        self._label(editor)

    # -- find / go to line ---------------------------------------------------------------------
    def open_bar(self, mode: str) -> bool:
        editor = self.active_editor
        if editor is None:
            return False
        initial = (
            editor.selected_text if mode == "find" and "\n" not in editor.selected_text else ""
        )
        self.query_one(FindBar).open("find" if mode == "find" else "goto", initial)
        return True

    @on(FindBar.FindRequested)
    def _find(self, event: FindBar.FindRequested) -> None:
        editor = self.active_editor
        if editor is not None:
            found = editor.find(event.needle, forward=event.forward, from_cursor=event.from_cursor)
            self.query_one(FindBar).set_status("" if found else "no match")

    @on(FindBar.GotoRequested)
    def _goto(self, event: FindBar.GotoRequested) -> None:
        editor = self.active_editor
        if editor is not None:
            editor.go_to_line(event.line, event.column)
            editor.focus()

    @on(FindBar.Closed)
    def _bar_closed(self) -> None:
        if self.active_editor is not None:
            self.active_editor.focus()

    @on(TabbedContent.TabActivated, "#buffers")
    def _activated(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        self.post_message(self.ActiveChanged(self.active_node))

    def set_vocabulary(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        for editor in self.editors():
            editor.set_vocabulary(vocabulary)
