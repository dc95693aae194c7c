"""The Security Center commands as a user runs them (click's runner, a real workspace). The
process runs as its OS user, the workspace's Owner; the developer's side goes through the API."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.api import Api
from engine.cli import main
from engine.workspace import Workspace
from tests.conftest import Clock


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Api.init_workspace(tmp_path / "ws", project="shop")
    run = Api(ws, clock=Clock()).run_sql(
        "CREATE TABLE shop.users (id BIGINT, mobile STRING, city STRING);"
        "INSERT INTO shop.users VALUES (1, '13812345678', 'Hangzhou')"
    )
    assert run.result.error is None
    return ws


def cli(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-w", str(ws.root), *args])
    return result.exit_code, result.output


def test_members_add_role_remove(ws: Workspace) -> None:
    assert cli(ws, "members", "add", "dev", "--role", "Developer") == (
        0,
        "dev is now a member: Developer\n",
    )
    code, out = cli(ws, "members", "role", "dev", "O&M")
    assert (code, out) == (0, "dev is now O&M\n")
    code, out = cli(ws, "members")
    assert "dev   O&M" in out and "Owner" in out
    code, out = cli(ws, "members", "add", "dev", "--role", "visitor")
    assert code == 1 and "already a member (O&M)" in out
    code, out = cli(ws, "members", "add", "x", "--role", "boss")
    assert code == 1 and "unknown role 'boss'" in out
    assert cli(ws, "members", "remove", "dev") == (0, "dev removed from the workspace\n")


def test_request_approve_reject_grants_and_audit(ws: Workspace) -> None:
    cli(ws, "members", "add", "dev", "--role", "developer")
    dev = Api(ws, user="dev", clock=Clock())
    first = dev.security.request("shop.users", columns=["id", "city"], reason="city stats", days=5)
    second = dev.security.request("shop.users", action="update", reason="fix a row")
    code, out = cli(ws, "approvals", "--pending")
    assert code == 0 and "city stats" in out and "id,city" in out and "update" in out
    code, out = cli(ws, "approvals", str(first.id))
    assert "waiting for: role owner or role admin or table owner" in out
    code, out = cli(ws, "approve", str(first.id), "--reason", "fine")
    assert code == 0 and "grant 1 gives dev select on shop.users (id, city) for 5 days" in out
    code, out = cli(ws, "reject", str(second.id))
    assert code == 2 and "--reason" in out  # click: a required option
    code, out = cli(ws, "reject", str(second.id), "--reason", "read-only data")
    assert code == 0 and "rejected" in out
    code, out = cli(ws, "grants", "--all")
    assert "dev   shop.users  id,city  select  active" in out
    code, out = cli(ws, "grants", "--renew", "1", "--days", "9")
    assert code == 0 and "until" in out
    code, out = cli(ws, "grants", "--revoke", "1")
    assert code == 0 and "no longer has select" in out
    code, out = cli(ws, "classify", "shop.users")
    assert "mobile  3 confidential  phone" in out and "1 sensitive column" in out
    code, out = cli(ws, "audit", "--limit", "50")
    assert "security.approve" in out and "security.grant" in out
    assert cli(ws, "audit", "--verify")[1].startswith("audit log intact")
    conn = sqlite3.connect(ws.state_path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET detail = 'nothing happened' WHERE id = 2")
    conn.commit()
    conn.close()
    code, out = cli(ws, "audit", "--verify")
    assert code == 1 and "TAMPERED at row 2" in out


def as_dev(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands act as the developer (the OS user is the Owner, who may act as another)."""
    cli(ws, "members", "add", "dev", "--role", "developer")
    monkeypatch.setattr(
        "engine.cli.security_cmd._api", lambda ctx: Api(ws, user="dev", clock=Clock())
    )


def test_refusals_exit_3(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = cli(ws, "approve", "99")
    assert code == 1 and "does not exist" in out
    code, out = cli(ws, "grant", "request", "users", "--reason", "mine")
    assert code == 1 and "root (Owner) can already select shop.users" in out.replace(
        Api(ws).user, "root"
    )
    as_dev(ws, monkeypatch)
    code, out = cli(ws, "grant", "request", "users", "--reason", "mine")
    assert code == 0 and "request 1: select on shop.users for 30 days" in out
    code, out = cli(ws, "approve", "1")
    assert code == 3 and "cannot decide their own request 1" in out
    code, out = cli(
        ws, "grant", "request", "users", "shop.users", "--action", "describe", "--reason", "both"
    )
    assert code == 0 and "request 2: describe on shop.users" in out and "request 3" not in out
    code, out = cli(ws, "grant", "request", "shop_dev.t", "--reason", "r")
    assert code == 1 and "development tables need no grant" in out


def test_grant_request_takes_the_action_first_and_writes_nothing_on_error(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_dev(ws, monkeypatch)
    code, out = cli(
        ws, "grant", "request", "select", "shop.users", "--columns", "nonexistent_col",
        "--reason", "test",
    )  # fmt: skip
    assert code == 1 and "shop.users has no column nonexistent_col" in out
    assert "hint: its columns: id, mobile, city" in out
    code, out = cli(ws, "grant", "request", "shop.users", "shop.no_such_table", "--reason", "x")
    assert code == 1 and "no table shop.no_such_table" in out and "maxworks map search" in out
    code, out = cli(ws, "grant", "request", "select", "--reason", "x")
    assert code == 2 and "name the table to select" in out
    code, out = cli(
        ws, "grant", "request", "update", "users", "--action", "describe", "--reason", "x"
    )
    assert code == 2 and "the action is given twice: update and --action describe" in out
    assert cli(ws, "approvals", "--mine") == (0, "no permission requests of yours\n")
    code, out = cli(ws, "grant", "request", "UPDATE", "users", "--reason", "fix a row")
    assert code == 0 and "request 1: update on shop.users for 30 days" in out
    code, out = cli(ws, "grant", "request", "--help")
    text = " ".join(out.split())
    assert "[ACTION] TABLE..." in text and "select (the default), describe or update" in text
