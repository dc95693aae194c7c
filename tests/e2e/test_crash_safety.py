"""Crash safety: kill -9 the scheduler at random moments, restart it, and compare with a run that
was never interrupted. No instance is lost, none that succeeded runs again, nothing stays Running,
and the warehouse holds exactly what the uninterrupted run produced."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.executors.local.executor import LocalExecutor
from engine.scheduler.model import State
from engine.workspace import Workspace
from tests.scheduler_support import deploy, spec

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent / "maxworks"
START = "2025-03-01 00:00:00"
DAYS = "3"


def pipeline(ws: Workspace) -> None:
    def sql(
        name: str, body: str, inputs: tuple[str, ...], outputs: tuple[str, ...], cron: str
    ) -> object:
        return spec(
            name,
            "odps_sql",
            code=body,
            inputs=inputs,
            outputs=outputs,
            cron=cron,
            rerun_times=5,
            rerun_interval_minutes=1,
        )

    deploy(
        ws,
        sql("seed", "CREATE TABLE IF NOT EXISTS seed (x BIGINT);\n"
            "INSERT OVERWRITE TABLE seed SELECT * FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) t(x);",
            (), ("shop.seed",), "00 00 00 * * ?"),
        sql("ods_a", "CREATE TABLE IF NOT EXISTS ods_a (k BIGINT, v BIGINT) PARTITIONED BY (dt STRING);\n"
            "INSERT OVERWRITE TABLE ods_a PARTITION (dt='${bizdate}') SELECT a.x * 1000 + b.x * 100 + c.x * 10 + d.x, "
            "(a.x + b.x + c.x + d.x) * CAST(SUBSTR('${bizdate}', 7, 2) AS BIGINT) FROM seed a CROSS JOIN seed b CROSS JOIN seed c CROSS JOIN seed d;",
            ("shop.seed",), ("shop.ods_a",), "00 10 00 * * ?"),
        sql("ods_b", "CREATE TABLE IF NOT EXISTS ods_b (k BIGINT, w STRING) PARTITIONED BY (dt STRING);\n"
            "INSERT OVERWRITE TABLE ods_b PARTITION (dt='${bizdate}') SELECT a.x * 1000 + b.x * 100 + c.x * 10 + d.x, CONCAT('w', CAST(d.x % 7 AS STRING)) "
            "FROM seed a CROSS JOIN seed b CROSS JOIN seed c CROSS JOIN seed d;",
            ("shop.seed",), ("shop.ods_b",), "00 10 00 * * ?"),
        sql("dwd", "CREATE TABLE IF NOT EXISTS dwd (k BIGINT, v BIGINT, w STRING) PARTITIONED BY (dt STRING);\n"
            "INSERT OVERWRITE TABLE dwd PARTITION (dt='${bizdate}') SELECT a.k, a.v, b.w FROM ods_a a JOIN ods_b b ON a.k = b.k AND b.dt = '${bizdate}' WHERE a.dt = '${bizdate}';",
            ("shop.ods_a", "shop.ods_b"), ("shop.dwd",), "00 20 00 * * ?"),
        sql("dws", "CREATE TABLE IF NOT EXISTS dws (w STRING, total BIGINT, n BIGINT) PARTITIONED BY (dt STRING);\n"
            "INSERT OVERWRITE TABLE dws PARTITION (dt='${bizdate}') SELECT w, SUM(v), COUNT(*) FROM dwd WHERE dt = '${bizdate}' GROUP BY w;",
            ("shop.dwd",), ("shop.dws",), "00 30 00 * * ?"),
        sql("ads", "CREATE TABLE IF NOT EXISTS ads (total BIGINT) PARTITIONED BY (dt STRING);\n"
            "INSERT OVERWRITE TABLE ads PARTITION (dt='${bizdate}') SELECT SUM(total) FROM dws WHERE dt = '${bizdate}';",
            ("shop.dws",), ("shop.ads",), "00 40 00 * * ?"),
    )  # fmt: skip


def run_scheduler(ws: Workspace, kill_after: float | None) -> bool:
    """Run until idle; with ``kill_after``, SIGKILL it then. True when it finished by itself."""
    proc = subprocess.Popen(
        [str(BIN), "-w", str(ws.root), "scheduler", "--until-idle", "--now", START, "--days", DAYS],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    if kill_after is None:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        return True
    try:
        proc.wait(timeout=kill_after)
        return proc.returncode == 0
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return False


def snapshot(ws: Workspace) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    with LocalExecutor(ws, "prod") as ex:
        for table in ("seed", "ods_a", "ods_b", "dwd", "dws", "ads"):
            last = ex.run_script(
                f"SET odps.sql.allow.fullscan=true; SELECT * FROM {table}"
            ).last_query
            assert last is not None
            out[table] = sorted(tuple(r) for r in last.rows or [])
    return out


def final_states(ws: Workspace) -> list[tuple[str, str, int]]:
    db = ws.open_state()
    try:
        return db.conn.execute(
            "SELECT node_name, cyctime, state FROM instances ORDER BY cyctime, node_name"
        ).fetchall()
    finally:
        db.close()


def test_kill_9_at_random_points_then_restart(tmp_path: Path) -> None:
    reference = Workspace.init(tmp_path / "reference", project="shop")
    pipeline(reference)
    run_scheduler(reference, None)
    expected_states = final_states(reference)
    # three business days complete; the fourth day's instances wait for times after the horizon
    assert sum(1 for _, _, s in expected_states if s == int(State.SUCCESS)) == 19
    expected = snapshot(reference)

    rng = random.Random(20250301)
    for trial in range(5):
        ws = Workspace.init(tmp_path / f"crash{trial}", project="shop")
        pipeline(ws)
        kills = 0
        started = time.monotonic()
        finished = False
        while not finished:
            assert time.monotonic() - started < 240, "the pipeline never finished"
            delay = rng.uniform(0.4, 2.5) if kills < 4 else None
            finished = run_scheduler(ws, delay)
            kills += 0 if finished else 1
        assert final_states(ws) == expected_states, f"trial {trial} after {kills} kills"
        assert snapshot(ws) == expected, f"trial {trial}: warehouse differs after {kills} kills"
        db = ws.open_state()
        try:
            twice = db.conn.execute(
                "SELECT instance_id FROM events WHERE code = 'instance-status-changes' AND data = '{\"status\": 6}' "
                "GROUP BY instance_id HAVING count(*) > 1"
            ).fetchall()
            assert twice == [], "an instance succeeded twice"
            stuck = db.conn.execute(
                f"SELECT count(*) FROM instances WHERE state = {int(State.RUNNING)}"
            ).fetchone()[0]
            assert stuck == 0
        finally:
            db.close()
