"""`maxworks node create|list|show`, `commit`, `deploy`, `diff`, `versions` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import engine.cli
from engine.cli import main
from engine.workspace import Workspace

STUDIO_COMMANDS = {
    "node": "engine.cli.node_cmd:node",
    "commit": "engine.cli.studio_cmd:commit",
    "deploy": "engine.cli.studio_cmd:deploy",
    "diff": "engine.cli.studio_cmd:diff",
    "versions": "engine.cli.studio_cmd:versions",
}


@pytest.fixture(autouse=True)
def commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine.cli, "COMMANDS", {**engine.cli.COMMANDS, **STUDIO_COMMANDS})


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws", project="shop")


def run(ws: Workspace, *args: str) -> Result:
    return CliRunner().invoke(main, ["-w", str(ws.root), *args])


def ok(ws: Workspace, *args: str) -> str:
    result = run(ws, *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_node_create_list_show(ws: Workspace, tmp_path: Path) -> None:
    sql = tmp_path / "load.sql"
    sql.write_text("INSERT OVERWRITE TABLE ods_orders PARTITION (ds='${bizdate}') SELECT * FROM raw_orders;\n")  # fmt: skip
    out = ok(ws, "node", "create", "ods_orders", "--workflow", "sales", "--type", "sql", "--file", str(sql), "--cycle", "daily", "--at", "00:30", "-p", "bizdate=$bizdate")  # fmt: skip
    assert "Created node ods_orders (odps_sql, daily at 00:30)" in out
    assert (ws.workflows_dir / "sales" / "ods_orders.sql").read_text() == sql.read_text()
    ok(ws, "node", "create", "dwd_orders", "-W", "sales", "--type", "odps_sql", "--cron", "00 00-59/10 08-17 * * ?", "--depends", "ods_orders")  # fmt: skip
    listing = ok(ws, "node", "list")
    assert (
        "ods_orders" in listing and "every 10 minutes 08:00-17:59" in listing and "new" in listing
    )
    rows = json.loads(ok(ws, "node", "list", "--format", "json"))
    assert [(r["name"], r["status"], r["uncommitted"]) for r in rows] == [
        ("dwd_orders", "new", True), ("ods_orders", "new", True),
    ]  # fmt: skip
    shown = ok(ws, "node", "show", "dwd_orders")
    assert "upstream    ods_orders" in shown and "inputs      shop.ods_orders" in shown
    detail = json.loads(ok(ws, "node", "show", "ods_orders", "--format", "json"))
    assert detail["parsed"] == {"inputs": ["shop.raw_orders"], "outputs": ["shop.ods_orders"]}
    assert detail["invalid_inputs"] == ["shop.raw_orders"] and detail["downstream"] == [
        "dwd_orders"
    ]
    assert detail["spec"]["schedule"]["cron"] == "00 30 00 * * ?"


def test_node_create_errors(ws: Workspace) -> None:
    ok(ws, "node", "create", "a", "-W", "w", "--type", "virtual")
    again = run(ws, "node", "create", "a", "-W", "w", "--type", "virtual")
    assert again.exit_code == 1 and "already exists" in again.output
    both = run(ws, "node", "create", "b", "-W", "w", "--type", "virtual", "--cron", "00 00 00 * * ?", "--cycle", "daily")  # fmt: skip
    assert both.exit_code == 2 and "not both" in both.output
    orphan = run(ws, "node", "create", "b", "-W", "w", "--type", "virtual", "--at", "01:00")
    assert orphan.exit_code == 2 and "add --cycle" in orphan.output
    bad = run(ws, "node", "create", "b", "-W", "w", "--type", "virtual", "--cron", "00 00 25 * * ?")
    assert bad.exit_code == 1 and "25 in hours is outside 0-23" in bad.output
    missing = run(ws, "node", "show", "ghost")
    assert missing.exit_code == 1 and "no node named 'ghost'" in missing.output


def test_commit_deploy_versions_diff(ws: Workspace) -> None:
    ok(ws, "node", "create", "load", "-W", "w", "--type", "sql")
    code = ws.workflows_dir / "w" / "load.sql"
    code.write_text("INSERT OVERWRITE TABLE t SELECT 1;\n")
    out = ok(ws, "commit", "-m", "first")
    assert "Committed load v1 (new)" in out and "maxworks deploy" in out
    assert "Nothing to commit" in ok(ws, "commit", "-m", "again")
    pending = ok(ws, "deploy", "--pending").splitlines()
    assert pending[0].split() == [
        "NODE",
        "VERSION",
        "CHANGE",
        "PRODUCTION",
        "COMMITTED",
        "BY",
        "MESSAGE",
    ]
    assert pending[1].split()[:4] == ["load", "v1", "new", "-"]
    no_message = run(ws, "deploy")
    assert no_message.exit_code == 2 and "needs a message" in no_message.output
    assert "Deployed load v1 (new)" in ok(ws, "deploy", "-m", "live")
    code.write_text("INSERT OVERWRITE TABLE t SELECT 2;\n")
    diff = ok(ws, "diff", "load")
    assert (
        "-INSERT OVERWRITE TABLE t SELECT 1;" in diff
        and "+INSERT OVERWRITE TABLE t SELECT 2;" in diff
    )
    ok(ws, "commit", "load", "-m", "second")
    listing = ok(ws, "versions", "load")
    assert "v2" in listing and "second" in listing and "deployed" in listing
    rows = json.loads(ok(ws, "versions", "load", "--format", "json"))
    assert [(r["version"], r["deployed"]) for r in rows] == [(2, False), (1, True)]
    assert "+INSERT OVERWRITE TABLE t SELECT 2;" in ok(ws, "diff", "load", "1", "2")
    same = run(ws, "diff", "load")
    assert same.exit_code == 0 and same.stdout == "" and "No differences." in same.stderr
    assert "Nothing to deploy" in ok(ws, "deploy", "--pending", "other")


def test_commit_refusals_are_errors_not_tracebacks(ws: Workspace) -> None:
    ok(ws, "node", "create", "a", "-W", "w", "--type", "sql")
    ok(ws, "node", "create", "b", "-W", "w", "--type", "sql")
    (ws.workflows_dir / "w" / "a.sql").write_text("INSERT INTO a_t SELECT * FROM b_t;\n")
    (ws.workflows_dir / "w" / "b.sql").write_text("INSERT INTO b_t SELECT * FROM a_t;\n")
    result = run(ws, "commit", "-m", "loop")
    assert result.exit_code == 1
    assert "error: dependency cycle: a -> b -> a" in result.output
    (ws.workflows_dir / "w" / "b.sql").write_text("SELEC 1;\n")
    result = run(ws, "commit", "-m", "broken")
    assert result.exit_code == 1 and "b.sql:1:" in result.output


def test_basic_mode_commit_deploys(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "basic", project="solo", mode="basic")
    ok(ws, "node", "create", "n", "-W", "w", "--type", "virtual")
    assert "basic mode: commit is live" in ok(ws, "commit", "-m", "go")
    result = run(ws, "deploy", "-m", "x")
    assert result.exit_code == 1 and "basic mode" in result.output


@pytest.mark.parametrize(
    "path",
    [("node",), ("node", "create"), ("node", "list"), ("node", "show"), ("commit",), ("deploy",), ("diff",), ("versions",)],
)  # fmt: skip
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
