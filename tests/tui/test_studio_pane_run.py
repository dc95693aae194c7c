"""DataStudio pane, Pilot tier: Run / Run with parameters / run selection / cancel, the result
grid (sort, search, cell viewer, export, rows shown vs returned), commit, deploy, versions and
roll back, files changed on disk, and checkpointed drafts."""

from __future__ import annotations

import asyncio
import csv
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from engine.api import Api
from engine.ops.queries import InstanceFilter
from tests.tui.test_studio_pane import (
    ORDERS,
    StudioApp,
    isolate_home,
    make_api,
    open_node,
    run,
    settle,
    tree_labels,
    until,
)
from tui.panes.studio import StudioPane
from tui.panes.studio.commit import CommitScreen
from tui.panes.studio.dialogs import (
    CellViewerScreen,
    ConfirmRunScreen,
    ConflictScreen,
    ExportScreen,
)
from tui.panes.studio.results import ResultView, rows_statement
from tui.panes.studio.run_params import RunParamsScreen
from tui.panes.studio.versions import VersionsScreen


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_home(tmp_path, monkeypatch)


@pytest.fixture
def api(tmp_path: Path) -> Api:
    return make_api(tmp_path / "ws")


def grid_rows(pane: StudioPane) -> list[dict[str, object]]:
    view = pane.query_one(ResultView)
    assert view.table is not None
    return view.table.to_pylist()


def status_of(pane: StudioPane, selector: str) -> str:
    return str(pane.query_one(selector).render())


# -- Run ------------------------------------------------------------------------------------------
def test_run_makes_a_test_instance_streams_its_log_and_shows_the_result(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        editor.move_cursor((0, 0))
        await pilot.press(*"-- unsaved ")
        await pilot.press("f5")
        await until(pilot, lambda: pane.query_one(ResultView).table is not None)
        assert grid_rows(pane) == [
            {"id": 1, "amount": 2.5, "d": "20250314"},
            {"id": 2, "amount": 3.5, "d": "20250314"},
        ]
        view = pane.query_one(ResultView)
        assert "daily_orders · bizdate 20250314 · 2 rows returned · all shown" in status_of(
            pane, "#grid-status"
        )
        log = "\n".join(pane.console.log_widget.lines)
        assert "run 1 of daily_orders (odps_sql, instance 1)" in log and "succeeded" in log
        assert "instance 1 · daily_orders · bizdate 20250314 · succeeded" in status_of(
            pane, "#run-status"
        )
        # Run saved the buffer first: the test instance ran what the editor showed
        assert not editor.dirty
        path = api.workspace.workflows_dir / "sales" / "daily_orders.sql"
        assert path.read_text().startswith("-- unsaved ")
        info = api.ops.instance(1)
        assert info.dag_type.name == "SMOKE_TEST" and info.env == "dev"
        assert pane.query_one("#studio-dock").active == "dock-result"
        await until(pilot, lambda: view.grid is not None)

    run(test, api)


def test_the_grid_shows_the_test_instance_result_file_and_nothing_runs_twice(api: Api) -> None:
    def history() -> int:
        db = api.workspace.open_state()
        try:
            return int(db.conn.execute("SELECT count(*) FROM query_history").fetchone()[0])
        finally:
            db.close()

    before = history()

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        await open_node(pilot, pane, "daily_orders")
        await pilot.press("f5")
        await until(pilot, lambda: pane.query_one(ResultView).table is not None)
        iid = pane.console.iid
        assert iid is not None
        # the rows came from the instance's result file: no query ran again for the grid
        assert (api.workspace.results_dir / str(iid) / "result.parquet").exists()
        assert history() == before
        assert grid_rows(pane) == api.ops.result(iid).table.to_pylist()
        # the estimate was shown before the run, at the top of its log
        log = pane.console.log_widget.lines
        assert log[0] == "cost estimate: ~96 B from 1 table (2 rows)", log[0]

    run(test, api)


def test_a_run_estimated_to_read_a_lot_asks_first(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        await open_node(pilot, pane, "daily_orders")
        pane.console.confirm_bytes = 64  # the estimate (96 B) is above it
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(pane.app.screen, ConfirmRunScreen))
        text = str(pane.app.screen.query_one("#confirmrun-estimate").render())
        assert "~96 B from 1 table (2 rows)" in text
        assert "shop_dev.orders 2 rows ~96 B (1/2 partitions)" in text
        assert "(the app asks above 64 B)" in text
        await pilot.press("enter")  # the focused answer is "don't run"
        await until(pilot, lambda: not isinstance(pane.app.screen, ConfirmRunScreen))
        assert "not run" in status_of(pane, "#run-status")
        assert not pane.console.running and pane.console.iid is None
        assert api.ops.instances(InstanceFilter(), limit=5) == []
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(pane.app.screen, ConfirmRunScreen))
        await pilot.press("y")
        await until(pilot, lambda: pane.query_one(ResultView).table is not None)
        assert len(grid_rows(pane)) == 2

    run(test, api)


