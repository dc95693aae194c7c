"""Approvals pane, Pilot + snapshot tiers: requests, decisions, grants and the audit log on a real
workspace, every action through the engine (refusals shown as the engine words them)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from engine.api import Api
from engine.workspace import Workspace
from tests.conftest import Clock
from tests.tui.test_studio_pane import isolate_home
from tui.panes.approvals import ApprovalsPane, RequestAccessScreen

SETUP = """
CREATE TABLE shop.users (id BIGINT, phone STRING, city STRING);
INSERT INTO shop.users VALUES (1, '13812345678', 'Hangzhou'), (2, '13998765432', 'Beijing');
CREATE TABLE shop.orders (order_id BIGINT, amount DOUBLE);
"""


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_home(tmp_path, monkeypatch)


@pytest.fixture
def shop(tmp_path: Path) -> Workspace:
    ws = Api.init_workspace(tmp_path / "ws", project="shop")
    owner = Api(ws, user="alice", clock=Clock())  # alice: no member, the OS owner acting as her
    assert owner.run_sql(SETUP).result.error is None
    owner.security.add_member("dev", "developer")
    owner.security.add_member("pe", "ops")
    dev = Api(ws, user="dev", clock=Clock())
    dev.security.request("shop.users", columns=["id", "phone"], reason="call-back study", days=7)
    dev.security.request("shop.orders", reason="revenue check", days=30)
    return ws


class ApprovalsApp(App[None]):
    def __init__(self, api: Api) -> None:
        super().__init__()
        self.api = api

    def compose(self) -> ComposeResult:
        yield ApprovalsPane(self.api)

    @property
    def pane(self) -> ApprovalsPane:
        return self.query_one(ApprovalsPane)


async def until(pilot: Pilot[Any], predicate: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


def status(app: ApprovalsApp) -> str:
    return str(app.pane.query_one("#approvals-status", Static).render())


def rows(app: ApprovalsApp, view: str) -> int:
    return app.pane.query_one(f"#{view}", DataTable).row_count


@pytest.mark.anyio
async def test_owner_approves_with_a_reason_and_the_grant_appears(shop: Workspace) -> None:
    app = ApprovalsApp(Api(shop, user="alice", clock=Clock()))
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.pane.snapshot is not None)
        assert rows(app, "todo") == 2 and rows(app, "grants") == 0
        await pilot.press("2")
        detail = str(app.pane.query_one("#approvals-detail", Static).render())
        assert "dev asks for select on shop.orders" in detail and "waiting for" in detail
        await pilot.press("a")
        assert app.screen.query_one("#ask-input", Input) is not None
        await pilot.press(*"ok for Q1", "enter")
        await until(pilot, lambda: "approved: grant" in status(app))
        await until(pilot, lambda: rows(app, "grants") == 1 and rows(app, "todo") == 1)
        # reject: a reason is required
        await pilot.press("r", "enter")
        assert "required" in str(app.screen.query_one("#ask-error", Static).render())
        await pilot.press(*"too broad", "enter")
        await until(pilot, lambda: "rejected" in status(app))
        await until(pilot, lambda: rows(app, "todo") == 0)
    dev = Api(shop, user="dev", clock=Clock())
    assert sorted(r.state for r in dev.security.requests(mine=True)) == ["approved", "rejected"]
    assert dev.run_sql("SELECT order_id FROM shop.orders").result.error is None


@pytest.mark.anyio
async def test_grants_revoke_renew_and_audit_verify(shop: Workspace) -> None:
    owner = Api(shop, user="alice", clock=Clock())
    for r in owner.security.requests(pending_for_me=True):
        owner.security.approve(r.id)
    app = ApprovalsApp(owner)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.pane.snapshot is not None and rows(app, "grants") == 2)
        await pilot.press("3", "e")
        await pilot.press("backspace", "backspace", *"90", "enter")
        await until(pilot, lambda: "renewed until 2025-06-13" in status(app))
        await pilot.press("x", *"yes", "enter")
        await until(pilot, lambda: "revoked" in status(app))
        await pilot.press("4", "v")
        await until(pilot, lambda: "audit log intact" in status(app))
        assert rows(app, "audit") >= 8
    states = sorted(g.state(Clock().now) for g in owner.security.grants(everyone=True))
    assert states == ["active", "revoked"]


@pytest.mark.anyio
async def test_developer_requests_access_and_sees_refusals(shop: Workspace) -> None:
    dev = Api(shop, user="dev", clock=Clock())
    app = ApprovalsApp(dev)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.pane.snapshot is not None)
        assert rows(app, "mine") == 2 and rows(app, "todo") == 0
        assert "audit log needs" in status(app)
        await pilot.press("n")
        assert isinstance(app.screen, RequestAccessScreen)
        app.screen.query_one("#request-table", Input).value = "shop.users"
        app.screen.query_one("#request-reason", Input).value = ""
        await pilot.press("ctrl+s")
        await until(
            pilot,
            lambda: (
                "needs a reason" in str(app.screen.query_one("#request-error", Static).render())
            ),
        )
        app.screen.query_one("#request-reason", Input).value = "city stats"
        app.screen.query_one("#request-columns", Input).value = "city"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "request 3 sent" in status(app))
        await until(pilot, lambda: rows(app, "mine") == 3)
        await pilot.press("4", "v")
        await until(pilot, lambda: "may not read and verify the audit log" in status(app))
        # a decision made elsewhere reaches the requester on the next refresh
        Api(shop, user="alice", clock=Clock()).security.approve(1)
        await pilot.press("f5")
        await until(pilot, lambda: any("request 1" in n.message for n in app._notifications))
    req = dev.security.requests(mine=True)[0]
    assert (req.columns, req.reason) == (("city",), "city stats")


def _ready(app: ApprovalsApp, view: str) -> Any:
    async def run_before(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: app.pane.snapshot is not None)
        await pilot.press(view)
        await pilot.pause()

    return run_before


def test_snapshot_80x24_to_approve(snap_compare: Any, shop: Workspace) -> None:
    app = ApprovalsApp(Api(shop, user="alice", clock=Clock()))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_ready(app, "2"))


def test_snapshot_160x48_to_approve(snap_compare: Any, shop: Workspace) -> None:
    app = ApprovalsApp(Api(shop, user="alice", clock=Clock()))
    assert snap_compare(app, terminal_size=(160, 48), run_before=_ready(app, "2"))


def test_snapshot_160x48_request_form(snap_compare: Any, shop: Workspace) -> None:
    app = ApprovalsApp(Api(shop, user="dev", clock=Clock()))

    async def run_before(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: app.pane.snapshot is not None)
        app.push_screen(RequestAccessScreen(app.api, "shop.users"))
        await pilot.pause()
        for box in app.screen.query(Input):
            box.cursor_blink = False  # a snapshot must not depend on the blink's phase
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)
