"""Table permissions for SQL: the bypass corpus (every attempt refused before anything runs),
what must stay allowed, grants by action and column, and masking of what a grant shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.api import Api
from engine.errors import PermissionDenied, SqlError
from engine.workspace import Workspace
from tests.conftest import Clock

CORPUS = Path(__file__).parent.parent / "corpus" / "security" / "bypass_attempts.sql"

SETUP = """
CREATE TABLE shop.users (id BIGINT, phone STRING, email STRING, nick STRING COMMENT 'nickname', city STRING);
INSERT INTO shop.users VALUES (1, '13812345678', 'alice@example.com', 'Alice', 'Hangzhou'),
                              (2, '13998765432', 'bob@example.org', 'Bob', 'Beijing');
CREATE TABLE shop.orders (order_id BIGINT, user_id BIGINT) PARTITIONED BY (dt STRING);
INSERT INTO shop.orders PARTITION (dt='20250314') VALUES (10, 1);
CREATE TABLE shop_dev.t (a BIGINT);
INSERT INTO shop_dev.t VALUES (1);
CREATE VIEW shop_dev.v_users AS SELECT id, phone, city FROM shop.users;
CREATE VIEW shop_dev.v_users2 AS SELECT phone AS p FROM shop_dev.v_users;
CREATE VIEW shop_dev.v_dev AS SELECT a FROM shop_dev.t;
"""


def cases() -> list[tuple[str, str, str]]:
    text = CORPUS.read_text(encoding="utf-8")
    out = []
    for chunk in re.split(r"^-- case: ", text, flags=re.M)[1:]:
        name, _, body = chunk.partition("\n")
        env = "prod" if re.search(r"^-- env: prod$", body, re.M) else "dev"
        out.append((name.strip(), env, body))
    return out


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Api.init_workspace(tmp_path_factory.mktemp("sec") / "shop", project="shop")
    owner = Api(ws, clock=Clock())
    run = owner.run_sql(SETUP)
    assert run.result.error is None, run.result.error
    owner.security.add_member("dev1", "developer")
    owner.security.add_member("ana", "analyst")
    owner.security.add_member("guest", "visitor")
    return ws


def _rows(ws: Workspace, sql: str) -> list[tuple[object, ...]]:
    run = Api(ws, clock=Clock()).run_sql(sql, env="prod")
    assert run.result.last_query is not None
    return list(run.result.last_query.rows or [])


@pytest.mark.parametrize(("name", "env", "sql"), cases(), ids=[c[0] for c in cases()])
def test_every_bypass_attempt_is_refused_before_anything_runs(
    shop: Workspace, name: str, env: str, sql: str
) -> None:
    dev = Api(shop, user="dev1", clock=Clock())
    before = _rows(shop, "SELECT count(*) FROM shop.users")
    with pytest.raises((PermissionDenied, SqlError)) as caught:
        dev.run_sql(sql, env=env, params={"src": "shop"})  # type: ignore[arg-type]
    if name != "cannot be parsed":
        assert isinstance(caught.value, PermissionDenied), caught.value
        assert "dev1" in str(caught.value)
    assert _rows(shop, "SELECT count(*) FROM shop.users") == before
    tables = {r[0] for r in _rows(shop, "SHOW TABLES IN shop_dev")}
    assert not tables & {"copy_users", "like_users", "v_new"}


def test_the_corpus_is_large_enough() -> None:
    assert len(cases()) >= 40


@pytest.mark.parametrize(
    ("sql", "env"),
    [
        ("WITH users AS (SELECT 1 AS id) SELECT * FROM users", "prod"),  # CTE shadows a prod table
        ("WITH t AS (SELECT 1 AS a) SELECT * FROM t", "dev"),
        ("SELECT * FROM shop_dev.t", "dev"),
        ("SELECT * FROM v_dev", "dev"),  # a view over dev tables
        ("SELECT 'shop.users' AS s", "dev"),
        ("-- SELECT * FROM shop.users\nSELECT 1", "dev"),
        ("SELECT /* shop.users */ a FROM t", "dev"),
        ("SHOW TABLES IN shop", "dev"),
        ("DESC t", "dev"),
    ],
)
def test_development_work_is_not_refused(shop: Workspace, sql: str, env: str) -> None:
    run = Api(shop, user="dev1", clock=Clock()).run_sql(sql, env=env)  # type: ignore[arg-type]
    assert run.result.error is None, run.result.error


def test_refusal_names_user_role_and_what_would_allow_it(shop: Workspace) -> None:
    with pytest.raises(PermissionDenied) as caught:
        Api(shop, user="dev1", clock=Clock()).run_sql("SELECT * FROM v_users")
    text = str(caught.value)
    assert "dev1 (Developer)" in text
    assert "shop.users" in text and "through view shop_dev.v_users" in text
    assert "maxworks grant request shop.users" in text
    assert caught.value.exit_code == 3


def test_visitor_cannot_query_and_analyst_cannot_write(shop: Workspace) -> None:
    with pytest.raises(PermissionDenied, match=r"guest \(Visitor\) may not run SQL"):
        Api(shop, user="guest", clock=Clock()).run_sql("SELECT 1")
    ana = Api(shop, user="ana", clock=Clock())
    assert ana.run_sql("SELECT a FROM t").result.error is None
    with pytest.raises(PermissionDenied, match=r"ana \(Data analyst\) may not write shop_dev\.x"):
        ana.run_sql("CREATE TABLE x (a BIGINT)")


def test_grant_by_action_and_columns_with_masking(tmp_path: Path) -> None:
    ws = Api.init_workspace(tmp_path / "g", project="shop")
    clock = Clock()
    owner = Api(ws, clock=clock)
    owner.run_sql(SETUP)
    owner.security.add_member("dev2", "developer")
    dev = Api(ws, user="dev2", clock=clock)
    req = dev.security.request("shop.users", columns=["id", "phone"], reason="churn study", days=3)
    owner.security.approve(req.id, "ok")
    rows = dev.run_sql("SELECT id, phone FROM shop.users ORDER BY id LIMIT 10").result.last_query
    assert rows is not None and rows.rows == [(1, "138****5678"), (2, "139****5432")]
    with pytest.raises(PermissionDenied, match="reads every column"):
        dev.run_sql("SELECT * FROM shop.users")
    with pytest.raises(PermissionDenied, match=r"column\(s\) email"):
        dev.run_sql("SELECT id, email FROM shop.users")
    with pytest.raises(PermissionDenied, match="no update permission"):
        dev.run_sql("INSERT INTO TABLE shop.users SELECT 3, 'a', 'b', 'c', 'd'")
    # a view over granted columns is checked against its base table (which needs a full grant)
    with pytest.raises(PermissionDenied):
        dev.run_sql("SELECT * FROM v_users")
    # describe comes with select
    assert dev.run_sql("DESC shop.users").result.error is None


def test_unmasked_whitelist_and_owner_see_clear_values(tmp_path: Path) -> None:
    ws = Api.init_workspace(tmp_path / "w", project="shop")
    owner = Api(ws, clock=Clock())
    owner.run_sql(SETUP)
    row = owner.run_sql("SELECT phone FROM shop.users WHERE id = 1").result.last_query
    assert row is not None and row.rows == [("13812345678",)]
    cfg = ws.root / "maxworks.toml"
    cfg.write_text(cfg.read_text() + '\n[security]\nunmasked = ["dev3"]\n')
    owner.security.add_member("dev3", "admin")
    admin = Api(Workspace.load(ws.root), user="dev3", clock=Clock())
    row = admin.run_sql("SELECT phone FROM shop.users WHERE id = 1").result.last_query
    assert row is not None and row.rows == [("13812345678",)]
    owner.security.add_member("adm", "admin")  # an admin reads prod, masked
    row = Api(ws, user="adm", clock=Clock()).run_sql(
        "SELECT phone AS x FROM shop.users WHERE id = 1"
    )
    assert row.result.last_query is not None and row.result.last_query.rows == [("138****5678",)]
