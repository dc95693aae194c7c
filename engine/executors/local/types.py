"""DuckDB result types in MaxCompute's spelling (result headers, CTAS metadata, DESC)."""

from __future__ import annotations

import re

_SCALAR = {
    "VARCHAR": "STRING",
    "BIGINT": "BIGINT",
    "INTEGER": "INT",
    "SMALLINT": "SMALLINT",
    "TINYINT": "TINYINT",
    "HUGEINT": "DECIMAL(38,0)",
    "UBIGINT": "DECIMAL(20,0)",
    "UINTEGER": "BIGINT",
    "USMALLINT": "INT",
    "UTINYINT": "SMALLINT",
    "DOUBLE": "DOUBLE",
    "FLOAT": "FLOAT",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "DATETIME",  # DATETIME is stored as TIMESTAMP (see engine.sql.functions)
    "TIMESTAMP_MS": "DATETIME",
    "TIMESTAMP_S": "DATETIME",
    "TIMESTAMP_NS": "TIMESTAMP",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
    "BLOB": "BINARY",
    "JSON": "STRING",
    "NULL": "STRING",
    "UUID": "STRING",
    "INTERVAL": "INTERVAL_DAY_TIME",
}


def odps_type_of(duck_type: str) -> str:
    t = duck_type.strip().upper()
    if t in _SCALAR:
        return _SCALAR[t]
    if t.startswith("DECIMAL"):
        return t.replace(" ", "")
    if t.endswith("[]"):
        return f"ARRAY<{odps_type_of(t[:-2])}>"
    m = re.fullmatch(r"MAP\((.*)\)", t)
    if m:
        key, value = _split_top(m.group(1))
        return f"MAP<{odps_type_of(key)},{odps_type_of(value)}>"
    m = re.fullmatch(r"STRUCT\((.*)\)", t)
    if m:
        fields = []
        for part in split_top_level(m.group(1)):
            fname, _, ftype = part.strip().partition(" ")
            fields.append(f"{fname.strip(chr(34)).lower()}:{odps_type_of(ftype)}")
        return f"STRUCT<{','.join(fields)}>"
    if t.startswith("VARCHAR"):
        return "STRING"
    return t


def split_top_level(text: str) -> list[str]:
    """Split a type's argument list at its top-level commas (``DECIMAL(10,2), MAP<K,V>`` stay whole)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([<":
            depth += 1
        elif ch in ")]>":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _split_top(text: str) -> tuple[str, str]:
    parts = split_top_level(text)
    return parts[0], ",".join(parts[1:])
