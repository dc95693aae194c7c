"""Data Map: collection from a real workspace (DuckDB files), search, detail, refresh after runs,
favourites, preview through run_sql, lineage from deployed SQL (tables and columns)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.api import Api
from engine.datamap import TableNotFound
from engine.errors import MaxworksError
from engine.workspace import Workspace
from tests.conftest import Clock

SETUP = """
CREATE TABLE ods_orders (
    order_id BIGINT COMMENT 'order id',
    user_id  BIGINT COMMENT 'buyer',
    amount   DECIMAL(10,2) COMMENT 'paid amount'
) COMMENT 'orders exported from the shop database' PARTITIONED BY (dt STRING) LIFECYCLE 30;
INSERT INTO ods_orders PARTITION (dt='20250313') VALUES (1, 10, 9.50), (2, 11, 3.25);
INSERT INTO ods_orders PARTITION (dt='20250314') VALUES (3, 10, 1.00);
CREATE TABLE dim_user (
    id    BIGINT COMMENT 'user id',
    name  STRING COMMENT 'user name',
    phone STRING COMMENT 'mobile phone number'
) COMMENT 'users of the shop';
INSERT INTO dim_user VALUES (10, 'ann', '13800001111'), (11, 'bob', '13900002222');
CREATE TABLE dwd_orders (
    order_id BIGINT COMMENT 'order id',
    user_id BIGINT,
    user_name STRING COMMENT 'buyer name',
    amount_cents BIGINT COMMENT 'paid amount in cents'
) COMMENT 'orders, cleaned' PARTITIONED BY (dt STRING) LIFECYCLE 90;
CREATE TABLE ads_sales (user_name STRING, total BIGINT COMMENT 'sales in cents')
    PARTITIONED BY (dt STRING);
