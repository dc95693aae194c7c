"""A table's detail: a summary line and tabs (schema, partitions, lineage, preview, nodes).

It only shows what the pane gives it (attributes down); choosing a table in the lineage tree or
a column's lineage in the schema posts a message up.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static, TabbedContent, TabPane, Tree
from textual.widgets.tree import TreeNode

from engine.datamap.records import Lineage, LineageEdge, TableDetail

TABS = ("schema", "partitions", "lineage", "preview", "nodes")


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _size(value: int | None) -> str:
    if value is None:
        return "-"
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


def summary(d: TableDetail) -> Text:
    kind = "view" if d.is_view else ("partitioned" if d.partitioned else "table")
    out = Text()
    out.append("★ " if d.favourite else "", style="bold")
    out.append(d.qualified, style="bold")
    out.append(f"  {d.env} · {kind} · owner {d.owner or '-'} · ", style="")
    out.append(f"lifecycle {f'{d.lifecycle}d' if d.lifecycle is not None else 'forever'}")
    out.append(f"\n{d.comment or '(no comment)'}", style="italic")
    rows = f"{_n(d.row_count)} rows" + (
        f" in {d.partition_count:,} partitions" if d.partitioned else ""
    )
    out.append(
        f"\n{rows} · {_size(d.size_bytes)} · data changed {d.modified_at or '-'}", style="dim"
    )
    if d.read_at:
        out.append(f" · read {d.read_at} by {d.read_by}", style="dim")
    return out


class LineageTree(Tree[tuple[str, str | None]]):
    """Upstream and downstream branches; a node's data is (project.table, column or None)."""

    class TableChosen(Message):
        def __init__(self, table: str) -> None:
            super().__init__()
            self.table = table

    def show(self, lineage: Lineage | None) -> None:
        self.clear()
        if lineage is None:
            self.root.set_label("lineage: loading")
            return
        column = next(
            (e.parent_column for e in (*lineage.upstream, *lineage.downstream) if e.depth == 1),
            None,
        )
        title = lineage.table + (f".{column}" if lineage.columns and column else "")
        self.root.set_label(Text(title, style="bold"))
        self.root.data = (lineage.table, column)
        for label, edges, arrow in (
            ("upstream (where the data comes from)", lineage.upstream, "←"),
            ("downstream (where it goes)", lineage.downstream, "→"),
        ):
            branch = self.root.add(Text(f"{label}: {self._count(edges)}", style="dim"), expand=True)
            self._grow(branch, edges, arrow)
        for problem in lineage.unparsed[:3]:
            self.root.add_leaf(Text(f"not parsed: {problem}", style="dim italic"))
        self.root.expand()

    @staticmethod
    def _count(edges: tuple[LineageEdge, ...]) -> str:
        direct = sum(1 for e in edges if e.depth == 1)
        return f"{direct} direct, {len(edges)} in all" if edges else "none"

    def _grow(self, branch: TreeNode[Any], edges: tuple[LineageEdge, ...], arrow: str) -> None:
        parents: dict[int, TreeNode[Any]] = {0: branch}
        for e in edges:
            name = e.table + (f".{e.column}" if e.column else "")
            label = Text(f"{arrow} {name}")
            label.append(f"  {', '.join(e.nodes)}", style="dim")
            parent = parents.get(e.depth - 1, branch)
            parents[e.depth] = parent.add(label, data=(e.table, e.column), expand=True)
        stack = list(branch.children)
        while stack:  # tables with nothing further that way are leaves
            node = stack.pop()
            node.allow_expand = bool(node.children)
            stack.extend(node.children)

    def on_tree_node_selected(self, event: Tree.NodeSelected[tuple[str, str | None]]) -> None:
        event.stop()
        data = event.node.data
        if data is not None and event.node is not self.root:
            self.post_message(self.TableChosen(data[0]))


class TableView(Vertical):
    """Summary and tabs of one table."""

    def compose(self) -> ComposeResult:
        yield Static("Choose a table on the left (Enter).", id="map-summary")
        with TabbedContent(id="map-tabs"):
            with TabPane("Schema", id="schema"):
                yield DataTable(id="map-schema", cursor_type="row", zebra_stripes=True)
            with TabPane("Partitions", id="partitions"):
                yield DataTable(id="map-partitions", cursor_type="row", zebra_stripes=True)
            with TabPane("Lineage", id="lineage"):
                yield LineageTree("lineage", id="map-lineage")
            with TabPane("Preview", id="preview"):
                yield Static("", id="map-preview-note")
                yield DataTable(id="map-preview", cursor_type="cell")
            with TabPane("Nodes", id="nodes"):
                yield Static("", id="map-nodes")

    def on_mount(self) -> None:
        self.query_one("#map-schema", DataTable).add_columns("column", "type", "comment")
        self.query_one("#map-partitions", DataTable).add_columns(
            "partition", "rows", "size", "modified"
        )

    def show(self, d: TableDetail) -> None:
        self.query_one("#map-summary", Static).update(summary(d))
        schema = self.query_one("#map-schema", DataTable)
        schema.clear()
        for c in d.columns:
            comment = ("partition · " if c.is_partition else "") + c.comment
            schema.add_row(c.name, c.type, comment, key=c.name)
        parts = self.query_one("#map-partitions", DataTable)
        parts.clear()
        for p in d.partitions:
            parts.add_row(p.spec, _n(p.row_count), _size(p.size_bytes), p.modified_at or "-")
        if d.partitioned and d.partition_count > len(d.partitions):
            parts.add_row(f"… {d.partition_count - len(d.partitions):,} older", "", "", "")
        nodes = Text()
        nodes.append("Produced by (deployed nodes that write it)\n", style="bold")
        nodes.append("".join(f"  {n}\n" for n in d.producers) or "  -\n")
        nodes.append("\nRead by (deployed nodes that read it)\n", style="bold")
        nodes.append("".join(f"  {n}\n" for n in d.consumers) or "  -\n")
        nodes.append(f"\nLast written {d.written_at or '-'} by {d.written_by or '-'}", style="dim")
        self.query_one("#map-nodes", Static).update(nodes)
        self.query_one(LineageTree).show(None)
        self.show_preview_note("Preview: press p (or open this tab) to query sample rows.")
        self.query_one("#map-preview", DataTable).clear(columns=True)

    def show_lineage(self, lineage: Lineage) -> None:
        self.query_one(LineageTree).show(lineage)

    def show_preview_note(self, text: str | Text) -> None:
        self.query_one("#map-preview-note", Static).update(text)

    def show_preview(self, columns: list[str], rows: list[tuple[str, ...]], note: str) -> None:
        table = self.query_one("#map-preview", DataTable)
        table.clear(columns=True)
        table.add_columns(*columns)
        table.add_rows(rows)
        self.show_preview_note(note)

    @property
    def selected_column(self) -> str | None:
        schema = self.query_one("#map-schema", DataTable)
        if schema.row_count == 0:
            return None
        row = schema.get_row_at(schema.cursor_row)
        return str(row[0]) if row else None
