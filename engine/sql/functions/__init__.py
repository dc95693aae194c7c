"""MaxCompute expression semantics on DuckDB.

``to_duckdb(tree, ctx)`` rewrites a tree parsed by ``engine.sql.dialect`` so that
``tree.sql(dialect="duckdb")`` computes MaxCompute's answers, using the TEMP macros that
``install_macros`` creates. It is an allowlist: a function that is neither translated nor known to
behave identically is refused with ``UnsupportedSqlError``.

Semantic choices where the MaxCompute documentation is silent or unverified (each is loud rather
than silently different wherever possible):

* CAST: a failed conversion (``CAST('abc' AS BIGINT)``) raises an error, as DuckDB's CAST does;
  Hive's NULL-returning TRY_CAST is not used. A fractional value cast to an integer type is
  truncated towards zero. ``CAST(x AS DATETIME)`` keeps millisecond precision.
* ``a / b`` returns DOUBLE and raises an error when ``b = 0`` (Hive-compatible edition: NULL).
  DECIMAL / DECIMAL also returns DOUBLE locally (MaxCompute returns DECIMAL).
* Date functions accept STRING arguments by converting them to TIMESTAMP (2.0 rejects STRING for
  DATEADD/DATEDIFF; locally only the type-preserving DATEADD/DATETRUNC reject a STRING column).
* REGEXP_EXTRACT returns NULL when the pattern does not match. GET_JSON_OBJECT returns NULL for
  invalid JSON. COLLECT_LIST/COLLECT_SET skip NULLs and give ``[]`` for an all-NULL group. SIZE of
  NULL is -1. ADD_MONTHS clamps to the month end (Jan 31 + 1 = Feb 28) and does not move a month
  end to the next month end. Regular expressions use RE2 (MaxCompute: PCRE), so look-around and
  back-references inside a pattern fail loudly.
"""

from __future__ import annotations

from engine.sql.functions import dates, misc, strings
from engine.sql.functions.core import (
    BY_CLASS,
    BY_NAME,
    IDENTICAL,
    TranslateContext,
    to_duckdb,
)
from engine.sql.functions.macros import MACROS, install_macros
from engine.sql.functions.types import duckdb_type, odps_type_name

__all__ = [
    "BY_CLASS",
    "BY_NAME",
    "IDENTICAL",
    "MACROS",
    "TranslateContext",
    "dates",
    "duckdb_type",
    "install_macros",
    "misc",
    "odps_type_name",
    "strings",
    "to_duckdb",
]
