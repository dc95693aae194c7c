"""An instance list: the counts header, the ``/`` filter, and a keyset-paged table.

Only what is on screen (and the pages already scrolled through) is ever loaded: a page is one
indexed query (engine.ops.monitor), so scrolling, filtering and sorting cost the same with a
million instances in history. Every 1.5 s a thread re-reads the loaded rows and the counts, and
the table is diff-updated: changed cells are rewritten in place, and when rows come or go the
cursor stays on the instance it was on.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from engine.errors import MaxworksError
from engine.ops.monitor import BUCKETS, InstanceQuery, Monitor, parse_filter
from tui.panes.ops.grid import Cell, GridColumn, RowGrid
from tui.panes.ops.style import BUCKET_COLOUR, clock_of, colour, duration, state_cell

if TYPE_CHECKING:
    from engine.api import Api
    from engine.ops.queries import InstanceInfo
    from tui.panes.ops.actions import OpsActions


def whole_history(q: InstanceQuery) -> bool:
    """Does ``q`` count instances of every business date of the view (not one date, one backfill
    run)? Over a long history that takes long enough (1-4 s at 1,000,000 instances) to be
    counted in the background."""
    return q.bizdate is None and q.dag_id is None


RECOUNT_SECONDS = 30.0
"""A whole history (every business date) is counted again at most this often: at 1,000,000
instances one count takes 1-4 s of a core."""
PAGE = 60
"""Rows of the first keyset page (a tall terminal shows ~45): a new date, filter or sort reads
only this many before it draws."""
MORE = 240
"""Rows of each further page, read as the cursor nears the end: a Page Down (a screen) waits for
a read once every several presses, not every other one."""
REFRESH_SECONDS = 1.5
REFRESH_MAX_ROWS = 2000
"""Live refresh re-reads at most this many loaded rows (the rest refresh when scrolled to)."""
NEAR_END = 10
"""Load the next page when the cursor is this close to the last loaded row."""

COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    # key, label, sort name (None: not sortable)
    ("mark", " ", None),
    ("id", "ID", "id"),
    ("node", "Node", "node"),
    ("status", "Status", "status"),
    ("bizdate", "Bizdate", "bizdate"),
    ("cyctime", "Sched", "cyctime"),
    ("run", "Run", "run"),
    ("started", "Started", "started"),
    ("duration", "Duration", "duration"),
    ("type", "Type", "type"),
    ("group", "Group", "group"),
    ("priority", "Prio", "priority"),
)
_RIGHT = {"id", "run", "duration", "priority"}
SORT_CYCLE = tuple(sort for _, _, sort in COLUMNS if sort)
BUCKET_CYCLE: tuple[str | None, ...] = (
    None,
    "failed",
    "running",
    "wait_resource",
    "wait_time",
    "not_run",
    "succeeded",
    "frozen",
)


class InstanceList(Vertical):
    """/ filter · [ ] previous / next business date · f state filter · o / O sort column / reverse
    · Space mark · Enter details."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="ops.filter"),
        Binding("left_square_bracket", "day(1)", "Older day", show=False, id="ops.prev_day"),
        Binding("right_square_bracket", "day(-1)", "Newer day", show=False, id="ops.next_day"),
        Binding("f", "bucket", "State", id="ops.state_filter"),
        Binding("o", "sort", "Sort", show=False, id="ops.sort"),
        Binding("O", "reverse", "Reverse sort", show=False, id="ops.sort_reverse"),
        Binding("space", "mark", "Mark", show=False, id="ops.mark"),
        Binding("escape", "clear", "Clear marks / filter", show=False, id="ops.clear"),
        Binding("l", "log", "Log", id="ops.log"),
        Binding("d", "dag", "DAG", id="ops.dag"),
        Binding("w", "why", "Why", show=False, id="ops.why"),
        Binding("r", "op('rerun')", "Rerun", id="ops.rerun"),
        Binding("R", "op('rerun_downstream')", "Rerun downstream", show=False, id="ops.rerun_down"),
        Binding("S", "op('set_success')", "Set successful", show=False, id="ops.set_success"),
        Binding("ctrl+k", "op('kill')", "Kill", show=False, id="ops.kill"),
        Binding("z", "op('freeze')", "Freeze/unfreeze", show=False, id="ops.freeze"),
        Binding("U", "op('remove_upstream')", "Remove upstream", show=False, id="ops.remove_deps"),
        Binding("T", "node_op('test_run')", "Test run", show=False, id="ops.test_run"),
        Binding("B", "node_op('backfill')", "Backfill", show=False, id="ops.backfill"),
    ]

    class Open(Message):
        """Enter on a row: show the instance."""

        def __init__(self, iid: int) -> None:
            super().__init__()
            self.iid = iid

    class _Live(Message):
        def __init__(
            self,
            generation: int,
            rows: list[InstanceInfo],
            counts: dict[str, int] | None,
            after: tuple[Any, int] | None,
        ) -> None:
            super().__init__()
            self.generation = generation
            self.rows = rows
            self.counts = counts
            self.after = after

    def __init__(
        self,
        api: Api,
        base: InstanceQuery,
        actions: OpsActions,
        *,
        by_date: bool = True,
        live: bool = True,
        autoload: bool = True,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, classes="instance-list")
        self.api = api
        self.actions = actions
        self.by_date = by_date
        self.live = live
        self.autoload = autoload
        self.query_base = base
        self.filter_text = ""
        self.bucket: str | None = None
        self.sort = "id"
        self.descending = True
        self.dates: list[str] = []
        self.ids: list[int] = []
        self.rows: dict[int, InstanceInfo] = {}
        self.marked: set[int] = set()
        self.after: tuple[Any, int] | None = None
        self.counts: dict[str, int] = {}
        self.error = ""
        self.generation = 0
        """Bumped whenever the query changes, so a refresh read for an old query is dropped."""
        self._status_cells: dict[tuple[object, ...], Cell] = {}
        self._accent = ""
        self._shown_text: dict[str, str] = {}
        self._shown_rows: dict[str, int] = {}
        self._fg: Monitor | None = None
        self._bg: Monitor | None = None
        self.loaded = False
        self._counted_at = 0.0  # when a whole history was last counted (monotonic)

    # -- layout -----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", classes="ops-counts", id=f"{self.id}-counts")
        filter_input = Input(
            placeholder="status:failed owner:me node:dwd_* type:odps_sql group:G words…",
            classes="ops-filter",
            id=f"{self.id}-filter",
        )
        filter_input.display = False
        yield filter_input
        yield RowGrid(
            [
                GridColumn(
                    key, label, "right" if key in _RIGHT else "left", 40 if key == "node" else 24
                )
                for key, label, _ in COLUMNS
            ],
            id=f"{self.id}-table",
            classes="ops-table",
        )
        yield Static("", classes="ops-list-status", id=f"{self.id}-status")

    @property
    def table(self) -> RowGrid:
        return self.query_one(RowGrid)

    @property
    def filter_input(self) -> Input:
        return self.query_one(Input)

    def on_mount(self) -> None:
        if self.autoload:
            self.reload()
        if self.live:
            self.set_interval(REFRESH_SECONDS, self.refresh_live)

    def on_unmount(self) -> None:
        for mon in (self._fg, self._bg):
            if mon is not None:
                mon.close()

    # -- the query --------------------------------------------------------------------------------
    @property
    def current_query(self) -> InstanceQuery:
        q = self.query_base.with_text(self.filter_text, me=self.api.user)
        if not q.buckets and self.bucket:
            q = replace(q, buckets=(self.bucket,))
        return replace(q, sort=self.sort, descending=self.descending)

    @property
    def monitor(self) -> Monitor:
        """Opened on first use: a view nobody looks at costs nothing."""
        if self._fg is None:
            self._fg = self.api.ops.monitor()
            if self.by_date:
                self.dates = self._fg.bizdates(self.query_base.dag_type)
                if self.dates and self.query_base.bizdate is None:
                    self.query_base = replace(self.query_base, bizdate=self.dates[0])
        return self._fg

    def reload(self, *, keep: int | None = None, counts: bool = True) -> None:
        """Read the first page again (the query changed), and the counts unless told they did
        not change (a new sort or state bucket leaves them as they are)."""
        self.generation += 1
        if keep is None:
            keep = self.cursor_id
        self.loaded = True
        try:
            monitor = self.monitor
            q = self.current_query
            page = monitor.page(q, limit=PAGE)
            if counts or not self.counts:
                if whole_history(q):  # counting it all can take a while: the rows come first
                    self.counts = {}
                    self._counted_at = time.monotonic()
                    self._count(self.generation, q)
                else:
                    self.counts = monitor.counts(q)
        except MaxworksError as err:
            self.error = str(err)
            self._show_status()
            return
        self.error = ""
        self.after = page.after
        self._fill(page.rows, keep)
        self._show_counts()
        self._show_status()

    def set_bizdate(self, bizdate: str | None) -> None:
        self.query_base = replace(self.query_base, bizdate=bizdate)
        self.marked.clear()
        self.reload()

    def set_filter(self, text: str) -> None:
        try:
            parse_filter(text, me=self.api.user)
        except MaxworksError as err:
            self.error = str(err)
            self._show_status()
            return
        self.filter_text = text
        self.filter_input.value = text
        if text:
            self.filter_input.display = True
        self.reload()

    def load_more(self) -> None:
        if self.after is None:
            return
        try:
            page = self.monitor.page(self.current_query, after=self.after, limit=MORE)
        except MaxworksError as err:
            self.error = str(err)
            self._show_status()
            return
        self.after = page.after
        now = self.api.clock()
        fresh = [info for info in page.rows if info.id not in self.rows]
        for info in fresh:
            self.rows[info.id] = info
            self.ids.append(info.id)
        self.table.append_rows([(str(i.id), self._cells(i, now)) for i in fresh])
        self._show_status()

    # -- drawing ----------------------------------------------------------------------------------
    def _cells(self, info: InstanceInfo, now: datetime | None = None) -> list[Cell]:
        key = (info.state, info.frozen, info.sched_type, info.forced_success)
        status = self._status_cells.get(key)
        if status is None:
            status = self._status_cells[key] = state_cell(self.app, info)
        return [
            ("●", self._accent) if info.id in self.marked else ("", ""),
            (str(info.id), ""),
            (info.node_name, ""),
            status,
            (info.bizdate, ""),
            (info.cyctime[11:16], ""),
            (str(info.run_no), ""),
            (clock_of(info.started_at), ""),
            (duration(info, now or self.api.clock()), ""),
            (info.node_type, ""),
            (info.resource_group, ""),
            (str(info.priority), ""),
        ]

    def _fill(self, rows: list[InstanceInfo], keep: int | None) -> None:
        self._status_cells.clear()
        self._accent = colour(self.app, "accent")
        self.rows = {r.id: r for r in rows}
        self.ids = [r.id for r in rows]
        now = self.api.clock()
        self._label_columns()
        self.table.set_rows(
            [(str(info.id), self._cells(info, now)) for info in rows],
            cursor_key=None if keep is None else str(keep),
        )

    def _label_columns(self) -> None:
        arrow = "▼" if self.descending else "▲"
        self.table.set_labels(
            {key: f"{label}{arrow}" if sort == self.sort else label for key, label, sort in COLUMNS}
        )

    def _show_counts(self) -> None:
        parts: list[Text] = []
        q = self.current_query
        if self.by_date:
            day = q.bizdate or "all dates"
            parts.append(Text.assemble(("bizdate ", "dim"), (day, "bold"), ("  [ ]", "dim")))
        if not self.counts:
            parts.append(Text("counting…", style="dim"))
            self._update(".ops-counts", Text(" · ").join(parts))
            return
        total = self.counts.get("all", 0)
        chosen = set(q.buckets)
        parts.append(Text(f"all {total:,}", style="bold" if not chosen else ""))
        for name, label in BUCKETS:
            n = self.counts.get(name, 0)
            style = colour(self.app, BUCKET_COLOUR[name]) if n else "dim"
            if name in chosen:
                style += " bold reverse"
            parts.append(Text(f"{label} {n:,}", style=style))
        self._update(".ops-counts", Text(" · ").join(parts))

    def _show_status(self) -> None:
        if self.error:
            self._update(".ops-list-status", Text(self.error, style=colour(self.app, "error")))
            return
        shown = len(self.ids)
        more = " · more below" if self.after is not None else ""
        marks = f" · {len(self.marked)} marked" if self.marked else ""
        flt = f" · filter: {self.filter_text}" if self.filter_text else ""
        state = f" · state: {self.bucket}" if self.bucket and not self.filter_text else ""
        order = "desc" if self.descending else "asc"
        self._update(
            ".ops-list-status",
            Text(f"{shown:,} loaded{more}{marks}{flt}{state} · sort: {self.sort} {order}", "dim"),
        )

    def _update(self, selector: str, text: Text) -> None:
        """Repaint a line only when it says something new, and lay the screen out again only
        when it may need another row (a layout pass costs more than the whole list)."""
        key = text.markup
        before = self._shown_text.get(selector)
        if before == key:
            return
        self._shown_text[selector] = key
        line = self.query_one(selector, Static)
        width = max(1, line.size.width)
        rows = len(text.plain) // width
        layout = before is None or rows != self._shown_rows.get(selector)
        self._shown_rows[selector] = rows
        line.update(text, layout=layout)

    # -- selection --------------------------------------------------------------------------------
    @property
    def cursor_id(self) -> int | None:
        key = self.table.cursor_key
        return None if key is None else int(key)

    def selected(self) -> list[int]:
        """What an action applies to: the marked rows, else the row under the cursor."""
        if self.marked:
            return [i for i in self.ids if i in self.marked] + sorted(self.marked - set(self.ids))
        cursor = self.cursor_id
        return [] if cursor is None else [cursor]

    def info(self, iid: int) -> InstanceInfo | None:
        return self.rows.get(iid)

    @on(RowGrid.Highlighted)
    def _near_end(self, event: RowGrid.Highlighted) -> None:
        event.stop()
        if self.after is not None and event.row >= len(self.ids) - NEAR_END:
            self.load_more()

    @on(RowGrid.Selected)
    def _open(self, event: RowGrid.Selected) -> None:
        event.stop()
        self.post_message(self.Open(int(event.key)))

    @on(RowGrid.HeaderClicked)
    def _sort_by_header(self, event: RowGrid.HeaderClicked) -> None:
        event.stop()
        sort = next((s for k, _, s in COLUMNS if k == event.column), None)
        if sort is None:
            return
        if sort == self.sort:
            self.descending = not self.descending
        else:
            self.sort, self.descending = sort, sort in ("id", "started", "duration", "priority")
        self.reload()

    # -- actions ----------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # read-only: the operations are hidden from the footer and help, and refused
        if action in ("op", "node_op"):
            return self.actions.allowed(str(parameters[0]))
        return True

    def action_op(self, name: str) -> None:
        self.actions.apply(name, self.selected())

    def action_node_op(self, name: str) -> None:
        iid = self.cursor_id
        if iid is None:
            return
        info = self.rows[iid]
        getattr(self.actions, name)(info.node_name, info.bizdate)

    def action_log(self) -> None:
        from tui.panes.ops.logview import LogScreen

        iid = self.cursor_id
        if iid is not None:
            self.app.push_screen(LogScreen(self.api, iid))

    def action_dag(self) -> None:
        from tui.panes.ops.dag import DagScreen

        iid = self.cursor_id
        if iid is not None:
            self.app.push_screen(DagScreen(self.api, iid, self.actions))

    def action_why(self) -> None:
        iid = self.cursor_id
        if iid is not None:
            self.post_message(self.Open(iid))

    def set_base(self, base: InstanceQuery) -> None:
        """Show another set (a backfill run's instances, a node's)."""
        self.query_base = base
        self.marked.clear()
        self.reload()

    def action_filter(self) -> None:
        self.filter_input.display = True
        self.screen.set_focus(self.filter_input)  # now: keys typed right after / are the filter's

    @on(Input.Changed)
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        text = event.value.strip()
        try:
            parse_filter(text, me=self.api.user)
        except MaxworksError as err:
            self.error = str(err)  # what is shown stays until the filter reads right
            self._show_status()
            return
        self.filter_text = text
        self.reload()

    @on(Input.Submitted)
    def _filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()
        if not self.filter_text:
            self.filter_input.display = False

    def on_key(self, event: Any) -> None:
        if event.key == "escape" and self.filter_input.has_focus:
            event.stop()
            self.table.focus()
            if not self.filter_text:
                self.filter_input.display = False

    def action_day(self, step: int) -> None:
        if not self.by_date or not self.dates:
            return
        current = self.query_base.bizdate
        index = self.dates.index(current) if current in self.dates else -1
        new = index + step
        if 0 <= new < len(self.dates):
            self.set_bizdate(self.dates[new])
        else:
            self.notify(
                "no older business date" if step > 0 else "this is the newest business date",
                severity="information",
                timeout=2,
            )

    def action_bucket(self) -> None:
        index = BUCKET_CYCLE.index(self.bucket) if self.bucket in BUCKET_CYCLE else 0
        self.bucket = BUCKET_CYCLE[(index + 1) % len(BUCKET_CYCLE)]
        self.reload(counts=False)

    def action_sort(self) -> None:
        index = SORT_CYCLE.index(self.sort) if self.sort in SORT_CYCLE else 0
        self.sort = SORT_CYCLE[(index + 1) % len(SORT_CYCLE)]
        self.reload(counts=False)

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.reload(counts=False)

    def action_mark(self) -> None:
        iid = self.cursor_id
        if iid is None:
            return
        self.marked ^= {iid}
        table = self.table
        table.update_row(str(iid), self._cells(self.rows[iid]))
        if table.cursor_row < len(self.ids) - 1:
            table.move_cursor(table.cursor_row + 1)
        self._show_status()

    def action_clear(self) -> None:
        if self.marked:
            marked, self.marked = self.marked, set()
            for iid in marked:
                if iid in self.rows:
                    self.table.update_row(str(iid), self._cells(self.rows[iid]))
            self._show_status()
        elif self.filter_text or self.bucket:
            self.bucket = None
            self.filter_input.value = ""  # Input.Changed reloads
            self.filter_text = ""
            self.filter_input.display = False
            self.reload()

    # -- live refresh -----------------------------------------------------------------------------
    @property
    def shown(self) -> bool:
        """On the active screen, and neither it nor a container above it is hidden (another
        view, another pane): only then is a refresh worth its query."""
        if not self.is_attached or self.screen is not self.app.screen:
            return False
        return all(getattr(node, "display", True) for node in self.ancestors_with_self)

    def refresh_live(self) -> None:
        if not self.loaded or not self.shown:
            return
        self._read_live(
            self.generation, self.current_query, max(PAGE, min(len(self.ids), REFRESH_MAX_ROWS))
        )

    class _Counted(Message):
        def __init__(self, generation: int, counts: dict[str, int], error: str = "") -> None:
            super().__init__()
            self.generation = generation
            self.counts = counts
            self.error = error

    @work(thread=True, exclusive=True, group="ops-count", exit_on_error=False)
    def _count(self, generation: int, q: InstanceQuery) -> None:
        try:
            monitor = self.api.ops.monitor()  # this thread's own connection
            try:
                counts = monitor.counts(q)
            finally:
                monitor.close()
        except MaxworksError as err:
            self.post_message(self._Counted(generation, {}, str(err)))
            return
        self.post_message(self._Counted(generation, counts))

    @on(_Counted)
    def _apply_counts(self, message: _Counted) -> None:
        if message.generation != self.generation:
            return  # counted for an older query
        if message.error:
            self.error = message.error
            self._show_status()
            return
        self.counts = message.counts
        self._show_counts()

    @work(thread=True, exclusive=True, group="ops-live", exit_on_error=False)
    def _read_live(self, generation: int, q: InstanceQuery, limit: int) -> None:
        if self._bg is None:
            self._bg = self.api.ops.monitor()
        page = self._bg.page(q, limit=limit)
        # a whole history is recounted now and then (RECOUNT_SECONDS), not on every refresh
        counts = None if whole_history(q) else self._bg.counts(q)
        self.post_message(self._Live(generation, page.rows, counts, page.after))

    @on(_Live)
    def _apply_live(self, message: _Live) -> None:
        if message.generation != self.generation:
            return  # the query changed since: this read is for the old one
        rows = message.rows
        if message.counts is not None:
            self.counts = message.counts
            self._show_counts()
        elif time.monotonic() - self._counted_at > RECOUNT_SECONDS:
            self._counted_at = time.monotonic()
            self._count(self.generation, self.current_query)
        ids = [r.id for r in rows]
        gone_at_end = message.after is None and len(ids) < len(self.ids)
        if ids != self.ids[: len(ids)] or gone_at_end:
            # rows came or went: redraw them, the cursor stays on its instance
            self.after = message.after
            self._fill(rows, self.cursor_id)
            self._show_status()
            return
        table = self.table
        now = self.api.clock()
        for info in rows:
            old = self.rows[info.id]
            if old == info and not (info.started_at and not info.finished_at):
                continue  # unchanged (a running instance's duration still moves)
            self.rows[info.id] = info
            table.update_row(str(info.id), self._cells(info, now))
