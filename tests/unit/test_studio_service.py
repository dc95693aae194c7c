"""DataStudio's lifecycle: create, commit (versions, checks), deploy (standard vs basic), diff."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from engine.errors import ConfigError, MaxworksError, ParamError, WorkspaceError
from engine.studio import versions as version_store
from engine.studio.checks import CommitError, DeployError
from engine.studio.deps import DependencyError
from engine.studio.service import Studio
from engine.workspace import Workspace
from tests.conftest import Clock

LOAD = "INSERT OVERWRITE TABLE ods_orders PARTITION (ds='${bizdate}')\nSELECT * FROM raw_orders WHERE ds='${bizdate}';\n"  # fmt: skip
CLEAN = "INSERT OVERWRITE TABLE dwd_orders PARTITION (ds='${bizdate}')\nSELECT id, amount FROM shop_dev.ods_orders WHERE ds='${bizdate}';\n"  # fmt: skip
REPORT = "INSERT OVERWRITE TABLE ads_report PARTITION (ds='${bizdate}')\nSELECT COUNT(*) FROM dwd_orders WHERE ds='${bizdate}';\n"  # fmt: skip
P = ["bizdate=$bizdate"]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws", project="shop")


@pytest.fixture
def studio(ws: Workspace, clock: Clock) -> Studio:
    return Studio(ws, user="alice", clock=clock)


def pipeline(studio: Studio) -> None:
    studio.create_node("ods_orders", "sales", "sql", code=LOAD, params=P)
    studio.create_node("dwd_orders", "sales", "odps_sql", code=CLEAN, params=P)
    studio.create_node(
        "ads_report", "report", "sql", code=REPORT, params=P, cycle="daily", at=time(2)
    )


def code_file(ws: Workspace, workflow: str, name: str) -> Path:
    return ws.workflows_dir / workflow / f"{name}.sql"


def test_create_node_writes_files_and_refuses_existing_names(studio: Studio, ws: Workspace) -> None:
    draft = studio.create_node("ods_orders", "sales", "sql", code=LOAD, params=P)
    assert draft.owner == "alice" and draft.params == (("bizdate", "$bizdate"),)
    assert 0 <= int(draft.schedule.cron.split()[1]) <= 30  # DataWorks: a time in 00:00-00:30
    assert code_file(ws, "sales", "ods_orders").read_text(encoding="utf-8") == LOAD
    with pytest.raises(WorkspaceError, match="already exists"):
        studio.create_node("ODS_orders", "other", "virtual")
    with pytest.raises(ConfigError, match="unknown node type"):
        studio.create_node("x", "sales", "spark")
    with pytest.raises(WorkspaceError, match="no node named 'nope'"):
        studio.create_node("x", "sales", "virtual", depends=["nope"])
    with pytest.raises(ParamError):
        studio.create_node("x", "sales", "virtual", params=["a = $bizdate"])
    with pytest.raises(WorkspaceError, match="virtual nodes have no code"):
        studio.create_node("x", "sales", "virtual", code="echo")


def test_create_node_schedules_by_form_and_depends_on_nodes(studio: Studio, tmp_path: Path) -> None:
    studio.create_node("start", "flow", "virtual", cycle="hourly", interval=6)
    script = tmp_path / "job.sh"
    script.write_text("echo $1\n", encoding="utf-8")
    job = studio.create_node("job", "flow", "shell", code=script, cron="00 00 03 ? * 1,5", depends=["start", "shop.uploaded"])  # fmt: skip
    assert job.code == "echo $1\n" and job.inputs == ("shop.start", "shop.uploaded")
    assert job.schedule.cycle.value == "week"
    assert studio.show_node("start").status.cron == "00 00 00-23/6 * * ?"


def test_commit_versions_only_changed_nodes(studio: Studio, ws: Workspace, clock: Clock) -> None:
    pipeline(studio)
    first = studio.commit(message="initial")
    assert [(v.node, v.version, v.change) for v in first.versions] == [
        ("ads_report", 1, "new"), ("dwd_orders", 1, "new"), ("ods_orders", 1, "new"),
    ]  # fmt: skip
    assert studio.commit(message="again").versions == ()
    clock.now += timedelta(hours=1)
    code_file(ws, "sales", "dwd_orders").write_text(
        CLEAN.replace("id, amount", "id"), encoding="utf-8"
    )
    second = studio.commit(message="drop amount")
    assert [(v.node, v.version, v.change) for v in second.versions] == [("dwd_orders", 2, "modify")]
    assert (
        second.versions[0].committed_at == clock.now and second.versions[0].committed_by == "alice"
    )


def test_versions_are_immutable_snapshots(studio: Studio, ws: Workspace) -> None:
    pipeline(studio)
    studio.commit(message="v1")
    before = studio.versions("dwd_orders")[0]
    assert before.spec is not None and "id, amount" in before.spec.code
    assert before.spec.inputs == ("shop.ods_orders",) and before.spec.outputs == (
        "shop.dwd_orders",
    )
    code_file(ws, "sales", "dwd_orders").write_text(
        CLEAN.replace("id, amount", "id"), encoding="utf-8"
    )
    studio.commit(message="v2")
    history = studio.versions("dwd_orders")
    assert [v.version for v in history] == [2, 1]
    assert history[1] == before  # the old version did not move


def test_commit_selected_nodes_only(studio: Studio) -> None:
    pipeline(studio)
    result = studio.commit(["ods_orders"], message="just the load")
    assert [v.node for v in result.versions] == ["ods_orders"]
    with pytest.raises(WorkspaceError, match="no node named 'ghost'"):
        studio.commit(["ghost"], message="x")
    with pytest.raises(MaxworksError, match="needs a message"):
        studio.commit(message="  ")


def test_commit_warns_about_inputs_nobody_produces(studio: Studio) -> None:
    pipeline(studio)
    warnings = studio.commit(["ods_orders", "dwd_orders"], message="m").warnings
    assert any("shop.raw_orders has no producing node" in w for w in warnings)
    studio.create_node("extra", "sales", "sql", code="INSERT INTO t SELECT * FROM ads_report;")
    warnings = studio.commit(["extra"], message="m").warnings
    assert any("comes from node ads_report, which is not committed yet" in w for w in warnings)


def test_commit_refuses_a_cycle_and_prints_its_path(studio: Studio, ws: Workspace) -> None:
    pipeline(studio)
    studio.commit(message="ok")
    # the load now reads the report: ods_orders -> dwd_orders -> ads_report -> ods_orders
    code_file(ws, "sales", "ods_orders").write_text(LOAD.replace("raw_orders", "ads_report"), encoding="utf-8")  # fmt: skip
    with pytest.raises(DependencyError) as caught:
        studio.commit(message="cycle")
    assert "ads_report -> ods_orders -> dwd_orders -> ads_report" in str(caught.value)
    assert [v.version for v in studio.versions("ods_orders")] == [1]  # nothing committed


def test_commit_refuses_code_that_does_not_parse(studio: Studio, ws: Workspace) -> None:
    studio.create_node("bad", "w", "sql", code="SELECT 1;\n\nSELECT *\nFORM t;\n")
    with pytest.raises(CommitError) as caught:
        studio.commit(message="x")
    assert f"{code_file(ws, 'w', 'bad')}:4:" in str(caught.value)
    assert studio.versions("bad") == []


def test_commit_refuses_two_producers_and_unknown_cross_cycle_nodes(
    studio: Studio, ws: Workspace
) -> None:
    studio.create_node("a", "w", "sql", code="INSERT INTO t SELECT 1;")
    studio.create_node("b", "w", "sql", code="INSERT INTO t SELECT 2;")
    with pytest.raises(DependencyError, match=r"shop\.t is produced by two nodes: a and b"):
        studio.commit(message="x")
    (ws.workflows_dir / "w" / "b.toml").unlink()
    (ws.workflows_dir / "w" / "c.toml").write_text(
        'type = "virtual"\n[cross_cycle]\nnodes = ["zz"]\n'
    )
    with pytest.raises(CommitError, match="no committed node named 'zz'"):
        studio.commit(message="x")


def test_standard_mode_deploy(studio: Studio, ws: Workspace) -> None:
    pipeline(studio)
    studio.commit(message="v1")
    assert [p.node for p in studio.pending_deploy()] == ["ads_report", "dwd_orders", "ods_orders"]
    assert studio.deployed() == {}
    done = studio.deploy(message="go live")
    assert [(d.node, d.version, d.change) for d in done] == [
        ("ads_report", 1, "new"), ("dwd_orders", 1, "new"), ("ods_orders", 1, "new"),
    ]  # fmt: skip
    assert studio.pending_deploy() == [] and studio.deploy(message="again") == []
    prod = studio.deployed()
    assert prod["dwd_orders"].inputs == ("shop.ods_orders",)
    assert all(v.deployed for v in studio.versions("dwd_orders"))
    code_file(ws, "sales", "dwd_orders").write_text(
        CLEAN.replace("id, amount", "id"), encoding="utf-8"
    )
    studio.commit(message="v2")
    assert [(p.node, p.version, p.deployed_version) for p in studio.pending_deploy()] == [
        ("dwd_orders", 2, 1)
    ]
    assert "id, amount" in studio.deployed()["dwd_orders"].code  # production runs v1 until deploy
    studio.deploy(["dwd_orders"], message="v2")
    assert "id, amount" not in studio.deployed()["dwd_orders"].code


def test_deploy_refuses_a_node_whose_parent_is_not_in_production(studio: Studio) -> None:
    pipeline(studio)
    studio.commit(message="v1")
    with pytest.raises(DeployError, match="produced by ods_orders, which is not in production"):
        studio.deploy(["dwd_orders", "ads_report"], message="partial")
    assert studio.deployed() == {}  # all or none
    studio.deploy(["ods_orders", "dwd_orders"], message="ok")
    assert sorted(studio.deployed()) == ["dwd_orders", "ods_orders"]
    with pytest.raises(DeployError, match="nothing committed for ghost"):
        studio.deploy(["ghost"], message="x")


def test_deploy_is_one_transaction(
    studio: Studio, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline(studio)
    studio.commit(message="v1")
    real = version_store.record_deployment
    calls = []

    def failing(*args: object, **kwargs: object) -> object:
        calls.append(args)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(version_store, "record_deployment", failing)
    with pytest.raises(RuntimeError):
        studio.deploy(message="boom")
    monkeypatch.setattr(version_store, "record_deployment", real)
    assert studio.deployed() == {} and len(studio.pending_deploy()) == 3
    db = ws.open_state()
    assert db.execute("SELECT COUNT(*) FROM deployments").fetchone()[0] == 0
    db.close()


def test_delete_then_deploy_undeploys(studio: Studio, ws: Workspace) -> None:
    pipeline(studio)
    studio.commit(message="v1")
    studio.deploy(message="live")
    for suffix in (".toml", ".sql"):
        (ws.workflows_dir / "report" / f"ads_report{suffix}").unlink()
    assert {s.name: s.status for s in studio.list_nodes()}["ads_report"] == "deleted"
    result = studio.commit(message="retire the report")
    assert [(v.node, v.version, v.change, v.spec) for v in result.versions] == [("ads_report", 2, "delete", None)]  # fmt: skip
    assert {s.name: s.status for s in studio.list_nodes()}["ads_report"] == "undeploy pending"
    assert [(p.node, p.change) for p in studio.pending_deploy()] == [("ads_report", "delete")]
    done = studio.deploy(message="undeploy")
    assert [(d.node, d.change) for d in done] == [("ads_report", "delete")]
    assert "ads_report" not in studio.deployed()
    assert "ads_report" not in {s.name for s in studio.list_nodes()}
    # re-created later: the same stable node id ($nodeid), version numbers go on
    old_id = studio.versions("ads_report")[0].node_id
    studio.create_node("ads_report", "report", "sql", code=REPORT, params=P)
    again = studio.commit(message="back").versions[0]
    assert (again.node_id, again.version, again.change) == (old_id, 3, "new")


def test_undeploying_a_parent_that_production_still_reads_is_refused(
    studio: Studio, ws: Workspace
) -> None:
    pipeline(studio)
    studio.commit(message="v1")
    studio.deploy(message="live")
    for suffix in (".toml", ".sql"):
        (ws.workflows_dir / "sales" / f"ods_orders{suffix}").unlink()
    result = studio.commit(message="drop the load")
    assert any(
        "deleting ods_orders: dwd_orders still read its outputs" in w for w in result.warnings
    )
    with pytest.raises(DeployError, match="undeploying ods_orders: dwd_orders still read"):
        studio.deploy(message="x")
    assert "ods_orders" in studio.deployed()


def test_basic_mode_commit_is_live(tmp_path: Path, clock: Clock) -> None:
    ws = Workspace.init(tmp_path / "basic", project="solo", mode="basic")
    studio = Studio(ws, user="bob", clock=clock)
    studio.create_node("load", "w", "sql", code="INSERT OVERWRITE TABLE t SELECT * FROM solo.src;")
    result = studio.commit(message="live")
    assert [(d.node, d.version) for d in result.deployments] == [("load", 1)]
    assert result.versions[0].deployed and studio.deployed()["load"].outputs == (
        "solo.load",
        "solo.t",
    )
    assert studio.list_nodes()[0].status == "deployed"
    with pytest.raises(MaxworksError, match="basic mode"):
        studio.deploy(message="x")


def test_show_node(studio: Studio, ws: Workspace) -> None:
    pipeline(studio)
    studio.commit(["ods_orders"], message="v1")
    detail = studio.show_node("dwd_orders")
    assert detail.parsed is not None and detail.parsed.inputs == ("shop.ods_orders",)
    assert detail.inputs == ("shop.ods_orders",) and detail.outputs == ("shop.dwd_orders",)
    assert detail.upstream == ("ods_orders",) and detail.downstream == ("ads_report",)
    assert detail.status.status == "new" and detail.status.uncommitted
    load = studio.show_node("ods_orders")
    assert load.upstream == ("shop_root",) and load.invalid_inputs == ("shop.raw_orders",)
    assert (
        load.status.status == "committed" and load.status.undeployed and not load.status.uncommitted
    )
    assert [v.version for v in load.versions] == [1]
    with pytest.raises(WorkspaceError, match="no node named"):
        studio.show_node("ghost")


def test_list_nodes_reports_broken_files_without_failing(studio: Studio, ws: Workspace) -> None:
    pipeline(studio)
    (ws.workflows_dir / "sales" / "broken.toml").write_text('type = "sql"\n', encoding="utf-8")
    rows = {s.name: s for s in studio.list_nodes()}
    assert rows["broken"].status == "invalid" and "code file" in (rows["broken"].error or "")
    assert rows["dwd_orders"].status == "new"


def test_diff(studio: Studio, ws: Workspace) -> None:
    pipeline(studio)
    studio.commit(message="v1")
    assert studio.diff("dwd_orders") == ""
    code_file(ws, "sales", "dwd_orders").write_text(CLEAN.replace("shop_dev.ods_orders", "ads_x"), encoding="utf-8")  # fmt: skip
    text = studio.diff("dwd_orders")
    assert "--- dwd_orders v1: dwd_orders.sql\n+++ dwd_orders working copy: dwd_orders.sql" in text
    assert (
        "-SELECT id, amount FROM shop_dev.ods_orders" in text
        and "+SELECT id, amount FROM ads_x" in text
    )
    assert '-inputs = ["shop.ods_orders"]' in text and '+inputs = ["shop.ads_x"]' in text
    studio.commit(message="v2")
    between = studio.diff("dwd_orders", 1, 2)
    assert "--- dwd_orders v1: dwd_orders.toml\n+++ dwd_orders v2: dwd_orders.toml" in between
    assert studio.diff("dwd_orders", 2) == ""
    first = studio.diff("dwd_orders", None, 1)  # nothing -> v1: what a first deploy ships
    assert "--- dwd_orders (no version): dwd_orders.sql" in first and "+SELECT id, amount" in first
    with pytest.raises(WorkspaceError, match="has no version 7"):
        studio.diff("dwd_orders", 7)


def test_load_node_resolves_the_working_copy(studio: Studio) -> None:
    pipeline(studio)
    spec = studio.load_node("dwd_orders")
    assert type(spec).__name__ == "NodeSpec" and spec.inputs == ("shop.ods_orders",)


def test_parse_results_are_cached(
    studio: Studio, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline(studio)
    studio.list_nodes()
    import engine.studio.resolve as resolve_module

    def no_parsing(*args: object, **kwargs: object) -> object:
        raise AssertionError("parsed again")

    monkeypatch.setattr(resolve_module, "parse_io", no_parsing)
    assert [s.status for s in studio.list_nodes()] == ["new", "new", "new"]
    studio.commit(message="from the cache")
    assert len(studio.versions("ads_report")) == 1


def test_commit_time_comes_from_the_clock(studio: Studio, clock: Clock) -> None:
    clock.now = datetime(2030, 1, 2, 3, 4, 5)
    studio.create_node("n", "w", "virtual")
    assert studio.commit(message="m").versions[0].committed_at == datetime(2030, 1, 2, 3, 4, 5)
