"""Dependencies: auto-parse of ODPS SQL, output names, the DAG, invalid dependencies, cycles."""

from __future__ import annotations

import pytest

from engine.errors import SqlError
from engine.scheduler.model import NodeType
from engine.studio.deps import (
    DependencyError,
    Naming,
    ParsedIO,
    build_dag,
    check_acyclic,
    effective_inputs,
    effective_outputs,
    find_cycle,
    parse_io,
    snapshot,
)
from engine.studio.draft import NodeDraft
from engine.studio.spec import BranchCondition, NodeSpec

STANDARD = Naming("shop", "shop", "shop_dev")
BASIC = Naming("solo", "solo", None)


def io(code: str, params: tuple[tuple[str, str], ...] = (("bizdate", "$bizdate"),)) -> ParsedIO:
    return parse_io(code, NodeType.ODPS_SQL, params, STANDARD)


def test_insert_overwrite_partition_reads_and_writes() -> None:
    parsed = io(
        "INSERT OVERWRITE TABLE dwd_orders PARTITION (ds='${bizdate}')\n"
        "SELECT o.id, u.name FROM ods_orders o JOIN dim_user u ON o.uid = u.id\n"
        "WHERE o.ds = '${bizdate}';"
    )
    assert parsed == ParsedIO(("shop.dim_user", "shop.ods_orders"), ("shop.dwd_orders",))


def test_ctas_and_create_table() -> None:
    parsed = io(
        "CREATE TABLE IF NOT EXISTS tmp_orders LIFECYCLE 1 AS SELECT * FROM ods_orders;\n"
        "CREATE TABLE IF NOT EXISTS dim_x (id BIGINT) PARTITIONED BY (ds STRING) LIFECYCLE 30;\n"
        "CREATE TABLE copy_of LIKE template_table;"
    )
    assert parsed.outputs == ("shop.copy_of", "shop.dim_x", "shop.tmp_orders")
    assert parsed.inputs == ("shop.ods_orders",)  # LIKE copies a schema: no dependency


def test_multi_insert() -> None:
    parsed = io(
        "FROM ods_orders o\n"
        "INSERT OVERWRITE TABLE paid PARTITION (ds='${bizdate}') SELECT o.id WHERE o.paid = 1\n"
        "INSERT OVERWRITE TABLE unpaid PARTITION (ds='${bizdate}') SELECT o.id WHERE o.paid = 0;"
    )
    assert parsed == ParsedIO(("shop.ods_orders",), ("shop.paid", "shop.unpaid"))


def test_ctes_are_not_tables() -> None:
    parsed = io(
        "WITH recent AS (SELECT * FROM ods_orders WHERE ds = '${bizdate}'),\n"
        "     big AS (SELECT * FROM recent WHERE amount > 100)\n"
        "INSERT INTO TABLE report SELECT * FROM big JOIN dim_user ON big.uid = dim_user.id;"
    )
    assert parsed == ParsedIO(("shop.dim_user", "shop.ods_orders"), ("shop.report",))


def test_dev_qualified_and_other_project_names() -> None:
    parsed = io("INSERT OVERWRITE TABLE shop_dev.t SELECT * FROM shop_dev.a JOIN other.b ON 1=1 JOIN SHOP.C ON 1=1;")  # fmt: skip
    assert parsed == ParsedIO(("other.b", "shop.a", "shop.c"), ("shop.t",))
    assert parse_io("INSERT INTO t SELECT * FROM a;", NodeType.ODPS_SQL, (), BASIC) == ParsedIO(
        ("solo.a",), ("solo.t",)
    )


def test_set_ddl_and_commands_make_no_dependency() -> None:
    parsed = io(
        "SET odps.sql.allow.fullscan=true;\n"
        "DROP TABLE IF EXISTS old_table;\n"
        "ALTER TABLE t ADD IF NOT EXISTS PARTITION (ds='${bizdate}');\n"
        "DESC ods_orders;\n"
        "GRANT SELECT ON TABLE t TO USER bob;\n"
        "SELECT COUNT(*) FROM ods_orders WHERE ds='${bizdate}';"
    )
    assert parsed == ParsedIO(("shop.ods_orders",), ())


def test_parameters_are_substituted_before_parsing() -> None:
    params = (("bizdate", "$bizdate"), ("target", "'dws_sales'"))
    parsed = io("INSERT OVERWRITE TABLE ${target} PARTITION (ds=${bizdate}) SELECT * FROM src_${undeclared};", params)  # fmt: skip
    assert parsed == ParsedIO(("shop.src_0",), ("shop.dws_sales",))


def test_non_sql_nodes_parse_nothing() -> None:
    assert parse_io("echo $1 > /tmp/x", NodeType.SHELL, (), STANDARD) == ParsedIO()
    assert parse_io("", NodeType.ODPS_SQL, (), STANDARD) == ParsedIO()


