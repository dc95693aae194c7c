"""The Data Map pane: search as you type with highlights, a table's tabs, lineage navigation,
preview through run_sql, favourites, request access, ``:map TABLE``; SVG snapshots at 80x24
and 160x48 (stored times frozen)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static, TabbedContent

from engine.api import Api
from tests.conftest import Clock
from tests.unit.test_datamap import build
from tui.panes.datamap import DataMapPane
from tui.panes.datamap.detail import LineageTree
from tui.panes.datamap.results import ResultList


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Api:
    api = build(tmp_path_factory.mktemp("dmpane") / "ws", Clock())
    api.datamap.refresh()
    db = api.workspace.open_state()
    try:  # the engine stamps real times; the pane's pictures must not change with the clock
        db.execute(
            "UPDATE dm_tables SET created_at = '2025-03-14 01:00:00', modified_at = '2025-03-15 01:00:00'"
        )
        db.execute(
            "UPDATE dm_partitions SET created_at = '2025-03-15 01:00:00', modified_at = '2025-03-15 01:00:00'"
        )
    finally:
        db.close()
    return api


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("MAXWORKS_CONFIG_DIR", str(tmp_path / "home" / ".config" / "maxworks"))


class MapApp(App[None]):
    def __init__(self, api: Api) -> None:
        super().__init__()
        self.api = api

    def compose(self) -> ComposeResult:
        yield DataMapPane(self.api)

    @property
    def pane(self) -> DataMapPane:
        return self.query_one(DataMapPane)


async def until(pilot: Pilot[Any], check: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {check}")
        await pilot.pause(0.02)


async def idle(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: all(w.is_finished for w in pilot.app.workers))
    await pilot.pause(0.05)


def run(
    api: Api,
    test: Callable[[Pilot[None], DataMapPane], Awaitable[None]],
    size: tuple[int, int] = (120, 40),
) -> None:
    async def main() -> None:
        app = MapApp(api)
        async with app.run_test(size=size) as pilot:
            await idle(pilot)
            await test(pilot, app.pane)
            await idle(pilot)

    asyncio.run(main())


def status(pane: DataMapPane) -> str:
    return str(pane.query_one("#map-status", Static).render())


def test_search_as_you_type_shows_ranked_highlighted_results(shop: Api) -> None:
    async def test(pilot: Pilot[None], pane: DataMapPane) -> None:
        results = pane.query_one(ResultList)
        assert len(results.hits) >= 5  # an empty search lists tables
        pane.query_one("#map-search", Input).focus()
        await pilot.press(*"phone", "space", *"project:shop")
        await until(
            pilot,
            lambda: [h.qualified for h in results.hits] == ["shop.phone_book", "shop.dim_user"],
        )
        prompt = results.get_option_at_index(0).prompt
        assert "phone_book" in prompt.plain and any(s.style == "bold reverse" for s in prompt.spans)
        assert "▸ phone STRING" in results.get_option_at_index(1).prompt.plain
        assert status(pane) == "2 tables"
        await pilot.press("ctrl+u", *"weird:x")
        await until(pilot, lambda: "unknown filter weird:" in status(pane))

    run(shop, test)


def test_opening_a_table_shows_schema_partitions_nodes_and_lineage(shop: Api) -> None:
    async def test(pilot: Pilot[None], pane: DataMapPane) -> None:
        pane.query_one("#map-search", Input).focus()
        await pilot.press(*"dwd_orders", "space", *"env:prod", "enter")
        results = pane.query_one(ResultList)
        await until(pilot, lambda: results.current == "shop.dwd_orders")
        await pilot.press("enter")
        await until(
            pilot, lambda: pane.detail is not None and pane.detail.qualified == "shop.dwd_orders"
        )
        summary = str(pane.query_one("#map-summary", Static).render())
        assert "shop.dwd_orders" in summary and "lifecycle 90d" in summary
        schema = pane.query_one("#map-schema", DataTable)
        assert [schema.get_row_at(i)[0] for i in range(schema.row_count)] == [
            "order_id",
            "user_id",
            "user_name",
            "amount_cents",
            "dt",
        ]
        assert "dwd_orders" in str(pane.query_one("#map-nodes", Static).render())
        await pilot.press("3")
        assert pane.query_one("#map-tabs", TabbedContent).active == "lineage"
        tree = pane.query_one(LineageTree)
        await until(
            pilot,
            lambda: "upstream" in str(tree.root.children[0].label) if tree.root.children else False,
        )
        up = tree.root.children[0]
        assert sorted(str(n.label).split()[1] for n in up.children) == [
            "shop.dim_user",
            "shop.ods_orders",
        ]
        down = tree.root.children[1]
        assert str(down.children[0].label).startswith("→ shop.ads_sales")
        tree.focus()
        tree.move_cursor(down.children[0])
        await pilot.press("enter")  # navigate: the downstream table becomes the one shown
        await until(
            pilot,
            lambda: (
                pane.table == "shop.ads_sales"
                and pane.detail is not None
                and pane.detail.qualified == "shop.ads_sales"
            ),
        )

    run(shop, test)


def test_column_lineage_of_the_column_under_the_cursor(shop: Api) -> None:
    async def test(pilot: Pilot[None], pane: DataMapPane) -> None:
        assert pane.open_target("map shop.dwd_orders")
        assert not pane.open_target("node x")
        await until(pilot, lambda: pane.detail is not None)
        schema = pane.query_one("#map-schema", DataTable)
        schema.focus()
        schema.move_cursor(row=2)  # user_name
        await pilot.press("l")
        tree = pane.query_one(LineageTree)
        await until(pilot, lambda: "user_name" in str(tree.root.label))
        up = tree.root.children[0]
        assert [str(n.label).split()[1] for n in up.children] == ["shop.dim_user.name"]

    run(shop, test)


def queries(api: Api) -> int:
    db = api.workspace.open_state()
    try:
        return int(db.execute("SELECT count(*) FROM query_history").fetchone()[0])
    finally:
        db.close()


def test_preview_goes_through_run_sql_and_favourite_toggles(tmp_path: Path) -> None:
    api = build(tmp_path / "ws", Clock(), deploy=False)

    async def test(pilot: Pilot[None], pane: DataMapPane) -> None:
        pane.open_table("shop.ods_orders")
        await until(pilot, lambda: pane.detail is not None)
        pane.query_one(ResultList).focus()
        before = queries(api)
        await pilot.press("p")
        table = pane.query_one("#map-preview", DataTable)
        await until(pilot, lambda: table.row_count == 1)
        await idle(pilot)
        assert queries(api) == before + 1  # one query through run_sql, recorded as such
        assert [str(c.label) for c in table.columns.values()] == [
            "order_id",
            "user_id",
            "amount",
            "dt",
        ]
        assert "1 sample rows of shop.ods_orders" in str(
            pane.query_one("#map-preview-note", Static).render()
        )
        pane.query_one("#map-schema", DataTable).focus()
        await pilot.press("f")  # the table shown (the results' cursor when they have the focus)
        await until(pilot, lambda: "shop.ods_orders: ★ favourite" in status(pane))
        await until(pilot, lambda: pane.detail is not None and pane.detail.favourite)
        assert api.datamap.favourites() == ["shop.ods_orders"]
        pane.query_one("#map-search", Input).focus()
        await pilot.press(*"fav")
        results = pane.query_one(ResultList)
        await until(pilot, lambda: [h.qualified for h in results.hits] == ["shop.ods_orders"])

    run(api, test)


def test_request_access_opens_the_request_form_for_the_table(shop: Api) -> None:
    async def test(pilot: Pilot[None], pane: DataMapPane) -> None:
        pane.open_table("shop.dim_user")
        await until(pilot, lambda: pane.detail is not None)
        pane.query_one(ResultList).focus()
        pane.query_one(ResultList).highlighted = None
        await pilot.press("a")
        await pilot.pause(0.1)
        try:
            from tui.panes.approvals.request_form import RequestAccessScreen
        except ImportError:
            assert "maxworks grant request shop.dim_user" in status(pane)
            return
        screen = pilot.app.screen
        assert isinstance(screen, RequestAccessScreen) and screen.table == "shop.dim_user"
        await pilot.press("escape")

    run(shop, test)


def test_keystrokes_in_the_search_box_are_fast(shop: Api) -> None:
    """What a keystroke costs the UI thread stays under 50 ms: parsing the line and starting the
    search worker, then (when the worker posts back) showing up to 50 highlighted results."""
    from tui.panes.datamap.pane import SearchDone

    async def test(pilot: Pilot[None], pane: DataMapPane) -> None:
        samples = []
        line = "orders user"
        for n in range(1, len(line) + 1):
            result = shop.datamap.search(line[:n])  # what the worker computes, off the UI thread
            started = time.perf_counter()
            pane.run_search(line[:n])
            pane.show_results(SearchDone(result, set(), pane._serial))
            samples.append((time.perf_counter() - started) * 1000)
            await pilot.pause()
        assert statistics.median(samples) < 50, samples

    run(shop, test)


# -- snapshots ---------------------------------------------------------------------------------------
def opened(table: str, tab: str = "schema") -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await idle(pilot)
        pane = pilot.app.query_one(DataMapPane)
        for box in pane.query(Input):
            box.cursor_blink = False  # a snapshot must not depend on the blink's phase
        pane.query_one("#map-search", Input).focus()
        await pilot.press(*"orders")
        await until(pilot, lambda: len(pane.query_one(ResultList).hits) == 4)
        pane.open_table(table)
        await until(pilot, lambda: pane.detail is not None)
        tree = pane.query_one(LineageTree)
        await until(pilot, lambda: bool(tree.root.children))  # the lineage has come in
        pane.action_tab(tab)
        await idle(pilot)

    return run_before


def test_snapshot_80x24(snap_compare: Any, shop: Api) -> None:
    assert snap_compare(MapApp(shop), terminal_size=(80, 24), run_before=opened("shop.dwd_orders"))


def test_snapshot_160x48_lineage(snap_compare: Any, shop: Api) -> None:
    assert snap_compare(
        MapApp(shop), terminal_size=(160, 48), run_before=opened("shop.dwd_orders", "lineage")
    )


def test_map_table_command_opens_the_table_from_anywhere(tmp_path: Path, config_dir: Path) -> None:
    from dataclasses import replace

    from tui.commands import parse_command
    from tui.config import load_settings
    from tui.factory import make_app
    from tui.panes import PANES

    assert parse_command(":map shop.dim_user").target == "map shop.dim_user"
    api = build(tmp_path / "ws", Clock(), deploy=False)
    settings = load_settings(config_dir)
    app = make_app(
        api,
        config=replace(settings, editor=replace(settings.editor, cursor_blink=False)),
        panes=PANES,
    )

    async def main() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await app.run_command_text(":map shop.dim_user")
            pane = app.query_one(DataMapPane)
            await until(
                pilot, lambda: pane.detail is not None and pane.detail.qualified == "shop.dim_user"
            )
            await until(
                pilot,
                lambda: all(w.is_finished for w in pane.workers if w.group.startswith("map-")),
            )
            # the keys now go to the table: 3 is its lineage tab, not a "3" in the search box
            await until(pilot, lambda: not isinstance(app.focused, Input))
            await pilot.press("3")
            await pilot.pause()
            assert pane.query_one("#map-search", Input).value == ""
            assert pane.query_one("#map-tabs", TabbedContent).active == "lineage"

    asyncio.run(main())


def test_a_refused_preview_says_so_and_offers_the_request(tmp_path: Path) -> None:
    """The preview is an ordinary query: a developer without a grant on a production table is
    refused by the engine, and the pane says how to ask for access."""
    owner = build(tmp_path / "ws", Clock(), deploy=False)
    members = [m.user for m in owner.security.members()]
    Api(owner.workspace, user=members[0], clock=owner.clock).security.add_member(
        "dave", "developer"
    )
    dave = Api(owner.workspace, user="dave", clock=owner.clock)

    async def test(pilot: Pilot[None], pane: DataMapPane) -> None:
        pane.open_table("shop.ods_orders")
        await until(pilot, lambda: pane.detail is not None)
        pane.query_one("#map-schema", DataTable).focus()
        await pilot.press("p")
        note = pane.query_one("#map-preview-note", Static)
        await until(pilot, lambda: "Press a to request access" in str(note.render()))
        assert "permission denied: dave (Developer) has no select permission" in str(note.render())
        assert pane.query_one("#map-preview", DataTable).row_count == 0

    run(dave, test)
