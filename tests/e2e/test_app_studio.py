"""The app's main job, driven in a real terminal (tmux) and read back from the screen:
``maxworks demo`` in a temp dir opens the app; open a node, run it with a parameter, edit it so
it ends with a query, run it again and read the result grid, commit, deploy.

Every step waits for what the screen shows, polling with a timeout (the app runs real workers
and a real scheduler; nothing here sleeps to let it catch up).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.test_cli_journey import Terminal

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

NODE = "dwd_log_info_di"
CHECK = (
    "SELECT page, COUNT(*) AS hits FROM dwd_log_info_di WHERE dt = '${bizdate}' "
    "GROUP BY page ORDER BY hits DESC, page LIMIT 5; -- top pages"
)

PAGE_ROW = re.compile(
    r"\b(home|search|item|cart|order|pay|user|api)\s*[│|]?\s+(\d+)\s*[│|]?\s*$", re.M
)


class AppTerminal(Terminal):
    """The tmux session, with keys sent as they are (no Enter added) and screen polling."""

    def keys(self, *keys: str) -> None:
        """tmux key names: "F6", "C-u", "M-e", "Enter" ..."""
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def type(self, text: str) -> None:
        """Literal text (tmux would read a trailing ";" as its own command separator)."""
        assert not text.endswith(";")
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)

    def visible(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def wait_for(
        self, *want: str | Callable[[str], bool], timeout: float = 30.0, what: str = ""
    ) -> str:
        """The screen once all of ``want`` (texts on it, or tests of it) hold; fails after
        ``timeout`` showing the last screen."""

        def test(screen: str) -> bool:
            return all(w in screen if isinstance(w, str) else w(screen) for w in want)

        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.visible()
            if test(screen):
                return screen
            time.sleep(0.05)  # polling a real terminal: the condition is what the test waits on
        raise AssertionError(f"timed out waiting for {what or want!r}; screen:\n{screen}")


@pytest.fixture
def app_term(tmp_path: Path):  # type: ignore[no-untyped-def]
    t = AppTerminal(tmp_path, width=120, height=40)
    yield t
    t.close()


def test_demo_open_run_with_a_parameter_grid_edit_commit_deploy(
    app_term: AppTerminal, tmp_path: Path
) -> None:
    term = app_term
    # the user's settings stay inside the test's folder
    home = tmp_path / "home"
    home.mkdir()
    term.run(f"export HOME={home} MAXWORKS_CONFIG_DIR={home}/config")

    # `maxworks demo DIR`: builds the demo (the simulated history fixed by --now), opens the app
    term.send("maxworks demo shop --now '2025-03-15 10:00:00'")
    screen = term.wait_for(
        "No node open.", "≡ ads_gmv_report_1d ●", timeout=120, what="the app on the demo"
    )  # the tree is loaded: the demo's uncommitted edit is marked
    assert "workspace demo · env dev" in screen and "engine local" in screen
    assert f"≡ {NODE}" in screen

    # open a node from command mode
    term.keys(":")
    term.wait_for("Tab completes · ↑↓ history", what="command mode")
    term.type(f"node {NODE}")
    term.keys("Enter")
    term.wait_for(
        "CREATE TABLE IF NOT EXISTS dwd_log_info_di",  # the code, in a tab of its own
        f"{NODE} · odps_sql · workflow user_behavior · deployed",  # its properties
        what="the node",
    )

    # Run with parameters: the business date is the parameter
    term.keys("F6")
    term.wait_for(f"Run {NODE} with parameters", "· cyctime ", what="the parameters dialog")
    term.type(
        "20250313"
    )  # the date field starts focused with its value selected: typing replaces it
    term.wait_for("bizdate 20250313 · cyctime 20250314002000", what="the preview")
    term.keys("Enter")
    screen = term.wait_for(
        f"{NODE} · bizdate 20250313 · succeeded",
        "] succeeded",  # the log, streamed
        timeout=60,
        what="the run",
    )
    assert "cost estimate: ~1.2 MB from 1 table (20,000 rows)" in screen
    assert re.search(r"statement 2 \(line 24\): [\d,]+ rows overwritten to demo_dev\.", screen)

    # edit: the node now ends with a check query
    term.keys("C-g")  # go to line: past the end is the last (empty) line
    term.wait_for("Go to line:", what="the go-to-line bar")
    term.type("999")
    term.keys("Enter")
    term.wait_for(
        "WHERE agent NOT RLIKE '(?i)(spider|bot)/';",  # the last statement
        lambda s: "Go to line:" not in s,
        what="the end of the code",
    )
    term.type(CHECK)
    term.wait_for(f"≡ {NODE} ●", what="the unsaved mark")

    # Run again (same business date); it saves first, and the grid shows the query's rows,
    # read from the test instance's result file
    term.keys("F5")
    screen = term.wait_for(
        f"{NODE} · bizdate 20250313 · 5 rows returned · all shown",
        lambda s: "loading the result" not in s and len(PAGE_ROW.findall(s)) == 5,
        timeout=60,
        what="the result grid",
    )
    counts = [int(n) for _, n in PAGE_ROW.findall(screen)]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    assert f"▕ ≡ {NODE} ●" not in screen  # Run saved the buffer (the tab has no unsaved mark)
    assert (
        (tmp_path / "shop" / "workflows" / "user_behavior" / f"{NODE}.sql")
        .read_text(encoding="utf-8")
        .rstrip()
        .endswith(CHECK)
    )

    # commit, with its diff and a message
    term.keys("F2")
    term.wait_for(f"Commit {NODE}", "+SELECT page, COUNT(*) AS hits", what="the commit diff")
    term.type("a check of the top pages")
    term.keys("Enter")
    term.wait_for(f"committed {NODE} v2", what="the commit")

    # deploy what was committed
    term.keys("F3")
    term.wait_for("Deploy pending changes", f"{NODE} v2 (modify)", what="the deploy dialog")
    term.type("ship the check")
    term.keys("Enter")
    term.wait_for(f"deployed {NODE} v2", what="the deploy")

    # and production runs it now
    term.keys("C-q")
    term.wait_for(lambda s: s.rstrip().endswith("$"), timeout=20, what="the shell prompt")
    out = term.run(f"maxworks -w shop versions {NODE}")
    assert re.search(r"^v2\s+modify\s.*\sdeployed\s+a check of the top pages$", out, re.M), out
    assert out.rstrip().endswith(" 0")
