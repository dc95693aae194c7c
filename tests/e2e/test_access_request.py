"""Access request end to end, with two real OS users in a real terminal (tmux).

A developer (an OS user created for the test) searches the Data Map for a production table, is
refused a preview, and requests access; the admin (root, the workspace's Owner) approves; the
developer's preview now works with the sensitive columns masked. Identity comes from the OS:
the developer's commands run through ``runuser``, and setting $USER changes nothing.

The workspace is shared the way a team shares one: a common group owns it, directories are
group-writable and setgid, and every process runs with umask 002 (so SQLite's -wal/-shm and
DuckDB's .wal files stay writable by both users).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_cli_journey import Terminal

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(
        not hasattr(os, "geteuid") or os.geteuid() != 0,
        reason="needs root: the test creates a second OS user (useradd) and runs as it (runuser)",
    ),
    pytest.mark.skipif(
        any(
            shutil.which(t) is None
            for t in ("useradd", "userdel", "groupadd", "groupdel", "runuser")
        ),
        reason="useradd/groupadd/runuser are not installed",
    ),
]

REPO = Path(__file__).resolve().parent.parent.parent
SITE = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())

SETUP = """\
CREATE TABLE shop.customers (
    customer_id BIGINT COMMENT 'customer id',
    name        STRING COMMENT 'real name',
    phone       STRING COMMENT 'mobile phone',
    city        STRING COMMENT 'city'
) COMMENT 'customers of the shop (production)';
INSERT INTO shop.customers VALUES
    (1, 'Li Lei', '13812345678', 'Hangzhou'),
    (2, 'Han Meimei', '13998765432', 'Beijing');
