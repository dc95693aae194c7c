"""The Data Map pane: search as you type, a table's detail in tabs, favourites, request access.

Every engine call (``Api.datamap``) runs in a thread worker that posts a message back; the pane
routes those messages to its children. A preview is an ordinary query through ``Api.run_sql``,
so the permission checks and masking of the engine apply; a refusal says how to ask for access.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static, TabbedContent, Tabs

from engine.datamap.records import Lineage, LineageEdge, SearchResult, TableDetail
from engine.errors import MaxworksError
from tui.panes.base import Pane
from tui.panes.datamap.detail import TABS, LineageTree, TableView
from tui.panes.datamap.query import MapQuery, parse_query
from tui.panes.datamap.results import ResultList

if TYPE_CHECKING:
    from engine.api import Api

CSS = """
DataMapPane { height: 1fr; layout: vertical; background: $surface; }
DataMapPane #map-search { height: 3; margin: 0 1; }
DataMapPane #map-status { height: 1; padding: 0 1; color: $text-muted; }
DataMapPane #map-body { height: 1fr; }
DataMapPane #map-results { width: 2fr; min-width: 30; height: 1fr; border: round $primary-muted; }
DataMapPane #map-results:focus { border: round $primary; }
DataMapPane TableView { width: 3fr; height: 1fr; }
DataMapPane #map-summary { height: auto; max-height: 4; padding: 0 1; }
DataMapPane #map-tabs { height: 1fr; }
DataMapPane #map-tabs DataTable, DataMapPane #map-tabs Tree { height: 1fr; }
DataMapPane #map-preview-note { height: auto; padding: 0 1; }
DataMapPane #map-nodes { padding: 0 1; }
"""

HELP = [
    ("/", "search: words match prefixes of names, comments and columns"),
    ("env:prod owner:me", "search filters (also layer:dwd project:NAME, fav)"),
    ("Enter", "show the table under the cursor; in Lineage, go to that table"),
    ("1-5", "tabs: schema, partitions, lineage, preview, nodes"),
    ("l", "lineage of the column under the cursor (Schema tab)"),
    (":map TABLE", "show a table from anywhere"),
]


class SearchDone(Message):
    def __init__(self, result: SearchResult, favourites: set[str], serial: int) -> None:
        super().__init__()
        self.result, self.favourites, self.serial = result, favourites, serial


class DetailLoaded(Message):
    def __init__(self, detail: TableDetail) -> None:
        super().__init__()
        self.detail = detail


class LineageLoaded(Message):
    def __init__(self, table: str, lineage: Lineage) -> None:
        super().__init__()
        self.table, self.lineage = table, lineage


class PreviewLoaded(Message):
    def __init__(
        self, table: str, columns: list[str], rows: list[tuple[str, ...]], note: str
    ) -> None:
        super().__init__()
        self.table, self.columns, self.rows, self.note = table, columns, rows, note


class MapProblem(Message):
    """An engine call failed; ``table`` is set when a preview was refused or failed."""

    def __init__(self, text: str, table: str | None = None) -> None:
        super().__init__()
        self.text, self.table = text, table


class DataMapPane(Pane):
    PANE_ID: ClassVar[str] = "map"
    TITLE: ClassVar[str] = "Data Map"
    DEFAULT_CSS = CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="map.search"),
        Binding("f", "favourite", "Favourite", id="map.favourite"),
        Binding("a", "request_access", "Request access", id="map.request_access"),
        Binding("p", "preview", "Preview", id="map.preview"),
        Binding("l", "column_lineage", "Column lineage", show=False, id="map.column_lineage"),
        Binding("R", "refresh", "Refresh", show=False, id="map.refresh"),
        Binding("escape", "back", "Back", show=False, id="map.back"),
        Binding("down", "to_results", "Results", show=False, id="map.to_results"),
        *[
            Binding(str(i + 1), f"tab('{tab}')", tab.title(), show=False, id=f"map.tab_{tab}")
            for i, tab in enumerate(TABS)
        ],
    ]

    def __init__(self, api: Api, *, id: str | None = None) -> None:
        super().__init__(api, id=id)
        self.table: str | None = None  # the table the detail shows
        self.detail: TableDetail | None = None
        self.favourites: set[str] = set()
        self._serial = 0
        self._query = MapQuery()
        self._problem: str | None = None  # in the search line, shown with the results
        self._note: str | None = None
        self._counts = ""
        self._focus_detail = False  # set by :map TABLE until its detail is shown

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="search tables, columns, comments  (env:prod owner:me layer:dwd fav)",
            id="map-search",
        )
        yield Static("", id="map-status")
        with Horizontal(id="map-body"):
            yield ResultList(id="map-results")
            yield TableView()

    def on_mount(self) -> None:
        self.run_search("")

    # -- routing from the shell --------------------------------------------------------------------
    def open_target(self, target: str) -> bool:
        kind, _, table = target.partition(" ")
        if kind != "map" or not table.strip():
            return False
        self._focus_detail = True  # keys go to the table's tabs, not into the search box
        self.open_table(table.strip())
        return True

    def help_keys(self) -> list[tuple[str, str]]:
        return HELP

    # -- search --------------------------------------------------------------------------------------
    @on(Input.Changed, "#map-search")
    def search_as_you_type(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    @on(Input.Submitted, "#map-search")
    def to_first_result(self) -> None:
        self.action_to_results()

    def run_search(self, line: str) -> None:
        query, problem = parse_query(line, user=self.api.user)
        self._query = query
        self._problem, self._note = problem, None
        self._serial += 1
        self._search(query, self._serial)

    @work(thread=True, exclusive=True, group="map-search")
    def _search(self, query: MapQuery, serial: int) -> None:
        try:
            datamap = self.api.datamap
            favourites = set(datamap.favourites())
            result = datamap.search(
                query.text, limit=100 if query.favourites else 50, **query.filters
            )
            if query.favourites:
                hits = tuple(h for h in result.hits if h.qualified in favourites)
                result = SearchResult(result.query, hits, result.approximate, result.elapsed_ms)
        except MaxworksError as err:
            self.post_message(MapProblem(str(err)))
            return
        self.post_message(SearchDone(result, favourites, serial))

    @on(SearchDone)
    def show_results(self, message: SearchDone) -> None:
        if message.serial != self._serial:
            return  # a newer keystroke's search is on its way
        self.favourites = message.favourites
        result = message.result
        self.query_one(ResultList).show(result.hits, message.favourites)
        count = f"{len(result.hits)} table{'s' if len(result.hits) != 1 else ''}"
        more = " (best of many: add a word or a filter)" if result.approximate else ""
        self._counts = f"{count}{more}"
        self.status(self._problem or self._note or "")

    def status(self, text: str) -> None:
        """The status line: the result counts, then ``text`` (a note or a problem)."""
        line = " · ".join(t for t in (self._counts, text) if t)
        self.query_one("#map-status", Static).update(Text(line))

    def note(self, text: str) -> None:
        """A note that stays until the search changes (results refreshed meanwhile keep it)."""
        self._note = text
        self.status(text)

    # -- a table ---------------------------------------------------------------------------------------
    @on(ResultList.TableChosen)
    def choose(self, message: ResultList.TableChosen) -> None:
        self.open_table(message.table)

    @on(LineageTree.TableChosen)
    def follow_lineage(self, message: LineageTree.TableChosen) -> None:
        if message.table != self.table:
            self.open_table(message.table)

    def open_table(self, table: str) -> None:
        self.table = table
        self._load(table)

    @work(thread=True, exclusive=True, group="map-detail")
    def _load(self, table: str) -> None:
        try:
            detail = self.api.datamap.show(table)
        except MaxworksError as err:
            self.post_message(MapProblem(str(err)))
            return
        self.post_message(DetailLoaded(detail))
        self._lineage(detail.qualified, None)

    @on(DetailLoaded)
    def show_detail(self, message: DetailLoaded) -> None:
        self.detail = message.detail
        self.table = message.detail.qualified
        self.query_one(TableView).show(message.detail)
        if self.query_one("#map-tabs", TabbedContent).active == "preview":
            self.action_preview()
        if self._focus_detail:
            self._focus_detail = False
            self.query_one("#map-tabs", TabbedContent).query_one(Tabs).focus()

    def _lineage(self, table: str, column: str | None) -> None:
        try:
            lineage = self.api.datamap.lineage(table, columns=column is not None, up=5, down=5)
        except MaxworksError as err:
            self.post_message(MapProblem(str(err)))
            return
        if column is not None:
            lineage = _only_column(lineage, column)
        self.post_message(LineageLoaded(table, lineage))

    @work(thread=True, exclusive=True, group="map-lineage")
    def _load_lineage(self, table: str, column: str | None) -> None:
        self._lineage(table, column)

    @on(LineageLoaded)
    def show_lineage(self, message: LineageLoaded) -> None:
        if message.table == self.table:
            self.query_one(TableView).show_lineage(message.lineage)

    @on(MapProblem)
    def show_problem(self, message: MapProblem) -> None:
        self.note(message.text.splitlines()[0])
        if message.table is not None and message.table == self.table:
            note = Text(message.text + "\n", style="bold")
            note.append("Press a to request access.", style="")
            self.query_one(TableView).show_preview_note(note)

    # -- preview -----------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="map-preview")
    def _preview(self, table: str) -> None:
        from engine.executors.values import to_text

        try:
            run = self.api.datamap.preview(table, 20)
        except MaxworksError as err:
            self.post_message(MapProblem(str(err), table))
            return
        error = run.result.error
        last = run.result.last_query
        if error is not None or last is None:
            self.post_message(MapProblem(str(error or "the preview returned no rows"), table))
            return
        columns = [c.name for c in last.columns]
        rows = [
            tuple(
                to_text(v, c.odps_type) if v is not None else "NULL"
                for v, c in zip(row, last.columns, strict=True)
            )
            for row in last.rows or []
        ]
        self.post_message(
            PreviewLoaded(table, columns, rows, f"{len(rows)} sample rows of {table}")
        )

    @on(PreviewLoaded)
    def show_preview(self, message: PreviewLoaded) -> None:
        if message.table == self.table:
            self.query_one(TableView).show_preview(message.columns, message.rows, message.note)

    @on(TabbedContent.TabActivated, "#map-tabs")
    def tab_opened(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "preview" and self.table is not None:
            self.action_preview()

    # -- actions ---------------------------------------------------------------------------------------
    def action_focus_search(self) -> None:
        self.query_one("#map-search", Input).focus()

    def action_to_results(self) -> None:
        if self.app.focused is self.query_one("#map-search", Input):
            self.query_one(ResultList).focus()

    def action_back(self) -> None:
        focused = self.app.focused
        if (
            focused is not None
            and focused is not self.query_one(ResultList)
            and focused in self.query_one(TableView).query("*")
        ):
            self.query_one(ResultList).focus()
        else:
            self.action_focus_search()

    def action_tab(self, tab: str) -> None:
        self.query_one("#map-tabs", TabbedContent).active = tab

    def action_preview(self) -> None:
        if self.table is None:
            self.note("choose a table first")
            return
        tabs = self.query_one("#map-tabs", TabbedContent)
        if tabs.active != "preview":
            tabs.active = "preview"  # opening the tab queries (tab_opened): one query, not two
            return
        self.query_one(TableView).show_preview_note(f"querying {self.table} …")
        self._preview(self.table)

    def action_column_lineage(self) -> None:
        column = self.query_one(TableView).selected_column
        if self.table is None or column is None:
            self.note("choose a table, then a column in the Schema tab")
            return
        self.query_one("#map-tabs", TabbedContent).active = "lineage"
        self._load_lineage(self.table, column)

    def action_favourite(self) -> None:
        table = self._current()
        if table is None:
            return
        self._toggle_favourite(table)

    @work(thread=True, exclusive=True, group="map-favourite")
    def _toggle_favourite(self, table: str) -> None:
        try:
            on = self.api.datamap.favourite(table)
        except MaxworksError as err:
            self.post_message(MapProblem(str(err)))
            return
        self.post_message(
            MapProblem(f"{table}: {'★ favourite' if on else 'no longer a favourite'}")
        )
        self.app.call_from_thread(self.run_search_again)
        if table == self.table:
            self.app.call_from_thread(self._load, table)

    def run_search_again(self) -> None:
        self._serial += 1
        self._search(self._query, self._serial)

    def action_refresh(self) -> None:
        table = self._current()
        self.note(f"refreshing {table or 'every table'} …")
        self._refresh(table)

    @work(thread=True, exclusive=True, group="map-refresh")
    def _refresh(self, table: str | None) -> None:
        try:
            report = self.api.datamap.refresh([table] if table else [])
        except MaxworksError as err:
            self.post_message(MapProblem(str(err)))
            return
        self.post_message(
            MapProblem(f"refreshed {report.tables} tables in {report.elapsed_ms:.0f} ms")
        )
        self.app.call_from_thread(self.run_search_again)
        if table is not None and table == self.table:
            self.app.call_from_thread(self._load, table)

    def action_request_access(self) -> None:
        """Open the request form of Security (the Approvals pane's) for the current table."""
        table = self._current()
        if table is None:
            self.note("choose a table to request access to")
            return
        self.request_access(table)

    def request_access(self, table: str) -> None:
        try:
            from tui.panes.approvals.request_form import RequestAccessScreen
        except ImportError:
            self.note(
                f"requesting access needs Security: `maxworks grant request {table} --reason ...`"
            )
            return

        def sent(request: object) -> None:
            if request is not None:
                self.note(
                    f"access to {table} requested (request {getattr(request, 'id', '?')}); see Approvals"
                )

        self.app.push_screen(RequestAccessScreen(self.api, table), sent)

    def _current(self) -> str | None:
        """The table keys act on: the one under the cursor in the results, else the one shown."""
        results = self.query_one(ResultList)
        if self.app.focused is results and results.current is not None:
            return results.current
        return self.table or results.current


def _only_column(lineage: Lineage, column: str) -> Lineage:
    """The edges under one root column (the walk returns every column's trees in a row)."""

    def keep(edges: tuple[LineageEdge, ...]) -> tuple[LineageEdge, ...]:
        out: list[LineageEdge] = []
        inside = False
        for e in edges:
            if e.depth == 1:
                inside = e.parent_column == column
            if inside:
                out.append(e)
        return tuple(out)

    return replace(lineage, upstream=keep(lineage.upstream), downstream=keep(lineage.downstream))