def test_parse_error_reports_the_line_of_the_script() -> None:
    with pytest.raises(SqlError) as caught:
        io("SELECT 1;\n\n-- comment\nSELECT *\nFORM t;")
    assert caught.value.line == 5


def test_effective_inputs_and_outputs() -> None:
    draft = NodeDraft(
        name="report",
        workflow="w",
        type=NodeType.ODPS_SQL,
        inputs=("shop_dev.manual", "shop.a"),
        outputs=("shop.extra",),
        exclude_inputs=("shop.uploaded",),
    )
    parsed = ParsedIO(
        ("shop.a", "shop.uploaded", "shop.report_tmp", "shop.b"), ("shop.report_tmp",)
    )
    assert effective_inputs(draft, parsed, STANDARD) == ("shop.a", "shop.b", "shop.manual")
    assert effective_outputs(draft, parsed, STANDARD) == (
        "shop.report",
        "shop.extra",
        "shop.report_tmp",
    )
    off = NodeDraft(name="report", workflow="w", type=NodeType.ODPS_SQL, inputs=("shop.x",), auto_parse=False)  # fmt: skip
    assert effective_inputs(off, parsed, STANDARD) == ("shop.x",)
    assert effective_outputs(off, parsed, STANDARD) == ("shop.report",)


def test_branch_outputs_are_outputs() -> None:
    branch = NodeDraft(name="route", workflow="w", type=NodeType.BRANCH, branches=(BranchCondition("${x}==1", "shop.route_yes"),))  # fmt: skip
    assert snapshot(branch, ParsedIO(), STANDARD).outputs == ("shop.route", "shop.route_yes")


def node(name: str, inputs: tuple[str, ...] = (), outputs: tuple[str, ...] = ()) -> NodeSpec:
    return NodeSpec(name=name, workflow="w", type=NodeType.VIRTUAL, inputs=inputs, outputs=(f"shop.{name}", *outputs))  # fmt: skip


def test_dag_root_and_invalid_dependencies() -> None:
    dag = build_dag(
        [node("a", ("shop.uploaded",)), node("b", ("shop.a", "shop.t")), node("c", outputs=("shop.t",))],
        STANDARD,
    )  # fmt: skip
    assert dag.root == "shop_root"
    assert dag.upstream == {
        "shop_root": (),
        "a": ("shop_root",),
        "b": ("a", "c"),
        "c": ("shop_root",),
    }
    assert dag.downstream["shop_root"] == ("a", "c") and dag.downstream["a"] == ("b",)
    assert [(i.node, i.input) for i in dag.invalid] == [("a", "shop.uploaded")]
    assert "has no producing node" in str(dag.invalid[0])
    explicit_root = build_dag([node("x", ("shop_root",))], STANDARD)
    assert explicit_root.upstream["x"] == ("shop_root",) and not explicit_root.invalid


def test_an_output_produced_twice_names_both_nodes() -> None:
    with pytest.raises(DependencyError, match=r"shop\.t is produced by two nodes: a and b"):
        build_dag([node("b", outputs=("shop.t",)), node("a", outputs=("shop.t",))], STANDARD)
    lenient = build_dag([node("b", outputs=("shop.t",)), node("a", outputs=("shop.t",))], STANDARD, strict=False)  # fmt: skip
    assert lenient.conflicts and lenient.producers["shop.t"] == "b"


def test_cycle_refused_with_its_path() -> None:
    dag = build_dag(
        [node("a", ("shop.c",)), node("b", ("shop.a",)), node("c", ("shop.b",)), node("d", ("shop.c",))],
        STANDARD,
    )  # fmt: skip
    with pytest.raises(DependencyError) as caught:
        check_acyclic(dag)
    assert "dependency cycle: a -> b -> c -> a" in str(caught.value)


def test_self_read_is_not_a_cycle() -> None:
    spec = node("acc", ("shop.acc",))
    dag = build_dag([spec], STANDARD)
    check_acyclic(dag)
    assert dag.upstream["acc"] == ("shop_root",)


def test_find_cycle_is_iterative_on_long_chains() -> None:
    n = 50_000  # far beyond Python's recursion limit
    edges = {f"n{i}": [f"n{i + 1}"] for i in range(n)}
    assert find_cycle(edges) is None
    edges[f"n{n}"] = ["n0"]
    cycle = find_cycle(edges)
    assert cycle is not None and cycle[0] == cycle[-1] and len(cycle) == n + 2


def test_naming() -> None:
    assert STANDARD.output("SHOP_DEV.Orders") == "shop.orders"
    assert STANDARD.output("shop_root") == "shop_root"
    assert STANDARD.node_output("Dwd") == "shop.dwd"
    assert BASIC.output("solo_dev.x") == "solo_dev.x"  # basic mode has no dev project
