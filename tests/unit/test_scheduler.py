"""The scheduler loop on real state.db and warehouse files, with simulated time (no sleeping)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.executors.local.executor import LocalExecutor
from engine.scheduler.loop import NotLeader, Scheduler
from engine.scheduler.model import SchedType, State
from engine.studio.spec import BranchCondition, CrossCycle
from engine.workspace import Workspace
from tests.scheduler_support import at, deploy, instances, spec, states

S, F, NR, WT = int(State.SUCCESS), int(State.FAILURE), int(State.NOT_RUN), int(State.WAIT_TIME)


@pytest.fixture
def ws(tmp_path) -> Workspace:  # type: ignore[no-untyped-def]
    return Workspace.init(tmp_path / "ws", project="shop")


@pytest.fixture
def sched(ws: Workspace) -> Iterator[Scheduler]:
    s = Scheduler(ws, clock=lambda: at("2025-03-15 00:00:00"))
    s.start()
    yield s
    s.stop()


def test_daily_pipeline_runs_in_dependency_order(ws: Workspace, sched: Scheduler) -> None:
    deploy(
        ws,
        spec("start"),
        spec("ods", "odps_sql", cron="00 30 00 * * ?", inputs=("shop.start",), outputs=("shop.ods_t",),
             code="CREATE TABLE IF NOT EXISTS ods_t (a BIGINT) PARTITIONED BY (dt STRING);\n"
                  "INSERT OVERWRITE TABLE ods_t PARTITION (dt='${bizdate}') SELECT 41;"),
        spec("dws", "odps_sql", cron="00 00 01 * * ?", inputs=("shop.ods_t",),
             code="CREATE TABLE IF NOT EXISTS dws_t (n BIGINT) PARTITIONED BY (dt STRING);\n"
                  "INSERT OVERWRITE TABLE dws_t PARTITION (dt='${bizdate}') SELECT max(a) + 1 FROM ods_t WHERE dt='${bizdate}';"),
    )  # fmt: skip
    sched.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-15 23:00:00"))
    assert states(sched) == {"start": S, "ods@00:30": S, "dws@01:00": S}
    rows = instances(sched)
    assert [r["bizdate"] for r in rows] == ["20250314"] * 3
    assert rows[1]["started_at"] == "2025-03-15 00:30:00"  # waited for its scheduled time
    with LocalExecutor(ws, "prod") as ex:
        last = ex.run_script("SELECT n FROM dws_t WHERE dt = '20250314'").last_query
        assert last is not None and list(last.rows or []) == [(42,)]


def test_waits_for_scheduled_time(ws: Workspace, sched: Scheduler) -> None:
    deploy(ws, spec("late", cron="00 00 05 * * ?"))
    sched.tick(at("2025-03-15 01:00:00"))
    assert states(sched) == {"late@05:00": WT}
    sched.tick(at("2025-03-15 05:00:00"))
    assert states(sched) == {"late@05:00": S}


def test_auto_rerun_then_fail(ws: Workspace, sched: Scheduler) -> None:
    deploy(ws, spec("flaky", "shell", code="exit 7", rerun_times=2, rerun_interval_minutes=5))
    sched.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-15 01:00:00"))
    (row,) = instances(sched)
    assert (row["state"], row["run_no"], row["error"]) == (F, 3, "shell exited with status 7")
    assert row["finished_at"] == "2025-03-15 00:10:00"  # two retries five minutes apart


def test_never_rerun_mode_disables_auto_rerun(ws: Workspace, sched: Scheduler) -> None:
    deploy(ws, spec("once", "shell", code="exit 1", rerun_times=3, rerun_mode="never"))
    sched.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-15 01:00:00"))
    assert instances(sched)[0]["run_no"] == 1


def test_timeout_fails_without_auto_rerun(ws: Workspace) -> None:
    deploy(ws, spec("slow", "shell", code="sleep 30", timeout_minutes=1, rerun_times=3))
    clock = {"now": at("2025-03-15 00:00:00")}
    s = Scheduler(ws, clock=lambda: clock["now"])
    s.start()
    try:
        s.tick(clock["now"])
        assert instances(s)[0]["state"] == int(State.RUNNING)
        s.tick(at("2025-03-15 00:01:00"))  # the timeout is reached: the run is killed
        assert s.runner is not None
        s.runner.wait_any(10)
        s.tick(at("2025-03-15 00:01:01"))
        row = instances(s)[0]
        assert row["state"] == F and row["error"].startswith("timeout") and row["run_no"] == 1
    finally:
        s.stop()


def test_dry_run_frozen_node_and_weekly_skip(ws: Workspace, sched: Scheduler) -> None:
    deploy(
        ws,
        spec("dry", recurrence="skip"),
        spec("paused", recurrence="pause"),
        spec("after_paused", inputs=("shop.paused",)),
        spec(
            "weekly", "shell", code="exit 1", cron="00 00 00 ? * 2"
        ),  # Mondays; 2025-03-15 is a Saturday
    )
    sched.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-15 12:00:00"))
    rows = {r["node_name"]: r for r in instances(sched)}
    assert (rows["dry"]["state"], rows["dry"]["sched_type"]) == (S, int(SchedType.SKIP))
    assert (rows["paused"]["state"], rows["paused"]["sched_type"]) == (F, int(SchedType.PAUSE))
    assert rows["after_paused"]["state"] == NR  # blocked by the frozen node
    assert (rows["weekly"]["state"], rows["weekly"]["sched_type"]) == (S, int(SchedType.SKIP_CYCLE))


def test_hourly_after_daily_and_daily_after_hourly(ws: Workspace, sched: Scheduler) -> None:
    deploy(
        ws,
        spec("day_src", cron="00 00 02 * * ?"),
        spec("hourly", cron="00 00 00-23/6 * * ?", inputs=("shop.day_src",)),
        spec("day_sink", cron="00 00 01 * * ?", inputs=("shop.hourly",)),
    )
    sched.tick(at("2025-03-15 00:00:00"))
    hourly = instances(sched, "node_name = 'hourly'")
    assert [r["cyctime"][11:16] for r in hourly] == ["00:00", "06:00", "12:00", "18:00"]
    deps = sched.db.conn.execute(
        "SELECT i.node_name, i.cyctime, u.node_name FROM instance_deps d JOIN instances i ON i.id = d.instance_id "
        "JOIN instances u ON u.id = d.upstream_id ORDER BY i.id, u.id"
    ).fetchall()
    assert (
        sum(1 for d in deps if d[0] == "hourly" and d[2] == "day_src") == 4
    )  # every hour on the day instance
    assert sum(1 for d in deps if d[0] == "day_sink") == 4  # the day instance on all hourly ones
    sched.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-15 23:00:00"))
    sink = instances(sched, "node_name = 'day_sink'")[0]
    assert sink["state"] == S and sink["finished_at"] == "2025-03-15 18:00:00"


def test_self_dependency_waits_for_previous_day(ws: Workspace, sched: Scheduler) -> None:
    deploy(
        ws,
        spec(
            "acc",
            "shell",
            code='test "$1" != 20250314',
            params=(("d", "$bizdate"),),
            cross_cycle=CrossCycle(self_dependency=True),
        ),
    )
    sched.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-17 12:00:00"))
    rows = instances(sched)
    assert [(r["bizdate"], r["state"]) for r in rows] == [
        ("20250314", F),
        ("20250315", NR),
        ("20250316", NR),
    ]


def test_resource_group_slots_and_priority(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = Workspace.init(tmp_path / "w", project="shop")
    text = (ws.root / "maxworks.toml").read_text().replace("slots = 4", "slots = 1")
    (ws.root / "maxworks.toml").write_text(text)
    ws = Workspace.load(ws.root)
    deploy(
        ws,
        spec("low", "shell", code="true", priority=1),
        spec("high", "shell", code="true", priority=8),
    )
    s = Scheduler(ws)
    s.start()
    try:
        s.tick(at("2025-03-15 00:00:00"))
        running = instances(s, "state = ?", (int(State.RUNNING),))
        assert [r["node_name"] for r in running] == ["high"]
        assert instances(s, "node_name = 'low'")[0]["state"] == int(State.WAIT_RESOURCE)
        s.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-15 01:00:00"))
        assert {r["node_name"]: r["state"] for r in instances(s)} == {"low": S, "high": S}
    finally:
        s.stop()


def test_branch_selects_one_side_and_merge_always_runs(ws: Workspace, sched: Scheduler) -> None:
    deploy(
        ws,
        spec("assign", "assignment", code="SELECT 'big' AS size"),
        spec("branch", "branch", inputs=("shop.assign",), params=(("size", "assign.outputs"),),
             branches=(BranchCondition("'${size}' == 'big'", "shop.branch_big"), BranchCondition("'${size}' == 'small'", "shop.branch_small"))),
        spec("on_big", inputs=("shop.branch_big",)),
        spec("on_small", inputs=("shop.branch_small",)),
        spec("below_small", inputs=("shop.on_small",)),
        spec("merge", "merge", inputs=("shop.on_big", "shop.on_small")),
    )  # fmt: skip
    sched.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-15 12:00:00"))
    rows = {r["node_name"]: r for r in instances(sched)}
    assert rows["assign"]["outputs"] == '[["big"]]'
    assert (rows["on_big"]["state"], rows["on_big"]["sched_type"]) == (S, int(SchedType.NORMAL))
    assert (rows["on_small"]["state"], rows["on_small"]["sched_type"]) == (
        S,
        int(SchedType.CONDITION_UNCHOOSE),
    )
    assert rows["below_small"]["sched_type"] == int(SchedType.CONDITION_UNCHOOSE)
    assert (rows["merge"]["state"], rows["merge"]["sched_type"]) == (S, int(SchedType.NORMAL))


def test_usage_ledger_bills_only_real_successes(ws: Workspace, sched: Scheduler) -> None:
    deploy(
        ws,
        spec("v"),
        spec("ok", "shell", code="true"),
        spec("bad", "shell", code="false"),
        spec("dry", "shell", code="true", recurrence="skip"),
    )
    sched.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-15 12:00:00"))
    billed = sched.db.conn.execute(
        "SELECT i.node_name FROM usage_ledger u JOIN instances i ON i.id = u.instance_id"
    ).fetchall()
    assert billed == [("ok",)]


def test_every_status_change_is_an_event(ws: Workspace, sched: Scheduler) -> None:
    deploy(ws, spec("ok", "shell", code="true"))
    sched.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-15 01:00:00"))
    rows = sched.db.conn.execute("SELECT code, data FROM events ORDER BY id").fetchall()
    assert [r[1] for r in rows if r[0] == "instance-status-changes"] == [
        '{"status": 2}', '{"status": 3}', '{"status": 4}', '{"status": 6}'
    ]  # fmt: skip


def test_generation_is_once_per_day_and_t_plus_1(ws: Workspace, sched: Scheduler) -> None:
    deploy(ws, spec("old"))
    deploy(ws, spec("new_today"), at="2025-03-15 09:00:00")
    sched.tick(at("2025-03-15 10:00:00"))
    sched.tick(at("2025-03-15 11:00:00"))
    assert [r["node_name"] for r in instances(sched)] == ["old"]
    sched.tick(at("2025-03-15 23:30:00"))  # tomorrow's instances are generated at 23:30
    assert sorted(r["node_name"] for r in instances(sched, "bizdate = '20250315'")) == [
        "new_today",
        "old",
    ]


def test_second_leader_is_refused_and_expired_lease_is_taken_over(
    ws: Workspace, sched: Scheduler
) -> None:
    other = Scheduler(ws)
    with pytest.raises(NotLeader, match="already running"):
        other.start()
    other.db.conn.execute("UPDATE leases SET expires_at = 0")
    other.start()  # the first leader stopped heartbeating: take over
    with pytest.raises(NotLeader, match="lost the scheduler lease"):
        sched.tick(at("2025-03-15 00:00:00"))
    other.stop()


def test_crash_recovery_fails_interrupted_runs_and_retries(ws: Workspace) -> None:
    deploy(ws, spec("job", "shell", code="true", rerun_times=1))
    crashed = Scheduler(ws)
    crashed.start()
    crashed.tick(at("2025-03-15 00:00:00"))
    iid = instances(crashed)[0]["id"]
    crashed.db.conn.execute(
        f"UPDATE instances SET state = {int(State.RUNNING)}, leader = 'dead-process' WHERE id = ?",
        [iid],
    )
    crashed.db.conn.execute("UPDATE leases SET expires_at = 0")  # as if killed -9: no release
    assert crashed.runner is not None
    crashed.runner.close()
    crashed.db.close()
    heir = Scheduler(ws, clock=lambda: at("2025-03-15 00:00:00"))
    heir.start()
    try:
        row = instances(heir)[0]
        assert row["state"] == WT and "interrupted" in row["error"]
        heir.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-15 01:00:00"))
        assert instances(heir)[0]["state"] == S
    finally:
        heir.stop()


def test_immediately_mode_generates_at_deploy_with_the_ten_minute_rule(
    ws: Workspace, sched: Scheduler
) -> None:
    from engine.scheduler.immediate import generate_on_deploy

    deploy(ws, spec("other"))
    sched.tick(at("2025-03-15 09:00:00"))  # today is generated
    deploy(
        ws,
        spec("hourly_now", cron="00 00 * * * ?", instance_mode="immediately"),
        at="2025-03-15 09:55:00",
    )
    made = generate_on_deploy(sched.db, "shop", ["hourly_now"], at("2025-03-15 09:55:00"))
    assert made == 24
    rows = instances(sched, "node_name = 'hourly_now'")
    expired = [
        r["cyctime"][11:16] for r in rows if r["sched_type"] == int(SchedType.REALTIME_DEPRECATED)
    ]
    assert expired == [
        f"{h:02d}:00" for h in range(11)
    ]  # 10:00 is only 5 minutes away: expired too
    sched.run_until_idle(at("2025-03-15 09:55:00"), until=at("2025-03-15 12:30:00"))
    done = {r["cyctime"][11:16]: r["state"] for r in instances(sched, "node_name = 'hourly_now'")}
    assert done["11:00"] == S and done["12:00"] == S and done["13:00"] == WT


def test_leader_sweeps_lifecycles_daily(ws: Workspace) -> None:
    deploy(
        ws,
        spec("load", "odps_sql", code="CREATE TABLE IF NOT EXISTS tmp_daily (a BIGINT) PARTITIONED BY (dt STRING) LIFECYCLE 1;\n"
             "INSERT OVERWRITE TABLE tmp_daily PARTITION (dt='${bizdate}') SELECT 1;"),
    )  # fmt: skip
    s = Scheduler(ws, clock=lambda: at("2025-03-15 00:00:00"))
    s.start(at("2025-03-15 00:00:00"))
    try:
        s.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-18 12:00:00"))
    finally:
        s.stop()
    with LocalExecutor(ws, "prod") as ex:
        parts = ex.run_script("SHOW PARTITIONS tmp_daily").last_query
    assert parts is not None and [r[0] for r in parts.rows or []] in (
        ["dt=20250316", "dt=20250317"],
        ["dt=20250317"],
    )
    db = ws.open_state()
    swept = db.conn.execute("SELECT data FROM events WHERE code = 'lifecycle-sweep'").fetchall()
    db.close()
    assert any("tmp_daily/dt=20250314" in r[0] for r in swept)


def test_daily_node_on_previous_day_of_an_hourly_node_waits_for_all_of_them(
    ws: Workspace, sched: Scheduler
) -> None:
    deploy(
        ws,
        spec("hourly", cron="00 00 00-23/6 * * ?"),
        spec("daily", cron="00 00 03 * * ?", cross_cycle=CrossCycle(nodes=("hourly",))),
    )
    sched.tick(at("2025-03-15 00:00:00"))
    sched.tick(at("2025-03-15 23:30:00"))  # generates the 16th
    deps = sched.db.conn.execute(
        "SELECT u.cyctime FROM instance_deps d JOIN instances i ON i.id = d.instance_id "
        "JOIN instances u ON u.id = d.upstream_id WHERE i.node_name = 'daily' AND i.cyctime LIKE '2025-03-16%' ORDER BY 1"
    ).fetchall()
    assert [r[0][11:16] for r in deps] == ["00:00", "06:00", "12:00", "18:00"]
    assert {r[0][:10] for r in deps} == {"2025-03-15"}


def test_run_logs_are_stamped_on_the_schedulers_clock(ws: Workspace, sched: Scheduler) -> None:
    """A simulated day's logs read as that day's (they were stamped with today's wall clock)."""
    deploy(ws, spec("say", "shell", code="echo hello", cron="00 30 01 * * ?"))
    sched.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-15 03:00:00"))
    (row,) = instances(sched, "node_name = 'say'")
    text = (ws.logs_dir / str(row["id"]) / "1.log").read_text()
    stamps = [line[1:20] for line in text.splitlines() if line.startswith("[")]
    assert stamps and all(s.startswith("2025-03-15 01:30:") for s in stamps), text
