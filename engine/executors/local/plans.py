"""The translations of recently run queries, so that running a query again skips parsing, name
resolution, the guards and the translation (about 3 ms a statement, most of the local engine's
fixed cost per query).

A query's DuckDB SQL depends only on its text, the session (default project, the workspace's
projects, the flags, the time zone) and the table metadata of the warehouse files: the
translation reads no data and inlines no clock (GETDATE is DuckDB's ``now()`` at run time). So
an entry is keyed by all of these, the metadata by each file's *generation* (see ``catalog``),
read before the metadata: any DDL, write or lifecycle sweep renews the generation and so retires
every entry derived from the older metadata. Only queries are kept (nothing that writes), only
translations that succeeded (a refused query is refused again, by the full path), and only for
sessions that run each statement on its own (a script run as one job may hold uncommitted DDL).

Anything new that a query's translation or its checks come to depend on must be part of the key
(or renew the generations), or be done outside this cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from engine.executors.local.query import PreparedQuery
from engine.executors.local.session import Session

DEFAULT_CAPACITY = 512
MAX_TEXT = 64 * 1024  # longer statements (generated ones, big literals) are not kept


class PlanCache:
    """A bounded, thread-safe LRU map from a plan key to a ``PreparedQuery``."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, PreparedQuery] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> PreparedQuery | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Hashable, prepared: PreparedQuery) -> None:
        with self._lock:
            self._entries[key] = prepared
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


PLANS = PlanCache()


def plan_key(session: Session, text: str) -> Hashable | None:
    """Everything the translation of query ``text`` depends on, with the metadata generations
    read now (so before any metadata the translation reads); None when a catalog is not shared
    (its metadata has no generation) or the text is too long to be worth keeping."""
    if len(text) > MAX_TEXT:
        return None
    files: list[tuple[str, str, int]] = []
    for project in sorted(session.catalogs):
        catalog = session.catalogs[project]
        generation = catalog.generation()
        if generation is None or catalog.cache_key is None:
            return None
        files.append((project, catalog.cache_key, generation))
    return (
        text,
        session.project,
        tuple(sorted(session.projects)),
        session.timezone,
        session.user,
        tuple(sorted(session.flags.items())),
        tuple(files),
    )
