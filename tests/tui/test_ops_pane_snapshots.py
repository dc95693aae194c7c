"""Operation Center pane, snapshot tier: SVG screenshots at 80x24 and 160x48 on a real state.db
that a simulated scheduler filled; the API's clock is frozen, so run times and dates are too.
Update with ``pytest --snapshot-update`` after a deliberate change, and look at the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from engine.api import Api
from tests.tui.test_ops_pane import OpsApp, build_workspace, until
from tests.tui.test_studio_pane import isolate_home
from tui.panes.ops.dashboard import DashboardView


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_home(tmp_path, monkeypatch)


@pytest.fixture
def api(tmp_path: Path) -> Api:
    from tests.tui.test_ops_pane import NOW

    return Api(build_workspace(tmp_path / "ws"), user="alice", clock=lambda: NOW)


def loaded(app: OpsApp) -> Any:
    async def run_before(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: app.pane.cycle.loaded)
        await pilot.pause()

    return run_before


def test_snapshot_80x24_cycle_instances(snap_compare: Any, api: Api) -> None:
    app = OpsApp(api)
    assert snap_compare(app, terminal_size=(80, 24), run_before=loaded(app))


def test_snapshot_160x48_cycle_instances_filtered(snap_compare: Any, api: Api) -> None:
    app = OpsApp(api)

    async def run_before(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: app.pane.cycle.loaded)
        await pilot.press("slash", *"owner:alice", "enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)


def test_snapshot_160x48_dashboard(snap_compare: Any, api: Api) -> None:
    app = OpsApp(api)

    async def run_before(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: app.pane.cycle.loaded)
        await pilot.press("5")
        await until(pilot, lambda: app.pane.query_one(DashboardView).figures is not None)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)


def test_snapshot_80x24_readonly(snap_compare: Any, api: Api) -> None:
    app = OpsApp(api, readonly=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=loaded(app))
