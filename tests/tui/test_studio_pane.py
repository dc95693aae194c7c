"""DataStudio pane, Pilot tier: the tree, the editor, properties, and the harness the other
studio pane tests share (a real workspace in tmp_path, a frozen clock, no cursor blink).

Until the shell's ``tui/app.py`` exists, the pane runs inside a tiny test App of its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input

from engine.api import Api
from engine.workspace import Workspace
from tests.conftest import Clock
from tui.panes.studio import StudioPane
from tui.panes.studio.editor import CodeEditor

FROZEN = datetime(2025, 3, 15, 10, 0, 0)
ORDERS = (
    "-- daily orders of the business date\n"
    "SELECT id, amount, '${bizdate}' AS d\n"
    "FROM orders\n"
    "WHERE ds = '${bizdate}';\n"
)
LOAD = (
    "INSERT OVERWRITE TABLE ods_orders PARTITION (ds='${bizdate}')\n"
    "SELECT id, amount FROM orders WHERE ds='${bizdate}';\n"
)


# -- harness --------------------------------------------------------------------------------------
def isolate_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user config (themes, keymaps, editor options) leaks into the tests."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("MAXWORKS_CONFIG_DIR", str(tmp_path / "home" / ".config" / "maxworks"))


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_home(tmp_path, monkeypatch)


def make_api(root: Path) -> Api:
    """A standard-mode workspace: an orders table with two business dates, and four nodes."""
    ws = Workspace.init(root, project="shop")
    api = Api(ws, user="alice", clock=Clock(FROZEN))
    api.run_sql(
        "CREATE TABLE IF NOT EXISTS orders (id BIGINT, amount DOUBLE) PARTITIONED BY (ds STRING);"
    )
    api.run_sql("INSERT INTO orders PARTITION (ds='20250314') VALUES (1, 2.5), (2, 3.5);")
    api.run_sql("INSERT INTO orders PARTITION (ds='20250313') VALUES (7, 70.0);")
    api.run_sql(
        "CREATE TABLE IF NOT EXISTS ods_orders (id BIGINT, amount DOUBLE) PARTITIONED BY (ds STRING);"
    )
    studio = api.studio
    studio.create_node("daily_orders", "sales", "sql", code=ORDERS, params=["bizdate=$bizdate"])
    studio.create_node("ods_orders", "sales", "sql", code=LOAD, params=["bizdate=$bizdate"])
    studio.create_node("say_hello", "ops", "shell", code="echo hello $1\n", params=["d=$bizdate"])
    studio.create_node("flow_start", "ops", "virtual")
    return api


@pytest.fixture
def api(tmp_path: Path) -> Api:
    return make_api(tmp_path / "ws")


class StudioApp(App[None]):
    """The smallest shell: one pane, the engine API passed in."""

    def __init__(self, api: Api, *, watch: bool = False) -> None:
        super().__init__()
        self.api = api
        self.watch = watch

    def compose(self) -> ComposeResult:
        pane = StudioPane(self.api, watch=self.watch)
        pane.cursor_blink = False
        yield pane

    @property
    def pane(self) -> StudioPane:
        return self.query_one(StudioPane)


def run(test: Callable[[Pilot[None], StudioPane], Awaitable[None]], api: Api, **kw: Any) -> None:
    """Run ``test`` against a fresh app on ``api`` (size 120x40 unless given)."""
    size = kw.pop("size", (120, 40))
    wait_at_end = kw.pop("settle", True)

    async def main() -> None:
        app = StudioApp(api, **kw)
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: app.pane.workflows.loaded)
            await test(pilot, app.pane)
            if wait_at_end:
                await settle(pilot, app.pane)

    asyncio.run(main())


async def settle(pilot: Pilot[Any], pane: StudioPane) -> None:
    """Let pending rebuilds finish before the app closes."""
    app = pilot.app
    for _ in range(2):
        await until(
            pilot, lambda: all(w.is_finished or w.group == "studio-watch" for w in app.workers)
        )
        await pilot.pause(0.05)
        await until(pilot, lambda: not pane.props._show_lock.locked())
        await pilot.pause(0.05)


async def until(pilot: Pilot[Any], check: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app work until ``check()`` holds (workers post their messages meanwhile)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {check}")
        await pilot.pause(0.05)


async def open_node(pilot: Pilot[Any], pane: StudioPane, name: str) -> CodeEditor:
    assert pane.open_target(f"node {name}")
    await until(pilot, lambda: pane.buffers.active_node == name and pane.props.node == name)
    await pilot.pause()
    editor = pane.buffers.active_editor
    assert editor is not None
    return editor


def rendered(root: Any, selector: str) -> str:
    """What a widget shows ('' while it is being rebuilt)."""
    found = root.query(selector)
    return str(found.first().render()) if found else ""


def tree_labels(pane: StudioPane) -> list[str]:
    out = []
    for flow in pane.workflows.node_tree.root.children:
        out.append(str(flow.label))
        out += [
            pane.workflows.node_tree.render_label(n, pane.rich_style, pane.rich_style).plain
            for n in flow.children
        ]
    return out


# -- the workflow tree ----------------------------------------------------------------------------
def test_tree_lists_workflows_and_nodes_with_icons_and_markers(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        assert tree_labels(pane) == [
            "ops", "○ flow_start +", "$ say_hello +",
            "sales", "≡ daily_orders +", "≡ ods_orders +",
        ]  # fmt: skip
        api.studio.commit(["daily_orders"], "first")
        (api.workspace.workflows_dir / "sales" / "ods_orders.sql").write_text("SELECT 1;\n")
        pane.loader.load_nodes()
        await until(pilot, lambda: "≡ daily_orders ↑" in tree_labels(pane))
        api.studio.commit(["ods_orders"], "first")
        (api.workspace.workflows_dir / "sales" / "ods_orders.sql").write_text("SELECT 2;\n")
        pane.loader.load_nodes()
        await until(pilot, lambda: "≡ ods_orders ● ↑" in tree_labels(pane))

    run(test, api)


def test_the_tree_shown_again_at_its_size_keeps_its_lines(api: Api) -> None:
    """A pane switched back to gets Resize events at its old size; the tree does not throw its
    lines away (nor lay the screen out again) for those, only for a real change of size."""

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        tree = pane.workflows.node_tree
        pane.app.set_focus(None)  # a focus change restyles the tree: keep it out of the count
        await settle(pilot, pane)
        before = tree._updates
        for _ in range(3):
            pane.display = False  # what the shell's pane switcher does
            await pilot.pause()
            pane.display = True
            await pilot.pause()
            await pilot.pause()
        assert tree._updates == before
        assert "daily_orders" in tree_labels(pane)[4]
        await pilot.resize_terminal(100, 30)
        await until(pilot, lambda: tree._updates > before)  # a real resize redraws

    run(test, api)


def test_a_long_name_is_cut_so_its_markers_stay_in_sight(api: Api) -> None:
    api.studio.create_node(
        "ads_gross_merchandise_value_report_1d", "sales", "sql", code="SELECT 1;"
    )

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        tree = pane.workflows.node_tree
        await until(pilot, lambda: any("ads_gross" in t for t in tree_labels(pane)))
        label = next(t for t in tree_labels(pane) if "ads_gross" in t)
        assert label.endswith("… +") and len(label) <= tree.scrollable_content_region.width - 2
        assert "≡ daily_orders +" in tree_labels(pane)  # short names are whole

    run(test, api, size=(80, 24))


def test_tree_filters_as_you_type_and_enter_opens_the_first_match(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        await pilot.press("slash")
        assert isinstance(pane.app.focused, Input)
        await pilot.press(*"hello")
        assert tree_labels(pane) == ["ops", "$ say_hello +"]
        await pilot.press("enter")
        await until(pilot, lambda: pane.buffers.active_node == "say_hello")
        assert pane.buffers.active_editor.text == "echo hello $1\n"
        pane.workflows.query_one("#tree-filter", Input).value = "SALES"
        await pilot.pause()
        assert tree_labels(pane) == ["sales", "≡ daily_orders +", "≡ ods_orders +"]

    run(test, api)


def test_enter_in_the_tree_opens_the_node(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        tree = pane.workflows.node_tree
        await settle(pilot, pane)  # a late rebuild of the tree would move the cursor back
        tree.focus()
        await until(pilot, lambda: tree.has_focus)  # keys pressed before would go elsewhere
        await pilot.press("down", "down", "down", "down")  # ops, flow_start, say_hello, sales,
        await until(  # ... daily_orders
            pilot,
            lambda: tree.cursor_node is not None and "daily_orders" in str(tree.cursor_node.label),
        )
        await pilot.press("enter")
        await until(pilot, lambda: pane.buffers.active_node == "daily_orders")
        assert pane.buffers.active_editor.text == ORDERS

    run(test, api)


def test_command_mode_target_opens_a_node_and_refuses_unknown_ones(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        assert pane.open_target("node nope") is False
        assert pane.open_target("inst bizdate=20250101") is False
        await open_node(pilot, pane, "ods_orders")
        assert pane.open_target("DAILY_ORDERS")  # node names ignore case
        await until(pilot, lambda: pane.buffers.active_node == "daily_orders")
        assert [e.node for e in pane.buffers.editors()] == ["ods_orders", "daily_orders"]
        assert pane.help_keys()

    run(test, api)


# -- the editor -----------------------------------------------------------------------------------
def test_sql_is_highlighted_with_parameter_references(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        names = {row: {h[2] for h in hs} for row, hs in editor._highlights.items()}
        assert "comment" in names[0]
        assert {"keyword", "string", "param"} <= names[1]
        assert editor.code_language == "sql"
        shell = await open_node(pilot, pane, "say_hello")
        assert shell.code_language == "bash" and shell._highlights
        assert editor._theme is not None and "param" in editor._theme.syntax_styles

    run(test, api)


def test_edit_marks_unsaved_and_ctrl_s_saves(api: Api) -> None:
    path = api.workspace.workflows_dir / "sales" / "daily_orders.sql"

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        editor.move_cursor((0, 0))
        await pilot.press(*"-- x", "enter")
        tab = pane.buffers.tabs.get_tab("buf-daily_orders")
        assert editor.dirty and tab.label_text.endswith("●")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not editor.dirty)
        assert path.read_text() == "-- x\n" + ORDERS
        assert not tab.label_text.endswith("●")

    run(test, api)


def test_undo_and_redo(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        editor.move_cursor((0, 0))
        await pilot.press(*"xyz")
        assert editor.text.startswith("xyz")
        await pilot.press("ctrl+z")
        assert editor.text == ORDERS and not editor.dirty
        await pilot.press("ctrl+y")
        assert editor.text.startswith("xyz")

    run(test, api)


def test_find_and_go_to_line(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        await pilot.press("ctrl+f")
        await pilot.press(*"bizdate")
        assert editor.selected_text == "bizdate" and editor.selection.start[0] == 1
        await pilot.press("enter")  # next match, on the last line
        assert editor.selection.start[0] == 3
        await pilot.press("enter")  # wraps around
        assert editor.selection.start[0] == 1
        await pilot.press("escape")
        assert pane.app.focused is editor
        await pilot.press("ctrl+g", "3", "enter")
        assert editor.cursor_location == (2, 0) and pane.app.focused is editor
        await pilot.press("ctrl+f", *"nothing here")
        assert "no match" in str(pane.buffers.query_one("#find-status").render())

    run(test, api)


def test_completion_of_keywords_functions_tables_and_columns(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        await until(pilot, lambda: editor.vocabulary is not None and editor.vocabulary.tables)
        editor.move_cursor(editor.document.end)
        await pilot.press("enter", *"sel")
        assert editor.suggestion == "ect"
        await pilot.press("tab")
        assert editor.text.endswith("\nselect")
        await pilot.press(*" o.am")
        assert editor.suggestion == ""  # no alias o yet
        await pilot.press(*"ount fr")
        assert editor.suggestion == "om"
        await pilot.press("tab", *" ord")
        assert editor.suggestion == "ers"
        await pilot.press("right", *" o")  # → accepts too
        assert editor.text.endswith("select o.amount from orders o")
        await pilot.press(*" where o.")
        assert editor.suggestion == "id"  # the alias's columns, in table order
        await pilot.press(*"a")
        assert editor.suggestion == "mount"
        await pilot.press("enter", *"DATEA")
        assert editor.suggestion == "DD"  # ODPS functions
        await pilot.press("enter", *"'sel")
        assert editor.suggestion == ""  # never inside a string

    run(test, api)


def test_close_tab_with_unsaved_edits_keeps_a_draft(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        await pilot.press(*"-- mine ")
        await pilot.press("alt+w")
        await until(pilot, lambda: pane.buffers.editor("daily_orders") is None)
        draft = pane.drafts.load("daily_orders")
        assert draft is not None and draft.text.startswith("-- mine ")
        editor = await open_node(pilot, pane, "daily_orders")
        assert editor.text.startswith("-- mine ") and editor.dirty

    run(test, api)


# -- properties -----------------------------------------------------------------------------------
def test_properties_show_schedule_with_cron_preview_and_refuse_bad_values(api: Api) -> None:
    toml = api.workspace.workflows_dir / "sales" / "daily_orders.toml"

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        await open_node(pilot, pane, "daily_orders")
        props = pane.props
        preview = props.query_one("#sched-preview")
        assert str(preview.render()).startswith("daily at 00:")
        props.query_one("#sched-at", Input).value = "25:00"
        await pilot.pause()
        assert props.errors() == ["time: 25:00 is not a time of day (00:00-23:59)"]
        assert "not a time of day" in str(props.query_one("#f-at .field--error").render())
        assert props.apply() is False
        assert "not applied" in str(props.query_one("#props-error").render())
        props.query_one("#sched-at", Input).value = "02:30"
        props.query_one("#sched-cycle").value = "week"
        await pilot.pause()
        assert "refused: a weekly schedule needs weekdays" in str(preview.render())
        props.query_one("#sched-days", Input).value = "MON,4"
        await pilot.pause()
        assert str(preview.render()) == "weekly on Mon, Thu at 02:30  (00 30 02 ? * 1,4)"
        props.query_one("#sched-rerun-times", Input).value = "11"
        await pilot.pause()
        assert props.errors() == ["auto-reruns: auto-reruns is a whole number from 0 to 10"]
        props.query_one("#sched-rerun-times", Input).value = "3"
        props.query_one("#sched-timeout", Input).value = "90"
        props.query_one("#sched-priority").value = "7"
        props.query_one("#sched-mode").value = "immediately"
        await pilot.pause()
        assert props.dirty
        props.query_one("#sched-timeout", Input).focus()
        await pilot.press("ctrl+s")  # in the form, Ctrl+S applies the properties
        await until(pilot, lambda: "00 30 02 ? * 1,4" in toml.read_text())
        text = toml.read_text()
        assert 'instance_mode = "immediately"' in text and "rerun_times = 3" in text
        assert "timeout_minutes = 90" in text and "priority = 7" in text
        await until(pilot, lambda: not props.dirty)

    run(test, api)


def test_parameters_preview_for_a_business_date_and_refusals(api: Api) -> None:
    toml = api.workspace.workflows_dir / "sales" / "daily_orders.toml"

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        props = pane.props
        preview = props.query_one("#params-preview")
        assert "bizdate = $bizdate  →  20250314" in str(preview.render())  # yesterday by the clock
        props.query_one("#params-bizdate", Input).value = "20251101"
        props.query_one(
            "#params-text", Input
        ).value = "bizdate=$bizdate last=${yyyymmdd-1} t=$[hh24]"
        await pilot.pause()
        lines = str(preview.render()).splitlines()
        assert "bizdate = $bizdate  →  20251101" in lines
        assert "last = ${yyyymmdd-1}  →  20251031" in lines
        assert any(line.startswith("cyctime = $cyctime  →  20251102") for line in lines)
        props.query_one("#params-text", Input).value = "a = $bizdate"
        await pilot.pause()
        assert any("spaces around '=' are not allowed" in e for e in props.errors())
        props.query_one("#params-bizdate", Input).value = "20251399"
        await pilot.pause()
        assert any("invalid business date" in e for e in props.errors())
        editor.move_cursor(editor.document.end)
        await pilot.press(*"-- ${region}")
        unassigned = props.query_one("#params-unassigned")
        assert "no value for ${region}" in str(unassigned.render())
        props.query_one("#params-bizdate", Input).value = "20250314"
        props.query_one("#params-text", Input).value = "bizdate=$bizdate region='cn'"
        await pilot.pause()
        assert not unassigned.display
        assert props.apply()
        await until(pilot, lambda: "region = \"'cn'\"" in toml.read_text())

    run(test, api)


def test_dependencies_show_parsed_tables_and_are_editable(api: Api) -> None:
    toml = api.workspace.workflows_dir / "sales" / "ods_orders.toml"

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        await open_node(pilot, pane, "ods_orders")
        props = pane.props
        parsed = str(props.query_one("#deps-parsed").render())
        assert parsed == "parsed from the code: reads shop.orders; writes shop.ods_orders"
        effective = str(props.query_one("#deps-effective").render())
        assert "no node produces: shop.orders" in effective
        props.query_one("#deps-inputs", Input).value = "shop.users, bad!name"
        await pilot.pause()
        assert props.errors() == ["inputs: 'bad!name' is not a valid output name (project.table)"]
        assert props.apply() is False
        props.query_one("#deps-inputs", Input).value = "shop.users"
        props.query_one("#deps-exclude", Input).value = "shop.orders"
        props.query_one("#deps-self").value = True
        await pilot.pause()
        assert props.apply()
        await until(pilot, lambda: 'exclude_inputs = ["shop.orders"]' in toml.read_text())
        assert 'inputs = ["shop.users"]' in toml.read_text() and "self = true" in toml.read_text()
        await until(pilot, lambda: "shop.users" in rendered(props, "#deps-effective"))

    run(test, api)


def test_switching_tabs_switches_the_properties(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        await open_node(pilot, pane, "daily_orders")
        await open_node(pilot, pane, "say_hello")
        pane.buffers.tabs.active = "buf-daily_orders"
        await until(pilot, lambda: pane.props.node == "daily_orders")
        await until(pilot, lambda: pane.workflows.node_tree.cursor_node.data.name == "daily_orders")

    run(test, api)