def test_run_with_parameters_asks_for_the_business_date_and_values(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        await open_node(pilot, pane, "daily_orders")
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(pane.app.screen, RunParamsScreen))
        screen = pane.app.screen
        assert screen.query_one("#rp-bizdate", Input).value == "20250314"
        assert screen.query_one("#rp-bizdate").has_focus
        assert "${bizdate} → 20250314" in str(screen.query_one("#rp-preview").render())
        screen.query_one("#rp-bizdate", Input).value = "20250313"
        await pilot.pause()
        assert "${bizdate} → 20250313" in str(screen.query_one("#rp-preview").render())
        assert "cost: none" in str(screen.query_one("#rp-cost").render())
        # the estimate follows the values: one partition of orders for 20250313
        await until(
            pilot,
            lambda: (
                str(screen.query_one("#rp-estimate").render())
                == "cost estimate: ~48 B from 1 table (1 row)"
            ),
        )
        screen.query_one("#rp-bizdate", Input).value = "2025x"
        await pilot.press("ctrl+s")
        assert "invalid business date" in str(screen.query_one("#rp-error").render())
        screen.query_one("#rp-bizdate", Input).value = "20250313"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: pane.query_one(ResultView).table is not None)
        assert grid_rows(pane) == [{"id": 7, "amount": 70.0, "d": "20250313"}]
        assert pane.console.memory["daily_orders"].bizdate.isoformat() == "2025-03-13"
        # the next plain Run reuses the business date chosen last
        pane.query_one(ResultView).table = None
        await pilot.press("f5")
        await until(pilot, lambda: pane.query_one(ResultView).table is not None)
        assert grid_rows(pane)[0]["d"] == "20250313"

    run(test, api)


def test_first_run_asks_for_references_nothing_assigns(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        editor.load_text(ORDERS.replace("AS d", "AS d, '${region}' AS r"))
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(pane.app.screen, RunParamsScreen))
        screen = pane.app.screen
        await pilot.press("ctrl+s")
        assert "give a value to region" in str(screen.query_one("#rp-error").render())
        screen.query_one("#rp-region", Input).value = "cn"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: pane.query_one(ResultView).table is not None)
        assert grid_rows(pane)[0]["r"] == "cn"

    run(test, api)


