"""Operation Center pane, Pilot tier: every view and operation on a real state.db that a real
scheduler filled (two business dates of a small flow with a failure and a waiting child)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from engine.api import Api
from engine.errors import MaxworksError
from engine.ops.queries import InstanceFilter
from engine.scheduler.loop import Scheduler
from engine.scheduler.model import DagType, State
from engine.workspace import Workspace
from tests.scheduler_support import at, deploy, spec
from tests.tui.test_studio_pane import isolate_home, until
from tui.panes.ops import OpsPane
from tui.panes.ops.dag import DagScreen
from tui.panes.ops.detail import InstanceScreen
from tui.panes.ops.dialogs import BackfillScreen, ConfirmScreen, RunTestDialog, parse_ranges
from tui.panes.ops.instances import InstanceList
from tui.panes.ops.logview import LogScreen
from tui.panes.ops.tasks import BackfillList, TaskList

NOW = at("2025-03-16 12:00:00")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_home(tmp_path, monkeypatch)


def build_workspace(root: Path) -> Workspace:
    ws = Workspace.init(root, project="shop")
    deploy(
        ws,
        spec("ods_a", "shell", code="echo loading ods_a for $1", owner="alice", params=(("d", "$bizdate"),)),
        spec("ods_b", "shell", code="true", owner="bob"),
        spec("dwd_fail", "shell", code="echo bad row >&2; exit 3", inputs=("shop.ods_a",), owner="alice"),
        spec("dws_child", "shell", code="true", inputs=("shop.dwd_fail",), owner="bob"),
        spec("ads_end", "virtual", inputs=("shop.ods_b",), owner="bob", priority=7),
    )  # fmt: skip
    sched = Scheduler(ws, clock=lambda: NOW)
    sched.start()
    try:
        sched.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-16 20:00:00"))
    finally:
        sched.stop()
    return ws


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_workspace(tmp_path_factory.mktemp("ops") / "ws").root


@pytest.fixture
def api(template: Path, tmp_path: Path) -> Api:
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(template, root)
    return Api(Workspace.load(root), user="alice", clock=lambda: NOW)


class OpsApp(App[None]):
    def __init__(self, api: Api, *, readonly: bool = False) -> None:
        super().__init__()
        self.api = api
        self.readonly = readonly

    def compose(self) -> ComposeResult:
        yield OpsPane(self.api, readonly=self.readonly)

    @property
    def pane(self) -> OpsPane:
        return self.query_one(OpsPane)


def run(test: Callable[[Pilot[None], OpsApp], Awaitable[None]], api: Api, **kw: Any) -> None:
    size = kw.pop("size", (140, 40))

    async def main() -> None:
        app = OpsApp(api, **kw)
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: app.pane.cycle.loaded)
            await test(pilot, app)

    import asyncio

    asyncio.run(main())


def names(lst: InstanceList) -> list[str]:
    return [lst.rows[i].node_name for i in lst.ids]


def counts_text(lst: InstanceList) -> str:
    return str(lst.query_one(".ops-counts").render())


async def cursor_to(pilot: Pilot[Any], lst: InstanceList, node: str) -> int:
    iid = next(i for i in lst.ids if lst.rows[i].node_name == node)
    lst.table.move_cursor(row=lst.ids.index(iid), animate=False)
    await pilot.pause()
    return iid


def instance_of(api: Api, node: str, bizdate: str) -> int:
    from engine.ops.monitor import InstanceQuery

    monitor = api.ops.monitor()
    try:
        page = monitor.page(InstanceQuery(bizdate=bizdate))
    finally:
        monitor.close()
    return next(r.id for r in page.rows if r.node_name == node)


def state_of(api: Api, iid: int) -> State:
    return api.ops.instance(iid).state


def test_cycle_instances_open_on_the_newest_bizdate_with_counts(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        assert cycle.current_query.bizdate == "20250315"
        assert sorted(names(cycle)) == ["ads_end", "dwd_fail", "dws_child", "ods_a", "ods_b"]
        header = counts_text(cycle)
        assert "bizdate 20250315" in header and "failed 1" in header and "succeeded 3" in header
        await pilot.press("left_square_bracket")
        assert cycle.current_query.bizdate == "20250314"
        await pilot.press("right_square_bracket")
        assert cycle.current_query.bizdate == "20250315"

    run(test, api)


def test_further_pages_load_as_the_cursor_nears_the_end(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keyset pages at a small scale: a first page of 2, further pages of 3 read when the cursor
    is 1 row from the end; every instance of the date is listed once, in order."""
    import tui.panes.ops.instances as instances

    monkeypatch.setattr(instances, "PAGE", 2)
    monkeypatch.setattr(instances, "MORE", 3)
    monkeypatch.setattr(instances, "NEAR_END", 1)

    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        cycle.reload()
        await pilot.pause()

        def status() -> str:
            return str(cycle.query_one(".ops-list-status").render())

        assert len(cycle.ids) == 2 and "2 loaded · more below" in status()
        cycle.table.focus()
        await pilot.press("down")  # row 1 of 2: near the end
        await until(pilot, lambda: len(cycle.ids) == 5)
        assert "5 loaded ·" in status() and "more below" not in status()
        assert cycle.ids == sorted(cycle.ids, reverse=True)  # id desc, no row twice
        assert sorted(names(cycle)) == ["ads_end", "dwd_fail", "dws_child", "ods_a", "ods_b"]
        await pilot.press("end")
        assert len(cycle.ids) == 5

    run(test, api)


