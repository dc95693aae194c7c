"""Operation Center at 3 a.m., driven in a real terminal (tmux) and read back from the screen:
on the demo workspace, find the failed instance through the filter, read its log, fix the node
(in a shell: the file, commit, deploy), rerun it from the app with the embedded scheduler
running, and watch its downstream succeed.

Every step waits for what the screen shows, polling with a timeout; nothing sleeps to let the
app catch up.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_app_studio import AppTerminal

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

BIN = Path(sys.executable).parent
FAILED = "dwd_trade_order_di"
BROKEN = "CAST(amount AS DECIMAL(10,2)) AS amount"
FIXED = "CAST(REPLACE(amount, ',', '') AS DECIMAL(10,2)) AS amount"


def row_of(screen: str, node: str) -> str:
    lines = [line for line in screen.splitlines() if re.search(rf"\b{node}\b", line)]
    return lines[0] if lines else ""


def _sh(command: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"},
    )


@pytest.fixture
def ops_term(tmp_path: Path):  # type: ignore[no-untyped-def]
    t = AppTerminal(tmp_path, width=160, height=48)
    yield t
    t.close()


def test_find_failed_read_log_fix_rerun_watch_downstream(
    ops_term: AppTerminal, tmp_path: Path
) -> None:
    term = ops_term
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    built = _sh("maxworks demo shop --no-app", tmp_path, home)
    assert built.returncode == 0, built.stderr

    term.run(f"export HOME={home} MAXWORKS_CONFIG_DIR={home}/config")
    term.send("maxworks -w shop app")
    term.wait_for("workspace demo", timeout=60, what="the app")

    # Operation Center, one chord away; the newest business date with its counts
    term.keys("C-o")
    screen = term.wait_for(
        "1 Instances", "failed 1", "loaded", "f State", what="the cycle instances, focused"
    )  # the footer lists the list's keys once the focus is in it
    assert "bizdate " in screen

    # the filter finds the failure
    term.keys("/")
    term.wait_for("group:G words", what="the filter prompt")
    term.type("status:failed")
    term.keys("Enter")
    screen = term.wait_for(
        lambda s: FAILED in s and "1 loaded" in s,
        "filter: status:failed",
        what="the failed instance",
    )
    assert "failed" in row_of(screen, FAILED)
    iid = row_of(screen, FAILED).split()[0]

    # its log says why
    term.keys("l")
    screen = term.wait_for(f"instance {iid}", "1,299.00", what="the log")
    term.keys("Escape")
    term.wait_for(
        lambda s: "1,299.00" not in s and "filter: status:failed" in s, what="back to the list"
    )

    # the fix, from a shell: the node's code, commit, deploy (what the rerun will run)
    code = next((tmp_path / "shop" / "workflows").rglob(f"{FAILED}.sql"))
    text = code.read_text()
    assert BROKEN in text
    code.write_text(text.replace(BROKEN, FIXED))
    for step in (f"maxworks -w shop commit {FAILED} -m 'amounts may have thousands separators'",
                 f"maxworks -w shop deploy {FAILED} -m 'fix amounts'"):  # fmt: skip
        done = _sh(step, tmp_path, home)
        assert done.returncode == 0, done.stderr

    # the embedded scheduler, then rerun from the list
    term.keys("F8")
    term.wait_for("embedded", what="the embedded scheduler")
    term.keys("r")
    screen = term.wait_for("Rerun 1 instance?", what="the confirmation")
    assert FAILED in screen and iid in screen
    term.keys("y")

    # the downstream of the fixed node runs to the end of the flow
    term.keys("Escape")  # clear the filter: the whole business date
    term.wait_for(lambda s: "filter:" not in s, what="the unfiltered list")
    screen = term.wait_for(
        lambda s: (
            "succeeded" in row_of(s, FAILED)
            and "succeeded" in row_of(s, "dws_trade_user_1d")
            and "succeeded" in row_of(s, "ads_top_items_1d")
        ),
        timeout=180,
        what="the fixed node and its downstream succeeded",
    )
    assert "failed 0" in screen
    assert re.search(rf"{iid}\s+{FAILED}\s+succeeded", screen)
    term.keys("C-q")
