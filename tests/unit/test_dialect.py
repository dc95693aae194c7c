"""Parse tests for the MaxCompute dialect: every DDL/DML form gives a structured tree."""

from __future__ import annotations

import pytest
from sqlglot import exp

from engine.errors import SqlError, UnsupportedSqlError
from engine.sql.dialect import (
    LifecycleProperty,
    MaxCompute,
    ShowPartitions,
    parse_statement,
    parse_statements,
)


def _props(tree: exp.Expr) -> list[exp.Expr]:
    props = tree.args.get("properties")
    return list(props.expressions) if props else []


def _prop(tree: exp.Expr, cls: type[exp.Expr]) -> exp.Expr:
    found = [p for p in _props(tree) if isinstance(p, cls)]
    assert found, f"no {cls.__name__} in {tree!r}"
    return found[0]


def test_create_table_full_tree() -> None:
    tree = parse_statement(
        "CREATE TABLE IF NOT EXISTS sale_detail (shop_name STRING COMMENT 'shop', "
        "total_price DOUBLE) COMMENT 'sales' "
        "PARTITIONED BY (sale_date STRING COMMENT 'day', region STRING) "
        "TBLPROPERTIES('transactional'='true') LIFECYCLE 7"
    )
    assert isinstance(tree, exp.Create)
    assert tree.args["exists"] is True
    schema = tree.this
    assert isinstance(schema, exp.Schema)
    assert [c.name for c in schema.expressions] == ["shop_name", "total_price"]
    comment = schema.expressions[0].find(exp.CommentColumnConstraint)
    assert comment is not None and comment.this.this == "shop"
    assert _prop(tree, exp.SchemaCommentProperty).this.this == "sales"
    partitioned = _prop(tree, exp.PartitionedByProperty)
    assert [c.name for c in partitioned.this.expressions] == ["sale_date", "region"]
    assert partitioned.this.expressions[0].args["kind"].is_type("text")
    lifecycle = _prop(tree, LifecycleProperty)
    assert lifecycle.this.this == "7"
    tbl = [p for p in _props(tree) if type(p) is exp.Property]
    assert tbl[0].this.this == "transactional" and tbl[0].args["value"].this == "true"


def test_create_table_primary_key() -> None:
    tree = parse_statement(
        "CREATE TABLE t (a BIGINT NOT NULL, b STRING, PRIMARY KEY (a)) "
        "TBLPROPERTIES('transactional'='true')"
    )
    assert isinstance(tree, exp.Create)
    pk = tree.find(exp.PrimaryKey)
    assert pk is not None
    assert tree.find(exp.NotNullColumnConstraint) is not None


def test_create_types() -> None:
    tree = parse_statement(
        "CREATE TABLE t (a DECIMAL(10,2), b ARRAY<STRING>, c MAP<STRING,BIGINT>, "
        "d STRUCT<x:BIGINT, y:STRING>, e DATETIME, f VARCHAR(10), g CHAR(3), h BINARY, "
        "i TIMESTAMP, j TINYINT, k DATE)"
    )
    kinds = [c.args["kind"] for c in tree.this.expressions]
    assert kinds[0].is_type("decimal")
    assert kinds[1].is_type("array")
    assert kinds[2].is_type("map")
    assert kinds[3].is_type("struct")
    assert kinds[4].is_type("datetime")
    assert kinds[5].expressions  # VARCHAR(10) keeps its length in DDL


def test_ctas_lifecycle_before_as() -> None:
    tree = parse_statement("CREATE TABLE t LIFECYCLE 7 AS SELECT 1 AS a")
    assert isinstance(tree, exp.Create)
    assert isinstance(tree.expression, exp.Select)
    assert _prop(tree, LifecycleProperty).this.this == "7"


def test_create_like_lifecycle() -> None:
    tree = parse_statement("CREATE TABLE IF NOT EXISTS t LIKE s LIFECYCLE 3")
    assert _prop(tree, exp.LikeProperty).this.name == "s"
    assert _prop(tree, LifecycleProperty).this.this == "3"


def test_round_trip_lifecycle() -> None:
    sql = "CREATE TABLE t (a BIGINT) PARTITIONED BY (dt STRING) LIFECYCLE 7"
    assert parse_statement(sql).sql(dialect=MaxCompute) == sql


