"""The pane's engine reads, in thread workers: nodes, one node, completion words, drafts, and
changes on disk. Each posts a message the pane routes; none touches a widget."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.widget import Widget

from engine.errors import MaxworksError
from tui.panes.studio.watcher import watch_workflows

if TYPE_CHECKING:
    from engine.api import Api
    from engine.studio.status import NodeDetail, NodeStatus
    from tui.panes.studio.completion import Vocabulary
    from tui.panes.studio.drafts import Draft, DraftStore


class StudioLoader(Widget):
    """Invisible: it only owns the workers (a worker needs a place in the DOM)."""

    DEFAULT_CSS = "StudioLoader { display: none; }"

    class NodesLoaded(Message):
        def __init__(self, statuses: list[NodeStatus]) -> None:
            super().__init__()
            self.statuses = statuses

    class NodeLoaded(Message):
        """A node's detail and code, with its unsaved draft if one was checkpointed."""

        def __init__(self, detail: NodeDetail, code: str, draft: Draft | None, front: bool) -> None:
            super().__init__()
            self.detail = detail
            self.code = code
            self.draft = draft
            self.front = front

    class VocabularyLoaded(Message):
        def __init__(self, vocabulary: Vocabulary) -> None:
            super().__init__()
            self.vocabulary = vocabulary

    class FilesChanged(Message):
        """Node files changed on disk (by anyone, including us)."""

        def __init__(self, nodes: set[str]) -> None:
            super().__init__()
            self.nodes = nodes

    class DiskRead(Message):
        def __init__(self, node: str, text: str | None) -> None:
            super().__init__()
            self.node = node
            self.text = text

    class LoadFailed(Message):
        def __init__(self, what: str, error: str) -> None:
            super().__init__()
            self.what = what
            self.error = error

    def __init__(self, api: Api, drafts: DraftStore) -> None:
        super().__init__()
        self.api = api
        self.drafts = drafts
        self._stop = threading.Event()

    def on_unmount(self) -> None:
        self._stop.set()

    @work(thread=True, group="studio-nodes", exclusive=True)
    def load_nodes(self) -> None:
        try:
            self.post_message(self.NodesLoaded(self.api.studio.list_nodes()))
        except MaxworksError as err:
            self.post_message(self.LoadFailed("the node list", str(err)))

    @work(thread=True, group="studio-node")
    def load_node(self, name: str, front: bool) -> None:
        self._load(name, front)

    @work(thread=True, group="studio-drafts")
    def restore_drafts(self) -> None:
        """Reopen every node with a checkpointed buffer (after a crash or a dropped session)."""
        for name in self.drafts.names():
            self._load(name, False, quiet=True)

    def _load(self, name: str, front: bool, *, quiet: bool = False) -> None:
        try:
            detail = self.api.studio.show_node(name)
            draft = self.drafts.load(name)
        except MaxworksError as err:
            if not quiet:  # a draft of a node that is gone stays on disk for the user to find
                self.post_message(self.LoadFailed(name, str(err)))
            return
        code = detail.draft.code if detail.draft is not None else ""
        self.post_message(self.NodeLoaded(detail, code, draft, front))

    @work(thread=True, group="studio-vocabulary", exclusive=True)
    def load_vocabulary(self) -> None:
        try:
            from tui.panes.studio.completion import Vocabulary

            config = self.api.workspace.config
            default = config.project_for(config.default_env)
            vocabulary = Vocabulary.from_catalog(self.api.catalog(), default)
            self.post_message(self.VocabularyLoaded(vocabulary))
        except Exception as err:  # completion is a convenience: say why it is missing
            self.post_message(self.LoadFailed("table names for completion", str(err)))

    @work(thread=True, group="studio-watch")
    def watch_disk(self) -> None:
        def changed(nodes: set[str]) -> None:
            self.post_message(self.FilesChanged(nodes))

        watch_workflows(self.api.workspace.workflows_dir, self._stop, changed)

    @work(thread=True, group="studio-reread")
    def reread(self, nodes: list[str]) -> None:
        for node in nodes:
            try:
                _, text = self.api.studio.read_code(node)
            except (MaxworksError, OSError):
                text = None
            self.post_message(self.DiskRead(node, text))
