"""DataStudio pane, snapshot tier: SVG screenshots at 80x24 and 160x48, time frozen (the API's
clock) and cursors not blinking. Update with ``pytest --snapshot-update`` after a deliberate
change, and look at the report before committing the new SVGs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from textual.pilot import Pilot

from engine.api import Api
from tests.tui.test_studio_pane import (
    StudioApp,
    isolate_home,
    make_api,
    open_node,
    settle,
    until,
)
from tui.panes.studio.results import ResultView


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_home(tmp_path, monkeypatch)


@pytest.fixture
def api(tmp_path: Path) -> Api:
    return make_api(tmp_path / "ws")


def opened(app: StudioApp, node: str, dock: str = "dock-props") -> Any:
    async def run_before(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: app.pane.workflows.loaded)
        await open_node(pilot, app.pane, node)
        app.pane.query_one("#studio-dock").active = dock  # the editor keeps the focus
        await settle(pilot, app.pane)

    return run_before


def test_snapshot_80x24_node_open(snap_compare: Any, api: Api) -> None:
    app = StudioApp(api)
    assert snap_compare(app, terminal_size=(80, 24), run_before=opened(app, "daily_orders"))


def test_snapshot_160x48_node_open(snap_compare: Any, api: Api) -> None:
    app = StudioApp(api)
    assert snap_compare(app, terminal_size=(160, 48), run_before=opened(app, "daily_orders"))


def test_snapshot_160x48_result_grid(snap_compare: Any, api: Api) -> None:
    app = StudioApp(api)
    before = opened(app, "daily_orders", "dock-result")

    async def run_before(pilot: Pilot[None]) -> None:
        await before(pilot)
        view = app.pane.query_one(ResultView)
        table = pa.table({"id": [1, 2], "amount": [2.5, 3.5], "d": ["20250314", "20250314"]})
        view.show(table, returned=2, title="daily_orders · bizdate 20250314")
        await until(pilot, lambda: view.grid is not None)
        await settle(pilot, app.pane)

    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)


def test_snapshot_80x24_tree_filtered(snap_compare: Any, api: Api) -> None:
    app = StudioApp(api)

    async def run_before(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: app.pane.workflows.loaded)
        await pilot.press("slash", *"ord")
        await settle(pilot, app.pane)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
