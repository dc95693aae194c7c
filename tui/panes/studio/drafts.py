"""Checkpoints of unsaved editor buffers, so a crash or a dropped SSH connection loses nothing.

One JSON file per node under ``.maxworks/drafts/`` holds the buffer and a hash of the file it
was based on, written atomically (temp file + rename) a moment after each change and removed
when the buffer is saved or matches the file again. On the next open the draft is restored into
the buffer; if the file changed meanwhile, the user sees both and chooses. When the user takes
the file's version over their own, the buffer is kept as a ``.bak`` copy beside the drafts.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Draft:
    node: str
    text: str
    base_hash: str  # hash of the file's text the buffer started from
    saved_at: str  # ISO timestamp (wall clock: when the checkpoint was written)

    def based_on(self, disk_text: str) -> bool:
        """Was the draft made from this file content (no one changed the file since)?"""
        return self.base_hash == text_hash(disk_text)


class DraftStore:
    """Thread-safe: background checkpoints are sequenced, so a late one never overwrites a
    newer checkpoint (or resurrects a discarded one)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._seq: dict[str, int] = {}

    def _path(self, node: str) -> Path:
        return self.folder / f"{node}.json"

    def ticket(self, node: str) -> int:
        """Reserve the next checkpoint of ``node`` (call on the UI thread, in edit order)."""
        with self._lock:
            self._seq[node] = self._seq.get(node, 0) + 1
            return self._seq[node]

    def checkpoint(self, node: str, ticket: int, text: str | None, base_text: str) -> None:
        """Save (``text``) or discard (None) unless a newer ticket was issued meanwhile."""
        with self._lock:
            if self._seq.get(node) != ticket:
                return
            if text is None:
                self._discard(node)
            else:
                self._save(node, text, base_text)

    def save(self, node: str, text: str, base_text: str) -> None:
        """Checkpoint ``text`` (the buffer) made from ``base_text`` (the file's content) now."""
        with self._lock:
            self._seq[node] = self._seq.get(node, 0) + 1
            self._save(node, text, base_text)

    def _save(self, node: str, text: str, base_text: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {
            "node": node,
            "text": text,
            "base_hash": text_hash(base_text),
            "saved_at": datetime.now().isoformat(timespec="seconds"),
        }
        _write_atomic(self._path(node), json.dumps(record, ensure_ascii=False))

    def load(self, node: str) -> Draft | None:
        try:
            raw = json.loads(self._path(node).read_text(encoding="utf-8"))
            return Draft(raw["node"], raw["text"], raw["base_hash"], raw.get("saved_at", ""))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # no draft, or a torn one from an older version: nothing to restore

    def discard(self, node: str) -> None:
        with self._lock:
            self._seq[node] = self._seq.get(node, 0) + 1
            self._discard(node)

    def _discard(self, node: str) -> None:
        with contextlib.suppress(OSError):
            self._path(node).unlink()

    def names(self) -> list[str]:
        """Nodes with a checkpoint, oldest first."""
        if not self.folder.is_dir():
            return []
        found = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        return [p.stem for p in found]

    def backup(self, node: str, text: str) -> Path:
        """Keep a copy of a buffer the user chose to drop (taking the file's version instead)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.folder / f"{node}.{stamp}.bak"
        _write_atomic(path, text)
        return path


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
