"""The README's journey, typed into a real terminal (tmux) and read back from the screen.

A new user initialises a workspace, creates a partitioned table with a lifecycle, loads one
business day with ${bizdate}, and queries it with MaxCompute functions.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

BIN = Path(sys.executable).parent


class Terminal:
    """A tmux session of a given size running bash."""

    def __init__(self, cwd: Path, width: int = 120, height: int = 40) -> None:
        self.name = f"mw-{uuid.uuid4().hex[:8]}"
        subprocess.run(
            [
                "tmux",
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                str(width),
                "-y",
                str(height),
                "-c",
                str(cwd),
                "env",
                f"PATH={BIN}:/usr/bin:/bin",
                "PS1=$ ",
                "bash",
                "--norc",
                "--noprofile",
            ],
            check=True,
        )

    def run(self, command: str, timeout: float = 60.0) -> str:
        """Type a command, wait for it to finish (a marker echo), return the screen text it printed."""
        marker = f"__done_{uuid.uuid4().hex[:6]}__"
        self.send(f"clear; {command}; echo {marker} $?")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            for line in screen.splitlines():
                if line.startswith(marker):
                    body = screen.split(f"echo {marker} $?", 1)[-1]
                    return body.split(marker, 1)[0] + line
            time.sleep(0.05)  # polling the real terminal; no simulated time here
        raise AssertionError(f"timed out; screen:\n{self.screen()}")

    def send(self, keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, keys, "Enter"], check=True)

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-J", "-t", self.name, "-S", "-200"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False)


@pytest.fixture
def term(tmp_path: Path):  # type: ignore[no-untyped-def]
    t = Terminal(tmp_path)
    yield t
    t.close()


def test_new_user_journey(term: Terminal, tmp_path: Path) -> None:
    out = term.run("maxworks init shop --project shop")
    assert "Created workspace shop" in out and out.rstrip().endswith(" 0")

    (tmp_path / "load.sql").write_text(
        "CREATE TABLE IF NOT EXISTS ods_orders (order_id BIGINT, amount DOUBLE, paid_at DATETIME)\n"
        "PARTITIONED BY (dt STRING) LIFECYCLE 30;\n"
        "INSERT OVERWRITE TABLE ods_orders PARTITION (dt='${bizdate}')\n"
        "SELECT 1, 9.5, DATETIME '2025-03-14 08:30:00' UNION ALL SELECT 2, 20.5, DATETIME '2025-03-14 23:59:59';\n"
    )
    out = term.run("maxworks -w shop sql -f load.sql --bizdate 20250314")
    assert "2 rows overwritten to shop_dev.ods_orders partition dt=20250314" in out
    assert out.rstrip().endswith(" 0")

    out = term.run(
        "maxworks -w shop sql --bizdate 20250314 --format csv -e "
        "\"SELECT order_id, TO_CHAR(paid_at, 'yyyymmdd hh:mi') AS t, DATEADD(paid_at, 1, 'mm') AS next_month "
        "FROM ods_orders WHERE dt='\\${bizdate}' ORDER BY order_id LIMIT 10\""
    )
    assert "order_id,t,next_month" in out
    assert "1,20250314 08:30,2025-04-14 08:30:00" in out
    assert "2,20250314 23:59,2025-04-14 23:59:59" in out

    out = term.run("maxworks -w shop sql -e 'SELECT * FROM ods_orders'")
    assert "is full scan with all partitions" in out
    assert out.rstrip().endswith(" 1")


def test_develop_deploy_schedule_operate(term: Terminal, tmp_path: Path) -> None:
    assert term.run("maxworks init shop --project shop && cd shop").rstrip().endswith(" 0")
    (tmp_path / "ods.sql").write_text(
        "CREATE TABLE IF NOT EXISTS ods_orders (order_id BIGINT, amount DOUBLE) PARTITIONED BY (dt STRING) LIFECYCLE 30;\n"
        "INSERT OVERWRITE TABLE ods_orders PARTITION (dt='${bizdate}') SELECT 1, 9.5 UNION ALL SELECT 2, 20.5;\n"
    )
    (tmp_path / "dws.sql").write_text(
        "CREATE TABLE IF NOT EXISTS dws_sales (total DOUBLE) PARTITIONED BY (dt STRING);\n"
        "INSERT OVERWRITE TABLE dws_sales PARTITION (dt='${bizdate}') SELECT SUM(amount) FROM ods_orders WHERE dt='${bizdate}';\n"
    )
    out = term.run(
        "maxworks node create ods_orders --workflow sales --type sql --file ../ods.sql --cycle day --at 00:30"
    )
    assert "Created node ods_orders (odps_sql, daily at 00:30)" in out
    term.run(
        "maxworks node create dws_sales --workflow sales --type sql --file ../dws.sql --cycle day --at 01:00"
    )
    out = term.run("maxworks node run ods_orders --bizdate 20250314")
    assert (
        "2 rows overwritten to shop_dev.ods_orders partition dt=20250314" in out
        and out.rstrip().endswith(" 0")
    )
    out = term.run("maxworks commit -m 'sales pipeline' && maxworks deploy -m 'go live'")
    assert "Deployed dws_sales v1 (new)" in out and "Deployed ods_orders v1 (new)" in out
    out = term.run("maxworks scheduler --until-idle --now '2025-03-15 00:00:00'")
    assert "idle at 2025-03-15 01:00:00" in out
    out = term.run("maxworks instances --node 'dws*'")
    assert "dws_sales" in out and "succeeded" in out
    out = term.run(
        "maxworks sql --env prod -e \"SELECT total FROM dws_sales WHERE dt='20250314'\" --format csv"
    )
    assert "total\n30.0" in out.replace("\r", "")
