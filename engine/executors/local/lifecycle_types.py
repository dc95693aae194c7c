"""Records of the lifecycle sweep (kept apart so engine.api imports no DuckDB)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Reclaimed:
    project: str
    table: str
    partition: str | None  # None: the whole (non-partitioned) table was dropped
    modified_at: datetime
    lifecycle_days: int
    rows: int
