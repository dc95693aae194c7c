"""The Operation Center commands, as a user runs them (click's runner on a real workspace)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.workspace import Workspace
from tests.scheduler_support import deploy, spec


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.init(tmp_path / "ws", project="shop")
    deploy(
        ws,
        spec("start"),
        spec("load", "shell", code='echo "loading $1"', params=(("d", "$bizdate"),), inputs=("shop.start",), cron="00 30 00 * * ?"),
        spec("broken", "shell", code="echo oops >&2; exit 2", inputs=("shop.load",), cron="00 00 01 * * ?"),
        spec("after", inputs=("shop.broken",), cron="00 00 02 * * ?"),
    )  # fmt: skip
    return ws


def cli(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-w", str(ws.root), *args])
    return result.exit_code, result.output


def test_scheduler_until_idle_then_inspect(ws: Workspace) -> None:
    code, out = cli(ws, "scheduler", "--until-idle", "--now", "2025-03-15 00:00:00")
    assert code == 0, out
    assert out.strip() == "idle at 2025-03-15 01:00:00: 1 not run, 1 failed, 2 succeeded"

    code, out = cli(ws, "instances", "--bizdate", "20250314", "--format", "json")
    rows = {r["node_name"]: r for r in json.loads(out)}
    assert {n: r["state"] for n, r in rows.items()} == {
        "start": "success",
        "load": "success",
        "broken": "failure",
        "after": "not_run",
    }

    code, out = cli(ws, "instance", "log", str(rows["load"]["id"]))
    assert code == 0 and "loading 20250314" in out
    code, out = cli(ws, "instance", "log", str(rows["after"]["id"]))
    assert code == 1 and "has no log" in out

    code, out = cli(ws, "why", str(rows["after"]["id"]))
    assert f"waiting for upstream instance {rows['broken']['id']} (broken" in out
    assert "shell exited with status 2" in out and "maxworks instance rerun" in out

    code, out = cli(ws, "dag", str(rows["broken"]["id"]), "--up", "1", "--down", "1")
    lines = out.splitlines()
    assert lines[0].startswith("↑─") and "load [succeeded]" in lines[0]
    assert lines[1].startswith("●") and "broken [failed]" in lines[1]
    assert lines[2].startswith("↓─") and "after [not run]" in lines[2]
    code, out = cli(ws, "dag", "load")
    assert out.splitlines() == ["↑─ start", "● load", "↓─ broken", "    ↓─ after"]

    code, out = cli(ws, "instance", "set-success", str(rows["broken"]["id"]))
    assert code == 0 and out.strip() == f"set-success: {rows['broken']['id']}"
    code, out = cli(ws, "instance", "rerun", str(rows["start"]["id"]))
    assert code == 0, out


def test_refusals_are_errors_with_reasons(ws: Workspace) -> None:
    cli(ws, "scheduler", "--until-idle", "--now", "2025-03-15 00:00:00")
    code, out = cli(ws, "instance", "kill", "1")
    assert code == 1 and "only running or waiting instances can be stopped" in out
    code, out = cli(ws, "instance", "show", "999")
    assert code == 1 and "instance 999 does not exist" in out
    code, out = cli(ws, "scheduler", "--now", "2025-03-15 00:00:00")
    assert code == 2 and "--now needs --until-idle" in out


def test_backfill_wait_and_preview(ws: Workspace) -> None:
    code, out = cli(ws, "backfill", "load", "--from", "20250301", "--to", "20250302", "--preview")
    assert (
        code == 0
        and "would create 2 instances of load for 2 business date(s) 20250301..20250302" in out
    )
    code, out = cli(ws, "backfill", "load", "--from", "20250301", "--to", "20250302", "--wait")
    assert code == 0, out
    assert "backfill 1 finished: 2 succeeded, 0 failed" in out
    code, out = cli(ws, "instances", "--backfill", "1", "--format", "json")
    assert sorted(r["bizdate"] for r in json.loads(out)) == ["20250301", "20250302"]
    code, out = cli(
        ws, "backfill", "load", "--from", "20250301", "--to", "20250302", "--downstream", "--wait"
    )
    assert code == 1 and "failed" in out
