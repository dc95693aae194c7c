"""`maxworks doctor`: one line per check, a fix for each problem, non-zero exit on any problem."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli.doctor_cmd import Check, doctor, run_checks
from engine.workspace import Workspace
from tests.fixtures.maxcompute.replay import (
    ENDPOINT,
    ReplayAdapter,
    Reply,
    default_routes,
    error_reply,
    install,
    project_reply,
)

PERSONAL_SECRET = "doctor-personal-secret-Vb3"
SCHEDULING_SECRET = "doctor-scheduling-secret-Kq7"
TABLES_PAGE = '<?xml version="1.0" encoding="UTF-8"?><Tables><Marker></Marker></Tables>'


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in (
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "MW_SCHED_ID",
        "MW_SCHED_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)


def personal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tPersonalKey0001")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", PERSONAL_SECRET)


def scheduling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MW_SCHED_ID", "LTAI5tSchedulingKey02")
    monkeypatch.setenv("MW_SCHED_SECRET", SCHEDULING_SECRET)


def maxcompute_workspace(workspace: Workspace, endpoint: str = ENDPOINT) -> Workspace:
    """A workspace with engine = "maxcompute" and a [maxcompute] section in its file."""
    config_file = workspace.root / "maxworks.toml"
    config_file.write_text(
        config_file.read_text()
        + f'\n[maxcompute]\nendpoint = "{endpoint}"\nregion = "cn-shanghai"\n'
        'scheduling_access_key_id_env = "MW_SCHED_ID"\n'
        'scheduling_access_key_secret_env = "MW_SCHED_SECRET"\n'
    )
    return Workspace(workspace.root, dataclasses.replace(workspace.config, engine="maxcompute"))


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayAdapter]:
    adapter = default_routes(ReplayAdapter())
    install(monkeypatch, adapter)
    adapter.on("GET", r"/api/projects/demo_dev", project_reply())
    adapter.on("GET", r"/api/projects/demo_dev/tables", Reply(200, TABLES_PAGE))
    adapter.on("GET", r"/api/projects/demo", project_reply())
    adapter.on("GET", r"/api/projects/demo/tables", Reply(200, TABLES_PAGE))
    yield adapter


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


# -- local workspaces ----------------------------------------------------------------------------
def test_local_workspace_checks_the_warehouse_and_skips_maxcompute(workspace: Workspace) -> None:
    result = CliRunner().invoke(doctor, [], obj={"workspace": workspace.root})

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("ok") and "config" in lines[0]
    assert any(
        ln.startswith("ok") and "local warehouse" in ln and "demo_dev: 0 tables" in ln
        for ln in lines
    )
    assert any(ln.startswith("skip") and "MaxCompute checks are skipped" in ln for ln in lines)
    assert lines[-1] == "ready"


def test_a_missing_warehouse_file_is_a_problem(workspace: Workspace) -> None:
    workspace.warehouse_file("demo").unlink()

    result = CliRunner().invoke(doctor, [], obj={"workspace": workspace.root})

    assert result.exit_code == 1
    assert "PROBLEM  local warehouse" in result.output and "fix: restore" in result.output


def test_no_workspace_is_a_config_problem(tmp_path: Path) -> None:
    (check,) = run_checks(tmp_path / "nowhere")
    assert (check.name, check.level) == ("config", "problem") and check.fix


# -- MaxCompute workspaces -----------------------------------------------------------------------
def test_all_good(
    workspace: Workspace, server: ReplayAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    personal(monkeypatch)
    scheduling(monkeypatch)

    checks = run_checks(workspace=maxcompute_workspace(workspace), sleep=lambda _s: None)

    assert [(c.name, c.level) for c in checks] == [
        ("config", "ok"),
        ("maxcompute config", "ok"),
        ("credentials personal", "ok"),
        ("credentials scheduling", "ok"),
        ("connectivity", "ok"),
        ("access personal@dev", "ok"),
        ("access personal@prod", "ok"),
        ("access scheduling@dev", "ok"),
        ("access scheduling@prod", "ok"),
    ]
    found = by_name(checks)
    assert "from environment (ALIBABA_CLOUD_ACCESS_KEY_ID)" in found["credentials personal"].detail
    assert "from environment (MW_SCHED_ID)" in found["credentials scheduling"].detail
    assert "tables readable" in found["access personal@dev"].detail


def test_missing_scheduling_key_and_no_prod_access(
    workspace: Workspace, server: ReplayAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    personal(monkeypatch)
    denied = error_reply(
        403,
        "NoPermission",
        "ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege "
        "'odps:Read' on {acs:odps:*:projects/demo}.",
    )
    server.on("GET", r"/api/projects/demo", denied)

    checks = by_name(run_checks(workspace=maxcompute_workspace(workspace), sleep=lambda _s: None))

    missing = checks["credentials scheduling"]
    assert missing.level == "problem"
    assert (
        missing.fix is not None
        and "MW_SCHED_ID" in missing.fix
        and "MW_SCHED_SECRET" in missing.fix
    )
    assert checks["access personal@dev"].level == "ok"
    prod = checks["access personal@prod"]
    assert prod.level == "warn" and "no permission" in prod.detail  # normal in standard mode
    assert checks["access scheduling@prod"].level == "skip"


def test_unreachable_endpoint_is_one_connectivity_problem(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    personal(monkeypatch)
    scheduling(monkeypatch)
    ws = maxcompute_workspace(workspace, endpoint="http://127.0.0.1:9/api")

    checks = run_checks(workspace=ws, retry_attempts=1, sleep=lambda _s: None)

    last = checks[-1]
    assert (last.name, last.level) == ("connectivity", "problem")
    assert "cannot reach MaxCompute at http://127.0.0.1:9/api" in last.detail
    assert last.fix is not None and "endpoint" in last.fix
    assert not any(c.name.startswith("access") for c in checks)


def test_a_secret_in_maxworks_toml_is_refused_without_echoing_it(workspace: Workspace) -> None:
    config_file = workspace.root / "maxworks.toml"
    config_file.write_text(
        config_file.read_text()
        + f'\n[maxcompute]\nendpoint = "{ENDPOINT}"\naccess_key_secret = "{PERSONAL_SECRET}"\n'
    )
    ws = Workspace(workspace.root, dataclasses.replace(workspace.config, engine="maxcompute"))

    checks = by_name(run_checks(workspace=ws))

    problem = checks["maxcompute config"]
    assert problem.level == "problem" and "maxcompute.access_key_secret" in problem.detail
    assert PERSONAL_SECRET not in problem.line()


def test_doctor_never_prints_a_secret(
    workspace: Workspace, server: ReplayAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    personal(monkeypatch)
    scheduling(monkeypatch)

    text = "\n".join(c.line() for c in run_checks(workspace=maxcompute_workspace(workspace)))

    assert PERSONAL_SECRET not in text and SCHEDULING_SECRET not in text
    assert "****0001" in text  # only the key id's last four characters identify it


# -- once wired into the CLI (engine/workspace/config.py, workspace_cmd.py, COMMANDS) --------------
def _wired() -> str | None:
    from engine.cli import COMMANDS
    from engine.workspace.config import WorkspaceConfig

    if "doctor" not in COMMANDS:
        return "`doctor` is not registered in engine.cli.COMMANDS yet"
    if "maxcompute" not in {f.name for f in dataclasses.fields(WorkspaceConfig)}:
        return "engine/workspace/config.py does not parse [maxcompute] yet"
    return None


def test_init_maxcompute_then_doctor(
    tmp_path: Path, server: ReplayAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    reason = _wired()
    if reason:
        pytest.skip(reason)
    from engine.cli import main

    personal(monkeypatch)
    runner = CliRunner()
    ws = str(tmp_path / "mc")
    init = ["init", ws, "--project", "demo", "--engine", "maxcompute", "--endpoint", ENDPOINT]
    created = runner.invoke(main, [*init, "--region", "cn-shanghai"])
    assert created.exit_code == 0, created.output
    assert "[maxcompute]" in (tmp_path / "mc" / "maxworks.toml").read_text()

    result = runner.invoke(main, ["-w", ws, "doctor"])

    assert result.exit_code == 1  # the scheduling identity has no key yet
    assert "ok       access personal@dev" in result.output
    assert "PROBLEM  credentials scheduling" in result.output
    assert PERSONAL_SECRET not in result.output