def test_alter_add_partitions() -> None:
    tree = parse_statement(
        "ALTER TABLE t ADD IF NOT EXISTS PARTITION (dt='1', hh='2') PARTITION (dt='3', hh='4')"
    )
    assert isinstance(tree, exp.Alter)
    actions = tree.args["actions"]
    assert len(actions) == 2
    assert all(isinstance(a, exp.AddPartition) and a.args["exists"] for a in actions)
    spec = actions[1].this
    assert isinstance(spec, exp.Partition)
    assert [(e.this.name, e.expression.this) for e in spec.expressions] == [
        ("dt", "3"),
        ("hh", "4"),
    ]


def test_alter_add_single_partition_without_if() -> None:
    tree = parse_statement("ALTER TABLE t ADD PARTITION (dt='1')")
    action = tree.args["actions"][0]
    assert isinstance(action, exp.AddPartition) and not action.args.get("exists")


def test_alter_drop_partitions() -> None:
    tree = parse_statement("ALTER TABLE t DROP IF EXISTS PARTITION (dt='1'), PARTITION (dt='2')")
    action = tree.args["actions"][0]
    assert isinstance(action, exp.DropPartition)
    assert action.args["exists"] is True
    assert len(action.expressions) == 2
    assert all(isinstance(p, exp.Partition) for p in action.expressions)


def test_alter_add_columns() -> None:
    tree = parse_statement("ALTER TABLE t ADD COLUMNS (c BIGINT COMMENT 'x', d STRING)")
    defs = list(tree.find_all(exp.ColumnDef))
    assert [d.name for d in defs] == ["c", "d"]


def test_alter_set_lifecycle() -> None:
    tree = parse_statement("ALTER TABLE t SET LIFECYCLE 10")
    assert tree.find(LifecycleProperty) is not None


def test_truncate_with_partition() -> None:
    tree = parse_statement("TRUNCATE TABLE t PARTITION (dt='1')")
    assert isinstance(tree, exp.TruncateTable)
    assert isinstance(tree.args["partition"], exp.Partition)
    assert isinstance(parse_statement("TRUNCATE TABLE t"), exp.TruncateTable)


@pytest.mark.parametrize("sql", ["DESC t", "DESCRIBE t", "DESC EXTENDED p.t"])
def test_describe(sql: str) -> None:
    tree = parse_statement(sql)
    assert isinstance(tree, exp.Describe)
    assert tree.this.name == "t"


def test_show_statements() -> None:
    tables = parse_statement("SHOW TABLES")
    assert isinstance(tables, exp.Show) and tables.name == "TABLES"
    like = parse_statement("SHOW TABLES IN proj LIKE 'sale*'")
    assert like.args["like"].this == "sale*" and like.args["db"].name == "proj"
    parts = parse_statement("SHOW PARTITIONS p.t PARTITION (dt='1')")
    assert isinstance(parts, ShowPartitions)
    assert parts.this.name == "t" and isinstance(parts.args["partition"], exp.Partition)
    create = parse_statement("SHOW CREATE TABLE t")
    assert create.name == "CREATE TABLE" and create.args["target"].name == "t"


def test_insert_overwrite_static_and_dynamic_partition() -> None:
    tree = parse_statement("INSERT OVERWRITE TABLE t PARTITION (dt='x', hh) SELECT a, b, h FROM s")
    assert isinstance(tree, exp.Insert)
    assert tree.args["overwrite"] is True
    partition = tree.this.args["partition"]
    assert isinstance(partition.expressions[0], exp.EQ)
    assert isinstance(partition.expressions[1], exp.Column)
    assert isinstance(tree.expression, exp.Select)


def test_insert_values_with_partition_and_columns() -> None:
    tree = parse_statement(
        "INSERT INTO TABLE t PARTITION (dt='x') (a, b) VALUES (1, 'a'), (2, 'b')"
    )
    assert isinstance(tree, exp.Insert)
    assert isinstance(tree.this, exp.Schema)
    assert tree.this.this.args["partition"] is not None
    assert isinstance(tree.expression, exp.Values)
    assert len(tree.expression.expressions) == 2


