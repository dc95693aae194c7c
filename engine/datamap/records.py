"""What the Data Map returns: frozen records (the CLI and the pane only read them)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Span = tuple[int, int]  # [start, end) character offsets of a match in a text


@dataclass(frozen=True)
class ColumnMatch:
    """A column whose name or comment matched a search, with where."""

    name: str
    type: str
    comment: str
    name_spans: tuple[Span, ...] = ()
    comment_spans: tuple[Span, ...] = ()


@dataclass(frozen=True)
class SearchHit:
    project: str
    name: str
    env: str
    comment: str
    owner: str
    lifecycle: int | None
    row_count: int | None
    modified_at: str | None
    matched: str  # name | comment | column | filter (no search text: listed by the filters)
    score: float
    name_spans: tuple[Span, ...] = ()
    comment_spans: tuple[Span, ...] = ()
    columns: tuple[ColumnMatch, ...] = ()

    @property
    def qualified(self) -> str:
        return f"{self.project}.{self.name}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["table"] = self.qualified
        return data


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: tuple[SearchHit, ...]
    approximate: bool = (
        False  # so many tables matched that only the first WINDOW (search.py) were ranked
    )
    elapsed_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "approximate": self.approximate,
            "hits": [h.to_dict() for h in self.hits],
        }


@dataclass(frozen=True)
class ColumnDetail:
    name: str
    type: str
    comment: str
    is_partition: bool


@dataclass(frozen=True)
class PartitionDetail:
    spec: str
    row_count: int | None
    size_bytes: int | None
    created_at: str | None
    modified_at: str | None


@dataclass(frozen=True)
class TableDetail:
    project: str
    name: str
    env: str
    comment: str
    owner: str
    lifecycle: int | None
    is_view: bool
    partitioned: bool
    partition_count: int
    row_count: int | None
    size_bytes: int | None
    created_at: str | None
    modified_at: str | None
    collected_at: str
    columns: tuple[ColumnDetail, ...]
    partitions: tuple[PartitionDetail, ...]  # newest first, at most the limit asked for
    producers: tuple[str, ...]  # deployed nodes that write the table
    consumers: tuple[str, ...]  # deployed nodes that read it
    read_at: str | None = None
    read_by: str | None = None
    written_at: str | None = None
    written_by: str | None = None
    favourite: bool = False

    @property
    def qualified(self) -> str:
        return f"{self.project}.{self.name}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["table"] = self.qualified
        return data


@dataclass(frozen=True)
class LineageEdge:
    """One step of a walk: ``table`` reached at ``depth`` from ``parent`` through ``nodes``."""

    depth: int
    table: str
    parent: str
    nodes: tuple[str, ...]
    column: str | None = None  # column lineage: the column of ``table``
    parent_column: str | None = None


@dataclass(frozen=True)
class Lineage:
    table: str
    upstream: tuple[LineageEdge, ...]  # depth-first order: a child follows its parent
    downstream: tuple[LineageEdge, ...]
    columns: bool = False
    unparsed: tuple[str, ...] = field(default=())  # deployed nodes whose SQL did not parse

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RefreshReport:
    tables: int  # tables collected (new or changed)
    removed: int
    projects: tuple[str, ...]
    errors: tuple[str, ...] = ()
    elapsed_ms: float = 0.0
