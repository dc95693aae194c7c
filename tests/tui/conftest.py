"""The shell under test: a real workspace, a frozen clock, and config folders of its own.

HOME, XDG_CONFIG_HOME and MAXWORKS_CONFIG_DIR point into tmp_path, so the user's real settings
are never read or written. DataStudio is stood in for by :class:`EditorPane` (a TextArea), so the
shell's tests do not depend on the studio pane's internals (it has tests of its own).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.app import ComposeResult
from textual.pilot import Pilot
from textual.widgets import TextArea

from engine.api import Api
from engine.workspace import Workspace
from tests.conftest import Clock
from tui.app import MaxworksApp
from tui.config import load_settings
from tui.factory import make_app
from tui.panes.base import Pane

USER = "alice"


class EditorPane(Pane):
    """A stand-in for DataStudio: a code editor, and ``:node NAME`` for the nodes it knows."""

    PANE_ID = "studio"
    TITLE = "DataStudio"
    KNOWN_NODES = ("ods_orders", "dwd_orders")

    def __init__(self, api: Api, *, id: str | None = None) -> None:
        super().__init__(api, id=id)
        self.opened: list[str] = []

    def compose(self) -> ComposeResult:
        yield TextArea("SELECT 1;", id="editor")

    def open_target(self, target: str) -> bool:
        kind, _, name = target.partition(" ")
        if kind != "node" or name not in self.KNOWN_NODES:
            return False
        self.opened.append(name)
        return True

    def help_keys(self) -> list[tuple[str, str]]:
        return [("ctrl+enter", "run the node (stand-in)")]


TEST_PANES = [
    ("studio", "tests.tui.conftest:EditorPane", "DataStudio"),
    ("ops", "tui.panes.placeholder:OpsPane", "Operation Center"),
    ("map", "tui.panes.placeholder:MapPane", "Data Map"),
    ("approvals", "tui.panes.placeholder:ApprovalsPane", "Approvals"),
]
"""The shell's tests run it around stand-ins (each real pane has tests of its own): the same ids
and titles as ``tui.panes.PANES``, which a test checks."""


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (``pytest.mark.anyio``) run on asyncio, as Textual does."""
    return "asyncio"


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("MAXWORKS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path / "config"


@pytest.fixture
def shop(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws", project="shop")


@pytest.fixture
def api(shop: Workspace) -> Api:
    return Api(shop, user=USER, clock=Clock())


AppFactory = Callable[..., MaxworksApp]


@pytest.fixture
def make(api: Api, config_dir: Path) -> AppFactory:
    """``make(start_pane="ops", ...)``: the app as the CLI builds it, with settings overridden."""

    def _make(panes: list[tuple[str, str, str]] | None = None, **overrides: Any) -> MaxworksApp:
        settings = load_settings(config_dir)
        editor = replace(settings.editor, cursor_blink=False)
        settings = replace(settings, editor=editor, **overrides)
        return make_app(api, config=settings, panes=panes or TEST_PANES)

    return _make


def write_config(config_dir: Path, text: str) -> Path:
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def wait_until(pilot: Pilot[Any], predicate: Callable[[], bool], timeout: float = 10) -> None:
    """Let a real thread (the embedded scheduler, a worker) get there; never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


def screen_text(app: MaxworksApp) -> str:
    """What the terminal shows, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
