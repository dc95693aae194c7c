"""A workspace on disk: config, state.db and the local warehouse files.

```
my-warehouse/
  maxworks.toml
  workflows/
  .maxworks/   state.db  warehouse/<project>.duckdb  results/  logs/
```
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from engine.errors import WorkspaceError
from engine.executors.maxcompute_config import MaxComputeConfig
from engine.workspace.config import (
    CONFIG_FILE,
    EngineKind,
    Mode,
    WorkspaceConfig,
    default_config,
    load_config,
    render_config,
)

STATE_DIR = ".maxworks"


def find_workspace_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` that holds a maxworks.toml."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / CONFIG_FILE).is_file():
            return candidate
    return None


@dataclass
class Workspace:
    root: Path
    config: WorkspaceConfig

    # -- locating ---------------------------------------------------------------------------
    @classmethod
    def load(cls, root: Path) -> Workspace:
        root = root.resolve()
        cfg_path = root / CONFIG_FILE
        if not root.is_dir():
            raise WorkspaceError(
                f"{root}: no such directory",
                hint=f"create a workspace with `maxworks init {root} --project NAME`",
            )
        if not cfg_path.is_file():
            raise WorkspaceError(
                f"{root}: not a maxworks workspace (no {CONFIG_FILE})",
                hint=f"create one with `maxworks init {root} --project NAME`",
            )
        ws = cls(root, load_config(cfg_path))
        if not ws.state_dir.is_dir():
            raise WorkspaceError(
                f"{ws.state_dir}: missing",
                hint="this workspace's machine state was removed; re-create the workspace with `maxworks init` elsewhere and copy workflows/ over",
            )
        return ws

    @classmethod
    def discover(cls, explicit: Path | None = None, cwd: Path | None = None) -> Workspace:
        """``-w DIR`` if given, else the nearest maxworks.toml at or above the current directory."""
        if explicit is not None:
            return cls.load(explicit)
        here = (cwd or Path.cwd()).resolve()
        root = find_workspace_root(here)
        if root is None:
            raise WorkspaceError(
                f"not inside a maxworks workspace ({here} and its parents have no {CONFIG_FILE})",
                hint="create one with `maxworks init DIR --project NAME`, or pass `-w DIR` before the command",
            )
        return cls.load(root)

    @classmethod
    def init(
        cls,
        root: Path,
        *,
        project: str,
        mode: Mode = "standard",
        timezone: str = "Asia/Shanghai",
        engine: EngineKind = "local",
        maxcompute: MaxComputeConfig | None = None,
    ) -> Workspace:
        """Create a workspace. Refuses (and changes nothing) if one is already there."""
        cfg = default_config(project, mode, timezone, engine, maxcompute)  # validate first
        root = root.resolve()
        if (root / CONFIG_FILE).exists() or (root / STATE_DIR).exists():
            raise WorkspaceError(
                f"{root}: a workspace already exists here; nothing was changed",
                hint="use it with `maxworks -w DIR ...`, or choose another directory",
            )
        if root.exists() and not root.is_dir():
            raise WorkspaceError(f"{root}: exists and is not a directory")
        created: list[Path] = []
        try:
            if not root.exists():
                root.mkdir(parents=True)
                created.append(root)
            ws = cls(root, cfg)
            for d in (ws.root / "workflows", ws.state_dir):
                if not d.exists():
                    d.mkdir()
                    created.append(d)
            for d in (ws.warehouse_dir, ws.results_dir, ws.logs_dir):
                d.mkdir()
            ws.open_state(create=True).close()
            from engine.executors.local.catalog import create_warehouse

            for project_name in cfg.all_projects:
                create_warehouse(ws.warehouse_file(project_name))
            # Written last: its presence marks a complete workspace.
            (root / CONFIG_FILE).write_text(render_config(cfg), encoding="utf-8")
        except OSError as err:
            for path in reversed(created):
                shutil.rmtree(path, ignore_errors=True)
            raise WorkspaceError(
                f"{root}: cannot create the workspace: {err.strerror or err}"
            ) from None
        except BaseException:
            for path in reversed(created):
                shutil.rmtree(path, ignore_errors=True)
            raise
        return ws

    # -- paths ------------------------------------------------------------------------------
    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def state_path(self) -> Path:
        return self.state_dir / "state.db"

    @property
    def warehouse_dir(self) -> Path:
        return self.state_dir / "warehouse"

    @property
    def results_dir(self) -> Path:
        return self.state_dir / "results"

    @property
    def logs_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def workflows_dir(self) -> Path:
        return self.root / "workflows"

    def warehouse_file(self, project: str) -> Path:
        return self.warehouse_dir / f"{project}.duckdb"

    def open_state(self, *, create: bool = False) -> sqlite_utils.Database:
        from engine.store import open_state

        return open_state(self.state_path, create=create)
