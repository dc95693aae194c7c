"""The DAG around an instance: upstream and downstream by 1, 3 or all levels, navigable with the
keyboard, with the operations available on whichever instance the cursor is on.

Same-cycle edges are plain; previous-cycle edges are marked ``⟲ previous cycle``; removed edges
are struck through. Levels are read lazily (one query per expanded instance) and capped at
``MAX_NODES`` so "all" on a ten-thousand-node DAG stays responsive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from engine.errors import MaxworksError
from tui.panes.ops.style import colour, state_text

if TYPE_CHECKING:
    from engine.api import Api
    from engine.ops.queries import InstanceInfo
    from tui.panes.ops.actions import OpsActions

MAX_NODES = 500
Item = tuple[int, str]  # (instance id, "up" | "down" | "root")


class DagScreen(Screen[None]):
    """1 / 3 / a levels · Enter expand or collapse · c centre on the cursor · l log · w why ·
    r R S ctrl+k z U operations · Esc close."""

    DEFAULT_CSS = """
    DagScreen { background: $surface; }
    DagScreen .dag-head { height: auto; background: $panel; padding: 0 1; }
    DagScreen Tree { height: 1fr; }
    DagScreen .dag-foot { height: 1; color: $text-muted; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="ops.dag.close"),
        Binding("1", "levels(1)", "1 level", id="ops.dag.one"),
        Binding("3", "levels(3)", "3 levels", id="ops.dag.three"),
        Binding("a", "levels(0)", "All levels", id="ops.dag.all"),
        Binding("c", "centre", "Centre here", id="ops.dag.centre"),
        Binding("l", "log", "Log", id="ops.dag.log"),
        Binding("w", "why", "Why", id="ops.dag.why"),
        Binding("r", "op('rerun')", "Rerun", id="ops.dag.rerun"),
        Binding(
            "R", "op('rerun_downstream')", "Rerun downstream", show=False, id="ops.dag.rerun_down"
        ),
        Binding("S", "op('set_success')", "Set successful", show=False, id="ops.dag.success"),
        Binding("ctrl+k", "op('kill')", "Kill", show=False, id="ops.dag.kill"),
        Binding("z", "op('freeze')", "Freeze/unfreeze", show=False, id="ops.dag.freeze"),
        Binding(
            "U", "op('remove_upstream')", "Remove upstream", show=False, id="ops.dag.remove_deps"
        ),
    ]

    def __init__(self, api: Api, iid: int, actions: OpsActions, *, levels: int = 1) -> None:
        super().__init__()
        self.api = api
        self.iid = iid
        self.actions = actions
        self.levels = levels
        self.count = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("", classes="dag-head", id="dag-head")
            tree: Tree[Item] = Tree("DAG", id="dag-tree")
            tree.guide_depth = 3
            yield tree
            yield Static(
                "1 / 3 / a levels · Enter expand · c centre · l log · w why · r rerun · Esc close",
                classes="dag-foot",
            )

    @property
    def dag_tree(self) -> Tree[Item]:
        return self.query_one(Tree)

    def on_mount(self) -> None:
        self.build()
        self.dag_tree.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.actions.allowed(str(parameters[0])) if action == "op" else True

    # -- building ---------------------------------------------------------------------------------
    def build(self) -> None:
        tree = self.dag_tree
        tree.clear()
        self.count = 0
        try:
            root = self.api.ops.instance(self.iid)
        except MaxworksError as err:
            self.query_one("#dag-head", Static).update(Text(str(err)))
            return
        tree.root.set_label(self._label(root, None))
        tree.root.data = (root.id, "root")
        ups = tree.root.add(Text("▲ upstream", style="bold"), data=(root.id, "up"))
        downs = tree.root.add(Text("▼ downstream", style="bold"), data=(root.id, "down"))
        depth = self.levels if self.levels else 10_000
        self._grow(ups, root.id, "up", depth)
        self._grow(downs, root.id, "down", depth)
        tree.root.expand()
        ups.expand()
        downs.expand()
        levels = (
            "all levels" if not self.levels else f"{self.levels} level{'s' * (self.levels > 1)}"
        )
        capped = f" · showing the first {MAX_NODES}" if self.count >= MAX_NODES else ""
        self.query_one("#dag-head", Static).update(
            Text.assemble(
                ("DAG of instance ", "dim"),
                (f"{root.id} {root.node_name}", "bold"),
                (f" · bizdate {root.bizdate} · {levels}{capped}", "dim"),
            )
        )

    def _grow(self, parent: TreeNode[Item], iid: int, side: str, depth: int) -> None:
        if depth <= 0 or self.count >= MAX_NODES:
            return
        try:
            ups, downs = self.api.ops.neighbours(iid)
        except MaxworksError:
            return
        for info, cross, removed in ups if side == "up" else downs:
            if self.count >= MAX_NODES:
                break
            self.count += 1
            node = parent.add(self._label(info, (cross, removed)), data=(info.id, side))
            if cross:
                node.allow_expand = False  # the previous cycle's own DAG: centre on it to walk it
                continue
            self._grow(node, info.id, side, depth - 1)
            if not node.children:
                node.allow_expand = False
            elif depth > 1:
                node.expand()

    def _label(self, info: InstanceInfo, edge: tuple[bool, bool] | None) -> Text:
        parts: list[Text | str] = []
        if edge is not None:
            cross, removed = edge
            if cross:
                parts.append(
                    Text("⟲ previous cycle ", style=f"italic {colour(self.app, 'secondary')}")
                )
            if removed:
                parts.append(Text("(removed) ", style="strike dim"))
        parts += [
            Text(f"{info.id} ", style="dim"),
            Text(info.node_name, style="bold"),
            "  ",
            state_text(self.app, info),
            Text(f"  {info.cyctime}", style="dim"),
        ]
        return Text.assemble(*parts)

    # -- navigation -------------------------------------------------------------------------------
    @property
    def cursor_iid(self) -> int | None:
        node = self.dag_tree.cursor_node
        if node is None or node.data is None:
            return None
        return node.data[0]

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[Item]) -> None:
        node = event.node
        if node.children or node.data is None or node.data[1] == "root":
            return
        self._grow(node, node.data[0], node.data[1], 1)

    def action_levels(self, levels: int) -> None:
        self.levels = levels
        self.build()

    def action_centre(self) -> None:
        iid = self.cursor_iid
        if iid is not None and iid != self.iid:
            self.iid = iid
            self.build()

    def action_log(self) -> None:
        from tui.panes.ops.logview import LogScreen

        iid = self.cursor_iid
        if iid is not None:
            self.app.push_screen(LogScreen(self.api, iid))

    def action_why(self) -> None:
        from tui.panes.ops.detail import InstanceScreen

        iid = self.cursor_iid
        if iid is not None:
            self.app.push_screen(InstanceScreen(self.api, iid, self.actions))

    def action_op(self, name: str) -> None:
        iid = self.cursor_iid
        self.actions.apply(name, [] if iid is None else [iid])

    def action_close(self) -> None:
        self.dismiss(None)

    def refresh_view(self) -> None:
        """After an operation: redraw with fresh states (the cursor goes back to the root)."""
        self.build()
