"""The result grid: an Arrow table in textual-fastdatatable, instant at a million rows.

Only the visible rows are ever rendered (the Arrow backend slices on demand), and everything
that touches every row (measuring columns, sorting, searching, exporting) runs in a thread
worker that posts the outcome back. The line above the grid always says how many rows the run
returned and how many the grid shows.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from tui.panes.studio.dialogs import CellViewerScreen, ExportScreen

if TYPE_CHECKING:
    import pyarrow as pa
    from textual_fastdatatable import ArrowBackend, DataTable

VIEWER_MAX_ROWS = 1_000_000  # rows the grid holds, whatever the run fetched
MAX_MATCHES = 100_000
MAX_COLUMN_WIDTH = 40
Direction = Literal["ascending", "descending"]


def _flat(table: pa.Table) -> pa.Table:
    """CSV holds no nested values: lists, maps and structs become JSON text."""
    import pyarrow as pa

    columns = []
    for column in table.columns:
        if pa.types.is_nested(column.type):
            values = [
                None if v is None else json.dumps(v, ensure_ascii=False, default=str)
                for v in column.to_pylist()
            ]
            column = pa.array(values, pa.string())
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


def rows_statement(returned: int | None, shown: int, fetched: int) -> str:
    """``returned``: rows the query produced (None: more than were fetched)."""
    if returned is None:
        return f"more than {fetched:,} rows returned · first {shown:,} shown"
    noun = "row" if returned == 1 else "rows"
    if shown == returned:
        return f"{returned:,} {noun} returned · all shown"
    return f"{returned:,} {noun} returned · {shown:,} shown"


class ResultView(Vertical):
    """s sort by the cursor's column (asc, desc, off) · / search · n / N next / previous match ·
    Enter or Space the cell's value · e export to CSV or Parquet."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort", "Sort", id="studio.grid.sort"),
        Binding("slash", "search", "Search", id="studio.grid.search"),
        Binding("n", "next_match", "Next match", show=False, id="studio.grid.next"),
        Binding("N", "previous_match", "Previous match", show=False, id="studio.grid.prev"),
        Binding("space", "view_cell", "Cell", show=False, id="studio.grid.cell"),
        Binding("e", "export", "Export", id="studio.grid.export"),
    ]

    class _Prepared(Message):
        def __init__(
            self, generation: int, backend: ArrowBackend, table: pa.Table, note: str
        ) -> None:
            super().__init__()
            self.generation = generation
            self.backend = backend
            self.table = table
            self.note = note

    class _Searched(Message):
        def __init__(self, generation: int, needle: str, matches: list[tuple[int, int]]) -> None:
            super().__init__()
            self.generation = generation
            self.needle = needle
            self.matches = matches

    class _Exported(Message):
        def __init__(self, path: Path, rows: int, error: str | None) -> None:
            super().__init__()
            self.path = path
            self.rows = rows
            self.error = error

    def __init__(self, *, export_dir: Path | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.export_dir = export_dir or Path.cwd()
        self.source: pa.Table | None = None  # the rows in the grid, in the query's order
        self.table: pa.Table | None = None  # the same rows in the grid's (sorted) order
        self.returned: int | None = 0
        self.fetched = 0
        self.title = ""
        self.sort_key: tuple[str, Direction] | None = None
        self.matches: list[tuple[int, int]] = []
        self.match_index = -1
        self.needle = ""
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Static(
            "No result yet: F5 runs the node, Ctrl+J runs the selection.",
            id="grid-status",
            markup=False,
        )
        yield Static("", id="grid-placeholder", markup=False)
        search = Input(
            placeholder="search all columns, Enter to find", id="grid-search", compact=True
        )
        search.display = False
        yield search

    @property
    def grid(self) -> DataTable | None:
        from textual_fastdatatable import DataTable

        found = self.query(DataTable)
        return found.first() if found else None

    # -- loading -----------------------------------------------------------------------------
    def show(self, table: pa.Table, *, returned: int | None, title: str = "") -> None:
        """Show ``table`` (as fetched); ``returned``: rows the query produced, None if unknown."""
        self._generation += 1
        self.fetched = table.num_rows
        self.source = table.slice(0, VIEWER_MAX_ROWS)
        self.table = self.source
        self.returned = returned
        self.title = title
        self.sort_key = None
        self.matches, self.match_index, self.needle = [], -1, ""
        self._set_status("loading the result…")
        self._prepare(self._generation, self.table, "")

    @work(thread=True, group="grid-prepare", exclusive=True)
    def _prepare(self, generation: int, table: pa.Table, note: str) -> None:
        from textual_fastdatatable import ArrowBackend

        backend = ArrowBackend(table)
        _ = backend.column_content_widths  # measured here, not on the UI thread
        self.post_message(self._Prepared(generation, backend, table, note))

    @on(_Prepared)
    async def _prepared(self, event: _Prepared) -> None:
        event.stop()
        if event.generation != self._generation:
            return
        from textual_fastdatatable import DataTable

        self.table = event.table
        if event.table is self.source:
            self.sort_key = None  # unsorted again, or the sort failed
        old = self.grid
        column = old.cursor_column if old is not None else 0
        had_focus = old is not None and old.has_focus
        grid = DataTable(
            backend=event.backend,
            max_column_content_width=MAX_COLUMN_WIDTH,
            render_markup=False,
            null_rep="∅",
            id="result-grid",
        )
        if old is not None:
            await old.remove()
        await self.mount(grid, after="#grid-status")
        self.query_one("#grid-placeholder").display = False
        if column:
            grid.move_cursor(column=min(column, max(0, event.backend.column_count - 1)))
        if had_focus:
            grid.focus()
        self._set_status(event.note)

    def _set_status(self, extra: str = "") -> None:
        shown = self.table.num_rows if self.table is not None else 0
        parts = [self.title] if self.title else []
        parts.append(rows_statement(self.returned, shown, self.fetched))
        if self.sort_key is not None:
            parts.append(
                f"sorted by {self.sort_key[0]} {'↑' if self.sort_key[1] == 'ascending' else '↓'}"
            )
        if self.needle:
            total = f"{len(self.matches):,}{'+' if len(self.matches) >= MAX_MATCHES else ''}"
            at = f"{self.match_index + 1:,} of {total}" if self.matches else "no match"
            parts.append(f"“{self.needle}”: {at}")
        if extra:
            parts.append(extra)
        self.query_one("#grid-status", Static).update(" · ".join(parts))

    # -- sort --------------------------------------------------------------------------------
    def action_sort(self) -> None:
        grid = self.grid
        if grid is None or self.source is None or not self.source.num_columns:
            return
        name = self.source.column_names[grid.cursor_column]
        if self.sort_key is None or self.sort_key[0] != name:
            self.sort_key = (name, "ascending")
        elif self.sort_key[1] == "ascending":
            self.sort_key = (name, "descending")
        else:
            self.sort_key = None
        self._generation += 1
        self.matches, self.match_index = [], -1
        self._set_status("sorting…")
        self._sort(self._generation, self.source, self.sort_key)

    @work(thread=True, group="grid-prepare", exclusive=True)
    def _sort(self, generation: int, source: pa.Table, key: tuple[str, Direction] | None) -> None:
        from textual_fastdatatable import ArrowBackend

        table = source
        if key is not None:
            try:
                table = source.sort_by([key])
            except Exception as err:  # a type Arrow cannot order (struct, map): say so
                note = f"cannot sort by {key[0]}: {err}"
                self.post_message(self._Prepared(generation, ArrowBackend(source), source, note))
                return
        backend = ArrowBackend(table)
        _ = backend.column_content_widths
        self.post_message(self._Prepared(generation, backend, table, ""))

    # -- search ------------------------------------------------------------------------------
    def action_search(self) -> None:
        box = self.query_one("#grid-search", Input)
        box.value = ""
        box.placeholder = (
            f"search all columns (last: {self.needle})" if self.needle else box.placeholder
        )
        box.display = True
        box.focus()

    @on(Input.Submitted, "#grid-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        needle = event.value.strip()
        event.input.display = False
        if self.grid is not None:
            self.grid.focus()
        if not needle or self.table is None:
            self.needle, self.matches = "", []
            self._set_status()
            return
        self.needle = needle
        self._set_status("searching…")
        self._search(self._generation, self.table, needle)

    def on_key(self, event: Any) -> None:
        if event.key == "escape" and self.query_one("#grid-search", Input).has_focus:
            event.stop()
            self.query_one("#grid-search", Input).display = False
            if self.grid is not None:
                self.grid.focus()

    @work(thread=True, group="grid-search", exclusive=True)
    def _search(self, generation: int, table: pa.Table, needle: str) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        found: list[tuple[int, int]] = []
        for index, column in enumerate(table.columns):
            try:
                text = column if pa.types.is_string(column.type) else pc.cast(column, pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue  # nested values: not searched
            mask = pc.match_substring(text, needle, ignore_case=True)
            rows = pc.indices_nonzero(
                mask.combine_chunks() if hasattr(mask, "combine_chunks") else mask
            )
            found += [(int(r), index) for r in rows.to_pylist()[:MAX_MATCHES]]
        found.sort()
        self.post_message(self._Searched(generation, needle, found[:MAX_MATCHES]))

    @on(_Searched)
    def _searched(self, event: _Searched) -> None:
        event.stop()
        if event.generation != self._generation:
            return
        self.matches = event.matches
        self.match_index = -1
        self.action_next_match()
        self._set_status()

    def action_next_match(self) -> None:
        self._jump(1)

    def action_previous_match(self) -> None:
        self._jump(-1)

    def _jump(self, step: int) -> None:
        grid = self.grid
        if not self.matches or grid is None:
            return
        self.match_index = (self.match_index + step) % len(self.matches)
        row, column = self.matches[self.match_index]
        grid.move_cursor(row=row, column=column)
        self._set_status()

    # -- cell viewer and export -----------------------------------------------------------------
    def on_data_table_cell_selected(self, event: Any) -> None:
        event.stop()
        self.action_view_cell()

    def action_view_cell(self) -> None:
        grid = self.grid
        if grid is None or self.table is None or not self.table.num_rows:
            return
        row, column = grid.cursor_coordinate
        field = self.table.schema.field(column)
        value = self.table.column(column)[row].as_py()
        if isinstance(value, (dict, list)):
            text = json.dumps(value, ensure_ascii=False, indent=2, default=str)
        else:
            text = "NULL" if value is None else str(value)
        self.app.push_screen(
            CellViewerScreen(f"{field.name} ({field.type}) · row {row + 1:,}", text)
        )

    def action_export(self) -> None:
        if self.table is None:
            return
        default = self.export_dir / f"{(self.title or 'result').split()[0]}.csv"
        self.app.push_screen(ExportScreen(default, self.table.num_rows), self._export_to)

    def _export_to(self, path: Path | None) -> None:
        if path is not None and self.table is not None:
            self._set_status(f"exporting to {path}…")
            self._export(self.table, path)

    @work(thread=True, group="grid-export")
    def _export(self, table: pa.Table, path: Path) -> None:
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            if path.suffix.lower() == ".parquet":
                import pyarrow.parquet as pq

                pq.write_table(table, tmp)
            else:
                import pyarrow.csv as pcsv

                pcsv.write_csv(_flat(table), tmp)
            os.replace(tmp, path)
        except Exception as err:  # disk full, permissions: the old file (if any) is untouched
            tmp.unlink(missing_ok=True)
            self.post_message(self._Exported(path, 0, str(err)))
            return
        self.post_message(self._Exported(path, table.num_rows, None))

    @on(_Exported)
    def _exported(self, event: _Exported) -> None:
        event.stop()
        if event.error:
            self.notify(f"export failed: {event.error}", severity="error")
            self._set_status()
        else:
            self.notify(f"exported {event.rows:,} rows to {event.path}")
            self._set_status(f"exported to {event.path.name}")
