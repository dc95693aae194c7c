"""The working copy as files: round trip, validation errors naming the file and the key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.errors import ConfigError, WorkspaceError
from engine.scheduler.model import Cycle, InstanceMode, NodeType, Recurrence, RerunMode
from engine.studio import files
from engine.studio.draft import NodeDraft
from engine.studio.spec import BranchCondition, CrossCycle, Schedule
from engine.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws", project="shop")


def write(ws: Workspace, rel: str, text: str) -> Path:
    path = ws.workflows_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def full_draft() -> NodeDraft:
    return NodeDraft(
        name="dwd_orders",
        workflow="sales",
        type=NodeType.ODPS_SQL,
        code="-- orders\nINSERT OVERWRITE TABLE dwd_orders PARTITION (ds='${bizdate}')\nSELECT 1;\n",
        owner="alice",
        description='Orders, "cleaned" \\ deduplicated\tand ünïcode',
        schedule=Schedule(
            cycle=Cycle.WEEK,
            cron="00 05 00 ? * 1,4",
            start_date=date(2025, 1, 1),
            end_date=date(2026, 12, 31),
            instance_mode=InstanceMode.IMMEDIATELY,
            recurrence=Recurrence.SKIP,
            rerun_mode=RerunMode.FAILURE_ALLOWED,
            rerun_times=3,
            rerun_interval_minutes=5,
            timeout_minutes=120,
            resource_group="default",
            priority=7,
        ),
        params=(("bizdate", "$bizdate"), ("last", "${yyyymmdd-1}"), ("hour", "$[hh24-1/24]")),
        inputs=("shop.dim_user", "shop.a", "shop.b", "shop.c"),
        outputs=("shop.dwd_orders_extra",),
        cross_cycle=CrossCycle(self_dependency=True, children=False, nodes=("ods_orders",)),
        auto_parse=False,
        exclude_inputs=("shop.upload",),
    )


def test_round_trip_of_every_field(ws: Workspace) -> None:
    draft = full_draft()
    path = files.write_node(ws, draft)
    assert path == ws.workflows_dir / "sales" / "dwd_orders.toml"
    assert (path.with_suffix(".sql")).read_text(encoding="utf-8") == draft.code
    loaded = files.load_node(ws, "dwd_orders")
    assert loaded == draft
    # Writing again gives the same bytes: stable order, diff-friendly.
    before = path.read_text(encoding="utf-8")
    files.write_node(ws, loaded)
    assert path.read_text(encoding="utf-8") == before


def test_branch_node_round_trip_and_no_code_file(ws: Workspace) -> None:
    draft = NodeDraft(
        name="route",
        workflow="flow",
        type=NodeType.BRANCH,
        branches=(BranchCondition("${input}==1", "shop.route_yes"), BranchCondition("${input}!=1", "shop.route_no")),
    )  # fmt: skip
    path = files.write_node(ws, draft)
    assert sorted(p.name for p in path.parent.iterdir()) == ["route.toml"]
    assert files.load_file(ws, path) == draft


def test_rendered_file_is_commented_toml(ws: Workspace) -> None:
    text = files.render_node(full_draft())
    assert 'cron = "00 05 00 ? * 1,4"' in text and "# weekly on Mon, Thu at 00:05" in text
    assert '[params]\nbizdate = "$bizdate"\nlast = "${yyyymmdd-1}"' in text
    assert text.index("[schedule]") < text.index("[params]") < text.index("[dependencies]")


def test_cycle_and_at_form_is_read_as_a_cron(ws: Workspace) -> None:
    path = write(ws, "f/n.toml", 'type = "virtual"\n[schedule]\ncycle = "weekly"\nat = "07:15"\nweekdays = ["mon", 5]\n')  # fmt: skip
    draft = files.load_file(ws, path)
    assert draft.schedule.cron == "00 15 07 ? * 1,5" and draft.schedule.cycle is Cycle.WEEK
    path = write(ws, "f/m.toml", 'type = "virtual"\n[schedule]\ncycle = "minute"\ninterval = 15\nstart = "08:00"\nend = "17:59"\n')  # fmt: skip
    assert files.load_file(ws, path).schedule.cron == "00 00-59/15 08-17 * * ?"


def test_defaults_for_a_minimal_file(ws: Workspace) -> None:
    write(ws, "flow/a.sql", "SELECT 1;\n")
    draft = files.load_file(ws, write(ws, "flow/a.toml", 'type = "sql"\n'))
    assert draft.type is NodeType.ODPS_SQL and draft.schedule == Schedule()
    assert draft.auto_parse and draft.code == "SELECT 1;\n" and draft.workflow == "flow"


@pytest.mark.parametrize(
    ("body", "key", "why"),
    [
        ('type = "sql"\ncolour = "red"\n', "colour", "unknown key"),
        ('type = "python9"\n', "type", "is not one of"),
        ('owner = "x"\n', "type", "is required"),
        ('type = "virtual"\n[schedule]\nrerun_times = 11\n', "schedule.rerun_times", "0 to 10"),
        ('type = "virtual"\n[schedule]\nrerun_interval_minutes = 0\n', "schedule.rerun_interval_minutes", "1 to 30"),
        ('type = "virtual"\n[schedule]\npriority = 2\n', "schedule.priority", "1, 3, 5, 7, 8"),
        ('type = "virtual"\n[schedule]\nresource_group = "gpu"\n', "schedule.resource_group", "not a resource group"),
        ('type = "virtual"\n[schedule]\ncron = "00 00 25 * * ?"\n', "schedule.cron", "25 in hours"),
        ('type = "virtual"\n[schedule]\ncron = "00 00 00 * * ?"\nat = "01:00"\n', "schedule.at", "either cron or cycle"),
        ('type = "virtual"\n[schedule]\ncycle = "day"\nat = "25:00"\n', "schedule.at", "HH:MM"),
        ('type = "virtual"\n[schedule]\ncycle = "week"\ncron = "00 00 00 * * ?"\n', "schedule.cycle", "day schedule"),
        ('type = "virtual"\n[schedule]\nretries = 1\n', "schedule.retries", "unknown key"),
        ('type = "virtual"\n[schedule]\nstart_date = 2025-02-01\nend_date = 2025-01-01\n', "schedule.end_date", "before"),
        ('type = "virtual"\n[schedule]\ninstance_mode = "T+2"\n', "schedule.instance_mode", "is not one of"),
        ('type = "virtual"\n[params]\nd = "${yyyymmdd"\n', "params.d", ""),
        ('type = "virtual"\n[params]\nd = 1\n', "params.d", "must be a string"),
        ('type = "virtual"\n[dependencies]\nauto_parse = "yes"\n', "dependencies.auto_parse", "true or false"),
        ('type = "virtual"\n[dependencies]\ninputs = ["a b"]\n', "dependencies.inputs", "not a valid name"),
        ('type = "virtual"\n[cross_cycle]\nnodes = "x"\n', "cross_cycle.nodes", "array"),
        ('type = "virtual"\n[[branch]]\ncondition = "1==1"\noutput = "x"\n', "branch", "only branch nodes"),
        ('type = "branch"\n[[branch]]\noutput = "x"\n', "branch[0].condition", "is required"),
    ],
)  # fmt: skip
def test_validation_errors_name_the_file_and_the_key(
    ws: Workspace, body: str, key: str, why: str
) -> None:
    path = write(ws, "flow/bad.toml", body)
    with pytest.raises(ConfigError) as caught:
        files.load_file(ws, path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}:"), message
    assert why in message


def test_invalid_toml_and_missing_files(ws: Workspace) -> None:
    path = write(ws, "flow/broken.toml", 'type = "sql\n')
    with pytest.raises(ConfigError, match=r"broken\.toml: invalid TOML"):
        files.load_file(ws, path)
    path = write(ws, "flow/nocode.toml", 'type = "shell"\n')
    with pytest.raises(ConfigError, match=r"nocode\.sh: the code file of node 'nocode' is missing"):
        files.load_file(ws, path)
    with pytest.raises(ConfigError, match="no such file"):
        files.load_file(ws, ws.workflows_dir / "flow" / "ghost.toml")
    with pytest.raises(WorkspaceError, match="no node named 'ghost'"):
        files.load_node(ws, "ghost")


def test_bad_names_in_paths(ws: Workspace) -> None:
    path = write(ws, "flow/bad-name.toml", 'type = "virtual"\n')
    with pytest.raises(ConfigError, match="not a valid node name"):
        files.load_file(ws, path)
    with pytest.raises(ConfigError, match="not a valid node name"):
        files.write_node(ws, NodeDraft(name="a.b", workflow="f", type=NodeType.VIRTUAL))


def test_duplicate_names_across_workflows_name_both_files(ws: Workspace) -> None:
    a = write(ws, "one/orders.toml", 'type = "virtual"\n')
    b = write(ws, "two/Orders.toml", 'type = "virtual"\n')
    with pytest.raises(ConfigError) as caught:
        files.list_nodes(ws)
    assert str(a) in str(caught.value) and str(b) in str(caught.value)


def test_list_nodes_is_sorted_and_ignores_other_files(ws: Workspace) -> None:
    write(ws, "b/zeta.toml", 'type = "virtual"\n')
    write(ws, "a/alpha.toml", 'type = "virtual"\n')
    write(ws, "a/notes.md", "hello")
    write(ws, "a/.hidden.toml", "garbage")
    assert [d.name for d in files.list_nodes(ws)] == ["alpha", "zeta"]


def test_many_node_files_load(ws: Workspace) -> None:
    # benchmark-shaped (no timing asserted): 2,000 generated nodes load; the timed version with
    # 10,000 nodes is tests/benchmarks/bench_studio.py
    for i in range(2000):
        write(ws, f"w{i % 20}/n{i}.toml", f'type = "sql"\n[schedule]\ncron = "00 {i % 60:02d} 01 * * ?"\n[params]\nbizdate = "$bizdate"\n')  # fmt: skip
        write(ws, f"w{i % 20}/n{i}.sql", f"INSERT OVERWRITE TABLE n{i} SELECT * FROM n{i - 1};\n")
    drafts = files.list_nodes(ws)
    assert len(drafts) == 2000 and all(d.params == (("bizdate", "$bizdate"),) for d in drafts)