CREATE TABLE phone_book (owner_name STRING, number STRING) COMMENT 'phone numbers by hand';
"""

DWD = """-- clean the orders and add the buyer's name
INSERT OVERWRITE TABLE dwd_orders PARTITION (dt='${bizdate}')
SELECT o.order_id, o.user_id, u.name AS user_name, CAST(o.amount * 100 AS BIGINT) AS amount_cents
FROM ods_orders o LEFT JOIN dim_user u ON o.user_id = u.id
WHERE o.dt = '${bizdate}';
"""
ADS = """WITH d AS (SELECT user_name, amount_cents FROM dwd_orders WHERE dt = '${bizdate}')
INSERT OVERWRITE TABLE ads_sales PARTITION (dt='${bizdate}')
SELECT user_name, SUM(amount_cents) AS total FROM d GROUP BY user_name;
"""
REPORT = "SELECT count(*) FROM ads_sales WHERE dt = '${bizdate}';\n"
P = ["bizdate=$bizdate"]


def build(root: Path, clock: Clock, *, deploy: bool = True) -> Api:
    ws = Workspace.init(root, project="shop")
    api = Api(ws, user="alice", clock=clock)
    for env in ("prod", "dev"):
        run = api.run_sql(SETUP, env=env)
        assert run.result.error is None, run.result.error
    if deploy:
        api.studio.create_node("dwd_orders", "sales", "odps_sql", code=DWD, params=P)
        api.studio.create_node("ads_sales", "sales", "odps_sql", code=ADS, params=P)
        api.studio.create_node("report", "sales", "odps_sql", code=REPORT, params=P)
        api.studio.commit(message="v1")
        api.studio.deploy(message="go")
    return api


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """Read-only tests share one workspace; tests that change it build their own."""
    return build(tmp_path_factory.mktemp("dm") / "ws", Clock())


@pytest.fixture
def fresh(tmp_path: Path, clock: Clock) -> Api:
    return build(tmp_path / "ws", clock, deploy=False)


# -- collection and detail --------------------------------------------------------------------------
def test_collects_tables_of_both_environments_with_schema_and_partitions(shop: Api) -> None:
    d = shop.datamap.show("shop.ods_orders")
    assert (d.project, d.env, d.owner, d.lifecycle) == ("shop", "prod", "alice", 30)
    assert d.comment == "orders exported from the shop database"
    assert [(c.name, c.type, c.comment, c.is_partition) for c in d.columns] == [
        ("order_id", "BIGINT", "order id", False),
        ("user_id", "BIGINT", "buyer", False),
        ("amount", "DECIMAL(10,2)", "paid amount", False),
        ("dt", "STRING", "", True),
    ]
    assert d.partitioned and d.partition_count == 2 and d.row_count == 3
    assert [(p.spec, p.row_count) for p in d.partitions] == [("dt=20250314", 1), ("dt=20250313", 2)]
    assert d.partitions[0].modified_at is not None
    dev = shop.datamap.show("shop_dev.ods_orders")
    assert dev.env == "dev"
    user = shop.datamap.show("dim_user")  # unqualified: the production table
    assert user.project == "shop" and user.row_count == 2 and not user.partitioned


def test_unknown_table_is_a_clear_error_with_suggestions(shop: Api) -> None:
    with pytest.raises(TableNotFound, match=r"no table shop\.dim_usr") as err:
        shop.datamap.show("shop.dim_usr")
    assert err.value.hint is not None and "map refresh" in err.value.hint
    with pytest.raises(TableNotFound, match=r"did you mean shop.*ods_orders"):
        shop.datamap.show("ods_order")
    with pytest.raises(MaxworksError, match="unknown environment"):
        shop.datamap.search("x", env="staging")


# -- search -------------------------------------------------------------------------------------------
def test_name_hits_rank_above_column_hits_with_highlights(shop: Api) -> None:
    hits = shop.datamap.search("phone", project="shop").hits
    assert [h.qualified for h in hits] == ["shop.phone_book", "shop.dim_user"]
    book, user = hits
    assert book.matched == "name" and book.name_spans == ((0, 5),)
    assert book.comment_spans == ((0, 5),)  # 'phone numbers by hand'
    assert user.matched == "column" and user.name_spans == ()
    (col,) = user.columns
    assert (col.name, col.name_spans, col.comment, col.comment_spans) == (
        "phone",
        ((0, 5),),
        "mobile phone number",
        ((7, 12),),
    )


def test_prefix_matching_and_exact_name_first(shop: Api) -> None:
    hits = shop.datamap.search("ord", env="prod").hits
    names = [h.qualified for h in hits]
    assert names[:2] == ["shop.dwd_orders", "shop.ods_orders"] or names[:2] == [
        "shop.ods_orders",
        "shop.dwd_orders",
    ]
    assert all(h.name_spans == ((4, 7),) for h in hits[:2])
    exact = shop.datamap.search("dwd_orders", env="prod").hits
    assert exact[0].qualified == "shop.dwd_orders" and exact[0].name_spans == ((0, 3), (4, 10))
    # user_id is a phrase (a column user_id, a comment 'user id'); words apart are not
    by_column = {h.qualified for h in shop.datamap.search("user_id", env="prod").hits}
    assert by_column == {"shop.ods_orders", "shop.dwd_orders", "shop.dim_user"}
    assert "shop.ods_orders" in {h.qualified for h in shop.datamap.search("order user").hits}
    assert "shop.ods_orders" not in {h.qualified for h in shop.datamap.search("order_user").hits}
    assert shop.datamap.search("zzzz").hits == ()


def test_filters_project_env_owner_layer_and_project_prefix(shop: Api) -> None:
    def names(**kw: str) -> set[str]:
        return {h.qualified for h in shop.datamap.search(kw.pop("q", "orders"), **kw).hits}

    assert names() == {
        "shop.ods_orders",
        "shop.dwd_orders",
        "shop_dev.ods_orders",
        "shop_dev.dwd_orders",
    }
    assert names(env="dev") == {"shop_dev.ods_orders", "shop_dev.dwd_orders"}
    assert names(project="shop", layer="ods") == {"shop.ods_orders"}
    assert names(layer="dwd_") == {"shop.dwd_orders", "shop_dev.dwd_orders"}
    assert names(owner="bob") == set()
    assert names(q="shop_dev.orders") == {"shop_dev.ods_orders", "shop_dev.dwd_orders"}
    listed = [h.qualified for h in shop.datamap.search("", project="shop").hits]
    assert listed == sorted(listed, key=lambda q: q.split(".")[1]) and len(listed) == 5
    assert all(h.matched == "filter" for h in shop.datamap.search("", env="dev").hits)


def test_owner_filter_uses_the_collected_owner(fresh: Api) -> None:
    bob = Api(fresh.workspace, user="bob", clock=fresh.clock)
    bob.run_sql("CREATE TABLE bob_notes (note STRING COMMENT 'orders to check');")
    hits = fresh.datamap.search("orders", owner="bob").hits
    assert [(h.qualified, h.owner, h.matched) for h in hits] == [
        ("shop_dev.bob_notes", "bob", "column")
    ]


# -- refresh after the workspace's own runs -------------------------------------------------------------
def ok(api: Api, sql: str) -> None:
    run = api.run_sql(sql, env="prod")
    assert run.result.error is None, run.result.error


def test_ddl_and_dml_through_run_sql_refresh_the_map(fresh: Api) -> None:
    dm = fresh.datamap
    assert dm.search("refunds").hits == ()
    fresh.run_sql(
        "CREATE TABLE ods_refunds (refund_id BIGINT COMMENT 'refund') COMMENT 'money back' "
        "PARTITIONED BY (dt STRING) LIFECYCLE 7;",
        env="prod",
    )
    (hit,) = dm.search("refunds").hits
    assert hit.qualified == "shop.ods_refunds" and hit.comment == "money back"
    fresh.run_sql("INSERT INTO ods_refunds PARTITION (dt='20250314') VALUES (1), (2);", env="prod")
    d = dm.show("shop.ods_refunds")
    assert [(p.spec, p.row_count) for p in d.partitions] == [("dt=20250314", 2)]
    assert (d.written_by, d.written_at) == ("alice", "2025-03-15 10:00:00")
    ok(fresh, "ALTER TABLE ods_refunds ADD COLUMNS (reason STRING COMMENT 'why it was paid back');")
    (hit,) = dm.search("why").hits
    assert hit.matched == "column" and hit.columns[0].name == "reason"
    ok(
        fresh,
        "DROP TABLE ods_refunds; CREATE TABLE ods_refunds (refund_id BIGINT) COMMENT 'refunds paid' "
        "PARTITIONED BY (dt STRING);",
    )
    assert dm.search("money").hits == () and dm.search("why").hits == ()  # old words left
    assert [h.qualified for h in dm.search("paid refunds").hits] == ["shop.ods_refunds"]
    ok(fresh, "ALTER TABLE ods_refunds RENAME TO ods_refund_orders;")
    assert [h.qualified for h in dm.search("refund", env="prod").hits] == ["shop.ods_refund_orders"]
    ok(fresh, "DROP TABLE ods_refund_orders;")
    assert dm.search("refund", env="prod").hits == ()
    with pytest.raises(TableNotFound):
        dm.show("shop.ods_refund_orders")


def test_a_query_records_last_access(fresh: Api, clock: Clock) -> None:
    fresh.datamap.search("")  # first use collects
    clock.now = clock.now.replace(hour=11)
    fresh.run_sql("SELECT count(*) FROM dim_user;", env="prod")
    d = fresh.datamap.show("shop.dim_user")
    assert (d.read_at, d.read_by) == ("2025-03-15 11:00:00", "alice")


def test_first_collection_takes_last_access_from_the_query_history(
    fresh: Api, clock: Clock
) -> None:
    clock.now = clock.now.replace(hour=12)
    fresh.run_sql("SELECT count(*) FROM dim_user;", env="prod")
    db = fresh.workspace.open_state()
    try:  # as in a workspace whose history is older than the Data Map
        db.execute("DELETE FROM dm_access")
    finally:
        db.close()
    d = fresh.datamap.show("shop.dim_user")
    assert (d.read_at, d.read_by) == ("2025-03-15 12:00:00", "alice")
    assert (d.written_at, d.written_by) == ("2025-03-15 10:00:00", "alice")  # the setup's INSERT


def test_refresh_on_demand_sees_changes_made_behind_the_map(fresh: Api) -> None:
    from engine.executors.local.executor import LocalExecutor

    fresh.datamap.search("")
    with LocalExecutor(fresh.workspace, "prod", user="carol") as ex:  # not through the Api
        assert ex.run_script("CREATE TABLE hidden_gem (x BIGINT);").error is None
    assert fresh.datamap.search("gem").hits == ()
    report = fresh.datamap.refresh(["shop.hidden_gem"])
    assert report.tables == 1
    assert fresh.datamap.show("hidden_gem").owner == "carol"
    with LocalExecutor(fresh.workspace, "prod", user="carol") as ex:
        ex.run_script("DROP TABLE hidden_gem; DROP TABLE phone_book;")
    full = fresh.datamap.refresh()
    assert full.removed == 2 and set(full.projects) == {"shop", "shop_dev"}
    assert fresh.datamap.search("gem").hits == ()


# -- favourites and preview ---------------------------------------------------------------------------
def test_favourites_belong_to_the_os_user(fresh: Api) -> None:
    dm = fresh.datamap
    assert dm.favourite("shop.dim_user") is True
    assert dm.show("shop.dim_user").favourite and dm.favourites() == ["shop.dim_user"]
    bob = Api(fresh.workspace, user="bob", clock=fresh.clock)
    assert bob.datamap.favourites() == [] and not bob.datamap.show("shop.dim_user").favourite
    assert dm.favourite("shop.dim_user") is False  # a toggle
    assert dm.favourite("shop.dim_user", on=False) is False and dm.favourites() == []


def test_preview_runs_through_run_sql_on_the_newest_partition(fresh: Api) -> None:
    env, sql = fresh.datamap.preview_sql("shop.ods_orders", 5)
    assert env == "prod"
    assert sql == "SELECT * FROM `shop`.`ods_orders` WHERE `dt` = '20250314' LIMIT 5;"
    run = fresh.datamap.preview("shop.ods_orders", 5)
    last = run.result.last_query
    assert last is not None and [tuple(r) for r in last.rows or []] == [
        (3, 10, pytest.approx(1), "20250314")
    ]
    db = fresh.workspace.open_state()
    try:  # an ordinary query: recorded like any other (and checked, once the API checks)
        (script,) = db.execute(
            "SELECT script FROM query_history ORDER BY id DESC LIMIT 1"
        ).fetchone()
    finally:
        db.close()
    assert script == sql


# -- lineage ---------------------------------------------------------------------------------------------
def test_producing_and_consuming_nodes(shop: Api) -> None:
    d = shop.datamap.show("shop.dwd_orders")
    assert d.producers == ("dwd_orders",) and d.consumers == ("ads_sales",)
    assert shop.datamap.show("shop.ads_sales").consumers == ("report",)
    assert shop.datamap.show("shop.ods_orders").producers == ()
    # from the deployed snapshots' outputs, named after production: the dev table's too
    assert shop.datamap.show("shop_dev.dwd_orders").producers == ("dwd_orders",)


def test_table_lineage_both_directions_with_depth_limits(shop: Api) -> None:
    up = shop.datamap.lineage("ads_sales", up=5, down=5)
    assert [(e.depth, e.table, e.parent, e.nodes) for e in up.upstream] == [
        (1, "shop.dwd_orders", "shop.ads_sales", ("ads_sales",)),
        (2, "shop.dim_user", "shop.dwd_orders", ("dwd_orders",)),
        (2, "shop.ods_orders", "shop.dwd_orders", ("dwd_orders",)),
    ]
    assert up.downstream == ()
    one = shop.datamap.lineage("ads_sales", up=1, down=0)
    assert [e.table for e in one.upstream] == ["shop.dwd_orders"]
    down = shop.datamap.lineage("shop.ods_orders", up=0, down=5)
    assert [(e.depth, e.table) for e in down.downstream] == [
        (1, "shop.dwd_orders"),
        (2, "shop.ads_sales"),
    ]


def test_column_lineage_through_joins_ctes_and_aggregates(shop: Api) -> None:
    lin = shop.datamap.lineage("dwd_orders", columns=True, up=3, down=3)
    ups = {(e.parent_column, e.table, e.column) for e in lin.upstream if e.depth == 1}
    assert ups == {
        ("order_id", "shop.ods_orders", "order_id"),
        ("user_id", "shop.ods_orders", "user_id"),
        ("user_name", "shop.dim_user", "name"),
        ("amount_cents", "shop.ods_orders", "amount"),
    }
    downs = {(e.parent_column, e.table, e.column) for e in lin.downstream}
    assert downs == {
        ("user_name", "shop.ads_sales", "user_name"),
        ("amount_cents", "shop.ads_sales", "total"),
    }
    total = shop.datamap.lineage("ads_sales", columns=True, up=2, down=0)
    chain = [
        (e.depth, e.table, e.column)
        for e in total.upstream
        if e.depth and _under(total, e, "total")
    ]
    assert chain == [(1, "shop.dwd_orders", "amount_cents"), (2, "shop.ods_orders", "amount")]


def _under(lin: object, edge: object, column: str) -> bool:
    from engine.cli.map_cmd import _subtree

    return edge in _subtree(lin.upstream, column)  # type: ignore[attr-defined]


def test_lineage_follows_a_new_deployment(tmp_path: Path, clock: Clock) -> None:
    api = build(tmp_path / "ws", clock)
    assert [e.table for e in api.datamap.lineage("ads_sales", up=1).upstream] == ["shop.dwd_orders"]
    path = api.workspace.workflows_dir / "sales" / "ads_sales.sql"
    path.write_text(
        "INSERT OVERWRITE TABLE ads_sales PARTITION (dt='${bizdate}')\n"
        "SELECT name, count(*) AS total FROM dim_user GROUP BY name;\n",
        encoding="utf-8",
    )
    api.studio.commit(message="from users")
    api.studio.deploy(message="go")
    assert [e.table for e in api.datamap.lineage("ads_sales", up=1).upstream] == ["shop.dim_user"]
    assert api.datamap.show("dwd_orders").consumers == ()


# -- CLI ------------------------------------------------------------------------------------------------
def test_cli_search_show_lineage_refresh_favourite(shop: Api) -> None:
    from click.testing import CliRunner

    from engine.cli import main

    root = str(shop.workspace.root)

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["-w", root, *args])
        assert result.exit_code == 0, result.output
        return result.output

    out = run("map", "search", "phone", "--project", "shop")
    assert out.splitlines()[0].split() == ["TABLE", "ENV", "OWNER", "MATCH", "COMMENT"]
    assert "shop.phone_book" in out.splitlines()[1] and "column phone STRING" in out
    data = json.loads(run("map", "search", "ord", "--env", "prod", "--format", "json"))
    assert {h["table"] for h in data["hits"]} == {"shop.ods_orders", "shop.dwd_orders"}
    assert data["hits"][0]["name_spans"] == [[4, 7]]
    show = run("map", "show", "shop.dwd_orders")
    assert "produced by: dwd_orders" in show and "read by:     ads_sales" in show
    assert "amount_cents" in show and "lifecycle:  90 days" in show
    lin = run("lineage", "ads_sales", "--up", "2")
    assert "<- shop.dwd_orders  (node ads_sales)" in lin and "<- shop.ods_orders" in lin
    cols = run("lineage", "dwd_orders", "--columns", "--down", "0", "--up", "1")
    assert "shop.dwd_orders.user_name\n    <- shop.dim_user.name  (node dwd_orders)" in cols
    assert run("map", "refresh", "shop.dim_user").startswith("refreshed 1 named tables of shop")
    result = CliRunner().invoke(main, ["-w", root, "map", "show", "nope"])
    assert result.exit_code == 1 and "no table nope" in result.output


def test_scheduler_runs_refresh_the_map(tmp_path: Path, clock: Clock) -> None:
    from datetime import date

    api = build(tmp_path / "ws", clock)
    assert api.datamap.show("shop.dwd_orders").partitions == ()
    iid = api.ops.test_run("dwd_orders", date(2025, 3, 14))
    (info,) = api.ops.wait([iid], timeout=60)
    assert info.state.name == "SUCCESS", info.error
    d = api.datamap.show("shop.dwd_orders")
    assert [(p.spec, p.row_count) for p in d.partitions] == [("dt=20250314", 1)]
    assert d.written_by == "alice"  # the scheduler acts for the operator who asked for the run
    assert api.datamap.show("shop.dim_user").read_by == "alice"


def test_lifecycle_sweep_updates_the_map(fresh: Api) -> None:
    from datetime import datetime, timedelta

    fresh.datamap.search("")
    assert fresh.datamap.show("shop.ods_orders").partition_count == 2
    later = datetime.now() + timedelta(days=400)  # the engine stamps partitions with real time
    reclaimed = fresh.lifecycle_sweep(now=later)
    assert {f"{r.project}.{r.table}" for r in reclaimed} >= {"shop.ods_orders"}
    d = fresh.datamap.show("shop.ods_orders")
    assert (d.partition_count, d.partitions) == (0, ())


def test_preview_is_refused_then_granted_and_masked(tmp_path: Path, clock: Clock) -> None:
    """The Data Map's preview is subject to Security: refused without a grant on a production
    table; after a request is approved it works, with the sensitive column masked."""
    from engine.errors import PermissionDenied

    owner = build(tmp_path / "ws", clock, deploy=False)
    admin = Api(owner.workspace, user=owner.security.members()[0].user, clock=clock)
    admin.security.add_member("dave", "developer")
    dave = Api(owner.workspace, user="dave", clock=clock)
    assert [h.qualified for h in dave.datamap.search("phone", project="shop").hits][-1] == (
        "shop.dim_user"
    )
    with pytest.raises(PermissionDenied, match="no select permission on production table"):
        dave.datamap.preview("shop.dim_user")
    request = dave.security.request("shop.dim_user", reason="segment report", days=7)
    admin.security.approve(request.id, "ok")
    run = dave.datamap.preview("shop.dim_user")
    last = run.result.last_query
    assert last is not None and [c.name for c in last.columns] == ["id", "name", "phone"]
    phones = [str(r[2]) for r in last.rows or []]
    assert len(phones) == 2 and all(p not in ("13800001111", "13900002222") for p in phones)
    assert all(len(p) and p != "None" for p in phones), phones


def test_tables_a_remote_script_touches_come_from_its_sql() -> None:
    from engine.datamap.lineage import script_tables

    script = (
        "SET odps.sql.allow.fullscan=true;\n"
        "CREATE TABLE IF NOT EXISTS t2 (a BIGINT);\n"
        "WITH c AS (SELECT a FROM p.src) INSERT OVERWRITE TABLE t2 SELECT a FROM c JOIN dim d ON 1=1;\n"
        "DROP TABLE IF EXISTS old_t; ALTER TABLE x ADD COLUMNS (c STRING); TRUNCATE TABLE y;\n"
        "SELECT 1;"
    )
    assert script_tables(script, "shop") == (
        ("p.src", "shop.dim"),
        ("shop.old_t", "shop.t2", "shop.x", "shop.y"),
    )
    assert script_tables("INSERT INTO t SELECT 'unterminated FROM s;", "shop") == ((), ())


def test_a_table_marked_stale_is_read_again_before_its_detail(fresh: Api) -> None:
    """The scheduler of a remote engine only marks what its runs changed (no metadata calls in
    its loop); the detail of such a table re-reads it first."""
    from engine.datamap import store
    from engine.executors.local.executor import LocalExecutor

    assert fresh.datamap.show("shop.ods_orders").partition_count == 2
    with LocalExecutor(fresh.workspace, "prod", user="carol") as ex:
        assert ex.run_script(
            "INSERT INTO ods_orders PARTITION (dt='20250315') VALUES (4, 1, 1.0);"
        ).ok
    assert fresh.datamap.show("shop.ods_orders").partition_count == 2  # nobody said
    db = fresh.workspace.open_state()
    try:
        store.mark_stale(db, ["shop.ods_orders"], fresh.clock())
    finally:
        db.close()
    assert fresh.datamap.show("shop.ods_orders").partition_count == 3
    db = fresh.workspace.open_state()
    try:
        assert not store.is_stale(db, "shop.ods_orders")
    finally:
        db.close()


def test_refresh_completes_column_lineage_once_the_columns_are_known(
    tmp_path: Path, clock: Clock
) -> None:
    api = build(tmp_path / "ws", clock, deploy=False)
    code = "INSERT OVERWRITE TABLE late_t SELECT name FROM dim_user;\n"
    api.studio.create_node("late", "sales", "odps_sql", code=code, params=P)
    api.studio.commit(message="v1")
    api.studio.deploy(message="go")
    lin = api.datamap.lineage("dim_user", columns=True, up=0, down=1)  # late_t does not exist
    assert lin.downstream == ()
    ok(api, "CREATE TABLE late_t (who STRING);")
    api.datamap.refresh()
    lin = api.datamap.lineage("dim_user", columns=True, up=0, down=1)
    assert [(e.parent_column, e.table, e.column) for e in lin.downstream] == [
        ("name", "shop.late_t", "who")
    ]
