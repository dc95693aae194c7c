"""The scheduler on MaxCompute: jobs polled from the loop, and never submitted twice.

pyodps' real classes run against recorded REST payloads (tests/fixtures/maxcompute/replay.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.executors.maxcompute_config import MaxComputeConfig
from engine.scheduler.loop import Scheduler
from engine.scheduler.model import State
from engine.workspace import Workspace
from tests.fixtures.maxcompute.replay import (
    ENDPOINT,
    INSTANCES,
    PROJECT,
    TUNNEL,
    ReplayAdapter,
    created,
    default_routes,
    install,
    route_instance,
)
from tests.scheduler_support import at, deploy, instances, spec

I1 = "20250315020000001gab1"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ReplayAdapter]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("MAXWORKS_SCHEDULING_ACCESS_KEY_ID", "LTAI5tExampleKeyId01")
    monkeypatch.setenv("MAXWORKS_SCHEDULING_ACCESS_KEY_SECRET", "scheduling-secret-for-tests")
    adapter = default_routes(ReplayAdapter())
    install(monkeypatch, adapter)
    yield adapter


def test_leader_restart_reattaches_the_stored_job_instead_of_submitting_again(
    tmp_path: Path, server: ReplayAdapter
) -> None:
    config = MaxComputeConfig(ENDPOINT, tunnel_endpoint=TUNNEL, region="cn-shanghai")
    ws = Workspace.init(
        tmp_path / "ws", project=PROJECT, mode="basic", engine="maxcompute", maxcompute=config
    )
    deploy(
        ws,
        spec(
            "load",
            "odps_sql",
            code="INSERT OVERWRITE TABLE t PARTITION (dt='${bizdate}') SELECT 1;",
        ),
    )
    server.on("POST", INSTANCES, created(I1))
    route_instance(server, I1, states=("Running", "Running", "Terminated"), result="OK")
    now = at("2025-03-15 00:00:00")

    first = Scheduler(ws, clock=lambda: now)
    first.start(now)
    first.tick(now)  # dispatched, submitted after the tick committed, handle stored
    (row,) = instances(first)
    assert row["state"] == int(State.RUNNING) and I1 in (row["handle"] or "")
    assert len(server.requests_to("POST", INSTANCES)) == 1
    # the leader is killed -9: no release, nothing polled
    assert first.runner is not None
    first.runner.close()
    first.db.conn.execute("UPDATE leases SET expires_at = 0")
    first.db.close()

    heir = Scheduler(ws, clock=lambda: now)
    heir.start(now)
    try:
        heir.run_until_idle(now, until=at("2025-03-15 01:00:00"))
        (row,) = instances(heir)
        assert row["state"] == int(State.SUCCESS) and row["run_no"] == 1
    finally:
        heir.stop()
    assert len(server.requests_to("POST", INSTANCES)) == 1  # re-attached, never resubmitted
    posted = server.requests_to("POST", INSTANCES)[0].body
    assert (
        b"dt='20250314'" in posted
    )  # the user's SQL with parameters substituted, not a translation


def test_a_test_run_on_maxcompute_keeps_its_rows_for_the_grid(
    tmp_path: Path, server: ReplayAdapter
) -> None:
    """DataStudio's Run on MaxCompute: the test instance's last query comes back through the
    instance tunnel into its result file, as a local run's does (recorded payloads)."""
    import re
    from datetime import date

    from engine.api import Api
    from tests.fixtures.maxcompute.replay import Reply

    config = MaxComputeConfig(ENDPOINT, tunnel_endpoint=TUNNEL, region="cn-shanghai")
    ws = Workspace.init(
        tmp_path / "ws", project=PROJECT, mode="basic", engine="maxcompute", maxcompute=config
    )
    deploy(
        ws, spec("report", "odps_sql", code="SELECT id, name, amount FROM t WHERE dt='${bizdate}';")
    )
    server.on("POST", INSTANCES, created(I1))
    route_instance(server, I1, result="OK")
    tunnel = re.escape(f"/projects/{PROJECT}/instances/{I1}")
    server.on(
        "POST",
        tunnel,
        Reply.file("instance_download_session.json", 201, **{"Content-Type": "application/json"}),
        query=("downloads",),
    )
    server.on("GET", tunnel, Reply.file("instance_result_rows.pb"), query=("data",))
    now = at("2025-03-15 10:00:00")
    api = Api(ws, clock=lambda: now)
    iid = api.ops.test_run("report", date(2025, 3, 14))

    sched = Scheduler(ws, clock=lambda: now, generate=False)
    sched.start(now)
    try:
        sched.run_until_idle(now, until=at("2025-03-15 10:30:00"))
    finally:
        sched.stop()
    assert api.ops.instance(iid).state == State.SUCCESS
    rows = api.ops.result(iid)
    assert rows is not None
    assert [c.name for c in rows.columns] == ["id", "name", "amount"]
    assert rows.table.column(1).to_pylist()[:2] == ["alice", "bob"]
    assert len(server.requests_to("POST", INSTANCES)) == 1