"""


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


@pytest.fixture
def team() -> Iterator[tuple[str, Path]]:
    """A developer OS user in a group of its own that will own the shared workspace folder."""
    suffix = uuid.uuid4().hex[:6]
    user, group = f"mwdev{suffix}", f"mwteam{suffix}"
    shared = Path(tempfile.mkdtemp(prefix="mw-team-", dir="/tmp"))
    _run("groupadd", group)
    try:
        _run("useradd", "--no-create-home", "--gid", group, "--shell", "/bin/bash", user)
    except subprocess.CalledProcessError:
        _run("groupdel", group)
        raise
    try:
        shutil.chown(shared, group=group)
        shared.chmod(0o2775)
        yield user, shared
    finally:
        subprocess.run(["userdel", user], check=False, capture_output=True)
        subprocess.run(["groupdel", group], check=False, capture_output=True)
        shutil.rmtree(shared, ignore_errors=True)


def _launcher(user: str, shared: Path) -> Path:
    """`mw`: maxworks for the other user, with an interpreter that user can execute (the venv's
    may live under root's 0700 home; a system Python of the same version then runs our code)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for python in (sys.executable, shutil.which(version) or "", f"/usr/bin/{version}"):
        if not python:
            continue
        probe = subprocess.run(
            ["runuser", "-u", user, "--", "env", f"PYTHONPATH={SITE}:{REPO}", python, "-c",
             "import duckdb, sqlglot, click, engine.cli"],
            capture_output=True, cwd="/tmp",
        )  # fmt: skip
        if probe.returncode == 0:
            script = shared / "mw"
            script.write_text(
                f"#!/bin/sh\nHOME={shared}/home-{user} PYTHONPATH={SITE}:{REPO} "
                f'exec {python} -c "from engine.cli import main; main()" "$@"\n'
            )
            script.chmod(0o755)
            return script
    pytest.skip(
        f"no Python {sys.version_info.major}.{sys.version_info.minor} that {user} can execute"
    )


def test_developer_requests_access_and_the_owner_approves(team: tuple[str, Path]) -> None:
    dev, shared = team
    mw = _launcher(dev, shared)
    (shared / f"home-{dev}").mkdir()
    shutil.chown(shared / f"home-{dev}", user=dev)
    (shared / "setup.sql").write_text(SETUP)
    term = Terminal(shared, width=150, height=50)
    as_dev = f"/usr/sbin/runuser -u {dev} -- {mw} -w ws"
    try:
        term.run("umask 002")
        out = term.run("maxworks init ws --project shop")
        assert out.rstrip().endswith(" 0"), out
        out = term.run("maxworks -w ws sql --env prod -f setup.sql")
        assert out.rstrip().endswith(" 0"), out
        out = term.run(
            f"maxworks -w ws members add {dev} --role developer && maxworks -w ws members"
        )
        assert f"{dev} is now a member: Developer" in out and "Owner" in out
        assert term.run("maxworks -w ws map refresh").rstrip().endswith(" 0")
        # the folder is the team's: group-writable, new files inherit the group
        out = term.run(
            f"chgrp -R {shared.group()} ws && chmod -R g+rwX ws && find ws -type d -exec chmod g+s {{}} +"
        )
        assert out.rstrip().endswith(" 0"), out

        # the developer finds the table, and is refused a preview (exit code 3)
        out = term.run(f"{as_dev} map search customers")
        assert "shop.customers" in out and out.rstrip().endswith(" 0"), out
        out = term.run(f"{as_dev} map preview shop.customers")
        assert (
            f"permission denied: {dev} (Developer) has no select permission on production table shop.customers"
            in out
        )
        assert "maxworks grant request shop.customers" in out and out.rstrip().endswith(" 3"), out
        # identity is the OS user: $USER changes nothing
        out = term.run(
            f"/usr/sbin/runuser -u {dev} -- env USER=root LOGNAME=root {mw} -w ws members add eve --role admin"
        )
        assert f"permission denied: {dev} (Developer) may not add and remove members" in out, out

        out = term.run(f"{as_dev} grant request shop.customers --reason 'churn study' --days 7")
        assert "request 1: select on shop.customers for 7 days, flow default; pending" in out, out

        # the Owner (root) sees it waiting, and approves
        out = term.run("maxworks -w ws approvals --pending")
        assert dev in out and "churn study" in out and "pending" in out, out
        out = term.run("maxworks -w ws approve 1 --reason 'ok for Q2'")
        assert (
            f"request 1 approved: grant 1 gives {dev} select on shop.customers for 7 days" in out
        ), out

        # the developer's preview now works, sensitive columns masked
        out = term.run(f"{as_dev} map preview shop.customers")
        assert out.rstrip().endswith(" 0"), out
        assert "138****5678" in out and "139****5432" in out and "Hangzhou" in out
        assert "13812345678" not in out and "Li Lei" not in out and "L*****" in out
        out = term.run(f"{as_dev} approvals --mine")
        assert "approved" in out

        # the audit names both users, what was refused, what was masked, and is intact
        out = term.run("maxworks -w ws audit --limit 12")
        assert f"{dev}" in out and "refused" in out and "phone" in out, out
        out = term.run("maxworks -w ws audit --verify")
        assert "audit log intact" in out and out.rstrip().endswith(" 0"), out
        out = term.run(f"{as_dev} audit --verify")
        assert "may not read and verify the audit log" in out and out.rstrip().endswith(" 3"), out
    finally:
        term.close()


def _keys(term: Terminal, *keys: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", term.name, *keys], check=True)


def _type(term: Terminal, text: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", term.name, "-l", text], check=True)


def _wait(term: Terminal, *texts: str, timeout: float = 30.0) -> str:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", term.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if all(t in screen for t in texts):
            return screen
        time.sleep(0.1)  # polling a real terminal
    raise AssertionError(f"{texts} not on screen:\n{screen}")


def _press_until(term: Terminal, key: str, text: str, tries: int = 5) -> str:
    """Press ``key`` until ``text`` shows (a key typed while the app is still busy can be lost)."""
    for _ in range(tries):
        _keys(term, key)
        try:
            return _wait(term, text, timeout=6)
        except AssertionError:
            continue
    return _wait(term, text, timeout=1)


def _type_until_shown(term: Terminal, text: str, tries: int = 4) -> None:
    """Type into the focused input until the text shows (keys typed while a pane or a dialog is
    still mounting, on a busy machine, can go to the widget that had the focus)."""
    for _ in range(tries):
        _type(term, text)
        try:
            _wait(term, text, timeout=5)
            return
        except AssertionError:
            _keys(term, "C-u")  # clear what may have reached the input, then again
    _wait(term, text, timeout=1)


def test_the_same_journey_in_the_app(team: tuple[str, Path]) -> None:
    """Data Map pane (search, refused preview, request form) as the developer; Approvals pane as
    the Owner; the developer's preview again, masked."""
    dev, shared = team
    mw = _launcher(dev, shared)
    (shared / f"home-{dev}").mkdir()
    shutil.chown(shared / f"home-{dev}", user=dev)
    (shared / "setup.sql").write_text(SETUP)
    shell = Terminal(shared, width=160, height=48)
    try:
        shell.run("umask 002")
        for command in (
            "maxworks init ws --project shop",
            "maxworks -w ws sql --env prod -f setup.sql",
            f"maxworks -w ws members add {dev} --role developer",
            "maxworks -w ws map refresh",
            f"chgrp -R {shared.group()} ws && chmod -R g+rwX ws && find ws -type d -exec chmod g+s {{}} +",
        ):
            out = shell.run(command)
            assert out.rstrip().endswith(" 0"), out
    finally:
        shell.close()

    developer = Terminal(shared, width=160, height=48)
    owner = Terminal(shared, width=160, height=48)
    try:
        developer.send(f"umask 002; /usr/sbin/runuser -u {dev} -- {mw} -w ws app")
        _wait(developer, f"{dev}")
        _press_until(developer, "C-n", "search tables")
        _type_until_shown(developer, "customers")  # the search line has the focus
        _wait(developer, "▊  customers ", "shop.customers", "1 table")
        _keys(developer, "Enter")  # to the results
        _press_until(developer, "Enter", "prod · table · owner root")  # open the table
        _press_until(developer, "p", f"{dev} (Developer) has no select permission")
        _keys(developer, "a")
        _wait(developer, "Request access", "Reason (shown to the approver)")
        _type_until_shown(developer, "churn study")
        _keys(developer, "Enter")
        _wait(developer, "request 1")

        owner.send("umask 002; maxworks -w ws app")
        _wait(owner, "DataStudio")
        _press_until(owner, "C-l", "To approve (1)")
        _keys(owner, "2")
        _wait(owner, f"{dev} asks for select on shop.customers", "churn study")
        _keys(owner, "a")
        _wait(owner, "Approve request 1")
        _type_until_shown(owner, "ok for Q2")
        _keys(owner, "Enter")
        _wait(owner, f"request 1 approved: grant 1 for {dev}")
        _keys(owner, "C-q")

        _press_until(developer, "p", "138****5678")
        screen = _wait(developer, "138****5678", "139****5432")
        assert "13812345678" not in screen and "Li Lei" not in screen
        _keys(developer, "C-q")
    finally:
        developer.close()
        owner.close()
