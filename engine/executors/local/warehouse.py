"""The process's handle on a workspace's embedded warehouse.

DuckDB lets a file be attached once per process, so every user in the process (ad-hoc SQL, the
scheduler's worker threads, the app) shares one root connection per workspace and works through
its own cursor. The root closes when the last cursor is released.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb

from engine.errors import MaxworksError
from engine.workspace import Workspace

_lock = threading.Lock()
_roots: dict[Path, tuple[duckdb.DuckDBPyConnection, int]] = {}


def acquire(workspace: Workspace) -> duckdb.DuckDBPyConnection:
    """A new cursor on the workspace's warehouse (every project attached under its name)."""
    key = workspace.root.resolve()
    with _lock:
        entry = _roots.get(key)
        if entry is None:
            root = _open(workspace)
            entry = (root, 0)
        root, count = entry
        _roots[key] = (root, count + 1)
        return root.cursor()


def release(workspace: Workspace, cursor: duckdb.DuckDBPyConnection) -> None:
    key = workspace.root.resolve()
    cursor.close()
    with _lock:
        entry = _roots.get(key)
        if entry is None:
            return
        root, count = entry
        if count <= 1:
            root.close()
            del _roots[key]
            # another process may change the files before we open them again
            from engine.executors.local.catalog import forget_files

            forget_files([str(workspace.warehouse_file(p)) for p in workspace.config.all_projects])
        else:
            _roots[key] = (root, count - 1)


def _open(workspace: Workspace) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(":memory:")
    try:
        for project in workspace.config.all_projects:
            path = workspace.warehouse_file(project)
            if not path.exists():
                raise MaxworksError(
                    f"{path}: the warehouse file of project {project} is missing",
                    hint="restore it from a backup; `maxworks init` makes new ones only for new workspaces",
                )
            conn.execute(f"ATTACH '{_sql_str(str(path))}' AS \"{project}\"")
    except duckdb.IOException as err:
        conn.close()
        raise MaxworksError(
            f"cannot open the warehouse: {_first_line(err)}",
            hint="another maxworks process (the scheduler or an app) holds it; the embedded engine allows one "
            "writer process, so run this through that process or stop it first",
        ) from None
    except BaseException:
        conn.close()
        raise
    return conn


def _sql_str(text: str) -> str:
    return text.replace("'", "''")


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
