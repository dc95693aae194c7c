"""DuckDB TEMP macros the translation calls (``odps_*``), and the session time zone."""

from __future__ import annotations

import duckdb

MACROS: list[str] = [
    # Division: DOUBLE result; by zero an error (Hive-compatible edition: NULL).
    "CREATE OR REPLACE TEMP MACRO odps_div(a, b) AS "
    "CASE WHEN b = 0 THEN error('ODPS-0130071: division by zero') "
    "ELSE CAST(a AS DOUBLE) / b END",
    "CREATE OR REPLACE TEMP MACRO odps_div_null(a, b) AS CAST(a AS DOUBLE) / NULLIF(b, 0)",
    # x[i]: 0-based for arrays, keyed for maps.
    "CREATE OR REPLACE TEMP MACRO odps_at(x, i) AS "
    "CASE WHEN typeof(x) LIKE '%[]' THEN x[i + 1] ELSE x[i] END",
    # SUBSTR: 0 -> '' (hive: 0 = 1), negative counts from the end ('' beyond), len <= 0 -> ''.
    "CREATE OR REPLACE TEMP MACRO odps_substr_len(s, p, l, hive) AS "
    "CASE WHEN l <= 0 THEN '' "
    "WHEN p = 0 THEN CASE WHEN hive = 1 THEN substring(s, 1, l) ELSE '' END "
    "WHEN p < 0 AND -p > length(s) THEN '' "
    "ELSE substring(s, p, l) END",
    "CREATE OR REPLACE TEMP MACRO odps_substr(s, p, hive) AS "
    "CASE WHEN p = 0 THEN CASE WHEN hive = 1 THEN s ELSE '' END "
    "WHEN p < 0 AND -p > length(s) THEN '' "
    "ELSE substring(s, p) END",
    "CREATE OR REPLACE TEMP MACRO odps_substring_index(s, d, n) AS "
    "CASE WHEN n = 0 THEN '' "
    "WHEN n > 0 THEN array_to_string(list_slice(string_split(s, d), 1, n), d) "
    "ELSE array_to_string(list_slice(string_split(s, d), "
    "greatest(len(string_split(s, d)) + n + 1, 1), len(string_split(s, d))), d) END",
    # SPLIT: regex delimiter, trailing empty strings dropped.
    "CREATE OR REPLACE TEMP MACRO odps_split(s, d) AS "
    "list_slice(string_split_regex(s, d), 1, "
    "coalesce(len(string_split_regex(s, d)) + 1 - list_position("
    "list_transform(list_reverse(string_split_regex(s, d)), lambda e: e <> ''), true), 0))",
    # SPLIT_PART: literal separator, 1-based; '' separator returns s.
    "CREATE OR REPLACE TEMP MACRO odps_split_part(s, sep, i) AS "
    "CASE WHEN sep = '' THEN s ELSE split_part(s, sep, i) END",
    "CREATE OR REPLACE TEMP MACRO odps_split_part_range(s, sep, a, b) AS "
    "CASE WHEN sep = '' THEN s "
    "ELSE array_to_string(list_slice(string_split(s, sep), a, b), sep) END",
    # INSTR(s, sub, start, nth): negative start searches backwards from the end.
    "CREATE OR REPLACE TEMP MACRO odps_instr(s, sub, p, n) AS "
    "CASE WHEN s IS NULL OR sub IS NULL OR p IS NULL OR n IS NULL THEN NULL "
    "WHEN p = 0 THEN 0 "
    "WHEN sub = '' THEN 1 "
    "ELSE coalesce(list_extract(CASE WHEN p > 0 "
    "THEN list_filter(range(p, length(s) + 1), lambda i: substring(s, i, length(sub)) = sub) "
    "ELSE list_reverse(list_filter(range(1, length(s) + p + 2), "
    "lambda i: substring(s, i, length(sub)) = sub)) END, n), 0) END",
    # KEYVALUE(s, sep1, sep2, key): value of the first pair whose key matches.
    "CREATE OR REPLACE TEMP MACRO odps_keyvalue(s, sp1, sp2, k) AS "
    "CASE WHEN sp1 IS NULL OR sp2 IS NULL THEN NULL ELSE "
    "list_extract(list_transform(list_filter(string_split(s, sp1), "
    "lambda e: split_part(e, sp2, 1) = k), "
    "lambda e: substring(e, length(split_part(e, sp2, 1)) + length(sp2) + 1)), 1) END",
    # GET_JSON_OBJECT: NULL for invalid JSON or a missing path.
    "CREATE OR REPLACE TEMP MACRO odps_get_json_object(j, p) AS "
    "CASE WHEN json_valid(j) THEN json_extract_string(j, p) END",
    # REGEXP_EXTRACT: NULL when the pattern does not match.
    "CREATE OR REPLACE TEMP MACRO odps_regexp_extract(s, p, g) AS "
    "CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p, g) END",
    "CREATE OR REPLACE TEMP MACRO odps_regexp_substr(s, p, st, n) AS "
    "list_extract(regexp_extract_all(substring(s, st), p), n)",
    "CREATE OR REPLACE TEMP MACRO odps_regexp_count(s, p, st) AS "
    "len(regexp_extract_all(substring(s, st), p))",
    # math: NULL outside the domain instead of NaN / -inf.
    "CREATE OR REPLACE TEMP MACRO odps_ln(x) AS CASE WHEN x > 0 THEN ln(x) END",
    "CREATE OR REPLACE TEMP MACRO odps_sqrt(x) AS CASE WHEN x >= 0 THEN sqrt(x) END",
    "CREATE OR REPLACE TEMP MACRO odps_log(b, x) AS "
    "CASE WHEN b > 0 AND b <> 1 AND x > 0 THEN ln(x) / ln(b) END",
    "CREATE OR REPLACE TEMP MACRO odps_trunc(x, d) AS "
    "CAST(trunc(CAST(x AS DOUBLE) * pow(10, d)) / pow(10, d) AS DOUBLE)",
    # CAST(fractional AS integer) truncates towards zero in MaxCompute.
    "CREATE OR REPLACE TEMP MACRO odps_trunc_int(x) AS "
    "CASE WHEN typeof(x) IN ('DOUBLE', 'FLOAT') OR typeof(x) LIKE 'DECIMAL%' "
    "THEN CAST(trunc(TRY_CAST(x AS DOUBLE)) AS BIGINT) "
    "ELSE CAST(x AS BIGINT) END",
    # SIZE: -1 for NULL, entries of a map or elements of an array.
    "CREATE OR REPLACE TEMP MACRO odps_size(x) AS "
    "CASE WHEN x IS NULL THEN -1 ELSE cardinality(x) END",
    # MONTHS_BETWEEN: whole months when the days match or both are month ends, else /31.
    "CREATE OR REPLACE TEMP MACRO odps_months_between(a, b) AS "
    "CASE WHEN day(a) = day(b) OR (a::DATE = last_day(a) AND b::DATE = last_day(b)) "
    "THEN CAST((year(a) - year(b)) * 12 + month(a) - month(b) AS DOUBLE) "
    "ELSE round((year(a) - year(b)) * 12 + month(a) - month(b) "
    "+ (epoch(a - date_trunc('month', a)) - epoch(b - date_trunc('month', b))) "
    "/ (31 * 86400.0), 8) END",
]


def install_macros(conn: duckdb.DuckDBPyConnection, timezone: str) -> None:
    """Create the TEMP macros ``to_duckdb`` output calls and pin the session time zone.

    The ICU extension ships inside the duckdb wheel (loaded offline), so ``SET TimeZone`` works;
    the translation also names the zone explicitly (``timezone(zone, now())``), so results do not
    depend on the session setting.
    """
    conn.execute(f"SET TimeZone = '{timezone.replace(chr(39), '')}'")
    for statement in MACROS:
        conn.execute(statement)
