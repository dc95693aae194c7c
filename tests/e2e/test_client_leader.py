"""One leader process holds the warehouse; other commands on the workspace are its clients.

With `maxworks scheduler` running, `maxworks sql` must not fail on DuckDB's file lock: the leader
runs the script for it (an ad-hoc instance) and the client prints the typed result."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.workspace import Workspace

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent / "maxworks"


def maxworks(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "-w", str(ws.root), *args], capture_output=True, text=True, timeout=120
    )


def test_sql_runs_through_the_leader(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws", project="shop")
    leader = subprocess.Popen(
        [str(BIN), "-w", str(ws.root), "scheduler"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        db = ws.open_state()
        while db.conn.execute("SELECT count(*) FROM leases").fetchone()[0] == 0:
            assert time.monotonic() < deadline and leader.poll() is None, (
                leader.stderr.read() if leader.stderr else ""
            )
            time.sleep(0.05)
        db.close()

        done = maxworks(ws, "sql", "-e", "CREATE TABLE t (a BIGINT, d DECIMAL(10,2), ts DATETIME); "
                        "INSERT INTO TABLE t VALUES (1, 2.50, DATETIME '2025-03-14 08:30:00')")  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "1 row written to shop_dev.t" in done.stdout + done.stderr

        started = time.monotonic()
        done = maxworks(ws, "sql", "--format", "json", "-e", "SELECT a, d, ts, 'x' AS s FROM t")
        elapsed = time.monotonic() - started
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == [
            {"a": 1, "d": 2.5, "ts": "2025-03-14 08:30:00", "s": "x"}
        ]
        assert '"d": 2.50' in done.stdout  # the DECIMAL keeps its scale through the result file
        assert elapsed < 10

        done = maxworks(ws, "sql", "-e", "SELECT nosuch FROM t")
        assert done.returncode == 1 and "line 1" in done.stderr

        # doctor does not cry wolf: the warehouse is open in the leader, and that is fine
        done = maxworks(ws, "doctor")
        report = done.stdout + done.stderr
        assert "open in the running scheduler" in report and "Conflicting lock" not in report
    finally:
        leader.send_signal(signal.SIGINT)
        leader.wait(timeout=30)
    assert leader.returncode == 0
