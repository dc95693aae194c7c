"""Operation Center operations and their refusals, backfill and test runs (real state.db)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from engine.api import Api
from engine.errors import MaxworksError
from engine.ops.instances import Refused
from engine.scheduler.loop import Scheduler
from engine.scheduler.model import SchedType, State
from engine.workspace import Workspace
from tests.scheduler_support import at, deploy, instances, spec

S, F, NR = int(State.SUCCESS), int(State.FAILURE), int(State.NOT_RUN)
NOW = at("2025-03-15 12:00:00")


@pytest.fixture
def ws(tmp_path) -> Workspace:  # type: ignore[no-untyped-def]
    return Workspace.init(tmp_path / "ws", project="shop")


@pytest.fixture
def api(ws: Workspace) -> Api:
    return Api(ws, user="ops", clock=lambda: NOW)


@pytest.fixture
def sched(ws: Workspace) -> Iterator[Scheduler]:
    s = Scheduler(ws, clock=lambda: NOW)
    s.start()
    yield s
    s.stop()


def run_day(sched: Scheduler) -> None:
    sched.run_until_idle(at("2025-03-15 00:00:00"), until=at("2025-03-15 20:00:00"))


def by_name(sched: Scheduler) -> dict[str, dict]:  # type: ignore[type-arg]
    return {r["node_name"]: r for r in instances(sched, "dag_type = 0")}


def test_rerun_refusals_follow_the_rerun_property(
    ws: Workspace, api: Api, sched: Scheduler
) -> None:
    deploy(
        ws,
        spec("ok_fail_only", "shell", code="true", rerun_mode="failure_only"),
        spec("never", "shell", code="false", rerun_mode="never"),
    )
    run_day(sched)
    rows = by_name(sched)
    with pytest.raises(Refused, match="allows rerun upon failure only"):
        api.ops.rerun([rows["ok_fail_only"]["id"]])
    with pytest.raises(Refused, match="disallow regardless"):
        api.ops.rerun([rows["never"]["id"]])


def test_rerun_a_failed_instance_runs_it_again(ws: Workspace, api: Api, sched: Scheduler) -> None:
    flag = ws.root / "flag"
    deploy(
        ws,
        spec("needs_flag", "shell", code=f"test -f {flag}"),
        spec("child", inputs=("shop.needs_flag",)),
    )
    run_day(sched)
    rows = by_name(sched)
    assert (rows["needs_flag"]["state"], rows["child"]["state"]) == (F, NR)
    flag.write_text("x")
    api.ops.rerun([rows["needs_flag"]["id"]])
    run_day(sched)
    rows = by_name(sched)
    assert (rows["needs_flag"]["state"], rows["needs_flag"]["run_no"], rows["child"]["state"]) == (
        S,
        2,
        S,
    )
    codes = [
        r[0] for r in sched.db.conn.execute("SELECT code FROM events WHERE code = 'rerun-instance'")
    ]
    assert codes == ["rerun-instance"]


def test_set_success_releases_descendants(ws: Workspace, api: Api, sched: Scheduler) -> None:
    deploy(
        ws,
        spec("broken", "shell", code="false"),
        spec("child", "shell", code="true", inputs=("shop.broken",)),
    )
    run_day(sched)
    rows = by_name(sched)
    api.ops.set_success([rows["broken"]["id"]])
    run_day(sched)
    rows = by_name(sched)
    assert rows["broken"]["forced_success"] == 1 and rows["child"]["state"] == S
    with pytest.raises(Refused, match="already succeeded"):
        api.ops.set_success([rows["child"]["id"]])


def test_kill_waiting_instance_and_refuse_finished(
    ws: Workspace, api: Api, sched: Scheduler
) -> None:
    deploy(ws, spec("later", "shell", code="true", cron="00 00 18 * * ?"), spec("done"))
    sched.tick(at("2025-03-15 01:00:00"))
    rows = by_name(sched)
    api.ops.kill([rows["later"]["id"]])
    assert by_name(sched)["later"]["state"] == F
    with pytest.raises(Refused, match="only running or waiting"):
        api.ops.kill([rows["done"]["id"]])


def test_kill_running_instance_through_the_leader(
    ws: Workspace, api: Api, sched: Scheduler
) -> None:
    deploy(ws, spec("long", "shell", code="sleep 30"))
    sched.tick(at("2025-03-15 00:00:00"))
    iid = by_name(sched)["long"]["id"]
    assert by_name(sched)["long"]["state"] == int(State.RUNNING)
    api.ops.kill([iid])
    sched.tick(at("2025-03-15 00:00:01"))  # the leader carries out the request
    assert sched.runner is not None
    sched.runner.wait_any(10)
    sched.tick(at("2025-03-15 00:00:02"))
    row = by_name(sched)["long"]
    assert (row["state"], row["error"]) == (F, "killed by an operator")


def test_freeze_instance_blocks_it_until_unfrozen(
    ws: Workspace, api: Api, sched: Scheduler
) -> None:
    deploy(ws, spec("later", cron="00 00 18 * * ?"), spec("after", inputs=("shop.later",)))
    sched.tick(at("2025-03-15 01:00:00"))
    iid = by_name(sched)["later"]["id"]
    api.ops.freeze([iid])
    sched.run_until_idle(at("2025-03-15 01:00:00"), until=at("2025-03-15 20:00:00"))
    assert {n: r["state"] for n, r in by_name(sched).items()} == {"later": NR, "after": NR}
    api.ops.freeze([iid], frozen=False)
    sched.run_until_idle(at("2025-03-15 20:00:00"), until=at("2025-03-15 21:00:00"))
    assert {n: r["state"] for n, r in by_name(sched).items()} == {"later": S, "after": S}


def test_remove_upstream_dependencies(ws: Workspace, api: Api, sched: Scheduler) -> None:
    deploy(ws, spec("broken", "shell", code="false"), spec("child", inputs=("shop.broken",)))
    run_day(sched)
    child = by_name(sched)["child"]
    removed = api.ops.remove_upstream(child["id"])
    assert removed == [by_name(sched)["broken"]["id"]]
    run_day(sched)
    assert by_name(sched)["child"]["state"] == S


def test_rerun_downstream_reruns_finished_descendants(
    ws: Workspace, api: Api, sched: Scheduler
) -> None:
    deploy(
        ws,
        spec("a", "shell", code="true"),
        spec("b", "shell", code="true", inputs=("shop.a",)),
        spec("c", inputs=("shop.b",)),
    )
    run_day(sched)
    rows = by_name(sched)
    rerun = api.ops.rerun_downstream(rows["a"]["id"])
    assert sorted(rerun) == sorted(r["id"] for r in rows.values())
    assert {n: r["state"] for n, r in by_name(sched).items()} == {"a": NR, "b": NR, "c": NR}
    run_day(sched)
    assert {n: (r["state"], r["run_no"]) for n, r in by_name(sched).items() if n != "c"} == {
        "a": (S, 2),
        "b": (S, 2),
    }


def test_freeze_node_affects_future_generation(ws: Workspace, api: Api, sched: Scheduler) -> None:
    deploy(ws, spec("n"))
    sched.tick(at("2025-03-15 00:00:00"))
    api.ops.freeze_node("n")
    sched.tick(at("2025-03-15 23:30:00"))
    tomorrow = instances(sched, "bizdate = '20250315'")[0]
    assert tomorrow["sched_type"] == int(SchedType.PAUSE)
    with pytest.raises(MaxworksError, match="not deployed"):
        api.ops.freeze_node("nope")


def test_backfill_uses_backfill_params_and_runs_dates_in_order(
    ws: Workspace, api: Api, sched: Scheduler
) -> None:
    out = ws.root / "out.txt"
    deploy(
        ws,
        spec("root", "shell", code=f'echo "$1 $2" >> {out}', params=(("d", "${yyyymmdd}"), ("t", "$[yyyymmddhh24miss]")), cron="00 30 02 * * ?"),
        spec("child", "shell", code="true", inputs=("shop.root",)),
        spec("skipped", "shell", code="false", inputs=("shop.root",)),
    )  # fmt: skip
    run = api.ops.backfill(
        "root", [(date(2025, 3, 1), date(2025, 3, 3))], downstream=True, exclude=["skipped"]
    )
    assert run.nodes == ("root", "child", "skipped") and len(run.instance_ids) == 9
    sched.scope = (3, run.id)
    sched.generate = False
    sched.run_until_idle(NOW)
    assert out.read_text().splitlines() == [
        "20250301 20250302023000",
        "20250302 20250303023000",
        "20250303 20250304023000",
    ]
    rows = instances(sched, "dag_type = 3")
    assert all(r["state"] == S for r in rows)
    assert {r["sched_type"] for r in rows if r["node_name"] == "skipped"} == {
        int(SchedType.SKIP_UNCHOOSE)
    }
    finish = {r["bizdate"]: r["finished_at"] for r in rows if r["node_name"] == "root"}
    assert len(finish) == 3


def test_backfill_refusals(ws: Workspace, api: Api) -> None:
    deploy(ws, spec("root"), spec("child", inputs=("shop.root",)))
    with pytest.raises(MaxworksError, match="not deployed"):
        api.ops.backfill("nope", [(date(2025, 3, 1), date(2025, 3, 1))])
    with pytest.raises(MaxworksError, match="ends before it starts"):
        api.ops.backfill("root", [(date(2025, 3, 2), date(2025, 3, 1))])
    with pytest.raises(MaxworksError, match="root node of a backfill cannot be excluded"):
        api.ops.backfill(
            "root", [(date(2025, 3, 1), date(2025, 3, 1))], downstream=True, exclude=["root"]
        )
    preview = api.ops.backfill(
        "root", [(date(2025, 3, 1), date(2025, 3, 2))], downstream=True, parallel=2, preview=True
    )
    assert len(preview.instance_ids) == 4
    db = ws.open_state()
    assert (
        db.conn.execute("SELECT count(*) FROM instances").fetchone()[0] == 0
    )  # a preview writes nothing
    db.close()


def test_backfill_parallel_groups_serialise_dates_within_a_group(ws: Workspace, api: Api) -> None:
    deploy(ws, spec("n"))
    run = api.ops.backfill("n", [(date(2025, 3, 1), date(2025, 3, 4))], parallel=2)
    db = ws.open_state()
    deps = db.conn.execute(
        "SELECT i.bizdate, u.bizdate FROM instance_deps d JOIN instances i ON i.id = d.instance_id "
        "JOIN instances u ON u.id = d.upstream_id ORDER BY i.bizdate"
    ).fetchall()
    db.close()
    assert deps == [("20250303", "20250301"), ("20250304", "20250302")]
    assert len(run.bizdates) == 4


def test_test_run_of_deployed_node_is_billed_and_scoped(ws: Workspace, api: Api) -> None:
    deploy(ws, spec("n", "shell", code="true"), spec("other", "shell", code="true"))
    iid = api.ops.test_run("n", date(2025, 3, 1))
    (info,) = api.ops.wait([iid], scope=(2, api.ops.instance(iid).dag_id))
    assert info.state == State.SUCCESS and info.bizdate == "20250301"
    db = ws.open_state()
    assert (
        db.conn.execute("SELECT count(*) FROM instances").fetchone()[0] == 1
    )  # nothing else was generated
    assert db.conn.execute("SELECT count(*) FROM usage_ledger").fetchone()[0] == 1
    db.close()


def test_rerun_after_a_fix_runs_the_newly_deployed_code(
    ws: Workspace, api: Api, sched: Scheduler
) -> None:
    deploy(ws, spec("job", "shell", code="exit 3"))
    run_day(sched)
    iid = by_name(sched)["job"]["id"]
    assert by_name(sched)["job"]["state"] == F
    deploy(
        ws, spec("job", "shell", code="true"), at="2025-03-15 10:00:00"
    )  # the fix, deployed as v2
    api.ops.rerun([iid])
    run_day(sched)
    row = by_name(sched)["job"]
    assert (row["state"], row["version"], row["run_no"]) == (S, 2, 2)
