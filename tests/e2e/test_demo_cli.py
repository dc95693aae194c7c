"""The README's first command, in a real shell: `maxworks demo DIR --no-app`, then exploring the
demo with `maxworks -w DIR ...` as its output suggests."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e]

BIN = Path(sys.executable).parent
# Until `demo` is registered in engine.cli.COMMANDS, run the same `main` with it added.
_WITH_DEMO = (
    "import sys, engine.cli as c; "
    "c.COMMANDS.setdefault('demo', 'engine.cli.demo_cmd:demo'); sys.exit(c.main())"
)


def _maxworks_demo() -> str:
    from engine.cli import COMMANDS

    if "demo" in COMMANDS:
        return shlex.quote(str(BIN / "maxworks"))
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(_WITH_DEMO)}"


def _sh(command: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a command line in bash, as a user would type it."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8"},
    )


def test_maxworks_demo_builds_a_workspace_to_explore(tmp_path: Path) -> None:
    started = time.monotonic()
    # --now (hidden) fixes the simulated history; everything else is the README's command
    built = _sh(f"{_maxworks_demo()} demo shop --no-app --now '2025-03-15 10:00:00'", tmp_path)
    seconds = time.monotonic() - started
    assert built.returncode == 0, built.stderr
    assert seconds < 60, f"maxworks demo took {seconds:.1f} s"
    assert f"Building the demo workspace in {tmp_path / 'shop'}" in built.stderr
    assert "generated sample data for 4 business dates (20250311-20250314)" in built.stderr
    out = built.stdout
    assert "Built the demo in" in out
    assert "19 nodes in 2 workflows: trade_daily, user_behavior" in out
    assert re.search(r"instances: \d+ succeeded, 1 failed, \d+ not run, \d+ dry run; 1 rerun", out)
    assert "uncommitted edits: ads_gmv_report_1d" in out
    assert "maxworks -w shop instances" in out

    # what the output suggests: Operation Center shows the rerun and the open failure
    listed = _sh("maxworks -w shop instances --limit 100", tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()[1:]]
    assert len(rows) == 57
    by_node = {(r[1], r[3]): r for r in rows}
    bizdates = sorted({r[3] for r in rows})
    assert bizdates == ["20250312", "20250313", "20250314"]
    late = by_node[("check_raw_log_ready", bizdates[1])]
    assert late[-4:-2] == ["succeeded", "2"], late  # STATUS, RUN: failed once, rerun
    failed = [r for r in rows if "failed" in r]
    assert [(r[1], r[3]) for r in failed] == [("dwd_trade_order_di", bizdates[2])]
    assert by_node[("alert_low_volume", bizdates[0])][6:8] == ["dry", "run"]

    end = by_node[("trade_daily_end", bizdates[2])][0]
    why = _sh(f"maxworks -w shop why {end}", tmp_path)
    assert "is not run" in why.stdout and "waiting for upstream" in why.stdout
    log = _sh(f"maxworks -w shop instance log {failed[0][0]}", tmp_path)
    assert '"1,299.00"' in log.stdout

    nodes = _sh("maxworks -w shop node list", tmp_path)
    assert re.search(
        r"ads_gmv_report_1d\s+trade_daily\s+odps_sql\s+\S+ at 00:40\s+modified", nodes.stdout
    )
    # the README's command twice: the second run opens the same demo
    again = _sh(f"{_maxworks_demo()} demo shop --no-app", tmp_path)
    assert again.returncode == 0, again.stderr
    assert "already in" in again.stdout and "Building" not in again.stderr
    assert (tmp_path / "shop" / "README.md").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop"]


def test_maxworks_demo_refuses_a_directory_in_use(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    refused = _sh(f"{_maxworks_demo()} demo notes --no-app --force", tmp_path)
    assert refused.returncode == 1
    assert "error:" in refused.stderr and "nothing was changed" in refused.stderr
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep me"
