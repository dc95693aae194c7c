"""Roles enforced in the engine API for every operation, members, identity, grants with expiry,
approval flows (default and multi-level custom), classification, masking methods and the audit
hash chain."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from engine.api import Api
from engine.errors import ConfigError, MaxworksError, PermissionDenied
from engine.scheduler.model import DagType
from engine.security import audit
from engine.security.classify import by_content, by_metadata, id_card_ok, luhn_ok
from engine.security.config import parse_security
from engine.security.masking import parse_method
from engine.security.roles import ACTIONS, MATRIX, ROLES, allows
from engine.security.service import _resolve_principal
from engine.workspace import Workspace
from tests.conftest import Clock

USERS = """
CREATE TABLE shop.users (id BIGINT, phone STRING, email STRING, nick STRING COMMENT 'nickname',
                         cert STRING, card STRING, note STRING);
INSERT INTO shop.users VALUES
  (1, '13812345678', 'alice@example.com', 'Alice', '11010519491231002X', '4111111111111111', 'x'),
  (2, '13998765432', 'bob@example.org', 'Bob', '440301199001011234', '5500005555555559', 'y');
"""


@pytest.fixture
def shop(tmp_path: Path) -> Workspace:
    ws = Api.init_workspace(tmp_path / "shop", project="shop")
    owner = Api(ws, clock=Clock())
    assert owner.run_sql(USERS).result.error is None
    for user, role in [("dev", "developer"), ("pe", "ops"), ("dep", "deployer"), ("guest", "visitor"),
                       ("sec", "security"), ("ana", "analyst"), ("adm", "admin")]:  # fmt: skip
        owner.security.add_member(user, role)
    return ws


# -- roles ------------------------------------------------------------------------------------
def test_the_creator_is_the_owner_and_every_role_is_in_the_table(shop: Workspace) -> None:
    members = {m.user: m.role for m in Api(shop).security.members()}
    assert members["root"] == "owner" or len([r for r in members.values() if r == "owner"]) == 1
    assert set(MATRIX) == set(ROLES)
    assert all(set(actions) <= set(ACTIONS) for actions in MATRIX.values())
    assert MATRIX["owner"] == frozenset(ACTIONS)
    assert not allows("developer", "deploy") and allows("ops", "deploy")
    assert not allows("developer", "sql.prod") and allows("admin", "sql.prod")


OPS: dict[str, tuple[str, Callable[[Api], object]]] = {
    "rerun": ("ops.rerun", lambda a: a.ops.rerun([999])),
    "rerun_downstream": ("ops.rerun", lambda a: a.ops.rerun_downstream(999)),
    "kill": ("ops.kill", lambda a: a.ops.kill([999])),
    "set_success": ("ops.set_success", lambda a: a.ops.set_success([999])),
    "freeze": ("ops.freeze", lambda a: a.ops.freeze([999])),
    "remove_upstream": ("ops.remove_upstream", lambda a: a.ops.remove_upstream(999)),
    "freeze_node": ("ops.freeze", lambda a: a.ops.freeze_node("nope")),
    "backfill": ("ops.backfill", lambda a: a.ops.backfill("nope", [(date(2025, 3, 1), date(2025, 3, 1))])),
    "test_run": ("ops.test_run", lambda a: a.ops.test_run("nope", date(2025, 3, 1))),
    "studio_run": ("studio.run", lambda a: a.ops.test_run("nope", date(2025, 3, 1), working_copy=True)),
    "create_node": ("studio.edit", lambda a: a.studio.create_node("n1", "wf", "odps_sql", code="SELECT 1")),
    "commit": ("studio.commit", lambda a: a.studio.commit(["nope"], "m")),
    "deploy": ("deploy", lambda a: a.studio.deploy(["nope"], "m")),
    "sql": ("sql.query", lambda a: a.run_sql("SELECT 1")),
    "members_add": ("security.members", lambda a: a.security.add_member("zed", "visitor")),
    "audit": ("security.audit", lambda a: a.security.audit_rows()),
    "classify": ("security.classify", lambda a: a.security.classify("shop.users")),
    "grants_all": ("security.grant", lambda a: a.security.grants(everyone=True)),
    "lifecycle": ("ops.lifecycle", lambda a: a.lifecycle_sweep()),
    "lead": ("scheduler.lead", lambda a: a.ops.scheduler().stop()),
}  # fmt: skip

ROLE_USERS = {"developer": "dev", "ops": "pe", "deployer": "dep", "visitor": "guest",
              "security": "sec", "analyst": "ana", "admin": "adm", "owner": "root"}  # fmt: skip


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_operation_is_enforced_in_the_api_for_every_role(shop: Workspace, op: str) -> None:
    action, call = OPS[op]
    for role, user in ROLE_USERS.items():
        api = Api(shop, user=user if role != "owner" else None, clock=Clock())
        if role == "owner":
            user = api.user
        try:
            call(api)
        except PermissionDenied as err:
            assert not allows(role, action), f"{role} refused {op}: {err}"
            assert f"{user} ({ROLES[role]})" in str(err)
            assert "needs one of the roles" in str(err)
        except MaxworksError:
            assert allows(role, action), f"{role} was not refused {op}"
        else:
            assert allows(role, action), f"{role} was not refused {op}"


def test_a_non_member_reads_nothing_of_the_workspace(shop: Workspace) -> None:
    api = Api(shop, user="mallory", clock=Clock())
    api.security.os_user = "mallory"  # as if the process ran as that OS user
    for module, read in [
        ("studio", lambda: api.studio.list_nodes()),
        ("ops", lambda: api.ops.monitor()),
        ("map", lambda: api.datamap.search("users")),
    ]:
        with pytest.raises(PermissionDenied, match="mallory is not a member") as err:
            read()
        assert "maxworks members add mallory" in (err.value.hint or ""), module
    refused = [r for r in Api(shop, clock=Clock()).security.audit_rows() if r.user == "mallory"]
    assert refused and all(r.outcome == "refused" for r in refused)
    # a member with the least of roles reads
    guest = Api(shop, user="guest", clock=Clock())
    assert guest.studio.list_nodes() == []


def test_leading_the_scheduler_takes_an_ops_role_and_a_writable_session(shop: Workspace) -> None:
    dev = Api(shop, user="dev", clock=Clock())
    with pytest.raises(PermissionDenied, match=r"dev \(Developer\) may not run the scheduler"):
        dev.ops.scheduler()
    dev.ops.scheduler(scope=(1, 2), generate=False).stop()  # leading for one test run is the run's
    pe = Api(shop, user="pe", clock=Clock())
    pe.ops.scheduler().stop()
    pe.readonly = True
    with pytest.raises(
        MaxworksError, match="starting the scheduler refused: this session is read-only"
    ):
        pe.ops.scheduler()


def test_non_members_are_refused_and_only_an_owner_may_act_as_another_user(shop: Workspace) -> None:
    from engine.security.service import Security

    mallory = Security(shop, user="mallory", clock=Clock())
    mallory.os_user = "mallory"  # as if the process ran as that OS user
    with pytest.raises(PermissionDenied, match="mallory is not a member"):
        mallory.members()
    with pytest.raises(PermissionDenied, match="mallory is not a member"):
        mallory.check_sql("SELECT 1", "dev", None)
    # the Owner running code under a name that is no member keeps the Owner's role (tests, demo)
    assert Api(shop, user="mallory").security.principal.role == "owner"
    db = shop.open_state()
    try:
        with pytest.raises(PermissionDenied, match="dev may not act as adm"):
            _resolve_principal(db, "adm", "dev")
        assert _resolve_principal(db, "dev", "dev").role == "developer"
    finally:
        db.close()


def test_members_add_remove_role_and_the_last_owner_stays(shop: Workspace) -> None:
    owner = Api(shop, clock=Clock())
    me = owner.user
    adm = Api(shop, user="adm", clock=Clock())
    adm.security.add_member("newbie", "Developer")
    adm.security.set_role("newbie", "O&M")
    assert {m.user: m.role for m in adm.security.members()}["newbie"] == "ops"
    with pytest.raises(PermissionDenied, match="make workspace owners"):
        adm.security.set_role("newbie", "owner")
    with pytest.raises(PermissionDenied):
        adm.security.remove_member(me)
    with pytest.raises(MaxworksError, match="only owner"):
        owner.security.set_role(me, "admin")
    adm.security.remove_member("newbie")
    assert "newbie" not in {m.user for m in owner.security.members()}
    with pytest.raises(MaxworksError, match="unknown role"):
        owner.security.add_member("x", "wizard")
    with pytest.raises(PermissionDenied):
        Api(shop, user="dev").security.add_member("y", "visitor")


def test_existing_workspace_without_members_gets_the_state_db_owner(tmp_path: Path) -> None:
    from engine.identity import current_user
    from engine.store.migrations import MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.close()
    import sqlite_utils

    db = sqlite_utils.Database(path)
    MIGRATIONS.apply(db)
    assert db.execute("SELECT user, role FROM members").fetchall() == [(current_user(), "owner")]


# -- requests, approvals, grants ------------------------------------------------------------------
def test_request_approve_expire_renew_revoke_with_injected_time(shop: Workspace) -> None:
    clock = Clock()
    owner = Api(shop, clock=clock)
    dev = Api(shop, user="dev", clock=clock)
    with pytest.raises(PermissionDenied):
        dev.run_sql("SELECT id FROM shop.users")
    with pytest.raises(MaxworksError, match="needs a reason"):
        dev.security.request("users", reason=" ")
    with pytest.raises(MaxworksError, match="not a production table"):
        dev.security.request("shop_dev.x", reason="r")
    req = dev.security.request("users", reason="monthly report", days=2)
    assert req.state == "pending" and req.table_owner == owner.user and req.flow == "default"
    assert [r.id for r in owner.security.requests(pending_for_me=True)] == [req.id]
    assert dev.security.requests(pending_for_me=True) == []
    with pytest.raises(PermissionDenied, match="cannot decide their own"):
        dev.security.approve(req.id)
    with pytest.raises(PermissionDenied, match="not an approver"):
        Api(shop, user="pe", clock=clock).security.approve(req.id)
    done = owner.security.approve(req.id, "fine")
    assert done.state == "approved" and done.grant_id is not None
    with pytest.raises(MaxworksError, match="only pending"):
        owner.security.reject(req.id, "late")
    assert dev.run_sql("SELECT id FROM shop.users").result.error is None
    clock.now += timedelta(days=2, seconds=1)
    with pytest.raises(PermissionDenied, match="expired"):
        dev.run_sql("SELECT id FROM shop.users")
    with pytest.raises(PermissionDenied):
        dev.security.renew(done.grant_id, 5)
    renewed = Api(shop, user="adm", clock=clock).security.renew(done.grant_id, 5)
    assert renewed.active(clock.now)
    assert dev.run_sql("SELECT id FROM shop.users").result.error is None
    dev.security.revoke(done.grant_id)  # returning one's own grant
    with pytest.raises(PermissionDenied):
        dev.run_sql("SELECT id FROM shop.users")
    # the requester was notified of the outcome
    db = shop.open_state()
    try:
        codes = [
            r[0]
            for r in db.execute("SELECT code FROM events WHERE code LIKE 'permission%' ORDER BY id")
        ]
        data = db.execute(
            "SELECT data FROM events WHERE code = 'permission-request-approved'"
        ).fetchone()[0]
    finally:
        db.close()
    assert codes == ["permission-request-created", "permission-request-approved", "permission-renewed",
                     "permission-revoked"]  # fmt: skip
    assert '"requester": "dev"' in data


def test_reject_needs_a_reason_and_notifies(shop: Workspace) -> None:
    dev = Api(shop, user="dev", clock=Clock())
    req = dev.security.request("shop.users", columns=["id"], reason="r")
    adm = Api(shop, user="adm", clock=Clock())
    with pytest.raises(MaxworksError, match="needs a reason"):
        adm.security.reject(req.id, "")
    assert adm.security.reject(req.id, "use the report instead").state == "rejected"
    assert [r.state for r in dev.security.requests(mine=True)] == ["rejected"]


def test_custom_multi_level_flow_by_sensitivity(shop: Workspace) -> None:
    cfg = shop.root / "maxworks.toml"
    cfg.write_text(
        cfg.read_text()
        + """
