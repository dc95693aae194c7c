"""The demo workspace: data, nodes, release, history, working copy, determinism, and the command.

One demo is built at the default size (a few seconds) and shared by the read-only tests; tests
that write (Run, determinism, the command) build small ones of their own.
"""

from __future__ import annotations

import json
import sys
import time
import types
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
import duckdb
import pytest
from click.testing import CliRunner

from engine.api import Api
from engine.demo import DemoPlan, create_demo, is_demo, pipeline, read_marker
from engine.demo import data as demo_data
from engine.errors import WorkspaceError
from engine.ops.queries import InstanceFilter, InstanceInfo
from engine.scheduler.model import DagType, NodeType, SchedType, State
from engine.workspace import Workspace

NOW = datetime(2025, 3, 15, 10, 0, 0)
BIZDATES = ("20250312", "20250313", "20250314")
SPARE, LATE, DIRTY = "20250311", "20250313", "20250314"
SMALL = 0.1


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, float]:
    root = tmp_path_factory.mktemp("demo") / "shop"
    started = time.perf_counter()
    ws = create_demo(root, now=NOW, user="alice")
    return ws, time.perf_counter() - started


@pytest.fixture(scope="module")
def ws(built: tuple[Workspace, float]) -> Workspace:
    return built[0]


@pytest.fixture(scope="module")
def api(ws: Workspace) -> Api:
    return Api(ws, user="alice", clock=lambda: NOW)