def test_run_selection_runs_only_the_selected_text(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        editor.load_text("SELECT 42 AS answer;\nSELECT 'x' AS nope;\n")
        editor.select_line(0)
        await pilot.press("ctrl+j")
        await until(pilot, lambda: pane.query_one(ResultView).table is not None)
        assert grid_rows(pane) == [{"answer": 42}]
        assert "statement 1 (line 1): 1 row" in "\n".join(pane.console.log_widget.lines)
        assert editor.dirty  # an ad-hoc run saves nothing

    run(test, api)


def test_cancelling_a_selection_run_interrupts_its_statement(api: Api) -> None:
    values = ", ".join(f"({i})" for i in range(1000))
    assert api.run_sql(f"CREATE TABLE t (id BIGINT); INSERT INTO t VALUES {values};").result.ok
    endless = (  # 10^12 row combinations: hours, unless F9 stops it
        "SELECT count(*) AS n FROM t a JOIN t b ON a.id <> b.id JOIN t c ON b.id <> c.id "
        "JOIN t d ON c.id <> d.id;"
    )

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        editor.load_text(endless + "\n")
        editor.select_line(0)
        await pilot.press("ctrl+j")
        console = pane.console
        await until(pilot, lambda: console._cancel is not None and console._cancel.armed)
        for _ in range(400):  # F9 until the statement is stopped (a press may land early)
            if not console.running:
                break
            await pilot.press("f9")
            await pilot.pause(0.05)
        assert not console.running, "F9 did not stop the run"
        assert "cancelled while it ran" in "\n".join(console.log_widget.lines) + status_of(
            pane, "#run-status"
        )
        assert pane.query_one(ResultView).table is None

    run(test, api)


def test_a_failing_run_says_why(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        editor.load_text("SELECT nope FROM orders;\n")
        await pilot.press("f5")
        await until(pilot, lambda: not pane.console.running and pane.console.iid is not None)
        assert "failed" in status_of(pane, "#run-status")
        assert pane.query_one(ResultView).table is None

    run(test, api)


def test_runs_never_block_and_can_be_cancelled(api: Api) -> None:
    api.studio.create_node("slow", "ops", "shell", code="echo start\nsleep 30\necho never\n")

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        await open_node(pilot, pane, "slow")
        await pilot.press("f5")
        await until(pilot, lambda: "start" in "\n".join(pane.console.log_widget.lines))
        assert pane.console.running
        # the UI keeps answering while the instance runs
        await pilot.press("alt+p")
        assert pane.query_one("#studio-dock").active == "dock-props"
        await pilot.press("f5")  # one run at a time
        await pilot.press("f9")
        await until(pilot, lambda: not pane.console.running, timeout=15)
        assert "killed" in status_of(pane, "#run-status")
        assert api.ops.instance(pane.console.iid).status_label == "failed"
        assert "never" not in "\n".join(pane.console.log_widget.lines)

    run(test, api)


# -- the result grid -------------------------------------------------------------------------------
def sample_table() -> pa.Table:
    return pa.table(
        {
            "id": [3, 1, 2, 4],
            "city": ["Hangzhou", "Beijing", None, "Shanghai beach"],
            "tags": [["a"], [], ["b", "c"], None],
        }
    )


def test_grid_sorts_searches_views_cells_and_exports(api: Api, tmp_path: Path) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        view = pane.query_one(ResultView)
        view.export_dir = tmp_path
        view.show(sample_table(), returned=4, title="sample")
        pane.action_dock("dock-result")
        await until(pilot, lambda: view.grid is not None)
        view.grid.focus()
        assert "sample · 4 rows returned · all shown" in status_of(pane, "#grid-status")
        await pilot.press("s")
        await until(pilot, lambda: view.table.column("id").to_pylist() == [1, 2, 3, 4])
        assert "sorted by id ↑" in status_of(pane, "#grid-status")
        await pilot.press("s")
        await until(pilot, lambda: view.table.column("id").to_pylist() == [4, 3, 2, 1])
        await pilot.press("s")
        await until(pilot, lambda: view.table.column("id").to_pylist() == [3, 1, 2, 4])
        assert "sorted" not in status_of(pane, "#grid-status")
        await pilot.press("slash", *"shang", "enter")
        await until(pilot, lambda: view.matches)
        assert view.grid.cursor_coordinate == (3, 1)
        assert "“shang”: 1 of 1" in status_of(pane, "#grid-status")
        await pilot.press("slash", *"a", "enter")
        await until(pilot, lambda: view.needle == "a" and view.matches)
        assert view.matches == [(0, 1), (3, 1)]  # lists are not searched
        first = view.grid.cursor_coordinate
        await pilot.press("n")
        assert view.grid.cursor_coordinate != first
        await pilot.press("N")
        assert view.grid.cursor_coordinate == first
        view.grid.move_cursor(row=2, column=2)
        await pilot.press("space")
        await until(pilot, lambda: isinstance(pane.app.screen, CellViewerScreen))
        assert pane.app.screen.value == '[\n  "b",\n  "c"\n]'
        await pilot.press("escape")
        view.grid.move_cursor(row=2, column=1)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pane.app.screen, CellViewerScreen))
        assert pane.app.screen.value == "NULL"
        await pilot.press("escape")
        for name in ("out.csv", "out.parquet"):
            await pilot.press("e")
            await until(pilot, lambda: isinstance(pane.app.screen, ExportScreen))
            box = pane.app.screen.query_one("#export-path", Input)
            box.value = str(tmp_path / "out.txt")
            await pilot.press("enter")
            assert "must end in .csv or .parquet" in str(
                pane.app.screen.query_one("#export-error").render()
            )
            box.value = str(tmp_path / name)
            await pilot.press("enter")
            await until(pilot, lambda n=name: (tmp_path / n).exists())
        await until(pilot, lambda: "exported to out.parquet" in status_of(pane, "#grid-status"))
        with open(tmp_path / "out.csv", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == ["id", "city", "tags"] and len(rows) == 5
        assert pq.read_table(tmp_path / "out.parquet").equals(view.table)

    run(test, api)


def test_rows_shown_versus_returned_is_always_stated() -> None:
    assert rows_statement(2, 2, 2) == "2 rows returned · all shown"
    assert rows_statement(1, 1, 1) == "1 row returned · all shown"
    assert (
        rows_statement(None, 1_000_000, 1_000_000)
        == "more than 1,000,000 rows returned · first 1,000,000 shown"
    )
    assert (
        rows_statement(2_000_000, 1_000_000, 2_000_000)
        == "2,000,000 rows returned · 1,000,000 shown"
    )


def test_grid_holds_a_million_rows(api: Api) -> None:
    table = pa.table(
        {"n": pa.array(range(1_000_000)), "s": pa.array([f"row {i}" for i in range(1_000_000)])}
    )

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        view = pane.query_one(ResultView)
        view.show(table, returned=None, title="big")
        pane.action_dock("dock-result")
        await until(pilot, lambda: view.grid is not None)
        assert "more than 1,000,000 rows returned · first 1,000,000 shown" in status_of(
            pane, "#grid-status"
        )
        view.grid.focus()
        await pilot.press("ctrl+end")
        assert view.grid.cursor_row == 999_999
        await pilot.press("s", "s")  # descending by n
        await until(pilot, lambda: view.table.column("n")[0].as_py() == 999_999)

    run(test, api)


# -- commit, deploy, versions ---------------------------------------------------------------------
def test_commit_with_diff_and_message_then_deploy(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        await open_node(pilot, pane, "daily_orders")
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(pane.app.screen, CommitScreen))
        screen = pane.app.screen
        await until(
            pilot,
            lambda: "1 node(s): daily_orders" in str(screen.query_one("#commit-summary").render()),
        )
        diff = screen.query_one("#commit-diff").text
        assert "+SELECT id, amount, '${bizdate}' AS d" in diff and "working copy" in diff
        await pilot.press("enter")
        assert "needs a message" in str(screen.query_one("#commit-error").render())
        await pilot.press(*"first version", "enter")
        await until(pilot, lambda: not isinstance(pane.app.screen, CommitScreen))
        assert [v.version for v in api.studio.versions("daily_orders")] == [1]
        await until(pilot, lambda: "≡ daily_orders ↑" in tree_labels(pane))
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(pane.app.screen, CommitScreen))
        screen = pane.app.screen
        await until(
            pilot,
            lambda: "daily_orders v1 (new)" in str(screen.query_one("#commit-summary").render()),
        )
        await pilot.press(*"ship it", "enter")
        await until(pilot, lambda: not isinstance(pane.app.screen, CommitScreen))
        assert "daily_orders" in api.studio.deployed()
        await until(pilot, lambda: "≡ daily_orders" in tree_labels(pane))

    run(test, api)


