"""Live pick-up of files changed on disk (the user's $EDITOR, a git checkout) with watchfiles.

``watch_workflows`` blocks in a thread worker and calls ``on_change`` with each batch of changed
node files; temp files of atomic writes (``.name.tmp``) and other hidden files are ignored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

NODE_SUFFIXES = (".toml", ".sql", ".sh", ".py")


def node_of(path: Path) -> str | None:
    """The node a changed file belongs to (its stem), or None for files that are no node's."""
    if path.name.startswith(".") or path.suffix not in NODE_SUFFIXES:
        return None
    return path.stem


def watch_workflows(
    folder: Path,
    stop: threading.Event,
    on_change: Callable[[set[str]], None],
    *,
    debounce_ms: int = 150,
) -> None:
    """Call ``on_change(nodes)`` for every batch of changes under ``folder`` until ``stop``."""
    from watchfiles import watch

    folder.mkdir(parents=True, exist_ok=True)
    for changes in watch(
        folder, stop_event=stop, debounce=debounce_ms, step=50, raise_interrupt=False
    ):
        nodes = {n for _, raw in changes if (n := node_of(Path(raw))) is not None}
        if nodes:
            on_change(nodes)
