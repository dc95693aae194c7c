"""Data Map: metadata collected from the engines, search, table detail, lineage, favourites."""

from engine.datamap.records import (
    ColumnDetail,
    ColumnMatch,
    Lineage,
    LineageEdge,
    PartitionDetail,
    RefreshReport,
    SearchHit,
    SearchResult,
    TableDetail,
)
from engine.datamap.service import DataMap, TableNotFound

__all__ = [
    "ColumnDetail",
    "ColumnMatch",
    "DataMap",
    "Lineage",
    "LineageEdge",
    "PartitionDetail",
    "RefreshReport",
    "SearchHit",
    "SearchResult",
    "TableDetail",
    "TableNotFound",
]
