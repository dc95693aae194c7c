"""A fast row grid on Textual's line API: one ``Strip`` per visible row, built from plain strings.

Textual's ``DataTable`` renders every cell through Rich (about 0.3 ms a cell here), so redrawing
a 40-line, 12-column page after a filter keystroke took ~130 ms. Operation Center redraws whole
pages on every keystroke, so its lists use this grid instead: cells are ``(text, style)`` pairs,
a row is cut and padded to the column widths and styled in one pass, and strips are cached per
row until the rows change. A sticky header line, a cursor row, zebra stripes, horizontal
scrolling, mouse clicks (a header click asks to sort by that column) and the usual keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = tuple[str, str]
"""A cell: its text and a Rich style string ("" for the row's style)."""


@dataclass
class GridColumn:
    key: str
    label: str
    justify: str = "left"
    max_width: int = 40
    width: int = 0


def _fit(text: str, width: int, justify: str) -> str:
    if len(text) > width:
        return text[: max(0, width - 1)] + "…" if width > 0 else ""
    return text.rjust(width) if justify == "right" else text.ljust(width)


class RowGrid(ScrollView, can_focus=True):
    """↑ ↓ PgUp PgDn Home End move the cursor · ← → scroll sideways · Enter selects."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "row-grid--header",
        "row-grid--cursor",
        "row-grid--even",
        "row-grid--odd",
    }
    DEFAULT_CSS = """
    RowGrid { background: $surface; height: 1fr; }
    RowGrid > .row-grid--header { background: $panel; color: $text; text-style: bold; }
    RowGrid > .row-grid--even { background: $surface; color: $text; }
    RowGrid > .row-grid--odd { background: $surface-lighten-1; color: $text; }
    RowGrid > .row-grid--cursor { background: $block-cursor-blurred-background; color: $text; }
    RowGrid:focus > .row-grid--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "ends(-1)", "First", show=False),
        Binding("end", "ends(1)", "Last", show=False),
        Binding("left", "sideways(-4)", "Left", show=False),
        Binding("right", "sideways(4)", "Right", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=False)

    class Highlighted(Message):
        def __init__(self, grid: RowGrid, row: int, key: str | None) -> None:
            super().__init__()
            self.grid = grid
            self.row = row
            self.key = key

        @property
        def control(self) -> RowGrid:
            return self.grid

    class Selected(Message):
        def __init__(self, grid: RowGrid, row: int, key: str) -> None:
            super().__init__()
            self.grid = grid
            self.row = row
            self.key = key

        @property
        def control(self) -> RowGrid:
            return self.grid

    class HeaderClicked(Message):
        def __init__(self, grid: RowGrid, column: str) -> None:
            super().__init__()
            self.grid = grid
            self.column = column

        @property
        def control(self) -> RowGrid:
            return self.grid

    def __init__(
        self, columns: list[GridColumn], *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.columns = columns
        self.keys: list[str] = []
        self.cells: list[list[Cell]] = []
        self.index: dict[str, int] = {}
        self._cache: dict[tuple[int, bool, bool, int, int], Strip] = {}
        self._total_width = 0

    # -- data -------------------------------------------------------------------------------------
    def set_rows(
        self, rows: list[tuple[str, list[Cell]]], *, cursor_key: str | None = None
    ) -> None:
        """Replace every row; the cursor goes to ``cursor_key`` (the top if it is gone), or stays
        on its row number when no key is given."""
        self.keys = [k for k, _ in rows]
        self.cells = [c for _, c in rows]
        self.index = {k: i for i, k in enumerate(self.keys)}
        self._measure()
        self._cache.clear()
        self.virtual_size = Size(self._total_width, len(self.keys) + 1)
        target = self.index.get(cursor_key, 0) if cursor_key else self.cursor_row
        self.set_reactive(RowGrid.cursor_row, max(0, min(target, len(self.keys) - 1)))
        self._keep_cursor_visible()
        self.refresh()

    def append_rows(self, rows: list[tuple[str, list[Cell]]]) -> None:
        for key, cells in rows:
            if key in self.index:
                continue
            self.index[key] = len(self.keys)
            self.keys.append(key)
            self.cells.append(cells)
        if self._measure():
            self._cache.clear()
        self.virtual_size = Size(self._total_width, len(self.keys) + 1)
        self.refresh()

    def update_row(self, key: str, cells: list[Cell]) -> None:
        row = self.index.get(key)
        if row is None:
            return
        self.cells[row] = cells
        if self._measure(only=[cells]):
            self._cache.clear()
            self.refresh()
            return
        for stale in [k for k in self._cache if k[0] == row]:
            del self._cache[stale]
        self.refresh_line(row - int(self.scroll_offset.y) + 1)

    def set_labels(self, labels: dict[str, str]) -> None:
        for column in self.columns:
            column.label = labels.get(column.key, column.label)
        self._measure()
        self._cache.clear()
        self.refresh()

    def cell_text(self, key: str, column: str) -> str:
        row = self.index[key]
        position = next(i for i, c in enumerate(self.columns) if c.key == column)
        return self.cells[row][position][0]

    def _measure(self, only: list[list[Cell]] | None = None) -> bool:
        """Widen the columns to fit their contents; True when a width changed."""
        changed = False
        rows = only if only is not None else self.cells
        for i, column in enumerate(self.columns):
            widest = max((len(r[i][0]) for r in rows), default=0)
            if only is None:
                widest = max(widest, len(column.label))
            # Columns only grow: a new page, date or sort never narrows them, so the columns do
            # not jump under the eye, and an unchanged width is no new layout (a second frame).
            new = max(column.width, min(widest, column.max_width))
            if new != column.width:
                column.width = new
                changed = True
        self._total_width = sum(c.width + 1 for c in self.columns) + 1
        return changed

    # -- cursor -----------------------------------------------------------------------------------
    @property
    def cursor_key(self) -> str | None:
        if 0 <= self.cursor_row < len(self.keys):
            return self.keys[self.cursor_row]
        return None

    def move_cursor(self, row: int, *, animate: bool = False) -> None:
        self.cursor_row = max(0, min(row, len(self.keys) - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        top = int(self.scroll_offset.y)
        self.refresh_line(old - top + 1)
        self.refresh_line(new - top + 1)
        self._keep_cursor_visible()
        self.post_message(self.Highlighted(self, new, self.cursor_key))

    def _keep_cursor_visible(self) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_offset.y)
        row = self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)

    def action_move(self, step: int) -> None:
        self.move_cursor(self.cursor_row + step)

    def action_page(self, step: int) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        self.move_cursor(self.cursor_row + step * height)

    def action_ends(self, step: int) -> None:
        self.move_cursor(0 if step < 0 else len(self.keys) - 1)

    def action_sideways(self, step: int) -> None:
        self.scroll_to(x=max(0, self.scroll_offset.x + step), animate=False)

    def action_select(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.Selected(self, self.cursor_row, key))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = event.x + int(self.scroll_offset.x) - 1
            for column in self.columns:
                if x < column.width + 1:
                    self.post_message(self.HeaderClicked(self, column.key))
                    return
                x -= column.width + 1
            return
        row = int(self.scroll_offset.y) + event.y - 1
        if 0 <= row < len(self.keys):
            self.move_cursor(row)
            if event.chain >= 2:
                self.action_select()

    # -- rendering --------------------------------------------------------------------------------
    def _segments(self, row: int, cursor: bool) -> list[Segment]:
        """The row as few segments as possible: runs of one style merged."""
        if cursor:
            base = self.get_component_rich_style("row-grid--cursor")
        else:
            base = self.get_component_rich_style("row-grid--odd" if row % 2 else "row-grid--even")
        segments: list[Segment] = []
        run: list[str] = [" "]
        run_style = base
        for column, (text, style) in zip(self.columns, self.cells[row], strict=False):
            cell_style = base if not style or cursor else base + Style.parse(style)
            if cell_style != run_style:
                segments.append(Segment("".join(run), run_style))
                run, run_style = [], cell_style
            run.append(_fit(text, column.width, column.justify))
            if run_style != base:
                segments.append(Segment("".join(run), run_style))
                run, run_style = [], base
            run.append(" ")
        segments.append(Segment("".join(run), run_style))
        return segments

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x = int(self.scroll_offset.x)
        if y == 0:
            key = (-1, False, False, scroll_x, width)
            strip = self._cache.get(key)
            if strip is None:
                style = self.get_component_rich_style("row-grid--header")
                text = " " + " ".join(_fit(c.label, c.width, c.justify) for c in self.columns) + " "
                strip = Strip([Segment(text, style)], len(text)).crop_extend(
                    scroll_x, scroll_x + width, style
                )
                self._cache[key] = strip
            return strip
        row = int(self.scroll_offset.y) + y - 1
        if row >= len(self.keys):
            return Strip.blank(width, self.rich_style)
        cursor = row == self.cursor_row
        key = (row, cursor, cursor and self.has_focus, scroll_x, width)
        strip = self._cache.get(key)
        if strip is None:
            segments = self._segments(row, cursor)
            strip = Strip(segments, self._total_width).crop_extend(
                scroll_x, scroll_x + width, segments[0].style
            )
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = strip
        return strip

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def _theme_changed(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_focus(self) -> None:
        self._refresh_cursor()

    def on_blur(self) -> None:
        self._refresh_cursor()

    def _refresh_cursor(self) -> None:
        self.refresh_line(self.cursor_row - int(self.scroll_offset.y) + 1)

    def on_resize(self) -> None:
        self._keep_cursor_visible()
