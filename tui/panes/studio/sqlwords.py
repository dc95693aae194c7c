"""The words of ODPS SQL the editor highlights and completes.

Keywords and types are MaxCompute's (the statements engine.sql.dialect parses); function names
come from the engine's translation tables (engine.sql.functions) and the dialect's list of
ODPS-owned functions, loaded lazily because importing sqlglot costs a few hundred milliseconds.
"""

from __future__ import annotations

from functools import cache

KEYWORDS = frozenset(
    [
        "ADD",
        "ALL",
        "ALTER",
        "AND",
        "ANTI",
        "AS",
        "ASC",
        "BETWEEN",
        "BY",
        "CASE",
        "CAST",
        "CHANGE",
        "CLUSTER",
        "CLUSTERED",
        "COLUMN",
        "COLUMNS",
        "COMMENT",
        "CREATE",
        "CROSS",
        "CUBE",
        "CURRENT",
        "DESC",
        "DESCRIBE",
        "DISTINCT",
        "DISTRIBUTE",
        "DROP",
        "ELSE",
        "END",
        "EXCEPT",
        "EXISTS",
        "EXTERNAL",
        "FALSE",
        "FIRST",
        "FOLLOWING",
        "FROM",
        "FULL",
        "FUNCTION",
        "GROUP",
        "GROUPING",
        "HAVING",
        "IF",
        "IN",
        "INNER",
        "INSERT",
        "INTERSECT",
        "INTO",
        "IS",
        "JOIN",
        "LAST",
        "LATERAL",
        "LEFT",
        "LIFECYCLE",
        "LIKE",
        "LIMIT",
        "MATCHED",
        "MERGE",
        "MINUS",
        "NOT",
        "NULL",
        "NULLS",
        "ON",
        "OR",
        "ORDER",
        "OUTER",
        "OVER",
        "OVERWRITE",
        "PARTITION",
        "PARTITIONED",
        "PARTITIONS",
        "PRECEDING",
        "RANGE",
        "REGEXP",
        "RENAME",
        "REPLACE",
        "RIGHT",
        "RLIKE",
        "ROLLUP",
        "ROW",
        "ROWS",
        "SELECT",
        "SEMI",
        "SET",
        "SETS",
        "SHOW",
        "SORT",
        "TABLE",
        "TABLES",
        "TBLPROPERTIES",
        "TEMPORARY",
        "THEN",
        "TO",
        "TOUCH",
        "TRUE",
        "TRUNCATE",
        "UNBOUNDED",
        "UNION",
        "UPDATE",
        "USING",
        "VALUES",
        "VIEW",
        "WHEN",
        "WHERE",
        "WINDOW",
        "WITH",
        "DELETE",
        "LOCATION",
        "STORED",
        "USE",
    ]
)

TYPES = frozenset(
    [
        "BIGINT",
        "INT",
        "SMALLINT",
        "TINYINT",
        "DOUBLE",
        "FLOAT",
        "DECIMAL",
        "STRING",
        "VARCHAR",
        "CHAR",
        "BOOLEAN",
        "DATETIME",
        "DATE",
        "TIMESTAMP",
        "TIMESTAMP_NTZ",
        "BINARY",
        "ARRAY",
        "MAP",
        "STRUCT",
        "JSON",
        "INTERVAL",
    ]
)


@cache
def function_names() -> frozenset[str]:
    """Every function name the local engine knows (upper case)."""
    from engine.sql.dialect import ODPS_OWNED_FUNCTIONS
    from engine.sql.functions import BY_NAME, IDENTICAL

    names = set(ODPS_OWNED_FUNCTIONS) | {n.upper() for n in BY_NAME}
    for cls in IDENTICAL:
        try:
            names.update(n.upper() for n in cls.sql_names())  # type: ignore[attr-defined]
        except Exception:  # an expression class without a function name (CASE, operators)
            continue
    return frozenset(n for n in names if n.replace("_", "").isalnum() and n not in KEYWORDS)
