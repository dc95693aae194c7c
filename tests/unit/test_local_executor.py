"""The local executor on real DuckDB files: DDL, DML, partitions, guards, names, atomicity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from engine.executors.local.catalog import Catalog
from engine.executors.local.executor import LocalExecutor
from engine.executors.local.plans import PlanCache
from engine.executors.local.query import PreparedQuery
from engine.executors.records import ScriptResult, StatementResult
from engine.workspace import Workspace
from tests.conftest import Clock

LOG_DDL = (
    "CREATE TABLE ods_log (uid BIGINT COMMENT 'user id', url STRING) COMMENT 'raw log' "
    "PARTITIONED BY (dt STRING COMMENT 'business date') LIFECYCLE 7"
)


def run(ex: LocalExecutor, script: str) -> ScriptResult:
    result = ex.run_script(script)
    assert result.ok, result.error
    return result


def rows(ex: LocalExecutor, query: str) -> list[tuple[Any, ...]]:
    last = run(ex, query).last_query
    assert last is not None and last.rows is not None
    return [tuple(r) for r in last.rows]


def fails(ex: LocalExecutor, script: str) -> StatementResult:
    result = ex.run_script(script)
    assert not result.ok, "expected a failure"
    failed = result.statements[-1]
    assert failed.error is not None
    return failed


# -- DDL and metadata ----------------------------------------------------------------------------
def test_create_partitioned_table_keeps_metadata(executor: LocalExecutor, clock: Clock) -> None:
    run(executor, LOG_DDL)
    meta = Catalog(executor.connect(), "demo_dev").get("ods_log")
    assert meta is not None
    assert [(c.name, c.odps_type, c.comment) for c in meta.columns] == [
        ("uid", "BIGINT", "user id"),
        ("url", "STRING", None),
    ]
    assert [(c.name, c.comment) for c in meta.partition_columns] == [("dt", "business date")]
    assert (meta.comment, meta.lifecycle, meta.owner, meta.created_at) == (
        "raw log",
        7,
        "alice",
        clock.now,
    )


def test_desc_lists_columns_then_partitions(executor: LocalExecutor) -> None:
    run(executor, LOG_DDL)
    last = run(executor, "DESC ods_log").last_query
    assert last is not None
    assert [tuple(r) for r in last.rows or []] == [
        ("uid", "BIGINT", "user id", ""),
        ("url", "STRING", "", ""),
        ("dt", "STRING", "business date", "partition"),
    ]
    assert "Lifecycle: 7" in last.message and "Owner: alice" in last.message


def test_create_existing_table(executor: LocalExecutor) -> None:
    run(executor, LOG_DDL)
    failed = fails(executor, LOG_DDL)
    assert failed.error is not None and "already exists" in str(failed.error)
    res = run(
        executor,
        LOG_DDL.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS").replace(
            "LIFECYCLE 7", "LIFECYCLE 99"
        ),
    )
    assert "nothing changed" in res.statements[0].message
    meta = Catalog(executor.connect(), "demo_dev").get("ods_log")
    assert meta is not None and meta.lifecycle == 7  # IF NOT EXISTS leaves the metadata alone


def test_ctas_with_lifecycle_before_as_and_like(executor: LocalExecutor) -> None:
    run(executor, "CREATE TABLE src (a BIGINT, b STRING)")
    run(executor, "INSERT INTO TABLE src VALUES (1, 'x'), (2, 'y')")
    res = run(executor, "CREATE TABLE copy1 LIFECYCLE 3 AS SELECT a, b, a + 1 FROM src")
    assert "2 rows" in res.statements[0].message
    meta = Catalog(executor.connect(), "demo_dev").get("copy1")
    assert meta is not None and meta.lifecycle == 3
    assert [c.name for c in meta.columns] == ["a", "b", "_c2"]
    run(executor, LOG_DDL)
    run(executor, "CREATE TABLE log2 LIKE ods_log")
    like = Catalog(executor.connect(), "demo_dev").get("log2")
    assert like is not None and like.partition_names == ["dt"] and like.lifecycle is None
    assert rows(executor, "SELECT count(*) FROM log2 WHERE dt = '1'") == [(0,)]


def test_drop_table(executor: LocalExecutor) -> None:
    run(executor, "CREATE TABLE t (a BIGINT)")
    run(executor, "DROP TABLE t")
    failed = fails(executor, "DROP TABLE t")
    assert failed.error is not None and failed.error.code == "ODPS-0130131"
    assert "nothing changed" in run(executor, "DROP TABLE IF EXISTS t").statements[0].message


def test_show_tables(executor: LocalExecutor) -> None:
    run(executor, "CREATE TABLE b1 (a BIGINT); CREATE TABLE a1 (a BIGINT)")
    assert rows(executor, "SHOW TABLES") == [("alice", "a1"), ("alice", "b1")]


# -- INSERT and partitions ---------------------------------------------------------------------------
def test_insert_overwrite_static_partition_replaces_only_that_partition(
    executor: LocalExecutor,
) -> None:
    run(executor, LOG_DDL)
    run(
        executor,
        "INSERT OVERWRITE TABLE ods_log PARTITION (dt='20250101') SELECT 1, 'a' UNION ALL SELECT 2, 'b'",
    )
    run(executor, "INSERT OVERWRITE TABLE ods_log PARTITION (dt='20250102') SELECT 9, 'z'")
    res = run(executor, "INSERT OVERWRITE TABLE ods_log PARTITION (dt='20250101') SELECT 3, 'c'")
    assert (
        res.statements[0].message == "1 row overwritten to demo_dev.ods_log partition dt=20250101"
    )
    assert rows(
        executor, "SELECT uid, url, dt FROM ods_log WHERE dt > '0' ORDER BY dt, uid LIMIT 10"
    ) == [
        (3, "c", "20250101"),
        (9, "z", "20250102"),
    ]
    parts = Catalog(executor.connect(), "demo_dev").partitions("ods_log")
    assert [(p.spec, p.row_count) for p in parts] == [("dt=20250101", 1), ("dt=20250102", 1)]


def test_insert_maps_columns_by_position_not_name(executor: LocalExecutor) -> None:
    run(executor, "CREATE TABLE t (a STRING, b STRING)")
    run(executor, "INSERT INTO TABLE t SELECT 'first' AS b, 'second' AS a")
    assert rows(executor, "SELECT a, b FROM t") == [("first", "second")]


def test_insert_column_count_mismatch(executor: LocalExecutor) -> None:
    run(executor, "CREATE TABLE t (a BIGINT, b STRING)")
    failed = fails(executor, "INSERT INTO TABLE t SELECT 1")
    assert "columns count 1 not equal to the 2 columns" in str(failed.error)


def test_dynamic_and_mixed_partitions(executor: LocalExecutor) -> None:
    run(executor, "CREATE TABLE sales (amt BIGINT) PARTITIONED BY (dt STRING, region STRING)")
    res = run(
        executor,
        "INSERT OVERWRITE TABLE sales PARTITION (dt='20250101', region) "
        "SELECT 10, 'east' UNION ALL SELECT 20, 'west' UNION ALL SELECT 30, 'east'",
    )
    assert set(res.statements[0].partitions_written) == {
        "demo_dev.sales/dt=20250101/region=east",
        "demo_dev.sales/dt=20250101/region=west",
    }
    run(executor, "INSERT INTO TABLE sales PARTITION (dt, region) VALUES (5, '20250102', 'north')")
    # overwrite of a dynamic partition replaces only the partitions the query produced
    run(executor, "INSERT OVERWRITE TABLE sales PARTITION (dt='20250101', region) SELECT 1, 'east'")
    got = rows(
        executor,
        "SELECT dt, region, sum(amt) FROM sales WHERE dt >= '0' GROUP BY dt, region ORDER BY dt, region LIMIT 9",
    )
    assert got == [("20250101", "east", 1), ("20250101", "west", 20), ("20250102", "north", 5)]


def test_static_partition_after_dynamic_is_refused(executor: LocalExecutor) -> None:
    run(executor, "CREATE TABLE sales (amt BIGINT) PARTITIONED BY (dt STRING, region STRING)")
    failed = fails(executor, "INSERT INTO TABLE sales PARTITION (dt, region='x') SELECT 1, '2025'")
    assert "static values must be given for the higher levels" in str(failed.error)


def test_null_dynamic_partition_value_is_refused(executor: LocalExecutor) -> None:
    run(executor, "CREATE TABLE sales (amt BIGINT) PARTITIONED BY (region STRING)")
    failed = fails(
        executor, "INSERT INTO TABLE sales PARTITION (region) SELECT 1, CAST(NULL AS STRING)"
    )
    assert failed.error is not None and failed.error.code == "ODPS-0123031"
    assert rows(executor, "SET odps.sql.allow.fullscan=true; SELECT count(*) FROM sales") == [(0,)]


def test_partitioned_insert_needs_partition_clause(executor: LocalExecutor) -> None:
    run(executor, LOG_DDL)
    failed = fails(executor, "INSERT INTO TABLE ods_log SELECT 1, 'a'")
    assert "needs a PARTITION" in str(failed.error)


def test_insert_overwrite_reading_its_own_partition(executor: LocalExecutor) -> None:
    run(executor, LOG_DDL)
    run(
        executor, "INSERT INTO TABLE ods_log PARTITION (dt='1') VALUES (1, 'a'), (1, 'a'), (2, 'b')"
    )
    run(
        executor,
        "INSERT OVERWRITE TABLE ods_log PARTITION (dt='1') SELECT DISTINCT uid, url FROM ods_log WHERE dt='1'",
    )
    assert rows(executor, "SELECT uid FROM ods_log WHERE dt='1' ORDER BY uid LIMIT 5") == [
        (1,),
        (2,),
    ]


def test_multi_insert(executor: LocalExecutor) -> None:
    run(
        executor,
        "CREATE TABLE s (k BIGINT, v STRING); INSERT INTO TABLE s VALUES (1,'a'),(2,'b'),(3,'c')",
    )
    run(
        executor,
        "CREATE TABLE big (k BIGINT) PARTITIONED BY (dt STRING); CREATE TABLE small (v STRING)",
    )
    res = run(
        executor,
        "FROM s INSERT OVERWRITE TABLE big PARTITION (dt='1') SELECT k WHERE k > 1 "
        "INSERT INTO TABLE small SELECT v WHERE k = 1",
    )
    assert res.statements[0].tables_written == ("demo_dev.big", "demo_dev.small")
    assert rows(executor, "SELECT k FROM big WHERE dt='1' ORDER BY k LIMIT 5") == [(2,), (3,)]
    assert rows(executor, "SELECT v FROM small") == [("a",)]


# -- UPDATE / DELETE / MERGE ---------------------------------------------------------------------------
def test_update_delete_refused_on_non_transactional(executor: LocalExecutor) -> None:
    run(executor, "CREATE TABLE t (a BIGINT)")
    for sql in ("UPDATE t SET a = 1", "DELETE FROM t WHERE a = 1"):
        failed = fails(executor, sql)
        assert "transactional" in str(failed.error)


def test_update_delete_merge_on_transactional(executor: LocalExecutor) -> None:
    run(executor, "CREATE TABLE acc (id BIGINT, bal BIGINT) TBLPROPERTIES ('transactional'='true')")
    run(executor, "INSERT INTO TABLE acc VALUES (1, 10), (2, 20)")
    assert (
        run(executor, "UPDATE acc SET bal = bal + 1 WHERE id = 1").statements[0].rows_affected == 1
    )
    assert run(executor, "DELETE FROM acc WHERE id = 2").statements[0].rows_affected == 1
    run(
        executor,
        "CREATE TABLE chg (id BIGINT, bal BIGINT); INSERT INTO TABLE chg VALUES (1, 100), (3, 300)",
    )
    run(
        executor,
        "MERGE INTO acc USING chg ON acc.id = chg.id "
        "WHEN MATCHED THEN UPDATE SET bal = chg.bal WHEN NOT MATCHED THEN INSERT VALUES (chg.id, chg.bal)",
    )
    assert rows(executor, "SELECT id, bal FROM acc ORDER BY id LIMIT 9") == [(1, 100), (3, 300)]


def test_primary_key_table_upserts(executor: LocalExecutor) -> None:
    run(
        executor,
        "CREATE TABLE dim (id BIGINT NOT NULL, name STRING, PRIMARY KEY (id)) TBLPROPERTIES ('transactional'='true')",
    )
    run(executor, "INSERT INTO TABLE dim VALUES (1, 'a'), (2, 'b')")
    run(executor, "INSERT INTO TABLE dim VALUES (2, 'B'), (3, 'c')")
    assert rows(executor, "SELECT id, name FROM dim ORDER BY id LIMIT 9") == [
        (1, "a"),
        (2, "B"),
        (3, "c"),
    ]


# -- ALTER / TRUNCATE ---------------------------------------------------------------------------
def test_alter_partitions(executor: LocalExecutor) -> None:
    run(executor, LOG_DDL)
    run(executor, "ALTER TABLE ods_log ADD IF NOT EXISTS PARTITION (dt='1') PARTITION (dt='2')")
    assert rows(executor, "SHOW PARTITIONS ods_log") == [("dt=1",), ("dt=2",)]
    failed = fails(executor, "ALTER TABLE ods_log ADD PARTITION (dt='1')")
    assert "already exists" in str(failed.error)
    run(executor, "INSERT INTO TABLE ods_log PARTITION (dt='2') VALUES (1, 'a')")
    run(executor, "ALTER TABLE ods_log DROP IF EXISTS PARTITION (dt='2')")
    assert rows(executor, "SHOW PARTITIONS ods_log") == [("dt=1",)]
    assert rows(executor, "SELECT count(*) FROM ods_log WHERE dt = '2'") == [(0,)]
    failed = fails(executor, "ALTER TABLE ods_log DROP PARTITION (dt='2')")
    assert "not found" in str(failed.error).lower()


def test_add_columns_keeps_partitions_last(executor: LocalExecutor) -> None:
    run(executor, LOG_DDL)
    run(executor, "INSERT INTO TABLE ods_log PARTITION (dt='1') VALUES (1, 'a')")
    run(executor, "ALTER TABLE ods_log ADD COLUMNS (ref STRING COMMENT 'referrer')")
    last = run(executor, "SELECT * FROM ods_log WHERE dt = '1'").last_query
    assert last is not None
    assert [c.name for c in last.columns] == ["uid", "url", "ref", "dt"]
    assert [tuple(r) for r in last.rows or []] == [(1, "a", None, "1")]
    run(executor, "INSERT INTO TABLE ods_log PARTITION (dt='1') VALUES (2, 'b', 'r')")
    assert rows(executor, "SELECT ref FROM ods_log WHERE dt='1' AND uid = 2") == [("r",)]


def test_truncate_table_and_partition(executor: LocalExecutor) -> None:
    run(executor, LOG_DDL)
    run(executor, "INSERT INTO TABLE ods_log PARTITION (dt) VALUES (1,'a','1'), (2,'b','2')")
    run(executor, "TRUNCATE TABLE ods_log PARTITION (dt='1')")
    assert rows(executor, "SELECT uid FROM ods_log WHERE dt IN ('1','2') ORDER BY uid LIMIT 5") == [
        (2,)
    ]
    run(executor, "TRUNCATE TABLE ods_log")
    assert rows(executor, "SELECT count(*) FROM ods_log WHERE dt IN ('1','2')") == [(0,)]
    assert rows(executor, "SHOW PARTITIONS ods_log") == [("dt=1",), ("dt=2",)]


# -- guards ---------------------------------------------------------------------------------------
def test_full_scan_guard_and_flag(executor: LocalExecutor) -> None:
    run(executor, LOG_DDL)
    failed = fails(executor, "SELECT count(*) FROM ods_log")
    assert failed.error is not None and failed.error.code == "ODPS-0130071"
    assert "Table(demo_dev,ods_log) is full scan with all partitions" in str(failed.error)
    assert rows(executor, "SET odps.sql.allow.fullscan=true;\nSELECT count(*) FROM ods_log") == [
        (0,)
    ]
    # a predicate in an outer query or a join counts, as MaxCompute pushes it down
    assert rows(executor, "SELECT count(*) FROM (SELECT * FROM ods_log) x WHERE x.dt = '1'") == [
        (0,)
    ]
    assert rows(
        executor, "WITH c AS (SELECT uid, dt FROM ods_log) SELECT count(*) FROM c WHERE dt = '1'"
    ) == [(0,)]
    fails(executor, "SELECT count(*) FROM ods_log WHERE uid = 1")


def test_order_by_without_limit(executor: LocalExecutor) -> None:
    failed = fails(executor, "SELECT 1 AS a ORDER BY a")
    assert "ORDER BY must be used with a LIMIT clause" in str(failed.error)
    assert rows(
        executor, "SET odps.sql.validate.orderby.limit=false; SELECT 1 AS a ORDER BY a"
    ) == [(1,)]
    assert rows(executor, "SELECT 1 AS a ORDER BY a LIMIT 1") == [(1,)]


def test_set_flags_last_only_for_the_script(executor: LocalExecutor) -> None:
    run(executor, LOG_DDL)
    run(executor, "SET odps.sql.allow.fullscan=true; SELECT count(*) FROM ods_log")
    fails(executor, "SELECT count(*) FROM ods_log")


# -- names ---------------------------------------------------------------------------------------
def test_dev_reads_prod_with_project_prefix(workspace: Workspace, clock: Clock) -> None:
    with LocalExecutor(workspace, "prod", user="ops", clock=clock) as prod:
        run(
            prod,
            "CREATE TABLE dim_city (id BIGINT, name STRING); INSERT INTO TABLE dim_city VALUES (1, 'Hangzhou')",
        )
    with LocalExecutor(workspace, "dev", user="alice", clock=clock) as dev:
        assert rows(dev, "SELECT name FROM demo.dim_city") == [("Hangzhou",)]
        failed = fails(dev, "SELECT name FROM dim_city")
        assert "demo_dev.dim_city cannot be resolved" in str(failed.error)
        # the hint says where the table is (a dev run reading what only production has)
        assert failed.error is not None and "it exists as demo.dim_city" in str(failed.error.hint)
        failed = fails(dev, "SELECT * FROM no_table_anywhere")
        assert failed.error is not None and "SHOW TABLES" in str(failed.error.hint)
        failed = fails(dev, "SELECT * FROM nosuch.t")
        assert "not a project of this workspace" in str(failed.error)
        failed = fails(dev, "SELECT * FROM demo.default.dim_city")
        assert "odps.namespace.schema=true" in str(failed.error)
        assert rows(
            dev, "SET odps.namespace.schema=true; SELECT name FROM demo.default.dim_city"
        ) == [("Hangzhou",)]


def test_unqualified_expression_names(executor: LocalExecutor) -> None:
    last = run(executor, "SELECT 1, 2 AS two, 3 + 4").last_query
    assert last is not None and [c.name for c in last.columns] == ["_c0", "two", "_c2"]


# -- failures and atomicity -------------------------------------------------------------------------
def test_failing_statement_stops_script_and_keeps_earlier_ones(executor: LocalExecutor) -> None:
    run(executor, "CREATE TABLE t (a BIGINT)")
    result = executor.run_script(
        "INSERT INTO TABLE t VALUES (1);\n\nSELECT nosuch FROM t;\nINSERT INTO TABLE t VALUES (2)"
    )
    assert len(result.statements) == 2
    assert result.error is not None and result.error.line == 3
    assert rows(executor, "SELECT a FROM t") == [(1,)]


def test_insert_overwrite_is_atomic_when_the_insert_fails(executor: LocalExecutor) -> None:
    run(executor, "CREATE TABLE t (a BIGINT) PARTITIONED BY (dt STRING)")
    run(executor, "INSERT INTO TABLE t PARTITION (dt='1') VALUES (1), (2)")
    # the DELETE of the old rows runs first; the conversion of 'x' fails during the INSERT
    fails(executor, "INSERT OVERWRITE TABLE t PARTITION (dt='1') SELECT 'x'")
    assert rows(executor, "SELECT a FROM t WHERE dt='1' ORDER BY a LIMIT 9") == [(1,), (2,)]


def test_insert_overwrite_is_atomic_under_injected_failure(
    executor: LocalExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(executor, "CREATE TABLE t (a BIGINT) PARTITIONED BY (dt STRING)")
    run(executor, "INSERT INTO TABLE t PARTITION (dt='1') VALUES (1), (2)")

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full (injected)")

    monkeypatch.setattr(Catalog, "upsert_partitions", boom)
    with pytest.raises(RuntimeError, match="injected"):
        executor.run_script("INSERT OVERWRITE TABLE t PARTITION (dt='1') SELECT 3")
    monkeypatch.undo()
    assert rows(executor, "SELECT a FROM t WHERE dt='1' ORDER BY a LIMIT 9") == [(1,), (2,)]
    parts = Catalog(executor.connect(), "demo_dev").partitions("t")
    assert [(p.spec, p.row_count) for p in parts] == [("dt=1", 2)]


def test_unsupported_statement_fails_loudly(executor: LocalExecutor) -> None:
    failed = fails(executor, "SELECT 1;\nGRANT SELECT ON TABLE t TO USER bob")
    assert failed.error is not None and failed.error.line == 2


def test_warehouse_survives_reopen(workspace: Workspace, clock: Clock) -> None:
    with LocalExecutor(workspace, "dev", clock=clock) as ex:
        run(ex, LOG_DDL + "; INSERT INTO TABLE ods_log PARTITION (dt='1') VALUES (1, 'a')")
    with LocalExecutor(workspace, "dev", clock=clock) as ex:
        assert rows(ex, "SELECT uid, url FROM ods_log WHERE dt = '1'") == [(1, "a")]


# -- lifecycle -------------------------------------------------------------------------------------
def test_lifecycle_sweep_drops_expired_partitions_and_tables(workspace: Workspace) -> None:
    from engine.executors.local.lifecycle import sweep

    day1 = datetime(2025, 1, 1, 8, 0)
    clock = Clock(day1)
    with LocalExecutor(workspace, "dev", clock=clock) as ex:
        run(ex, LOG_DDL + "; INSERT INTO TABLE ods_log PARTITION (dt='old') VALUES (1, 'a')")
        run(ex, "CREATE TABLE tmp_x (a BIGINT) LIFECYCLE 1; INSERT INTO TABLE tmp_x VALUES (1)")
        run(ex, "CREATE TABLE keep (a BIGINT)")
        clock.now = day1 + timedelta(days=5)
        run(ex, "INSERT INTO TABLE ods_log PARTITION (dt='new') VALUES (2, 'b')")
    now = day1 + timedelta(days=7, hours=1)
    preview = sweep(workspace, now=now, dry_run=True)
    assert {(r.table, r.partition) for r in preview} == {("ods_log", "dt=old"), ("tmp_x", None)}
    reclaimed = sweep(workspace, now=now)
    assert reclaimed == preview
    with LocalExecutor(workspace, "dev", clock=clock) as ex:
        assert rows(ex, "SHOW PARTITIONS ods_log") == [("dt=new",)]
        assert [r[1] for r in rows(ex, "SHOW TABLES")] == ["keep", "ods_log"]
    assert sweep(workspace, now=now) == []


def test_script_mode_is_one_job_all_or_nothing(executor: LocalExecutor) -> None:
    run(executor, "CREATE TABLE t (a BIGINT)")
    result = executor.run_script(
        "INSERT INTO TABLE t VALUES (1);\nINSERT INTO TABLE t VALUES ('x')", one_job=True
    )
    assert result.error is not None and result.error.line == 2
    assert "none of its statements wrote anything" in str(result.error)
    assert rows(executor, "SELECT count(*) FROM t") == [(0,)]
    assert run(executor, "INSERT INTO TABLE t VALUES (1); INSERT INTO TABLE t VALUES (2)").ok
    assert executor.run_script("INSERT INTO TABLE t VALUES (3)", one_job=True).ok
    assert rows(executor, "SELECT count(*) FROM t") == [(3,)]


# -- the plan cache (translations of queries kept for their next run) -------------------------------
@pytest.fixture
def cached(workspace: Workspace, clock: Clock) -> Iterator[tuple[LocalExecutor, PlanCache]]:
    plans = PlanCache()
    with LocalExecutor(workspace, "dev", user="alice", clock=clock, plan_cache=plans) as ex:
        yield ex, plans


def test_repeated_query_runs_its_kept_translation(
    cached: tuple[LocalExecutor, PlanCache], monkeypatch: pytest.MonkeyPatch
) -> None:
    ex, plans = cached
    run(ex, "CREATE TABLE t (a BIGINT); INSERT INTO TABLE t VALUES (1), (2)")
    query = "SELECT a, a * 10 FROM t ORDER BY a LIMIT 10"
    first = run(ex, query).last_query
    assert first is not None and len(plans) == 1

    def no_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a kept query was parsed again")

    monkeypatch.setattr("engine.executors.local.executor.parse_statement", no_parse)
    again = run(ex, query).last_query
    assert again is not None and plans.hits == 1
    assert (again.rows, again.columns, again.tables_read) == (
        first.rows,
        first.columns,
        first.tables_read,
    )
    assert [c.name for c in again.columns] == ["a", "_c1"]
    assert again.tables_read == ("demo_dev.t",)


def test_changed_metadata_retires_kept_translations(
    cached: tuple[LocalExecutor, PlanCache],
) -> None:
    ex, plans = cached
    query = "SELECT count(*) FROM t"
    run(ex, "CREATE TABLE t (a BIGINT); INSERT INTO TABLE t VALUES (1)")
    assert rows(ex, query) == [(1,)] and rows(ex, query) == [(1,)]
    assert plans.hits == 1
    # the same name is now a partitioned table: the full-scan guard must run again
    run(ex, "DROP TABLE t; CREATE TABLE t (a BIGINT) PARTITIONED BY (dt STRING)")
    failed = fails(ex, query)
    assert "Table(demo_dev,t) is full scan" in str(failed.error)
    # and once gone, MaxCompute's not-found error, not DuckDB's
    run(ex, "DROP TABLE t")
    failed = fails(ex, query)
    assert "demo_dev.t cannot be resolved" in str(failed.error)


def test_kept_translation_depends_on_flags_and_environment(
    workspace: Workspace, clock: Clock
) -> None:
    plans = PlanCache()
    with LocalExecutor(workspace, "prod", clock=clock, plan_cache=plans) as prod:
        run(prod, "CREATE TABLE t (a BIGINT); INSERT INTO TABLE t VALUES (7)")
    with LocalExecutor(workspace, "dev", clock=clock, plan_cache=plans) as dev:
        run(dev, LOG_DDL + "; CREATE TABLE t (a BIGINT); INSERT INTO TABLE t VALUES (1)")
        assert rows(dev, "SELECT a FROM t") == [(1,)]
        assert rows(dev, "SET odps.sql.allow.fullscan=true; SELECT count(*) FROM ods_log") == [(0,)]
        fails(dev, "SELECT count(*) FROM ods_log")  # same text, without the flag
    with LocalExecutor(workspace, "prod", clock=clock, plan_cache=plans) as prod:
        assert rows(prod, "SELECT a FROM t") == [(7,)]  # same text, other project
    assert plans.hits == 0


def test_refused_queries_and_one_job_scripts_are_not_kept(
    cached: tuple[LocalExecutor, PlanCache],
) -> None:
    ex, plans = cached
    run(ex, LOG_DDL)
    fails(ex, "SELECT count(*) FROM ods_log")
    fails(ex, "SELECT count(*) FROM nosuch")
    assert len(plans) == 0
    assert ex.run_script("SELECT count(*) FROM ods_log WHERE dt = '1'", one_job=True).ok
    assert len(plans) == 0


def test_query_failing_at_run_time_leaves_the_session_usable(
    cached: tuple[LocalExecutor, PlanCache],
) -> None:
    ex, _ = cached
    run(ex, "CREATE TABLE t (s STRING); INSERT INTO TABLE t VALUES ('1'), ('x')")
    for _ in range(2):  # translated, then kept
        failed = fails(ex, "SELECT CAST(s AS BIGINT) FROM t")
        assert failed.error is not None and "execution failed" in str(failed.error)
    run(ex, "INSERT INTO TABLE t VALUES ('2')")
    assert rows(ex, "SELECT count(*) FROM t") == [(3,)]


def test_lifecycle_sweep_retires_kept_translations(workspace: Workspace) -> None:
    from engine.executors.local.lifecycle import sweep

    clock = Clock(datetime(2025, 1, 1, 8, 0))
    plans = PlanCache()
    with LocalExecutor(workspace, "dev", clock=clock, plan_cache=plans) as ex:
        run(ex, "CREATE TABLE tmp_x (a BIGINT) LIFECYCLE 1; INSERT INTO TABLE tmp_x VALUES (1)")
        assert rows(ex, "SELECT a FROM tmp_x") == [(1,)]
        assert [r.table for r in sweep(workspace, now=clock.now + timedelta(days=3))] == ["tmp_x"]
        failed = fails(ex, "SELECT a FROM tmp_x")
        assert "demo_dev.tmp_x cannot be resolved" in str(failed.error)


def test_metadata_generation_is_renewed_by_writes_and_their_end(workspace: Workspace) -> None:
    from engine.executors.local.catalog import forget_files

    with LocalExecutor(workspace, "dev") as ex:
        run(ex, "CREATE TABLE t (a BIGINT)")
        catalog = ex.session().catalog("demo_dev")
        meta = catalog.get("t")
        assert meta is not None
        seen = [catalog.generation()]
        conn = ex.connect()
        conn.execute("BEGIN TRANSACTION")
        catalog.touch("t", datetime(2025, 1, 1))  # a write renews it at once ...
        seen.append(catalog.generation())
        conn.execute("COMMIT")
        catalog.settle()  # ... and its end again (another thread may have read in between)
        seen.append(catalog.generation())
        catalog.settle()  # nothing written since: unchanged
        seen.append(catalog.generation())
        assert seen[0] != seen[1] != seen[2] == seen[3]
        assert catalog.cache_key is not None
        forget_files([catalog.cache_key])
        assert catalog.generation() not in seen
        assert Catalog(conn, "demo_dev").generation() is None  # not shared: nothing kept


def test_plan_cache_is_bounded() -> None:
    plans = PlanCache(capacity=2)
    for i in range(3):
        plans.put(i, PreparedQuery(f"SELECT {i}", ()))
    assert len(plans) == 2 and plans.get(0) is None and plans.get(2) is not None
    with pytest.raises(ValueError):
        PlanCache(capacity=0)


def test_very_long_queries_are_not_kept(cached: tuple[LocalExecutor, PlanCache]) -> None:
    from engine.executors.local.plans import MAX_TEXT

    ex, plans = cached
    padding = " " * MAX_TEXT
    assert rows(ex, f"SELECT 1{padding}AS a") == [(1,)]
    assert len(plans) == 0
    assert rows(ex, "SELECT 1 AS a") == [(1,)] and len(plans) == 1


def test_a_syntax_error_names_its_line_in_the_script(executor: LocalExecutor) -> None:
    failed = fails(executor, "SELECT 1;\n\nSELECT 2;\nselec 3")
    assert failed.error is not None and failed.error.line == 4
    assert str(failed.error).startswith("line 4: ")
    failed = fails(
        executor, "SELECT 1;\nSELECT *\nFROM"
    )  # the error is on the statement's 2nd line
    assert failed.error is not None and failed.error.line == 3