[[approval_flows]]
name = "pii"
projects = ["shop"]
min_level = 3
[[approval_flows.levels]]
roles = ["admin"]
[[approval_flows.levels]]
users = ["sec"]
"""
    )
    ws = Workspace.load(shop.root)
    dev = Api(ws, user="dev", clock=Clock())
    low = dev.security.request("shop.users", columns=["id", "note"], reason="counts")
    assert low.flow == "default"
    high = dev.security.request("shop.users", columns=["phone"], reason="call customers")
    assert (high.flow, high.levels) == ("pii", 2)
    owner = Api(ws, clock=Clock())
    with pytest.raises(PermissionDenied, match="level 1 of 2"):
        owner.security.approve(high.id)  # the owner is not a level-1 approver of this flow
    assert Api(ws, user="adm", clock=Clock()).security.approve(high.id).state == "pending"
    with pytest.raises(PermissionDenied, match="already approved an earlier level"):
        Api(ws, user="adm", clock=Clock()).security.approve(high.id)
    with pytest.raises(PermissionDenied, match="level 2 of 2"):
        owner.security.approve(high.id)
    done = Api(ws, user="sec", clock=Clock()).security.approve(high.id, "ok")
    assert done.state == "approved"
    _, decisions, _ = dev.security.request_detail(high.id)
    assert [(d.level, d.approver) for d in decisions] == [(1, "adm"), (2, "sec")]


def test_flow_config_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match=r"approval_flows\[0\].levels\[0\]: names no approver"):
        parse_security({"approval_flows": [{"name": "x", "levels": [{}]}]}, None)
    with pytest.raises(ConfigError, match="unknown role 'boss'"):
        parse_security({"approval_flows": [{"name": "x", "levels": [{"roles": ["boss"]}]}]}, None)
    with pytest.raises(ConfigError, match=r"security\.nope"):
        parse_security({"security": {"nope": 1}}, None)


# -- classification and masking ------------------------------------------------------------------
def test_classification_by_name_comment_and_content(shop: Workspace) -> None:
    (_table, classes), = Api(shop, clock=Clock()).security.classify("shop.users")  # fmt: skip
    found = {c.column: (c.category, c.source) for c in classes if c.level}
    assert found == {
        "phone": ("phone", "name"),
        "email": ("email", "name"),
        "nick": ("person_name", "name"),
        "cert": ("id_card", "content"),
        "card": ("bank_card", "content"),
    }
    assert by_metadata("contact", "mobile number of the buyer") is not None
    assert by_content("x", ["4111111111111112"]) is None  # fails Luhn
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert id_card_ok("11010519491231002X") and not id_card_ok("110105194912310021")
    assert by_content("x", ["12812345678"]) is None  # not a CN mobile prefix


def test_masking_methods() -> None:
    assert parse_method("partial:3:4", "s")("13812345678") == "138****5678"
    assert parse_method("partial:0:4", "s")("4111111111111111") == "************1111"
    assert parse_method("partial:3:4", "s")("abc") == "***"
    assert (
        parse_method("replace", "s")("x") == "***"
        and parse_method("replace:N/A", "s")("x") == "N/A"
    )
    assert parse_method("null", "s")("x") is None
    h = parse_method("hash", "salt")
    assert h("a") == h("a") != parse_method("hash", "pepper")("a") and len(h("a")) == 16
    assert parse_method("partial:1:0", "s")(None) is None
    with pytest.raises(MaxworksError):
        parse_method("rot13", "s")


def test_masking_follows_lineage_and_content_and_fails_closed(shop: Workspace) -> None:
    owner = Api(shop, clock=Clock())
    dev = Api(shop, user="dev", clock=Clock())
    req = dev.security.request("shop.users", reason="r")
    owner.security.approve(req.id)
    run = dev.run_sql(
        "WITH u AS (SELECT id, concat(phone, '') AS c, card AS k, note FROM shop.users) "
        "SELECT c AS harmless, k, u.note, cert FROM u JOIN shop.users s ON u.id = s.id ORDER BY harmless LIMIT 9"
    )
    rows = run.result.last_query
    assert rows is not None and rows.rows is not None
    first = rows.rows[0]
    assert first[0] == "138****5678" and first[1] == "************1111" and first[2] == "x"
    assert first[3] != "11010519491231002X" and len(first[3]) == 16  # hashed
    # a result column whose origin is unknown but matches content rules is masked as well
    run = dev.run_sql("SELECT '13812345678' AS plain")
    assert run.result.last_query is not None and run.result.last_query.rows == [("138****5678",)]


# -- audit ------------------------------------------------------------------------------------------
def _tamper(ws: Workspace, *sql: str) -> None:
    conn = sqlite3.connect(ws.state_path)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for s in sql:
        conn.execute(s)
    conn.commit()
    conn.close()


def test_audit_records_queries_and_operations(shop: Workspace) -> None:
    dev = Api(shop, user="dev", clock=Clock())
    with pytest.raises(PermissionDenied):
        dev.run_sql("SELECT phone FROM shop.users")
    with pytest.raises(PermissionDenied):
        dev.ops.kill([1])
    rows = Api(shop, clock=Clock()).security.audit_rows(limit=5)
    assert (rows[0].user, rows[0].action, rows[0].outcome) == ("dev", "ops.kill", "refused")
    assert (rows[1].action, rows[1].outcome) == ("sql.query", "refused")
    assert Api(shop).security.verify_audit().ok


@pytest.mark.parametrize(
    ("sql", "bad", "word"),
    [
        (["UPDATE audit_log SET user = 'eve' WHERE id = 3"], 3, "modified"),
        (["DELETE FROM audit_log WHERE id = 4"], 5, "missing"),
        (
            ["DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)"],
            None,
            "cut from the end",
        ),
        (
            [
                "INSERT INTO audit_log SELECT 100, at, user, os_user, action, target, tables_read, tables_written, "
                "masked, outcome, detail, prev_hash, hash FROM audit_log WHERE id = 2"
            ],
            100,
            "missing",
        ),
        (
            [
                "UPDATE audit_log SET id = 1000 WHERE id = 2",
                "UPDATE audit_log SET id = 2 WHERE id = 3",
                "UPDATE audit_log SET id = 3 WHERE id = 1000",
            ],
            2,
            "broken",
        ),
    ],
    ids=["edit", "delete", "truncate", "insert", "reorder"],
)
def test_audit_verify_finds_tampering_and_names_the_row(
    shop: Workspace, sql: list[str], bad: int | None, word: str
) -> None:
    assert audit.verify(shop.open_state()).rows >= 8
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        _tamper_keep_triggers(shop)
    _tamper(shop, *sql)
    verdict = Api(shop).security.verify_audit()
    assert not verdict.ok and word in verdict.reason, verdict
    if bad is not None:
        assert verdict.bad_id == bad, verdict


def _tamper_keep_triggers(ws: Workspace) -> None:
    conn = sqlite3.connect(ws.state_path)
    try:
        conn.execute("DELETE FROM audit_log WHERE id = 1")
    finally:
        conn.close()


def test_datastudio_run_checks_the_code_and_masks_the_kept_result(shop: Workspace) -> None:
    owner = Api(shop, clock=Clock())
    owner.studio.create_node(
        "peek", "wf", "odps_sql", code="SELECT id, phone AS x FROM shop.users;"
    )
    dev = Api(shop, user="dev", clock=Clock())
    with pytest.raises(
        PermissionDenied, match=r"no select permission on production table shop\.users"
    ):
        dev.ops.test_run("peek", date(2025, 3, 14), working_copy=True)
    owner.security.approve(dev.security.request("shop.users", reason="r").id)
    iid = dev.ops.test_run("peek", date(2025, 3, 14), working_copy=True)
    # a developer leads only for this run (a full leader needs an O&M role), as DataStudio does
    scope = (int(DagType.SMOKE_TEST), dev.ops.instance(iid).dag_id)
    (info,) = dev.ops.wait([iid], scope=scope, timeout=120)
    assert info.status_label == "succeeded", info.error
    mine = dev.ops.result(iid)
    clear = owner.ops.result(iid)
    assert mine is not None and clear is not None
    assert sorted(mine.table.column("x").to_pylist()) == ["138****5678", "139****5432"]
    assert sorted(clear.table.column("x").to_pylist()) == ["13812345678", "13998765432"]


def test_checks_and_masking_from_state_db_when_the_warehouse_is_held_elsewhere(
    shop: Workspace,
) -> None:
    """A leader in another process holds the warehouse: view texts, columns, comments and owners
    come from state.db (kept by earlier runs and the Data Map), and checks stay as strict."""
    from engine.security.catalog import StoredReader

    owner = Api(shop, clock=Clock())
    assert owner.run_sql("CREATE VIEW shop_dev.v_phone AS SELECT id, phone AS tel FROM shop.users")
    owner.datamap.refresh()
    dev = Api(shop, user="dev", clock=Clock())
    dev.run_sql("SELECT 1")  # a local run records the view texts
    db = shop.open_state()
    try:
        stored = StoredReader(db)
        with pytest.raises(PermissionDenied, match=r"through view shop_dev\.v_phone"):
            dev.security.check_sql("SELECT tel FROM v_phone", "dev", stored)
        owner.security.approve(dev.security.request("shop.users", columns=["id"], reason="r").id)
        dev.security.check_sql("SELECT id FROM shop.users", "dev", stored)
        with pytest.raises(PermissionDenied, match=r"column\(s\) phone"):
            dev.security.check_sql("SELECT phone FROM shop.users", "dev", stored)
        leader_said = owner.run_sql("SELECT tel AS t, id FROM v_phone ORDER BY id LIMIT 5").result
        masked = dev.security.mask(leader_said, "dev", stored)
    finally:
        db.close()
    assert masked.result.last_query is not None
    assert masked.result.last_query.rows == [("138****5678", 1), ("139****5432", 2)]


def test_role_checks_do_not_load_the_sql_engines() -> None:
    """Panes ask what the user may do at start-up: that must not import sqlglot or DuckDB."""
    import subprocess
    import sys

    code = (
        "import sys, engine.security.service, engine.security.roles\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'duckdb', 'sqlglot', 'pyarrow'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- permission requests are checked before anything is written ------------------------------------
def _created_requests(ws: Workspace) -> int:
    db = ws.open_state()
    try:
        return int(db.execute("SELECT count(*) FROM permission_requests").fetchone()[0])
    finally:
        db.close()


def test_a_request_is_checked_whole_before_anything_is_written(shop: Workspace) -> None:
    dev = Api(shop, user="dev", clock=Clock())
    with pytest.raises(MaxworksError, match=r"no table shop\.nope in workspace") as err:
        dev.security.request_tables(["shop.users", "shop.nope"], reason="r")
    assert "`maxworks map search nope` finds tables" in (err.value.hint or "")
    with pytest.raises(MaxworksError, match=r"no table shop\.user in") as err:
        dev.security.request("user", reason="r")
    assert "did you mean shop.users?" in (err.value.hint or "")
    with pytest.raises(MaxworksError, match=r"shop\.users has no column nonexistent_col"):
        dev.security.request("shop.users", columns=["id", "nonexistent_col"], reason="r")
    with pytest.raises(MaxworksError, match="development tables need no grant"):
        dev.security.request_tables(["shop.users", "shop_dev.x"], reason="r")
    assert _created_requests(shop) == 0 and dev.security.requests(mine=True) == []
    # a table named twice is one request
    made = dev.security.request_tables(["users", "shop.users"], reason="r")
    assert [r.qualified for r in made] == ["shop.users"] and _created_requests(shop) == 1


def test_unknown_tables_are_refused_from_the_data_map_when_the_warehouse_is_held(
    shop: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process (the scheduler) holds the warehouse: the Data Map is the catalog."""
    from engine.executors.local import warehouse

    def held(workspace: Workspace) -> None:
        raise MaxworksError("cannot open the warehouse: held by another process")

    dev = Api(shop, user="dev", clock=Clock())
    monkeypatch.setattr(warehouse, "acquire", held)
    # never collected: existence cannot be known, so the request is taken as before
    unknown = dev.security.request("shop.nope", reason="r")
    assert unknown.table_owner is None
    monkeypatch.undo()
    Api(shop, clock=Clock()).datamap.refresh()
    monkeypatch.setattr(warehouse, "acquire", held)
    with pytest.raises(MaxworksError, match=r"no table shop\.no_such_table in workspace"):
        dev.security.request("shop.no_such_table", reason="r")
    with pytest.raises(MaxworksError, match="has no column nonexistent_col"):
        dev.security.request("shop.users", columns=["nonexistent_col"], reason="r")
    assert _created_requests(shop) == 1
    req = dev.security.request("shop.users", columns=["id"], reason="r")
    assert req.table_owner == Api(shop).user


