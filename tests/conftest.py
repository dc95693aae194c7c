"""Shared fixtures: real workspaces on disk (SQLite + DuckDB files), a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from engine.workspace import Workspace

FIXED_NOW = datetime(2025, 3, 15, 10, 0, 0)


class Clock:
    """An injected clock tests move by hand (never sleep)."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws", project="demo")


@pytest.fixture
def basic_workspace(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "basic", project="solo", mode="basic")


@pytest.fixture
def executor(workspace: Workspace, clock: Clock) -> Iterator[object]:
    from engine.executors.local.executor import LocalExecutor

    with LocalExecutor(workspace, "dev", user="alice", clock=clock) as ex:
        yield ex