def test_commit_refuses_code_that_does_not_parse_and_unsaved_buffers(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        await pilot.press(*"SELEC FROM ;")
        await pilot.press("f2")
        assert not isinstance(pane.app.screen, CommitScreen)  # unsaved edits: save first
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not editor.dirty)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(pane.app.screen, CommitScreen))
        await pilot.press(*"broken", "enter")
        screen = pane.app.screen
        await until(
            pilot, lambda: "commit refused" in str(screen.query_one("#commit-error").render())
        )
        await pilot.press("escape")
        assert api.studio.versions("daily_orders") == []

    run(test, api)


def test_versions_show_diffs_and_roll_back(api: Api) -> None:
    path = api.workspace.workflows_dir / "sales" / "daily_orders.sql"
    api.studio.commit(["daily_orders"], "v1")
    path.write_text(ORDERS.replace("amount", "amount * 2 AS amount"))
    api.studio.commit(["daily_orders"], "v2")
    path.write_text("SELECT 3;\n")

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(pane.app.screen, VersionsScreen))
        screen = pane.app.screen
        await until(pilot, lambda: len(screen.versions) == 2)
        diff = screen.query_one("#versions-diff")
        await until(pilot, lambda: "+SELECT 3;" in diff.text)  # v2 -> working copy
        await pilot.press("p")
        await until(pilot, lambda: "+SELECT id, amount * 2 AS amount" in diff.text)
        await pilot.press("down")  # v1
        await until(pilot, lambda: "v1 is the first version" in diff.text)
        await pilot.press("w")
        await until(pilot, lambda: "--- daily_orders v1" in diff.text)
        await pilot.press("r")
        assert "press r again" in str(screen.query_one("#versions-status").render())
        await pilot.press("r")
        await until(pilot, lambda: not isinstance(pane.app.screen, VersionsScreen))
        assert path.read_text() == ORDERS
        assert api.studio.diff("daily_orders", 1) == ""  # the working copy is v1 again
        await until(pilot, lambda: editor.text == ORDERS)  # the open buffer follows the file

    run(test, api)


