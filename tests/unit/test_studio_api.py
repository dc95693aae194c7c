"""The engine API DataStudio's pane works through: editing the working copy a file at a time,
the catalog for completion, the cost estimate before a run, and a test instance's result file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from engine.api import Api
from engine.errors import ConfigError, WorkspaceError
from engine.scheduler.model import DagType
from engine.studio.cost import CostReport, TableRead, format_bytes
from engine.workspace import Workspace
from tests.conftest import Clock

SALES = "SELECT id, amount, '${bizdate}' AS d FROM orders WHERE ds = '${bizdate}';\n"


@pytest.fixture
def api(tmp_path: Path) -> Api:
    ws = Workspace.init(tmp_path / "ws", project="shop")
    api = Api(ws, user="alice", clock=Clock())
    api.run_sql(
        "CREATE TABLE orders (id BIGINT, amount DOUBLE, note STRING) PARTITIONED BY (ds STRING);\n"
        "INSERT INTO orders PARTITION (ds='20250313') VALUES (1, 2.5, 'a'), (2, 3.5, 'b');\n"
        "INSERT INTO orders PARTITION (ds='20250314') VALUES (3, 1.0, 'c');\n"
        "CREATE TABLE users (id BIGINT, name STRING);\n"
        "INSERT INTO users VALUES (1, 'x'), (2, 'y'), (3, 'z'), (4, 'w');\n"
    )
    api.studio.create_node("daily", "sales", "sql", code=SALES, params=["bizdate=$bizdate"])
    api.studio.create_node("start", "sales", "virtual")
    return api


# -- editing the working copy ---------------------------------------------------------------------
def test_read_and_save_code_keep_the_text_byte_for_byte(api: Api) -> None:
    path, text = api.studio.read_code("daily")
    assert path == api.workspace.workflows_dir / "sales" / "daily.sql" and text == SALES
    assert api.studio.save_code("daily", "SELECT 1;\r\n-- crlf kept\r\n") == path
    assert path.read_bytes() == b"SELECT 1;\r\n-- crlf kept\r\n"
    assert api.studio.read_code("start") == (None, "")
    with pytest.raises(WorkspaceError, match="has no code file"):
        api.studio.save_code("start", "x")
    with pytest.raises(WorkspaceError, match="no node named 'nope'"):
        api.studio.read_code("nope")
    assert not list(path.parent.glob(".*.tmp"))  # atomic writes leave nothing behind


def test_save_node_validates_before_writing(api: Api) -> None:
    draft = api.studio.show_node("daily").draft
    assert draft is not None
    config = api.workspace.workflows_dir / "sales" / "daily.toml"
    before = config.read_text()
    bad = replace(draft, schedule=replace(draft.schedule, cron="99 99 99 * * ?"))
    with pytest.raises(ConfigError):
        api.studio.save_node(bad)
    assert config.read_text() == before  # a refused form writes nothing
    saved = api.studio.save_node(replace(draft, description="orders of the day"))
    assert saved.description == "orders of the day" and saved.code == SALES
    assert 'description = "orders of the day"' in config.read_text()


def test_rollback_writes_a_committed_version_back(api: Api) -> None:
    api.studio.commit(["daily"], "v1")
    api.studio.save_code("daily", "SELECT 2 AS two;\n")
    api.studio.commit(["daily"], "v2")
    restored = api.studio.rollback("daily", 1)
    assert restored.code == SALES and api.studio.read_code("daily")[1] == SALES
    assert api.studio.diff("daily", 1) == ""  # the working copy resolves exactly to v1
    assert "+SELECT 2 AS two" in api.studio.diff("daily", 1, 2)
    with pytest.raises(WorkspaceError, match=r"no version 7 \(versions: 1, 2\)"):
        api.studio.rollback("daily", 7)


# -- catalog ----------------------------------------------------------------------------------------
def test_catalog_lists_tables_and_columns_of_every_project(api: Api) -> None:
    api.run_sql("CREATE TABLE prod_only (k STRING);", env="prod")
    tables = {f"{t.project}.{t.name}": t for t in api.catalog()}
    assert set(tables) == {"shop_dev.orders", "shop_dev.users", "shop.prod_only"}
    orders = tables["shop_dev.orders"]
    assert [c.name for c in orders.columns] == ["id", "amount", "note"]
    assert [c.name for c in orders.partition_columns] == ["ds"]
    assert [t.name for t in api.catalog("prod")] == ["prod_only"]


# -- cost estimate -----------------------------------------------------------------------------------
def test_estimate_counts_the_partitions_a_query_keeps(api: Api) -> None:
    # widths: id 8 + amount 8 + note 32 + ds 32 = 80 bytes a row
    report = api.estimate_cost(SALES, bizdate=date(2025, 3, 13))
    assert report.tables == (TableRead("shop_dev.orders", 2, 160, 1, 2, False),)
    assert (report.input_rows, report.input_bytes, report.statements) == (2, 160, 1)
    assert report.summary() == "~160 B from 1 table (2 rows)"
    ranged = api.estimate_cost("SELECT * FROM orders WHERE ds >= '20250301' AND amount > 1;")
    assert ranged.tables[0].partitions == 2 and ranged.input_rows == 3
    none = api.estimate_cost("SELECT * FROM orders o WHERE o.ds = '20990101';")
    assert none.input_rows == 0 and none.tables[0].partitions == 0


def test_estimate_flags_full_scans_and_joins(api: Api) -> None:
    report = api.estimate_cost(
        "SET odps.sql.allow.fullscan=true;\n"
        "WITH u AS (SELECT * FROM users)\n"
        "SELECT * FROM orders o JOIN u ON o.id = u.id;\n"
    )
    by_name = {t.table: t for t in report.tables}
    assert by_name["shop_dev.orders"] == TableRead("shop_dev.orders", 3, 240, 2, 2, True)
    assert by_name["shop_dev.users"] == TableRead("shop_dev.users", 4, 160)
    assert report.full_scan and report.input_bytes == 400
    assert report.summary().endswith("· full scan of shop_dev.orders")


def test_estimate_does_not_count_what_an_insert_writes_and_notes_what_it_cannot_see(
    api: Api,
) -> None:
    report = api.estimate_cost(
        "INSERT OVERWRITE TABLE users SELECT id, note FROM orders WHERE ds = '20250314';\n"
        "SELECT * FROM missing;\nSELECT FROM WHERE;\nSHOW TABLES;\n"
    )
    assert [t.table for t in report.tables] == ["shop_dev.orders"]
    assert report.input_rows == 1
    assert any("missing" in n and "line 2" in n for n in report.notes)
    assert any(n.startswith("statement 3 (line 3)") for n in report.notes)
    assert api.estimate_cost("SELECT 1;").summary() == "reads no table"


def test_a_large_estimate_and_sizes() -> None:
    big = CostReport("local", input_bytes=3 << 30, input_rows=10)
    assert big.is_large() and not big.is_large(4 << 30)
    assert format_bytes(512) == "512 B" and format_bytes(3 << 30) == "3.0 GB"
    assert format_bytes(1536) == "1.5 KB"


# -- a test instance's result -----------------------------------------------------------------------
def test_a_test_run_keeps_its_result_for_the_grid(api: Api) -> None:
    iid = api.ops.test_run("daily", date(2025, 3, 13), working_copy=True, result_limit=1)
    info = api.ops.wait([iid], scope=(int(DagType.SMOKE_TEST), api.ops.instance(iid).dag_id))[0]
    assert info.status_label == "succeeded"
    result = api.ops.result(iid)
    assert result is not None
    assert result.table.to_pylist() == [{"id": 1, "amount": 2.5, "d": "20250313"}]
    assert [c.odps_type for c in result.columns] == ["BIGINT", "DOUBLE", "STRING"]
    assert result.total_rows is None and result.truncated  # more rows than the limit kept
    # an instance without a result file (a virtual node here) has no rows to show
    other = api.ops.test_run("start", date(2025, 3, 13), working_copy=True)
    api.ops.wait([other], scope=(int(DagType.SMOKE_TEST), api.ops.instance(other).dag_id))
    assert api.ops.result(other) is None
