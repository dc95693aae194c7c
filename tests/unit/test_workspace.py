"""Workspaces: init, discovery, config validation."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.errors import ConfigError, WorkspaceError
from engine.workspace import Workspace, find_workspace_root
from engine.workspace.config import load_config, parse_config


def test_init_standard_creates_layout(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "w", project="shop")
    assert (ws.root / "maxworks.toml").is_file()
    assert (ws.root / "workflows").is_dir()
    assert ws.state_path.is_file()
    assert ws.warehouse_file("shop").is_file() and ws.warehouse_file("shop_dev").is_file()
    cfg = load_config(ws.root / "maxworks.toml")
    assert (cfg.mode, cfg.projects.dev, cfg.projects.prod, cfg.timezone) == (
        "standard",
        "shop_dev",
        "shop",
        "Asia/Shanghai",
    )
    assert cfg.engine == "local" and cfg.resource_groups[0].name == "default"
    conn = sqlite3.connect(ws.state_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = {r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")}
    assert {"m001_workspace_meta", "m002_query_history"} <= names


def test_init_basic_has_one_project(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "b", project="solo", mode="basic", timezone="UTC")
    assert ws.config.projects.dev is None
    assert ws.config.default_env == "prod"
    assert not ws.warehouse_file("solo_dev").exists()
    with pytest.raises(ConfigError, match="basic mode"):
        ws.config.project_for("dev")


def test_init_refuses_existing_workspace_and_changes_nothing(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "w", project="shop")
    before = {p: p.stat().st_mtime_ns for p in ws.root.rglob("*")}
    with pytest.raises(WorkspaceError, match="already exists"):
        Workspace.init(tmp_path / "w", project="other")
    after = {p: p.stat().st_mtime_ns for p in ws.root.rglob("*")}
    assert before == after


def test_init_rejects_bad_names_before_touching_disk(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a valid project name"):
        Workspace.init(tmp_path / "w", project="9bad-name")
    with pytest.raises(ConfigError, match="unknown time zone"):
        Workspace.init(tmp_path / "w", project="ok", timezone="Mars/Olympus")
    assert not (tmp_path / "w").exists()


def test_discover_walks_up_and_explains_outside(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "w", project="shop")
    deep = ws.root / "workflows" / "a" / "b"
    deep.mkdir(parents=True)
    assert find_workspace_root(deep) == ws.root
    assert Workspace.discover(cwd=deep).root == ws.root
    with pytest.raises(WorkspaceError, match="maxworks init"):
        Workspace.discover(cwd=tmp_path)


def test_missing_state_dir_is_reported(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "w", project="shop")
    for p in sorted(ws.state_dir.rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()
    ws.state_dir.rmdir()
    with pytest.raises(WorkspaceError, match="missing"):
        Workspace.load(ws.root)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[workspace]\nname="x"\nmode="weird"\n[projects]\nprod="x"\n',
            "workspace.mode: 'weird' is not one of",
        ),
        (
            '[workspace]\nname="x"\n[projects]\nprod="x"\n',
            "projects.dev: is required in standard mode",
        ),
        (
            '[workspace]\nname="x"\nmode="basic"\n[projects]\nprod="x"\ndev="y"\n',
            "projects.dev: is not allowed in basic mode",
        ),
        (
            '[workspace]\nname="x"\ncolour="red"\n[projects]\nprod="x"\n',
            "workspace.colour: unknown key",
        ),
        (
            '[workspace]\nname="x"\nmode="basic"\n[projects]\nprod="x"\n[[resource_groups]]\nname="g"\nslots=0\n',
            "resource_groups[0].slots",
        ),
        (
            '[workspace]\nname="x"\nmode="basic"\ntimezone="Nowhere/Land"\n[projects]\nprod="x"\n',
            "workspace.timezone: unknown time zone",
        ),
        ("[workspace\n", "invalid TOML"),
        ('[projects]\nprod="x"\n', "[workspace]: section is missing"),
    ],
)
def test_config_errors_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "maxworks.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_parse_config_defaults() -> None:
    cfg = parse_config(
        {"workspace": {"name": "n", "mode": "basic"}, "projects": {"prod": "p"}}, None
    )
    assert (
        cfg.timezone == "Asia/Shanghai"
        and cfg.engine == "local"
        and cfg.resource_groups[0].slots == 4
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_config(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "w", project="shop")
    (ws.root / "maxworks.toml").chmod(0)
    with pytest.raises(ConfigError, match="permission denied"):
        Workspace.load(ws.root)


def test_cli_init_and_global_workspace_option(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(main, ["init", str(tmp_path / "w"), "--project", "shop", "--mode", "basic"])
    assert r.exit_code == 0, r.output
    assert "Created workspace shop" in r.output
    r = runner.invoke(main, ["init", str(tmp_path / "w"), "--project", "shop"])
    assert r.exit_code == 1
    assert "already exists" in r.output
    r = runner.invoke(
        main, ["-w", str(tmp_path / "w"), "sql", "-e", "SELECT 1 AS one", "--format", "csv"]
    )
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0:2] == ["one", "1"]


def test_cli_outside_workspace_says_how_to_create(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["sql", "-e", "SELECT 1"])
    assert r.exit_code == 1
    assert "maxworks init" in r.output