# -- files changed on disk and drafts ---------------------------------------------------------------
def test_file_changed_on_disk_reloads_a_clean_buffer(api: Api) -> None:
    path = api.workspace.workflows_dir / "sales" / "daily_orders.sql"

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        await pilot.pause(0.3)  # the watcher is up
        path.write_text("SELECT 'from $EDITOR';\n")
        await until(pilot, lambda: editor.text == "SELECT 'from $EDITOR';\n")
        assert not editor.dirty
        await pilot.press("ctrl+z")  # taking the file's text is undoable
        assert editor.text == ORDERS

    run(test, api, watch=True)


def test_file_changed_under_unsaved_edits_shows_a_conflict_and_the_user_chooses(api: Api) -> None:
    path = api.workspace.workflows_dir / "sales" / "daily_orders.sql"

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        editor = await open_node(pilot, pane, "daily_orders")
        await pilot.pause(0.3)
        editor.move_cursor((0, 0))
        await pilot.press(*"-- mine ")
        path.write_text("SELECT 'theirs';\n")
        await until(pilot, lambda: isinstance(pane.app.screen, ConflictScreen))
        diff = pane.app.screen.query_one("#conflict-diff").text
        assert "-SELECT 'theirs';" in diff and "+-- mine" in diff
        await pilot.press("m")  # keep mine: still unsaved, now based on the new file
        assert editor.text.startswith("-- mine ") and editor.dirty
        assert editor.saved_text == "SELECT 'theirs';\n"
        path.write_text("SELECT 'theirs again';\n")
        await until(pilot, lambda: isinstance(pane.app.screen, ConflictScreen))
        await pilot.press("t")  # take the file's: mine is kept in a .bak beside the drafts
        assert editor.text == "SELECT 'theirs again';\n" and not editor.dirty
        backups = list((api.workspace.state_dir / "drafts").glob("daily_orders.*.bak"))
        assert len(backups) == 1 and backups[0].read_text().startswith("-- mine ")
        editor.move_cursor((0, 0))
        await pilot.press(*"-- saved ")
        path.write_text("SELECT 'third';\n")
        await until(pilot, lambda: isinstance(pane.app.screen, ConflictScreen))
        await pilot.press("s")  # save mine over the file
        await until(pilot, lambda: path.read_text().startswith("-- saved "))

    run(test, api, watch=True)