def test_multi_insert() -> None:
    tree = parse_statement(
        "FROM s INSERT OVERWRITE TABLE a PARTITION (dt='1') SELECT x WHERE y > 1 "
        "INSERT INTO TABLE b SELECT z"
    )
    assert isinstance(tree, exp.MultitableInserts)
    assert tree.args["source"].name == "s"
    inserts = tree.expressions
    assert [i.this.name for i in inserts] == ["a", "b"]
    assert inserts[0].args["overwrite"] and not inserts[1].args.get("overwrite")


def test_update_delete_merge() -> None:
    assert isinstance(parse_statement("UPDATE t SET a = 1 WHERE b = 2"), exp.Update)
    assert isinstance(parse_statement("DELETE FROM t WHERE b = 2"), exp.Delete)
    merge = parse_statement(
        "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN UPDATE SET t.b = s.b "
        "WHEN NOT MATCHED THEN INSERT VALUES (s.a, s.b)"
    )
    assert isinstance(merge, exp.Merge)


def test_set_keeps_raw_value() -> None:
    tree = parse_statement("SET odps.sql.timezone=Asia/Shanghai")
    assert isinstance(tree, exp.Set)
    item = tree.expressions[0].this
    assert item.this.name == "odps.sql.timezone"
    assert item.expression.this == "Asia/Shanghai"


def test_typed_literals_are_strict_casts() -> None:
    tree = parse_statement(
        "SELECT 1Y, 1S, 100L, 3.5BD, 3.14F, 3.14D, DATETIME '2017-11-11 00:00:00', "
        "DATE '2017-11-11', TIMESTAMP '2017-11-11 00:00:00.123456789'"
    )
    casts = tree.expressions
    assert all(type(c) is exp.Cast for c in casts)
    kinds = [c.to.this for c in casts]
    t = exp.DataType.Type
    assert kinds == [
        t.TINYINT,
        t.SMALLINT,
        t.BIGINT,
        t.DECIMAL,
        t.FLOAT,
        t.DOUBLE,
        t.DATETIME,
        t.DATE,
        t.TIMESTAMP,
    ]


def test_cast_is_not_try_cast() -> None:
    tree = parse_statement("SELECT CAST(a AS BIGINT) FROM t")
    assert type(tree.expressions[0]) is exp.Cast


def test_odps_functions_stay_anonymous() -> None:
    tree = parse_statement(
        "SELECT DATEADD(d, 1, 'mm'), DATEDIFF(a, b, 'mm'), TO_CHAR(d, 'yyyymmdd'), "
        "SPLIT_PART(s, ',', 2, 3), INSTR(s, 'e', 3, 2), WM_CONCAT(',', s) FROM t"
    )
    names = [e.name.upper() for e in tree.expressions]
    assert all(isinstance(e, exp.Anonymous) for e in tree.expressions)
    assert names == ["DATEADD", "DATEDIFF", "TO_CHAR", "SPLIT_PART", "INSTR", "WM_CONCAT"]
    assert len(tree.expressions[3].expressions) == 4  # the end argument is kept


def test_lateral_view_and_trans_array() -> None:
    tree = parse_statement("SELECT k, tag FROM t LATERAL VIEW EXPLODE(SPLIT(s, ',')) tt AS tag")
    assert tree.find(exp.Lateral) is not None
    udtf = parse_statement("SELECT TRANS_ARRAY(1, ',', k, c1, c2) AS (k, a, b) FROM t")
    assert isinstance(udtf.expressions[0], exp.Aliases)


def test_parse_statements_script() -> None:
    trees = parse_statements("SELECT 1; SELECT 2;\n;")
    assert len(trees) == 2


def test_syntax_error_has_line() -> None:
    with pytest.raises(SqlError) as info:
        parse_statement("SELECT 1\nFROM t WHERE (a = 1")
    assert "syntax error" in str(info.value)


def test_command_fallback_is_refused() -> None:
    with pytest.raises(UnsupportedSqlError):
        parse_statement("SHOW GRANTS")


def test_parse_statement_needs_exactly_one() -> None:
    with pytest.raises(SqlError):
        parse_statement("SELECT 1; SELECT 2")