def test_a_request_for_what_the_user_already_reaches_is_refused(shop: Workspace) -> None:
    clock = Clock()
    owner = Api(shop, clock=clock)
    for api in (owner, Api(shop, user="adm", clock=clock)):
        with pytest.raises(MaxworksError, match=r"can already select shop\.users: the role reads"):
            api.security.request("shop.users", reason="r")
    dev = Api(shop, user="dev", clock=clock)
    granted = owner.security.approve(
        dev.security.request("shop.users", columns=["id", "phone"], reason="r", days=2).id
    )
    with pytest.raises(MaxworksError, match=rf"can already select shop\.users \(id\): grant {granted.grant_id} is active"):  # fmt: skip
        dev.security.request("shop.users", columns=["id"], reason="again")
    with pytest.raises(MaxworksError, match="can already describe"):  # a select grant covers it
        dev.security.request("shop.users", columns=["phone"], action="describe", reason="r")
    more = dev.security.request("shop.users", columns=["id", "email"], reason="email too")
    assert more.state == "pending"
    assert dev.security.request("shop.users", action="update", reason="fix").state == "pending"
    clock.now += timedelta(days=3)  # the grant expired: asking again is right
    assert dev.security.request("shop.users", columns=["id"], reason="again").state == "pending"


def test_a_request_nobody_but_the_requester_could_approve_is_refused(shop: Workspace) -> None:
    cfg = shop.root / "maxworks.toml"
    cfg.write_text(
        cfg.read_text()
        + """
[[approval_flows]]
name = "self"
projects = ["shop"]
[[approval_flows.levels]]
users = ["dev"]
"""
    )
    ws = Workspace.load(shop.root)
    with pytest.raises(MaxworksError, match="nobody but dev could approve level 1 of flow self"):
        Api(ws, user="dev", clock=Clock()).security.request("shop.users", reason="r")
    assert _created_requests(ws) == 0
    assert (
        Api(ws, user="ana", clock=Clock()).security.request("shop.users", reason="r").flow == "self"
    )
