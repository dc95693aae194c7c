"""The workflow tree: workflows -> nodes, with type icons, status markers and a filter."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Static, Tree
from textual.widgets.tree import TreeNode

if TYPE_CHECKING:
    from engine.studio.status import NodeStatus

TYPE_ICONS = {
    "odps_sql": "≡",
    "odps_script": "≣",
    "shell": "$",
    "pyodps3": "λ",
    "assignment": "←",
    "branch": "⋔",
    "merge": "⋈",
    "virtual": "○",
}
# status -> (marker, component class): what the user has not committed / not deployed yet
MARKERS = {
    "new": ("+", "node-tree--uncommitted"),
    "modified": ("●", "node-tree--uncommitted"),
    "deleted": ("−", "node-tree--uncommitted"),
    "invalid": ("✗", "node-tree--invalid"),
    "committed": ("↑", "node-tree--undeployed"),
    "undeploy pending": ("↑", "node-tree--undeployed"),
}
LEGEND = "+ new  ● edited\n↑ to deploy  ✗ error"  # two short lines: the tree is narrow at 80x24


class NodeTree(Tree["NodeStatus | None"]):
    """Tree whose node labels are styled through component classes (theme variables)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "node-tree--uncommitted",
        "node-tree--undeployed",
        "node-tree--invalid",
        "node-tree--workflow",
        "node-tree--icon",
    }

    _drawn_size: Size | None = None

    def _on_resize(self, event: events.Resize) -> None:
        # Tree clears its lines and lays the whole screen out again on every Resize, and a tree
        # shown again (its pane switched back to) gets one at the size it had: nothing to redo.
        if event.size == self._drawn_size:
            event.prevent_default()
        self._drawn_size = event.size

    def _style(self, name: str) -> Style:
        # labels are measured before the stylesheet reaches the tree: plain until then
        return self.get_component_rich_style(name, partial=True, default=Style())

    def render_label(
        self, node: TreeNode[NodeStatus | None], base_style: Style, style: Style
    ) -> Text:
        status = node.data
        if status is None:
            label = node._label.copy()
            label.stylize(self._style("node-tree--workflow"))
            label.stylize(style)
            prefix = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
            return Text.assemble((prefix, base_style), label)
        icon = TYPE_ICONS.get(status.type, "?")
        marks = Text()
        marker = MARKERS.get(status.status)
        if marker is not None:
            marks.append(" " + marker[0], self._style(marker[1]))
        if status.status not in ("committed", "undeploy pending") and status.undeployed:
            marks.append(" ↑", self._style("node-tree--undeployed"))
        name = status.name
        room = self._label_room(node) - 2 - len(marks)  # the icon and its space
        if marks and 3 <= room < len(name):
            name = name[: room - 1] + "…"  # the markers stay in sight in a narrow tree
        text = Text.assemble((icon + " ", self._style("node-tree--icon")), name, marks)
        text.stylize(style)
        return text

    def _label_room(self, node: TreeNode[NodeStatus | None]) -> int:
        """Columns left for a node's label after the guides, at the tree's current width."""
        width = self.scrollable_content_region.width
        if width <= 0:
            return 1 << 16  # not laid out yet: no cutting
        depth, parent = 0, node.parent
        while parent is not None:
            depth, parent = depth + 1, parent.parent
        if not self.show_root:
            depth -= 1
        return width - self.guide_depth * max(0, depth)


class FilterInput(Input):
    """Focused only on purpose (/ or a click): the shell gives a pane's first focusable widget
    the focus, and that must be the tree, where ``:`` opens command mode."""

    can_focus = False

    def on_click(self) -> None:
        self.open()

    def open(self) -> None:
        self.can_focus = True
        self.focus()

    def on_blur(self) -> None:
        self.can_focus = False


class WorkflowTree(Vertical):
    """Workflows and their nodes. Type in the filter box (or press / in the tree) to narrow it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "Filter", show=False, id="studio.tree.filter"),
    ]

    class NodeChosen(Message):
        """The user opened a node (Enter on it)."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    filter_text: reactive[str] = reactive("")
    """Case-insensitive substring that node (or workflow) names must contain."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.statuses: list[NodeStatus] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        tree: NodeTree = NodeTree("workflows", id="node-tree")
        tree.show_root = False
        tree.guide_depth = 2
        yield FilterInput(placeholder="/ filter nodes", id="tree-filter", compact=True)
        yield tree
        yield Static(LEGEND, id="tree-legend", markup=False)

    @property
    def node_tree(self) -> NodeTree:
        return self.query_one(NodeTree)

    def set_nodes(self, statuses: list[NodeStatus]) -> None:
        self.statuses = statuses
        self.loaded = True
        self._rebuild()

    def status_of(self, name: str) -> NodeStatus | None:
        lower = name.lower()
        return next((s for s in self.statuses if s.name.lower() == lower), None)

    def watch_filter_text(self) -> None:
        if self.is_mounted:
            self._rebuild()

    def _rebuild(self) -> None:
        tree = self.node_tree
        cursor = tree.cursor_node
        keep = cursor.data.name if cursor is not None and cursor.data is not None else None
        wanted = self.filter_text.lower()
        flows: dict[str, list[NodeStatus]] = {}
        for status in self.statuses:
            if wanted and wanted not in status.name.lower() and wanted not in status.workflow:
                continue
            flows.setdefault(status.workflow, []).append(status)
        tree.clear()
        select: TreeNode[NodeStatus | None] | None = None
        for flow in sorted(flows):
            branch = tree.root.add(flow, data=None, expand=True)
            for status in sorted(flows[flow], key=lambda s: s.name):
                leaf = branch.add_leaf(status.name, data=status)
                if status.name == keep:
                    select = leaf
        if select is None and wanted:
            select = next((leaf for flow in tree.root.children for leaf in flow.children), None)
        if select is not None:
            # lines are laid out on the next refresh: move the cursor then
            self.call_after_refresh(tree.move_cursor, select)
        elif tree.cursor_line < 0 and flows:
            self.call_after_refresh(self._cursor_to_top)

    def _cursor_to_top(self) -> None:
        tree = self.node_tree
        if tree.cursor_line < 0 and tree.root.children:
            tree.move_cursor(tree.root.children[0])

    def select_node(self, name: str) -> None:
        """Move the cursor to ``name`` (clearing a filter that hides it)."""
        if self.status_of(name) is None:
            return
        if self.filter_text and self.filter_text.lower() not in name.lower():
            self.query_one("#tree-filter", Input).value = ""
        for flow in self.node_tree.root.children:
            for leaf in flow.children:
                if leaf.data is not None and leaf.data.name == name:
                    self.call_after_refresh(self.node_tree.move_cursor, leaf)
                    return

    @on(Input.Changed, "#tree-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.filter_text = event.value.strip()

    @on(Input.Submitted, "#tree-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.node_tree.focus()
        node = self.node_tree.cursor_node
        if node is not None and node.data is not None:
            self.post_message(self.NodeChosen(node.data.name))

    @on(Tree.NodeSelected)
    def _node_selected(self, event: Tree.NodeSelected[NodeStatus | None]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.NodeChosen(event.node.data.name))

    def action_focus_filter(self) -> None:
        self.query_one(FilterInput).open()