def test_new_and_deleted_nodes_on_disk_update_the_tree(api: Api) -> None:
    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        await pilot.pause(0.3)
        api.studio.create_node("from_git", "sales", "sql", code="SELECT 1;\n")
        await until(pilot, lambda: "≡ from_git +" in tree_labels(pane))
        (api.workspace.workflows_dir / "ops" / "flow_start.toml").unlink()
        await until(pilot, lambda: "○ flow_start +" not in tree_labels(pane))

    run(test, api, watch=True)


def test_unsaved_buffers_are_checkpointed_and_restored_after_a_crash(tmp_path: Path) -> None:
    api = make_api(tmp_path / "ws")
    drafts = api.workspace.state_dir / "drafts"

    async def first() -> None:
        app = StudioApp(api)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.pane
            await until(pilot, lambda: pane.workflows.loaded)
            editor = await open_node(pilot, pane, "daily_orders")
            await pilot.press(*"-- precious ")
            # checkpoints trail the typing (a slow box may checkpoint after the first key)
            await until(
                pilot,
                lambda: (
                    (drafts / "daily_orders.json").exists()
                    and pane.drafts.load("daily_orders").text.startswith("-- precious ")
                ),
            )
            assert editor.dirty
            await settle(pilot, pane)

    async def second() -> None:
        app = StudioApp(api)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.pane
            await until(pilot, lambda: pane.buffers.editor("daily_orders") is not None)
            editor = pane.buffers.editor("daily_orders")
            assert editor.text.startswith("-- precious ") and editor.dirty
            assert editor.saved_text == ORDERS
            await pilot.press("ctrl+s")
            await until(pilot, lambda: not (drafts / "daily_orders.json").exists())
            await settle(pilot, pane)

    asyncio.run(first())
    assert (api.workspace.workflows_dir / "sales" / "daily_orders.sql").read_text() == ORDERS
    asyncio.run(second())
    assert (
        (api.workspace.workflows_dir / "sales" / "daily_orders.sql")
        .read_text()
        .startswith("-- precious ")
    )


def test_a_draft_older_than_the_file_opens_a_conflict(tmp_path: Path) -> None:
    api = make_api(tmp_path / "ws")
    from tui.panes.studio.drafts import DraftStore

    DraftStore(api.workspace.state_dir / "drafts").save("daily_orders", "-- draft\n", "old text\n")

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        await until(pilot, lambda: isinstance(pane.app.screen, ConflictScreen))
        assert pane.app.screen.restored
        await pilot.press("escape")  # decide later: the draft stays in the buffer
        editor = pane.buffers.editor("daily_orders")
        assert editor.text == "-- draft\n" and editor.dirty

    run(test, api)


def test_quitting_during_a_run_stops_it_instead_of_hanging(api: Api) -> None:
    api.studio.create_node("slow", "ops", "shell", code="echo start\nsleep 60\n")
    started = 0.0

    async def test(pilot: Pilot[None], pane: StudioPane) -> None:
        nonlocal started
        await open_node(pilot, pane, "slow")
        await pilot.press("f5")
        await until(pilot, lambda: "start" in "\n".join(pane.console.log_widget.lines))
        started = time.monotonic()

    run(test, api, settle=False)  # leaving the app unmounts the pane while the instance runs
    assert time.monotonic() - started < 15
    assert api.ops.instance(1).status_label == "failed"