def _query(ws: Workspace, sql: str, project: str = "demo") -> list[tuple[Any, ...]]:
    """Read the warehouse directly (read-only), without going through history or guards."""
    conn = duckdb.connect(str(ws.warehouse_file(project)), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _cycle_instances(api: Api, **flt: Any) -> list[InstanceInfo]:
    return api.ops.instances(InstanceFilter(dag_type=DagType.NORMAL, **flt), limit=1000)


# -- the plan --------------------------------------------------------------------------------------
def test_plan_puts_the_story_on_the_last_business_dates() -> None:
    plan = DemoPlan.of(NOW, 3)
    assert [f"{d:%Y%m%d}" for d in plan.bizdates] == list(BIZDATES)
    assert f"{plan.spare:%Y%m%d}" == SPARE
    assert plan.late_day == date(2025, 3, 13) and plan.dirty_day == date(2025, 3, 14)
    assert [f"{d:%Y%m%d}" for d in plan.source_days] == [SPARE, *BIZDATES]
    assert plan.deploy_day == date(2025, 3, 12)


def test_plan_before_the_nightly_runs_ends_with_yesterdays_runs() -> None:
    plan = DemoPlan.of(datetime(2025, 3, 15, 0, 30), 2)
    assert [f"{d:%Y%m%d}" for d in plan.bizdates] == ["20250312", "20250313"]
    # today's instances (business date 20250314) are due: their source data exists
    assert plan.source_days[-1] == date(2025, 3, 14)
    one = DemoPlan.of(NOW, 1)
    assert one.late_day is None and one.dirty_day == date(2025, 3, 14)
    with pytest.raises(Exception, match="days must be"):
        DemoPlan.of(NOW, 0)


# -- the workspace -----------------------------------------------------------------------------------
def test_builds_a_standard_demo_workspace_quickly(built: tuple[Workspace, float]) -> None:
    ws, seconds = built
    assert seconds < 30, f"the default demo took {seconds:.1f} s"
    cfg = ws.config
    assert (cfg.name, cfg.mode, cfg.timezone) == ("demo", "standard", "Asia/Shanghai")
    assert (cfg.projects.prod, cfg.projects.dev) == ("demo", "demo_dev")
    assert is_demo(ws.root) and not is_demo(ws.root / "workflows")
    marker = read_marker(ws.root)
    assert marker["bizdates"] == list(BIZDATES) and marker["dirty_bizdate"] == DIRTY
    assert (ws.root / "README.md").read_text().startswith("# The maxworks demo")
    assert not list(ws.root.parent.glob(".shop.*")), "the staging directory was left behind"


def test_source_tables_hold_tens_of_thousands_of_realistic_rows(ws: Workspace) -> None:
    counts = dict(_query(ws, "SELECT dt, count(*) FROM ods_raw_log_d GROUP BY dt"))
    assert counts == {d: demo_data.LOG_LINES for d in (SPARE, *BIZDATES)}
    orders = dict(_query(ws, "SELECT dt, count(*) FROM ods_trade_order_d GROUP BY dt"))
    assert orders == {d: demo_data.ORDERS for d in (SPARE, *BIZDATES)}
    users = dict(_query(ws, "SELECT dt, count(*) FROM ods_user_info_d GROUP BY dt"))
    assert users["20250314"] == demo_data.USERS and users["20250313"] == demo_data.USERS - 24
    assert _query(ws, "SELECT count(*) FROM ods_item_info") == [(demo_data.ITEMS,)]
    total = sum(counts.values()) + sum(orders.values()) + sum(users.values())
    assert total > 150_000

    (line,) = _query(ws, "SELECT col FROM ods_raw_log_d WHERE dt = '20250312' LIMIT 1")[0]
    ip, uid, ts, request, status, size, referer, agent, payload = line.split("##@@")
    assert ip.count(".") == 3 and (uid == "-" or uid.isdigit())
    assert datetime.strptime(ts, "%Y-%m-%d %H:%M:%S").date() == date(2025, 3, 12)
    assert request.split(" ")[0] in ("GET", "POST") and request.endswith(("HTTP/1.1", "HTTP/2.0"))
    assert status.isdigit() and size.isdigit() and referer and agent
    assert payload == "-" or "event" in json.loads(payload)
    kinds = dict(
        _query(
            ws,
            "SELECT CASE WHEN col LIKE '%spider%' OR col LIKE '%bot/%' THEN 'bot' "
            "WHEN col LIKE '%##@@ShopApp/%' THEN 'app' WHEN col LIKE '%MicroMessenger%' THEN 'wechat' "
            "ELSE 'browser' END AS k, count(*) FROM ods_raw_log_d WHERE dt = '20250312' GROUP BY k",
        )
    )
    assert set(kinds) == {"bot", "app", "wechat", "browser"} and kinds["bot"] < 1000
    # the malformed amount is in the last day's export only
    dirty = _query(
        ws, "SELECT dt, count(*) FROM ods_trade_order_d WHERE amount LIKE '%,%' GROUP BY dt"
    )
    assert dirty == [(DIRTY, 1)]
    for day in (SPARE, *BIZDATES):
        assert (ws.root / "landing" / "raw_log" / day / "_SUCCESS").read_text() == "rows=20000\n"
        assert (ws.root / "landing" / "trade_order" / day / "_SUCCESS").is_file()


def test_tables_have_comments_partitions_and_lifecycles(ws: Workspace) -> None:
    rows = _query(ws, "SELECT name, comment, lifecycle FROM _mw.tables ORDER BY name")
    names = [r[0] for r in rows]
    assert [n.split("_")[0] for n in names].count("ods") == 4
    assert {"dwd", "dws", "ads"} <= {n.split("_")[0] for n in names}
    for name, comment, lifecycle in rows:
        assert comment, name
        assert lifecycle or name == "ods_item_info", name
    uncommented = _query(
        ws, "SELECT table_name, name FROM _mw.columns WHERE comment IS NULL AND NOT is_partition"
    )
    assert uncommented == []
    parts = dict(_query(ws, "SELECT table_name, count(*) FROM _mw.partitions GROUP BY table_name"))
    assert parts["dwd_log_info_di"] == 3 and parts["ods_raw_log_d"] == 4
    assert parts["dwd_trade_order_di"] == 2  # the last day failed
    assert parts["ads_gmv_report_1d"] == 2 and parts["ads_user_segment_1d"] == 3


# -- nodes, versions, deployment -----------------------------------------------------------------------
def test_two_workflows_of_layered_nodes(api: Api) -> None:
    nodes = api.studio.list_nodes()
    assert len(nodes) == len(pipeline.NODES) == 19
    flows = {n.workflow for n in nodes}
    assert flows == {"user_behavior", "trade_daily"}
    types = {n.name: n.type for n in nodes}
    for flow in flows:
        assert types[f"{flow}_start"] == types[f"{flow}_end"] == "virtual"
    sql = sorted(n for n, t in types.items() if t == "odps_sql")
    assert 6 <= len(sql) <= 12
    assert {n.split("_")[0] for n in sql} == {"dwd", "dws", "ads"}
    assert {"shell", "assignment", "branch", "merge"} <= set(types.values())


def test_node_code_is_what_a_maxcompute_developer_writes(api: Api) -> None:
    deployed = api.studio.deployed()
    code = ""
    for name in pipeline.SQL_NODES:
        text = deployed[name].code
        code += text
        assert f"INSERT OVERWRITE TABLE {name} PARTITION (dt='${{bizdate}}')" in text, name
        assert f"CREATE TABLE IF NOT EXISTS {name} (" in text and "LIFECYCLE" in text, name
        assert "dt = '${bizdate}'" in text or "dt > '${last_week}'" in text, name
    for fn in ("GET_JSON_OBJECT", "SPLIT_PART", "REGEXP_EXTRACT", "DATEADD", "DATEDIFF", "TO_CHAR",
               "WM_CONCAT", "ROW_NUMBER() OVER", "LATERAL VIEW EXPLODE", "DECODE", "COUNT_IF"):  # fmt: skip
        assert fn in code, fn
    params = {n: dict(s.params) for n, s in deployed.items()}
    assert params["dws_user_active_7d"] == {"last_week": "${yyyymmdd-7}"}
    assert params["ads_gmv_report_1d"] == {"last_week": "${yyyymmdd-7}"}
    assert params["check_order_volume"] == {"paid_orders": "count_paid_orders.outputs"}
    branch = deployed["check_order_volume"]
    assert [b.output for b in branch.branches] == [
        "demo.check_order_volume_ok",
        "demo.check_order_volume_low",
    ]
    assert deployed["check_raw_log_ready"].type is NodeType.SHELL


def test_dependencies_are_parsed_from_the_code(api: Api) -> None:
    upstream = dict(api.studio.dag())
    assert upstream["dwd_log_info_di"] == ("check_raw_log_ready",)
    assert set(upstream["dws_user_info_all_di"]) == {"dwd_log_info_di", "check_raw_log_ready"}
    # across workflows, and below the branch
    assert {"dws_user_info_all_di", "check_order_volume", "dwd_trade_order_di"} <= set(
        upstream["ads_gmv_report_1d"]
    )
    assert set(upstream["merge_trade_report"]) == {"ads_gmv_report_1d", "alert_low_volume"}
    assert "user_behavior_start" in upstream["check_raw_log_ready"]


def test_committed_and_deployed_with_messages(api: Api) -> None:
    deployed = api.studio.deployed()
    assert set(deployed) == {n.name for n in pipeline.NODES}
    assert api.studio.pending_deploy() == []
    for node in pipeline.NODES:
        history = api.studio.versions(node.name)
        assert history and all(v.message and v.committed_by == "alice" for v in history)
    late = api.studio.versions(pipeline.LATE_NODE)
    assert [v.version for v in late] == [2, 1]
    assert "retry" in late[0].message and late[0].deployed
    assert deployed[pipeline.LATE_NODE].schedule.rerun_times == 3
    assert late[1].committed_at == datetime(2025, 3, 12, 16, 10)


def test_the_working_copy_has_one_uncommitted_edit(api: Api) -> None:
    status = {n.name: n for n in api.studio.list_nodes()}
    assert [n for n, s in status.items() if s.uncommitted] == [pipeline.WIP_NODE]
    assert all(s.status == "deployed" for n, s in status.items() if n != pipeline.WIP_NODE)
    diff = api.studio.diff(pipeline.WIP_NODE)
    assert "+      AND o.user_id NOT IN (10001, 10002)" in diff


# -- history ------------------------------------------------------------------------------------------------
def test_history_has_succeeded_failed_and_rerun_instances(api: Api) -> None:
    rows = _cycle_instances(api)
    assert {r.bizdate for r in rows} == set(BIZDATES)
    assert len(rows) == 3 * len(pipeline.NODES)
    by = {(r.node_name, r.bizdate): r for r in rows}
    for day in BIZDATES[:2]:
        for node in pipeline.NODES:
            r = by[(node.name, day)]
            assert r.state == State.SUCCESS, (node.name, day, r.error)
        assert by[("alert_low_volume", day)].sched_type == SchedType.CONDITION_UNCHOOSE
    # the late export: failed at 00:10, rerun by on-call at 09:42
    late = by[(pipeline.LATE_NODE, LATE)]
    assert late.run_no == 2 and late.state == State.SUCCESS
    assert late.finished_at == "2025-03-14 09:42:00"
    _, first = api.ops.log(late.id, 1)
    assert "is incomplete" in first and "failed: shell exited with status 1" in first
    _, second = api.ops.log(late.id, 2)
    assert "is complete (rows=20000)" in second
    assert by[("dwd_log_info_di", LATE)].started_at == "2025-03-14 09:42:00"
    # the open incident: the malformed amount, its descendants waiting
    dirty = by[(pipeline.DIRTY_NODE, DIRTY)]
    assert dirty.state == State.FAILURE and "1,299.00" in (dirty.error or "")
    for name in ("dws_trade_user_1d", "count_paid_orders", "ads_gmv_report_1d", "trade_daily_end"):
        assert by[(name, DIRTY)].state == State.NOT_RUN, name
    assert by[("user_behavior_end", DIRTY)].state == State.SUCCESS
    failed = [r for r in rows if r.state == State.FAILURE]
    assert [(r.node_name, r.bizdate) for r in failed] == [(pipeline.DIRTY_NODE, DIRTY)]
    assert not [r for r in rows if r.state in (State.WAIT_TIME, State.WAIT_RESOURCE, State.RUNNING)]


def test_why_explains_the_open_incident(api: Api) -> None:
    (end,) = _cycle_instances(api, node="trade_daily_end", bizdate=DIRTY)
    (top,) = _cycle_instances(api, node="dws_trade_user_1d", bizdate=DIRTY)
    assert any("waiting for upstream" in line for line in api.ops.why(end.id))
    assert any("which is failed" in line and "1,299.00" in line for line in api.ops.why(top.id))


def test_the_pipeline_produced_plausible_reports(ws: Workspace) -> None:
    parsed = dict(_query(ws, "SELECT dt, count(*) FROM dwd_log_info_di GROUP BY dt"))
    assert all(18_000 < n < demo_data.LOG_LINES for n in parsed.values())  # crawlers removed
    bots = _query(
        ws, "SELECT count(*) FROM dwd_log_info_di WHERE client NOT IN ('app', 'wechat', 'browser')"
    )
    assert bots == [(0,)]
    segments = _query(ws, "SELECT sum(visitors) FROM ads_user_segment_1d WHERE dt = '20250312'")
    visitors = _query(ws, "SELECT count(*) FROM dws_user_info_all_di WHERE dt = '20250312'")
    assert segments == visitors and 1000 < visitors[0][0] < demo_data.USERS
    gmv = _query(
        ws, "SELECT sum(gmv), sum(paid_orders) FROM ads_gmv_report_1d WHERE dt = '20250313'"
    )
    paid = _query(
        ws,
        "SELECT sum(amount), count(*) FROM dwd_trade_order_di WHERE dt = '20250313' AND status IN ('PAID', 'REFUNDED')",
    )
    assert gmv == paid
    top = _query(
        ws,
        "SELECT category, max(rank_no), min(rank_no) FROM ads_top_items_1d WHERE dt = '20250313' GROUP BY category",
    )
    assert len(top) >= 8 and all(r[1] == 10 and r[2] == 1 for r in top)
    assert (
        _query(
            ws, "SELECT count(*) FROM dws_user_active_7d WHERE dt = '20250314' AND active_days = 3"
        )[0][0]
        > 0
    )


@pytest.mark.slow
def test_a_build_just_after_midnight_leaves_tonights_runs_in_progress(tmp_path: Path) -> None:
    ws = create_demo(tmp_path / "shop", now=datetime(2025, 3, 15, 0, 30), days=2, scale=SMALL)
    api = Api(ws)
    tonight = {r.node_name: r.state for r in _cycle_instances(api, bizdate="20250314")}
    assert len(tonight) == len(pipeline.NODES)
    assert tonight["dws_user_active_7d"] == State.SUCCESS  # scheduled 00:30
    assert tonight["ads_user_segment_1d"] == State.WAIT_TIME  # 00:40, still to come
    failed = [(r.node_name, r.bizdate) for r in _cycle_instances(api) if r.state == State.FAILURE]
    assert failed == [(pipeline.DIRTY_NODE, "20250313")]


# -- determinism and Run -----------------------------------------------------------------------------------------
def _contents(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    tables = [r[0] for r in _query(ws, "SELECT name FROM _mw.tables ORDER BY name")]
    return {t: _query(ws, f'SELECT * FROM main."{t}" ORDER BY ALL') for t in tables}


def _node_files(ws: Workspace) -> dict[str, str]:
    return {
        str(p.relative_to(ws.root)): p.read_text() for p in sorted(ws.workflows_dir.rglob("*.*"))
    }


@pytest.mark.slow
def test_two_builds_are_identical(tmp_path: Path) -> None:
    first = create_demo(tmp_path / "a", now=NOW, days=2, scale=SMALL, user="alice")
    second = create_demo(tmp_path / "b", now=NOW, days=2, scale=SMALL, user="alice")
    a, b = _contents(first), _contents(second)
    assert a.keys() == b.keys() and len(a) == 13
    for table in a:
        assert a[table] == b[table], table
    assert _node_files(first) == _node_files(second)
    states = [
        [(r.node_name, r.bizdate, r.state, r.run_no) for r in _cycle_instances(Api(w))]
        for w in (first, second)
    ]
    assert states[0] == states[1]
    # the seed decides the data
    seeded = Workspace.init(tmp_path / "c", project="demo")
    source = demo_data.SourceData(
        Api(seeded), seed=7, sizes=demo_data.Sizes.at(SMALL), last_day=date(2025, 3, 14)
    )
    source.create_tables()
    source.load_day(date(2025, 3, 13))
    logs = _query(seeded, "SELECT * FROM main.ods_raw_log_d WHERE dt = '20250313' ORDER BY ALL")
    assert len(logs) == len([r for r in a["ods_raw_log_d"] if r[1] == "20250313"])
    assert logs != [r for r in a["ods_raw_log_d"] if r[1] == "20250313"]


@pytest.mark.slow
def test_every_sql_node_runs_for_another_business_date(tmp_path: Path) -> None:
    """DataStudio's Run (working copy, dev) and Operation Center's test run (deployed, prod) of
    every SQL node, in dependency order, for the business date the scheduler never ran."""
    from engine.cli import main

    ws = create_demo(tmp_path / "shop", now=NOW, days=2, scale=SMALL, user="alice")
    order = [n.name for n in pipeline.NODES if n.type in (NodeType.ODPS_SQL, NodeType.ASSIGNMENT)]
    runner = CliRunner()
    for deployed in (False, True):
        for name in order:
            args = ["-w", str(ws.root), "node", "run", name, "--bizdate", "20250312"]
            result = runner.invoke(main, args + (["--deployed"] if deployed else []))
            assert result.exit_code == 0, (name, deployed, result.output)
            assert "succeeded" in result.output
    dev = _query(ws, "SELECT count(*) FROM ads_gmv_report_1d WHERE dt = '20250312'", "demo_dev")
    assert dev[0][0] > 0


# -- refusals -------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_refuses_a_non_empty_directory_and_replaces_only_a_demo(tmp_path: Path) -> None:
    other = tmp_path / "notes"
    other.mkdir()
    (other / "todo.txt").write_text("keep me")
    with pytest.raises(WorkspaceError, match="not empty"):
        create_demo(other, now=NOW, scale=SMALL)
    with pytest.raises(WorkspaceError, match="not empty"):
        create_demo(other, now=NOW, scale=SMALL, replace=True)
    assert (other / "todo.txt").read_text() == "keep me"
    plain = Workspace.init(tmp_path / "plain", project="shop")
    assert not is_demo(plain.root)
    with pytest.raises(WorkspaceError):
        create_demo(plain.root, now=NOW, scale=SMALL, replace=True)

    empty = tmp_path / "empty"
    empty.mkdir()
    ws = create_demo(empty, now=NOW, days=1, scale=SMALL)
    assert is_demo(ws.root) and read_marker(ws.root)["late_bizdate"] is None
    (ws.root / "scratch.sql").write_text("SELECT 1;")
    again = create_demo(empty, now=NOW, days=2, scale=SMALL, replace=True)
    assert not (again.root / "scratch.sql").exists()
    assert read_marker(again.root)["bizdates"] == ["20250313", "20250314"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "notes", "plain"]


def test_a_failed_build_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.demo import build

    def boom(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(build, "_edit_working_copy", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        create_demo(tmp_path / "shop", now=NOW, days=1, scale=SMALL)
    assert list(tmp_path.iterdir()) == []


# -- the command ------------------------------------------------------------------------------------------------
def _demo(args: list[str]) -> Any:
    from engine.cli.demo_cmd import demo

    return CliRunner().invoke(demo, args)


def test_command_builds_then_opens_the_existing_demo(tmp_path: Path) -> None:
    target = tmp_path / "shop"
    args = [str(target), "--no-app", "--now", "2025-03-15 10:00:00", "--scale", str(SMALL)]
    first = _demo(args)
    assert first.exit_code == 0, first.output
    out = first.output
    assert "Building the demo workspace in" in out and "Built the demo in" in out
    assert "19 nodes in 2 workflows: trade_daily, user_behavior" in out
    assert "1 failed" in out and "1 rerun after a failure" in out
    assert f"uncommitted edits: {pipeline.WIP_NODE}" in out
    assert f"maxworks -w {target} instances" in out
    again = _demo(args)
    assert again.exit_code == 0, again.output
    assert "already in" in again.output and "Building" not in again.output


@pytest.mark.slow
def test_command_force_rebuilds_only_a_demo(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "mine", project="shop")
    refused = _demo([str(tmp_path / "mine"), "--no-app", "--force", "--scale", str(SMALL)])
    assert refused.exit_code == 1
    assert "not a demo" in refused.output and "nothing was changed" in refused.output
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    refused = _demo([str(busy), "--no-app", "--scale", str(SMALL)])
    assert refused.exit_code == 1 and "not empty" in refused.output

    target = str(tmp_path / "shop")
    common = ["--no-app", "--now", "2025-03-15 10:00:00", "--scale", str(SMALL)]
    assert _demo([target, *common, "--days", "1"]).exit_code == 0
    rebuilt = _demo([target, *common, "--days", "2", "--force"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Building" in rebuilt.output
    assert read_marker(Path(target))["bizdates"] == ["20250313", "20250314"]
    # not while its scheduler runs (the app, or `maxworks scheduler`)
    sched = Api.open(Path(target)).ops.scheduler()
    sched.start()
    try:
        busy_demo = _demo([target, *common, "--force"])
    finally:
        sched.stop()
    assert busy_demo.exit_code == 1 and "scheduler is running" in busy_demo.output


def test_command_defaults_to_maxworks_demo_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = _demo(["--no-app", "--scale", str(SMALL), "--days", "1"])
    assert result.exit_code == 0, result.output
    assert is_demo(tmp_path / "maxworks-demo")
    assert "maxworks -w maxworks-demo instances" in result.output


def test_command_without_a_terminal_prints_next_steps(tmp_path: Path) -> None:
    target = tmp_path / "shop"
    result = _demo([str(target), "--scale", str(SMALL), "--days", "1"])
    assert result.exit_code == 0, result.output
    assert "Not a terminal" in result.output and "Explore it:" in result.output


def test_command_opens_the_app_on_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.cli import demo_cmd, workspace_option

    seen: list[Path | None] = []

    @click.command("app")
    @click.pass_context
    def fake_app(ctx: click.Context) -> None:
        seen.append(workspace_option(ctx))

    module = types.ModuleType("engine.cli.app_cmd")
    module.app = fake_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "engine.cli.app_cmd", module)
    monkeypatch.setattr(demo_cmd, "_cannot_open", lambda: None)
    target = tmp_path / "shop"
    result = _demo([str(target), "--scale", str(SMALL), "--days", "1"])
    assert result.exit_code == 0, result.output
    assert seen == [target]
    assert "Explore it:" not in result.output


def test_command_without_the_app_module_prints_next_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    from engine.cli import demo_cmd

    real = importlib.import_module

    def missing(name: str, *args: Any) -> Any:
        if name == "engine.cli.app_cmd":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", missing)
    monkeypatch.setattr(demo_cmd, "_cannot_open", lambda: None)
    result = _demo([str(tmp_path / "shop"), "--scale", str(SMALL), "--days", "1"])
    assert result.exit_code == 0, result.output
    assert "not part of this build" in result.output and "Explore it:" in result.output