def test_filter_narrows_survives_refresh_and_errors_keep_the_rows(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        await pilot.press("slash", *"status:failed", "enter")
        assert names(cycle) == ["dwd_fail"]
        assert "filter: status:failed" in str(cycle.query_one(".ops-list-status").render())
        cycle.refresh_live()
        await until(
            pilot, lambda: not any(w.group == "ops-live" and not w.is_finished for w in app.workers)
        )
        await pilot.pause(0.1)
        assert names(cycle) == ["dwd_fail"], "the filter survives a live refresh"
        await pilot.press("slash", "ctrl+u", *"owner:me")
        assert sorted(names(cycle)) == ["dwd_fail", "ods_a"]
        cycle.filter_input.value = "owner:me colour:red"  # a typo mid-filter
        await pilot.pause()
        assert "unknown filter 'colour:'" in str(cycle.query_one(".ops-list-status").render())
        assert sorted(names(cycle)) == ["dwd_fail", "ods_a"], "a bad filter keeps what was shown"
        await pilot.press("enter", "escape")
        assert len(cycle.ids) == 5 and cycle.filter_text == ""

    run(test, api)


def test_state_filter_key_and_sort(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        await pilot.press("f")  # all -> failed
        assert names(cycle) == ["dwd_fail"] and cycle.bucket == "failed"
        await pilot.press("escape")
        assert len(cycle.ids) == 5
        await pilot.press("o")  # id -> node
        assert cycle.sort == "node"
        await pilot.press("O")
        shown = names(cycle)
        assert shown == sorted(shown, reverse=cycle.descending)

    run(test, api)


def test_rerun_confirms_exactly_then_goes_through_the_engine(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        iid = await cursor_to(pilot, cycle, "dwd_fail")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        lines = "\n".join(app.screen.lines)  # type: ignore[attr-defined]
        assert f"{iid}" in lines and "dwd_fail" in lines and "failed" in lines
        await pilot.press("y")
        await until(pilot, lambda: state_of(api, iid) == State.NOT_RUN)
        await until(pilot, lambda: cycle.rows[iid].state == State.NOT_RUN)
        # waiting to run again: no run time counted from the last start to now
        assert cycle.rows[iid].started_at and not cycle.rows[iid].finished_at
        assert cycle.table.cell_text(str(iid), "duration") == ""
        events = api.workspace.open_state()
        try:
            codes = [
                r[0]
                for r in events.conn.execute("SELECT code FROM events WHERE instance_id = ?", [iid])
            ]
        finally:
            events.close()
        assert "instance-rerun" in " ".join(codes) or any("rerun" in c for c in codes)

    run(test, api)


def test_refusal_shows_dataworks_reason_and_changes_nothing(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        iid = await cursor_to(pilot, cycle, "dws_child")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(
            pilot,
            lambda: any(
                "only finished instances can be rerun" in str(n.message) for n in app._notifications
            ),
        )
        assert state_of(api, iid) == State.NOT_RUN

    run(test, api)


def test_cancel_does_nothing(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        iid = await cursor_to(pilot, cycle, "dwd_fail")
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await pilot.pause(0.1)
        assert state_of(api, iid) == State.FAILURE

    run(test, api)


def test_marks_make_one_bulk_confirmation(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        fail = await cursor_to(pilot, cycle, "dwd_fail")
        await pilot.press("space")
        child = await cursor_to(pilot, cycle, "dws_child")
        await pilot.press("space")
        assert cycle.marked == {fail, child}
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        screen = app.screen
        assert (
            isinstance(screen, ConfirmScreen) and screen.title_text == "Set 2 instances successful?"
        )
        await pilot.press("y")
        await until(
            pilot,
            lambda: state_of(api, fail) == State.SUCCESS and state_of(api, child) == State.SUCCESS,
        )

    run(test, api)


def test_readonly_hides_and_refuses_operations(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        iid = await cursor_to(pilot, cycle, "dwd_fail")
        assert cycle.check_action("op", ("rerun",)) is False
        await pilot.press("r", "S", "ctrl+k", "z")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ConfirmScreen)
        assert state_of(api, iid) == State.FAILURE
        assert "READ-ONLY" in str(app.pane.query_one("#ops-views").render())
        # and the engine refuses whatever a client shows
        api.readonly = True
        with pytest.raises(MaxworksError, match="read-only"):
            api.ops.rerun([iid])

    run(test, api, readonly=True)


def test_log_view_tails_searches_and_switches_runs(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        iid = await cursor_to(pilot, cycle, "dwd_fail")
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogScreen))
        screen = app.screen
        assert isinstance(screen, LogScreen)
        await until(
            pilot,
            lambda: (
                screen.query("Log") and any("bad row" in line for line in screen.log_widget.lines)
            ),
        )
        assert f"instance {iid}" in str(screen.query_one("#log-head").render())
        await pilot.press("f")
        assert screen.follow is False
        await pilot.press("slash", *"bad row", "enter")
        assert screen.match_line >= 0
        await pilot.press("escape")
        assert not isinstance(app.screen, LogScreen)

    run(test, api)


def test_log_view_wraps_long_lines_so_the_error_at_their_end_is_read(api: Api) -> None:
    iid = instance_of(api, "ods_b", "20250315")
    folder = api.workspace.logs_dir / str(iid)
    folder.mkdir(parents=True, exist_ok=True)
    long = "statement 2 (line 19) failed: " + "x" * 150 + " Could not convert string '1,299.00'"
    (folder / "1.log").write_text(f"start\n{long}\nend\n")

    def shown(screen: LogScreen) -> str:
        return "".join(line.strip() for line in screen.log_widget.lines)

    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        app.push_screen(LogScreen(api, iid, run_no=1))
        await until(pilot, lambda: isinstance(app.screen, LogScreen))
        screen = app.screen
        assert isinstance(screen, LogScreen)
        await until(  # wrapped to the view (again, if the first read came before its size)
            pilot,
            lambda: (
                screen.query("Log")
                and "end" in screen.log_widget.lines
                and max(len(line) for line in screen.log_widget.lines) <= 80
            ),
        )
        assert "'1,299.00'" in shown(screen).replace("  ", "")
        await pilot.press("w")  # cut instead: the line is whole again, ← → scroll to its end
        await until(pilot, lambda: long in screen.log_widget.lines)
        await pilot.press("right", "right")
        assert screen.log_widget.scroll_x == 16

    run(test, api, size=(80, 24))


def test_log_view_bounds_memory_on_a_huge_log(api: Api) -> None:
    iid = instance_of(api, "ods_b", "20250315")
    folder = api.workspace.logs_dir / str(iid)
    folder.mkdir(parents=True, exist_ok=True)
    line = "x" * 99 + "\n"
    with (folder / "1.log").open("w") as handle:
        for _ in range(200_000):  # 20 MB
            handle.write(line)
        handle.write("THE END\n")

    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        started = time.monotonic()
        app.push_screen(LogScreen(api, iid, run_no=1))
        await until(pilot, lambda: isinstance(app.screen, LogScreen))
        screen = app.screen
        assert isinstance(screen, LogScreen)
        await until(
            pilot,
            lambda: (
                screen.query("Log")
                and screen.log_widget.lines
                and screen.log_widget.lines[-1] == "THE END"
            ),
        )
        assert time.monotonic() - started < 5
        assert len(screen.log_widget.lines) <= 512 * 1024 // 100 + 1
        assert "last 512 KB" in str(screen.query_one("#log-head").render())

    run(test, api)


def test_dag_view_levels_and_operations(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        iid = await cursor_to(pilot, cycle, "dwd_fail")
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DagScreen))
        screen = app.screen
        assert isinstance(screen, DagScreen)
        tree = screen.dag_tree
        up, down = tree.root.children
        assert [str(n.label).split()[1] for n in up.children] == ["ods_a"]
        assert [str(n.label).split()[1] for n in down.children] == ["dws_child"]
        assert "1 level" in str(screen.query_one("#dag-head").render())
        await pilot.press("a")
        assert "all levels" in str(screen.query_one("#dag-head").render())
        tree.move_cursor(down.children[0])
        await pilot.press("c")
        assert screen.iid != iid and screen.dag_tree.root.data[0] == screen.iid  # type: ignore[index]
        await pilot.press("r")  # dws_child has not run: the refusal comes from the engine
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(
            pilot, lambda: any("only finished" in str(n.message) for n in app._notifications)
        )

    run(test, api)


def test_instance_page_says_why_it_waits(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        await cursor_to(pilot, cycle, "dws_child")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, InstanceScreen))
        why = str(app.screen.query_one("#detail-why").render())
        assert "waiting for upstream instance" in why and "dwd_fail" in why and "failed" in why

    run(test, api)


def test_cycle_tasks_freeze_and_open_instances(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        await pilot.press("2")
        tasks = app.pane.query_one(TaskList)
        assert [t.name for t in tasks.shown] == sorted(
            ["ads_end", "dwd_fail", "dws_child", "ods_a", "ods_b"]
        )
        tasks.table.move_cursor(row=[t.name for t in tasks.shown].index("ods_b"))
        await pilot.press("z")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: any(t.frozen for t in tasks.tasks if t.name == "ods_b"))
        await pilot.press("slash", *"alice", "enter")
        assert [t.name for t in tasks.shown] == ["dwd_fail", "ods_a"]
        await pilot.press("enter")
        cycle = app.pane.cycle
        await until(pilot, lambda: app.pane.current == "cycle")
        assert cycle.current_query.bizdate is None and set(names(cycle)) == {"dwd_fail"}

    run(test, api)


def test_backfill_dialog_shows_every_field_and_its_keys_at_80x24(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        await pilot.press("2")
        await pilot.press("B")
        await until(pilot, lambda: isinstance(app.screen, BackfillScreen))
        await pilot.pause()
        screen = app.screen
        dialog = screen.query_one(".ops-dialog").region
        for selector in ("#backfill-ranges", "#backfill-parallel", "#backfill-desc", "#preview"):
            region = screen.query_one(selector).region
            assert region.width >= 4 and dialog.contains_region(region), selector
        text = "\n".join(strip.text for strip in screen._compositor.render_strips())
        assert "Newest date first" in text and "Preview [F5]" in text and "Cancel [esc]" in text

    run(test, api, size=(80, 24))


def test_backfill_dialog_previews_then_creates(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        await pilot.press("2")
        tasks = app.pane.query_one(TaskList)
        tasks.table.move_cursor(row=[t.name for t in tasks.shown].index("ods_a"))
        await pilot.press("B")
        await until(pilot, lambda: isinstance(app.screen, BackfillScreen))
        screen = app.screen
        assert isinstance(screen, BackfillScreen)
        assert screen.descendants == ["dwd_fail", "dws_child"]
        await pilot.press("ctrl+u", *"20250301-20250302")
        screen.query_one("SelectionList").select("dwd_fail")  # type: ignore[attr-defined]
        await pilot.press("f5")
        preview = str(screen.query_one("#backfill-preview").render())
        assert "4 instances: 2 node(s) x 2 business date(s)" in preview
        before = api.ops.monitor()
        try:
            assert before.backfill_runs() == []
        finally:
            before.close()
        await pilot.click("#create")
        await until(pilot, lambda: not isinstance(app.screen, BackfillScreen))
        await pilot.press("3")
        runs = app.pane.query_one(BackfillList)
        await until(pilot, lambda: len(runs.runs) == 1)
        assert runs.runs[0].root == "ods_a" and runs.runs[0].total == 4
        inner = runs.query_one(InstanceList)
        await until(pilot, lambda: len(inner.ids) == 4)

    run(test, api, size=(140, 48))


def test_backfill_dialog_refuses_bad_ranges_inline(api: Api) -> None:
    with pytest.raises(MaxworksError, match="ends before it starts"):
        parse_ranges("20250305-20250301")
    with pytest.raises(MaxworksError, match="not a business date"):
        parse_ranges("2025-3-1")
    assert parse_ranges("20250301-20250302, 20250310") == [
        (date(2025, 3, 1), date(2025, 3, 2)),
        (date(2025, 3, 10), date(2025, 3, 10)),
    ]


def test_test_run_from_the_list(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        await cursor_to(pilot, cycle, "ods_b")
        await pilot.press("T")
        await until(pilot, lambda: isinstance(app.screen, RunTestDialog))
        await pilot.press("ctrl+u", *"20250310", "enter")
        await until(
            pilot,
            lambda: api.ops.instances(InstanceFilter(dag_type=DagType.SMOKE_TEST)),
        )
        await pilot.press("4")
        tests = app.pane.query_one("#tests", InstanceList)
        await until(pilot, lambda: names(tests) == ["ods_b"])
        assert tests.rows[tests.ids[0]].bizdate == "20250310"

    run(test, api)


def test_dashboard_counts_and_charts(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        await pilot.press("5")
        from tui.panes.ops.dashboard import DashboardView

        dash = app.pane.query_one(DashboardView)
        await until(pilot, lambda: dash.figures is not None)
        assert dash.figures is not None and dash.figures.today == "20250315"
        assert [f.node for f in dash.figures.failing] == ["dwd_fail"]
        assert "Most failing nodes" in str(dash.query_one("#dash-failing").render())

    run(test, api)


def test_live_refresh_updates_cells_and_keeps_the_cursor(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        iid = await cursor_to(pilot, cycle, "dws_child")
        api.ops.set_success([iid])  # another operator, elsewhere
        cycle.refresh_live()
        await until(pilot, lambda: cycle.rows[iid].state == State.SUCCESS)
        assert cycle.cursor_id == iid
        assert cycle.table.cell_text(str(iid), "status") == "succeeded (set manually)"

    run(test, api)


def test_command_mode_inst_opens_filtered(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        pane = app.pane
        assert pane.open_target("inst bizdate=20250314 status=failed")
        cycle = pane.cycle
        assert cycle.current_query.bizdate == "20250314" and names(cycle) == ["dwd_fail"]
        assert not pane.open_target("inst colour=red")
        assert not pane.open_target("node x")
        # every business date: the rows at once, the counts of the whole history after them
        assert pane.open_target("inst bizdate=all status=failed")
        assert sorted(names(cycle)) == ["dwd_fail", "dwd_fail"]
        assert "counting…" in counts_text(cycle)
        await until(pilot, lambda: "counting" not in counts_text(cycle))
        assert "all dates" in counts_text(cycle) and "failed 2" in counts_text(cycle)

    run(test, api)


def as_member(api: Api, role: str) -> Api:
    """The Owner (the OS user) adds alice with ``role``; then alice's own session."""
    Api(api.workspace, clock=lambda: NOW).security.add_member("alice", role)
    return Api(api.workspace, user="alice", clock=lambda: NOW)


def test_a_visitor_sees_no_operations_and_the_engine_refuses_them(api: Api) -> None:
    api = as_member(api, "visitor")

    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        iid = await cursor_to(pilot, cycle, "dwd_fail")
        assert app.pane.readonly and "READ-ONLY" in str(app.pane.query_one("#ops-views").render())
        assert cycle.check_action("op", ("rerun",)) is False
        assert cycle.check_action("log", ()) is True  # reading stays
        await pilot.press("r")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ConfirmScreen)
        with pytest.raises(MaxworksError, match="rerun"):
            api.ops.rerun([iid])
        assert state_of(api, iid) == State.FAILURE

    run(test, api)


def test_an_om_role_may_rerun_but_the_readonly_flag_wins(api: Api) -> None:
    api = as_member(api, "ops")

    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        assert not app.pane.readonly
        assert cycle.check_action("op", ("rerun",)) is True

    run(test, api)

    async def readonly(pilot: Pilot[None], app: OpsApp) -> None:
        assert app.pane.readonly
        assert app.pane.cycle.check_action("op", ("rerun",)) is False

    run(readonly, api, readonly=True)


def test_command_mode_in_the_shell_routes_inst_to_this_pane(api: Api, tmp_path: Path) -> None:
    from dataclasses import replace as dc_replace

    from tui.config import load_settings
    from tui.factory import make_app

    settings = load_settings(tmp_path / "config")
    settings = dc_replace(settings, editor=dc_replace(settings.editor, cursor_blink=False))
    panes = [
        ("studio", "tests.tui.conftest:EditorPane", "DataStudio"),
        ("ops", "tui.panes.ops:OpsPane", "Operation Center"),
    ]

    async def main() -> None:
        app = make_app(api, config=settings, panes=panes)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.press("ctrl+o")
            await until(pilot, lambda: "ops" in app._loaded)
            pane = app._loaded["ops"]
            assert isinstance(pane, OpsPane)
            await until(pilot, lambda: pane.cycle.loaded)
            await until(pilot, lambda: app.focused is pane.cycle.table)
            await pilot.press("colon")
            await until(pilot, lambda: app.command_line.is_open)
            await pilot.press(*"inst bizdate=20250314 status=failed", "enter")
            await until(pilot, lambda: pane.cycle.current_query.bizdate == "20250314")
            assert names(pane.cycle) == ["dwd_fail"]

    import asyncio

    asyncio.run(main())


def test_live_refresh_drops_rows_that_left_the_filter(api: Api) -> None:
    async def test(pilot: Pilot[None], app: OpsApp) -> None:
        cycle = app.pane.cycle
        await pilot.press("slash", *"status:failed,not_run", "enter")
        assert sorted(names(cycle)) == ["dwd_fail", "dws_child"]
        assert names(cycle)[-1] == "dwd_fail"  # the last row: the refresh's prefix still matches
        api.ops.set_success([cycle.ids[-1]])  # elsewhere: it no longer matches the filter
        cycle.refresh_live()
        await until(pilot, lambda: names(cycle) == ["dws_child"])

    run(test, api)
